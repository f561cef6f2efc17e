// Repository paths gitvan cannot name on one line, and working directories that are gone: every
// command says what is wrong and exits 2, none ends in an internal error.
import { spawnSync } from 'node:child_process'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, cleanEnv, makeRepo, removeTemp, tempDir } from '../helpers/repo.js'

afterAll(removeTemp)

const CONFIG =
  "export default { jobs: { lint: { on: 'pre-commit', run: 'true' }, later: { on: 'post-commit', run: 'true' } } }\n"

const COMMANDS = [
  ['install'],
  ['uninstall'],
  ['init'],
  ['status'],
  ['status', '--json'],
  ['doctor'],
  ['run', '--all'],
  ['receipts'],
  ['log'],
  ['stats'],
  ['cache', 'stats'],
  ['cache', 'verify'],
  ['restore', '--list'],
  ['hook', 'pre-commit'],
  ['hook', 'post-commit'],
] as const

const gitvan = (cwd: string, env: NodeJS.ProcessEnv, args: readonly string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', input: '' })

describe('a repository whose path holds a newline', () => {
  it('is refused by every command with a clear message and exit 2', () => {
    const env = cleanEnv()
    const dir = path.join(tempDir('gitvan-nl-'), 'a\nnew')
    mkdirSync(dir)
    const git = (args: readonly string[]) => spawnSync('git', args, { cwd: dir, env, encoding: 'utf8' })
    expect(git(['init', '-q', '-b', 'main', '.']).status).toBe(0)
    writeFileSync(path.join(dir, 'gitvan.config.mjs'), CONFIG)
    expect(git(['add', '-A']).status).toBe(0)
    expect(git(['commit', '-q', '-m', 'config']).status).toBe(0)
    for (const args of COMMANDS) {
      const r = gitvan(dir, env, args)
      const all = r.stdout + r.stderr
      expect(all, args.join(' ')).not.toContain('internal error')
      expect(r.status, `${args.join(' ')}: ${all}`).toBe(2)
      expect(all, args.join(' ')).toContain(`the repository's path holds a newline: ${JSON.stringify(dir)}`)
    }
  })

  it('refuses a commit once the repository was moved to such a path after install', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', CONFIG)
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'config'])
    expect(repo.gitvan(['install']).code).toBe(0)
    const moved = path.join(tempDir('gitvan-nl-'), 'moved\nhere')
    renameSync(repo.dir, moved)
    writeFileSync(path.join(moved, 'a.txt'), 'a\n')
    expect(repo.git(['add', 'a.txt'], { cwd: moved }).code).toBe(0)
    const r = repo.git(['commit', '-q', '-m', 'after the move'], { cwd: moved, allowFail: true })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("the repository's path holds a newline")
    expect(r.stderr).not.toContain('internal error')
  })

  it('refuses a core.hooksPath that holds a newline, saying so', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', CONFIG)
    repo.git(['config', 'core.hooksPath', 'hooks\nelsewhere'])
    for (const args of [['install'], ['status']]) {
      const r = repo.gitvan(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain('a path of this repository holds a newline (its git directory, or core.hooksPath)')
      expect(r.stderr).not.toContain('internal error')
    }
  })

  it('works from a subdirectory with a newline inside an ordinary repository', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', CONFIG)
    const sub = path.join(repo.dir, 'sub\ndir')
    mkdirSync(sub)
    const r = repo.gitvan(['status', '--json'], { cwd: sub })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ spool: 0 })
  })
})

describe('a working directory that no longer exists', () => {
  it('is a clear error (exit 2), for git and for gitvan', () => {
    const repo = makeRepo()
    const gone = path.join(repo.dir, 'gone')
    mkdirSync(gone)
    // Start in the directory, then remove it: the process keeps a cwd that has no path any more.
    const r = spawnSync(
      'sh',
      ['-c', `cd "$1" && rmdir "$1" && exec "$2" "$3" status`, 'sh', gone, process.execPath, CLI],
      {
        env: repo.env,
        encoding: 'utf8',
      },
    )
    expect(r.stderr).not.toContain('internal error')
    expect(r.stderr).toContain('gitvan: the current directory no longer exists')
    expect(r.status).toBe(2)
  })
})
