// examples/conventional-commits end to end: the README's "Try it", run for real. npm's prepare
// script installs the hook, git runs commit-msg with the message file, and {args} hands it over.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, makeRepo, PROJECT_ROOT, removeTemp, type TestRepo } from '../helpers/repo.js'

const scratch = mkdtempSync(path.join(os.tmpdir(), 'gitvan-cc-'))
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
  removeTemp()
})

/** An editor (GIT_EDITOR) that puts a subject line above what git wrote into the message file. */
const editor = path.join(scratch, 'editor.mjs')
writeFileSync(
  editor,
  "import { readFileSync, writeFileSync } from 'node:fs'\nconst file = process.argv[2]\nwriteFileSync(file, 'docs: explain the setup\\n' + readFileSync(file, 'utf8'))\n",
)

/** The example in a fresh repository, gitvan installed as npm would (node_modules/.bin/gitvan), and npm's prepare run. */
function exampleRepo(): TestRepo {
  const repo = makeRepo({ initialCommit: false })
  cpSync(path.join(PROJECT_ROOT, 'examples/conventional-commits'), repo.dir, { recursive: true })
  repo.linkGitvan()
  mkdirSync(path.join(repo.dir, 'node_modules/.bin'))
  symlinkSync(CLI, path.join(repo.dir, 'node_modules/.bin/gitvan'))
  repo.write('.gitignore', 'node_modules\n')
  const prepare = spawnSync('npm', ['run', 'prepare', '--silent'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' })
  expect(prepare.status, prepare.stderr).toBe(0)
  expect(prepare.stdout).toContain('commit-msg: installed .git/hooks/commit-msg')
  return repo
}

const subjects = (repo: TestRepo) => repo.git(['log', '--format=%s']).stdout.trim().split('\n')

describe('examples/conventional-commits through the commit-msg hook', () => {
  it('refuses a message that is not a Conventional Commit, with an example, and keeps the message', () => {
    const repo = exampleRepo()
    const r = repo.commit('added the first files')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("job 'conventional-commits' failed: 'node' exited with code 1 (gitvan.config.mjs)")
    // The script's explanation, line by line, however gitvan frames a gate's output.
    for (const line of [
      'The commit message does not follow Conventional Commits: the subject line has no "<type>: " prefix',
      '  added the first files',
      'The first line should read <type>[(<scope>)][!]: <description>, for example:',
      '  feat(auth): add a sign-in button to the header',
      'Types: feat, fix, docs, style, refactor, perf, test, build, ci, chore, revert.',
    ])
      expect(r.stderr).toContain(line)
    expect(r.stderr).toContain('Your message is kept in .git/COMMIT_EDITMSG: git commit -e -F .git/COMMIT_EDITMSG')
    expect(readFileSync(path.join(repo.dir, '.git/COMMIT_EDITMSG'), 'utf8')).toBe('added the first files\n')
    expect(repo.git(['rev-parse', '-q', '--verify', 'HEAD'], { allowFail: true }).code).not.toBe(0)

    expect(repo.commit('chore: add the first files').code).toBe(0)
    expect(subjects(repo)).toEqual(['chore: add the first files'])
  })

  it("reads what the editor left, as git will commit it: comments and git commit -v's diff are not the message", () => {
    const repo = exampleRepo()
    expect(repo.commit('chore: start').code).toBe(0)
    repo.write('notes.md', 'notes\n')
    repo.git(['add', 'notes.md'])
    const r = repo.git(['commit', '-v', '-q'], { env: { GIT_EDITOR: `${JSON.stringify(process.execPath)} ${editor}` } })
    expect(r.code).toBe(0)
    expect(subjects(repo)[0]).toBe('docs: explain the setup')
  })

  it('lets the messages git writes itself through: a merge', () => {
    const repo = exampleRepo()
    expect(repo.commit('chore: start').code).toBe(0)
    repo.git(['checkout', '-q', '-b', 'topic'])
    repo.write('topic.txt', 'topic\n')
    expect(repo.commit('feat: add the topic').code).toBe(0)
    repo.git(['checkout', '-q', 'main'])
    const merge = repo.git(['merge', '--no-ff', '-q', '--no-edit', 'topic'], { allowFail: true })
    expect(merge.code, merge.stderr).toBe(0)
    expect(subjects(repo)[0]).toBe("Merge branch 'topic'")
  })
})
