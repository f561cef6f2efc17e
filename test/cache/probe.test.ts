import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type Probe, parseProbe, probeHead, probePath, renderProbe } from '../../src/cache/probe.js'

const OID = (c: string) => c.repeat(40)

const probe: Probe = {
  head: 'ref: refs/heads/main',
  base: OID('b'),
  absent: ['gitvan.config.mjs', 'jobs', 'lint.cfg'],
  env: [],
  files: ['gitvan.config.js', 'with space.cfg'],
  hashes: [OID('1'), OID('2'), OID('3')],
}

describe('probe entries', () => {
  it('render in the documented line order and parse back to the same probe', () => {
    const text = renderProbe(probe) as string
    const lines = text.split('\n')
    expect(lines.slice(0, 10)).toEqual([
      'gitvan-probe 1',
      'head ref: refs/heads/main',
      `base ${OID('b')}`,
      'absent gitvan.config.mjs',
      'absent jobs',
      'absent lint.cfg',
      'file gitvan.config.js',
      'file with space.cfg',
      `hash ${OID('1')}`,
      `hash ${OID('2')}`,
    ])
    expect(lines.slice(-4)).toEqual([`hash ${OID('3')}`, expect.stringMatching(/^sum [0-9a-f]{64}$/), 'end', ''])
    expect(parseProbe(text)).toEqual(probe)
  })

  it('do not parse without a base line (every verdict rests on the staged changes)', () => {
    const text = renderProbe(probe) as string
    const body = `${text
      .split('\n')
      .filter((line) => !line.startsWith('base ') && !line.startsWith('sum ') && line !== 'end' && line !== '')
      .join('\n')}\n`
    expect(parseProbe(`${body}sum ${createHash('sha256').update(body).digest('hex')}\nend\n`)).toBeUndefined()
  })

  it('are not made for a path holding a newline or a carriage return', () => {
    expect(renderProbe({ ...probe, files: ['a\nb'] })).toBeUndefined()
    expect(renderProbe({ ...probe, absent: ['a\rb'] })).toBeUndefined()
  })

  it('do not parse when the end line is missing (a truncated file)', () => {
    const text = renderProbe(probe) as string
    expect(parseProbe(text.slice(0, -'end\n'.length))).toBeUndefined()
    expect(parseProbe(text.slice(0, text.length / 2))).toBeUndefined()
  })

  it('do not parse when a line was changed after the sum', () => {
    const text = renderProbe(probe) as string
    expect(parseProbe(text.replace('head ref: refs/heads/main', 'head ref: refs/heads/mai2'))).toBeUndefined()
    expect(parseProbe(text.replace(`hash ${OID('3')}`, `hash ${OID('4')}`))).toBeUndefined()
  })

  it("name a branch by HEAD's line and anything else detached", () => {
    expect(probeHead('ref: refs/heads/main')).toBe('ref: refs/heads/main')
    expect(probeHead(OID('a'))).toBe('detached')
    expect(probePath('pre-commit', OID('c'))).toBe(`probe/pre-commit/${OID('c')}`)
  })
})
