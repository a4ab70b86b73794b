#!/bin/sh
# SPDX-License-Identifier: MIT
# Scripted runs of the ctrt command line on the mock: every subcommand's
# help, usage errors, exit statuses per error kind, a batch session that
# drives a container through its life, streams and byte streams.
#
# usage: cli_test.sh CTRT CTRT_FIXTURE PYTHON SOURCE_DIR
# CTRT_CLI_WRAP (e.g. "valgrind --error-exitcode=1 ...") prefixes every ctrt run.
set -u
CTRT=$1 FIXTURE=$2 PYTHON=$3 SRC=$4
WRAP=${CTRT_CLI_WRAP:-}
T=$(mktemp -d /tmp/ctrt-cli-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ctrt() { $WRAP "$CTRT" "$@"; }

# expect STATUS DESCRIPTION -- COMMAND...: run, keep stdout/stderr in $T/out, $T/err
expect() {
  want=$1 what=$2
  shift 3
  "$@" >"$T/out" 2>"$T/err" </dev/null
  got=$?
  checks=$((checks + 1))
  if [ "$got" != "$want" ]; then
    fail "$what: exit status $got, expected $want"
    sed 's/^/  stderr: /' "$T/err" | head -20
  fi
}
has() { # has FILE TEXT DESCRIPTION
  checks=$((checks + 1))
  grep -qF -- "$2" "$1" || { fail "$3: no '$2' in $(basename "$1")"; sed 's/^/  | /' "$1" | head -20; }
}

# ---- every method is a subcommand, each with help from the spec ----
methods=$("$PYTHON" "$SRC/codegen/generate.py" --spec "$SRC/spec" --stats | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["methods"])')
expect 0 "ctrt --help" -- ctrt --help
listed=$(grep -c '^  [a-z]' "$T/out")
checks=$((checks + 1))
[ "$listed" = "$methods" ] || fail "--help lists $listed subcommands, the spec declares $methods methods"
for cmd in $(sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$T/out"); do
  "$CTRT" "$cmd" --help >"$T/help" 2>&1 || fail "$cmd --help failed"
  has "$T/help" "usage: ctrt [-H URI] $cmd" "$cmd --help"
  has "$T/help" "Errors it may return:" "$cmd --help"
done

# ---- usage errors: 2 ----
expect 2 "no such subcommand" -- ctrt -H mock: no-such-thing
has "$T/err" "no subcommand 'no-such-thing'" "unknown subcommand"
expect 2 "missing REPLICA" -- ctrt -H mock: inspect-detailed web
has "$T/err" "needs REPLICA" "missing argument"
expect 2 "bad replica" -- ctrt -H mock: inspect-detailed web one
expect 2 "unknown option" -- ctrt -H mock: list-images --bogus
expect 2 "enum value not in the spec" -- ctrt -H mock: wait-outcome-with-condition web 1 --condition sideways
has "$T/err" "not-running" "enum choices listed"
expect 2 "bad JSON" -- ctrt -H mock: create-container web 1 --spec '{not json'

# ---- runtime errors: 10 + the kind's code ----
expect 11 "not_found" -- ctrt -H mock: inspect-detailed nope 1
has "$T/err" "ctrt: not_found:" "not_found message"
expect 20 "invalid_spec" -- ctrt -H mock: rename-container web 1 "bad name"
expect 26 "invalid_argument (unknown URI scheme)" -- ctrt -H bogus: list-images
expect 11 "not_found image" -- ctrt -H mock: remove-image localhost/none:latest
# CTRT_HOST and a bare unix:// DOCKER_HOST are honoured (nothing listens there).
expect 11 "CTRT_HOST=mock:" -- env CTRT_HOST=mock: DOCKER_HOST= "$CTRT" inspect-detailed nope 1
expect 21 "DOCKER_HOST=unix://... is a Docker endpoint" -- env -u CTRT_HOST DOCKER_HOST="unix://$T/none.sock" $WRAP "$CTRT" list-images
has "$T/err" "ctrt: network:" "unreachable Docker endpoint"

# ---- outputs ----
expect 0 "empty list as JSON" -- ctrt -H mock: list-containers
checks=$((checks + 1))
[ "$(cat "$T/out")" = "[]" ] || fail "list-containers on an empty mock printed '$(cat "$T/out")'"
expect 0 "an enum result" -- ctrt -H mock: overlay-attach-kind
checks=$((checks + 1))
grep -Eq '^[a-z_]+$' "$T/out" || fail "overlay-attach-kind printed '$(cat "$T/out")'"

# ---- a container's life in one batch on one mock ----
if [ ! -x /bin/busybox ]; then
  echo "busybox-static is missing: the batch part needs the fixture image"
  exit 77
fi
"$FIXTURE" image "$T/bb.tar" >/dev/null || { fail "ctrt-fixture image"; exit 1; }
mkdir -p "$T/up" && echo "payload" >"$T/up/in.txt" && tar -C "$T/up" -cf "$T/up.tar" in.txt
cat >"$T/batch" <<EOF
# comments and blank lines are skipped

load-images --tar $T/bb.tar
list-images --json
create-container web 1 --image localhost/ctrt/busybox:latest --command '{"args":["sh","-c","echo out; echo err >&2; sleep 100"]}' --env A=b
create-container job 1 --image localhost/ctrt/busybox:latest --command '{"args":["sh","-c","echo to-stdout; echo to-stderr >&2; exit 4"]}'
!conflict create-container job 1 --image localhost/ctrt/busybox:latest --command "{}"
start-container web 1
start-container job 1
wait-container job 1
logs-stream job 1
list-containers --table
container-state web 1
exec web 1 echo hello
exec web 1 printf 'bin\000ary\n'
exec web 1 --json -- printf 'x\000y'
archive-put web 1 /tmp --tar $T/up.tar
archive-head web 1 /tmp/in.txt
archive-get web 1 /tmp/in.txt -o $T/got.tar
save-images localhost/ctrt/busybox:latest -o $T/saved.tar
!not_found inspect-detailed nope 1
!invalid_spec rename-container web 1 "bad name"
exec-pty web 1 --attach-stdin -- cat
exec-stream web 1 sh -c "echo a; exit 3"
EOF
printf 'piped-in\n' | $WRAP "$CTRT" -H mock: --batch "$T/batch" >"$T/out" 2>"$T/err"
status=$?
checks=$((checks + 1))
[ "$status" = 3 ] || { fail "batch: exit status $status, expected 3 (exec-stream's process)"; sed 's/^/  stderr: /' "$T/err"; }
has "$T/out" "Loaded: localhost/ctrt/busybox:latest" "load-images (plain lines off a terminal)"
has "$T/out" '"reference":"localhost/ctrt/busybox:latest"' "list-images --json"
has "$T/out" "4" "wait-container's exit code"
has "$T/out" "to-stdout" "logs-stream stdout"
has "$T/err" "to-stderr" "logs-stream stderr goes to stderr"
checks=$((checks + 1))
grep -q "to-stderr" "$T/out" && fail "logs-stream wrote stderr output to stdout"
has "$T/out" "RUNTIME_ID" "list-containers --table header"
has "$T/out" "web-rep-1" "list-containers --table row"
has "$T/out" '"running"' "container-state"
has "$T/out" "hello" "exec (captured, raw)"
# Exec output is bytes: raw on stdout with its NUL, base64 in JSON.
checks=$((checks + 1))
python3 -c 'import sys; sys.exit(b"bin\0ary\n" not in open(sys.argv[1], "rb").read())' "$T/out" ||
  fail "exec: the NUL byte of printf 'bin\\000ary' did not reach stdout"
has "$T/out" '{"exit_code":0,"stdout":"eAB5","stderr":"","output_truncated":false}' "exec (captured, JSON, base64)"
has "$T/out" '"name":"in.txt"' "archive-head"
has "$T/out" "piped-in" "exec-pty relays stdin and output"
has "$T/out" "a" "exec-stream output"
has "$T/err" "ctrt: not_found:" "expected failure reported"
has "$T/err" "stopped (exit status 3)" "batch stops at the failing line"
checks=$((checks + 1))
tar -xOf "$T/got.tar" in.txt 2>/dev/null | grep -qx payload || fail "archive-get -o: in.txt not in the tar"
checks=$((checks + 1))
tar -tf "$T/saved.tar" 2>/dev/null | grep -qx manifest.json || fail "save-images -o: no manifest.json in the tar"

# A line expected to fail that succeeds stops the batch with 1.
printf '!not_found list-images\n' >"$T/batch2"
expect 1 "batch: an expected failure that succeeds" -- ctrt -H mock: --batch "$T/batch2"
has "$T/err" "expected to fail, but succeeded" "batch expectation"

echo "$checks checks, $failures failures"
[ "$failures" = 0 ]
