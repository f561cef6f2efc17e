// Where the bench works and the hermetic environment every timed process gets: no user or system
// git config, no variable that switches a runner off (HUSKY, LEFTHOOK, GITVAN, SKIP...), no CI
// (gitvan would run async work in the foreground). Everything the bench writes lives in bench/work/.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const BENCH = path.resolve(import.meta.dirname, '..')
export const PROJECT = path.resolve(BENCH, '..')
export const WORK = path.join(BENCH, 'work')
export const PEERS = path.join(BENCH, 'peers')
export const PEER_MODULES = path.join(PEERS, 'node_modules')
export const RESULTS = path.join(BENCH, 'results')

const DROP = /^(GIT_|GITVAN|HUSKY$|LEFTHOOK|SKIP$|SKIP_SIMPLE_GIT_HOOKS$|SIMPLE_GIT_HOOKS|CI$|PRE_COMMIT|PREK_)/

export function makeEnv() {
  fs.mkdirSync(WORK, { recursive: true })
  const gitconfig = path.join(WORK, 'gitconfig')
  fs.writeFileSync(
    gitconfig,
    '[user]\n\tname = bench\n\temail = bench@example.invalid\n[commit]\n\tgpgsign = false\n[gc]\n\tauto = 0\n' +
      '[maintenance]\n\tauto = false\n[core]\n\tfsmonitor = false\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n',
  )
  const env = {}
  for (const [key, value] of Object.entries(process.env)) if (!DROP.test(key)) env[key] = value
  return {
    ...env,
    GIT_CONFIG_GLOBAL: gitconfig,
    GIT_CONFIG_NOSYSTEM: '1',
    PRE_COMMIT_HOME: path.join(WORK, 'pre-commit-home'),
    PREK_HOME: path.join(WORK, 'prek-home'),
    LANG: 'C.UTF-8',
    // Every scenario times gitvan cold, as before warm gates (bench/warm.mjs turns them on itself).
    GITVAN_WARM: '0',
  }
}

export const ENV = makeEnv()

/** Runs a command for set-up (untimed); throws with its stderr on failure. */
export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: { ...ENV, ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: opts.timeout,
  })
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`)
  if (r.status !== 0 && !opts.allowFail)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}) in ${opts.cwd}: ${r.stderr || r.stdout}`)
  return r
}

/** git with every hook off: for preparing repositories, never for what is timed. */
export const gitQuiet = (dir, ...args) => sh('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd: dir })

export const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { env: ENV }).status === 0
}

const firstLine = (cmd, args) => {
  const r = spawnSync(cmd, args, { env: ENV, encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : null
}

/** The machine a result was measured on. */
export function describeMachine() {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    model: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    git: firstLine('git', ['--version']),
    preCommit: hasCommand('pre-commit') ? firstLine('pre-commit', ['--version']) : null,
  }
}

/** The packages bench/peers pins, by package name, as installed (null when missing). */
export function peerVersions() {
  const version = (name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(PEER_MODULES, name, 'package.json'), 'utf8')).version
    } catch {
      return null
    }
  }
  const names = ['husky', 'lefthook', 'simple-git-hooks', 'lint-staged', 'prettier', '@j178/prek']
  return Object.fromEntries(names.map((name) => [name, version(name)]))
}

export const log = (line) => process.stderr.write(`bench: ${line}\n`)
