import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { gateRepo, scratch } from './fixture.js'

afterAll(removeTemp)

describe('commit message gates', () => {
  it('commit-msg gets the message file, and a message filter picks the jobs', () => {
    const out = path.join(scratch(), 'msg.json')
    const repo = gateRepo(
      `import { readFileSync, writeFileSync } from 'node:fs'
       export default { jobs: {
        record: { on: 'commit-msg', run: (ctx) => { writeFileSync(${JSON.stringify(out)}, JSON.stringify({ args: ctx.args, message: readFileSync(ctx.args[0], 'utf8') })) } },
        noWip: { on: { hook: 'commit-msg', message: '^(WIP|fixup!)' }, run: ${JSON.stringify('sh -c \'echo "WIP commits do not go on main"; exit 1\'')} },
      } }\n`,
    )
    repo.write('a.txt', 'a\n')
    const before = repo.rev('HEAD')
    const wip = repo.commit('WIP: half done')
    expect(wip.code).not.toBe(0)
    expect(wip.stderr).toContain("commit-msg: job 'noWip' failed")
    expect(wip.stderr).toContain('WIP commits do not go on main')
    expect(repo.rev('HEAD')).toBe(before)
    const recorded = JSON.parse(readFileSync(out, 'utf8')) as { args: string[]; message: string }
    expect(recorded.args).toEqual(['.git/COMMIT_EDITMSG'])
    expect(recorded.message).toBe('WIP: half done\n')

    const good = repo.commit('feat: whole\n\nWIP in the body is fine')
    expect(good.code, good.stderr).toBe(0)
    expect(repo.git(['log', '-1', '--format=%s']).stdout).toBe('feat: whole\n')
  })

  it('a message filter ignores comment lines and what follows the scissors of git commit -v', () => {
    const repo = gateRepo(
      `export default { jobs: { noFixme: { on: { hook: 'commit-msg', message: 'FIXME' }, run: 'false' } } }\n`,
    )
    const file = path.join(repo.dir, '.git/TEST_MSG')
    repo.write(
      '.git/TEST_MSG',
      'feat: ok\n# FIXME in a comment\n# ------------------------ >8 ------------------------\ndiff with FIXME\n',
    )
    expect(repo.gitvan(['hook', 'commit-msg', file]).code).toBe(0)
    repo.write('.git/TEST_MSG', 'feat: FIXME\n')
    expect(repo.gitvan(['hook', 'commit-msg', file]).code).toBe(1)
  })

  it('says which file it could not read', () => {
    const repo = gateRepo(`export default { jobs: { m: { on: { hook: 'commit-msg', message: 'x' }, run: 'true' } } }\n`)
    const r = repo.gitvan(['hook', 'commit-msg', 'no/such/file'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("cannot read the commit message file 'no/such/file'")
  })

  it('prepare-commit-msg gets its arguments and may edit the message', () => {
    const repo = gateRepo(
      `import { appendFileSync } from 'node:fs'
       export default { jobs: { trailer: { on: 'prepare-commit-msg', run: (ctx) => { appendFileSync(ctx.args[0], '\\nSource: ' + ctx.args[1] + '\\n') } } } }\n`,
    )
    repo.write('b.txt', 'b\n')
    const r = repo.commit('subject')
    expect(r.code, r.stderr).toBe(0)
    expect(repo.git(['log', '-1', '--format=%B']).stdout.trim()).toBe('subject\n\nSource: message')
  })

  it('commit-msg jobs get no files, unless they set paths: then the matching staged files', () => {
    const out = path.join(scratch(), 'files.jsonl')
    const record = (name: string) =>
      `(ctx) => { appendFileSync(${JSON.stringify(out)}, JSON.stringify([${JSON.stringify(name)}, ctx.files]) + '\\n') }`
    const repo = gateRepo(
      `import { appendFileSync } from 'node:fs'
       export default { jobs: {
        any: { on: 'commit-msg', run: ${record('any')} },
        docs: { on: { hook: 'commit-msg', paths: 'docs/**' }, run: ${record('docs')} },
      } }\n`,
    )
    repo.write('src/a.txt', 'a\n')
    expect(repo.commit('code').code).toBe(0)
    repo.write('docs/guide.md', 'g\n')
    repo.write('src/b.txt', 'b\n')
    expect(repo.commit('docs').code).toBe(0)
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as [string, string[]])
    expect(lines.sort()).toEqual([
      ['any', []],
      ['any', []],
      ['docs', ['docs/guide.md']],
    ])
  })
})
