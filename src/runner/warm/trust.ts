/**
 * Whether the warm runner may run the gates of the config it just loaded: the one place where the
 * config trust check (a config changed since `gitvan install`/`gitvan trust` runs nothing) applies
 * to warm requests, as it does to a cold hook. Returns undefined to go on, or what to print and
 * the exit code. Trust is not built in this version, so every config goes on.
 */
import type { HookRepo } from '../../git/repo.js'
import type { Config } from '../../types.js'

export function refusal(
  _config: Config,
  _repo: HookRepo,
): { readonly text: string; readonly code: number } | undefined {
  return undefined
}
