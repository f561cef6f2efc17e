#!/bin/sh
# gitvan-shim 1
# Written by 'gitvan install' for the hook named below: edit gitvan.config.mjs, not this file.
# GITVAN=0 (or HUSKY=0) skips gitvan; GITVAN_DEBUG=1 traces. A hook that was here before gitvan
# was kept as <hook>.gitvan-chained next to this file and runs first, whatever GITVAN says.
[ "${GITVAN_DEBUG-}" = 1 ] && set -x
hook=@HOOK@
kind=@KIND@
node=@NODE@
cli=@CLI@
state=@STATE@
reads_stdin=@STDIN@

if [ "$reads_stdin" = 1 ]; then
  input=$(cat; echo .)
  input=${input%.}
fi
chained="${0%/*}/$hook.gitvan-chained"
if [ -x "$chained" ]; then
  if [ "$reads_stdin" = 1 ]; then
    printf '%s' "$input" | "$chained" "$@" || exit $?
  else
    "$chained" "$@" || exit $?
  fi
fi

{ [ "${GITVAN-}" = 0 ] || [ "${HUSKY-}" = 0 ]; } && exit 0

if [ ! -x "$node" ]; then
  echo "gitvan: $node is gone; using node from PATH (run 'gitvan install' to write the new path)" >&2
  node=node
fi
if [ ! -f "$cli" ]; then
  echo "gitvan: $cli is gone, so the $hook hook cannot run. Reinstall gitvan (npm install), or set GITVAN=0 to skip it." >&2
  exit 1
fi

if [ "$kind" = async ] && [ -z "${CI-}" ] && [ -d "$state/spool" ]; then
  # Async: record the event for the runner and return at once; node never starts on this path.
  gd=${GIT_DIR:-.git}
  head= ref=HEAD
  if [ -f "$gd/HEAD" ] && read -r line < "$gd/HEAD"; then
    case $line in
      "ref: "*) ref=${line#ref: }
                { read -r head < "$gd/$ref" || read -r head < "${state%/gitvan}/$ref"; } 2>/dev/null ;;
      *) head=$line ;;
    esac
  fi
  [ -n "$head" ] || head=$(git rev-parse -q --verify HEAD 2>/dev/null)
  tmp="$state/spool/.$$.tmp"
  {
    printf 'gitvan-event 1\nhook %s\nhead %s\nref %s\ncwd %s\n' "$hook" "$head" "$ref" "$PWD"
    for arg in "$@"; do printf 'arg %s\n' "$arg"; done
    [ "$reads_stdin" = 1 ] && printf 'stdin\n%s' "$input"
  } > "$tmp" && mv -f "$tmp" "$state/spool/$hook-$head-$$.event" || exit 0
  if read -r pid _ < "$state/runner.pid" 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
    exit 0
  fi
  "$node" "$cli" hook --start-runner "$hook" </dev/null >/dev/null 2>&1 &
  exit 0
fi

if [ "$reads_stdin" = 1 ]; then
  printf '%s' "$input" | "$node" "$cli" hook "$hook" "$@"
else
  exec "$node" "$cli" hook "$hook" "$@"
fi
