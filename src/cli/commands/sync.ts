import { notBuilt } from './notBuilt.js'

export const command = notBuilt('sync', '', 'Usage: gitvan sync')
