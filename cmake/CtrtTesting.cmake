# ctrt_add_test(NAME target [ARGS ...]): register a test twice, as itself and
# under valgrind memcheck ("memcheck.NAME"), which fails on any memory error
# or leak.
find_program(CTRT_VALGRIND valgrind)
set(CTRT_VALGRIND_ARGS --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
    --show-leak-kinds=definite,indirect,possible --track-fds=no --quiet)

function(ctrt_add_test name target)
  cmake_parse_arguments(T "" "TIMEOUT" "ARGS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND $<TARGET_FILE:${target}> ${T_ARGS})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "unit;${T_LABELS}")
  if(CTRT_VALGRIND)
    add_test(NAME memcheck.${name} COMMAND ${CTRT_VALGRIND} ${CTRT_VALGRIND_ARGS} $<TARGET_FILE:${target}> ${T_ARGS})
    math(EXPR _t "${T_TIMEOUT} * 4")
    set_tests_properties(memcheck.${name} PROPERTIES TIMEOUT ${_t} LABELS "memcheck;${T_LABELS}")
  endif()
endfunction()
