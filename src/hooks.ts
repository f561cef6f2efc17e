/**
 * The git hooks gitvan knows (githooks(5)), and how each one is run.
 *
 * - blocking: git waits for the verdict; gitvan runs the gate jobs in the hook's own process and
 *   its exit code accepts or refuses the operation.
 * - async: git ignores the result; the shim spools an event and returns at once, the runner does
 *   the work later, in batches.
 * - other: valid git hooks gitvan does not run jobs on (server side, or too specialised).
 *
 * A leaf: it imports nothing, so config, install, gate and the planner can all ask it.
 */
export const BLOCKING_HOOKS = [
  'pre-commit',
  'prepare-commit-msg',
  'commit-msg',
  'pre-push',
  'pre-rebase',
  'pre-merge-commit',
  'pre-applypatch',
  'applypatch-msg',
] as const

export const ASYNC_HOOKS = [
  'post-commit',
  'post-merge',
  'post-checkout',
  'post-rewrite',
  'post-applypatch',
  'reference-transaction',
] as const

const OTHER_HOOKS = [
  'pre-auto-gc',
  'post-index-change',
  'push-to-checkout',
  'sendemail-validate',
  'fsmonitor-watchman',
  'p4-changelist',
  'p4-prepare-changelist',
  'p4-post-changelist',
  'p4-pre-submit',
  'post-receive',
  'post-update',
  'pre-receive',
  'update',
  'proc-receive',
] as const

export type BlockingHook = (typeof BLOCKING_HOOKS)[number]
export type AsyncHook = (typeof ASYNC_HOOKS)[number]
/** A hook gitvan can run jobs on. */
export type HookName = BlockingHook | AsyncHook

export const GIT_HOOKS: readonly string[] = [...BLOCKING_HOOKS, ...ASYNC_HOOKS, ...OTHER_HOOKS]
export const RUNNABLE_HOOKS: readonly HookName[] = [...BLOCKING_HOOKS, ...ASYNC_HOOKS]

/** Hooks that git feeds on standard input (pre-push: pushed refs; post-rewrite: old→new pairs). */
export const STDIN_HOOKS: readonly string[] = ['pre-push', 'post-rewrite', 'reference-transaction']

export const isRunnableHook = (name: string): name is HookName => (RUNNABLE_HOOKS as readonly string[]).includes(name)

export const isBlockingHook = (name: string): name is BlockingHook =>
  (BLOCKING_HOOKS as readonly string[]).includes(name)

export const isAsyncHook = (name: string): name is AsyncHook => (ASYNC_HOOKS as readonly string[]).includes(name)

/** The hooks that have at least one job, in catalog order: the hooks gitvan installs for. */
export const hooksOf = (config: {
  readonly jobs: readonly { readonly on: { readonly hooks: readonly HookName[] } }[]
}): readonly HookName[] => {
  const used = new Set(config.jobs.flatMap((job) => job.on.hooks))
  return RUNNABLE_HOOKS.filter((hook) => used.has(hook))
}

/** Whether every hook of `wanted` is among `installed`. */
export const coversHooks = (installed: readonly string[], wanted: readonly string[]): boolean =>
  wanted.every((hook) => installed.includes(hook))

/** The git command a blocking hook holds up (`GITVAN=0 git <it> ...` skips gitvan for it once). */
const OPERATION: Readonly<Record<string, string>> = {
  'pre-commit': 'commit',
  'prepare-commit-msg': 'commit',
  'commit-msg': 'commit',
  'pre-merge-commit': 'merge',
  'pre-push': 'push',
  'pre-rebase': 'rebase',
  'pre-applypatch': 'am',
  'applypatch-msg': 'am',
}

export const gitOperationOf = (hook: string): string | undefined => OPERATION[hook]
