import { mkdirSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

const CONFIG = `export default {
  jobs: {
    lint: { on: { hook: 'pre-commit', paths: ['src/**'] }, run: 'true', priority: 5 },
    notes: { on: 'post-commit', run: async () => 1, description: 'count things' },
  },
}
`

describe('gitvan doctor', () => {
  it('reports versions, config, install state and what runs on which hook', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', CONFIG)
    const before = repo.gitvan(['doctor'])
    expect(before.code).toBe(0)
    expect(before.stdout).toMatch(/^ok {4}git version \d+\.\d+/m)
    expect(before.stdout).toMatch(/^ok {4}node v\d+/m)
    expect(before.stdout).toContain('config ')
    expect(before.stdout).toContain(': 2 jobs')
    expect(before.stdout).toMatch(/^warn {2}gitvan is not installed in this repository: run 'gitvan install'/m)
    expect(before.stdout).toContain(
      '  pre-commit (blocking: may refuse the operation)\n    lint: `true`, paths src/**, priority 5',
    )
    expect(before.stdout).toContain(
      '  post-commit (async: runs in the background runner)\n    notes: function, (count things)',
    )
    expect(before.stdout).toContain('Runner: not running; spool: 0 waiting')

    expect(repo.gitvan(['install']).code).toBe(0)
    const after = repo.gitvan(['doctor'])
    expect(after.code).toBe(0)
    expect(after.stdout).toMatch(/^ok {4}installed \(shims in .*\) for pre-commit, post-commit$/m)
  })

  it('warns when the config gained a hook that is not installed, and fails while the config is not approved', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', CONFIG)
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(repo.gitvan(['doctor']).stdout).toContain('the config is approved (gitvan trust): hooks run it')
    repo.write('gitvan.config.mjs', CONFIG.replace("on: 'post-commit'", "on: ['post-commit', 'post-merge']"))
    const r = repo.gitvan(['doctor'])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain("the config's hooks differ from the installed ones")
    expect(r.stdout).toContain('not installed yet: post-merge')
    expect(r.stdout).toContain('the config changed since it was approved')
    expect(r.stdout).toContain('gitvan.config.mjs changed')
    // Approving it adds the hook it gained.
    const trusted = repo.gitvan(['trust'])
    expect(trusted.stdout).toContain('post-merge: installed')
    expect(repo.gitvan(['doctor']).code).toBe(0)
  })

  it('fails with exit 2 and lists every config problem', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', "export default { jobs: { lint: { on: 'pre-comit', priority: 'high' } } }\n")
    const r = repo.gitvan(['doctor'])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain("jobs.lint.on: 'pre-comit' is not a git hook (did you mean 'pre-commit'?)")
    expect(r.stdout).toContain("jobs.lint.priority: expected a number, got 'high' (string)")
    expect(r.stdout).toMatch(/^FAIL {2}/m)
  })

  it('fails with exit 2 outside a repository', () => {
    const repo = makeRepo()
    const outside = `${repo.dir}-outside`
    mkdirSync(outside)
    const r = repo.gitvan(['doctor'], { cwd: outside })
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('is not inside a git working tree')
  })
})
