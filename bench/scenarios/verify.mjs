// Proof that every runner's hooks really fire, before anything is timed: each hook leaves a marker
// file. For gitvan the pre-commit gate leaves one, and the post-commit job (run later by the
// detached runner) leaves one too and a receipt: the bench polls `gitvan status --json` until the
// spool is empty and the runner has exited, then counts the notes on refs/notes/gitvan/results.
import fs from 'node:fs'
import path from 'node:path'
import { log, sh, WORK } from '../lib/env.mjs'
import { countNotes, settle } from '../lib/gitvan.mjs'
import { makeRunnerRepo, marker, RUNNERS } from '../lib/runners.mjs'

const fired = (dir) => ['pre-commit', 'post-commit'].filter((hook) => fs.existsSync(marker(dir, hook)))

export function verifyRunners({ available, timeoutMs = 60_000 }) {
  const root = path.join(WORK, 'verify')
  const list = RUNNERS.filter((r) => available(r.name)).map((r) => ({
    name: r.name,
    runner: r.name,
    hooks: { pre: true, post: true },
  }))
  log(`verify: ${list.length} runners`)
  fs.rmSync(root, { recursive: true, force: true })
  const dirs = {}
  const result = {}
  for (const s of list) {
    try {
      dirs[s.name] = makeRunnerRepo(root, s.name, { hooks: s.hooks, verify: true })
    } catch (error) {
      result[s.name] = { ok: false, detail: `set-up failed: ${error.message.split('\n').slice(0, 3).join(' ')}` }
    }
  }
  for (const [name, dir] of Object.entries(dirs)) {
    try {
      fs.writeFileSync(path.join(dir, 'f.txt'), 'verify\n')
      sh('git', ['add', 'f.txt'], { cwd: dir })
      const r = sh('git', ['commit', '-q', '-m', 'verify'], { cwd: dir, allowFail: true })
      if (r.status !== 0) {
        result[name] = { ok: false, detail: `git commit exited ${r.status}: ${r.stderr.trim().slice(0, 500)}` }
        continue
      }
      if (name === 'none') {
        result[name] = { ok: true, detail: 'no hooks' }
        continue
      }
      if (name !== 'gitvan') {
        const f = fired(dir)
        result[name] = { ok: f.length === 2, detail: f.length ? `${f.join(' + ')} fired` : 'no hook fired' }
        continue
      }
      const t0 = Date.now()
      const drained = settle(dir, { untilExit: true, timeoutMs })
      const drainMs = Date.now() - t0
      const f = fired(dir)
      const cached = verifyCachedGate(dir, timeoutMs)
      const notes = countNotes(dir)
      const head = sh('git', ['notes', '--ref=gitvan/results', 'show', 'HEAD'], { cwd: dir, allowFail: true }).stdout
      const receipt = head.split('\n').some((line) => line.includes('"job":"post"') && line.includes('"status":"ok"'))
      result[name] = {
        ok: drained.ok && f.length === 2 && receipt && cached.ok,
        detail: [
          f.includes('pre-commit') ? 'gate ran' : 'gate did NOT run',
          drained.ok ? `runner drained and exited after ${drainMs} ms` : `runner did not drain: ${drained.reason}`,
          f.includes('post-commit') ? 'post-commit job ran' : 'post-commit job did NOT run',
          `${notes} note(s) on refs/notes/gitvan/results`,
          receipt
            ? 'HEAD has an ok receipt for job post'
            : `HEAD has no ok receipt for job post${head ? `: ${head.trim().slice(0, 300)}` : ''}`,
          cached.detail,
        ].join('; '),
      }
    } catch (error) {
      result[name] = { ok: false, detail: error.message.slice(0, 500) }
    }
  }
  for (const [name, v] of Object.entries(result)) log(`verify ${name}: ${v.ok ? 'ok' : 'FAILED'} (${v.detail})`)
  return result
}

/**
 * The same staged changes committed twice (two empty commits: the same tree over the same HEAD
 * tree): the second time the gate must be answered from the cache by the shim (its marker is not
 * written again, and the cache journal gains a probe hit), while the post-commit job still runs
 * and leaves its receipt.
 */
function verifyCachedGate(dir, timeoutMs) {
  const journal = path.join(dir, '.git', 'gitvan', 'cache', 'journal')
  const hits = () =>
    fs.existsSync(journal)
      ? fs
          .readFileSync(journal, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('h probe/')).length
      : 0
  const first = sh('git', ['commit', '-q', '--allow-empty', '-m', 'verify: empty'], { cwd: dir, allowFail: true })
  if (first.status !== 0) return { ok: false, detail: `first empty commit exited ${first.status}` }
  if (!settle(dir, { untilExit: true, timeoutMs }).ok)
    return { ok: false, detail: 'the runner did not drain after the first empty commit' }
  for (const hook of ['pre-commit', 'post-commit']) fs.rmSync(marker(dir, hook), { force: true })
  const before = hits()
  const r = sh('git', ['commit', '-q', '--allow-empty', '-m', 'verify: empty again'], { cwd: dir, allowFail: true })
  if (r.status !== 0) return { ok: false, detail: `second empty commit exited ${r.status}` }
  const drained = settle(dir, { untilExit: true, timeoutMs })
  const f = fired(dir)
  const hit = hits() === before + 1 && !f.includes('pre-commit')
  const ok = hit && drained.ok && f.includes('post-commit')
  return {
    ok,
    detail: hit
      ? `the same staged changes again: gate answered from the cache by the shim${f.includes('post-commit') ? ', post-commit job ran' : ', post-commit job did NOT run'}`
      : `the same staged changes again: gate was NOT answered from the cache (${f.includes('pre-commit') ? 'it ran again' : 'no probe hit recorded'})`,
  }
}
