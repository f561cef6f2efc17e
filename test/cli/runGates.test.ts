// `gitvan run --hook <blocking hook> <A..B>|--all-files`: a hook's gates in CI, with the real eslint
// and prettier (the project's devDependencies), real git, the built CLI.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { snapshot } from '../gate/stagingFixture.js'
import { CLI, makeRepo, PROJECT_ROOT, removeTemp, type TestRepo, tempDir } from '../helpers/repo.js'

afterAll(removeTemp)

const ESLINT_CONFIG = `export default [{ files: ['**/*.js'], rules: { eqeqeq: 'error', 'no-var': 'error' } }]\n`

/** A repository with eslint and prettier where npm would put them, and `config` committed on main. */
function toolRepo(config: string): TestRepo {
  const repo = makeRepo()
  const bin = path.join(repo.dir, 'node_modules/.bin')
  mkdirSync(bin, { recursive: true })
  for (const tool of ['prettier', 'eslint']) {
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules', tool), path.join(repo.dir, 'node_modules', tool), 'dir')
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules/.bin', tool), path.join(bin, tool))
  }
  repo.write('.gitignore', 'node_modules/\n')
  repo.write('eslint.config.js', ESLINT_CONFIG)
  repo.write('.prettierrc.json', '{ "semi": false, "singleQuote": true }\n')
  repo.write('gitvan.config.mjs', config)
  // An untouched file that violates: only --all-files may find it.
  repo.write('src/legacy.js', 'export const same = (a, b) => a == b\n')
  repo.write('src/keep.js', "export const keep = 'kept'\n")
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '-m', 'base'])
  repo.git(['checkout', '-q', '-b', 'feature'])
  return repo
}

const LINT = `export default { jobs: {
  lint: { on: { hook: 'pre-commit', paths: ['src/**/*.js'] }, run: 'eslint --max-warnings=0 {files}' },
} }\n`

/** Whether a process runs (a zombie whose parent was killed does not). */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

