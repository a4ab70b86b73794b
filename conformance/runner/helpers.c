/* SPDX-License-Identifier: MIT */
/* The helpers cases use (conform.h): the case context, its memory, the
 * containers and images it creates, and the checks. */
#include "runner.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

conform_state conform_current;

ctrt_runtime *conform_rt(void) { return conform_current.rt; }

const conform_env *conform_env_get(void) { return &conform_current.env; }

uint64_t conform_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void conform_sleep_ms(unsigned ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* ---- memory ---- */

void conform_defer(void *ptr, void (*free_fn)(void *)) {
  if (ptr == NULL)
    return;
  conform_deferred *d = malloc(sizeof *d);
  if (d == NULL)
    abort();
  d->ptr = ptr;
  d->free_fn = free_fn;
  d->next = conform_current.deferred;
  conform_current.deferred = d;
}

char *conform_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *out = malloc((size_t)n + 1);
  if (out == NULL)
    abort();
  va_start(ap, fmt);
  vsnprintf(out, (size_t)n + 1, fmt, ap);
  va_end(ap);
  conform_defer(out, free);
  return out;
}

/* Failure messages must outlive the case (CUnit keeps them for the report),
 * so they go to the run-long list. */
static char *lasting_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *lasting_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  conform_deferred *d = malloc(sizeof *d);
  char *out = malloc((size_t)n + 1);
  if (d == NULL || out == NULL)
    abort();
  va_start(ap, fmt);
  vsnprintf(out, (size_t)n + 1, fmt, ap);
  va_end(ap);
  d->ptr = out;
  d->free_fn = free;
  d->next = conform_current.messages;
  conform_current.messages = d;
  return out;
}

void conform_run_deferred(conform_deferred **list) {
  while (*list) {
    conform_deferred *d = *list;
    *list = d->next;
    d->free_fn(d->ptr);
    free(d);
  }
}

/* ---- checks ---- */

static char *xstrdup(const char *s) {
  char *out = strdup(s ? s : "");
  if (out == NULL)
    abort();
  return out;
}

void conform_failures_free(conform_failure *list) {
  while (list) {
    conform_failure *f = list;
    list = f->next;
    free(f->check);
    free(f->observed);
    free(f->message);
    free(f);
  }
}

/* Ids are source text: fold its white space so layout does not matter. */
static void fold_space(char *s) {
  char *w = s;
  bool space = false;
  for (const char *r = s; *r; r++) {
    if (*r == ' ' || *r == '\n' || *r == '\t') {
      space = w > s;
      continue;
    }
    if (space)
      *w++ = ' ';
    space = false;
    *w++ = *r;
  }
  *w = '\0';
}

/* Checks may run on a case's own threads. */
static pthread_mutex_t record_lock = PTHREAD_MUTEX_INITIALIZER;

static void note_call(int op) {
  if (op >= 0 && op < CTRT_OP_COUNT) {
    pthread_mutex_lock(&record_lock);
    conform_current.called[op] = true;
    pthread_mutex_unlock(&record_lock);
  }
}

static bool record(bool ok, const char *id, int op, const char *observed, const char *file, unsigned line,
                   const char *text) {
  pthread_mutex_lock(&record_lock);
  if (ok) {
    CU_assertImplementation(CU_TRUE, line, "", (char *)file, "", CU_FALSE);
  } else {
    char *message = lasting_printf("%s", text);
    CU_assertImplementation(CU_FALSE, line, message, (char *)file, "", CU_FALSE);
    conform_failure *f = calloc(1, sizeof *f);
    if (f == NULL)
      abort();
    f->check = xstrdup(id);
    fold_space(f->check);
    f->op = op;
    f->observed = xstrdup(observed ? observed : text);
    size_t n = strlen(file) + strlen(text) + 32;
    if ((f->message = malloc(n)) == NULL)
      abort();
    const char *base = strrchr(file, '/');
    snprintf(f->message, n, "%s:%u: %s", base ? base + 1 : file, line, text);
    if (conform_current.failures_tail == NULL)
      conform_current.failures_tail = &conform_current.failures;
    *conform_current.failures_tail = f;
    conform_current.failures_tail = &f->next;
  }
  pthread_mutex_unlock(&record_lock);
  return ok;
}

