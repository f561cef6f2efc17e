import { notBuilt } from './notBuilt.js'

export const command = notBuilt('init', '', 'Usage: gitvan init')