const receipts = (repo: TestRepo, rev: string) =>
  repo
    .git(['notes', '--ref=gitvan/results', 'show', rev], { allowFail: true })
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe('gitvan run --hook pre-commit over a range', () => {
  it('a range whose commits add a violation exits 1 and the github reporter names the file; a clean range exits 0 though an untouched file violates; --all-files finds it', () => {
    const repo = toolRepo(LINT)
    repo.write('src/fine.js', "export const fine = 'yes'\n")
    repo.commit('fine')
    const clean = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'github'])
    expect(clean.code, clean.stdout + clean.stderr).toBe(0)
    expect(clean.stdout).not.toContain('::error')
    expect(clean.stdout).toContain('pre-commit gates over main..HEAD (1 file): 1 run, 1 ok, 0 failed;')

    const all = repo.gitvan(['run', '--hook', 'pre-commit', '--all-files', '--reporter', 'github'])
    expect(all.code, all.stdout).toBe(1)
    expect(all.stdout).toMatch(/^::error file=src\/legacy\.js,line=1,col=\d+,title=gitvan lint::Expected '===' /m)

    repo.write('src/bad.js', 'var x = 1\nexport const y = x == 2\n')
    repo.commit('bad')
    const bad = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'github'])
    expect(bad.code, bad.stdout).toBe(1)
    const errors = bad.stdout.split('\n').filter((line) => line.startsWith('::error'))
    expect(errors).toEqual([
      expect.stringMatching(/^::error file=src\/bad\.js,line=1,col=1,title=gitvan lint::Unexpected var/),
      expect.stringMatching(/^::error file=src\/bad\.js,line=2,col=\d+,title=gitvan lint::Expected '===' /),
    ])
    expect(bad.stdout).not.toContain('legacy.js')
    // One receipt per gate on B, with the hook.
    expect(receipts(repo, 'HEAD')).toMatchObject([
      { job: 'lint', commit: repo.rev('HEAD'), hook: 'pre-commit', status: 'failed' },
    ])
  })

  it('never hands a gate a file the range deleted, and gives renamed files by their new name, chunked as in hooks', () => {
    const repo = toolRepo(`export default { jobs: {
      list: { on: { hook: 'pre-commit', paths: ['src/**'] }, run: 'node list.mjs {files}' },
    } }\n`)
    repo.write(
      'list.mjs',
      "import fs from 'node:fs'\nfs.appendFileSync('given.log', ['#call', ...process.argv.slice(2)].join('\\n') + '\\n')\n",
    )
    repo.write('.gitignore', 'node_modules/\ngiven.log\n')
    repo.commit('lister')
    repo.git(['rm', '-q', 'src/keep.js'])
    repo.git(['mv', 'src/legacy.js', 'src/moved.js'])
    const many = Array.from(
      { length: 3000 },
      (_, i) => `src/many/a-file-with-a-long-name-${String(i).padStart(5, '0')}.txt`,
    )
    for (const file of many) repo.write(file, 'x\n')
    repo.write('src/with space.txt', 'x\n')
    repo.commit('delete, rename, add many')
    const r = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const lines = readFileSync(path.join(repo.dir, 'given.log'), 'utf8').split('\n').filter(Boolean)
    expect(lines.filter((line) => line === '#call').length).toBeGreaterThan(1) // chunked
    const given = lines.filter((line) => line !== '#call')
    expect(new Set(given)).toEqual(new Set([...many, 'src/moved.js', 'src/with space.txt']))
    expect(given).toHaveLength(many.length + 2)
    const report = JSON.parse(r.stdout) as { files: string[]; results: { job: string; cache: string }[] }
    expect(report.files).not.toContain('src/keep.js')
    expect(report.files).not.toContain('src/legacy.js')
  })

  it('a fix gate says what it would change and fails, and the work tree and index are left exactly as they were', () => {
    const repo = toolRepo(`export default { jobs: {
      format: { on: { hook: 'pre-commit', paths: ['src/**/*.js'] }, run: 'prettier --write {files}', fix: true },
    } }\n`)
    repo.write('src/ugly.js', 'export const  ugly = ( a ) => { return a }\n')
    repo.commit('ugly')
    chmodSync(path.join(repo.dir, 'src/ugly.js'), 0o640) // permission bits git does not record come back too
    const before = snapshot(repo)
    const r = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'github'])
    expect(r.code, r.stdout).toBe(1)
    expect(snapshot(repo)).toEqual(before)
    expect(repo.git(['status', '--porcelain']).stdout).toBe('')
    expect(r.stdout).toMatch(/^::error file=src\/ugly\.js,line=1,title=gitvan format::format would change this$/m)
    expect(r.stdout).toContain('+export const ugly = (a) => {')
    expect(receipts(repo, 'HEAD')).toMatchObject([
      { job: 'format', hook: 'pre-commit', status: 'failed', error: { code: 'WOULD_FIX' } },
    ])
    expect(repo.git(['for-each-ref', 'refs/gitvan/backup/']).stdout).not.toBe('') // saved before it ran
    // Tidy content passes, and the second run is answered by the gate cache.
    repo.write('src/ugly.js', 'export const ugly = (a) => {\n  return a\n}\n')
    repo.commit('tidy')
    const first = JSON.parse(repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'json']).stdout)
    const second = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'json'])
    expect(second.code).toBe(0)
    expect(first.results).toMatchObject([{ job: 'format', status: 'ok', cache: 'miss' }])
    expect(JSON.parse(second.stdout).results).toMatchObject([{ job: 'format', status: 'ok', cache: 'hit' }])
    expect(
      receipts(repo, 'HEAD')
        .map((x) => String(x.cache))
        .sort(),
    ).toEqual(['hit', 'miss'])
  })

  it('a run killed with -9 while a fix gate has rewritten a file leaves it saved: gitvan restore puts it back and stops the gate', async () => {
    const repo = toolRepo(`export default { jobs: {
      hang: { on: { hook: 'pre-commit', paths: ['src/**'] }, run: 'node hang.mjs {files}', fix: true },
    } }\n`)
    const ready = path.join(tempDir('gitvan-ready-'), 'ready')
    repo.write(
      'hang.mjs',
      `import fs from 'node:fs'\nfor (const f of process.argv.slice(2)) fs.writeFileSync(f, 'REWRITTEN\\n')\nfs.writeFileSync(${JSON.stringify(ready)}, String(process.pid))\nsetInterval(() => {}, 1000)\n`,
    )
    repo.write('src/mine.js', 'export const mine = 1\n')
    repo.commit('mine')
    const child = spawn(process.execPath, [CLI, 'run', '--hook', 'pre-commit', 'main..HEAD'], {
      cwd: repo.dir,
      env: repo.env,
      stdio: 'ignore',
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    for (let i = 0; !existsSync(ready) || readFileSync(ready, 'utf8') === ''; i++) {
      if (i > 3000) throw new Error('the fix gate never started')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const gate = Number(readFileSync(ready, 'utf8'))
    child.kill('SIGKILL')
    await exited
    expect(readFileSync(path.join(repo.dir, 'src/mine.js'), 'utf8')).toBe('REWRITTEN\n')
    const restored = repo.gitvan(['restore'])
    expect(restored.code, restored.stderr).toBe(0)
    expect(readFileSync(path.join(repo.dir, 'src/mine.js'), 'utf8')).toBe('export const mine = 1\n')
    expect(repo.git(['status', '--porcelain']).stdout).toBe('')
    expect(running(gate), `gate ${gate}`).toBe(false) // stopped before the files came back
  })

  it('runs every gate whatever fails, `after` only ordering them', () => {
    const repo = toolRepo(`export default { jobs: {
      lint: { on: { hook: 'pre-commit', paths: ['src/**/*.js'] }, run: 'eslint {files}', priority: 10 },
      other: { on: { hook: 'pre-commit' }, run: 'node -e "process.exit(3)"' },
      later: { on: { hook: 'pre-commit' }, run: 'node -e ""', after: ['other'] },
    } }\n`)
    repo.write('src/bad.js', 'export const y = (x) => x == 2\n')
    repo.commit('bad')
    const r = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'json'])
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout) as { results: { job: string; status: string }[]; skipped: number }
    expect(report.results.map((x) => [x.job, x.status])).toEqual([
      ['lint', 'failed'],
      ['other', 'failed'],
      ['later', 'ok'],
    ])
    expect(report.skipped).toBe(0)
  })

  it('with uncommitted changes it still checks, but writes no receipt and does not use the cache', () => {
    const repo = toolRepo(LINT)
    repo.write('src/fine.js', "export const fine = 'yes'\n")
    repo.commit('fine')
    repo.write('src/fine.js', 'export const fine = 1 == 1\n')
    const r = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('uncommitted changes: no receipts written')
    expect(receipts(repo, 'HEAD')).toEqual([])
  })

  it('exits 2 with what to do on usage errors', () => {
    const repo = toolRepo(LINT)
    repo.commit('empty', { allowEmpty: true })
    const cases: [string[], RegExp][] = [
      [['run', '--hook', 'pre-commit'], /which files\? gitvan run --hook pre-commit <A\.\.B>/],
      [['run', '--hook', 'pre-commit', 'HEAD'], /'HEAD' is not a range/],
      [['run', '--hook', 'pre-commit', 'main..nope'], /'nope' \(in 'main\.\.nope'\) does not name a commit/],
      [['run', '--hook', 'pre-commit', 'HEAD..main'], /'main' is not the checked-out commit/],
      [['run', '--hook', 'pre-commit', '--all-files', 'main..HEAD'], /not both/],
      [['run', '--hook', 'pre-rebase', 'main..HEAD'], /the gates of 'pre-rebase' cannot run over a range/],
      [['run', '--hook', 'pre-commit', '--all'], /gates take a range \(A\.\.B\) or --all-files/],
      [['run', '--all-files'], /--all-files goes with --hook <blocking hook>/],
      [['run', '--hook', 'pre-commit', 'main..HEAD', '--job', 'nope'], /no job 'nope'/],
    ]
    for (const [args, message] of cases) {
      const r = repo.gitvan(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  })
})

