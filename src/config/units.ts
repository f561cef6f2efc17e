/**
 * Durations and sizes as users write them (`'30s'`, `'256MB'`) turned into numbers. Pure: a value
 * that does not parse is `undefined`, and the caller says where it came from.
 */

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Sizes are binary: `1KB` is 1024 bytes (`KiB` is accepted as the same). */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
}

const AMOUNT = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i

/** Milliseconds, from a number of ms or a string such as `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'30d'` (a bare number is ms). */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const match = AMOUNT.exec(value)
  if (!match) return undefined
  const factor = DURATION_UNITS[(match[2] || 'ms').toLowerCase()]
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor)
}

/** Bytes, from a number of bytes or a string such as `'512KB'`, `'256MB'`, `'1GB'` (a bare number is bytes). */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined
  if (typeof value !== 'string') return undefined
  const match = AMOUNT.exec(value)
  if (!match) return undefined
  const factor = SIZE_UNITS[(match[2] || 'b').toLowerCase()]
  return factor === undefined ? undefined : Math.floor(Number(match[1]) * factor)
}
