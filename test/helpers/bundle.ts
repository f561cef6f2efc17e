// Bundles a TypeScript fixture into one .mjs (esbuild's JS API; no tsx here), so tests can race
// real node processes that run gitvan's modules directly.

import { mkdtempSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'

export async function bundleFixture(entry: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-fixture-'))
  const out = path.join(dir, `${path.basename(entry, '.ts')}.mjs`)
  // As in the CLI bundle: runtime dependencies stay packages, found through this link.
  symlinkSync(path.join(import.meta.dirname, '../../node_modules'), path.join(dir, 'node_modules'), 'dir')
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    define: { __GITVAN_VERSION__: '"test"' },
    external: ['cosmiconfig', 'js-yaml'],
    logLevel: 'warning',
  })
  return out
}
