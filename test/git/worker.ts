// Bundles test/git/fixtures/worker.ts once per test file, so tests can race real processes that
// run the git layer (no tsx here: esbuild's JS API builds it).
import { build } from 'esbuild'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runAsync, type RunResult } from '../helpers/repo.js'

export async function buildWorker(): Promise<string> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-worker-')), 'worker.mjs')
  await build({
    entryPoints: [path.join(import.meta.dirname, 'fixtures/worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    define: { __GITVAN_VERSION__: '"test"' },
    logLevel: 'warning',
  })
  return out
}

export const runWorker = (worker: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<RunResult> =>
  runAsync(process.execPath, [worker, ...args], opts)
