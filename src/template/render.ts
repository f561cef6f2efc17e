/**
 * Renders template files and text with LiquidJS, in strict mode: an undefined variable or filter
 * is an error, never an empty string. LiquidJS is imported on the first render, so a process that
 * renders nothing (a hook, a runner batch without templates) never loads it.
 *
 * A template file renders document by document (frontMatter.ts): its front matter is rendered
 * first (so `to:` may use any variable, as in Hygen), then read as YAML; `when` (a Liquid
 * expression) false, or an empty `to`, skips the document; the path is checked (paths.ts) before
 * the body renders. Any error is reported at its line in the file, front matter counted: the
 * message starts with `<file>:<line>:`. Nothing is written here: rendering yields OutputWrites,
 * which a job publishes only when every document rendered.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type * as JsYaml from 'js-yaml'
import type { Liquid, Template } from 'liquidjs'
import type { TemplateData } from './data.js'
import { FILTERS, isoDate } from './filters.js'
import { type FrontMatter, keyLine, type RawDocument, splitDocuments, toFrontMatter } from './frontMatter.js'
import { checkOutputPath } from './paths.js'
import type { OutputWrite } from './place.js'

export type RenderFailure = {
  readonly ok: false
  /** TEMPLATE (a syntax, variable or front matter error), UNSAFE_PATH, NO_TEMPLATE (unreadable file). */
  readonly code: 'TEMPLATE' | 'UNSAFE_PATH' | 'NO_TEMPLATE'
  /** Starts with `<file>:<line>:` when the problem has a line. */
  readonly message: string
}

export type Rendered = {
  readonly ok: true
  readonly writes: readonly OutputWrite[]
  /** Documents skipped by `when` or an empty `to`, as `file:line (why)`. */
  readonly skipped: readonly string[]
}

let engine: Promise<Liquid> | undefined

/** The one LiquidJS instance of this process, made on first use. */
function liquid(root: string): Promise<Liquid> {
  engine ??= import('liquidjs').then(({ Liquid }) => {
    const instance = new Liquid({
      root: [root],
      extname: '.liquid',
      strictVariables: true,
      strictFilters: true,
      lenientIf: true,
      ownPropertyOnly: true,
      timezoneOffset: 0,
      cache: true,
    })
    const builtinDate = instance.filters.date
    for (const [name, filter] of Object.entries(FILTERS)) instance.registerFilter(name, filter as never)
    instance.registerFilter('date', function (this: unknown, value: unknown, format?: unknown, ...rest: unknown[]) {
      if (format === 'iso' || format === 'ISO') return isoDate(value) ?? value
      const impl =
        typeof builtinDate === 'function' ? builtinDate : (builtinDate as unknown as { handler: unknown }).handler
      return (impl as (...args: unknown[]) => unknown).call(this, value, format, ...rest)
    })
    return instance
  })
  return engine
}

/** Parsed templates by source text: a template rendered for 1,000 commits is parsed once. */
const parsed = new Map<string, Template[]>()
const PARSED_LIMIT = 500

function parse(engine: Liquid, source: string): Template[] {
  let templates = parsed.get(source)
  if (!templates) {
    templates = engine.parse(source)
    if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value as string)
    parsed.set(source, templates)
  }
  return templates
}

class Located extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}

/** LiquidJS's message without its own `, line:N, col:M` (relative to the snippet, not the file). */
const liquidMessage = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/, line:\d+, col:\d+$/, '')

/** The line of the snippet a LiquidJS error points at (1-based), if it says. */
function liquidLine(error: unknown): number | undefined {
  const token = (error as { token?: { getPosition?: () => [number, number] } } | null)?.token
  const position = token?.getPosition?.()
  if (position) return position[0]
  const match = /, line:(\d+), col:\d+$/.exec(error instanceof Error ? error.message : '')
  return match ? Number(match[1]) : undefined
}

/** Renders `source`, whose first line is line `firstLine` of its file. */
async function renderAt(engine: Liquid, source: string, data: object, firstLine: number): Promise<string> {
  try {
    return await engine.render(parse(engine, source), data)
  } catch (error) {
    throw new Located(firstLine + (liquidLine(error) ?? 1) - 1, liquidMessage(error))
  }
}

