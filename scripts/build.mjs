// Bundles the CLI (code-split so each command loads only what it needs) and the public API.

import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

const { version, dependencies = {} } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const common = {
  bundle: true,
  // Runtime dependencies are installed beside gitvan (and shared with the project's other tools);
  // everything else (dev dependencies) is bundled.
  external: Object.keys(dependencies),
  platform: 'node',
  target: 'node20',
  define: { __GITVAN_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
  legalComments: 'none',
}

// `node scripts/build.mjs [outdir]`: tests build into a private directory so parallel runs never
// see a half-written bundle.
const out = process.argv[2] ?? 'dist'
rmSync(out, { recursive: true, force: true })
await Promise.all([
  build({
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: out,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: '#!/usr/bin/env node' },
  }),
  // The hook command on its own (main.ts imports it by path): the commit path loads cli.js and
  // hook.js, with chunks only for what a hook loads lazily (a failure report, the runner's start).
  build({
    ...common,
    entryPoints: { hook: 'src/cli/commands/hook.ts' },
    outdir: `${out}/hook`,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: `${out}/index.js`, format: 'esm' }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: `${out}/index.cjs`, format: 'cjs' }),
])
chmodSync(`${out}/cli.js`, 0o755)
// The shim template travels with the bundle, so install finds it next to cli.js wherever that is.
mkdirSync(`${out}/hooks`, { recursive: true })
copyFileSync(new URL('../hooks/shim.sh', import.meta.url), `${out}/hooks/shim.sh`)
