/** Resolved Jobs and inputs with defaults, for tests that run or plan jobs directly. */
import { readFileSync } from 'node:fs'
import type { JobInput } from '../../src/job/run.js'
import type { Job } from '../../src/types.js'

/** A trigger on post-commit alone, with no filters. */
export const POST_COMMIT: Job['on'] = {
  hooks: ['post-commit'],
  branch: [],
  tag: [],
  paths: [],
  message: undefined,
  author: undefined,
}

export const makeJob = (over: Partial<Job> & Pick<Job, 'id'>): Job => ({
  on: { hooks: ['pre-commit'], branch: [], tag: [], paths: [], message: undefined, author: undefined },
  run: undefined,
  templates: [],
  mode: 'each',
  priority: 0,
  timeoutMs: 60_000,
  retries: 0,
  cache: false,
  output: { ref: `refs/gitvan/outputs/${over.id}`, worktree: false, stage: false, replace: false },
  fix: false,
  after: [],
  cwd: '',
  description: undefined,
  source: '/test/gitvan.config.mjs',
  ...over,
})

export const makeInput = (root: string, over: Partial<JobInput> = {}): JobInput => ({
  hook: 'pre-commit',
  args: [],
  stdin: '',
  commit: '',
  commits: [],
  files: [],
  branch: 'main',
  root,
  ...over,
})

/** Whether a process is running: a zombie (dead, waiting for init to reap it) counts as gone. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Node as a command word, quoted for the command splitter. */
export const NODE = JSON.stringify(process.execPath)

/**
 * Whether `pid` is gone within 2 s. A job's whole process group is signalled before the job
 * returns, but the kernel tears a grandchild down on its own time (a busy machine showed one still
 * running for a moment); one never signalled outlives the wait (the tests' grandchildren sleep 100 s).
 */
export async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  return !isRunning(pid)
}
