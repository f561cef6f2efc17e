/** Option parsing for commands: node's own parseArgs, with its errors turned into usage errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { GitvanError } from '../errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

export function parseCommandArgs<const O extends Options>(
  command: string,
  args: readonly string[],
  options: O,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new GitvanError('USAGE', `${command}: ${message}`, { details: [`Run 'gitvan ${command} --help' for usage.`] })
  }
}
