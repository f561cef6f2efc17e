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
    // Biome's format and lint check on what is committed (npm run format fixes it).
    format: {
      on: { hook: 'pre-commit', paths: ['**/*.{ts,mjs,cjs,json}'] },
      run: 'node_modules/.bin/biome check --no-errors-on-unmatched --files-ignore-unknown=true {files}',
      description: 'Biome format and lint check of the staged files',
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
