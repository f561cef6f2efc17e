/**
 * The receipt (DESIGN 3.3): one JSON line per job run in a commit's note on
 * refs/notes/gitvan/results. Notes merge with git's `cat_sort_uniq`, which sorts lines, so the order
 * of lines in a note means nothing: per job, the line with the latest `at` is the current one
 * (`latestPerJob`). Pure, and a leaf: job/, git/notes.ts, the planner and report/ all import it.
 */

export type JobStatus = 'ok' | 'failed' | 'timeout' | 'cancelled'

export type JobError = { readonly message: string; readonly code: string }

export type Output = { readonly ref: string; readonly path: string; readonly oid: string }

export const RECEIPT_SCHEMA = 'gitvan.receipt.v1'

/** One line of a note on refs/notes/gitvan/results. */
export type Receipt = {
  readonly schema: typeof RECEIPT_SCHEMA
  readonly job: string
  readonly commit: string
  readonly hook: string
  readonly status: JobStatus
  /** ISO 8601 time the run finished. */
  readonly at: string
  readonly ms: number
  readonly cache: 'hit' | 'miss' | 'off'
  /** `sha256:<hex>` cache key, when the job is cached. */
  readonly key?: string
  readonly data?: unknown
  readonly error?: JobError
  readonly outputs: readonly Output[]
  /** `host:pid` of the process that ran the job. */
  readonly runner: string
}

/** A receipt as one JSON line, keys in the contract's order. */
export const toReceiptLine = (receipt: Receipt): string =>
  JSON.stringify({
    schema: receipt.schema,
    job: receipt.job,
    commit: receipt.commit,
    hook: receipt.hook,
    status: receipt.status,
    at: receipt.at,
    ms: receipt.ms,
    cache: receipt.cache,
    ...(receipt.key === undefined ? {} : { key: receipt.key }),
    ...(receipt.data === undefined ? {} : { data: receipt.data }),
    ...(receipt.error === undefined ? {} : { error: receipt.error }),
    outputs: receipt.outputs,
    runner: receipt.runner,
  })

/** One receipt from one note line, or undefined for a line that is not a gitvan receipt. */
export function parseReceiptLine(line: string): Receipt | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const value = JSON.parse(line) as Record<string, unknown>
    if (value.schema !== RECEIPT_SCHEMA || typeof value.job !== 'string' || typeof value.commit !== 'string')
      return undefined
    if (typeof value.status !== 'string' || typeof value.at !== 'string') return undefined
    return { outputs: [], ms: 0, cache: 'off', hook: '', runner: '', ...value } as unknown as Receipt
  } catch {
    return undefined
  }
}

export const parseReceipts = (text: string): Receipt[] =>
  text.split('\n').flatMap((line) => {
    const receipt = parseReceiptLine(line)
    return receipt ? [receipt] : []
  })

/** Per job, the receipt with the latest `at` (the current one); sorted by job id. */
export function latestPerJob(receipts: readonly Receipt[]): Receipt[] {
  const latest = new Map<string, Receipt>()
  for (const receipt of receipts) {
    const seen = latest.get(receipt.job)
    if (!seen || receipt.at > seen.at) latest.set(receipt.job, receipt)
  }
  return [...latest.values()].sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0))
}
