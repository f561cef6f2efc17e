/**
 * The config file's value, by its kind: JavaScript is imported (the default export, or
 * `module.exports`), JSON parsed, YAML (also `.gitvanrc` without an extension, as cosmiconfig
 * reads it) parsed with js-yaml, TypeScript imported from its transpiled copy (tsCache.ts).
 * The same loaders serve the search (commands, the runner) and the hook's direct load of the file
 * install recorded, so both read a file the same way. js-yaml loads only for a YAML file.
 *
 * Every failure is a CONFIG_LOAD GitvanError that names the file and, when known, the line.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { GitvanError } from '../errors.js'
import { relativeName } from './discover.js'
import { compiledConfig, type TsFormat } from './tsCache.js'

export type FileKind = 'js' | 'json' | 'yaml' | TsFormat

/** How a candidate is read, by its extension. */
export function kindOf(file: string): FileKind {
  switch (path.extname(file)) {
    case '.js':
    case '.mjs':
    case '.cjs':
      return 'js'
    case '.json':
      return 'json'
    case '.ts':
      return 'ts'
    case '.mts':
      return 'mts'
    case '.cts':
      return 'cts'
    default:
      return 'yaml' // .yaml, .yml, and .gitvanrc without an extension
  }
}

/** Where a load happens: the top level, and the state directory that caches transpiled TypeScript. */
export type LoadPlace = { readonly root: string; readonly stateDir: () => string }

/**
 * `file:line` of the failure inside the loaded file, shown as `shown`, when the error's stack has
 * it: ES modules appear in a stack by URL, CommonJS ones by path.
 */
function locate(error: unknown, loaded: string, shown: string): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : ''
  for (const name of [pathToFileURL(loaded).href, loaded]) {
    for (const line of stack.split('\n')) {
      const at = line.indexOf(name)
      if (at === -1) continue
      const position = /^(?:\?[^:\s)]*)?(:\d+(?::\d+)?)/.exec(line.slice(at + name.length))
      if (position) return `${shown}${position[1]}`
    }
  }
  return undefined
}

/**
 * Node does not put the position of an ESM syntax error in the error; `node --check` prints it
 * (`<file>:<line>`, the line, a caret). Only on this failure path, so a hook never pays for it.
 */
function syntaxLocation(file: string, shown: string): readonly string[] {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 })
  const lines = (check.stderr ?? '').split('\n')
  const first = lines.findIndex((line) => line.startsWith(file) || line.startsWith(pathToFileURL(file).href))
  if (first === -1) return []
  const position = /:(\d+)$/.exec(lines[first] ?? '')
  const excerpt = lines.slice(first + 1, first + 3).filter((line) => line.trim() !== '')
  return position ? [`at ${shown}:${position[1]}`, ...excerpt.map((line) => `  ${line}`)] : []
}

/**
 * The error for a file that threw or does not parse. `loaded` is the file node ran (the transpiled
 * copy of a TypeScript config: it keeps the source's line numbers), `file` the user's.
 */
export function loadError(error: unknown, root: string, file: string, loaded = file): GitvanError {
  const name = relativeName(root, file)
  const message = error instanceof Error ? error.message.split(loaded).join(name) : String(error)
  const details: string[] = []
  const where = locate(error, loaded, name)
  if (where !== undefined) details.push(`at ${where}`)
  else if (error instanceof Error && error.name === 'SyntaxError') details.push(...syntaxLocation(loaded, name))
  if (/Cannot find (package|module) 'gitvan'/.test(message)) {
    details.push(
      'install gitvan in this repository (npm install --save-dev gitvan), or export a plain object without defineConfig',
    )
  } else {
    details.push(`fix ${name} and try again`)
  }
  return new GitvanError('CONFIG_LOAD', `could not load ${name}: ${message}`, { details, cause: error })
}

/**
 * The default export of a JavaScript file (for CommonJS, `module.exports`). `version` is in the
 * URL, so a long-lived process that loads a changed config gets the new module.
 */
export async function importDefault(root: string, file: string, version: string, loaded = file): Promise<unknown> {
  // Node keeps a CommonJS module in require's cache whatever the import URL says: drop it.
  delete createRequire(loaded).cache[loaded]
  let module: Record<string, unknown>
  try {
    module = (await import(`${pathToFileURL(loaded).href}?v=${version}`)) as Record<string, unknown>
  } catch (error) {
    throw loadError(error, root, file, loaded)
  }
  const value = module.default
  // A CommonJS file compiled from ESM sets `exports.default` and `__esModule`.
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>).__esModule === true &&
    'default' in value
  ) {
    return (value as Record<string, unknown>).default
  }
  return value
}

/** Line (1-based) of a character offset. */
const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length

function parseJson(root: string, file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    const name = relativeName(root, file)
    const position = /position (\d+)/.exec((error as Error).message)
    throw new GitvanError('CONFIG_LOAD', `could not load ${name}: ${(error as Error).message}`, {
      details: [...(position ? [`at ${name}:${lineAt(text, Number(position[1]))}`] : []), `fix ${name} and try again`],
      cause: error,
    })
  }
}

async function parseYaml(root: string, file: string, text: string): Promise<unknown> {
  const { load } = await import('js-yaml')
  try {
    return load(text, { filename: relativeName(root, file) })
  } catch (error) {
    const name = relativeName(root, file)
    const mark = (error as { mark?: { line?: number } }).mark
    const reason = (error as { reason?: string }).reason ?? (error as Error).message
    throw new GitvanError('CONFIG_LOAD', `could not load ${name}: ${reason}`, {
      details: [
        ...(typeof mark?.line === 'number' ? [`at ${name}:${mark.line + 1}`] : []),
        `fix ${name} and try again (YAML: quote a value that holds ': ' or starts with '{', '[', '*' or '&')`,
      ],
      cause: error,
    })
  }
}

/** The value the config file `file` holds; `bytes` are its contents, already read (and hashed) by the caller. */
export async function loadFile(place: LoadPlace, file: string, bytes: Buffer, version: string): Promise<unknown> {
  const kind = kindOf(file)
  switch (kind) {
    case 'js':
      return importDefault(place.root, file, version)
    case 'json':
      return parseJson(place.root, file, bytes.toString('utf8'))
    case 'yaml':
      return parseYaml(place.root, file, bytes.toString('utf8'))
    default: {
      const compiled = await compiledConfig(place, file, bytes, kind)
      return importDefault(place.root, file, version, compiled)
    }
  }
}
