/** The shape of one CLI command. Commands return an exit code; only cli/ prints and exits. */

export type Io = {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** The process's standard input, read whole (hooks that git feeds: pre-push, post-rewrite). */
  readonly readStdin: () => Promise<string>
  /** Whether standard error is a terminal (git passes its own to hooks). */
  readonly stderrIsTTY?: boolean
}

export type Command = {
  readonly name: string
  /** One line for `gitvan --help`. */
  readonly summary: string
  /** The full text for `gitvan <name> --help`. */
  readonly usage: string
  readonly run: (args: readonly string[], io: Io) => Promise<number>
}
