#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-containerd.sh COMMAND...: ctrt-conform against the containerd that CTRT_CONTAINERD_HOST names
# (see run-engine.sh).
exec "$(dirname "$0")/run-engine.sh" containerd "$@"
