// examples/ci end to end: the workflow's own commands (read from its YAML), run in a clone made
// from a real `git daemon` on 127.0.0.1, as actions/checkout with fetch-depth 0 would leave it,
// with the real prettier and eslint.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Daemon, startDaemon } from '../gate/daemon.js'
import { CLI, cleanEnv, makeRepo, PROJECT_ROOT, removeTemp, type TestRepo, tempDir } from '../helpers/repo.js'

const EXAMPLE = path.join(PROJECT_ROOT, 'examples/ci')

type Step = {
  readonly name?: string
  readonly run?: string
  readonly uses?: string
  readonly with?: Record<string, unknown>
}
type Workflow = {
  readonly env: Record<string, string>
  readonly jobs: Record<string, { readonly steps: readonly Step[]; readonly strategy?: unknown }>
}
const workflow = yaml.load(readFileSync(path.join(EXAMPLE, '.github/workflows/gitvan.yml'), 'utf8')) as Workflow
const step = (job: string, name: string): Step => {
  const found = workflow.jobs[job]?.steps.find((s) => s.name === name)
  if (!found) throw new Error(`no step '${name}' in job '${job}'`)
  return found
}

let base: string
let daemon: Daemon
beforeAll(async () => {
  base = tempDir('gitvan-daemon-')
  daemon = await startDaemon(base, cleanEnv())
})
afterAll(async () => {
  await daemon?.stop()
  removeTemp()
})

/** Where npm would put gitvan, eslint and prettier in a checkout. */
function linkTools(dir: string): void {
  const bin = path.join(dir, 'node_modules/.bin')
  mkdirSync(bin, { recursive: true })
  symlinkSync(PROJECT_ROOT, path.join(dir, 'node_modules/gitvan'), 'dir')
  for (const tool of ['prettier', 'eslint']) {
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules', tool), path.join(dir, 'node_modules', tool), 'dir')
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules/.bin', tool), path.join(bin, tool))
  }
}

/** A project made from the example, pushed to the daemon's `name`.git: main, and a pull request branch. */
function upstream(name: string, change: (repo: TestRepo) => void): TestRepo {
  const repo = makeRepo()
  cpSync(EXAMPLE, repo.dir, { recursive: true })
  // An old file that breaks the lint rules: a pull request that does not touch it still passes.
  repo.write('src/legacy.js', 'export const same = (a, b) => a == b\n')
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '-m', 'the example'])
  repo.git(['checkout', '-q', '-b', 'pr'])
  change(repo)
  repo.git(['init', '-q', '--bare', path.join(base, `${name}.git`)])
  repo.git(['push', '-q', daemon.url(`${name}.git`), 'main', 'pr'])
  return repo
}

/** actions/checkout of the pull request's head with fetch-depth 0, then the workflow's steps. */
function checkout(name: string): TestRepo & { readonly step: (job: string, name: string) => ReturnType<typeof sh> } {
  const dir = tempDir('gitvan-ci-')
  const env = cleanEnv({ ...workflow.env, GITVAN_CACHE_DIR: path.join(dir, 'work/.gitvan-cache') })
  const clone = spawnSync('git', ['clone', '-q', daemon.url(`${name}.git`), 'work'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  })
  expect(clone.status, clone.stderr).toBe(0)
  const work = path.join(dir, 'work')
  const git = (args: string[]) => spawnSync('git', args, { cwd: work, env, encoding: 'utf8' })
  expect(git(['checkout', '-q', '--detach', 'origin/pr']).status).toBe(0)
  linkTools(work)
  const repo = {
    dir: work,
    env,
    git: (args: readonly string[]) => {
      const r = git([...args])
      return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
    },
  } as unknown as TestRepo
  return Object.assign(repo, { step: (job: string, stepName: string) => sh(work, env, step(job, stepName)) })
}

