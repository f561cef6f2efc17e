// One fresh repository per runner, set up the way each runner's users do it, with the same hooks:
// a pre-commit no-op (a gate) and/or a post-commit no-op. In verify mode every hook leaves a marker
// file instead, so a run can prove that each runner's hooks really fired.
//   hooks = { pre: boolean, post: boolean }, verify = boolean
import fs from 'node:fs'
import path from 'node:path'
import { gitQuiet, hasCommand, PEER_MODULES, sh } from './env.mjs'
import { cliOf, linkGitvan } from './gitvan.mjs'

export const marker = (dir, hook) => path.join(dir, `.bench-${hook}.ok`)

const write = (file, text, mode) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
  if (mode) fs.chmodSync(file, mode)
}

/** The shell command a hook runs: a no-op, or (verify) one that leaves a marker. */
const shellCmd = (dir, hook, verify) => (verify ? `touch ${marker(dir, hook)}` : 'true')

const copyPeers = (dir) =>
  fs.cpSync(PEER_MODULES, path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true })

const gitvanConfig = (dir, hooks, verify, idle, cacheOff) => {
  const jobs = []
  if (hooks.pre)
    jobs.push(
      `    gate: { on: 'pre-commit', run: ${JSON.stringify(verify ? `touch ${marker(dir, 'pre-commit')}` : 'true')} },`,
    )
  if (hooks.post) {
    const body = verify
      ? `{ (await import('node:fs')).writeFileSync(${JSON.stringify(marker(dir, 'post-commit'))}, ''); return { ok: true } }`
      : '({ ok: true })'
    // cache: false: the job stands for one with a side effect (in verify mode it has one: the
    // marker), so it runs on every commit, as every other runner's post-commit hook does.
    jobs.push(`    post: { on: 'post-commit', cache: false, run: async () => ${body} },`)
  }
  const runner = idle ? `  runner: { idle: '${idle}' },\n` : ''
  const cache = cacheOff ? '  cache: { enabled: false },\n' : ''
  return `import { defineConfig } from 'gitvan'\n\nexport default defineConfig({\n  jobs: {\n${jobs.join('\n')}\n  },\n${runner}${cache}})\n`
}

const preCommitStage = () => {
  const version = sh('pre-commit', ['--version']).stdout.trim().split(' ')[1] ?? '0'
  const [major, minor] = version.split('.').map(Number)
  return major > 3 || (major === 3 && minor >= 2) ? 'pre-commit' : 'commit' // stage names changed in 3.2
}

/**
 * Runners, in table order. `setup(dir, hooks, verify)` runs in a repository that `git init` made
 * and that has no commit yet; `available()` says whether the runner can be set up here.
 */
