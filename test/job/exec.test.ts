import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { execArgv } from '../../src/job/exec.js'
import { gone, isRunning } from './fixture.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-exec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const base = { cwd: dir, env: process.env }

describe('execArgv', () => {
  it('runs without a shell and reports the exit code', async () => {
    const r = await execArgv(['sh', '-c', 'echo out; echo err >&2; exit 3', 'ignored'], base)
    expect(r).toMatchObject({ code: 3, signal: null, timedOut: false, aborted: false })
    expect(r.log).toContain('out\n')
    expect(r.log).toContain('err\n')
    const literal = await execArgv(['echo', '$HOME', '|', 'cat', '>', 'x'], base)
    expect(literal.log).toBe('$HOME | cat > x\n')
  })

  it('runs in the given directory with the given environment and stdin', async () => {
    const r = await execArgv(['sh', '-c', 'pwd; echo "$GITVAN_JOB"; cat'], {
      ...base,
      env: { ...process.env, GITVAN_JOB: 'lint' },
      stdin: 'from stdin\n',
    })
    expect(r.log).toBe(`${dir}\nlint\nfrom stdin\n`)
  })

  it('says which program is missing and that there is no shell', async () => {
    const r = await execArgv(['no-such-program-gitvan', 'x'], base)
    expect(r.code).toBeNull()
    expect(r.error?.code).toBe('ENOENT')
    expect(r.error?.message).toContain("'no-such-program-gitvan' not found")
    expect(r.error?.message).toContain('without a shell')
  })

  it('tells a program whose #! interpreter is missing from a missing program', async () => {
    const script = path.join(dir, 'needs-interpreter')
    writeFileSync(script, '#!/nonexistent/gitvan-interpreter\necho never\n')
    chmodSync(script, 0o755)
    const byPath = await execArgv(['./needs-interpreter'], base)
    expect(byPath.error).toEqual({
      code: 'NO_INTERPRETER',
      message: `program './needs-interpreter' (${script}) could not be started: its first line '#!/nonexistent/gitvan-interpreter' names a program that is not installed or not on PATH`,
    })
    const onPath = await execArgv(['needs-interpreter'], { ...base, env: { ...process.env, PATH: dir } })
    expect(onPath.error?.code).toBe('NO_INTERPRETER')
    expect(onPath.error?.message).toContain(`(${script})`)
  })

  it('keeps only the end of a long output', async () => {
    const r = await execArgv(['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done'], {
      ...base,
      logLimit: 1000,
    })
    expect(r.log).toMatch(/^\[gitvan: \d+ earlier bytes of output dropped\]\n/)
    expect(r.log).toContain('line 2999\n')
    expect(r.log).not.toContain('line 10\n')
  })

  it('on timeout kills the whole process group, grandchildren included', async () => {
    const pidFile = path.join(dir, 'grandchild.pid')
    const r = await execArgv(['sh', '-c', `sleep 100 & echo $! > "${pidFile}"; echo started; wait`], {
      ...base,
      timeoutMs: 500,
    })
    expect(r.timedOut).toBe(true)
    expect(r.signal).toBe('SIGTERM')
    expect(r.log).toBe('started\n')
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(pid).toBeGreaterThan(0)
    expect(await gone(pid)).toBe(true)
  })

  it('kills with SIGKILL what ignores SIGTERM', async () => {
    const pidFile = path.join(dir, 'stubborn.pid')
    // An ignored signal stays ignored across fork and exec, so the sleep ignores SIGTERM too.
    const r = await execArgv(['sh', '-c', `trap '' TERM; sleep 100 & echo $! > "${pidFile}"; wait`], {
      ...base,
      timeoutMs: 300,
    })
    expect(r.timedOut).toBe(true)
    expect(r.signal).toBe('SIGKILL')
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true)
  })

  it('on abort kills the group and says it was aborted', async () => {
    const pidFile = path.join(dir, 'aborted.pid')
    const controller = new AbortController()
    const running = execArgv(['sh', '-c', `sleep 100 & echo $! > "${pidFile}"; echo ready; wait`], {
      ...base,
      signal: controller.signal,
    })
    // Abort once the grandchild exists: its pid file is written before "ready".
    while (!readFileSafe(pidFile)) await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort()
    const r = await running
    expect(r).toMatchObject({ aborted: true, timedOut: false })
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true)
  })

  it('does not wait for a background process that keeps the pipes open, and ends it', async () => {
    const pidFile = path.join(dir, 'daemon.pid')
    const r = await execArgv(['sh', '-c', `sleep 30 & echo $! > "${pidFile}"; echo done`], base)
    expect(r).toMatchObject({ code: 0, timedOut: false })
    expect(r.log).toBe('done\n')
    expect(isRunning(Number(readFileSync(pidFile, 'utf8')))).toBe(false)
  })

  it('ends the group of a program that exited by itself, ok or not: SIGTERM, then SIGKILL', async () => {
    const pidFile = path.join(dir, 'left.pid')
    for (const [script, code] of [
      [`sleep 100 >/dev/null 2>&1 & echo $! > "${pidFile}"`, 0],
      [`sleep 100 >/dev/null 2>&1 & echo $! > "${pidFile}"; exit 4`, 4],
      [`trap '' TERM; sleep 100 >/dev/null 2>&1 & echo $! > "${pidFile}"`, 0],
    ] as const) {
      const r = await execArgv(['sh', '-c', script], base)
      expect(r.code, script).toBe(code)
      // Checked at once: the outcome is reported only after the leftovers are gone.
      expect(isRunning(Number(readFileSync(pidFile, 'utf8'))), script).toBe(false)
    }
  })

  it.runIf(process.platform === 'linux')(
    'on timeout ends a sleep pair, the one that left the group with setsid too',
    async () => {
      const pids = path.join(dir, 'pair.pids')
      const r = await execArgv(
        ['sh', '-c', `sleep 100 & echo $! > "${pids}"; setsid sleep 100 & echo $! >> "${pids}"; wait`],
        { ...base, timeoutMs: 300 },
      )
      expect(r.timedOut).toBe(true)
      const [inGroup, own] = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
      expect(inGroup).toBeGreaterThan(0)
      expect(own).toBeGreaterThan(0)
      expect(isRunning(inGroup as number)).toBe(false)
      expect(isRunning(own as number)).toBe(false)
    },
  )
})

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return ''
  }
}
