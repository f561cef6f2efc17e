/** gitvan's public API: what a config file imports. */

export type { Duration, GitvanConfig, Globs, JobConfig, JobTrigger, Size } from './config/define.js'
export { defineConfig, defineJob } from './config/define.js'
export type { HookName } from './hooks.js'
export type { CommitInfo, ExecResult, JobContext } from './types.js'
