// examples/format-staged end to end: the real prettier and eslint from npm (the project's
// devDependencies), the real hooks, partially staged files.
import { cpSync, mkdirSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { snapshot } from '../gate/stagingFixture.js'
import { makeRepo, PROJECT_ROOT, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

/** A copy of the example with gitvan, prettier and eslint where npm would put them, hooks installed. */
function exampleRepo(): TestRepo {
  const repo = makeRepo()
  cpSync(path.join(PROJECT_ROOT, 'examples/format-staged'), repo.dir, { recursive: true })
  repo.linkGitvan()
  const bin = path.join(repo.dir, 'node_modules/.bin')
  mkdirSync(bin, { recursive: true })
  for (const tool of ['prettier', 'eslint']) {
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules', tool), path.join(repo.dir, 'node_modules', tool), 'dir')
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules/.bin', tool), path.join(bin, tool))
  }
  repo.git(['add', '-A'])
  repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'example'])
  const installed = repo.gitvan(['install'])
  expect(installed.code, installed.stderr).toBe(0)
  return repo
}

// Already tidy lines at the end, so the unstaged edit below them is away from what the tools change.
const TIDY = 'export function perimeter(w, h) {\n  return 2 * (w + h)\n}\n'
const STAGED = `export function  area (w,h) {\n  var result = w*h\n  return result\n}\n\n\n\nexport const unit = "m2"\n\n${TIDY}`
const FIXED = `export function area(w, h) {\n  const result = w * h\n  return result\n}\n\nexport const unit = 'm2'\n\n${TIDY}`

describe('examples/format-staged', () => {
  it('commits the staged half formatted and lint-fixed, and keeps the unstaged edit byte for byte', () => {
    const repo = exampleRepo()
    repo.write('src/area.js', STAGED)
    repo.git(['add', 'src/area.js'])
    const unstaged = `${STAGED}// an edit not staged yet, kept as typed:   ==  \n`
    repo.write('src/area.js', unstaged)
    const r = repo.git(['commit', '-q', '-m', 'area'], { allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:src/area.js']).stdout).toBe(FIXED)
    expect(
      repo
        .git(['diff'])
        .stdout.split('\n')
        .filter((line) => /^[-+][^-+]/.test(line)),
    ).toEqual(['+// an edit not staged yet, kept as typed:   ==  '])
    expect(r.stderr).toContain('re-staged 1 file(s): src/area.js')
  })

  it('refuses what eslint --fix cannot repair, leaving index and work tree exactly as they were', () => {
    const repo = exampleRepo()
    repo.write('src/check.js', 'export const same = (a,b) => a == b\n')
    repo.git(['add', 'src/check.js'])
    repo.write('src/check.js', 'export const same = (a,b) => a == b\n// unstaged\n')
    const before = snapshot(repo)
    const r = repo.git(['commit', '-q', '-m', 'check'], { allowFail: true })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('eqeqeq')
    expect(r.stderr).toContain("job 'lint' failed")
    expect(snapshot(repo)).toEqual(before)
  })
})
