import { describe, expect, it } from 'vitest'
import { matchFiles, matchTrigger } from '../../src/schedule/match.js'
import type { Trigger } from '../../src/types.js'

const trigger = (over: Partial<Trigger> = {}): Trigger => ({
  hooks: ['pre-commit'],
  branch: [],
  tag: [],
  paths: [],
  message: undefined,
  author: undefined,
  ...over,
})

describe('matchFiles', () => {
  const files = ['src/a.ts', 'src/gen/b.ts', '.eslintrc.json', 'docs/readme.md', 'src/.hidden.ts']

  it('keeps every file when there are no globs', () => {
    expect(matchFiles([], files)).toEqual(files)
  })

  it('matches dotfiles like any other file', () => {
    expect(matchFiles(['**/*.json'], files)).toEqual(['.eslintrc.json'])
    expect(matchFiles(['src/*.ts'], files)).toEqual(['src/a.ts', 'src/.hidden.ts'])
  })

  it('subtracts ! globs whatever their position', () => {
    expect(matchFiles(['src/**', '!src/gen/**'], files)).toEqual(['src/a.ts', 'src/.hidden.ts'])
    expect(matchFiles(['!src/gen/**', 'src/**'], files)).toEqual(['src/a.ts', 'src/.hidden.ts'])
  })

  it('with only ! globs keeps everything else', () => {
    expect(matchFiles(['!**/*.ts'], files)).toEqual(['.eslintrc.json', 'docs/readme.md'])
  })

  it('keeps names with spaces, newlines and unicode', () => {
    const odd = ['src/a b.ts', 'src/new\nline.ts', 'src/ünï.ts', 'src/-dash.ts', 'src/deep/new\nline/x.ts']
    expect(matchFiles(['src/*.ts'], odd)).toEqual(odd.slice(0, 4))
    expect(matchFiles(['src/**'], odd)).toEqual(odd)
    expect(matchFiles(['**'], odd)).toEqual(odd)
    expect(matchFiles(['src/**', '!**/*line*'], odd)).toEqual([
      'src/a b.ts',
      'src/ünï.ts',
      'src/-dash.ts',
      'src/deep/new\nline/x.ts',
    ])
  })
})

describe('matchTrigger', () => {
  it('needs the hook', () => {
    expect(matchTrigger(trigger(), { hook: 'pre-commit' })).toBe(true)
    expect(matchTrigger(trigger(), { hook: 'commit-msg' })).toBe(false)
  })

  it('tests branches with globs and negation', () => {
    const t = trigger({ branch: ['release/*', 'main', '!release/old'] })
    expect(matchTrigger(t, { hook: 'pre-commit', branch: 'main' })).toBe(true)
    expect(matchTrigger(t, { hook: 'pre-commit', branch: 'release/1.2' })).toBe(true)
    expect(matchTrigger(t, { hook: 'pre-commit', branch: 'release/old' })).toBe(false)
    expect(matchTrigger(t, { hook: 'pre-commit', branch: 'feature/x' })).toBe(false)
    expect(matchTrigger(t, { hook: 'pre-commit', branch: undefined })).toBe(false)
  })

  it('a tag filter needs a tag', () => {
    const t = trigger({ tag: ['v*'] })
    expect(matchTrigger(t, { hook: 'pre-commit', tag: 'v1.0.0' })).toBe(true)
    expect(matchTrigger(t, { hook: 'pre-commit', tag: 'nightly' })).toBe(false)
    expect(matchTrigger(t, { hook: 'pre-commit', branch: 'main' })).toBe(false)
  })

  it('tests message and author with regular expressions, even stateful ones', () => {
    const t = trigger({ message: /^feat/g, author: /@example\.com>$/ })
    const facts = { hook: 'pre-commit', message: 'feat: x', author: 'A <a@example.com>' }
    expect(matchTrigger(t, facts)).toBe(true)
    expect(matchTrigger(t, facts)).toBe(true)
    expect(matchTrigger(t, { ...facts, message: 'fix: y' })).toBe(false)
    expect(matchTrigger(t, { ...facts, author: 'B <b@other.org>' })).toBe(false)
    expect(matchTrigger(t, { hook: 'pre-commit' })).toBe(false)
  })
})
