import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRepo, PROJECT_ROOT, removeTemp, type TestRepo } from '../helpers/repo.js'
import { type LoadedConfig, makeNodeLoader, type NodeLoader } from './nodeLoad.js'

let loader: NodeLoader
beforeAll(async () => {
  loader = await makeNodeLoader()
})
afterAll(() => {
  loader.dispose()
  removeTemp()
})

const findConfigFile = (dir: string): string | undefined => loader.load(dir).found ?? undefined

async function loadConfig(dir: string): Promise<LoadedConfig> {
  const loaded = loader.load(dir)
  if (!loaded.ok)
    throw new Error(`expected a config, got ${loaded.code}: ${loaded.message}\n${loaded.details.join('\n')}`)
  return loaded.config
}

/** The GitvanError loadConfig throws for this repository, as seen across the process boundary. */
async function failure(repo: TestRepo) {
  const loaded = loader.load(repo.dir)
  if (loaded.ok) throw new Error('expected loadConfig to fail')
  return loaded
}

const jobIds = async (repo: TestRepo): Promise<readonly string[]> =>
  (await loadConfig(repo.dir)).jobs.map((job) => job.id)

describe('loadConfig: discovery', () => {
  it('takes .mjs, then .js, then .cjs, then package.json "gitvan", at the top level only', async () => {
    const repo = makeRepo()
    repo.write(
      'package.json',
      JSON.stringify({
        name: 'x',
        type: 'module',
        gitvan: { jobs: { fromPackage: { on: 'pre-commit', run: 'true' } } },
      }),
    )
    repo.write('gitvan.config.cjs', "module.exports = { jobs: { fromCjs: { on: 'pre-commit', run: 'true' } } }\n")
    repo.write('gitvan.config.js', "export default { jobs: { fromJs: { on: 'pre-commit', run: 'true' } } }\n")
    repo.write('gitvan.config.mjs', "export default { jobs: { fromMjs: { on: 'pre-commit', run: 'true' } } }\n")
    repo.write('sub/gitvan.config.mjs', "export default { jobs: { fromSub: { on: 'pre-commit', run: 'true' } } }\n")

    const order: [string, string][] = [
      ['gitvan.config.mjs', 'fromMjs'],
      ['gitvan.config.js', 'fromJs'],
      ['gitvan.config.cjs', 'fromCjs'],
      ['package.json', 'fromPackage'],
    ]
    for (const [file, id] of order) {
      expect(findConfigFile(repo.dir)).toBe(path.join(repo.dir, file))
      const config = await loadConfig(repo.dir)
      expect(config.file).toBe(path.join(repo.dir, file))
      expect(config.jobs.map((job) => job.id)).toEqual([id])
      expect(config.jobs[0]?.source).toBe(path.join(repo.dir, file))
      if (file !== 'package.json') rmSync(path.join(repo.dir, file))
    }
  })

  it('loads a .js config as CommonJS when package.json says so (or says nothing)', async () => {
    const repo = makeRepo()
    repo.write('package.json', JSON.stringify({ name: 'x', type: 'commonjs' }))
    repo.write('gitvan.config.js', "module.exports = { jobs: { cjs: { on: 'post-commit', run: () => 1 } } }\n")
    expect(await jobIds(repo)).toEqual(['cjs'])
    rmSync(path.join(repo.dir, 'package.json'))
    expect(await jobIds(repo)).toEqual(['cjs'])
  })

  it('takes a CommonJS file compiled from ESM (exports.default)', async () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.cjs',
      "Object.defineProperty(exports, '__esModule', { value: true });\nexports.default = { jobs: { compiled: { on: 'pre-push', run: 'true' } } }\n",
    )
    expect(await jobIds(repo)).toEqual(['compiled'])
  })

  it('imports defineConfig and defineJob from gitvan', async () => {
    expect(existsSync(path.join(PROJECT_ROOT, 'dist/index.js')), 'run npm run build once').toBe(true)
    const repo = makeRepo()
    repo.linkGitvan()
    repo.write(
      'gitvan.config.mjs',
      "import { defineConfig } from 'gitvan'\nexport default defineConfig({ jobs: { lint: { on: { hook: 'pre-commit', paths: 'src/**' }, run: 'true', priority: 5 } } })\n",
    )
    repo.write(
      'jobs/notes.mjs',
      "import { defineJob } from 'gitvan'\nexport default defineJob({ on: 'post-commit', run: (ctx) => ctx.files.length })\n",
    )
    repo.write(
      'jobs/legacy.cjs',
      "const { defineJob } = require('gitvan')\nmodule.exports = defineJob({ on: 'post-merge', run: 'true' })\n",
    )
    const config = await loadConfig(repo.dir)
    expect(config.jobs.map((job) => [job.id, job.priority, job.on.hooks])).toEqual([
      ['lint', 5, ['pre-commit']],
      ['legacy', 0, ['post-merge']],
      ['notes', 0, ['post-commit']],
    ])
  })

  it('does not take an empty jobs/ directory for a config, and says so', async () => {
    const repo = makeRepo()
    repo.write('jobs/README.md', 'CI jobs live elsewhere\n')
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_NOT_FOUND')
    expect(error.details).toContain('jobs/ exists but holds no job files')
  })

  it('skips a package.json without a "gitvan" key', async () => {
    const repo = makeRepo()
    repo.write('package.json', JSON.stringify({ name: 'x', scripts: { gitvan: 'gitvan' } }))
    expect(findConfigFile(repo.dir)).toBeUndefined()
    expect((await failure(repo)).code).toBe('CONFIG_NOT_FOUND')
  })
})

