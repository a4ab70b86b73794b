/* The CRI container log file: what a CRI runtime (containerd, CRI-O)
 * writes at <log_directory>/<log_path>, one line per chunk of output:
 *
 *   2026-12-06T20:58:37.33906968Z stdout F hello
 *   2026-12-06T20:58:38.364733948Z stdout P partial
 *
 * RFC3339Nano time, stream, F (the message ends here) or P (a partial line:
 * the message continues in the next line of the same stream; long lines are
 * cut at max_container_log_line_size and text without a newline ends as P),
 * then the bytes. A reader reassembles messages, applies the logs_stream
 * options (since/until/tail/stdout/stderr) and, with follow, waits for the
 * file to grow (inotify, with a polling fallback) until it is told that the
 * container exited or is cancelled. It survives rotation (the file renamed
 * and recreated, as kubelet does before ReopenContainerLog), truncation, and
 * lines that are garbage or cut short. Internal API: no CRI transport here. */
#ifndef CTRT_BACKENDS_CRI_LOG_H
#define CTRT_BACKENDS_CRI_LOG_H

#include "gen_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of the file, parsed (pointers into the caller's text). */
typedef struct ctrt__cri_log_line {
  ctrt_timestamp timestamp;
  ctrt_log_channel stream; /* stdout or stderr */
  bool partial;            /* P */
  const char *message;     /* without the line's '\n' */
  size_t len;
} ctrt__cri_log_line;

/* Parse one line (text[0..len), without its '\n'): true, or false when it
 * is not a CRI log line (no error is set). */
bool ctrt__cri_log_parse_line(const char *text, size_t len, ctrt__cri_log_line *out);

/* A reassembled message. data is the reader's until the next call. */
typedef struct ctrt__cri_log_record {
  ctrt_log_channel stream;
  ctrt_timestamp timestamp; /* of its first part */
  const uint8_t *data;      /* the message, with '\n' when complete */
  size_t len;
  bool complete; /* ended by an F line (else the log ended in a partial line) */
} ctrt__cri_log_record;

/* While following at the end of the file: does the container still run?
 * Asked every poll interval; false ends the stream once the file is read
 * to its end. */
typedef bool (*ctrt__cri_log_running_fn)(void *ctx);

typedef struct ctrt__cri_log_config {
  ctrt_logs_stream_options options; /* follow, tail, since, until, timestamps, stdout, stderr */
  ctrt__cri_log_running_fn running; /* optional, see ctrt__cri_log_exited */
  void *running_ctx;
  /* Optional: the reader owns running_ctx from ctrt__cri_log_open on (also
   * when it fails) and frees it with this. */
  void (*running_ctx_free)(void *ctx);
  unsigned poll_ms; /* how often to ask `running` and look at the file; 0: 250 */
  /* Following: a read that finds nothing new in the file for this long
   * fails with CTRT_ETIMEOUT (ctrt_open_options.stream_idle_timeout_ms);
   * 0: none. */
  unsigned idle_ms;
} ctrt__cri_log_config;

typedef struct ctrt__cri_log_reader ctrt__cri_log_reader;

/* Open the log at path. A file that does not exist yet is an empty log (a
 * created container has none); with follow the reader waits for it. Fails
 * with CTRT_EINVALID_SPEC when neither stdout nor stderr is selected. */
int ctrt__cri_log_open(ctrt__cri_log_reader **out, const char *path, const ctrt__cri_log_config *config);

/* The next selected message: 0, CTRT_ITEROVER at the end, or a negative
 * code (CTRT_ECANCELLED after ctrt__cri_log_cancel). May block with follow. */
int ctrt__cri_log_next(ctrt__cri_log_reader *r, ctrt__cri_log_record *record);

/* The container exited: a following reader ends once the file is read to
 * its end. From any thread. */
void ctrt__cri_log_exited(ctrt__cri_log_reader *r);

/* Make a blocked or later ctrt__cri_log_next return CTRT_ECANCELLED. From
 * any thread. */
void ctrt__cri_log_cancel(ctrt__cri_log_reader *r);

/* Lines that were not CRI log lines and were skipped, so far. */
size_t ctrt__cri_log_garbage_lines(const ctrt__cri_log_reader *r);

void ctrt__cri_log_free(ctrt__cri_log_reader *r);

/* logs_stream over a reader (which the stream owns from now on, also on
 * failure): one LogChunk per message, timestamped when options.timestamps. */
int ctrt__cri_log_stream(ctrt_logs_stream **out, ctrt__cri_log_reader *r);

/* container_logs (has_tail) and get_logs: the messages of the file as
 * LogEntry lines (without '\n'), source the container id, service id's;
 * cap: get_logs' caps (NULL: none), reading stops at the first that does
 * not fit. */
int ctrt__cri_log_entries(ctrt_log_entry_list **out, const char *path, const ctrt_container_id *id, bool has_tail,
                          uint64_t tail, const ctrt_log_options *cap);

#endif
