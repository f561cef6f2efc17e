// LiquidJS loads only in processes that render: a module-resolution hook records every liquidjs
// module the real CLI resolves. A hook with gates and a run of function jobs resolve none; a run
// with a template job does (so the probe sees what it must).
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp, tempDir } from '../helpers/repo.js'

afterAll(removeTemp)

function probe(): { readonly env: NodeJS.ProcessEnv; readonly loaded: () => string[] } {
  const dir = tempDir('gitvan-probe-')
  const log = path.join(dir, 'resolved.log')
  writeFileSync(log, '')
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (/[\\\\/]liquidjs[\\\\/]/.test(result.url)) appendFileSync(${JSON.stringify(log)}, result.url + '\\n')
  return result
}
`,
  )
  writeFileSync(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module'\nregister(${JSON.stringify(`file://${path.join(dir, 'hooks.mjs')}`)})\n`,
  )
  return {
    env: { NODE_OPTIONS: `--import=${path.join(dir, 'register.mjs')}` },
    loaded: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  }
}

describe('LiquidJS is imported lazily', () => {
  it('not by a gate in a hook, nor by a run of function jobs; by a run that renders', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: {
        gate: { on: 'pre-commit', run: 'true' },
        fn: { on: 'post-commit', run: (ctx) => ({ n: ctx.files.length }) },
        tpl: { on: 'post-merge', template: 't.liquid' },
      } }\n`,
    )
    repo.write('t.liquid', '---\nto: x.txt\n---\n{{ commit.short }}\n')
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'config'])
    const { env, loaded } = probe()
    const hook = repo.gitvan(['hook', 'pre-commit'], { env: { ...env, CI: '1' } })
    expect(hook.code, hook.stderr).toBe(0)
    const plain = repo.gitvan(['run', 'HEAD'], { env })
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toMatch(/1 run, 1 ok/)
    expect(loaded()).toEqual([])
    const rendering = repo.gitvan(['run', 'HEAD', '--hook', 'post-merge'], { env })
    expect(rendering.code, rendering.stderr).toBe(0)
    expect(loaded().length).toBeGreaterThan(0)
    expect(repo.git(['show', 'refs/gitvan/outputs/tpl:x.txt']).stdout.trim()).toBe(
      repo.git(['rev-parse', '--short=7', 'HEAD']).stdout.trim(),
    )
  })
})
