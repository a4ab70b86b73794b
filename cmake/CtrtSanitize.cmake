# Sanitizer and fuzzing builds (clang; see README "what CI runs" and
# fuzz/README.md). Both apply to every C target, the library included, so
# they come before any add_subdirectory.
#   -DCTRT_SANITIZE=address,undefined   ASan + UBSan, no recovery: the first
#                                       report ends the process
#   -DCTRT_SANITIZE=thread              TSan
#   -DCTRT_FUZZ=ON                      libFuzzer targets fuzz_* (clang only)
set(CTRT_SANITIZE "" CACHE STRING "Sanitizers to build with (-fsanitize=...), e.g. address,undefined or thread")
option(CTRT_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

if(CTRT_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CTRT_FUZZ=ON needs clang (libFuzzer): configure with CC=clang")
endif()
if(CTRT_SANITIZE)
  add_compile_options(-fsanitize=${CTRT_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${CTRT_SANITIZE} -fno-sanitize-recover=all)
endif()
if(CTRT_FUZZ)
  # Coverage for libFuzzer everywhere; the fuzz_* executables add its main.
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()

# Valgrind 3.19 (Debian 12) cannot read clang 14's default DWARF 5 ("unhandled
# dwarf2 abbrev form code 0x25", then "Giving up"): every memcheck.* test of a
# clang build failed before running. DWARF 4 reads fine.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  add_compile_options(-gdwarf-4)
endif()
