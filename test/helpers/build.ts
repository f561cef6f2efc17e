// Vitest global setup: tests run the real CLI bundle. Each test run builds its own copy, so runs
// that overlap (or a rebuild of dist/) never see a half-written bundle.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export default function setup(): () => void {
  const root = path.resolve(import.meta.dirname, '../..')
  const out = mkdtempSync(path.join(os.tmpdir(), 'gitvan-dist-'))
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), out], { cwd: root, stdio: 'inherit' })
  // The bundle imports its runtime dependencies (cosmiconfig, js-yaml) as packages: from a copy
  // outside the project, node finds them through this link, as an installed gitvan finds its own.
  symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'), 'dir')
  process.env.GITVAN_TEST_CLI = path.join(out, 'cli.js')
  return () => rmSync(out, { recursive: true, force: true })
}
