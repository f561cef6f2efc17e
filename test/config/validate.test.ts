import { describe, expect, it } from 'vitest'
import { formatProblem, type JobFile, validateConfig } from '../../src/config/validate.js'

const lines = (raw: unknown, jobFiles?: readonly JobFile[]): readonly string[] =>
  validateConfig(raw, jobFiles).map(formatProblem)
const job = (fields: Record<string, unknown>): unknown => ({ jobs: { lint: fields } })
const jobFile = (relative: string, id: string, raw: unknown): JobFile => ({
  id,
  relative,
  file: `/repo/${relative}`,
  raw,
})

const BAD: readonly (readonly [string, unknown, readonly string[]])[] = [
  [
    'a misspelt hook (object form)',
    job({ on: { hook: 'pre-comit' }, run: 'x' }),
    ["jobs.lint.on.hook: 'pre-comit' is not a git hook (did you mean 'pre-commit'?)"],
  ],
  [
    'a misspelt hook (string form)',
    job({ on: 'pre-comit', run: 'x' }),
    ["jobs.lint.on: 'pre-comit' is not a git hook (did you mean 'pre-commit'?)"],
  ],
  [
    'a misspelt hook (list form)',
    job({ on: ['post-commit', 'post-comit'], run: 'x' }),
    ["jobs.lint.on[1]: 'post-comit' is not a git hook (did you mean 'post-commit'?)"],
  ],
  [
    'a misspelt hook in a list of hooks of the object form',
    job({ on: { hook: ['post-merge', 'post-mrege'] }, run: 'x' }),
    ["jobs.lint.on.hook[1]: 'post-mrege' is not a git hook (did you mean 'post-merge'?)"],
  ],
  ['a word that is no hook at all', job({ on: 'deploy', run: 'x' }), ["jobs.lint.on: 'deploy' is not a git hook"]],
  [
    'a server-side hook',
    job({ on: 'pre-receive', run: 'x' }),
    [
      "jobs.lint.on: 'pre-receive' runs on the server side (in the repository pushed to); gitvan runs jobs on client-side hooks only",
    ],
  ],
  [
    'a client hook gitvan does not run',
    job({ on: 'pre-auto-gc', run: 'x' }),
    [
      "jobs.lint.on: 'pre-auto-gc' is a git hook gitvan does not run jobs on (supported: pre-commit, prepare-commit-msg, commit-msg, pre-push, pre-rebase, pre-merge-commit, pre-applypatch, applypatch-msg, post-commit, post-merge, post-checkout, post-rewrite, post-applypatch, reference-transaction)",
    ],
  ],
  [
    'a hook that is not a string',
    job({ on: { hook: 3 }, run: 'x' }),
    ["jobs.lint.on.hook: expected a hook name such as 'pre-commit' or 'post-commit', got 3 (number)"],
  ],
  [
    'an empty list of hooks',
    job({ on: [], run: 'x' }),
    ['jobs.lint.on: expected at least one hook name, got [] (array)'],
  ],
  [
    'no trigger',
    job({ run: 'x' }),
    ["jobs.lint: needs 'on' (a hook name, a list of them, or { hook, branch, paths, ... })"],
  ],
  [
    'a trigger object without hook',
    job({ on: { paths: 'src/**' }, run: 'x' }),
    ["jobs.lint.on: needs 'hook' (a hook name or a list of them)"],
  ],
  [
    'a trigger of the wrong type',
    job({ on: 5, run: 'x' }),
    [
      'jobs.lint.on: expected a hook name, a list of them, or { hook, branch, tag, paths, message, author }, got 5 (number)',
    ],
  ],
  [
    'an unknown trigger key',
    job({ on: { hook: 'pre-commit', path: 'src' }, run: 'x' }),
    ["jobs.lint.on.path: unknown option (did you mean 'paths'?)"],
  ],
  [
    'a wrong-typed priority',
    job({ on: 'pre-commit', run: 'x', priority: 'high' }),
    ["jobs.lint.priority: expected a number, got 'high' (string)"],
  ],
  [
    'neither run nor template',
    job({ on: 'pre-commit' }),
    ["jobs.lint: needs 'run' (a command or a function) or 'template'"],
  ],
  [
    'an empty templates list and no run',
    job({ on: 'post-commit', templates: [] }),
    ["jobs.lint: needs 'run' (a command or a function) or 'template'"],
  ],
  [
    'a misspelt job option',
    job({ on: 'pre-commit', run: 'x', prority: 1 }),
    ["jobs.lint.prority: unknown option (did you mean 'priority'?)"],
  ],
  ['a misspelt top-level option', { concurency: 2 }, ["concurency: unknown option (did you mean 'concurrency'?)"]],
  ['an unknown top-level option with nothing close', { hooks: {} }, ['hooks: unknown option']],
  [
    'a mode that does not exist',
    job({ on: 'post-commit', run: 'x', mode: 'lastest' }),
    ["jobs.lint.mode: expected 'each', 'latest' or 'batch', got 'lastest' (string) (did you mean 'latest'?)"],
  ],
  [
    'mode latest on a blocking hook',
    job({ on: 'pre-commit', run: 'x', mode: 'latest' }),
    [
      "jobs.lint.mode: 'latest' groups the events of a batch, which only async hooks have (post-commit, post-merge, post-checkout, post-rewrite, post-applypatch, reference-transaction); pre-commit runs once per operation: remove 'mode' or use 'each'",
    ],
  ],
  [
    'mode batch on blocking hooks only',
    job({ on: ['pre-commit', 'pre-push'], run: 'x', mode: 'batch' }),
    [
      "jobs.lint.mode: 'batch' groups the events of a batch, which only async hooks have (post-commit, post-merge, post-checkout, post-rewrite, post-applypatch, reference-transaction); pre-commit, pre-push run once per operation: remove 'mode' or use 'each'",
    ],
  ],
  [
    'a timeout with a unit it does not know',
    job({ on: 'pre-commit', run: 'x', timeout: '30 sec' }),
    [
      "jobs.lint.timeout: expected a duration such as '500ms', '30s', '5m', '1h', '30d' or a number of milliseconds, got '30 sec' (string)",
    ],
  ],
  [
    'a zero timeout',
    job({ on: 'pre-commit', run: 'x', timeout: 0 }),
    ['jobs.lint.timeout: expected a duration above zero, got 0 (number)'],
  ],
  [
    'a negative timeout',
    job({ on: 'pre-commit', run: 'x', timeout: -5 }),
    [
      "jobs.lint.timeout: expected a duration such as '500ms', '30s', '5m', '1h', '30d' or a number of milliseconds, got -5 (number)",
    ],
  ],
  [
    'fractional retries',
    job({ on: 'pre-commit', run: 'x', retries: 1.5 }),
    ['jobs.lint.retries: expected a non-negative integer, got 1.5 (number)'],
  ],
  [
    'negative retries',
    job({ on: 'pre-commit', run: 'x', retries: -1 }),
    ['jobs.lint.retries: expected a non-negative integer, got -1 (number)'],
  ],
  [
    'run of the wrong type',
    job({ on: 'pre-commit', run: 42 }),
    ['jobs.lint.run: expected a command (string) or a function, got 42 (number)'],
  ],
  [
    'an empty command',
    job({ on: 'pre-commit', run: '  ' }),
    ['jobs.lint.run: expected a command, got an empty string'],
  ],
  [
    'a command with an unterminated quote',
    job({ on: 'pre-commit', run: "eslint 'src" }),
    ["jobs.lint.run: unterminated single quote at column 8 of: eslint 'src"],
  ],
  [
    '{files} inside a larger argument',
    job({ on: 'pre-commit', run: 'eslint --files={files}' }),
    [
      'jobs.lint.run: {files} must be a whole argument (it expands to one argument per file), in: eslint --files={files}',
    ],
  ],
  [
    'a misspelt placeholder',
    job({ on: 'pre-commit', run: 'eslint {file}' }),
    [
      "jobs.lint.run: '{file}' is not a placeholder (did you mean '{files}'?); the placeholders are {files}, {args}, {commit}, {branch}, {root}",
    ],
  ],
  [
    '{args} inside a larger argument',
    job({ on: 'commit-msg', run: 'check --message={args}' }),
    [
      'jobs.lint.run: {args} must be a whole argument (it expands to one argument per hook argument), in: check --message={args}',
    ],
  ],
  [
    'a misspelt {args}',
    job({ on: 'commit-msg', run: 'check {arg}' }),
    [
      "jobs.lint.run: '{arg}' is not a placeholder (did you mean '{args}'?); the placeholders are {files}, {args}, {commit}, {branch}, {root}",
    ],
  ],
  [
    "GitVan v2's meta",
    job({ on: 'post-commit', run: 'x', meta: { desc: 'd' } }),
    ["jobs.lint.meta: unknown option (GitVan v2's 'meta': use 'description' for the text)"],
  ],
  [
    'a template that is not a string',
    job({ on: 'post-commit', template: 5 }),
    ['jobs.lint.template: expected a string, got 5 (number)'],
  ],
  [
    'a pre-commit template writing onto a ref',
    job({ on: 'pre-commit', template: 'a.liquid' }),
    [
      'jobs.lint.output: a template of a pre-commit job writes into the work tree: set output: { worktree: true } (and stage: true to commit what it writes)',
    ],
  ],
  [
    'a replace that is not a boolean, and replace with worktree',
    job({ on: 'post-commit', template: 'a.liquid', output: { worktree: true, replace: 1 } }),
    ['jobs.lint.output.replace: expected true or false, got 1 (number)'],
  ],
  [
    'output.stage without worktree',
    job({ on: 'post-commit', template: 'a.liquid', output: { stage: true } }),
    ["jobs.lint.output.stage: stages files written into the work tree: add 'worktree: true'"],
  ],
  [
    'templates as one string',
    job({ on: 'post-commit', templates: 'a.liquid' }),
    ["jobs.lint.templates: expected a list of strings, got 'a.liquid' (string)"],
  ],
  [
    'a branch glob of the wrong type',
    job({ on: { hook: 'post-commit', branch: 5 }, run: 'x' }),
    ['jobs.lint.on.branch: expected a string or a list of strings, got 5 (number)'],
  ],
  [
    'a non-string path glob in a list',
    job({ on: { hook: 'pre-commit', paths: ['src/**', 3] }, run: 'x' }),
    ['jobs.lint.on.paths[1]: expected a string, got 3 (number)'],
  ],
  [
    'a tag glob that is empty',
    job({ on: { hook: 'post-commit', tag: '' }, run: 'x' }),
    ['jobs.lint.on.tag: expected a non-empty string, got an empty one'],
  ],
  [
    'a message pattern that does not compile',
    job({ on: { hook: 'commit-msg', message: '(' }, run: 'x' }),
    [
      "jobs.lint.on.message: '(' (string) is not a valid regular expression: Invalid regular expression: /(/: Unterminated group",
    ],
  ],
  [
    'an author pattern of the wrong type',
    job({ on: { hook: 'post-commit', author: 7 }, run: 'x' }),
    ['jobs.lint.on.author: expected a regular expression (a RegExp or a string), got 7 (number)'],
  ],
  [
    'an output ref outside refs/',
    job({ on: 'post-commit', run: 'x', output: { ref: 'heads/changelog' } }),
    ["jobs.lint.output.ref: 'heads/changelog' is not a valid full ref name: it does not start with 'refs/'"],
  ],
  [
    'an output ref git refuses',
    job({ on: 'post-commit', run: 'x', output: { ref: 'refs/heads/a..b' } }),
    [
      "jobs.lint.output.ref: 'refs/heads/a..b' is not a valid full ref name: it has a component that contains '..' ('a..b')",
    ],
  ],
  [
    'an output ref with a .lock component',
    job({ on: 'post-commit', run: 'x', output: { ref: 'refs/heads/x.lock/y' } }),
    [
      "jobs.lint.output.ref: 'refs/heads/x.lock/y' is not a valid full ref name: it has a component that ends with '.lock' ('x.lock')",
    ],
  ],
  [
    'an output ref among the lock refs',
    job({ on: 'post-commit', run: 'x', output: { ref: 'refs/gitvan/locks/x' } }),
    [
      "jobs.lint.output.ref: 'refs/gitvan/locks/x' is under refs/gitvan/locks/, where gitvan keeps its own locks: use another ref, e.g. 'refs/gitvan/outputs/<name>'",
    ],
  ],
  [
    'an output ref on the receipts',
    job({ on: 'post-commit', run: 'x', output: { ref: 'refs/notes/gitvan/results' } }),
    [
      "jobs.lint.output.ref: 'refs/notes/gitvan/results' is under refs/notes/gitvan/, where gitvan keeps its own receipts: use another ref, e.g. 'refs/gitvan/outputs/<name>'",
    ],
  ],
  [
    'output.worktree not a boolean',
    job({ on: 'post-commit', run: 'x', output: { worktree: 'yes' } }),
    ["jobs.lint.output.worktree: expected true or false, got 'yes' (string)"],
  ],
  [
    'a job cache of the wrong type',
    job({ on: 'pre-commit', run: 'x', cache: 'no' }),
    [
      "jobs.lint.cache: expected false or { inputs: [...], by: 'content' | 'commit', scope: 'tree' | 'files' }, got 'no' (string)",
    ],
  ],
  [
    'a cache keyed by something it does not know',
    job({ on: 'post-commit', run: 'x', cache: { by: 'branch' } }),
    [
      "jobs.lint.cache.by: expected 'content' (the default: keyed by what the job sees) or 'commit' (also by the commit), got 'branch' (string)",
    ],
  ],
  [
    'cache inputs as one string',
    job({ on: 'pre-commit', run: 'x', cache: { inputs: 'a.json' } }),
    ["jobs.lint.cache.inputs: expected a list of strings, got 'a.json' (string)"],
  ],
  [
    'a job that is a string',
    { jobs: { lint: 'eslint .' } },
    ["jobs.lint: expected a job ({ on, run } or { on, template }), got 'eslint .' (string)"],
  ],
  [
    'jobs as a list',
    { jobs: [{ on: 'pre-commit', run: 'x' }] },
    ["jobs: expected an object of jobs by id, got [{ on: 'pre-commit', run: 'x' }] (array)"],
  ],
  [
    'a config that is not an object',
    42,
    ['config: expected an object (export default defineConfig({ jobs: { ... } })), got 42 (number)'],
  ],
  [
    'no default export',
    undefined,
    ["config: the file has no default export: end it with 'export default defineConfig({ jobs: { ... } })'"],
  ],
  ['a zero concurrency', { concurrency: 0 }, ['concurrency: expected a positive integer, got 0 (number)']],
  [
    'a cache size with a unit it does not know',
    { cache: { maxSize: '256 MBs' } },
    ["cache.maxSize: expected a size such as '512KB', '256MB', '1GB' or a number of bytes, got '256 MBs' (string)"],
  ],
  ['cache.enabled not a boolean', { cache: { enabled: 1 } }, ['cache.enabled: expected true or false, got 1 (number)']],
  [
    'a negative debounce',
    { debounce: { wait: -1, maxBatch: 0 } },
    [
      'debounce.wait: expected a non-negative number, got -1 (number)',
      'debounce.maxBatch: expected a positive integer, got 0 (number)',
    ],
  ],
  [
    'a misspelt debounce key',
    { debounce: { maxwait: 10 } },
    ["debounce.maxwait: unknown option (did you mean 'maxWait'?)"],
  ],
  [
    'a runner idle that is no duration',
    { runner: { idle: 'soon', maxHeapMB: 0 } },
    [
      "runner.idle: expected a duration such as '500ms', '30s', '5m', '1h', '30d' or a number of milliseconds, got 'soon' (string)",
      'runner.maxHeapMB: expected a positive integer, got 0 (number)',
    ],
  ],
  [
    'a malformed performance block',
    {
      performance: { cache: { diskCache: 'yes' }, concurrency: { gitOps: 0 }, io: { debounceMs: 'fast' }, workers: 2 },
    },
    [
      'performance.workers: unknown option',
      "performance.cache.diskCache: expected true or false, got 'yes' (string)",
      'performance.concurrency.gitOps: expected a positive integer, got 0 (number)',
      "performance.io.debounceMs: expected a number, got 'fast' (string)",
    ],
  ],
]

