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

# A background job failed since anyone last looked: say so on every hook, with builtins only,
# until 'gitvan status' or 'gitvan receipts' marks it seen.
if read -r line 2>/dev/null < "$state/failed"; then
  echo "gitvan: $line; 'gitvan status' marks it seen" >&2
fi

if [ ! -x "$node" ]; then
  echo "gitvan: $node is gone; using node from PATH (run 'gitvan install' to write the new path)" >&2
  node=node
fi
if [ ! -f "$cli" ]; then
  echo "gitvan: $cli is gone, so the $hook hook cannot run. Reinstall gitvan (npm install), or set GITVAN=0 to skip it." >&2
  exit 1
fi

if [ "$kind" = async ] && [ -z "${CI-}" ] && [ -d "$state/spool" ]; then
  # Async: write one event file for the runner and return; node never starts here while a runner
  # lives, and nothing but builtins runs (a rename would cost an mv process: the file ends with an
  # 'end' line instead, and the runner leaves a file without it alone until it is complete).
  # reference-transaction runs up to three times per update (prepared, committed, aborted): only
  # a committed transaction changed anything.
  [ "$hook" = reference-transaction ] && [ "${1-}" != committed ] && exit 0
  gd=.git
  if [ -n "${GIT_DIR-}" ]; then gd=$GIT_DIR
  elif [ -f .git ] && read -r line 2>/dev/null < .git; then gd=${line#gitdir: }  # a linked worktree
  fi
  head= ref=HEAD
  if read -r line 2>/dev/null < "$gd/HEAD"; then
    case $line in
      "ref: "*) ref=${line#ref: }
                read -r head 2>/dev/null < "$gd/$ref" || read -r head 2>/dev/null < "${state%/gitvan}/$ref" ;;
      *) head=$line  # detached; while a rebase runs, name the branch it rebases
         read -r line 2>/dev/null < "$gd/rebase-merge/head-name" && ref=$line ;;
    esac
  fi
  # Packed refs, reftable or anything unusual: ask git (rare, and only this costs a process).
  case $head in ????????????????????????????????????????*) ;; *) head=$(git rev-parse -q --verify HEAD 2>/dev/null) ;; esac
  [ "$ref" = refs/heads/.invalid ] && ref=$(git symbolic-ref -q HEAD || echo HEAD)
  {
    printf 'gitvan-event 1\nhook %s\nhead %s\nref %s\ncwd %s\n' "$hook" "$head" "$ref" "$PWD"
    for arg in "$@"; do printf 'arg %s\n' "$arg"; done
    if [ "$reads_stdin" = 1 ]; then
      while IFS= read -r line; do printf 'in %s\n' "$line"; done <<GITVAN_STDIN
$input
GITVAN_STDIN
    fi
    echo end
  } > "$state/spool/$hook-$head-$$.event" || exit 0
  # The event is written BEFORE the runner is looked for: a runner that is stopping looks at the
  # spool after dropping its lock, so one of the two always sees this event.
  if read -r pid start 2>/dev/null < "$state/runner.pid"; then
    if read -r line 2>/dev/null < "/proc/$pid/stat"; then
      set -- ${line##*) }  # state, then field 22 (start time) is the 20th
      [ "$1" != Z ] && [ "${20-}" = "$start" ] && exit 0
    elif kill -0 "$pid" 2>/dev/null; then
      exit 0  # no /proc: the pid is all there is to check
    fi
  fi
  # A runner on its way up (started by an earlier hook) takes every event it finds, this one too.
  if read -r pid 2>/dev/null < "$state/runner.starting" && kill -0 "$pid" 2>/dev/null; then
    exit 0
  fi
  "$node" "$cli" runner --spawn </dev/null >/dev/null 2>&1 &
  echo $! > "$state/runner.starting"
  exit 0
fi

cache=${GITVAN_CACHE_DIR:-$state/cache}
if [ "$hook" = pre-commit ] && [ -d "$cache" ] && tree=$(git write-tree 2>/dev/null); then
  base=$(git rev-parse -q --verify 'HEAD^{tree}' 2>/dev/null) || base=none
  # The cache probe: when every gate passed before on this same content (the index's tree and
  # HEAD's, HEAD's branch, and the config, its declared inputs and this gitvan, by blob id), answer
  # now without node. Any doubt (no entry, a torn one, a changed file) goes on to node, which is handed the
  # trees (for this process only: node checks that its pid is GITVAN_SHIM_PID), so it need not ask
  # git again.
  if [ -f "$cache/probe/pre-commit/$tree" ]; then
    gd=${GIT_DIR:-.git}
    [ -f "$gd" ] && read -r line 2>/dev/null < "$gd" && gd=${line#gitdir: }  # a linked worktree
    head=detached
    read -r line 2>/dev/null < "$gd/HEAD" && case $line in "ref: "*) head=$line ;; esac
    ok= magic= based= want= nl='
'
    set --
    while IFS= read -r line; do
      case $line in
        "gitvan-probe 1") magic=1 ;;
        "head "*) [ "${line#head }" = "$head" ] || break ;;
        "base "*) [ "${line#base }" = "$base" ] || break; based=1 ;;
        "absent "*) [ -e "${line#absent }" ] && break ;;
        "file "*) set -- "$@" "${line#file }" ;;
        "hash "*) want=$want${want:+$nl}${line#hash } ;;
        end) [ "$magic$based" = 11 ] && ok=1 ;;
      esac
    done < "$cache/probe/pre-commit/$tree"
    if [ "$ok" = 1 ] && [ "$(git hash-object --no-filters -- "$cli" "$@" 2>/dev/null)" = "$want" ]; then
      printf 'h probe/pre-commit/%s\n' "$tree" >> "$cache/journal" 2>/dev/null
      [ "${GITVAN_DEBUG-}" = 1 ] && echo "gitvan: pre-commit: every gate passed before on this content (tree $tree); nothing to run" >&2
      exit 0
    fi
    set --
  fi
  GITVAN_SHIM_TREE=$tree GITVAN_SHIM_BASE=$base GITVAN_SHIM_PID=$$
  export GITVAN_SHIM_TREE GITVAN_SHIM_BASE GITVAN_SHIM_PID
