#!/usr/bin/env bash
# Run a ctrt-conform command line against the private containerd (CRI
# plugin) that CTRT_CONTAINERD_HOST names (e.g.
# unix:///tmp/ctrt-ci/containerd/containerd.sock, as
# fixtures/containerd/ctrt-containerd.sh prints it): the given command gets
# "--backend cri --host $CTRT_CONTAINERD_HOST" appended. The fixture's other
# facts (DIR/env) become the cri backend's settings: pod log directory,
# cgroup parent and CNI network name. Exit 77 (skip) when no containerd is
# named; a named one that is not there is a failure.
set -euo pipefail
if [[ -z "${CTRT_CONTAINERD_HOST:-}" ]]; then
  echo "conform.containerd: CTRT_CONTAINERD_HOST is not set; scripts/dev.sh test starts a private containerd and sets it" >&2
  exit 77
fi
sock=${CTRT_CONTAINERD_HOST#unix://}
if [[ "$sock" != "$CTRT_CONTAINERD_HOST" && ! -S "$sock" ]]; then
  echo "conform.containerd: CTRT_CONTAINERD_HOST names $sock, which is not a socket" >&2
  exit 1
fi
# Pod logs under the fixture's directory (stop cleans it), pods in its cgroup.
export CTRT_CRI_LOG_DIR=${CTRT_CRI_LOG_DIR:-${CTRT_CONTAINERD_LOG_DIR:-}}
export CTRT_CRI_CGROUP_PARENT=${CTRT_CRI_CGROUP_PARENT:-${CTRT_CONTAINERD_CGROUP_PARENT:-}}
export CTRT_CRI_CNI_NETWORK=${CTRT_CRI_CNI_NETWORK:-${CTRT_CONTAINERD_CNI_NETWORK:-}}
exec "$@" --backend cri --host "$CTRT_CONTAINERD_HOST"
