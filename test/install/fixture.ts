/** Shared set-up for the install tests: configs, hook files, a fake `node` on PATH. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestRepo } from '../helpers/repo.js'

/** A config (plain object, no import) with one command job per hook. */
export function writeConfig(repo: TestRepo, hooks: readonly string[]): void {
  const jobs = Object.fromEntries(hooks.map((hook) => [`job-${hook}`, { on: hook, run: 'true' }]))
  repo.write('gitvan.config.mjs', `export default ${JSON.stringify({ jobs }, null, 2)}\n`)
}

export const gitDirOf = (repo: TestRepo): string => path.join(repo.dir, '.git')
export const hooksDirOf = (repo: TestRepo): string => path.join(repo.dir, '.git', 'hooks')

/** Writes an executable hook file with exactly these bytes and mode. */
export function writeHook(file: string, content: string, mode = 0o755): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
  chmodSync(file, mode)
}

export const modeOf = (file: string): number => statSync(file).mode & 0o777

/** Every file in a directory with its bytes and mode: for byte-for-byte comparisons. */
export function snapshot(dir: string): Record<string, { content: string; mode: number }> {
  const files: Record<string, { content: string; mode: number }> = {}
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name)
    if (statSync(file).isFile()) files[name] = { content: readFileSync(file, 'latin1'), mode: modeOf(file) }
  }
  return files
}

/**
 * A directory holding a `node` that records its arguments in `<dir>/calls` and succeeds: put it
 * first on PATH to see what a shim ran when it fell back to `node` from PATH.
 */
export function fakeNodeDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-fake-node-'))
  writeHook(path.join(dir, 'node'), `#!/bin/sh\nprintf '%s\\n' "$@" >> '${dir}/calls'\nexit 0\n`)
  return dir
}

/** The values a shim assigns, as sh sees them: proves the quoting. */
export function shimValues(shim: string): string[] {
  return shim.split('\n').filter((line) => /^(hook|kind|node|cli|reads_stdin)=/.test(line))
}

/** husky 9's files in `.husky/_` (what `husky` writes), for the hooks given. */
export function writeHusky(repo: TestRepo, hooks: readonly string[]): void {
  const h = `#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

i="\${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$i" ] && . "$i"

[ "\${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
[ $c = 127 ] && echo "husky - command not found in PATH=$PATH"
exit $c
`
  writeHook(path.join(repo.dir, '.husky/_/h'), h)
  writeFileSync(path.join(repo.dir, '.husky/_/.gitignore'), '*\n')
  for (const hook of hooks)
    writeHook(path.join(repo.dir, '.husky/_', hook), '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n')
  repo.git(['config', 'core.hooksPath', '.husky/_'])
}
