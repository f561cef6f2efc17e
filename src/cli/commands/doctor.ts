import { notBuilt } from './notBuilt.js'

export const command = notBuilt('doctor', '', 'Usage: gitvan doctor')
