/**
 * The rooms of src/ and which way imports run (STYLE.md, docs/design.md): a break fails
 * `npm run lint`. Type-only imports count: a cycle of types is still a cycle a reader untangles.
 *
 * Rooms are layered, lowest first; a room may import its own files, the leaves and rooms below it,
 * never a room above. With a strict order no two rooms can import each other.
 */
const LAYERS = ['git', 'template', 'cache', 'job', 'config', 'schedule', 'spool', 'gate', 'install', 'runner', 'report', 'cli']
// Leaf modules at the top of src/: they import only each other (and node).
const LEAVES = '^src/(receipt|hooks|event|types|names|sleep|errors|lockFile)[.]ts$'
const ROOM = (names) => `^src/(${names.join('|')})/`
// Modules that must stay pure: a test can run them with no repository, file or process.
const PURE =
  '^src/(config/(validate|resolve|jobSchema|problems|suggest|units)|event|schedule/(debounce|plan|match)|cache/(key|format)|template/(paths|place|frontMatter|filters|data))[.]ts$'
const IO = '^(node:)?(fs|fs/promises|child_process|os|worker_threads)$'

const layerRules = LAYERS.slice(0, -1).map((room, i) => ({
  name: `${room}-imports-no-room-above`,
  severity: 'error',
  comment: `src/${room}/ may import ${LAYERS.slice(0, i).join(', ') || 'no other room'} and the leaves; not ${LAYERS.slice(i + 1).join(', ')}.`,
  from: { path: `^src/${room}/` },
  to: { path: `${ROOM(LAYERS.slice(i + 1))}|^src/index[.]ts$` },
}))

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles between files, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'leaves-import-only-leaves',
      severity: 'error',
      comment: 'The leaf modules (receipt, hook catalog, event, shared types, names, sleep, errors) import no room.',
      from: { path: LEAVES },
      to: { path: `${ROOM(LAYERS)}|^src/index[.]ts$` },
    },
    {
      name: 'pure-modules-do-no-io',
      severity: 'error',
      comment:
        'Config validation, event parsing, debounce, plan, match, cache keys and the pure template modules (paths, ' +
        'placement, front matter, filters, data) reach no fs, process or git module, ' +
        'through any chain of imports. git/refname.ts is the one pure file of git/ they may use: ref names are checked as git does.',
      from: { path: PURE },
      to: { path: `${IO}|^src/git/`, pathNot: '^src/git/refname[.]ts$', reachable: true },
    },
    {
      name: 'cosmiconfig-only-in-search',
      severity: 'error',
      comment:
        'cosmiconfig does the config search in config/search.ts and nowhere else; the TypeScript transpiler and ' +
        'its lexer live in config/transpile.ts, js-yaml in config/loaders.ts.',
      from: { pathNot: '^src/config/search[.]ts$' },
      to: { path: '(^|/)node_modules/cosmiconfig/' },
    },
    {
      name: 'transpiler-only-in-transpile',
      severity: 'error',
      comment: 'sucrase and es-module-lexer are bundled into the chunk of config/transpile.ts alone.',
      from: { pathNot: '^src/config/transpile[.]ts$' },
      to: { path: '(^|/)node_modules/(sucrase|es-module-lexer)/' },
    },
    {
      name: 'liquidjs-loads-lazily-in-render',
      severity: 'error',
      comment:
        'LiquidJS is imported with import() in template/render.ts alone, on the first render: a hook or a batch ' +
        'that renders nothing never loads it.',
      from: {},
      to: { path: '(^|/)node_modules/liquidjs/', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'liquidjs-only-in-render',
      severity: 'error',
      comment: 'template/render.ts is the one module that uses LiquidJS.',
      from: { pathNot: '^src/template/render[.]ts$' },
      to: { path: '(^|/)node_modules/liquidjs/' },
    },
    {
      name: 'search-and-transpile-load-lazily',
      severity: 'error',
      comment:
        'config/search.ts (cosmiconfig), config/transpile.ts (sucrase) and js-yaml are imported only with import(), ' +
        'so a hook, which imports the config file install recorded, loads none of them; a TypeScript config ' +
        'loads the transpiler only on its first load, a YAML one js-yaml only when it is read.',
      from: {},
      to: {
        path: '^src/config/(search|transpile)[.]ts$|(^|/)node_modules/js-yaml/',
        dependencyTypesNot: ['dynamic-import', 'type-only'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
}
