/**
 * Every receipt on refs/notes/gitvan/results, whatever commit it is on: the job cache's second
 * layer looks results up by key among them (a receipt fetched from CI or a teammate whose key
 * matches is a hit). One `git notes list` and one cat-file session, however many notes there are.
 */
import { isObjectId } from '../names.js'
import { parseReceipts, type Receipt } from '../receipt.js'
import { withCatFile } from './catfile.js'
import { NOTES_REF } from './notes.js'
import { tryGit } from './read.js'
import type { Repo } from './repo.js'

export async function readAllReceipts(repo: Repo): Promise<Receipt[]> {
  const listed = await tryGit(repo, ['notes', `--ref=${NOTES_REF}`, 'list'])
  if (!listed) return []
  const blobs = listed.split('\n').flatMap((line) => {
    const [blob] = line.split(' ')
    return blob && isObjectId(blob) ? [blob] : []
  })
  if (blobs.length === 0) return []
  return withCatFile(repo, async (cat) => {
    const objects = await Promise.all(blobs.map((blob) => cat.read(blob)))
    return objects.flatMap((object) => (object?.type === 'blob' ? parseReceipts(object.content.toString('utf8')) : []))
  })
}
