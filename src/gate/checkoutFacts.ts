/**
 * The facts of a CI run over the checked-out tree (`gitvan run --hook <name> <range>`): its files
 * are given, and each one's blob comes from the index (`ls-files -s`), which the caller has
 * checked matches the work tree, so the gate cache keys them as a commit of the same content
 * would be keyed. Its own chunk: a hook never loads it.
 */
import { readGit } from '../git/read.js'
import { indexEntries } from '../git/staged.js'
import { type Checkout, type GateFacts, type GateRequest, once, readMessage } from './facts.js'

export async function checkoutFacts(
  request: GateRequest,
  checkout: Checkout,
  needs: { readonly author: boolean },
): Promise<GateFacts> {
  const { hook } = request
  const isCommitMessage = hook === 'commit-msg' || hook === 'prepare-commit-msg' || hook === 'applypatch-msg'
  const [author, message] = await Promise.all([
    needs.author
      ? readGit(request, ['log', '-1', '--format=%an <%ae>', checkout.commit, '--']).then((line) => line.trim())
      : undefined,
    isCommitMessage ? readMessage(request) : undefined,
  ])
  const blobs = once(
    async () =>
      new Map((await indexEntries(request, checkout.files)).map((entry) => [entry.path, `${entry.oid} ${entry.mode}`])),
  )
  return {
    commit: checkout.commit,
    branch: checkout.branch,
    triggers: [{ hook, branch: checkout.branch, message, author }],
    files: async () => checkout.files,
    stagedBlobs: blobs,
    filesByDefault: hook === 'pre-commit' || hook === 'pre-merge-commit' || hook === 'pre-push',
  }
}