export const RUNNERS = [
  { name: 'none', label: 'no hooks', setup: () => {} },
  {
    name: 'sh',
    label: 'plain sh hook',
    setup: (dir, hooks, verify) => {
      for (const hook of ['pre-commit', 'post-commit']) {
        if (hooks[hook === 'pre-commit' ? 'pre' : 'post'])
          write(
            path.join(dir, '.git/hooks', hook),
            `#!/bin/sh\n${verify ? shellCmd(dir, hook, true) : 'exit 0'}\n`,
            0o755,
          )
      }
    },
  },
  {
    name: 'node',
    label: "hook running `node -e ''`",
    setup: (dir, hooks, verify) => {
      for (const hook of ['pre-commit', 'post-commit']) {
        const code = verify ? `require('fs').writeFileSync('${marker(dir, hook)}','')` : ''
        if (hooks[hook === 'pre-commit' ? 'pre' : 'post'])
          write(path.join(dir, '.git/hooks', hook), `#!/bin/sh\nnode -e "${code}"\n`, 0o755)
      }
    },
  },
  {
    name: 'gitvan',
    label: 'gitvan',
    setup: (dir, hooks, verify, options) => {
      linkGitvan(dir)
      write(path.join(dir, 'gitvan.config.mjs'), gitvanConfig(dir, hooks, verify, options.gitvanIdle, options.cacheOff))
      sh(process.execPath, [cliOf(dir), 'install'], { cwd: dir })
    },
  },
  {
    name: 'husky',
    label: 'husky',
    setup: (dir, hooks, verify) => {
      copyPeers(dir)
      write(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'b', private: true, scripts: { prepare: 'husky' } }, null, 2),
      )
      sh(process.execPath, [path.join(dir, 'node_modules/husky/bin.js')], { cwd: dir }) // what `npx husky` (prepare) does
      if (hooks.pre) write(path.join(dir, '.husky/pre-commit'), `${shellCmd(dir, 'pre-commit', verify)}\n`)
      if (hooks.post) write(path.join(dir, '.husky/post-commit'), `${shellCmd(dir, 'post-commit', verify)}\n`)
    },
  },
  {
    name: 'lefthook',
    label: 'lefthook',
    setup: (dir, hooks, verify) => {
      copyPeers(dir)
      const yml = Object.entries({ 'pre-commit': hooks.pre, 'post-commit': hooks.post })
        .filter(([, on]) => on)
        .map(([hook]) => `${hook}:\n  commands:\n    noop:\n      run: "${shellCmd(dir, hook, verify)}"\n`)
        .join('')
      write(path.join(dir, 'lefthook.yml'), yml)
      sh(path.join(dir, 'node_modules/.bin/lefthook'), ['install'], { cwd: dir })
    },
  },
  {
    name: 'simple-git-hooks',
    label: 'simple-git-hooks',
    setup: (dir, hooks, verify) => {
      copyPeers(dir)
      const config = {}
      if (hooks.pre) config['pre-commit'] = shellCmd(dir, 'pre-commit', verify)
      if (hooks.post) config['post-commit'] = shellCmd(dir, 'post-commit', verify)
      write(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'b', private: true, 'simple-git-hooks': config }, null, 2),
      )
      sh(process.execPath, [path.join(dir, 'node_modules/simple-git-hooks/cli.js')], { cwd: dir })
    },
  },
  {
    name: 'pre-commit',
    label: 'pre-commit',
    available: () => hasCommand('pre-commit'),
    setup: (dir, hooks, verify) => {
      const entries = []
      const stage = preCommitStage()
      const add = (id, hook, st) =>
        entries.push(
          `      - id: ${id}\n        name: ${id}\n        entry: "${shellCmd(dir, hook, verify)}"\n        language: system\n        always_run: true\n        pass_filenames: false\n        stages: [${st}]\n`,
        )
      if (hooks.pre) add('noop', 'pre-commit', stage)
      if (hooks.post) add('noop-post', 'post-commit', 'post-commit')
      write(path.join(dir, '.pre-commit-config.yaml'), `repos:\n  - repo: local\n    hooks:\n${entries.join('')}`)
      const types = [hooks.pre && ['-t', 'pre-commit'], hooks.post && ['-t', 'post-commit']].filter(Boolean).flat()
      sh('pre-commit', ['install', ...types], { cwd: dir })
    },
  },
]

export const runner = (name) => RUNNERS.find((r) => r.name === name)

/**
 * Makes <root>/<name>: git init, the runner's set-up, an initial commit made with hooks off.
 * Returns the directory, or throws with what failed.
 */
export function makeRunnerRepo(root, name, { hooks, verify = false, runnerName = name, gitvanIdle, cacheOff = false }) {
  const dir = path.join(root, name)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  gitQuiet(dir, 'init', '-q', '-b', 'main', '.')
  write(path.join(dir, '.gitignore'), 'node_modules/\n.bench-*\n')
  write(path.join(dir, 'f.txt'), 'start\n')
  runner(runnerName).setup(dir, hooks, verify, { gitvanIdle, cacheOff })
  gitQuiet(dir, 'add', '-A')
  gitQuiet(dir, 'commit', '-q', '--no-verify', '-m', 'init')
  return dir
}
