/** Resolved Jobs and inputs with defaults, for tests that run or plan jobs directly. */
import type { JobInput } from '../../src/job/run.js'
import type { Job } from '../../src/types.js'

export { gone, isRunning } from '../helpers/process.js'

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

/** Node as a command word, quoted for the command splitter. */
export const NODE = JSON.stringify(process.execPath)
