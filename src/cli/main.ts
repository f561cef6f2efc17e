/**
 * argv → command. The only module that prints and calls process.exit. Each command lives in its
 * own chunk and is imported only when it runs, so `gitvan --version` and a blocking hook load
 * just what they use.
 */
import { GitvanError } from '../errors.js'
import type { Command, Io } from './command.js'

declare const __GITVAN_VERSION__: string

/** The hook command's bundle, beside this file; a variable, so this build leaves it alone. */
const HOOK_BUNDLE: string = './hook/hook.js'

type Entry = {
  readonly summary: string
  readonly load: () => Promise<Command>
  /** In the contract, but its stage does not exist yet: listed apart, and it exits 2. */
  readonly notBuilt?: true
}

const COMMANDS: Record<string, Entry> = {
  init: {
    summary: 'scaffold gitvan.config.mjs with an example job, then install',
    load: async () => (await import('./commands/init.js')).command,
  },
  install: {
    summary: 'install shims for the hooks the config uses (husky-aware)',
    load: async () => (await import('./commands/install.js')).command,
  },
  uninstall: {
    summary: 'remove the shims; restore hooks that were there before',
    load: async () => (await import('./commands/uninstall.js')).command,
  },
  hook: {
    summary: 'the entrypoint the shims call: gitvan hook <name> [args...]',
    // Its own bundle (scripts/build.mjs): the hook path loads two files instead of some twenty
    // shared chunks, which measured 48 against 52 MB of peak RSS per hook process.
    load: async () => ((await import(HOOK_BUNDLE)) as { command: Command }).command,
  },
  run: {
    summary: 'run jobs over commits: gitvan run [<range>|--all]',
    load: async () => (await import('./commands/run.js')).command,
  },
  status: {
    summary: 'spool depth, runner, locks held, last batch',
    load: async () => (await import('./commands/status.js')).command,
  },
  receipts: {
    summary: 'what ran on a commit: gitvan receipts [<rev>]',
    load: async () => (await import('./commands/receipts.js')).command,
  },
  log: { summary: "show the runner's log", load: async () => (await import('./commands/log.js')).command },
  cache: {
    summary: 'gitvan cache stats|verify|prune|clear',
    load: async () => (await import('./commands/cache.js')).command,
  },
  sync: {
    summary: 'fetch, merge and push receipts and outputs with leases',
    load: async () => (await import('./commands/sync.js')).command,
  },
  trust: {
    summary: 'approve the current config (hooks run only an approved config); --show prints what changed',
    load: async () => (await import('./commands/trust.js')).command,
  },
  doctor: {
    summary: 'check git, node, install state and config',
    load: async () => (await import('./commands/doctor.js')).command,
  },
  restore: {
    summary:
      'bring back work tree and index saved before gates changed them (fix gates, partial staging) (after a crash)',
    load: async () => (await import('./commands/restore.js')).command,
  },
  demo: {
    summary: 'make a throw-away repository and show the whole pipeline on it',
    load: async () => (await import('./commands/demo.js')).command,
  },
  stats: {
    summary: 'per-stage runner timings (p50/p95/p99) and the cache hit rate',
    load: async () => (await import('./commands/stats.js')).command,
  },
}

/** Commands the shims and the runner use; they work but are not listed in --help. */
const INTERNAL: Record<string, Entry> = {
  runner: {
    summary: 'the async runner (started by the hooks)',
    load: async () => (await import('./commands/runner.js')).command,
  },
}

const list = (keep: (entry: Entry) => boolean): string =>
  Object.entries(COMMANDS)
    .filter(([, entry]) => keep(entry))
    .map(([name, entry]) => `  ${name.padEnd(11)}${entry.summary}`)
    .join('\n')

/** Commands of the contract whose stage does not exist yet, listed apart (none when all are built). */
function notBuiltSection(): string {
  const names = list((entry) => entry.notBuilt === true)
  return names === '' ? '' : `\nNot built yet in this version (they say so and exit 2):\n${names}\n`
}

