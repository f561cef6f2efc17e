import { describe, expect, it } from 'vitest'
import { addPrepare } from '../../src/install/prepareScript.js'

describe('addPrepare', () => {
  it('creates scripts when there are none, keeping the keys, the indentation and the final newline', () => {
    expect(addPrepare('{\n    "name": "app",\n    "version": "1.0.0"\n}\n')).toEqual({
      kind: 'added',
      text: '{\n    "name": "app",\n    "version": "1.0.0",\n    "scripts": {\n        "prepare": "gitvan install"\n    }\n}\n',
    })
  })

  it('adds prepare last among existing scripts, with tabs and CRLF kept', () => {
    const edit = addPrepare('{\r\n\t"scripts": {\r\n\t\t"test": "vitest"\r\n\t},\r\n\t"private": true\r\n}')
    expect(edit).toEqual({
      kind: 'added',
      text: '{\r\n\t"scripts": {\r\n\t\t"test": "vitest",\r\n\t\t"prepare": "gitvan install"\r\n\t},\r\n\t"private": true\r\n}',
    })
  })

  it('keeps an existing prepare script first and appends gitvan install after it', () => {
    const edit = addPrepare('{\n  "scripts": { "prepare": "npm run build" }\n}\n')
    expect(edit).toMatchObject({ kind: 'appended', before: 'npm run build', after: 'npm run build && gitvan install' })
    if (edit.kind === 'appended') expect(JSON.parse(edit.text).scripts.prepare).toBe('npm run build && gitvan install')
  })

  it('leaves a prepare that already runs gitvan install alone, however it is written', () => {
    for (const prepare of ['gitvan install', 'npm run build && gitvan install --force', 'husky; npx gitvan install'])
      expect(addPrepare(JSON.stringify({ scripts: { prepare } }))).toEqual({ kind: 'present', prepare })
    expect(addPrepare(JSON.stringify({ scripts: { prepare: 'my-gitvan installer' } })).kind).toBe('appended')
  })

  it('touches nothing that is not a package.json it understands', () => {
    expect(addPrepare('{ "name": ').kind).toBe('invalid')
    expect(addPrepare('[]')).toEqual({ kind: 'invalid', problem: 'it does not hold a JSON object' })
    expect(addPrepare('{"scripts": []}')).toEqual({ kind: 'invalid', problem: '"scripts" is not an object' })
    expect(addPrepare('{"scripts": {"prepare": 1}}')).toEqual({
      kind: 'invalid',
      problem: '"scripts.prepare" is not a string',
    })
  })
})