/** A step's `run:` as the runner would, with `npx gitvan` the CLI under test and the pull request's base. */
function sh(cwd: string, env: NodeJS.ProcessEnv, s: Step) {
  const script = (s.run ?? '')
    .replace(/\$\{\{ github\.base_ref \}\}/g, 'main')
    .replace(/\bnpx gitvan\b/g, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`)
  expect(script).not.toContain('${{')
  const r = spawnSync('sh', ['-c', script], { cwd, env, encoding: 'utf8' })
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
}

describe('examples/ci', () => {
  it('has the workflow the README describes: full history, notes fetched, the gates over the range, a matrix of runners, the cache dir, CI=true', () => {
    expect(workflow.env).toMatchObject({ CI: 'true', GITVAN_CACHE_DIR: expect.stringContaining('.gitvan-cache') })
    for (const job of ['gates', 'jobs']) {
      expect(step(job, 'Check out with full history')).toMatchObject({
        uses: 'actions/checkout@v4',
        with: { 'fetch-depth': 0 },
      })
      expect(step(job, 'Fetch receipts').run).toContain('refs/notes/gitvan/*:refs/notes/gitvan/*')
      expect(
        workflow.jobs[job]?.steps.some((s) => s.uses === 'actions/cache@v4' && s.with?.path === '.gitvan-cache'),
      ).toBe(true)
    }
    expect(step('gates', 'Gates over the pull request').run).toBe(
      'npx gitvan run --hook pre-commit origin/${{ github.base_ref }}..HEAD --reporter github',
    )
    expect(workflow.jobs.jobs?.strategy).toMatchObject({ matrix: { runner: [1, 2, 3, 4] } })
    expect(step('jobs', 'Jobs over every commit, shared between the runners').run).toMatch(
      /^npx gitvan run --all --remote origin /,
    )
  })

  it('a pull request whose commits break a rule fails the gates step with an ::error naming the file, and leaves the checkout as it was', () => {
    upstream('broken', (repo) => {
      repo.write('src/price.js', 'export const isFree = (item) => item.price == 0\n')
      repo.git(['add', '-A'])
      repo.git(['commit', '-q', '-m', 'price'])
      repo.write('src/format.js', 'export const  money = ( n ) => n.toFixed(2)\n')
      repo.git(['add', '-A'])
      repo.git(['commit', '-q', '--no-verify', '-m', 'format'])
    })
    const ci = checkout('broken')
    const fetched = ci.step('gates', 'Fetch receipts')
    expect(fetched.code, fetched.stderr).toBe(0)
    const gates = ci.step('gates', 'Gates over the pull request')
    expect(gates.code, gates.stdout + gates.stderr).toBe(1)
    expect(gates.stdout).toMatch(/^::error file=src\/price\.js,line=1,col=\d+,title=gitvan lint::Expected '===' /m)
    expect(gates.stdout).toMatch(/^::error file=src\/format\.js,line=1,title=gitvan format::format would change this$/m)
    expect(gates.stdout).not.toContain('legacy.js')
    expect(ci.git(['status', '--porcelain']).stdout).toBe('')
    expect(readFileSync(path.join(ci.dir, 'src/format.js'), 'utf8')).toBe(
      'export const  money = ( n ) => n.toFixed(2)\n',
    )
  })

  it('a pull request that changes only clean files passes, though an untouched file breaks a rule; its receipts are on the tip', () => {
    upstream('clean', (repo) => {
      repo.write('src/price.js', 'export const isFree = (item) => item.price === 0\n')
      repo.git(['add', '-A'])
      repo.git(['commit', '-q', '-m', 'price'])
    })
    const ci = checkout('clean')
    expect(ci.step('gates', 'Fetch receipts').code).toBe(0)
    const summary = path.join(ci.dir, '..', 'summary.md')
    writeFileSync(summary, '')
    const gates = sh(ci.dir, { ...ci.env, GITHUB_STEP_SUMMARY: summary }, step('gates', 'Gates over the pull request'))
    expect(gates.code, gates.stdout + gates.stderr).toBe(0)
    expect(gates.stdout).not.toContain('::error')
    expect(readFileSync(summary, 'utf8')).toContain('| lint | 1 | 1 | 0 | 0 | passed |')
    const notes = ci.git(['notes', '--ref=gitvan/results', 'show', 'HEAD']).stdout
    expect(
      notes
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).job)
        .sort(),
    ).toEqual(['format', 'lint'])
  })
})
