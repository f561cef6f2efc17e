import { notBuilt } from './notBuilt.js'

export const command = notBuilt('status', '', 'Usage: gitvan status')
