/* SPDX-License-Identifier: MIT */
/*
 * The mock backend ("mock:"): an in-memory container runtime that behaves
 * like Docker — images with ids, tags and layers, containers with a real
 * lifecycle, processes interpreted by shell.c against a memfs, logs with
 * timestamps, exec sessions, archives, stats, a configurable registry and
 * search catalogue, and the seed's scripting queues.
 *
 * Concurrency: one mutex (mock->lock) guards all state, including every
 * memfs; one condition variable (mock->changed) is broadcast on any change
 * (process exit, new log record, stdin data, removal, a signal, a cancel)
 * and every blocking wait re-checks its own predicate. Processes run on their
 * own threads and take the lock only around state and memfs access.
 * Containers are reference-counted so streams and sessions may outlive a
 * removal.
 */
#ifndef CTRT_MOCK_INTERNAL_H
#define CTRT_MOCK_INTERNAL_H

#include "memfs.h"
#include "shell/shell.h"

#include <ctrt/mock.h>
#include <pthread.h>

typedef struct mock_runtime mock_runtime;
typedef struct mock_container mock_container;
typedef struct mock_process mock_process;

/* ---- images ---- */
typedef struct mock_image {
  char *id;            /* "sha256:<hex>" of config_json */
  char *config_json;   /* the Docker image config, exactly as hashed */
  json_t *config;      /* parsed config_json */
  memfs_blob **layers; /* uncompressed layer tars, base first */
  size_t n_layers;
  char **tags; /* "repo:tag" */
  size_t n_tags;
  char **digests; /* "repo@sha256:..." */
  size_t n_digests;
  char *parent;
  memfs *rootfs; /* the layers applied (containers clone it) */
  uint64_t size;
} mock_image;

/* ---- registry (what pulls can fetch) and search catalogue ---- */
typedef struct mock_registry_entry {
  char *reference; /* normalised "host/repo:tag" */
  char *config_json;
  memfs_blob **layers;
  size_t n_layers;
  char *digest;              /* manifest digest */
  char *username, *password; /* required credentials, or NULL */
} mock_registry_entry;

/* ---- log records ---- */
typedef struct mock_log_record {
  ctrt_log_channel channel;
  ctrt_bytes data; /* one line with its '\n', or a final partial line */
  ctrt_timestamp timestamp;
  uint64_t seq; /* position in the container's log, for followers */
} mock_log_record;

/* A scripted stream item: a value, or an error that ends the stream. */
typedef struct mock_script_item {
  void *value; /* ctrt_log_chunk / ctrt_stats_sample / ctrt_pull_progress */
  ctrt_error_kind error_kind;
  char *error_message;
} mock_script_item;

typedef struct mock_script_queue {
  char *key; /* container display id or image reference */
  mock_script_item *items;
  size_t n, head;
} mock_script_queue;

/* ---- byte pipes: a container's stdin ---- */
typedef struct mock_pipe {
  uint8_t *data;
  size_t len, cap;
  bool closed;
} mock_pipe;

/* ---- containers ---- */
typedef enum mock_state {
  MOCK_CREATED,
  MOCK_RUNNING,
  MOCK_PAUSED,
  MOCK_RESTARTING,
  MOCK_REMOVING,
  MOCK_EXITED,
  MOCK_DEAD,
} mock_state;

struct mock_container {
  int refs;
  bool removed;
  ctrt_container_id *id;
  char *display;    /* ctrt_container_id_format */
  char *runtime_id; /* 64 hex digits */
  char *name;       /* zlayer-{service}-{replica}, or the rename */
  bool adopted;     /* id and display came from adopt_container: no managed label */
  char *image_ref;
  char *image_id;
  ctrt_service_spec *spec;
  char **argv; /* entrypoint + cmd, resolved at create */
  size_t argc;
  char **env; /* image env, then spec env */
  size_t n_env;
  char *workdir;
  char *user; /* as configured; resolved to uid/gid at start */
  uint32_t uid, gid;
  char *hostname;
  memfs *base; /* the image's tree (changes are relative to it) */
  memfs *fs;
  mock_state state;
  int exit_code;
  bool oom_killed;
  char *error;
  ctrt_timestamp created_at, started_at, finished_at;
  bool has_started, has_finished;
  uint64_t exits; /* number of exits so far (wait next-exit) */
  mock_process *main;
  mock_process **execs;
  size_t n_execs;
  int next_pid;
  mock_pipe stdin_pipe;
  /* logs */
  /* logs[0 .. n_logs) are the live records, inside the allocation
   * logs_base: evicting the oldest moves logs forward (O(1)); the array is
   * compacted only when the dead prefix is as long as the live part, so
   * eviction stays O(1) amortised (cap_logs counts from logs) */
  mock_log_record *logs, *logs_base;
  size_t n_logs, cap_logs;
  size_t log_bytes;
  uint64_t log_seq;
  /* resources */
  ctrt_container_resource_update limits;
  uint16_t *host_ports; /* one per spec port mapping, assigned at start */
  uint32_t ip_octet;    /* 172.17.0.X while running */
  /* health (when the spec has a health check): a monitor thread runs it */
  ctrt_health_status health_status;
  uint32_t failing_streak;
  char *health_output;
  pthread_t health_thread;
  bool health_joinable, health_running;
  /* stats counters (advance while running) */
  uint64_t cpu_ns, net_rx, net_tx, blk_read, blk_write;
  ctrt_timestamp stats_at;
};

