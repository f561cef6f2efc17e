// The published package runs nothing when it is installed. npm 11 lists, after every install, the
// packages whose scripts would run on install and are not approved (allowScripts): preinstall,
// install and postinstall always, and prepare for a package installed from anything but the
// registry (a tarball, git, a directory). So gitvan has none of them. Its own build runs from
// `prepack` (every `npm pack` and `npm publish` ships a fresh dist/) and from `postprepare`,
// which npm runs only for the project itself on `npm install` and `npm ci` (a fresh clone gets
// dist/, and `npx gitvan demo` works), never for a package installed as a dependency.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from './helpers/repo.js'

const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  files: string[]
  bin: Record<string, string>
}

describe('package.json', () => {
  it('has no script that npm runs, or lists, when gitvan is installed into a project', () => {
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(pkg.scripts[script], script).toBeUndefined()
  })

  it('builds dist/ when packed and when the project itself is installed', () => {
    expect(pkg.scripts.prepack).toBe('npm run build')
    expect(pkg.scripts.postprepare).toBe('npm run build')
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'hooks']))
    expect(pkg.bin.gitvan).toBe('./dist/cli.js')
  })
})
