// Measures the async path: what a post-commit hook adds per commit (gitvan shim vs a plain sh hook,
// both against a no-hook repository, interleaved in one run), the shim alone against `sh -c 'exit 0'`,
// and a 100-commit rebase (receipts, notes commits). Not a test: numbers vary with the machine.
//
//   node scripts/measure-async.mjs [commits=25]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const N = Number(process.argv[2] ?? 25)
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gitvan-measure-'))
const dist = path.join(tmp, 'dist')
spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), dist], { stdio: 'inherit' })
const cli = path.join(dist, 'cli.js')

const home = path.join(tmp, 'home')
spawnSync('mkdir', ['-p', home])
writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = M\n\temail = m@example.invalid\n[commit]\n\tgpgsign = false\n[gc]\n\tauto = 0\n[init]\n\tdefaultBranch = main\n')
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GIT_|GITVAN|HUSKY$|CI$)/.test(k)))
Object.assign(env, { HOME: home, GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'), GIT_CONFIG_NOSYSTEM: '1' })

const run = (cmd, args, cwd, extra = {}) => {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const timed = (fn) => {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

function makeRepo(name, setup) {
  const dir = path.join(tmp, name)
  run('git', ['init', '-q', dir], tmp)
  run('git', ['commit', '-q', '--allow-empty', '-m', 'init'], dir)
  setup?.(dir)
  return dir
}

const bare = makeRepo('nohook')
const plain = makeRepo('plain', (dir) => {
  writeFileSync(path.join(dir, '.git/hooks/post-commit'), '#!/bin/sh\nexit 0\n')
  chmodSync(path.join(dir, '.git/hooks/post-commit'), 0o755)
})
const gitvan = makeRepo('gitvan', (dir) => {
  writeFileSync(path.join(dir, 'gitvan.config.mjs'), "export default { jobs: { stats: { on: 'post-commit', run: (ctx) => ({ files: ctx.files.length }) } } }\n")
  run('git', ['add', '-A'], dir)
  run('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'config'], dir)
  run(process.execPath, [cli, 'install'], dir)
})

// Interleaved: each round commits once in every repository, so drift hits all three alike.
const times = { nohook: [], plain: [], gitvan: [] }
for (let i = 0; i < N; i++) {
  for (const [name, dir] of [['nohook', bare], ['plain', plain], ['gitvan', gitvan]]) {
    times[name].push(timed(() => run('git', ['commit', '-q', '--allow-empty', '-m', `c${i}`], dir)))
  }
}
const base = median(times.nohook)
const addedPlain = median(times.plain) - base
const addedGitvan = median(times.gitvan) - base
console.log(`per commit, median of ${N}: no hook ${base.toFixed(2)} ms; plain sh hook +${addedPlain.toFixed(2)} ms; gitvan post-commit +${addedGitvan.toFixed(2)} ms`)
console.log(`budget max(5 ms, 2 x plain) = ${Math.max(5, 2 * addedPlain).toFixed(2)} ms: ${addedGitvan <= Math.max(5, 2 * addedPlain) ? 'within' : 'OVER'}`)

function drain(dir) {
  for (let i = 0; i < 600; i++) {
    const s = JSON.parse(run(process.execPath, [cli, 'status', '--json'], dir))
    if (s.spool === 0 && !s.runner.alive) return s
    spawnSync('sleep', ['0.1'])
  }
  throw new Error('runner did not drain')
}
const drainStart = Date.now()
drain(gitvan)
const commits = run('git', ['rev-list', `-${N}`, 'HEAD'], gitvan).trim().split('\n')
const noted = commits.filter((c) => spawnSync('git', ['notes', '--ref=gitvan/results', 'show', c], { cwd: gitvan, env }).status === 0)
console.log(`receipts: ${noted.length}/${N} after the runner drained (${Date.now() - drainStart} ms after the last commit, incl. its idle exit)`)

// The shim alone, with a live runner (the lock names this process), against sh -c 'exit 0'.
const shim = path.join(gitvan, '.git/hooks/post-commit')
writeFileSync(path.join(gitvan, '.git/gitvan/runner.pid'), `${process.pid} ${readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]}\n`)
const shimTimes = []
const shTimes = []
for (let i = 0; i < 200; i++) {
  shTimes.push(timed(() => run('sh', ['-c', 'exit 0'], gitvan)))
  shimTimes.push(timed(() => run(shim, [], gitvan)))
}
rmSync(path.join(gitvan, '.git/gitvan/runner.pid'))
rmSync(path.join(gitvan, '.git/gitvan/spool'), { recursive: true })
spawnSync('mkdir', ['-p', path.join(gitvan, '.git/gitvan/spool')])
console.log(`shim alone (median of 200): ${median(shimTimes).toFixed(2)} ms; sh -c 'exit 0': ${median(shTimes).toFixed(2)} ms`)

// A 100-commit rebase with the default debounce.
run('git', ['-c', 'core.hooksPath=/dev/null', 'checkout', '-q', '-b', 'topic'], gitvan)
for (let i = 0; i < 100; i++) run('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', `t${i}`], gitvan)
run('git', ['-c', 'core.hooksPath=/dev/null', 'checkout', '-q', 'main'], gitvan)
run('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', 'main moves'], gitvan)
run('git', ['-c', 'core.hooksPath=/dev/null', 'checkout', '-q', 'topic'], gitvan)
const notesBefore = Number(run('git', ['rev-list', '--count', 'refs/notes/gitvan/results'], gitvan).trim())
const rebaseMs = timed(() => run('git', ['rebase', '-q', 'main'], gitvan))
drain(gitvan)
const rewritten = run('git', ['rev-list', 'main..topic'], gitvan).trim().split('\n')
const withReceipt = rewritten.filter((c) => spawnSync('git', ['notes', '--ref=gitvan/results', 'show', c], { cwd: gitvan, env }).status === 0)
const notesAfter = Number(run('git', ['rev-list', '--count', 'refs/notes/gitvan/results'], gitvan).trim())
console.log(`100-commit rebase: ${rebaseMs.toFixed(0)} ms; ${withReceipt.length}/${rewritten.length} new commits with a receipt; ${notesAfter - notesBefore} notes commit(s)`)
const metrics = readFileSync(path.join(gitvan, '.git/gitvan/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
console.log(`last batch stages: ${JSON.stringify(metrics.at(-1).stages)}`)
rmSync(tmp, { recursive: true, force: true })
