/* `gmd pprof <sub>`: options shared by every subcommand and the loader that
 * turns the positional sources into one profile. Each subcommand lives in
 * its own pprof-<sub>.c. */
#ifndef GMD_CLI_PPROF_H
#define GMD_CLI_PPROF_H

#include <stdbool.h>
#include "gmd/profile.h"
#include "gmd/stacks.h"
#include "gmd/report.h"

typedef struct pprof_opts {
    const char *sub;            /* subcommand name */
    gmd_select_opts select;     /* --sample-index, --focus, --ignore, --hide, --show */
    const char *base;           /* --base FILE: subtract this profile */
    const char *granularity;    /* --granularity functions|lines (default functions) */
    const char *output;         /* -o FILE (default stdout) */
    const char *source_path;    /* --source-path DIR (list: where to find sources) */
    const char *title;          /* --title (flame, dot) */
    int nodecount;              /* -n N; -1 = the subcommand's default */
    double nodefraction;        /* --nodefraction F; <0 = default 0.005 */
    bool cum;                   /* --cum: sort by cumulative value */
    bool json;                  /* --json */
    bool all;                   /* --all (goroutines: every dump of a traceback text) */
    bool svg;                   /* --svg (dot) */
    bool gzip;                  /* convert: --gzip / --no-gzip */
    gmd_load_opts load;         /* --timeout, --seconds */
    int seconds;                /* --seconds N for URLs (delta profiles) */
    char **args;                /* positional arguments after the subcommand */
    int nargs;
} pprof_opts;

/* Load args[first..first+n) (merged when several) and subtract --base when
 * given. NULL after printing the error. */
gmd_profile *pprof_load(const pprof_opts *o, char *const *specs, int n);

/* Build the stack set for the loaded profile with the selection options;
 * prints the error and returns -1 on failure. */
int pprof_stacks(const pprof_opts *o, const gmd_profile *p, gmd_stackset *s);

int pprof_top(pprof_opts *o);
int pprof_peek(pprof_opts *o);
int pprof_tree(pprof_opts *o);
int pprof_traces(pprof_opts *o);
int pprof_list(pprof_opts *o);
int pprof_diff(pprof_opts *o);
int pprof_flame(pprof_opts *o);
int pprof_dot(pprof_opts *o);
int pprof_convert(pprof_opts *o);
int pprof_goroutines(pprof_opts *o);
int pprof_info(pprof_opts *o);

/* top/peek/tree/traces/list: load args[first..], build the stacks, run
 * `report` to -o or stdout (pprof-top.c). symbol: peek/list regex or NULL. */
typedef int (*pprof_report_fn)(FILE *, const gmd_stackset *, const gmd_report_opts *, gmd_err *);
int pprof_run_report(pprof_opts *o, pprof_report_fn report, const char *symbol, int first);
void pprof_report_opts(const pprof_opts *o, gmd_report_opts *r);

/* diff of two goroutine profiles: which stacks grew (pprof-goroutines.c). */
int pprof_goroutine_diff_report(const pprof_opts *o, gmd_profile *base, gmd_profile *cur);
/* --flame FILE given to diff (builtin-pprof.c). */
extern const char *pprof_flame_output;

#endif
