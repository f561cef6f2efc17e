/**
 * Trust (DESIGN 5): a hook runs a config only as it was approved by `gitvan install` or `gitvan
 * trust`; a changed one is not even imported. CI and `gitvan run` run the checked-out config.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'
import { append, gateRepo, readLines, scratch } from './fixture.js'

afterAll(removeTemp)

/** A config whose evaluation leaves a mark in `imported`, with one pre-commit gate appending `line` to `ran`. */
const config = (imported: string, ran: string, line: string): string =>
  `import { appendFileSync } from 'node:fs'
appendFileSync(${JSON.stringify(imported)}, ${JSON.stringify(`${line}\n`)})
export default { jobs: { gate: { on: 'pre-commit', run: ${append(ran, line)} } } }
`

describe('trust', () => {
  it('does not import or run a changed config, names what changed and gitvan trust; after gitvan trust it runs', () => {
    const dir = scratch()
    const imported = path.join(dir, 'imported.log')
    const ran = path.join(dir, 'ran.log')
    const repo = gateRepo(config(imported, ran, 'v1'))
    repo.write('a.txt', 'a\n')
    expect(repo.commit('a').code).toBe(0)
    expect(readLines(ran)).toEqual(['v1'])

    repo.write('gitvan.config.mjs', config(imported, ran, 'v2'))
    const refused = repo.commit('b')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('the config changed since it was approved')
    expect(refused.stderr).toContain('gitvan.config.mjs changed')
    expect(refused.stderr).toContain("'gitvan trust'")
    expect(refused.stderr).toContain('GITVAN=0')
    expect(readLines(ran)).toEqual(['v1'])
    expect(readLines(imported)).not.toContain('v2')

    const show = repo.gitvan(['trust', '--show'])
    expect(show.code).toBe(0)
    expect(show.stdout).toContain('gitvan.config.mjs changed')
    expect(show.stdout).toMatch(/^-export default .*v1/m)
    expect(show.stdout).toMatch(/^\+export default .*v2/m)
    expect(readLines(imported)).not.toContain('v2') // --show imports nothing

    const trusted = repo.gitvan(['trust'])
    expect(trusted.code, trusted.stderr).toBe(0)
    expect(trusted.stdout).toContain('approved: gitvan.config.mjs')
    expect(repo.gitvan(['trust', '--show']).stdout).toContain('as it was approved')
    expect(repo.commit('b').code).toBe(0)
    expect(readLines(ran)).toEqual(['v1', 'v2'])
  })

  it('covers the modules the config imports from the repository and the files under jobs/', () => {
    const ran = path.join(scratch(), 'ran.log')
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      "import { line } from './tools/line.mjs'\nexport default { jobs: { gate: { on: 'pre-commit', run: line } } }\n",
    )
    repo.write('tools/line.mjs', `export const line = ${append(ran, 'helper v1')}\n`)
    expect(repo.gitvan(['install']).code).toBe(0)
    expect(repo.commit('first').code).toBe(0)
    expect(readLines(ran)).toEqual(['helper v1'])

    repo.write('tools/line.mjs', `export const line = ${append(ran, 'helper v2')}\n`)
    const refused = repo.commit('second', { allowEmpty: true })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('tools/line.mjs changed')
    expect(readLines(ran)).toEqual(['helper v1'])
    expect(repo.gitvan(['trust']).code).toBe(0)

    repo.write('jobs/extra.mjs', `export default { on: 'pre-commit', run: ${append(ran, 'extra')} }\n`)
    const withJob = repo.commit('third')
    expect(withJob.code).not.toBe(0)
    expect(withJob.stderr).toContain('jobs/extra.mjs is new')
    expect(repo.gitvan(['trust']).code).toBe(0)
    expect(repo.commit('third').code).toBe(0)
    expect(readLines(ran).sort()).toEqual(['extra', 'helper v1', 'helper v2'])
  })

  it('runs the checked-out config with CI set and in gitvan run', () => {
    const dir = scratch()
    const ran = path.join(dir, 'ran.log')
    const repo = gateRepo(
      `export default { jobs: { gate: { on: 'pre-commit', run: ${append(ran, 'v1')} }, note: { on: 'post-commit', run: ${append(ran, 'note v1')} } } }\n`,
    )
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { gate: { on: 'pre-commit', run: ${append(ran, 'v2')} }, note: { on: 'post-commit', run: ${append(ran, 'note v2')} } } }\n`,
    )
    expect(repo.commit('in CI', { env: { CI: '1' } }).code).toBe(0)
    expect(readLines(ran)).toContain('v2')
    expect(readLines(ran)).toContain('note v2') // CI: the async job ran in the foreground
    const run = repo.gitvan(['run', 'HEAD~1..HEAD', '--force', '--no-cache'])
    expect(run.code, run.stderr).toBe(0)
    expect(readLines(ran).filter((line) => line === 'note v2')).toHaveLength(2)
  })

  it('keeps async events in the spool until the config is approved, then the runner takes them', async () => {
    const ran = path.join(scratch(), 'ran.log')
    const repo = gateRepo(`export default { jobs: { note: { on: 'post-commit', run: ${append(ran, 'v1')} } } }\n`)
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { note: { on: 'post-commit', run: ${append(ran, 'v2')} } } }\n`,
    )
    expect(repo.commit('changed config').code).toBe(0)
    const head = repo.rev('HEAD')
    const log = path.join(repo.dir, '.git/gitvan/runner.log')
    // The runner started, found the config unapproved and left the event where it was.
    await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('events stay in the spool'))
    expect(readFileSync(log, 'utf8')).toContain('gitvan trust')
    await until(() => JSON.parse(repo.gitvan(['status', '--json']).stdout).runner.alive === false)
    expect(JSON.parse(repo.gitvan(['status', '--json']).stdout).spool).toBe(1)
    expect(readLines(ran)).toEqual([])

    const trusted = repo.gitvan(['trust'])
    expect(trusted.code, trusted.stderr).toBe(0)
    expect(trusted.stdout).toContain('the runner takes the events')
    await until(() => repo.git(['notes', '--ref=gitvan/results', 'list'], { allowFail: true }).stdout.includes(head))
    expect(readLines(ran)).toEqual(['v2'])
  })

  it('refuses a blocking hook in a clone where nothing was approved', () => {
    const ran = path.join(scratch(), 'ran.log')
    const repo = gateRepo(`export default { jobs: { gate: { on: 'pre-commit', run: ${append(ran, 'ran')} } } }\n`)
    // As in a clone whose shims were installed by an older gitvan: no approval recorded.
    repo.write('.git/gitvan/trust', '')
    const refused = repo.commit('y', { allowEmpty: true })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('never approved in this clone')
    expect(readLines(ran)).toEqual([])
  })
})

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
