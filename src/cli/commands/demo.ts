/**
 * `gitvan demo`: a throw-away repository that shows the pipeline end to end, with real git and
 * the real shims: install, a gate refusing a commit and then accepting the fix, a fix gate
 * re-staging what it fixed while an unstaged edit stays put, the receipts the runner records for
 * the commits, a template's output on a ref, a reworded commit answered from the cache, and a
 * rebase's post-commit events taken as a batch.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { GitvanError } from '../../errors.js'
import { sleep } from '../../sleep.js'
import { parseCommandArgs } from '../args.js'
import type { Command, Io } from '../command.js'
import { showRebaseStorm } from './demoRebase.js'
import { showRewordHit } from './demoReword.js'
import { demoTemplates } from './demoTemplates.js'

const CONFIG = `// In a project, wrap this in defineConfig() from 'gitvan' for editor types; a plain object works the same.
export default {
  jobs: {
    // A fix gate: trims trailing spaces in the staged .txt files and re-stages them. What is not
    // staged is kept aside while gates run and comes back untouched.
    tidy: {
      on: { hook: 'pre-commit', paths: ['**/*.txt'] },
      run: 'node tidy.mjs {files}',
      fix: true,
    },
    // A gate: refuses a commit whose staged .txt files still say TODO (after tidy has run).
    'no-todo': {
      on: { hook: 'pre-commit', paths: ['**/*.txt'] },
      run: 'node check-todo.mjs {files}',
      after: ['tidy'],
    },
    // Automation: runs in the background runner after each commit; its value lands in the receipt.
    touched: {
      on: 'post-commit',
      run: async (ctx) => ({ files: ctx.files }),
    },
  },
}
`

const CHECK = `import { readFileSync } from 'node:fs'
let bad = 0
for (const file of process.argv.slice(2)) {
  if (readFileSync(file, 'utf8').includes('TODO')) {
    console.error(\`\${file}: still says TODO\`)
    bad++
  }
}
process.exit(bad ? 1 : 0)
`

const TIDY = `import { readFileSync, writeFileSync } from 'node:fs'
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8')
  const tidy = text.replace(/[ \\t]+$/gm, '')
  if (tidy !== text) writeFileSync(file, tidy)
}
`

type Step = (title: string) => void

export const command: Command = {
  name: 'demo',
  summary: 'make a throw-away repository and show the whole pipeline on it',
  usage: `Usage: gitvan demo [--keep]

Makes a throw-away git repository, installs gitvan in it, and shows: a gate refusing a commit and
the fix being accepted; a fix gate re-staging the staged half of a file while the unstaged half
stays; the receipts the runner records in git notes; a template rendered onto an output ref; a
reworded commit whose receipt comes from the cache; a rebase whose post-commit events the runner
takes as one batch.

Options:
  --keep   leave the repository in place and print its path
`,
  run: async (args, io) => {
    const { values } = parseCommandArgs('demo', args, { keep: { type: 'boolean' } }, false)
    const cli = realpathSync(process.argv[1] ?? '')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-demo-'))
    let n = 0
    const step: Step = (title) => io.stdout(`\n${++n}. ${title}\n`)
    try {
      return await demo({ dir, cli, io, step })
    } finally {
      if (values.keep) io.stdout(`\nThe demo repository is kept at ${dir}\n`)
      else rmSync(dir, { recursive: true, force: true })
    }
  },
}

async function demo({ dir, cli, io, step }: { dir: string; cli: string; io: Io; step: Step }): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...io.env, GIT_CONFIG_NOSYSTEM: '1' }
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GITVAN', 'HUSKY']) delete env[key]
  const run = (file: string, argv: readonly string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(file, argv, { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' })
    if (r.error) throw r.error
    return { code: r.status ?? 128, out: `${r.stdout}${r.stderr}`.trimEnd() }
  }
  const git = (...argv: string[]) => {
    const r = run('git', argv)
    if (r.code !== 0)
      throw new GitvanError('GIT_FAILED', `demo: git ${argv.join(' ')} failed in ${dir}`, { details: [r.out] })
    return r.out
  }
  const gitvan = (...argv: string[]) => run(process.execPath, [cli, ...argv])
  const show = (text: string) => text && io.stdout(`${text.replace(/^/gm, '   ')}\n`)

  step(`A new repository in ${dir}`)
  git('init', '-q', '-b', 'main')
  git('config', 'user.name', 'gitvan demo')
  git('config', 'user.email', 'demo@gitvan.invalid')
  git('config', 'commit.gpgsign', 'false')
  writeFileSync(path.join(dir, 'gitvan.config.mjs'), CONFIG)
  writeFileSync(path.join(dir, 'check-todo.mjs'), CHECK)
  writeFileSync(path.join(dir, 'tidy.mjs'), TIDY)
  git('add', '-A')
  git('commit', '-q', '--no-verify', '-m', 'Add gitvan config')
  show(CONFIG.trimEnd())

  step('gitvan install')
  // `gitvan install` does nothing when CI is set (npm runs it as the project's prepare script on CI
  // machines too); the demo's throw-away repository needs its hooks wherever the demo runs.
  const install = run(process.execPath, [cli, 'install'], { CI: '' })
  show(install.out)
  if (install.code !== 0) return install.code

  step('A commit the gate refuses: notes.txt still says TODO')
  writeFileSync(path.join(dir, 'notes.txt'), 'Ship it. TODO: write the changelog\n')
  git('add', 'notes.txt')
  const refused = run('git', ['commit', '-q', '-m', 'Add notes'])
  show(`$ git commit -m 'Add notes'   → exit ${refused.code}`)
  show(refused.out)
  if (refused.code === 0) {
    io.stderr('gitvan demo: the gate should have refused that commit, but git accepted it.\n')
    return 1
  }

  step('The fix passes the gate')
  writeFileSync(path.join(dir, 'notes.txt'), 'Ship it. The changelog is written.\n')
  git('add', 'notes.txt')
  const accepted = run('git', ['commit', '-q', '-m', 'Add notes'])
  show(`$ git commit -m 'Add notes'   → exit ${accepted.code}`)
  show(accepted.out)
  if (accepted.code !== 0) return 1

  step('A fix gate re-stages what it fixed; the part you did not stage stays as it was')
  writeFileSync(path.join(dir, 'more.txt'), 'More notes.   \n\nSee notes.txt.\n')
  git('add', 'more.txt')
  writeFileSync(path.join(dir, 'more.txt'), 'More notes.   \n\nSee notes.txt.\n\nA line not staged yet.\n')
  show('more.txt is staged with trailing spaces, and has one more line that is not staged')
  const fixed = run('git', ['commit', '-q', '-m', 'Add more notes'])
  show(`$ git commit -m 'Add more notes'   → exit ${fixed.code}`)
  show(fixed.out)
  if (fixed.code !== 0) return 1
  show(`$ git show HEAD:more.txt | cat -A\n${git('show', 'HEAD:more.txt').replace(/$/gm, '$')}`)
  show(`$ git diff\n${git('diff')}`)

  step('The runner records receipts in git notes, after the hooks returned')
  const count = await waitForReceipts(gitvan, () => git('notes', '--ref=gitvan/results', 'list'), 2, show)
  show(`$ git log --notes=gitvan/results --format='%h %s%n%N'`)
  show(git('log', '--notes=gitvan/results', '--format=%h %s%n%N'))
  if (count < 2) {
    io.stderr(`gitvan demo: expected receipts for the two new commits, found ${count}. See 'gitvan log'.\n`)
    return 1
  }
  if (demoTemplates({ dir, git, gitvan, show, step }) !== 0) return 1
  if ((await showRewordHit({ step, git, show, stderr: io.stderr })) !== 0) return 1
  if (
    (await showRebaseStorm({
      dir,
      step,
      git,
      show,
      stderr: io.stderr,
      status: () => gitvan('status', '--json').out,
      ci: Boolean(io.env.CI),
    })) !== 0
  )
    return 1
  io.stdout(
    `\nDone: the gate refused a bad commit, accepted the fix, and ${count} commits carry receipts.\nA fix gate tidied the staged half of more.txt and re-staged it; the unstaged line is still in the work tree.\n`,
  )
  return 0
}

/**
 * Polls until the spool is drained and `want` commits carry notes (at most ~30 s), showing
 * `gitvan status --json` as it was then. Returns how many commits carry notes.
 */
async function waitForReceipts(
  gitvan: (...argv: string[]) => { code: number; out: string },
  notes: () => string,
  want: number,
  show: (text: string) => void,
): Promise<number> {
  const deadline = Date.now() + 30_000
  let count = 0
  let status = ''
  while (Date.now() < deadline) {
    status = gitvan('status', '--json').out
    const listed = notes()
    count = listed === '' ? 0 : listed.split('\n').length
    if (count >= want) break
    await sleep(100)
  }
  show(`$ gitvan status --json\n${status}`)
  return count
}
