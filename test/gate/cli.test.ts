import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, makeRepo, removeTemp } from '../helpers/repo.js'
import { gone, isRunning } from '../job/fixture.js'
import { append, gateRepo, readLines, scratch, writeConfig } from './fixture.js'

afterAll(removeTemp)

describe('gitvan hook', () => {
  it('does nothing with GITVAN=0 or HUSKY=0, not even load a config that would throw', () => {
    const repo = makeRepo()
    writeConfig(repo, "throw new Error('this config must not be loaded')\n")
    // CI set: the checked-out config is loaded without approval (and throws).
    const plain = repo.gitvan(['hook', 'pre-commit'], { env: { CI: '1' } })
    expect(plain.code).toBe(2)
    expect(plain.stderr).toContain('this config must not be loaded')
    for (const env of [{ GITVAN: '0' }, { HUSKY: '0' }]) {
      expect(repo.gitvan(['hook', 'pre-commit'], { env })).toEqual({ code: 0, stdout: '', stderr: '' })
    }
  })

  it('exits 2 on an invalid config, and git refuses the commit', () => {
    const log = path.join(scratch(), 'ran.log')
    const repo = gateRepo(`export default { jobs: { ok: { on: 'pre-commit', run: ${append(log, 'ran')} } } }\n`)
    repo.write('gitvan.config.mjs', "export default { jobs: { lint: { on: 'pre-comit', run: 'true' } } }\n")
    const direct = repo.gitvan(['hook', 'pre-commit'], { env: { CI: '1' } })
    expect(direct.code).toBe(2)
    expect(direct.stderr).toContain("'pre-comit'")
    expect(direct.stderr).toContain('GITVAN=0')
    const commit = repo.commit('with a broken config', { env: { CI: '1' } })
    expect(commit.code).not.toBe(0)
    expect(commit.stderr).toContain("'pre-comit'")
    // Without CI the changed config is not even loaded; approving it says what is wrong.
    expect(repo.commit('with a broken config').stderr).toContain('gitvan.config.mjs changed')
    expect(repo.gitvan(['trust']).stderr).toContain("'pre-comit'")
    expect(readLines(log)).toEqual([])
  })

  it('exits 1 when a gate fails and 0 when it passes, printing nothing on success', () => {
    const repo = gateRepo("export default { jobs: { gate: { on: 'pre-commit', run: 'test -e pass' } } }\n")
    expect(repo.gitvan(['hook', 'pre-commit']).code).toBe(1)
    repo.write('pass', '')
    expect(repo.gitvan(['hook', 'pre-commit'])).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('exits 0 at once, silently, when the hook has no jobs', () => {
    const repo = gateRepo("export default { jobs: { msg: { on: 'commit-msg', run: 'false' } } }\n")
    expect(repo.gitvan(['hook', 'pre-commit'])).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(repo.gitvan(['hook', 'pre-push'], { input: 'refs/heads/main 1 refs/heads/main 2\n' })).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    })
  })

  it('adds the shims a config needs from inside a hook and says what it changed', () => {
    const log = path.join(scratch(), 'msg.log')
    const v1 = "export default { jobs: { quick: { on: 'pre-commit', run: 'true' } } }\n"
    const v2 = `export default { jobs: { quick: { on: 'pre-commit', run: 'true' }, msg: { on: 'commit-msg', run: ${append(log, 'msg ran')} } } }\n`
    // v2 was approved before (on another branch, say); then v1 was installed, without commit-msg.
    const repo = gateRepo(v2)
    repo.write('gitvan.config.mjs', v1)
    expect(repo.gitvan(['install']).stdout).toContain('commit-msg: removed')
    repo.write('gitvan.config.mjs', v2)
    repo.write('a.txt', 'a\n')
    const r = repo.commit('adds a commit-msg job')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/gitvan: the config changed the hooks: commit-msg: installed .*commit-msg/)
    expect(readLines(log)).toEqual(['msg ran']) // the new shim ran in the same commit
    expect(repo.commit('again', { allowEmpty: true }).stderr).toBe('')
  })

  it('says what ran with GITVAN_DEBUG=1', () => {
    const repo = gateRepo(
      "export default { jobs: { quick: { on: 'pre-commit', run: 'true' }, other: { on: { hook: 'pre-commit', paths: '*.none' }, run: 'true' } } }\n",
    )
    const r = repo.gitvan(['hook', 'pre-commit'], { env: { GITVAN_DEBUG: '1' } })
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/pre-commit: job 'quick': ok in \d+ ms/)
    expect(r.stderr).toContain('1 of 2 jobs matched')
  })

  it('refuses unknown hooks with a suggestion and has its own --help', () => {
    const repo = gateRepo("export default { jobs: { quick: { on: 'pre-commit', run: 'true' } } }\n")
    const typo = repo.gitvan(['hook', 'pre-comit'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain("did you mean 'pre-commit'?")
    expect(repo.gitvan(['hook']).code).toBe(2)
    const help = repo.gitvan(['hook', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('gitvan hook <name> [args...]')
    expect(help.stdout).toContain('pre-push')
  })

  it('on Ctrl-C stops the jobs, their children included, and exits 130', async () => {
    const pidFile = path.join(scratch(), 'grandchild.pid')
    const repo = gateRepo(
      `export default { jobs: { hang: { on: 'pre-commit', run: ${JSON.stringify(`sh -c 'sleep 100 & echo $! > "${pidFile}"; wait'`)} } } }\n`,
    )
    const child = spawn(process.execPath, [CLI, 'hook', 'pre-commit'], {
      cwd: repo.dir,
      env: repo.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '')
      await new Promise((resolve) => setTimeout(resolve, 20))
    const grandchild = Number(readFileSync(pidFile, 'utf8'))
    expect(isRunning(grandchild)).toBe(true)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toContain('pre-commit: interrupted; the jobs were stopped.')
    expect(await gone(grandchild)).toBe(true)
  })
})
