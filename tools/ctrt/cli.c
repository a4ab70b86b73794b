/* SPDX-License-Identifier: MIT */
/* The ctrt command line's core: parse a subcommand's arguments into method
 * inputs, run it, show what comes back. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* ---- errors ---- */

static int status_of_kind(ctrt_error_kind kind) {
  for (size_t i = 0; i < cli_n_error_exits; i++)
    if (cli_error_exits[i].kind == kind)
      return cli_error_exits[i].status;
  return CLI_EXIT_LOCAL;
}

int cli_fail(cli *c, int rc) {
  const ctrt_error *e = ctrt_error_last();
  ctrt_error_kind kind = e->kind != CTRT_ERROR_NONE ? e->kind : (ctrt_error_kind)-rc;
  c->last_kind = kind;
  cli_progress_end(c);
  fprintf(stderr, "ctrt: %s: %s\n", ctrt_error_kind_name(kind), e->message[0] ? e->message : "(no message)");
  return status_of_kind(kind);
}

int cli_usage_error(cli *c, const char *fmt, ...) {
  (void)c;
  va_list ap;
  va_start(ap, fmt);
  fputs("ctrt: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

static int local_error(const char *what, const char *name) {
  fprintf(stderr, "ctrt: %s %s: %s\n", what, name, strerror(errno));
  return CLI_EXIT_LOCAL;
}

/* ---- help ---- */

/* Print text wrapped at 78 columns, each line indented. */
static void wrap(FILE *to, const char *text, int indent) {
  int col = indent;
  fprintf(to, "%*s", indent, "");
  const char *p = text;
  while (*p) {
    while (*p == ' ')
      p++;
    size_t len = strcspn(p, " ");
    if (len == 0)
      break;
    if (col > indent && col + 1 + (int)len > 78) {
      fprintf(to, "\n%*s", indent, "");
      col = indent;
    } else if (col > indent) {
      fputc(' ', to);
      col++;
    }
    fwrite(p, 1, len, to);
    col += (int)len;
    p += len;
  }
  fputc('\n', to);
}

void cli_help(FILE *to, const cli_command *cmd) {
  if (cmd == NULL) {
    fputs("usage: ctrt [-H URI] [--json|--table] [-o FILE] [--no-progress] SUBCOMMAND [ARGS]\n"
          "       ctrt [-H URI] --batch FILE|-\n\n"
          "Call any method of a container runtime. URI: -H, else CTRT_HOST, DOCKER_HOST,\n"
          "CONTAINER_HOST, else docker://unix:///var/run/docker.sock; 'mock:' is the\n"
          "in-process mock (use --batch to run several commands on one mock).\n"
          "`ctrt SUBCOMMAND --help` describes one; man ctrt(1) has it all.\n\nSubcommands:\n",
          to);
    for (size_t i = 0; i < cli_n_commands; i++) {
      fprintf(to, "  %-34s", cli_commands[i].name);
      const char *s = cli_commands[i].summary;
      int n = (int)strlen(s);
      fprintf(to, "%.*s%s\n", n > 42 ? 39 : n, s, n > 42 ? "..." : "");
    }
    return;
  }
  fprintf(to, "usage: %s\n\n", cmd->usage);
  wrap(to, cmd->doc, 2);
  bool any = false;
  for (size_t i = 0; i < cmd->n_opts; i++) {
    const cli_opt *o = &cmd->opts[i];
    if (!any)
      fputs("\nArguments and options:\n", to);
    any = true;
    if (o->positional)
      fprintf(to, "  %s%s\n", o->metavar, o->kind == CLI_STRLIST || o->kind == CLI_F_REST ? "..." : "");
    else if (o->kind == CLI_BOOL || o->kind == CLI_F_BOOL)
      fprintf(to, "  --%s\n", o->flag);
    else
      fprintf(to, "  --%s %s%s\n", o->flag, o->metavar,
              o->kind == CLI_STRLIST || o->kind == CLI_F_STRLIST || o->kind == CLI_F_MAP ? " (repeatable)" : "");
    if (o->doc != NULL && o->doc[0])
      wrap(to, o->doc, 6);
    else if (o->kind == CLI_F_JSON)
      wrap(to, "JSON, as in the spec's field.", 6);
  }
  fputs("\nCommon options: --json, --table, -o FILE (byte streams), --no-progress, --help\n", to);
  fprintf(to, "Errors it may return: %s (exit status 10 + the kind's code; see ctrt(1)).\n", cmd->errors);
  fprintf(to, "When the backend lacks it: %s.\n", cmd->default_text);
  if (cmd->docker[0])
    fprintf(to, "Docker Engine API: %s.\n", cmd->docker);
  fprintf(to, "C: ctrt_runtime_%s(3).\n", cmd->method);
}

/* ---- parsing ---- */

static const cli_command *find_command(const char *name) {
  for (size_t i = 0; i < cli_n_commands; i++)
    if (strcmp(cli_commands[i].name, name) == 0)
      return &cli_commands[i];
  return NULL;
}

static bool parse_ull(const char *text, unsigned long long max, unsigned long long *out) {
  if (text[0] < '0' || text[0] > '9')
    return false;
  errno = 0;
  char *end = NULL;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return false;
  *out = v;
  return true;
}

static bool parse_bool(const char *text, bool *out) {
  if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0 || strcmp(text, "yes") == 0)
    *out = true;
  else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0 || strcmp(text, "no") == 0)
    *out = false;
  else
    return false;
  return true;
}

