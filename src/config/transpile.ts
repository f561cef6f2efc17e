/**
 * TypeScript config → JavaScript, for the copy tsCache.ts keeps in the state directory. sucrase
 * removes the types (it checks none: `tsc` does that, in the editor or in CI) and keeps every line
 * where it was, so a stack trace's line numbers are the source's.
 *
 * The copy runs from another directory than its source, so what depends on the source's place is
 * pointed back at it: relative import specifiers become the source directory's file URLs, and
 * `import.meta` reports the source's `url`, `filename` and `dirname`; in CommonJS, `require`,
 * `__filename` and `__dirname` are the source's. Nothing else changes, and no line is added.
 *
 * Loaded only to transpile (a config seen for the first time): sucrase and es-module-lexer are
 * bundled into this module's own chunk.
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { init, parse } from 'es-module-lexer'
import { transform } from 'sucrase'

/** `.ts` (ESM unless it has no import or export), `.mts` (ESM), `.cts` (CommonJS). */
export type TsFormat = 'ts' | 'mts' | 'cts'

export type Transpiled = { readonly code: string; readonly module: 'esm' | 'cjs' }

// Quotes are escaped too, so a URL can replace a specifier inside either kind of quotes.
const urlOf = (file: string): string => pathToFileURL(file).href.replaceAll("'", '%27').replaceAll('"', '%22')

const isRelative = (specifier: string): boolean =>
  specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../')

function strip(source: string, file: string, imports: boolean): string {
  return transform(source, {
    transforms: imports ? ['typescript', 'imports'] : ['typescript'],
    disableESTransforms: true,
    filePath: file,
  }).code
}

/** Puts `prefix` at the start of the first line, after a "use strict" directive that must stay first. */
function prepend(code: string, prefix: string): string {
  const directive = /^(['"])use strict\1;?/.exec(code)
  return directive ? `${directive[0]}${prefix}${code.slice(directive[0].length)}` : `${prefix}${code}`
}

function esm(code: string, file: string): string {
  const [imports] = parse(code, file)
  let out = code
  let meta = false
  // From the end, so the offsets of the imports before stay valid.
  for (const entry of [...imports].sort((a, b) => b.start - a.start)) {
    if (entry.type === 'import-meta') {
      out = `${out.slice(0, entry.start)}__gitvanImportMeta${out.slice(entry.end)}`
      meta = true
      continue
    }
    const specifier = entry.specifier
    if (specifier === undefined || (entry.type === 'dynamic' && entry.glob) || !isRelative(specifier)) continue
    const target = urlOf(path.resolve(path.dirname(file), specifier))
    const written = out.slice(entry.start, entry.end)
    // A dynamic import's span holds the quotes of its string; a static one's does not.
    const quote = written[0] === "'" || written[0] === '"' || written[0] === '`' ? written[0] : ''
    out = `${out.slice(0, entry.start)}${quote}${target}${quote}${out.slice(entry.end)}`
  }
  if (!meta) return out
  const url = JSON.stringify(pathToFileURL(file).href)
  return prepend(
    out,
    `const __gitvanImportMeta = { ...import.meta, url: ${url}, filename: ${JSON.stringify(file)}, dirname: ${JSON.stringify(path.dirname(file))}, resolve: (s) => import.meta.resolve(s.startsWith('.') ? new URL(s, ${url}).href : s) };`,
  )
}

function cjs(code: string, file: string): string {
  const at = JSON.stringify(file)
  return prepend(
    code,
    `require = require('node:module').createRequire(${at}); __filename = ${at}; __dirname = ${JSON.stringify(path.dirname(file))};`,
  )
}

/** The JavaScript for the TypeScript `source` of `file`, and whether it is an ES module or CommonJS. */
export async function transpileConfig(source: string, file: string, format: TsFormat): Promise<Transpiled> {
  if (format === 'cts') return { code: cjs(strip(source, file, true), file), module: 'cjs' }
  await init()
  const code = strip(source, file, false)
  // A `.ts` file with no import or export is CommonJS (`module.exports = ...`), as node would take it.
  if (format === 'ts' && !parse(code, file)[3]) return { code: cjs(code, file), module: 'cjs' }
  return { code: esm(code, file), module: 'esm' }
}
