#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-docker.sh COMMAND...: ctrt-conform against the docker that CTRT_DOCKER_HOST names
# (see run-engine.sh).
exec "$(dirname "$0")/run-engine.sh" docker "$@"
