/* SPDX-License-Identifier: MIT */
/* Runtime handles: choosing a backend by URI (built in or a plugin), its
 * options, and what it supports. */
#define _GNU_SOURCE 1 /* dladdr */

#include "gen_internal.h"

#include <dlfcn.h>
#include <strings.h>
#include <pthread.h>

static int copy_auth(ctrt_runtime *rt, const ctrt_open_options *options) {
  const char *target =
      options && options->auth_socket_target ? options->auth_socket_target : CTRT__DEFAULT_AUTH_SOCKET_TARGET;
  rt->auth_socket_target = ctrt__strdup(target);
  CTRT__CHECK_ALLOC(rt->auth_socket_target);
  if (options == NULL || options->auth_context == NULL)
    return 0;
  if (target[0] != '/')
    return ctrt__error_configuration("auth socket target '%s' must be an absolute path", target);
  return ctrt_container_auth_context_copy(&rt->auth, options->auth_context);
}

static int missing_required(const ctrt_backend_ops *ops, const char *name) {
  char missing[512] = "";
  size_t used = 0;
  for (int i = 0; i < CTRT_OP_COUNT; i++) {
    const ctrt_op_info *info = ctrt_op_info_get((ctrt_op)i);
    if (info->default_kind == CTRT_OP_DEFAULT_REQUIRED && !ctrt__backend_ops_has(ops, (ctrt_op)i)) {
      int n = snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", info->name);
      if (n > 0 && (size_t)n < sizeof missing - used)
        used += (size_t)n;
    }
  }
  if (used == 0)
    return 0;
  return ctrt__error_configuration("backend '%s' lacks required methods: %s", name, missing);
}

static int attach_backend(ctrt_runtime *rt, const ctrt_backend *backend, const char *rest,
                          const ctrt_open_options *options) {
  if (backend->abi_version != CTRT_BACKEND_ABI_VERSION)
    return ctrt__error_configuration("backend '%s' was built for ABI %u, this library speaks %u",
                                     backend->name ? backend->name : "?", backend->abi_version,
                                     CTRT_BACKEND_ABI_VERSION);
  if (backend->open == NULL || backend->close == NULL || backend->ops == NULL)
    return ctrt__error_configuration("backend '%s' lacks open, close or its method table",
                                     backend->name ? backend->name : "?");
  /* Zero-extend the table: methods the backend predates count as lacking. */
  size_t size = backend->ops_size < sizeof rt->ops_storage ? backend->ops_size : sizeof rt->ops_storage;
  memset(&rt->ops_storage, 0, sizeof rt->ops_storage);
  memcpy(&rt->ops_storage, backend->ops, size);
  rt->ops = &rt->ops_storage;
  int rc = missing_required(rt->ops, backend->name);
  if (rc < 0)
    return rc;
  rt->backend = backend;
  rc = backend->open(&rt->self, rest, options);
  if (rc < 0) {
    rt->backend = NULL;
    return ctrt__backend_result(rc, "open");
  }
  return 0;
}

static int attach_entry(ctrt_runtime *rt, const char *path, const char *rest, const ctrt_open_options *options) {
  ctrt_backend_entry_fn entry;
  /* dlsym returns an object pointer; POSIX guarantees the conversion. */
  *(void **)&entry = dlsym(rt->library, CTRT_BACKEND_ENTRY_SYMBOL);
  if (entry == NULL)
    return ctrt__error_configuration("backend library %s does not export %s()", path, CTRT_BACKEND_ENTRY_SYMBOL);
  const ctrt_backend *backend = entry();
  if (backend == NULL)
    return ctrt__error_configuration("%s() of %s returned NULL", CTRT_BACKEND_ENTRY_SYMBOL, path);
  return attach_backend(rt, backend, rest, options);
}

static int load_plugin(ctrt_runtime *rt, const char *path, const char *rest, const ctrt_open_options *options) {
  rt->library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (rt->library == NULL)
    return ctrt__error_configuration("cannot load backend library %s: %s", path, dlerror());
  return attach_entry(rt, path, rest, options);
}

/* Defined by libctrt-mock: present when the program links it (shared or
 * static), NULL otherwise. */
extern const ctrt_backend *ctrt_mock_backend_entry(void) __attribute__((weak));

