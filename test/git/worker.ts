// A real process that runs the git layer (test/git/fixtures/worker.ts), for racing writers.
import path from 'node:path'
import { bundleFixture } from '../helpers/bundle.js'
import { type RunResult, runAsync } from '../helpers/repo.js'

export const buildWorker = (): Promise<string> => bundleFixture(path.join(import.meta.dirname, 'fixtures/worker.ts'))

export const runWorker = (
  worker: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<RunResult> => runAsync(process.execPath, [worker, ...args], opts)
