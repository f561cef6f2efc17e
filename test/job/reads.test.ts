import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ReadField } from '../../src/cache/jobKey.js'
import { runJob } from '../../src/job/run.js'
import type { JobContext } from '../../src/types.js'
import { makeInput, makeJob } from './fixture.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-reads-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const readsOf = async (run: (ctx: JobContext) => unknown): Promise<ReadField[]> => {
  const reads = new Set<ReadField>()
  const r = await runJob(makeJob({ id: 'f', run }), makeInput(dir, { commit: 'c0ffee', files: ['a.txt'] }), { reads })
  expect(r.status, r.error?.message).toBe('ok')
  return [...reads].sort()
}

describe('runJob: what a function read of ctx', () => {
  it('records the facts it read, by property or by destructuring, and nothing else', async () => {
    expect(await readsOf((ctx) => ({ n: ctx.files.length }))).toEqual(['files'])
    expect(await readsOf(({ files, commit }) => ({ files, commit }))).toEqual(['commit', 'files'])
    expect(await readsOf((ctx) => ({ job: ctx.job, root: ctx.root, cwd: ctx.cwd }))).toEqual([])
    expect(await readsOf(async (ctx) => ({ out: (await ctx.exec('true')).code }))).toEqual(['exec'])
    expect(await readsOf((ctx) => ({ b: ctx.branch ?? null, h: ctx.hook, g: typeof ctx.git }))).toEqual([
      'branch',
      'git',
      'hook',
    ])
  })

  it('a spread of ctx reads every fact', async () => {
    expect(await readsOf((ctx) => ({ keys: Object.keys({ ...ctx }).length }))).toEqual([
      'args',
      'branch',
      'commit',
      'commits',
      'exec',
      'files',
      'git',
      'hook',
      'stdin',
    ])
  })
})
