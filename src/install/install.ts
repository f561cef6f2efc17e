/**
 * install / uninstall: shims for the hooks the config uses, and nothing else.
 *
 * - Shims go into git's hooks directory (`git rev-parse --git-path hooks`: honours core.hooksPath;
 *   from a linked worktree it is the common one, so one install serves every worktree). In a
 *   husky 9 repository (core.hooksPath `.husky/_`) a line goes into `.husky/<hook>` instead, and
 *   each async hook also gets a per-clone shim in `<state dir>/shims/` that its line runs (see
 *   husky.ts): the shim is written before the line, so the line never names a shim not yet there.
 * - A hook that was there is kept as `<hook>.gitvan-chained` and restored by uninstall, bytes and
 *   mode. A `.gitvan-chained` file gitvan did not put there is a conflict: install refuses and
 *   changes nothing, unless forced.
 * - `<state dir>/install.json` records what was done; install reconciles against it (adds shims
 *   for new hooks, removes the shims of hooks that lost their jobs), so running it twice is a no-op;
 *   `ensureInstalled` adds, from inside a hook, the shims a config needs, and never removes one.
 * - Every change happens under `<state dir>/install.lock`.
 */
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { recordedName } from '../config/discover.js'
import { GitvanError } from '../errors.js'
import type { Repo } from '../git/repo.js'
import { coversHooks, type HookName, hooksOf, RUNNABLE_HOOKS } from '../hooks.js'
import type { Config } from '../types.js'
import type { HookChange } from './change.js'
import { chainExisting, type HookSlot, readSlot, writeShim } from './hookFiles.js'
import { addHuskyLine, huskyFile, huskyRunsHook, isHuskyHooksDir } from './husky.js'
import { shimmedHooks, writeHuskyShim } from './huskyShims.js'
import { takeLock, tryLock } from './lock.js'
import { type InstallMode, type InstallRecord, readRecord, recordFile, removeRecord, writeRecord } from './record.js'
import { currentRuntime, type Runtime, renderShim } from './shim.js'
import { tearDown } from './teardown.js'

export { hooksOf } from '../hooks.js'
export type { HookChange } from './change.js'
export type { InstallMode, InstallRecord } from './record.js'
export { type InstallState, installState } from './state.js'

export type InstallOptions = {
  /** Replace conflicting `.gitvan-chained` files instead of refusing. */
  readonly force?: boolean
  /** Called with one line per step (GITVAN_DEBUG=1). */
  readonly trace?: (line: string) => void
  /** The node, CLI and template the shims point at; this process's by default. */
  readonly runtime?: Runtime
}

export type InstallReport = {
  readonly mode: InstallMode
  readonly hooksDir: string
  /** The hooks gitvan is now installed for. */
  readonly hooks: readonly HookName[]
  readonly changes: readonly HookChange[]
  /** True when a file was written, renamed or removed. */
  readonly changed: boolean
}

const isChange = (change: HookChange): boolean =>
  change.kind !== 'unchanged' && change.kind !== 'husky-present' && change.kind !== 'conflict'

/**
 * A `.gitvan-chained` file is ours when the shim in front of it is ours or the record says we made
 * it. Otherwise installing would either rename the hook over it or start running it.
 */
const conflictOf = (slot: HookSlot, recorded: InstallRecord | undefined): boolean =>
  slot.chained &&
  (slot.current === 'foreign' || (slot.current === 'absent' && !(recorded?.chained.includes(slot.hook) ?? false)))

function conflictError(conflicts: readonly HookSlot[]): GitvanError {
  return new GitvanError(
    'USAGE',
    `Cannot install: ${conflicts.length === 1 ? 'a hook is' : `${conflicts.length} hooks are`} in the way.`,
    {
      details: [
        ...conflicts.map((slot) =>
          slot.current === 'foreign'
            ? `${slot.file} and ${slot.chainedFile} both exist: chaining the first would replace the second.`
            : `${slot.chainedFile} was not made by this gitvan install: the ${slot.hook} shim would run it.`,
        ),
        "Move the file you want to keep to the hook's name (or delete the other), or run 'gitvan install --force' to chain the hook that is in place.",
      ],
    },
  )
}

/**
 * core.hooksPath still names husky's `.husky/_`, but it is not there: husky was removed (or never
 * set up in this clone), and git runs no hook at all. Writing `.husky/<hook>` would help nobody.
 */
function huskyGone(repo: Repo): GitvanError {
  return new GitvanError(
    'USAGE',
    `Cannot install: git runs hooks from ${repo.hooksDir} (core.hooksPath), which does not exist, so no hook runs.`,
    {
      details: [
        'husky was removed, or it was never set up in this clone.',
        "Without husky: run 'git config --unset core.hooksPath', then 'gitvan install' again (the shims go into .git/hooks).",
        "With husky: run 'npx husky' (or 'npm install', whose prepare script runs it), then 'gitvan install'.",
      ],
    },
  )
}

