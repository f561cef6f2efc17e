#!/bin/sh
# Install size, bundle size and import time of the packages docs/design.md weighs, in a scratch
# directory (default /tmp/gitvan-measure): sh docs/measure/deps.sh [dir]. Needs node and npm;
# run `npm install` in the repository first (for esbuild).
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-/tmp/gitvan-measure}
esbuild=$repo/node_modules/.bin/esbuild
# An ES module bundle that still has `require` (for the CommonJS inside cosmiconfig and isomorphic-git).
banner="import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);"
bundle() { "$esbuild" "$1" --bundle --platform=node --format=esm --target=node20 --external:typescript --log-level=error "--banner:js=$banner" --outfile="$2"; }
mkdir -p "$dir" && cd "$dir"

for spec in cosmiconfig@9.0.2 p-queue@9.3.5 debounce@3.0.0 isomorphic-git@1.44.19; do
  name=${spec%@*}
  mkdir -p "$name"
  (cd "$name" && echo '{"private":true,"type":"module"}' > package.json && npm i --no-audit --no-fund --silent "$spec" >/dev/null)
  echo "import * as m from '$name'; globalThis.m = m" > "$name/entry.mjs"
  bundle "$name/entry.mjs" "$name/bundle.mjs"
  echo "$spec: installed $(du -sh "$name/node_modules" | cut -f1), $(cd "$name" && npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l) packages; bundled $(wc -c < "$name/bundle.mjs") bytes"
done

# Finding and importing a config: our discovery against cosmiconfig, same repository, same file.
mkdir -p cfgrepo && printf "export default { jobs: { lint: { on: 'pre-commit', run: 'true' } } }\n" > cfgrepo/gitvan.config.mjs
# With SHOW=1 each prints its own in-process time (performance.now()).
cat > own-load.mjs <<JS
import { pathToFileURL } from 'node:url'
import { discoverConfig } from '$repo/src/config/discover.ts'
const t0 = performance.now()
const source = discoverConfig(process.argv[2])
const t1 = performance.now()
if (!(await import(pathToFileURL(source.file).href)).default.jobs) throw new Error('no config')
const t2 = performance.now()
if (process.env.SHOW) console.log(\`own: discover \${(t1 - t0).toFixed(2)} ms, discover + import \${(t2 - t0).toFixed(2)} ms\`)
JS
cat > cosmiconfig/load.mjs <<'JS'
import { cosmiconfig } from 'cosmiconfig'
const searchPlaces = ['gitvan.config.mjs', 'gitvan.config.js', 'gitvan.config.cjs', 'package.json']
// SHOW=search: the search alone (a loader that answers without evaluating the file).
const loaders = process.env.SHOW === 'search' ? { '.mjs': () => ({}) } : {}
const t0 = performance.now()
const found = await cosmiconfig('gitvan', { searchPlaces, searchStrategy: 'none', loaders }).search(process.argv[2])
const t1 = performance.now()
if (!found?.config) throw new Error('no config')
if (process.env.SHOW) console.log(`cosmiconfig: ${process.env.SHOW === 'search' ? 'search' : 'search + load'} ${(t1 - t0).toFixed(2)} ms`)
JS
bundle own-load.mjs own-load.bundle.mjs
bundle cosmiconfig/load.mjs cosmiconfig/load.bundle.mjs
for i in 1 2 3; do
  SHOW=1 node own-load.bundle.mjs cfgrepo
  SHOW=search node cosmiconfig/load.bundle.mjs cfgrepo
  SHOW=1 node cosmiconfig/load.bundle.mjs cfgrepo
done
: > empty.mjs

node "$repo/docs/measure/interleave.mjs" 40 3 \
  "node empty.mjs" "node empty.mjs" \
  "own discovery + import" "node own-load.bundle.mjs cfgrepo" \
  "cosmiconfig search + load" "node cosmiconfig/load.bundle.mjs cfgrepo" \
  "cosmiconfig (bundled)" "node cosmiconfig/bundle.mjs" \
  "p-queue (bundled)" "node p-queue/bundle.mjs" \
  "debounce (bundled)" "node debounce/bundle.mjs" \
  "isomorphic-git (bundled)" "node isomorphic-git/bundle.mjs" \
  "node -e (module) baseline" "node --input-type=module -e 'await 0'" \
  "import('cosmiconfig')" "cd cosmiconfig && node --input-type=module -e \"await import('cosmiconfig')\"" \
  "import('p-queue')" "cd p-queue && node --input-type=module -e \"await import('p-queue')\"" \
  "import('debounce')" "cd debounce && node --input-type=module -e \"await import('debounce')\"" \
  "import('isomorphic-git')" "cd isomorphic-git && node --input-type=module -e \"await import('isomorphic-git')\""
echo "load average: $(cat /proc/loadavg 2>/dev/null || uptime)"

# vitest: what it installs, a one-test TypeScript run, and node's own runner on the same file.
mkdir -p vitest/t
(cd vitest && echo '{"private":true,"type":"module"}' > package.json && npm i -D --no-audit --no-fund --silent vitest@4.1.12 >/dev/null)
echo "vitest@4.1.12: installed $(du -sh vitest/node_modules | cut -f1), $(cd vitest && npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l) packages"
cat > vitest/t/add.test.ts <<'TS'
import { expect, test } from 'vitest'
const add = (a: number, b: number): number => a + b
test('adds', () => expect(add(1, 2)).toBe(3))
TS
cat > vitest/t/add.node.test.ts <<'TS'
import assert from 'node:assert/strict'
import { test } from 'node:test'
const add = (a: number, b: number): number => a + b
test('adds', () => assert.equal(add(1, 2), 3))
TS
(cd vitest && node "$repo/docs/measure/interleave.mjs" 10 1 "vitest run (1 test)" "node_modules/.bin/vitest run t/add.test.ts")
(cd vitest && node --test t/add.node.test.ts 2>&1 | grep -m1 'TypeError' || true)