const HELP = `gitvan ${__GITVAN_VERSION__}: a git hooks runner with batching

Usage: gitvan <command> [options]

Commands:
${list((entry) => !entry.notBuilt)}
${notBuiltSection()}
Options:
  -h, --help     show help (also: gitvan <command> --help, gitvan help <command>)
  -v, --version  print the version
  --performance-stats  (any command) print where its time went, to stderr
  --profile            (any command) write a CPU profile (node --cpu-prof) to the current directory

Environment: GITVAN=0 (or HUSKY=0) skips every hook; GITVAN_DEBUG=1 traces; CI=1 runs async work in the foreground.
Exit codes: 0 ok, 1 a job failed, 2 usage or config error, 3 a ref or lock conflict.
`

// A reader that stops early (`gitvan doctor | head`) closes the pipe: stop quietly, as a shell
// tool does on SIGPIPE, instead of failing on the next write.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })

/** The working directory, read when a command needs it; one that was deleted is a clear error. */
function currentDir(): string {
  try {
    return process.cwd()
  } catch (error) {
    process.stderr.write(
      `gitvan: the current directory no longer exists (${(error as Error).message}): cd into the repository and run the command again.\n`,
    )
    process.exit(2)
  }
}

const io: Io = {
  get cwd() {
    return currentDir()
  },
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  readStdin: async () => {
    if (process.stdin.isTTY) return ''
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
}

/** By name too: the hook's bundle carries its own copy of the class. */
const isGitvanError = (error: unknown): error is GitvanError =>
  error instanceof GitvanError || (error instanceof Error && error.name === 'GitvanError' && 'exitCode' in error)

export function formatError(error: GitvanError): string {
  const lines = [`gitvan: ${error.message}`, ...error.details.map((line) => `  ${line}`)]
  return `${lines.join('\n')}\n`
}

async function main(argv: readonly string[]): Promise<number> {
  // `gitvan help <command>` is `gitvan <command> --help`.
  if (argv[0] === 'help' && argv[1] !== undefined) return main([argv[1], '--help'])
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(HELP)
    return name === undefined ? 2 : 0
  }
  if (name === '-v' || name === '--version') {
    io.stdout(`${__GITVAN_VERSION__}\n`)
    return 0
  }
  const entry = COMMANDS[name] ?? INTERNAL[name]
  if (!entry) {
    io.stderr(`gitvan: unknown command '${name}'. Run 'gitvan --help' for the list.\n`)
    return 2
  }
  const command = await entry.load()
  if (instrumented) performance.mark('gitvan:loaded')
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`)
    return 0
  }
  return command.run(rest, io)
}

/** `--performance-stats` and `--profile` (any command): their code loads only when one is given. */
const argv = process.argv.slice(2)
const instrumented = argv.includes('--performance-stats') || argv.includes('--profile')

async function instrumentedMain(args: readonly string[]): Promise<number> {
  performance.mark('gitvan:main')
  const { splitGlobalFlags, runProfiled, formatPerformance } = await import('./instrumentation.js')
  const flags = splitGlobalFlags(args)
  if (flags.profile)
    return runProfiled(flags.performanceStats ? ['--performance-stats', ...flags.args] : flags.args, io)
  process.once('exit', (code) => io.stderr(formatPerformance(flags.args[0] ?? '', code)))
  return main(flags.args)
}

;(instrumented ? instrumentedMain(argv) : main(argv)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (isGitvanError(error)) {
      io.stderr(formatError(error))
      process.exitCode = error.exitCode
      // A config that never finished loading may keep node alive (a timer, an open handle): go now.
      if (error.code === 'CONFIG_TIMEOUT' || (error.cause as GitvanError | undefined)?.code === 'CONFIG_TIMEOUT')
        process.exit(error.exitCode)
      return
    }
    io.stderr(`gitvan: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  },
)
