/**
 * Names git hands around: object ids and the short names of branches and tags. The one check and
 * the one stripper every room uses, so what one accepts the others accept too. Pure, and a leaf.
 */

// 40 lowercase hex digits (SHA-1) or 64 (SHA-256), nothing in between.
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

export const isObjectId = (text: string): boolean => OBJECT_ID.test(text)

/** `main` for `refs/heads/main`; undefined for anything that is not a branch (HEAD, a tag). */
export const branchOf = (ref: string): string | undefined =>
  ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined

/** `v1.0` for `refs/tags/v1.0`; undefined for anything that is not a tag. */
export const tagOf = (ref: string): string | undefined =>
  ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined
