/**
 * Adds the shims the config a hook just loaded needs and are missing (never removes one: see
 * ensureInstalled); a problem here never blocks the hook. The install code loads only when a shim
 * is missing (rarely). Both the cold hook and the warm runner call it before a blocking hook's gates.
 */
import { findRepo, type HookRepo } from '../git/repo.js'
import { coversHooks, hooksOf } from '../hooks.js'
import type { Config } from '../types.js'
import { readRecord } from './record.js'

export async function syncShims(
  repo: HookRepo,
  config: Config,
  io: { readonly cwd: string; readonly stderr: (text: string) => void },
): Promise<void> {
  try {
    const record = readRecord(repo.stateDir)
    if (!record || coversHooks(record.hooks, hooksOf(config))) return
    const { ensureInstalled } = await import('./install.js')
    const report = ensureInstalled(findRepo(io.cwd), config)
    if (!report?.changed) return
    const { describeChange } = await import('./describe.js')
    for (const change of report.changes) {
      if (change.kind === 'unchanged' || change.kind === 'husky-present') continue
      io.stderr(`gitvan: the config changed the hooks: ${describeChange(change, io.cwd)}\n`)
    }
  } catch (error) {
    io.stderr(
      `gitvan: could not update the hook shims (${error instanceof Error ? error.message : String(error)}); run 'gitvan install'.\n`,
    )
  }
}
