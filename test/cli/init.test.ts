import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

describe('gitvan init', () => {
  it('writes a starter config that loads, then installs the hooks it uses', () => {
    const repo = makeRepo()
    repo.linkGitvan()
    const r = repo.gitvan(['init'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('gitvan: wrote gitvan.config.mjs')
    expect(r.stdout).toContain('pre-commit: installed .git/hooks/pre-commit')
    expect(r.stdout).toContain('post-commit: installed .git/hooks/post-commit')
    const config = readFileSync(path.join(repo.dir, 'gitvan.config.mjs'), 'utf8')
    expect(config).toContain("import { defineConfig } from 'gitvan'")
    expect(config).toMatch(/^\s*\/\/ A gate/m)
    const record = JSON.parse(readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')) as {
      hooks: string[]
    }
    expect(record.hooks).toEqual(['pre-commit', 'post-commit'])
  })

  it('from a subdirectory, writes the config at the top of the repository', () => {
    const repo = makeRepo()
    repo.linkGitvan()
    repo.write('src/deep/x.txt', 'x\n')
    const r = repo.gitvan(['init'], { cwd: path.join(repo.dir, 'src/deep') })
    expect(r.code).toBe(0)
    expect(existsSync(path.join(repo.dir, 'gitvan.config.mjs'))).toBe(true)
    expect(existsSync(path.join(repo.dir, 'src/deep/gitvan.config.mjs'))).toBe(false)
  })

  it("writes the config but installs nothing, exit 2, where 'gitvan' cannot be imported yet, and says what to do", () => {
    const repo = makeRepo()
    const r = repo.gitvan(['init'])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('gitvan: wrote gitvan.config.mjs')
    expect(r.stderr).toContain('npm install --save-dev gitvan')
    expect(existsSync(path.join(repo.dir, '.git/hooks/pre-commit'))).toBe(false)
  })

  it('exits 2 and changes nothing when a config exists; --force replaces gitvan.config.mjs', () => {
    const repo = makeRepo()
    repo.linkGitvan()
    const mine = "export default { jobs: { mine: { on: 'commit-msg', run: 'true' } } }\n"
    repo.write('gitvan.config.mjs', mine)
    const r = repo.gitvan(['init'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`A gitvan config already exists: ${path.join(repo.dir, 'gitvan.config.mjs')}`)
    expect(r.stderr).toContain('gitvan init --force')
    expect(readFileSync(path.join(repo.dir, 'gitvan.config.mjs'), 'utf8')).toBe(mine)
    expect(existsSync(path.join(repo.dir, '.git/hooks/commit-msg'))).toBe(false)

    const forced = repo.gitvan(['init', '--force'])
    expect(forced.code).toBe(0)
    expect(readFileSync(path.join(repo.dir, 'gitvan.config.mjs'), 'utf8')).toContain(
      "import { defineConfig } from 'gitvan'",
    )
    expect(existsSync(path.join(repo.dir, '.git/hooks/pre-commit'))).toBe(true)
  })

  it('will not write a second config next to another kind of config, even with --force', () => {
    const repo = makeRepo()
    repo.write('package.json', JSON.stringify({ name: 'x', gitvan: { jobs: {} } }))
    const r = repo.gitvan(['init', '--force'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('remove package.json first')
    expect(existsSync(path.join(repo.dir, 'gitvan.config.mjs'))).toBe(false)
  })

  it('skips with GITVAN=0 or HUSKY=0', () => {
    const repo = makeRepo()
    for (const env of [{ GITVAN: '0' }, { HUSKY: '0' }]) {
      const r = repo.gitvan(['init'], { env })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('is set: skipped init')
    }
    expect(existsSync(path.join(repo.dir, 'gitvan.config.mjs'))).toBe(false)
  })

  it('adds "prepare": "gitvan install" to package.json, keeping what was there', () => {
    const repo = makeRepo()
    repo.linkGitvan()
    repo.write('package.json', '{\n\t"name": "app",\n\t"scripts": {\n\t\t"test": "vitest"\n\t}\n}\n')
    const r = repo.gitvan(['init'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(
      'gitvan: added "prepare": "gitvan install" to package.json, so npm install installs the hooks in every clone\n',
    )
    expect(readFileSync(path.join(repo.dir, 'package.json'), 'utf8')).toBe(
      '{\n\t"name": "app",\n\t"scripts": {\n\t\t"test": "vitest",\n\t\t"prepare": "gitvan install"\n\t}\n}\n',
    )
  })

  it('appends gitvan install to an existing prepare script, and leaves one that already runs it alone', () => {
    const repo = makeRepo()
    repo.linkGitvan()
    repo.write('package.json', JSON.stringify({ name: 'app', scripts: { prepare: 'npm run build' } }, null, 2))
    const r = repo.gitvan(['init'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(
      `gitvan: package.json's prepare script now ends with gitvan install: "npm run build && gitvan install"`,
    )
    const pkg = JSON.parse(readFileSync(path.join(repo.dir, 'package.json'), 'utf8'))
    expect(pkg.scripts).toEqual({ prepare: 'npm run build && gitvan install' })

    const before = readFileSync(path.join(repo.dir, 'package.json'), 'utf8')
    const again = repo.gitvan(['init', '--force'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('gitvan: package.json already runs gitvan install on npm install')
    expect(readFileSync(path.join(repo.dir, 'package.json'), 'utf8')).toBe(before)
  })

  it('says so when package.json is missing or is not JSON, and leaves it so', () => {
    const none = makeRepo()
    none.linkGitvan()
    const r = none.gitvan(['init'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`gitvan: no package.json at ${none.dir}: each clone needs 'gitvan install' run by hand`)
    expect(existsSync(path.join(none.dir, 'package.json'))).toBe(false)

    const broken = makeRepo()
    broken.linkGitvan()
    broken.write('package.json', '{ "name": ')
    const b = broken.gitvan(['init'])
    expect(b.stderr).toContain('gitvan: did not change package.json: it is not valid JSON')
    expect(readFileSync(path.join(broken.dir, 'package.json'), 'utf8')).toBe('{ "name": ')
  })

  it('exits 2 outside a repository', () => {
    const repo = makeRepo()
    const r = repo.gitvan(['init'], { cwd: path.dirname(repo.dir) })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('is not inside a git working tree')
  })

  it('has usage text', () => {
    const repo = makeRepo({ initialCommit: false })
    expect(repo.gitvan(['init', '--help']).stdout).toContain('Usage: gitvan init [--force]')
  })
})