static bool append(const char ***list, size_t *n, const char *item) {
  const char **grown = realloc(*list, (*n + 1) * sizeof **list);
  if (grown == NULL)
    return false;
  grown[(*n)++] = item;
  *list = grown;
  return true;
}

/* Per-input state while parsing: the --json base and the field options. */
typedef struct parse_state {
  const cli_command *cmd;
  cli_value *values;
  json_t **fields; /* per input: object of field options */
} parse_state;

static json_t *fields_of(parse_state *ps, int param) {
  if (ps->fields[param] == NULL)
    ps->fields[param] = json_object();
  return ps->fields[param];
}

static int apply_field(cli *c, parse_state *ps, const cli_opt *o, const char *text) {
  json_t *obj = fields_of(ps, o->param);
  json_t *value = NULL;
  if (obj == NULL)
    return cli_usage_error(c, "out of memory");
  switch (o->kind) {
  case CLI_F_STRING:
    value = json_string(text);
    break;
  case CLI_F_BOOL: {
    bool b;
    if (!parse_bool(text, &b))
      return cli_usage_error(c, "--%s takes true or false, not '%s'", o->flag, text);
    value = json_boolean(b);
    break;
  }
  case CLI_F_INT: {
    errno = 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
      return cli_usage_error(c, "--%s takes an integer, not '%s'", o->flag, text);
    value = json_integer(v);
    break;
  }
  case CLI_F_REAL: {
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
      return cli_usage_error(c, "--%s takes a number, not '%s'", o->flag, text);
    value = json_real(v);
    break;
  }
  case CLI_F_STRLIST:
  case CLI_F_REST: {
    json_t *array = json_object_get(obj, o->field);
    if (array == NULL) {
      array = json_array();
      json_object_set_new(obj, o->field, array);
    }
    json_array_append_new(array, json_string(text));
    return 0;
  }
  case CLI_F_MAP: {
    const char *eq = strchr(text, '=');
    if (eq == NULL || eq == text)
      return cli_usage_error(c, "--%s takes KEY=VALUE, not '%s'", o->flag, text);
    json_t *map = json_object_get(obj, o->field);
    if (map == NULL) {
      map = json_object();
      json_object_set_new(obj, o->field, map);
    }
    char *key = strndup(text, (size_t)(eq - text));
    json_object_set_new(map, key, json_string(eq + 1));
    free(key);
    return 0;
  }
  case CLI_F_JSON: {
    json_error_t err;
    value = json_loads(text, JSON_DECODE_ANY, &err);
    if (value == NULL || (o->shortcut != NULL && json_is_string(value) == false && !json_is_object(value))) {
      json_decref(value);
      value = NULL;
      if (o->shortcut == NULL)
        return cli_usage_error(c, "--%s takes JSON: %s", o->flag, err.text);
    }
    if (value == NULL || json_is_string(value)) {
      /* A plain word: the field's first required string (--image busybox). */
      json_t *inner = json_object();
      json_object_set_new(inner, o->shortcut, value != NULL ? value : json_string(text));
      value = inner;
    }
    break;
  }
  default:
    return cli_usage_error(c, "internal: --%s has no field kind", o->flag);
  }
  if (value == NULL)
    return cli_usage_error(c, "--%s: '%s' is not valid text", o->flag, text);
  json_object_set_new(obj, o->field, value);
  return 0;
}

