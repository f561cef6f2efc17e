/**
 * When the runner turns waiting events into a batch. Pure: the caller observes the spool and
 * passes the clock in, so the rules are tested without timers.
 *
 * A batch starts when any of these holds:
 * - quiet window: no new event arrived for `waitMs` (a rebase's commits come a few ms apart, so a
 *   whole rebase becomes one batch);
 * - max wait: `maxWaitMs` passed since the first waiting event (a steady trickle still makes progress);
 * - max batch: `maxBatch` events are waiting (memory stays bounded; the rest waits for the next batch).
 *
 * Call order: `observe(state, count, now)` after every look at the spool, then `decide(state, now)`.
 */

export type DebounceSettings = {
  readonly waitMs: number
  readonly maxWaitMs: number
  readonly maxBatch: number
}

export type DebounceState = {
  /** How many events were waiting at the last look. */
  readonly count: number
  /** When the first of the waiting events was seen, or undefined when none waits. */
  readonly firstAt: number | undefined
  /** When the count last grew. */
  readonly lastAt: number | undefined
}

export type Decision =
  /** Nothing waits. */
  | { readonly kind: 'idle' }
  /** Events wait; look again after `ms`. */
  | { readonly kind: 'wait'; readonly ms: number }
  /** Start a batch of at most `take` events, for `reason`. */
  | { readonly kind: 'flush'; readonly take: number; readonly reason: 'quiet' | 'max-wait' | 'max-batch' }

export const EMPTY: DebounceState = { count: 0, firstAt: undefined, lastAt: undefined }

/** The state after seeing `count` events waiting at time `now`. */
export function observe(state: DebounceState, count: number, now: number): DebounceState {
  if (count <= 0) return EMPTY
  if (state.count === 0 || state.firstAt === undefined) return { count, firstAt: now, lastAt: now }
  if (count > state.count) return { count, firstAt: state.firstAt, lastAt: now }
  // Fewer than before: a batch took some; the rest keeps its first-seen time so max wait holds.
  return { count, firstAt: state.firstAt, lastAt: state.lastAt ?? now }
}

export function decide(state: DebounceState, now: number, settings: DebounceSettings): Decision {
  if (state.count === 0 || state.firstAt === undefined || state.lastAt === undefined) return { kind: 'idle' }
  const take = Math.max(1, settings.maxBatch)
  if (state.count >= take) return { kind: 'flush', take, reason: 'max-batch' }
  const quietAt = state.lastAt + settings.waitMs
  const maxAt = state.firstAt + settings.maxWaitMs
  if (now >= quietAt) return { kind: 'flush', take, reason: 'quiet' }
  if (now >= maxAt) return { kind: 'flush', take, reason: 'max-wait' }
  return { kind: 'wait', ms: Math.min(quietAt, maxAt) - now }
}

/** The state after a batch took `taken` of the waiting events. */
export function afterFlush(state: DebounceState, taken: number, now: number): DebounceState {
  const left = state.count - taken
  // What is left over already waited: it keeps its times, so max wait still bounds its delay.
  return left > 0 ? { count: left, firstAt: state.firstAt ?? now, lastAt: state.lastAt ?? now } : EMPTY
}
