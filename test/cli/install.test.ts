// `gitvan install` as npm's prepare script runs it: one line, exit 0 and nothing changed wherever
// hooks must not (or cannot) be installed, so an `npm install` never fails or writes hooks there.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, cleanEnv, makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'

const outside = mkdtempSync(path.join(os.tmpdir(), 'gitvan-no-repo-'))
afterAll(() => {
  rmSync(outside, { recursive: true, force: true })
  removeTemp()
})

const CONFIG = "export default { jobs: { lint: { on: 'pre-commit', run: 'true' } } }\n"

function configured(): TestRepo {
  const repo = makeRepo()
  repo.write('gitvan.config.mjs', CONFIG)
  return repo
}

/** What gitvan wrote: the shim and the install record. */
const installed = (repo: TestRepo) => ({
  shim: existsSync(path.join(repo.dir, '.git/hooks/pre-commit')),
  record: existsSync(path.join(repo.dir, '.git/gitvan/install.json')),
})

describe('gitvan install: where it does nothing, in one line, exit 0', () => {
  it('outside a git repository', () => {
    writeFileSync(path.join(outside, 'gitvan.config.mjs'), CONFIG)
    const r = spawnSync(process.execPath, [CLI, 'install'], { cwd: outside, env: cleanEnv(), encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(`gitvan: ${outside} is not in a git repository: skipped install.\n`)
    expect(readdirSync(outside)).toEqual(['gitvan.config.mjs'])
  })

  it('with CI set to anything but the empty string; CI= installs', () => {
    const repo = configured()
    for (const CI of ['true', '1']) {
      const r = repo.gitvan(['install'], { env: { CI } })
      expect(r.code).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe(
        `gitvan: CI is set (CI=${CI}): skipped install: CI machines need no git hooks (to install them here anyway: CI= gitvan install).\n`,
      )
      expect(installed(repo)).toEqual({ shim: false, record: false })
    }
    const r = repo.gitvan(['install'], { env: { CI: '' } })
    expect(r.code, r.stderr).toBe(0)
    expect(installed(repo)).toEqual({ shim: true, record: true })
  })

  it('with GITVAN=0, even in CI', () => {
    const repo = configured()
    const r = repo.gitvan(['install'], { env: { GITVAN: '0', CI: 'true' } })
    expect(r.stdout).toBe('gitvan: GITVAN=0 is set: skipped install.\n')
    expect(installed(repo)).toEqual({ shim: false, record: false })
  })

  it("inside node_modules: a dependency's install script must not set the hooks of the project it is installed into", () => {
    // The project has a config (so an install would succeed) and a dependency whose package runs
    // `gitvan install` from its own lifecycle script, in its directory under node_modules.
    const repo = configured()
    const dep = path.join(repo.dir, 'node_modules/some-dep')
    mkdirSync(dep, { recursive: true })
    writeFileSync(path.join(dep, 'package.json'), '{"name":"some-dep","scripts":{"postinstall":"gitvan install"}}\n')
    const r = repo.gitvan(['install'], { cwd: dep, env: { npm_lifecycle_event: 'postinstall', INIT_CWD: repo.dir } })
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      `gitvan: ${dep} is inside node_modules, so this is a dependency being installed into the project at ${repo.dir}, not that project: skipped install.\n`,
    )
    expect(installed(repo)).toEqual({ shim: false, record: false })
  })

  it('still installs from a subdirectory of the project, such as a monorepo package that runs prepare', () => {
    const repo = configured()
    mkdirSync(path.join(repo.dir, 'packages/app'), { recursive: true })
    const r = repo.gitvan(['install'], { cwd: path.join(repo.dir, 'packages/app') })
    expect(r.code, r.stderr).toBe(0)
    expect(installed(repo)).toEqual({ shim: true, record: true })
  })

  it('as the prepare script npm runs: hooks installed; with CI set, skipped and npm still succeeds', () => {
    const repo = configured()
    // gitvan as npm would put it: node_modules/.bin/gitvan runs the CLI.
    mkdirSync(path.join(repo.dir, 'node_modules/.bin'), { recursive: true })
    symlinkSync(CLI, path.join(repo.dir, 'node_modules/.bin/gitvan'))
    repo.write('package.json', '{ "name": "app", "private": true, "scripts": { "prepare": "gitvan install" } }\n')
    const npm = (env: NodeJS.ProcessEnv) =>
      spawnSync('npm', ['run', 'prepare', '--silent'], {
        cwd: repo.dir,
        env: { ...repo.env, ...env },
        encoding: 'utf8',
      })
    const ci = npm({ CI: 'true' })
    expect(ci.status, ci.stderr).toBe(0)
    expect(ci.stdout).toContain('gitvan: CI is set (CI=true): skipped install')
    expect(installed(repo)).toEqual({ shim: false, record: false })
    const local = npm({})
    expect(local.status, local.stderr).toBe(0)
    expect(local.stdout).toContain('pre-commit: installed .git/hooks/pre-commit')
    expect(installed(repo)).toEqual({ shim: true, record: true })
  })
})
