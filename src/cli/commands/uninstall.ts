import { notBuilt } from './notBuilt.js'

export const command = notBuilt('uninstall', '', 'Usage: gitvan uninstall')
