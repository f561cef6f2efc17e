/**
 * Edge cases of the gate cache, each a way it could answer wrongly (pass what running the gates
 * would refuse), proven through real git and the installed shim.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, type RunResult, removeTemp, type TestRepo } from '../helpers/repo.js'
import { cmd, gateRepo, readLines, scratch } from './fixture.js'

afterAll(removeTemp)

const DEBUG = { GITVAN_DEBUG: '1' }

const commitSame = (repo: TestRepo, env: NodeJS.ProcessEnv = {}): RunResult =>
  repo.git(['commit', '-q', '--allow-empty', '-m', 'again'], { allowFail: true, env })

describe('gate cache edges', () => {
  it('keys a declared input given by an absolute path by that file, not by a path under the top level', () => {
    const dir = scratch()
    const rules = path.join(dir, 'rules.cfg') // outside the repository, named absolutely
    const log = path.join(dir, 'ran.log')
    writeFileSync(rules, 'ok\n')
    const gate = cmd('sh', '-c', `echo ran >> '${log}'; grep -q '^ok$' '${rules}' || { echo rules say no; exit 1; }`)
    const repo = gateRepo(
      `export default { jobs: { gate: { on: 'pre-commit', run: ${gate}, cache: { inputs: [${JSON.stringify(rules)}] } } } }\n`,
    )
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toEqual(['ran'])
    writeFileSync(rules, 'no\n')
    const r = commitSame(repo, DEBUG)
    expect(r.stderr).not.toContain("job 'gate': ok (cached)")
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain('rules say no')
  })

  it('keys a pre-push {files} gate by the files it gets: the same refs pushed with other remote-tracking refs get other files', () => {
    const dir = scratch()
    const log = path.join(dir, 'ran.log')
    const remote = makeRepo({ bare: true })
    // Refuses any pushed .txt file that says "bad".
    const gate = cmd('sh', '-c', `echo "$*" >> '${log}'; ! grep -l bad "$@"`, 'sh', '{files}')
    const repo = gateRepo(
      `export default { jobs: { gate: { on: { hook: 'pre-push', paths: ['*.txt'] }, run: ${gate} } } }\n`,
    )
    repo.git(['remote', 'add', 'origin', remote.dir])
    const quiet = ['-c', 'core.hooksPath=/dev/null']
    // main (with bad.txt, committed and pushed without hooks) is on the remote.
    repo.write('bad.txt', 'bad\n')
    repo.git(['add', 'bad.txt'])
    repo.git([...quiet, 'commit', '-q', '-m', 'bad'])
    repo.git([...quiet, 'push', '-q', 'origin', 'main'])
    repo.git(['switch', '-q', '-c', 'feature'])
    repo.write('good.txt', 'good\n')
    repo.git(['add', 'good.txt'])
    repo.git([...quiet, 'commit', '-q', '-m', 'good'])
    const first = repo.git(['push', '-q', '--dry-run', 'origin', 'feature'], { allowFail: true })
    expect(first.code, first.stderr).toBe(0)
    expect(readLines(log)).toEqual(['good.txt']) // bad.txt is on origin/main: not pushed
    // origin/main goes away (a fetch --prune after it was deleted): bad.txt is now pushed too.
    repo.git(['update-ref', '-d', 'refs/remotes/origin/main'])
    const second = repo.git(['push', '-q', '--dry-run', 'origin', 'feature'], { allowFail: true, env: DEBUG })
    expect(second.stderr).not.toContain("job 'gate': ok (cached)")
    expect(second.code, second.stderr).not.toBe(0)
    expect(second.stderr).toContain('bad.txt')
  })

  it('runs a gate that reads GITVAN_BRANCH again on another branch with the same tree', () => {
    const gate = cmd('sh', '-c', '[ "$GITVAN_BRANCH" != main ] || { echo no commits on main; exit 1; }')
    const repo = gateRepo(`export default { jobs: { gate: { on: 'pre-commit', run: ${gate} } } }\n`)
    repo.git(['switch', '-q', '-c', 'feature'])
    expect(commitSame(repo).code).toBe(0)
    expect(commitSame(repo, DEBUG).stderr).toContain('nothing to run') // cached on feature
    repo.git(['switch', '-q', 'main'])
    repo.git(['merge', '-q', '--ff-only', 'feature'])
    const r = commitSame(repo, DEBUG)
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain('no commits on main')
  })

  it("runs a gate that reads the staged diff again when HEAD's tree differs under the same index tree", () => {
    const gate = cmd('sh', '-c', '! git diff --cached | grep "^+bad"')
    const repo = gateRepo(`export default { jobs: { gate: { on: 'pre-commit', run: ${gate} } } }\n`)
    repo.write('notes.txt', 'bad\n')
    repo.git(['add', 'notes.txt'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'bad, without hooks'])
    expect(commitSame(repo).code).toBe(0) // nothing staged: the diff is empty
    expect(commitSame(repo, DEBUG).stderr).toContain('nothing to run')
    repo.git(['reset', '-q', '--soft', 'HEAD~3']) // the same index tree, now staged against the tree before 'bad'
    const r = commitSame(repo, DEBUG)
    expect(r.stderr).not.toContain('nothing to run')
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain('+bad')
  })

  it("keys a {files} gate by each file's mode as well as its blob", () => {
    const log = path.join(scratch(), 'ran.log')
    const gate = cmd('sh', '-c', `echo "$*" >> '${log}'`, 'sh', '{files}')
    const repo = gateRepo(
      `export default { jobs: { gate: { on: { hook: 'pre-commit', paths: ['*.sh'] }, run: ${gate} } } }\n`,
    )
    repo.write('run.sh', 'echo hi\n')
    expect(repo.commit('script').code).toBe(0)
    repo.git(['update-index', '--chmod=+x', 'run.sh'])
    const r = repo.git(['commit', '-q', '-m', 'executable'], { allowFail: true, env: DEBUG })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain("job 'gate': ok (cached)")
    expect(readLines(log)).toEqual(['run.sh', 'run.sh'])
  })
})

describe('probe entries the shim reads', () => {
  it.each([
    ['without its base line', (line: string) => !line.startsWith('base ')],
    ['without its first line', (line: string) => line !== 'gitvan-probe 1'],
  ])('does not answer from a probe %s, even one that still ends with end', (_, keep) => {
    const log = path.join(scratch(), 'ran.log')
    const gate = cmd('sh', '-c', `echo ran >> '${log}'`)
    const repo = gateRepo(`export default { jobs: { gate: { on: 'pre-commit', run: ${gate} } } }\n`)
    expect(commitSame(repo).code).toBe(0)
    expect(commitSame(repo, DEBUG).stderr).toContain('nothing to run')
    const probes = path.join(repo.dir, '.git/gitvan/cache/probe/pre-commit')
    for (const name of readdirSync(probes)) {
      const file = path.join(probes, name)
      writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter(keep).join('\n'))
    }
    const r = commitSame(repo, DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain('nothing to run')
  })
})

describe('cache.inputs validation', () => {
  it('refuses a glob in cache.inputs (it names files, and a glob would never match one)', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { gate: { on: 'pre-commit', run: 'true', cache: { inputs: ['config/*.json'] } } } }\n`,
    )
    const r = repo.gitvan(['hook', 'pre-commit'], { env: { CI: '1' } })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr + r.stdout).toContain("jobs.gate.cache.inputs[0]: takes file paths, not globs: 'config/*.json'")
  })
})
