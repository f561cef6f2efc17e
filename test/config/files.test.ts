/**
 * Config files where cosmiconfig looks for them (.gitvanrc.yaml, gitvan.config.ts, ...): found by
 * `gitvan install`, recorded, and imported by a hook without a search. Real commits through the
 * installed shims; a preload in NODE_OPTIONS lists the CommonJS modules each node process loaded,
 * which shows whether cosmiconfig was among them.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { scratch } from '../gate/fixture.js'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

const YAML = `# the gate passes once a file named ok is staged
jobs:
  gate:
    on: pre-commit
    run: sh -c "test -f ok || { echo no ok file; exit 1; }"
  note:
    on: post-commit
    run: "true"
`

const TS = `import { defineConfig, type JobConfig } from 'gitvan'

const gate: JobConfig = {
  on: 'pre-commit',
  run: 'sh -c "test -f ok || { echo no ok file; exit 1; }"',
}
interface Note { readonly on: 'post-commit'; readonly run: string }
const note: Note = { on: 'post-commit', run: 'true' }

export default defineConfig({ jobs: { gate, note } })
`

/** One line per node process: its arguments, a tab, then the CommonJS modules it loaded, comma-separated. */
type Loaded = { readonly args: string; readonly modules: readonly string[] }

/** A preload (in NODE_OPTIONS) that appends what each node process loaded to a file. */
function loadedModules(): { readonly env: NodeJS.ProcessEnv; readonly read: () => Loaded[] } {
  const dir = scratch()
  const preload = path.join(dir, 'preload.cjs')
  const out = path.join(dir, 'loaded')
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').appendFileSync(${JSON.stringify(out)}, process.argv.slice(2).join(' ') + '\\t' + Object.keys(require('node:module')._cache).join(',') + '\\n'))\n`,
  )
  return {
    env: { NODE_OPTIONS: `--require ${preload}` },
    read: () => {
      const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []
      rmSync(out, { force: true })
      return lines.map((line) => {
        const [args = '', modules = ''] = line.split('\t')
        return { args, modules: modules.split(',').filter(Boolean) }
      })
    },
  }
}

const usesCosmiconfig = (process: Loaded): boolean => process.modules.some((m) => m.includes('/cosmiconfig/'))

function configRepo(file: string, content: string): TestRepo {
  const repo = makeRepo()
  repo.linkGitvan()
  repo.write('.gitignore', 'node_modules\n')
  repo.write(file, content)
  return repo
}

