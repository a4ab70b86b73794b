#!/usr/bin/env bash
# Runs ctrt-bench against a private dockerd it starts and stops:
#   bench/run.sh BUILD_DIR [ctrt-bench options...]
# Writes BUILD_DIR/bench.json and prints the table. Used by `scripts/dev.sh bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:?usage: bench/run.sh BUILD_DIR [ctrt-bench options]}
shift
[[ -x "$build_dir/bench/ctrt-bench" ]] || { echo "bench/run.sh: $build_dir/bench/ctrt-bench is not built (needs libyajl-dev)" >&2; exit 2; }

state=$(mktemp -d /tmp/ctrt-bench-XXXXXX)
cleanup() {
  fixtures/dockerd/ctrt-dockerd.sh stop "$state/dockerd" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
host=$(fixtures/dockerd/ctrt-dockerd.sh start "$state/dockerd")
socket=${host#unix://}
socket=${socket#docker://unix://}

image=ctrt-bench/busybox:latest
"$build_dir/fixtures/ctrt-fixture" image "$state/image.tar" --tag "$image" >/dev/null
docker -H "unix://$socket" load -q -i "$state/image.tar" >/dev/null

"$build_dir/bench/ctrt-bench" --socket "$socket" --image "$image" --image-tar "$state/image.tar" \
  --docker-py bench/peers/docker_py_peer.py --node-peer bench/peers/node_http_peer.js \
  --json "$build_dir/bench.json" "$@"
echo "== figures written to $build_dir/bench.json"
