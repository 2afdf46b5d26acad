/* Shared by the CLI's command files: the command table, error printing and
 * loading profiles. Commands parse options and call libgmd; they never parse
 * input bytes themselves. */
#ifndef GMD_CLI_H
#define GMD_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "gmd/err.h"
#include "gmd/input.h"
#include "gmd/profile.h"

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);   /* argv[0] is the command name */
    const char *summary;
} cli_command;

/* Exit codes: 0 ok, 1 failure (bad input, fetch error), 2 usage error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Print "gmd: <one-line error>" to stderr; returns CLI_FAIL. */
int cli_error(const gmd_err *e);
/* Print "gmd: <message>" to stderr; returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "gmd <cmd>: <message>" and a hint to run --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Load and parse a profile from a path, "-", a URL, or a program's memory
 * ("pid:N", "core:FILE": what they give is cli_target_kind, "heap" or
 * "goroutine", unless the spec ends in "#heap"/"#goroutine"; the executable
 * is cli_target_binary when set). NULL after printing the error. */
extern const char *cli_target_kind;
extern const char *cli_target_binary;
gmd_profile *cli_load_profile(const char *spec, const gmd_load_opts *opts);

/* Open `path` for writing ("-" or NULL = stdout). NULL after printing the error. */
FILE *cli_open_output(const char *path);
int cli_close_output(FILE *f, const char *path);

int cmd_pprof(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_core(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif
