#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run a ctrt-conform command line against the dockerd that CTRT_DOCKER_HOST
# names (e.g. unix:///tmp/ctrt-ci/dockerd/docker.sock): the given command
# gets "--backend docker --host $CTRT_DOCKER_HOST" appended. Exit 77 (skip)
# when no daemon is named; a named daemon that is not there is a failure.
set -euo pipefail
if [[ -z "${CTRT_DOCKER_HOST:-}" ]]; then
  echo "conform.docker: CTRT_DOCKER_HOST is not set; scripts/dev.sh test starts a private dockerd and sets it" >&2
  exit 77
fi
sock=${CTRT_DOCKER_HOST#unix://}
if [[ "$sock" != "$CTRT_DOCKER_HOST" && ! -S "$sock" ]]; then
  echo "conform.docker: CTRT_DOCKER_HOST names $sock, which is not a socket" >&2
  exit 1
fi
exec "$@" --backend docker --host "$CTRT_DOCKER_HOST"
