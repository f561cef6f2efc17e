import { notBuilt } from './notBuilt.js'

export const command = notBuilt('cache', '', 'Usage: gitvan cache')