describe('validateConfig: one bad config at a time', () => {
  it.each(BAD)('%s', (_name, raw, expected) => {
    expect(lines(raw)).toEqual(expected)
  })
})

describe('validateConfig: job ids follow git-check-ref-format for one component', () => {
  const ID_PROBLEMS: readonly (readonly [string, string])[] = [
    [
      'my lint',
      "job id 'my lint' contains a space; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'my-lint'",
    ],
    [
      'docs/changelog',
      "job id 'docs/changelog' contains '/'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'docs.changelog'",
    ],
    [
      '.hidden',
      "job id '.hidden' starts with '.'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'hidden'",
    ],
    [
      'a..b',
      "job id 'a..b' contains '..'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'a.b'",
    ],
    [
      'build.lock',
      "job id 'build.lock' ends with '.lock'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'build'",
    ],
    [
      'build.',
      "job id 'build.' ends with '.'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'build'",
    ],
    [
      '@',
      "job id '@' is '@'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'job'",
    ],
    [
      'a@{1}',
      "job id 'a@{1}' contains '@{'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'a-1}'",
    ],
    [
      'lint:fix',
      "job id 'lint:fix' contains ':'; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'lint-fix'",
    ],
    [
      'a\tb',
      `job id "a\\tb" contains a control character (0x09); an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: use 'a-b'`,
    ],
  ]
  it.each(ID_PROBLEMS)('%j', (id, message) => {
    const problems = validateConfig({ jobs: { [id]: { on: 'pre-commit', run: 'x' } } })
    expect(problems.map((p) => p.message)).toEqual([message])
  })

  it('names a job whose id is not a plain word by a bracketed path', () => {
    expect(lines({ jobs: { 'docs.changelog': { on: 'post-commit', run: 'x', priority: 'high' } } })).toEqual([
      "jobs['docs.changelog'].priority: expected a number, got 'high' (string)",
    ])
  })
})