/* ---- processes ---- */
typedef enum mock_sink {
  MOCK_SINK_LOGS,   /* a container's main process: log records */
  MOCK_SINK_BUFFER, /* exec: collected, returned at exit */
  MOCK_SINK_EVENTS, /* exec_stream: queued events */
  MOCK_SINK_SOCKET, /* exec_pty: a socketpair */
} mock_sink;

typedef struct mock_event {
  ctrt_exec_event *event;
  struct mock_event *next;
} mock_event;

struct mock_process {
  int refs;
  mock_runtime *mock;
  mock_container *container;
  int pid;
  char **argv;
  size_t argc;
  char **env;
  size_t n_env;
  char *cwd;
  uint32_t uid, gid;
  pthread_t thread;
  bool joinable; /* a thread to join (reap claims it once) */
  bool finished;
  int exit_code;
  uint32_t pending_signals; /* bit N = signal N pending */
  mock_sink sink;
  /* partial output lines (logs) */
  uint8_t *partial[3];
  size_t partial_len[3];
  /* MOCK_SINK_BUFFER */
  char *out[3];
  size_t out_len[3];
  size_t out_cap[3];
  bool out_cut; /* MOCK_SINK_BUFFER: output reached the exec output cap */
  /* MOCK_SINK_EVENTS */
  mock_event *events_head, *events_tail;
  bool events_abandoned; /* the stream was closed: writes fail */
  /* MOCK_SINK_SOCKET */
  int sock; /* process side; -1 when closed */
  bool tty;
  bool out_attached[3]; /* sessions: stdout (1) and stderr (2) reach the client */
  bool stdin_attached;
  bool stdin_closed;
  uint16_t rows, cols;
  /* stdin of the main process is the container's pipe */
  mock_pipe *stdin_pipe;
  /* An exec that runc would refuse: this message is its output and
   * fail_code its exit code; the interpreter does not run. */
  char *fail_message;
  int fail_code;
};

struct mock_runtime {
  size_t exec_output_max;  /* ctrt_open_options.exec_output_max, resolved */
  uint64_t stream_idle_ns; /* ctrt_open_options.stream_idle_timeout_ms; 0: none */
  pthread_mutex_t lock;
  pthread_cond_t changed;
  bool closing;
  mock_image **images;
  size_t n_images;
  mock_container **containers;
  size_t n_containers;
  mock_registry_entry **registry;
  size_t n_registry;
  ctrt_image_search_result *catalogue;
  size_t n_catalogue;
  mock_script_queue *log_scripts, *stats_scripts, *pull_scripts;
  size_t n_log_scripts, n_stats_scripts, n_pull_scripts;
  uint64_t counter; /* for unique ids */
  uint32_t next_port;
  uint32_t next_ip;
  uint64_t max_file, max_container, max_image; /* ctrt_mock_set_fs_limits */
  char *label_key;
};

/* ---- shared helpers (mock.c) ---- */
/* The mock behind a runtime handle (ctrt/mock.h hooks), or NULL with an
 * invalid-argument error naming `what` when rt is another backend. */
mock_runtime *mock_of(ctrt_runtime *rt, const char *what);
extern const ctrt_backend_ops mock_ops;
void mock_lock(mock_runtime *m);
void mock_unlock(mock_runtime *m);
/* Wait on m->changed until deadline (monotonic ns; 0 = forever); returns
 * false on timeout. */
bool mock_wait(mock_runtime *m, uint64_t deadline_ns);
uint64_t mock_now_ns(void); /* CLOCK_MONOTONIC */
void mock_broadcast(mock_runtime *m);
char *mock_new_hex_id(mock_runtime *m, const char *seed); /* 64 hex digits */

