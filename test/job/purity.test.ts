import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { IMPURE, importsOf } from '../helpers/imports.js'
import { PROJECT_ROOT } from '../helpers/repo.js'

describe('pure job modules', () => {
  it.each([
    ['src/job/command.ts', []],
    ['src/job/json.ts', []],
    ['src/job/workdir.ts', ['node:path']],
    ['src/schedule/match.ts', ['picomatch']],
  ] as const)('%s reaches no file system or process module', (file, packages) => {
    const reached = [...importsOf(path.join(PROJECT_ROOT, file))]
    expect(reached.filter((spec) => IMPURE.test(spec))).toEqual([])
    expect(reached.filter((spec) => !spec.startsWith('/'))).toEqual(packages)
  })
})