type Plan = {
  readonly desired: readonly HookName[]
  readonly onConflict: 'throw' | 'skip'
  /**
   * Remove the shims of hooks that lost their jobs (install); false keeps them (the sync from a
   * hook: a branch whose config lacks a gate must not take that gate away from every branch).
   */
  readonly remove: boolean
  /** The config file to record (see InstallRecord.config); undefined keeps what the record says. */
  readonly config: string | null | undefined
}

/** What install is given of the config: its jobs, and where it was found when that is known. */
export type InstallConfig = Pick<Config, 'jobs'> & Partial<Pick<Config, 'root' | 'file'>>

const configOf = (config: InstallConfig): string | null | undefined =>
  config.root === undefined || config.file === undefined
    ? undefined
    : recordedName({ root: config.root, file: config.file })

function apply(repo: Repo, plan: Plan, options: InstallOptions): InstallReport {
  const trace = options.trace ?? (() => {})
  const runtime = options.runtime ?? currentRuntime()
  const mode: InstallMode = isHuskyHooksDir(repo.hooksDir) ? 'husky' : 'hooks'
  trace(
    `install: ${plan.desired.length === 0 ? 'no hook has a job' : `hooks with jobs: ${plan.desired.join(', ')}`}; ${mode === 'husky' ? 'husky' : 'hooks'} dir ${repo.hooksDir}`,
  )
  if (mode === 'husky' && !existsSync(repo.hooksDir)) throw huskyGone(repo)
  const recorded = readRecord(repo.stateDir)
  // An install in another place (core.hooksPath changed, or husky came or went) is taken away
  // whole; only an install in this same place counts when judging conflicts and what to drop.
  const moved = recorded !== undefined && (recorded.mode !== mode || recorded.hooksDir !== repo.hooksDir)
  const previous = moved ? undefined : recorded
  const lost = previous?.hooks.filter((hook) => !plan.desired.includes(hook)) ?? []
  const dropped = plan.remove ? lost : []
  const kept = plan.remove ? [] : lost
  const slots = mode === 'hooks' ? plan.desired.map((hook) => readSlot(repo.hooksDir, hook)) : []
  const conflicts = slots.filter((slot) => conflictOf(slot, previous))
  if (conflicts.length > 0 && !options.force && plan.onConflict === 'throw') throw conflictError(conflicts)

  const changes: HookChange[] = []
  if (moved) {
    trace(`install: was installed in ${recorded.hooksDir} (${recorded.mode}); removing that first`)
    changes.push(...tearDown(recorded, trace, repo.stateDir))
  }
  if (previous && dropped.length > 0) {
    trace(`install: ${dropped.join(', ')} no longer ${dropped.length === 1 ? 'has' : 'have'} jobs`)
    changes.push(
      ...tearDown(
        { ...previous, hooks: dropped, husky: previous.husky.filter((edit) => dropped.includes(edit.hook)) },
        trace,
        repo.stateDir,
      ),
    )
  }

  const installed: HookName[] = []
  const chained: HookName[] = []
  const husky = previous?.husky.filter((edit) => plan.desired.includes(edit.hook) || kept.includes(edit.hook)) ?? []
  if (kept.length > 0) trace(`install: keeping ${kept.join(', ')} (only 'gitvan install' removes hooks)`)
  mkdirSync(path.join(repo.stateDir, 'spool'), { recursive: true })

  if (mode === 'hooks') {
    mkdirSync(repo.hooksDir, { recursive: true })
    for (const slot of slots) {
      const conflict = conflicts.includes(slot)
      if (conflict && !options.force) {
        trace(`${slot.hook}: skipped, ${slot.chainedFile} is in the way`)
        changes.push({ kind: 'conflict', hook: slot.hook, file: slot.file, chainedFile: slot.chainedFile })
        continue
      }
      const shim = renderShim(slot.hook, runtime)
      if (slot.current === 'foreign') {
        trace(`${slot.hook}: keeping the existing hook as ${slot.chainedFile}`)
        chainExisting(slot)
        writeShim(slot.file, shim)
        changes.push({ kind: 'chained', hook: slot.hook, file: slot.file, chainedFile: slot.chainedFile })
      } else {
        const wrote = writeShim(slot.file, shim)
        trace(`${slot.hook}: ${wrote ? 'wrote' : 'already up to date:'} ${slot.file}`)
        const kind = !wrote ? 'unchanged' : slot.current === 'shim' ? 'updated' : 'installed'
        changes.push({ kind, hook: slot.hook, file: slot.file })
      }
      installed.push(slot.hook)
      if (slot.chained || slot.current === 'foreign') chained.push(slot.hook)
    }
  } else {
    const shimmed = shimmedHooks(plan.desired)
    for (const hook of plan.desired) {
      if (shimmed.includes(hook)) {
        const change = writeHuskyShim(repo.stateDir, hook, runtime)
        trace(
          `${hook}: ${change.kind === 'unchanged' ? 'per-clone shim already up to date:' : 'wrote the per-clone shim'} ${change.file}`,
        )
        changes.push(change)
      }
      const added = addHuskyLine(repo.hooksDir, hook)
      const runs = huskyRunsHook(repo.hooksDir, hook)
      const file = huskyFile(repo.hooksDir, hook)
      if (added.kind === 'added') {
        trace(`${hook}: added 'gitvan hook ${hook}' to ${file}`)
        husky.push(added.edit)
        changes.push({ kind: 'husky-added', hook, file, created: added.edit.created, runs })
      } else if (added.kind === 'upgraded') {
        trace(`${hook}: replaced the line of an older gitvan in ${file}`)
        changes.push({ kind: 'husky-updated', hook, file, runs })
      } else {
        trace(`${hook}: ${file} already calls gitvan`)
        changes.push({ kind: 'husky-present', hook, file, ours: added.ours, runs })
      }
      installed.push(hook)
    }
  }

  const record: InstallRecord = {
    schema: 'gitvan.install.v1',
    mode,
    hooksDir: repo.hooksDir,
    hooks: RUNNABLE_HOOKS.filter((hook) => installed.includes(hook) || kept.includes(hook)),
    chained: RUNNABLE_HOOKS.filter(
      (hook) => chained.includes(hook) || (kept.includes(hook) && (previous?.chained.includes(hook) ?? false)),
    ),
    node: runtime.node,
    cli: runtime.cli,
    husky: [...husky].sort((a, b) => RUNNABLE_HOOKS.indexOf(a.hook) - RUNNABLE_HOOKS.indexOf(b.hook)),
    ...(plan.config !== undefined
      ? { config: plan.config }
      : recorded?.config !== undefined
        ? { config: recorded.config }
        : {}),
  }
  writeRecord(repo.stateDir, record)
  trace(`install: recorded in ${recordFile(repo.stateDir)}`)
  return { mode, hooksDir: repo.hooksDir, hooks: installed, changes, changed: changes.some(isChange) }
}

