import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, makeRepo, removeTemp } from '../helpers/repo.js'
import { cmd, readLines, scratch, writeConfig } from './fixture.js'

afterAll(removeTemp)

describe('the pre-commit probe and the hook bundle', () => {
  it('answers a repeated commit without node, until the hook bundle beside the CLI changes: then node answers', () => {
    // A private copy of the build, so changing its hook bundle touches no other test.
    const build = path.join(scratch(), 'dist')
    cpSync(path.dirname(CLI), build, { recursive: true, verbatimSymlinks: true })
    const cli = path.join(build, 'cli.js')
    const log = path.join(scratch(), 'ran.log')
    const repo = makeRepo()
    writeConfig(
      repo,
      `export default { jobs: { gate: { on: 'pre-commit', run: ${cmd('sh', '-c', `echo ran >> '${log}'`)} } } }\n`,
    )
    const r = spawnSync(process.execPath, [cli, 'install'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const again = () =>
      repo.git(['commit', '-q', '--allow-empty', '-m', 'again'], { allowFail: true, env: { GITVAN_DEBUG: '1' } })
    expect(again().code).toBe(0)
    const second = again()
    expect(second.stderr).toContain('nothing to run') // the shim answered
    expect(readLines(log)).toEqual(['ran'])
    appendFileSync(path.join(build, 'hook/hook.js'), '\n// another build\n')
    const third = again()
    expect(third.code, third.stderr).toBe(0)
    // The shim no longer vouches for it: node runs the hook (and answers from its own entry).
    expect(third.stderr).not.toContain('nothing to run')
    expect(third.stderr).toContain("job 'gate': ok (cached)")
  })
})
