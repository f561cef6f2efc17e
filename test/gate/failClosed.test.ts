/**
 * A gate is never silently dropped, and a cached verdict never outlives what it rested on:
 * regressions named after what broke.
 */
import { existsSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'
import { append, gateRepo, readLines, scratch } from './fixture.js'

afterAll(removeTemp)

const PROBE_HIT = 'every gate passed before on this content'

describe('a gate is never silently dropped', () => {
  it('still refuses on main after a commit on a branch whose config lacks it; that branch answers without node', () => {
    const repo = gateRepo("export default { jobs: { lint: { on: 'pre-commit', run: 'test ! -e bad' } } }\n")
    repo.git(['checkout', '-q', '-b', 'feature'])
    repo.write('gitvan.config.mjs', "export default { jobs: { msg: { on: 'commit-msg', run: 'true' } } }\n")
    expect(repo.gitvan(['trust']).code).toBe(0)
    const feature = repo.commit('a config without the gate', { env: { GITVAN_DEBUG: '1' } })
    expect(feature.code, feature.stderr).toBe(0)
    expect(feature.stderr).not.toContain('removed')
    expect(existsSync(path.join(repo.dir, '.git/hooks/pre-commit'))).toBe(true)
    // The next commit there: the shim knows this config has no pre-commit job.
    const again = repo.commit('again', { allowEmpty: true, env: { GITVAN_DEBUG: '1' } })
    expect(again.code).toBe(0)
    expect(again.stderr).toContain('the config has no job for this hook; nothing to run')

    repo.git(['checkout', '-q', 'main'])
    repo.write('bad', '')
    const refused = repo.commit('bad on main')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain("job 'lint' failed")
    // gitvan install, not a hook, removes what the config no longer uses.
    repo.git(['checkout', '-q', 'feature'])
    expect(repo.gitvan(['install']).stdout).toContain('pre-commit')
    expect(existsSync(path.join(repo.dir, '.git/hooks/pre-commit'))).toBe(false)
  })

  it('refuses the commit when the config never finishes loading, and run and doctor exit 2', () => {
    const ran = path.join(scratch(), 'ran.log')
    // Without HANG the config loads (so install approves it); with it, its top-level await never
    // settles: once with nothing keeping node alive, once with a timer that does.
    const repo = gateRepo(
      `if (process.env.HANG === 'quiet') await new Promise(() => {})
if (process.env.HANG === 'timer') await new Promise(() => setInterval(() => {}, 1000))
export default { jobs: { gate: { on: 'pre-commit', run: 'false' }, note: { on: 'post-commit', run: ${append(ran, 'note')} } } }
`,
    )
    for (const hang of ['quiet', 'timer']) {
      const env = { HANG: hang, GITVAN_CONFIG_TIMEOUT: '1s' }
      const refused = repo.commit(`hang ${hang}`, { allowEmpty: true, env })
      expect(refused.code, hang).not.toBe(0)
      expect(refused.stderr, hang).toContain('did not finish within 1 s')
      expect(refused.stderr, hang).toContain('GITVAN_CONFIG_TIMEOUT')
      expect(refused.stderr, hang).toContain('GITVAN=0')
    }
    const env = { HANG: 'timer', GITVAN_CONFIG_TIMEOUT: '1s' }
    const run = repo.gitvan(['run', 'HEAD'], { env })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('did not finish within 1 s')
    expect(repo.gitvan(['doctor'], { env }).code).toBe(2)
    expect(repo.gitvan(['run'], { env: { GITVAN_CONFIG_TIMEOUT: 'soon' } }).stderr).toContain(
      'GITVAN_CONFIG_TIMEOUT=soon is not a duration',
    )
    expect(readLines(ran)).toEqual([])
  })
})

describe('a cached pass never outlives what it rested on', () => {
  it('is not reused after a variable the config reads, a file it reads or a module it imports changes the command', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      "import { existsSync } from 'node:fs'\nimport { lint } from 'lintpkg'\nexport default { jobs: { lint: { on: 'pre-commit', run: process.env.LINT_STRICT || existsSync('strict.flag') ? 'false' : lint } } }\n",
    )
    // A local package of the repository, linked into node_modules as a workspace would be.
    repo.write('packages/lintpkg/package.json', '{ "name": "lintpkg", "type": "module", "main": "index.js" }\n')
    repo.write('packages/lintpkg/index.js', "export const lint = 'true'\n")
    repo.write('.gitignore', 'node_modules\n')
    repo.git(['config', 'core.symlinks', 'true'])
    repo.write('node_modules/.keep', '')
    symlinkSync('../packages/lintpkg', path.join(repo.dir, 'node_modules/lintpkg'))
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(repo.commit('first').code).toBe(0)
    expect(repo.commit('same content', { allowEmpty: true }).code).toBe(0)
    const hit = repo.commit('same content again', { allowEmpty: true, env: { GITVAN_DEBUG: '1' } })
    expect(hit.code).toBe(0)
    expect(hit.stderr).toContain(PROBE_HIT)

    const strict = repo.commit('strict', { allowEmpty: true, env: { LINT_STRICT: '1' } })
    expect(strict.code).not.toBe(0)
    expect(strict.stderr).toContain("job 'lint' failed")
    // A file the config looks at while it loads (untracked: the staged tree stays the one that passed).
    repo.write('strict.flag', '')
    const flagged = repo.git(['commit', '-q', '--allow-empty', '-m', 'flagged'], { allowFail: true })
    expect(flagged.code).not.toBe(0)
    expect(flagged.stderr).toContain("job 'lint' failed")
    rmSync(path.join(repo.dir, 'strict.flag'))

    // The module changes: the hook refuses until it is approved, then the stricter command runs.
    repo.write('packages/lintpkg/index.js', "export const lint = 'false'\n")
    const changed = repo.commit('changed module', { allowEmpty: true })
    expect(changed.code).not.toBe(0)
    expect(changed.stderr).toContain('packages/lintpkg/index.js changed')
    expect(repo.gitvan(['trust']).code).toBe(0)
    const stale = repo.commit('approved module', { allowEmpty: true, env: { GITVAN_DEBUG: '1' } })
    expect(stale.code).not.toBe(0)
    expect(stale.stderr).not.toContain(PROBE_HIT)
    expect(stale.stderr).toContain("job 'lint' failed")
  })

  it("keys a gate's verdict by the whole staged tree unless cache.scope is 'files'", () => {
    const dir = scratch()
    const tree = path.join(dir, 'tree.log')
    const files = path.join(dir, 'files.log')
    const run = (log: string) => append(log, 'ran').slice(1, -1)
    const repo = gateRepo(
      `export default { jobs: {
  byTree: { on: { hook: 'pre-commit', paths: ['src/**'] }, run: "${run(tree)} {files}" },
  byFiles: { on: { hook: 'pre-commit', paths: ['src/**'] }, run: "${run(files)} {files}", cache: { scope: 'files' } },
} }\n`,
    )
    repo.write('src/a.js', '1\n')
    expect(repo.commit('a').code).toBe(0)
    repo.git(['-c', 'core.hooksPath=/dev/null', 'reset', '-q', '--soft', 'HEAD~1'])
    // The same src/a.js, with a linter's config beside it: the tree-keyed gate runs again.
    repo.write('.lintrc', 'strict\n')
    expect(repo.commit('a with a linter config').code).toBe(0)
    expect(readLines(tree)).toHaveLength(2)
    expect(readLines(files)).toHaveLength(1)

    repo.write(
      'gitvan.config.mjs',
      "export default { jobs: { f: { on: 'pre-commit', run: 'true', cache: { scope: 'file' } } } }\n",
    )
    const invalid = repo.gitvan(['trust'])
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toContain("jobs.f.cache.scope: expected 'tree'")
    repo.write(
      'gitvan.config.mjs',
      "export default { jobs: { f: { on: 'pre-commit', run: 'true', cache: { scope: 'files' } } } }\n",
    )
    expect(repo.gitvan(['trust']).stderr).toContain("jobs.f.cache.scope: 'files' keys a verdict by the files")
  })
})
