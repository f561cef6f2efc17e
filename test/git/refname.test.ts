import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { checkRefComponent, checkRefName, fixRefComponent } from '../../src/git/refname.js'
import { cleanEnv } from '../helpers/repo.js'

const env = cleanEnv()
/** What git itself says about a full ref name. */
const gitAccepts = (ref: string): boolean => spawnSync('git', ['check-ref-format', ref], { env }).status === 0

// Every rule of git-check-ref-format(1) that concerns one component, and names that pass.
const COMPONENTS = [
  'lint',
  'docs.changelog',
  'type-check',
  'a_b',
  'v1.2.3',
  'x}',
  'ünïcode',
  'a@b',
  'a{b',
  '',
  '.hidden',
  'a..b',
  'x.lock',
  'x.',
  'a@{1}',
  'a b',
  'a~1',
  'a^',
  'a:b',
  'a?',
  'a*',
  'a[0]',
  'a\\b',
  'a\tb',
  'a\x7fb',
  'a\x01',
]

describe('ref names: the same verdict as git check-ref-format', () => {
  it.each(COMPONENTS)('job id %j', (id) => {
    // A job id sits in the middle of lock refs and at the end of output refs.
    const git =
      gitAccepts(`refs/gitvan/locks/${id}/0123456789abcdef0123456789abcdef01234567`) &&
      gitAccepts(`refs/gitvan/outputs/${id}`)
    expect(checkRefComponent(id) === undefined).toBe(git)
  })

  it("refuses '/' in an id, which git would read as two components", () => {
    expect(checkRefComponent('a/b')).toBe("contains '/'")
    expect(fixRefComponent('a/b')).toBe('a.b')
  })

  it("refuses '@' as an id even though git takes it inside a longer name (alone, it means HEAD)", () => {
    expect(checkRefComponent('@')).toBe("is '@'")
  })

  it.each([
    'refs/heads/changelog',
    'refs/gitvan/outputs/docs.changelog',
    'refs/heads/a/b/c',
    'heads/main',
    'refs/heads/',
    'refs/heads//x',
    'refs/heads/x.',
    'refs/heads/.x',
    'refs/heads/a..b',
    'refs/heads/x.lock',
    'refs/heads/a b',
    'refs/heads/@{u}',
  ])('full ref %j', (ref) => {
    const git = ref.startsWith('refs/') && gitAccepts(ref)
    expect(checkRefName(ref) === undefined).toBe(git)
  })

  it("refuses 'refs/x', which names no ref under a namespace", () => {
    expect(checkRefName('refs/x')).toMatch(/names no ref/)
  })

  it.each(COMPONENTS.filter((id) => checkRefComponent(id) !== undefined))('suggests an id git accepts for %j', (id) => {
    const fixed = fixRefComponent(id)
    expect(checkRefComponent(fixed)).toBeUndefined()
    expect(gitAccepts(`refs/gitvan/outputs/${fixed}`)).toBe(true)
  })
})
