/**
 * What is installed, for `gitvan doctor`: the install record, checked against the disk. Reads
 * only; every problem is one line that says what to do.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isPresent, presentAbove, recordedName } from '../config/discover.js'
import type { Repo } from '../git/repo.js'
import { readSlot } from './hookFiles.js'
import { huskyCall, huskyFile } from './husky.js'
import { huskyShimsDir, shimmedHooks } from './huskyShims.js'
import { type InstallRecord, readRecord } from './record.js'

export type InstallState = InstallRecord & {
  /** What no longer matches the record, one line each; empty when all is well. */
  readonly problems: readonly string[]
}

const REINSTALL = "run 'gitvan install'"

/** Whether the config file install recorded still decides; `found`: the config a search found, when known. */
function configProblems(
  repo: Repo,
  recorded: string | null | undefined,
  found: { readonly root: string; readonly file: string } | undefined,
): string[] {
  if (recorded === undefined)
    return [`the install does not record which config file hooks load (an older gitvan wrote it); ${REINSTALL}`]
  if (recorded !== null && !isPresent(repo.root, recorded))
    return [`the config ${recorded} that install recorded is gone: hooks say so on every run; ${REINSTALL}`]
  const above = presentAbove(repo.root, recorded)
  const now = found === undefined ? above[0] : (recordedName(found) ?? undefined)
  if (now !== undefined && now !== recorded)
    return [
      `the config is ${now}, but install recorded ${recorded ?? 'jobs/ alone'}: hooks say so on every run; ${REINSTALL}`,
    ]
  return []
}

/**
 * The install in this repository, or undefined when gitvan is not installed here. `found` is the
 * config a search found (doctor has it), checked against the file install recorded.
 */
export function installState(
  repo: Repo,
  found?: { readonly root: string; readonly file: string },
): InstallState | undefined {
  const record = readRecord(repo.stateDir)
  if (!record) return undefined
  const problems: string[] = configProblems(repo, record.config, found)
  if (record.mode === 'husky' && !existsSync(record.hooksDir)) {
    problems.push(
      `installed through husky, but ${record.hooksDir} is gone (husky removed?), so git runs none of its hooks: settle core.hooksPath (see above), then ${REINSTALL}`,
    )
    return { ...record, problems }
  }
  const shimmed = record.mode === 'husky' ? shimmedHooks(record.hooks) : []
  if ((record.mode === 'hooks' || shimmed.length > 0) && !existsSync(record.node)) {
    problems.push(
      `node ${record.node} (written into the shims) is gone: the shims fall back to node on PATH; ${REINSTALL} to write the new path`,
    )
  }
  if (!existsSync(record.cli))
    problems.push(
      `the gitvan CLI ${record.cli} (written into the shims) is gone: hooks fail until you ${REINSTALL} again`,
    )
  if (record.hooksDir !== repo.hooksDir) {
    problems.push(
      `installed in ${record.hooksDir}, but git now runs hooks from ${repo.hooksDir} (core.hooksPath changed): ${REINSTALL}`,
    )
  }
  for (const hook of record.hooks) {
    if (record.mode === 'hooks') {
      const slot = readSlot(record.hooksDir, hook)
      if (slot.current === 'absent') problems.push(`${hook}: ${slot.file} is missing; ${REINSTALL} to put it back`)
      if (slot.current === 'foreign')
        problems.push(`${hook}: ${slot.file} is no longer gitvan's shim; ${REINSTALL} to put it back`)
      continue
    }
    const file = huskyFile(record.hooksDir, hook)
    const call = existsSync(file) ? huskyCall(readFileSync(file, 'utf8'), hook) : undefined
    if (call === undefined)
      problems.push(`${hook}: ${file} no longer calls 'gitvan hook ${hook}'; ${REINSTALL} to add it again`)
    if (!shimmed.includes(hook)) continue
    if (call === 'older')
      problems.push(
        `${hook}: ${file} holds the line of an older gitvan, which starts node on every ${hook}; ${REINSTALL} to replace it`,
      )
    const slot = readSlot(huskyShimsDir(repo.stateDir), hook)
    if (slot.current !== 'shim') {
      problems.push(
        `${hook}: the per-clone shim ${slot.file} is missing, so the husky line starts node ('gitvan hook ${hook}') on every ${hook}; ${REINSTALL} to put it back`,
      )
    }
  }
  return { ...record, problems }
}
