import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runJob } from '../../src/job/run.js'
import { makeRepo, removeTemp } from '../helpers/repo.js'
import { gone, makeInput, makeJob, NODE } from './fixture.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-run-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  removeTemp()
})
const input = makeInput(dir)
const noWait = { sleep: async () => {}, random: () => 0 }

/** A node script that prints its argv (after the script path) as JSON. */
const argvScript = path.join(dir, 'argv.mjs')
writeFileSync(argvScript, 'console.log(JSON.stringify(process.argv.slice(2)))\n')

describe('runJob: commands', () => {
  it('runs a command and passes files, commit and branch as argv and GITVAN_* variables', async () => {
    const job = makeJob({ id: 'args', run: `${NODE} ${argvScript} {commit} {branch} {files}` })
    const r = await runJob(job, { ...input, commit: 'c0ffee', files: ['a b.ts', '-x'] })
    expect(r).toMatchObject({ job: 'args', status: 'ok', attempts: 1, outputs: [] })
    expect(JSON.parse(r.log)).toEqual(['c0ffee', 'main', 'a b.ts', '-x'])
    const env = await runJob(
      makeJob({ id: 'env', run: 'sh -c \'echo "$GITVAN_JOB $GITVAN_HOOK $GITVAN_COMMIT $GITVAN_BRANCH"\'' }),
      { ...input, commit: 'c0ffee' },
    )
    expect(env.log).toBe('env pre-commit c0ffee main\n')
  })

  it('fails with the exit code and keeps the output', async () => {
    const r = await runJob(makeJob({ id: 'bad', run: "sh -c 'echo broken >&2; exit 7'" }), input)
    expect(r.status).toBe('failed')
    expect(r.error).toEqual({ code: 'EXIT', message: "'sh' exited with code 7" })
    expect(r.log).toBe('broken\n')
  })

  it('fails clearly when the program does not exist', async () => {
    const r = await runJob(makeJob({ id: 'missing', run: 'eslint-not-installed {files}' }), {
      ...input,
      files: ['a.ts'],
    })
    expect(r.status).toBe('failed')
    expect(r.error?.message).toContain("'eslint-not-installed' not found")
  })

  it('runs once per chunk when the files do not fit one argv, and every file arrives once', async () => {
    const out = path.join(dir, 'chunks.jsonl')
    const script = path.join(dir, 'append.mjs')
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs'\nappendFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)) + '\\n')\n`,
    )
    const files = Array.from({ length: 3000 }, (_, i) => `${'long-directory-name/'.repeat(4)}file number ${i} ✓.ts`)
    const r = await runJob(makeJob({ id: 'chunks', run: `${NODE} ${script} {files}` }), { ...input, files })
    expect(r.status).toBe('ok')
    const calls = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[])
    expect(calls.length).toBeGreaterThan(1)
    expect(calls.flat()).toEqual(files)
  })

  it('runs every chunk even after one fails, and fails saying which', async () => {
    const out = path.join(dir, 'chunkfail.jsonl')
    const script = path.join(dir, 'fail-on-bad.mjs')
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs'\nconst args = process.argv.slice(2)\nappendFileSync(${JSON.stringify(out)}, JSON.stringify(args) + '\\n')\nprocess.exit(args.includes('bad') ? 1 : 0)\n`,
    )
    const files = Array.from({ length: 3000 }, (_, i) => (i === 2000 ? 'bad' : `${'x'.repeat(100)}-${i}`))
    const r = await runJob(makeJob({ id: 'chunkfail', run: `${NODE} ${script} {files}` }), { ...input, files })
    const calls = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[])
    expect(calls.length).toBeGreaterThan(2)
    expect(calls.flat()).toEqual(files)
    const failing = calls.findIndex((call) => call.includes('bad'))
    expect(failing).toBeGreaterThan(0)
    expect(r.status).toBe('failed')
    expect(r.error?.message).toBe(
      `'${process.execPath}' exited with code 1 (invocation ${failing + 1} of ${calls.length}, split to fit {files} in argv)`,
    )

    const all = await runJob(makeJob({ id: 'allfail', run: 'false {files}' }), { ...input, files })
    expect(all.error?.message).toMatch(
      /^'false' exited with code 1 \(invocation 1 of (\d+), split to fit \{files\} in argv\); \1 of \1 invocations failed$/,
    )
  })

  it('reports a malformed command without retrying it', async () => {
    const r = await runJob(makeJob({ id: 'quote', run: "echo 'open", retries: 3 }), input, noWait)
    expect(r).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'BAD_COMMAND' } })
    expect(r.error?.message).toContain("job 'quote'")
  })

  it('times out, killing the command with its children', async () => {
    const pidFile = path.join(dir, 'timeout.pid')
    const job = makeJob({ id: 'slow', timeoutMs: 400, run: `sh -c 'sleep 100 & echo $! > "${pidFile}"; wait'` })
    const r = await runJob(job, input)
    expect(r).toMatchObject({ status: 'timeout', error: { code: 'TIMEOUT', message: 'timed out after 400ms' } })
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true)
  })

  it('is cancelled by the caller', async () => {
    const controller = new AbortController()
    const running = runJob(makeJob({ id: 'cancel', run: 'sleep 100' }), input, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    expect(await running).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } })
  })

  it('gives the command the hook stdin', async () => {
    const r = await runJob(makeJob({ id: 'stdin', run: 'cat' }), {
      ...input,
      stdin: 'refs/heads/main abc refs/heads/main def\n',
    })
    expect(r.log).toBe('refs/heads/main abc refs/heads/main def\n')
  })

  it('does not run a {files} command with no files', async () => {
    const r = await runJob(makeJob({ id: 'nofiles', run: 'false {files}' }), input)
    expect(r.status).toBe('ok')
    expect(r.log).toContain('not run')
  })
})

