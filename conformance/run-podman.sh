#!/usr/bin/env bash
# Run a ctrt-conform command line against the Podman service that
# CTRT_PODMAN_HOST names (e.g. unix:///tmp/ctrt-ci/podman/podman.sock, as
# fixtures/podman/ctrt-podman.sh prints it): the given command gets
# "--backend podman --host $CTRT_PODMAN_HOST" appended. Exit 77 (skip) when
# no service is named; a named service that is not there is a failure.
set -euo pipefail
if [[ -z "${CTRT_PODMAN_HOST:-}" ]]; then
  echo "conform.podman: CTRT_PODMAN_HOST is not set; scripts/dev.sh test starts a private podman service and sets it" >&2
  exit 77
fi
sock=${CTRT_PODMAN_HOST#unix://}
if [[ "$sock" != "$CTRT_PODMAN_HOST" && ! -S "$sock" ]]; then
  echo "conform.podman: CTRT_PODMAN_HOST names $sock, which is not a socket" >&2
  exit 1
fi
exec "$@" --backend podman --host "$CTRT_PODMAN_HOST"
