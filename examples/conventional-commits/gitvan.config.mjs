// Conventional Commits, checked where the message is written: a commit-msg gate.
import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    // commit-msg runs after the message is written and before the commit is made; git passes the
    // message file as the hook's argument, which `{args}` hands to the script. A non-zero exit
    // refuses the commit, and the message the user wrote stays in .git/COMMIT_EDITMSG.
    'conventional-commits': {
      description: 'refuse commit messages that do not follow Conventional Commits',
      on: 'commit-msg',
      run: 'node scripts/check-commit-msg.mjs {args}',
      timeout: '10s',
    },
  },
})
