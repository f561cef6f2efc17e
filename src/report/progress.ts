/**
 * The pretty reporter's progress line, redrawn on a terminal as runs finish: counts, the rate and
 * the time left at that rate. Colour only when asked (a terminal without `NO_COLOR`). Pure.
 */

export type Progress = {
  readonly done: number
  readonly total: number
  readonly failed: number
  readonly elapsedMs: number
  /** What is running or just ended, shown last. */
  readonly label?: string
  readonly color: boolean
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text)

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`
}

export function formatProgress(p: Progress): string {
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0
  const left = p.total - p.done
  const parts = [
    `${p.done}/${p.total} runs`,
    p.failed > 0 ? paint(p.color, '31', `${p.failed} failed`) : paint(p.color, '32', '0 failed'),
    rate > 0 ? `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s` : '…/s',
    rate > 0 && left > 0 ? `${formatDuration((left / rate) * 1000)} left` : left > 0 ? 'estimating' : 'done',
  ]
  return `${parts.join(', ')}${p.label ? paint(p.color, '2', `  ${p.label}`) : ''}`
}

/** Whether colours may be used: a terminal, and `NO_COLOR` unset or empty (no-color.org). */
export const useColor = (tty: boolean, env: NodeJS.ProcessEnv): boolean =>
  tty && (env.NO_COLOR === undefined || env.NO_COLOR === '')