describe('loadConfig: jobs/', () => {
  it('loads one job per file, nested ids joined by dots, with no config file at all', async () => {
    const repo = makeRepo()
    repo.write('package.json', JSON.stringify({ type: 'module' }))
    repo.write(
      'jobs/docs/changelog.mjs',
      "export default { on: 'post-commit', template: 'templates/CHANGELOG.md.liquid', mode: 'latest' }\n",
    )
    repo.write('jobs/docs/api/index.js', "export default { on: 'post-merge', run: 'true' }\n")
    repo.write('jobs/lint.cjs', "module.exports = { on: 'pre-commit', run: 'true' }\n")
    repo.write('jobs/README.md', '# not a job\n')
    repo.write('jobs/.#lint.mjs', 'not javascript: an editor lock file\n')
    const config = await loadConfig(repo.dir)
    expect(findConfigFile(repo.dir)).toBeUndefined()
    expect(config.file).toBe(path.join(repo.dir, 'jobs'))
    expect(config.jobs.map((job) => [job.id, path.relative(repo.dir, job.source)])).toEqual([
      ['docs.api.index', 'jobs/docs/api/index.js'],
      ['docs.changelog', 'jobs/docs/changelog.mjs'],
      ['lint', 'jobs/lint.cjs'],
    ])
    expect(config.jobs[1]?.output.ref).toBe('refs/gitvan/outputs/docs.changelog')
  })

  it('takes a symbolic link to a job file, and does not follow one to a directory (no cycles)', async () => {
    const repo = makeRepo()
    repo.write('shared/job.mjs', "export default { on: 'post-commit', run: 'true' }\n")
    repo.write('jobs/real.mjs', "export default { on: 'pre-commit', run: 'true' }\n")
    symlinkSync('../shared/job.mjs', path.join(repo.dir, 'jobs/linked.mjs'))
    symlinkSync('..', path.join(repo.dir, 'jobs/loop'))
    expect(await jobIds(repo)).toEqual(['linked', 'real'])
  })

  it('reports a job id defined in the config and in jobs/', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', "export default { jobs: { lint: { on: 'pre-commit', run: 'true' } } }\n")
    repo.write('jobs/lint.mjs', "export default { on: 'pre-commit', run: 'false' }\n")
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toBe('jobs/ has 1 problem:')
    expect(error.details).toEqual([
      "jobs/lint.mjs: jobs.lint: job 'lint' is defined twice: in the config file and in jobs/lint.mjs; remove one or rename it",
    ])
  })

  it('reports two job files that give one id', async () => {
    const repo = makeRepo()
    repo.write('jobs/a.mjs', "export default { on: 'pre-commit', run: 'true' }\n")
    repo.write('jobs/a.cjs', "module.exports = { on: 'pre-commit', run: 'true' }\n")
    const error = await failure(repo)
    expect(error.details).toEqual([
      "jobs/a.mjs: jobs.a: job 'a' is defined twice: in jobs/a.cjs and in jobs/a.mjs; rename one of the files",
    ])
  })
})

