import { describe, expect, it } from 'vitest'
import { didYouMean, editDistance } from '../../src/config/suggest.js'
import { parseDuration, parseSize } from '../../src/config/units.js'

describe('durations', () => {
  it.each([
    [1500, 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['30d', 2_592_000_000],
    ['250', 250],
    [' 2 s ', 2000],
  ] as const)('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it.each([-1, Number.NaN, Infinity, '30 sec', '5w', 'soon', '', '-5s', true, null, {}])(
    '%j is no duration',
    (input) => {
      expect(parseDuration(input)).toBeUndefined()
    },
  )
})

describe('sizes', () => {
  it.each([
    [1024, 1024],
    ['512KB', 512 * 1024],
    ['256MB', 256 * 1024 ** 2],
    ['256mb', 256 * 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['0.5GB', 512 * 1024 ** 2],
    ['100', 100],
    ['100B', 100],
  ] as const)('%j is %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes)
  })

  it.each([-1, '256 MBs', '1PB', 'big', '', false])('%j is no size', (input) => {
    expect(parseSize(input)).toBeUndefined()
  })
})

describe('suggestions', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('prioirty', 'priority')).toBe(1)
    expect(editDistance('pre-comit', 'pre-commit')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
  })

  it('suggests only what is close enough to be a typo', () => {
    expect(didYouMean('prority', ['priority', 'timeout'])).toBe(" (did you mean 'priority'?)")
    expect(didYouMean('post-comit', ['post-commit', 'pre-commit'])).toBe(" (did you mean 'post-commit'?)")
    expect(didYouMean('deploy', ['pre-commit', 'post-commit'])).toBe('')
    expect(didYouMean('x', ['on', 'run'])).toBe('')
  })
})
