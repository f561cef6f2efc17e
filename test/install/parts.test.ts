import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addHuskyLine, huskyLine, removeHuskyLine } from '../../src/install/husky.js'
import { isShim, quoteSh, renderShim } from '../../src/install/shim.js'
import { PROJECT_ROOT } from '../helpers/repo.js'

const dirs: string[] = []
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-parts-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('shim rendering', () => {
  it('quotes any value so sh reads it back unchanged', () => {
    for (const value of ["it's", 'a b', '$HOME `id` $(id)', 'line\nbreak', "''", '\\', '-n']) {
      const r = spawnSync('sh', ['-c', `v=${quoteSh(value)}; printf '%s' "$v"`], { encoding: 'utf8' })
      expect(r.stdout, JSON.stringify(value)).toBe(value)
    }
  })

  it('fills every placeholder and keeps the marker', () => {
    const runtime = {
      node: '/opt/node 20/bin/node',
      cli: "/srv/it's/cli.js",
      template: path.join(PROJECT_ROOT, 'hooks/shim.sh'),
    }
    const shim = renderShim('post-rewrite', runtime)
    expect(shim).not.toMatch(/@[A-Z]+@/)
    // No repository's path is written in: the shim finds its repository when it runs.
    expect(shim).not.toContain('/repo/')
    expect(isShim(Buffer.from(shim))).toBe(true)
    expect(shim).toContain("node='/opt/node 20/bin/node'\ncli='/srv/it'\\''s/cli.js'\n")
    expect(shim).toContain("kind='async'\n")
    expect(shim).toContain("reads_stdin='1'\n")
    expect(spawnSync('sh', ['-n', '-c', shim]).status).toBe(0)
    expect(isShim(Buffer.from('#!/bin/sh\n# some other hook mentioning gitvan-shim 1\n'))).toBe(false)
  })
})

describe('husky lines', () => {
  const husky = (): string => {
    const dir = path.join(tempDir(), '.husky')
    mkdirSync(path.join(dir, '_'), { recursive: true })
    return path.join(dir, '_')
  }

  it('creates the file when there is none and deletes it again', () => {
    const hooksDir = husky()
    const added = addHuskyLine(hooksDir, 'pre-push')
    expect(added).toMatchObject({ kind: 'added', edit: { created: true, newline: false } })
    if (added.kind !== 'added') return
    expect(readFileSync(added.edit.file, 'utf8')).toBe(`${huskyLine('pre-push')}\n`)
    expect(huskyLine('pre-push')).toContain('gitvan/shims/pre-push')
    expect(removeHuskyLine(added.edit)).toBe('deleted')
    expect(existsSync(added.edit.file)).toBe(false)
  })

  it("keeps what the user wrote after gitvan's line when taking the line away", () => {
    const hooksDir = husky()
    const file = path.join(path.dirname(hooksDir), 'pre-commit')
    writeFileSync(file, 'npm test\n')
    const added = addHuskyLine(hooksDir, 'pre-commit')
    if (added.kind !== 'added') throw new Error('expected a line to be added')
    writeFileSync(file, `${readFileSync(file, 'utf8')}npm run lint\n`)
    expect(removeHuskyLine(added.edit)).toBe('removed')
    expect(readFileSync(file, 'utf8')).toBe('npm test\nnpm run lint\n')
  })

  it('adds nothing when the file already calls gitvan hook itself', () => {
    const hooksDir = husky()
    const file = path.join(path.dirname(hooksDir), 'commit-msg')
    writeFileSync(file, 'npx gitvan hook commit-msg "$1"\n')
    expect(addHuskyLine(hooksDir, 'commit-msg')).toEqual({ kind: 'present', ours: false })
    expect(readFileSync(file, 'utf8')).toBe('npx gitvan hook commit-msg "$1"\n')
  })
})