/* Find a container by ContainerId (not removed); NULL with a not_found error. */
mock_container *mock_find_container(mock_runtime *m, const ctrt_container_id *id);
void mock_container_ref(mock_container *c);
void mock_container_unref(mock_container *c); /* under the lock */
bool mock_container_running(const mock_container *c);
int mock_not_running_error(const mock_container *c);

/* ---- images (mock_images.c) ---- */
/* By id, "sha256:" id prefix, "repo:tag" or "repo" (= :latest). */
mock_image *mock_find_image(mock_runtime *m, const char *ref);
void mock_image_free(mock_image *img);
/* Normalise a reference: "busybox" -> "busybox:latest"; keeps digests. */
char *mock_normalize_ref(const char *ref);
/* Add an image built from a config and layers (takes layer references); a
 * tag given moves to it. Returns the stored image (existing if same id). */
int mock_store_image(mock_runtime *m, const char *config_json, memfs_blob **layers, size_t n_layers, const char *tag,
                     mock_image **out);
bool mock_image_in_use(mock_runtime *m, const mock_image *img, mock_container **user);

/* ---- processes (mock_process.c) ---- */
/* Start a process running argv in c; the thread starts at once. */
int mock_process_start(mock_runtime *m, mock_container *c, mock_sink sink, char *const *argv, size_t argc,
                       char *const *extra_env, size_t n_extra_env, const char *cwd, const char *user, bool tty,
                       bool attach_stdin, mock_process **out);
/* The same with a session socket (exec_pty; owned by the process on
 * success) and, for an exec runc would refuse, the message and exit code it
 * gets instead of running. */
int mock_process_start_ex(mock_runtime *m, mock_container *c, mock_sink sink, char *const *argv, size_t argc,
                          char *const *extra_env, size_t n_extra_env, const char *cwd, const char *user, bool tty,
                          bool attach_stdin, int sock, const char *fail_message, int fail_code, mock_process **out);
void mock_process_unref(mock_process *p); /* under the lock */
/* The thread's last act (under the lock): record the exit, flush output,
 * end sessions and, for a main process, the container's run. */
void mock_process_finished(mock_runtime *m, mock_process *p, int exit_code);
int mock_process_push_event(mock_process *p, ctrt_exec_event *event); /* under the lock */
void mock_process_free_events(mock_process *p);
void mock_process_signal(mock_runtime *m, mock_process *p, int sig); /* under the lock */
/* Wait (under the lock) until p finished; false on timeout. */
bool mock_process_wait(mock_runtime *m, mock_process *p, uint64_t deadline_ns);
/* Join the threads of finished processes of c (under the lock). */
void mock_container_reap(mock_runtime *m, mock_container *c);
/* Resolve a user spec ("", "name", "uid", "uid:gid", "name:group") in fs. */
int mock_resolve_user(const memfs *fs, const char *user, uint32_t *uid, uint32_t *gid);

/* ---- health checks (mock_health.c) ---- */
/* Start the monitor of a just started container (under the lock). */
int mock_health_start(mock_runtime *m, mock_container *c);
/* Join a monitor that has finished (under the lock; unlocks to join). */
void mock_health_reap(mock_runtime *m, mock_container *c);

/* ---- logs (mock_logs.c) ---- */
/* Output of a main process: complete lines become records at once, a partial
 * line waits for its end (or the process's exit). Under the lock. */
void mock_log_append_process(mock_runtime *m, mock_process *p, ctrt_log_channel channel, const void *data, size_t len);
void mock_log_flush_partial(mock_runtime *m, mock_process *p);

/* ---- scripting queues (mock.c) ---- */
mock_script_queue *mock_script_find(mock_script_queue *queues, size_t n, const char *key);
/* Pop the next item of a queue (NULL if empty); caller owns it. */
bool mock_script_pop(mock_script_queue *queues, size_t n, const char *key, mock_script_item *out);
void mock_script_item_clear(mock_script_item *item, void (*free_value)(void *));

/* ---- byte streams over a tar reader (mock_archive.c) ---- */
int mock_tar_stream(ctrt__stream **out, memfs_tar_reader *reader);

/* ---- registry (mock_registry.c) ---- */
mock_registry_entry *mock_registry_find(mock_runtime *m, const char *reference);

/* The operations: every method of the interface (mock_<method>). */
CTRT_BACKEND_DECLARE_ALL(mock)

#endif
