// gitvan's own config: the checks this repository runs on itself.
import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    // The shim must stay plain POSIX sh: every hook of every user runs it.
    shim: {
      on: { hook: 'pre-commit', paths: ['hooks/*.sh'] },
      run: 'sh -n {files}',
      description: 'syntax-check the POSIX hook shim',
    },
    types: {
      on: 'pre-push',
      run: 'npx tsc --noEmit',
      timeout: '2m',
      description: 'type-check before pushing',
    },
    // A record of what each commit touched, kept in the commit's receipt.
    touched: {
      on: 'post-commit',
      run: async (ctx) => ({ files: ctx.files.length, src: ctx.files.filter((f) => f.startsWith('src/')).length }),
      description: 'count the files each commit changed',
    },
  },
})
