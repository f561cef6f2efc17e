// Templates through `gitvan run --all`: 1,000 commits each rendering a per-commit template onto
// refs/gitvan/outputs/summary (one output commit per batch, in the notes' transaction), beside the
// plain receipt job over the same history; and what importing LiquidJS adds to a process's start
// (node started with and without `import('liquidjs')`, interleaved).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { gitQuiet, log, sh, WORK } from '../lib/env.mjs'
import { gitvan, linkGitvan, stateOf } from '../lib/gitvan.mjs'

const TEMPLATE = `---
to: summaries/{{ commit.short }}.md
---
# {{ commit.subject }}
{{ commit.oid }} by {{ commit.author.name }} on {{ commit.date | date: "%Y-%m-%d" }}
{{ files | size }} {{ 'file' | pluralize: files.size }}: {{ files | join: ", " }}
`

const CONFIGS = {
  receipt:
    "export default { jobs: { post: { on: 'post-commit', run: async (ctx) => ({ files: ctx.files.length }) } } }\n",
  template: "export default { jobs: { summary: { on: 'post-commit', template: 't/summary.liquid' } } }\n",
}

function makeHistory(dir, commits, config) {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  gitQuiet(dir, 'init', '-q', '-b', 'main', '.')
  const chunks = []
  for (let i = 1; i <= commits; i++) {
    const message = `feat: change ${i}\n`
    chunks.push(
      `commit refs/heads/main\nmark :${i}\ncommitter bench <bench@example.invalid> ${1_700_000_000 + i} +0000\n` +
        `data ${Buffer.byteLength(message)}\n${message}${i > 1 ? `from :${i - 1}\n` : ''}` +
        `M 100644 inline f${i % 100}.txt\ndata ${String(i).length + 1}\n${i}\n\n`,
    )
  }
  sh('git', ['fast-import', '--quiet'], { cwd: dir, input: chunks.join('') })
  gitQuiet(dir, 'checkout', '-q', '-f', 'main')
  linkGitvan(dir)
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n')
  fs.mkdirSync(path.join(dir, 't'), { recursive: true })
  fs.writeFileSync(path.join(dir, 't/summary.liquid'), TEMPLATE)
  fs.writeFileSync(path.join(dir, 'gitvan.config.mjs'), config)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? null

function timeRun(dir, timeoutMs) {
  const t0 = process.hrtime.bigint()
  const r = gitvan(dir, ['run', '--all'], { timeout: timeoutMs })
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: r.status, stderr: r.stderr ?? '' }
}

/** ms of `node -e <code>` from `cwd`, median of `runs`, the variants interleaved. */
function importCost(cwd, runs) {
  const variants = { bare: '0', liquid: "await import('liquidjs')" }
  const times = { bare: [], liquid: [] }
  for (let i = 0; i < runs; i++) {
    for (const [name, code] of Object.entries(variants)) {
      const t0 = process.hrtime.bigint()
      spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd })
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  return {
    bareMs: median(times.bare),
    liquidMs: median(times.liquid),
    addedMs: median(times.liquid) - median(times.bare),
  }
}

export function runTemplates({ commits, runs, timeoutMs, importRuns }) {
  const out = { commits, runs, rows: {}, errors: [] }
  for (const [name, config] of Object.entries(CONFIGS)) {
    const dir = path.join(WORK, `templates-${name}`)
    log(`templates: ${name}: making ${commits} commits`)
    makeHistory(dir, commits, config)
    const times = []
    for (let i = 0; i < runs; i++) {
      gitQuiet(dir, 'update-ref', '-d', 'refs/notes/gitvan/results')
      fs.rmSync(path.join(stateOf(dir), 'cache'), { recursive: true, force: true }) // every run renders or runs
      if (name === 'template')
        sh('git', ['update-ref', '-d', 'refs/gitvan/outputs/summary'], { cwd: dir, allowFail: true })
      const r = timeRun(dir, timeoutMs)
      if (r.status !== 0) {
        out.errors.push(`${name}: gitvan run --all exited ${r.status}: ${r.stderr.trim().slice(-300)}`)
        break
      }
      times.push(r.ms)
      log(`templates: ${name} ${r.ms.toFixed(0)} ms`)
    }
    const ms = median(times)
    out.rows[name] = ms === null ? null : { medianMs: ms, perSecond: commits / (ms / 1000), n: times.length }
    if (name === 'template') {
      const files = sh('git', ['ls-tree', '-r', '--name-only', 'refs/gitvan/outputs/summary'], {
        cwd: dir,
        allowFail: true,
      })
      out.renderedFiles = files.status === 0 ? files.stdout.split('\n').filter(Boolean).length : 0
    }
  }
  out.liquidImport = importCost(path.join(WORK, 'templates-template'), importRuns)
  return out
}
