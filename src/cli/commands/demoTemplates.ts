/**
 * A step of `gitvan demo`: a template job renders a file per commit onto an output ref. The job
 * lives in a jobs/ file only while the step runs (`gitvan run` runs the checked-out config), so the
 * hooks of later steps see the config they were installed with.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export type DemoTools = {
  readonly dir: string
  readonly git: (...argv: string[]) => string
  readonly gitvan: (...argv: string[]) => { readonly code: number; readonly out: string }
  readonly show: (text: string) => void
  readonly step: (title: string) => void
}

const JOB = `export default {
  on: 'post-commit',
  template: 'templates/summary.liquid', // its front matter's 'to:' names the file on the output ref
}
`

const TEMPLATE = `---
to: summaries/{{ commit.short }}.md
---
# {{ commit.subject }}
{{ commit.author.name }}, {{ commit.date | date: "%Y-%m-%d" }}: {{ files | size }} {{ 'file' | pluralize: files.size }} ({{ files | join: ", " }})
`

/** Returns 0, or 1 when the output is not where it should be. */
export function demoTemplates({ dir, git, gitvan, show, step }: DemoTools): number {
  step('A template renders a file per commit onto refs/gitvan/outputs/summary, not into the work tree')
  mkdirSync(path.join(dir, 'jobs'), { recursive: true })
  mkdirSync(path.join(dir, 'templates'), { recursive: true })
  writeFileSync(path.join(dir, 'jobs/summary.mjs'), JOB)
  writeFileSync(path.join(dir, 'templates/summary.liquid'), TEMPLATE)
  show(`jobs/summary.mjs:\n${JOB}templates/summary.liquid:\n${TEMPLATE}`)
  try {
    const r = gitvan('run', 'HEAD~1..HEAD', '--job', 'summary')
    show(`$ gitvan run HEAD~1..HEAD --job summary\n${r.out}`)
    if (r.code !== 0) return 1
    const file = `summaries/${git('rev-parse', '--short=7', 'HEAD')}.md`
    show(`$ git show refs/gitvan/outputs/summary:${file}\n${git('show', `refs/gitvan/outputs/summary:${file}`)}`)
    const onDisk = git('ls-files', '--others', '--', 'summaries')
    show(`$ git ls-files --others summaries   → ${onDisk === '' ? '(nothing: the work tree is untouched)' : onDisk}`)
    return onDisk === '' ? 0 : 1
  } finally {
    rmSync(path.join(dir, 'jobs'), { recursive: true, force: true })
    rmSync(path.join(dir, 'templates'), { recursive: true, force: true })
  }
}
