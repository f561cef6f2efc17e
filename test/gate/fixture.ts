/**
 * Repositories with a gitvan config and the shims installed by `gitvan install`, plus small node
 * scripts (outside the repository, so they are never staged) that gate commands call.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect } from 'vitest'
import { makeRepo, type TestRepo } from '../helpers/repo.js'

export const NODE = JSON.stringify(process.execPath)

/** A directory outside every repository, for scripts and what they record. */
export const scratch = (): string => mkdtempSync(path.join(os.tmpdir(), 'gitvan-gate-'))

/** A script that appends its argv (after the output file) as one JSON line to the output file. */
export function argvRecorder(dir: string): {
  readonly script: string
  readonly out: string
  readonly calls: () => string[][]
} {
  const script = path.join(dir, 'record-argv.mjs')
  const out = path.join(dir, 'argv.jsonl')
  writeFileSync(
    script,
    "import { appendFileSync } from 'node:fs'\nconst [out, ...args] = process.argv.slice(2)\nappendFileSync(out, JSON.stringify(args) + '\\n')\n",
  )
  return {
    script,
    out,
    calls: () =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as string[])
        : [],
  }
}

/**
 * Writes gitvan.config.mjs (a plain object export) and commits it with hooks off; where gitvan is
 * installed, approves it (`gitvan trust`), as its author would. A config that does not load or
 * validate cannot be approved: hooks then refuse it as not approved.
 */
export function writeConfig(repo: TestRepo, source: string): void {
  repo.write('gitvan.config.mjs', source)
  repo.git(['add', 'gitvan.config.mjs'])
  repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'gitvan config'])
  if (existsSync(path.join(repo.dir, '.git/gitvan/install.json'))) repo.gitvan(['trust'])
}

/** A repository with this config committed and the shims installed. */
export function gateRepo(config: string, options: { initialCommit?: boolean } = {}): TestRepo {
  const repo = makeRepo(options)
  if (options.initialCommit === false) {
    repo.write('gitvan.config.mjs', config)
  } else {
    writeConfig(repo, config)
  }
  const installed = repo.gitvan(['install'])
  expect(installed.code, installed.stderr).toBe(0)
  return repo
}

/** Lines appended by `append` jobs, in order. */
export const readLines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []

/**
 * A command as a JS string literal for a config file: each word double-quoted for the command
 * splitter, placeholders (`{files}`, `{commit}`, `{branch}`) left bare.
 */
export const cmd = (...words: readonly string[]): string =>
  JSON.stringify(
    words.map((word) => (/^\{(files|commit|branch)\}$/.test(word) ? word : JSON.stringify(word))).join(' '),
  )

/** A command that appends `line` to `file`. */
export const append = (file: string, line: string): string =>
  cmd(process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(file)}, ${JSON.stringify(`${line}\n`)})`)
