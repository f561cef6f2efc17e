import { GitvanError } from '../../errors.js'
import type { Command } from '../command.js'

/** A command of the contract whose stage does not exist yet: a clear usage error, exit 2. */
export const notBuilt = (name: string, summary: string, usage: string): Command => ({
  name,
  summary,
  usage,
  run: async () => {
    throw new GitvanError('NOT_BUILT', `'gitvan ${name}' is not built yet in this version.`, {
      details: ['See the README for what this version supports.'],
    })
  },
})
