// Vitest global setup: tests run the real CLI bundle, so build it once before any test file.
import { execFileSync } from 'node:child_process'
import path from 'node:path'

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..')
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' })
}
