import { notBuilt } from './notBuilt.js'

export const command = notBuilt('receipts', '', 'Usage: gitvan receipts')
