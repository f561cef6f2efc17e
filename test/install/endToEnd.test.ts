import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, makeRepo, removeTemp } from '../helpers/repo.js'
import { hooksDirOf, modeOf, writeHook, writeHusky } from './fixture.js'

afterAll(removeTemp)

const CHECK = `// Fails when a file it is given contains the word FORBIDDEN.
import { readFileSync } from 'node:fs'
let failed = false
for (const file of process.argv.slice(2)) {
  if (readFileSync(file, 'utf8').includes('FORBIDDEN')) {
    console.error(file + ': contains FORBIDDEN')
    failed = true
  }
}
process.exit(failed ? 1 : 0)
`

describe('install, end to end', () => {
  it('gates git commit through the shim, runs the chained hook too, skips with GITVAN=0; uninstall restores the old hook', () => {
    const repo = makeRepo()
    const hook = path.join(hooksDirOf(repo), 'pre-commit')
    const oldHook = '#!/bin/sh\necho "old hook ran" >&2\n'
    writeHook(hook, oldHook, 0o755)
    repo.write('check.mjs', CHECK)
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { 'no-forbidden': { on: { hook: 'pre-commit', paths: ['**/*.txt'] }, run: 'node check.mjs {files}' } } }\n`,
    )
    expect(repo.commit('config').code).toBe(0)

    const installed = repo.gitvan(['install'])
    expect(installed.code).toBe(0)
    expect(installed.stdout).toContain('chained the existing hook')

    repo.write('bad.txt', 'this is FORBIDDEN\n')
    const refused = repo.commit('bad')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('old hook ran')
    expect(refused.stderr).toContain('no-forbidden')
    expect(refused.stderr).toContain('bad.txt: contains FORBIDDEN')
    expect(repo.git(['log', '--format=%s']).stdout).toBe('config\ninitial\n')

    repo.write('bad.txt', 'this is fine\n')
    const passed = repo.commit('good')
    expect(passed.stderr).toContain('old hook ran')
    expect(passed.code).toBe(0)

    repo.write('bad.txt', 'FORBIDDEN again\n')
    const skipped = repo.commit('skipped', { env: { GITVAN: '0' } })
    expect(skipped.code).toBe(0)
    expect(skipped.stderr).toContain('old hook ran')
    expect(repo.git(['log', '--format=%s']).stdout).toBe('skipped\ngood\nconfig\ninitial\n')

    expect(repo.gitvan(['uninstall']).code).toBe(0)
    expect(readFileSync(hook, 'utf8')).toBe(oldHook)
    expect(modeOf(hook)).toBe(0o755)
  })

  it("the starter config's gate refuses a commit with whitespace errors", () => {
    const repo = makeRepo()
    repo.linkGitvan()
    repo.write('.gitignore', 'node_modules\n')
    expect(repo.gitvan(['init']).code).toBe(0)
    repo.write('notes.md', 'trailing space \n')
    const refused = repo.commit('whitespace', { env: { CI: '1' } })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('diff-check')
    expect(refused.stderr).toContain('trailing whitespace')
    repo.write('notes.md', 'clean\n')
    expect(repo.commit('clean', { env: { CI: '1' } }).code).toBe(0)
  })

  it('picks up a hook the config gained, from inside a hook, and says so', () => {
    const repo = makeRepo()
    const grown = `export default { jobs: { a: { on: 'pre-commit', run: 'true' }, b: { on: 'commit-msg', run: 'true' } } }\n`
    // The grown config was approved before (on another branch, say), then the small one installed.
    repo.write('gitvan.config.mjs', grown)
    expect(repo.gitvan(['install']).code).toBe(0)
    repo.write('gitvan.config.mjs', `export default { jobs: { a: { on: 'pre-commit', run: 'true' } } }\n`)
    expect(repo.gitvan(['install']).code).toBe(0)
    repo.write('gitvan.config.mjs', grown)
    const r = repo.commit('grow')
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('commit-msg: installed .git/hooks/commit-msg')
    expect(readFileSync(path.join(hooksDirOf(repo), 'commit-msg'), 'utf8')).toContain("hook='commit-msg'")
  })

  it('gates git commit through husky: the line runs after what .husky/pre-commit already did', () => {
    const repo = makeRepo()
    writeHusky(repo, ['pre-commit'])
    repo.write('.gitignore', 'node_modules\n')
    // What a project's devDependency gives husky's PATH.
    writeHook(path.join(repo.dir, 'node_modules/.bin/gitvan'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`)
    repo.write('.husky/pre-commit', 'echo "husky step ran" >&2\n')
    repo.write('check.mjs', CHECK)
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { 'no-forbidden': { on: { hook: 'pre-commit', paths: ['**/*.txt'] }, run: 'node check.mjs {files}' } } }\n`,
    )
    expect(repo.gitvan(['install']).code).toBe(0)
    const setup = repo.commit('setup')
    expect(setup.stderr).toBe('husky step ran\n')
    expect(setup.code).toBe(0)

    repo.write('bad.txt', 'FORBIDDEN\n')
    const refused = repo.commit('bad')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('husky step ran')
    expect(refused.stderr).toContain('no-forbidden')
    repo.write('bad.txt', 'fine\n')
    expect(repo.commit('good').code).toBe(0)
    expect(repo.gitvan(['uninstall']).code).toBe(0)
    expect(readFileSync(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe('echo "husky step ran" >&2\n')
  })
})