bool conform_check(bool ok, const char *id, const char *file, unsigned line, const char *fmt, ...) {
  if (ok)
    return record(true, id, -1, NULL, file, line, NULL);
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  return record(false, id, -1, NULL, file, line, text);
}

bool conform_check_str(const char *actual, const char *expected, const char *id, const char *file, unsigned line) {
  return conform_check(actual != NULL && strcmp(actual, expected) == 0, id, file, line, "%s: \"%s\", expected \"%s\"",
                       id, actual ? actual : "(null)", expected);
}

/* Bytes shown with C escapes, cut at 200, into buf. */
static const char *escaped(char *buf, size_t cap, const uint8_t *data, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len && o + 8 < cap; i++) {
    unsigned char ch = data[i];
    if (ch == '\\' || ch == '"')
      o += (size_t)snprintf(buf + o, cap - o, "\\%c", ch);
    else if (ch >= 0x20 && ch < 0x7f)
      buf[o++] = (char)ch;
    else
      o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
  }
  buf[o] = 0;
  return buf;
}

bool conform_check_bytes(const ctrt_bytes *actual, const void *expected, size_t len, const char *id, const char *file,
                         unsigned line) {
  char got[800], want[800];
  if (!conform_check(actual->data != NULL && actual->data[actual->len] == 0, id, file, line,
                     "%s: returned bytes must have data (never NULL) and a NUL after their %zu bytes", id, actual->len))
    return false;
  return conform_check(actual->len == len && memcmp(actual->data, expected, len) == 0, id, file, line,
                       "%s: %zu bytes \"%s\", expected %zu bytes \"%s\"", id, actual->len,
                       escaped(got, sizeof got, actual->data, actual->len < 200 ? actual->len : 200), len,
                       escaped(want, sizeof want, expected, len < 200 ? len : 200));
}

const char *conform_text(const ctrt_bytes *b) { return b->data ? (const char *)b->data : ""; }

/* The method a call's text names: "ctrt_runtime_NAME(...)", else -1. */
static int op_of_call(const char *call, char *name, size_t cap) {
  while (*call == ' ' || *call == '(')
    call++;
  size_t n = strcspn(call, "( \t\n");
  snprintf(name, cap, "%.*s", (int)n, call);
  ctrt_op op;
  if (strncmp(name, "ctrt_runtime_", 13) == 0 && ctrt_op_from_name(&op, name + 13) == 0) {
    memmove(name, name + 13, strlen(name + 13) + 1);
    return (int)op;
  }
  return -1;
}

bool conform_check_ok(int rc, const char *call, const char *file, unsigned line) {
  /* Read the error first: finding the method's name is a ctrt call too, and
   * every ctrt call clears the thread's error. */
  const ctrt_error *e = ctrt_error_last();
  ctrt_error_kind kind = e->kind;
  char text[2048];
  snprintf(text, sizeof text, "%s failed with %s: %s", call, ctrt_error_kind_name(kind), e->message);
  char name[128], id[160];
  int op = op_of_call(call, name, sizeof name);
  note_call(op);
  snprintf(id, sizeof id, "%s.ok", name);
  if (rc == 0)
    return record(true, id, op, NULL, file, line, NULL);
  return record(false, id, op, ctrt_error_kind_name(kind), file, line, text);
}

