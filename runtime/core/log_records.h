/* Output records shared by the backends: log records for those that read a
 * log themselves (docker, cri), exec events for every exec_stream. Kept out of core/internal.h, which the generated
 * code (and the generator's fixture spec) includes: these name the interface's log types. */
#ifndef CTRT_CORE_LOG_RECORDS_H
#define CTRT_CORE_LOG_RECORDS_H

#include "gen_internal.h"

/* A new LogChunk with room for len bytes (and a NUL after them, set) in its
 * own allocation (LogChunk.data is `storage: trailing`): one malloc per
 * chunk. The caller fills chunk->data.data; ts NULL: without a timestamp. */
int ctrt__log_chunk_alloc(ctrt_log_chunk **out, ctrt_log_channel stream, size_t len, const ctrt_timestamp *ts);
/* As ctrt__log_chunk_alloc, filled with a copy of data. */
int ctrt__log_chunk_new(ctrt_log_chunk **out, ctrt_log_channel stream, const void *data, size_t len,
                        const ctrt_timestamp *ts);
/* A new ExecEvent: kind EXIT carries code; STDOUT or STDERR a copy of the
 * len bytes at data (exact bytes, NULs kept). */
int ctrt__exec_event_new(ctrt_exec_event **out, ctrt_exec_event_kind kind, const void *data, size_t len, int32_t code);
/* Append a LogEntry of a container's output to list, whose array holds *cap
 * entries (grown by doubling); on failure the entry stays in the list for
 * its _free. */
int ctrt__log_entry_append(ctrt_log_entry_list *list, size_t *cap, ctrt_output_stream stream, ctrt_timestamp ts,
                           const char *message, size_t len, const char *container, const char *service);

/* Whether get_logs keeps one more entry of len message bytes under the caps
 * of o (NULL: none), n entries of bytes message bytes being kept so far. A
 * reader stops at the first entry that does not fit, so the kept entries
 * are the oldest, in order. */
bool ctrt__log_cap_fits(const ctrt_log_options *o, size_t n, uint64_t bytes, size_t len);

#endif
