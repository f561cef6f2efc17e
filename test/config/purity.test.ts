import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { IMPURE, importsOf } from '../helpers/imports.js'
import { PROJECT_ROOT } from '../helpers/repo.js'

describe('pure config modules', () => {
  it.each(['validate.ts', 'resolve.ts'])('%s reaches no file system or process module', (name) => {
    const reached = [...importsOf(path.join(PROJECT_ROOT, 'src/config', name))]
    expect(reached.filter((spec) => IMPURE.test(spec))).toEqual([])
    // The walk did follow the imports (a walk that found nothing would pass trivially).
    expect(reached.some((spec) => spec.endsWith('jobSchema.ts') || spec.endsWith('units.ts'))).toBe(true)
  })
})
