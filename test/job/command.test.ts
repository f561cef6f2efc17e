import { describe, expect, it } from 'vitest'
import { ARGV_BUDGET, type CommandFacts, expandCommand, parseCommand } from '../../src/job/command.js'

const facts: CommandFacts = {
  files: ['a.ts', 'b c.ts'],
  args: ['.git/COMMIT_EDITMSG'],
  commit: 'abc123',
  branch: 'feature/x',
  root: '/work/my repo',
}

const argv = (command: string, f = facts) => {
  const parsed = parseCommand(command)
  if (!parsed.ok) throw new Error(parsed.problem)
  return expandCommand(parsed.words, f)
}

describe('parseCommand + expandCommand', () => {
  const table: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['eslint --max-warnings=0', ['eslint', '--max-warnings=0']],
    ['  spaced\t\targs \n here ', ['spaced', 'args', 'here']],
    [`echo 'single quoted  text'`, ['echo', 'single quoted  text']],
    [`echo "double quoted  text"`, ['echo', 'double quoted  text']],
    [`echo a'b'"c"d`, ['echo', 'abcd']],
    [`echo '' ""`, ['echo', '', '']],
    [`echo it\\'s a\\ b`, ['echo', "it's", 'a b']],
    [`echo "say \\"hi\\" \\\\ \\n"`, ['echo', 'say "hi" \\ \\n']],
    [`echo 'no \\escape "here"'`, ['echo', 'no \\escape "here"']],
    [
      `echo a | grep b && rm -rf / ; x > y`,
      ['echo', 'a', '|', 'grep', 'b', '&&', 'rm', '-rf', '/', ';', 'x', '>', 'y'],
    ],
    ['echo $HOME *.ts ~ `id`', ['echo', '$HOME', '*.ts', '~', '`id`']],
    ['lint {files}', ['lint', 'a.ts', 'b c.ts']],
    ['lint "{files}" --', ['lint', 'a.ts', 'b c.ts', '--']],
    [`lint '{files}' \\{files}`, ['lint', '{files}', '{files}']],
    ['tag {commit} --ref={branch} name={branch}', ['tag', 'abc123', '--ref=feature/x', 'name=feature/x']],
    [
      '{root}/bin/x.sh -r={root}/a_b/c-d.mjs "{branch}"',
      ['/work/my repo/bin/x.sh', '-r=/work/my repo/a_b/c-d.mjs', 'feature/x'],
    ],
    [`sh -c 'echo "$GITVAN_BRANCH" "$1"' sh {branch}`, ['sh', '-c', 'echo "$GITVAN_BRANCH" "$1"', 'sh', 'feature/x']],
    ["echo '{commit}'", ['echo', '{commit}']],
    ['find . -exec {} + {unknown}', ['find', '.', '-exec', '{}', '+', '{unknown}']],
    ['line\\\ncontinued', ['linecontinued']],
    ['check {args}', ['check', '.git/COMMIT_EDITMSG']],
    ['node {root}/scripts/x.mjs "{args}"', ['node', '/work/my repo/scripts/x.mjs', '.git/COMMIT_EDITMSG']],
    [`echo '{args}' \\{root} {root}`, ['echo', '{args}', '{root}', '/work/my repo']],
  ]
  for (const [command, expected] of table) {
    it(`splits ${JSON.stringify(command)}`, () => {
      expect(argv(command)).toEqual([expected])
    })
  }

  it('replaces {branch} with nothing on a detached HEAD', () => {
    expect(argv('echo {branch}', { ...facts, branch: undefined })).toEqual([['echo', '']])
  })

  it('gives {args} one argument per hook argument, and none when the hook has none', () => {
    const refs = ['0000000000000000000000000000000000000000', 'c0ffee', '1']
    expect(argv('post-checkout {args} --', { ...facts, args: refs })).toEqual([['post-checkout', ...refs, '--']])
    expect(argv('lint {args} x', { ...facts, args: [] })).toEqual([['lint', 'x']])
    expect(argv('lint {args} {files}', { ...facts, args: ['-m x'] })).toEqual([['lint', '-m x', 'a.ts', 'b c.ts']])
  })

  it('does not run a {files} command when there are no files', () => {
    expect(argv('lint {files}', { ...facts, files: [] })).toEqual([])
    expect(argv('lint', { ...facts, files: [] })).toEqual([['lint']])
  })

  it('passes odd names intact, as one argument each, with no -- added', () => {
    const files = ['-rf', 'new\nline', 'ünïcödé.ts', 'quote\'d "both".ts', '  spaces  ']
    expect(argv('rm {files}', { ...facts, files })).toEqual([['rm', ...files]])
  })

  it('reports malformed commands', () => {
    const problems = [
      ["echo 'open", /unterminated single quote/],
      ['echo "open', /unterminated double quote/],
      ['echo \\', /trailing backslash/],
      ['   ', /empty/],
      ['lint --files={files}', /\{files\} must be a whole argument/],
      ['check --msg={args}', /\{args\} must be a whole argument \(it expands to one argument per hook argument\)/],
    ] as const
    for (const [command, problem] of problems) {
      const parsed = parseCommand(command)
      expect(parsed.ok, command).toBe(false)
      if (!parsed.ok) expect(parsed.problem).toMatch(problem)
    }
  })
})

