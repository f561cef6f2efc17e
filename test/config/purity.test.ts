import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/repo.js'

/** Every module `file` imports, following relative imports (type-only imports included: they are harmless but cheap to follow). */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)) {
    const spec = match[1] ?? ''
    if (spec.startsWith('.')) importsOf(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), seen)
    else seen.add(spec)
  }
  return seen
}

describe('pure config modules', () => {
  it.each(['validate.ts', 'resolve.ts'])('%s reaches no file system or process module', (name) => {
    const reached = [...importsOf(path.join(PROJECT_ROOT, 'src/config', name))]
    expect(reached.filter((spec) => /^(node:)?(fs|fs\/promises|child_process|os|worker_threads)$/.test(spec))).toEqual([])
    // The walk did follow the imports (a walk that found nothing would pass trivially).
    expect(reached.some((spec) => spec.endsWith('jobSchema.ts') || spec.endsWith('units.ts'))).toBe(true)
  })
})