fi

# Warm gates: a runner that stays up (runner.keepWarm) answers the gates in its warm process, so
# this hook starts no node. The request: this shim's pid as one line on $warm/requests (one write,
# far below PIPE_BUF, so concurrent shims never mix), after $warm/$$.req (hook, cwd, the probe's
# trees, args, stdin; the environment is read from /proc/$$/environ). The reply FIFO $warm/$$.out
# streams 'a' (taken), 'o<line>' (output), 'v <code>' (the verdict), or 'f' (go on with node).
# Nothing here can hang: the request is written read-write (no wait for a reader), and a request
# nobody takes within 2 s is claimed by the watchdog, which answers 'f' itself.
warm=$state/warm
warm_alive() {  # the runner in $warm/ready lives (its pid, with the start time it wrote)
  read -r pid start 2>/dev/null < "$warm/ready" || return 1
  read -r line 2>/dev/null < "/proc/$pid/stat" || return 1
  set -- ${line##*) }
  [ "$1" != Z ] && [ "${20-}" = "$start" ]
}
if [ -z "${CI-}" ] && [ "${GITVAN_WARM-}" != 0 ] && [ -p "$warm/requests" ] && [ -r "/proc/$$/environ" ] \
  && warm_alive && { mkfifo -m 600 "$warm/$$.out" || { rm -f "$warm/$$.out" && mkfifo -m 600 "$warm/$$.out"; }; } 2>/dev/null; then
  tty=0
  [ -t 2 ] && tty=1
  {
    printf 'gitvan-warm 1\000%s\000%s\000%s\000%s\000%s\000%s\000' "$hook" "$PWD" "${GITVAN_SHIM_TREE-}" "${GITVAN_SHIM_BASE-}" "$tty" "$#"
    [ $# -gt 0 ] && printf '%s\000' "$@"
    [ "$reads_stdin" = 1 ] && printf '%s' "$input"
  } > "$warm/$$.req"
  ( sleep 2; kill -0 $$ && mv -f "$warm/$$.req" "$warm/$$.late" && echo f > "$warm/$$.out" ) </dev/null >/dev/null 2>&1 &
  dog=$! cancelled=0 seen=0 taken= code=
  # Ctrl-C: the runner cancels the gates and puts the work tree back, then answers; twice: leave now.
  trap 'cancelled=$((cancelled + 1)); : > "$warm/$$.cancel"; [ "$cancelled" -gt 1 ] && exit 130' INT TERM HUP
  if printf '%s\n' "$$" 1<> "$warm/requests" && exec 4< "$warm/$$.out"; then
    while :; do
      if IFS= read -r line <&4; then
        case $line in
          o*) printf '%s\n' "${line#o}" >&2 ;;
          a) taken=1 ;;
          "v "*) code=${line#v } ;;
          f) break ;;
        esac
      elif [ "$cancelled" != "$seen" ]; then seen=$cancelled  # a trap cut the read short
      else break  # the end
      fi
    done
    exec 4<&-
  fi
  kill "$dog" 2>/dev/null
  [ -n "$code" ] && exit "$code"
  if [ -n "$taken" ]; then
    echo "gitvan: the warm runner stopped before the $hook gates were done, so the $hook hook refuses. Run the git command again (if partial staging set work aside, 'gitvan restore' brings it back)." >&2
    exit 1
  fi
  [ "$cancelled" -gt 0 ] && exit 130
  trap - INT TERM HUP
  rm -f "$warm/$$.out" "$warm/$$.req" "$warm/$$.late"
fi

if [ "$reads_stdin" = 1 ]; then
  printf '%s' "$input" | "$node" "$cli" hook "$hook" "$@"
else
  exec "$node" "$cli" hook "$hook" "$@"
fi
