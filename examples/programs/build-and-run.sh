#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the build to a temporary prefix, build every example (and the
# README's) against it with pkg-config, as a user would, and run each on the
# mock. Also checks the installed ctrt, man pages and HTML reference.
#   build-and-run.sh BUILD_DIR SOURCE_DIR
set -eu
WRAP_EX=${CTRT_EXAMPLE_WRAP:-}
BUILD=$1 SRC=$2
T=$(mktemp -d /tmp/ctrt-examples.XXXXXX)
trap 'rm -rf "$T"' EXIT
"${CMAKE:-cmake}" --install "$BUILD" --prefix "$T/prefix" >/dev/null
libdir=$(ls -d "$T"/prefix/lib*/pkgconfig | head -1)
export PKG_CONFIG_PATH="$libdir"
export LD_LIBRARY_PATH="$(dirname "$libdir")"
# Only ctrt's .pc is needed for <ctrt/ctrt.h>: no jansson, libcurl, libarchive .pc.
PKG_CONFIG_LIBDIR="$libdir" pkg-config --cflags --libs ctrt >/dev/null
cflags="$(pkg-config --cflags ctrt) -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L"
libs=$(pkg-config --libs ctrt)

if [ ! -x /bin/busybox ]; then echo "busybox-static is missing"; exit 77; fi
"$T/prefix/bin/ctrt-fixture" image "$T/busybox.tar" >/dev/null
fail=0
run() { # run NAME EXPECTED-TEXT COMMAND...
  name=$1 want=$2
  shift 2
  if ! "$@" >"$T/$name.out" 2>"$T/$name.err"; then
    echo "FAIL: $name exited $?"; cat "$T/$name.err"; fail=1
  elif ! grep -qF -- "$want" "$T/$name.out"; then
    echo "FAIL: $name: no '$want' in its output:"; cat "$T/$name.out"; fail=1
  else
    echo "ok: $name"
  fi
}
P="$SRC/examples/programs"
for ex in run-and-follow exec-capture mock-test watch-stats; do
  cc $cflags -o "$T/$ex" "$P/$ex.c" $libs
done
# copy-files also uses libarchive, with its own pkg-config.
cc $cflags $(pkg-config --cflags libarchive) -o "$T/copy-files" "$P/copy-files.c" $libs $(pkg-config --libs libarchive)
run run-and-follow "exit code 0" $WRAP_EX "$T/run-and-follow" mock: "$T/busybox.tar"
run run-and-follow-lines "line 3" cat "$T/run-and-follow.out"
run exec-capture "stdout: hello from" $WRAP_EX "$T/exec-capture" mock: "$T/busybox.tar"
run exec-capture-code "exit 3" cat "$T/exec-capture.out"
run exec-capture-binary "binary: 4 bytes: 61 00 62 ff" cat "$T/exec-capture.out"
run copy-files "greeting.txt (17 bytes): hello, container" $WRAP_EX "$T/copy-files" mock: "$T/busybox.tar"
run watch-stats "sample 3: cpu" $WRAP_EX "$T/watch-stats" mock: "$T/busybox.tar" 3
run watch-stats-unlimited "/ unlimited" cat "$T/watch-stats.out"
run mock-test "ok: it runs" $WRAP_EX "$T/mock-test" "$T/busybox.tar"

# The README's example, extracted and built as written.
awk '/^```c$/{on=1; next} /^```$/{if (on) exit} on' "$SRC/README.md" >"$T/readme.c"
cc $cflags -o "$T/readme" "$T/readme.c" $libs
run readme "exit 0" $WRAP_EX "$T/readme" mock: "$T/busybox.tar"

# Installed: the CLI, its man page and completion, the reference.
run installed-ctrt "[]" "$T/prefix/bin/ctrt" -H mock: list-containers
for page in man1/ctrt.1 man3/ctrt_runtime_create_container.3 man3/ctrt_service_spec.3; do
  run "man-$(basename $page)" "SYNOPSIS" sh -c "MANWIDTH=80 man -l '$T/prefix/share/man/$page' 2>/dev/null || cat '$T/prefix/share/man/$page'"
done
run html "ctrt_runtime_create_container" cat "$T/prefix/share/doc/ctrt/html/index.html"
run completion "complete -F _ctrt ctrt" cat "$T/prefix/share/bash-completion/completions/ctrt"
exit $fail
