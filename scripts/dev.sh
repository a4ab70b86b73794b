#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set up a Debian 12 machine (as root), build ctrt, and run a job:
#   scripts/dev.sh main   the main job (see README.md)
#   scripts/dev.sh test   every test (what CI runs)
#   scripts/dev.sh bench  ctrt beside its peers on a private dockerd (bench/README.md);
#                         a Release build in build-release; extra args go to ctrt-bench
#   scripts/dev.sh fuzz [SECONDS]  every fuzz target for SECONDS (default 600),
#                         then add their execs to fuzz/EXECS.json (fuzz/README.md)
#   scripts/dev.sh sanitize  the sanitizer stage of `test` on its own
# Environment: BUILD_DIR (default: build, build-release for bench), JOBS (default: nproc),
# SAN_BUILD_DIR (clang ASan+UBSan+libFuzzer build, default: build-asan),
# TSAN_BUILD_DIR (default: build-tsan); for fuzz: CTRT_FUZZ_TARGETS (a space-separated
# subset of the targets), CTRT_FUZZ_RUN_DIR (logs and new inputs, default $SAN_BUILD_DIR/fuzz-run;
# give two runs at once different ones).
set -euo pipefail
cd "$(dirname "$0")/.."

job=${1:-}
case "$job" in
main | test | bench | fuzz | sanitize) ;;
*)
  echo "usage: $0 main|test|bench [ctrt-bench options]|fuzz [SECONDS]|sanitize" >&2
  exit 2
  ;;
esac

shift
build_dir=${BUILD_DIR:-build}
build_type=RelWithDebInfo
package_lists=(scripts/debian-packages.txt)
if [[ "$job" == bench ]]; then
  build_dir=${BUILD_DIR:-build-release}
  build_type=Release
  package_lists+=(scripts/bench-packages.txt)
fi
jobs=${JOBS:-$(nproc)}

# Install only what is missing, so a warm machine starts at once.
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < <(cat "${package_lists[@]}")
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

san_dir=${SAN_BUILD_DIR:-build-asan}
tsan_dir=${TSAN_BUILD_DIR:-build-tsan}

# The clang build with ASan+UBSan (no recovery) and libFuzzer coverage: the
# unit tests, the mock suite and the fuzz targets run from it.
build_sanitized() {
  echo "== configuring and building (clang, ASan+UBSan, libFuzzer) in $san_dir"
  CC=clang cmake -S . -B "$san_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCTRT_SANITIZE=address,undefined \
    -DCTRT_FUZZ=ON >/dev/null || return 1
  if [[ "${1:-}" == fuzz-only ]]; then
    # shellcheck disable=SC2046
    cmake --build "$san_dir" -j "$jobs" --target $(printf 'fuzz_%s ' ${CTRT_FUZZ_TARGETS:-$(cat "$san_dir/fuzz-targets.txt")})
  else
    cmake --build "$san_dir" -j "$jobs"
  fi
}

# Run every fuzz target for $1 seconds, $jobs at a time (fuzz/run-target.sh);
# with $2 = record, add their execs to fuzz/EXECS.json. Fails on any crash,
# leak, or input slow when run alone.
run_fuzzers() {
  local seconds=$1 record=${2:-} out=${CTRT_FUZZ_RUN_DIR:-$san_dir/fuzz-run}
  rm -rf "$out"
  mkdir -p "$out"
  local targets
  # shellcheck disable=SC2086
  targets=$(printf '%s\n' ${CTRT_FUZZ_TARGETS:-$(cat "$san_dir/fuzz-targets.txt")})
  echo "== fuzzing $(wc -w <<<"$targets") targets for ${seconds}s each, $jobs at a time (logs: $out)"
  # Limits that make a blow-up a finding: 2 GiB, and a slow input one that
  # is slow alone (fuzz/run-target.sh, fuzz/README.md "Timeouts").
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  local status=0
  xargs -P "$jobs" -I{} fuzz/run-target.sh {} "$san_dir" "$seconds" "$out" <<<"$targets" || status=1
  for t in $targets; do
    read -r _ _ rc <"$out/$t.result" || rc=1
    if [[ "$rc" != 0 ]] || compgen -G "$out/$t.crashes/*" >/dev/null; then
      echo "== fuzz target $t failed (exit $rc); its log:" >&2
      tail -n 40 "$out/$t.log" >&2
      ls -l "$out/$t.crashes" >&2
      status=1
    fi
  done
  if [[ "$record" == record ]]; then
    python3 - "$out" "$seconds" $targets <<'PY'
import json, os, sys, datetime
out, seconds, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
path = "fuzz/EXECS.json"
data = json.load(open(path)) if os.path.exists(path) else {"targets": {}}
for t in targets:
    name, execs, rc = open(os.path.join(out, t + ".result")).read().split()
    entry = data["targets"].setdefault(t, {"execs": 0, "seconds": 0, "runs": 0})
    entry["execs"] += int(execs)
    entry["seconds"] += seconds
    entry["runs"] += 1
data["updated"] = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
with open(path, "w") as f:
    json.dump(data, f, indent=2, sort_keys=True)
    f.write("\n")
PY
    echo "== cumulative execs recorded in fuzz/EXECS.json"
  fi
  return $status
}

