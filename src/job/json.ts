/**
 * What a function job returns lands in a receipt, which is JSON in a git note. A value that JSON
 * would silently change (a function dropped, NaN turned into null, a cycle that throws, a class
 * instance flattened) is reported with its path instead, so `data` in a receipt is exactly what
 * the job returned.
 */

/** Why `value` is not plain JSON (`data.items[2]: a function ...`), or undefined when it is. */
export function jsonProblem(value: unknown, path = 'data', seen: Set<object> = new Set()): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: ${value} is not a JSON number`
    case 'undefined':
      return `${path}: undefined is not a JSON value`
    case 'bigint':
    case 'function':
    case 'symbol':
      return `${path}: a ${typeof value} is not a JSON value`
  }
  if (value === null) return undefined
  const object = value as object
  if (seen.has(object)) return `${path}: refers back to itself (a cycle)`
  seen.add(object)
  try {
    if (Array.isArray(object)) {
      for (const [index, item] of object.entries()) {
        const problem = jsonProblem(item, `${path}[${index}]`, seen)
        if (problem) return problem
      }
      return undefined
    }
    const proto = Object.getPrototypeOf(object) as unknown
    if (proto !== Object.prototype && proto !== null) {
      const name = (object.constructor as { name?: string } | undefined)?.name ?? 'object'
      return `${path}: a ${name} is not a plain object (convert it, e.g. to a string or an object of fields)`
    }
    for (const [key, item] of Object.entries(object)) {
      if (item === undefined) continue // JSON drops the key; nothing the job meant is lost
      const problem = jsonProblem(item, `${path}.${key}`, seen)
      if (problem) return problem
    }
    return undefined
  } finally {
    seen.delete(object)
  }
}