describe('loadConfig: errors the user sees', () => {
  it('CONFIG_NOT_FOUND says where it looked and what to run', async () => {
    const repo = makeRepo()
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_NOT_FOUND')
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`no gitvan config in ${repo.dir}`)
    expect(error.details.join('\n')).toContain('gitvan.config.mjs, gitvan.config.js, gitvan.config.cjs')
    expect(error.details.join('\n')).toContain("run 'gitvan init'")
  })

  it('CONFIG_INVALID lists a misspelt hook, a wrong-typed priority and a job with nothing to run, all at once', async () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default {
  jobs: {
    lint: { on: { hook: 'pre-comit' }, run: 'eslint .' },
    test: { on: 'pre-push', run: 'npm test', priority: 'high' },
    docs: { on: 'post-commit' },
  },
}
`,
    )
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('gitvan.config.mjs has 3 problems:')
    expect(error.details).toEqual([
      "jobs.lint.on.hook: 'pre-comit' is not a git hook (did you mean 'pre-commit'?)",
      "jobs.test.priority: expected a number, got 'high' (string)",
      "jobs.docs: needs 'run' (a command or a function) or 'template'",
    ])
  })

  it('CONFIG_INVALID names both sources when the config file and jobs/ have problems', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.cjs', 'module.exports = { concurency: 2 }\n')
    repo.write('jobs/x.cjs', "module.exports = { on: 'post-comit', run: 'true' }\n")
    const error = await failure(repo)
    expect(error.message).toBe('gitvan.config.cjs and jobs/ have 2 problems:')
    expect(error.details).toEqual([
      "concurency: unknown option (did you mean 'concurrency'?)",
      "jobs/x.cjs: jobs.x.on: 'post-comit' is not a git hook (did you mean 'post-commit'?)",
    ])
  })

  it('CONFIG_INVALID for a package.json "gitvan" key', async () => {
    const repo = makeRepo()
    repo.write(
      'package.json',
      JSON.stringify({ gitvan: { jobs: { lint: { on: 'pre-commit', run: 'true', timeout: 'soon' } } } }),
    )
    const error = await failure(repo)
    expect(error.message).toBe('package.json ("gitvan" key) has 1 problem:')
    expect(error.details).toEqual([
      "jobs.lint.timeout: expected a duration such as '500ms', '30s', '5m', '1h', '30d' or a number of milliseconds, got 'soon' (string)",
    ])
  })

  it('CONFIG_INVALID when the file has no default export', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', 'export const jobs = {}\n')
    const error = await failure(repo)
    expect(error.details).toEqual([
      "config: the file has no default export: end it with 'export default defineConfig({ jobs: { ... } })'",
    ])
  })

  it('CONFIG_LOAD names the file and the line when the config throws on import', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', "const x = 1\nthrow new Error('no secrets file')\nexport default {}\n")
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_LOAD')
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('could not load gitvan.config.mjs: no secrets file')
    expect(error.details[0]).toBe('at gitvan.config.mjs:2:7')
  })

  it('CONFIG_LOAD shows the file, line and source of a syntax error', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', "export default {\n  jobs: {\n    lint: { on: 'pre-commit' run: 'x' },\n  },\n}\n")
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_LOAD')
    expect(error.message).toMatch(/^could not load gitvan\.config\.mjs: /)
    expect(error.details[0]).toBe('at gitvan.config.mjs:3')
    expect(error.details[1]).toContain("lint: { on: 'pre-commit' run: 'x' }")
  })

  it('CONFIG_LOAD names the job file that throws', async () => {
    const repo = makeRepo()
    repo.write('jobs/deploy/prod.mjs', "throw new TypeError('bad job')\n")
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_LOAD')
    expect(error.message).toBe('could not load jobs/deploy/prod.mjs: bad job')
    expect(error.details[0]).toBe('at jobs/deploy/prod.mjs:1:7')
  })

  it('CONFIG_LOAD says how to install gitvan when the config imports it and it is missing', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', "import { defineConfig } from 'gitvan'\nexport default defineConfig({})\n")
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_LOAD')
    expect(error.message).toContain("Cannot find package 'gitvan'")
    expect(error.details.join('\n')).toContain('npm install --save-dev gitvan')
  })

  it('CONFIG_LOAD when package.json is not JSON and no config file comes before it', async () => {
    const repo = makeRepo()
    repo.write('package.json', '{ "gitvan": { jobs: {} } }')
    const error = await failure(repo)
    expect(error.code).toBe('CONFIG_LOAD')
    expect(error.message).toMatch(/^could not load package\.json: /)
  })
})

describe('loadConfig: hash and reloads', () => {
  it('hashes the config file and every jobs/ file (path and bytes), and nothing else', async () => {
    const repo = makeRepo()
    const configText = "export default { jobs: { a: { on: 'pre-commit', run: 'true' } } }\n"
    const jobText = "export default { on: 'post-commit', run: 'true' }\n"
    repo.write('gitvan.config.mjs', configText)
    repo.write('jobs/b/c.mjs', jobText)
    const first = await loadConfig(repo.dir)
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/)
    // The documented recipe, computed independently: each file's length-prefixed path and the
    // sha256 of its bytes, in path order.
    const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
    const part = (name: string, bytes: string | Buffer) => `${name.length}:${name}${sha(bytes)}\n`
    const expected = sha(
      part('gitvan.config.mjs', readFileSync(path.join(repo.dir, 'gitvan.config.mjs'))) + part('jobs/b/c.mjs', jobText),
    )
    expect(first.hash).toBe(expected)

    repo.write('README.md', 'unrelated change\n')
    expect((await loadConfig(repo.dir)).hash).toBe(first.hash)

    repo.write('jobs/b/c.mjs', jobText.replace('true', 'false'))
    const edited = await loadConfig(repo.dir)
    expect(edited.hash).not.toBe(first.hash)
    expect(edited.jobs[1]?.run).toBe('false')

    rmSync(path.join(repo.dir, 'jobs/b/c.mjs'))
    repo.write('jobs/b/d.mjs', jobText.replace('true', 'false'))
    expect((await loadConfig(repo.dir)).hash).not.toBe(edited.hash)
  })

  it('hashes only the "gitvan" key of package.json, so other edits there keep the config trusted', async () => {
    const repo = makeRepo()
    const gitvan = { jobs: { lint: { on: 'pre-commit', run: 'true' } } }
    repo.write('package.json', JSON.stringify({ name: 'x', version: '1.0.0', gitvan }))
    const first = (await loadConfig(repo.dir)).hash
    repo.write(
      'package.json',
      JSON.stringify({ name: 'x', version: '1.0.1', dependencies: { a: '1' }, gitvan }, null, 2),
    )
    expect((await loadConfig(repo.dir)).hash).toBe(first)
    repo.write(
      'package.json',
      JSON.stringify({ name: 'x', version: '1.0.1', gitvan: { jobs: { lint: { on: 'pre-commit', run: 'false' } } } }),
    )
    expect((await loadConfig(repo.dir)).hash).not.toBe(first)
  })

  it('sees a changed CommonJS config when loaded again in the same process', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.cjs', "module.exports = { jobs: { one: { on: 'pre-commit', run: 'true' } } }\n")
    repo.write('jobs/x.mjs', "export default { on: 'post-commit', run: 'true' }\n")
    const file = path.join(repo.dir, 'gitvan.config.cjs')
    expect(
      loader.reload(repo.dir, file, "module.exports = { jobs: { two: { on: 'pre-commit', run: 'true' } } }\n"),
    ).toEqual({ before: ['one:true', 'x:true'], after: ['two:true', 'x:true'] })
  })

  it('sees a changed ESM job file when loaded again in the same process', async () => {
    const repo = makeRepo()
    repo.write('jobs/x.mjs', "export default { on: 'post-commit', run: 'true' }\n")
    const file = path.join(repo.dir, 'jobs/x.mjs')
    expect(loader.reload(repo.dir, file, "export default { on: 'post-commit', run: 'false' }\n")).toEqual({
      before: ['x:true'],
      after: ['x:false'],
    })
  })
})