# The sanitizer stage of `test`: ASan+UBSan over the unit tests and the mock
# suite, a fuzz smoke, then TSan over the mock suite run in parallel. Each
# step's failure is returned (set -e does not hold in a function called
# from a condition).
sanitizer_stage() {
  local t0=$SECONDS t1 t2 t3
  build_sanitized || return 1
  echo "== unit tests (label unit, no valgrind variants) under ASan+UBSan ($san_dir)"
  ctest --test-dir "$san_dir" --output-on-failure -j "$jobs" -L unit -LE memcheck \
    -E '^(codegen|shell\.busybox_rerecord)$' || return 1
  echo "== the mock suite under ASan+UBSan"
  "$san_dir/conformance/ctrt-conform" --backend mock -j "$jobs" >"$san_dir/conform-mock-asan.txt" 2>&1 ||
    { tail -n 40 "$san_dir/conform-mock-asan.txt" >&2; return 1; }
  t1=$SECONDS
  run_fuzzers "${CTRT_FUZZ_SMOKE_SECONDS:-25}" || return 1
  t2=$SECONDS
  echo "== the mock suite under TSan, in parallel ($tsan_dir)"
  CC=clang cmake -S . -B "$tsan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCTRT_SANITIZE=thread >/dev/null &&
    cmake --build "$tsan_dir" -j "$jobs" --target ctrt-conform || return 1
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} "$tsan_dir/conformance/ctrt-conform" --backend mock -j 4 \
    >"$tsan_dir/conform-mock-tsan.txt" 2>&1 || { tail -n 60 "$tsan_dir/conform-mock-tsan.txt" >&2; return 1; }
  t3=$SECONDS
  echo "== sanitizer time: ASan+UBSan build and tests $((t1 - t0))s, fuzz smoke $((t2 - t1))s, TSan $((t3 - t2))s"
}

# Part of `test`: a Release build with -Werror, compiled, not tested: GCC's
# -O3 sees warnings (-Wstringop-overflow...) RelWithDebInfo's -O2 does not
# (issue 11). In build-release, which `bench` reuses. The main build (below,
# RelWithDebInfo for `test`) is configured -Werror too, so `test` checks both.
release_check() {
  local dir=${RELEASE_BUILD_DIR:-build-release} t0=$SECONDS
  echo "== Release build with -Werror in $dir (compile only)"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTRT_WERROR=ON >/dev/null || return 1
  cmake --build "$dir" -j "$jobs" >"$dir/release-build.log" 2>&1 || { grep -B2 -A12 -m 5 'error' "$dir/release-build.log" >&2; return 1; }
  echo "== Release build: $((SECONDS - t0))s"
}

if [[ "$job" == fuzz ]]; then
  seconds=${1:-600}
  build_sanitized fuzz-only
  run_fuzzers "$seconds" record
  exit $?
fi
if [[ "$job" == sanitize ]]; then
  sanitizer_stage
  exit $?
fi

echo "== configuring and building in $build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DCTRT_WERROR=ON >/dev/null
cmake --build "$build_dir" -j "$jobs"

case "$job" in
bench)
  echo "== benchmarks (bench/README.md)"
  bench/run.sh "$build_dir" "$@"
  ;;
