import { describe, expect, it } from 'vitest'
import { splitDocuments, toFrontMatter } from '../../src/template/frontMatter.js'

describe('splitDocuments', () => {
  it('splits documents at front matter blocks, keeps a Markdown rule in a body, and knows each line', () => {
    const text = '---\nto: a.md\n---\n# A\n\n---\n\nafter the rule\n---\nto: b.md\nforce: true\n---\nB\n'
    const split = splitDocuments(text)
    if (!('documents' in split)) throw new Error(split.message)
    expect(split.documents).toEqual([
      { frontMatter: 'to: a.md', frontMatterLine: 2, body: '# A\n\n---\n\nafter the rule\n', bodyLine: 4 },
      { frontMatter: 'to: b.md\nforce: true', frontMatterLine: 10, body: 'B\n', bodyLine: 13 },
    ])
  })

  it('says where the layout is broken', () => {
    expect(splitDocuments('hello\n')).toMatchObject({ line: 1 })
    expect(splitDocuments('---\nto: x\n')).toMatchObject({ line: 1, message: expect.stringContaining('never closed') })
  })
})

describe('toFrontMatter', () => {
  const doc = {
    frontMatter: 'to: a\ninject: true\nafter: x\nwhen: x\nbad: 1',
    frontMatterLine: 2,
    body: '',
    bodyLine: 8,
  }

  it('reads a plain document and an injection', () => {
    expect(toFrontMatter({ to: 'a', force: true }, doc)).toEqual({
      to: 'a',
      placement: { kind: 'file', force: true },
      when: undefined,
    })
    expect(toFrontMatter({ to: 'a', inject: true, after: '/^x/', skip_if: 'y', when: 'branch' }, doc)).toEqual({
      to: 'a',
      placement: { kind: 'inject', at: { after: { regex: '^x', flags: '' } }, skipIf: { text: 'y' } },
      when: 'branch',
    })
  })

  it('reports each mistake at its line', () => {
    expect(toFrontMatter({ to: 'a', bad: 1 }, doc)).toMatchObject({
      line: 6,
      message: expect.stringContaining("'bad'"),
    })
    expect(toFrontMatter({ to: 'a', after: 'x' }, doc)).toMatchObject({
      line: 4,
      message: expect.stringContaining('inject: true'),
    })
    expect(toFrontMatter({ to: 'a', inject: true }, doc)).toMatchObject({ line: 3 })
    expect(toFrontMatter({ to: 'a', inject: true, after: '/(/' }, doc)).toMatchObject({ line: 4 })
    expect(toFrontMatter({ force: true }, doc)).toMatchObject({ message: expect.stringContaining("needs 'to") })
    expect(toFrontMatter({ to: 'a', when: 3 }, doc)).toMatchObject({ line: 5 })
  })
})
