import { notBuilt } from './notBuilt.js'

export const command = notBuilt('install', '', 'Usage: gitvan install')
