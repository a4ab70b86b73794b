# Find a Python 3 that can run the generator (it needs jinja2 and PyYAML,
# from Debian's python3-jinja2 and python3-yaml). The first python3 on PATH
# may be another installation without them, so candidates are tried in turn.
set(_ctrt_python_candidates)
if(CTRT_PYTHON)
  list(APPEND _ctrt_python_candidates "${CTRT_PYTHON}")
endif()
find_program(_ctrt_path_python NAMES python3)
list(APPEND _ctrt_python_candidates /usr/bin/python3 ${_ctrt_path_python})

unset(CTRT_PYTHON_FOUND)
foreach(candidate IN LISTS _ctrt_python_candidates)
  if(EXISTS "${candidate}")
    execute_process(COMMAND "${candidate}" -c "import jinja2, yaml"
                    RESULT_VARIABLE _ctrt_probe OUTPUT_QUIET ERROR_QUIET)
    if(_ctrt_probe EQUAL 0)
      set(CTRT_PYTHON_FOUND "${candidate}")
      break()
    endif()
  endif()
endforeach()
if(NOT CTRT_PYTHON_FOUND)
  message(FATAL_ERROR "No Python 3 with jinja2 and PyYAML found (tried: ${_ctrt_python_candidates}). "
                      "Install python3-jinja2 and python3-yaml, or set -DCTRT_PYTHON=/path/to/python3.")
endif()
set(CTRT_PYTHON "${CTRT_PYTHON_FOUND}" CACHE FILEPATH "Python 3 interpreter for the generator" FORCE)
message(STATUS "Generator interpreter: ${CTRT_PYTHON}")
