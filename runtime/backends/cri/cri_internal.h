/* Internal to the cri backend: the state every file of the backend shares
 * and the helpers that call the engine and find a managed container.
 * cri.c holds open/close, create and the lifecycle; other files hold one
 * family of methods each and are listed in cri.c's method table. */
#ifndef CTRT_BACKENDS_CRI_INTERNAL_H
#define CTRT_BACKENDS_CRI_INTERNAL_H

#include "containerd_api.pb-c.h"
#include "cri_calls.h"
#include "cri_runtime_v1.pb-c.h"
#include "gen_internal.h"
#include "transport/grpc.h"
#include "transport/websocket.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct cri {
  ctrt__grpc_client *grpc;
  char *uri;
  char *runtime_name, *runtime_version, *runtime_api_version, *cri_version;
  char *containerd_version; /* NULL unless the peer serves containerd's API */
  char *log_dir;
  char *cgroup_parent;
  bool node_network;
  char *label_key;
  long deadline_ms;
  size_t exec_output_max;            /* ctrt_open_options.exec_output_max, resolved */
  long stream_idle_ms;               /* ctrt_open_options.stream_idle_timeout_ms: follow logs, exec sessions; 0 none */
  struct ctrt__cri_attach *attaches; /* write_stdin's sessions (cri_exec.c) */
  pthread_mutex_t adopt_lock;        /* guards adopted (cri_adopt.c) */
  pthread_mutex_t task_lock;         /* a restart against a settle (cri_task.c) */
  struct ctrt__cri_adopted *adopted; /* adopt_container's mappings */
  size_t n_adopted;
} cri;

/* A managed container as CRI knows it: its CRI id and its pod's. */
typedef struct found {
  char *container_id;
  char *pod_id;
} found;

/* One unary call of an rpc the spec declares (ctrt__cricall_*(), from
 * src/cri_calls.c): request packed (NULL: an empty message; of another type
 * than the declared one: invalid_argument), the reply unpacked as the
 * declared type into *reply (free with ctrt__cri_unpacked_free); reply NULL
 * ignores it. metadata NULL: containerd's namespace for a containerd rpc,
 * none for CRI's; deadline_ms 0: none. */
int ctrt__cri_call_md(cri *c, const ctrt__cri_rpc *rpc, const char *const *metadata, long deadline_ms,
                      const ProtobufCMessage *request, void **reply);
#define ctrt__cri_call(c, rpc, deadline_ms, request, reply)                                                            \
  ctrt__cri_call_md((c), (rpc), NULL, (deadline_ms), (request), (reply))
/* The usual deadline; req a pointer to a request struct. */
#define CRI_CALL(c, rpc, req, out) ctrt__cri_call((c), (rpc), (c)->deadline_ms, &(req)->base, (void **)(out))
/* A streaming call of a declared rpc opened with request (metadata as
 * ctrt__cri_call_md). */
int ctrt__cri_stream_open(cri *c, const ctrt__cri_rpc *rpc, const char *const *metadata, long deadline_ms,
                          const ProtobufCMessage *request, ctrt__grpc_call **out);

void ctrt__cri_unpacked_free(void *msg);

/* gRPC metadata selecting containerd's namespace of the CRI plugin. */
extern const char *const ctrt__cri_containerd_md[];

/* "service/replica/node" of id, or NULL when out of memory. */
char *ctrt__cri_display_of(const ctrt_container_id *id);

/* The CRI container (and its pod) labelled with id: 0 with f filled, or
 * not_found (missing_ok: 0 with f empty). method names the caller in the
 * error. */
int ctrt__cri_find(cri *c, const ctrt_container_id *id, found *f, bool missing_ok, const char *method);
void ctrt__cri_found_clear(found *f);

int ctrt__cri_status_of(cri *c, const found *f, bool verbose, Runtime__V1__ContainerStatusResponse **out);

/* find + status: 0 with f filled and *st set (free both), or an error
 * wrapped with method. */
