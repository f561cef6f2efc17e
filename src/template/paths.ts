/**
 * Output paths are checked the way git's `verify_path` checks a path before it enters an index or
 * a tree, with `core.protectNTFS` and `core.protectHFS` both on (git's defaults on the systems they
 * protect), so a path gitvan writes can be checked out anywhere:
 *
 * - relative, with `/` between components: no leading `/`, no drive letter, no `\`, no NUL (nor
 *   other control characters: a newline in a path is legal in git, but no output needs one);
 * - no empty, `.` or `..` component;
 * - no component that a file system may take for `.git`: any case (`.GIT`), trailing dots or
 *   spaces (`.git.`), an NTFS stream (`.git::$INDEX_ALLOCATION`), the 8.3 short name (`git~1`),
 *   or Unicode code points HFS+ ignores (`.g\u200cit`).
 *
 * Pure: a path is refused or accepted from its text alone. Symlinks in a work tree are checked
 * where the files are written (job/worktreeOutputs.ts).
 */

/** Code points HFS+ ignores when it compares names (git's utf8.c `next_hfs_char`). */
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g

/** Whether a file system might open `component` as the `.git` directory. */
export function isDotGit(component: string): boolean {
  // Most components are plain ASCII without 'git' in any case: nothing below could make them '.git'.
  if (!/git/i.test(component) && !/[^\x20-\x7e]/.test(component)) return false
  const name = component
    .replace(HFS_IGNORED, '')
    .replace(/:.*$/, '') // an NTFS alternate data stream names the same file
    .replace(/[. ]+$/, '') // NTFS drops trailing dots and spaces
    .toLowerCase()
  return name === '.git' || name === 'git~1'
}

/** Why `file` cannot be an output path, or undefined when it can. */
export function checkOutputPath(file: string): string | undefined {
  if (file === '') return 'is empty'
  if (file.includes('\0')) return 'contains a NUL byte'
  if (/[\u0001-\u001f\u007f]/.test(file)) return 'contains a control character (a newline, a tab, ...)'
  if (file.startsWith('/')) return 'is absolute (output paths are relative to the output tree)'
  if (/^[A-Za-z]:/.test(file)) return 'starts with a drive letter'
  if (file.includes('\\')) return "contains '\\' (use '/' between directories)"
  for (const component of file.split('/')) {
    if (component === '') return file.endsWith('/') ? 'ends with /' : "has an empty component ('//')"
    if (component === '.' || component === '..') return `has a '${component}' component`
    if (isDotGit(component)) return `has a component git would take for '.git' ('${component}')`
  }
  return undefined
}
