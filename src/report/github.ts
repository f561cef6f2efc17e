/**
 * GitHub Actions workflow commands for `--reporter github`: an `::error file=…,line=…,col=…,title=…::`
 * (or `::warning`) for each location a failed job's tool printed, the job's output in a collapsed
 * group, and a Markdown summary for `$GITHUB_STEP_SUMMARY`. Pure: the CLI prints and writes.
 *
 * Locations recognised in a tool's output (colour codes removed first):
 * - `path:line:col` at the start of a line, then the message (`eslint -f unix`, `tsc --pretty`'s
 *   `path:line:col - error TS…`, compilers, most linters);
 * - `path(line,col): message` (`tsc --pretty false`, MSBuild style);
 * - eslint's default (stylish) format: a line naming the file, then indented `line:col  error  message  rule`;
 * - a diff (what a fix gate would change): `+++ b/path`, then each hunk's `@@ -line` on the old side.
 * A path is taken relative to the job's directory (absolute ones relative to the repository), and
 * kept only when it lies inside the repository and `exists` says the file is there, so a stack
 * trace's `node:internal/...:12:5` or a URL never becomes an annotation.
 */
import path from 'node:path'
import { formatSummary, type RunFacts, type Tally } from './run.js'

export type Annotation = {
  readonly level: 'error' | 'warning'
  /** Relative to the repository root, with `/`. */
  readonly file: string
  readonly line: number
  readonly col?: number
  readonly message: string
}

export type Locating = {
  readonly root: string
  /** The directory a job ran in (its `cwd` under the root). */
  readonly cwdOf: (job: string) => string
  /** Whether a path (relative to the root) is a file of the repository. */
  readonly exists: (file: string) => boolean
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
const COLON = /^(?<file>[^\s:(][^:\n]*?):(?<line>\d+):(?<col>\d+)(?:\s*[-:]\s*|\s+)(?<message>.*)$/
const PARENS = /^(?<file>[^\s(][^(\n]*?)\((?<line>\d+),(?<col>\d+)\):\s*(?<message>.*)$/
const STYLISH = /^\s+(?<line>\d+):(?<col>\d+)\s+(?<level>error|warning)\s+(?<message>.+?)\s*$/
const HUNK = /^@@ -(?<line>\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/
const MAX_PER_JOB = 100

const levelOf = (message: string): 'error' | 'warning' => (/^\s*warning\b/i.test(message) ? 'warning' : 'error')

/** The locations a job's output names, each once, in the order printed. */
export function findAnnotations(log: string, job: string, where: Locating): Annotation[] {
  const found: Annotation[] = []
  const seen = new Set<string>()
  const resolve = (file: string, fromRoot = false): string | undefined => {
    const trimmed = file.trim()
    if (trimmed === '' || /^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return undefined // a URL, node:internal
    const full = path.resolve(where.root, fromRoot ? '' : where.cwdOf(job), trimmed)
    const relative = path.relative(where.root, full)
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined
    const posix = relative.split(path.sep).join('/')
    return where.exists(posix) ? posix : undefined
  }
  const add = (annotation: Annotation) => {
    const key = `${annotation.file}:${annotation.line}:${annotation.col ?? ''}:${annotation.message}`
    if (seen.has(key) || found.length >= MAX_PER_JOB) return
    seen.add(key)
    found.push(annotation)
  }
  let stylishFile: string | undefined
  let diffFile: string | undefined
  for (const raw of log.replace(ANSI, '').split(/\r?\n/)) {
    const line = raw.trimEnd()
    const plus = /^\+\+\+ b\/(.+)$/.exec(line)
    if (plus) {
      diffFile = resolve(plus[1] as string, true) // gitvan's own diff names paths from the root
      continue
    }
    const hunk = diffFile && HUNK.exec(line)
    if (hunk && diffFile) {
      add({
        level: 'error',
        file: diffFile,
        line: Math.max(1, Number(hunk.groups?.line)),
        message: `${job} would change this`,
      })
      continue
    }
    const stylish = stylishFile && STYLISH.exec(line)
    if (stylish && stylishFile) {
      const g = stylish.groups ?? {}
      add({
        level: g.level === 'warning' ? 'warning' : 'error',
        file: stylishFile,
        line: Number(g.line),
        col: Number(g.col),
        message: (g.message ?? '').replace(/\s{2,}(\S+)$/, ' ($1)'),
      })
      continue
    }
    const match = COLON.exec(line) ?? PARENS.exec(line)
    if (match) {
      const g = match.groups ?? {}
      const file = resolve(g.file ?? '')
      if (file) {
        const message = (g.message ?? '').trim()
        add({
          level: levelOf(message),
          file,
          line: Number(g.line),
          col: Number(g.col),
          message: message || `${job} failed here`,
        })
        continue
      }
    }
    // A line that is only a path starts eslint's block of problems for that file.
    if (line !== '' && !/^\s/.test(line)) stylishFile = resolve(line)
  }
  return found
}

/** Escapes for workflow command data, and for property values (`,` and `:` too). */
const data = (text: string): string => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const property = (text: string): string => data(text).replace(/,/g, '%2C').replace(/:/g, '%3A')

export function toGithub(
  tally: Tally,
  facts: RunFacts,
  where: Locating,
  summary = formatSummary(tally, facts),
): string {
  const lines: string[] = []
  for (const failure of tally.failures) {
    const title = `gitvan ${failure.job}`
    const why = `${failure.job} ${failure.status} on ${failure.commit}${failure.error ? `: ${failure.error.message}` : ''}`
    const found = findAnnotations(failure.log, failure.job, where)
    if (found.length === 0) {
      lines.push(
        `::error title=${property(title)}::${data(`${why}${failure.log.trim() ? `\n${failure.log.trimEnd()}` : ''}`)}`,
      )
      continue
    }
    for (const a of found) {
      const at = `file=${property(a.file)},line=${a.line}${a.col === undefined ? '' : `,col=${a.col}`}`
      lines.push(`::${a.level} ${at},title=${property(title)}::${data(a.message)}`)
    }
    lines.push(`::group::${data(why)}`, failure.log.replace(ANSI, '').trimEnd(), '::endgroup::')
  }
  return [...lines, summary, ''].join('\n')
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

/** A Markdown summary: a row per job, then each failure. For `$GITHUB_STEP_SUMMARY`. */
export function toStepSummary(
  tally: Tally,
  facts: RunFacts,
  title: string,
  summary = formatSummary(tally, facts),
): string {
  const rows = [...tally.jobs].map(
    ([job, c]) =>
      `| ${cell(job)} | ${c.runs} | ${c.ok} | ${c.runs - c.ok} | ${c.skipped} | ${c.failed + c.timeout + c.cancelled === 0 ? 'passed' : 'failed'} |`,
  )
  const failures = tally.failures.map(
    (f) =>
      `- \`${cell(f.job)}\` ${f.status} on \`${f.commit.slice(0, 12)}\`${f.error ? `: ${cell(f.error.message)}` : ''}`,
  )
  return [
    `### ${cell(title)}`,
    '',
    `${tally.failed === 0 ? 'Passed' : 'Failed'}: ${cell(summary.replace(/^gitvan run: /, ''))}`,
    '',
    '| job | runs | ok | failed | skipped | result |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    ...(failures.length > 0 ? ['', '**Failures**', '', ...failures] : []),
    '',
  ].join('\n')
}
