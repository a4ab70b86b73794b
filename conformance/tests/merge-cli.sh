#!/usr/bin/env bash
# ctrt-conform --merge from the outside: the committed sample matrices
# (tests/merge/) merge into exactly tests/merge/expected.md and into an HTML
# page of the right structure; the real mock matrix merges beside them; bad
# inputs stop it with exit 2 naming the file, before anything is written.
#   merge-cli.sh CTRT_CONFORM MOCK_MATRIX [WRAPPER...]
# WRAPPER (e.g. valgrind and its options) runs every merge.
set -uo pipefail
conform=$1
mock=$2
shift 2
wrap=("$@")
here=$(cd "$(dirname "$0")" && pwd)
samples=$here/merge
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect STATUS NEEDLE ARGS...: ctrt-conform ARGS exits STATUS and prints NEEDLE.
expect() {
  local status=$1 needle=$2
  shift 2
  "${wrap[@]}" "$conform" "$@" >"$dir/out" 2>&1
  local got=$?
  if [[ $got != "$status" ]] || { [[ -n "$needle" ]] && ! grep -qF -- "$needle" "$dir/out"; }; then
    fail "ctrt-conform $* exited $got (expected $status) and printed:"
    tail -n 20 "$dir/out"
    echo "  (expected to find: $needle)"
  else
    echo "ok: ctrt-conform $*"
  fi
}

# The samples: the Markdown exactly, the HTML by its structure.
expect 0 "" --merge "$samples/docker.json" "$samples/podman.json" --markdown "$dir/two.md" --html "$dir/two.html"
if ! diff -u "$samples/expected.md" "$dir/two.md"; then
  fail "the Markdown of the samples differs from tests/merge/expected.md (above)"
fi
python3 "$here/merge-html-check.py" "$dir/two.html" "$samples/expected.md" || fail "the HTML of the samples"
# Markdown goes to standard output when no file is named.
expect 0 "| commit_container | pass 4/4 |  | fail 3/4, 1 fail |  |" --merge "$samples/docker.json" "$samples/podman.json"

# A real matrix (conform.mock's) beside the samples.
if [[ ! -s "$mock" ]]; then
  fail "no mock matrix at $mock (conform.mock writes it)"
else
  expect 0 "" --merge "$mock" "$samples/docker.json" "$samples/podman.json" --markdown "$dir/three.md" \
    --html "$dir/three.html"
  # conform.mock runs --benchmark: its latency column follows it.
  grep -q '^| method | mock [^|]* | latency: mock [^|]* | docker 20.10.24 | latency: docker 20.10.24 | podman 4.3.1 | latency: podman 4.3.1 | notes |$' "$dir/three.md" ||
    fail "the real mock matrix is not the first column: $(sed -n 3p "$dir/three.md")"
  python3 "$here/merge-html-check.py" "$dir/three.html" "$dir/three.md" || fail "the HTML with the mock matrix"
fi

# Bad inputs: exit 2 naming the file; nothing is written.
bad=$samples/bad
expect 2 "$bad/truncated.json: not JSON" --merge "$samples/docker.json" "$bad/truncated.json" --html "$dir/bad.html"
[[ -e "$dir/bad.html" ]] && fail "a failed merge wrote its HTML"
expect 2 "$bad/old-schema.json: schema \"ctrt-conform-matrix/0\"" --merge "$bad/old-schema.json"
expect 2 "$bad/expectations.json: not a ctrt-conform matrix (no \"schema\")" --merge "$bad/expectations.json"
expect 2 "$dir/none.json: cannot read it: No such file or directory" --merge "$samples/docker.json" "$dir/none.json"
expect 2 "$dir: cannot read it: not a regular file" --merge "$dir"
expect 2 "$samples/docker.json: engine docker 20.10.24 (backend docker) is already given by $samples/docker.json" \
  --merge "$samples/docker.json" "$samples/podman.json" "$samples/docker.json"

