// A branch name is data written by whoever pushed it: git accepts `$(…)`, backticks and `;` in it.
// These tests commit on such a branch and check that no placeholder ever reaches a shell as code.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp, type TestRepo } from '../helpers/repo.js'
import { argvRecorder, cmd, gateRepo, scratch, writeConfig } from './fixture.js'

afterAll(removeTemp)

const HOSTILE = 'x`touch${IFS}pwned1`$(touch${IFS}pwned2);touch${IFS}pwned3'

/** Every file named pwned* under the given directories (the job runs at the repository root). */
const pwned = (...dirs: readonly string[]): string[] =>
  dirs.flatMap((dir) => readdirSync(dir).filter((name) => name.startsWith('pwned')))

function onHostileBranch(repo: TestRepo): void {
  expect(repo.git(['check-ref-format', '--branch', HOSTILE]).stdout.trim()).toBe(HOSTILE)
  repo.git(['switch', '-q', '-c', HOSTILE])
}

describe('a branch named with $(…), backticks and ;', () => {
  it('runs nothing when a config puts {branch} inside a shell script: a config error, by job and key', () => {
    const dir = scratch()
    const out = path.join(dir, 'out')
    const safe = cmd(process.execPath, '-e', 'process.exit(0)')
    const repo = gateRepo(`export default { jobs: { echo: { on: 'pre-commit', run: ${safe} } } }\n`)
    const unsafe = `sh -c "echo branch is {branch} >> ${out}"`
    writeConfig(
      repo,
      `export default { jobs: {
        echo: { on: 'pre-commit', run: ${JSON.stringify(unsafe)} },
        later: { on: 'post-commit', run: ${JSON.stringify(unsafe)} },
      } }\n`,
    )
    onHostileBranch(repo)

    repo.write('a.txt', 'a\n')
    const before = repo.rev('HEAD')
    const commit = repo.commit('on a hostile branch')
    expect(commit.code).not.toBe(0)
    expect(repo.rev('HEAD')).toBe(before)

    const run = repo.gitvan(['run', '--all'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('jobs.echo.run: {branch} inside the argument')
    expect(run.stderr).toContain('jobs.later.run: {branch} inside the argument')
    expect(run.stderr).toContain('"$GITVAN_BRANCH"')
    const install = repo.gitvan(['install'])
    expect(install.code).toBe(2)
    expect(install.stderr).toContain('jobs.echo.run')

    expect(existsSync(out)).toBe(false)
    expect(pwned(repo.dir, dir)).toEqual([])
  })

  it('reaches the job as one intact argument and through $GITVAN_BRANCH, and runs nothing', () => {
    const dir = scratch()
    const rec = argvRecorder(dir)
    const out = path.join(dir, 'out')
    const repo = gateRepo(
      `export default { jobs: {
        record: { on: 'pre-commit', run: ${cmd(process.execPath, rec.script, rec.out, '{branch}', '--ref={branch}')} },
        shell: { on: 'pre-commit', run: ${JSON.stringify(`sh -c 'echo "branch is $GITVAN_BRANCH" >> ${out}; echo "and $1" >> ${out}' sh {branch}`)} },
      } }\n`,
    )
    onHostileBranch(repo)
    repo.write('a.txt', 'a\n')
    const commit = repo.commit('on a hostile branch')
    expect(commit.code, commit.stderr).toBe(0)
    expect(rec.calls()).toEqual([[HOSTILE, `--ref=${HOSTILE}`]])
    expect(readFileSync(out, 'utf8')).toBe(`branch is ${HOSTILE}\nand ${HOSTILE}\n`)
    expect(pwned(repo.dir, dir)).toEqual([])
  })
})
