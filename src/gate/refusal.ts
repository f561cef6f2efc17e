/**
 * A config that cannot be loaded for a blocking hook (not approved, broken, too slow) refuses
 * the hook: no gate is skipped without a word. The cold hook and the warm runner both turn the
 * load's error into this one, which adds the way out for one operation.
 */
import { GitvanError } from '../errors.js'
import { gitOperationOf } from '../hooks.js'

/** `error` with the hook named and the `GITVAN=0` hint; anything but a GitvanError as it is. */
export function loadRefusal(hook: string, error: unknown): unknown {
  if (!(error instanceof GitvanError)) return error
  return new GitvanError(error.code, `${hook}: ${error.message}`, {
    details: [
      ...error.details,
      `to go ahead without gitvan this once: GITVAN=0 git ${gitOperationOf(hook) ?? 'commit'} ...`,
    ],
    cause: error,
  })
}