int ctrt__cri_find_status(cri *c, const ctrt_container_id *id, const char *method, found *f,
                          Runtime__V1__ContainerStatusResponse **st);

/* CRI ImageStatus: OK with no image for a missing one. */
int ctrt__cri_image_status(cri *c, const char *image, Runtime__V1__ImageStatusResponse **out);

/* CRI PullImage, errors mapped (pull_failed, not_found) and wrapped with method. */
int ctrt__cri_pull(cri *c, const char *image, const ctrt_registry_auth *auth, const char *method);

/* CRI RemoveImage (all tags of the image go), for engines without
 * containerd's API; ctrt__cri_remove_image untags natively where it can. */
int ctrt__cri_remove_image_cri(void *self, const char *image, bool force);
int ctrt__cri_remove_image(void *self, const char *image, bool force);

/* The managed id a container is labelled with (display form), or NULL. */
const char *ctrt__cri_managed_value(const cri *c, const Runtime__V1__Container *ct);

/* ---- adopted containers (cri_adopt.c) ---- */
typedef struct ctrt__cri_adopted ctrt__cri_adopted;
int ctrt__cri_adopt_container(void *self, const char *engine_ref, const ctrt_container_id *id);
/* 1 with f (and *log_path when not NULL) filled when display was adopted,
 * 0 when not, or an error. */
int ctrt__cri_adopted_find(cri *c, const char *display, found *f, char **log_path);
void ctrt__cri_adopted_drop(cri *c, const ctrt_container_id *id);
void ctrt__cri_adopted_free_all(cri *c);

/* Whether a status reply says the container's process runs. */
bool ctrt__cri_is_running(const Runtime__V1__ContainerStatusResponse *st);

/* ---- exec sessions over the streaming server (cri_exec.c) ---- */

typedef struct ctrt__cri_session ctrt__cri_session;
typedef struct ctrt__cri_session_options {
  bool tty, in, out, err;
} ctrt__cri_session_options;

/* Exec argv in the running container id (not running: conflict) and
 * connect to its stream. */
int ctrt__cri_session_open(cri *c, const ctrt_container_id *id, const char *const *argv, size_t n_argv,
                           const ctrt__cri_session_options *o, const char *method, ctrt__cri_session **out);
/* The next output message: *channel CTRT__K8S_STDOUT or _STDERR, *data a
 * new NUL-terminated buffer; CTRT_ITEROVER once the session ended. */
int ctrt__cri_session_next(ctrt__cri_session *s, int *channel, uint8_t **data, size_t *len);
/* After CTRT_ITEROVER: the exit code of the status, or its failure. */
int ctrt__cri_session_exit_code(ctrt__cri_session *s, int32_t *code);
int ctrt__cri_session_write(ctrt__cri_session *s, const void *data, size_t len);
void ctrt__cri_session_cancel(ctrt__cri_session *s); /* any thread */
void ctrt__cri_session_free(ctrt__cri_session *s);

/* The command with the options CRI's Exec lacks wrapped around it (env,
 * working dir); a user or privileged mode is invalid_spec. *out borrows
 * the options' strings. */
int ctrt__cri_wrap_argv(const ctrt_exec_options *o, const char *method, const char ***out, size_t *n_out);

/* Whether the container id runs: 0 with f filled, conflict when it does
 * not, not_found when there is none. */
int ctrt__cri_running(cri *c, const ctrt_container_id *id, const char *method, found *f);

/* A session over containerd's Tasks.Exec instead of CRI's Exec (peer
 * containerd): the options as a whole process spec. */
int ctrt__cri_session_open_native(cri *c, const ctrt_container_id *id, const ctrt_exec_options *o,
                                  const ctrt__cri_session_options *so, const char *method, ctrt__cri_session **out);

/* ---- processes of ctrt's own through containerd's Tasks API
 * (cri_task.c; containerd peers only) ---- */

typedef struct ctrt__cri_task ctrt__cri_task;
/* Exec o (command, env, working dir, user, tty) in the running container
 * container_id with the chosen streams attached through FIFOs. */
