/* SPDX-License-Identifier: MIT */
/*
 * Process applets: true, false, pwd, sleep, usleep, kill, env, busybox.
 * Options, messages and exit statuses are busybox 1.35's.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>

/* ---- true, false, pwd, sync-like trivia ---- */

SH_APPLET(true) {
  (void)sh;
  (void)io;
  (void)argc;
  (void)argv;
  return 0;
}

SH_APPLET(false) {
  (void)sh;
  (void)io;
  (void)argc;
  (void)argv;
  return 1;
}

SH_APPLET(pwd) {
  (void)argc;
  (void)argv;
  if (sh_printf(sh, io, 1, "%s\n", sh->cwd) < 0 && !sh_stopping(sh)) {
    sh_err(sh, io, "write error: %s", strerror(EBADF));
    return 1;
  }
  return 0;
}

/* ---- sleep, usleep ---- */

/* "1.5", "2m", "inf": milliseconds (false if not a duration). */
static bool parse_duration(const char *s, double *ms) {
  if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0) {
    *ms = INFINITY;
    return true;
  }
  if (!isdigit((unsigned char)s[0]) && s[0] != '.')
    return false;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s)
    return false;
  double mult = 1000;
  if (*end != '\0') {
    if (end[1] != '\0')
      return false;
    switch (*end) {
    case 's':
      break;
    case 'm':
      mult = 60e3;
      break;
    case 'h':
      mult = 3600e3;
      break;
    case 'd':
      mult = 86400e3;
      break;
    default:
      return false;
    }
  }
  *ms = v * mult;
  return true;
}

static const uint64_t forever_ms = UINT64_C(100) * 365 * 86400 * 1000;

SH_APPLET(sleep) {
  if (argc < 2)
    return sh_usage(sh, io, "sleep");
  double total = 0;
  for (int i = 1; i < argc; i++) {
    double ms;
    if (strcmp(argv[i], "--") == 0 && i == 1)
      continue;
    if (!parse_duration(argv[i], &ms)) {
      sh_err(sh, io, "invalid number '%s'", argv[i]);
      return 1;
    }
    total += ms;
  }
  uint64_t ms = total >= (double)forever_ms ? forever_ms : (uint64_t)ceil(total);
  sh_sleep(sh, ms);
  return 0;
}

SH_APPLET(usleep) {
  if (argc < 2)
    return sh_usage(sh, io, "usleep");
  long long us;
  if (!sh_parse_long(argv[1], &us) || us < 0) {
    sh_err(sh, io, "invalid number '%s'", argv[1]);
    return 1;
  }
  sh_sleep(sh, (uint64_t)(us + 999) / 1000);
  return 0;
}

/* ---- kill ---- */

SH_APPLET(kill) {
  int i = 1;
  int sig = SIGTERM;
  if (argc < 2) {
    sh_err(sh, io, "you need to specify whom to kill");
    return 1;
  }
  if (strcmp(argv[1], "-l") == 0) {
    sh_outbuf o = {sh, io, 1, {0}, false};
    if (argc == 2) {
      for (int s = 1; s < 32; s++)
        sh_out_f(&o, "%2d) %s\n", s, sh_signal_name(s));
    }
    for (int k = 2; k < argc; k++) {
      const char *a = argv[k];
      if (isdigit((unsigned char)a[0])) {
        long long v;
        if (!sh_parse_long(a, &v)) {
          sh_out_done(&o);
          sh_err(sh, io, "bad signal name '%s'", a);
          return 1;
        }
        if (v > 128)
          v -= 128;
        const char *name = v == 0 ? "EXIT" : v > 0 && v < 32 ? sh_signal_name((int)v) : NULL;
        if (name)
          sh_out_f(&o, "%s\n", name);
        else
          sh_out_f(&o, "%s\n", a);
      } else {
        int s = sh_signal_number(a);
        if (s <= 0) {
          sh_out_done(&o);
          sh_err(sh, io, "unknown signal '%s'", a);
          return 1;
        }
        sh_out_f(&o, "%d\n", s);
      }
    }
    return sh_out_done(&o) ? 0 : 1;
  }
  if (argv[1][0] == '-' && argv[1][1] != '\0' && strcmp(argv[1], "--") != 0) {
    const char *name = argv[1] + 1;
    i = 2;
    if (strcmp(name, "s") == 0 && argc > 2) {
      name = argv[2];
      i = 3;
    }
    sig = sh_signal_number(name);
    if (sig < 0) {
      sh_err(sh, io, "bad signal name '%s'", name);
      return 1;
    }
  }
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  if (i >= argc) {
    sh_err(sh, io, "you need to specify whom to kill");
    return 1;
  }
  int errors = 0;
  const mock_proc *proc = sh->root->proc;
  for (; i < argc; i++) {
    long long pid;
    if (!sh_parse_long(argv[i], &pid) || pid > INT_MAX || pid < INT_MIN) {
      sh_err(sh, io, "invalid number '%s'", argv[i]);
      return 1;
    }
    int rc = proc->signal_pid != NULL ? proc->signal_pid(proc->ctx, (int)pid, sig) : -1;
    if (rc < 0) {
      ctrt_error_clear();
      sh_err(sh, io, "can't kill pid %lld: %s", pid, strerror(ESRCH));
      errors++;
    }
  }
  sh_poll(sh);
  return errors;
}

/* ---- env ---- */

