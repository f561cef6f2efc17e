// Format and lint what is staged, as lint-staged does: prettier first, then eslint --fix on its
// output. Both are fix gates: what they change in the staged files is re-staged, and changes you
// did not stage are kept aside while they run and put back afterwards.
import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    format: {
      on: { hook: 'pre-commit', paths: ['**/*.{js,mjs,json,md}'] },
      run: 'prettier --write --ignore-unknown {files}',
      fix: true,
      description: 'prettier on the staged files',
    },
    lint: {
      on: { hook: 'pre-commit', paths: ['**/*.{js,mjs}'] },
      run: 'eslint --fix --max-warnings=0 --no-warn-ignored {files}',
      fix: true,
      after: ['format'],
      description: 'eslint --fix on the staged files, after prettier',
    },
  },
})
