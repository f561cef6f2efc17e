import { statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp, type TestRepo } from '../helpers/repo.js'
import { gateRepo } from './fixture.js'
import { snapshot, stagingScripts } from './stagingFixture.js'

afterAll(removeTemp)

const BODY = 'line one bad\nl2\nl3\nl4\nl5\nl6\n'
const commit = (repo: TestRepo, ...args: string[]) =>
  repo.git(['commit', '-q', '-m', 'change', ...args], { allowFail: true })
const show = (repo: TestRepo, rev: string) => repo.git(['show', rev]).stdout

function fixRepo(extraJobs = '') {
  const s = stagingScripts()
  const repo = gateRepo(`export default { jobs: {
    fmt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(s.fix('fmt'))}, fix: true },
    ${extraJobs}
  } }`)
  return { repo, s }
}

describe('partial staging: every gate sees the staged content', () => {
  it('a check-only gate reads the staged bytes; the unstaged part comes back; a fully staged file is never touched', () => {
    const s = stagingScripts()
    const repo = gateRepo(
      `export default { jobs: { check: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(s.read)} } } }`,
    )
    repo.write('part.txt', 'x\n')
    repo.write('full.txt', 'staged whole\n')
    repo.git(['add', 'part.txt', 'full.txt'])
    repo.write('part.txt', 'x\nunstaged\n')
    const before = statSync(path.join(repo.dir, 'full.txt'), { bigint: true })
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    expect(s.seen().get('part.txt')?.toString()).toBe('x\n')
    expect(s.seen().get('full.txt')?.toString()).toBe('staged whole\n')
    expect(show(repo, 'HEAD:part.txt')).toBe('x\n')
    expect(repo.git(['diff']).stdout).toContain('+unstaged')
    const after = statSync(path.join(repo.dir, 'full.txt'), { bigint: true })
    expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs])
  })

  it('a fix gate: the commit holds the fixed staged half, the unstaged edit stays byte for byte, git diff shows only it', () => {
    const { repo } = fixRepo()
    repo.write('a.txt', BODY)
    repo.git(['add', 'a.txt'])
    repo.write('a.txt', `${BODY}unstaged tail\n`)
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('re-staged 1 file(s): a.txt')
    expect(show(repo, 'HEAD:a.txt')).toBe(BODY.replace('bad', 'good'))
    expect(
      repo
        .git(['diff'])
        .stdout.split('\n')
        .filter((l) => /^[-+][^-+]/.test(l)),
    ).toEqual(['+unstaged tail'])
    expect(repo.git(['diff', '--cached']).stdout).toBe('')
  })

  it('a refused commit leaves the index and the work tree exactly as they were, fixes included', () => {
    const { repo } = fixRepo(`no: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: 'false', after: ['fmt'] },`)
    repo.write('a.txt', BODY)
    repo.write('b.txt', 'b is bad\n')
    repo.git(['add', 'a.txt', 'b.txt'])
    repo.write('a.txt', `${BODY}unstaged tail\n`)
    const before = snapshot(repo)
    const r = commit(repo)
    expect(r.code).not.toBe(0)
    expect(snapshot(repo)).toEqual(before)
  })

  it('when the unstaged part cannot be merged with the fix, the fix is committed, the work tree keeps its version, and the user is told', () => {
    const { repo } = fixRepo()
    repo.write('a.txt', 'one bad\n')
    repo.git(['add', 'a.txt'])
    repo.write('a.txt', 'one bad, edited\n')
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    expect(show(repo, 'HEAD:a.txt')).toBe('one good\n')
    expect(repo.git(['show', ':a.txt']).stdout).toBe('one good\n')
    expect(repo.git(['diff']).stdout).toContain('+one bad, edited')
    expect(r.stderr).toContain('could not be merged')
    expect(r.stderr).toContain('a.txt')
  })

  it('stores the verdict under the fixed content, so committing that content again runs nothing', () => {
    const { repo, s } = fixRepo()
    repo.write('a.txt', 'a bad\n')
    repo.git(['add', 'a.txt'])
    expect(commit(repo).code).toBe(0)
    expect(show(repo, 'HEAD:a.txt')).toBe('a good\n')
    const runs = s.log().length
    repo.git(['reset', '-q', '--soft', 'HEAD~1'])
    const again = commit(repo)
    expect(again.code, again.stderr).toBe(0)
    expect(s.log()).toHaveLength(runs) // the fixer did not run: the cache answered
  })

  it('a fix gate that changes nothing behaves like a check', () => {
    const { repo } = fixRepo()
    repo.write('a.txt', 'all good\n')
    repo.git(['add', 'a.txt'])
    repo.write('a.txt', 'all good\nmore\n')
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(show(repo, 'HEAD:a.txt')).toBe('all good\n')
    expect(repo.git(['diff']).stdout).toContain('+more')
  })

  it('re-stages fixes with git commit -a, git commit <path> (a temporary index) and --amend', () => {
    const { repo } = fixRepo()
    repo.write('a.txt', 'a bad\n')
    repo.write('b.txt', 'b bad\n')
    repo.git(['add', 'a.txt', 'b.txt'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'raw'])
    repo.write('a.txt', 'a bad again\n')
    expect(commit(repo, '-a').code).toBe(0)
    expect(show(repo, 'HEAD:a.txt')).toBe('a good again\n')
    repo.write('b.txt', 'b bad twice\n')
    repo.write('a.txt', 'a left alone bad\n')
    expect(commit(repo, '--', 'b.txt').code).toBe(0)
    expect(show(repo, 'HEAD:b.txt')).toBe('b good twice\n')
    expect(show(repo, 'HEAD:a.txt')).toBe('a good again\n')
    repo.write('b.txt', 'b bad amended\n')
    repo.git(['add', 'b.txt'])
    expect(commit(repo, '--amend').code).toBe(0)
    expect(show(repo, 'HEAD:b.txt')).toBe('b good amended\n')
    expect(repo.git(['status', '--porcelain', '--', 'b.txt']).stdout).toBe('')
  })

  it('hides nothing during a merge', () => {
    const s = stagingScripts()
    const repo = gateRepo(
      `export default { jobs: { check: { on: { hook: ['pre-commit', 'pre-merge-commit'], paths: ['*.txt'] }, run: ${JSON.stringify(s.read)} } } }`,
    )
    repo.write('m.txt', 'base\n')
    repo.git(['add', 'm.txt'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'base'])
    repo.git(['checkout', '-q', '-b', 'side'])
    repo.write('side.txt', 'side\n')
    repo.git(['add', 'side.txt'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'side'])
    repo.git(['checkout', '-q', 'main'])
    repo.write('m.txt', 'main\n')
    repo.git(['add', 'm.txt'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'main'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'merge', '-q', '--no-commit', 'side'], { allowFail: true })
    repo.write('side.txt', 'side\nlocal edit\n')
    const r = repo.git(['commit', '-q', '--no-edit'], { allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    expect(s.seen().get('side.txt')?.toString()).toBe('side\nlocal edit\n') // nothing hidden
    expect(repo.git(['rev-list', '--count', '--merges', 'HEAD']).stdout.trim()).toBe('1')
  })
})

