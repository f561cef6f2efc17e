import { afterAll, describe, expect, it } from 'vitest'
import { revList } from '../../src/git/commits.js'
import { describeCommits } from '../../src/git/history.js'
import { findRepo } from '../../src/git/repo.js'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

/** A history with odd names, a rename, a delete, a merge, a type change and an empty commit. */
function oddHistory(): TestRepo {
  const repo = makeRepo({ initialCommit: false })
  repo.write('a b.txt', 'a\n')
  repo.write('new\nline', 'x\n')
  repo.write('-dash', 'd\n')
  repo.write('ünï/cödé ✓.md', 'u\n')
  repo.write('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391', 'looks like an oid\n')
  repo.commit('root with odd names')
  repo.git(['rm', '-q', '--', 'a b.txt'])
  repo.write('dir with space/renamed "quoted".txt', 'a\n') // same content: a rename
  repo.commit('rename')
  repo.git(['checkout', '-q', '-b', 'side'])
  repo.write('side.txt', 's\n')
  repo.commit('side')
  repo.git(['checkout', '-q', 'main'])
  repo.write('main.txt', 'm\n')
  repo.commit('main')
  repo.git(['merge', '-q', '--no-edit', 'side'])
  repo.git(['rm', '-q', '--', '-dash'])
  repo.commit('delete')
  repo.commit('empty', { allowEmpty: true })
  return repo
}

/** What plain git says, one commit at a time. */
function plainDiffTree(repo: TestRepo, oid: string): string[] {
  const parents = repo.git(['rev-list', '--parents', '-n', '1', oid]).stdout.trim().split(' ').slice(1)
  const args =
    parents.length === 0
      ? ['diff-tree', '-r', '-z', '--root', '--no-renames', '--name-only', oid]
      : ['diff-tree', '-r', '-z', '--no-renames', '--name-only', parents[0] as string, oid]
  const tokens = repo.git(args).stdout.split('\0').filter(Boolean)
  return parents.length === 0 ? tokens.slice(1) : tokens
}

describe('describeCommits', () => {
  it('equals git diff-tree against the first parent for odd names, renames, deletes, merges, root and empty commits', async () => {
    const repo = oddHistory()
    const oids = await revList(findRepo(repo.dir), 'all')
    expect(oids).toHaveLength(7)
    const described = await describeCommits(findRepo(repo.dir), oids)
    const files = new Map([...described].map(([oid, commit]) => [oid, [...commit.files]]))
    for (const oid of oids) expect(files.get(oid), oid).toEqual(plainDiffTree(repo, oid))
    expect(files.get(oids[0] as string)).toContain('new\nline')
    expect(files.get(oids[0] as string)).toContain('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
    expect(files.get(oids[1] as string)?.sort()).toEqual(['a b.txt', 'dir with space/renamed "quoted".txt'])
    expect(files.get(repo.rev('HEAD~1'))).toEqual(['-dash'])
    expect(files.get(repo.rev('HEAD~2'))).toEqual(['side.txt']) // the merge, against its first parent
    expect(files.get(repo.rev('HEAD'))).toEqual([])
  })
})

describe('revList', () => {
  it('lists --all oldest first, a range, and a single revision as just that commit', async () => {
    const repo = oddHistory()
    const r = findRepo(repo.dir)
    const all = await revList(r, 'all')
    expect(all).toEqual(repo.git(['rev-list', '--reverse', '--topo-order', 'HEAD']).stdout.trim().split('\n'))
    expect(await revList(r, 'HEAD~2..HEAD')).toEqual([repo.rev('HEAD~1'), repo.rev('HEAD')])
    expect(await revList(r, 'HEAD~1')).toEqual([repo.rev('HEAD~1')])
  })

  it('rejects an unknown revision, and one that looks like an option, as usage errors', async () => {
    const r = findRepo(makeRepo().dir)
    await expect(revList(r, 'nope..HEAD')).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining("'nope..HEAD'"),
    })
    await expect(revList(r, 'nope')).rejects.toMatchObject({ code: 'USAGE' })
    await expect(revList(r, '--output=/tmp/x')).rejects.toMatchObject({ code: 'USAGE' })
  })

  it('gives [] for --all on an unborn branch', async () => {
    expect(await revList(findRepo(makeRepo({ initialCommit: false }).dir), 'all')).toEqual([])
  })
})
