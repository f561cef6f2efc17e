/** Histories the tests build in one go. */
import type { TestRepo } from './repo.js'

/**
 * Adds `count` commits on main with fast-import, commit i changing `f<i % 7>.txt` (and `other.txt`
 * when `other`), checks main out and returns all commits, oldest first.
 */
export function addCommits(repo: TestRepo, count: number, other = false): string[] {
  let stream = ''
  for (let i = 1; i <= count; i++) {
    const message = `c${i}\n`
    const body = `line ${i}\n`
    stream += `commit refs/heads/main\nmark :${i}\ncommitter T <t@example.invalid> ${1700000000 + i} +0000\ndata ${message.length}\n${message}`
    stream += i === 1 ? `from ${repo.rev('HEAD')}\n` : `from :${i - 1}\n`
    stream += `M 100644 inline f${i % 7}.txt\ndata ${body.length}\n${body}\n`
    if (other) stream += `M 100644 inline other.txt\ndata ${body.length}\n${body}\n`
  }
  repo.git(['fast-import', '--quiet'], { input: stream })
  repo.git(['reset', '-q', '--hard', 'main'])
  return repo.git(['rev-list', '--reverse', 'HEAD']).stdout.trim().split('\n')
}