/** Renders Liquid text (what `ctx.render` does); throws with LiquidJS's message and line. */
export async function renderText(root: string, source: string, data: object): Promise<string> {
  const engine = await liquid(root)
  try {
    return await engine.render(parse(engine, source), data)
  } catch (error) {
    const line = liquidLine(error)
    throw new Error(`${liquidMessage(error)}${line === undefined ? '' : ` (line ${line})`}`)
  }
}

/** Why template `file` cannot be read, checked before any data is gathered for it; or undefined. */
export function missingTemplate(root: string, file: string): RenderFailure | undefined {
  try {
    if (statSync(path.resolve(root, file)).isFile()) return undefined
    return { ok: false, code: 'NO_TEMPLATE', message: `${file}: is not a file` }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return {
      ok: false,
      code: 'NO_TEMPLATE',
      message: `${file}: ${code === 'ENOENT' ? 'no such template file' : `cannot be read (${code ?? String(error)})`}`,
    }
  }
}

/** Renders every document of template `file` (relative to `root`, as the config names it). */
export async function renderTemplateFile(
  root: string,
  file: string,
  data: TemplateData,
): Promise<Rendered | RenderFailure> {
  let text: string
  try {
    text = readFileSync(path.resolve(root, file), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return {
      ok: false,
      code: 'NO_TEMPLATE',
      message: `${file}: ${code === 'ENOENT' ? 'no such template file' : code === 'EISDIR' ? 'is a directory, not a template file' : `cannot be read (${code ?? String(error)})`}`,
    }
  }
  const split = splitDocuments(text)
  if ('message' in split) return { ok: false, code: 'TEMPLATE', message: `${file}:${split.line}: ${split.message}` }
  const engine = await liquid(root)
  const writes: OutputWrite[] = []
  const skipped: string[] = []
  for (const document of split.documents) {
    try {
      const outcome = await renderDocument(engine, document, data)
      const where = `${file}:${document.frontMatterLine - 1}`
      if ('skip' in outcome) skipped.push(`${where} (${outcome.skip})`)
      else if ('unsafe' in outcome)
        return { ok: false, code: 'UNSAFE_PATH', message: `${file}:${outcome.line}: ${outcome.unsafe}` }
      else writes.push({ ...outcome.write, source: where })
    } catch (error) {
      if (error instanceof Located)
        return { ok: false, code: 'TEMPLATE', message: `${file}:${error.line}: ${error.message}` }
      throw error
    }
  }
  return { ok: true, writes, skipped }
}

type DocumentOutcome =
  | { readonly write: Omit<OutputWrite, 'source'> }
  | { readonly skip: string }
  | { readonly unsafe: string; readonly line: number }

async function renderDocument(engine: Liquid, document: RawDocument, data: TemplateData): Promise<DocumentOutcome> {
  const frontText = await renderAt(engine, document.frontMatter, data, document.frontMatterLine)
  const front = toFrontMatter(await readYaml(frontText, document.frontMatterLine), document)
  if ('message' in front) throw new Located(front.line, front.message)
  if (!(await wanted(engine, front, document, data))) return { skip: "'when' is false" }
  const to = front.to.trim().replace(/^(\.\/)+/, '')
  if (to === '') return { skip: "'to' is empty" }
  const problem = checkOutputPath(to)
  if (problem)
    return {
      unsafe: `refuses output path '${to}': it ${problem}; an output path is relative and stays inside the output tree`,
      line: keyLine(document, 'to'),
    }
  const content = await renderAt(engine, document.body, data, document.bodyLine)
  return { write: { path: to, content, placement: front.placement } }
}

async function wanted(engine: Liquid, front: FrontMatter, document: RawDocument, data: TemplateData): Promise<boolean> {
  if (front.when === undefined || typeof front.when === 'boolean') return front.when !== false
  if (front.when.trim() === '') return false
  try {
    const value = await engine.evalValue(front.when, data as object)
    return value !== false && value !== null && value !== undefined
  } catch (error) {
    throw new Located(keyLine(document, 'when'), `'when: ${front.when}': ${liquidMessage(error)}`)
  }
}

let yaml: Promise<typeof JsYaml> | undefined

async function readYaml(text: string, firstLine: number): Promise<unknown> {
  yaml ??= import('js-yaml')
  const { load } = await yaml
  try {
    return load(text)
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark
    const reason = (error as { reason?: string }).reason ?? liquidMessage(error)
    throw new Located(
      firstLine + (mark?.line ?? 0),
      `front matter is not valid YAML: ${reason} (a value that starts with '{{' must be quoted)`,
    )
  }
}
