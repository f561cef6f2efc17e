import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { append, gateRepo, readLines, scratch } from '../gate/fixture.js'
import { removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

type CacheStats = {
  dir: string
  exists: boolean
  entries: number
  probes: number
  bytes: number
  maxSizeBytes: number
  ttlMs: number
  hits: number
  misses: number
  hitRate: number | null
  oldest: string | null
  newest: string | null
  limitsFrom: 'config' | 'defaults'
}

type Reconciled = { untracked: { path: string; bytes: number }[]; missing: string[]; resized: string[] }
type Verify = Reconciled & { dir: string; checked: number; corrupt: { path: string; reason: string }[] }
type Prune = Reconciled & {
  expired: number
  evicted: number
  freedBytes: number
  bytes: number
  removed: { path: string; bytes: number; reason: 'expired' | 'evicted' }[]
  staleTemps: string[]
}

/** A repository whose one pre-commit gate appends a line to a log outside it, installed. */
function cachedRepo(cache = ''): { repo: TestRepo; runs: () => string[]; config: (cache: string) => void } {
  const log = path.join(scratch(), 'gate.log')
  const source = (extra: string) =>
    `export default { jobs: { gate: { on: 'pre-commit', run: ${append(log, 'ran')} } }${extra ? `, cache: ${extra}` : ''} }\n`
  const repo = gateRepo(source(cache))
  return { repo, runs: () => readLines(log), config: (extra) => repo.write('gitvan.config.mjs', source(extra)) }
}

const defaultDir = (repo: TestRepo): string => path.join(repo.dir, '.git', 'gitvan', 'cache')

/** Files under entries/ and probe/, relative to the cache directory. */
function cacheFiles(dir: string): string[] {
  const found: string[] = []
  const walk = (rel: string): void => {
    if (!existsSync(path.join(dir, rel))) return
    for (const name of readdirSync(path.join(dir, rel))) {
      const child = `${rel}/${name}`
      if (statSync(path.join(dir, child)).isDirectory()) walk(child)
      else found.push(child)
    }
  }
  walk('entries')
  walk('probe')
  return found.sort()
}

const entryFiles = (dir: string) => cacheFiles(dir).filter((rel) => rel.startsWith('entries/'))
const probeFiles = (dir: string) => cacheFiles(dir).filter((rel) => rel.startsWith('probe/'))

function json<T>(repo: TestRepo, args: readonly string[], env: NodeJS.ProcessEnv = {}, code = 0): T {
  const r = repo.gitvan(args, { env })
  expect(r.code, r.stderr).toBe(code)
  return JSON.parse(r.stdout) as T
}

const cacheStats = (repo: TestRepo, env: NodeJS.ProcessEnv = {}) =>
  json<CacheStats>(repo, ['cache', 'stats', '--json'], env)

/** Commits a change (a miss: the gate runs, its result and a probe are stored). */
function commitChange(repo: TestRepo, content: string, env: NodeJS.ProcessEnv = {}): void {
  repo.write('file.txt', content)
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '--no-verify', '-m', `change ${content}`])
  // The gate runs on an empty commit of the new tree, so that the next empty commit (same tree,
  // same HEAD tree: the same staged changes) is answered from the cache.
  const r = repo.commit(`gate on ${content}`, { allowEmpty: true, env })
  expect(r.code, r.stderr).toBe(0)
}

/** An empty commit on the same tree: the shim answers from the probe. */
function commitSame(repo: TestRepo, env: NodeJS.ProcessEnv = {}): void {
  const r = repo.commit('same tree', { allowEmpty: true, env })
  expect(r.code, r.stderr).toBe(0)
}

/** Flips one bit of the byte at `offset` from the end of a file. */
function flipByte(file: string, fromEnd: number): void {
  const bytes = readFileSync(file)
  const at = bytes.length - fromEnd
  bytes[at] = (bytes[at] as number) ^ 0x01
  writeFileSync(file, bytes)
}

