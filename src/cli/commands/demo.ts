import { notBuilt } from './notBuilt.js'

export const command = notBuilt('demo', '', 'Usage: gitvan demo')
