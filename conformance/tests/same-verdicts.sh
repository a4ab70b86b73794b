#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The verdicts must not depend on how many cases run at once: run the suite
# with -j 1 and with -j N (N = $2, default 4) and compare every case's verdict.
#   same-verdicts.sh CTRT_CONFORM N [ctrt-conform arguments...]
set -euo pipefail
conform=$1
jobs=$2
shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
"$conform" "$@" -j 1 --matrix "$dir/serial.json" >"$dir/serial.txt" 2>&1 || status=$?
"$conform" "$@" -j "$jobs" --matrix "$dir/parallel.json" >"$dir/parallel.txt" 2>&1 || status=$?
python3 - "$dir/serial.json" "$dir/parallel.json" <<'PY'
import json, sys
def verdicts(path):
    doc = json.load(open(path))
    return {c["case"]: c["verdict"] for c in doc["cases"]}, doc["methods"], doc["seconds"]
(a, ma, ta), (b, mb, tb) = verdicts(sys.argv[1]), verdicts(sys.argv[2])
diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
for k in diff:
    print(f"{k}: -j 1 {a.get(k)}, in parallel {b.get(k)}")
mdiff = sorted(k for k in ma if ma[k] != mb.get(k))
for k in mdiff:
    print(f"method {k}: -j 1 {ma[k]}, in parallel {mb.get(k)}")
print(f"{len(a)} cases, {len(diff)} verdicts differ; -j 1 {ta:.1f} s, in parallel {tb:.1f} s")
sys.exit(1 if diff or mdiff or not a else 0)
PY
if ((status != 0)); then
  echo "a run failed (exit $status):"
  tail -n 30 "$dir/serial.txt"
  exit 1
fi
