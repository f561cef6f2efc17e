import { notBuilt } from './notBuilt.js'

export const command = notBuilt(
  'trust',
  '',
  `Usage: gitvan trust

Approves the current config, so hooks run it.
Not built yet in this version: it says so and exits 2.
`,
)
