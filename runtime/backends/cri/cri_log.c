/* The CRI log-file reader (see cri_log.h). */
#include "backends/cri/cri_log.h"
#include "core/log_records.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK ((size_t)64 * 1024)
/* A raw line longer than this is no CRI log line (containerd cuts messages
 * at max_container_log_line_size, 16 KiB by default): skipped. */
#define LINE_MAX_BYTES ((size_t)1 << 20)
#define DEFAULT_POLL_MS 250u

typedef struct pending {
  uint8_t *data;
  size_t len, cap;
  bool open; /* a message of this stream has begun (P lines seen) */
  ctrt_timestamp ts;
} pending;

struct ctrt__cri_log_reader {
  char *path;
  ctrt__cri_log_config cfg;
  int fd; /* -1 while the file does not exist */
  dev_t dev;
  ino_t ino;
  off_t offset; /* bytes read from fd */
  int inotify_fd, wake_fd;
  atomic_bool cancelled, exited;
  bool exit_seen; /* exited was observed: the next end of file ends the log */
  bool rotated;   /* a new file is at path: drain the old one, then switch */
  bool at_end;    /* no more lines will come: flush what is pending */
  bool skipping;  /* inside a line longer than LINE_MAX_BYTES */
  char *buf;      /* read but not yet split into lines: buf[0..len) */
  size_t len, cap;
  pending pend[2]; /* stdout, stderr */
  int handed;      /* index of the pending handed out by the last next, or -1 */
  uint64_t skip;   /* selected messages still to skip (tail) */
  size_t garbage;
  int64_t wait_start; /* ms: when the current read began or last got bytes */
};

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int stream_index(ctrt_log_channel c) { return c == CTRT_LOG_CHANNEL_STDERR ? 1 : 0; }

/* ---- parsing ---- */

bool ctrt__cri_log_parse_line(const char *text, size_t len, ctrt__cri_log_line *out) {
  const char *sp = memchr(text, ' ', len);
  char stamp[64];
  size_t ts_len = sp ? (size_t)(sp - text) : 0;
  if (ts_len < 20 || ts_len >= sizeof stamp)
    return false;
  memcpy(stamp, text, ts_len);
  stamp[ts_len] = '\0';
  if (ctrt__timestamp_parse(&out->timestamp, stamp) < 0) {
    ctrt_error_clear();
    return false;
  }
  const char *p = sp + 1, *end = text + len;
  if ((size_t)(end - p) >= 7 && memcmp(p, "stdout ", 7) == 0)
    out->stream = CTRT_LOG_CHANNEL_STDOUT;
  else if ((size_t)(end - p) >= 7 && memcmp(p, "stderr ", 7) == 0)
    out->stream = CTRT_LOG_CHANNEL_STDERR;
  else
    return false;
  p += 7;
  /* The tags: ':'-separated, the first one F or P (CRI's LogTag). */
  if (p == end || (*p != 'F' && *p != 'P') || (p + 1 < end && p[1] != ' ' && p[1] != ':'))
    return false;
  out->partial = *p == 'P';
  while (p < end && *p != ' ')
    p++;
  if (p < end)
    p++; /* the space before the message; "TS stdout F" alone is an empty line */
  out->message = p;
  out->len = (size_t)(end - p);
  return true;
}

/* ---- the file ---- */

static int open_file(ctrt__cri_log_reader *r) {
  int fd = open(r->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0; /* not yet written: an empty log */
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "cannot open the CRI log file %s: %s", r->path, strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "cannot stat the CRI log file %s: %s", r->path, strerror(e));
  }
  if (r->fd >= 0)
    close(r->fd);
  r->fd = fd;
  r->dev = st.st_dev;
  r->ino = st.st_ino;
  r->offset = 0;
  r->len = 0;
  r->skipping = false;
  return 0;
}

/* Read more of the file into buf: 1 with bytes, 0 at its end. */
static int fill(ctrt__cri_log_reader *r) {
  if (r->fd < 0)
    return 0;
  if (r->cap - r->len < READ_CHUNK) {
    size_t cap = r->cap ? r->cap * 2 : 2 * READ_CHUNK;
    while (cap - r->len < READ_CHUNK)
      cap *= 2;
    char *grown = ctrt__realloc(r->buf, cap);
    CTRT__CHECK_ALLOC(grown);
    r->buf = grown;
    r->cap = cap;
  }
  ssize_t n;
  do
    n = read(r->fd, r->buf + r->len, READ_CHUNK);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "reading the CRI log file %s: %s", r->path, strerror(errno));
  r->len += (size_t)n;
  r->offset += n;
  return n > 0;
}

