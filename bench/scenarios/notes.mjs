// 1,000 receipts written the way gitvan writes them (one bulk write through git fast-import, then a
// compare-and-swap of refs/notes/gitvan/results) against 1,000 `git notes add`. The measurement
// itself lives in bench/receipts.mjs, next to the git layer it exercises; this calls it.
//
// bench/receipts.mjs is used either as a module exporting `benchReceipts({ count, runs, dir })`
// (or a default export of that shape) resolving to an object, or as a script run as
// `node bench/receipts.mjs --count N --runs R --json` printing one JSON object as its last line.
// The object gives gitvan's and `git notes add`'s times in ms: { gitvanMs, notesAddMs } (a few
// other spellings are read too, see pick()).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { BENCH, ENV, log, WORK } from '../lib/env.mjs'

const SCRIPT = path.join(BENCH, 'receipts.mjs')

/** The first finite number under a key matching `re`, searching nested objects (median first). */
function pick(value, re) {
  if (!value || typeof value !== 'object') return null
  for (const [key, v] of Object.entries(value)) {
    if (!re.test(key)) continue
    if (typeof v === 'number' && Number.isFinite(v)) return v
    if (v && typeof v === 'object') {
      for (const k of ['medianMs', 'median', 'ms', 'totalMs', 'wallMs']) if (typeof v[k] === 'number') return v[k]
    }
  }
  for (const v of Object.values(value)) {
    const found = v && typeof v === 'object' ? pick(v, re) : null
    if (found !== null) return found
  }
  return null
}

export async function runReceipts({ count, runs }) {
  if (!fs.existsSync(SCRIPT))
    return { skipped: 'bench/receipts.mjs is not there yet (it comes with the bulk notes writer): not measured' }
  const dir = path.join(WORK, 'receipts')
  fs.mkdirSync(dir, { recursive: true })
  let raw
  try {
    const mod = await import(pathToFileURL(SCRIPT).href)
    const fn = mod.benchReceipts ?? (typeof mod.default === 'function' ? mod.default : null)
    if (fn) raw = await fn({ count, runs, dir })
  } catch (error) {
    return { skipped: `bench/receipts.mjs failed to load or run: ${error.message.split('\n')[0]}` }
  }
  if (raw === undefined) {
    const r = spawnSync(process.execPath, [SCRIPT, '--count', String(count), '--runs', String(runs), '--json'], {
      cwd: BENCH,
      env: { ...ENV, BENCH_WORK: dir },
      encoding: 'utf8',
      timeout: 600_000,
    })
    if (r.status !== 0)
      return { skipped: `node bench/receipts.mjs exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(-400)}` }
    const line = r.stdout
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.trim().startsWith('{'))
    try {
      raw = JSON.parse(line ?? '')
    } catch {
      return { skipped: `node bench/receipts.mjs printed no JSON line: ${r.stdout.trim().slice(-300)}` }
    }
  }
  const gitvanMs = typeof raw?.gitvanMs === 'number' ? raw.gitvanMs : pick(raw, /gitvan|fast.?import|bulk|ours/i)
  const notesAddMs = typeof raw?.notesAddMs === 'number' ? raw.notesAddMs : pick(raw, /notes.?add|git.?notes|notes/i)
  if (gitvanMs === null || notesAddMs === null)
    return { skipped: 'could not find gitvanMs and notesAddMs in what bench/receipts.mjs returned', raw }
  const speedup = notesAddMs / gitvanMs
  log(
    `receipts: ${count} receipts: gitvan ${gitvanMs.toFixed(0)} ms, git notes add ${notesAddMs.toFixed(0)} ms (${speedup.toFixed(1)}x)`,
  )
  const gitvanRunMs = typeof raw?.gitvanRunMs === 'number' ? raw.gitvanRunMs : null
  return {
    count,
    runs,
    gitvanMs,
    gitvanRunMs,
    notesAddMs,
    notesAddSampled: raw?.notesAddSampled ?? false,
    speedup,
    raw,
  }
}
