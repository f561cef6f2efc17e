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

  it("says to run 'gitvan init' when there is no config, and exits 2", () => {
    const repo = makeRepo()
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`gitvan: no gitvan config in ${repo.dir}`)
    expect(r.stderr).toContain("run 'gitvan init'")
  })
})