describe('gitvan run --hook pre-push over a range', () => {
  it("gives pre-push gates the range's files, as a push of B onto A would", () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { pushed: { on: 'pre-push', run: 'node -e "require(\\'fs\\').writeFileSync(\\'given.json\\', JSON.stringify(process.argv.slice(1)))" {files}' } } }\n`,
    )
    repo.write('.gitignore', 'given.json\n')
    repo.commit('config')
    repo.git(['checkout', '-q', '-b', 'topic'])
    repo.write('one.txt', '1\n')
    repo.commit('one')
    repo.write('two.txt', '2\n')
    repo.commit('two')
    const r = repo.gitvan(['run', '--hook', 'pre-push', 'main..HEAD'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(readFileSync(path.join(repo.dir, 'given.json'), 'utf8'))).toEqual(['one.txt', 'two.txt'])
    expect(receipts(repo, 'HEAD')).toMatchObject([{ job: 'pushed', hook: 'pre-push', status: 'ok' }])
  })
})

describe('gitvan run --hook commit-msg over a range', () => {
  it("checks each commit's message with the commit-msg gates, with a receipt on each commit", () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { subject: { on: 'commit-msg', run: async (ctx) => { const m = (await import('node:fs')).readFileSync(ctx.args[0], 'utf8'); if (!/^(feat|fix): /.test(m)) throw new Error('not conventional: ' + m.split('\\n')[0]) } } } }\n`,
    )
    repo.commit('config')
    repo.git(['checkout', '-q', '-b', 'feature'])
    repo.commit('feat: one', { allowEmpty: true })
    repo.commit('whatever', { allowEmpty: true })
    const r = repo.gitvan(['run', '--hook', 'commit-msg', 'main..HEAD', '--reporter', 'junit'])
    expect(r.code, r.stdout).toBe(1)
    expect(r.stdout).toContain(`name="subject @ ${repo.rev('HEAD').slice(0, 12)} whatever"`)
    expect(r.stdout).toContain('message="not conventional: whatever"')
    expect(receipts(repo, 'HEAD')).toMatchObject([{ job: 'subject', hook: 'commit-msg', status: 'failed' }])
    expect(receipts(repo, 'HEAD~1')).toMatchObject([{ job: 'subject', hook: 'commit-msg', status: 'ok' }])
  })
})