const recordOf = (repo: TestRepo): { config?: string | null } =>
  JSON.parse(readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')) as { config?: string | null }

describe('config files cosmiconfig finds', () => {
  it.each([
    ['.gitvanrc.yaml', YAML],
    ['gitvan.config.ts', TS],
  ])(
    '%s: install finds and records it, a commit runs its gate without cosmiconfig, gitvan run loads it too',
    (file, content) => {
      const repo = configRepo(file, content)
      const loaded = loadedModules()
      const installed = repo.gitvan(['install'], { env: loaded.env })
      expect(installed.code, installed.stderr).toBe(0)
      expect(
        loaded
          .read()
          .filter(usesCosmiconfig)
          .map((p) => p.args),
      ).toEqual(['install'])
      expect(recordOf(repo).config).toBe(file)

      // CI: the post-commit job runs in the foreground, so no runner outlives the test.
      const env = { ...loaded.env, CI: '1' }
      const refused = repo.commit('without ok', { env })
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toContain("job 'gate' failed")
      expect(refused.stderr).toContain('no ok file')
      repo.write('ok', '')
      const passed = repo.commit('with ok', { env })
      expect(passed.code, passed.stderr).toBe(0)
      expect(repo.git(['log', '-1', '--format=%s']).stdout.trim()).toBe('with ok')
      // The gate ran in node twice (refused, then passed) and never loaded cosmiconfig; the
      // post-commit runner (CI: in the foreground) searches, as the runner does.
      const processes = loaded.read()
      const gates = processes.filter((p) => p.args === 'hook pre-commit')
      expect(gates).toHaveLength(2)
      expect(gates.filter(usesCosmiconfig)).toEqual([])
      expect(processes.filter(usesCosmiconfig).map((p) => p.args)).toEqual(['hook post-commit'])

      const run = repo.gitvan(['run', 'HEAD', '--force', '--reporter', 'json'])
      expect(run.code, run.stderr).toBe(0)
      expect((JSON.parse(run.stdout) as { jobs: Record<string, { ok: number }> }).jobs.note?.ok).toBe(1)
    },
  )

  it('gitvan.config.ts is transpiled once: the hook imports the copy in the state directory', () => {
    const repo = configRepo('gitvan.config.ts', TS)
    expect(repo.gitvan(['install']).code).toBe(0)
    const dir = path.join(repo.dir, '.git/gitvan/config')
    const copies = readdirSync(dir)
    expect(copies).toHaveLength(1)
    // A copy that says something else shows which one the hook ran: the copy, not a new transpile.
    const copy = path.join(dir, copies[0] as string)
    writeFileSync(copy, readFileSync(copy, 'utf8').replace('no ok file', 'from the cached copy'))
    const refused = repo.commit('without ok', { env: { CI: '1' } })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('from the cached copy')
    expect(readdirSync(dir)).toEqual(copies)

    // Another content is another copy.
    repo.write('gitvan.config.ts', TS.replace('no ok file', 'still no ok file'))
    const again = repo.commit('without ok', { env: { CI: '1' } })
    expect(again.stderr).toContain('still no ok file')
    expect(readdirSync(dir)).toHaveLength(2)
  })

  it('a TypeScript config keeps its place: relative imports, import.meta and a failing line', () => {
    const repo = configRepo(
      'gitvan.config.ts',
      `import { gate } from './lib/gate.mjs'\nconst here: string = import.meta.dirname\nexport default { jobs: { gate: { ...gate, run: 'sh -c "test -d ' + here + '/lib"' } } }\n`,
    )
    repo.write('lib/gate.mjs', "export const gate = { on: 'pre-commit' }\n")
    const doctor = repo.gitvan(['doctor'])
    expect(doctor.stdout).toContain('config')
    expect(doctor.stdout).toContain('1 job')
    expect(repo.gitvan(['install']).code).toBe(0)
    const passed = repo.commit('gate finds lib/', { env: { CI: '1' } })
    expect(passed.code, passed.stderr).toBe(0)

    repo.write('gitvan.config.ts', `const n: number = 1\n\nthrow new Error('broken on purpose ' + n)\n`)
    const broken = repo.gitvan(['doctor'])
    expect(broken.stdout).toContain('could not load gitvan.config.ts: broken on purpose 1')
    expect(broken.stdout).toContain('at gitvan.config.ts:3')
  })

  it('a YAML error names the file and the line', () => {
    const repo = configRepo('.gitvanrc.yml', 'jobs:\n  gate:\n    on: pre-commit\n   run: [unclosed\n')
    const doctor = repo.gitvan(['doctor'])
    expect(doctor.code).toBe(2)
    expect(doctor.stdout).toContain('could not load .gitvanrc.yml')
    expect(doctor.stdout).toMatch(/at \.gitvanrc\.yml:\d/)
    expect(doctor.stderr).not.toContain('internal error')
  })
})

describe('the hook and the file install recorded', () => {
  const gate = (message: string) =>
    `export default { jobs: { gate: { on: 'pre-commit', run: 'sh -c "echo ${message}; exit 1"' } } }\n`

  it('the recorded file gone: the hook says so, what to do, and runs the config that is there now', () => {
    const repo = configRepo('gitvan.config.mjs', gate('from mjs'))
    expect(repo.gitvan(['install']).code).toBe(0)
    rmSync(path.join(repo.dir, 'gitvan.config.mjs'))
    repo.write('.config/gitvanrc.json', JSON.stringify({ jobs: { gate: { on: 'pre-commit', run: 'true' } } }))
    expect(repo.gitvan(['trust']).code).toBe(0)
    const r = repo.commit('moved the config')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe(
      "gitvan: the config gitvan.config.mjs that 'gitvan install' recorded is gone; using .config/gitvanrc.json: run 'gitvan install' to record the config there is now\n",
    )
    expect(repo.gitvan(['doctor']).stdout).toContain(
      "the config gitvan.config.mjs that install recorded is gone: hooks say so on every run; run 'gitvan install'",
    )
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(recordOf(repo).config).toBe('.config/gitvanrc.json')
    const quiet = repo.commit('recorded', { allowEmpty: true })
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe('')
  })

  it('a higher-ranked candidate present: the hook says so and runs it', () => {
    const repo = configRepo('.gitvanrc.json', JSON.stringify({ jobs: { gate: { on: 'pre-commit', run: 'true' } } }))
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(recordOf(repo).config).toBe('.gitvanrc.json')
    expect(repo.commit('first', { allowEmpty: true }).code).toBe(0)
    repo.write('gitvan.config.mjs', gate('the mjs config ran'))
    expect(repo.gitvan(['trust']).code).toBe(0)
    const r = repo.commit('a new config file')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      "gitvan: gitvan.config.mjs takes precedence over .gitvanrc.json, the config 'gitvan install' recorded; using gitvan.config.mjs: run 'gitvan install' to record the config there is now\n",
    )
    expect(r.stderr).toContain('the mjs config ran')
  })

  it('the probe of a .gitvanrc.yaml config keeps the candidates above it absent: a new one reaches node', () => {
    const repo = configRepo('.gitvanrc.yaml', 'jobs:\n  gate:\n    on: pre-commit\n    run: "true"\n')
    expect(repo.gitvan(['install']).code).toBe(0)
    // Without staging anything, so every commit has the same staged tree.
    const empty = () =>
      repo.git(['commit', '-q', '--allow-empty', '-m', 'same'], { env: { GITVAN_DEBUG: '1' }, allowFail: true })
    repo.git(['add', '-A'])
    expect(repo.git(['commit', '-q', '-m', 'config']).code).toBe(0)
    expect(empty().code).toBe(0)
    expect(empty().stderr).toContain('nothing to run')
    const probes = path.join(repo.dir, '.git/gitvan/cache/probe/pre-commit')
    const probe = readFileSync(path.join(probes, readdirSync(probes)[0] as string), 'utf8').split('\n')
    expect(probe).toContain('file .gitvanrc.yaml')
    for (const above of ['gitvan.config.mjs', 'gitvan.config.ts', '.gitvanrc', '.gitvanrc.json'])
      expect(probe).toContain(`absent ${above}`)
    expect(probe.filter((line) => /^absent (package\.json|\.gitvanrc\.yml|\.config\/)/.test(line))).toEqual([])

    repo.write('gitvan.config.ts', "export default { jobs: { gate: { on: 'pre-commit', run: 'false' } } }\n")
    expect(repo.gitvan(['trust']).code).toBe(0)
    const r = empty()
    expect(r.code).toBe(1)
    expect(r.stderr).not.toContain('nothing to run')
    expect(r.stderr).toContain('gitvan.config.ts takes precedence over .gitvanrc.yaml')
  })

  it("an empty file is no candidate, as in cosmiconfig's search", () => {
    const repo = configRepo(
      'gitvan.config.cjs',
      "module.exports = { jobs: { gate: { on: 'pre-commit', run: 'true' } } }\n",
    )
    repo.write('gitvan.config.mjs', '\n')
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(recordOf(repo).config).toBe('gitvan.config.cjs')
    const r = repo.commit('empty mjs beside', { allowEmpty: true })
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
  })
})
