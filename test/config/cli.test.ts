// What the user sees when the config is wrong: the real CLI bundle, on a real repository.
// `gitvan install` is used because it loads the config before doing anything else.
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

describe('config errors through the CLI', () => {
  it('prints every problem of an invalid config, one per line, and exits 2', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default {
  jobs: {
    lint: { on: { hook: 'pre-comit' }, run: 'eslint .' },
    test: { on: 'pre-push', run: 'npm test', priority: 'high' },
    docs: { on: 'post-commit' },
  },
}
`,
    )
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      [
        'gitvan: gitvan.config.mjs has 3 problems:',
        "  jobs.lint.on.hook: 'pre-comit' is not a git hook (did you mean 'pre-commit'?)",
        "  jobs.test.priority: expected a number, got 'high' (string)",
        "  jobs.docs: needs 'run' (a command or a function) or 'template'",
        '',
      ].join('\n'),
    )
  })

  it('points at the line of a syntax error and exits 2', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', "export default {\n  jobs: { lint: { on: 'pre-commit' run: 'x' } },\n}\n")
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^gitvan: could not load gitvan\.config\.mjs: /)
    expect(r.stderr).toContain('\n  at gitvan.config.mjs:2\n')
  })

  it('refuses hostile job ids, in the config and from jobs/ file names, in every command that loads it, with exit 2', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: {
  'a b': { on: 'post-commit', run: 'true' },
  '../up': { on: 'post-commit', run: 'true' },
  'x\\ny': { on: 'pre-commit', run: 'true' },
  'HEAD@{1}': { on: 'post-commit', run: 'true' },
  'a.lock': { on: 'post-commit', run: 'true' },
  '': { on: 'post-commit', run: 'true' },
} }
`,
    )
    repo.write('jobs/my job/x*y.mjs', "export default { on: 'post-commit', run: 'true' }\n")
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'hostile ids'])
    const expected = [
      "jobs['a b']: job id 'a b' contains a space",
      "jobs['../up']: job id '../up' contains '/'",
      'jobs[\'x\\ny\']: job id "x\\ny" contains a control character (0x0a)',
      "jobs['HEAD@{1}']: job id 'HEAD@{1}' contains '@{'",
      "jobs['a.lock']: job id 'a.lock' ends with '.lock'",
      "jobs['']: job id '' is empty",
      "jobs/my job/x*y.mjs: jobs['my job.x*y']: job id 'my job.x*y' contains a space",
    ]
    for (const args of [['install'], ['trust'], ['run', '--all'], ['doctor'], ['hook', 'pre-commit']]) {
      // A hook loads an unapproved config only with CI set (otherwise it refuses without loading it).
      const r = repo.gitvan(args, args[0] === 'hook' ? { env: { CI: '1' } } : {})
      expect(r.code, args.join(' ')).toBe(2)
      const out = r.stdout + r.stderr
      expect(out).toContain('gitvan.config.mjs and jobs/ have 7 problems:')
      for (const line of expected) expect(out, `${args.join(' ')}: ${line}`).toContain(line)
    }
    expect(repo.git(['for-each-ref', 'refs/gitvan/', 'refs/notes/']).stdout).toBe('')
  })

  it('exits 2 for a hostile --job id', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', "export default { jobs: { ok: { on: 'post-commit', run: 'true' } } }\n")
    for (const id of ['../../x', 'a b', '-rf', 'x\ny', '']) {
      const r = repo.gitvan(['run', '--all', '--job', id])
      expect(r.code, JSON.stringify(id)).toBe(2)
      expect(r.stderr).not.toContain('internal error')
    }
  })

  it("says to run 'gitvan init' when there is no config, and exits 2", () => {
    const repo = makeRepo()
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`gitvan: no gitvan config in ${repo.dir}`)
    expect(r.stderr).toContain("run 'gitvan init'")
  })
})
