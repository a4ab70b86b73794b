/* SPDX-License-Identifier: MIT */
/* The mock's logs: a container's main process output becomes timestamped
 * records, one per line (a final line without '\n' is kept as is when the
 * process exits), like Docker's json-file logger; logs_stream follows them
 * until the container stops. */
#include "core/log_records.h"
#include "gen_internal.h"
#include "mock.h"

/* A container keeps at most this much log text; the oldest records go. */
#define LOG_BYTES_CAP (16u << 20)

static void add_record(mock_runtime *m, mock_container *c, ctrt_log_channel channel, const uint8_t *a, size_t a_len,
                       const uint8_t *b, size_t b_len) {
  uint8_t *data = ctrt__malloc(a_len + b_len);
  if (data == NULL)
    return; /* out of memory: the line is lost, the process goes on */
  if (a_len)
    memcpy(data, a, a_len);
  if (b_len)
    memcpy(data + a_len, b, b_len);
  /* evict the oldest: O(1), the slot stays behind logs until compaction */
  while (c->n_logs > 0 && c->log_bytes + a_len + b_len > LOG_BYTES_CAP) {
    c->log_bytes -= c->logs[0].data.len;
    ctrt__free(c->logs[0].data.data);
    c->logs++;
    c->n_logs--;
    c->cap_logs--;
  }
  if (c->n_logs == c->cap_logs) {
    size_t dead = (size_t)(c->logs - c->logs_base);
    if (dead > 0 && dead >= c->n_logs) {
      /* as many dead slots as live records: moving them is paid for by the
       * evictions that made the room */
      memmove(c->logs_base, c->logs, c->n_logs * sizeof *c->logs);
      c->logs = c->logs_base;
      c->cap_logs += dead;
    } else {
      /* Doubling: a record a line must not copy the array a line. */
      size_t cap = (dead + c->cap_logs) ? (dead + c->cap_logs) * 2 : 64;
      mock_log_record *grown = ctrt__realloc(c->logs_base, cap * sizeof *grown);
      if (grown == NULL) {
        ctrt__free(data);
        return;
      }
      c->logs_base = grown;
      c->logs = grown + dead;
      c->cap_logs = cap - dead;
    }
  }
  mock_log_record *r = &c->logs[c->n_logs++];
  r->channel = channel;
  r->data.data = data;
  r->data.len = a_len + b_len;
  r->timestamp = ctrt__timestamp_now();
  r->seq = ++c->log_seq;
  c->log_bytes += r->data.len;
  mock_broadcast(m);
}

void mock_log_append_process(mock_runtime *m, mock_process *p, ctrt_log_channel channel, const void *data, size_t len) {
  mock_container *c = p->container;
  int ch = channel == CTRT_LOG_CHANNEL_STDERR ? 2 : 1;
  const uint8_t *at = data;
  while (len > 0) {
    const uint8_t *nl = memchr(at, '\n', len);
    if (nl == NULL) {
      uint8_t *grown = ctrt__realloc(p->partial[ch], p->partial_len[ch] + len);
      if (grown == NULL)
        return;
      memcpy(grown + p->partial_len[ch], at, len);
      p->partial[ch] = grown;
      p->partial_len[ch] += len;
      return;
    }
    size_t line = (size_t)(nl - at) + 1;
    add_record(m, c, channel, p->partial[ch], p->partial_len[ch], at, line);
    p->partial_len[ch] = 0;
    at += line;
    len -= line;
  }
}

void mock_log_flush_partial(mock_runtime *m, mock_process *p) {
  for (int ch = 1; ch <= 2; ch++) {
    if (p->partial_len[ch] > 0)
      add_record(m, p->container, ch == 2 ? CTRT_LOG_CHANNEL_STDERR : CTRT_LOG_CHANNEL_STDOUT, p->partial[ch],
                 p->partial_len[ch], NULL, 0);
    p->partial_len[ch] = 0;
  }
}

/* Index of the first record with seq >= seq (records are contiguous). */
static size_t record_index(const mock_container *c, uint64_t seq) {
  if (c->n_logs == 0 || seq <= c->logs[0].seq)
    return 0;
  uint64_t offset = seq - c->logs[0].seq;
  return offset > c->n_logs ? c->n_logs : (size_t)offset;
}

