import { describe, expect, it } from 'vitest'
import type { GitvanConfig } from '../../src/config/define.js'
import { resolveConfig, resolveTrigger } from '../../src/config/resolve.js'
import { validateConfig } from '../../src/config/validate.js'

const resolve = (raw: GitvanConfig, cpus = 8) => {
  // Only a config the validator accepts may be resolved.
  expect(validateConfig(raw)).toEqual([])
  return resolveConfig({ raw, root: '/repo', file: '/repo/gitvan.config.mjs', hash: HASH, cpus })
}

const HASH = () => 'h'

describe('resolveConfig: defaults', () => {
  it('fills in every default of a minimal job and config', () => {
    const config = resolve({ jobs: { lint: { on: 'pre-commit', run: 'eslint .' } } })
    expect(config).toEqual({
      file: '/repo/gitvan.config.mjs',
      root: '/repo',
      hash: HASH,
      jobs: [
        {
          id: 'lint',
          on: { hooks: ['pre-commit'], branch: [], tag: [], paths: [], message: undefined, author: undefined },
          run: 'eslint .',
          templates: [],
          mode: 'each',
          priority: 0,
          timeoutMs: 300_000,
          retries: 0,
          cache: { inputs: [], by: 'content' },
          output: { ref: 'refs/gitvan/outputs/lint', worktree: false, stage: false, replace: false },
          fix: false,
          after: [],
          cwd: '',
          description: undefined,
          source: '/repo/gitvan.config.mjs',
        },
      ],
      debounce: { waitMs: 200, maxWaitMs: 2000, maxBatch: 1000 },
      concurrency: 4,
      cache: { enabled: true, maxSizeBytes: 256 * 1024 * 1024, ttlMs: 30 * 24 * 3600 * 1000 },
      runner: { idleMs: 10_000, maxHeapMB: 512, keepWarmMs: 600_000 },
    })
  })

  it('bounds the default concurrency by the CPUs, at most 4', () => {
    expect(resolve({}, 1).concurrency).toBe(1)
    expect(resolve({}, 2).concurrency).toBe(2)
    expect(resolve({}, 64).concurrency).toBe(4)
  })

  it('turns every unit into numbers and keeps what the user set', () => {
    const config = resolve({
      jobs: {
        docs: {
          on: {
            hook: ['post-commit', 'post-merge', 'post-commit'],
            branch: 'main',
            tag: ['v*', '!v0*'],
            paths: 'docs/**',
            message: '^feat',
            author: /@example\.com>$/,
          },
          template: 'a.liquid',
          templates: ['b.liquid'],
          mode: 'latest',
          priority: 10,
          timeout: '30s',
          retries: 2,
          cache: false,
          output: { ref: 'refs/heads/docs', worktree: true },
          description: 'docs',
        },
      },
      debounce: { wait: 50, maxWait: 500, maxBatch: 10 },
      concurrency: 3,
      cache: { maxSize: '1GB', ttl: '1h', enabled: false },
      runner: { idle: '2s', maxHeapMB: 128 },
    })
    const [docs] = config.jobs
    expect(docs).toMatchObject({
      on: { hooks: ['post-commit', 'post-merge'], branch: ['main'], tag: ['v*', '!v0*'], paths: ['docs/**'] },
      templates: ['a.liquid', 'b.liquid'],
      mode: 'latest',
      priority: 10,
      timeoutMs: 30_000,
      retries: 2,
      cache: false,
      output: { ref: 'refs/heads/docs', worktree: true },
      description: 'docs',
    })
    expect(docs?.on.message).toEqual(/^feat/)
    expect(docs?.on.author?.test('A <a@example.com>')).toBe(true)
    expect(config.debounce).toEqual({ waitMs: 50, maxWaitMs: 500, maxBatch: 10 })
    expect(config.concurrency).toBe(3)
    expect(config.cache).toEqual({ enabled: false, maxSizeBytes: 1024 ** 3, ttlMs: 3_600_000 })
    expect(config.runner).toEqual({ idleMs: 2000, maxHeapMB: 128, keepWarmMs: 600_000 })
  })

  it('keeps a function job as the function itself, and cache inputs', () => {
    const run = () => 1
    const [job] = resolve({ jobs: { f: { on: 'post-commit', run, cache: { inputs: ['package-lock.json'] } } } }).jobs
    expect(job?.run).toBe(run)
    expect(job?.cache).toEqual({ inputs: ['package-lock.json'], by: 'content' })
  })
})

describe('resolveConfig: GitVan v2 performance block', () => {
  const performance = {
    cache: { maxSize: '512MB', ttl: '7d', diskCache: false },
    concurrency: { hooks: 2, gitOps: 8, templates: 16 },
    io: { batchSize: 25, debounceMs: 75 },
  } as const

  it('maps cache, concurrency.hooks, io.batchSize and io.debounceMs onto their keys', () => {
    const config = resolve({ performance })
    expect(config.cache).toEqual({ enabled: false, maxSizeBytes: 512 * 1024 ** 2, ttlMs: 7 * 86_400_000 })
    expect(config.concurrency).toBe(2)
    expect(config.debounce).toEqual({ waitMs: 75, maxWaitMs: 2000, maxBatch: 25 })
  })

  it('lets explicit top-level keys win', () => {
    const config = resolve({
      performance,
      cache: { maxSize: '1MB', ttl: '1d', enabled: true },
      concurrency: 1,
      debounce: { wait: 10, maxBatch: 5 },
    })
    expect(config.cache).toEqual({ enabled: true, maxSizeBytes: 1024 ** 2, ttlMs: 86_400_000 })
    expect(config.concurrency).toBe(1)
    expect(config.debounce).toEqual({ waitMs: 10, maxWaitMs: 2000, maxBatch: 5 })
  })
})

describe('resolveConfig: jobs from jobs/', () => {
  it('appends them after the config jobs, with their own file as source', () => {
    const config = resolveConfig({
      raw: { jobs: { lint: { on: 'pre-commit', run: 'x' } } },
      jobFiles: [
        {
          id: 'docs.changelog',
          file: '/repo/jobs/docs/changelog.mjs',
          relative: 'jobs/docs/changelog.mjs',
          raw: { on: 'post-commit', template: 't.liquid' },
        },
      ],
      root: '/repo',
      file: '/repo/gitvan.config.mjs',
      hash: HASH,
      cpus: 2,
    })
    expect(config.jobs.map((job) => [job.id, job.source, job.output.ref])).toEqual([
      ['lint', '/repo/gitvan.config.mjs', 'refs/gitvan/outputs/lint'],
      ['docs.changelog', '/repo/jobs/docs/changelog.mjs', 'refs/gitvan/outputs/docs.changelog'],
    ])
  })
})

describe('resolveTrigger', () => {
  it('normalises the three forms of on', () => {
    expect(resolveTrigger('post-commit').hooks).toEqual(['post-commit'])
    expect(resolveTrigger(['post-commit', 'post-merge']).hooks).toEqual(['post-commit', 'post-merge'])
    expect(resolveTrigger({ hook: 'pre-push', branch: ['main'] })).toEqual({
      hooks: ['pre-push'],
      branch: ['main'],
      tag: [],
      paths: [],
      message: undefined,
      author: undefined,
    })
  })
})
