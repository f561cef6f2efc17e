// Fails when a staged file contains a `debugger` statement. Reads the staged content (the index),
// not the working tree, so what is checked is exactly what will be committed.
import { execFileSync } from 'node:child_process'

const offenders = []
for (const file of process.argv.slice(2)) {
  const staged = execFileSync('git', ['show', `:${file}`], { encoding: 'utf8' })
  staged.split('\n').forEach((line, i) => {
    if (/^\s*debugger\s*;?\s*$/.test(line)) offenders.push(`${file}:${i + 1}`)
  })
}
if (offenders.length > 0) {
  console.error(`debugger statement staged:\n  ${offenders.join('\n  ')}\nremove it, then commit again`)
  process.exit(1)
}
