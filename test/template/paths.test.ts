import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkOutputPath, isDotGit } from '../../src/template/paths.js'
import { IMPURE, importsOf } from '../helpers/imports.js'
import { PROJECT_ROOT } from '../helpers/repo.js'

describe('checkOutputPath (git verify_path, with NTFS and HFS protection)', () => {
  it.each([
    ['../x', "'..' component"],
    ['a/../../x', "'..' component"],
    ['a/./x', "'.' component"],
    ['/etc/x', 'absolute'],
    ['C:/x', 'drive letter'],
    ['a\\..\\x', "'\\'"],
    ['.git/hooks/x', "'.git'"],
    ['.GIT/x', "'.git'"],
    ['sub/.Git/config', "'.git'"],
    ['git~1/x', "'.git'"],
    ['GIT~1/x', "'.git'"],
    ['.git./x', "'.git'"],
    ['.git /x', "'.git'"],
    ['.git::$INDEX_ALLOCATION/x', "'.git'"],
    ['.g\u200cit/x', "'.git'"],
    ['\ufeff.git/x', "'.git'"],
    ['.git', "'.git'"],
    ['a//b', 'empty component'],
    ['a/', 'ends with /'],
    ['', 'empty'],
    ['a\0b', 'NUL'],
    ['a\nb', 'control character'],
  ])('refuses %j (%s)', (file, reason) => {
    expect(checkOutputPath(file)).toContain(reason)
  })

  it.each([
    'CHANGELOG.md',
    'docs/release notes/v1.md',
    '.github/workflows/ci.yml',
    '.gitignore',
    'a/.gitkeep',
    'git~2/x',
    '...',
    'é/ü.txt',
    '-leading-dash',
  ])('accepts %j', (file) => {
    expect(checkOutputPath(file)).toBeUndefined()
  })

  it('isDotGit is about one component', () => {
    expect(isDotGit('.git')).toBe(true)
    expect(isDotGit('.gitmodules')).toBe(false)
    expect(isDotGit('x.git')).toBe(false)
  })
})

describe('pure template modules', () => {
  it.each(['paths.ts', 'place.ts', 'frontMatter.ts', 'filters.ts', 'data.ts'])(
    '%s reaches no file system, process or git module',
    (name) => {
      const reached = [...importsOf(path.join(PROJECT_ROOT, 'src/template', name))]
      expect(reached.filter((spec) => IMPURE.test(spec) || spec.includes('/git/'))).toEqual([])
    },
  )

  it('frontMatter.ts is walked through its imports (the check above is not vacuous)', () => {
    expect(
      [...importsOf(path.join(PROJECT_ROOT, 'src/template/frontMatter.ts'))].some((spec) => spec.endsWith('place.ts')),
    ).toBe(true)
  })
})
