/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of runtime/core: what generated code, backends and
 * tests use and consumers never see. Names are ctrt__* ("semi-private").
 */
#ifndef CTRT_CORE_INTERNAL_H
#define CTRT_CORE_INTERNAL_H

#include <ctrt/backend.h>
#include <ctrt/ctrt.h>
#include <ctrt/json.h>
#include <ctrt/plugin.h>

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#ifdef __GNUC__
#define CTRT__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CTRT__PRINTF(fmt, args)
#endif

/* ---- Memory: one allocator throughout (malloc), so jansson's strings and
 * ours are freed alike. ---- */
void *ctrt__malloc(size_t size);
void *ctrt__calloc(size_t count, size_t size);
void *ctrt__realloc(void *ptr, size_t size);
char *ctrt__strdup(const char *text);
char *ctrt__strndup(const char *text, size_t len);
void ctrt__free(void *ptr);
/* printf into a new string; NULL (with the error set) on failure. */
char *ctrt__sprintf(const char *fmt, ...) CTRT__PRINTF(1, 2);

/* ---- Errors ---- */
#define CTRT__ERROR_MESSAGE_MAX 1024

/* Vendor defaults of ctrt_open_options (documented there, not public macros). */
#define CTRT__DEFAULT_AUTH_SOCKET_TARGET "/var/run/zlayer/api.sock"
#define CTRT__DEFAULT_MANAGED_LABEL "com.zlayer.container_id"
/* Early returns for functions that hold nothing to release yet, as
 * libgit2's GIT_ERROR_CHECK_ALLOC: the error is set and its code returned.
 * With cleanup to do, set rc and `goto done` instead. */
#define CTRT__CHECK_ALLOC(ptr)                                                                                         \
  do {                                                                                                                 \
    if ((ptr) == NULL)                                                                                                 \
      return ctrt__error_no_memory();                                                                                  \
  } while (0)
/* An argument check: `CTRT__CHECK_ARG(name != NULL, "inspect: a container name");` */
#define CTRT__CHECK_ARG(cond, ...)                                                                                     \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      return ctrt__error_invalid_argument(__VA_ARGS__);                                                                \
  } while (0)

/* Set the thread's error; returns -(int)kind. */
int ctrt__error_set(ctrt_error_kind kind, int http_status, const char *fmt, ...) CTRT__PRINTF(3, 4);
int ctrt__error_setv(ctrt_error_kind kind, int http_status, const char *fmt, va_list ap);
/* Prefix the current message with context ("archive_put /etc: ..."),
 * keeping kind and status; returns the current -(int)kind. */
int ctrt__error_wrap(const char *fmt, ...) CTRT__PRINTF(1, 2);
/* After create_container's pull-policy step failed (core/create.c): the
 * pull's error, prefixed so that it names image once; returns its code. */
int ctrt__error_wrap_create_pull(const char *image, const char *policy);
/* The current error as a return code (-(int)kind), or 0. */
int ctrt__error_code(void);
/* Normalise a backend's return value: negative codes keep their error (an
 * internal one is set if the backend forgot), positive ones become 0. */
int ctrt__backend_result(int rc, const char *method);

/* ---- JSON paths for decode errors: a chain of stack frames, formatted
 * only when an error is reported ("$.networks[2].ipv4"). ---- */
typedef struct ctrt__jpath {
  const struct ctrt__jpath *parent;
  const char *key; /* NULL for an index */
  size_t index;
} ctrt__jpath;

#define CTRT__JPATH_KEY(parent_path, k) ((ctrt__jpath){(parent_path), (k), 0})
#define CTRT__JPATH_INDEX(parent_path, i) ((ctrt__jpath){(parent_path), NULL, (i)})

