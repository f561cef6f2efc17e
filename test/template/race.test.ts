// Output refs under concurrency and crashes, with real processes: two `gitvan run`s publishing the
// same job's outputs at once lose no file, and a run killed with SIGKILL mid-publish leaves the
// output ref at a whole commit whose files are exactly those its receipts list (outputs and notes
// move in one transaction), with `git fsck` clean.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addCommits } from '../helpers/history.js'
import { CLI, makeRepo, removeTemp, runAsync, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

const REF = 'refs/gitvan/outputs/summary'

const SUMMARY = '---\nto: s/{{ commit.oid }}.txt\n---\n{{ commit.subject }}\n'

const treeFiles = (repo: TestRepo, ref: string): string[] =>
  repo.git(['ls-tree', '-r', '--name-only', ref]).stdout.split('\n').filter(Boolean)

/** Paths the summary receipts list as outputs on REF, over every note. */
function listedOutputs(repo: TestRepo): string[] {
  const listed: string[] = []
  const notes = repo.git(['notes', '--ref=gitvan/results', 'list'], { allowFail: true }).stdout
  for (const line of notes.split('\n').filter(Boolean)) {
    const [blob] = line.split(' ')
    for (const text of repo
      .git(['cat-file', 'blob', blob as string])
      .stdout.split('\n')
      .filter(Boolean)) {
      const receipt = JSON.parse(text) as { job: string; outputs: { ref: string; path: string }[] }
      if (receipt.job === 'summary') for (const o of receipt.outputs) if (o.ref === REF) listed.push(o.path)
    }
  }
  return [...new Set(listed)].sort()
}

describe('output refs under racing runners and kill -9', () => {
  it('two gitvan run processes publishing outputs of one job at once lose no file', async () => {
    const repo = makeRepo()
    const sync = path.join(repo.dir, '.git', 'sync')
    // Each batch of each process waits in `meet` until the other process reached the same batch,
    // so the two publish every batch at about the same moment and their compare-and-swaps collide.
    repo.write(
      'gitvan.config.mjs',
      `import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
let batch = 0
export default {
  debounce: { maxBatch: 5 },
  jobs: {
    summary: { on: 'post-commit', template: 't/summary.liquid' },
    meet: {
      on: 'post-commit', mode: 'batch', timeout: '20s',
      run: async () => {
        const n = ++batch
        mkdirSync(${JSON.stringify(sync)}, { recursive: true })
        writeFileSync(${JSON.stringify(sync)} + '/' + n + '-' + process.pid, '')
        while (readdirSync(${JSON.stringify(sync)}).filter((f) => f.startsWith(n + '-')).length < 2)
          await new Promise((resolve) => setTimeout(resolve, 5))
      },
    },
  },
}
`,
    )
    repo.write('t/summary.liquid', SUMMARY)
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'config'])
    const commits = addCommits(repo, 60)
    const middle = commits[31] as string
    const base = commits[1] as string
    const [a, b] = await Promise.all([
      runAsync(process.execPath, [CLI, 'run', `${base}..${middle}`], { cwd: repo.dir, env: repo.env }),
      runAsync(process.execPath, [CLI, 'run', `${middle}..HEAD`], { cwd: repo.dir, env: repo.env }),
    ])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const files = treeFiles(repo, REF)
    expect(files).toEqual(
      commits
        .slice(2)
        .map((oid) => `s/${oid}.txt`)
        .sort(),
    )
    // 6 batches each (5 commits a batch), each one commit onto the one before: no publish replaced another's
    expect(repo.git(['rev-list', '--count', REF]).stdout.trim()).toBe('12')
    const runners = new Set(repo.git(['log', '--format=%b', REF]).stdout.match(/Runner: \S+/g))
    expect(runners.size).toBe(2)
    expect(listedOutputs(repo)).toEqual(files)
    expect(repo.git(['fsck', '--strict'], { allowFail: true }).code).toBe(0)
  })

  it('kill -9 mid-publish leaves the output ref at a whole commit, in step with the receipts; fsck clean; the next run finishes', async () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { debounce: { maxBatch: 20 }, jobs: { summary: { on: 'post-commit', template: 't/summary.liquid' } } }\n`,
    )
    repo.write('t/summary.liquid', SUMMARY)
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'config'])
    const commits = addCommits(repo, 200)
    const tipOf = () => repo.git(['rev-parse', '-q', '--verify', REF], { allowFail: true }).stdout.trim()
    let killedMidway = 0
    for (let round = 0; round < 3; round++) {
      const before = tipOf()
      const child = spawn(process.execPath, [CLI, 'run', '--all'], { cwd: repo.dir, env: repo.env, stdio: 'ignore' })
      let exited = false
      const closed = new Promise<number | null>((resolve) =>
        child.on('close', (code) => {
          exited = true
          resolve(code)
        }),
      )
      // Once the run has published a batch (the ref moved), kill it at a random point of the next ones.
      while (!exited && tipOf() === before) await new Promise((resolve) => setTimeout(resolve, 5))
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30))
      child.kill('SIGKILL')
      if ((await closed) === null) killedMidway++
      const tip = tipOf()
      if (tip !== '') {
        expect(repo.git(['cat-file', '-t', tip]).stdout.trim()).toBe('commit')
        // the ref only ever moves forward onto a commit built on the one before
        if (before !== '')
          expect(repo.git(['merge-base', '--is-ancestor', before, tip], { allowFail: true }).code).toBe(0)
      }
      // outputs and receipts moved together: the files on the ref are exactly those the receipts list
      expect(tip === '' ? [] : treeFiles(repo, REF)).toEqual(listedOutputs(repo))
      expect(repo.git(['fsck', '--strict'], { allowFail: true }).code).toBe(0)
    }
    expect(killedMidway).toBeGreaterThan(0)
    const last = await runAsync(process.execPath, [CLI, 'run', '--all'], { cwd: repo.dir, env: repo.env })
    expect(last.code, last.stderr).toBe(0)
    expect(treeFiles(repo, REF)).toEqual(commits.map((oid) => `s/${oid}.txt`).sort())
    expect(listedOutputs(repo)).toHaveLength(commits.length)
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
  })
})
