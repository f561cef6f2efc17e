// No process outlives the gate that started it: a real git commit, real sleeps, looked up in /proc.
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { gateRepo } from './fixture.js'

afterAll(removeTemp)

/** Live (not zombie) processes whose argv is exactly `argv`. */
function running(argv: readonly string[]): number[] {
  const wanted = `${argv.join('\0')}\0`
  const found: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') !== wanted) continue
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(name))
    } catch {
      // gone
    }
  }
  return found
}

// Durations no other process on the machine uses, so the lookup finds only these sleeps.
const seconds = () => String(100_000 + Math.floor(Math.random() * 800_000))

describe.runIf(process.platform === 'linux')('processes a gate started', () => {
  it('a timed-out sleep pair leaves no process, the one started with setsid included', () => {
    const [a, b] = [seconds(), seconds()]
    const repo = gateRepo(
      `export default { jobs: { pair: { on: 'pre-commit', timeout: '1s', run: ${JSON.stringify(`sh -c 'sleep ${a} & setsid sleep ${b} & wait'`)} } } }\n`,
    )
    repo.write('a.txt', 'a\n')
    const r = repo.commit('times out')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("job 'pair'")
    expect(r.stderr).toMatch(/timed out|timeout/)
    expect(running(['sleep', a])).toEqual([])
    expect(running(['sleep', b])).toEqual([])
  })

  it('a background child of a gate that passed does not outlive it', () => {
    const c = seconds()
    const repo = gateRepo(
      `export default { jobs: { bg: { on: 'pre-commit', run: ${JSON.stringify(`sh -c 'sleep ${c} >/dev/null 2>&1 & exit 0'`)} } } }\n`,
    )
    repo.write('a.txt', 'a\n')
    const r = repo.commit('passes')
    expect(r.code, r.stderr).toBe(0)
    expect(running(['sleep', c])).toEqual([])
  })
})
