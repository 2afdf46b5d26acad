/* The collector behind `gmd run` and `gmd watch`: starts (run) or follows
 * (watch) a Go program and samples it every interval on one clock — /proc
 * memory, net/http/pprof heap and goroutine profiles, and the gctrace lines
 * of its stderr — writing everything into a bundle (gmd/bundle.h) as it
 * arrives.
 *
 * The child is never left behind: it dies with us (PR_SET_PDEATHSIG), a
 * Ctrl-C reaches it as it would without gmd, and when collection ends
 * (--duration) it is asked to stop with SIGINT, then SIGTERM after a grace
 * period, and SIGKILL only if it ignores both. */
#ifndef GMD_COLLECT_H
#define GMD_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/bundle.h"
#include "gmd/err.h"
#include "gmd/proc.h"

typedef enum gmd_collect_event_kind {
    GMD_EV_PROFILE,      /* a profile arrived: name, debug, data, len */
    GMD_EV_GCLINE,       /* a gctrace line (data, len; no newline) */
    GMD_EV_PROC,         /* a /proc sample: proc */
    GMD_EV_ROUND,        /* a sampling round ended (rounds = how many so far) */
    GMD_EV_OUTPUT,       /* the program's output is about to be written through */
    GMD_EV_FETCH_ERROR,  /* a profile fetch failed: msg (collection goes on) */
    GMD_EV_STOPPING,     /* collection is over; the program is being stopped: msg */
} gmd_collect_event_kind;

typedef struct gmd_collect_event {
    gmd_collect_event_kind kind;
    double t;                     /* seconds since the start */
    const char *name;             /* profile name ("heap", "goroutine", ...) */
    int debug;                    /* profile form fetched: 0 = proto */
    const uint8_t *data;
    size_t len;
    const gmd_proc_stats *proc;
    const char *msg;
    uint32_t rounds;
} gmd_collect_event;

typedef void (*gmd_collect_fn)(void *ctx, const gmd_collect_event *ev);

typedef struct gmd_collect_opts {
    char *const *argv;            /* run: the program and its arguments (PATH searched); NULL = watch */
    int pid;                      /* watch: a process to sample from /proc; 0 = none */
    const char *pprof_url;        /* base of net/http/pprof ("http://host:port[/debug/pprof]"), NULL = none */
    const char *const *extra_profiles;   /* fetched each round besides heap and goroutine */
    uint32_t nextra;
    const char *gctrace_file;     /* watch: a log to follow for gctrace lines; NULL = none */
    double interval_sec;          /* > 0 */
    double duration_sec;          /* 0 = until the program exits or Ctrl-C */
    bool heap_gc;                 /* fetch heap?gc=1: in-use as of now, not of the last GC */
    int out_fd, err_fd;           /* where the program's stdout and stderr are written through */
    gmd_collect_fn on_event;      /* may be NULL */
    void *ctx;
} gmd_collect_opts;

typedef struct gmd_collect_result {
    int pid;                      /* run: the child's pid */
    bool exited;                  /* run: the program ended (by itself or stopped) */
    bool exited_by_itself;        /* it ended before collection was over */
    int exit_status;              /* exit code, or 128+signal; -1 when not known */
    bool interrupted;             /* Ctrl-C / SIGTERM ended collection */
    bool user_gctrace;            /* GODEBUG already asked for gctrace: its lines were passed through */
    double elapsed;
    int64_t start_wall_ns;
    uint32_t rounds, nprofiles, ngclines, nproc, fetch_errors;
    char last_fetch_error[400];
} gmd_collect_result;

/* Normalise a --pprof argument to the endpoint base, e.g.
 * "http://127.0.0.1:6060" -> "http://127.0.0.1:6060/debug/pprof". */
void gmd_pprof_base(const char *url, char *buf, size_t size);

/* Is this stderr line part of gctrace output (the per-cycle line, "GC forced",
 * or gctrace=2 detail)? */
bool gmd_is_gctrace_line(const char *line, size_t len);

/* GODEBUG for the child: `current` (may be NULL) with gctrace=1 added
 * unless it already asks for gctrace; *had_gctrace tells which. */
void gmd_godebug_with_gctrace(const char *current, char *buf, size_t size, bool *had_gctrace);

/* Collect until the duration, the program's exit, or SIGINT/SIGTERM/SIGHUP.
 * Returns -1 only for failures to start (the program cannot be run, the
 * bundle cannot be written); fetch errors are counted, not fatal. */
int gmd_collect(const gmd_collect_opts *o, gmd_bundle_writer *w, gmd_collect_result *r, gmd_err *err);

#endif
