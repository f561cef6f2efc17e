/**
 * What many object names are, in one `git cat-file --batch-check`: each name's oid and type, in
 * the order given; a name git does not have is undefined. `name^{commit}` peels a tag to its commit.
 */
import { type GitPlace, readGit } from './read.js'

export type ObjectType = { readonly oid: string; readonly type: string }

export async function objectTypes(
  where: GitPlace,
  names: readonly string[],
): Promise<readonly (ObjectType | undefined)[]> {
  if (names.length === 0) return []
  const out = await readGit(
    where,
    ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
    names.map((name) => `${name}\n`).join(''),
  )
  const lines = out.split('\n')
  return names.map((_, index) => {
    const [oid, type] = (lines[index] ?? '').split(' ')
    return oid && type && type !== 'missing' ? { oid, type } : undefined
  })
}