function locked<T>(repo: Repo, body: () => T): T {
  const lock = takeLock(repo.stateDir)
  if (lock.kind === 'held') {
    throw new GitvanError('LOCKED', `Another gitvan install is running in this repository (pid ${lock.pid}).`, {
      details: [`Wait for it to finish. If no gitvan is running, delete ${lock.file}.`],
    })
  }
  try {
    return body()
  } finally {
    lock.release()
  }
}

/** Installs shims for the config's hooks (and removes those of hooks that lost their jobs). */
export function install(repo: Repo, config: InstallConfig, options: InstallOptions = {}): InstallReport {
  return locked(repo, () =>
    apply(repo, { desired: hooksOf(config), onConflict: 'throw', remove: true, config: configOf(config) }, options),
  )
}

export type UninstallReport = {
  /** False when gitvan had recorded no install here (stray shims are removed all the same). */
  readonly wasInstalled: boolean
  readonly changes: readonly HookChange[]
}

/** Removes every shim and husky line gitvan added and puts chained hooks back. */
export function uninstall(repo: Repo, options: Pick<InstallOptions, 'trace'> = {}): UninstallReport {
  const trace = options.trace ?? (() => {})
  return locked(repo, () => {
    const previous = readRecord(repo.stateDir)
    const changes = tearDown(previous, trace, repo.stateDir, repo.hooksDir)
    removeRecord(repo.stateDir)
    return { wasInstalled: previous !== undefined, changes }
  })
}

/**
 * Adds the shims a config needs, from inside a hook (or `gitvan trust`): one small JSON read when
 * nothing is missing. It never removes one: the config of one branch may lack a gate another
 * branch's has, and taking that hook away would skip the gate there too; a shim whose hook has no
 * job exits 0 (without node once a hook has seen that, see gate/idle.ts). Does nothing where gitvan
 * was never installed, or while another install runs; skips (and reports) conflicts instead of
 * refusing, so a hook never fails because of one.
 */
export function ensureInstalled(
  repo: Repo,
  config: InstallConfig,
  options: Omit<InstallOptions, 'force'> = {},
): InstallReport | undefined {
  const previous = readRecord(repo.stateDir)
  if (!previous) return undefined
  const desired = hooksOf(config)
  if (coversHooks(previous.hooks, desired)) return undefined
  const lock = tryLock(repo.stateDir)
  if (lock.kind === 'held') return undefined
  try {
    return apply(repo, { desired, onConflict: 'skip', remove: false, config: configOf(config) }, options)
  } finally {
    lock.release()
  }
}