/* Format a path into buf ("$" for the root). */
void ctrt__jpath_format(const ctrt__jpath *path, char *buf, size_t cap);
/* Set an invalid-argument error "PATH: message"; returns its code. */
int ctrt__json_error(const ctrt__jpath *path, const char *fmt, ...) CTRT__PRINTF(2, 3);
int ctrt__json_type_error(const ctrt__jpath *path, const char *expected, const json_t *got);
int ctrt__json_missing(const ctrt__jpath *path);
const char *ctrt__json_type_name(const json_t *json);
/* json_object_set_new with errors mapped; takes ownership of value. */
int ctrt__json_put(json_t *object, const char *key, json_t *value, const ctrt__jpath *path);
int ctrt__json_new_string(json_t **out, const char *text, const ctrt__jpath *path);
/* Parse text (any JSON value) / dump compactly into a new string. */
/* The text of a JSON string; a wrong type or a NUL inside is a path error. */
int ctrt__json_text(const char **out, const json_t *json, const ctrt__jpath *path, const char *expected);
int ctrt__json_parse(json_t **out, const char *text, size_t len);
/* True when a string anywhere in json carries a NUL; where gets its path. */
bool ctrt__json_find_nul(const json_t *json, char *where, size_t cap);
int ctrt__json_dump(char **out, const json_t *json);

/* ---- Scalar codecs and helpers (uniform signatures, see ccode.py) ---- */
/* NOLINTBEGIN(bugprone-macro-parentheses): T is a type, it cannot take them */
#define CTRT__SCALAR_HELPERS(slot, T)                                                                                  \
  int ctrt__enc_##slot(json_t **out, const T *v, const ctrt__jpath *path);                                             \
  int ctrt__dec_##slot(T *out, const json_t *json, const ctrt__jpath *path);                                           \
  static inline void ctrt__clear_##slot(T *v) { (void)v; }                                                             \
  static inline int ctrt__copy_##slot(T *dst, const T *src) {                                                          \
    *dst = *src;                                                                                                       \
    return 0;                                                                                                          \
  }
/* NOLINTEND(bugprone-macro-parentheses) */
CTRT__SCALAR_HELPERS(bool, bool)
CTRT__SCALAR_HELPERS(i32, int32_t)
CTRT__SCALAR_HELPERS(i64, int64_t)
CTRT__SCALAR_HELPERS(u16, uint16_t)
CTRT__SCALAR_HELPERS(u32, uint32_t)
CTRT__SCALAR_HELPERS(u64, uint64_t)
CTRT__SCALAR_HELPERS(f64, double)
CTRT__SCALAR_HELPERS(timestamp, ctrt_timestamp)
#undef CTRT__SCALAR_HELPERS

static inline bool ctrt__eq_bool(const bool *a, const bool *b) { return *a == *b; }
static inline bool ctrt__eq_i32(const int32_t *a, const int32_t *b) { return *a == *b; }
static inline bool ctrt__eq_i64(const int64_t *a, const int64_t *b) { return *a == *b; }
static inline bool ctrt__eq_u16(const uint16_t *a, const uint16_t *b) { return *a == *b; }
static inline bool ctrt__eq_u32(const uint32_t *a, const uint32_t *b) { return *a == *b; }
static inline bool ctrt__eq_u64(const uint64_t *a, const uint64_t *b) { return *a == *b; }
static inline bool ctrt__eq_f64(const double *a, const double *b) { return *a == *b; }
static inline bool ctrt__eq_timestamp(const ctrt_timestamp *a, const ctrt_timestamp *b) {
  return a->seconds == b->seconds && a->nanos == b->nanos;
}

/* Strings: a NULL required string means its default (see ccode.py). */
int ctrt__enc_string(json_t **out, char *const *v, const ctrt__jpath *path);
int ctrt__dec_string(char **out, const json_t *json, const ctrt__jpath *path);
void ctrt__clear_string(char **v);
int ctrt__copy_string(char **dst, char *const *src);
bool ctrt__eq_string(char *const *a, char *const *b);
int ctrt__enc_string_cstr(json_t **out, const char *text, const ctrt__jpath *path);
int ctrt__enc_ip(json_t **out, char *const *v, const ctrt__jpath *path);
int ctrt__enc_ip_cstr(json_t **out, const char *text, const ctrt__jpath *path);
int ctrt__dec_ip(char **out, const json_t *json, const ctrt__jpath *path);
#define ctrt__clear_ip ctrt__clear_string
#define ctrt__copy_ip ctrt__copy_string
#define ctrt__eq_ip ctrt__eq_string
bool ctrt__eq_cstr_default(const char *a, const char *b, const char *dflt);
bool ctrt__eq_cstr_optional(const char *a, const char *b);

