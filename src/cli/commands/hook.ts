import { notBuilt } from './notBuilt.js'

export const command = notBuilt('hook', '', 'Usage: gitvan hook')
