/**
 * Real temporary repositories for tests: git with no user or system config, no GIT_* variables
 * from the calling environment, a fixed identity, signing and auto-gc off.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..')
/** The CLI bundle built for this test run (see build.ts). */
export const CLI = process.env.GITVAN_TEST_CLI ?? path.join(PROJECT_ROOT, 'dist/cli.js')

const homes: string[] = []

/** A clean environment: no GIT_*, HUSKY, GITVAN*, CI from the caller; an isolated global git config. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GIT_|GITVAN|HUSKY$|CI$|LEFTHOOK)/.test(key)) continue
    env[key] = value
  }
  const home = mkdtempSync(path.join(os.tmpdir(), 'gitvan-home-'))
  homes.push(home)
  const gitconfig = path.join(home, '.gitconfig')
  writeFileSync(
    gitconfig,
    '[user]\n\tname = Test User\n\temail = test@example.invalid\n[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n',
  )
  // Warm gates off unless a test turns them on: a runner left warm for ten minutes per test repository
  // would pile up. The warm tests set GITVAN_WARM themselves.
  return { ...env, HOME: home, GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', GITVAN_WARM: '0', ...extra }
}

export type RunResult = { readonly code: number; readonly stdout: string; readonly stderr: string }

const toResult = (r: SpawnSyncReturns<string>): RunResult => {
  if (r.error) throw r.error
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
}

export type TestRepo = {
  readonly dir: string
  readonly env: NodeJS.ProcessEnv
  /** Runs git; throws with stderr on a non-zero exit unless `allowFail`. */
  git: (
    args: readonly string[],
    opts?: { input?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean; cwd?: string },
  ) => RunResult
  /** Runs the built gitvan CLI in the repository. */
  gitvan: (args: readonly string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string }) => RunResult
  /** Writes a file (creating directories) relative to the repository. */
  write: (file: string, content: string) => void
  /** Stages everything and commits with hooks on; returns the result (does not throw). */
  commit: (message: string, opts?: { env?: NodeJS.ProcessEnv; allowEmpty?: boolean }) => RunResult
  /** The oid of a revision. */
  rev: (rev: string) => string
  /** Makes `import ... from 'gitvan'` resolve to this project inside the repository. */
  linkGitvan: () => void
}

export function makeRepo(options: { bare?: boolean; initialCommit?: boolean } = {}): TestRepo {
  const env = cleanEnv()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-repo-'))
  const repo: TestRepo = {
    dir,
    env,
    git: (args, opts = {}) => {
      const r = toResult(
        spawnSync('git', args, {
          cwd: opts.cwd ?? dir,
          env: { ...env, ...opts.env },
          input: opts.input ?? '',
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
        }),
      )
      if (r.code !== 0 && !opts.allowFail) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
      return r
    },
    gitvan: (args, opts = {}) =>
      toResult(
        spawnSync(process.execPath, [CLI, ...args], {
          cwd: opts.cwd ?? dir,
          env: { ...env, ...opts.env },
          input: opts.input ?? '',
          encoding: 'utf8',
        }),
      ),
    write: (file, content) => {
      const target = path.join(dir, file)
      mkdirSync(path.dirname(target), { recursive: true })
      writeFileSync(target, content)
    },
    commit: (message, opts = {}) => {
      repo.git(['add', '-A'])
      return repo.git(['commit', '-q', '-m', message, ...(opts.allowEmpty ? ['--allow-empty'] : [])], {
        allowFail: true,
        ...(opts.env ? { env: opts.env } : {}),
      })
    },
    rev: (rev) => repo.git(['rev-parse', '--verify', '--end-of-options', rev]).stdout.trim(),
    linkGitvan: () => {
      mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
      symlinkSync(PROJECT_ROOT, path.join(dir, 'node_modules/gitvan'), 'dir')
    },
  }
  repo.git(['init', '-q', ...(options.bare ? ['--bare'] : []), '-b', 'main', '.'])
  if (options.initialCommit !== false && !options.bare) {
    repo.write('README.md', '# test\n')
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'initial'])
  }
  return repo
}

/** Starts a child process and resolves with its result; for racing real processes. */
export function runAsync(
  file: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }))
    child.stdin.end(opts.input ?? '')
  })
}

/** A temporary directory removed with the repositories by `removeTemp()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  homes.push(dir)
  return dir
}

export function removeTemp(): void {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true })
}