describe('validateConfig: every problem at once', () => {
  it('reports a misspelt hook, a wrong-typed priority and a job with neither run nor template together', () => {
    const raw = {
      jobs: {
        lint: { on: { hook: 'pre-comit' }, run: 'eslint .' },
        test: { on: 'pre-push', run: 'npm test', priority: 'high' },
        docs: { on: 'post-commit' },
      },
    }
    expect(lines(raw)).toEqual([
      "jobs.lint.on.hook: 'pre-comit' is not a git hook (did you mean 'pre-commit'?)",
      "jobs.test.priority: expected a number, got 'high' (string)",
      "jobs.docs: needs 'run' (a command or a function) or 'template'",
    ])
  })
})

describe('validateConfig: jobs under jobs/', () => {
  it('reports a job defined both in the config and in jobs/', () => {
    const problems = validateConfig({ jobs: { lint: { on: 'pre-commit', run: 'x' } } }, [
      jobFile('jobs/lint.mjs', 'lint', { on: 'pre-commit', run: 'y' }),
    ])
    expect(problems).toEqual([
      {
        path: 'jobs.lint',
        file: 'jobs/lint.mjs',
        message: "job 'lint' is defined twice: in the config file and in jobs/lint.mjs; remove one or rename it",
      },
    ])
  })

  it('reports two files that give the same id', () => {
    const ok = { on: 'post-commit', run: 'x' }
    expect(
      lines({}, [
        jobFile('jobs/docs.changelog.mjs', 'docs.changelog', ok),
        jobFile('jobs/docs/changelog.mjs', 'docs.changelog', ok),
      ]),
    ).toEqual([
      "jobs/docs/changelog.mjs: jobs['docs.changelog']: job 'docs.changelog' is defined twice: in jobs/docs.changelog.mjs and in jobs/docs/changelog.mjs; rename one of the files",
    ])
  })

  it('reports a job file without a default export, a file-derived id git refuses, and problems inside a file', () => {
    expect(
      lines({}, [
        jobFile('jobs/empty.mjs', 'empty', undefined),
        jobFile('jobs/my job.mjs', 'my job', { on: 'post-commit', run: 'x' }),
        jobFile('jobs/docs/changelog.mjs', 'docs.changelog', { on: 'post-comit', template: 'CHANGELOG.md.liquid' }),
      ]),
    ).toEqual([
      "jobs/empty.mjs: jobs.empty: jobs/empty.mjs has no default export: end it with 'export default defineJob({ on, run })'",
      "jobs/my job.mjs: jobs['my job']: job id 'my job' contains a space; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: rename the file so its id reads 'my-job'",
      "jobs/docs/changelog.mjs: jobs['docs.changelog'].on: 'post-comit' is not a git hook (did you mean 'post-commit'?)",
    ])
  })
})

