#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest-failures.sh BUILD_DIR: what failed in the last ctest run there, short.
# scripts/dev.sh test prints it last, so that a log cut in the middle (a CI
# excerpt keeps a failing test's first lines and the log's last ones) still
# names each failed test and, for the conformance suites, each failed case
# with its reason. From ctest's own Testing/Temporary/LastTest.log; per failed
# test: the conformance runner's "fail"/"error" lines with their indented
# details, CUnit's failure lines, valgrind's first report lines, and the
# output's last lines when none of these is there.
set -euo pipefail
build_dir=${1:?usage: ctest-failures.sh BUILD_DIR}
log="$build_dir/Testing/Temporary/LastTest.log"
[[ -r "$log" ]] || { echo "ctest-failures.sh: no $log (did ctest run?)" >&2; exit 2; }

awk '
  # Each test: "N/M Test: NAME", "Output:", a rule, its output, "<end of output>",
  # then "Test Passed." or "Test Failed." (or a timeout/exception line).
  /^[0-9]+\/[0-9]+ Test: / { name = $3; n = 0; in_output = 0; next }
  /^Output:$/ { in_output = 1; getline; next }
  /^<end of output>$/ { in_output = 0; next }
  in_output { out[++n] = $0; next }
  # The verdict line after the output: report all but a pass or a skip.
  name != "" && /^Test / && !/^Test time/ {
    if ($0 !~ /^Test (Passed|Skipped)/) report(name, $0)
    name = ""
  }

  function report(test, how,    i, shown, detail, vg, line) {
    printf "-- %s (%s)\n", test, how
    shown = 0; detail = 0; vg = 0
    for (i = 1; i <= n; i++) {
      line = out[i]
      if (line ~ /^(fail|error) +[a-z_]+\.[a-z0-9_]+ /) { print "   " line; detail = 6; shown++; continue }
      if (detail > 0 && line ~ /^   /) { print "   " line; detail--; continue }
      detail = 0
      # CUnit: "1. file.c:123  - expression" under "Suite ... Test: ... FAILED"
      if (line ~ /^ *[0-9]+\. [^ ]+:[0-9]+ +- / || line ~ /\.\.\.FAILED$/) { print "   " line; shown++; continue }
      if (line ~ /^==[0-9]+== / && vg < 40) { print "   " line; vg++; shown++; continue }
      if (line ~ /^[0-9]+ passed, [0-9]+ failed|^cases: [0-9]+:/) { print "   " line; shown++ }
    }
    if (shown == 0)
      for (i = (n > 15 ? n - 14 : 1); i <= n; i++)
        print "   " out[i]
  }
' "$log"
