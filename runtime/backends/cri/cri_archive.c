/* Archive methods for the cri backend. CRI has no file API, so these run
 * tools of the container's own image (busybox or coreutils: sh, stat,
 * readlink, tar, head) in it: checks through ExecSync, the tar streams
 * through an exec session of the streaming server (cri_exec.c). Hence the
 * container must be running (CRI execs into nothing else) and its image
 * must have those tools.
 *
 * v4.channel.k8s.io has no stdin half-close, so an upload tells the
 * command its length (`head -c LEN | tar x`) and the command ends by
 * itself.
 *
 * A container that does not run (created, or exited: CRI's ExecSync and
 * Exec answer "container is in CONTAINER_EXITED state") is read where the
 * peer is containerd and on this host: its snapshot's mounts (Containers.Get
 * + Snapshots.Mounts) are mounted read-only in a child's own mount
 * namespace, which chroots there and runs the same script with the image's
 * own sh and tar; the mount ends with the child. Writes still need a
 * running container. */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS */
#include "backends/cri/cri_internal.h"

#include "containerd_images.pb-c.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_MISSING 3  /* exit status of a check script: path missing */
#define CHECK_NOT_DIR 4  /* ... not a directory */
#define CHECK_REPLACE 5  /* ... an entry would change a path's kind */
#define STDERR_KEEP 1024 /* bytes of a failing tar's stderr kept for the error */
#define UPLOAD_PIECE ((size_t)32 * 1024)
#define REPLACE_CHECK_MAX 4096 /* entries checked for no_overwrite_dir_non_dir */

/* ---- a container that does not run: its snapshot in a child's mount namespace ---- */

#define ROOTFS_SETUP_FAILED 125 /* a child's exit: it could not mount or chroot */

/* What mount(2) takes to show a snapshot read-only. */
typedef struct rootfs_mount {
  char *type, *source, *data;
  unsigned long flags;
} rootfs_mount;

static void rootfs_mount_clear(rootfs_mount *m) {
  ctrt__free(m->type);
  ctrt__free(m->source);
  ctrt__free(m->data);
  memset(m, 0, sizeof *m);
}

/* An overlay's layers as one read-only overlay: the upper directory becomes
 * the top lower one (no upper, no work directory, so nothing is written and
 * the snapshot's own work directory is left alone). */
static int overlay_read_only(const Ctrt__Containerd__Mount *m, rootfs_mount *out) {
  const char *lower = NULL, *upper = NULL;
  for (size_t i = 0; i < m->n_options; i++) {
    if (strncmp(m->options[i], "lowerdir=", 9) == 0)
      lower = m->options[i] + 9;
    else if (strncmp(m->options[i], "upperdir=", 9) == 0)
      upper = m->options[i] + 9;
  }
  if (lower == NULL)
    return ctrt__error_internal("the snapshot's overlay mount has no lowerdir");
  out->type = ctrt__strdup("overlay");
  out->source = ctrt__strdup("overlay");
  out->data = upper ? ctrt__sprintf("lowerdir=%s:%s", upper, lower) : ctrt__sprintf("lowerdir=%s", lower);
  out->flags = MS_RDONLY;
  return out->type && out->source && out->data ? 0 : ctrt__error_no_memory();
}

/* The mount of f's container's snapshot (containerd only). */
static int rootfs_mount_of(cri *c, const found *f, rootfs_mount *out) {
  memset(out, 0, sizeof *out);
  Ctrt__Containerd__GetContainerResponse *ct = NULL;
  Ctrt__Containerd__MountsResponse *mounts = NULL;
  int rc;
  if ((rc = ctrt__cri_snapshot_mounts(c, f->container_id, &ct, &mounts)) < 0)
    goto done;
  if (mounts->n_mounts != 1) {
    rc =
        ctrt__error_conflict("the snapshot of container %s has %zu mounts, not one", f->container_id, mounts->n_mounts);
    goto done;
  }
  const Ctrt__Containerd__Mount *m = mounts->mounts[0];
  if (strcmp(m->type, "overlay") == 0) {
    rc = overlay_read_only(m, out);
  } else if (strcmp(m->type, "bind") == 0) {
    /* A snapshot without parent: its directory (MS_RDONLY is ignored on a
     * first bind mount; the child only reads). */
    out->type = ctrt__strdup("none");
    out->source = ctrt__strdup(m->source);
    out->flags = MS_BIND;
    if (out->type == NULL || out->source == NULL)
      rc = ctrt__error_no_memory();
  } else {
    rc = ctrt__error_conflict("the snapshot of container %s is a %s mount", f->container_id, m->type);
  }
done:
  ctrt__cri_unpacked_free(mounts);
  ctrt__cri_unpacked_free(ct);
  if (rc < 0)
    rootfs_mount_clear(out);
  return rc;
}

