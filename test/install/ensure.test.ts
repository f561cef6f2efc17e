import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { findRepo } from '../../src/git/repo.js'
import { ensureInstalled, install, installState } from '../../src/install/install.js'
import { tryLock } from '../../src/install/lock.js'
import { CLI, makeRepo, PROJECT_ROOT, removeTemp } from '../helpers/repo.js'
import { hooksDirOf, writeConfig, writeHook } from './fixture.js'

afterAll(removeTemp)

const runtime = { node: process.execPath, cli: CLI, template: path.join(PROJECT_ROOT, 'hooks/shim.sh') }

describe('ensureInstalled', () => {
  it('does nothing where gitvan was never installed', async () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit'])
    const report = ensureInstalled(findRepo(repo.dir), await loadConfig(repo.dir), { runtime })
    expect(report).toBeUndefined()
    expect(existsSync(path.join(hooksDirOf(repo), 'pre-commit'))).toBe(false)
    expect(existsSync(path.join(repo.dir, '.git/gitvan'))).toBe(false)
  })

  it('does nothing while the config uses the hooks that are installed', async () => {
    const repo = makeRepo()
    writeConfig(repo, ['pre-commit', 'post-commit'])
    const found = findRepo(repo.dir)
    install(found, await loadConfig(repo.dir), { runtime })
    const record = readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')
    expect(ensureInstalled(found, await loadConfig(repo.dir), { runtime })).toBeUndefined()
    expect(readFileSync(path.join(repo.dir, '.git/gitvan/install.json'), 'utf8')).toBe(record)
  })

  it('adds shims for new hooks and never removes one (install does, restoring chained hooks)', async () => {
    const repo = makeRepo()
    const found = findRepo(repo.dir)
    writeHook(path.join(hooksDirOf(repo), 'post-commit'), '#!/bin/sh\necho theirs\n', 0o750)
    writeConfig(repo, ['pre-commit', 'post-commit'])
    install(found, await loadConfig(repo.dir), { runtime })

    // A config without post-commit (another branch's, say) must not take its shim from every branch.
    writeConfig(repo, ['pre-commit', 'commit-msg'])
    const report = ensureInstalled(found, await loadConfig(repo.dir), { runtime })
    expect(report?.changed).toBe(true)
    expect(report?.hooks).toEqual(['pre-commit', 'commit-msg'])
    expect(report?.changes.map((change) => `${change.hook}:${change.kind}`).sort()).toEqual([
      'commit-msg:installed',
      'pre-commit:unchanged',
    ])
    expect(readFileSync(path.join(hooksDirOf(repo), 'post-commit'), 'utf8')).toContain("hook='post-commit'")
    expect(readFileSync(path.join(hooksDirOf(repo), 'commit-msg'), 'utf8')).toContain("hook='commit-msg'")
    // In step again (every hook the config uses has its shim): back to the one-read path.
    expect(ensureInstalled(found, await loadConfig(repo.dir), { runtime })).toBeUndefined()
    // install removes what the config no longer uses, and puts the chained hook back.
    const installed = install(found, await loadConfig(repo.dir), { runtime })
    expect(installed.changes.map((change) => `${change.hook}:${change.kind}`)).toContain('post-commit:removed')
    expect(readFileSync(path.join(hooksDirOf(repo), 'post-commit'), 'utf8')).toBe('#!/bin/sh\necho theirs\n')
  })

  it('reports a conflict instead of refusing, and leaves the hook alone', async () => {
    const repo = makeRepo()
    const found = findRepo(repo.dir)
    writeConfig(repo, ['pre-commit'])
    install(found, await loadConfig(repo.dir), { runtime })
    const hook = path.join(hooksDirOf(repo), 'pre-push')
    writeHook(hook, '#!/bin/sh\necho push\n')
    writeHook(`${hook}.gitvan-chained`, '#!/bin/sh\necho stray\n')
    writeConfig(repo, ['pre-commit', 'pre-push'])
    const report = ensureInstalled(found, await loadConfig(repo.dir), { runtime })
    expect(report?.changes).toContainEqual({
      kind: 'conflict',
      hook: 'pre-push',
      file: hook,
      chainedFile: `${hook}.gitvan-chained`,
    })
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\necho push\n')
    expect(report?.hooks).toEqual(['pre-commit'])
  })

  it('leaves the work to an install that holds the lock', async () => {
    const repo = makeRepo()
    const found = findRepo(repo.dir)
    writeConfig(repo, ['pre-commit'])
    install(found, await loadConfig(repo.dir), { runtime })
    writeConfig(repo, ['pre-commit', 'post-merge'])
    const lock = tryLock(found.stateDir)
    expect(lock.kind).toBe('acquired')
    expect(ensureInstalled(found, await loadConfig(repo.dir), { runtime })).toBeUndefined()
    if (lock.kind === 'acquired') lock.release()
    expect(ensureInstalled(found, await loadConfig(repo.dir), { runtime })?.hooks).toEqual(['pre-commit', 'post-merge'])
  })
})

describe('installState', () => {
  it('says what is installed and what went missing since', async () => {
    const repo = makeRepo()
    const found = findRepo(repo.dir)
    expect(installState(found)).toBeUndefined()
    writeConfig(repo, ['pre-commit', 'post-commit'])
    install(found, await loadConfig(repo.dir), { runtime: { ...runtime, node: '/gone/node' } })
    writeFileSync(path.join(hooksDirOf(repo), 'post-commit'), '#!/bin/sh\n')
    const state = installState(found)
    expect(state).toMatchObject({ mode: 'hooks', hooks: ['pre-commit', 'post-commit'], node: '/gone/node', cli: CLI })
    expect(state?.problems).toEqual([
      "node /gone/node (written into the shims) is gone: the shims fall back to node on PATH; run 'gitvan install' to write the new path",
      `post-commit: ${path.join(hooksDirOf(repo), 'post-commit')} is no longer gitvan's shim; run 'gitvan install' to put it back`,
    ])
  })
})