main)
  echo "== main job: the conformance suite on the embedded mock"
  "$build_dir/conformance/ctrt-conform" --backend mock -j "$jobs" --matrix "$build_dir/conform-mock.json"
  ;;
test)
  # A private dockerd for the Docker conformance run, stopped however we exit.
  state=${CTRT_STATE_DIR:-/tmp/ctrt-ci-$$}
  mkdir -p "$state"
  # The private daemons, stopped by pid however we exit (containerd's stop
  # also removes its shims, mounts, netns, bridge and cgroups).
  stop_daemons() {
    local status=$?
    if [[ -e "$state/containerd" ]]; then
      fixtures/containerd/ctrt-containerd.sh stop "$state/containerd" >/dev/null 2>&1 ||
        echo "== stopping the private containerd in $state/containerd failed" >&2
    fi
    fixtures/podman/ctrt-podman.sh stop "$state/podman" >/dev/null 2>&1 || true
    fixtures/dockerd/ctrt-dockerd.sh stop "$state/dockerd" >/dev/null 2>&1 || true
    # A state directory of our own goes too, unless something is still
    # mounted in it; after a failure it stays, with the daemons' logs.
    if [[ -z "${CTRT_STATE_DIR:-}" ]]; then
      if [[ $status -ne 0 ]]; then
        echo "== the private daemons' logs are in $state" >&2
      elif ! grep -q " $state/" /proc/mounts; then
        rm -rf "$state" || true
      fi
    fi
  }
  trap stop_daemons EXIT
  trap 'exit 130' INT TERM # exit, so that the EXIT trap runs
  echo "== starting a private dockerd in $state/dockerd"
  CTRT_DOCKER_HOST=$(fixtures/dockerd/ctrt-dockerd.sh start "$state/dockerd")
  export CTRT_DOCKER_HOST
  echo "== starting a private podman service in $state/podman"
  CTRT_PODMAN_HOST=$(fixtures/podman/ctrt-podman.sh start "$state/podman")
  export CTRT_PODMAN_HOST
  echo "== starting a private containerd (CRI plugin) in $state/containerd"
  CTRT_FIXTURE="$build_dir/fixtures/ctrt-fixture" fixtures/containerd/ctrt-containerd.sh start "$state/containerd" >/dev/null
  # CTRT_CONTAINERD_HOST and the fixture's facts, for ctest's conform.containerd
  # and memcheck.conform.containerd (conformance/run-engine.sh).
  set -a
  # shellcheck disable=SC1091
  . "$state/containerd/env"
  set +a
  echo "== all tests (dockerd at $CTRT_DOCKER_HOST, podman at $CTRT_PODMAN_HOST, containerd at $CTRT_CONTAINERD_HOST)"
  touch "$state/ctest-start"
  status=0
  scripts/check-format-tidy.sh "$build_dir" || status=$?
  ctest_status=0
  ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" || ctest_status=$?
  ((ctest_status == 0)) || status=$ctest_status
  release_check || status=$?
  sanitizer_stage || status=$?
  # One method x engine report from the matrices this run's conformance
  # tests wrote (a missing one is left out; an older one is not this run's).
  matrices=()
  for engine in mock docker podman containerd; do
    matrix="$build_dir/conform-$engine.json"
    if [[ -s "$matrix" && "$matrix" -nt "$state/ctest-start" ]]; then
      matrices+=("$matrix")
    fi
  done
  if ((${#matrices[@]} == 0)); then
    echo "== no conformance matrix to merge"
  elif "$build_dir/conformance/ctrt-conform" --merge "${matrices[@]}" --markdown "$build_dir/conform-report.md" \
    --html "$build_dir/conform-report.html"; then
    echo "== merged conformance report ($build_dir/conform-report.md, $build_dir/conform-report.html)"
    cat "$build_dir/conform-report.md"
  else
    echo "== merging ${matrices[*]} failed" >&2
    if ((status == 0)); then
      status=2
    fi
  fi
  # Last, so that a log cut in the middle still ends with what failed.
  if ((ctest_status != 0)); then
    echo "== what failed in ctest (scripts/ctest-failures.sh)"
    scripts/ctest-failures.sh "$build_dir" || true
  fi
  exit "$status"
  ;;
esac
