#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One fuzz target for SECONDS; scripts/dev.sh fuzz runs it, JOBS at a time.
#   fuzz/run-target.sh TARGET BUILD_DIR SECONDS OUT_DIR
# Writes OUT_DIR/TARGET.{log,result,corpus/,crashes/,cleared/}; the result
# line is "TARGET EXECS STATUS" (STATUS 0: no finding).
#
# Slow inputs are judged by CPU time alone, not by the wall clock of a
# loaded machine (fuzz/README.md, "Timeouts"): libFuzzer's -timeout (wall,
# CTRT_FUZZ_TIMEOUT, default 60 s) and -report_slow_units (wall, the CPU
# limit below) only nominate an input; each nominee is then run again on
# its own, and it is a finding when that run fails or takes more than the
# target's CPU limit. A cleared timeout goes to TARGET.cleared/ with its
# time, and fuzzing resumes for the rest of the SECONDS.
set -uo pipefail
t=$1 dir=$2 secs=$3 out=$4
bin=$dir/fuzz/fuzz_$t
timeout=${CTRT_FUZZ_TIMEOUT:-60}
# CPU seconds one input may take alone (start-up and the mock's fixture
# image included): 5, ten times the slowest committed seed of any target;
# mock_exec 10, its watchdog lets a busy loop spin 2 s of wall time.
cpu_max=5
[[ $t == mock_exec ]] && cpu_max=10
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024)
mkdir -p "$out/$t.corpus" "$out/$t.crashes" "$out/$t.cleared"
dict=()
[[ -f fuzz/dict/$t.dict ]] && dict=(-dict="fuzz/dict/$t.dict")
[[ $t == json_* ]] && dict=(-dict="$dir/generated/fuzz/json.dict") # generated from the spec

# Run input $1 alone; 0 when it passes within cpu_max CPU seconds. The CPU
# decides: a loop is stopped just past the limit (ulimit -t, SIGXCPU), the
# wall clock only ends an input that waits forever (5 x the timeout).
alone() {
  local f=$1 u s
  {
    TIMEFORMAT='%3U %3S'
    time (
      ulimit -t $((cpu_max + 1))
      "$bin" -timeout=$((5 * timeout)) "${limits[@]}" "$f" >"$f.alone.log" 2>&1
    )
  } 2>"$f.cpu"
  alone_rc=$?
  read -r u s <"$f.cpu" || true
  [[ -n ${s:-} ]] || { cpu="(not measured)" && return 1; } # never cleared unmeasured
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  ((alone_rc == 0)) && awk -v c="$cpu" -v m="$cpu_max" 'BEGIN { exit !(c <= m) }'
}

end=$((SECONDS + secs)) execs=0 status=0 seg=0
: >"$out/$t.log"
while ((SECONDS < end)); do
  seg=$((seg + 1))
  "$bin" -max_total_time=$((end - SECONDS)) -timeout="$timeout" -report_slow_units="$cpu_max" "${limits[@]}" \
    -print_final_stats=1 -artifact_prefix="$out/$t.crashes/" "${dict[@]}" \
    "$out/$t.corpus" "fuzz/corpus/$t" >"$out/$t.log.$seg" 2>&1
  rc=$?
  cat "$out/$t.log.$seg" >>"$out/$t.log"
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log.$seg" | tail -n 1)
  rm -f "$out/$t.log.$seg"
  execs=$((execs + ${n:-0}))
  cleared_timeout=false
  for f in "$out/$t.crashes"/slow-unit-* "$out/$t.crashes"/timeout-*; do
    [[ -e $f ]] || continue
    if alone "$f"; then
      echo "== $t: $(basename "$f") (wall time under load) ran alone in ${cpu}s CPU (limit ${cpu_max}s): not a finding" |
        tee -a "$out/$t.log"
      mv "$f" "$f.alone.log" "$f.cpu" "$out/$t.cleared/"
      [[ $(basename "$f") == timeout-* ]] && cleared_timeout=true
    else
      echo "== $t: $(basename "$f") alone: ${cpu}s CPU (limit ${cpu_max}s), exit $alone_rc: a finding" | tee -a "$out/$t.log"
    fi
  done
  ((rc == 0)) && break
  # A timeout cleared alone, and nothing else found: fuzz on.
  if $cleared_timeout && ! compgen -G "$out/$t.crashes/*" >/dev/null && ((seg < 20)); then
    continue
  fi
  status=$rc
  break
done
compgen -G "$out/$t.crashes/*" >/dev/null && ((status == 0)) && status=1
printf "%s %s %s\n" "$t" "$execs" "$status" >"$out/$t.result"
printf "   %-45s %12s execs  exit %s%s\n" "$t" "$execs" "$status" \
  "$(compgen -G "$out/$t.cleared/*.cpu" >/dev/null && echo " ($(ls "$out/$t.cleared"/*.cpu | wc -l) slow inputs cleared alone)")"
exit 0
