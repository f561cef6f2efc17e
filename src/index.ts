/** gitvan's public API: what a config file imports. */

export type { Duration, GitvanConfig, Globs, JobConfig, JobTrigger, Size } from './config/define.js'
export { defineConfig, defineJob } from './config/define.js'
export type { CommitInfo } from './git/commits.js'
export type { HookName } from './hooks.js'
export type { ExecResult, JobContext } from './types.js'
