import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, makeRepo, removeTemp } from '../helpers/repo.js'
import { fakeNodeDir, hooksDirOf, modeOf, shimValues, snapshot, writeConfig, writeHook } from './fixture.js'

afterAll(removeTemp)

describe('gitvan install', () => {
  it('writes an executable, marked shim for each hook that has jobs, and records it', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-commit', 'pre-push'])
    const r = repo.gitvan(['install'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('pre-commit: installed .git/hooks/pre-commit')
    expect(r.stdout).toContain('post-commit: installed .git/hooks/post-commit')

    const hooks = hooksDirOf(repo)
    const shim = readFileSync(path.join(hooks, 'pre-commit'), 'utf8')
    expect(shim.split('\n').slice(0, 2)).toEqual(['#!/bin/sh', '# gitvan-shim 1'])
    const state = path.join(realpathSync(repo.dir), '.git', 'gitvan')
    expect(shimValues(shim)).toEqual([
      "hook='pre-commit'",
      "kind='blocking'",
      `node='${process.execPath}'`,
      `cli='${realpathSync(CLI)}'`,
      "reads_stdin='0'",
    ])
    // No repository's path is written in: the shim finds the repository git runs it in.
    expect(shim).not.toContain(realpathSync(repo.dir))
    expect(shimValues(readFileSync(path.join(hooks, 'post-commit'), 'utf8'))).toContain("kind='async'")
    expect(shimValues(readFileSync(path.join(hooks, 'pre-push'), 'utf8'))).toContain("reads_stdin='1'")
    for (const hook of ['pre-commit', 'post-commit', 'pre-push'])
      expect(modeOf(path.join(hooks, hook)), hook).toBe(0o755)
    // Only hooks with jobs get a shim; git's samples stay as they were.
    expect(existsSync(path.join(hooks, 'commit-msg'))).toBe(false)
    expect(existsSync(path.join(hooks, 'pre-commit.sample'))).toBe(true)

    const record = JSON.parse(readFileSync(path.join(state, 'install.json'), 'utf8')) as Record<string, unknown>
    expect(record).toEqual({
      schema: 'gitvan.install.v1',
      mode: 'hooks',
      hooksDir: path.join(state, '..', 'hooks'),
      hooks: ['pre-commit', 'pre-push', 'post-commit'],
      chained: [],
      node: process.execPath,
      cli: realpathSync(CLI),
      husky: [],
      config: 'gitvan.config.mjs',
    })
    expect(existsSync(path.join(state, 'spool'))).toBe(true)
  })

  it('is idempotent: a second install leaves every byte as it was', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-commit'])
    writeHook(path.join(hooksDirOf(repo), 'pre-commit'), '#!/bin/sh\nexit 0\n')
    expect(repo.gitvan(['install']).code).toBe(0)
    const hooks = snapshot(hooksDirOf(repo))
    const state = readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')
    const again = repo.gitvan(['install'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('nothing changed')
    expect(snapshot(hooksDirOf(repo))).toEqual(hooks)
    expect(readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')).toBe(state)
  })

  it('chains an existing hook, which still runs and can still refuse the commit; uninstall restores it byte for byte', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    // No trailing newline and an unusual mode: both must come back exactly.
    const original =
      '#!/bin/sh\necho "old hook ran" >&2\n[ -f refuse ] && { echo "old hook refuses" >&2; exit 3; }\nexit 0'
    writeHook(hook, original, 0o750)

    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      'pre-commit: installed .git/hooks/pre-commit; chained the existing hook, kept as .git/hooks/pre-commit.gitvan-chained',
    )
    expect(readFileSync(`${hook}.gitvan-chained`, 'utf8')).toBe(original)
    expect(readFileSync(hook, 'utf8')).toContain('# gitvan-shim 1')

    // GITVAN=0 turns gitvan off, not the hook that was there before.
    repo.write('a.txt', 'a\n')
    const ok = repo.commit('a', { env: { GITVAN: '0' } })
    expect(ok.code).toBe(0)
    expect(ok.stderr).toContain('old hook ran')
    repo.write('refuse', '')
    const refused = repo.commit('refused', { env: { GITVAN: '0' } })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('old hook refuses')
    expect(repo.git(['log', '--format=%s']).stdout).toBe('a\ninitial\n')

    const u = repo.gitvan(['uninstall'])
    expect(u.code).toBe(0)
    expect(u.stdout).toContain('pre-commit: removed .git/hooks/pre-commit; restored the hook that was there before')
    expect(readFileSync(hook, 'utf8')).toBe(original)
    expect(modeOf(hook)).toBe(0o750)
    expect(existsSync(`${hook}.gitvan-chained`)).toBe(false)
    expect(existsSync(path.join(repo.dir, '.git/gitvan/install.json'))).toBe(false)
  })

  it('refuses, changing nothing, when a .gitvan-chained file it did not make is in the way; --force chains over it', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-commit'])
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    writeHook(hook, '#!/bin/sh\necho mine\n')
    writeHook(`${hook}.gitvan-chained`, '#!/bin/sh\necho stray\n')
    const before = snapshot(hooksDirOf(repo))
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${hook} and ${hook}.gitvan-chained both exist`)
    expect(r.stderr).toContain('gitvan install --force')
    expect(snapshot(hooksDirOf(repo))).toEqual(before)

    const forced = repo.gitvan(['install', '--force'])
    expect(forced.code).toBe(0)
    expect(readFileSync(`${hook}.gitvan-chained`, 'utf8')).toBe('#!/bin/sh\necho mine\n')
    expect(readFileSync(hook, 'utf8')).toContain('# gitvan-shim 1')
  })

  it('adds and removes shims when the config changes which hooks have jobs', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-commit'])
    const hooks = hooksDirOf(repo)
    writeHook(path.join(hooks, 'post-commit'), '#!/bin/sh\necho theirs\n', 0o700)
    expect(repo.gitvan(['install']).code).toBe(0)
    writeConfig(repo, ['pre-commit', 'post-merge'])
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('post-commit: removed .git/hooks/post-commit; restored the hook that was there before')
    expect(r.stdout).toContain('post-merge: installed .git/hooks/post-merge')
    expect(readFileSync(path.join(hooks, 'post-commit'), 'utf8')).toBe('#!/bin/sh\necho theirs\n')
    expect(modeOf(path.join(hooks, 'post-commit'))).toBe(0o700)
    expect(readFileSync(path.join(hooks, 'post-merge'), 'utf8')).toContain("hook='post-merge'")
    const record = JSON.parse(readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')) as {
      hooks: string[]
      chained: string[]
    }
    expect(record.hooks).toEqual(['pre-commit', 'post-merge'])
    expect(record.chained).toEqual([])
  })

  it('skips with GITVAN=0 or HUSKY=0, writing nothing', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    for (const env of [{ GITVAN: '0' }, { HUSKY: '0' }]) {
      const r = repo.gitvan(['install'], { env })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`${Object.keys(env)[0]}=0 is set: skipped install`)
    }
    expect(existsSync(path.join(hooksDirOf(repo), 'pre-commit'))).toBe(false)
    expect(existsSync(path.join(repo.dir, '.git/gitvan'))).toBe(false)
  })

  it('traces each step on stderr with GITVAN_DEBUG=1', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    writeHook(path.join(hooksDirOf(repo), 'pre-commit'), '#!/bin/sh\n')
    const r = repo.gitvan(['install'], { env: { GITVAN_DEBUG: '1' } })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('gitvan: install: hooks with jobs: pre-commit')
    expect(r.stderr).toContain('gitvan: pre-commit: keeping the existing hook as')
    expect(r.stderr).toContain('gitvan: install: recorded in')
  })

  it('falls back to node on PATH, and says so, when the node written into the shim is gone', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    expect(repo.gitvan(['install']).code).toBe(0)
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    writeFileSync(hook, readFileSync(hook, 'utf8').replace(/^node=.*$/m, "node='/gone/bin/node'"))
    const fake = fakeNodeDir()
    repo.write('a.txt', 'a\n')
    const r = repo.commit('a', { env: { PATH: `${fake}:${process.env.PATH ?? ''}` } })
    expect(r.stderr).toContain(
      "gitvan: /gone/bin/node is gone; using node from PATH (run 'gitvan install' to write the new path)",
    )
    expect(r.code).toBe(0)
    expect(readFileSync(path.join(fake, 'calls'), 'utf8')).toBe(`${realpathSync(CLI)}\nhook\npre-commit\n`)
    rmSync(fake, { recursive: true, force: true })
  })

  it('works in a repository whose path has a space and a quote in it', () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'gitvan-odd-'))
    const dir = path.join(parent, "it's a repo")
    mkdirSync(dir)
    const repo = makeRepo()
    repo.git(['clone', '-q', repo.dir, dir])
    writeConfig({ ...repo, write: (file, content) => writeFileSync(path.join(dir, file), content) }, ['pre-commit'])
    const hooks = path.join(dir, '.git', 'hooks')
    writeHook(path.join(hooks, 'pre-commit'), '#!/bin/sh\necho "chained ran in $PWD" >&2\n')
    const r = repo.gitvan(['install'], { cwd: dir })
    expect(r.code).toBe(0)
    const shim = readFileSync(path.join(hooks, 'pre-commit'), 'utf8')
    // sh reads back exactly the paths that were written.
    const echoed = spawnSync('sh', ['-c', `${shimValues(shim).join('\n')}\nprintf '%s' "$cli"`], { encoding: 'utf8' })
    expect(echoed.stdout).toBe(realpathSync(CLI))
    writeFileSync(path.join(dir, 'a.txt'), 'a\n')
    repo.git(['add', 'a.txt'], { cwd: dir })
    const commit = repo.git(['commit', '-q', '-m', 'a'], { cwd: dir, allowFail: true })
    expect(commit.code, commit.stderr).toBe(0)
    expect(commit.stderr).toContain(`chained ran in ${realpathSync(dir)}`)
    // The shim found this repository's state by itself: the gate's verdict is cached there.
    expect(readdirSync(path.join(dir, '.git', 'gitvan', 'cache', 'entries')).length).toBeGreaterThan(0)
    expect(repo.gitvan(['uninstall'], { cwd: dir }).code).toBe(0)
    expect(readFileSync(path.join(hooks, 'pre-commit'), 'utf8')).toBe('#!/bin/sh\necho "chained ran in $PWD" >&2\n')
    rmSync(parent, { recursive: true, force: true })
  })

  it('installs nothing outside a repository, saying so, and exits 0 (npm runs it as a prepare script anywhere)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-norepo-'))
    const repo = makeRepo()
    const r = repo.gitvan(['install'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`gitvan: ${dir} is not in a git repository: skipped install.\n`)
    rmSync(dir, { recursive: true, force: true })
  })

  it('exits 2 without a config, pointing at gitvan init', () => {
    const repo = makeRepo()
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no gitvan config in')
    expect(r.stderr).toContain('gitvan init')
  })

  it('exits 2 on a config error, naming every problem, and installs nothing', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      "export default { jobs: { lint: { on: 'pre-comit', run: 'true' }, notes: { on: 'post-comit', run: 'true' } } }\n",
    )
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('jobs.lint.on')
    expect(r.stderr).toContain("'pre-comit'")
    expect(r.stderr).toContain('jobs.notes.on')
    expect(r.stderr).toContain("'post-comit'")
    expect(existsSync(path.join(repo.dir, '.git/gitvan/install.json'))).toBe(false)
  })

  it('has usage text for install and uninstall', () => {
    const repo = makeRepo({ initialCommit: false })
    expect(repo.gitvan(['install', '--help']).stdout).toContain('Usage: gitvan install [--force]')
    expect(repo.gitvan(['uninstall', '--help']).stdout).toContain('Usage: gitvan uninstall')
    const bad = repo.gitvan(['install', '--frobnicate'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('gitvan install --help')
  })
})