/* At the end of the file: a new file at path (rotation), the file cut
 * short (truncation), or a file that has appeared. 1 when reading goes on. */
static int check_file(ctrt__cri_log_reader *r) {
  struct stat st;
  if (r->rotated) {
    /* The old file is read to its end: the new one starts from 0. */
    r->rotated = false;
    int rc = open_file(r);
    return rc < 0 ? rc : 1;
  }
  if (stat(r->path, &st) < 0)
    return 0; /* absent, or moved away and not recreated yet: keep the old one */
  if (r->fd < 0) {
    int rc = open_file(r);
    return rc < 0 ? rc : r->fd >= 0;
  }
  if (st.st_dev != r->dev || st.st_ino != r->ino) {
    /* Writes to the old file may have come after our last read: drain it. */
    r->rotated = true;
    return 1;
  }
  if (st.st_size < r->offset) {
    if (lseek(r->fd, 0, SEEK_SET) < 0)
      return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "rewinding the truncated CRI log file %s: %s", r->path,
                             strerror(errno));
    r->offset = 0;
    r->len = 0;
    r->skipping = false;
    return 1;
  }
  return 0;
}

/* ---- messages ---- */

static bool selected(const ctrt__cri_log_reader *r, ctrt_log_channel stream, const ctrt_timestamp *ts) {
  const ctrt_logs_stream_options *o = &r->cfg.options;
  if ((stream == CTRT_LOG_CHANNEL_STDOUT && !o->stdout_) || (stream == CTRT_LOG_CHANNEL_STDERR && !o->stderr_))
    return false;
  if (o->has_since && ts->seconds < o->since)
    return false;
  if (o->has_until && (ts->seconds > o->until || (ts->seconds == o->until && ts->nanos > 0)))
    return false;
  return true;
}

static int pending_append(pending *p, const void *data, size_t len) {
  if (p->len + len > p->cap) {
    size_t cap = p->cap ? p->cap : 256;
    while (cap < p->len + len)
      cap *= 2;
    uint8_t *grown = ctrt__realloc(p->data, cap);
    CTRT__CHECK_ALLOC(grown);
    p->data = grown;
    p->cap = cap;
  }
  if (len)
    memcpy(p->data + p->len, data, len);
  p->len += len;
  return 0;
}

/* Hand out the pending message of stream i: 1 when it is selected (and not
 * skipped for tail), 0 when it was dropped. */
static int hand_out(ctrt__cri_log_reader *r, int i, bool complete, ctrt__cri_log_record *rec) {
  pending *p = &r->pend[i];
  ctrt_log_channel stream = i ? CTRT_LOG_CHANNEL_STDERR : CTRT_LOG_CHANNEL_STDOUT;
  p->open = false;
  if (!selected(r, stream, &p->ts)) {
    p->len = 0;
    return 0;
  }
  if (r->skip > 0) {
    r->skip--;
    p->len = 0;
    return 0;
  }
  rec->stream = stream;
  rec->timestamp = p->ts;
  rec->data = p->data ? p->data : (const uint8_t *)"";
  rec->len = p->len;
  rec->complete = complete;
  r->handed = i;
  return 1;
}

/* One line (without '\n'): 1 with a record, 0 without, or an error. */
static int take_line(ctrt__cri_log_reader *r, const char *text, size_t len, ctrt__cri_log_record *rec) {
  ctrt__cri_log_line line;
  if (!ctrt__cri_log_parse_line(text, len, &line)) {
    r->garbage++;
    return 0;
  }
  const ctrt_logs_stream_options *o = &r->cfg.options;
  if ((line.stream == CTRT_LOG_CHANNEL_STDOUT && !o->stdout_) ||
      (line.stream == CTRT_LOG_CHANNEL_STDERR && !o->stderr_))
    return 0;
  int i = stream_index(line.stream);
  pending *p = &r->pend[i];
  if (!p->open) {
    p->open = true;
    p->len = 0;
    p->ts = line.timestamp;
  }
  int rc;
  if ((rc = pending_append(p, line.message, line.len)) < 0)
    return rc;
  if (line.partial)
    return 0;
  if ((rc = pending_append(p, "\n", 1)) < 0)
    return rc;
  return hand_out(r, i, true, rec);
}

