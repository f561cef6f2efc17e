// Test results in git: after each commit the runner runs the test suite on the commit's tree and
// records how many tests passed and failed, and how long they took, in the commit's receipt
// (`gitvan receipts`). The result is cached by the tree, so a reworded or rebased history (same
// trees, new commits) is answered from the cache and re-runs nothing; `gitvan run --all` in CI
// fills in the commits that have no receipt yet.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { defineConfig } from 'gitvan'

// Extract the commit's tree (not the work tree: `gitvan run` goes over past commits) and run
// node's test runner in it. GITVAN_COMMIT only names that tree, so the result depends on the tree
// alone: the job reads nothing of ctx but `exec`, and gitvan keys it by the tree.
const SCRIPT =
  'git archive --format=tar "$GITVAN_COMMIT" | tar -xf - -C "$1" && cd "$1" && "$2" --test --test-reporter=tap'

export default defineConfig({
  jobs: {
    tests: {
      description: 'run the tests of each commit and record pass/fail counts and duration',
      on: 'post-commit',
      timeout: '5m',
      run: async (ctx) => {
        const dir = mkdtempSync(path.join(tmpdir(), 'gitvan-tests-'))
        try {
          const started = Date.now()
          const result = await ctx.exec('sh', ['-c', SCRIPT, 'sh', dir, process.execPath])
          const count = (name) => new RegExp(`^# ${name} (\\d+)$`, 'm').exec(result.stdout)?.[1]
          if (count('pass') === undefined)
            throw new Error(`the test run printed no TAP summary (exit ${result.code}): ${result.stderr.trim()}`)
          return { pass: Number(count('pass')), fail: Number(count('fail') ?? 0), ms: Date.now() - started }
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      },
    },
  },
})