/* A child running argv (argv[0] a path in the container) chrooted in a
 * read-only mount of the container's snapshot: stdout a pipe, stderr a
 * temporary file (read at the end, so it never blocks the child). */
typedef struct rootfs_child {
  pid_t pid;
  int out;
  FILE *err;
  char dir[64], proc[72];
  bool reaped;
  int status;
} rootfs_child;

/* The child's failure before exec, on its stderr (async-signal-safe). */
static void child_fail(const char *step) {
  char msg[96];
  size_t n = 0;
  for (const char *p = "cannot show the container's files: "; *p && n < sizeof msg - 16; p++)
    msg[n++] = *p;
  for (const char *p = step; *p && n < sizeof msg - 16; p++)
    msg[n++] = *p;
  msg[n++] = ' ';
  msg[n++] = 'e';
  msg[n++] = 'r';
  msg[n++] = 'r';
  msg[n++] = 'n';
  msg[n++] = 'o';
  msg[n++] = ' ';
  char digits[12];
  int e = errno, k = 0;
  do {
    digits[k++] = (char)('0' + e % 10);
    e /= 10;
  } while (e > 0 && k < 11);
  while (k > 0)
    msg[n++] = digits[--k];
  if (write(2, msg, n) < 0)
    _exit(ROOTFS_SETUP_FAILED);
  _exit(ROOTFS_SETUP_FAILED);
}

static int rootfs_child_start(const rootfs_mount *m, char *const *argv, rootfs_child *ch) {
  memset(ch, 0, sizeof *ch);
  ch->out = -1;
  snprintf(ch->dir, sizeof ch->dir, "/tmp/ctrt-cri-rootfs-XXXXXX");
  int pipefd[2] = {-1, -1};
  if (mkdtemp(ch->dir) == NULL) {
    ch->dir[0] = '\0';
    return ctrt__error_internal("creating a mount point under /tmp failed: %s", strerror(errno));
  }
  ch->err = tmpfile();
  if (ch->err == NULL || pipe2(pipefd, O_CLOEXEC) != 0) {
    int e = errno;
    if (ch->err)
      fclose(ch->err);
    ch->err = NULL;
    rmdir(ch->dir);
    ch->dir[0] = '\0';
    return ctrt__error_internal("creating the child's pipes failed: %s", strerror(e));
  }
  static char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
  int err_fd = fileno(ch->err);
  snprintf(ch->proc, sizeof ch->proc, "%s/proc", ch->dir);
  pid_t pid = fork();
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(err_fd, 2) < 0)
      _exit(ROOTFS_SETUP_FAILED);
    if (unshare(CLONE_NEWNS) != 0)
      child_fail("unshare(CLONE_NEWNS)");
    /* Nothing mounted here reaches the host's namespace. */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
      child_fail("making / private");
    if (mount(m->source, ch->dir, m->type, m->flags, m->data) != 0)
      child_fail("mount");
    /* A static busybox runs its applets (tar) through /proc/self/exe; an
     * image without a /proc directory does without. */
    if (mount("proc", ch->proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 && errno != ENOENT)
      child_fail("mounting /proc");
    if (chroot(ch->dir) != 0 || chdir("/") != 0)
      child_fail("chroot");
    execve(argv[0], argv, envp);
    child_fail("exec /bin/sh");
  }
  int e = errno;
  close(pipefd[1]);
  if (pid < 0) {
    close(pipefd[0]);
    fclose(ch->err);
    ch->err = NULL;
    rmdir(ch->dir);
    ch->dir[0] = '\0';
    return ctrt__error_internal("fork failed: %s", strerror(e));
  }
  ch->pid = pid;
  ch->out = pipefd[0];
  return 0;
}

static void rootfs_child_reap(rootfs_child *ch) {
  if (ch->pid > 0 && !ch->reaped) {
    while (waitpid(ch->pid, &ch->status, 0) < 0 && errno == EINTR)
      ;
    ch->reaped = true;
  }
}

/* The child's stderr, at most cap - 1 bytes, without trailing newlines. */
static void rootfs_child_stderr(rootfs_child *ch, char *buf, size_t cap) {
  size_t n = 0;
  if (ch->err && fseek(ch->err, 0, SEEK_SET) == 0)
    n = fread(buf, 1, cap - 1, ch->err);
  while (n > 0 && buf[n - 1] == '\n')
    n--;
  buf[n] = '\0';
}

