// Bundles a TypeScript fixture into one .mjs (esbuild's JS API; no tsx here), so tests can race
// real node processes that run gitvan's modules directly.

import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'

export async function bundleFixture(entry: string): Promise<string> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-fixture-')), `${path.basename(entry, '.ts')}.mjs`)
  await build({
    entryPoints: [entry],
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
