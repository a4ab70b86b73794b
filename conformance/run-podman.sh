#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-podman.sh COMMAND...: ctrt-conform against the podman that CTRT_PODMAN_HOST names
# (see run-engine.sh).
exec "$(dirname "$0")/run-engine.sh" podman "$@"
