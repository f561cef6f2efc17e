import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, makeRepo, PROJECT_ROOT, removeTemp, runAsync } from '../helpers/repo.js'
import { hooksDirOf, writeConfig, writeHook } from './fixture.js'
import { buildInstallWorker } from './worker.js'

afterAll(removeTemp)

let worker = ''
beforeAll(async () => {
  worker = await buildInstallWorker()
})

describe('install lock', () => {
  it('keeps the user hook when installs race: exactly one chains it, none replaces it with a shim', async () => {
    const template = path.join(PROJECT_ROOT, 'hooks/shim.sh')
    for (let round = 0; round < 5; round++) {
      const repo = makeRepo({ initialCommit: false })
      const hook = path.join(hooksDirOf(repo), 'pre-commit')
      const original = `#!/bin/sh\necho the user hook, round ${round}\n`
      writeHook(hook, original)
      const startAt = String(Date.now() + 1000)
      const runs = await Promise.all(
        Array.from({ length: 6 }, () =>
          runAsync(process.execPath, [worker, repo.dir, startAt, CLI, template, 'pre-commit', 'post-commit'], {
            cwd: repo.dir,
            env: repo.env,
          }),
        ),
      )
      for (const run of runs) expect(run.stderr, `round ${round}`).toBe('')
      expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0, 0, 0])
      expect(
        runs.filter((run) => run.stdout.includes('"chained"')),
        `round ${round}`,
      ).toHaveLength(1)
      expect(readFileSync(`${hook}.gitvan-chained`, 'utf8')).toBe(original)
      expect(readFileSync(hook, 'utf8')).toContain('# gitvan-shim 1')
    }
  })

  it('takes over a lock left by a process that died', () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    const dead = spawnSync(process.execPath, ['-e', '0'])
    expect(dead.status).toBe(0)
    mkdirSync(path.join(repo.dir, '.git/gitvan'), { recursive: true })
    writeFileSync(path.join(repo.dir, '.git/gitvan/install.lock'), `${dead.pid}\n`)
    const r = repo.gitvan(['install'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(readFileSync(path.join(hooksDirOf(repo), 'pre-commit'), 'utf8')).toContain('# gitvan-shim 1')
  })
})
