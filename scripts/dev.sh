#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set up a Debian 12 machine (as root), build ctrt, and run a job:
#   scripts/dev.sh main   the main job (see README.md)
#   scripts/dev.sh test   every test (what CI runs)
# Environment: BUILD_DIR (default: build), JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

job=${1:-}
case "$job" in
main | test) ;;
*)
  echo "usage: $0 main|test" >&2
  exit 2
  ;;
esac

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

# Install only what is missing, so a warm machine starts at once.
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done <scripts/debian-packages.txt
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== configuring and building in $build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$jobs"

case "$job" in
main)
  echo "== main job: the conformance suite on the embedded mock"
  "$build_dir/conformance/ctrt-conform" --backend mock -j "$jobs" --matrix "$build_dir/conform-mock.json"
  ;;
test)
  # A private dockerd for the Docker conformance run, stopped however we exit.
  state=${CTRT_STATE_DIR:-/tmp/ctrt-ci-$$}
  mkdir -p "$state"
  trap 'fixtures/dockerd/ctrt-dockerd.sh stop "$state/dockerd" >/dev/null 2>&1 || true' EXIT
  echo "== starting a private dockerd in $state/dockerd"
  CTRT_DOCKER_HOST=$(fixtures/dockerd/ctrt-dockerd.sh start "$state/dockerd")
  export CTRT_DOCKER_HOST
  echo "== all tests (dockerd at $CTRT_DOCKER_HOST)"
  ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
  ;;
esac