/* The mock lives in libctrt-mock, not in libctrt: the linked one, else the
 * module installed beside this library. */
static int open_mock(ctrt_runtime *rt, const char *rest, const ctrt_open_options *options) {
  if (ctrt_mock_backend_entry != NULL)
    return attach_backend(rt, ctrt_mock_backend_entry(), rest, options);
  static const char anchor; /* an address inside this library */
  Dl_info self;
  const char *dir_end = NULL;
  if (dladdr(&anchor, &self) != 0 && self.dli_fname != NULL)
    dir_end = strrchr(self.dli_fname, '/');
  char *path = dir_end != NULL
                   ? ctrt__sprintf("%.*s/%s", (int)(dir_end - self.dli_fname), self.dli_fname, CTRT__MOCK_MODULE)
                   : ctrt__strdup(CTRT__MOCK_MODULE);
  CTRT__CHECK_ALLOC(path);
  rt->library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  int rc = rt->library != NULL
               ? attach_entry(rt, path, rest, options)
               : ctrt__error_configuration("the mock backend is a library of its own and %s cannot be loaded (%s): "
                                           "install libctrt-mock beside libctrt, or link it",
                                           path, dlerror());
  ctrt__free(path);
  return rc;
}
static void destroy_runtime(ctrt_runtime *rt);
static int remember_open(ctrt_runtime *rt);

int ctrt_open_with_options(ctrt_runtime **out, const char *uri, const ctrt_open_options *options) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(out != NULL && uri != NULL, "ctrt_open: NULL argument");
  *out = NULL;
  /* Versions 1 (no exec_output_max) and 2 (no stream_idle_timeout_ms) are
   * still accepted. */
  if (options != NULL && (options->version < 1 || options->version > CTRT_OPEN_OPTIONS_VERSION))
    return ctrt__error_invalid_argument("ctrt_open: options version %u, expected 1..%u", options->version,
                                        CTRT_OPEN_OPTIONS_VERSION);
  ctrt_runtime *rt = ctrt__calloc(1, sizeof *rt);
  CTRT__CHECK_ALLOC(rt);
  int rc;
  if ((rc = copy_auth(rt, options)) < 0)
    goto fail;
  if (options != NULL && options->backend_library != NULL) {
    rc = load_plugin(rt, options->backend_library, uri, options);
  } else if (strncasecmp(uri, "plugin:", 7) == 0) {
    const char *query = strchr(uri + 7, '?');
    char *path = ctrt__strndup(uri + 7, query ? (size_t)(query - uri - 7) : strlen(uri + 7));
    rc = path ? load_plugin(rt, path, query ? query + 1 : "", options) : ctrt__error_no_memory();
    ctrt__free(path);
  } else if (strncasecmp(uri, "mock:", 5) == 0) {
    rc = open_mock(rt, strncmp(uri + 5, "//", 2) == 0 ? uri + 7 : uri + 5, options);
  } else {
    const ctrt_backend *backend = NULL;
    char *rest = NULL;
    if ((rc = ctrt__open_resolve(&backend, &rest, uri)) >= 0)
      rc = attach_backend(rt, backend, rest, options);
    ctrt__free(rest);
  }
  if (rc < 0 || (rc = remember_open(rt)) < 0)
    goto fail;
  atomic_init(&rt->refs, 1);
  *out = rt;
  return 0;
fail:
  destroy_runtime(rt);
  return rc;
}

int ctrt_open(ctrt_runtime **out, const char *uri) { return ctrt_open_with_options(out, uri, NULL); }

int ctrt_open_from_env(ctrt_runtime **out) {
  /* DOCKER_HOST names a Docker Engine API; else CONTAINER_HOST, as
   * podman-remote reads it, names a Podman service. */
  const char *docker = getenv("DOCKER_HOST"), *podman = getenv("CONTAINER_HOST");
  bool use_podman = (docker == NULL || docker[0] == '\0') && podman != NULL && podman[0] != '\0';
  return ctrt_open_with_options(out, use_podman ? "podman://" : "docker://", NULL);
}

static void destroy_runtime(ctrt_runtime *rt) {
  if (rt->backend != NULL)
    rt->backend->close(rt->self);
  ctrt_container_auth_context_free(rt->auth);
  ctrt__free(rt->auth_socket_target);
  if (rt->library != NULL)
    dlclose(rt->library);
  ctrt__free(rt);
}

