// Bundles test/hook/fixtures/installWorker.ts once per test file (esbuild's JS API; no tsx here).
import { build } from 'esbuild'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export async function buildInstallWorker(): Promise<string> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-install-worker-')), 'worker.mjs')
  await build({
    entryPoints: [path.join(import.meta.dirname, 'fixtures/installWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    define: { __GITVAN_VERSION__: '"test"' },
    logLevel: 'warning',
  })
  return out
}