/* The next whole line of buf, consumed: 1 with a record, 0 when buf holds
 * no whole line (or only dropped ones), or an error. */
static int next_buffered(ctrt__cri_log_reader *r, ctrt__cri_log_record *rec) {
  size_t start = 0;
  int rc = 0;
  while (rc == 0 && start < r->len) { /* buf is NULL until the first read */
    char *nl = memchr(r->buf + start, '\n', r->len - start);
    if (nl == NULL) {
      if (r->len - start > LINE_MAX_BYTES) {
        r->skipping = true; /* a runaway line: drop it up to its '\n' */
        r->garbage++;
        start = r->len;
      }
      break;
    }
    size_t end = (size_t)(nl - r->buf);
    if (r->skipping)
      r->skipping = false;
    else
      rc = take_line(r, r->buf + start, end - start, rec);
    start = end + 1;
  }
  if (start > 0) {
    /* rec may point into pend[], never into buf: buf can move. */
    memmove(r->buf, r->buf + start, r->len - start);
    r->len -= start;
  }
  return rc;
}

/* The end of the log: the last line if it has no '\n' (a write cut
 * short), then what partial messages are left. */
static int next_final(ctrt__cri_log_reader *r, ctrt__cri_log_record *rec) {
  if (r->len > 0) {
    size_t len = r->len;
    r->len = 0;
    int rc = r->skipping ? 0 : take_line(r, r->buf, len, rec);
    r->skipping = false;
    if (rc != 0)
      return rc;
  }
  for (int i = 0; i < 2; i++)
    if (r->pend[i].open && hand_out(r, i, false, rec))
      return 1;
  return 0;
}

/* ---- waiting ---- */

static void wake(ctrt__cri_log_reader *r) {
  if (r->wake_fd >= 0) {
    uint64_t one = 1;
    ssize_t n = write(r->wake_fd, &one, sizeof one);
    (void)n; /* a full counter wakes the reader all the same */
  }
}

static void watch_start(ctrt__cri_log_reader *r) {
  r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  r->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (r->inotify_fd < 0)
    return; /* polling alone */
  /* The directory: writes to the file, and a file created or renamed in
   * its place (rotation). */
  char *copy = ctrt__strdup(r->path);
  if (copy == NULL || inotify_add_watch(r->inotify_fd, dirname(copy),
                                        IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                            IN_DELETE | IN_ATTRIB) < 0) {
    close(r->inotify_fd);
    r->inotify_fd = -1;
  }
  ctrt__free(copy);
  ctrt_error_clear();
}

/* Wait for the file to change, a wake-up, or the poll interval. */
static void wait_change(ctrt__cri_log_reader *r) {
  struct pollfd fds[2];
  nfds_t n = 0;
  if (r->wake_fd >= 0)
    fds[n++] = (struct pollfd){.fd = r->wake_fd, .events = POLLIN};
  if (r->inotify_fd >= 0)
    fds[n++] = (struct pollfd){.fd = r->inotify_fd, .events = POLLIN};
  int64_t timeout = r->cfg.poll_ms ? r->cfg.poll_ms : DEFAULT_POLL_MS;
  if (r->cfg.idle_ms) {
    int64_t left = r->wait_start + r->cfg.idle_ms - mono_ms();
    timeout = left < 0 ? 0 : left < timeout ? left : timeout;
  }
  int rc = poll(fds, n, (int)timeout);
  if (rc > 0 && r->inotify_fd >= 0) {
    char events[4096];
    while (read(r->inotify_fd, events, sizeof events) > 0) {
    }
  }
}

/* At the end of the file while following: false when the log is over. */
static bool keep_following(ctrt__cri_log_reader *r) {
  const ctrt_logs_stream_options *o = &r->cfg.options;
  if (!o->follow || r->exit_seen)
    return false;
  if (o->has_until && ctrt__timestamp_now().seconds > o->until)
    return false;
  if (!atomic_load(&r->exited) && r->cfg.running && !r->cfg.running(r->cfg.running_ctx))
    atomic_store(&r->exited, true);
  if (atomic_load(&r->exited)) {
    /* Whatever was written before the exit is in the file now: read it to
     * its end once more, then stop. */
    r->exit_seen = true;
    return true;
  }
  if (r->cfg.idle_ms && mono_ms() - r->wait_start >= r->cfg.idle_ms)
    return true; /* the caller reports the idle timeout */
  wait_change(r);
  return true;
}

