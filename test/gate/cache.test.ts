import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeEntry } from '../../src/cache/format.js'
import { CacheStore } from '../../src/cache/store.js'
import { CLI, makeRepo, type RunResult, removeTemp, runAsync, type TestRepo } from '../helpers/repo.js'
import { cmd, gateRepo, readLines, scratch } from './fixture.js'

afterAll(removeTemp)

const DEBUG = { GITVAN_DEBUG: '1' }
/** With CI set the checked-out config runs unapproved (trust), so a test may edit it between commits. */
const CI_DEBUG = { GITVAN_DEBUG: '1', CI: '1' }
const SHIM_HIT = 'nothing to run'

/** A command job that appends `ran` (or `line`) to `log` and exits with `code`. */
const logger = (log: string, opts: { line?: string; code?: number; extra?: string } = {}): string =>
  cmd(
    'sh',
    '-c',
    `echo ${opts.line ?? 'ran'} >> '${log}'${opts.extra ?? ''}${opts.code ? `; echo the gate broke; exit ${opts.code}` : ''}`,
  )

/** `git commit --allow-empty` with hooks on: the staged tree stays what it is. */
const commitSame = (repo: TestRepo, env: NodeJS.ProcessEnv = {}): RunResult =>
  repo.git(['commit', '-q', '--allow-empty', '-m', 'again'], { allowFail: true, env })

const cacheOf = (repo: TestRepo): string => path.join(repo.dir, '.git/gitvan/cache')
const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    : []
const entriesOf = (dir: string): string[] => filesUnder(path.join(dir, 'entries'))
const probesOf = (dir: string): string[] => filesUnder(path.join(dir, 'probe'))
const treeOf = (repo: TestRepo): string => repo.git(['write-tree']).stdout.trim()

/** A committed gate that logs each run; two commits: it runs once, then the shim answers. */
function warmRepo(config: (log: string) => string): { repo: TestRepo; log: string } {
  const log = path.join(scratch(), 'ran.log')
  const repo = gateRepo(config(log))
  const first = commitSame(repo)
  expect(first.code, first.stderr).toBe(0)
  expect(readLines(log)).toEqual(['ran'])
  const second = commitSame(repo, DEBUG)
  expect(second.code, second.stderr).toBe(0)
  expect(second.stderr).toContain(SHIM_HIT)
  expect(readLines(log)).toEqual(['ran'])
  return { repo, log }
}

const gateConfig = (log: string, extra = ''): string =>
  `export default { jobs: { gate: { on: 'pre-commit', run: ${logger(log)}${extra} } } }\n`

/** Takes the config out of the index (it stays on disk, untracked): editing it then leaves the tree clean. */
function untrackConfig(repo: TestRepo): void {
  repo.git(['rm', '-q', '--cached', 'gitvan.config.mjs'])
  repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'config untracked'])
}

