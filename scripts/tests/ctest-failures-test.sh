#!/bin/sh
# SPDX-License-Identifier: MIT
# ctest-failures-test.sh SCRIPT: scripts/ctest-failures.sh on a made-up ctest
# log: it names each failed test, a conformance suite's failed and blocked
# cases with their reasons (not its passes or expected divergences),
# CUnit's failure lines, valgrind's report, the last lines of an output
# with none of these; and nothing for a run where all passed.
set -eu
script=${1:?usage: ctest-failures-test.sh path/to/ctest-failures.sh}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/Testing/Temporary"
log="$dir/Testing/Temporary/LastTest.log"
rule=----------------------------------------------------------
test_entry() { # NAME VERDICT, the output on stdin
  printf '1/5 Testing: %s\n1/5 Test: %s\nCommand: "x"\nDirectory: /x\nOutput:\n%s\n' "$1" "$1" "$rule"
  cat
  printf '<end of output>\nTest time =   1.00 sec\n%s\n%s\n"%s" end time: Dec 07 20:00 UTC\n%s\n\n' "$rule" "$2" "$1" "$rule"
}
{
  printf 'Start testing: Dec 07 19:57 UTC\n%s\n' "$rule"
  test_entry ok.one "Test Passed." <<'OUT'
fail         not.a_failure_here   1.00 s
OUT
  test_entry memcheck.conform.containerd "Test Failed." <<'OUT'
ctrt-conform: backend cri, engine containerd 1.6.20~ds1: setting up fixtures...
pass         lifecycle.start_runs                                 3.00 s
diverges     lifecycle.update_too_small                           3.48 s
             expected on containerd, a property of the engine
fail         exec.stdin_reaches_main_process                      4.20 s
             exec.c:712: the process echoed both lines it read to the log (0 lines)
error        logs.follow_ends                                     2.00 s
             set-up step start_container failed: network: connection refused
pass         lifecycle.stop_runs                                  3.00 s
cases: 288: 266 pass, 1 fail
271 passed, 1 failed
OUT
  test_entry test_x "Test Failed." <<'OUT'
Suite: x
  Test: foo ...FAILED
    1. x.c:10  - CU_ASSERT(0)
==123== Invalid read of size 4
OUT
  test_entry test_quiet "Test Failed." <<'OUT'
line 1
line 2
OUT
} >"$log"

cat >"$dir/expected" <<'EOF2'
-- memcheck.conform.containerd (Test Failed.)
   fail         exec.stdin_reaches_main_process                      4.20 s
                exec.c:712: the process echoed both lines it read to the log (0 lines)
   error        logs.follow_ends                                     2.00 s
                set-up step start_container failed: network: connection refused
   cases: 288: 266 pass, 1 fail
   271 passed, 1 failed
-- test_x (Test Failed.)
     Test: foo ...FAILED
       1. x.c:10  - CU_ASSERT(0)
   ==123== Invalid read of size 4
-- test_quiet (Test Failed.)
   line 1
   line 2
EOF2
bash "$script" "$dir" >"$dir/got"
diff -u "$dir/expected" "$dir/got"

# All passed: nothing to say.
{
  printf 'Start testing: Dec 07 19:57 UTC\n%s\n' "$rule"
  test_entry ok.one "Test Passed." </dev/null
} >"$log"
bash "$script" "$dir" >"$dir/got"
[ ! -s "$dir/got" ] || { echo "printed for a run where all passed:"; cat "$dir/got"; exit 1; }
# No log: an error, not silence.
rm "$log"
if bash "$script" "$dir" 2>/dev/null; then
  echo "succeeded without a log"
  exit 1
fi
echo "ctest-failures.sh: as expected"