SH_APPLET(env) {
  sh_strv env = {0};
  if (sh_environ(sh, &env) < 0)
    return sh_oom(sh), 1;
  int i = 1;
  int status = 0;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-") == 0 || strcmp(a, "-i") == 0) {
      sh_strv_free(&env);
      continue;
    }
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "-u") == 0 || strncmp(a, "-u", 2) == 0) {
      const char *name = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (name == NULL) {
        sh_err(sh, io, "option requires an argument -- 'u'");
        sh_strv_free(&env);
        return sh_usage(sh, io, "env");
      }
      size_t nl = strlen(name);
      for (size_t k = 0; k < env.n; k++)
        if (strncmp(env.v[k], name, nl) == 0 && env.v[k][nl] == '=') {
          ctrt__free(env.v[k]);
          memmove(&env.v[k], &env.v[k + 1], (env.n - k) * sizeof(char *));
          env.n--;
          break;
        }
      continue;
    }
    if (strcmp(a, "-0") == 0)
      continue;
    if (a[0] == '-' && a[1] != '\0') {
      sh_err(sh, io, "invalid option -- '%c'", a[1]);
      sh_strv_free(&env);
      return sh_usage(sh, io, "env");
    }
    break;
  }
  /* NAME=VALUE: set or replace */
  for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
    const char *eq = strchr(argv[i], '=');
    size_t nl = (size_t)(eq - argv[i]);
    bool replaced = false;
    for (size_t k = 0; k < env.n && !replaced; k++)
      if (strncmp(env.v[k], argv[i], nl + 1) == 0) {
        char *d = ctrt__strdup(argv[i]);
        if (d == NULL) {
          sh_strv_free(&env);
          return sh_oom(sh), 1;
        }
        ctrt__free(env.v[k]);
        env.v[k] = d;
        replaced = true;
      }
    if (!replaced && sh_strv_add(&env, argv[i]) < 0) {
      sh_strv_free(&env);
      return sh_oom(sh), 1;
    }
  }
  if (i >= argc) {
    sh_outbuf o = {sh, io, 1, {0}, false};
    for (size_t k = 0; k < env.n; k++) {
      sh_out_s(&o, env.v[k]);
      sh_out_c(&o, '\n');
    }
    sh_strv_free(&env);
    return sh_out_done(&o) ? 0 : 1;
  }
  const char *path = NULL;
  for (size_t k = 0; k < env.n; k++)
    if (strncmp(env.v[k], "PATH=", 5) == 0)
      path = env.v[k] + 5;
  sh_resolved r;
  if (sh_resolve_cmd(sh, argv[i], path, &r) < 0) {
    sh_strv_free(&env);
    return 1;
  }
  if (r.status != 0) {
    sh_err(sh, io, "can't execute '%s': %s", argv[i], strerror(r.err));
    status = r.status;
  } else {
    sh_state *child = sh_state_new(sh->root, sh, env.v, env.n, sh->cwd);
    if (child == NULL) {
      sh_oom(sh);
      status = 1;
    } else {
      child->parent_is_top = sh->parent_is_top || sh == sh->root->top;
      child->ctx_io = io;
      status = sh_exec_resolved(child, io, &r, argv + i, (size_t)(argc - i));
      if (status < 0) {
        sh_err(sh, io, "can't execute '%s': %s", argv[i], strerror(ENOENT));
        status = 127;
      }
      if (child->unwind == SH_U_EXIT && !child->is_shell)
        status = child->exit_status;
      sh_state_free(child);
    }
  }
  sh_resolved_clear(&r);
  sh_strv_free(&env);
  return status;
}

/* ---- busybox ---- */

SH_APPLET(busybox) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    sh_outbuf o = {sh, io, 1, {0}, false};
    sh_out_s(&o, "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n"
                 "BusyBox is copyrighted by many authors between 1998-2015.\n"
                 "Licensed under GPLv2. See source distribution for detailed\n"
                 "copyright notices.\n\n"
                 "Usage: busybox [function [arguments]...]\n"
                 "   or: busybox --list[-full]\n"
                 "   or: busybox --install [-s] [DIR]\n"
                 "   or: function [arguments]...\n\n"
                 "\tBusyBox is a multi-call binary that combines many common Unix\n"
                 "\tutilities into a single executable.  The shell in this build\n"
                 "\tis configured to run built-in utilities without $PATH search.\n"
                 "\tYou don't need to install a link to busybox for each utility.\n"
                 "\tTo run external program, use full path (/sbin/ip instead of ip).\n\n"
                 "Currently defined functions:\n");
    size_t col = 0;
    for (size_t k = 0; mock_shell_applets[k] != NULL; k++) {
      const char *a = mock_shell_applets[k];
      bool last = mock_shell_applets[k + 1] == NULL;
      if (col == 0)
        col = 8, sh_out_c(&o, '\t');
      else if (col + strlen(a) + 2 > 78)
        col = 8, sh_out_s(&o, "\n\t");
      else
        col++, sh_out_c(&o, ' ');
      sh_out_s(&o, a);
      col += strlen(a) + 1;
      sh_out_s(&o, last ? "\n" : ",");
    }
    return sh_out_done(&o) ? 0 : 1;
  }
  if (strcmp(argv[1], "--list") == 0 || strcmp(argv[1], "--list-full") == 0) {
    sh_outbuf o = {sh, io, 1, {0}, false};
    bool full = argv[1][6] == '-';
    for (size_t k = 0; mock_shell_applets[k] != NULL; k++)
      sh_out_f(&o, "%s%s\n", full ? "bin/" : "", mock_shell_applets[k]);
    return sh_out_done(&o) ? 0 : 1;
  }
  const char *name = argv[1];
  const char *slash = strrchr(name, '/');
  if (slash)
    name = slash + 1;
  const sh_applet *a = sh_find_applet(name, SH_A_APPLET);
  if (a == NULL) {
    sh_printf(sh, io, 2, "%s: applet not found\n", name);
    return 127;
  }
  sh->applet_name = name;
  return sh_call_applet(a, sh, io, argc - 1, argv + 1);
}