describe('validateConfig: good configs', () => {
  it('accepts the example of the design (every option in its documented form)', () => {
    const raw = {
      jobs: {
        lint: {
          on: { hook: 'pre-commit', paths: ['src/**/*.ts'] },
          run: 'eslint --max-warnings=0 {files}',
          cache: { inputs: ['package-lock.json', 'eslint.config.js'], by: 'commit' },
        },
        receipt: { on: 'post-commit', run: async () => ({ files: 0 }) },
        changelog: {
          on: { hook: ['post-commit', 'post-merge'], branch: 'main' },
          mode: 'latest',
          priority: 10,
          template: 'templates/CHANGELOG.md.liquid',
          output: { ref: 'refs/heads/changelog' },
          timeout: '30s',
        },
      },
      debounce: { wait: 200, maxWait: 2000, maxBatch: 1000 },
      concurrency: 4,
      cache: { maxSize: '256MB', ttl: '30d' },
    }
    expect(validateConfig(raw)).toEqual([])
  })

  it('accepts RegExp patterns, mixed blocking and async hooks in batch mode, cache off, and the v2 performance block', () => {
    const raw = {
      jobs: {
        'docs.changelog': {
          on: {
            hook: ['pre-commit', 'post-commit'],
            message: /^feat/i,
            author: '@example\\.com>$',
            tag: ['v*', '!v0.*'],
          },
          run: 'x',
          mode: 'batch',
          cache: false,
          output: { worktree: true },
          description: 'changelog',
          templates: ['a.liquid', 'b.liquid'],
          retries: 2,
          timeout: 1500,
          priority: -1,
        },
      },
      runner: { idle: '10s', maxHeapMB: 256 },
      performance: {
        cache: { maxSize: '1GB', ttl: '1h', diskCache: false },
        concurrency: { hooks: 2, gitOps: 4, templates: 8 },
        io: { batchSize: 50, debounceMs: 100 },
      },
    }
    expect(validateConfig(raw)).toEqual([])
  })

  it('leaves braces that are not placeholders alone', () => {
    expect(
      validateConfig(job({ on: 'pre-commit', run: 'find . -name {x} -exec echo {} + {files} {commit} {branch}' })),
    ).toEqual([])
  })

  it('accepts {args} as a whole argument and {root} at the start of a plain path', () => {
    expect(validateConfig(job({ on: 'commit-msg', run: 'node {root}/scripts/check.mjs {args}' }))).toEqual([])
  })

  it('refuses a placeholder inside a shell script, by job and key, pointing to the environment variable', () => {
    expect(validateConfig(job({ on: 'post-commit', run: 'sh -c "echo branch is {branch} >> out"' }))).toEqual([
      {
        path: 'jobs.lint.run',
        message: expect.stringMatching(
          /^\{branch\} inside the argument 'echo branch is \{branch\} >> out' could be run as code .*"\$GITVAN_BRANCH"/,
        ),
      },
    ])
  })

  it('accepts an empty config (jobs may all live under jobs/)', () => {
    expect(validateConfig({})).toEqual([])
  })
})