static bool chosen(const cli_opt *o, const char *text) {
  if (o->choices == NULL)
    return true;
  for (const char *const *ch = o->choices; *ch != NULL; ch++)
    if (strcmp(*ch, text) == 0)
      return true;
  return false;
}

static int apply(cli *c, parse_state *ps, const cli_opt *o, const char *text) {
  cli_value *v = &ps->values[o->param];
  if (!chosen(o, text)) {
    fprintf(stderr, "ctrt: --%s takes one of:", o->flag);
    for (const char *const *ch = o->choices; *ch != NULL; ch++)
      fprintf(stderr, " %s", *ch);
    return cli_usage_error(c, "; not '%s'", text);
  }
  v->set = true;
  switch (o->kind) {
  case CLI_ID:
    if (strcmp(o->flag, "service") == 0) {
      v->id.service = (char *)text;
    } else if (strcmp(o->flag, "replica") == 0) {
      unsigned long long n;
      if (!parse_ull(text, UINT32_MAX, &n))
        return cli_usage_error(c, "REPLICA must be a number from 0 to %u, not '%s'", UINT32_MAX, text);
      v->id.replica = (uint32_t)n;
    } else if (strcmp(o->flag, "role") == 0) {
      v->id.role = (char *)text;
    } else {
      unsigned long long n;
      if (!parse_ull(text, INT64_MAX, &n))
        return cli_usage_error(c, "--%s takes a non-negative number, not '%s'", o->flag, text);
      v->id.node_id = n;
    }
    return 0;
  case CLI_STRING:
  case CLI_ENUM:
  case CLI_SOURCE:
    v->str = text;
    return 0;
  case CLI_STRLIST:
    return append(&v->list, &v->n_list, text) ? 0 : cli_usage_error(c, "out of memory");
  case CLI_BOOL:
    return parse_bool(text, &v->flag) ? 0 : cli_usage_error(c, "--%s takes true or false, not '%s'", o->flag, text);
  case CLI_INT:
    if (!parse_ull(text, o->max, &v->num))
      return cli_usage_error(c, "--%s takes a number from 0 to %llu, not '%s'", o->flag, o->max, text);
    return 0;
  case CLI_BYTES:
    free(v->bytes);
    v->bytes = strdup(text);
    v->n_bytes = strlen(text);
    return 0;
  case CLI_JSON: {
    json_error_t err;
    json_t *base = json_loads(text, 0, &err);
    if (!json_is_object(base)) {
      json_decref(base);
      return cli_usage_error(c, "--%s takes a JSON object: %s", o->flag,
                             base == NULL ? err.text : "that is not an object");
    }
    json_decref(v->json);
    v->json = base;
    return 0;
  }
  default:
    return apply_field(c, ps, o, text);
  }
}

/* A byte source reading a file and counting for the progress bar. */
typedef struct file_source {
  cli *c;
  int fd;
} file_source;

static int read_file_source(void *ctx, void *buf, size_t cap, size_t *n_read) {
  file_source *fs = ctx;
  ssize_t n;
  do
    n = read(fs->fd, buf, cap);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return ctrt_backend_error(CTRT_ERROR_INTERNAL, 0, "reading %s: %s", fs->c->in_label, strerror(errno));
  if (n == 0)
    return CTRT_ITEROVER;
  *n_read = (size_t)n;
  fs->c->in_done += (unsigned long long)n;
  if (fs->c->progress)
    cli_progress(fs->c, fs->c->in_label, fs->c->in_done, fs->c->in_total);
  return 0;
}

static int read_all(int fd, void **data, size_t *len) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (buf == NULL)
      return -1;
    if (n == cap) {
      char *grown = realloc(buf, cap *= 2);
      if (grown == NULL) {
        free(buf);
        return -1;
      }
      buf = grown;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      free(buf);
      return -1;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  *data = buf;
  *len = n;
  return 0;
}

static const cli_opt *find_flag(const cli_command *cmd, const char *name, size_t len) {
  for (size_t i = 0; i < cmd->n_opts; i++) {
    const cli_opt *o = &cmd->opts[i];
    if (!o->positional && strlen(o->flag) == len && strncmp(o->flag, name, len) == 0)
      return o;
  }
  return NULL;
}

