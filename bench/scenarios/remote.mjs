// Several CI runners sharing one range through a git remote: `gitvan run --all --remote origin`
// from 1 clone, then from 4 clones at once, over the same history, through a real `git daemon` on
// 127.0.0.1 (started and stopped here). Wall time from the first start to the last exit, pushes
// and fetches each runner made (from its json report), and a check that every (job, commit) ran
// once and has its receipt on the server. The job sleeps `jobMs` (work that takes time, as on
// separate CI machines; a sleep, so four runners on one machine do not just compete for its CPU).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { ENV, gitQuiet, log, PROJECT, sh, WORK } from '../lib/env.mjs'

const CLI = path.join(PROJECT, 'dist', 'cli.js')

function makeServer(dir, commits, jobMs, runsFile) {
  const seed = path.join(dir, 'seed')
  fs.mkdirSync(seed, { recursive: true })
  gitQuiet(seed, 'init', '-q', '-b', 'main', '.')
  const chunks = []
  for (let i = 1; i <= commits; i++) {
    const message = `commit ${i}\n`
    chunks.push(
      `commit refs/heads/main\nmark :${i}\ncommitter bench <bench@example.invalid> ${1_700_000_000 + i} +0000\n` +
        `data ${Buffer.byteLength(message)}\n${message}${i > 1 ? `from :${i - 1}\n` : ''}` +
        `M 100644 inline f${i % 100}.txt\ndata ${Buffer.byteLength(`${i}\n`)}\n${i}\n\n`,
    )
  }
  sh('git', ['fast-import', '--quiet'], { cwd: seed, input: chunks.join('') })
  gitQuiet(seed, 'checkout', '-q', '-f', 'main')
  fs.writeFileSync(
    path.join(seed, 'gitvan.config.mjs'),
    `import { appendFileSync } from 'node:fs'\nexport default {\n  jobs: {\n    post: { on: 'post-commit', run: async (ctx) => { appendFileSync(${JSON.stringify(runsFile)}, ctx.commit + '\\n'); await new Promise((r) => setTimeout(r, ${jobMs})) } },\n  },\n}\n`,
  )
  gitQuiet(seed, 'add', 'gitvan.config.mjs')
  gitQuiet(seed, 'commit', '-q', '-m', 'gitvan config')
  sh('git', ['clone', '-q', '--bare', seed, path.join(dir, 'server.git')], { cwd: dir })
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

async function startDaemon(base) {
  const port = await freePort()
  const child = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--listen=127.0.0.1',
      `--port=${port}`,
      `--base-path=${base}`,
      '--export-all',
      '--enable=receive-pack',
      base,
    ],
    { env: ENV, stdio: 'ignore' },
  )
  for (let i = 0; i < 250; i++) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (up) return { url: `git://127.0.0.1:${port}/server.git`, stop: () => child.kill('SIGTERM') }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  child.kill('SIGTERM')
  throw new Error('git daemon did not start')
}

const run = (cwd) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', '--all', '--remote', 'origin', '--reporter', 'json'], {
      cwd,
      env: { ...ENV, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => resolve({ code, out, err }))
  })

/** Deletes every gitvan ref (receipts, claims, tracking) in a repository. */
function clearRefs(dir) {
  const refs = sh('git', ['for-each-ref', '--format=%(refname)', 'refs/notes/', 'refs/gitvan/'], { cwd: dir })
    .stdout.split('\n')
    .filter(Boolean)
  if (refs.length > 0)
    sh('git', ['update-ref', '--stdin'], { cwd: dir, input: refs.map((ref) => `delete ${ref}\n`).join('') })
}

async function round(clones, server, runsFile) {
  clearRefs(server)
  for (const clone of clones) clearRefs(clone)
  fs.writeFileSync(runsFile, '')
  const start = performance.now()
  const results = await Promise.all(clones.map(run))
  const ms = performance.now() - start
  const reports = results.map((r) => {
    if (r.code !== 0) throw new Error(`gitvan run --remote exited ${r.code}: ${r.err.trim().slice(-300)}`)
    return JSON.parse(r.out)
  })
  const ran = fs.readFileSync(runsFile, 'utf8').split('\n').filter(Boolean)
  const notes = sh('git', ['notes', '--ref=gitvan/results', 'list'], { cwd: server, allowFail: true })
    .stdout.split('\n')
    .filter(Boolean)
  return {
    ms: Math.round(ms),
    pushes: reports.reduce((n, r) => n + r.remote.pushes, 0),
    fetches: reports.reduce((n, r) => n + r.remote.fetches, 0),
    runsPerRunner: reports.map((r) => r.runs),
    executions: ran.length,
    distinct: new Set(ran).size,
    receiptsOnServer: notes.length,
  }
}

export async function runRemote({ commits, runners, jobMs }) {
  const dir = path.join(WORK, 'remote')
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const runsFile = path.join(dir, 'runs.txt')
  log(`remote: ${commits} commits, 1 runner then ${runners} at once through git daemon (job ${jobMs} ms)`)
  makeServer(dir, commits, jobMs, runsFile)
  const daemon = await startDaemon(dir)
  try {
    const clones = []
    for (let i = 0; i < runners; i++) {
      const clone = path.join(dir, `clone${i}`)
      sh('git', ['clone', '-q', daemon.url, clone], { cwd: dir })
      clones.push(clone)
    }
    const server = path.join(dir, 'server.git')
    const one = await round(clones.slice(0, 1), server, runsFile)
    const many = await round(clones, server, runsFile)
    const total = commits + 1 // the config commit
    const exact = (r) => r.executions === total && r.distinct === total && r.receiptsOnServer === total
    return { commits: total, runners, jobMs, one, many, exactlyOnce: exact(one) && exact(many) }
  } catch (error) {
    return { skipped: `remote scenario failed: ${error.message.split('\n')[0]}` }
  } finally {
    daemon.stop()
  }
}
