// examples/changelog and examples/release-notes end to end: the examples copied into a real
// repository, hooks installed, commits made with git (CI set: the post-commit jobs run in the
// foreground), then `gitvan run` over the history as CI would.
import { cpSync, existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, PROJECT_ROOT, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

const CI = { CI: 'true' }

function exampleRepo(name: string): TestRepo {
  const repo = makeRepo()
  cpSync(path.join(PROJECT_ROOT, 'examples', name), repo.dir, { recursive: true })
  repo.linkGitvan()
  repo.write('.gitignore', 'node_modules/\n')
  repo.git(['add', '-A'])
  repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'chore: example'])
  const installed = repo.gitvan(['install'], { env: { CI: '' } })
  expect(installed.code, installed.stderr).toBe(0)
  return repo
}

const commit = (repo: TestRepo, message: string): void => {
  const r = repo.git(['commit', '-q', '--allow-empty', '-m', message], { env: CI, allowFail: true })
  expect(r.code, r.stderr).toBe(0)
}

const show = (repo: TestRepo, spec: string): string => repo.git(['show', spec]).stdout
const short = (repo: TestRepo, rev: string): string => repo.git(['rev-parse', '--short=7', rev]).stdout.trim()

describe('examples/changelog', () => {
  it('keeps CHANGELOG.md on refs/heads/changelog: a section per batch, tags named, newest first; nothing in the work tree', () => {
    const repo = exampleRepo('changelog')
    commit(repo, 'feat: parse dates')
    expect(show(repo, 'refs/heads/changelog:CHANGELOG.md')).toContain(
      `- feat: parse dates (${short(repo, 'HEAD')}, Test User)`,
    )
    // a batch of three, as CI runs it over a pushed range, the newest tagged
    for (const message of ['fix: leap years', 'docs: usage', 'feat: time zones'])
      repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', message])
    repo.git(['tag', 'v1.0.0'])
    const r = repo.gitvan(['run', 'HEAD~3..HEAD'], { env: CI })
    expect(r.code, r.stderr).toBe(0)
    const text = show(repo, 'refs/heads/changelog:CHANGELOG.md')
    const v1 = text.indexOf('## v1.0.0 (3 commits)')
    expect(v1).toBeGreaterThan(0)
    expect(text.indexOf('(1 commit)')).toBeGreaterThan(v1) // the older section stays, below
    const section = text.slice(v1, text.indexOf('(1 commit)'))
    expect(section).toContain(`### Features\n- feat: time zones (${short(repo, 'HEAD')}, Test User)\n`)
    expect(section).toContain(`### Fixes\n- fix: leap years (${short(repo, 'HEAD~2')}, Test User)\n`)
    expect(section).toContain(`- docs: usage (${short(repo, 'HEAD~1')})`)
    // a forced re-run adds nothing twice
    expect(repo.gitvan(['run', 'HEAD~3..HEAD', '--force'], { env: CI }).code).toBe(0)
    expect(show(repo, 'refs/heads/changelog:CHANGELOG.md')).toBe(text)
    expect(existsSync(path.join(repo.dir, 'CHANGELOG.md'))).toBe(false)
    expect(repo.git(['status', '--porcelain']).stdout).toBe('')
    expect(repo.git(['fsck'], { allowFail: true }).code).toBe(0)
  })
})

describe('examples/release-notes', () => {
  it('injects one line per feat/fix commit between the markers, on refs/gitvan/outputs/release-notes', () => {
    const repo = exampleRepo('release-notes')
    commit(repo, 'feat: export to CSV')
    commit(repo, 'chore: bump deps')
    commit(repo, 'fix: empty rows')
    const text = show(repo, 'refs/gitvan/outputs/release-notes:RELEASE_NOTES.md')
    const between = text.slice(
      text.indexOf('<!-- release-notes:start -->\n') + '<!-- release-notes:start -->\n'.length,
      text.indexOf('<!-- release-notes:end -->'),
    )
    expect(between).toBe(`- export to CSV (${short(repo, 'HEAD~2')})\n- empty rows (${short(repo, 'HEAD')})\n`)
    // again over the whole history, forced: every line is already there
    expect(repo.gitvan(['run', '--all', '--force'], { env: CI }).code).toBe(0)
    expect(show(repo, 'refs/gitvan/outputs/release-notes:RELEASE_NOTES.md')).toBe(text)
    const receipts = repo.git(['notes', '--ref=gitvan/results', 'show', 'HEAD']).stdout
    expect(receipts).toContain('"path":"RELEASE_NOTES.md"')
    expect(existsSync(path.join(repo.dir, 'RELEASE_NOTES.md'))).toBe(false)
  })
})
