// `gitvan run --all` over a long history, as CI runs it, side by side in each round:
// - cold: no receipts, empty disk cache: every commit is planned and run, every receipt written
//   and every result stored in the job cache;
// - warm: all receipts there: a re-run must only find that nothing is missing;
// - cached: the receipts deleted, the disk cache kept: every run is looked up, answered from the
//   cache, and its receipt written again (`cache: hit`);
// - reword: the newest REWORD commits get new messages (same trees, new oids, as `git rebase -i`
//   with `reword`): those are planned and answered from the cache; the rest keep their receipts.
// Hits are counted from the JSON reporter. The history is made with git fast-import in one go.
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
const REWORD = 300

/** New commits for the newest `count` of main, same trees and parents' trees, new messages; untimed. */
function reword(dir, count) {
  const lines = sh('git', ['log', `-${count + 1}`, '--format=%H %T %P', 'main'], { cwd: dir })
    .stdout.trim()
    .split('\n')
  const [base, ...rest] = lines.reverse()
  let parent = base.split(' ')[0]
  const script = rest
    .map((line) => {
      const tree = line.split(' ')[1]
      return `p=$(git commit-tree ${tree} -p $p -m reworded)`
    })
    .join('\n')
  const out = sh('sh', ['-c', `p=${parent}\n${script}\necho $p`], { cwd: dir }).stdout.trim()
  parent = out
  gitQuiet(dir, 'update-ref', 'refs/heads/main', parent)
  gitQuiet(dir, 'reset', '-q', '--hard', 'main')
}

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
  const cached = []
  const reworded = []
  const errors = []
  const tip = sh('git', ['rev-parse', 'main'], { cwd: dir }).stdout.trim()
  for (let i = 0; i < runs; i++) {
    gitQuiet(dir, 'update-ref', 'refs/heads/main', tip)
    gitQuiet(dir, 'reset', '-q', '--hard', 'main')
    gitQuiet(dir, 'update-ref', '-d', 'refs/notes/gitvan/results')
    fs.rmSync(path.join(stateOf(dir), 'cache'), { recursive: true, force: true })
    for (const [list, label] of [
      [cold, 'cold'],
      [warm, 'warm'],
      [cached, 'cached'],
      [reworded, 'reword'],
    ]) {
      if (label === 'cached') gitQuiet(dir, 'update-ref', '-d', 'refs/notes/gitvan/results')
      if (label === 'reword') reword(dir, REWORD)
      const cli = path.join(dir, 'node_modules/gitvan/dist/cli.js')
      const r = peakRss(process.execPath, [cli, 'run', '--all', '--reporter', 'json'], { cwd: dir, timeout: timeoutMs })
      if (r.status !== 0) {
        errors.push(
          `${label}: gitvan run --all ${r.signal ? `killed by ${r.signal} (timeout ${timeoutMs} ms)` : `exited ${r.status}`}: ${r.stderr.trim().slice(-400)}`,
        )
        break
      }
      let report = {}
      try {
        report = JSON.parse(r.stdout)
      } catch {}
      list.push({
        ms: r.ms,
        rssMB: r.rssMB,
        receipts: countNotes(dir),
        runs: report.runs ?? null,
        hits: report.cached ?? null,
      })
      log(
        `history: ${label} ${r.ms.toFixed(0)} ms, ${list.at(-1).receipts} receipts, ${report.runs} runs, ${report.cached} from the cache`,
      )
    }
    if (errors.length) break
  }
  gitQuiet(dir, 'update-ref', 'refs/heads/main', tip)
  const best = (list) =>
    list.length
      ? {
          median: list.map((x) => x.ms).sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)],
          peakRssMB: Math.max(...list.map((x) => x.rssMB ?? 0)) || null,
          receipts: list.at(-1).receipts,
          runs: list.at(-1).runs,
          hits: list.at(-1).hits,
          n: list.length,
        }
      : null
  const c = best(cold)
  return {
    commits,
    runs,
    cold: c ? { ...c, receiptsPerSecond: Math.round(c.receipts / (c.median / 1000)) } : null,
    warm: best(warm),
    cached: best(cached),
    reword: best(reworded),
    rewordCommits: REWORD,
    errors,
  }
}