/** Odd files committed, then staged changes, then unstaged ones on top of each. */
function oddFiles(repo: TestRepo): void {
  const files: Record<string, string | Buffer> = {
    'crlf.txt': 'one bad\r\ntwo\r\n',
    'nonl.txt': 'fix bad\nl2\nl3\nl4\nlast',
    'with space.txt': 'spaced bad\n',
    'new\nline.txt': 'newline name bad\n',
    'bin.txt': Buffer.from([0, 1, 2, 0x62, 0x61, 0x64, 255, 0]),
    'mode.txt': 'mode bad\n',
    'gone.txt': 'to delete bad\n',
    'old.txt': 'renamed bad\nl2\nl3\n',
  }
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(repo.dir, name), content)
  repo.git(['add', '-A'])
  repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'odd files'])
  repo.write('crlf.txt', 'one bad\r\ntwo staged\r\n')
  repo.write('nonl.txt', 'fix bad\nl2\nl3\nl4\nlast staged')
  repo.write('with space.txt', 'spaced bad\nstaged\n')
  repo.write('new\nline.txt', 'newline name bad\nstaged\n')
  writeFileSync(path.join(repo.dir, 'bin.txt'), Buffer.from([0, 1, 2, 0x62, 0x61, 0x64, 255, 1]))
  repo.git(['mv', 'old.txt', 'renamed.txt'])
  repo.git(['rm', '-q', 'gone.txt'])
  repo.git(['update-index', '--chmod=+x', 'mode.txt'])
  repo.write('ita.txt', 'intent to add bad\n')
  repo.git(['add', '--', 'crlf.txt', 'nonl.txt', 'with space.txt', 'new\nline.txt', 'bin.txt'])
  repo.git(['add', '-N', 'ita.txt'])
  symlinkSync('crlf.txt', path.join(repo.dir, 'link.txt'))
  repo.git(['add', 'link.txt'])
  repo.write('crlf.txt', 'one bad\r\ntwo staged\r\n\r\n\r\n\r\nunstaged\r\n')
  repo.write('nonl.txt', 'fix bad\nl2\nl3\nl4\nlast staged')
  repo.write('nonl.txt', 'fix bad\nl2\nl3\nunstaged\nl4\nlast staged')
  repo.write('with space.txt', 'spaced bad\nstaged\n\n\nunstaged\n')
  repo.write('new\nline.txt', 'newline name bad\nstaged\n\n\nunstaged\n')
  writeFileSync(path.join(repo.dir, 'bin.txt'), Buffer.from([0, 1, 2, 0x62, 0x61, 0x64, 255, 2]))
  repo.write('renamed.txt', 'renamed bad\nl2\nl3\nunstaged\n')
}

