import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/repo.js'

/** Every module `file` reaches through its imports, relative ones followed. */
function reach(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  for (const match of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)) {
    const spec = match[1] ?? ''
    if (spec.startsWith('.')) reach(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), seen)
    else seen.add(spec)
  }
  return seen
}

describe('pure job modules', () => {
  it.each([
    ['src/job/command.ts', []],
    ['src/job/json.ts', []],
    ['src/schedule/match.ts', ['picomatch']],
  ] as const)('%s reaches no file system or process module', (file, packages) => {
    const reached = [...reach(path.join(PROJECT_ROOT, file))]
    expect(reached.filter((spec) => /^(node:)?(fs|fs\/promises|child_process|os|worker_threads)$/.test(spec))).toEqual([])
    expect(reached.filter((spec) => !spec.startsWith('/'))).toEqual(packages)
  })
})