describe('gate cache through the pre-commit shim', () => {
  it('runs the gate once, stores an entry and a probe, and the shim answers the same tree without node', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(gateConfig(log))
    const first = commitSame(repo)
    expect(first.code, first.stderr).toBe(0)
    expect(readLines(log)).toEqual(['ran'])
    const cache = cacheOf(repo)
    expect(entriesOf(cache)).toHaveLength(1)
    expect(probesOf(cache)).toEqual([`pre-commit/${treeOf(repo)}`])

    const second = commitSame(repo, DEBUG)
    expect(second.code, second.stderr).toBe(0)
    expect(readLines(log)).toEqual(['ran'])
    expect(second.stderr).toContain(`every gate passed before on this content (tree ${treeOf(repo)}); ${SHIM_HIT}`)
    // The sh-only path: the shim never reached its node line (set -x traces every command it runs).
    expect(second.stderr).not.toMatch(/ hook pre-commit/)
    expect(readFileSync(path.join(cache, 'journal'), 'utf8')).toContain(`h probe/pre-commit/${treeOf(repo)}\n`)
  })

  it('answers a cached hit from node with exit 0 when the probe is gone', () => {
    const { repo, log } = warmRepo(gateConfig)
    rmSync(path.join(cacheOf(repo), 'probe'), { recursive: true })
    const r = commitSame(repo, DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(SHIM_HIT)
    expect(r.stderr).toContain("job 'gate': ok (cached)")
    expect(readLines(log)).toEqual(['ran'])
    // node wrote the probe again
    expect(probesOf(cacheOf(repo))).toEqual([`pre-commit/${treeOf(repo)}`])
  })

  it('runs again when a change is staged', () => {
    const { repo, log } = warmRepo(gateConfig)
    repo.write('new.txt', 'new\n')
    expect(repo.commit('new').code).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])
  })

  it('runs again when the config changes, even by a comment', () => {
    const { repo, log } = warmRepo(gateConfig)
    untrackConfig(repo) // so the edit below leaves the tree (and the working tree's tracked files) as they were
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])
    expect(commitSame(repo, DEBUG).stderr).toContain(SHIM_HIT)
    appendFileSync(path.join(repo.dir, 'gitvan.config.mjs'), '// a comment\n')
    const r = commitSame(repo, CI_DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(SHIM_HIT)
    expect(readLines(log)).toEqual(['ran', 'ran', 'ran'])
    // and the new config's verdict is cached in turn
    expect(commitSame(repo, CI_DEBUG).stderr).toContain(SHIM_HIT)
    expect(readLines(log)).toHaveLength(3)
  })

  it('runs again when a declared input changes, appears or is removed', () => {
    const { repo, log } = warmRepo((l) => gateConfig(l, ", cache: { inputs: ['lint.cfg'] }"))
    const cfg = path.join(repo.dir, 'lint.cfg') // untracked: only the key notices it
    const expectRuns = (n: number) => {
      const r = commitSame(repo, DEBUG)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).not.toContain(SHIM_HIT)
      expect(readLines(log)).toHaveLength(n)
      const again = commitSame(repo, DEBUG)
      expect(again.stderr).toContain(SHIM_HIT)
      expect(readLines(log)).toHaveLength(n)
    }
    writeFileSync(cfg, 'rule=1\n')
    expectRuns(2)
    writeFileSync(cfg, 'rule=2\n')
    expectRuns(3)
    rmSync(cfg)
    // absent again: the first run's entry (input null) answers, from node
    const r = commitSame(repo, DEBUG)
    expect(r.stderr).toContain("job 'gate': ok (cached)")
    expect(readLines(log)).toHaveLength(3)
  })

  it('does not let the probe vouch for a declared input that changed while the gate ran', () => {
    // The gate rewrites its own input, as a user editing it during a long run would: the verdict
    // was for the old content, so the next commit must check the new one.
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(
      `export default { jobs: { gate: { on: 'pre-commit', cache: { inputs: ['lint.cfg'] }, run: ${logger(log, { extra: '; echo rule=$(date +%N) >> lint.cfg' })} } } }\n`,
    )
    writeFileSync(path.join(repo.dir, 'lint.cfg'), 'rule=0\n')
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toHaveLength(1)
    const r = commitSame(repo, DEBUG)
    expect(r.stderr).not.toContain(SHIM_HIT)
    expect(readLines(log)).toHaveLength(2)
  })

  it('does not let the probe vouch for a config edited while the gate ran', () => {
    const log = path.join(scratch(), 'ran.log')
    const other = path.join(scratch(), 'other.log')
    const next = `export default { jobs: { gate: { on: 'pre-commit', run: ${logger(log)} }, other: { on: 'pre-commit', run: ${logger(other)} } } }\n`
    const editor = path.join(scratch(), 'next-config.mjs')
    writeFileSync(editor, next)
    const repo = gateRepo(
      `export default { jobs: { gate: { on: 'pre-commit', run: ${logger(log, { extra: `; cp '${editor}' gitvan.config.mjs` })} } } }\n`,
    )
    untrackConfig(repo)
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toHaveLength(1)
    // The config now has a second gate, which has never run: the shim must not answer for it.
    const r = commitSame(repo, CI_DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(SHIM_HIT)
    expect(readLines(other)).toEqual(['ran'])
  })

  it('runs the gate once on another branch with the same tree (a gate may read GITVAN_BRANCH), then the shim answers', () => {
    const { repo, log } = warmRepo(gateConfig)
    repo.git(['switch', '-q', '-c', 'feature'])
    const first = commitSame(repo, DEBUG)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).not.toContain(SHIM_HIT)
    expect(readLines(log)).toEqual(['ran', 'ran'])
    const second = commitSame(repo, DEBUG)
    expect(second.stderr).toContain(SHIM_HIT)
    expect(readLines(log)).toEqual(['ran', 'ran'])
  })

  it('runs a branch-filtered gate when the branch changes with the same tree', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(
      `export default { jobs: { gate: { on: { hook: 'pre-commit', branch: 'feature' }, run: ${logger(log)} } } }\n`,
    )
    expect(commitSame(repo).code).toBe(0)
    expect(commitSame(repo, DEBUG).stderr).toContain(SHIM_HIT) // nothing matched on main: a verdict too
    expect(readLines(log)).toEqual([])
    repo.git(['switch', '-q', '-c', 'feature'])
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toEqual(['ran'])
  })

  it('goes to node when a jobs/ directory appears, and runs its jobs', () => {
    const { repo, log } = warmRepo(gateConfig)
    repo.write('jobs/extra.mjs', `export default { on: 'pre-commit', run: ${logger(log, { line: 'extra' })} }\n`) // untracked
    const r = commitSame(repo, CI_DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(SHIM_HIT)
    // node loaded jobs/ too: the new job ran (the old gate's entry no longer matches: the config hash covers jobs/)
    expect(readLines(log)).toContain('extra')
    // and with jobs/ present no probe is trusted or written for this tree
    expect(commitSame(repo, CI_DEBUG).stderr).not.toContain(SHIM_HIT)
  })

  it('goes to node when a config file that takes precedence appears (gitvan.config.mjs beside package.json\'s "gitvan" key)', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = makeRepo()
    repo.write(
      'package.json',
      `${JSON.stringify({ name: 'x', gitvan: { jobs: { gate: { on: 'pre-commit', run: `sh -c 'echo ran >> ${log}'` } } } }, null, 2)}\n`,
    )
    repo.git(['add', 'package.json'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'package.json config'])
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(commitSame(repo).code).toBe(0)
    expect(commitSame(repo, DEBUG).stderr).toContain(SHIM_HIT)
    expect(readLines(log)).toEqual(['ran'])
    const probe = readFileSync(path.join(cacheOf(repo), 'probe/pre-commit', treeOf(repo)), 'utf8')
    expect(probe).toContain('absent gitvan.config.mjs\n')
    expect(probe).toContain('file package.json\n')
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { gate: { on: 'pre-commit', run: ${logger(log, { line: 'mjs' })} } } }\n`,
    ) // untracked
    const r = commitSame(repo, CI_DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(SHIM_HIT)
    expect(readLines(log)).toContain('mjs')
  })

  it('never caches a failing gate: the next attempt runs it again and shows the failure', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(`export default { jobs: { gate: { on: 'pre-commit', run: ${logger(log, { code: 1 })} } } }\n`)
    const head = repo.rev('HEAD')
    for (const n of [1, 2]) {
      const r = commitSame(repo)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("pre-commit: job 'gate' failed")
      expect(r.stderr).toContain('the gate broke')
      expect(readLines(log)).toHaveLength(n)
    }
    expect(repo.rev('HEAD')).toBe(head)
    expect(entriesOf(cacheOf(repo))).toEqual([])
    expect(probesOf(cacheOf(repo))).toEqual([])
  })

  it('stores nothing when a tracked file had unstaged changes while the gate ran', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(gateConfig(log))
    repo.write('README.md', 'unstaged edit\n')
    expect(commitSame(repo).code).toBe(0)
    expect(entriesOf(cacheOf(repo))).toEqual([])
    expect(probesOf(cacheOf(repo))).toEqual([])
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])
  })

  it('stores nothing when a tracked file changed while the gate ran (as an edit during a long run would)', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(
      `export default { jobs: { gate: { on: 'pre-commit', run: ${logger(log, { extra: '; echo edited mid-run >> README.md' })} } } }\n`,
    )
    expect(commitSame(repo).code).toBe(0)
    expect(entriesOf(cacheOf(repo))).toEqual([])
    expect(probesOf(cacheOf(repo))).toEqual([])
    repo.git(['checkout', '--', 'README.md'])
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])
  })

  it('stores nothing when a gate re-stages what it fixed (a formatter): the unfixed content runs the gate again', () => {
    const log = path.join(scratch(), 'ran.log')
    const fix = "; printf 'formatted\\n' > fmt.txt; git add fmt.txt"
    const repo = gateRepo(
      `export default { jobs: { fmt: { on: 'pre-commit', run: ${logger(log, { extra: fix })} } } }\n`,
    )
    repo.write('fmt.txt', 'unformatted\n')
    repo.git(['add', 'fmt.txt'])
    const unformatted = treeOf(repo)
    expect(repo.commit('format me').code).toBe(0)
    expect(repo.git(['show', 'HEAD:fmt.txt']).stdout).toBe('formatted\n')
    expect(entriesOf(cacheOf(repo))).toEqual([])
    expect(probesOf(cacheOf(repo))).toEqual([])
    repo.write('fmt.txt', 'unformatted\n')
    repo.git(['add', 'fmt.txt'])
    expect(treeOf(repo)).toBe(unformatted)
    expect(repo.commit('format me again').code).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])
    expect(repo.git(['show', 'HEAD:fmt.txt']).stdout).toBe('formatted\n')
  })

  it('keys a {files} gate with cache.scope files by the staged blobs of its files: an unmatched change does not run it, a blob that passed before hits', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(
      `export default { jobs: { txt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${cmd('sh', '-c', `echo "$@" >> '${log}'`, 'sh', '{files}')}, cache: { scope: 'files' } } } }\n`,
    )
    repo.write('a.txt', 'one\n')
    expect(repo.commit('a one').code).toBe(0)
    expect(readLines(log)).toEqual(['a.txt'])
    repo.write('notes.md', 'only markdown\n')
    expect(repo.commit('md').code).toBe(0)
    expect(readLines(log)).toEqual(['a.txt'])
    repo.write('a.txt', 'two\n')
    expect(repo.commit('a two').code).toBe(0)
    expect(readLines(log)).toEqual(['a.txt', 'a.txt'])
    repo.write('a.txt', 'one\n') // back to the blob that passed
    const r = repo.commit('a one again', { env: DEBUG })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain("job 'txt': ok (cached)")
    expect(readLines(log)).toEqual(['a.txt', 'a.txt'])
  })

  it('always runs a job with cache: false, and stores nothing for it', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(gateConfig(log, ', cache: false'))
    for (const n of [1, 2, 3]) {
      expect(commitSame(repo).code).toBe(0)
      expect(readLines(log)).toHaveLength(n)
    }
    expect(filesUnder(cacheOf(repo))).toEqual([])
  })

  it('always runs with cache: { enabled: false }, and writes no cache files', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(
      `export default { cache: { enabled: false }, jobs: { gate: { on: 'pre-commit', run: ${logger(log)} } } }\n`,
    )
    for (const n of [1, 2, 3]) {
      expect(commitSame(repo).code).toBe(0)
      expect(readLines(log)).toHaveLength(n)
    }
    expect(filesUnder(cacheOf(repo))).toEqual([])
  })

  it('keeps entries and probes in GITVAN_CACHE_DIR, absolute or relative to the top level, and the shim reads them there', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(gateConfig(log))
    const moved = path.join(scratch(), 'shared-cache')
    const env = { GITVAN_CACHE_DIR: moved }
    expect(commitSame(repo, env).code).toBe(0)
    expect(entriesOf(moved)).toHaveLength(1)
    expect(probesOf(moved)).toEqual([`pre-commit/${treeOf(repo)}`])
    expect(filesUnder(cacheOf(repo))).toEqual([])
    expect(commitSame(repo, { ...env, ...DEBUG }).stderr).toContain(SHIM_HIT)
    expect(readLines(log)).toEqual(['ran'])
    // Relative: to the top level, for node and the shim alike, even when git commit runs in a subdirectory.
    repo.write('.git/info/exclude', '.gvcache/\n')
    mkdirSync(path.join(repo.dir, 'sub'))
    const relative = { GITVAN_CACHE_DIR: '.gvcache' }
    expect(
      repo.git(['commit', '-q', '--allow-empty', '-m', 'rel'], {
        cwd: path.join(repo.dir, 'sub'),
        env: relative,
        allowFail: true,
      }).code,
    ).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])
    expect(probesOf(path.join(repo.dir, '.gvcache'))).toEqual([`pre-commit/${treeOf(repo)}`])
    const again = repo.git(['commit', '-q', '--allow-empty', '-m', 'rel'], {
      cwd: path.join(repo.dir, 'sub'),
      env: { ...relative, ...DEBUG },
      allowFail: true,
    })
    expect(again.stderr).toContain(SHIM_HIT)
    expect(readLines(log)).toEqual(['ran', 'ran'])
  })

  it('does not answer from a probe file cut short (no end line): node answers from the entry', () => {
    const { repo, log } = warmRepo(gateConfig)
    const probe = path.join(cacheOf(repo), 'probe/pre-commit', treeOf(repo))
    const text = readFileSync(probe, 'utf8')
    writeFileSync(probe, text.slice(0, text.lastIndexOf('end\n')))
    const r = commitSame(repo, DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(SHIM_HIT)
    expect(r.stderr).toContain("job 'gate': ok (cached)")
    expect(readLines(log)).toEqual(['ran'])
    expect(readFileSync(probe, 'utf8')).toBe(text) // written whole again
  })

  it('runs the gate when both the probe and the entry are corrupt', () => {
    const { repo, log } = warmRepo(gateConfig)
    const cache = cacheOf(repo)
    const probe = path.join(cache, 'probe/pre-commit', treeOf(repo))
    writeFileSync(probe, readFileSync(probe, 'utf8').split('\n').slice(0, 2).join('\n'))
    const entry = path.join(cache, 'entries', entriesOf(cache)[0] as string)
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('"gate"', '"gaTe"'))
    const r = commitSame(repo, DEBUG)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain("job 'gate': ok in")
    expect(readLines(log)).toEqual(['ran', 'ran'])
    expect(commitSame(repo, DEBUG).stderr).toContain(SHIM_HIT)
  })

  it('caches a function job by HEAD in node (a commit aborted after the hook hits on retry) and writes it no probe', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(
      `import { appendFileSync } from 'node:fs'\nexport default { jobs: { fn: { on: 'pre-commit', run: () => { appendFileSync(${JSON.stringify(log)}, 'ran\\n') } } } }\n`,
    )
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toEqual(['ran'])
    expect(entriesOf(cacheOf(repo))).toHaveLength(1)
    expect(probesOf(cacheOf(repo))).toEqual([])
    // HEAD moved: the key (which holds HEAD) is new, the job runs.
    const head = repo.rev('HEAD')
    const aborted = repo.git(['commit', '-q', '--allow-empty', '-m', ''], { allowFail: true })
    expect(aborted.code).not.toBe(0) // an empty message aborts the commit after pre-commit passed
    expect(repo.rev('HEAD')).toBe(head)
    expect(readLines(log)).toEqual(['ran', 'ran'])
    // Same HEAD, same tree: node answers from the entry.
    const retry = commitSame(repo, DEBUG)
    expect(retry.code, retry.stderr).toBe(0)
    expect(retry.stderr).toContain("job 'fn': ok (cached)")
    expect(readLines(log)).toEqual(['ran', 'ran'])
    expect(probesOf(cacheOf(repo))).toEqual([])
    expect(commitSame(repo).code).toBe(0)
    expect(readLines(log)).toHaveLength(3)
  })

  it('exits 0 on a cached hit through `gitvan hook pre-commit`', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(gateConfig(log))
    expect(repo.gitvan(['hook', 'pre-commit']).code).toBe(0)
    const hit = repo.gitvan(['hook', 'pre-commit'], { env: DEBUG })
    expect(hit.code, hit.stderr).toBe(0)
    expect(hit.stderr).toContain("job 'gate': ok (cached)")
    expect(readLines(log)).toEqual(['ran'])
  })
})

describe('gate cache raced by 8 hook processes', () => {
  it('stores one whole entry and probe when 8 pre-commit hooks race on the same content, and the shim then answers', async () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(gateConfig(log))
    const runs = await Promise.all(
      Array.from({ length: 8 }, () =>
        runAsync(process.execPath, [CLI, 'hook', 'pre-commit'], { cwd: repo.dir, env: repo.env }),
      ),
    )
    for (const run of runs) expect(run.code, run.stderr).toBe(0)
    expect(readLines(log).length).toBeGreaterThanOrEqual(1)
    const cache = cacheOf(repo)
    const entries = entriesOf(cache)
    expect(entries).toHaveLength(1)
    expect(decodeEntry(readFileSync(path.join(cache, 'entries', entries[0] as string)))).toMatchObject({
      job: 'gate',
      hook: 'pre-commit',
    })
    expect(probesOf(cache)).toEqual([`pre-commit/${treeOf(repo)}`])
    const state = new CacheStore(cache, { maxSizeBytes: 1024 ** 3, ttlMs: 86_400_000 }).state()
    // At most one lookup per hook: a hook whose `git write-tree` lost the race for index.lock
    // (git 2.39 takes it to save the cache-tree) skips the cache and runs its gate, uncounted.
    expect(state.hits + state.misses).toBeGreaterThan(0)
    expect(state.hits + state.misses).toBeLessThanOrEqual(8)
    expect(state.entries.size).toBe(2)
    expect(filesUnder(cache).filter((name) => name.includes('.tmp-'))).toEqual([])
    const ran = readLines(log).length
    const r = commitSame(repo, DEBUG)
    expect(r.stderr).toContain(SHIM_HIT)
    expect(readLines(log)).toHaveLength(ran)
  })
})

describe('gate cache for pre-push', () => {
  it('hits when the same refs are pushed again, and runs for new ones', () => {
    const log = path.join(scratch(), 'ran.log')
    const remote = makeRepo({ bare: true })
    const repo = gateRepo(`export default { jobs: { gate: { on: 'pre-push', run: ${logger(log)} } } }\n`)
    repo.git(['remote', 'add', 'origin', remote.dir])
    const dry = repo.git(['push', '-q', '--dry-run', 'origin', 'main'], { allowFail: true })
    expect(dry.code, dry.stderr).toBe(0)
    expect(readLines(log)).toEqual(['ran'])
    const real = repo.git(['push', '-q', 'origin', 'main'], { allowFail: true, env: DEBUG })
    expect(real.code, real.stderr).toBe(0)
    expect(real.stderr).toContain("job 'gate': ok (cached)")
    expect(readLines(log)).toEqual(['ran'])
    expect(remote.git(['rev-parse', 'refs/heads/main']).stdout.trim()).toBe(repo.rev('HEAD'))
    expect(probesOf(cacheOf(repo))).toEqual([])
    repo.write('b.txt', 'b\n')
    repo.git(['add', 'b.txt'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'b'])
    expect(repo.git(['push', '-q', 'origin', 'main'], { allowFail: true }).code).toBe(0)
    expect(readLines(log)).toEqual(['ran', 'ran'])
  })

  it('never caches a failing pre-push gate', () => {
    const log = path.join(scratch(), 'ran.log')
    const remote = makeRepo({ bare: true })
    const repo = gateRepo(`export default { jobs: { gate: { on: 'pre-push', run: ${logger(log, { code: 1 })} } } }\n`)
    repo.git(['remote', 'add', 'origin', remote.dir])
    for (const n of [1, 2]) {
      const r = repo.git(['push', '-q', 'origin', 'main'], { allowFail: true })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain('the gate broke')
      expect(readLines(log)).toHaveLength(n)
    }
  })
})
