import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

const CONFIG =
  "export default { jobs: { lint: { on: 'pre-commit', run: 'true' }, notes: { on: 'post-commit', run: () => 1 } } }\n"

describe('gitvan status: hooks', () => {
  it('warns when the config has jobs on hooks that are not installed, until they are', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', CONFIG)
    const before = repo.gitvan(['status'])
    expect(before.code).toBe(0)
    expect(before.stdout).toContain('hooks:      not installed\n')
    expect(before.stdout).toContain(
      "warning:    the config has jobs on pre-commit, post-commit, but those hooks are not installed, so nothing runs there: run 'gitvan install'",
    )
    expect(JSON.parse(repo.gitvan(['status', '--json']).stdout).hooks).toEqual({
      installed: [],
      missing: ['pre-commit', 'post-commit'],
    })

    expect(repo.gitvan(['install']).code).toBe(0)
    const after = repo.gitvan(['status'])
    expect(after.stdout).toContain('hooks:      installed for pre-commit, post-commit\n')
    expect(after.stdout).not.toContain('warning:')

    repo.write('gitvan.config.mjs', CONFIG.replace("on: 'post-commit'", "on: ['post-commit', 'commit-msg']"))
    expect(repo.gitvan(['status']).stdout).toContain(
      'warning:    the config has jobs on commit-msg, but that hook is not installed',
    )
  })

  it('does not warn without a config, and leaves a broken one to doctor', () => {
    const repo = makeRepo()
    expect(repo.gitvan(['status']).stdout).not.toContain('warning:')
    repo.write('gitvan.config.mjs', 'export default {')
    const r = repo.gitvan(['status'])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('warning:')
  })
})

describe('gitvan status --help', () => {
  it('names every field that status --json prints', () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', CONFIG)
    const json = repo.gitvan(['status', '--json'])
    expect(json.code).toBe(0)
    const status = JSON.parse(json.stdout) as Record<string, unknown>
    const fields = [
      ...Object.keys(status),
      ...Object.keys(status.runner as object),
      ...Object.keys(status.hooks as object),
    ]
    const help = repo.gitvan(['status', '--help']).stdout
    for (const field of fields) expect(help, field).toContain(`"${field}"`)
  })
})
