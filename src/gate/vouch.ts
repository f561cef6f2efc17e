/**
 * What a probe entry must check of the config for the shim to answer in its place: that the files
 * the config is made of, and what its evaluation read, are as they were. The same lines serve the
 * pre-commit probe (cache.ts) and the idle entry of a hook with no job (idle.ts).
 *
 * - `absent`: every config file that would take precedence over this one, and jobs/;
 * - `file`/`hash`: the hook's own bundle, the config file, each module of the repository it
 *   imports (the trust record names them), and the trust record itself (approving another config
 *   makes every entry go to node again), by blob id; the CLI's entry is the shim's first hash;
 * - `env`: each variable the evaluation read, with its value.
 * No entry is possible (undefined) for a config that enumerated the environment, a jobs/
 * directory (a new file there would go unseen), or files that cannot be read.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { blobId } from '../cache/key.js'
import type { Probe } from '../cache/probe.js'
import { CONFIG_FILES, JOBS_DIR } from '../config/discover.js'
import { TRUST_FILE } from '../config/trust.js'
import type { Config } from '../types.js'

export type Vouchers = Pick<Probe, 'absent' | 'env' | 'files' | 'hashes'>

export function configVouchers(
  config: Pick<Config, 'root' | 'file' | 'evaluation'>,
  root: string,
  stateDir: string,
): Vouchers | undefined {
  const evaluation = config.evaluation
  if (evaluation === undefined || evaluation.env === 'all') return undefined
  if (existsSync(path.join(root, JOBS_DIR))) return undefined
  const configFile = path.relative(config.root, config.file).split(path.sep).join('/')
  const rank = (CONFIG_FILES as readonly string[]).indexOf(configFile)
  try {
    // The CLI's entry and the hook's own bundle beside it (cli.js names it by a fixed path, so a
    // changed hook bundle must be seen by its bytes).
    const entry = process.argv[1] ?? ''
    const hook = path.join(path.dirname(entry), 'hook', 'hook.js')
    const trust = path.join(stateDir, TRUST_FILE)
    const files = [hook, configFile, ...evaluation.imports, trust]
    const hashes = [
      entry,
      hook,
      path.join(root, configFile),
      ...evaluation.imports.map((f) => path.join(root, f)),
      trust,
    ].map((file) => blobId(readFileSync(file)))
    return {
      absent: [...(rank === -1 ? CONFIG_FILES : CONFIG_FILES.slice(0, rank)), JOBS_DIR],
      env: evaluation.env,
      files,
      hashes,
    }
  } catch {
    return undefined
  }
}
