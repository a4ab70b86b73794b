#!/bin/sh
# SPDX-License-Identifier: MIT
# The backend-author path, end to end, as ctest's plugin test runs it:
# install ctrt to a temporary prefix, build the example backend out of tree
# against that prefix with pkg-config, and run the INSTALLED ctrt-conform on
# it through --backend-lib. Passes when the run exits 0 with no "fail"
# verdict.
#
#   run-conformance.sh BUILD_DIR [GENERATOR]
#
# Environment: CMAKE (default cmake), CTRT_PLUGIN_TEST_WRAPPER (a command
# to run ctrt-conform under, e.g. valgrind and its options),
# CTRT_PLUGIN_TEST_FILTERS (see below), CTRT_PLUGIN_TEST_ARGS (more
# ctrt-conform options, e.g. a longer --timeout under valgrind), TMPDIR.
set -eu

build_dir=$1
generator=${2:-}
cmake=${CMAKE:-cmake}
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/ctrt-plugin-test.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
prefix=$work/prefix

echo "== installing ctrt to $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" >"$work/install.log" || {
  cat "$work/install.log"
  exit 1
}
pcdir=$(dirname "$(find "$prefix" -name ctrt.pc | head -n 1)")
libdir=$(dirname "$pcdir")
[ -x "$prefix/bin/ctrt-conform" ] || { echo "ctrt-conform was not installed" >&2; exit 1; }

echo "== building the example against the installed ctrt ($pcdir)"
# Only the installed prefix: no path into the source or build tree.
set -- -S "$here" -B "$work/example"
[ -n "$generator" ] && set -- "$@" -G "$generator"
PKG_CONFIG_PATH=$pcdir "$cmake" "$@" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
"$cmake" --build "$work/example" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
plugin=$work/example/libexample.so
[ -f "$plugin" ] || { echo "no $plugin" >&2; exit 1; }

# The installed runner finds its expectations beside it, not in the tree.
default=$("$prefix/bin/ctrt-conform" --help | sed -n 's/.*(default: \(.*\.json\)).*/\1/p')
case $default in
"$prefix"/*) ;;
*) echo "the installed ctrt-conform's default expectations file is $default, not under $prefix" >&2; exit 1 ;;
esac
[ -r "$default" ] || { echo "$default is not readable" >&2; exit 1; }

# CTRT_PLUGIN_TEST_FILTERS: space-separated --filter globs, one run each
# (the memcheck variant runs only cases of the methods the example
# implements with its own streams and sessions; the whole suite already runs
# under valgrind on the mock).
set -f # the globs are the runner's, not the shell's
for filter in ${CTRT_PLUGIN_TEST_FILTERS:-"*"}; do
  echo "== running the installed ctrt-conform on the example (cases $filter)"
  status=0
  # shellcheck disable=SC2086 # the wrapper and the extra options are word lists
  LD_LIBRARY_PATH=$libdir ${CTRT_PLUGIN_TEST_WRAPPER:-} "$prefix/bin/ctrt-conform" --backend example \
    --backend-lib "$plugin" --expectations "$here/expectations.json" --filter "$filter" ${CTRT_PLUGIN_TEST_ARGS:-} \
    --matrix "$work/matrix.json" >"$work/run.log" 2>&1 || status=$?
  cat "$work/run.log"
  if [ "$status" -ne 0 ]; then
    echo "ctrt-conform exited with $status" >&2
    exit 1
  fi
  if grep -q '^fail ' "$work/run.log" || grep -q ': "fail"' "$work/matrix.json"; then
    echo "a case or method has the verdict fail" >&2
    exit 1
  fi
done
echo "== the example backend passes through the installed ctrt-conform"
