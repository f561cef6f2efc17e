import { existsSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

describe('gitvan demo', () => {
  // Runs from a directory that is not a repository: the demo makes its own.
  const cwd = makeRepo().dir

  it('shows a gate refusing a commit, the fix accepted, and receipts for both commits', () => {
    const r = makeRepo().gitvan(['demo', '--keep'], { cwd })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("gitvan: pre-commit: job 'no-todo' failed")
    expect(r.stdout).toContain('notes.txt: still says TODO')
    expect(r.stdout).toMatch(/\$ git commit -m 'Add notes' {3}→ exit 1/)
    expect(r.stdout).toMatch(/\$ git commit -m 'Add notes' {3}→ exit 0/)
    expect(r.stdout.match(/"schema":"gitvan\.receipt\.v1","job":"touched"/g)).toHaveLength(3)
    expect(r.stdout).toContain('Done: the gate refused a bad commit, accepted the fix, and 2 commits carry receipts.')
    expect(r.stdout).toContain('fix gates changed and re-staged 1 file(s): more.txt')
    expect(r.stdout).toContain('   More notes.$\n')
    expect(r.stdout).toContain('+A line not staged yet.')
    expect(r.stdout).toMatch(/Reword the last commit[^\n]*\n[\s\S]*"job":"touched"[^\n]*"cache":"hit"/)
    expect(r.stdout).toMatch(/the runner's last batch: ([1-9]\d*) events, \d+ runs/)
    expect(r.stdout).toMatch(
      /\$ git show refs\/gitvan\/outputs\/summary:summaries\/[0-9a-f]{7}\.md\n {3}# Add more notes\n/,
    )
    expect(r.stdout).toContain('(nothing: the work tree is untouched)')
    const kept = /kept at (\S+)/.exec(r.stdout)?.[1]
    expect(kept && existsSync(kept)).toBe(true)
  })

  it('works in the foreground under CI and removes its repository', () => {
    const r = makeRepo().gitvan(['demo'], { cwd, env: { CI: 'true' } })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('2 commits carry receipts')
    const dir = /A new repository in (\S+)/.exec(r.stdout)?.[1]
    expect(dir).toBeDefined()
    expect(existsSync(dir!)).toBe(false)
  })
})
