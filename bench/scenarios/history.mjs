// `gitvan run --all` over a long history, as CI runs it: cold (no receipts, empty disk cache: every
// commit is planned and run, every receipt written) and warm (all receipts there: a re-run must only
// find that nothing is missing). The history is made with git fast-import in one go.
import fs from 'node:fs'
import path from 'node:path'
import { gitQuiet, log, sh, WORK } from '../lib/env.mjs'
import { countNotes, gitvan, linkGitvan, stateOf } from '../lib/gitvan.mjs'
import { peakRss } from '../lib/measure.mjs'

function makeHistory(dir, commits) {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  gitQuiet(dir, 'init', '-q', '-b', 'main', '.')
  const chunks = []
  const t = 1_700_000_000
  for (let i = 1; i <= commits; i++) {
    const content = `${i}\n`
    const message = `commit ${i}\n`
    chunks.push(
      `commit refs/heads/main\nmark :${i}\ncommitter bench <bench@example.invalid> ${t + i} +0000\n` +
        `data ${Buffer.byteLength(message)}\n${message}${i > 1 ? `from :${i - 1}\n` : ''}` +
        `M 100644 inline f${i % 100}.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`,
    )
  }
  sh('git', ['fast-import', '--quiet'], { cwd: dir, input: chunks.join('') })
  gitQuiet(dir, 'checkout', '-q', '-f', 'main')
  linkGitvan(dir)
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n')
  fs.writeFileSync(
    path.join(dir, 'gitvan.config.mjs'),
    "import { defineConfig } from 'gitvan'\n\nexport default defineConfig({\n  jobs: {\n    post: { on: 'post-commit', run: async (ctx) => ({ files: ctx.files.length }) },\n  },\n})\n",
  )
}

const NOT_BUILT = /not built yet/i

export function runHistory({ runs, commits, timeoutMs }) {
  const dir = path.join(WORK, 'history')
  log(`history: making ${commits} commits`)
  makeHistory(dir, commits)
  const probe = gitvan(dir, ['run', '--help'])
  const first = gitvan(dir, ['run', 'HEAD~1..HEAD'], { timeout: 60_000 })
  if (NOT_BUILT.test(first.stderr) || probe.status !== 0) {
    return {
      skipped: `gitvan run is not available in this version (${(first.stderr || probe.stderr).trim().split('\n')[0]})`,
    }
  }
  const cold = []
  const warm = []
  const errors = []
  for (let i = 0; i < runs; i++) {
    gitQuiet(dir, 'update-ref', '-d', 'refs/notes/gitvan/results')
    fs.rmSync(path.join(stateOf(dir), 'cache'), { recursive: true, force: true })
    for (const [list, label] of [
      [cold, 'cold'],
      [warm, 'warm'],
    ]) {
      const r = peakRss(process.execPath, [path.join(dir, 'node_modules/gitvan/dist/cli.js'), 'run', '--all'], {
        cwd: dir,
        timeout: timeoutMs,
      })
      if (r.status !== 0) {
        errors.push(
          `${label}: gitvan run --all ${r.signal ? `killed by ${r.signal} (timeout ${timeoutMs} ms)` : `exited ${r.status}`}: ${r.stderr.trim().slice(-400)}`,
        )
        break
      }
      list.push({ ms: r.ms, rssMB: r.rssMB, receipts: countNotes(dir) })
      log(`history: ${label} ${r.ms.toFixed(0)} ms, ${list.at(-1).receipts} receipts`)
    }
    if (errors.length) break
  }
  const best = (list) =>
    list.length
      ? {
          median: list.map((x) => x.ms).sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)],
          peakRssMB: Math.max(...list.map((x) => x.rssMB ?? 0)) || null,
          receipts: list.at(-1).receipts,
          n: list.length,
        }
      : null
  return { commits, runs, cold: best(cold), warm: best(warm), errors }
}