static bool is_rest(const cli_opt *o) { return o->kind == CLI_STRLIST || o->kind == CLI_F_REST; }

/* Whether a word is an option this subcommand (or every subcommand) takes. */
static bool is_option(const cli_command *cmd, const char *a) {
  if (strcmp(a, "-o") == 0 || strcmp(a, "-h") == 0)
    return true;
  if (strncmp(a, "--", 2) != 0)
    return false;
  const char *name = a + 2;
  size_t len = strcspn(name, "=");
  static const char *const common[] = {"json", "table", "no-progress", "output", "help"};
  for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
    if (strlen(common[i]) == len && strncmp(common[i], name, len) == 0)
      return true;
  return find_flag(cmd, name, len) != NULL;
}

/* Parse argv[1..] of cmd into ps; 0 or an exit status. */
static int parse(cli *c, parse_state *ps, int argc, char **argv, bool *help) {
  const cli_command *cmd = ps->cmd;
  size_t pos = 0; /* next positional */
  const cli_opt *positionals[16];
  size_t n_pos = 0;
  for (size_t i = 0; i < cmd->n_opts && n_pos < 16; i++)
    if (cmd->opts[i].positional)
      positionals[n_pos++] = &cmd->opts[i];
  bool literal = false; /* after "--": every word is an argument */
  bool in_rest = false; /* the rest argument (a command line) has begun */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!literal && strcmp(a, "--") == 0) {
      literal = true;
      continue;
    }
    /* Once a command line has begun, only this subcommand's own options are
     * options: `exec web 1 sh -c 'echo hi'` passes -c on, `save-images IMAGE
     * -o FILE` keeps -o. */
    bool rest = literal || a[0] != '-' || strcmp(a, "-") == 0 || (in_rest && !is_option(cmd, a));
    if (!rest && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
      *help = true;
      return 0;
    }
    if (!rest && strcmp(a, "-o") == 0) {
      if (++i >= argc)
        return cli_usage_error(c, "-o needs a FILE");
      c->output = argv[i];
      continue;
    }
    if (!rest && strncmp(a, "--", 2) == 0) {
      const char *name = a + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
      const char *inline_value = eq != NULL ? eq + 1 : NULL;
      if (len == 4 && strncmp(name, "json", 4) == 0) {
        c->json = true;
        continue;
      }
      if (len == 5 && strncmp(name, "table", 5) == 0) {
        c->table = true;
        continue;
      }
      if (len == 11 && strncmp(name, "no-progress", 11) == 0) {
        c->no_progress = true;
        continue;
      }
      if (len == 6 && strncmp(name, "output", 6) == 0) {
        if (inline_value == NULL && ++i >= argc)
          return cli_usage_error(c, "--output needs a FILE");
        c->output = inline_value != NULL ? inline_value : argv[i];
        continue;
      }
      const cli_opt *o = find_flag(cmd, name, len);
      if (o == NULL)
        return cli_usage_error(c, "%s has no option --%.*s; `ctrt %s --help` lists them", cmd->name, (int)len, name,
                               cmd->name);
      const char *value = inline_value;
      if (value == NULL && (o->kind == CLI_BOOL || o->kind == CLI_F_BOOL))
        value = "true";
      if (value == NULL) {
        if (++i >= argc)
          return cli_usage_error(c, "--%s needs a value (%s)", o->flag, o->metavar);
        value = argv[i];
      }
      int rc = apply(c, ps, o, value);
      if (rc != 0)
        return rc;
      continue;
    }
    if (!rest)
      return cli_usage_error(c, "%s has no option %s; `ctrt %s --help` lists them", cmd->name, a, cmd->name);
    if (pos >= n_pos)
      return cli_usage_error(c, "%s takes no argument '%s' here; usage: %s", cmd->name, a, cmd->usage);
    const cli_opt *o = positionals[pos];
    int rc = apply(c, ps, o, a);
    if (rc != 0)
      return rc;
    if (is_rest(o))
      in_rest = true;
    else
      pos++;
  }
  for (size_t p = 0; p < n_pos; p++) {
    const cli_opt *o = positionals[p];
    bool got = is_rest(o) ? (o->kind == CLI_STRLIST ? ps->values[o->param].n_list > 0
                                                    : json_object_get(fields_of(ps, o->param), o->field) != NULL)
                          : p < pos;
    if (o->required && !got)
      return cli_usage_error(c, "%s needs %s; usage: %s", cmd->name, o->metavar, cmd->usage);
  }
  for (size_t i = 0; i < cmd->n_opts; i++) {
    const cli_opt *o = &cmd->opts[i];
    if (!o->positional && o->required && !ps->values[o->param].set)
      return cli_usage_error(c, "%s needs --%s %s", cmd->name, o->flag, o->metavar);
  }
  return 0;
}

