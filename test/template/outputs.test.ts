// Templates and outputs end to end, through the real CLI: `gitvan run` renders templates and
// publishes their files onto refs (never into the work tree unless asked), with receipts listing
// them; refused paths and template errors fail their jobs, write nothing and exit 1.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp, type TestRepo, tempDir } from '../helpers/repo.js'
import { drained } from '../runner/fixture.js'

afterAll(removeTemp)

const NOTES = 'refs/notes/gitvan/results'

/** Commits the config and templates, then adds `count` commits with fast-import; all commits, oldest first. */
function setup(repo: TestRepo, config: string, files: Record<string, string>, count: number): string[] {
  repo.write('gitvan.config.mjs', config)
  for (const [file, content] of Object.entries(files)) repo.write(file, content)
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '-m', 'config and templates'])
  let stream = ''
  for (let i = 1; i <= count; i++) {
    const message = `feat: change ${i}\n\nbody of ${i}\n`
    stream += `commit refs/heads/main\nmark :${i}\nauthor Ada Lovelace <ada@example.invalid> ${1700000000 + i * 60} +0000\n`
    stream += `committer T <t@example.invalid> ${1700000000 + i * 60} +0000\ndata ${message.length}\n${message}`
    stream += i === 1 ? `from ${repo.rev('HEAD')}\n` : `from :${i - 1}\n`
    stream += `M 100644 inline src/f${i % 5}.txt\ndata ${String(i).length + 1}\n${i}\n\n`
  }
  if (count > 0) {
    repo.git(['fast-import', '--quiet'], { input: stream })
    repo.git(['reset', '-q', '--hard', 'main'])
  }
  return repo.git(['rev-list', '--reverse', 'HEAD']).stdout.trim().split('\n')
}

const config = (jobs: string): string => `export default { jobs: { ${jobs} } }\n`

const treeFiles = (repo: TestRepo, ref: string): string[] =>
  repo.git(['ls-tree', '-r', '--name-only', ref]).stdout.split('\n').filter(Boolean)

const show = (repo: TestRepo, spec: string): string => repo.git(['show', spec]).stdout

const receiptsOf = (repo: TestRepo, commit: string) =>
  repo
    .git(['notes', '--ref=gitvan/results', 'show', commit], { allowFail: true })
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { job: string; status: string; outputs: unknown[]; error?: { message: string } })

const SUMMARY = `---
to: summaries/{{ commit.short }}.md
---
# {{ commit.subject }}
{{ commit.oid }} by {{ commit.author.name }} <{{ commit.author.email }}> on {{ commit.date | date: "%Y-%m-%d" }}
{{ files | size }} {{ 'file' | pluralize: files.size }}: {{ files | join: ", " }}
{{ commit.body }}
`

const CHANGELOG = `---
to: CHANGELOG.md
force: true
---
# Changelog ({{ commits | size }} {{ 'commit' | pluralize: commits.size }}{% if branch %} on {{ branch }}{% endif %})
{% for c in commits %}- {{ c.subject }} ({{ c.oid | shortsha }})
{% endfor %}`

describe('gitvan run with templates', () => {
  it('over 300 commits: 300 rendered files on refs/gitvan/outputs/summary and a batch changelog on refs/heads/changelog; work tree untouched; receipts list outputs; fsck clean', () => {
    const repo = makeRepo()
    const commits = setup(
      repo,
      config(`
        summary: { on: 'post-commit', template: 't/summary.liquid' },
        changelog: { on: 'post-commit', mode: 'batch', template: 't/changelog.liquid', output: { ref: 'refs/heads/changelog' } },
      `),
      { 't/summary.liquid': SUMMARY, 't/changelog.liquid': CHANGELOG },
      298,
    )
    expect(commits).toHaveLength(300)
    const status = repo.git(['status', '--porcelain', '--ignored']).stdout
    const r = repo.gitvan(['run', '--all'])
    expect(r.code, r.stderr).toBe(0)
    const run = commits
    // 300 files, one per commit, in one output commit (one batch)
    const files = treeFiles(repo, 'refs/gitvan/outputs/summary')
    expect(files).toHaveLength(300)
    expect(repo.git(['rev-list', '--count', 'refs/gitvan/outputs/summary']).stdout.trim()).toBe('1')
    const subjectOf = (index: number) =>
      index === 0 ? 'initial' : index === 1 ? 'config and templates' : `feat: change ${index - 1}`
    for (const index of [0, 1, 137, 299]) {
      const oid = run[index] as string
      const short = repo.git(['rev-parse', '--short=7', oid]).stdout.trim()
      const text = show(repo, `refs/gitvan/outputs/summary:summaries/${short}.md`)
      expect(text.split('\n')[0]).toBe(`# ${subjectOf(index)}`)
      expect(text).toContain(oid)
      if (index > 1) {
        expect(text).toContain(`by Ada Lovelace <ada@example.invalid> on 2023-11-`)
        expect(text).toContain(`1 file: src/f${(index - 1) % 5}.txt`)
        expect(text).toContain(`body of ${index - 1}`)
      }
    }
    // the batch-mode changelog lists every commit of the batch, oldest first, in one commit
    const changelog = show(repo, 'refs/heads/changelog:CHANGELOG.md').split('\n')
    expect(changelog[0]).toBe('# Changelog (300 commits on main)')
    expect(changelog.slice(1, 301)).toEqual(run.map((oid, i) => `- ${subjectOf(i)} (${oid.slice(0, 7)})`))
    expect(treeFiles(repo, 'refs/heads/changelog')).toEqual(['CHANGELOG.md'])
    // nothing appeared in the work tree
    expect(repo.git(['status', '--porcelain', '--ignored']).stdout).toBe(status)
    expect(existsSync(path.join(repo.dir, 'summaries'))).toBe(false)
    expect(existsSync(path.join(repo.dir, 'CHANGELOG.md'))).toBe(false)
    // receipts list the outputs as {ref, path, oid}, oid = the blob on the ref
    const last = run[299] as string
    const short = repo.git(['rev-parse', '--short=7', last]).stdout.trim()
    const receipts = receiptsOf(repo, last)
    expect(receipts.find((x) => x.job === 'summary')?.outputs).toEqual([
      {
        ref: 'refs/gitvan/outputs/summary',
        path: `summaries/${short}.md`,
        oid: repo.rev(`refs/gitvan/outputs/summary:summaries/${short}.md`),
      },
    ])
    expect(receipts.find((x) => x.job === 'changelog')?.outputs).toEqual([
      { ref: 'refs/heads/changelog', path: 'CHANGELOG.md', oid: repo.rev('refs/heads/changelog:CHANGELOG.md') },
    ])
    expect(repo.git(['notes', '--ref=gitvan/results', 'list']).stdout.trim().split('\n')).toHaveLength(300)
    expect(repo.git(['fsck', '--strict'], { allowFail: true }).code).toBe(0)
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
  })

  it('a file a template does not render again stays on the ref; output.replace keeps only what the batch wrote', () => {
    const repo = makeRepo()
    const commits = setup(
      repo,
      config(`
        kept: { on: 'post-commit', template: 't/one.liquid' },
        fresh: { on: 'post-commit', template: 't/one.liquid', output: { replace: true } },
      `),
      { 't/one.liquid': '---\nto: "{{ commit.short }}.txt"\n---\n{{ commit.subject }}\n' },
      2,
    )
    expect(repo.gitvan(['run', 'HEAD~2..HEAD~1']).code).toBe(0)
    expect(repo.gitvan(['run', 'HEAD~1..HEAD']).code).toBe(0)
    const short = (oid: string) => repo.git(['rev-parse', '--short=7', oid]).stdout.trim()
    const [second, third] = commits.slice(-2) as [string, string]
    expect(treeFiles(repo, 'refs/gitvan/outputs/kept')).toEqual([`${short(second)}.txt`, `${short(third)}.txt`].sort())
    expect(treeFiles(repo, 'refs/gitvan/outputs/fresh')).toEqual([`${short(third)}.txt`])
    // each output commit's parent is the previous output commit
    expect(repo.rev('refs/gitvan/outputs/fresh~1')).toBe(
      repo.git(['rev-list', '--max-count=1', '--skip=1', 'refs/gitvan/outputs/fresh']).stdout.trim(),
    )
    expect(repo.git(['rev-list', '--count', 'refs/gitvan/outputs/kept']).stdout.trim()).toBe('2')
    // a run that wrote files is never answered from the job cache: with the ref and the receipts
    // gone, running again renders and publishes the files again
    repo.git(['update-ref', '-d', 'refs/gitvan/outputs/kept'])
    repo.git(['update-ref', '-d', NOTES])
    expect(repo.gitvan(['run', 'HEAD~2..HEAD']).code).toBe(0)
    expect(treeFiles(repo, 'refs/gitvan/outputs/kept')).toEqual([`${short(second)}.txt`, `${short(third)}.txt`].sort())
    expect(repo.git(['notes', '--ref=gitvan/results', 'show', 'HEAD']).stdout).toContain('"cache":"off"')
  })

  it('an injected line appears once after two forced runs (idempotent without skip_if); force and skip_if', () => {
    const repo = makeRepo()
    setup(
      repo,
      config(`
        notes: { on: 'post-commit', template: 't/notes.liquid' },
      `),
      {
        't/notes.liquid': `---
to: NOTES.md
---
# Notes
<!-- entries -->
<!-- end -->
---
to: NOTES.md
inject: true
after: <!-- entries -->
---
- entry for {{ commit.subject }}
---
to: NOTES.md
inject: true
before: /^<!-- end -->$/
skip_if: footer
---
footer line
---
to: NOTES.md
inject: true
append: true
---
appended once
---
to: NOTES.md
inject: true
prepend: true
---
prepended once
---
to: VERSION
---
{{ commit.short }}
---
to: LATEST
force: true
---
{{ commit.short }}
`,
      },
      1,
    )
    const head = repo.rev('HEAD')
    for (const args of [
      ['run', 'HEAD'],
      ['run', 'HEAD', '--force'],
      ['run', 'HEAD', '--force'],
    ]) {
      const r = repo.gitvan(args)
      expect(r.code, r.stderr).toBe(0)
    }
    expect(show(repo, 'refs/gitvan/outputs/notes:NOTES.md')).toBe(
      'prepended once\n# Notes\n<!-- entries -->\n- entry for feat: change 1\nfooter line\n<!-- end -->\nappended once\n',
    )
    // a file whose text is unchanged gets no new commit: the forced runs changed nothing
    expect(repo.git(['rev-list', '--count', 'refs/gitvan/outputs/notes']).stdout.trim()).toBe('1')
    // VERSION exists and has no force: a later commit's render does not overwrite it
    repo.git(['commit', '-q', '--allow-empty', '-m', 'next'])
    expect(repo.gitvan(['run', 'HEAD']).code).toBe(0)
    expect(show(repo, 'refs/gitvan/outputs/notes:VERSION')).toBe(`${head.slice(0, 7)}\n`)
    // LATEST has force: it is overwritten
    expect(show(repo, 'refs/gitvan/outputs/notes:LATEST')).toBe(`${repo.rev('HEAD').slice(0, 7)}\n`)
    const receipt = receiptsOf(repo, repo.rev('HEAD')).find((x) => x.job === 'notes')
    expect(receipt?.outputs.map((o) => (o as { path: string }).path)).toEqual(['NOTES.md', 'LATEST'])
  })

  it('when false skips a document; an empty to renders no file; several documents give several files', () => {
    const repo = makeRepo()
    setup(
      repo,
      config(`docs: { on: 'post-commit', template: 't/docs.liquid' }`),
      {
        't/docs.liquid': `---
to: a.md
when: branch == "main"
---
on main
---
to: b.md
when: branch == "release"
---
never
---
to: "{% if tag %}tagged.md{% endif %}"
---
tagged
---
to: c/{{ job | pascal }}-{{ "Hello World" | kebab }}.md
---
{{ "fix the parser" | title }} {{ "fix the parser" | camel }} {{ "fix the parser" | snake }} {{ "Fix the Parser!" | slug }}
{{ "a\nb" | indent: 2 }}
{{ commit.date | date: "iso" }} {{ commits | map: "short" | json }}
{{ "abcdefghijklmnop" | truncate: 8 }}
`,
      },
      1,
    )
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code, r.stderr).toBe(0)
    expect(treeFiles(repo, 'refs/gitvan/outputs/docs')).toEqual(['a.md', 'c/Docs-hello-world.md'])
    const short = repo.git(['rev-parse', '--short=7', 'HEAD']).stdout.trim()
    expect(show(repo, 'refs/gitvan/outputs/docs:c/Docs-hello-world.md')).toBe(
      `Fix The Parser fixTheParser fix_the_parser fix-the-parser\n  a\n  b\n2023-11-14T22:14:20.000Z ["${short}"]\nabcde...\n`,
    )
    repo.git(['tag', 'v1'])
    expect(repo.gitvan(['run', 'HEAD', '--force']).code).toBe(0)
    expect(treeFiles(repo, 'refs/gitvan/outputs/docs')).toContain('tagged.md')
  })

  it('a template with an undefined variable on file line 5 fails with t/bad.liquid:5, exit 1; the other jobs still publish', () => {
    const repo = makeRepo()
    setup(
      repo,
      config(`
        bad: { on: 'post-commit', template: 't/bad.liquid' },
        front: { on: 'post-commit', template: 't/front.liquid' },
        good: { on: 'post-commit', template: 't/good.liquid' },
      `),
      {
        't/bad.liquid': '---\nto: bad.md\n---\nline 4\n{{ nope }}\n',
        't/front.liquid': '---\nto: ok.md\nforce: true\nto_x: {{ missing }}\n---\nbody\n',
        't/good.liquid': '---\nto: good.md\n---\ngood\n',
      },
      1,
    )
    const head = repo.rev('HEAD')
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`t/bad.liquid:5: undefined variable: nope (job 'bad', commit ${head.slice(0, 12)}`)
    expect(r.stderr).toContain('t/front.liquid:4: undefined variable: missing')
    expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
    const bad = receiptsOf(repo, head).find((x) => x.job === 'bad')
    expect(bad?.status).toBe('failed')
    expect(bad?.error?.message).toContain('t/bad.liquid:5')
    expect(bad?.outputs).toEqual([])
    expect(repo.git(['show-ref', 'refs/gitvan/outputs/bad'], { allowFail: true }).code).toBe(1)
    expect(treeFiles(repo, 'refs/gitvan/outputs/good')).toEqual(['good.md'])
  })

  it('a to: ../../x, a to: .git/hooks/post-commit and every other unsafe path fail their jobs and write nothing', () => {
    const repo = makeRepo()
    const unsafe = [
      '../../escaped.txt',
      'a/../../x',
      '/etc/x',
      '.git/hooks/post-commit',
      '.GIT/x',
      'git~1/x',
      '.git./x',
    ]
    const jobs = unsafe.map((_, i) => `u${i}: { on: 'post-commit', template: 't/u${i}.liquid' }`)
    const files = Object.fromEntries(unsafe.map((to, i) => [`t/u${i}.liquid`, `---\nto: ${to}\n---\nexit 1\n`]))
    const ctxWrite = `w: { on: 'post-commit', run: (ctx) => { try { ctx.write('../w.txt', 'x') } catch {} } }`
    const worktree = `wt: { on: 'post-commit', template: 't/u0.liquid', output: { worktree: true } }`
    setup(repo, config([...jobs, ctxWrite, worktree].join(',\n')), files, 1)
    const refs = () =>
      repo
        .git(['for-each-ref', '--format=%(refname) %(objectname)'])
        .stdout.split('\n')
        .filter((line) => !line.startsWith(`${NOTES} `))
    const before = refs()
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code).toBe(1)
    for (const [i, to] of unsafe.entries()) expect(r.stderr).toContain(`t/u${i}.liquid:2: refuses output path '${to}'`)
    expect(r.stderr).toContain(`ctx.write("../w.txt") in job 'w' refused`)
    expect(r.stderr).toMatch(/wt failed .*refuses output path '\.\.\/\.\.\/escaped\.txt'/)
    const receipts = receiptsOf(repo, repo.rev('HEAD'))
    expect(receipts.filter((x) => x.status === 'failed')).toHaveLength(unsafe.length + 2)
    expect(existsSync(path.join(repo.dir, '..', '..', 'escaped.txt'))).toBe(false)
    expect(existsSync(path.join(repo.dir, '..', 'w.txt'))).toBe(false)
    expect(existsSync(path.join(repo.dir, '.git/hooks/post-commit'))).toBe(false)
    expect(refs()).toEqual(before)
  })
})

