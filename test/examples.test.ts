// Every example is a working setup: its config loads and validates in a real repository, as a
// user would have it (gitvan installed in node_modules). End-to-end runs of each example through
// the hooks live next to the stages they exercise.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeNodeLoader, type NodeLoader } from './config/nodeLoad.js'
import { makeRepo, PROJECT_ROOT, removeTemp, type TestRepo } from './helpers/repo.js'

const EXAMPLES = path.join(PROJECT_ROOT, 'examples')
const examples = readdirSync(EXAMPLES).filter((name) => existsSync(path.join(EXAMPLES, name, 'gitvan.config.mjs')))

let loader: NodeLoader
beforeAll(async () => {
  loader = await makeNodeLoader()
})
afterAll(() => {
  loader.dispose()
  removeTemp()
})

/** A fresh repository holding a copy of the example, with gitvan resolvable from its config. */
function exampleRepo(name: string): TestRepo {
  const repo = makeRepo()
  cpSync(path.join(EXAMPLES, name), repo.dir, { recursive: true })
  repo.linkGitvan()
  return repo
}

describe('examples', () => {
  it('has at least the basic example', () => {
    expect(examples).toContain('basic')
  })

  it.each(examples)('%s: its config loads and validates', (name) => {
    const repo = exampleRepo(name)
    const loaded = loader.load(repo.dir)
    if (!loaded.ok) throw new Error(`${loaded.message}\n${loaded.details.join('\n')}`)
    expect(loaded.config.file).toBe(path.join(repo.dir, 'gitvan.config.mjs'))
    expect(loaded.config.jobs.length).toBeGreaterThan(0)
  })
})

describe('examples/basic', () => {
  it('has a pre-commit gate on src/ paths running a node script, and a post-commit function job', () => {
    const repo = exampleRepo('basic')
    const loaded = loader.load(repo.dir)
    if (!loaded.ok) throw new Error(loaded.message)
    expect(
      loaded.config.jobs.map((job) => ({ id: job.id, hooks: job.on.hooks, paths: job.on.paths, run: job.run })),
    ).toEqual([
      {
        id: 'no-debugger',
        hooks: ['pre-commit'],
        paths: ['src/**/*.js', '!src/vendor/**'],
        run: 'node scripts/no-debugger.mjs {files}',
      },
      { id: 'stats', hooks: ['post-commit'], paths: [], run: '[function]' },
    ])
  })

  it('its gate script refuses a staged debugger statement and passes clean files, reading the index', () => {
    const repo = exampleRepo('basic')
    const gate = (files: readonly string[]) =>
      spawnSync(process.execPath, ['scripts/no-debugger.mjs', ...files], {
        cwd: repo.dir,
        env: repo.env,
        encoding: 'utf8',
      })

    repo.write('src/has space.js', 'export const x = 1\n')
    repo.git(['add', '-A'])
    expect(gate(['src/greet.js', 'src/has space.js']).status).toBe(0)

    repo.write('src/greet.js', 'export const greet = () => {\n  debugger\n}\n')
    repo.git(['add', 'src/greet.js'])
    const refused = gate(['src/greet.js', 'src/has space.js'])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain('debugger statement staged:\n  src/greet.js:2')

    // Fixed in the working tree but not staged: still refused, the index is what gets committed.
    repo.write('src/greet.js', 'export const greet = () => 1\n')
    expect(gate(['src/greet.js']).status).toBe(1)
    repo.git(['add', 'src/greet.js'])
    expect(gate(['src/greet.js']).status).toBe(0)
  })
})

describe('examples/conventional-commits', () => {
  it('has one commit-msg gate that passes the message file as {args}', () => {
    const repo = exampleRepo('conventional-commits')
    const loaded = loader.load(repo.dir)
    if (!loaded.ok) throw new Error(loaded.message)
    expect(loaded.config.jobs.map((job) => ({ id: job.id, hooks: job.on.hooks, run: job.run }))).toEqual([
      { id: 'conventional-commits', hooks: ['commit-msg'], run: 'node scripts/check-commit-msg.mjs {args}' },
    ])
  })

  it('its script accepts Conventional Commits and what git writes itself, and says what is wrong with the rest', () => {
    const repo = exampleRepo('conventional-commits')
    const check = (message: string) => {
      repo.write('.git/COMMIT_EDITMSG', message)
      const r = spawnSync(process.execPath, ['scripts/check-commit-msg.mjs', '.git/COMMIT_EDITMSG'], {
        cwd: repo.dir,
        env: repo.env,
        encoding: 'utf8',
      })
      return r.status === 0 ? 'ok' : (/Conventional Commits: (.*)/.exec(r.stderr)?.[1] ?? r.stderr)
    }
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['feat: add a sign-in button\n', 'ok'],
      ['fix(ui)!: keep the cursor in place\n\nThe body, after a blank line.\n', 'ok'],
      ['# Please enter the commit message\n\nchore: tidy up\n# comment\n', 'ok'],
      ['docs: explain\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n', 'ok'],
      ["Merge branch 'topic'\n", 'ok'],
      ['Revert "feat: add a sign-in button"\n', 'ok'],
      ['fixup! feat: add a sign-in button\n', 'ok'],
      ['added stuff\n', 'the subject line has no "<type>: " prefix'],
      ['Feat: add\n', "'Feat' is not one of the types (did you mean 'feat'?)"],
      ['feature: add\n', "'feature' is not one of the types (did you mean 'feat'?)"],
      ['fix():  x\n', 'the scope in parentheses is empty'],
      ['fix(ui):x\n', 'the colon must be followed by a space'],
      ['fix: \n', 'the description after the colon is missing'],
      ['feat: a\nbody right away\n', 'the body must be separated from the subject line by a blank line'],
      [
        `feat: ${'x'.repeat(100)}\n`,
        'the subject line is 106 characters long; keep it to 100 and put the rest in the body',
      ],
      ['# only a comment\n', 'the subject line is empty'],
    ]
    expect(cases.map(([message]) => [message, check(message)])).toEqual(cases)
  })
})
