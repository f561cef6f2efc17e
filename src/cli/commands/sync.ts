import { notBuilt } from './notBuilt.js'

export const command = notBuilt(
  'sync',
  '',
  `Usage: gitvan sync

Fetches, merges and pushes receipts and outputs with leases.
Not built yet in this version: it says so and exits 2.
`,
)
