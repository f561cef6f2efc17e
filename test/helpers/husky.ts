/**
 * The real husky 9.1.7 for tests that set up husky repositories: the copy the benchmarks install in
 * bench/peers, or one installed from the npm registry for this run, with --ignore-scripts as
 * bench/peers does (husky is a peer with hooks of its own, never a project dependency).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PROJECT_ROOT } from './repo.js'

export const HUSKY_VERSION = '9.1.7'

const versionOf = (dir: string): string | undefined =>
  existsSync(path.join(dir, 'package.json'))
    ? (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version
    : undefined

/** husky's bin.js, and a function that removes what was installed for it (nothing for the bench's copy). */
export function installHusky(): { readonly bin: string; readonly dispose: () => void } {
  const local = path.join(PROJECT_ROOT, 'bench/peers/node_modules/husky')
  if (versionOf(local) === HUSKY_VERSION) return { bin: path.join(local, 'bin.js'), dispose: () => {} }
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'gitvan-husky-'))
  const npm = spawnSync(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', prefix, `husky@${HUSKY_VERSION}`],
    { encoding: 'utf8', timeout: 170_000 },
  )
  const installed = path.join(prefix, 'node_modules/husky')
  if (versionOf(installed) !== HUSKY_VERSION)
    throw new Error(`could not install husky@${HUSKY_VERSION}: ${npm.error?.message ?? npm.stderr}`)
  return { bin: path.join(installed, 'bin.js'), dispose: () => rmSync(prefix, { recursive: true, force: true }) }
}
