/**
 * A job's fingerprint for the job cache (cache/jobKey.ts): its resolved config entry, the blob ids
 * of its declared inputs in the work tree, the bytes of its template files, the gitvan version,
 * and for a function the config's content hash (it may call helpers of its file). Computed once
 * per job and batch.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type Fingerprint, fingerprintHash } from '../cache/jobKey.js'
import { blobId, sha256 } from '../cache/key.js'
import type { Config, Job } from '../types.js'

declare const __GITVAN_VERSION__: string
const VERSION = typeof __GITVAN_VERSION__ === 'string' ? __GITVAN_VERSION__ : 'dev'

/**
 * The job's fingerprint hash, or undefined when it cannot be made (a declared input that is not a
 * readable file, a template file that is missing): such a job runs uncached, never on a stale key.
 */
export function fingerprint(job: Job, root: string, config: Pick<Config, 'hash'>): string | undefined {
  if (job.cache === false) return undefined
  const inputs: Record<string, string | null> = {}
  const templates: Record<string, string> = {}
  try {
    for (const file of job.cache.inputs) {
      const full = path.resolve(root, file)
      try {
        inputs[file] = blobId(readFileSync(full))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined
        inputs[file] = null
      }
    }
    for (const file of job.templates) templates[file] = sha256(readFileSync(path.resolve(root, file)))
  } catch {
    return undefined
  }
  const entry = JSON.stringify({
    run: typeof job.run === 'function' ? `function:${job.run.toString()}` : (job.run ?? null),
    on: {
      ...job.on,
      message: job.on.message === undefined ? null : String(job.on.message),
      author: job.on.author === undefined ? null : String(job.on.author),
    },
    templates: job.templates,
    mode: job.mode,
    cache: job.cache,
    output: job.output,
    cwd: job.cwd,
  })
  const print: Fingerprint = {
    version: VERSION,
    job: job.id,
    entry,
    config: typeof job.run === 'function' ? config.hash() : '',
    inputs,
    templates,
  }
  return fingerprintHash(print)
}
