// examples/warm-eslint end to end: the real eslint from npm (the project's devDependency) in a
// function gate, answered by the warm runner after a first cold commit started it.
import { cpSync, mkdirSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, PROJECT_ROOT, removeTemp } from '../helpers/repo.js'
import { awaitWarm, git, stopRunner } from '../runner/warmFixture.js'

afterAll(removeTemp)

describe('examples/warm-eslint', () => {
  it('lints the staged files in the warm runner: refuses an error with ESLint’s report, accepts clean staged content', async () => {
    const repo = makeRepo()
    delete (repo.env as Record<string, string | undefined>).GITVAN_WARM
    cpSync(path.join(PROJECT_ROOT, 'examples/warm-eslint'), repo.dir, { recursive: true })
    repo.linkGitvan()
    mkdirSync(path.join(repo.dir, 'node_modules'), { recursive: true })
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules/eslint'), path.join(repo.dir, 'node_modules/eslint'), 'dir')
    repo.git(['add', '-A'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'example'])
    expect(repo.gitvan(['install']).code).toBe(0)
    try {
      repo.write('src/cold.js', 'export const cold = 1\n')
      repo.git(['add', 'src/cold.js'])
      const cold = git(repo, ['commit', '-q', '-m', 'cold'])
      expect(cold.code, cold.stderr).toBe(0)
      await awaitWarm(repo)

      repo.write('src/bad.js', 'var x = 1\nexport default x\n')
      repo.git(['add', 'src/bad.js'])
      const refused = git(repo, ['commit', '-q', '-m', 'bad'], { env: { GITVAN_DEBUG: '1' } })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('in the warm runner')
      expect(refused.stderr).toContain('ESLint found 1 error(s) in the staged files')
      expect(refused.stderr).toContain('no-var')

      // Staged: fixed; unstaged: a new error. The gate sees what is committed.
      repo.write('src/bad.js', 'const x = 1\nexport default x\n')
      repo.git(['add', 'src/bad.js'])
      repo.write('src/bad.js', 'const x = 1\nexport default x\nvar later = x == 1\n')
      const accepted = git(repo, ['commit', '-q', '-m', 'fixed'], { env: { GITVAN_DEBUG: '1' } })
      expect(accepted.code, accepted.stderr).toBe(0)
      expect(accepted.stderr).toContain('in the warm runner')
      expect(repo.git(['show', 'HEAD:src/bad.js']).stdout).toBe('const x = 1\nexport default x\n')
    } finally {
      await stopRunner(repo)
    }
  })
})
