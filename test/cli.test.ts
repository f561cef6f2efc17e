import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, PROJECT_ROOT, removeTemp } from './helpers/repo.js'

afterAll(removeTemp)

describe('gitvan CLI', () => {
  const repo = makeRepo()
  const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }

  it('prints the version', () => {
    const r = repo.gitvan(['--version'])
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` })
  })

  it('lists every command of the contract in --help', () => {
    const r = repo.gitvan(['--help'])
    expect(r.code).toBe(0)
    for (const name of [
      'init',
      'install',
      'uninstall',
      'hook',
      'run',
      'status',
      'receipts',
      'cache',
      'sync',
      'trust',
      'doctor',
      'demo',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'))
    }
  })

  it('gives every command its own --help', () => {
    for (const name of [
      'init',
      'install',
      'uninstall',
      'hook',
      'run',
      'status',
      'receipts',
      'log',
      'cache',
      'sync',
      'trust',
      'doctor',
      'demo',
    ]) {
      const r = repo.gitvan([name, '--help'])
      expect(r.code, name).toBe(0)
      expect(r.stdout, name).toContain(`gitvan ${name}`)
    }
  })

  it('names in gitvan hook --help every environment variable a hook reads', () => {
    const help = repo.gitvan(['hook', '--help']).stdout
    for (const name of ['GITVAN=0', 'HUSKY=0', 'GITVAN_DEBUG=1', 'GITVAN_WARM=0', 'CI set'])
      expect(help, name).toContain(name)
    expect(help).toContain('130 interrupted')
  })

  it("prints a command's own help for gitvan help <command>", () => {
    for (const name of ['run', 'cache', 'install']) {
      const r = repo.gitvan(['help', name])
      expect(r.code, name).toBe(0)
      expect(r.stdout, name).toBe(repo.gitvan([name, '--help']).stdout)
    }
    expect(repo.gitvan(['help', 'frobnicate']).code).toBe(2)
  })

  it('lists no command as not built: every command of the contract exists', () => {
    const help = repo.gitvan(['--help']).stdout
    expect(help).not.toContain('Not built yet')
    expect(help).toMatch(/^ {2}trust /m)
  })

  it('exits 2 on an unknown command and says what to do', () => {
    const r = repo.gitvan(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'frobnicate'")
    expect(r.stderr).toContain('gitvan --help')
  })

  it('exits 2 with no command', () => {
    expect(repo.gitvan([]).code).toBe(2)
  })
})

describe('test harness', () => {
  it('runs the bundle built for this run', async () => {
    const { CLI } = await import('./helpers/repo.js')
    expect(CLI).not.toBe(path.join(PROJECT_ROOT, 'dist/cli.js'))
  })
})