const base64 = (text: string) => Buffer.from(text).toString('base64')

describe('partial staging: odd files come back byte for byte', () => {
  it('committed: staged halves fixed, unstaged halves kept (intent-to-add, rename, delete, binary, symlink, mode, CRLF, no final newline, spaces and newlines in names)', () => {
    const { repo } = fixRepo()
    oddFiles(repo)
    const before = snapshot(repo)
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    const after = snapshot(repo)
    expect(show(repo, 'HEAD:crlf.txt')).toBe('one good\r\ntwo staged\r\n')
    expect(show(repo, 'HEAD:nonl.txt')).toBe('fix good\nl2\nl3\nl4\nlast staged')
    expect(show(repo, 'HEAD:with space.txt')).toBe('spaced good\nstaged\n')
    expect(show(repo, 'HEAD:new\nline.txt')).toBe('newline name good\nstaged\n')
    expect(show(repo, 'HEAD:renamed.txt')).toBe('renamed good\nl2\nl3\n')
    expect(repo.git(['ls-tree', 'HEAD', '--', 'ita.txt', 'gone.txt', 'old.txt']).stdout).toBe('')
    expect(repo.git(['ls-tree', 'HEAD', '--', 'mode.txt']).stdout).toMatch(/^100755 /)
    expect(repo.git(['ls-tree', 'HEAD', '--', 'link.txt']).stdout).toMatch(/^120000 /)
    // Not given to the fixer (intent-to-add is not staged content; the symlink and the mode change are not *.txt content changes it touches).
    for (const name of ['ita.txt', 'link.txt']) expect(after.files.get(name)).toEqual(before.files.get(name))
    expect(after.files.get('crlf.txt')).toBe(`file 644 ${base64('one good\r\ntwo staged\r\n\r\n\r\n\r\nunstaged\r\n')}`)
    expect(after.files.get('nonl.txt')).toBe(`file 644 ${base64('fix good\nl2\nl3\nunstaged\nl4\nlast staged')}`)
    expect(after.files.get('with space.txt')).toBe(`file 644 ${base64('spaced good\nstaged\n\n\nunstaged\n')}`)
    expect(after.files.get('new\nline.txt')).toBe(`file 644 ${base64('newline name good\nstaged\n\n\nunstaged\n')}`)
    expect(after.files.get('renamed.txt')).toBe(`file 644 ${base64('renamed good\nl2\nl3\nunstaged\n')}`)
    expect(after.files.get('bin.txt')).toEqual(before.files.get('bin.txt'))
    expect(after.files.has('gone.txt')).toBe(false)
  })

  it('refused: every file and the index exactly as they were', () => {
    const { repo } = fixRepo(`no: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: 'false', after: ['fmt'] },`)
    oddFiles(repo)
    const before = snapshot(repo)
    const r = commit(repo)
    expect(r.code).not.toBe(0)
    expect(snapshot(repo)).toEqual(before)
  })
})