int ctrt__enc_bytes(json_t **out, const ctrt_bytes *v, const ctrt__jpath *path);
int ctrt__dec_bytes(ctrt_bytes *out, const json_t *json, const ctrt__jpath *path);
void ctrt__clear_bytes(ctrt_bytes *v);
int ctrt__copy_bytes(ctrt_bytes *dst, const ctrt_bytes *src);
bool ctrt__eq_bytes(const ctrt_bytes *a, const ctrt_bytes *b);
/* Build a ctrt_bytes the way every returned one is (common.h): data never
 * NULL, one NUL byte after the len bytes. _set copies (data may be NULL
 * when len is 0); _take adopts buf, a ctrt__malloc block of at least
 * len + 1 bytes, or NULL when len is 0 (it fails only then, on no memory). */
int ctrt__bytes_set(ctrt_bytes *dst, const void *data, size_t len);
int ctrt__bytes_take(ctrt_bytes *dst, void *buf, size_t len);

/* ---- Text encodings ---- */
/* Standard (url_safe = false, padded) or URL-safe unpadded base64. */
char *ctrt__base64_encode(const void *data, size_t len, bool url_safe);
/* Accepts both alphabets, padded or not; fails on anything else. *out is
 * followed by a NUL byte not counted in *out_len. */
int ctrt__base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t len);
/* RFC 3339 in UTC with trimmed nanoseconds ("...T10:36:48.5Z"). */
int ctrt__timestamp_format(char *buf, size_t cap, const ctrt_timestamp *ts);
/* Any RFC 3339 instant (offsets converted to UTC). */
int ctrt__timestamp_parse(ctrt_timestamp *out, const char *text);
ctrt_timestamp ctrt__timestamp_now(void);
bool ctrt__utf8_valid(const char *text, size_t len);
/* len, less an incomplete UTF-8 sequence at its end: where text cut at len
 * (a bounded buffer) may end so that what was valid UTF-8 stays valid. */
size_t ctrt__utf8_cut(const char *text, size_t len);
bool ctrt__ip_valid(const char *text);

/* The exec output cap the options ask for (version 2), else the default. */
static inline size_t ctrt__exec_output_max(const ctrt_open_options *options) {
  return options != NULL && options->version >= 2 && options->exec_output_max > 0 ? options->exec_output_max
                                                                                  : CTRT_DEFAULT_EXEC_OUTPUT_MAX;
}

/* ---- Checked narrowing (narrow.c): wire integers never wrap ---- */
/* Exactly len digits of base 10 or 16 (no sign, space or prefix), value <= max. */
bool ctrt__parse_uint(const char *text, size_t len, int base, uint64_t max, uint64_t *out);
bool ctrt__parse_uint_cstr(const char *text, int base, uint64_t max, uint64_t *out);
/* A JSON integer within [lo, hi]; reals and other types fail. */
bool ctrt__json_int_in(const json_t *json, int64_t lo, int64_t hi, int64_t *out);
/* A JSON integer or real within [0, 2^64); never casts an out-of-range real. */
bool ctrt__json_number_u64(const json_t *json, uint64_t *out);
/* A JSON string without an embedded NUL (\u0000). */
bool ctrt__json_string_clean(const json_t *json);