static bool record_selected(const mock_log_record *r, const ctrt_logs_stream_options *o) {
  if (r->channel == CTRT_LOG_CHANNEL_STDOUT && !o->stdout_)
    return false;
  if (r->channel == CTRT_LOG_CHANNEL_STDERR && !o->stderr_)
    return false;
  if (o->has_since && r->timestamp.seconds < o->since)
    return false;
  if (o->has_until && (r->timestamp.seconds > o->until || (r->timestamp.seconds == o->until && r->timestamp.nanos > 0)))
    return false;
  return true;
}

/* The seq a stream starts at: after skipping all but the last `tail`
 * selected records. */
static uint64_t start_seq(const mock_container *c, const ctrt_logs_stream_options *o) {
  uint64_t first = c->n_logs ? c->logs[0].seq : c->log_seq + 1;
  if (!o->has_tail)
    return first;
  uint64_t wanted = o->tail;
  for (size_t i = c->n_logs; i-- > 0;) {
    if (!record_selected(&c->logs[i], o))
      continue;
    if (wanted == 0)
      return c->logs[i].seq + 1;
    wanted--;
  }
  return first;
}

/* ---- logs_stream ---- */

typedef struct logs_stream {
  mock_runtime *m;
  mock_container *c;
  ctrt_logs_stream_options opts;
  uint64_t next_seq;
  bool scripted_done;
  bool cancelled;
} logs_stream;

static int chunk_of(const mock_log_record *r, bool timestamps, void **item) {
  ctrt_log_chunk *chunk = ctrt__malloc(sizeof *chunk);
  CTRT__CHECK_ALLOC(chunk);
  *chunk = (ctrt_log_chunk)CTRT_LOG_CHUNK_INIT;
  chunk->stream = r->channel;
  if (ctrt__copy_bytes(&chunk->data, &r->data) < 0) {
    ctrt__free(chunk);
    return ctrt__error_no_memory();
  }
  if (timestamps) {
    chunk->has_timestamp = true;
    chunk->timestamp = r->timestamp;
  }
  *item = chunk;
  return 0;
}

static int logs_next(void *impl, void **item) {
  logs_stream *s = impl;
  mock_runtime *m = s->m;
  mock_container *c = s->c;
  int rc = CTRT_ITEROVER;
  /* a follow with nothing new for stream_idle_timeout_ms fails (silent peer) */
  uint64_t idle_at = m->stream_idle_ns ? mock_now_ns() + m->stream_idle_ns : 0;
  mock_lock(m);
  for (;;) {
    if (s->cancelled) {
      rc = ctrt__error_cancelled("the logs stream was cancelled");
      break;
    }
    if (!s->scripted_done) {
      mock_script_item scripted;
      if (mock_script_pop(m->log_scripts, m->n_log_scripts, c->display, &scripted)) {
        if (scripted.value) {
          *item = scripted.value;
          scripted.value = NULL;
          rc = 0;
        } else {
          rc = ctrt__error_set(scripted.error_kind, 0, "%s", scripted.error_message ? scripted.error_message : "");
        }
        mock_script_item_clear(&scripted, ctrt__logs_stream_item_free);
        break;
      }
      s->scripted_done = true;
    }
    size_t i = record_index(c, s->next_seq);
    while (i < c->n_logs && !record_selected(&c->logs[i], &s->opts))
      i++;
    if (i < c->n_logs) {
      s->next_seq = c->logs[i].seq + 1;
      rc = chunk_of(&c->logs[i], s->opts.timestamps, item);
      break;
    }
    s->next_seq = c->log_seq + 1;
    /* Follow while the container runs (and until `until`, if set). */
    bool past_until = s->opts.has_until && ctrt__timestamp_now().seconds > s->opts.until;
    if (!s->opts.follow || !mock_container_running(c) || c->removed || m->closing || past_until) {
      rc = CTRT_ITEROVER;
      break;
    }
    if (idle_at != 0 && mock_now_ns() >= idle_at) {
      char dur[32];
      snprintf(dur, sizeof dur, "%llums", (unsigned long long)(m->stream_idle_ns / 1000000u));
      ctrt__error_timeout(dur);
      rc = ctrt__error_wrap("logs of %s: nothing new for %s (stream_idle_timeout_ms)", c->display, dur);
      break;
    }
    uint64_t wake = s->opts.has_until ? mock_now_ns() + 1000000000u : 0;
    if (idle_at != 0 && (wake == 0 || idle_at < wake))
      wake = idle_at;
    mock_wait(m, wake);
  }
  mock_unlock(m);
  return rc;
}

