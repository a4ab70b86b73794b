/* SPDX-License-Identifier: MIT */
/*
 * The ctrt command line: the hand-written core (argument parsing, output,
 * progress, sessions) that the generated subcommand table
 * (build/generated/tools/cli_commands.c, from spec/) drives.
 */
#ifndef CTRT_TOOLS_CLI_H
#define CTRT_TOOLS_CLI_H

#include <ctrt/ctrt.h>
#include <ctrt/json.h>

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How an argument or option is read (see codegen/ctrtgen/cli.py). */
typedef enum cli_kind {
  CLI_ID,        /* SERVICE REPLICA positionals, --role, --node-id */
  CLI_STRING,    /* a string input */
  CLI_STRLIST,   /* a list<string> input: the rest of the line, or repeated */
  CLI_BOOL,      /* a switch */
  CLI_INT,       /* a non-negative integer up to .max */
  CLI_ENUM,      /* a wire string, converted by the subcommand */
  CLI_SOURCE,    /* a file (or '-') read as a byte source */
  CLI_BYTES,     /* text, or stdin */
  CLI_JSON,      /* a struct input as JSON */
  CLI_F_STRING,  /* struct field: string (or enum wire string) */
  CLI_F_BOOL,    /* struct field: bool (--x, --x=false) */
  CLI_F_INT,     /* struct field: integer */
  CLI_F_REAL,    /* struct field: number */
  CLI_F_STRLIST, /* struct field: list<string>, repeated */
  CLI_F_MAP,     /* struct field: map<string>, KEY=VALUE repeated */
  CLI_F_JSON,    /* struct field: JSON, or a plain string for .shortcut */
  CLI_F_REST,    /* struct field: list<string> from the rest of the line */
} cli_kind;

typedef struct cli_opt {
  const char *flag;
  cli_kind kind;
  int param;       /* the method input it feeds */
  bool positional; /* else --flag */
  bool required;
  bool always;                /* CLI_JSON: a required struct ({} when not given) */
  const char *metavar;        /* for usage and help */
  const char *field;          /* CLI_F_*: the field's wire name */
  const char *shortcut;       /* CLI_F_JSON: the field a plain string sets */
  unsigned long long max;     /* CLI_INT */
  const char *const *choices; /* CLI_ENUM, enum fields: the wire strings, NULL-terminated */
  const char *doc;
} cli_opt;

/* The value of one method input after parsing. */
typedef struct cli_value {
  bool set;
  const char *str;
  ctrt_container_id id;
  const char **list;
  size_t n_list;
  bool flag;
  unsigned long long num;
  json_t *json;
  ctrt_byte_source *source;
  void *bytes;
  size_t n_bytes;
} cli_value;

typedef struct cli cli;

typedef struct cli_command {
  const char *name;   /* "pull-image" */
  const char *method; /* "pull_image" */
  const char *summary;
  const char *doc;
  const char *usage;
  const char *errors;       /* the error kinds it may return */
  const char *default_text; /* what happens when the backend lacks it */
  const char *docker;       /* Docker Engine API calls */
  const cli_opt *opts;
  size_t n_opts;
  size_t n_params;
  const char *stream; /* "typed", "bytes" or NULL */
  bool progress;      /* draws a progress bar on a terminal */
  int (*run)(cli *c, cli_value *values);
} cli_command;

typedef struct cli_error_exit {
  ctrt_error_kind kind;
  const char *name;
  int status;
  const char *doc;
} cli_error_exit;

extern const cli_command cli_commands[];
extern const size_t cli_n_commands;
extern const cli_error_exit cli_error_exits[];
extern const size_t cli_n_error_exits;

/* Exit statuses besides 10 + error kind. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_LOCAL = 1, CLI_EXIT_USAGE = 2 };

struct cli {
  ctrt_runtime *rt;
  const char *host;
  bool json;                 /* --json: JSON even on a terminal */
  bool table;                /* --table: a table even when not on a terminal */
  bool no_progress;          /* --no-progress */
  const char *output;        /* -o FILE for byte streams */
  bool out_tty;              /* stdout is a terminal */
  bool err_tty;              /* stderr is a terminal */
  bool progress;             /* draw progress bars (stderr is a terminal, not disabled) */
  ctrt_error_kind last_kind; /* of the last failure cli_fail() reported */
  int exit_status;           /* set by exec streams and sessions: the process's exit code */
  /* Progress of the input being read (load, import). */
  unsigned long long in_done, in_total;
  const char *in_label;
  /* Pull progress: the last line drawn per layer is redrawn in place. */
  bool bar_drawn;
};

/* Run argv (the subcommand and its arguments) on c->rt; the exit status. */
int cli_run(cli *c, int argc, char **argv);

/* Print help for a subcommand (or the overview when cmd is NULL). */
void cli_help(FILE *to, const cli_command *cmd);

/* Called by the generated subcommands. */
int cli_fail(cli *c, int rc);
int cli_usage_error(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_show_json(cli *c, json_t *json, bool is_list);
int cli_show_text(cli *c, const char *text);
int cli_show_number(cli *c, bool present, bool is_signed, unsigned long long value);
int cli_show_item(cli *c, json_t *json);
int cli_show_log_chunk(cli *c, const ctrt_log_chunk *chunk);
int cli_show_pull_progress(cli *c, const ctrt_pull_progress *event);
int cli_show_load_progress(cli *c, const ctrt_load_progress *event);
int cli_show_exec_event(cli *c, const ctrt_exec_event *event);
int cli_show_exec_result(cli *c, const ctrt_exec_result *result);
int cli_stream_end(cli *c);
int cli_copy_out(cli *c, int (*read)(void *stream, void *buf, size_t cap, size_t *n_read), void *stream);
int cli_session(cli *c, ctrt_exec_handle *handle);

/* Progress bar on stderr: label, done of total (total 0: unknown). */
void cli_progress(cli *c, const char *label, unsigned long long done, unsigned long long total);
void cli_progress_end(cli *c);

#endif
