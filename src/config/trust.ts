/**
 * Trust: the config is code, so a hook runs a config only when it is the one the user approved
 * (`gitvan install` or `gitvan trust`), byte for byte.
 *
 * What is approved is a set of files, each by its path under the top level and the sha256 of its
 * bytes: the config file (for package.json, its "gitvan" key as JSON), every file under jobs/, and
 * every file of the repository the config imported when it was approved (its own modules, a local
 * package linked into node_modules; not what node_modules itself holds). The set is checked before
 * anything is imported: a changed byte, a new or removed job file, or a changed imported module is
 * a different config, and nothing of it runs. A module the config imports only since the change is
 * covered too, because the file that imports it changed.
 *
 * `<state dir>/trust` holds the record (JSON, written to a temporary name and renamed): the
 * versions approved in this clone, newest first (up to MAX_VERSIONS), so switching back to a branch
 * whose config was approved before needs no new approval. The newest keeps each file's bytes
 * (base64, up to MAX_KEPT bytes a file), so `gitvan trust --show` can print what changed since.
 */
import { createHash } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export const TRUST_FILE = 'trust'

/** Files larger than this are approved by hash alone: `--show` then says they changed, not how. */
const MAX_KEPT = 256 * 1024
const MAX_VERSIONS = 50

export type TrustRole = 'config' | 'job' | 'import'

/** One approved file: its path under the top level (the config's name for package.json's key). */
export type TrustedFile = {
  readonly path: string
  readonly role: TrustRole
  /** sha256 (hex) of the bytes, or null when the file did not exist. */
  readonly sha256: string | null
  /** The bytes, base64, when they were at most MAX_KEPT. */
  readonly content?: string
}

/** One approved version of the config. */
export type TrustVersion = {
  /** sha256 over every file's path and hash: the config's identity (Config.hash). */
  readonly hash: string
  readonly files: readonly TrustedFile[]
}

export type TrustRecord = {
  readonly schema: 'gitvan.trust.v2'
  /** Newest first. */
  readonly versions: readonly TrustVersion[]
}

/** A file as it is now: what a record is compared with. `bytes` undefined: it does not exist. */
export type CurrentFile = { readonly path: string; readonly role: TrustRole; readonly bytes: Buffer | undefined }

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

const sortFiles = <T extends { readonly path: string }>(files: readonly T[]): T[] =>
  [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))

/** The hash of a set of files: every path and hash, length-prefixed, in path order. */
export function trustHash(files: readonly { readonly path: string; readonly sha256: string | null }[]): string {
  const hash = createHash('sha256')
  for (const file of sortFiles(files)) {
    const name = Buffer.from(file.path)
    hash
      .update(`${name.length}:`)
      .update(name)
      .update(`${file.sha256 ?? 'absent'}\n`)
  }
  return hash.digest('hex')
}

export function toTrusted(files: readonly CurrentFile[]): TrustedFile[] {
  return sortFiles(files).map((file) => ({
    path: file.path,
    role: file.role,
    sha256: file.bytes === undefined ? null : sha256(file.bytes),
    ...(file.bytes !== undefined && file.bytes.length <= MAX_KEPT ? { content: file.bytes.toString('base64') } : {}),
  }))
}

export function makeVersion(files: readonly CurrentFile[]): TrustVersion {
  const trusted = toTrusted(files)
  return { hash: trustHash(trusted), files: trusted }
}

/** `previous` with `version` as its newest (older versions keep their hashes, not their bytes). */
export function addVersion(previous: TrustRecord | undefined, version: TrustVersion): TrustRecord {
  const older = (previous?.versions ?? [])
    .filter((v) => v.hash !== version.hash)
    .slice(0, MAX_VERSIONS - 1)
    .map((v) => ({ hash: v.hash, files: v.files.map(({ content: _, ...file }) => file) }))
  return { schema: 'gitvan.trust.v2', versions: [version, ...older] }
}

/**
 * The approved version the current files are, or undefined. `current(imports)` gives the files as
 * they are now with a version's imported modules (each version imported its own).
 */
export function matchTrust(
  record: TrustRecord | undefined,
  current: (imports: readonly string[]) => readonly CurrentFile[],
): TrustVersion | undefined {
  for (const version of record?.versions ?? []) {
    if (trustHash(toTrusted(current(importsOf(version)))) === version.hash) return version
  }
  return undefined
}

/** The bytes of `relative` under `root`, or undefined when it is not a readable file. */
export function readCurrent(root: string, relative: string): Buffer | undefined {
  try {
    return readFileSync(path.join(root, relative))
  } catch {
    return undefined
  }
}

/** The record, or undefined when there is none or it is not one (both mean: nothing is trusted). */
export function readTrust(stateDir: string): TrustRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path.join(stateDir, TRUST_FILE), 'utf8'))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  if (v.schema !== 'gitvan.trust.v2' || !Array.isArray(v.versions)) return undefined
  const versions: TrustVersion[] = []
  for (const item of v.versions as unknown[]) {
    const version = parseVersion(item)
    if (version === undefined) return undefined
    versions.push(version)
  }
  return versions.length === 0 ? undefined : { schema: 'gitvan.trust.v2', versions }
}

function parseVersion(value: unknown): TrustVersion | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  if (typeof v.hash !== 'string' || !Array.isArray(v.files)) return undefined
  const files: TrustedFile[] = []
  for (const item of v.files as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined
    const f = item as Record<string, unknown>
    if (typeof f.path !== 'string' || (f.role !== 'config' && f.role !== 'job' && f.role !== 'import')) return undefined
    if (f.sha256 !== null && typeof f.sha256 !== 'string') return undefined
    files.push({
      path: f.path,
      role: f.role,
      sha256: f.sha256,
      ...(typeof f.content === 'string' ? { content: f.content } : {}),
    })
  }
  // A version whose hash does not match its own files was not written by gitvan: trust nothing.
  if (trustHash(files) !== v.hash) return undefined
  return { hash: v.hash, files }
}

export function writeTrust(stateDir: string, record: TrustRecord): void {
  const file = path.join(stateDir, TRUST_FILE)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(record)}\n`)
  renameSync(tmp, file)
}

/** The imported files a version names: what a later check reads again. */
export const importsOf = (version: TrustVersion | undefined): string[] =>
  version?.files.filter((file) => file.role === 'import').map((file) => file.path) ?? []

/** One line per difference between the approved files and the current ones; empty when they match. */
export function trustChanges(record: TrustVersion, current: readonly CurrentFile[]): string[] {
  const before = new Map(record.files.map((file) => [file.path, file]))
  const lines: string[] = []
  const seen = new Set<string>()
  for (const file of sortFiles(current)) {
    seen.add(file.path)
    const old = before.get(file.path)
    const now = file.bytes === undefined ? null : sha256(file.bytes)
    if (old === undefined) {
      if (now !== null) lines.push(`${file.path} is new`)
    } else if (old.sha256 !== now) {
      lines.push(
        now === null ? `${file.path} is gone` : old.sha256 === null ? `${file.path} is new` : `${file.path} changed`,
      )
    }
  }
  for (const file of record.files) {
    if (!seen.has(file.path) && file.sha256 !== null) lines.push(`${file.path} is no longer part of the config`)
  }
  return lines
}
