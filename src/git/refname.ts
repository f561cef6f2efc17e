/**
 * Ref names checked the way `git check-ref-format` checks them, so a job id or an output ref that
 * passes here is one git accepts. A job id is a single component: it names
 * `refs/gitvan/locks/<job>/<commit>` and `refs/gitvan/outputs/<job>`. Pure; a failure is the reason,
 * phrased to follow "it ...".
 */

// ASCII control characters, DEL, space and the characters git reserves for revision syntax.
const FORBIDDEN = /[\x00-\x20\x7f~^:?*[\\]/

const describeChar = (char: string): string => {
  if (char === ' ') return 'a space'
  const code = char.charCodeAt(0)
  if (code < 0x20 || code === 0x7f) return `a control character (0x${code.toString(16).padStart(2, '0')})`
  return `'${char}'`
}

/** Why `component` is not a valid single ref component, or undefined when it is. */
export function checkRefComponent(component: string): string | undefined {
  if (component === '') return 'is empty'
  if (component.includes('/')) return "contains '/'"
  if (component === '@') return "is '@'"
  if (component.startsWith('.')) return "starts with '.'"
  if (component.includes('..')) return "contains '..'"
  if (component.endsWith('.lock')) return "ends with '.lock'"
  if (component.endsWith('.')) return "ends with '.'"
  if (component.includes('@{')) return "contains '@{'"
  const bad = FORBIDDEN.exec(component)
  if (bad) return `contains ${describeChar(bad[0])}`
  return undefined
}

/** Why `ref` is not a full ref name under `refs/`, or undefined when it is. */
export function checkRefName(ref: string): string | undefined {
  if (!ref.startsWith('refs/')) return "does not start with 'refs/'"
  if (ref.endsWith('/')) return "ends with '/'"
  if (ref.includes('//')) return "contains '//'"
  if (ref.endsWith('.')) return "ends with '.'"
  const components = ref.split('/')
  if (components.length < 3) return "names no ref under 'refs/' (e.g. 'refs/heads/changelog')"
  for (const component of components) {
    const reason = checkRefComponent(component)
    if (reason !== undefined) return `has a component that ${reason} ('${component}')`
  }
  return undefined
}

/** A close valid component for a suggestion: `/` becomes `.` (as for files under jobs/), other bad characters `-`. */
export function fixRefComponent(component: string): string {
  let fixed = component
    .replace(/\//g, '.')
    .replace(/@\{/g, '-')
    .replace(new RegExp(FORBIDDEN.source, 'g'), '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+/, '')
  while (fixed.endsWith('.lock') || fixed.endsWith('.'))
    fixed = fixed.endsWith('.') ? fixed.slice(0, -1) : fixed.slice(0, -'.lock'.length)
  if (fixed === '' || fixed === '@') return 'job'
  return fixed
}
