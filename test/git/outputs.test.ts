import { afterAll, describe, expect, it } from 'vitest'
import { scratchRef } from '../../src/git/notes.js'
import { buildOutputCommits, type OutputEdit } from '../../src/git/outputs.js'
import { updateRefs } from '../../src/git/refs.js'
import { findRepo } from '../../src/git/repo.js'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

const put = (path: string, text: string): OutputEdit => ({ path, apply: () => ({ content: Buffer.from(text) }) })

describe('buildOutputCommits', () => {
  it('commits files with any name onto a new ref, updates (not replaces) the tree, and skips a ref whose files do not change', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const ref = 'refs/gitvan/outputs/t'
    const names = ['plain.txt', 'with space.md', 'quote"d.txt', '"leading', 'back\\slash', ' lead', 'é/ü.txt', '-dash']
    const first = await buildOutputCommits(
      r,
      [{ ref, edits: names.map((n) => put(n, n)), replace: false, message: 'm' }],
      scratchRef,
    )
    expect(first.updates).toHaveLength(1)
    expect(first.updates[0]?.oldOid).toBeUndefined()
    expect((await updateRefs(r, [...first.updates, ...first.cleanup])).ok).toBe(true)
    const listed = repo.git(['ls-tree', '-r', '-z', '--name-only', ref]).stdout.split('\0').filter(Boolean)
    expect(listed.sort()).toEqual([...names].sort())
    for (const [i, name] of names.entries())
      expect(repo.git(['rev-parse', `${ref}:${name}`]).stdout.trim()).toBe(first.oids[0]?.[i])

    // an edit that keeps its file, one that skips, one that changes: only the change is new
    const tip = repo.rev(ref)
    const second = await buildOutputCommits(
      r,
      [
        {
          ref,
          edits: [
            { path: 'plain.txt', apply: () => 'unchanged' },
            { path: 'none.txt', apply: () => 'skipped' },
            put('with space.md', 'new'),
          ],
          replace: false,
          message: 'm2',
        },
      ],
      scratchRef,
    )
    expect(second.updates).toEqual([{ ref, newOid: expect.any(String), oldOid: tip }])
    expect(second.oids[0]?.[0]).toBe(first.oids[0]?.[0])
    expect(second.oids[0]?.[1]).toBeUndefined()
    expect((await updateRefs(r, [...second.updates, ...second.cleanup])).ok).toBe(true)
    expect(repo.git(['ls-tree', '-r', '-z', '--name-only', ref]).stdout.split('\0').filter(Boolean)).toHaveLength(
      names.length,
    )
    expect(repo.git(['show', `${ref}:with space.md`]).stdout).toBe('new')
    expect(repo.rev(`${ref}~1`)).toBe(tip)

    const same = await buildOutputCommits(
      r,
      [{ ref, edits: [put('plain.txt', 'plain.txt')], replace: false, message: 'm3' }],
      scratchRef,
    )
    expect(same.updates).toEqual([])

    const replaced = await buildOutputCommits(
      r,
      [{ ref, edits: [put('only.txt', 'x')], replace: true, message: 'm4' }],
      scratchRef,
    )
    expect((await updateRefs(r, [...replaced.updates, ...replaced.cleanup])).ok).toBe(true)
    expect(repo.git(['ls-tree', '-r', '--name-only', ref]).stdout).toBe('only.txt\n')
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
    expect(repo.git(['fsck', '--strict'], { allowFail: true }).code).toBe(0)
  })

  it('a later edit of a path sees what an earlier one made of it', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const ref = 'refs/heads/out'
    const append = (line: string): OutputEdit => ({
      path: 'log.txt',
      apply: (existing) => ({ content: Buffer.concat([existing ?? Buffer.alloc(0), Buffer.from(`${line}\n`)]) }),
    })
    const built = await buildOutputCommits(
      r,
      [{ ref, edits: [append('a'), append('b'), append('c')], replace: false, message: 'm' }],
      scratchRef,
    )
    expect((await updateRefs(r, [...built.updates, ...built.cleanup])).ok).toBe(true)
    expect(repo.git(['show', `${ref}:log.txt`]).stdout).toBe('a\nb\nc\n')
    expect(new Set(built.oids[0])).toEqual(new Set([repo.rev(`${ref}:log.txt`)]))
  })
})