describe('the pretty reporter', () => {
  it('on a terminal shows progress with counts, rate and time left, in colour unless NO_COLOR; quiet otherwise', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { concurrency: 1, jobs: { r: { on: 'post-commit', cache: false, run: async () => new Promise((ok) => setTimeout(() => ok(1), 1)) } } }\n`,
    )
    let stream = ''
    for (let i = 1; i <= 300; i++) {
      const message = `c${i}\n`
      stream += `commit refs/heads/main\ncommitter T <t@example.invalid> ${1700000000 + i} +0000\ndata ${message.length}\n${message}${i === 1 ? `from ${repo.rev('HEAD')}\n` : ''}\n`
    }
    repo.git(['fast-import', '--quiet'], { input: stream })
    repo.git(['reset', '-q', '--hard', 'main'])
    const tty = (env: NodeJS.ProcessEnv) =>
      spawnSync('script', ['-qec', `${process.execPath} ${CLI} run --all --force`, '/dev/null'], {
        cwd: repo.dir,
        env: { ...repo.env, ...env },
        encoding: 'utf8',
      })
    const coloured = tty({})
    expect(coloured.status, coloured.stdout).toBe(0)
    // The first run to end draws the line: counts, rate, time left, what ran.
    expect(coloured.stdout).toMatch(
      /\r\u001b\[2K\d+\/301 runs, \u001b\[32m0 failed\u001b\[0m, [\d.]+\/s, (?:\d+ (?:h|min|s) )+left/,
    )
    expect(coloured.stdout).toMatch(/301 runs, 301 ok, 0 failed/)
    const plain = repo.gitvan(['run', '--all', '--force'])
    expect(plain.stdout.trim().split('\n')).toHaveLength(1)
    expect(plain.stdout).not.toContain('\r')
    const noColor = tty({ NO_COLOR: '1' })
    expect(noColor.stdout).toMatch(/\d+\/301 runs, 0 failed, [\d.]+\/s, (?:\d+ (?:h|min|s) )+left/)
    expect(noColor.stdout).not.toMatch(/\u001b\[\d+m/)
  })
})

describe('reports', () => {
  it('json is one document per run, and junit carries every element and attribute the JUnit schemas require', () => {
    const repo = toolRepo(LINT)
    repo.write('src/bad.js', 'export const y = (x) => x == 2\n')
    repo.commit('add <bad> & "worse"')
    const json = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'json'])
    const doc = JSON.parse(json.stdout) as Record<string, unknown>
    expect(doc).toMatchObject({ mode: 'gates', hook: 'pre-commit', failed: 1, files: ['src/bad.js'] })
    expect(doc.results).toEqual([
      {
        job: 'lint',
        commit: repo.rev('HEAD'),
        status: 'failed',
        ms: expect.any(Number),
        cache: 'miss',
        error: { code: 'EXIT', message: "'eslint' exited with code 1" },
      },
    ])
    const junit = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'junit'])
    expect(junit.code).toBe(1)
    const tree = parseXml(junit.stdout)
    checkJunit(tree)
    const testcase = tree.children[0]?.children[0]?.children.find((c) => c.name === 'testcase')
    expect(testcase?.attrs.name).toBe(`lint @ ${repo.rev('HEAD').slice(0, 12)} add <bad> & "worse"`)
    const failure = testcase?.children.find((c) => c.name === 'failure')
    expect(failure?.attrs.message).toBe("'eslint' exited with code 1")
    expect(failure?.text).toContain("Expected '===' and instead saw '=='")
  })

  it('jobs over commits: json has a result per job and commit, junit a case per job and commit, in the same schema', () => {
    const repo = makeRepo()
    repo.write(
      'gitvan.config.mjs',
      `export default { jobs: { a: { on: 'post-commit', run: async () => 1 }, b: { on: 'post-commit', run: async (ctx) => { if (ctx.commit.startsWith(process.env.FAIL_ON)) throw new Error('no & <good>') } } } }\n`,
    )
    repo.commit('config')
    repo.commit('second', { allowEmpty: true })
    const env = { FAIL_ON: repo.rev('HEAD') }
    const json = repo.gitvan(['run', '--all', '--reporter', 'json'], { env })
    expect(json.code).toBe(1)
    const doc = JSON.parse(json.stdout) as { results: { job: string; commit: string; status: string; cache: string }[] }
    expect(doc.results).toHaveLength(6)
    expect(doc.results.filter((r) => r.status === 'failed')).toMatchObject([
      { job: 'b', commit: repo.rev('HEAD'), cache: 'miss', error: { message: 'no & <good>' } },
    ])
    const junit = repo.gitvan(['run', '--all', '--force', '--reporter', 'junit'], { env })
    const tree = parseXml(junit.stdout)
    checkJunit(tree)
    const names = tree.children[0]?.children.flatMap((suite) => suite.children.map((c) => c.attrs.name)).filter(Boolean)
    expect(names).toContain(`b @ ${repo.rev('HEAD').slice(0, 12)} second`)
    expect(names).toHaveLength(6)
  })

  it('github: writes a summary table to $GITHUB_STEP_SUMMARY when it is set', () => {
    const repo = toolRepo(LINT)
    repo.write('src/bad.js', 'export const y = (x) => x == 2\n')
    repo.commit('bad')
    const summary = path.join(tempDir('gitvan-summary-'), 'summary.md')
    writeFileSync(summary, '')
    const r = repo.gitvan(['run', '--hook', 'pre-commit', 'main..HEAD', '--reporter', 'github'], {
      env: { GITHUB_STEP_SUMMARY: summary },
    })
    expect(r.code).toBe(1)
    const text = readFileSync(summary, 'utf8')
    expect(text).toContain('| job | runs | ok | failed | skipped | result |')
    expect(text).toContain('| lint | 1 | 0 | 1 | 0 | failed |')
  })
})

// A small XML reader for the test: elements, attributes, text; throws on anything not well formed.
type Node = { name: string; attrs: Record<string, string>; children: Node[]; text: string }

const fromEntities = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')

function parseXml(source: string): Node {
  const body = source.replace(/^<\?xml[^?]*\?>\s*/, '')
  const root: Node = { name: '#document', attrs: {}, children: [], text: '' }
  const stack: Node[] = [root]
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy
  let match: RegExpExecArray | null
  let at = 0
  while (at < body.length) {
    token.lastIndex = at
    match = token.exec(body)
    if (!match) throw new Error(`not well-formed XML at ${at}: ${body.slice(at, at + 40)}`)
    at = token.lastIndex
    const [, close, name, attrText, selfClose, text] = match
    const top = stack[stack.length - 1] as Node
    if (text !== undefined) {
      if (/&(?!(lt|gt|quot|apos|amp);)/.test(text)) throw new Error(`bad entity in ${text}`)
      top.text += fromEntities(text)
    } else if (close) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`)
      stack.pop()
    } else {
      const attrs: Record<string, string> = {}
      for (const [, key, value] of (attrText ?? '').matchAll(/([\w:.-]+)="([^"]*)"/g))
        attrs[key as string] = fromEntities(value as string)
      const node: Node = { name: name as string, attrs, children: [], text: '' }
      top.children.push(node)
      if (!selfClose) stack.push(node)
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`)
  return root
}

/** The required parts of Ant's JUnit.xsd (as Jenkins and most CI servers read it). */
function checkJunit(doc: Node): void {
  const [top] = doc.children.filter((c) => c.name.trim() !== '')
  expect(top?.name).toBe('testsuites')
  const suites = top?.children ?? []
  expect(suites.length).toBeGreaterThan(0)
  for (const suite of suites) {
    expect(suite.name).toBe('testsuite')
    for (const attr of ['name', 'tests', 'failures', 'errors', 'time', 'timestamp', 'hostname', 'id', 'package'])
      expect(suite.attrs, attr).toHaveProperty(attr)
    expect(suite.attrs.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    for (const n of ['tests', 'failures', 'errors']) expect(suite.attrs[n]).toMatch(/^\d+$/)
    expect(suite.attrs.time).toMatch(/^\d+(\.\d+)?$/)
    const names = suite.children.map((c) => c.name)
    expect(names[0]).toBe('properties')
    expect(names.slice(-2)).toEqual(['system-out', 'system-err'])
    const cases = suite.children.filter((c) => c.name === 'testcase')
    expect(cases).toHaveLength(Number(suite.attrs.tests))
    for (const testcase of cases) {
      for (const attr of ['name', 'classname', 'time']) expect(testcase.attrs, attr).toHaveProperty(attr)
      for (const child of testcase.children) {
        expect(['failure', 'error', 'skipped', 'system-out', 'system-err']).toContain(child.name)
        if (child.name === 'failure') expect(child.attrs).toHaveProperty('type')
      }
    }
    expect(cases.filter((c) => c.children.some((x) => x.name === 'failure'))).toHaveLength(Number(suite.attrs.failures))
  }
}
