// Where a job's programs run: the job's cwd, the project's node_modules/.bin first on PATH, and
// gitvan's node after PATH; {files} relative to the cwd. Real programs in a temporary project.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runJob } from '../../src/job/run.js'
import { binDirs, filesUnder, withPath } from '../../src/job/workdir.js'
import { makeInput, makeJob } from './fixture.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'gitvan-workdir-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function writeExecutable(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  chmodSync(file, 0o755)
}

// `tool` exists at the root and in packages/app, saying which one ran, where, and with what.
const tool = (name: string) => `#!/bin/sh\necho "${name} in $(pwd): $*"\n`
writeExecutable(path.join(root, 'node_modules/.bin/tool'), tool('root tool'))
writeExecutable(path.join(root, 'node_modules/.bin/only-at-root'), tool('root-only tool'))
writeExecutable(path.join(root, 'packages/app/node_modules/.bin/tool'), tool('app tool'))
// A tool as npm installs one: a node script run through env, which needs node on PATH.
writeExecutable(path.join(root, 'node_modules/.bin/which-node'), '#!/usr/bin/env node\nconsole.log(process.execPath)\n')
writeFileSync(path.join(root, 'not-a-dir'), '')
const noNode = mkdtempSync(path.join(os.tmpdir(), 'gitvan-no-node-'))
afterAll(() => rmSync(noNode, { recursive: true, force: true }))

const app = path.join(root, 'packages/app')
const input = makeInput(root, {
  files: ['README.md', 'packages/app/src/a b.ts', 'packages/app/x.ts', 'packages/lib/y.ts'],
})

describe('workdir: PATH and files, computed', () => {
  it('lists node_modules/.bin from the cwd up to the root, nearest first', () => {
    expect(binDirs('/r', '')).toEqual(['/r/node_modules/.bin'])
    expect(binDirs('/r', 'packages/app')).toEqual([
      '/r/packages/app/node_modules/.bin',
      '/r/packages/node_modules/.bin',
      '/r/node_modules/.bin',
    ])
  })

  it('puts the bins before PATH and node after it, once, keeping the variable and the other entries', () => {
    expect(withPath({ PATH: '/usr/bin:/bin', X: '1' }, ['/r/node_modules/.bin'], '/opt/node/bin')).toEqual({
      PATH: '/r/node_modules/.bin:/usr/bin:/bin:/opt/node/bin',
      X: '1',
    })
    expect(withPath({ PATH: '/opt/node/bin:/bin' }, ['/b'], '/opt/node/bin')).toEqual({
      PATH: '/b:/opt/node/bin:/bin',
    })
    expect(withPath({ Path: '/bin' }, ['/b'], '/n')).toEqual({ Path: '/b:/bin:/n' })
    expect(withPath({}, ['/b'], '/n')).toEqual({ PATH: '/b:/n' })
  })

  it('passes only the files under the cwd, relative to it', () => {
    expect(filesUnder(['a', 'packages/app/b', 'packages/application/c', 'packages/app'], 'packages/app')).toEqual(['b'])
    expect(filesUnder(['a', 'b/c'], '')).toEqual(['a', 'b/c'])
  })
})

describe('runJob: commands run like npm scripts', () => {
  it("finds a tool in the root's node_modules/.bin, with PATH holding nothing of the project", async () => {
    const r = await runJob(makeJob({ id: 'fmt', run: 'tool --check {files}' }), {
      ...input,
      env: { ...process.env, PATH: '/usr/bin:/bin' },
    })
    expect(r.error).toBeUndefined()
    expect(r.log).toBe(
      `root tool in ${root}: --check README.md packages/app/src/a b.ts packages/app/x.ts packages/lib/y.ts\n`,
    )
  })

  it("runs in the job's cwd with its files relative to it, its own node_modules/.bin first, the root's next", async () => {
    const r = await runJob(makeJob({ id: 'app', cwd: 'packages/app', run: 'tool {files}' }), input)
    expect(r.log).toBe(`app tool in ${app}: src/a b.ts x.ts\n`)
    const fallback = await runJob(makeJob({ id: 'app', cwd: 'packages/app', run: 'only-at-root' }), input)
    expect(fallback.log).toBe(`root-only tool in ${app}: \n`)
  })

  it('does not run a {files} command when no file is under its cwd', async () => {
    const r = await runJob(makeJob({ id: 'lib', cwd: 'packages/app', run: 'tool {files}' }), {
      ...input,
      files: ['packages/lib/y.ts'],
    })
    expect(r.status).toBe('ok')
    expect(r.log).toBe(
      "[gitvan: no files under its cwd 'packages/app' to pass as {files}; 'tool {files}' was not run]\n",
    )
  })

  it("gives a tool's #!/usr/bin/env node the node gitvan runs on when PATH has none", async () => {
    const r = await runJob(makeJob({ id: 'node', run: 'which-node' }), {
      ...input,
      env: { ...process.env, PATH: noNode },
    })
    expect(r.error).toBeUndefined()
    expect(r.log.trim()).toBe(process.execPath)
  })

  it('fails a job whose cwd does not exist, naming the job, the directory and where to fix it', async () => {
    const r = await runJob(makeJob({ id: 'web', cwd: 'packages/web', run: 'tool' }), input)
    expect(r.status).toBe('failed')
    expect(r.attempts).toBe(1)
    expect(r.error).toEqual({
      code: 'NO_CWD',
      message: `job 'web' runs in cwd 'packages/web', but ${path.join(root, 'packages/web')} does not exist: create it, or fix 'cwd' (a directory relative to the repository root) in /test/gitvan.config.mjs`,
    })
    const file = await runJob(makeJob({ id: 'odd', cwd: 'not-a-dir', run: async () => 1 }), input)
    expect(file.error?.message).toContain(`${path.join(root, 'not-a-dir')} is not a directory`)
  })

  it('says where it looked when the tool is not installed', async () => {
    const r = await runJob(makeJob({ id: 'lint', cwd: 'packages/app', run: 'eslint-not-installed' }), input)
    expect(r.error?.code).toBe('ENOENT')
    expect(r.error?.message).toContain(
      "program 'eslint-not-installed' not found (on PATH or as a path from " +
        `${app}); commands run without a shell, so a shell builtin or pipeline needs sh -c '...' ` +
        '(gitvan looked in packages/app/node_modules/.bin, packages/node_modules/.bin, node_modules/.bin first: a tool the project installs with npm lands there)',
    )
  })
})

describe('runJob: function jobs with a cwd', () => {
  it('ctx.exec runs in the cwd and finds its tools; ctx.files stay relative to the root', async () => {
    const r = await runJob(
      makeJob({
        id: 'fn',
        cwd: 'packages/app',
        run: async (ctx) => ({
          cwd: ctx.cwd,
          files: ctx.files,
          pwd: (await ctx.exec('pwd')).stdout.trim(),
          tool: (await ctx.exec('tool', ['x'])).stdout.trim(),
        }),
      }),
      { ...input, files: ['packages/app/x.ts'] },
    )
    expect(r.data).toEqual({ cwd: app, files: ['packages/app/x.ts'], pwd: app, tool: `app tool in ${app}: x` })
  })
})
