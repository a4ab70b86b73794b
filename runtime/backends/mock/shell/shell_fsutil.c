/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the filesystem applets: memfs calls with busybox's messages,
 * mode strings and parsing, user and group names.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* ---- helpers ---- */

char *sh_path_join(const char *dir, const char *name) {
  size_t dl = strlen(dir);
  return ctrt__sprintf("%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", name);
}

const char *sh_base_of(const char *p) {
  size_t len = strlen(p);
  while (len > 1 && p[len - 1] == '/')
    len--;
  const char *s = p + len;
  while (s > p && s[-1] != '/')
    s--;
  return s;
}

/* memfs calls under the lock; the errno of a failure. */
int sh_fs_mkdir(sh_state *sh, const char *abs, uint32_t perm) {
  sh_lock(sh);
  int rc = memfs_mkdir(sh_fs(sh), abs, perm, sh->root->proc->uid, sh->root->proc->gid, false);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    if (rc == CTRT_ENO_MEMORY)
      sh_oom(sh);
    return rc == CTRT_ENOT_FOUND ? ENOENT : EEXIST;
  }
  return 0;
}

int sh_fs_remove(sh_state *sh, const char *abs, bool recursive) {
  sh_lock(sh);
  int rc = memfs_remove(sh_fs(sh), abs, recursive);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    if (rc == CTRT_ENO_MEMORY)
      sh_oom(sh);
    return rc == CTRT_ENOT_FOUND ? ENOENT : rc == CTRT_EINVALID_SPEC ? ENOTEMPTY : EINVAL;
  }
  return 0;
}

int sh_fs_chmod(sh_state *sh, const char *abs, uint32_t perm) {
  sh_lock(sh);
  int rc = memfs_chmod(sh_fs(sh), abs, perm);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : ENOENT;
  }
  return 0;
}

int sh_fs_touch(sh_state *sh, const char *abs, ctrt_timestamp t, bool create) {
  sh_lock(sh);
  int rc = memfs_touch(sh_fs(sh), abs, t, create, sh->root->proc->uid, sh->root->proc->gid);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : ENOENT;
  }
  return 0;
}

int sh_fs_symlink(sh_state *sh, const char *target, const char *abs) {
  sh_lock(sh);
  int rc = memfs_symlink(sh_fs(sh), target, abs, sh->root->proc->uid, sh->root->proc->gid);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : rc == CTRT_ENOT_FOUND ? ENOENT : EEXIST;
  }
  return 0;
}

/* Mode text "drwxr-xr-x". */
void sh_mode_string(uint32_t mode, char out[11]) {
  char t = '-';
  if (S_ISDIR(mode))
    t = 'd';
  else if (S_ISLNK(mode))
    t = 'l';
  else if (S_ISCHR(mode))
    t = 'c';
  else if (S_ISBLK(mode))
    t = 'b';
  else if (S_ISFIFO(mode))
    t = 'p';
  else if (S_ISSOCK(mode))
    t = 's';
  out[0] = t;
  const char *rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; i++)
    out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
  if (mode & S_ISUID)
    out[3] = (mode & 0100) ? 's' : 'S';
  if (mode & S_ISGID)
    out[6] = (mode & 0010) ? 's' : 'S';
  if (mode & S_ISVTX)
    out[9] = (mode & 0001) ? 't' : 'T';
  out[10] = '\0';
}

/* 1K blocks a file takes, as busybox counts them on a 4K-block filesystem. */
uint64_t sh_blocks_1k(const memfs_stat *st) {
  if (S_ISDIR(st->mode))
    return 4;
  if (S_ISREG(st->mode))
    return ((uint64_t)st->size + 4095) / 4096 * 4;
  return 0;
}

/* ---- users and groups (names for ls and stat) ---- */

char *sh_slurp(sh_state *sh, const char *path) {
  memfs_blob *blob = NULL;
  sh_lock(sh);
  int rc = memfs_read(sh_fs(sh), path, &blob);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return NULL;
  }
  char *t = ctrt__strndup((const char *)memfs_blob_data(blob), memfs_blob_len(blob));
  memfs_blob_unref(blob);
  return t;
}

void sh_names_load(sh_state *sh, sh_id_names *n) {
  n->passwd = sh_slurp(sh, "/etc/passwd");
  n->group = sh_slurp(sh, "/etc/group");
}

void sh_names_free(sh_id_names *n) {
  ctrt__free(n->passwd);
  ctrt__free(n->group);
}

/* The name with id in a passwd/group text (field 2): into out. */
bool sh_name_of(const char *text, uint32_t id, char *out, size_t cap) {
  if (text == NULL)
    return false;
  for (const char *line = text; *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
    if (c2 != NULL) {
      char *end;
      unsigned long v = strtoul(c2 + 1, &end, 10);
      if (end != c2 + 1 && v == id && (size_t)(c1 - line) < cap) {
        memcpy(out, line, (size_t)(c1 - line));
        out[c1 - line] = '\0';
        return true;
      }
    }
    line = nl ? nl + 1 : line + len;
  }
  return false;
}

/* ---- modes ---- */

/* Apply "755" or "u+x,g-w,o=r,a+X" to mode; false when invalid. */
bool sh_parse_mode(const char *s, uint32_t mode, bool is_dir, uint32_t umask_bits, uint32_t *out) {
  if (*s >= '0' && *s <= '7') {
    uint32_t v = 0;
    for (const char *p = s; *p; p++) {
      if (*p < '0' || *p > '7' || v > 07777)
        return false;
      v = v * 8 + (uint32_t)(*p - '0');
    }
    if (v > 07777)
      return false;
    *out = v;
    return true;
  }
  uint32_t m = mode & 07777;
  const char *p = s;
  while (*p) {
    uint32_t who = 0;
    for (; *p && strchr("ugoa", *p); p++)
      who |= *p == 'u' ? 04700 : *p == 'g' ? 02070 : *p == 'o' ? 01007 : 07777;
    bool explicit_who = who != 0;
    if (!explicit_who)
      who = 07777;
    if (*p == '\0')
      return false;
    while (*p && strchr("+-=", *p)) {
      char op = *p++;
      uint32_t bits = 0;
      for (; *p && strchr("rwxXstugo", *p); p++) {
        switch (*p) {
        case 'r':
          bits |= 0444;
          break;
        case 'w':
          bits |= 0222;
          break;
        case 'x':
          bits |= 0111;
          break;
        case 'X':
          if (is_dir || (m & 0111))
            bits |= 0111;
          break;
        case 's':
          bits |= 06000;
          break;
        case 't':
          bits |= 01000;
          break;
        case 'u':
          bits |= ((m >> 6) & 7) * 0111;
          break;
        case 'g':
          bits |= ((m >> 3) & 7) * 0111;
          break;
        case 'o':
          bits |= (m & 7) * 0111;
          break;
        }
      }
      uint32_t mask = who;
      if (!explicit_who)
        bits &= ~umask_bits | 07000;
      if (op == '+')
        m |= bits & mask;
      else if (op == '-')
        m &= ~(bits & mask);
      else {
        m &= ~(mask & 0777);
        if (explicit_who)
          m &= ~(mask & 07000);
        m |= bits & mask;
      }
    }
    if (*p == ',')
      p++;
    else if (*p != '\0')
      return false;
  }
  *out = m;
  return true;
}