/* ---- the reader ---- */

int ctrt__cri_log_next(ctrt__cri_log_reader *r, ctrt__cri_log_record *rec) {
  if (r->handed >= 0) {
    r->pend[r->handed].len = 0;
    r->handed = -1;
  }
  r->wait_start = mono_ms(); /* a slow reader is not an idle log */
  for (;;) {
    if (atomic_load(&r->cancelled))
      return ctrt__error_cancelled("the CRI log stream of %s was cancelled", r->path);
    int rc = r->at_end ? next_final(r, rec) : next_buffered(r, rec);
    if (rc < 0)
      return rc;
    if (rc > 0)
      return 0;
    if (r->at_end)
      return CTRT_ITEROVER;
    if ((rc = fill(r)) < 0)
      return rc;
    if (rc > 0) {
      r->wait_start = mono_ms();
      continue;
    }
    if ((rc = check_file(r)) < 0)
      return rc;
    if (rc > 0)
      continue;
    if (!keep_following(r))
      r->at_end = true;
    else if (!r->exit_seen && r->cfg.idle_ms && mono_ms() - r->wait_start >= r->cfg.idle_ms)
      return ctrt__error_set(CTRT_ERROR_TIMEOUT, 0, "the CRI log %s: nothing new for %u ms (stream_idle_timeout_ms)",
                             r->path, r->cfg.idle_ms);
  }
}

int ctrt__cri_log_open(ctrt__cri_log_reader **out, const char *path, const ctrt__cri_log_config *config) {
  *out = NULL;
  bool some_stream = config->options.stdout_ || config->options.stderr_;
  ctrt__cri_log_reader *r = some_stream ? ctrt__calloc(1, sizeof *r) : NULL;
  if (r == NULL) {
    if (config->running_ctx_free != NULL) /* the reader owns it, also on failure */
      config->running_ctx_free(config->running_ctx);
    return some_stream ? ctrt__error_no_memory()
                       : ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 400, "You must choose at least one stream");
  }
  r->fd = r->inotify_fd = r->wake_fd = -1;
  r->handed = -1;
  r->cfg = *config; /* scalars, and the callback context it now owns */
  atomic_init(&r->cancelled, false);
  atomic_init(&r->exited, false);
  int rc;
  if ((r->path = ctrt__strdup(path)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = open_file(r)) < 0)
    goto done;
  if (config->options.has_tail) {
    /* Count the selected messages there are now, to skip all but the last
     * `tail` of them. */
    ctrt__cri_log_config count_cfg = *config;
    count_cfg.options.follow = false;
    count_cfg.options.has_tail = false;
    count_cfg.running = NULL; /* the counter reads what is there, and owns nothing */
    count_cfg.running_ctx = NULL;
    count_cfg.running_ctx_free = NULL;
    ctrt__cri_log_reader *counter = NULL;
    uint64_t total = 0;
    ctrt__cri_log_record rec = {0};
    if ((rc = ctrt__cri_log_open(&counter, path, &count_cfg)) == 0)
      while ((rc = ctrt__cri_log_next(counter, &rec)) == 0)
        total++;
    ctrt__cri_log_free(counter);
    if (rc != CTRT_ITEROVER)
      goto done;
    r->skip = total > config->options.tail ? total - config->options.tail : 0;
  }
  if (config->options.follow)
    watch_start(r);
  *out = r;
  r = NULL;
  rc = 0;
done:
  ctrt__cri_log_free(r);
  return rc;
}

void ctrt__cri_log_exited(ctrt__cri_log_reader *r) {
  atomic_store(&r->exited, true);
  wake(r);
}

void ctrt__cri_log_cancel(ctrt__cri_log_reader *r) {
  atomic_store(&r->cancelled, true);
  wake(r);
}

size_t ctrt__cri_log_garbage_lines(const ctrt__cri_log_reader *r) { return r->garbage; }