describe('validateConfig: fix, after and cwd', () => {
  const gate = (extra: Record<string, unknown>) => ({ on: 'pre-commit', run: 'x', ...extra })

  it('accepts fix gates ordered with after, and a cwd under the root', () => {
    const raw = {
      jobs: {
        fmt: gate({ fix: true }),
        lint: gate({ fix: true, after: ['fmt'], cwd: 'packages/app' }),
        test: gate({ after: ['fmt', 'lint'] }),
      },
    }
    expect(validateConfig(raw)).toEqual([])
  })

  it('reports an unknown id, a job of another hook, itself, and a cycle, each by path', () => {
    const raw = {
      jobs: {
        a: gate({ after: ['b'] }),
        b: gate({ after: ['c'] }),
        c: gate({ after: ['a'] }),
        d: gate({ after: ['fmtt', 'd', 'notes'] }),
        fmt: gate({}),
        notes: { on: 'post-commit', run: 'x' },
      },
    }
    expect(lines(raw)).toEqual([
      "jobs.d.after[0]: no job 'fmtt' (did you mean 'fmt'?)",
      "jobs.d.after[1]: job 'd' cannot run after itself",
      "jobs.d.after[2]: job 'notes' runs on post-commit, not on pre-commit: 'after' orders jobs of the same hook",
      'jobs.a.after: jobs wait for each other in a cycle: a → b → c → a',
    ])
  })

  it('sees after across the config file and jobs/', () => {
    const problems = validateConfig({ jobs: { lint: gate({ after: ['fmt'] }) } }, [
      { id: 'fmt', file: '/r/jobs/fmt.mjs', relative: 'jobs/fmt.mjs', raw: gate({ after: ['lint'] }) },
    ]).map(formatProblem)
    expect(problems).toEqual(['jobs.lint.after: jobs wait for each other in a cycle: lint → fmt → lint'])
  })

  it('reports a fix that is not a boolean and a cwd outside the repository', () => {
    expect(
      lines({ jobs: { a: gate({ fix: 'yes', cwd: '../elsewhere' }), b: gate({ cwd: '/abs', after: 'a' }) } }),
    ).toEqual([
      "jobs.a.fix: expected true or false, got 'yes' (string)",
      "jobs.a.cwd: '../elsewhere' is outside the repository: give a directory under its root, such as 'packages/app'",
      "jobs.b.after: expected a list of strings, got 'a' (string)",
      "jobs.b.cwd: '/abs' is outside the repository: give a directory under its root, such as 'packages/app'",
    ])
  })
})