describe('runJob: retries', () => {
  it('retries a failing command with growing backoff until it passes', async () => {
    const counter = path.join(dir, 'counter')
    writeFileSync(counter, '')
    // Fails twice, then passes: each attempt appends one line and checks how many there are.
    const job = makeJob({
      id: 'flaky',
      retries: 3,
      run: `sh -c 'echo x >> "${counter}"; [ $(wc -l < "${counter}") -ge 3 ]'`,
    })
    const waits: number[] = []
    const r = await runJob(job, input, { sleep: async (ms) => void waits.push(ms), random: () => 0.5 })
    expect(r).toMatchObject({ status: 'ok', attempts: 3 })
    expect(waits).toEqual([125, 250])
    expect(r.log).toContain('attempt 2 of 4')
    expect(r.log).toContain('attempt 3 of 4')
  })

  it('gives up after its retries and reports the last failure', async () => {
    const waits: number[] = []
    const r = await runJob(makeJob({ id: 'never', retries: 2, run: 'false' }), input, {
      sleep: async (ms) => void waits.push(ms),
      random: () => 0,
    })
    expect(r).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'EXIT' } })
    expect(waits).toEqual([100, 200])
  })

  it('does not retry after a cancel', async () => {
    const controller = new AbortController()
    let attempts = 0
    const job = makeJob({
      id: 'cancelretry',
      retries: 5,
      run: () => {
        attempts++
        controller.abort()
        throw new Error('boom')
      },
    })
    const r = await runJob(job, input, { ...noWait, signal: controller.signal })
    expect(r.status).toBe('cancelled')
    expect(attempts).toBe(1)
  })

  it('measures the whole run with the injected clock', async () => {
    let t = 1000
    const r = await runJob(
      makeJob({
        id: 'clock',
        run: () => {
          t += 42
        },
      }),
      input,
      { now: () => t },
    )
    expect(r.ms).toBe(42)
  })
})