/* Turn parsed text into the inputs the method takes: JSON objects, open
 * sources, stdin bytes. */
static int finish(cli *c, parse_state *ps, int *fd_out) {
  const cli_command *cmd = ps->cmd;
  for (size_t i = 0; i < cmd->n_opts; i++) {
    const cli_opt *o = &cmd->opts[i];
    cli_value *v = &ps->values[o->param];
    if (o->kind == CLI_JSON) {
      json_t *fields = ps->fields[o->param];
      if (v->json == NULL && (fields != NULL || o->always))
        v->json = json_object();
      if (v->json != NULL && fields != NULL)
        json_object_update(v->json, fields);
    } else if (o->kind == CLI_SOURCE && v->source == NULL) {
      const char *name = v->str != NULL ? v->str : "-";
      int fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return local_error("cannot open", name);
      if (fd == 0 && isatty(0))
        return cli_usage_error(c, "%s reads a tar: give --%s FILE or redirect stdin", cmd->name, o->flag);
      struct stat st;
      c->in_total = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
      c->in_done = 0;
      c->in_label = strcmp(name, "-") == 0 ? "stdin" : name;
      *fd_out = fd;
      static file_source fs; /* one source per command */
      fs.c = c;
      fs.fd = fd;
      if (ctrt_byte_source_from_callback(&v->source, read_file_source, &fs) < 0)
        return cli_fail(c, -1);
    } else if (o->kind == CLI_BYTES && v->bytes == NULL) {
      if (read_all(0, &v->bytes, &v->n_bytes) < 0)
        return local_error("cannot read", "stdin");
    }
  }
  return 0;
}

static void release(parse_state *ps, size_t n, int fd) {
  for (size_t i = 0; i < n; i++) {
    free(ps->values[i].list);
    json_decref(ps->values[i].json);
    json_decref(ps->fields[i]);
    ctrt_byte_source_free(ps->values[i].source);
    free(ps->values[i].bytes);
  }
  if (fd > 0)
    close(fd);
}

int cli_run(cli *c, int argc, char **argv) {
  if (argc < 1) {
    cli_help(stderr, NULL);
    return CLI_EXIT_USAGE;
  }
  const cli_command *cmd = find_command(argv[0]);
  if (cmd == NULL)
    return cli_usage_error(c, "no subcommand '%s'; `ctrt --help` lists them", argv[0]);
  cli_value values[16];
  json_t *fields[16];
  memset(values, 0, sizeof values);
  memset(fields, 0, sizeof fields);
  for (size_t i = 0; i < 16; i++)
    values[i].id = (ctrt_container_id)CTRT_CONTAINER_ID_INIT;
  parse_state ps = {cmd, values, fields};
  bool help = false;
  int fd = -1;
  c->exit_status = 0;
  c->bar_drawn = false;
  c->last_kind = CTRT_ERROR_NONE;
  int rc = parse(c, &ps, argc, argv, &help);
  if (rc == 0 && help) {
    cli_help(stdout, cmd);
  } else if (rc == 0) {
    c->progress = cmd->progress && c->err_tty && !c->no_progress && !c->json;
    rc = finish(c, &ps, &fd);
    if (rc == 0 && c->rt == NULL && ctrt_open(&c->rt, c->host) < 0)
      rc = cli_fail(c, -1);
    if (rc == 0) {
      rc = cmd->run(c, values);
      cli_progress_end(c);
    }
  }
  release(&ps, 16, fd);
  fflush(stdout);
  return rc;
}

/* ---- output ---- */

static bool is_scalar(const json_t *v) { return !json_is_object(v) && !json_is_array(v); }

