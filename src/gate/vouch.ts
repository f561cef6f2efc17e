/**
 * What a probe entry must check of the config for the shim to answer in its place: that the files
 * the config is made of, and what its evaluation read, are as they were. The same lines serve the
 * pre-commit probe (cache.ts) and the idle entry of a hook with no job (idle.ts).
 *
 * - `absent`: every config file that would take precedence over this one, and jobs/;
 * - `file`/`hash`: the hook's own bundle, the config file, each module of the repository it
 *   imports (the trust record names them), and the trust record itself (approving another config
 *   makes every entry go to node again), by blob id; the CLI's entry is the shim's first hash;
 * - `env`: each variable the evaluation read, with its value;
 * - each data file the evaluation read: by blob id, or `absent` when it was not there.
 * No entry is possible (undefined) for a config that enumerated the environment, listed a
 * directory or read through a descriptor, a jobs/ directory (a new file there would go unseen),
 * or files that cannot be read.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { blobId } from '../cache/key.js'
import type { Probe } from '../cache/probe.js'
import { CONFIG_FILES, JOBS_DIR } from '../config/discover.js'
import { TRUST_FILE } from '../config/trust.js'
import type { Config } from '../types.js'

export type Vouchers = Pick<Probe, 'absent' | 'env' | 'files' | 'hashes'>

/**
 * The data files the config's evaluation read, each with its blob id now (null: not there), or
 * undefined when one cannot be checked again (a directory listed, a read through a descriptor, a
 * path that is now a directory).
 */
export function evaluatedReads(
  root: string,
  evaluation: NonNullable<Config['evaluation']>,
): ReadonlyMap<string, string | null> | undefined {
  const found = new Map<string, string | null>()
  for (const read of evaluation.reads ?? []) {
    if (read.kind !== 'file') return undefined
    const full = path.resolve(root, read.path)
    try {
      found.set(read.path, existsSync(full) ? blobId(readFileSync(full)) : null)
    } catch {
      return undefined
    }
  }
  return found
}

export function configVouchers(
  config: Pick<Config, 'root' | 'file' | 'evaluation'>,
  root: string,
  stateDir: string,
  /** What `evaluatedReads` gives for the config, when the caller has it already. */
  known?: ReturnType<typeof evaluatedReads>,
): Vouchers | undefined {
  const evaluation = config.evaluation
  if (evaluation === undefined || evaluation.env === 'all') return undefined
  const reads = known ?? evaluatedReads(config.root, evaluation)
  if (reads === undefined) return undefined
  if (existsSync(path.join(root, JOBS_DIR))) return undefined
  const configFile = path.relative(config.root, config.file).split(path.sep).join('/')
  const rank = (CONFIG_FILES as readonly string[]).indexOf(configFile)
  try {
    // The CLI's entry and the hook's own bundle beside it (cli.js names it by a fixed path, so a
    // changed hook bundle must be seen by its bytes).
    const entry = process.argv[1] ?? ''
    const hook = path.join(path.dirname(entry), 'hook', 'hook.js')
    const trust = path.join(stateDir, TRUST_FILE)
    const present = [...reads].filter(([, oid]) => oid !== null)
    const files = [hook, configFile, ...evaluation.imports, trust, ...present.map(([file]) => file)]
    const hashes = [
      ...[entry, hook, path.join(root, configFile), ...evaluation.imports.map((f) => path.join(root, f)), trust].map(
        (file) => blobId(readFileSync(file)),
      ),
      ...present.map(([, oid]) => oid as string),
    ]
    return {
      absent: [
        ...(rank === -1 ? CONFIG_FILES : CONFIG_FILES.slice(0, rank)),
        JOBS_DIR,
        ...[...reads].filter(([, oid]) => oid === null).map(([file]) => file),
      ],
      env: evaluation.env,
      files,
      hashes,
    }
  } catch {
    return undefined
  }
}
