#!/usr/bin/env node
// What a blocking pre-commit gate that runs `true` costs on top of node's start-up.
//
//   node scripts/measure-gate.mjs [--runs 40] [cli.js ...]     (default: dist/cli.js; run `npm run build` first)
//
// In a fresh repository with gitvan installed and one staged file, it times, interleaved in the same
// loop, `node <empty file>` (node's own start-up) and `node <cli.js> hook pre-commit` for each
// CLI given, and prints medians, the gate's cost above start-up, and the load average.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt === -1 ? 40 : Number(args.splice(runsAt, 2)[1])
const clis = (args.length > 0 ? args : [path.join(PROJECT, 'dist/cli.js')]).map((cli) => path.resolve(cli))

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gitvan-gate-'))
const home = path.join(root, 'home')
const dir = path.join(root, 'repo')
fs.mkdirSync(home)
fs.mkdirSync(dir)
fs.writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = Bench\n\temail = bench@example.invalid\n[gc]\n\tauto = 0\n[commit]\n\tgpgsign = false\n')
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(GIT_|GITVAN|HUSKY$|CI$)/.test(key)))
Object.assign(env, { HOME: home, GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'), GIT_CONFIG_NOSYSTEM: '1' })

const run = (file, argv) => {
  const r = spawnSync(file, argv, { cwd: dir, env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${file} ${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r
}
run('git', ['init', '-q', '-b', 'main', '.'])
fs.writeFileSync(path.join(dir, 'gitvan.config.mjs'), "export default { jobs: { gate: { on: 'pre-commit', run: 'true' } } }\n")
fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n')
run('git', ['add', '-A'])
run('git', ['commit', '-q', '--no-verify', '-m', 'initial'])
fs.writeFileSync(path.join(dir, 'b.txt'), 'b\n')
run('git', ['add', 'b.txt'])
for (const cli of clis) run(process.execPath, [cli, 'install'])
const empty = path.join(root, 'empty.mjs')
fs.writeFileSync(empty, '')

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const time = (argv) => {
  const start = performance.now()
  run(process.execPath, argv)
  return performance.now() - start
}
const startup = []
const gates = clis.map(() => [])
for (let i = 0; i < runs; i++) {
  startup.push(time([empty]))
  clis.forEach((cli, j) => gates[j].push(time([cli, 'hook', 'pre-commit'])))
}
const base = median(startup)
console.log(`node start-up: median ${base.toFixed(1)} ms over ${runs} runs`)
clis.forEach((cli, j) => {
  const m = median(gates[j])
  console.log(`${cli}: hook pre-commit median ${m.toFixed(1)} ms = start-up + ${(m - base).toFixed(1)} ms`)
})
console.log(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`)
fs.rmSync(root, { recursive: true, force: true })
