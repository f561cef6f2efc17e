/**
 * `<state dir>/install.json`: what the last install put where, so uninstall can take away exactly
 * that and a hook can tell cheaply whether the config's hooks still match what is installed, and
 * which config file to import without searching for it.
 *
 * The file holds no timestamps, so installing twice writes the same bytes. It is written to a
 * temporary name and renamed, so a reader sees the old record or the new one, never half of one.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type HookName, isRunnableHook } from '../hooks.js'
import type { HuskyEdit } from './husky.js'

export type InstallMode = 'hooks' | 'husky'

export type InstallRecord = {
  readonly schema: 'gitvan.install.v1'
  readonly mode: InstallMode
  /** The directory the shims went into (mode hooks), or husky's `.husky/_` (mode husky). */
  readonly hooksDir: string
  /** Hooks gitvan is installed for, in catalog order. */
  readonly hooks: readonly HookName[]
  /** Hooks whose previous file was kept as `<hook>.gitvan-chained`. */
  readonly chained: readonly HookName[]
  readonly node: string
  readonly cli: string
  /** `.husky/<hook>` files install created or appended to (mode husky). */
  readonly husky: readonly HuskyEdit[]
  /**
   * The config file install found, by its path under the top level (linked worktrees share this
   * record, each with its own top level); null when the config is jobs/ alone. Absent in a record
   * written before gitvan recorded it: a hook then goes by the ranked list of candidates.
   */
  readonly config?: string | null
}

export const recordFile = (stateDir: string): string => path.join(stateDir, 'install.json')

/** The record, or undefined when gitvan was never installed here (or the record is unreadable). */
export function readRecord(stateDir: string): InstallRecord | undefined {
  let text: string
  try {
    text = readFileSync(recordFile(stateDir), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return parseRecord(text)
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

function parseRecord(text: string): InstallRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  if (v.schema !== 'gitvan.install.v1' || (v.mode !== 'hooks' && v.mode !== 'husky')) return undefined
  if (typeof v.hooksDir !== 'string' || typeof v.node !== 'string' || typeof v.cli !== 'string') return undefined
  if (!isStringArray(v.hooks) || !isStringArray(v.chained) || !Array.isArray(v.husky)) return undefined
  const husky = (v.husky as unknown[]).filter(
    (edit): edit is HuskyEdit =>
      typeof edit === 'object' &&
      edit !== null &&
      isRunnableHook(String((edit as HuskyEdit).hook)) &&
      typeof (edit as HuskyEdit).file === 'string' &&
      typeof (edit as HuskyEdit).created === 'boolean' &&
      typeof (edit as HuskyEdit).newline === 'boolean',
  )
  return {
    schema: 'gitvan.install.v1',
    mode: v.mode,
    hooksDir: v.hooksDir,
    hooks: v.hooks.filter(isRunnableHook),
    chained: v.chained.filter(isRunnableHook),
    node: v.node,
    cli: v.cli,
    husky,
    ...(typeof v.config === 'string' || v.config === null ? { config: v.config } : {}),
  }
}

export function writeRecord(stateDir: string, record: InstallRecord): void {
  const file = recordFile(stateDir)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`)
  renameSync(tmp, file)
}

export function removeRecord(stateDir: string): void {
  try {
    unlinkSync(recordFile(stateDir))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
