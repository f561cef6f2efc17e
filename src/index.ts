/** gitvan's public API: what a config file imports. */

export type { Duration, GitvanConfig, Globs, JobConfig, JobTrigger, Size } from './config/define.js'
export { defineConfig, defineJob } from './config/define.js'
export type { HookName } from './hook/catalog.js'
export type { CommitInfo, ExecResult, JobContext } from './job/context.js'
