#!/bin/sh
# What docs/design.md says of isomorphic-git, checked in a scratch directory (default
# /tmp/gitvan-measure/iso): sh docs/measure/isomorphic-git.sh [dir]. Needs node, npm, git and GNU time.
set -eu
dir=${1:-/tmp/gitvan-measure/iso}
mkdir -p "$dir" && cd "$dir"
echo '{"private":true,"type":"module"}' > package.json
npm i --no-audit --no-fund --silent isomorphic-git@1.44.19 >/dev/null
src=node_modules/isomorphic-git

echo '== writeRef: its parameters (no old value to compare against) and what it writes'
grep -n 'export function writeRef(' "$src/index.d.ts"
grep -n -A 9 'static async writeRef({' "$src/index.js"
echo '   acquireLock is a lock inside this process (AsyncLock), not a <ref>.lock file:'
grep -n -A 2 '^function acquireLock' "$src/index.js"
echo '== loose objects: written in place, no temporary file and rename'
grep -n -A 12 '^async function writeObjectLoose' "$src/index.js"

echo '== notes: readNote looks for <oid> at the top of the notes tree'
rm -rf notes && git init -q notes
git -C notes -c user.name=m -c user.email=m@m commit -q --allow-empty -m base
for i in $(seq 300); do echo "$i" | git -C notes hash-object -w --stdin; done > blobs
while read -r oid; do git -C notes -c user.name=m -c user.email=m@m notes --ref=gitvan/results add -m "note $oid" "$oid"; done < blobs
echo "git fanned the tree out: $(git -C notes ls-tree refs/notes/gitvan/results | head -1)"
oid=$(head -1 blobs)
echo "git notes show: $(git -C notes notes --ref=gitvan/results show "$oid")"
cat > note.mjs <<'JS'
import fs from 'node:fs'
import git from 'isomorphic-git'
try {
  const note = await git.readNote({ fs, dir: 'notes', ref: 'refs/notes/gitvan/results', oid: process.argv[2] })
  console.log('isomorphic-git readNote:', Buffer.from(note).toString().trim())
} catch (error) {
  console.log('isomorphic-git readNote:', error.code)
}
JS
node note.mjs "$oid"

echo '== first read of one blob from a ~99 MiB pack, in a fresh process'
rm -rf pack && git init -q pack
for i in $(seq 99); do head -c 1048576 /dev/urandom > "pack/f$i"; done
git -C pack add . && git -C pack -c user.name=m -c user.email=m@m commit -q -m big
git -C pack repack -adq && git -C pack prune
ls -l pack/.git/objects/pack/*.pack
oid=$(git -C pack rev-parse HEAD:f50)
cat > read.mjs <<'JS'
import fs from 'node:fs'
import git from 'isomorphic-git'
const start = performance.now()
const { blob } = await git.readBlob({ fs, dir: 'pack', oid: process.argv[2] })
console.log(`isomorphic-git readBlob: ${blob.length} bytes in ${(performance.now() - start).toFixed(0)} ms`)
JS
for i in 1 2 3 4 5; do /usr/bin/time -f '  process: %e s wall, peak RSS %M KB' node read.mjs "$oid"; done
for i in 1 2 3; do /usr/bin/time -f 'git cat-file: %e s wall, peak RSS %M KB' git -C pack cat-file blob "$oid" > /dev/null; done
