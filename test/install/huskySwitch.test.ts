/**
 * husky repositories, set up by the real husky 9: the husky line runs the per-clone shim, so a
 * hook there needs no node on PATH and a blocking hook gets the cache probe; and a repository that
 * drops husky but keeps core.hooksPath gets clear words from install and doctor, not a crash.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLines } from '../gate/fixture.js'
import { installHusky } from '../helpers/husky.js'
import { CLI, makeRepo, removeTemp, type TestRepo, tempDir } from '../helpers/repo.js'

// The real husky 9.1.7 writes `.husky/_`: the copy the benchmarks install, or one installed from
// the npm registry for this run (with --ignore-scripts, as bench/peers does).
let huskyBin = ''

let disposeHusky = () => {}
beforeAll(() => {
  const husky = installHusky()
  huskyBin = husky.bin
  disposeHusky = husky.dispose
}, 180_000)

afterAll(() => {
  removeTemp()
  disposeHusky()
})

/** A repository husky set up (what `npm install` runs as `prepare`), with gitvan as a project dependency. */
function huskyRepo(config: string): TestRepo {
  const repo = makeRepo()
  const r = spawnSync(process.execPath, [huskyBin], { cwd: repo.dir, env: repo.env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`husky failed: ${r.stdout}${r.stderr}`)
  repo.linkGitvan()
  mkdirSync(path.join(repo.dir, 'node_modules/.bin'), { recursive: true })
  symlinkSync(CLI, path.join(repo.dir, 'node_modules/.bin/gitvan'))
  repo.write('.gitignore', 'node_modules\n')
  repo.write('gitvan.config.mjs', config)
  return repo
}

/** A gate that appends a line to `log` each time it runs, and passes only once a file `ok` is there. */
const gateConfig = (log: string): string =>
  `export default { jobs: { gate: { on: 'pre-commit', run: ${JSON.stringify(`sh -c "echo ran >> '${log}'; test -f ok || { echo no ok file; exit 1; }"`)} } } }\n`

/** A PATH with what git, husky's wrapper and the shim run (sh, env, dirname, basename, cat, git), and no node. */
function pathWithoutNode(): string {
  const bin = tempDir('gitvan-bin-')
  for (const tool of ['sh', 'env', 'dirname', 'basename', 'cat', 'git']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim()
    if (found === '') throw new Error(`${tool} is not on PATH`)
    symlinkSync(found, path.join(bin, tool))
  }
  return bin
}

describe('husky 9 repositories get what a plain install gets', () => {
  it('a blocking hook runs with no node on PATH, and the probe answers a repeated commit without node', () => {
    const log = path.join(tempDir('gitvan-log-'), 'ran')
    const repo = huskyRepo(gateConfig(log))
    const install = repo.gitvan(['install'])
    expect(install.code, install.stderr).toBe(0)
    expect(readFileSync(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toContain(
      'gitvan/shims/pre-commit && [ -f "$gitvan_shim" ]; then sh "$gitvan_shim" "$@"',
    )
    const PATH = pathWithoutNode()
    const noNode = spawnSync('sh', ['-c', 'command -v node'], { env: { PATH }, encoding: 'utf8' })
    expect(noNode.status).not.toBe(0)
    const env = { PATH, GITVAN_DEBUG: '1' }

    const refused = repo.commit('without ok', { env })
    expect(refused.code, refused.stderr).not.toBe(0)
    expect(refused.stderr).toContain('no ok file')
    expect(refused.stderr).not.toContain('command not found')
    repo.write('ok', '')
    const passed = repo.commit('with ok', { env })
    expect(passed.code, passed.stderr).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])

    // An empty commit runs the gate once more (HEAD's tree moved) and leaves a probe; the same
    // content again is answered by the shim from the probe, and the gate does not run.
    const empty = (message: string) =>
      repo.git(['commit', '-q', '--allow-empty', '-m', message], { env, allowFail: true })
    expect(empty('once more').code).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran', 'ran'])
    const again = empty('again')
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain('every gate passed before on this content')
    expect(again.stderr).not.toContain('exec /usr/bin/node')
    expect(readLines(log)).toEqual(['ran', 'ran', 'ran'])
  })
})

describe('switching off husky', () => {
  it('husky removed, core.hooksPath still .husky/_: install and doctor say what they found and what to do', () => {
    const log = path.join(tempDir('gitvan-log-'), 'ran')
    const repo = huskyRepo(gateConfig(log))
    expect(repo.gitvan(['install']).code).toBe(0)
    rmSync(path.join(repo.dir, '.husky'), { recursive: true, force: true })
    expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('.husky/_')

    const install = repo.gitvan(['install'])
    expect(install.code).toBe(2)
    expect(install.stderr).not.toContain('internal error')
    expect(install.stderr).toContain(
      `gitvan: Cannot install: git runs hooks from ${path.join(repo.dir, '.husky/_')} (core.hooksPath), which does not exist, so no hook runs.`,
    )
    expect(install.stderr).toContain("run 'git config --unset core.hooksPath', then 'gitvan install' again")
    expect(install.stderr).toContain("run 'npx husky'")

    const doctor = repo.gitvan(['doctor'])
    expect(doctor.code).toBe(2)
    expect(doctor.stderr).toBe('')
    expect(doctor.stdout).toContain(
      `FAIL  core.hooksPath is .husky/_, but ${path.join(repo.dir, '.husky/_')} does not exist: git runs no hook`,
    )
    expect(doctor.stdout).toContain('husky was removed, or it was never set up in this clone.')
    expect(doctor.stdout).toContain('installed through husky, but')

    // Doing what they say: gitvan's own shims, and the gate runs again.
    repo.git(['config', '--unset', 'core.hooksPath'])
    const reinstall = repo.gitvan(['install'])
    expect(reinstall.code, reinstall.stderr).toBe(0)
    expect(reinstall.stdout).toContain('.git/hooks')
    expect(repo.commit('without ok').code).not.toBe(0)
    expect(readLines(log)).toEqual(['ran'])
    const doctorAfter = repo.gitvan(['doctor'])
    expect(doctorAfter.code, doctorAfter.stdout).toBe(0)
  })
})
