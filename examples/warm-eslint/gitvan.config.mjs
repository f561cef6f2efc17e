// ESLint as a warm function gate: the runner that answers the gates imports ESLint once and keeps
// it loaded, so a commit pays for linting its files, not for starting node and loading ESLint.
// Run cold (the first commit, or runner.keepWarm: 0), the same gate works in the hook's own node.
import path from 'node:path'
import { defineConfig } from 'gitvan'

// Imported on first use, then cached by node's module loader for as long as the process lives.
const loadESLint = async () => (await import('eslint')).ESLint

/** One ESLint per work tree, made again when its config file changes (ESLint caches its config). */
const instances = new Map()
async function eslintFor(root, ESLint) {
  const { statSync } = await import('node:fs')
  let stamp = ''
  try {
    stamp = String(statSync(path.join(root, 'eslint.config.js')).mtimeMs)
  } catch {}
  const known = instances.get(root)
  if (known?.stamp === stamp) return known.eslint
  const eslint = new ESLint({ cwd: root })
  instances.set(root, { stamp, eslint })
  return eslint
}

export default defineConfig({
  jobs: {
    eslint: {
      on: { hook: 'pre-commit', paths: ['**/*.js'] },
      // ctx.files are the staged .js files; while gates run, each file holds its staged content
      // (an unstaged edit is set aside by partial staging), so ESLint reads what will be committed.
      run: async (ctx) => {
        const ESLint = await loadESLint()
        const eslint = await eslintFor(ctx.root, ESLint)
        const results = await eslint.lintFiles(ctx.files.map((file) => path.join(ctx.root, file)))
        const errors = results.reduce((n, r) => n + r.errorCount, 0)
        if (errors === 0) return { files: ctx.files.length }
        const formatter = await eslint.loadFormatter('stylish')
        ctx.log(await formatter.format(results))
        throw new Error(`ESLint found ${errors} error(s) in the staged files`)
      },
    },
  },
})