ctrt_runtime *ctrt__runtime_ref(ctrt_runtime *rt) {
  if (rt == NULL || atomic_load(&rt->refs) == 0)
    return NULL; /* made by hand: its maker frees it */
  atomic_fetch_add(&rt->refs, 1);
  return rt;
}

void ctrt__runtime_unref(ctrt_runtime *rt) {
  if (rt != NULL && atomic_fetch_sub(&rt->refs, 1) == 1)
    destroy_runtime(rt);
}

/* The handles ctrt_open gave out and ctrt_close has not taken back, so a
 * second ctrt_close of one is refused instead of freeing it twice (unless
 * a later ctrt_open got the same address meanwhile). */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static ctrt_runtime **open_handles;
static size_t n_open, cap_open;

static int remember_open(ctrt_runtime *rt) {
  int rc = 0;
  pthread_mutex_lock(&open_lock);
  if (n_open == cap_open) {
    size_t cap = cap_open ? 2 * cap_open : 8;
    /* An array of pointers: sizeof *grown is the pointer's size, as meant. */
    ctrt_runtime **grown = ctrt__realloc(open_handles, cap * sizeof *grown); // NOLINT(bugprone-sizeof-expression)
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    open_handles = grown;
    cap_open = cap;
  }
  open_handles[n_open++] = rt;
done:
  pthread_mutex_unlock(&open_lock);
  return rc;
}

static bool forget_open(ctrt_runtime *rt) {
  bool found = false;
  pthread_mutex_lock(&open_lock);
  for (size_t i = n_open; i-- > 0;)
    if (open_handles[i] == rt) {
      open_handles[i] = open_handles[--n_open];
      found = true;
      break;
    }
  if (n_open == 0) {
    /* nothing open: give the table back (valgrind sees no leftovers) */
    ctrt__free(open_handles);
    open_handles = NULL;
    cap_open = 0;
  }
  pthread_mutex_unlock(&open_lock);
  return found;
}

void ctrt_close(ctrt_runtime *rt) {
  if (rt == NULL)
    return;
  if (!forget_open(rt)) {
    ctrt__error_invalid_argument("ctrt_close: %p is not an open runtime (closed twice?)", (void *)rt);
    return;
  }
  /* Streams and exec sessions still open keep the backend until closed. */
  ctrt__runtime_unref(rt);
}

/* NATIVE from the table; DEFAULT when the declared default serves the call
 * (a delegation only when every delegate is served); else NONE. Delegation
 * chains are acyclic (the generator checks), depth only guards the walk. */
static ctrt_support support_of(const ctrt_runtime *rt, ctrt_op op, int depth) {
  const ctrt_op_info *info = ctrt_op_info_get(op);
  if (info == NULL || depth > CTRT_OP_COUNT)
    return CTRT_SUPPORT_NONE;
  if (ctrt__backend_ops_has(rt->ops, op))
    return CTRT_SUPPORT_NATIVE;
  switch (info->default_kind) {
  case CTRT_OP_DEFAULT_EMPTY:
  case CTRT_OP_DEFAULT_NOOP:
  case CTRT_OP_DEFAULT_VALUE:
    return CTRT_SUPPORT_DEFAULT;
  case CTRT_OP_DEFAULT_DELEGATE:
    for (size_t i = 0; i < info->n_delegates; i++)
      if (support_of(rt, info->delegates[i], depth + 1) == CTRT_SUPPORT_NONE)
        return CTRT_SUPPORT_NONE;
    return CTRT_SUPPORT_DEFAULT;
  default:
    return CTRT_SUPPORT_NONE;
  }
}

ctrt_support ctrt_runtime_support(const ctrt_runtime *rt, ctrt_op op) {
  return rt != NULL ? support_of(rt, op, 0) : CTRT_SUPPORT_NONE;
}

bool ctrt_supports(const ctrt_runtime *rt, ctrt_op op) { return ctrt_runtime_support(rt, op) != CTRT_SUPPORT_NONE; }

const char *ctrt_runtime_backend_name(const ctrt_runtime *rt) { return rt && rt->backend ? rt->backend->name : NULL; }
