import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { append, argvRecorder, cmd, gateRepo, readLines, scratch, writeConfig } from './fixture.js'

afterAll(removeTemp)

describe('pre-commit gates', () => {
  it('refuse a real git commit while the gate fails, naming the job and showing its output, and accept it once fixed', () => {
    const dir = scratch()
    const check = path.join(dir, 'no-todo.mjs')
    writeFileSync(
      check,
      "import { readFileSync } from 'node:fs'\nlet bad = 0\nfor (const f of process.argv.slice(2)) if (readFileSync(f, 'utf8').includes('TODO')) { console.log(`${f}: TODO left in`); bad = 1 }\nprocess.exit(bad)\n",
    )
    const repo = gateRepo(
      `export default { jobs: { 'no-todo': { on: { hook: 'pre-commit', paths: ['src/**/*.ts'] }, run: ${cmd(process.execPath, check, '{files}')} } } }\n`,
    )
    const before = repo.rev('HEAD')
    repo.write('src/app.ts', 'export const x = 1 // TODO\n')
    const refused = repo.commit('add app')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain("pre-commit: job 'no-todo' failed: ")
    expect(refused.stderr).toContain('exited with code 1')
    expect(refused.stderr).toContain('src/app.ts: TODO left in')
    expect(refused.stderr).toContain('the commit was refused')
    expect(repo.rev('HEAD')).toBe(before)

    repo.write('src/app.ts', 'export const x = 1\n')
    const accepted = repo.commit('add app')
    expect(accepted.code, accepted.stderr).toBe(0)
    expect(accepted.stderr).toBe('')
    expect(repo.rev('HEAD')).not.toBe(before)
    expect(repo.git(['show', '--name-only', '--format=', 'HEAD']).stdout).toBe('src/app.ts\n')
  })

  it('deliver odd staged file names intact to the command: spaces, a newline, a leading dash, unicode', () => {
    const dir = scratch()
    const rec = argvRecorder(dir)
    const repo = gateRepo(
      `export default { jobs: { names: { on: { hook: 'pre-commit', paths: ['files/**'] }, run: ${cmd(process.execPath, rec.script, rec.out, '{files}')} } } }\n`,
    )
    const names = [
      'files/with space.txt',
      'files/new\nline.txt',
      'files/ünïcödé 😀.txt',
      'files/quote\'n"dq.txt',
      'files/.dotfile',
      'files/sub/new\nline/x',
    ]
    for (const name of names) repo.write(name, `${name}\n`)
    repo.write('-rf', 'a leading dash\n')
    repo.git(['rm', '-q', 'README.md'])
    const r = repo.commit('odd names')
    expect(r.code, r.stderr).toBe(0)
    const calls = rec.calls()
    expect(calls).toHaveLength(1)
    expect([...(calls[0] ?? [])].sort()).toEqual([...names].sort())
    // Without paths, every staged path is passed, and a leading dash reaches the program as is.
    writeConfig(
      repo,
      `export default { jobs: { names: { on: 'pre-commit', run: ${cmd(process.execPath, rec.script, rec.out, '{files}')} } } }\n`,
    )
    repo.write('-n', 'x\n')
    repo.write('--version', 'x\n')
    expect(repo.commit('dashes').code).toBe(0)
    expect(rec.calls().at(-1)).toEqual(['--version', '-n'])
  })

  it('run a job with paths only when a staged file matches, with just the matches', () => {
    const dir = scratch()
    const rec = argvRecorder(dir)
    const log = path.join(dir, 'ran.log')
    const repo = gateRepo(
      `export default { jobs: {
        ts: { on: { hook: 'pre-commit', paths: ['**/*.ts', '!**/*.gen.ts'] }, run: ${cmd(process.execPath, rec.script, rec.out, '{files}')} },
        md: { on: { hook: 'pre-commit', paths: '*.md' }, run: ${append(log, 'md')} },
      } }\n`,
    )
    repo.write('notes.md', 'x\n')
    expect(repo.commit('docs').code).toBe(0)
    expect(rec.calls()).toEqual([])
    expect(readLines(log)).toEqual(['md'])

    repo.write('a.ts', 'x\n')
    repo.write('b.gen.ts', 'x\n')
    repo.write('lib/c.ts', 'x\n')
    expect(repo.commit('code').code).toBe(0)
    expect(rec.calls()).toEqual([['a.ts', 'lib/c.ts']])
    expect(readLines(log)).toEqual(['md'])
  })

  it('run higher priorities first, in config order within a priority', () => {
    const log = path.join(scratch(), 'order.log')
    const job = (name: string, priority: number) =>
      `${name}: { on: 'pre-commit', priority: ${priority}, run: ${append(log, name)} },`
    const repo = gateRepo(
      `export default { concurrency: 1, jobs: { ${job('low', 0)} ${job('high1', 10)} ${job('mid', 5)} ${job('high2', 10)} ${job('neg', -3)} } }\n`,
    )
    repo.write('x.txt', 'x\n')
    const r = repo.commit('order')
    expect(r.code, r.stderr).toBe(0)
    expect(readLines(log)).toEqual(['high1', 'high2', 'mid', 'low', 'neg'])
  })

  it('do not start the gates still queued once one fails', () => {
    const log = path.join(scratch(), 'after.log')
    const repo = gateRepo(
      `export default { concurrency: 1, jobs: {
        later: { on: 'pre-commit', run: ${append(log, 'later')} },
        first: { on: 'pre-commit', priority: 1, run: ${cmd('sh', '-c', 'echo first broke; exit 3')} },
      } }\n`,
    )
    repo.write('x.txt', 'x\n')
    const r = repo.commit('stop early')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("job 'first' failed: 'sh' exited with code 3")
    expect(r.stderr).toContain('first broke')
    expect(r.stderr).toContain('not run after the failure: later')
    expect(readLines(log)).toEqual([])
  })

  it('report a timeout and a throw by how they failed', () => {
    const repo = gateRepo(
      `export default { jobs: {
        slow: { on: 'pre-commit', timeout: '300ms', run: ${cmd('sh', '-c', 'echo waiting; sleep 30')} },
        thrower: { on: 'pre-commit', run: (ctx) => { ctx.log('looked at', ctx.files.length, 'files'); throw new Error('the changelog is missing') } },
      } }\n`,
    )
    repo.write('x.txt', 'x\n')
    const r = repo.commit('fails two ways')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("job 'slow' timed out after 300ms")
    expect(r.stderr).toContain('waiting')
    expect(r.stderr).toContain("job 'thrower' threw: the changelog is missing")
    expect(r.stderr).toContain('looked at 1 files')
  })

  it('give function jobs the staged files, HEAD and branch, and filter by branch', () => {
    const out = path.join(scratch(), 'ctx.json')
    const repo = gateRepo(
      `import { writeFileSync } from 'node:fs'
       export default { jobs: {
        facts: { on: 'pre-commit', run: (ctx) => { writeFileSync(${JSON.stringify(out)}, JSON.stringify({ files: ctx.files, commit: ctx.commit, commits: ctx.commits, branch: ctx.branch, hook: ctx.hook, args: ctx.args })) } },
        releaseOnly: { on: { hook: 'pre-commit', branch: 'release/*' }, run: 'false' },
      } }\n`,
    )
    const head = repo.rev('HEAD')
    repo.write('b.txt', 'b\n')
    repo.write('a.txt', 'a\n')
    const r = repo.commit('facts')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      files: ['a.txt', 'b.txt'],
      commit: head,
      commits: [head],
      branch: 'main',
      hook: 'pre-commit',
      args: [],
    })

    repo.git(['switch', '-q', '-c', 'release/1.0'])
    repo.write('c.txt', 'c\n')
    const onRelease = repo.commit('on a release branch')
    expect(onRelease.code).not.toBe(0)
    expect(onRelease.stderr).toContain("job 'releaseOnly' failed")
  })

  it('work on an unborn branch: {commit} is empty', () => {
    const rec = argvRecorder(scratch())
    const repo = gateRepo(
      `export default { jobs: { first: { on: 'pre-commit', run: ${cmd(process.execPath, rec.script, rec.out, 'commit={commit}', 'branch={branch}', '{files}')} } } }\n`,
      { initialCommit: false },
    )
    repo.write('a.txt', 'a\n')
    const r = repo.commit('first commit')
    expect(r.code, r.stderr).toBe(0)
    expect(rec.calls()).toEqual([['commit=', 'branch=main', 'a.txt', 'gitvan.config.mjs']])
  })

  it('on a detached HEAD: {branch} is empty and branch filters do not match', () => {
    const rec = argvRecorder(scratch())
    const repo = gateRepo(
      `export default { jobs: {
        where: { on: 'pre-commit', run: ${cmd(process.execPath, rec.script, rec.out, 'branch={branch}', '{commit}')} },
        onMain: { on: { hook: 'pre-commit', branch: '*' }, run: 'false' },
      } }\n`,
    )
    repo.git(['switch', '-q', '--detach'])
    const head = repo.rev('HEAD')
    repo.write('d.txt', 'd\n')
    const r = repo.commit('detached')
    expect(r.code, r.stderr).toBe(0)
    expect(rec.calls()).toEqual([['branch=', head]])
  })

  it('in a linked worktree: its own branch, HEAD and staged files', () => {
    const rec = argvRecorder(scratch())
    const repo = gateRepo(
      `export default { jobs: { where: { on: 'pre-commit', run: ${cmd(process.execPath, rec.script, rec.out, '{branch}', '{commit}', '{files}')} } } }\n`,
    )
    const wt = `${repo.dir}-wt`
    repo.git(['worktree', 'add', '-q', '-b', 'side', wt])
    writeFileSync(path.join(wt, 'side.txt'), 'side\n')
    repo.git(['add', 'side.txt'], { cwd: wt })
    const r = repo.git(['commit', '-q', '-m', 'in the worktree'], { cwd: wt, allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    expect(rec.calls()).toEqual([['side', repo.rev('main'), 'side.txt']])
  })

  it('see the index git commit -a and git commit <path> build, not the on-disk index', () => {
    const rec = argvRecorder(scratch())
    const repo = gateRepo(
      `export default { jobs: { staged: { on: 'pre-commit', run: ${cmd(process.execPath, rec.script, rec.out, '{files}')} } } }\n`,
    )
    repo.write('README.md', 'changed\n')
    repo.write('other.txt', 'untracked\n')
    expect(repo.git(['commit', '-q', '-a', '-m', 'all tracked'], { allowFail: true }).code).toBe(0)
    repo.write('README.md', 'changed again\n')
    repo.git(['add', 'other.txt'])
    expect(repo.git(['commit', '-q', '-m', 'only readme', '--', 'README.md'], { allowFail: true }).code).toBe(0)
    expect(rec.calls()).toEqual([['README.md'], ['README.md']])
  })
})
