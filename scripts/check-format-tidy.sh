#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-format and clang-tidy, as CI runs them (scripts/dev.sh test):
#   scripts/check-format-tidy.sh BUILD_DIR
# Format: every tracked C file but the generator's golden output (its
# templates decide that layout). Tidy: the checks of .clang-tidy, warnings as
# errors, on the files TIDY_DIRS matches (a Python regex over paths; default:
# the whole library, runtime/core, transport and every backend with the
# mock and its shell; TIDY_DIRS='/runtime/backends/cri/.*' checks a part).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:?usage: $0 BUILD_DIR}
jobs=${JOBS:-$(nproc)}
tidy_dirs=${TIDY_DIRS:-'/runtime/(core|transport|backends)/.*\.c$'}

t0=$(date +%s)
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^codegen/tests/golden/')
echo "== clang-format --dry-run --Werror on ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"
t1=$(date +%s)
echo "== clang-tidy ($tidy_dirs) with $build_dir/compile_commands.json"
run-clang-tidy -p "$build_dir" -j "$jobs" -quiet "$tidy_dirs" >"$build_dir/clang-tidy.log" 2>&1 || {
  grep -E 'warning:|error:' "$build_dir/clang-tidy.log" | sort -u >&2
  echo "== clang-tidy found the above (full log: $build_dir/clang-tidy.log)" >&2
  exit 1
}
t2=$(date +%s)
echo "== format $((t1 - t0))s, tidy $((t2 - t1))s"
