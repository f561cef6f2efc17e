/**
 * Runs `loadConfig` in a real node process, as the CLI does. In-process, vitest would route the
 * config's `import()` through its own module runner, which parses, resolves and reports errors
 * unlike node: the loader must be tested against node's own.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { PROJECT_ROOT } from '../helpers/repo.js'

const ENTRY = `
import { loadConfig, findConfigFile } from './src/config/load.ts'
import { writeFileSync } from 'node:fs'
const [root, rewrite, content] = process.argv.slice(2)
const plain = (key, value) => typeof value === 'function' ? '[function]' : value instanceof RegExp ? String(value) : value === undefined ? null : value
try {
  if (rewrite) {
    // Load, change a file, load again in the same process.
    const before = await loadConfig(root)
    writeFileSync(rewrite, content)
    const after = await loadConfig(root)
    const show = (config) => config.jobs.map((job) => \`\${job.id}:\${typeof job.run === 'string' ? job.run : typeof job.run}\`)
    process.stdout.write(JSON.stringify({ before: show(before), after: show(after) }))
    process.exit(0)
  }
  const config = await loadConfig(root)
  process.stdout.write(JSON.stringify({ ok: true, found: findConfigFile(root) ?? null, config: { ...config, hash: config.hash() } }, plain))
} catch (error) {
  if (error?.name !== 'GitvanError') throw error
  process.stdout.write(JSON.stringify({ ok: false, found: findConfigFile(root) ?? null, code: error.code, exitCode: error.exitCode, message: error.message, details: error.details }))
}
`

export type Loaded =
  | { readonly ok: true; readonly found: string | null; readonly config: LoadedConfig }
  | {
      readonly ok: false
      readonly found: string | null
      readonly code: string
      readonly exitCode: number
      readonly message: string
      readonly details: readonly string[]
    }

/** The resolved config as JSON: functions become '[function]', RegExps their source text, undefined null. */
export type LoadedConfig = {
  readonly file: string
  readonly root: string
  readonly hash: string
  readonly jobs: readonly {
    readonly id: string
    readonly source: string
    readonly run: string | null
    readonly priority: number
    readonly mode: string
    readonly templates: readonly string[]
    readonly on: {
      readonly hooks: readonly string[]
      readonly paths: readonly string[]
      readonly message: string | null
    }
    readonly output: { readonly ref: string; readonly worktree: boolean }
  }[]
  readonly [key: string]: unknown
}

export type NodeLoader = {
  readonly load: (root: string) => Loaded
  /** Loads, writes `content` to `file`, loads again, all in one process: `<id>:<run>` of each job of both loads. */
  readonly reload: (
    root: string,
    file: string,
    content: string,
  ) => { readonly before: readonly string[]; readonly after: readonly string[] }
  readonly dispose: () => void
}

export async function makeNodeLoader(): Promise<NodeLoader> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-load-'))
  const bundle = path.join(dir, 'load.mjs')
  await build({
    stdin: { contents: ENTRY, resolveDir: PROJECT_ROOT, loader: 'js', sourcefile: 'load-entry.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: bundle,
    logLevel: 'warning',
    // As in the CLI bundle: runtime dependencies stay packages, found through the link below.
    external: ['cosmiconfig', 'js-yaml'],
  })
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  const run = (args: readonly string[]): unknown => {
    const r = spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`loader crashed (${r.status}): ${r.stderr}`)
    return JSON.parse(r.stdout) as unknown
  }
  return {
    load: (root) => run([root]) as Loaded,
    reload: (root, file, content) => run([root, file, content]) as { before: string[]; after: string[] },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}
