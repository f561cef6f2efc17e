// The locations the github reporter finds in what tools print: the formats of real tools, and
// what must never become an annotation.
import { describe, expect, it } from 'vitest'
import { findAnnotations, toGithub } from '../../src/report/github.js'
import { emptyTally, recordResult } from '../../src/report/run.js'
import type { Job } from '../../src/types.js'

const FILES = new Set(['src/a.ts', 'src/b.js', 'pkg/web/c.tsx', 'src/with space.js'])
const where = (cwd = '') => ({ root: '/repo', cwdOf: () => cwd, exists: (file: string) => FILES.has(file) })

describe('findAnnotations', () => {
  it('reads tsc (both styles), eslint stylish with absolute paths, eslint unix, and file:line:col lines', () => {
    const log = [
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      "src/a.ts:9:1 - error TS1005: ';' expected.",
      '',
      '/repo/src/b.js',
      "  1:5   error    'x' is assigned a value but never used  no-unused-vars",
      "  2:10  warning  Expected '===' and instead saw '=='     eqeqeq",
      '',
      '✖ 2 problems (1 error, 1 warning)',
      '/repo/src/with space.js:4:2: Unexpected var, use let or const instead. [Error/no-var]',
    ].join('\n')
    expect(findAnnotations(log, 'lint', where())).toEqual([
      {
        level: 'error',
        file: 'src/a.ts',
        line: 3,
        col: 7,
        message: "error TS2322: Type 'string' is not assignable to type 'number'.",
      },
      { level: 'error', file: 'src/a.ts', line: 9, col: 1, message: "error TS1005: ';' expected." },
      {
        level: 'error',
        file: 'src/b.js',
        line: 1,
        col: 5,
        message: "'x' is assigned a value but never used (no-unused-vars)",
      },
      { level: 'warning', file: 'src/b.js', line: 2, col: 10, message: "Expected '===' and instead saw '==' (eqeqeq)" },
      {
        level: 'error',
        file: 'src/with space.js',
        line: 4,
        col: 2,
        message: 'Unexpected var, use let or const instead. [Error/no-var]',
      },
    ])
  })

  it("takes relative paths from the job's cwd, strips colour, and reads a fix gate's diff", () => {
    const log = '\u001b[4mc.tsx\u001b[24m:2:3: bad\n--- a/pkg/web/c.tsx\n+++ b/pkg/web/c.tsx\n@@ -12,3 +12,3 @@ x\n'
    expect(findAnnotations(log, 'fmt', where('pkg/web'))).toEqual([
      { level: 'error', file: 'pkg/web/c.tsx', line: 2, col: 3, message: 'bad' },
      { level: 'error', file: 'pkg/web/c.tsx', line: 12, message: 'fmt would change this' },
    ])
  })

  it('never annotates stack frames, URLs, paths outside the repository or files it does not have', () => {
    const log = [
      'node:internal/modules/cjs/loader:1228:14',
      'https://example.com/x.js:3:4 something',
      '/elsewhere/src/a.ts:1:1: outside',
      '../src/a.ts:1:1: outside too',
      'src/missing.ts:1:1: not a file here',
      '    at run (file:///repo/src/a.ts:1:2)',
      '12:30:45 build started',
    ].join('\n')
    expect(findAnnotations(log, 'x', where())).toEqual([])
  })
})

describe('toGithub', () => {
  const job = { id: 'lint' } as Job
  const failed = (log: string) => {
    const tally = emptyTally([job])
    recordResult(
      tally,
      { job, commit: 'a'.repeat(40), commits: ['a'.repeat(40)] },
      {
        job: 'lint',
        status: 'failed',
        ms: 5,
        log,
        attempts: 1,
        outputs: [],
        error: { code: 'EXIT', message: "'eslint' exited with code 1" },
      },
    )
    return toGithub(tally, { range: 'A..B', hook: 'pre-commit', commits: 1, ms: 5 }, where(), 'summary')
  }

  it('prints an ::error per location with escaped properties, then the output in a group', () => {
    const out = failed('src/with space.js:1:2: a, b: 100% wrong\n')
    expect(out.split('\n')).toEqual([
      '::error file=src/with space.js,line=1,col=2,title=gitvan lint::a, b: 100%25 wrong',
      `::group::lint failed on ${'a'.repeat(40)}: 'eslint' exited with code 1`,
      'src/with space.js:1:2: a, b: 100% wrong',
      '::endgroup::',
      'summary',
      '',
    ])
  })

  it('falls back to one ::error with the whole output when the tool named no location', () => {
    expect(failed('something broke\nbadly\n')).toMatch(
      /^::error title=gitvan lint::lint failed on a{40}: 'eslint' exited with code 1%0Asomething broke%0Abadly\n/,
    )
  })
})
