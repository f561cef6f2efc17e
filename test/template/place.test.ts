import { describe, expect, it } from 'vitest'
import { type OutputWrite, type Placement, place, toMarker } from '../../src/template/place.js'

const write = (content: string, placement: Placement): OutputWrite => ({
  path: 'f.md',
  content,
  placement,
  source: 't.liquid:1',
})
const file = (force = false): Placement => ({ kind: 'file', force })

describe('place', () => {
  it('creates a file; keeps another text unless force; same text is same', () => {
    expect(place(undefined, write('a\n', file()))).toEqual({ kind: 'write', content: 'a\n' })
    expect(place('b\n', write('a\n', file())).kind).toBe('skip')
    expect(place('b\n', write('a\n', file(true)))).toEqual({ kind: 'write', content: 'a\n' })
    expect(place('a\n', write('a\n', file(true)))).toEqual({ kind: 'same' })
  })

  it('injects after and before the first matching line (text or /regex/), once', () => {
    const after: Placement = { kind: 'inject', at: { after: toMarker('<!-- x -->') } }
    const once = place('top\n<!-- x -->\nend\n', write('new\n', after))
    expect(once).toEqual({ kind: 'write', content: 'top\n<!-- x -->\nnew\nend\n' })
    expect(place('top\n<!-- x -->\nnew\nend\n', write('new\n', after))).toEqual({ kind: 'same' })
    const before: Placement = { kind: 'inject', at: { before: toMarker('/^## v\\d/') } }
    expect(place('# T\n## v1\n## v2\n', write('## v2-rc\n', before))).toEqual({
      kind: 'write',
      content: '# T\n## v2-rc\n## v1\n## v2\n',
    })
    expect(place('no marker\n', write('x\n', before)).kind).toBe('skip')
    expect(place(undefined, write('x\n', before)).kind).toBe('skip')
    // a marker on the last line of a file without a final newline
    expect(place('a\n<!-- x -->', write('b', after))).toEqual({ kind: 'write', content: 'a\n<!-- x -->\nb' })
  })

  it('prepends and appends; skip_if leaves a file that matches alone', () => {
    expect(place('b\n', write('a\n', { kind: 'inject', at: { prepend: true } }))).toEqual({
      kind: 'write',
      content: 'a\nb\n',
    })
    expect(place('b', write('c\n', { kind: 'inject', at: { append: true } }))).toEqual({
      kind: 'write',
      content: 'b\nc\n',
    })
    const skip: Placement = { kind: 'inject', at: { append: true }, skipIf: toMarker('/already/i') }
    expect(place('ALREADY here\n', write('more\n', skip))).toEqual({ kind: 'same' })
    expect(place('fresh\n', write('more\n', skip))).toEqual({ kind: 'write', content: 'fresh\nmore\n' })
  })

  it('toMarker reads /source/flags as a regular expression, anything else as text', () => {
    expect(toMarker('/^a$/im')).toEqual({ regex: '^a$', flags: 'im' })
    expect(toMarker('/^a$/g')).toEqual({ regex: '^a$', flags: '' })
    expect(toMarker('## Unreleased')).toEqual({ text: '## Unreleased' })
  })
})