static void logs_cancel(void *impl) {
  logs_stream *s = impl;
  mock_lock(s->m);
  s->cancelled = true;
  mock_broadcast(s->m);
  mock_unlock(s->m);
}

static void logs_destroy(void *impl) {
  logs_stream *s = impl;
  mock_lock(s->m);
  mock_container_unref(s->c);
  mock_unlock(s->m);
  ctrt__free(s);
}

static const ctrt__stream_vtable logs_vtable = {
    .next = logs_next,
    .cancel = logs_cancel,
    .destroy = logs_destroy,
};

int mock_logs_stream(void *self, ctrt_logs_stream **out, const ctrt_container_id *id,
                     const ctrt_logs_stream_options *options) {
  mock_runtime *m = self;
  logs_stream *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc = c == NULL ? ctrt__error_code()
           : !options->stdout_ && !options->stderr_
               ? ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 400, "You must choose at least one stream")
               : 0;
  if (rc < 0) {
    mock_unlock(m);
    ctrt__free(s);
    return rc;
  }
  mock_container_ref(c);
  s->m = m;
  s->c = c;
  s->opts = *options; /* only scalars: no deep copy needed */
  s->next_seq = start_seq(c, options);
  mock_unlock(m);
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_new(&stream, &logs_vtable, s, ctrt__logs_stream_item_free);
  *out = (ctrt_logs_stream *)stream;
  return rc;
}

/* ---- container_logs / get_logs ---- */

static int entries(mock_runtime *m, ctrt_log_entry_list **out, const ctrt_container_id *id, bool has_tail,
                   uint64_t tail, const ctrt_log_options *cap) {
  ctrt_log_entry_list *list = ctrt__malloc(sizeof *list);
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_log_entry_list)CTRT_LOG_ENTRY_LIST_INIT;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc = 0;
  if (c == NULL) {
    rc = ctrt__error_code();
    goto done;
  }
  size_t first = has_tail && tail < c->n_logs ? c->n_logs - (size_t)tail : 0;
  if (c->n_logs > first && (list->items = ctrt__calloc(c->n_logs - first, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  uint64_t bytes = 0;
  for (size_t i = first; i < c->n_logs; i++) {
    const mock_log_record *r = &c->logs[i];
    size_t len = r->data.len;
    if (len > 0 && r->data.data[len - 1] == '\n')
      len--;
    if (!ctrt__log_cap_fits(cap, list->n_items, bytes, len))
      break;
    bytes += len;
    ctrt_log_entry *e = &list->items[list->n_items++];
    *e = (ctrt_log_entry)CTRT_LOG_ENTRY_INIT;
    e->timestamp = r->timestamp;
    e->stream = r->channel == CTRT_LOG_CHANNEL_STDERR ? CTRT_OUTPUT_STREAM_STDERR : CTRT_OUTPUT_STREAM_STDOUT;
    e->message = ctrt__strndup((const char *)r->data.data, len);
    e->source.kind = CTRT_LOG_SOURCE_CONTAINER;
    e->source.container.id = ctrt__strdup(c->display);
    e->service = ctrt__strdup(c->id->service);
    if (!e->message || !e->source.container.id || !e->service) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  *out = list;
  list = NULL;
done:
  mock_unlock(m);
  ctrt_log_entry_list_free(list);
  return rc;
}

int mock_container_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id, uint64_t tail) {
  return entries(self, out, id, true, tail, NULL);
}

int mock_get_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id, const ctrt_log_options *options) {
  return entries(self, out, id, false, 0, options);
}
