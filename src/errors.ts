/**
 * The one public error class. Expected outcomes (a job failed, a ref moved under us) are values;
 * a GitvanError is for what the user must see: it says what happened, where, and what to do, and
 * carries the exit code of the contract (DESIGN 3.4).
 */

export const EXIT = {
  ok: 0,
  jobFailed: 1,
  usage: 2,
  conflict: 3,
} as const

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_LOAD'
  | 'CONFIG_TIMEOUT'
  | 'UNTRUSTED'
  | 'NOT_A_REPO'
  | 'UNSUPPORTED_PATH'
  | 'NOT_BUILT'
  | 'GIT_FAILED'
  | 'REF_CONFLICT'
  | 'LOCKED'
  | 'JOB_FAILED'

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  USAGE: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  CONFIG_NOT_FOUND: EXIT.usage,
  CONFIG_LOAD: EXIT.usage,
  CONFIG_TIMEOUT: EXIT.usage,
  UNTRUSTED: EXIT.usage,
  NOT_A_REPO: EXIT.usage,
  UNSUPPORTED_PATH: EXIT.usage,
  NOT_BUILT: EXIT.usage,
  GIT_FAILED: EXIT.usage,
  REF_CONFLICT: EXIT.conflict,
  LOCKED: EXIT.conflict,
  JOB_FAILED: EXIT.jobFailed,
}

export class GitvanError extends Error {
  override name = 'GitvanError'
  readonly code: ErrorCode
  readonly exitCode: number
  /** Extra lines shown under the message (one problem each, or a hint). */
  readonly details: readonly string[]

  constructor(code: ErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.exitCode = EXIT_BY_CODE[code]
    this.details = options.details ?? []
  }
}
