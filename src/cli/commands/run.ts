import { notBuilt } from './notBuilt.js'

export const command = notBuilt('run', '', 'Usage: gitvan run')
