// Checks a commit message against Conventional Commits 1.0.0 (https://www.conventionalcommits.org):
//
//   <type>[(<scope>)][!]: <description>
//
//   [body, after one blank line]
//
// Usage: node check-commit-msg.mjs <message file>   (the commit-msg hook's argument)
//
// What git itself will drop is ignored: comment lines (core.commentChar, '#' by default) and
// everything below the scissors line of `git commit -v`. Messages git writes for you pass as they
// are: merges, reverts, and fixup!/squash!/amend! commits that `git rebase --autosquash` folds away.
import { readFileSync } from 'node:fs'

const TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert']
const MAX_HEADER = 100
const HEADER = /^(?<type>\w+)(?:\((?<scope>[^()\n]*)\))?!?:(?<rest>.*)$/
const GENERATED = /^(Merge |Revert "|(fixup|squash|amend)! )/

const file = process.argv[2]
if (!file) {
  console.error('usage: node check-commit-msg.mjs <commit message file>')
  process.exit(2)
}
const lines = []
for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
  if (/^# -+ >8 -+$/.test(line)) break // git commit -v: the diff below is not part of the message
  if (!line.startsWith('#')) lines.push(line)
}
while (lines.length > 0 && lines[0].trim() === '') lines.shift()
const header = lines[0] ?? ''

const problem = check(header, lines)
if (problem) {
  console.error(
    [
      `The commit message does not follow Conventional Commits: ${problem}`,
      '',
      `  ${header === '' ? '(an empty subject line)' : header}`,
      '',
      'The first line should read <type>[(<scope>)][!]: <description>, for example:',
      '',
      '  feat(auth): add a sign-in button to the header',
      '  fix: keep the cursor in place after saving',
      '  docs!: drop the v1 API guide (the ! marks a breaking change)',
      '',
      `Types: ${TYPES.join(', ')}.`,
      `Your message is kept in ${file}: git commit -e -F ${file} edits it again.`,
    ].join('\n'),
  )
  process.exit(1)
}

function check(header, lines) {
  if (header.trim() === '') return 'the subject line is empty'
  if (GENERATED.test(header)) return undefined
  const { type, scope, rest } = HEADER.exec(header)?.groups ?? {}
  if (type === undefined) return 'the subject line has no "<type>: " prefix'
  if (!TYPES.includes(type)) {
    const close = TYPES.find((t) => t === type.toLowerCase() || (t.length > 2 && type.toLowerCase().startsWith(t)))
    return `'${type}' is not one of the types${close ? ` (did you mean '${close}'?)` : ''}`
  }
  if (scope !== undefined && scope.trim() === '') return 'the scope in parentheses is empty'
  if (rest.trim() === '') return 'the description after the colon is missing'
  if (!rest.startsWith(' ')) return 'the colon must be followed by a space'
  if (header.length > MAX_HEADER)
    return `the subject line is ${header.length} characters long; keep it to ${MAX_HEADER} and put the rest in the body`
  if (lines.length > 1 && lines[1].trim() !== '')
    return 'the body must be separated from the subject line by a blank line'
  return undefined
}
