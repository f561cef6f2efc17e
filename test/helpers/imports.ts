/**
 * What a source module reaches through its imports, for purity checks: relative imports are
 * followed (type-only ones too: harmless, and cheap to follow), anything else is listed as named.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'

export function importsOf(file: string, seen = new Set<string>()): Set<string> {
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

/** The file system and process modules a pure module must not reach. */
export const IMPURE = /^(node:)?(fs|fs\/promises|child_process|os|worker_threads)$/
