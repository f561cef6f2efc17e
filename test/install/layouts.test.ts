import {
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'
import { hooksDirOf, modeOf, snapshot, writeConfig, writeHook, writeHusky } from './fixture.js'

afterAll(removeTemp)

/** What install writes into `.husky/<hook>`: the per-clone shim when there is one, else node. */
const lineOf = (hook: string): string =>
  `if gitvan_shim=$(git rev-parse --git-common-dir)/gitvan/shims/${hook} && [ -f "$gitvan_shim" ]; then sh "$gitvan_shim" "$@"; else gitvan hook ${hook} "$@"; fi # gitvan`
const POST_COMMIT_LINE = lineOf('post-commit')

describe('gitvan install in husky, worktree and core.hooksPath layouts', () => {
  it('adds a line to .husky/<hook> in a husky 9 repository and takes exactly that away on uninstall', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-commit'])
    writeHusky(repo, ['pre-commit', 'post-commit'])
    const existing = 'npm test' // husky 9 files need no shebang; this one has no trailing newline
    repo.write('.husky/pre-commit', existing)
    const shims = snapshot(hooksDirOf(repo))
    const husky = snapshot(path.join(repo.dir, '.husky/_'))

    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      `pre-commit: added a line that runs the sh shim in $(git rev-parse --git-common-dir)/gitvan/shims/pre-commit (node by its absolute path, and not at all when the cache answers; 'gitvan hook pre-commit' where gitvan is not installed) to .husky/pre-commit\n`,
    )
    expect(r.stdout).toContain(
      `post-commit: added a line that runs the sh shim in $(git rev-parse --git-common-dir)/gitvan/shims/post-commit (no node; 'gitvan hook post-commit' where gitvan is not installed) to .husky/post-commit (new file)`,
    )
    expect(readFileSync(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(`npm test\n${lineOf('pre-commit')}\n`)
    expect(readFileSync(path.join(repo.dir, '.husky/post-commit'), 'utf8')).toBe(`${POST_COMMIT_LINE}\n`)
    // Each hook gets a per-clone shim, and it is gitvan's.
    expect(readdirSync(path.join(repo.dir, '.git/gitvan/shims')).sort()).toEqual(['post-commit', 'pre-commit'])
    expect(readFileSync(path.join(repo.dir, '.git/gitvan/shims/pre-commit'), 'utf8')).toContain("hook='pre-commit'")
    expect(readFileSync(path.join(repo.dir, '.git/gitvan/shims/post-commit'), 'utf8')).toContain("hook='post-commit'")
    // husky's own files and git's hooks dir are not touched.
    expect(repo.git(['config', 'core.hooksPath']).stdout).toBe('.husky/_\n')
    expect(snapshot(path.join(repo.dir, '.husky/_'))).toEqual(husky)
    expect(snapshot(hooksDirOf(repo))).toEqual(shims)
    const record = JSON.parse(readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')) as {
      mode: string
      hooks: string[]
    }
    expect(record).toMatchObject({ mode: 'husky', hooks: ['pre-commit', 'post-commit'] })

    const again = repo.gitvan(['install'])
    expect(again.stdout).toContain('.husky/pre-commit already has a line that runs the sh shim')
    expect(readFileSync(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(`npm test\n${lineOf('pre-commit')}\n`)

    const u = repo.gitvan(['uninstall'])
    expect(u.code).toBe(0)
    expect(u.stdout).toContain('post-commit: deleted .husky/post-commit')
    expect(readFileSync(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(existing)
    expect(existsSync(path.join(repo.dir, '.husky/post-commit'))).toBe(false)
    expect(existsSync(path.join(repo.dir, '.git/gitvan/shims'))).toBe(false)
    expect(repo.git(['config', 'core.hooksPath']).stdout).toBe('.husky/_\n')
    expect(snapshot(path.join(repo.dir, '.husky/_'))).toEqual(husky)
  })

  it('recognises husky through an absolute core.hooksPath, and warns about a hook husky does not run', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'reference-transaction'])
    writeHusky(repo, ['pre-commit'])
    repo.git(['config', 'core.hooksPath', `${path.join(repo.dir, '.husky/_')}/`])
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(readFileSync(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(`${lineOf('pre-commit')}\n`)
    expect(r.stdout).toContain('reference-transaction: added')
    expect(r.stdout).toContain('warning: .husky/_/reference-transaction is missing, so git will not run it')
  })

  it('installs into the common hooks dir from a linked worktree, and a commit there runs the shim', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    expect(repo.commit('config').code).toBe(0)
    const worktree = `${repo.dir}-wt`
    repo.git(['worktree', 'add', '-q', '-b', 'side', worktree])
    const r = repo.gitvan(['install'], { cwd: worktree })
    expect(r.code).toBe(0)
    const shim = path.join(hooksDirOf(repo), 'pre-commit')
    // The shim names no repository: it finds the common dir from the worktree's .git file.
    expect(readFileSync(shim, 'utf8')).not.toContain(realpathSync(repo.dir))
    // GITVAN_DEBUG makes the shim trace itself; GITVAN=0 stops it before it needs `gitvan hook`.
    const traced = repo.git(['commit', '-q', '--allow-empty', '-m', 'in the worktree'], {
      cwd: worktree,
      env: { GITVAN: '0', GITVAN_DEBUG: '1' },
    })
    expect(traced.stderr).toContain('+ hook=pre-commit')
    expect(repo.gitvan(['uninstall'], { cwd: worktree }).code).toBe(0)
    expect(existsSync(shim)).toBe(false)
    rmSync(worktree, { recursive: true, force: true })
  })

  it('honours a custom core.hooksPath', () => {
    const repo = makeRepo()
    writeConfig(repo, ['commit-msg'])
    repo.git(['config', 'core.hooksPath', 'tools/git-hooks'])
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(readFileSync(path.join(repo.dir, 'tools/git-hooks/commit-msg'), 'utf8')).toContain("hook='commit-msg'")
    expect(existsSync(path.join(hooksDirOf(repo), 'commit-msg'))).toBe(false)
  })

  it('uninstall finds shims and chained hooks even when install.json is gone', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-merge'])
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    writeHook(hook, '#!/bin/sh\necho keep me\n', 0o711)
    expect(repo.gitvan(['install']).code).toBe(0)
    unlinkSync(path.join(repo.dir, '.git/gitvan/install.json'))
    const u = repo.gitvan(['uninstall'])
    expect(u.code).toBe(0)
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\necho keep me\n')
    expect(modeOf(hook)).toBe(0o711)
    expect(existsSync(path.join(hooksDirOf(repo), 'post-merge'))).toBe(false)
  })

  it('uninstall leaves a chained hook in place when another file replaced the shim, and says so', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    writeHook(hook, '#!/bin/sh\necho first\n')
    expect(repo.gitvan(['install']).code).toBe(0)
    writeHook(hook, '#!/bin/sh\necho someone else\n')
    const u = repo.gitvan(['uninstall'])
    expect(u.code).toBe(0)
    expect(u.stdout).toContain('pre-commit: left .git/hooks/pre-commit.gitvan-chained in place')
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\necho someone else\n')
    expect(readFileSync(`${hook}.gitvan-chained`, 'utf8')).toBe('#!/bin/sh\necho first\n')
  })

  it('moves from shims to a husky line when the repository switches to husky', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    writeHook(hook, '#!/bin/sh\necho before husky\n')
    expect(repo.gitvan(['install']).code).toBe(0)
    writeHusky(repo, ['pre-commit'])
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('pre-commit: removed .git/hooks/pre-commit; restored the hook that was there before')
    expect(r.stdout).toContain('pre-commit: added a line that runs the sh shim in')
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\necho before husky\n')
    expect(existsSync(`${hook}.gitvan-chained`)).toBe(false)
  })

  it('moves from husky lines back to shims when husky goes, taking the per-clone shims away', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-commit'])
    writeHusky(repo, ['pre-commit', 'post-commit'])
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(existsSync(path.join(repo.dir, '.git/gitvan/shims/post-commit'))).toBe(true)
    repo.git(['config', '--unset', 'core.hooksPath'])
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('post-commit: removed .git/gitvan/shims/post-commit\n')
    expect(r.stdout).toContain('post-commit: deleted .husky/post-commit (gitvan had created it)\n')
    expect(existsSync(path.join(repo.dir, '.git/gitvan/shims'))).toBe(false)
    expect(readFileSync(path.join(hooksDirOf(repo), 'post-commit'), 'utf8')).toContain("hook='post-commit'")
  })

  it('chains a symlinked hook as the link itself, and recreates a missing hooks directory', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'pre-push'])
    repo.write('scripts/check.sh', '#!/bin/sh\nexit 0\n')
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    symlinkSync('../../scripts/check.sh', hook)
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(readlinkSync(`${hook}.gitvan-chained`)).toBe('../../scripts/check.sh')
    expect(repo.gitvan(['uninstall']).code).toBe(0)
    expect(readlinkSync(hook)).toBe('../../scripts/check.sh')

    rmSync(hooksDirOf(repo), { recursive: true })
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(modeOf(path.join(hooksDirOf(repo), 'pre-push'))).toBe(0o755)
  })
})
