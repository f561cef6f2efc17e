// What one gitvan process costs: start-up (`gitvan --version` against `node -e ''`, interleaved) and
// peak RSS, of the process a blocking hook starts and of a whole `git commit` per runner (GNU
// time's %M: the largest single process of the waited-for tree, so git itself or the hook,
// whichever is bigger; a detached runner is not in it and is read from /proc by the commit scenarios).
import fs from 'node:fs'
import path from 'node:path'
import { log, PROJECT, sh, WORK } from '../lib/env.mjs'
import { canMeasureRss, interleave, peakRss, summarize, timeRun } from '../lib/measure.mjs'
import { lineup, makeRepos } from './hooks.mjs'

export function runStartup({ runs, warmup }) {
  const cli = path.join(PROJECT, 'dist', 'cli.js')
  const subjects = [
    { name: "node -e ''", run: () => timeRun(process.execPath, ['-e', ''], { cwd: PROJECT }) },
    { name: 'gitvan --version', run: () => timeRun(process.execPath, [cli, '--version'], { cwd: PROJECT }) },
  ]
  const { samples, errors } = interleave(subjects, { runs, warmup })
  const rows = Object.fromEntries(
    Object.entries(samples)
      .filter(([, s]) => s.length)
      .map(([k, s]) => [k, summarize(s)]),
  )
  const ratio =
    rows["node -e ''"] && rows['gitvan --version'] ? rows['gitvan --version'].median / rows["node -e ''"].median : null
  log(`startup: gitvan --version / node -e '' = ${ratio?.toFixed(2)}`)
  return { runs, warmup, rows, errors, ratio }
}

/**
 * Peak RSS of a staged `git commit` per runner (pre-commit gate + post-commit job), the max over
 * `runs` commits; for gitvan that is the node process of the pre-commit hook.
 */
export function runMemory({ runs, available }) {
  if (!canMeasureRss())
    return { skipped: 'no /usr/bin/time on this machine (apt-get install time): peak RSS not measured' }
  const list = lineup({ hooks: { pre: true, post: true }, available: (n) => available(n) && n !== 'node' })
  const root = path.join(WORK, 'memory')
  const { repos, errors } = makeRepos(root, list)
  const rows = {}
  let n = 0
  for (const [name, dir] of Object.entries(repos)) {
    const peaks = []
    for (let i = 0; i < runs; i++) {
      fs.writeFileSync(path.join(dir, 'f.txt'), `${++n}\n`)
      sh('git', ['add', 'f.txt'], { cwd: dir })
      const r = peakRss('git', ['commit', '-q', '-m', 'x'], { cwd: dir })
      if (r.status !== 0) {
        errors[name] = `git commit exited ${r.status}: ${r.stderr.trim().slice(0, 300)}`
        break
      }
      if (r.rssMB !== null) peaks.push(r.rssMB)
    }
    if (peaks.length) rows[name] = { peakRssMB: Math.max(...peaks) }
  }
  // The gate's own process, started the way the shim starts it.
  const gitvanDir = repos.gitvan
  if (gitvanDir) {
    fs.writeFileSync(path.join(gitvanDir, 'f.txt'), 'hook\n')
    sh('git', ['add', 'f.txt'], { cwd: gitvanDir })
    const cli = path.join(gitvanDir, 'node_modules/gitvan/dist/cli.js')
    const peaks = []
    for (let i = 0; i < runs; i++) {
      const r = peakRss(process.execPath, [cli, 'hook', 'pre-commit'], { cwd: gitvanDir })
      if (r.status !== 0) {
        errors['gitvan hook pre-commit'] = `exited ${r.status}: ${r.stderr.trim().slice(0, 300)}`
        break
      }
      if (r.rssMB !== null) peaks.push(r.rssMB)
    }
    if (peaks.length) rows['gitvan hook pre-commit'] = { peakRssMB: Math.max(...peaks) }
  }
  const node = peakRss(process.execPath, ['-e', ''], { cwd: root })
  if (node.rssMB !== null) rows["node -e ''"] = { peakRssMB: node.rssMB }
  return { runs, rows, errors }
}
