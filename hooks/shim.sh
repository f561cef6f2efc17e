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

# The repository is the one git runs this hook in, found now with builtins (a shared
# core.hooksPath serves many repositories, each with its own state): gd is its git dir, state
# its <git-common-dir>/gitvan.
gd=${GIT_DIR:-.git}
[ -f "$gd" ] && read -r line 2>/dev/null < "$gd" && gd=${line#gitdir: }  # a linked worktree's .git file
if [ ! -f "$gd/HEAD" ]; then
  gd=$(git rev-parse --git-dir 2>/dev/null) || exit 0  # a bare repository or an unusual layout
fi
common=${GIT_COMMON_DIR-}
if [ -z "$common" ]; then
  common=$gd
  if read -r line 2>/dev/null < "$gd/commondir"; then
    case $line in /*) common=$line ;; *) common=$gd/$line ;; esac
  fi
fi
state=$common/gitvan
if [ ! -f "$state/install.json" ]; then
  # gitvan is not installed in this repository. Nothing to run, unless it has a gitvan config:
  # then its gates would be skipped without a word, so a blocking hook refuses instead.
  for f in gitvan.config.mjs gitvan.config.js gitvan.config.cjs gitvan.config.ts gitvan.config.mts gitvan.config.cts; do
    [ -f "$f" ] || continue
    echo "gitvan: $f is here, but gitvan is not installed in this clone ($state), so its $hook jobs cannot run: run 'gitvan install' (or set GITVAN=0 to skip gitvan)." >&2
    [ "$kind" = blocking ] && exit 1
    exit 0
  done
  exit 0
fi

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
  head= ref=HEAD
  if read -r line 2>/dev/null < "$gd/HEAD"; then
    case $line in
      "ref: "*) ref=${line#ref: }
                read -r head 2>/dev/null < "$gd/$ref" || read -r head 2>/dev/null < "$common/$ref" ;;
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

# vouched <entry> <based>: whether a probe entry (src/cache/probe.ts) still holds: HEAD and its tree
# as they were (they must be there when <based> is 1), no 'absent' file present, the variables the
# config read as they were, and the files by blob id, with one git process.
vouched() {
  v_ok= v_magic= v_based= v_want= v_nl='
'
  v_entry=$1 v_need=$2
  set --
  while IFS= read -r line; do
    case $line in
      "gitvan-probe 1") v_magic=1 ;;
      "head "*) [ "${line#head }" = "$head" ] || return 1 ;;
      "base "*) [ "${line#base }" = "$base" ] || return 1; v_based=1 ;;
      "absent "*) [ -e "${line#absent }" ] && return 1 ;;
      "env "*|"unset "*)
        v_name=${line#* }; v_name=${v_name%%=*}
        case $v_name in ''|*[!A-Z0-9_]*) return 1 ;; esac
        eval "v_set=\${$v_name+1} v_value=\${$v_name-}"
        case $line in
          "unset "*) [ -z "$v_set" ] || return 1 ;;
          *) [ "$v_set" = 1 ] && [ "$v_value" = "${line#env "$v_name"=}" ] || return 1 ;;
        esac ;;
      "file "*) set -- "$@" "${line#file }" ;;
      "hash "*) v_want=$v_want${v_want:+$v_nl}${line#hash } ;;
      end) [ "$v_magic" = 1 ] && { [ "$v_need" = 0 ] || [ "$v_based" = 1 ]; } && v_ok=1 ;;
    esac
  done < "$v_entry"
  [ "$v_ok" = 1 ] && [ "$(git hash-object --no-filters -- "$cli" "$@" 2>/dev/null)" = "$v_want" ]
}

cache=${GITVAN_CACHE_DIR:-$state/cache}
# A hook the config has no job for (its shim stays for the branches whose config has one): node
# noted that for this config, its modules and variables, so answer without it.
if [ -f "$cache/probe/$hook/idle" ] && vouched "$cache/probe/$hook/idle" 0; then
  [ "${GITVAN_DEBUG-}" = 1 ] && echo "gitvan: $hook: the config has no job for this hook; nothing to run" >&2
  exit 0
fi
if [ "$hook" = pre-commit ] && [ -d "$cache" ] && tree=$(git write-tree 2>/dev/null); then
  base=$(git rev-parse -q --verify 'HEAD^{tree}' 2>/dev/null) || base=none
  # The cache probe: when every gate passed before on this same content (the index's tree and
  # HEAD's, HEAD's branch, and the config, what it imports and reads, its declared inputs and this
  # gitvan), answer now without node. Any doubt (no entry, a torn one, a changed file) goes on to
  # node, which is handed the trees (for this process only: node checks that its pid is
  # GITVAN_SHIM_PID), so it need not ask git again.
  if [ -f "$cache/probe/pre-commit/$tree" ]; then
    head=detached
    read -r line 2>/dev/null < "$gd/HEAD" && case $line in "ref: "*) head=$line ;; esac
    if vouched "$cache/probe/pre-commit/$tree" 1; then
      printf 'h probe/pre-commit/%s\n' "$tree" >> "$cache/journal" 2>/dev/null
      [ "${GITVAN_DEBUG-}" = 1 ] && echo "gitvan: pre-commit: every gate passed before on this content (tree $tree); nothing to run" >&2
      exit 0
    fi
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
