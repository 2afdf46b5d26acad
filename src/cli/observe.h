/* What `gmd run`, `gmd watch` and `gmd report` share: the collection
 * session (options, progress line) and the analysis of a finished bundle. */
#ifndef GMD_CLI_OBSERVE_H
#define GMD_CLI_OBSERVE_H

#include <stdbool.h>
#include "gmd/collect.h"

typedef struct observe_opts {
    const char *cmd;              /* "run" or "watch", for messages */
    gmd_collect_opts collect;
    const char *out_dir;          /* --out; NULL = gmd-<cmd>-YYYYmmdd-HHMMSS */
    bool json;
    bool no_html;
    bool quiet;                   /* --quiet: no progress line */
    const char *profiles;         /* --profiles a,b: extra profiles */
    bool fail_on_leak;            /* --fail-on-leak: exit status 3 when the verdict is a leak */
    const char *binary;           /* --binary: the program's executable, for reading its memory */
    bool no_memory;               /* --no-memory: never read the process's memory */
} observe_opts;

/* Parse "20s", "500ms", "2m", "1h" or plain seconds. -1 when malformed. */
double observe_parse_duration(const char *s);
/* Parse run's or watch's options (o->cmd says which). Returns -1 to go on
 * (positional arguments start at *first), or an exit code (help, usage). */
int observe_parse(observe_opts *o, int argc, char **argv, int *first, void (*usage)(FILE *));

/* Collect into the bundle, then analyse and print like `gmd report`. */
int observe_collect_and_report(observe_opts *o);

/* Analyse a bundle and print (text or --json) and write report.html into
 * it unless no_html. html_path overrides where the page goes. */
int observe_report(const char *dir, bool json, bool no_html, const char *html_path);
/* The same; with fail_on_leak a leak verdict exits with CLI_LEAK_FOUND (3). */
#define CLI_LEAK_FOUND 3
int observe_report_ex(const char *dir, bool json, bool no_html, const char *html_path, bool fail_on_leak);
/* run/watch whose collection a failed bundle write (full disk) stopped exit
 * with this, after the verdict; a leak with --fail-on-leak (3) and an error
 * (1) win over it. */
#define CLI_INCOMPLETE 4
/* The exit statuses, for run's and watch's --help. */
#define OBSERVE_EXIT_STATUS_HELP                                                              \
    "Exit status: 0 a verdict was given; 1 an error; 2 a usage error; 3 a leak with\n"        \
    "--fail-on-leak; 4 a failed bundle write (a full disk) stopped collection early: the\n"  \
    "verdict, from what was saved, says INCOMPLETE BUNDLE (3 and 1 win over 4).\n"

#endif