/* ---- SHA-256, HMAC-SHA256 (image ids, JWT) ---- */
typedef struct ctrt__sha256 {
  uint32_t state[8];
  uint64_t length;
  uint8_t block[64];
  size_t used;
} ctrt__sha256;
void ctrt__sha256_init(ctrt__sha256 *ctx);
void ctrt__sha256_update(ctrt__sha256 *ctx, const void *data, size_t len);
void ctrt__sha256_final(ctrt__sha256 *ctx, uint8_t digest[32]);
/* "sha256:<hex>" of data, in a new string. */
char *ctrt__sha256_digest_string(const void *data, size_t len);
void ctrt__sha256_hex(const uint8_t digest[32], char hex[65]);
void ctrt__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t mac[32]);
/* The HS256 token create_container injects (claims per runtime-interface.md). */
int ctrt__auth_token(char **out, const char *secret, const ctrt_container_id *id, int64_t issued_at);

/* ---- Argument checks the dispatchers run (spec: inputs[].check) ---- */
int ctrt__check_container_id(const char *method, const ctrt_container_id *id);
int ctrt__check_container_name(const char *method, const char *name);
/* An engine's container id, id prefix or name: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
int ctrt__check_engine_ref(const char *method, const char *ref);
/* Resolving adopt_container's engine_ref as Docker does: the full id or a
 * name, else a unique id prefix. Offer each container to
 * ctrt__engine_ref_offer (true: an exact match, stop), then take the answer
 * from ctrt__engine_ref_result. */
typedef struct ctrt__engine_ref_match {
  const char *ref;
  const void *exact, *by_prefix;
  size_t n_prefix;
} ctrt__engine_ref_match;
#define CTRT__ENGINE_REF_MATCH_INIT(ref)                                                                               \
  { (ref), NULL, NULL, 0 }
bool ctrt__engine_ref_offer(ctrt__engine_ref_match *m, const void *item, const char *id, const char *name);
/* 0 with *out, or ctrt__error_engine_ref_unmatched's error. */
int ctrt__engine_ref_result(const ctrt__engine_ref_match *m, const void **out);
/* adopt_container's errors, worded alike on every backend: engine_ref names
 * no container (n_prefix 0: not_found) or is a prefix of several ids
 * (invalid_argument); the container is already addressed by another
 * ContainerId (conflict); the ContainerId already names another container,
 * engine_id (conflict). */
int ctrt__error_engine_ref_unmatched(const char *ref, size_t n_prefix);
int ctrt__error_adopt_known_as(const char *ref, const char *known_as);
int ctrt__error_adopt_id_taken(const char *display, const char *engine_id);
int ctrt__check_image_ref(const char *method, const char *ref);
/* The same check on a struct field (spec: fields[].check); path names it. */
int ctrt__check_field_image_ref(const char *method, const char *path, const char *ref);
int ctrt__check_search_term(const char *method, const char *term);
int ctrt__check_absolute_path(const char *method, const char *path);
int ctrt__check_list(const char *method, const char *name, const void *items, size_t n, bool strings);
/* NULL -> "SIGKILL"; else ctrt_validate_signal. */
int ctrt__canonical_signal(char **out, const char *name);

/* ---- Streams ---- */
typedef struct ctrt__stream ctrt__stream;
/* The callbacks of a producer: the public table of ctrt/plugin.h, whose
 * contract in-tree backends follow too. */
typedef ctrt_stream_methods ctrt__stream_vtable;

/* item_free: how to free items (typed streams), NULL for byte streams. On
 * failure impl is destroyed. */
int ctrt__stream_new(ctrt__stream **out, const ctrt__stream_vtable *vt, void *impl, void (*item_free)(void *));
int ctrt__stream_next(void **item, ctrt__stream *stream);
int ctrt__stream_read(ctrt__stream *stream, void *buf, size_t cap, size_t *n_read);
void ctrt__stream_cancel(ctrt__stream *stream);
void ctrt__stream_close(ctrt__stream *stream);
bool ctrt__stream_cancelled(const ctrt__stream *stream);
/* The stream keeps rt alive until it is closed (see ctrt__runtime_ref). */
void ctrt__stream_hold_runtime(ctrt__stream *stream, ctrt_runtime *rt);

/* A typed stream over items produced up front (takes ownership of items and
 * the array); when final_error < 0 the stream ends with that error, whose
 * message is final_message. */