bool conform_check_fails(int rc, ctrt_op op, ctrt_error_kind expected, const char *call, const char *file,
                         unsigned line) {
  const ctrt_error *e = ctrt_error_last();
  const ctrt_op_info *info = ctrt_op_info_get(op);
  note_call((int)op);
  char id[160], text[2048];
  snprintf(id, sizeof id, "%s.fails.%s", info ? info->name : "?", ctrt_error_kind_name(expected));
  if (rc == 0) {
    snprintf(text, sizeof text, "%s succeeded, expected a %s error", call, ctrt_error_kind_name(expected));
    return record(false, id, (int)op, "success", file, line, text);
  }
  if (e->kind != expected || rc != -(int)expected) {
    snprintf(text, sizeof text, "%s failed with %s (%d): %s; expected %s", call, ctrt_error_kind_name(e->kind), rc,
             e->message, ctrt_error_kind_name(expected));
    return record(false, id, (int)op, ctrt_error_kind_name(e->kind), file, line, text);
  }
  if (info && expected != CTRT_ERROR_UNSUPPORTED && !(info->errors & CTRT_ERROR_BIT(expected))) {
    snprintf(text, sizeof text, "%s failed with %s, which the spec does not declare for %s", call,
             ctrt_error_kind_name(expected), info->name);
    return record(false, id, (int)op, "undeclared-kind", file, line, text);
  }
  if (e->message[0] == '\0') {
    snprintf(text, sizeof text, "%s failed with %s but without a message", call, ctrt_error_kind_name(expected));
    return record(false, id, (int)op, "no-message", file, line, text);
  }
  return record(true, id, (int)op, NULL, file, line, NULL);
}

/* ---- containers and images ---- */

char *conform_case_prefix(const conform_env *env, unsigned case_index) {
  /* The trailing '-' keeps case 5's prefix from matching case 50's ids. */
  char *out = malloc(64);
  if (out == NULL)
    abort();
  snprintf(out, 64, "cfc-%s-%u-", env->run_token, case_index);
  return out;
}

const ctrt_container_id *conform_new_id(void) {
  ctrt_container_id *id = malloc(sizeof *id);
  if (id == NULL)
    abort();
  *id = (ctrt_container_id)CTRT_CONTAINER_ID_INIT;
  char *prefix = conform_case_prefix(&conform_current.env, conform_current.case_index);
  id->service = strdup(conform_printf("%s%u", prefix, ++conform_current.counter));
  free(prefix);
  if (id->service == NULL)
    abort();
  id->replica = 0;
  conform_created *c = malloc(sizeof *c);
  if (c == NULL)
    abort();
  c->id = id;
  c->next = conform_current.created;
  conform_current.created = c;
  return id;
}

static char **strv_dup(const char *const *argv, size_t *n) {
  *n = 0;
  while (argv[*n])
    (*n)++;
  char **out = calloc(*n + 1, sizeof *out);
  if (out == NULL)
    abort();
  for (size_t i = 0; i < *n; i++)
    if ((out[i] = strdup(argv[i])) == NULL)
      abort();
  return out;
}

static void spec_free(void *p) { ctrt_service_spec_free(p); }

ctrt_service_spec *conform_spec(const char *const *argv) {
  ctrt_service_spec *spec = malloc(sizeof *spec);
  if (spec == NULL)
    abort();
  *spec = (ctrt_service_spec)CTRT_SERVICE_SPEC_INIT;
  spec->image.name = strdup(conform_current.env.image);
  if (argv != NULL) {
    spec->command = malloc(sizeof *spec->command);
    if (spec->command == NULL)
      abort();
    *spec->command = (ctrt_command_spec)CTRT_COMMAND_SPEC_INIT;
    spec->command->has_args = true;
    spec->command->args = strv_dup(argv, &spec->command->n_args);
  }
  conform_defer(spec, spec_free);
  return spec;
}

bool conform_create(const ctrt_container_id *id, const ctrt_service_spec *spec, const char *const *argv) {
  if (spec == NULL)
    spec = conform_spec(argv);
  return C_OK(ctrt_runtime_create_container(conform_rt(), id, spec));
}

bool conform_run(const ctrt_container_id *id, const ctrt_service_spec *spec, const char *const *argv) {
  return conform_create(id, spec, argv) && C_OK(ctrt_runtime_start_container(conform_rt(), id));
}

const ctrt_container_id *conform_sleeper(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sleep", "600", NULL};
  return conform_run(id, NULL, argv) ? id : NULL;
}

bool conform_wait(const ctrt_container_id *id, int32_t *code) {
  return C_OK(ctrt_runtime_wait_container(conform_rt(), code, id));
}

static void exec_result_free(void *p) { ctrt_exec_result_free(p); }

