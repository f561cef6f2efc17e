#!/bin/sh
# Biome against ESLint + typescript-eslint + Prettier over a copy of src/ and test/, in a scratch
# directory (default /tmp/gitvan-measure/lint): sh docs/measure/lint.sh [dir]. Needs node and npm.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-/tmp/gitvan-measure/lint}
mkdir -p "$dir/biome" "$dir/eslint" && cd "$dir"
(cd biome && echo '{"private":true}' > package.json && npm i -D --no-audit --no-fund --silent @biomejs/biome@2.6.9 >/dev/null)
(cd eslint && echo '{"private":true}' > package.json && npm i -D --no-audit --no-fund --silent eslint@10.16.0 @eslint/js@10.0.1 typescript-eslint@8.74.0 prettier@3.10.1 typescript@5.9.3 >/dev/null)
for d in biome eslint; do echo "$d: installed $(du -sh $d/node_modules | cut -f1), $(cd $d && npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l) packages"; done
echo "of which typescript (the project has it anyway): $(du -sh eslint/node_modules/typescript | cut -f1)"

rm -rf code && mkdir code && cp -r "$repo/src" "$repo/test" "$repo/tsconfig.json" code/
ln -s ../eslint/node_modules code/node_modules
echo "code: $(find code/src code/test -name '*.ts' | wc -l) files, $(find code/src code/test -name '*.ts' -exec cat {} + | wc -l) lines"
# The same style for both (the project's: single quotes, no semicolons, 120 columns) and each
# tool's recommended rules.
cat > code/biome.json <<'JSON'
{
  "formatter": { "enabled": true, "indentStyle": "space", "indentWidth": 2, "lineWidth": 120 },
  "javascript": {
    "formatter": { "quoteStyle": "single", "semicolons": "asNeeded", "trailingCommas": "all", "arrowParentheses": "always" }
  },
  "linter": { "enabled": true, "rules": { "preset": "recommended" } },
  "assist": { "enabled": true, "actions": { "source": { "organizeImports": "on" } } }
}
JSON
echo '{ "semi": false, "singleQuote": true, "printWidth": 120, "trailingComma": "all", "arrowParens": "always" }' > code/.prettierrc.json
cat > code/eslint.config.mjs <<'JS'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(js.configs.recommended, tseslint.configs.recommended)
JS
cd code
node "$repo/docs/measure/interleave.mjs" 6 1 \
  "biome check src test" "../biome/node_modules/.bin/biome check src test || true" \
  "eslint src test" "node_modules/.bin/eslint src test || true" \
  "prettier --check src test" "node_modules/.bin/prettier --check src test || true" \
  "eslint + prettier --check" "node_modules/.bin/eslint src test; node_modules/.bin/prettier --check src test; true"
echo "load average: $(cat /proc/loadavg 2>/dev/null || uptime)"