# One change to a good sample each: the message names the file and the place.
mutate() { # mutate NAME PYTHON: tests/merge/podman.json changed by PYTHON (on d) into $dir/NAME.json
  python3 - "$samples/podman.json" "$dir/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
}
while IFS='|' read -r name change needle; do
  mutate "$name" "$change"
  expect 2 "$dir/$name.json: $needle" --merge "$samples/docker.json" "$dir/$name.json" --markdown "$dir/bad.md"
  [[ -e "$dir/bad.md" ]] && fail "a failed merge wrote its Markdown"
done <<'CASES'
missing-method|del d["methods"]["exec"]|methods: the method exec is missing
unknown-method|d["methods"]["frobnicate"] = "pass"|methods: "frobnicate" is not a method of the spec
unknown-key|d["latency"] = {}|the matrix: unknown key "latency"
method-verdict|d["methods"]["exec"] = "passed"|methods.exec: "passed" is not a method verdict
detail-verdict|d["method_detail"]["exec"]["verdict"] = "fail"|method_detail.exec.verdict: "fail", but methods.exec is "pass"
support|d["method_detail"]["exec"]["support"] = "partial"|method_detail.exec.support: "partial" is not native, default or none
count|d["method_detail"]["exec"]["cases"]["pass"] = -1|method_detail.exec.cases.pass: expected an integer >= 0
latency|d["method_detail"]["exec"]["latency_ms"] = "fast"|method_detail.exec.latency_ms: expected a number >= 0
latency_p90|d["method_detail"]["exec"]["latency_p90_ms"] = -1|method_detail.exec.latency_p90_ms: expected a number >= 0
note|d["method_detail"]["exec"]["note"] = 3|method_detail.exec.note: expected a string
totals|d["totals"]["fail"] += 1|totals: the verdicts add up to 271, not total 270
engine|del d["engine"]["name"]|engine: "name" is missing
fact|d["engine"]["facts"]["os"] = 1|engine.facts.os: expected a string
case-verdict|d["cases"][0]["verdict"] = "skipped"|cases[0].verdict: "skipped" is not a case verdict
case-tests|d["cases"][0]["tests"] = ["pull"]|cases[0].tests[0]: not a method of the spec
expectation|d["cases"][2]["expectation"]["why"] = "x"|cases[2].expectation: unknown key "why"
native-fact|d["engine"]["facts"]["native_api_methods"] = "pause_container; frobnicate: x"|engine.facts.native_api_methods: "frobnicate" is not a method of this ctrt
CASES

# The cri backend's fact native_api_methods becomes notes on those methods
# (what a CRI-only engine would lose) and leaves the engine's header.
mutate native-api 'd["engine"]["facts"]["native_api_methods"] = "kill_container: signals other than SIGKILL; pause_container"'
expect 0 "| podman: a CRI-only engine (CRI-O) loses signals other than SIGKILL: served by containerd's own API |" \
  --merge "$samples/docker.json" "$dir/native-api.json" --markdown -
expect 0 "| podman: a CRI-only engine (CRI-O) loses it: served by containerd's own API |" \
  --merge "$samples/docker.json" "$dir/native-api.json" --markdown -
expect 0 "  - served through containerd's own API, so a CRI-only engine (CRI-O) would lose it: kill_container: signals other than SIGKILL; pause_container" \
  --merge "$samples/docker.json" "$dir/native-api.json" --markdown -
"${wrap[@]}" "$conform" --merge "$samples/docker.json" "$dir/native-api.json" --markdown - 2>&1 |
  grep -q native_api_methods && fail "the fact native_api_methods stays in the engine's header"

# The command line.
expect 2 "--merge needs at least one matrix file" --merge
expect 2 "--merge runs nothing" --merge --backend mock "$samples/docker.json"
expect 2 "--markdown and --html go with --merge" --backend mock --html "$dir/x.html"
expect 2 "cannot write $dir/no/such/dir.html" --merge "$samples/docker.json" --html "$dir/no/such/dir.html"

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
