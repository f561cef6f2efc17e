// A gate and an automation: the smallest useful gitvan setup.
import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    // A gate: runs inside `git commit`, before the commit is made, and only when staged files
    // under src/ match. `{files}` becomes the matched paths (argv, no shell). A non-zero exit
    // refuses the commit.
    'no-debugger': {
      description: 'refuse commits that stage a debugger statement',
      on: { hook: 'pre-commit', paths: ['src/**/*.js', '!src/vendor/**'] },
      run: 'node scripts/no-debugger.mjs {files}',
      timeout: '30s',
    },

    // An automation: runs in the background runner after the commit, never slows it down.
    // What the function returns lands in the receipt (`gitvan receipts`).
    stats: {
      description: 'record how many files each commit touched',
      on: 'post-commit',
      run: (ctx) => ({ files: ctx.files.length, branch: ctx.branch ?? null }),
    },
  },
})
