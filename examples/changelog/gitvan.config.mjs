import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    // One run per batch of commits on main (a push of five commits, a rebase, `gitvan run` over a
    // range): a section naming every commit of the batch, newest section first, in CHANGELOG.md
    // on the branch `changelog`. The work tree never sees the file.
    changelog: {
      on: { hook: ['post-commit', 'post-merge'], branch: 'main' },
      mode: 'batch',
      template: 'templates/CHANGELOG.md.liquid',
      output: { ref: 'refs/heads/changelog' },
    },
  },
})
