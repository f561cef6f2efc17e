// node docs/measure/interleave.mjs RUNS WARMUP label1 'cmd1' label2 'cmd2' ...
//
// Runs the commands round robin, so a change of the machine's load hits all of them alike, and
// prints per command the median and p90 wall time and the median CPU time (user + system of the
// command's processes, from bash's `times`), each also as the difference to the first command.
// A command that exits non-zero stops the measurement (append `|| true` where that is expected).
import { spawnSync } from 'node:child_process'

const [runs, warmup, ...rest] = process.argv.slice(2)
const commands = []
for (let i = 0; i < rest.length; i += 2) commands.push({ label: rest[i], cmd: rest[i + 1], wall: [], cpu: [] })

const ms = (minutes, seconds) => Number(minutes) * 60_000 + Number(seconds) * 1000
for (let round = 0; round < Number(warmup) + Number(runs); round++) {
  for (const c of commands) {
    const start = process.hrtime.bigint()
    const p = spawnSync('bash', ['-c', `{ ${c.cmd} ; } >/dev/null 2>&1; s=$?; times; exit $s`], { encoding: 'utf8' })
    const wall = Number(process.hrtime.bigint() - start) / 1e6
    if (p.status !== 0) throw new Error(`exit ${p.status}: ${c.cmd}`)
    // `times` prints the shell's own times, then its children's: "0m0.052s 0m0.008s".
    const t = (p.stdout.trim().split('\n')[1] ?? '').match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/)
    if (round < Number(warmup)) continue
    c.wall.push(wall)
    c.cpu.push(t ? ms(t[1], t[2]) + ms(t[3], t[4]) : Number.NaN)
  }
}

const sorted = (a) => [...a].sort((x, y) => x - y)
const median = (a) => {
  const s = sorted(a)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const p90 = (a) => sorted(a)[Math.min(a.length - 1, Math.floor(0.9 * a.length))]
const [first] = commands
const cols = ['wall median', 'p90', '+wall', 'cpu median', '+cpu']
console.log(['command'.padEnd(30), ...cols.map((c) => c.padStart(11))].join(' '))
for (const c of commands) {
  const row = [
    median(c.wall),
    p90(c.wall),
    median(c.wall) - median(first.wall),
    median(c.cpu),
    median(c.cpu) - median(first.cpu),
  ]
  console.log([c.label.padEnd(30), ...row.map((v) => v.toFixed(1).padStart(11))].join(' '))
}
