import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { cmd, gateRepo, scratch } from './fixture.js'

afterAll(removeTemp)

/** A gate script that prints two lines (the second without a newline) and exits with `code`. */
function talker(dir: string, name: string, code: number): string {
  const file = path.join(dir, `${name}.mjs`)
  writeFileSync(
    file,
    `process.stdout.write('${name} says hello\\n'); process.stderr.write('colour ' + (process.env.FORCE_COLOR ?? 'unset')); process.exit(${code})\n`,
  )
  return cmd(process.execPath, file)
}

describe('gate output', () => {
  it('streams each gate’s output as it comes, prefixed with its job, and does not repeat it on failure', () => {
    const dir = scratch()
    const repo = gateRepo(`export default { jobs: {
      quiet: { on: 'pre-commit', run: ${talker(dir, 'quiet', 0)} },
      loud: { on: 'pre-commit', run: ${talker(dir, 'loud', 1)}, priority: -1 },
    } }`)
    repo.write('a.txt', 'a\n')
    const r = repo.commit('talk')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('[quiet] quiet says hello\n')
    expect(r.stderr).toContain('[quiet] colour unset\n') // not a terminal: no colour forced, no status lines
    expect(r.stderr).toContain('[loud] loud says hello\n')
    expect(r.stderr.split('loud says hello')).toHaveLength(2) // once
    expect(r.stderr).toContain("job 'loud' failed")
    expect(r.stderr).not.toContain("job 'quiet': ok")
  })

  it('on a terminal: colour is forced for the tools and each gate gets a status line', () => {
    const dir = scratch()
    const repo = gateRepo(`export default { jobs: { quiet: { on: 'pre-commit', run: ${talker(dir, 'quiet', 0)} } } }`)
    repo.write('a.txt', 'a\n')
    repo.git(['add', 'a.txt'])
    // script(1) gives git a pseudo-terminal, as an interactive shell would.
    const r = spawnSync('script', ['-qec', 'git commit -q -m tty', '/dev/null'], {
      cwd: repo.dir,
      env: repo.env,
      encoding: 'utf8',
    })
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toContain('[quiet] colour 1')
    expect(r.stdout).toMatch(/gitvan: pre-commit: job 'quiet': ok in \d+ ms/)
  })
})