static void rootfs_child_end(rootfs_child *ch) {
  if (ch->out >= 0)
    close(ch->out);
  ch->out = -1;
  if (ch->pid > 0 && !ch->reaped)
    kill(ch->pid, SIGKILL);
  rootfs_child_reap(ch);
  if (ch->err)
    fclose(ch->err);
  ch->err = NULL;
  if (ch->dir[0])
    rmdir(ch->dir);
  ch->dir[0] = '\0';
}

/* The child's exit code, or the error of a child that could not start
 * the command (not root, another host, no /bin/sh in the image). */
static int rootfs_child_exit(rootfs_child *ch, const char *method, int32_t *code) {
  rootfs_child_reap(ch);
  if (WIFEXITED(ch->status) && WEXITSTATUS(ch->status) != ROOTFS_SETUP_FAILED) {
    *code = WEXITSTATUS(ch->status);
    return 0;
  }
  char text[STDERR_KEEP];
  rootfs_child_stderr(ch, text, sizeof text);
  return ctrt__error_conflict("%s: the container is not running, and reading its snapshot on this host failed "
                              "(%s; it takes root on containerd's host): %s",
                              method, WIFSIGNALED(ch->status) ? "killed" : "setup", text);
}

/* argv for execve in the snapshot, NULL-terminated: argv[0] is "sh" (every
 * caller's), i.e. the image's own /bin/sh. */
static int shell_args(const char *const *argv, size_t n, char ***out) {
  char **args = ctrt__calloc(n + 1, sizeof *args);
  CTRT__CHECK_ALLOC(args);
  for (size_t i = 0; i < n; i++)
    args[i] = (char *)argv[i];
  args[0] = "/bin/sh";
  *out = args;
  return 0;
}

/* Whether the last error says the container does not run (ExecSync, Exec). */
static bool not_running(cri *c, int rc) { return rc == CTRT_ECONFLICT && c->containerd_version != NULL; }

/* All of fd until its end, into *data (NULL when nothing came). */
static int read_all(int fd, uint8_t **data, size_t *len) {
  size_t cap = 0;
  for (;;) {
    if (cap - *len < 4096) {
      uint8_t *grown = ctrt__realloc(*data, cap * 2 + 4096);
      CTRT__CHECK_ALLOC(grown);
      *data = grown;
      cap = cap * 2 + 4096;
    }
    ssize_t got = read(fd, *data + *len, cap - *len);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return 0;
    *len += (size_t)got;
  }
}

/* run_sync's answer for a container that does not run: the command's
 * output and exit code in an ExecSyncResponse (packed and unpacked, so
 * that it is freed like CRI's). */
