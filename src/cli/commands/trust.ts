import { notBuilt } from './notBuilt.js'

export const command = notBuilt('trust', '', 'Usage: gitvan trust')
