// Commands run like npm scripts, end to end: real git runs the installed hooks, the real prettier
// from npm is found in the repository's node_modules/.bin, and PATH holds no node at all (as when
// a GUI client runs the hook), so prettier's `#!/usr/bin/env node` needs the node gitvan runs on.
// The test repository's node_modules is a link to this project's, which has prettier installed.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, PROJECT_ROOT, removeTemp, type TestRepo } from '../helpers/repo.js'

const scratch = mkdtempSync(path.join(os.tmpdir(), 'gitvan-npm-scripts-'))
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
  removeTemp()
})

// A PATH with git and nothing else: no node, no prettier, not even sh (git runs the shim with /bin/sh).
const bin = path.join(scratch, 'bin')
mkdirSync(bin)
const git = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim()
symlinkSync(git, path.join(bin, 'git'))
const NO_NODE = { PATH: bin }

/** Lines a recorder appends: its argv and working directory, one JSON line per run. */
const recorded = path.join(scratch, 'recorded.jsonl')
const recorder = path.join(scratch, 'record.mjs')
writeFileSync(
  recorder,
  `import { appendFileSync } from 'node:fs'\nappendFileSync(${JSON.stringify(recorded)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }) + '\\n')\n`,
)
const NODE = JSON.stringify(process.execPath)
const records = (): { argv: string[]; cwd: string }[] =>
  readFileSync(recorded, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))

/** A repository with node_modules linked to this project's (prettier included), the config committed, gitvan installed. */
function projectRepo(jobs: string): TestRepo {
  const repo = makeRepo()
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(repo.dir, 'node_modules'), 'dir')
  repo.write('.gitignore', 'node_modules\n')
  repo.write('gitvan.config.mjs', `export default { jobs: { ${jobs} } }\n`)
  repo.git(['add', '-A'])
  repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'config'])
  const installed = repo.gitvan(['install'])
  expect(installed.code, installed.stderr).toBe(0)
  return repo
}

describe('commands run like npm scripts, through real hooks', () => {
  it('the PATH used here really has no node', () => {
    const r = spawnSync('/usr/bin/env', ['node', '--version'], { env: NO_NODE, encoding: 'utf8' })
    expect(r.status).not.toBe(0)
  })

  it("a pre-commit gate 'prettier --check {files}' finds the project's prettier and refuses what it would reformat", () => {
    const repo = projectRepo(
      `fmt: { on: { hook: 'pre-commit', paths: ['**/*.js'] }, run: 'prettier --check {files}', cache: false }`,
    )
    repo.write('src/ugly.js', 'const  x = {a:1}\n')
    const refused = repo.commit('ugly', { env: NO_NODE })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("gitvan: pre-commit: job 'fmt' failed: 'prettier' exited with code 1")
    expect(refused.stderr).toContain('[warn] src/ugly.js')
    expect(refused.stderr).not.toContain('not found')

    repo.write('src/ugly.js', 'const x = { a: 1 };\n')
    const accepted = repo.commit('pretty', { env: NO_NODE })
    expect(accepted.code, accepted.stderr).toBe(0)
  })

  it("a gate with a cwd runs there, gets only that directory's files, relative to it, and its own node_modules/.bin first", () => {
    const repo = projectRepo(
      `app: { on: { hook: 'pre-commit', paths: ['**/*.js'] }, cwd: 'packages/app', run: 'prettier --check {files}', cache: false },
       where: { on: 'pre-commit', cwd: 'packages/app', run: 'where-am-i {files}', cache: false }`,
    )
    // packages/app's own tool shadows nothing at the root; it names the arguments it was given.
    repo.write(
      'packages/app/node_modules/.bin/where-am-i',
      `#!/usr/bin/env node\nconsole.error('where-am-i', process.cwd(), JSON.stringify(process.argv.slice(2)))\nprocess.exit(1)\n`,
    )
    spawnSync('chmod', ['+x', path.join(repo.dir, 'packages/app/node_modules/.bin/where-am-i')])
    repo.write('packages/app/src/ok.js', 'export const ok = 1;\n')
    repo.write('packages/lib/ugly.js', 'const  outside = {a:1}\n')
    const r = repo.commit('two packages', { env: NO_NODE })
    expect(r.code).toBe(1)
    // prettier saw only packages/app's file and passed; the outside file was never given to it.
    expect(r.stderr).not.toContain("job 'app' failed")
    expect(r.stderr).toContain(`where-am-i ${path.join(repo.dir, 'packages/app')} ["src/ok.js"]`)
  })

  it('a gate whose cwd does not exist refuses the commit naming the job and the directory', () => {
    const repo = projectRepo(`web: { on: 'pre-commit', cwd: 'packages/web', run: 'prettier --check .', cache: false }`)
    repo.write('a.txt', 'a\n')
    const r = repo.commit('a', { env: NO_NODE })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `job 'web' runs in cwd 'packages/web', but ${path.join(repo.dir, 'packages/web')} does not exist: create it, or fix 'cwd'`,
    )
  })

  it('a commit-msg gate gets the message file as {args} and the top level as {root}', () => {
    rmSync(recorded, { force: true })
    const repo = projectRepo(`msg: { on: 'commit-msg', run: '${NODE} ${recorder} {root} {args}' }`)
    repo.write('a.txt', 'a\n')
    const r = repo.commit('hello', { env: NO_NODE })
    expect(r.code, r.stderr).toBe(0)
    expect(records()).toEqual([{ argv: [repo.dir, '.git/COMMIT_EDITMSG'], cwd: repo.dir }])
  })

  it("an async job (post-checkout, in the foreground with CI set) gets the hook's refs and flag as {args} and finds prettier", () => {
    rmSync(recorded, { force: true })
    const repo = projectRepo(
      `refs: { on: 'post-checkout', run: '${NODE} ${recorder} {args}' },
       fmt: { on: 'post-checkout', run: 'prettier --check README.md' }`,
    )
    const before = repo.rev('HEAD')
    repo.git(['checkout', '-q', '-b', 'topic'], { env: { ...NO_NODE, CI: '1' } })
    expect(records()).toEqual([{ argv: [before, before, '1'], cwd: repo.dir }])
    const notes = repo.git(['notes', '--ref=gitvan/results', 'show', before]).stdout
    const fmt = notes
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((receipt) => receipt.job === 'fmt')
    expect(fmt).toMatchObject({ status: 'ok' })
  })

  it("'gitvan run' finds the project's prettier with no node on PATH", () => {
    const repo = projectRepo(`fmt: { on: 'post-commit', run: 'prettier --check README.md', cache: false }`)
    const r = repo.gitvan(['run', 'HEAD~1..HEAD', '--reporter', 'json'], { env: NO_NODE })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ runs: 1, ok: 1, failed: 0 })
  })
})