ctrt_exec_result *conform_exec(const ctrt_container_id *id, const char *const *argv) {
  size_t n = 0;
  while (argv[n])
    n++;
  ctrt_exec_result *result = NULL;
  if (!C_OK(ctrt_runtime_exec(conform_rt(), &result, id, argv, n)))
    return NULL;
  conform_defer(result, exec_result_free);
  return result;
}

bool conform_release(const ctrt_container_id *id, const char *path) {
  const char *const argv[] = {"touch", path, NULL};
  ctrt_exec_result *r = conform_exec(id, argv);
  if (r == NULL)
    return false;
  if (r->exit_code != 137)
    return C_CHECK(r->exit_code == 0, "touch %s in the container (exit %d, stderr '%.*s')", path, (int)r->exit_code,
                   (int)(r->stderr_.len < 200 ? r->stderr_.len : 200),
                   r->stderr_.data ? (const char *)r->stderr_.data : "");
  bool ended = false;
  for (uint64_t start = conform_now_ms(); !ended && conform_now_ms() - start < 30000; conform_sleep_ms(50)) {
    /* Not through C_OK: the state is the helper's own question, not a
     * method the calling case declares. */
    ctrt_container_state *s = NULL;
    if (ctrt_runtime_container_state(conform_rt(), &s, id) == 0)
      ended = s->kind != CTRT_CONTAINER_STATE_RUNNING;
    else
      ended = ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND;
    ctrt_container_state_free(s);
  }
  return C_CHECK(ended, "touch %s was killed (137) although the container still runs", path);
}

void conform_track_image(const char *reference) {
  conform_tracked *t = malloc(sizeof *t);
  if (t == NULL || (t->reference = strdup(reference)) == NULL)
    abort();
  t->next = conform_current.images;
  conform_current.images = t;
}

/* Remove what the case created; errors are ignored (it may be gone). */
void conform_cleanup_case(void) {
  while (conform_current.created) {
    conform_created *c = conform_current.created;
    conform_current.created = c->next;
    ctrt_runtime_remove_container(conform_current.rt, c->id);
    ctrt_container_id_free(c->id);
    free(c);
  }
  while (conform_current.images) {
    conform_tracked *t = conform_current.images;
    conform_current.images = t->next;
    /* Not forced: a tag is only untagged, whatever else shares the image. */
    ctrt_runtime_remove_image(conform_current.rt, t->reference, false);
    free(t->reference);
    free(t);
  }
  conform_run_deferred(&conform_current.deferred);
  ctrt_error_clear();
}

/* ---- byte streams and tars ---- */

static bool read_stream(int (*read_fn)(void *, void *, size_t, size_t *), void *stream, uint8_t **data, size_t *len) {
  size_t cap = 64 * 1024;
  *len = 0;
  *data = malloc(cap);
  if (*data == NULL)
    abort();
  for (;;) {
    if (*len == cap && (*data = realloc(*data, cap *= 2)) == NULL)
      abort();
    size_t n = 0;
    int rc = read_fn(stream, *data + *len, cap - *len, &n);
    if (rc == CTRT_ITEROVER)
      break;
    if (!C_OK(rc)) {
      free(*data);
      *data = NULL;
      return false;
    }
    *len += n;
  }
  conform_defer(*data, free);
  return true;
}

static int archive_read_fn(void *s, void *buf, size_t cap, size_t *n) {
  return ctrt_archive_stream_read(s, buf, cap, n);
}
static int export_read_fn(void *s, void *buf, size_t cap, size_t *n) {
  return ctrt_image_export_stream_read(s, buf, cap, n);
}

bool conform_read_archive(ctrt_archive_stream *stream, uint8_t **data, size_t *len) {
  return read_stream(archive_read_fn, stream, data, len);
}

bool conform_read_export(ctrt_image_export_stream *stream, uint8_t **data, size_t *len) {
  return read_stream(export_read_fn, stream, data, len);
}

static uint64_t octal(const uint8_t *field, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width && field[i] >= '0' && field[i] <= '7'; i++)
    v = v * 8 + (uint64_t)(field[i] - '0');
  return v;
}

