import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    // Each `feat:` or `fix:` commit adds one line between the markers of RELEASE_NOTES.md, on
    // refs/gitvan/outputs/release-notes (the default output ref of a job named release-notes).
    'release-notes': {
      on: 'post-commit',
      template: 'templates/release-notes.md.liquid',
    },
  },
})
