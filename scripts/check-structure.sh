#!/bin/sh
# The layering promises of issue 13, checked on the built tree:
#   libctrt.so holds no mock code (the mock is libctrt-mock);
#   <ctrt/ctrt.h> includes no mock header;
#   runtime/transport/ includes no generated spec header (gen_errors.h,
#   the error setters, is the one it may use), no backend header, no
#   ctrt__docker_ name outside comments and no Docker string (handshake,
#   messages);
#   generated C (GENERATED_DIR, clang-formatted by the build) has no line
#   over 120 columns.
# usage: check-structure.sh SOURCE_DIR LIBCTRT_SO LIBCTRT_MOCK_SO [GENERATED_DIR]
set -eu
src=$1 lib=$2 mocklib=$3 gen=${4:-}
fail=0
bad() { echo "check-structure: $*" >&2; fail=1; }

# Every symbol, local ones too: a static mock function would still be code.
mock_syms=$(nm "$lib" | grep -E ' [TtDdBbRr] (mock_|ctrt__mock|ctrt_mock|memfs_|sh_)' || true)
[ -z "$mock_syms" ] || bad "libctrt.so contains mock code: $(echo "$mock_syms" | head -5 | tr '\n' ' ')"
# And the module does hold it (else the check above proves nothing).
nm -D --defined-only "$mocklib" | grep -q ' T ctrt_mock_backend_entry$' ||
  bad "$mocklib does not define ctrt_mock_backend_entry"
nm "$mocklib" | grep -qE ' [Tt] memfs_' || bad "$mocklib holds no memfs code"

# libctrt exports ctrt__ functions for the mock, never ctrt__ data: a program
# that links the static library and the shared one would hold two exported
# copies (ASan's odr-violation). New data goes to runtime/libctrt.map.
data=$(nm -D --defined-only "$lib" | grep -E ' [DBRV] ctrt__' || true)
[ -z "$data" ] || bad "libctrt.so exports ctrt__ data (list it as local in runtime/libctrt.map): $(echo "$data" | tr '\n' ' ')"

if grep -n 'mock' "$src/runtime/include/ctrt/ctrt.h"; then bad "ctrt/ctrt.h names the mock"; fi

if grep -nE '#include "(gen_internal|docker_gen|gen_cri|backends/)' "$src"/runtime/transport/*.[ch]; then
  bad "runtime/transport/ includes a generated spec header or a backend header"
fi
if grep -nwE 'ctrt_path_stat|ctrt_log_channel|ctrt_container_id' "$src"/runtime/transport/*.[ch]; then
  bad "runtime/transport/ names a spec type"
fi
# Code, not comments (lines whose first non-blank is /* or *).
if grep -nE 'ctrt__docker_|CTRT__DOCKER_' "$src"/runtime/transport/*.[ch] | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)'; then
  bad "runtime/transport/ names a docker backend function or macro"
fi
# Docker's version handshake and messages are the backend's (ctrt__docker_negotiate,
# the client's peer name): no string literal in transport code names Docker or
# its /_ping.
if grep -nE '"[^"]*(Docker|docker|/_ping)' "$src"/runtime/transport/*.[ch] | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)'; then
  bad "runtime/transport/ has a Docker string (its handshake or messages)"
fi
if [ -n "$gen" ]; then
  # cri/ is protoc-c's output, not ctrtgen's.
  long=$(find "$gen" -path "$gen/cri" -prune -o -name '*.[ch]' -exec awk 'length > 120 { print FILENAME ":" FNR }' {} + | head -5)
  [ -z "$long" ] || bad "generated C has lines over 120 columns (is it clang-formatted?): $long"
  find "$gen" -name '*.c' | grep -q . || bad "$gen holds no generated C (else the check above proves nothing)"
fi
[ $fail -eq 0 ] && echo "check-structure: ok"
exit $fail
