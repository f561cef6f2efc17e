/**
 * One hooks directory for several repositories (a global core.hooksPath, or a committed
 * .githooks): each shim works on the repository git runs it in.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp, type TestRepo, tempDir } from '../helpers/repo.js'
import { drained, receipts } from '../runner/fixture.js'

afterAll(removeTemp)

const config = (name: string): string =>
  `export default { jobs: { note: { on: 'post-commit', run: async () => ({ repo: '${name}' }) }, gate: { on: 'pre-commit', run: 'test ! -e refuse-${name}' } } }\n`

describe('a hooks directory shared by repositories', () => {
  it('keeps each repository its own events and receipts; a repository without gitvan is left alone', async () => {
    const shared = tempDir('gitvan-shared-hooks-')
    mkdirSync(shared, { recursive: true })
    const repos: TestRepo[] = []
    for (const name of ['one', 'two']) {
      const repo = makeRepo()
      repo.git(['config', 'core.hooksPath', shared])
      repo.write('gitvan.config.mjs', config(name))
      const installed = repo.gitvan(['install'])
      expect(installed.code, installed.stderr).toBe(0)
      expect(installed.stdout).toContain(`core.hooksPath is ${shared}, outside this repository`)
      repos.push(repo)
    }
    const plain = makeRepo()
    plain.git(['config', 'core.hooksPath', shared])

    const [one, two] = repos as [TestRepo, TestRepo]
    // Each repository's gate is its own: two's refusal file means nothing in one.
    one.write('refuse-two', '')
    expect(one.commit('one').code).toBe(0)
    two.write('refuse-two', '')
    const refused = two.commit('two refused')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain("job 'gate' failed")
    two.git(['rm', '-q', '--cached', 'refuse-two'])
    rmSync(path.join(two.dir, 'refuse-two'))
    expect(two.commit('two', { allowEmpty: true }).code).toBe(0)
    plain.write('x', '')
    const other = plain.commit('no gitvan here')
    expect(other.code, other.stderr).toBe(0)
    expect(other.stderr).toBe('')

    await drained(one)
    await drained(two)
    const mine = (repo: TestRepo) =>
      [...receipts(repo, [repo.rev('HEAD')]).values()]
        .flat()
        .map((line) => `${line.job}:${JSON.stringify((line as { data?: unknown }).data)}`)
    expect(mine(one)).toEqual(['note:{"repo":"one"}'])
    expect(mine(two)).toEqual(['note:{"repo":"two"}'])
    expect(plain.git(['notes', '--ref=gitvan/results', 'list'], { allowFail: true }).stdout).toBe('')
    expect(existsSync(path.join(plain.dir, '.git/gitvan'))).toBe(false)
  })
})