describe('placeholders are values, never code', () => {
  // A legal branch name (git check-ref-format accepts it) that runs three commands if a shell reads it.
  const hostile = 'x`touch${IFS}pwned1`$(touch${IFS}pwned2);touch${IFS}pwned3'

  it('passes a hostile branch name as one intact argument', () => {
    expect(argv('record {branch} --ref={branch}', { ...facts, branch: hostile })).toEqual([
      ['record', hostile, `--ref=${hostile}`],
    ])
  })

  it('refuses a value placeholder inside a larger argument, pointing to its GITVAN_* variable', () => {
    const problems = [
      [
        'sh -c "echo branch is {branch} >> out"',
        /\{branch\} inside the argument 'echo branch is \{branch\} >> out'.*"\$GITVAN_BRANCH"/,
      ],
      ['tag {commit}-{branch}', /\{commit\} inside the argument '\{commit\}-\{branch\}'.*"\$GITVAN_COMMIT"/],
      ['echo v{commit}', /\{commit\} inside the argument 'v\{commit\}'/],
      ['echo --ref=refs/{branch}', /\{branch\} inside the argument '--ref=refs\/\{branch\}'/],
      ['echo {branch}/x', /\{branch\} inside the argument/],
      ['node "{root}/my script.mjs"', /\{root\} inside the argument '\{root\}\/my script.mjs'.*"\$GITVAN_ROOT"/],
      ['node {root}/x;y', /\{root\} inside the argument/],
      ['echo $({branch})', /\{branch\} inside the argument/],
    ] as const
    for (const [command, problem] of problems) {
      const parsed = parseCommand(command)
      expect(parsed.ok, command).toBe(false)
      if (!parsed.ok) expect(parsed.problem).toMatch(problem)
    }
  })

  it('refuses any placeholder that is the script of a shell -c, wherever the shell stands', () => {
    const problems = [
      ['sh -c {branch}', /\{branch\} is part of the script '\{branch\}' that sh -c runs.*"\$GITVAN_BRANCH"/],
      ['/bin/bash -e -o pipefail -c {commit}', /\{commit\} is part of the script/],
      ['bash --norc -ec {files}', /\{files\} is part of the script.*"\$@"/],
      ['env FOO=1 dash -c -- {args}', /\{args\} is part of the script/],
    ] as const
    for (const [command, problem] of problems) {
      const parsed = parseCommand(command)
      expect(parsed.ok, command).toBe(false)
      if (!parsed.ok) expect(parsed.problem).toMatch(problem)
    }
    for (const command of [
      'sh script.sh {branch}',
      'sh -c \'x "$@"\' sh {files}',
      'sh -- {branch}',
      "echo '{branch}' -c",
    ])
      expect(parseCommand(command).ok, command).toBe(true)
  })
})

describe('chunking {files}', () => {
  it('splits thousands of long names into several argvs under the budget, each file exactly once', () => {
    const files = Array.from(
      { length: 5000 },
      (_, i) => `src/${'deeply/nested/'.repeat(6)}${String(i).padStart(5, '0')}-ünï file.ts`,
    )
    const runs = argv('lint --fix {files} --end', { ...facts, files })
    expect(runs.length).toBeGreaterThan(3)
    const delivered: string[] = []
    for (const run of runs) {
      expect(run.slice(0, 2)).toEqual(['lint', '--fix'])
      expect(run.at(-1)).toBe('--end')
      const bytes = run.reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1 + 8, 0)
      expect(bytes).toBeLessThanOrEqual(ARGV_BUDGET)
      delivered.push(...run.slice(2, -1))
    }
    expect(delivered).toEqual(files)
  })

  it('counts {args} in every chunk and repeats it in each', () => {
    const parsed = parseCommand('x {args} {files}')
    if (!parsed.ok) throw new Error(parsed.problem)
    const runs = expandCommand(parsed.words, { ...facts, args: ['a'.repeat(20)], files: ['1', '2', '3'] }, 60)
    expect(runs).toEqual([
      ['x', 'a'.repeat(20), '1', '2'],
      ['x', 'a'.repeat(20), '3'],
    ])
  })

  it('gives a name larger than the budget an invocation of its own', () => {
    const parsed = parseCommand('x {files}')
    if (!parsed.ok) throw new Error(parsed.problem)
    const runs = expandCommand(parsed.words, { ...facts, files: ['a', 'b'.repeat(100), 'c'] }, 60)
    expect(runs).toEqual([
      ['x', 'a'],
      ['x', 'b'.repeat(100)],
      ['x', 'c'],
    ])
  })
})