describe('gitvan cache stats', () => {
  it('reports an absent cache directory as an empty cache, exit 0', () => {
    const { repo } = cachedRepo()
    const stats = cacheStats(repo)
    expect(stats).toMatchObject({
      dir: defaultDir(repo),
      exists: false,
      entries: 0,
      probes: 0,
      bytes: 0,
      hits: 0,
      misses: 0,
      hitRate: null,
      oldest: null,
      newest: null,
    })
    expect(stats).toMatchObject({ maxSizeBytes: 256 * 1024 ** 2, ttlMs: 30 * 86_400_000, limitsFrom: 'config' })
    const text = repo.gitvan(['cache', 'stats'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('(not created yet)')
    expect(text.stdout).toMatch(/^lookups\s+none yet$/m)
  })

  it('counts job results, probes, hits and misses from the journal once gates use the cache', () => {
    const { repo, runs } = cachedRepo()
    commitChange(repo, 'one')
    expect(runs()).toEqual(['ran'])
    expect(cacheStats(repo)).toMatchObject({ exists: true, entries: 1, probes: 1, hits: 0, misses: 1, hitRate: 0 })

    commitSame(repo)
    expect(runs()).toEqual(['ran']) // the probe answered
    const stats = cacheStats(repo)
    expect(stats).toMatchObject({ entries: 1, probes: 1, hits: 1, misses: 1, hitRate: 0.5 })
    const onDisk = cacheFiles(defaultDir(repo)).reduce(
      (sum, rel) => sum + statSync(path.join(defaultDir(repo), rel)).size,
      0,
    )
    expect(stats.bytes).toBe(onDisk)
    expect(Date.parse(stats.oldest ?? '')).toBeLessThanOrEqual(Date.parse(stats.newest ?? ''))

    const text = repo.gitvan(['cache', 'stats'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^entries\s+1 gate result, 0 job results, 1 probe$/m)
    expect(text.stdout).toMatch(/^lookups\s+1 hit, 1 miss \(50\.0% hit rate\)$/m)
    expect(text.stdout).toMatch(/^ {2}gates\s+1 hit, 1 miss \(50\.0% hit rate\)$/m)
    expect(text.stdout).toMatch(/^ {2}jobs\s+none yet$/m)
    expect(text.stdout).toMatch(/^size\s+\d+ B of 256 MB/m)
    expect(text.stdout).toMatch(/^ttl\s+30d$/m)
  })

  it("gitvan stats adds the cache journal's hits and misses to the runner's batches", () => {
    const { repo } = cachedRepo()
    commitChange(repo, 'one')
    commitSame(repo)
    const alone = json<{ cache: { hit: number; miss: number; hitRate: number | null } }>(repo, ['stats', '--json'])
    expect(alone.cache).toEqual({ hit: 1, miss: 1, hitRate: 0.5 })
    const text = repo.gitvan(['stats'])
    expect(text.stdout).toContain('No metrics yet')
    expect(text.stdout).toContain('cache: 50.0% hit rate (1 hits, 1 misses)')

    const batch = {
      at: '2026-11-21T06:00:00.000Z',
      events: 1,
      runs: 1,
      stages: { runMs: 5 },
      cache: { hit: 3, miss: 1 },
    }
    writeFileSync(path.join(repo.dir, '.git', 'gitvan', 'metrics.jsonl'), `${JSON.stringify(batch)}\n`)
    const both = json<{ cache: { hit: number; miss: number; hitRate: number | null } }>(repo, ['stats', '--json'])
    expect(both.cache).toEqual({ hit: 4, miss: 2, hitRate: 4 / 6 })
  })
})

describe('gitvan cache verify', () => {
  it('exits 0 and says all is intact when every file matches its checksum', () => {
    const { repo } = cachedRepo()
    commitChange(repo, 'one')
    const report = json<Verify>(repo, ['cache', 'verify', '--json'])
    expect(report).toMatchObject({ checked: 2, corrupt: [], untracked: [], missing: [], resized: [] })
    const text = repo.gitvan(['cache', 'verify'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('2 files checked')
    expect(text.stdout).toContain('all intact')
  })

  it('exits 1, names and removes a corrupt entry and probe, and the next commit runs the gate again', () => {
    const { repo, runs } = cachedRepo()
    commitChange(repo, 'one')
    const dir = defaultDir(repo)
    const [entry] = entryFiles(dir)
    const [probe] = probeFiles(dir)
    flipByte(path.join(dir, entry as string), 5) // inside the JSON body
    const probeText = readFileSync(path.join(dir, probe as string), 'utf8')
    writeFileSync(
      path.join(dir, probe as string),
      probeText.replace(/^head ref: refs\/heads\/main$/m, 'head ref: refs/heads/mainx'),
    )

    const text = repo.gitvan(['cache', 'verify'])
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('2 corrupt, removed')
    expect(text.stdout).toContain(`${entry}: header, length or sha256 does not match the body`)
    expect(text.stdout).toContain(`${probe}: probe checksum or format does not match`)
    expect(cacheFiles(dir)).toEqual([])
    expect(readFileSync(path.join(dir, 'journal'), 'utf8')).toContain(`d ${entry}\n`)
    expect(cacheStats(repo)).toMatchObject({ entries: 0, probes: 0, misses: 1 })

    commitSame(repo)
    expect(runs()).toEqual(['ran', 'ran'])
    expect(cacheStats(repo)).toMatchObject({ entries: 1, probes: 1, misses: 2 })
    expect(json<Verify>(repo, ['cache', 'verify', '--json']).corrupt).toEqual([])
  })

  it('counts a file the journal lost and drops a journal line whose file is gone, keeping the hit count', () => {
    const { repo } = cachedRepo()
    commitChange(repo, 'one')
    commitSame(repo)
    const dir = defaultDir(repo)
    const [entry] = entryFiles(dir)
    const [probe] = probeFiles(dir)
    rmSync(path.join(dir, probe as string))
    const journal = path.join(dir, 'journal')
    writeFileSync(
      journal,
      readFileSync(journal, 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith(`w ${entry} `))
        .join('\n'),
    )
    expect(cacheStats(repo)).toMatchObject({ entries: 0, probes: 1 })

    const report = json<Verify>(repo, ['cache', 'verify', '--json'])
    expect(report.corrupt).toEqual([])
    expect(report.untracked).toEqual([{ path: entry, bytes: statSync(path.join(dir, entry as string)).size }])
    expect(report.missing).toEqual([probe])
    expect(cacheStats(repo)).toMatchObject({ entries: 1, probes: 0, hits: 1, misses: 1 })
    expect(json<Verify>(repo, ['cache', 'verify', '--json'])).toMatchObject({ untracked: [], missing: [] })
  })
})

describe('gitvan cache prune', () => {
  it('evicts the least recently used down to cache.maxSize', () => {
    const { repo, config } = cachedRepo()
    for (const content of ['one', 'two', 'three', 'four']) commitChange(repo, content)
    const dir = defaultDir(repo)
    const before = cacheStats(repo)
    expect(before).toMatchObject({ entries: 4, probes: 4 })
    expect(before.bytes).toBeGreaterThan(1024)
    const newest = `probe/pre-commit/${repo.rev('HEAD^{tree}')}`
    const oldest = `probe/pre-commit/${repo.rev('HEAD~6^{tree}')}` // each content is two commits: the change, then the gate's

    config("{ maxSize: '1KB' }")
    const report = json<Prune>(repo, ['cache', 'prune', '--json'])
    expect(report.expired).toBe(0)
    expect(report.evicted).toBeGreaterThan(0)
    expect(report.bytes).toBeLessThanOrEqual(1024)
    expect(report.freedBytes).toBe(before.bytes - report.bytes)
    expect(report.removed.every((r) => r.reason === 'evicted')).toBe(true)
    expect(report.removed.map((r) => r.path)).toContain(oldest)
    const left = cacheFiles(dir)
    expect(left).toContain(newest)
    expect(left).not.toContain(oldest)
    const after = cacheStats(repo)
    expect(after.entries + after.probes).toBe(left.length)
    expect(after).toMatchObject({ bytes: report.bytes, maxSizeBytes: 1024 })

    const text = repo.gitvan(['cache', 'prune'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(
      'removed 0 expired (older than 30d) and 0 least recently used (above 1 KB); freed 0 B',
    )
  })

  it('removes entries older than cache.ttl', () => {
    const { repo, config } = cachedRepo()
    commitChange(repo, 'one')
    config("{ ttl: '1ms' }")
    const report = json<Prune>(repo, ['cache', 'prune', '--json'])
    expect(report).toMatchObject({ expired: 2, evicted: 0, bytes: 0 })
    expect(report.removed.map((r) => r.reason)).toEqual(['expired', 'expired'])
    expect(cacheFiles(defaultDir(repo))).toEqual([])
    expect(cacheStats(repo)).toMatchObject({ entries: 0, probes: 0, ttlMs: 1 })
  })

  it('counts files the journal lost and removes temporary files that writers left more than a minute ago', () => {
    const { repo } = cachedRepo()
    commitChange(repo, 'one')
    const dir = defaultDir(repo)
    rmSync(path.join(dir, 'journal'))
    mkdirSync(path.join(dir, 'entries', 'ab'), { recursive: true })
    const stale = `entries/ab/${'c'.repeat(62)}.tmp-12345`
    const fresh = `entries/ab/${'d'.repeat(62)}.tmp-12346`
    writeFileSync(path.join(dir, stale), 'half')
    writeFileSync(path.join(dir, fresh), 'half')
    const twoMinutesAgo = new Date(Date.now() - 120_000)
    utimesSync(path.join(dir, stale), twoMinutesAgo, twoMinutesAgo)

    const report = json<Prune>(repo, ['cache', 'prune', '--json'])
    expect(report.staleTemps).toEqual([stale])
    expect(report.untracked.map((file) => file.path).sort()).toEqual(
      [...entryFiles(dir).filter((rel) => !rel.includes('.tmp-')), ...probeFiles(dir)].sort(),
    )
    expect(existsSync(path.join(dir, stale))).toBe(false)
    expect(existsSync(path.join(dir, fresh))).toBe(true)
    expect(cacheStats(repo)).toMatchObject({ entries: 1, probes: 1 })
  })
})

describe('gitvan cache clear', () => {
  it('removes everything and says how much; stats then shows an empty cache and the next commit runs the gate', () => {
    const { repo, runs } = cachedRepo()
    commitChange(repo, 'one')
    commitSame(repo)
    const bytes = cacheStats(repo).bytes
    const report = json<{ entries: number; probes: number; bytes: number }>(repo, ['cache', 'clear', '--json'])
    expect(report).toMatchObject({ entries: 1, probes: 1, bytes })
    expect(cacheFiles(defaultDir(repo))).toEqual([])
    expect(cacheStats(repo)).toMatchObject({ entries: 0, probes: 0, bytes: 0, hits: 0, misses: 0, hitRate: null })

    commitSame(repo)
    expect(runs()).toEqual(['ran', 'ran'])
    const text = repo.gitvan(['cache', 'clear'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^removed 1 result and 1 probe \(\d+ B\) from /)
  })

  it('works with a broken config, which stats and prune replace by the default limits, saying so', () => {
    const { repo, config } = cachedRepo()
    commitChange(repo, 'one')
    config("{ maxSize: 'lots' }")
    const stats = repo.gitvan(['cache', 'stats', '--json'])
    expect(stats.code).toBe(0)
    expect(stats.stderr).toContain('using the default limits (maxSize 256 MB, ttl 30d)')
    expect(JSON.parse(stats.stdout)).toMatchObject({
      entries: 1,
      maxSizeBytes: 256 * 1024 ** 2,
      limitsFrom: 'defaults',
    })
    const prune = repo.gitvan(['cache', 'prune'])
    expect(prune.code).toBe(0)
    expect(prune.stderr).toContain('cache.maxSize')
    const clear = repo.gitvan(['cache', 'clear'])
    expect(clear).toMatchObject({ code: 0, stderr: '' })
    expect(cacheFiles(defaultDir(repo))).toEqual([])
  })
})

describe('gitvan cache and GITVAN_CACHE_DIR', () => {
  it('finds the cache where GITVAN_CACHE_DIR puts it, resolved against the top level', () => {
    const { repo } = cachedRepo()
    const moved = path.join(scratch(), 'shared-cache')
    const env = { GITVAN_CACHE_DIR: moved }
    commitChange(repo, 'one', env)
    commitSame(repo, env)
    expect(entryFiles(moved)).toHaveLength(1)
    expect(probeFiles(moved)).toHaveLength(1)
    expect(existsSync(defaultDir(repo))).toBe(false)
    expect(cacheStats(repo, env)).toMatchObject({ dir: moved, entries: 1, probes: 1, hits: 1, misses: 1 })
    expect(cacheStats(repo)).toMatchObject({ dir: defaultDir(repo), exists: false, entries: 0 })

    mkdirSync(path.join(repo.dir, 'sub'))
    const relative = path.relative(repo.dir, moved)
    const fromSub = repo.gitvan(['cache', 'stats', '--json'], {
      cwd: path.join(repo.dir, 'sub'),
      env: { GITVAN_CACHE_DIR: relative },
    })
    expect(JSON.parse(fromSub.stdout)).toMatchObject({ dir: moved, entries: 1 })

    expect(json<{ entries: number }>(repo, ['cache', 'clear', '--json'], env).entries).toBe(1)
    expect(cacheFiles(moved)).toEqual([])
  })
})

describe('gitvan cache usage', () => {
  it('prints its usage with --help, for the command and each subcommand', () => {
    const { repo } = cachedRepo()
    for (const args of [
      ['cache', '--help'],
      ['cache', 'verify', '--help'],
      ['cache', '-h'],
    ]) {
      const r = repo.gitvan(args)
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^Usage: gitvan cache <stats\|verify\|prune\|clear> \[--json\]/)
      expect(r.stdout).toContain('1 verify found corrupt files and removed them')
    }
    expect(repo.gitvan(['--help']).stdout).toMatch(/^ {2}cache +gitvan cache stats\|verify\|prune\|clear$/m)
  })

  it('exits 2 without a subcommand or with an unknown one, naming the four and the closest', () => {
    const { repo } = cachedRepo()
    const none = repo.gitvan(['cache'])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Use one of: stats, verify, prune, clear.')
    const typo = repo.gitvan(['cache', 'verfy'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain("unknown subcommand 'verfy' (did you mean 'verify'?)")
    expect(typo.stderr).toContain('stats, verify, prune, clear')
    expect(repo.gitvan(['cache', 'stats', 'extra']).code).toBe(2)
    expect(repo.gitvan(['cache', 'stats', '--jsn']).code).toBe(2)
  })
})
