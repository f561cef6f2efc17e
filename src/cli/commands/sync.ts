/**
 * `gitvan sync [<remote>]`: the receipts and outputs exchange of `gitvan run --remote`, alone.
 *
 * Receipts: fetch the remote's notes, merge them into the local notes ref (`git notes merge -s
 * cat_sort_uniq`, moved by compare-and-swap), push the result with a lease on the fetched value,
 * again with jittered backoff while other runners win (git/remoteNotes.ts). Outputs: every
 * `refs/gitvan/outputs/*` brought level by fast-forward either way; refs that both sides moved
 * apart are left alone and named (git/remoteOutputs.ts). Exit 0, or 3 when a ref stayed in
 * conflict (diverged outputs, or a ref that kept moving through every retry).
 */
import { GitvanError } from '../../errors.js'
import { NOTES_REF } from '../../git/notes.js'
import { readRef } from '../../git/refs.js'
import { pushReceipts, trackingNotesRef } from '../../git/remoteNotes.js'
import { syncOutputs } from '../../git/remoteOutputs.js'
import { findRepo, type Repo } from '../../git/repo.js'
import { git } from '../../git/spawn.js'
import { checkRemote } from '../../git/transport.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan sync [<remote>] [--json]

Exchanges receipts and outputs with a remote (default: the current branch's remote, else origin):
  receipts  fetch its refs/notes/gitvan/results, merge them into yours (git notes merge -s
            cat_sort_uniq: no line of either side is lost), push the result with a lease on what
            was fetched, and try again while other runners push at the same time;
  outputs   every refs/gitvan/outputs/* moved to the newer side by fast-forward, here or there;
            a ref both sides changed apart is left alone and named.

Options:
  --json   one JSON object: {"remote", "notes": {"local", "remote"}, "outputs": {"pushed", "pulled", "diverged"}}

Exit codes: 0 in sync, 2 usage error or git failure, 3 a ref stayed in conflict.
`

async function defaultRemote(repo: Repo): Promise<string> {
  const branch = await git(['symbolic-ref', '-q', '--short', 'HEAD'], { cwd: repo.root })
  if (branch.ok) {
    const upstream = await git(['config', '--get', `branch.${branch.stdout.trim()}.remote`], { cwd: repo.root })
    const name = upstream.stdout.trim()
    if (upstream.ok && name !== '' && name !== '.') return name
  }
  const remotes = (await git(['remote'], { cwd: repo.root })).stdout.split('\n').filter(Boolean)
  if (remotes.includes('origin')) return 'origin'
  if (remotes.length === 1) return remotes[0] as string
  throw new GitvanError(
    'USAGE',
    remotes.length === 0 ? `sync: ${repo.root} has no remote` : 'sync: which remote? none is origin or upstream',
    {
      details: [
        remotes.length === 0 ? 'Add one with `git remote add origin <url>`.' : `Remotes: ${remotes.join(', ')}.`,
      ],
    },
  )
}

export const command: Command = {
  name: 'sync',
  summary: 'fetch, merge and push receipts and outputs with leases',
  usage: USAGE,
  run: async (args, io) => {
    const { values, positionals } = parseCommandArgs('sync', args, { json: { type: 'boolean' } })
    if (positionals.length > 1)
      throw new GitvanError('USAGE', `sync: one remote at most, got ${positionals.length}: ${positionals.join(' ')}`, {
        details: ["Run 'gitvan sync --help' for usage."],
      })
    const repo = findRepo(io.cwd)
    const remote = positionals[0] ?? (await defaultRemote(repo))
    await checkRemote(repo, remote)
    await pushReceipts(repo, remote)
    const outputs = await syncOutputs(repo, remote)
    const notes = {
      local: (await readRef(repo, NOTES_REF)) ?? null,
      remote: (await readRef(repo, trackingNotesRef(remote))) ?? null,
    }
    if (values.json) io.stdout(`${JSON.stringify({ remote, notes, outputs })}\n`)
    else {
      const receipts =
        notes.local === null
          ? 'no receipts on either side'
          : `receipts in sync (${NOTES_REF} ${notes.local.slice(0, 12)})`
      const moved = [
        outputs.pushed.length > 0 ? `${outputs.pushed.length} output ref(s) pushed` : '',
        outputs.pulled.length > 0 ? `${outputs.pulled.length} updated here` : '',
      ].filter(Boolean)
      io.stdout(`gitvan sync: ${remote}: ${receipts}${moved.length > 0 ? `; ${moved.join(', ')}` : ''}\n`)
    }
    if (outputs.diverged.length === 0) return 0
    io.stderr(
      `gitvan: ${outputs.diverged.length} output ref(s) changed apart here and on '${remote}', left as they are:\n${outputs.diverged
        .map((ref) => `  ${ref}`)
        .join(
          '\n',
        )}\n  Keep one side: \`git push --force-with-lease ${remote} <ref>\` (yours), or \`git update-ref <ref> refs/gitvan/remotes/${remote}/outputs/<name>\` (theirs).\n`,
    )
    return 3
  },
}