void ctrt__cri_log_free(ctrt__cri_log_reader *r) {
  if (r == NULL)
    return;
  if (r->fd >= 0)
    close(r->fd);
  if (r->inotify_fd >= 0)
    close(r->inotify_fd);
  if (r->wake_fd >= 0)
    close(r->wake_fd);
  for (int i = 0; i < 2; i++)
    ctrt__free(r->pend[i].data);
  ctrt__free(r->buf);
  ctrt__free(r->path);
  if (r->cfg.running_ctx_free != NULL)
    r->cfg.running_ctx_free(r->cfg.running_ctx);
  ctrt__free(r);
}

/* ---- logs_stream ---- */

static int stream_next(void *impl, void **item) {
  ctrt__cri_log_reader *r = impl;
  ctrt__cri_log_record rec = {0}; /* the analyzer cannot see error setters return < 0 */
  int rc = ctrt__cri_log_next(r, &rec);
  if (rc < 0)
    return rc;
  return ctrt__log_chunk_new((ctrt_log_chunk **)item, rec.stream, rec.data, rec.len,
                             r->cfg.options.timestamps ? &rec.timestamp : NULL);
}

static void stream_cancel(void *impl) { ctrt__cri_log_cancel(impl); }

static void stream_destroy(void *impl) { ctrt__cri_log_free(impl); }

static const ctrt__stream_vtable stream_vtable = {
    .next = stream_next,
    .cancel = stream_cancel,
    .destroy = stream_destroy,
};

int ctrt__cri_log_stream(ctrt_logs_stream **out, ctrt__cri_log_reader *r) {
  ctrt__stream *stream = NULL;
  int rc = ctrt__stream_new(&stream, &stream_vtable, r, ctrt__logs_stream_item_free);
  *out = (ctrt_logs_stream *)stream;
  return rc;
}

/* ---- container_logs, get_logs ---- */

/* CTRT_ITEROVER when the entry does not fit within limit: the read stops. */
static int add_entry(ctrt_log_entry_list *list, size_t *cap, const ctrt__cri_log_record *rec, const char *display,
                     const char *service, const ctrt_log_options *limit, uint64_t bytes) {
  size_t len = rec->len;
  if (rec->complete && len > 0)
    len--; /* the message without its '\n' */
  if (!ctrt__log_cap_fits(limit, list->n_items, bytes, len))
    return CTRT_ITEROVER;
  return ctrt__log_entry_append(
      list, cap, rec->stream == CTRT_LOG_CHANNEL_STDERR ? CTRT_OUTPUT_STREAM_STDERR : CTRT_OUTPUT_STREAM_STDOUT,
      rec->timestamp, (const char *)rec->data, len, display, service);
}

int ctrt__cri_log_entries(ctrt_log_entry_list **out, const char *path, const ctrt_container_id *id, bool has_tail,
                          uint64_t tail, const ctrt_log_options *cap) {
  *out = NULL;
  ctrt__cri_log_config cfg = {.options = CTRT_LOGS_STREAM_OPTIONS_INIT};
  cfg.options.has_tail = has_tail;
  cfg.options.tail = tail;
  char *display = NULL;
  ctrt__cri_log_reader *r = NULL;
  ctrt_log_entry_list *list = ctrt__malloc(sizeof *list);
  int rc;
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_log_entry_list)CTRT_LOG_ENTRY_LIST_INIT;
  if ((rc = ctrt_container_id_format(&display, id)) < 0 || (rc = ctrt__cri_log_open(&r, path, &cfg)) < 0)
    goto done;
  size_t n_alloc = 0;
  uint64_t bytes = 0;
  ctrt__cri_log_record rec = {0};
  while ((rc = ctrt__cri_log_next(r, &rec)) == 0) {
    size_t before = list->n_items;
    if ((rc = add_entry(list, &n_alloc, &rec, display, id->service, cap, bytes)) != 0)
      break; /* CTRT_ITEROVER too: the caps are reached */
    if (list->n_items > before)
      bytes += strlen(list->items[before].message);
  }
  if (rc != CTRT_ITEROVER)
    goto done;
  *out = list;
  list = NULL;
  rc = 0;
done:
  ctrt__cri_log_free(r);
  ctrt__free(display);
  ctrt_log_entry_list_free(list);
  return rc;
}
