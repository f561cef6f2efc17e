/** Process checks the tests share. */
import { readFileSync } from 'node:fs'

/** Whether a process is running: a zombie (dead, waiting for init to reap it) counts as gone. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/**
 * Whether `pid` is gone within 2 s. A job's whole process group is signalled before the job
 * returns, but the kernel tears a grandchild down on its own time (a busy machine showed one still
 * running for a moment); one never signalled outlives the wait (the tests' grandchildren sleep 100 s).
 */
export async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  return !isRunning(pid)
}
