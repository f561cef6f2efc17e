// The same gates on every commit (pre-commit) and in CI over a pull request's range
// (`gitvan run --hook pre-commit origin/main..HEAD`): prettier as a fix gate, then eslint on its
// output. In CI nothing is rewritten: a file prettier would change fails the gate, with the diff.
import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    format: {
      on: { hook: 'pre-commit', paths: ['**/*.{js,mjs}'] },
      run: 'prettier --write {files}',
      fix: true,
    },
    lint: {
      on: { hook: 'pre-commit', paths: ['**/*.{js,mjs}'] },
      run: 'eslint --max-warnings=0 --no-warn-ignored {files}',
      after: ['format'],
    },
    // Async work over every commit, shared out between CI runners (`gitvan run --all --remote origin`).
    stats: {
      on: 'post-commit',
      run: async (ctx) => ({ files: ctx.files.length }),
    },
  },
})