static void cell(const json_t *v, char *buf, size_t cap) {
  buf[0] = '\0';
  if (json_is_string(v)) {
    snprintf(buf, cap, "%s", json_string_value(v));
  } else if (json_is_array(v)) {
    size_t i, used = 0;
    json_t *item;
    json_array_foreach(v, i, item) {
      if (json_is_string(item) && used < cap)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? "," : "", json_string_value(item));
    }
  } else if (v != NULL && !json_is_null(v) && is_scalar(v)) {
    char *text = json_dumps(v, JSON_ENCODE_ANY);
    snprintf(buf, cap, "%s", text != NULL ? text : "");
    free(text);
  }
}

/* A list of objects as columns of its scalar (and string-list) fields. */
static void table(const json_t *list) {
  enum { MAX_COLS = 8, WIDTH = 40 };
  const char *cols[MAX_COLS];
  size_t n_cols = 0, i;
  json_t *row;
  json_array_foreach(list, i, row) {
    const char *key;
    json_t *v;
    if (!json_is_object(row)) {
      char buf[256];
      cell(row, buf, sizeof buf);
      puts(buf);
      continue;
    }
    json_object_foreach((json_t *)row, key, v) {
      bool ok = is_scalar(v) || (json_is_array(v) && (json_array_size(v) == 0 || json_is_string(json_array_get(v, 0))));
      bool seen = false;
      for (size_t k = 0; k < n_cols; k++)
        seen = seen || strcmp(cols[k], key) == 0;
      if (ok && !seen && n_cols < MAX_COLS)
        cols[n_cols++] = key;
    }
  }
  if (n_cols == 0)
    return;
  size_t width[MAX_COLS];
  for (size_t k = 0; k < n_cols; k++)
    width[k] = strlen(cols[k]);
  char buf[WIDTH + 1];
  json_array_foreach(list, i, row) {
    for (size_t k = 0; k < n_cols; k++) {
      cell(json_object_get(row, cols[k]), buf, sizeof buf);
      if (strlen(buf) > width[k])
        width[k] = strlen(buf);
    }
  }
  for (size_t k = 0; k < n_cols; k++) {
    for (const char *p = cols[k]; *p; p++)
      putchar(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    printf("%*s", k + 1 < n_cols ? (int)(width[k] - strlen(cols[k]) + 2) : 0, "");
  }
  putchar('\n');
  json_array_foreach(list, i, row) {
    for (size_t k = 0; k < n_cols; k++) {
      cell(json_object_get(row, cols[k]), buf, sizeof buf);
      printf("%-*s", k + 1 < n_cols ? (int)width[k] + 2 : 0, buf);
    }
    putchar('\n');
  }
}

int cli_show_json(cli *c, json_t *json, bool is_list) {
  if (is_list && json_is_array(json) && (c->table || (c->out_tty && !c->json))) {
    table(json);
  } else {
    json_dumpf(json, stdout, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | (c->out_tty ? JSON_INDENT(2) : JSON_COMPACT));
    putchar('\n');
  }
  json_decref(json);
  return 0;
}

int cli_show_text(cli *c, const char *text) {
  (void)c;
  if (text != NULL)
    puts(text);
  return 0;
}

int cli_show_number(cli *c, bool present, bool is_signed, unsigned long long value) {
  (void)c;
  if (!present)
    puts("null");
  else if (is_signed)
    printf("%lld\n", (long long)value);
  else
    printf("%llu\n", value);
  return 0;
}

int cli_show_item(cli *c, json_t *json) {
  (void)c;
  json_dumpf(json, stdout, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | JSON_COMPACT);
  putchar('\n');
  fflush(stdout); /* as they come */
  json_decref(json);
  return 0;
}

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Write raw output to stdout or stderr, after what stdio holds. */
static int raw_out(cli *c, bool to_stderr, const void *data, size_t len) {
  cli_progress_end(c);
  fflush(stdout);
  if (write_all(to_stderr ? 2 : 1, data, len) < 0)
    return local_error("cannot write", to_stderr ? "stderr" : "stdout");
  return 0;
}

int cli_show_log_chunk(cli *c, const ctrt_log_chunk *chunk) {
  if (c->json) {
    json_t *j = NULL;
    return ctrt_log_chunk_to_json(&j, chunk) < 0 ? cli_fail(c, -1) : cli_show_item(c, j);
  }
  return raw_out(c, chunk->stream == CTRT_LOG_CHANNEL_STDERR, chunk->data.data, chunk->data.len);
}

int cli_show_exec_event(cli *c, const ctrt_exec_event *event) {
  if (event->kind == CTRT_EXEC_EVENT_EXIT)
    c->exit_status = event->exit;
  if (c->json) {
    json_t *j = NULL;
    return ctrt_exec_event_to_json(&j, event) < 0 ? cli_fail(c, -1) : cli_show_item(c, j);
  }
  if (event->kind == CTRT_EXEC_EVENT_STDOUT)
    return raw_out(c, false, event->stdout_.data, event->stdout_.len);
  if (event->kind == CTRT_EXEC_EVENT_STDERR)
    return raw_out(c, true, event->stderr_.data, event->stderr_.len);
  return 0;
}

/* exec, exec-with-opts: the process's bytes as they are on stdout and
 * stderr, and its exit code as ctrt's (as `docker exec` does); --json gives
 * the ExecResult with its base64 fields. */
int cli_show_exec_result(cli *c, const ctrt_exec_result *result) {
  c->exit_status = result->exit_code;
  if (c->json) {
    json_t *j = NULL;
    return ctrt_exec_result_to_json(&j, result) < 0 ? cli_fail(c, -1) : cli_show_json(c, j, false);
  }
  int rc = raw_out(c, false, result->stdout_.data, result->stdout_.len);
  if (rc == 0)
    rc = raw_out(c, true, result->stderr_.data, result->stderr_.len);
  if (rc == 0 && result->output_truncated)
    fprintf(stderr, "ctrt: the output was cut at the exec output cap (exec_output_max)\n");
  return rc != 0 ? rc : c->exit_status;
}

/* A status line: above the bar on a terminal, plain otherwise. */
static void status_line(cli *c, const char *id, const char *status) {
  if (c->progress && c->bar_drawn)
    fputs("\r\033[K", stderr);
  c->bar_drawn = false;
  FILE *to = c->progress ? stderr : stdout;
  if (id != NULL && id[0])
    fprintf(to, "%s: %s\n", id, status);
  else
    fprintf(to, "%s\n", status);
  fflush(to);
}

int cli_show_pull_progress(cli *c, const ctrt_pull_progress *event) {
  if (c->json) {
    json_t *j = NULL;
    return ctrt_pull_progress_to_json(&j, event) < 0 ? cli_fail(c, -1) : cli_show_item(c, j);
  }
  if (event->kind == CTRT_PULL_PROGRESS_DONE) {
    cli_progress_end(c);
    printf("%s%s%s\n", event->done.reference, event->done.digest ? "@" : "",
           event->done.digest ? event->done.digest : "");
    return 0;
  }
  const ctrt_pull_progress_status *s = &event->status;
  if (c->progress && s->has_current) {
    char label[160];
    snprintf(label, sizeof label, "%s %s", s->id ? s->id : "", s->status);
    cli_progress(c, label, s->current, s->has_total ? s->total : 0);
  } else if (!s->has_current) {
    status_line(c, s->id, s->status);
  } else if (!c->progress) {
    char text[200];
    snprintf(text, sizeof text, "%s %llu/%llu", s->status, (unsigned long long)s->current,
             s->has_total ? (unsigned long long)s->total : 0ULL);
    status_line(c, s->id, text);
  }
  return 0;
}

int cli_show_load_progress(cli *c, const ctrt_load_progress *event) {
  if (c->json) {
    json_t *j = NULL;
    return ctrt_load_progress_to_json(&j, event) < 0 ? cli_fail(c, -1) : cli_show_item(c, j);
  }
  if (event->kind == CTRT_LOAD_PROGRESS_DONE) {
    cli_progress_end(c);
    for (size_t i = 0; i < event->done.n_references; i++)
      printf("Loaded: %s\n", event->done.references[i]);
    return 0;
  }
  status_line(c, event->status.id, event->status.status);
  if (c->progress)
    cli_progress(c, c->in_label, c->in_done, c->in_total);
  return 0;
}

int cli_stream_end(cli *c) {
  cli_progress_end(c);
  return c->exit_status;
}

static void human(char *buf, size_t cap, unsigned long long n) {
  if (n >= 1024ULL * 1024)
    snprintf(buf, cap, "%.1fMiB", (double)n / (1024.0 * 1024.0));
  else if (n >= 1024)
    snprintf(buf, cap, "%.1fKiB", (double)n / 1024.0);
  else
    snprintf(buf, cap, "%lluB", n);
}

void cli_progress(cli *c, const char *label, unsigned long long done, unsigned long long total) {
  if (!c->progress)
    return;
  char d[32], t[32];
  human(d, sizeof d, done);
  if (total > 0) {
    enum { BAR = 30 };
    unsigned long long shown = done > total ? total : done;
    int filled = (int)(shown * BAR / total);
    char bar[BAR + 1];
    for (int i = 0; i < BAR; i++)
      bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[BAR] = '\0';
    human(t, sizeof t, total);
    fprintf(stderr, "\r\033[K%.40s [%s] %3d%% %s/%s", label, bar, (int)(shown * 100 / total), d, t);
  } else {
    fprintf(stderr, "\r\033[K%.40s %s", label, d);
  }
  fflush(stderr);
  c->bar_drawn = true;
}

void cli_progress_end(cli *c) {
  if (c->bar_drawn) {
    fputc('\n', stderr);
    fflush(stderr);
  }
  c->bar_drawn = false;
}

int cli_copy_out(cli *c, int (*read_fn)(void *stream, void *buf, size_t cap, size_t *n_read), void *stream) {
  int fd = 1;
  const char *name = "stdout";
  if (c->output != NULL && strcmp(c->output, "-") != 0) {
    name = c->output;
    fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
      return local_error("cannot create", name);
  } else if (c->out_tty) {
    return cli_usage_error(c, "not writing a tar to a terminal: give -o FILE or redirect stdout");
  }
  bool bar = c->progress && fd != 1;
  c->progress = bar;
  static char buf[64 * 1024];
  unsigned long long total = 0;
  int rc = 0;
  for (;;) {
    size_t n = 0;
    int r = read_fn(stream, buf, sizeof buf, &n);
    if (r == CTRT_ITEROVER)
      break;
    if (r < 0) {
      rc = cli_fail(c, r);
      break;
    }
    if (write_all(fd, buf, n) < 0) {
      rc = local_error("cannot write", name);
      break;
    }
    total += n;
    cli_progress(c, name, total, 0);
  }
  cli_progress_end(c);
  if (fd != 1 && close(fd) < 0 && rc == 0)
    rc = local_error("cannot write", name);
  return rc;
}

/* ---- interactive sessions (exec-pty) ---- */

int cli_session(cli *c, ctrt_exec_handle *handle) {
  struct termios saved;
  bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    struct winsize ws;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
      (void)ctrt_exec_handle_resize(handle, ws.ws_row, ws.ws_col); /* a backend without resize still runs */
  }
  int fd = ctrt_exec_handle_fd(handle);
  bool in_open = true;
  int rc = 0;
  char buf[16 * 1024];
  for (;;) {
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    nfds_t n = in_open ? 2 : 1;
    if (fd >= 0 && poll(p, n, -1) < 0) {
      if (errno == EINTR)
        continue;
      rc = local_error("cannot poll", "the session");
      break;
    }
    if (fd < 0 && in_open) {
      p[1].revents = POLLIN; /* no descriptor: send stdin first, then read */
      p[0].revents = 0;
    } else if (fd < 0) {
      p[0].revents = POLLIN;
    }
    if (in_open && (p[1].revents & (POLLIN | POLLHUP))) {
      ssize_t r = read(0, buf, sizeof buf);
      if (r <= 0 || ctrt_exec_handle_write(handle, buf, (size_t)r) < 0) {
        in_open = false;
        (void)ctrt_exec_handle_close_stdin(handle); /* the process sees end of input */
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ctrt_log_channel channel = CTRT_LOG_CHANNEL_STDOUT;
      size_t got = 0;
      int r = ctrt_exec_handle_read(handle, &channel, buf, sizeof buf, &got);
      if (r == CTRT_ITEROVER)
        break;
      if (r < 0) {
        rc = cli_fail(c, r);
        break;
      }
      if ((rc = raw_out(c, channel == CTRT_LOG_CHANNEL_STDERR, buf, got)) != 0)
        break;
    }
  }
  if (raw)
    tcsetattr(0, TCSANOW, &saved);
  if (rc != 0)
    return rc;
  int32_t code = 0;
  if (ctrt_exec_handle_wait(handle, &code) < 0)
    return cli_fail(c, -1);
  c->exit_status = code;
  return code;
}
