/** gitvan's public API: what a config file imports. */
export { defineConfig, defineJob } from './config/define.js'
export type { GitvanConfig, JobConfig, JobTrigger, Globs, Duration, Size } from './config/define.js'
export type { JobContext, CommitInfo, ExecResult } from './job/context.js'
export type { HookName } from './hook/catalog.js'
