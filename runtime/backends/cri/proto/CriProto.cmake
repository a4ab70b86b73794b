# protobuf-c code for the cri backend, generated at build time from the
# project's own .proto subsets into the build tree (never committed).
# Sets CTRT_CRI_PROTO_SOURCES, CTRT_CRI_PROTO_DIR and the imported target
# PkgConfig::PROTOBUF_C.
find_program(CTRT_PROTOC_C NAMES protoc-c protoc-gen-c REQUIRED)
pkg_check_modules(PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)

set(CTRT_CRI_PROTO_DIR "${CMAKE_BINARY_DIR}/generated/cri")
set(_cri_proto_src "${CMAKE_CURRENT_LIST_DIR}")
set(CTRT_CRI_PROTO_SOURCES "")
foreach(_proto IN ITEMS cri_runtime_v1 containerd_api containerd_images containerd_tasks)
  set(_out_c "${CTRT_CRI_PROTO_DIR}/${_proto}.pb-c.c")
  set(_out_h "${CTRT_CRI_PROTO_DIR}/${_proto}.pb-c.h")
  add_custom_command(
    OUTPUT "${_out_c}" "${_out_h}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${CTRT_CRI_PROTO_DIR}"
    COMMAND ${CTRT_PROTOC_C} "--c_out=${CTRT_CRI_PROTO_DIR}" "-I${_cri_proto_src}" "${_cri_proto_src}/${_proto}.proto"
    DEPENDS "${_cri_proto_src}/${_proto}.proto" "${_cri_proto_src}/containerd_api.proto"
    COMMENT "protoc-c ${_proto}.proto"
    VERBATIM)
  list(APPEND CTRT_CRI_PROTO_SOURCES "${_out_c}")
endforeach()
# Generated code is compiled as C11 (GNU modes predefine `linux`, a CRI
# field name) and without the project's warning flags, which it was not
# written for; with hidden visibility, so that none of its functions and
# descriptors (data: ASan's odr-violation when a test links the static
# library and the shared one) is exported from libctrt.so, whatever the
# .proto files declare (runtime/libctrt.map need not list them).
set_source_files_properties(${CTRT_CRI_PROTO_SOURCES} PROPERTIES GENERATED TRUE COMPILE_OPTIONS "-w;-fvisibility=hidden")