int ctrt__stream_from_items(ctrt__stream **out, void **items, size_t n, void (*item_free)(void *), int final_error,
                            const char *final_message);

/* ---- Exec sessions ---- */
/* See ctrt_exec_handle_methods in ctrt/plugin.h. */
typedef ctrt_exec_handle_methods ctrt__exec_handle_vtable;

int ctrt__exec_handle_new(ctrt_exec_handle **out, const ctrt__exec_handle_vtable *vt, void *impl);
/* The session keeps rt alive until it is freed (see ctrt__runtime_ref). */
void ctrt__exec_handle_hold_runtime(ctrt_exec_handle *h, ctrt_runtime *rt);

/* ---- Byte sources ---- */
/* Whether the source has been read to its end. */
bool ctrt__byte_source_done(const ctrt_byte_source *src);

/* ---- Runtime handles ---- */
struct ctrt_runtime {
  const ctrt_backend *backend;
  ctrt_backend_ops ops_storage; /* the backend's table, zero-extended */
  const ctrt_backend_ops *ops;
  void *self;
  void *library; /* dlopen handle of a plugin, or NULL */
  ctrt_container_auth_context *auth;
  char *auth_socket_target;
  /* Holders: the caller's handle (from ctrt_open to ctrt_close) and every
   * open stream and exec session made from it; the backend is closed and the
   * handle freed when the last one lets go. 0: a runtime made by hand
   * (tests), not counted. */
  atomic_int refs;
};

/* Take / drop a reference on rt (NULL, or a hand-made rt: nothing). The
 * dispatcher makes every stream and exec session it returns hold one, so
 * ctrt_close while they are open leaves them working. */
ctrt_runtime *ctrt__runtime_ref(ctrt_runtime *rt);
void ctrt__runtime_unref(ctrt_runtime *rt);

/* ---- Uploads (archive_put): the archive is hostile (core/tar_upload.c) ---- */
#define CTRT__TAR_PATH_MAX 4096
#define CTRT__TAR_NAME_MAX 255
/* An upload entry's name made relative to the destination ("./a//b/" ->
 * "a/b", "./" -> ""); out has cap bytes. -1 with *why set ("absolute path",
 * "path contains \"..\"", "name too long", "file name too long", "entry
 * without a name") when the name is refused; sets no error. */
int ctrt__tar_upload_name(const char *raw, char *out, size_t cap, const char **why);
/* The next component of a '/'-separated path at *p, skipping empty and "."
 * ones: true with [*start, *start + *n) and *p past it, false at the end. */
bool ctrt__path_next_component(const char **p, const char **start, size_t *n);
/* Read src to its end into an anonymous temporary file (bounded by disk,
 * not memory), checking the archive as it streams: names by
 * ctrt__tar_upload_name, no entry created through a symlink the archive
 * itself made that leads outside dest (an absolute path), hard-link targets
 * inside dest; plain, gzip, bzip2, xz or zstd tar, or an empty body. On
 * success *fd is the file rewound to its start (the caller closes it) and
 * *len (may be NULL) its size; on failure nothing is left open and the
 * error is CTRT_ERROR_INVALID_SPEC naming the entry (the source's own
 * error when it failed). */
int ctrt__tar_upload_spool(int *fd, uint64_t *len, ctrt_byte_source *src, const char *dest);

/* ---- Engine identity (backends' answers to ctrt_runtime_engine) ---- */
/* A new description; name is lower-cased, version and api_version may be
 * NULL. */
int ctrt__engine_info_new(ctrt_engine_info **out, const char *name, const char *version, const char *api_version);
/* Append "key=value"; a NULL or empty value adds nothing. */
int ctrt__engine_info_add_fact(ctrt_engine_info *info, const char *key, const char *value);

/* Built-in backends (NULL-terminated). */
extern const ctrt_backend *const ctrt__builtin_backends[];
/* The built-in backend a URI names and the rest it is opened with (caller
 * frees *rest); an unknown or missing scheme fails listing the valid ones. */
int ctrt__open_resolve(const ctrt_backend **backend, char **rest, const char *uri);

#endif
