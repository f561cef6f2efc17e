/**
 * package.json's `"prepare": "gitvan install"`, which makes every clone install its hooks on
 * `npm install` (npm runs a project's own `prepare` after installing its dependencies, and never
 * for a package installed from the registry), as husky's `"prepare": "husky"` does. Pure: text in,
 * text out.
 *
 * - No `scripts`: it is created. No `prepare`: it is added last among the scripts.
 * - A `prepare` that already runs `gitvan install` is left alone; any other is kept and gitvan is
 *   appended after it (`npm run build && gitvan install`), so what it did before still happens first.
 * - The file keeps its indentation (tabs or the width of its first indented line) and its line
 *   ends; key order is kept. A file that is not a JSON object is not touched.
 */

export const PREPARE = 'gitvan install'

export type PrepareEdit =
  | { readonly kind: 'added'; readonly text: string }
  | { readonly kind: 'appended'; readonly text: string; readonly before: string; readonly after: string }
  | { readonly kind: 'present'; readonly prepare: string }
  | { readonly kind: 'invalid'; readonly problem: string }

const RUNS_INSTALL = /(^|[\s;&|(])gitvan\s+install(?=$|[\s;&|)])/

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export function addPrepare(text: string): PrepareEdit {
  let pkg: unknown
  try {
    pkg = JSON.parse(text)
  } catch (error) {
    return { kind: 'invalid', problem: `it is not valid JSON (${(error as Error).message})` }
  }
  if (!isObject(pkg)) return { kind: 'invalid', problem: 'it does not hold a JSON object' }
  const scripts = pkg.scripts ?? {}
  if (!isObject(scripts)) return { kind: 'invalid', problem: '"scripts" is not an object' }
  const prepare = scripts.prepare
  if (prepare !== undefined && typeof prepare !== 'string')
    return { kind: 'invalid', problem: '"scripts.prepare" is not a string' }
  if (prepare !== undefined && RUNS_INSTALL.test(prepare)) return { kind: 'present', prepare }

  const next = prepare === undefined || prepare.trim() === '' ? PREPARE : `${prepare} && ${PREPARE}`
  const out = { ...pkg, scripts: { ...scripts, prepare: next } }
  const indent = /^\{\r?\n(\t|[ ]+)/.exec(text)?.[1] ?? '  '
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  let json = JSON.stringify(out, null, indent)
  if (eol !== '\n') json = json.replaceAll('\n', eol)
  const result = /\r?\n$/.test(text) || text === '' ? `${json}${eol}` : json
  return prepare === undefined || prepare.trim() === ''
    ? { kind: 'added', text: result }
    : { kind: 'appended', text: result, before: prepare, after: next }
}
