#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-engine.sh ENGINE COMMAND...: run a ctrt-conform command line against the
# private engine that CTRT_<ENGINE>_HOST names, as scripts/dev.sh test and
# the fixtures/ scripts print it (e.g. unix:///tmp/ctrt-ci/dockerd/docker.sock).
# The command gets "--backend B --host $CTRT_<ENGINE>_HOST" appended:
#   docker     -> docker backend, CTRT_DOCKER_HOST
#   podman     -> podman backend, CTRT_PODMAN_HOST
#   containerd -> cri backend,    CTRT_CONTAINERD_HOST (plus the fixture's
#                 DIR/env facts: pod log directory, cgroup parent, CNI network)
# Exit 77 (skip) when no engine is named; a named one that is not there is a
# failure.
set -euo pipefail
engine=${1:?usage: run-engine.sh docker|podman|containerd COMMAND...}
shift
case "$engine" in
docker) backend=docker var=CTRT_DOCKER_HOST what="a private dockerd" ;;
podman) backend=podman var=CTRT_PODMAN_HOST what="a private podman service" ;;
containerd) backend=cri var=CTRT_CONTAINERD_HOST what="a private containerd" ;;
*)
  echo "run-engine.sh: unknown engine '$engine' (docker, podman or containerd)" >&2
  exit 2
  ;;
esac
host=${!var:-}
if [[ -z "$host" ]]; then
  echo "conform.$engine: $var is not set; scripts/dev.sh test starts $what and sets it" >&2
  exit 77
fi
sock=${host#unix://}
if [[ "$sock" != "$host" && ! -S "$sock" ]]; then
  echo "conform.$engine: $var names $sock, which is not a socket" >&2
  exit 1
fi
if [[ "$engine" == containerd ]]; then
  # Pod logs under the fixture's directory (stop cleans it), pods in its cgroup.
  export CTRT_CRI_LOG_DIR=${CTRT_CRI_LOG_DIR:-${CTRT_CONTAINERD_LOG_DIR:-}}
  export CTRT_CRI_CGROUP_PARENT=${CTRT_CRI_CGROUP_PARENT:-${CTRT_CONTAINERD_CGROUP_PARENT:-}}
  export CTRT_CRI_CNI_NETWORK=${CTRT_CRI_CNI_NETWORK:-${CTRT_CONTAINERD_CNI_NETWORK:-}}
fi
exec "$@" --backend "$backend" --host "$host"
