/**
 * The idle entry of a blocking hook: `probe/<hook>/idle` in the cache, written when a hook finds no
 * job for itself in the config, so that the shim of a hook the config does not use exits 0 with
 * one `git hash-object` and no node. (Shims are never removed by the sync from a hook: a branch
 * whose config lacks a gate keeps the shim of the branches that have it, see install.ts.)
 *
 * The entry holds only what the config's vouchers are (vouch.ts): the same config files, modules,
 * variables and trust record mean the same jobs, so the same answer. A hook that does have jobs
 * removes a stale one, so its shim does not pay for the check.
 */
import path from 'node:path'
import { idlePath, renderProbe } from '../cache/probe.js'
import { CacheStore, cacheDirOf } from '../cache/store.js'
import type { Config } from '../types.js'
import { configVouchers } from './vouch.js'

type Place = { readonly root: string; readonly commonDir: string; readonly env: NodeJS.ProcessEnv }

const storeOf = (config: Pick<Config, 'cache'>, place: Place): CacheStore =>
  new CacheStore(cacheDirOf({ root: place.root, stateDir: path.join(place.commonDir, 'gitvan') }, place.env), {
    maxSizeBytes: config.cache.maxSizeBytes,
    ttlMs: config.cache.ttlMs,
  })

/** Notes that `config` has no job for `hook`, when the shim can check everything that rests on. */
export function writeIdle(
  config: Pick<Config, 'cache' | 'root' | 'file' | 'evaluation'>,
  hook: string,
  place: Place,
): void {
  if (!config.cache.enabled) return
  const vouchers = configVouchers(config, place.root, path.join(place.commonDir, 'gitvan'))
  if (vouchers === undefined) return
  const text = renderProbe(vouchers)
  if (text !== undefined) storeOf(config, place).putFile(idlePath(hook), text)
}

/** Removes the idle entry of `hook`, if there is one (its config now has jobs for it). */
export function dropIdle(config: Pick<Config, 'cache'>, hook: string, place: Place): void {
  storeOf(config, place).remove(idlePath(hook))
}
