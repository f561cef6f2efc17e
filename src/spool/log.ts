/**
 * The runner's log, `<state>/runner.log`: one line per happening, ISO time and pid first. It is
 * bounded: past ~1 MB it is renamed to runner.log.1 (replacing the older one) and a new one starts.
 * `debug` lines are written only with GITVAN_DEBUG=1. Logging never throws: a full disk must not
 * stop a batch.
 *
 * Also here: the per-batch metrics line (`metrics.jsonl`, bounded the same way: past the limit it
 * becomes metrics.jsonl.1, so `gitvan stats` keeps recent batches and the file never grows without
 * end) and the last batch summary (`last-batch.json`) that `gitvan status` shows; the summary holds
 * the batch's counts of failures, receipts and skips, which the metrics line does not.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export const LOG_LIMIT = 1024 * 1024

export const logFile = (stateDir: string): string => path.join(stateDir, 'runner.log')
export const metricsFile = (stateDir: string): string => path.join(stateDir, 'metrics.jsonl')
export const lastBatchFile = (stateDir: string): string => path.join(stateDir, 'last-batch.json')

export type Log = {
  readonly info: (message: string) => void
  readonly debug: (message: string) => void
}

export function openLog(stateDir: string, verbose: boolean, limit = LOG_LIMIT): Log {
  const file = logFile(stateDir)
  let size = -1
  const write = (level: string, message: string): void => {
    try {
      if (size < 0) {
        mkdirSync(stateDir, { recursive: true })
        size = sizeOf(file)
      }
      if (size > limit) {
        renameSync(file, `${file}.1`)
        size = 0
      }
      const line = `${new Date().toISOString()} ${process.pid} ${level} ${message.replaceAll('\n', '\n    ')}\n`
      appendFileSync(file, line)
      size += Buffer.byteLength(line)
    } catch {
      // The log is a convenience; the batch goes on without it.
    }
  }
  return {
    info: (message) => write('info', message),
    debug: (message) => {
      if (verbose) write('debug', message)
    },
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

export type Stages = {
  readonly spoolWaitMs: number
  readonly planMs: number
  readonly queueMs: number
  readonly runMs: number
  readonly publishMs: number
}

export type BatchRecord = {
  readonly at: string
  readonly events: number
  readonly runs: number
  readonly stages: Stages
  readonly cache: { readonly hit: number; readonly miss: number }
}

export type LastBatch = BatchRecord & {
  readonly failed: number
  readonly receipts: number
  readonly skipped: number
  readonly bad: number
  readonly runner: number
}

/** Appends the batch's metrics line (rotating metrics.jsonl past `limit`) and replaces last-batch.json (temp + rename). */
export function recordBatch(stateDir: string, batch: LastBatch, limit = LOG_LIMIT): void {
  const { at, events, runs, stages, cache } = batch
  const record: BatchRecord = { at, events, runs, stages, cache }
  try {
    if (sizeOf(metricsFile(stateDir)) > limit) renameSync(metricsFile(stateDir), `${metricsFile(stateDir)}.1`)
    appendFileSync(metricsFile(stateDir), `${JSON.stringify(record)}\n`)
    const tmp = `${lastBatchFile(stateDir)}.${process.pid}.tmp`
    writeFileSync(tmp, `${JSON.stringify(batch)}\n`)
    renameSync(tmp, lastBatchFile(stateDir))
  } catch {
    // Metrics are for reading later; losing one must not fail a published batch.
  }
}

export function readLastBatch(stateDir: string): LastBatch | undefined {
  try {
    return JSON.parse(readFileSync(lastBatchFile(stateDir), 'utf8')) as LastBatch
  } catch {
    return undefined
  }
}

/**
 * The unseen-failure notice, `<state>/failed`: one line naming the latest background job that did
 * not end ok. Every hook's shim prints it (with sh builtins, no process) until the user looks:
 * `gitvan status` or `gitvan receipts` removes it. Written temp+rename, so a shim reads old or new.
 */
export const failedFile = (stateDir: string): string => path.join(stateDir, 'failed')

export function noteFailure(stateDir: string, line: string): void {
  const file = failedFile(stateDir)
  try {
    writeFileSync(`${file}.${process.pid}.tmp`, `${line.replaceAll('\n', ' ')}\n`)
    renameSync(`${file}.${process.pid}.tmp`, file)
  } catch {
    // A notice is a courtesy: a full disk must not fail the batch.
  }
}

/** The notice, if any; `take` also removes it: the user has now seen it. */
export function readFailure(stateDir: string, take: boolean): string | undefined {
  const file = failedFile(stateDir)
  try {
    const line = readFileSync(file, 'utf8').trim()
    if (take) rmSync(file, { force: true })
    return line || undefined
  } catch {
    return undefined
  }
}