describe('an output ref that is checked out', () => {
  it('fails the job and leaves the branch alone (moving it would make its work tree look changed)', () => {
    const repo = makeRepo()
    setup(
      repo,
      config(`oops: { on: 'post-commit', template: 't/x.liquid', output: { ref: 'refs/heads/main' } }`),
      {
        't/x.liquid': '---\nto: x.md\n---\nx\n',
      },
      1,
    )
    const main = repo.rev('refs/heads/main')
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`writes onto refs/heads/main, which is checked out in ${repo.dir}`)
    expect(repo.rev('refs/heads/main')).toBe(main)
    expect(repo.git(['status', '--porcelain']).stdout).toBe('')
  })
})

describe('output: { worktree: true }', () => {
  it('writes into the work tree (stage: true also stages); a symlinked directory pointing outside is refused and nothing is written', () => {
    const repo = makeRepo()
    const outside = tempDir('gitvan-outside-')
    setup(
      repo,
      config(`
        gen: { on: 'post-commit', template: 't/gen.liquid', output: { worktree: true, stage: true } },
        plain: { on: 'post-commit', run: (ctx) => { ctx.write('plain/out.txt', 'from ' + ctx.job + '\\n') }, output: { worktree: true } },
        escape: { on: 'post-commit', template: 't/escape.liquid', output: { worktree: true } },
      `),
      {
        't/gen.liquid': '---\nto: gen/{{ job }}.txt\n---\ngenerated for {{ commit.subject }}\n',
        't/escape.liquid': '---\nto: inside.txt\n---\nfirst\n---\nto: link/evil.txt\n---\nevil\n',
      },
      1,
    )
    mkdirSync(path.join(repo.dir, 'sub'))
    symlinkSync(outside, path.join(repo.dir, 'link'))
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("refuses to write 'link/evil.txt'")
    expect(r.stderr).toContain("'link' is a symlink")
    expect(existsSync(path.join(outside, 'evil.txt'))).toBe(false)
    expect(existsSync(path.join(repo.dir, 'inside.txt'))).toBe(false) // one refused path: nothing written
    expect(repo.git(['diff', '--cached', '--name-only']).stdout).toBe('gen/gen.txt\n')
    expect(repo.git(['show', ':gen/gen.txt']).stdout).toBe('generated for feat: change 1\n')
    expect(repo.git(['status', '--porcelain', '--', 'plain']).stdout).toBe('?? plain/\n')
    const gen = receiptsOf(repo, repo.rev('HEAD')).find((x) => x.job === 'gen')
    expect(gen?.outputs).toEqual([{ ref: '', path: 'gen/gen.txt', oid: repo.rev(':gen/gen.txt') }])
    expect(repo.git(['for-each-ref', 'refs/gitvan/outputs/']).stdout).toBe('')
  })
})

