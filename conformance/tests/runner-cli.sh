#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctrt-conform from the outside: what a user or a CI job sees.
#   runner-cli.sh CTRT_CONFORM LYING_PLUGIN DROP_PLUGIN
set -uo pipefail
conform=$1
liar=$2
drop=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

# expect STATUS NEEDLE -- COMMAND...: the command exits STATUS and prints NEEDLE.
expect() {
  local status=$1 needle=$2
  shift 3
  "$@" >"$dir/out" 2>&1
  local got=$?
  if [[ $got != "$status" ]] || ! grep -qF -- "$needle" "$dir/out"; then
    echo "FAIL: $* exited $got (expected $status) and printed:"
    tail -n 20 "$dir/out"
    echo "  (expected to find: $needle)"
    failures=$((failures + 1))
  else
    echo "ok: $*"
  fi
}

entry='"case": "archive.put_rejects_dotdot", "engine": "mock", "nature": "engine", "reason": "r", "evidence": "e",
       "fails": [{"check": "archive_put.fails.invalid_argument", "observed": "success"}]'
printf '{"engines": ["mock"], "expectations": [{%s}]}' "${entry/put_rejects_dotdot/put_rejects_dotdott}" >"$dir/misspelt.json"
printf '{"engines": ["mock"], "expectations": [{%s}]}' "${entry/\"mock\", \"nature\"/\"mokc\", \"nature\"}" >"$dir/engine.json"
printf '{"engines": ["mock"], "divergences": []}' >"$dir/old.json"
printf '{"engines": ["mock"], "expectations": [{%s}]}' "$entry" >"$dir/stale.json"

expect 2 'no case is named "archive.put_rejects_dotdott"' -- "$conform" --backend mock --expectations "$dir/misspelt.json"
expect 2 'unknown engine "mokc"' -- "$conform" --backend mock --expectations "$dir/engine.json"
expect 2 'unknown top-level key "divergences"' -- "$conform" --backend mock --expectations "$dir/old.json"
expect 2 "$dir/none.json" -- "$conform" --backend mock --expectations "$dir/none.json"
# An entry for a case that passes on this engine: the stale entry fails the run.
expect 1 'stale entry' -- "$conform" --backend mock --filter archive.put_rejects_dotdot --expectations "$dir/stale.json"
expect 2 '--jobs takes a number' -- "$conform" --backend mock -j 0
expect 2 '--timeout takes seconds' -- "$conform" --backend mock --timeout soon
expect 2 'unknown backend' -- "$conform" --backend nonesuch
expect 1 'no case matched' -- "$conform" --backend mock --filter 'no.such.*'
expect 0 'tests: archive_put' -- "$conform" --list --filter 'archive.put_rejects_dotdot'
expect 0 'usage: ctrt-conform' -- "$conform" --help
# TAP on standard output, with the plan first.
expect 0 '1..1' -- "$conform" --backend mock --filter archive.put_rejects_dotdot --tap -

# A backend that accepts hostile uploads: FAIL, although an expectation
# lists a (different) failure of that case for this engine.
cat >"$dir/liar.json" <<'JSON'
{"engines": ["liar"], "expectations": [{"case": "archive.put_rejects_dotdot", "engine": "liar", "nature": "engine",
  "reason": "extracts entry by entry, as Docker once did", "evidence": "r",
  "fails": [{"check": "nothing of a rejected archive is extracted",
             "observed": "nothing of a rejected archive is extracted"}]}]}
JSON
expect 1 'not expected: check "archive_put.fails.invalid_spec" observing "success"' -- \
  "$conform" --backend liar --backend-lib "$liar" --filter 'archive.put_rejects_dotdot' --expectations "$dir/liar.json"
# The same backend without the expectation: the other hostile cases fail too.
expect 1 '2 failed' -- "$conform" --backend liar --backend-lib "$liar" --filter 'archive.put_rejects_[as]*'

# A backend lacking update_container_resources: unsupported, never fail.
expect 0 'update_container_resources         unsupported' -- \
  env CTRT_DROP_OPS=update_container_resources "$conform" --backend drop --backend-lib "$drop" --filter 'lifecycle.update*'
# Lacking a method with a declared default: "default", never "pass".
expect 0 'get_container_port_override        default' -- \
  env CTRT_DROP_OPS=get_container_port_override "$conform" --backend drop --backend-lib "$drop" \
  --filter 'inspection.port_override*'

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
