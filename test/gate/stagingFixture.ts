/**
 * Scripts for partial-staging tests, kept outside every repository: a deterministic fixer, a
 * reader that records the exact bytes a gate was given, and a snapshot of a work tree and index
 * to compare byte for byte.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { TestRepo } from '../helpers/repo.js'
import { NODE, scratch } from './fixture.js'

export type Scripts = {
  readonly dir: string
  /** `fix <log> <sleep ms> <tag> {files}`: `bad` → `good` in each file; logs `start`/`end` lines. */
  readonly fix: (tag: string, sleepMs?: number) => string
  /** `read {files}`: copies each file's bytes aside, for `seen()`. */
  readonly read: string
  /** What the reader was given: path → bytes (latest call wins). */
  readonly seen: () => Map<string, Buffer>
  /** The fixer's log lines: `start <tag> <ms>` / `end <tag> <ms>`. */
  readonly log: () => string[]
}

export function stagingScripts(): Scripts {
  const dir = scratch()
  const fixer = path.join(dir, 'fix.mjs')
  const reader = path.join(dir, 'read.mjs')
  const log = path.join(dir, 'fix.log')
  const seen = path.join(dir, 'seen')
  writeFileSync(
    fixer,
    `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
const [log, sleep, tag, ...files] = process.argv.slice(2)
appendFileSync(log, 'start ' + tag + ' ' + Date.now() + '\\n')
const until = Date.now() + Number(sleep)
while (Date.now() < until) {}
for (const file of files) {
  const bytes = readFileSync(file)
  const fixed = Buffer.from(bytes.toString('latin1').replaceAll('bad', 'good'), 'latin1')
  if (!fixed.equals(bytes)) writeFileSync(file, fixed)
}
appendFileSync(log, 'end ' + tag + ' ' + Date.now() + '\\n')
`,
  )
  writeFileSync(
    reader,
    `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
const [out, ...files] = process.argv.slice(2)
mkdirSync(out, { recursive: true })
const names = files.map((file, i) => { writeFileSync(path.join(out, String(i)), readFileSync(file)); return file })
writeFileSync(path.join(out, 'names.json'), JSON.stringify(names))
`,
  )
  return {
    dir,
    fix: (tag, sleepMs = 0) => `${NODE} ${JSON.stringify(fixer)} ${JSON.stringify(log)} ${sleepMs} ${tag} {files}`,
    read: `${NODE} ${JSON.stringify(reader)} ${JSON.stringify(seen)} {files}`,
    seen: () => {
      const result = new Map<string, Buffer>()
      try {
        const names = JSON.parse(readFileSync(path.join(seen, 'names.json'), 'utf8')) as string[]
        names.forEach((name, i) => {
          result.set(name, readFileSync(path.join(seen, String(i))))
        })
      } catch {
        // never called
      }
      return result
    },
    log: () => {
      try {
        return readFileSync(log, 'utf8').split('\n').filter(Boolean)
      } catch {
        return []
      }
    },
  }
}

/** Every file of the work tree (not .git) with its kind, mode and bytes; and the index as git lists it. */
export function snapshot(repo: TestRepo): { readonly files: Map<string, string>; readonly index: string } {
  const files = new Map<string, string>()
  const walk = (dir: string) => {
    for (const name of readdirSync(path.join(repo.dir, dir))) {
      const rel = dir ? `${dir}/${name}` : name
      if (rel === '.git') continue
      const full = path.join(repo.dir, rel)
      const st = lstatSync(full)
      if (st.isDirectory()) walk(rel)
      else if (st.isSymbolicLink()) files.set(rel, `link ${readlinkSync(full)}`)
      else files.set(rel, `file ${(st.mode & 0o777).toString(8)} ${readFileSync(full).toString('base64')}`)
    }
  }
  walk('')
  // The index's entries, and what git says of each path (intent-to-add, staged, unstaged).
  const index = `${repo.git(['ls-files', '-s', '-z']).stdout}\n${repo.git(['status', '--porcelain=v2', '-z', '--untracked-files=all']).stdout}`
  return { files, index }
}