bool conform_tar_entry(const uint8_t *data, size_t len, const char *name, const uint8_t **content, size_t *size,
                       char *type, uint32_t *mode, char *link_target, size_t link_cap) {
  char long_name[4096] = "";
  for (size_t at = 0; at + 512 <= len;) {
    const uint8_t *h = data + at;
    if (h[0] == 0)
      break;
    uint64_t entry_size = octal(h + 124, 12);
    char entry_type = (char)h[156];
    const uint8_t *body = h + 512;
    size_t next = at + 512 + (size_t)((entry_size + 511) / 512 * 512);
    if (next > len)
      break;
    if (entry_type == 'L') { /* GNU long name for the next entry */
      snprintf(long_name, sizeof long_name, "%.*s", (int)entry_size, (const char *)body);
      at = next;
      continue;
    }
    if (entry_type == 'x') { /* pax header: look for path= */
      const char *p = (const char *)body;
      const char *end = p + entry_size;
      while (p < end) {
        char *space;
        long rec = strtol(p, &space, 10);
        if (rec <= 0 || space >= end)
          break;
        if (strncmp(space + 1, "path=", 5) == 0)
          snprintf(long_name, sizeof long_name, "%.*s", (int)(rec - (space + 6 - p) - 1), space + 6);
        p += rec;
      }
      at = next;
      continue;
    }
    char entry_name[4096];
    if (long_name[0]) {
      snprintf(entry_name, sizeof entry_name, "%s", long_name);
      long_name[0] = '\0';
    } else if (h[345]) {
      snprintf(entry_name, sizeof entry_name, "%.155s/%.100s", (const char *)h + 345, (const char *)h);
    } else {
      snprintf(entry_name, sizeof entry_name, "%.100s", (const char *)h);
    }
    const char *plain = strncmp(entry_name, "./", 2) == 0 ? entry_name + 2 : entry_name;
    if (strcmp(plain, name) == 0) {
      if (content)
        *content = body;
      if (size)
        *size = (size_t)entry_size;
      if (type)
        *type = entry_type ? entry_type : '0';
      if (mode)
        *mode = (uint32_t)octal(h + 100, 8);
      if (link_target && link_cap)
        snprintf(link_target, link_cap, "%.100s", (const char *)h + 157);
      return true;
    }
    at = next;
  }
  return false;
}

/* width-1 octal digits, zero-padded, then a NUL (ustar numeric fields). */
static void put_octal(uint8_t *field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; value >>= 3)
    field[i] = (uint8_t)('0' + (value & 7));
}

uint8_t *conform_make_tar(const conform_tar_item *items, size_t n, size_t *len) {
  size_t cap = 1024;
  for (size_t i = 0; i < n; i++)
    cap += 512 + (items[i].type == '0' && items[i].text ? (strlen(items[i].text) + 511) / 512 * 512 : 0);
  uint8_t *tar = calloc(1, cap);
  if (tar == NULL)
    abort();
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t *h = tar + at;
    const conform_tar_item *it = &items[i];
    size_t body = it->type == '0' && it->text ? strlen(it->text) : 0;
    snprintf((char *)h, 100, "%s", it->name);
    put_octal(h + 100, 8, it->mode ? it->mode : it->type == '5' ? 0755 : 0644);
    put_octal(h + 108, 8, 0);
    put_octal(h + 116, 8, 0);
    put_octal(h + 124, 12, body);
    put_octal(h + 136, 12, 1700000000);
    h[156] = (uint8_t)it->type;
    if ((it->type == '1' || it->type == '2') && it->text)
      snprintf((char *)h + 157, 100, "%s", it->text);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int k = 0; k < 512; k++)
      sum += h[k];
    put_octal(h + 148, 7, sum); /* six digits and a NUL; the eighth byte stays ' ' */
    at += 512;
    if (body) {
      memcpy(tar + at, it->text, body);
      at += (body + 511) / 512 * 512;
    }
  }
  *len = at + 1024; /* two zero blocks end the archive */
  conform_defer(tar, free);
  return tar;
}
