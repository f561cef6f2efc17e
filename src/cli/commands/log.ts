import { notBuilt } from './notBuilt.js'

export const command = notBuilt('log', '', 'Usage: gitvan log')
