import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cacheKey, entryPath, type KeyMaterial } from '../../src/cache/key.js'
import { IMPURE, importsOf } from '../helpers/imports.js'
import { PROJECT_ROOT } from '../helpers/repo.js'

const OID_A = 'a'.repeat(40)
const OID_B = 'b'.repeat(40)

const base: KeyMaterial = {
  version: '1.2.3',
  job: 'lint',
  config: 'c'.repeat(64),
  hook: 'pre-commit',
  inputs: { 'package-lock.json': OID_A, 'eslint.config.js': null },
  content: { tree: OID_A },
  run: 'eslint {files}',
  context: { base: OID_B, branch: 'main' },
}

describe('cache keys', () => {
  it('are sha256:<64 hex> and equal for equal material', () => {
    const key = cacheKey(base)
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(cacheKey(structuredClone(base))).toBe(key)
  })

  it('do not depend on the order of object keys', () => {
    const reordered: KeyMaterial = {
      context: { branch: 'main', base: OID_B },
      run: 'eslint {files}',
      content: { tree: OID_A },
      inputs: { 'eslint.config.js': null, 'package-lock.json': OID_A },
      hook: 'pre-commit',
      config: 'c'.repeat(64),
      job: 'lint',
      version: '1.2.3',
    }
    expect(cacheKey(reordered)).toBe(cacheKey(base))
    const push = (args: string[]): KeyMaterial => ({ ...base, content: { push: { tree: OID_A, stdin: 'x\n', args } } })
    expect(cacheKey(push(['origin', 'u']))).toBe(
      cacheKey({ ...base, content: { push: { args: ['origin', 'u'], stdin: 'x\n', tree: OID_A } } }),
    )
    // Array order is content, not layout: it still counts.
    expect(cacheKey(push(['u', 'origin']))).not.toBe(cacheKey(push(['origin', 'u'])))
  })

  const changes: [string, KeyMaterial][] = [
    ['the job id', { ...base, job: 'lint2' }],
    ['the config hash', { ...base, config: 'd'.repeat(64) }],
    ['the gitvan version', { ...base, version: '1.2.4' }],
    ['the hook', { ...base, hook: 'pre-merge-commit' }],
    ['an input blob id', { ...base, inputs: { ...base.inputs, 'package-lock.json': OID_B } }],
    ['an input appearing', { ...base, inputs: { ...base.inputs, 'eslint.config.js': OID_B } }],
    ['an input path', { ...base, inputs: { 'package-lock.jsom': OID_A, 'eslint.config.js': null } }],
    ['one more declared input', { ...base, inputs: { ...base.inputs, 'x.cfg': null } }],
    ['the tree', { ...base, content: { tree: OID_B } }],
    ['the same oid as files instead of a tree', { ...base, content: { files: [['a.txt', OID_A]] } }],
    ['HEAD added to the context', { ...base, context: { ...base.context, head: OID_A } }],
    ["HEAD's tree (other staged changes)", { ...base, context: { ...base.context, base: 'none' } }],
    ['the branch', { ...base, context: { ...base.context, branch: 'feature' } }],
    ['the command', { ...base, run: 'eslint --fix {files}' }],
  ]
  it.each(changes)('change with %s', (_, changed) => {
    expect(cacheKey(changed)).not.toBe(cacheKey(base))
  })

  it('change with a staged path, its blob, or one more file', () => {
    const files = (pairs: [string, string][]): string => cacheKey({ ...base, content: { files: pairs } })
    const one = files([['a.txt', OID_A]])
    expect(files([['b.txt', OID_A]])).not.toBe(one)
    expect(files([['a.txt', OID_B]])).not.toBe(one)
    expect(
      files([
        ['a.txt', OID_A],
        ['b.txt', OID_B],
      ]),
    ).not.toBe(one)
    // A path with a space is not the same as two paths.
    expect(files([['a b', OID_A]])).not.toBe(
      files([
        ['a', OID_A],
        ['b', OID_A],
      ]),
    )
  })

  it('change with the context: another HEAD, another branch, or a detached HEAD', () => {
    const ctx = (head: string | null, branch: string | null): string => cacheKey({ ...base, context: { head, branch } })
    const main = ctx(OID_A, 'main')
    expect(ctx(OID_B, 'main')).not.toBe(main)
    expect(ctx(OID_A, 'feature')).not.toBe(main)
    expect(ctx(OID_A, null)).not.toBe(main)
    expect(ctx(null, 'main')).not.toBe(main)
  })

  it('pre-push: change with the arguments, the refs on stdin, or the tree', () => {
    const push = (args: string[], stdin: string, tree: string): string =>
      cacheKey({ ...base, hook: 'pre-push', content: { push: { args, stdin, tree } } })
    const one = push(['origin', '/r.git'], `refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`, OID_A)
    expect(push(['other', '/r.git'], `refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`, OID_A)).not.toBe(one)
    expect(push(['origin', '/r.git'], `refs/heads/main ${OID_B} refs/heads/main ${OID_B}\n`, OID_A)).not.toBe(one)
    expect(push(['origin', '/r.git'], `refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`, OID_B)).not.toBe(one)
  })
})

describe('entryPath', () => {
  it('lays entries out as entries/<2 hex>/<62 hex>, with or without the sha256: prefix', () => {
    const hex = `ab${'0123456789abcdef'.repeat(4).slice(0, 62)}`
    expect(entryPath(`sha256:${hex}`)).toBe(`entries/ab/${hex.slice(2)}`)
    expect(entryPath(hex)).toBe(`entries/ab/${hex.slice(2)}`)
    const key = cacheKey(base)
    expect(entryPath(key)).toBe(`entries/${key.slice(7, 9)}/${key.slice(9)}`)
  })

  it.each([
    'sha256:../../../etc/passwd',
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    '',
  ])('refuses %j, which is not a key', (bad) => {
    expect(() => entryPath(bad)).toThrow(/not a cache key/)
  })
})

describe('pure cache modules', () => {
  it.each(['key.ts', 'probe.ts', 'format.ts'])('%s reaches no file system or process module', (name) => {
    const reached = [...importsOf(path.join(PROJECT_ROOT, 'src/cache', name))]
    expect(reached.filter((spec) => IMPURE.test(spec))).toEqual([])
    // The walk did read the file's imports (node:crypto for the hash): it did not pass by finding nothing.
    expect(reached).toContain('node:crypto')
  })
})