describe('a generator in pre-commit', () => {
  it('renders into the work tree and stages it, so the commit holds the generated file', () => {
    const repo = makeRepo()
    repo.linkGitvan()
    repo.write('.gitignore', 'node_modules\n')
    setup(
      repo,
      config(`
        index: {
          on: { hook: 'pre-commit', paths: ['src/**'] },
          template: 't/index.liquid',
          output: { worktree: true, stage: true },
        },
      `),
      { 't/index.liquid': '---\nto: src/INDEX.md\n---\n# Index\n{% for f in files %}- {{ f }}\n{% endfor %}' },
      0,
    )
    expect(repo.gitvan(['install'], { env: { CI: '' } }).code).toBe(0)
    repo.write('src/a.txt', 'a\n')
    repo.git(['add', 'src/a.txt'])
    const r = repo.git(['commit', '-q', '-m', 'add a'], { allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:src/INDEX.md']).stdout).toBe('# Index\n- src/a.txt\n')
    expect(repo.git(['status', '--porcelain']).stdout).toBe('')
  })
})

describe('the detached runner', () => {
  it('renders what the hooks of three commits spooled and publishes output commits with its notes commits', async () => {
    const repo = makeRepo()
    repo.linkGitvan()
    repo.write('.gitignore', 'node_modules\n')
    setup(
      repo,
      `export default { debounce: { wait: 300 }, runner: { idle: '300ms' }, jobs: { summary: { on: 'post-commit', template: 't/summary.liquid' } } }\n`,
      { 't/summary.liquid': '---\nto: "{{ commit.short }}.md"\n---\n{{ commit.subject }}\n' },
      0,
    )
    expect(repo.gitvan(['install'], { env: { CI: '' } }).code).toBe(0)
    const env = { CI: '' }
    for (const n of [1, 2, 3]) repo.git(['commit', '-q', '--allow-empty', '-m', `storm ${n}`], { env })
    await drained(repo)
    const heads = repo.git(['rev-list', '--max-count=3', 'HEAD']).stdout.trim().split('\n')
    const files = treeFiles(repo, 'refs/gitvan/outputs/summary')
    for (const oid of heads) expect(files).toContain(`${oid.slice(0, 7)}.md`)
    expect(repo.git(['show', `refs/gitvan/outputs/summary:${repo.rev('HEAD').slice(0, 7)}.md`]).stdout).toBe(
      'storm 3\n',
    )
    // as many output commits as batches the runner published (a storm of three: one, or a few)
    const outputCommits = Number(repo.git(['rev-list', '--count', 'refs/gitvan/outputs/summary']).stdout)
    const notesCommits = Number(repo.git(['rev-list', '--count', NOTES]).stdout)
    expect(outputCommits).toBeLessThanOrEqual(notesCommits)
    expect(repo.git(['status', '--porcelain']).stdout).toBe('')
  })
})

describe('ctx.render and ctx.write', () => {
  it('render returns text with the template data and extra data; write puts files on the output ref with the run data', () => {
    const repo = makeRepo()
    setup(
      repo,
      config(`
        fn: {
          on: 'post-commit',
          run: async (ctx) => {
            const text = await ctx.render('{{ commit.subject | upcase }} / {{ n | plus: 1 }}', { n: 41 })
            ctx.write('rendered.txt', text + '\\n')
            let threw = ''
            try { await ctx.render('{{ nope }}') } catch (error) { threw = error.message }
            return { text, threw }
          },
          template: 't/data.liquid',
        },
      `),
      { 't/data.liquid': '---\nto: data.json\n---\n{{ data | json }}\n' },
      1,
    )
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code, r.stderr).toBe(0)
    expect(show(repo, 'refs/gitvan/outputs/fn:rendered.txt')).toBe('FEAT: CHANGE 1 / 42\n')
    expect(JSON.parse(show(repo, 'refs/gitvan/outputs/fn:data.json'))).toEqual({
      text: 'FEAT: CHANGE 1 / 42',
      threw: 'undefined variable: nope (line 1)',
    })
  })
})