static int rootfs_sync(cri *c, const found *f, const char *const *argv, size_t n, const char *method,
                       Runtime__V1__ExecSyncResponse **out) {
  rootfs_mount m;
  char **args = NULL;
  uint8_t *data = NULL, *packed = NULL;
  size_t len = 0;
  char err[STDERR_KEEP];
  err[0] = '\0';
  int32_t code = 0;
  int rc;
  if ((rc = rootfs_mount_of(c, f, &m)) < 0 || (rc = shell_args(argv, n, &args)) < 0)
    goto done;
  rootfs_child ch;
  if ((rc = rootfs_child_start(&m, args, &ch)) < 0)
    goto done;
  if ((rc = read_all(ch.out, &data, &len)) >= 0)
    rc = rootfs_child_exit(&ch, method, &code);
  rootfs_child_stderr(&ch, err, sizeof err);
  rootfs_child_end(&ch);
  if (rc < 0)
    goto done;
  Runtime__V1__ExecSyncResponse r = RUNTIME__V1__EXEC_SYNC_RESPONSE__INIT;
  r.stdout.data = data;
  r.stdout.len = len;
  r.stderr.data = (uint8_t *)err;
  r.stderr.len = strlen(err);
  r.exit_code = code;
  if ((packed = ctrt__malloc(runtime__v1__exec_sync_response__get_packed_size(&r) + 1)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  size_t plen = runtime__v1__exec_sync_response__pack(&r, packed);
  if ((*out = runtime__v1__exec_sync_response__unpack(NULL, plen, packed)) == NULL)
    rc = ctrt__error_no_memory();
done:
  ctrt__free(packed);
  ctrt__free(data);
  ctrt__free(args);
  rootfs_mount_clear(&m);
  return rc;
}

/* ExecSync of argv in f's container; read_only: a container that does not
 * run is read through its snapshot instead (see the top of the file). */
static int run_sync_in(cri *c, const found *f, const char *const *argv, size_t n, const char *method, bool read_only,
                       Runtime__V1__ExecSyncResponse **out) {
  Runtime__V1__ExecSyncRequest req = RUNTIME__V1__EXEC_SYNC_REQUEST__INIT;
  req.container_id = f->container_id;
  req.n_cmd = n;
  req.cmd = (char **)argv;
  int rc = ctrt__cri_call(c, ctrt__cricall_exec_sync_runtime_exec_sync(), 0, &req.base, (void **)out);
  if (read_only && not_running(c, rc)) {
    ctrt_error_clear();
    return rootfs_sync(c, f, argv, n, method, out);
  }
  if (rc == CTRT_ECONFLICT)
    return ctrt__error_wrap("%s: the cri backend reads and writes files by running tar and stat in the container, "
                            "which CRI does only in a running one",
                            method);
  return rc < 0 ? ctrt__error_wrap("%s", method) : 0;
}

static int run_sync(cri *c, const found *f, const char *const *argv, size_t n, const char *method,
                    Runtime__V1__ExecSyncResponse **out) {
  return run_sync_in(c, f, argv, n, method, false, out);
}

static int text_error(const Runtime__V1__ExecSyncResponse *r, const char *method, const char *what) {
  int len = (int)(r->stderr.len < STDERR_KEEP ? r->stderr.len : STDERR_KEEP);
  while (len > 0 && r->stderr.data[len - 1] == '\n')
    len--;
  return ctrt__error_internal("%s: %s failed in the container (exit %d): %.*s", method, what, r->exit_code, len,
                              r->stderr.data ? (const char *)r->stderr.data : "");
}

/* The path's directory and base name as tar -C DIR BASE takes them. */
static int split_path(const char *path, char **dir, char **base) {
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/')
    len--;
  const char *slash = NULL;
  for (size_t i = 0; i < len; i++)
    if (path[i] == '/')
      slash = path + i;
  if (len == 1) { /* "/" */
    *dir = ctrt__strdup("/");
    *base = ctrt__strdup(".");
  } else {
    *dir = slash == path ? ctrt__strdup("/") : ctrt__strndup(path, (size_t)(slash - path));
    *base = ctrt__strndup(slash + 1, len - (size_t)(slash + 1 - path));
  }
  if (*dir == NULL || *base == NULL) {
    ctrt__free(*dir);
    ctrt__free(*base);
    return ctrt__error_no_memory();
  }
  return 0;
}

/* ---- archive_head ---- */

static const char STAT_SCRIPT[] = "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 3; stat -c '%s %f %Y' \"$1\" || exit; "
                                  "[ -L \"$1\" ] && readlink -f \"$1\"; exit 0";

/* stat -c '%s %f %Y' as printed: size, raw mode (hex) and mtime, each
 * checked; *used is their length (readlink's line follows). */
static bool stat_fields(const char *text, uint64_t v[3], size_t *used) {
  static const int base[3] = {10, 16, 10};
  static const uint64_t max[3] = {INT64_MAX, UINT32_MAX, INT64_MAX};
  size_t at = 0;
  for (int i = 0; i < 3; i++) {
    size_t len = strcspn(text + at, i < 2 ? " " : "\n");
    if (!ctrt__parse_uint(text + at, len, base[i], max[i], &v[i]) || (i < 2 && text[at + len] != ' '))
      return false;
    at += len + (i < 2);
  }
  *used = at;
  return true;
}

static int path_stat(cri *c, const found *f, const char *path, const char *method, ctrt_path_stat **out) {
  *out = NULL;
  const char *argv[] = {"sh", "-c", STAT_SCRIPT, "sh", path};
  Runtime__V1__ExecSyncResponse *r = NULL;
  char *text = NULL;
  ctrt_path_stat *st = NULL;
  int rc;
  if ((rc = run_sync_in(c, f, argv, 5, method, true, &r)) < 0)
    return rc;
  uint64_t v[3] = {0}; /* size, mode, mtime */
  size_t used = 0;
  if ((text = ctrt__strndup(r->stdout.data ? (const char *)r->stdout.data : "", r->stdout.len)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if (r->exit_code == CHECK_MISSING) {
    rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404, "%s: %s: not found: no such file or directory in the container",
                         method, path);
    goto done;
  }
  if (r->exit_code != 0) {
    rc = text_error(r, method, "stat");
    goto done;
  }
  if (!stat_fields(text, v, &used)) {
    rc = ctrt__error_internal("%s: the container's stat printed %.100s", method, text);
    goto done;
  }
  if ((st = ctrt__calloc(1, sizeof *st)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  char *target = text + used;
  while (*target == '\n')
    target++;
  target[strcspn(target, "\n")] = '\0';
  char *dir = NULL;
  if ((rc = split_path(path, &dir, &st->name)) < 0)
    goto done;
  ctrt__free(dir);
  st->size = (int64_t)v[0];
  st->mode = (uint32_t)v[1];
  time_t t = (time_t)v[2];
  struct tm tm;
  char stamp[32];
  gmtime_r(&t, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if ((st->link_target = ctrt__strdup(S_ISLNK(st->mode) ? target : "")) == NULL ||
      (st->mtime = ctrt__strdup(stamp)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *out = st;
  st = NULL;
done:
  ctrt__cri_unpacked_free(r);
  ctrt__free(text);
  ctrt_path_stat_free(st);
  return rc;
}

int ctrt__cri_archive_head(void *self, ctrt_path_stat **out, const ctrt_container_id *id, const char *path) {
  cri *c = self;
  found f;
  int rc;
  if ((rc = ctrt__cri_find(c, id, &f, false, "archive_head")) < 0)
    return rc;
  rc = path_stat(c, &f, path, "archive_head", out);
  ctrt__cri_found_clear(&f);
  return rc;
}

/* ---- archive_get, export_container_fs: tar's stdout as a byte stream ---- */

typedef struct tar_stream {
  ctrt__cri_session *s;
  const char *method;
  uint8_t *piece;
  size_t len, off;
  char err[STDERR_KEEP];
  size_t err_len;
  bool done;
} tar_stream;

static int tar_read(void *impl, void *buf, size_t cap, size_t *n_read) {
  tar_stream *t = impl;
  while (t->off == t->len) {
    if (t->done)
      return CTRT_ITEROVER;
    ctrt__free(t->piece);
    t->piece = NULL;
    t->len = t->off = 0;
    int channel = 0;
    int rc = ctrt__cri_session_next(t->s, &channel, &t->piece, &t->len);
    if (rc == CTRT_ITEROVER) {
      t->done = true;
      int32_t code = 0;
      if (ctrt__cri_session_exit_code(t->s, &code) < 0)
        return ctrt__error_code();
      if (code != 0)
        return ctrt__error_internal("%s: tar failed in the container (exit %d): %.*s", t->method, code, (int)t->err_len,
                                    t->err);
      return CTRT_ITEROVER;
    }
    if (rc < 0)
      return rc;
    if (channel == CTRT__K8S_STDERR) {
      size_t take = t->len < sizeof t->err - t->err_len ? t->len : sizeof t->err - t->err_len;
      memcpy(t->err + t->err_len, t->piece, take);
      t->err_len += take;
      t->len = 0;
    }
  }
  size_t n = t->len - t->off < cap ? t->len - t->off : cap;
  memcpy(buf, t->piece + t->off, n);
  t->off += n;
  *n_read = n;
  return 0;
}

static void tar_cancel(void *impl) { ctrt__cri_session_cancel(((tar_stream *)impl)->s); }

static void tar_destroy(void *impl) {
  tar_stream *t = impl;
  ctrt__cri_session_free(t->s);
  ctrt__free(t->piece);
  ctrt__free(t);
}

static const ctrt__stream_vtable tar_vtable = {
    .read = tar_read,
    .cancel = tar_cancel,
    .destroy = tar_destroy,
};

/* tar's stdout from a child over the snapshot of a container that does
 * not run. */
typedef struct rootfs_stream {
  rootfs_child ch;
  const char *method;
  atomic_bool cancelled;
  bool done;
} rootfs_stream;

static int rootfs_read(void *impl, void *buf, size_t cap, size_t *n_read) {
  rootfs_stream *t = impl;
  if (t->done)
    return CTRT_ITEROVER;
  ssize_t got;
  do
    got = read(t->ch.out, buf, cap);
  while (got < 0 && errno == EINTR && !atomic_load(&t->cancelled));
  if (got > 0) {
    *n_read = (size_t)got;
    return 0;
  }
  if (got < 0)
    return ctrt__error_internal("%s: reading tar's output failed: %s", t->method, strerror(errno));
  t->done = true;
  int32_t code = 0;
  if (rootfs_child_exit(&t->ch, t->method, &code) < 0)
    return ctrt__error_code();
  if (code != 0) {
    char text[STDERR_KEEP];
    rootfs_child_stderr(&t->ch, text, sizeof text);
    return ctrt__error_internal("%s: tar failed over the container's snapshot (exit %d): %s", t->method, code, text);
  }
  return CTRT_ITEROVER;
}

/* Killing the child ends a blocked read with end of file. */
static void rootfs_cancel(void *impl) {
  rootfs_stream *t = impl;
  atomic_store(&t->cancelled, true);
  if (!t->ch.reaped)
    kill(t->ch.pid, SIGKILL);
}

static void rootfs_destroy(void *impl) {
  rootfs_stream *t = impl;
  rootfs_child_end(&t->ch);
  ctrt__free(t);
}

static const ctrt__stream_vtable rootfs_vtable = {
    .read = rootfs_read,
    .cancel = rootfs_cancel,
    .destroy = rootfs_destroy,
};

static int rootfs_stream_open(cri *c, const ctrt_container_id *id, const char *const *argv, size_t n,
                              const char *method, ctrt__stream **out) {
  found f = {0};
  rootfs_mount m = {0};
  char **args = NULL;
  rootfs_stream *t = NULL;
  int rc;
  if ((rc = ctrt__cri_find(c, id, &f, false, method)) < 0 || (rc = rootfs_mount_of(c, &f, &m)) < 0)
    goto done;
  if ((t = ctrt__calloc(1, sizeof *t)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = shell_args(argv, n, &args)) < 0)
    goto done;
  t->method = method;
  rc = rootfs_child_start(&m, args, &t->ch);
done:
  ctrt__cri_found_clear(&f);
  rootfs_mount_clear(&m);
  ctrt__free(args);
  if (rc < 0) {
    ctrt__free(t);
    return ctrt__error_wrap("%s", method);
  }
  return ctrt__stream_new(out, &rootfs_vtable, t, NULL);
}

static int tar_stream_open(cri *c, const ctrt_container_id *id, const char *const *argv, size_t n, const char *method,
                           ctrt__stream **out) {
  tar_stream *t = ctrt__calloc(1, sizeof *t);
  CTRT__CHECK_ALLOC(t);
  t->method = method;
  ctrt__cri_session_options o = {.out = true, .err = true};
  int rc = ctrt__cri_session_open(c, id, argv, n, &o, method, &t->s);
  if (rc < 0) {
    ctrt__free(t);
    if (not_running(c, rc)) {
      ctrt_error_clear();
      return rootfs_stream_open(c, id, argv, n, method, out);
    }
    return rc;
  }
  return ctrt__stream_new(out, &tar_vtable, t, NULL);
}

int ctrt__cri_archive_get(void *self, ctrt_archive_stream **out, const ctrt_container_id *id, const char *path) {
  cri *c = self;
  found f;
  ctrt_path_stat *st = NULL;
  char *dir = NULL, *base = NULL;
  int rc;
  if ((rc = ctrt__cri_find(c, id, &f, false, "archive_get")) < 0)
    return rc;
  /* A missing path is not_found before any byte of the stream. */
  rc = path_stat(c, &f, path, "archive_get", &st);
  ctrt_path_stat_free(st);
  ctrt__cri_found_clear(&f);
  if (rc < 0 || (rc = split_path(path, &dir, &base)) < 0)
    return rc;
  /* Through sh: an image of a static busybox may have no tar link, its
   * shell runs the applet all the same. */
  const char *argv[] = {"sh", "-c", "exec tar cf - -C \"$1\" \"$2\"", "sh", dir, base};
  ctrt__stream *stream = NULL;
  rc = tar_stream_open(c, id, argv, 6, "archive_get", &stream);
  *out = (ctrt_archive_stream *)stream;
  ctrt__free(dir);
  ctrt__free(base);
  return rc;
}

/* The root's entries but the kernel's file systems, whose contents are no
 * part of the container's (Docker exports them as empty mount points). */
static const char EXPORT_SCRIPT[] =
    "cd / && set -- $(ls -A | grep -v -x -e proc -e sys -e dev) && exec tar cf - \"$@\"";

int ctrt__cri_export_container_fs(void *self, ctrt_image_export_stream **out, const ctrt_container_id *id) {
  int rc = ctrt__cri_export_stopped(self, id, out);
  if (rc < 0 || *out != NULL)
    return rc;
  const char *argv[] = {"sh", "-c", EXPORT_SCRIPT};
  ctrt__stream *stream = NULL;
  rc = tar_stream_open(self, id, argv, 3, "export_container_fs", &stream);
  *out = (ctrt_image_export_stream *)stream;
  return rc;
}

/* ---- archive_put ---- */

static const char DEST_SCRIPT[] = "[ -d \"$1\" ] && exit 0; [ -e \"$1\" ] && exit 4; exit 3";

/* Each argument "d:NAME" or "f:NAME" (relative to $1): a directory over an
 * existing non-directory, or the reverse, stops with the path. */
static const char REPLACE_SCRIPT[] = "cd \"$1\" || exit 3; shift; for a; do p=${a#??}; "
                                     "if [ \"${a%%:*}\" = d ]; then [ -e \"$p\" ] && [ ! -d \"$p\" ] && "
                                     "{ echo \"$p\"; exit 5; }; "
                                     "else [ -d \"$p\" ] && [ ! -L \"$p\" ] && { echo \"$p\"; exit 5; }; fi; "
                                     "done; exit 0";

/* The archive's entries as REPLACE_SCRIPT arguments. */
static int entry_args(int fd, char ***args, size_t *n) {
  *args = NULL;
  *n = 0;
  struct archive *a = archive_read_new();
  CTRT__CHECK_ALLOC(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_empty(a);
  archive_read_support_filter_all(a);
  char **list = NULL;
  int rc;
  if (lseek(fd, 0, SEEK_SET) != 0 || archive_read_open_fd(a, fd, (size_t)64 * 1024) != ARCHIVE_OK) {
    rc = ctrt__error_internal("archive_put: reading the checked upload again failed");
    goto done;
  }
  if ((list = ctrt__calloc(REPLACE_CHECK_MAX + 1, sizeof *list)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  struct archive_entry *e = NULL;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    if (*n == REPLACE_CHECK_MAX) {
      rc = ctrt__error_invalid_spec("archive_put: no_overwrite_dir_non_dir is checked for at most %d entries",
                                    REPLACE_CHECK_MAX);
      goto done;
    }
    char name[CTRT__TAR_PATH_MAX];
    const char *why = NULL;
    const char *raw = archive_entry_pathname(e);
    if (raw == NULL || ctrt__tar_upload_name(raw, name, sizeof name, &why) < 0 || name[0] == '\0')
      continue; /* the spool checked the names already; "./" is the destination */
    bool dir = archive_entry_filetype(e) == AE_IFDIR;
    if ((list[(*n)++] = ctrt__sprintf("%c:%s", dir ? 'd' : 'f', name)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  *args = list;
  list = NULL;
  rc = 0;
done:
  archive_read_free(a);
  if (list != NULL) {
    for (size_t i = 0; i < *n; i++)
      ctrt__free(list[i]);
    ctrt__free(list);
    *n = 0;
  }
  return rc;
}

static int check_replacements(cri *c, const found *f, const char *path, int fd) {
  char **entries = NULL;
  size_t n = 0;
  const char **argv = NULL;
  Runtime__V1__ExecSyncResponse *r = NULL;
  int rc;
  if ((rc = entry_args(fd, &entries, &n)) < 0)
    goto done;
  if ((argv = ctrt__calloc(n + 6, sizeof *argv)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  argv[0] = "sh";
  argv[1] = "-c";
  argv[2] = REPLACE_SCRIPT;
  argv[3] = "sh";
  argv[4] = path;
  for (size_t i = 0; i < n; i++)
    argv[5 + i] = entries[i];
  if ((rc = run_sync(c, f, argv, n + 5, "archive_put", &r)) < 0)
    goto done;
  if (r->exit_code == CHECK_REPLACE) {
    int len = (int)strcspn(r->stdout.data ? (const char *)r->stdout.data : "", "\n");
    rc = ctrt__error_invalid_spec("archive_put: %s/%.*s: the archive would replace a directory with a non-directory "
                                  "or the reverse (no_overwrite_dir_non_dir)",
                                  path, len, (const char *)r->stdout.data);
  } else if (r->exit_code != 0) {
    rc = text_error(r, "archive_put", "checking the destination");
  }
done:
  ctrt__cri_unpacked_free(r);
  for (size_t i = 0; i < n; i++)
    ctrt__free(entries[i]);
  ctrt__free(entries);
  ctrt__free(argv);
  return rc;
}

/* The destination is a directory (symlinks to one followed). */
static int check_destination(cri *c, const found *f, const char *path) {
  const char *argv[] = {"sh", "-c", DEST_SCRIPT, "sh", path};
  Runtime__V1__ExecSyncResponse *r = NULL;
  int rc = run_sync(c, f, argv, 5, "archive_put", &r);
  if (rc < 0)
    return rc;
  if (r->exit_code == CHECK_MISSING)
    rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404,
                         "archive_put: %s: not found: no such directory in the container to extract into", path);
  else if (r->exit_code == CHECK_NOT_DIR)
    rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404,
                         "archive_put: %s: not found: it exists in the container but is not a directory to extract "
                         "into",
                         path);
  else if (r->exit_code != 0)
    rc = text_error(r, "archive_put", "checking the destination");
  ctrt__cri_unpacked_free(r);
  return rc;
}

/* Send the spooled archive to `head -c LEN | tar x` and wait for it. */
static int extract(cri *c, const ctrt_container_id *id, const char *path, int fd, uint64_t len, bool copy_uid_gid) {
  char length[24];
  snprintf(length, sizeof length, "%llu", (unsigned long long)len);
  /* Without copy_uid_gid the archive's owners are kept (numerically, as
   * Docker does); with it, -o leaves the files to the container's user,
   * whom CRI's Exec runs as. */
  const char *script =
      copy_uid_gid ? "head -c \"$1\" | tar xof - -C \"$2\"" : "head -c \"$1\" | tar xf - --numeric-owner -C \"$2\"";
  const char *argv[] = {"sh", "-c", script, "sh", length, path};
  ctrt__cri_session *s = NULL;
  ctrt__cri_session_options o = {.in = true, .err = true};
  uint8_t *buf = NULL;
  int rc;
  if ((rc = ctrt__cri_session_open(c, id, argv, 6, &o, "archive_put", &s)) < 0)
    goto done;
  if ((buf = ctrt__malloc(UPLOAD_PIECE)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if (lseek(fd, 0, SEEK_SET) != 0) {
    rc = ctrt__error_internal("archive_put: rewinding the checked upload failed");
    goto done;
  }
  for (uint64_t sent = 0; sent < len;) {
    ssize_t got = read(fd, buf, UPLOAD_PIECE);
    if (got <= 0) {
      rc = ctrt__error_internal("archive_put: reading the checked upload failed");
      goto done;
    }
    if ((rc = ctrt__cri_session_write(s, buf, (size_t)got)) < 0)
      goto done;
    sent += (uint64_t)got;
  }
  char err[STDERR_KEEP];
  size_t err_len = 0;
  int channel = 0;
  uint8_t *data = NULL;
  size_t n = 0;
  while ((rc = ctrt__cri_session_next(s, &channel, &data, &n)) == 0) {
    if (channel == CTRT__K8S_STDERR) {
      size_t take = n < sizeof err - err_len ? n : sizeof err - err_len;
      memcpy(err + err_len, data, take);
      err_len += take;
    }
    ctrt__free(data);
  }
  int32_t code = 0;
  if (rc != CTRT_ITEROVER || (rc = ctrt__cri_session_exit_code(s, &code)) < 0)
    goto done;
  while (err_len > 0 && err[err_len - 1] == '\n')
    err_len--;
  /* Docker answers 500 for any extraction failure: invalid_spec. */
  if (code != 0)
    rc = ctrt__error_invalid_spec("archive_put: tar failed in the container (exit %d): %.*s", code, (int)err_len, err);
done:
  ctrt__free(buf);
  ctrt__cri_session_free(s);
  return rc;
}

int ctrt__cri_archive_put(void *self, const ctrt_container_id *id, const char *path, ctrt_byte_source *tar,
                          const ctrt_archive_put_options *options) {
  cri *c = self;
  found f = {0};
  int fd = -1;
  uint64_t len = 0;
  int rc;
  if ((rc = ctrt__cri_find(c, id, &f, false, "archive_put")) < 0 || (rc = check_destination(c, &f, path)) < 0)
    goto done;
  /* All or nothing: the whole archive is read and checked before the
   * container sees a byte of it. */
  if (ctrt__tar_upload_spool(&fd, &len, tar, path) < 0) {
    rc = ctrt__error_wrap("archive_put %s", path);
    goto done;
  }
  if (options->no_overwrite_dir_non_dir && (rc = check_replacements(c, &f, path, fd)) < 0)
    goto done;
  if (len > 0)
    rc = extract(c, id, path, fd, len, options->copy_uid_gid);
done:
  ctrt__cri_found_clear(&f);
  if (fd >= 0)
    close(fd);
  return rc;
}
