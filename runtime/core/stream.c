/* SPDX-License-Identifier: MIT */
/* The machinery behind every stream: a small object around a backend's
 * producer (vtable + state) that enforces the contract of ctrt/streams.h:
 * an error item ends the stream, cancellation wins over late items, and
 * close always frees everything. */
#include "gen_internal.h"

struct ctrt__stream {
  const ctrt__stream_vtable *vt;
  void *impl;
  void (*item_free)(void *);
  atomic_bool cancelled;
  bool finished;
  ctrt_runtime *owner; /* kept alive while the stream is open */
};

void ctrt__stream_hold_runtime(ctrt__stream *stream, ctrt_runtime *rt) {
  if (stream != NULL && stream->owner == NULL)
    stream->owner = ctrt__runtime_ref(rt);
}

int ctrt__stream_new(ctrt__stream **out, const ctrt__stream_vtable *vt, void *impl, void (*item_free)(void *)) {
  *out = NULL;
  ctrt__stream *s = ctrt__calloc(1, sizeof *s);
  if (s == NULL) {
    if (vt->destroy)
      vt->destroy(impl);
    return ctrt__error_no_memory();
  }
  s->vt = vt;
  s->impl = impl;
  s->item_free = item_free;
  atomic_init(&s->cancelled, false);
  *out = s;
  return 0;
}

bool ctrt__stream_cancelled(const ctrt__stream *stream) { return atomic_load(&stream->cancelled); }

static int cancelled_error(void) { return ctrt__error_cancelled("the stream was cancelled by its consumer"); }

/* A producer that fails with a bare code broke its contract (an error item
 * carries a message): report that rather than an error without a record. */
static int bare_failure(int rc) {
  return ctrt__error_internal("the stream failed without setting an error (it returned %d)", rc);
}

int ctrt__stream_next(void **item, ctrt__stream *s) {
  ctrt_error_clear();
  *item = NULL;
  CTRT__CHECK_ARG(s->vt->next != NULL, "this is a byte stream: use its _read function");
  if (atomic_load(&s->cancelled))
    return cancelled_error();
  if (s->finished)
    return CTRT_ITEROVER;
  void *produced = NULL;
  int rc = s->vt->next(s->impl, &produced);
  if (atomic_load(&s->cancelled)) {
    if (produced && s->item_free)
      s->item_free(produced);
    s->finished = true;
    return cancelled_error();
  }
  if (rc < 0) {
    s->finished = true;
    if (produced && s->item_free)
      s->item_free(produced);
    if (rc == CTRT_ITEROVER)
      ctrt_error_clear();
    else if (ctrt_error_last()->kind == CTRT_ERROR_NONE)
      return bare_failure(rc);
    return rc;
  }
  if (produced == NULL) {
    s->finished = true;
    return ctrt__error_internal("the stream produced no item and no error");
  }
  *item = produced;
  return 0;
}

int ctrt__stream_read(ctrt__stream *s, void *buf, size_t cap, size_t *n_read) {
  ctrt_error_clear();
  *n_read = 0;
  CTRT__CHECK_ARG(s->vt->read != NULL, "this is a typed stream: use its _next function");
  if (atomic_load(&s->cancelled))
    return cancelled_error();
  if (s->finished)
    return CTRT_ITEROVER;
  CTRT__CHECK_ARG(cap != 0, "read buffer of zero bytes");
  int rc = s->vt->read(s->impl, buf, cap, n_read);
  if (atomic_load(&s->cancelled)) {
    *n_read = 0;
    s->finished = true;
    return cancelled_error();
  }
  if (rc < 0) {
    *n_read = 0;
    s->finished = true;
    if (rc == CTRT_ITEROVER)
      ctrt_error_clear();
    else if (ctrt_error_last()->kind == CTRT_ERROR_NONE)
      return bare_failure(rc);
    return rc;
  }
  if (*n_read == 0) {
    s->finished = true;
    return ctrt__error_internal("the stream read no bytes and reported no end");
  }
  return 0;
}

void ctrt__stream_cancel(ctrt__stream *s) {
  if (s == NULL)
    return;
  if (!atomic_exchange(&s->cancelled, true) && s->vt->cancel)
    s->vt->cancel(s->impl);
}

void ctrt__stream_close(ctrt__stream *s) {
  if (s == NULL)
    return;
  ctrt__stream_cancel(s);
  if (s->vt->destroy)
    s->vt->destroy(s->impl);
  /* after the producer: it may use its backend until destroyed */
  ctrt__runtime_unref(s->owner);
  ctrt__free(s);
}

/* ---- A stream over items produced up front ---- */

typedef struct item_list {
  void **items;
  size_t n, next;
  void (*item_free)(void *);
  int final_error;
  char *final_message;
} item_list;

static int item_list_next(void *impl, void **item) {
  item_list *l = impl;
  if (l->next < l->n) {
    *item = l->items[l->next];
    l->items[l->next++] = NULL;
    return 0;
  }
  if (l->final_error < 0) {
    int rc = ctrt__error_set((ctrt_error_kind)(-l->final_error), 0, "%s", l->final_message ? l->final_message : "");
    l->final_error = 0;
    return rc;
  }
  return CTRT_ITEROVER;
}

static void item_list_destroy(void *impl) {
  item_list *l = impl;
  for (size_t i = l->next; i < l->n; i++)
    if (l->items[i] && l->item_free)
      l->item_free(l->items[i]);
  ctrt__free(l->items);
  ctrt__free(l->final_message);
  ctrt__free(l);
}

static const ctrt__stream_vtable item_list_vtable = {
    .next = item_list_next,
    .destroy = item_list_destroy,
};

int ctrt__stream_from_items(ctrt__stream **out, void **items, size_t n, void (*item_free)(void *), int final_error,
                            const char *final_message) {
  *out = NULL;
  item_list *l = ctrt__calloc(1, sizeof *l);
  char *message = final_message ? ctrt__strdup(final_message) : NULL;
  if (l == NULL || (final_message && message == NULL)) {
    for (size_t i = 0; i < n; i++)
      if (items[i] && item_free)
        item_free(items[i]);
    ctrt__free(items);
    ctrt__free(l);
    ctrt__free(message);
    return ctrt__error_no_memory();
  }
  l->items = items;
  l->n = n;
  l->item_free = item_free;
  l->final_error = final_error;
  l->final_message = message;
  return ctrt__stream_new(out, &item_list_vtable, l, item_free);
}
