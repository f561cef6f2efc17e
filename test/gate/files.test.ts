import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

/** Commits one staged file with the gate of `job`, and returns the git commands the commit ran (GIT_TRACE). */
function traceCommit(job: string): { code: number; gitCommands: string[]; out: string } {
  const repo: TestRepo = makeRepo()
  const out = path.join(repo.dir, '.git', 'gate.out')
  repo.write('gitvan.config.mjs', `export default { jobs: { gate: ${job} } }\n`)
  repo.git(['add', '-A'])
  repo.git(['commit', '-qm', 'config'])
  expect(repo.gitvan(['install']).code).toBe(0)
  repo.write('a file.txt', 'a\n')
  repo.git(['add', '-A'])
  const trace = path.join(repo.dir, '.git', 'trace.log')
  const r = repo.git(['commit', '-qm', 'x'], { env: { GIT_TRACE: trace, GATE_OUT: out }, allowFail: true })
  const gitCommands = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => line.includes('trace: built-in: git'))
    .map((line) => line.replace(/^.*trace: built-in: /, ''))
  let written = ''
  try {
    written = readFileSync(out, 'utf8')
  } catch {}
  return { code: r.code, gitCommands, out: written }
}

describe('staged paths in pre-commit', () => {
  it('are not listed for a command that uses neither paths nor {files}', () => {
    const r = traceCommit(`{ on: 'pre-commit', run: 'true' }`)
    expect(r.code).toBe(0)
    expect(r.gitCommands.some((c) => c.startsWith('git commit'))).toBe(true)
    expect(r.gitCommands.filter((c) => c.includes('diff') && c.includes('--cached'))).toEqual([])
  })

  it('are listed and delivered for a command with {files}', () => {
    const r = traceCommit(
      `{ on: 'pre-commit', run: 'node -e "require(\\'fs\\').writeFileSync(process.env.GATE_OUT, JSON.stringify(process.argv.slice(1)))" {files}' }`,
    )
    expect(r.code).toBe(0)
    expect(r.gitCommands.filter((c) => c.includes('diff') && c.includes('--cached'))).toHaveLength(1)
    expect(JSON.parse(r.out)).toEqual(['a file.txt'])
  })

  it('are listed for a function job, which reads them as ctx.files', () => {
    const r = traceCommit(
      `{ on: 'pre-commit', run: async (ctx) => { (await import('node:fs')).writeFileSync(process.env.GATE_OUT, JSON.stringify(ctx.files)) } }`,
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toEqual(['a file.txt'])
  })
})
