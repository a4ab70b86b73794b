#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set up a Debian 12 machine (as root), build ctrt, and run a job:
#   scripts/dev.sh main   the main job (see README.md)
#   scripts/dev.sh test   every test (what CI runs)
#   scripts/dev.sh bench  ctrt beside its peers on a private dockerd (bench/README.md);
#                         a Release build in build-release; extra args go to ctrt-bench
# Environment: BUILD_DIR (default: build, build-release for bench), JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

job=${1:-}
case "$job" in
main | test | bench) ;;
*)
  echo "usage: $0 main|test|bench [ctrt-bench options]" >&2
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

echo "== configuring and building in $build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
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
  # The private daemons, stopped by pid however we exit. (The containerd
  # fixture is started by its own smoke test; no suite runs on one yet.)
  stop_daemons() {
    fixtures/podman/ctrt-podman.sh stop "$state/podman" >/dev/null 2>&1 || true
    fixtures/dockerd/ctrt-dockerd.sh stop "$state/dockerd" >/dev/null 2>&1 || true
  }
  trap stop_daemons EXIT
  trap 'exit 130' INT TERM # exit, so that the EXIT trap runs
  echo "== starting a private dockerd in $state/dockerd"
  CTRT_DOCKER_HOST=$(fixtures/dockerd/ctrt-dockerd.sh start "$state/dockerd")
  export CTRT_DOCKER_HOST
  echo "== starting a private podman service in $state/podman"
  CTRT_PODMAN_HOST=$(fixtures/podman/ctrt-podman.sh start "$state/podman")
  export CTRT_PODMAN_HOST
  echo "== all tests (dockerd at $CTRT_DOCKER_HOST, podman at $CTRT_PODMAN_HOST)"
  touch "$state/ctest-start"
  status=0
  ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" || status=$?
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
  exit "$status"
  ;;
esac