int ctrt__cri_task_open(cri *c, const char *container_id, const ctrt_exec_options *o, bool in, bool out, bool err,
                        const char *method, ctrt__cri_task **out_task);
/* As ctrt__cri_session_next: CTRT_ITEROVER once both outputs ended. */
int ctrt__cri_task_next(ctrt__cri_task *t, int *channel, uint8_t **data, size_t *len);
int ctrt__cri_task_write(ctrt__cri_task *t, const void *data, size_t len);
int ctrt__cri_task_close_stdin(ctrt__cri_task *t);
int ctrt__cri_task_resize(ctrt__cri_task *t, uint16_t rows, uint16_t cols);
int ctrt__cri_task_wait(ctrt__cri_task *t, int32_t *code);
void ctrt__cri_task_cancel(ctrt__cri_task *t); /* any thread */
int ctrt__cri_task_fd(ctrt__cri_task *t);
void ctrt__cri_task_free(ctrt__cri_task *t);
/* The whole exec with its output collected (exec_with_opts). */
int ctrt__cri_task_run(cri *c, const char *container_id, const ctrt_exec_options *o, const char *method,
                       ctrt_exec_result **out);

/* A user of an exec ("name", "uid", "name:group", "uid:gid") in the
 * terms of the container's /etc/passwd and /etc/group texts (NULL when
 * absent): uid, primary gid, the other groups that list the user. */
#define CTRT__CRI_USER_GROUPS_MAX 32
typedef struct ctrt__cri_user {
  int64_t uid, gid;
  int64_t extra[CTRT__CRI_USER_GROUPS_MAX];
  size_t n_extra;
} ctrt__cri_user;
int ctrt__cri_user_lookup(const char *spec_user, const char *passwd, const char *groups, const char *method,
                          ctrt__cri_user *out);
/* containerd's "binary" stdio URI of a restarted task: /bin/sh appending
 * CRI log lines to log_file (NULL on no memory). */
char *ctrt__cri_logger_uri(const char *log_file);

/* containerd's state of a container's task (Tasks.Get). */
enum {
  CTRT__CRI_TASK_CREATED = 1,
  CTRT__CRI_TASK_RUNNING = 2,
  CTRT__CRI_TASK_STOPPED = 3,
  CTRT__CRI_TASK_PAUSED = 4,
  CTRT__CRI_TASK_PAUSING = 5
};
typedef struct ctrt__cri_task_state {
  uint32_t status;
  int32_t exit_code;
  int64_t exited_ns;
} ctrt__cri_task_state;
/* 1 with *out filled, 0 when the container has no task. */
int ctrt__cri_task_get(cri *c, const char *container_id, ctrt__cri_task_state *out);
/* Start an exited container again: a new task of the same container
 * whose output is appended to log_file in CRI's format (cri_task.c). */
int ctrt__cri_task_restart(cri *c, const char *container_id, const char *log_file);
/* Stop (TERM, KILL after timeout_s) / kill and delete the task such a
 * restart made; 0 when there is none. */
int ctrt__cri_task_stop(cri *c, const char *container_id, uint32_t timeout_s);
int ctrt__cri_task_remove(cri *c, const char *container_id);
/* The mounts of a container's rootfs snapshot (Containers.Get, then
 * Snapshots.Mounts of its key); the caller frees both answers. */
struct Ctrt__Containerd__GetContainerResponse; /* containerd_images.pb-c.h */
struct Ctrt__Containerd__MountsResponse;
int ctrt__cri_snapshot_mounts(cri *c, const char *container_id, struct Ctrt__Containerd__GetContainerResponse **ct,
                              struct Ctrt__Containerd__MountsResponse **mounts);
/* A restarted run that stopped (looked up again under task_lock): keep its
 * exit in log_file.exit, then delete its task, which returns once the
 * logger wrote the last output. 0 also when there is no stopped task. */
