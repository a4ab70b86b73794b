/* Log records the backends build alike: a LogChunk item of logs_stream,
 * and a container's LogEntry appended to a list. */
#include "core/log_records.h"

#include <string.h>

int ctrt__log_chunk_alloc(ctrt_log_chunk **out, ctrt_log_channel stream, size_t len, const ctrt_timestamp *ts) {
  *out = NULL;
  if (len >= SIZE_MAX - sizeof(ctrt_log_chunk))
    return ctrt__error_no_memory();
  ctrt_log_chunk *chunk = ctrt__malloc(sizeof *chunk + len + 1);
  CTRT__CHECK_ALLOC(chunk);
  *chunk = (ctrt_log_chunk)CTRT_LOG_CHUNK_INIT;
  chunk->stream = stream;
  /* Right after the struct: ctrt__clear_log_chunk knows them by that
   * address and leaves them to the chunk's own free. */
  chunk->data.data = (uint8_t *)(chunk + 1);
  chunk->data.len = len;
  chunk->data.data[len] = '\0';
  if (ts) {
    chunk->has_timestamp = true;
    chunk->timestamp = *ts;
  }
  *out = chunk;
  return 0;
}

int ctrt__log_chunk_new(ctrt_log_chunk **out, ctrt_log_channel stream, const void *data, size_t len,
                        const ctrt_timestamp *ts) {
  int rc = ctrt__log_chunk_alloc(out, stream, len, ts);
  if (rc == 0 && len > 0)
    memcpy((*out)->data.data, data, len);
  return rc;
}

int ctrt__exec_event_new(ctrt_exec_event **out, ctrt_exec_event_kind kind, const void *data, size_t len, int32_t code) {
  *out = NULL;
  ctrt_exec_event *ev = ctrt__malloc(sizeof *ev);
  CTRT__CHECK_ALLOC(ev);
  *ev = (ctrt_exec_event)CTRT_EXEC_EVENT_INIT;
  ev->kind = kind;
  if (kind == CTRT_EXEC_EVENT_EXIT)
    ev->exit = code;
  else if (ctrt__bytes_set(kind == CTRT_EXEC_EVENT_STDOUT ? &ev->stdout_ : &ev->stderr_, data, len) < 0) {
    ctrt__free(ev);
    return ctrt__error_no_memory();
  }
  *out = ev;
  return 0;
}

int ctrt__log_entry_append(ctrt_log_entry_list *list, size_t *cap, ctrt_output_stream stream, ctrt_timestamp ts,
                           const char *message, size_t len, const char *container, const char *service) {
  if (list->n_items == *cap) {
    size_t grown_cap = *cap ? *cap * 2 : 16;
    ctrt_log_entry *grown = ctrt__realloc(list->items, grown_cap * sizeof *grown);
    CTRT__CHECK_ALLOC(grown);
    list->items = grown;
    *cap = grown_cap;
  }
  ctrt_log_entry *e = &list->items[list->n_items++];
  *e = (ctrt_log_entry)CTRT_LOG_ENTRY_INIT;
  e->timestamp = ts;
  e->stream = stream;
  e->message = ctrt__strndup(message ? message : "", len);
  e->source.kind = CTRT_LOG_SOURCE_CONTAINER;
  e->source.container.id = ctrt__strdup(container);
  e->service = ctrt__strdup(service);
  if (e->message == NULL || e->source.container.id == NULL || e->service == NULL)
    return ctrt__error_no_memory();
  return 0;
}

bool ctrt__log_cap_fits(const ctrt_log_options *o, size_t n, uint64_t bytes, size_t len) {
  if (o == NULL)
    return true;
  if (o->has_max_lines && n >= o->max_lines)
    return false;
  return !o->has_max_bytes || (bytes <= o->max_bytes && len <= o->max_bytes - bytes);
}
