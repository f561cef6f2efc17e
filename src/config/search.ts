/**
 * The config search: cosmiconfig looks for the candidates of discover.ts at the top level (and
 * nowhere above it), in their rank, and honours what cosmiconfig users expect of it (empty files
 * are skipped; a package.json counts only with a "gitvan" key).
 *
 * cosmiconfig only finds the file here: every loader below answers "found" without evaluating
 * anything, so the file is then loaded by gitvan's own loaders (loaders.ts), the same ones a hook
 * uses on the file install recorded. This module is imported only dynamically, by commands and
 * the runner: a hook never loads cosmiconfig (dependency-cruiser checks it).
 */
import path from 'node:path'
import { cosmiconfig, type Loader } from 'cosmiconfig'
import { CONFIG_FILES, PACKAGE_FILE, type Source } from './discover.js'

const FOUND = Object.freeze({ found: true })

const found: Loader = () => FOUND

// package.json must be parsed to tell whether it has a "gitvan" key; cosmiconfig takes the key.
const json: Loader = (file, content) => (path.basename(file) === PACKAGE_FILE ? JSON.parse(content) : FOUND)

/** The config's source at `root`, as cosmiconfig finds it. Throws (SyntaxError) when package.json is not JSON. */
export async function searchConfig(root: string): Promise<Source> {
  const explorer = cosmiconfig('gitvan', {
    searchPlaces: [...CONFIG_FILES],
    searchStrategy: 'none',
    cache: false,
    loaders: {
      '.json': json,
      '.js': found,
      '.mjs': found,
      '.cjs': found,
      '.ts': found,
      '.mts': found,
      '.cts': found,
      '.yaml': found,
      '.yml': found,
      noExt: found,
    },
  })
  const result = await explorer.search(root)
  if (result === null || result.isEmpty) return { kind: 'none' }
  if (path.basename(result.filepath) === PACKAGE_FILE && path.dirname(result.filepath) === root)
    return { kind: 'package', file: result.filepath, value: result.config }
  return { kind: 'file', file: result.filepath }
}