describe('runJob: functions', () => {
  it('passes a context and returns the value as data', async () => {
    const repo = makeRepo()
    const head = repo.rev('HEAD')
    const job = makeJob({
      id: 'fn',
      run: async (ctx) => {
        ctx.log('checking', ctx.files.length, 'files')
        const commit = await ctx.git.commit('HEAD')
        const listed = await ctx.exec('git', ['ls-files'])
        return {
          job: ctx.job,
          hook: ctx.hook,
          files: ctx.files,
          subject: commit.subject,
          oid: commit.oid,
          listed: listed.stdout.trim(),
          aborted: ctx.signal.aborted,
        }
      },
    })
    const r = await runJob(job, makeInput(repo.dir, { commit: head, files: ['README.md'], env: repo.env }))
    expect(r.status).toBe('ok')
    expect(r.data).toEqual({
      job: 'fn',
      hook: 'pre-commit',
      files: ['README.md'],
      subject: 'initial',
      oid: head,
      listed: 'README.md',
      aborted: false,
    })
    expect(r.log).toContain('checking 1 files\n')
    expect(r.log).toContain('$ git ls-files\n')
  })

  it('turns a throw into a failed result with message and code', async () => {
    const plain = await runJob(
      makeJob({
        id: 'throws',
        run: () => {
          throw new Error('config is wrong')
        },
      }),
      input,
    )
    expect(plain).toMatchObject({ status: 'failed', error: { message: 'config is wrong', code: 'THREW' } })
    expect(plain.log).toContain('config is wrong')
    const coded = await runJob(
      makeJob({
        id: 'coded',
        run: async () => {
          throw Object.assign(new Error('nope'), { code: 'E_NOPE' })
        },
      }),
      input,
    )
    expect(coded.error).toEqual({ message: 'nope', code: 'E_NOPE' })
    const odd = await runJob(
      makeJob({
        id: 'odd',
        run: () => {
          throw 'a string'
        },
      }),
      input,
    )
    expect(odd.error).toEqual({ message: 'a string', code: 'THREW' })
  })

  it('refuses data that is not JSON and says where', async () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const cases: ReadonlyArray<readonly [unknown, RegExp]> = [
      [{ items: [1, () => 2] }, /data\.items\[1\]: a function/],
      [cyclic, /data\.self: refers back to itself/],
      [{ n: Number.NaN }, /data\.n: NaN/],
      [10n, /data: a bigint/],
      [new Map(), /data: a Map is not a plain object/],
    ]
    for (const [value, message] of cases) {
      const r = await runJob(makeJob({ id: 'json', run: () => value }), input)
      expect(r.status).toBe('failed')
      expect(r.error?.code).toBe('NOT_JSON')
      expect(r.error?.message).toMatch(message)
    }
    const ok = await runJob(makeJob({ id: 'json', run: () => ({ a: [1, 'x', null, true, { b: undefined }] }) }), input)
    expect(ok).toMatchObject({ status: 'ok', data: { a: [1, 'x', null, true, {}] } })
  })

  it('times out a function that never settles and aborts its signal', async () => {
    let sawAbort = false
    const job = makeJob({
      id: 'hang',
      timeoutMs: 100,
      run: (ctx) => {
        ctx.signal.addEventListener('abort', () => (sawAbort = true))
        return new Promise(() => {})
      },
    })
    expect(await runJob(job, input)).toMatchObject({ status: 'timeout', error: { message: 'timed out after 100ms' } })
    expect(sawAbort).toBe(true)
  })
})

describe('runJob: templates and empty jobs', () => {
  it('names a template file that does not exist, and fails without outputs', async () => {
    const r = await runJob(makeJob({ id: 'tpl', templates: ['templates/CHANGELOG.md.liquid'] }), input)
    expect(r).toMatchObject({ status: 'failed', error: { code: 'NO_TEMPLATE' }, outputs: [] })
    expect(r.error?.message).toContain('templates/CHANGELOG.md.liquid: no such template file')
    expect(r.writes).toBeUndefined()
  })

  it('refuses, in a blocking hook, files meant for an output ref (ctx.write)', async () => {
    const job = makeJob({ id: 'gen', run: (ctx) => ctx.write('out.txt', 'x') })
    const r = await runJob(job, input)
    expect(r).toMatchObject({ status: 'failed', error: { code: 'NO_OUTPUT_REF' } })
    expect(r.error?.message).toContain('set output: { worktree: true }')
  })

  it('says a job with nothing to run has nothing to run', async () => {
    const r = await runJob(makeJob({ id: 'empty' }), input)
    expect(r).toMatchObject({ status: 'failed', error: { code: 'NOTHING_TO_RUN' } })
  })
})