int ctrt__cri_task_settle(cri *c, const char *container_id, const char *log_file);
/* The exit kept by ctrt__cri_task_settle: true with *out filled. */
bool ctrt__cri_exit_recorded(const char *log_file, ctrt__cri_task_state *out);
/* Drop it (a new run starts). */
void ctrt__cri_exit_forget(const char *log_file);
/* Both files a restart keeps beside log_file (LOG.exit, LOG.logger): the
 * container is removed. */
void ctrt__cri_restart_files_remove(const char *log_file);
/* Whether the logger of a deleted restarted task is still writing (its
 * pid in log_file.logger names a live process, within 12 s of exited_ns). */
bool ctrt__cri_logger_draining(const char *log_file, int64_t exited_ns);

/* Method table entries of cri_exec.c, cri_archive.c, cri_top_stats.c. */
int ctrt__cri_exec_stream(void *self, ctrt_exec_event_stream **out, const ctrt_container_id *id,
                          const char *const *argv, size_t n_argv);
int ctrt__cri_exec_pty(void *self, ctrt_exec_handle **out, const ctrt_container_id *id,
                       const ctrt_exec_options *options);
int ctrt__cri_write_stdin(void *self, const ctrt_container_id *id, const void *data, size_t data_len);
int ctrt__cri_close_stdin(void *self, const ctrt_container_id *id);
/* Close write_stdin's sessions (at the backend's close). */
void ctrt__cri_stdin_free_all(cri *c);
int ctrt__cri_archive_get(void *self, ctrt_archive_stream **out, const ctrt_container_id *id, const char *path);
int ctrt__cri_archive_head(void *self, ctrt_path_stat **out, const ctrt_container_id *id, const char *path);
int ctrt__cri_archive_put(void *self, const ctrt_container_id *id, const char *path, ctrt_byte_source *tar,
                          const ctrt_archive_put_options *options);
int ctrt__cri_export_container_fs(void *self, ctrt_image_export_stream **out, const ctrt_container_id *id);
int ctrt__cri_top_container(void *self, ctrt_container_top_output **out, const ctrt_container_id *id,
                            const char *const *ps_args, size_t n_ps_args);
int ctrt__cri_stats_stream(void *self, ctrt_stats_stream **out, const ctrt_container_id *id);

/* ps(1)'s output as top_container's answer: the first line gives the
 * titles (one must be PID), the rows whose PID is one of pids are kept,
 * the last column takes the rest of its line. */
int ctrt__cri_top_parse(const char *ps_output, const uint32_t *pids, size_t n_pids, ctrt_container_top_output **out);

/* Images through containerd's own API (cri_images.c), for the method table. */
int ctrt__cri_inspect_image_native(void *self, ctrt_image_inspect_info **out, const char *image);
int ctrt__cri_image_history(void *self, ctrt_image_history_entry_list **out, const char *image);
int ctrt__cri_tag_image(void *self, const char *source, const char *target);
int ctrt__cri_prune_images(void *self, ctrt_prune_result **out);
int ctrt__cri_save_images(void *self, ctrt_image_export_stream **out, const char *const *names, size_t n_names);
int ctrt__cri_import_image(void *self, char **out, ctrt_byte_source *tar, const char *repo, const char *tag);
int ctrt__cri_commit_container(void *self, ctrt_commit_outcome **out, const ctrt_container_id *id,
                               const ctrt_commit_options *o);
int ctrt__cri_load_images(void *self, ctrt_load_progress_stream **out, ctrt_byte_source *tar, bool quiet);
int ctrt__cri_pull_image_stream(void *self, ctrt_pull_progress_stream **out, const char *image,
                                const ctrt_registry_auth *auth);
/* export_container_fs of a container that does not run, from its snapshot
 * (containerd's API): 0 with *out set, or 0 with *out NULL when the
 * container runs or the engine serves no containerd API (exec tar then). */
int ctrt__cri_export_stopped(cri *c, const ctrt_container_id *id, ctrt_image_export_stream **out);
/* changes_container through containerd's Snapshots and Diff (cri_images.c). */
int ctrt__cri_changes_container(void *self, ctrt_filesystem_change_entry_list **out, const ctrt_container_id *id);

#endif
