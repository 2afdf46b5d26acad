/* The collector behind `gmd run` and `gmd watch`: starts (run) or follows
 * (watch) a Go program and samples it every interval on one clock — /proc
 * memory, net/http/pprof heap and goroutine profiles, and the gctrace lines
 * of its stderr — writing everything into a bundle (gmd/bundle.h) as it
 * arrives.
 *
 * run measures the right process: the command may be `go run .` or a shell,
 * so the process sampled (the "observed" pid) is the newest process of the
 * child's tree that is a Go program and not part of the Go toolchain
 * (gmd/proctree.h), chosen again while the tree settles (the first seconds
 * after one is found) and whenever it exits. While only the toolchain runs
 * (a build), nothing is sampled and the duration does not count. When the
 * tree holds several Go processes, their gctrace lines share one stderr:
 * a "gc N @Ts" line counts only when the process that wrote it started
 * (arrival - T) no earlier than the observed one and N is above its last
 * cycle number, so the compiler's and the go tool's lines are left out.
 *
 * The child runs in its own process group, and gmd is a child subreaper
 * for the run, so whatever it starts stays in the tree. Nothing is left
 * behind: at the end (--duration, exit, Ctrl-C, or gmd's own failure) the
 * whole group is asked to stop with SIGINT, then SIGTERM after a grace
 * period, and SIGKILL only if it ignores both; then any process of the tree
 * outside the group gets SIGKILL. A terminal Ctrl-C reaches only gmd (the
 * child is not in the foreground group) and is forwarded. The child also
 * gets SIGTERM if gmd dies (PR_SET_PDEATHSIG). */
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
    GMD_EV_NOTICE,       /* something the user must know now (msg): the endpoint is another
                          * process's, the observed process changed, ... */
    GMD_EV_TRACE,        /* an execution trace was recorded: data, len (t: when it was requested) */
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

/* Samples the observed process's memory itself (no pprof needed): called
 * once per round, after /proc and the pprof fetches, with the observed Go
 * process's pid (never the go tool or a shell) and the round's time. It may
 * call emit(emit_ctx, &ev) with GMD_EV_PROFILE events (name "heap" or
 * "goroutine", debug 0 and the profile.proto bytes, gzipped or not); they
 * are written to the bundle and reported exactly like fetched ones (ev.t is
 * set by the collector). Returns 0, or -1 when it could not sample this
 * round (counted like a failed fetch; collection goes on). */
typedef int (*gmd_collect_memory_fn)(void *ctx, int pid, double t, gmd_collect_fn emit, void *emit_ctx);

typedef struct gmd_collect_opts {
    char *const *argv;            /* run: the program and its arguments (PATH searched); NULL = watch */
    int pid;                      /* watch: a process to sample from /proc; 0 = none */
    const char *pprof_url;        /* base of net/http/pprof ("http://host:port[/debug/pprof]"), NULL = none */
    const char *const *extra_profiles;   /* fetched each round besides heap and goroutine */
    uint32_t nextra;
    const char *gctrace_file;     /* watch: a log to follow for gctrace lines (a file, FIFO or
                                   * device: read in bounded chunks, never blocking); NULL = none */
    double trace_every_sec;       /* with pprof_url: an execution trace this often (the first soon
                                   * after the first sample); 0 = no traces */
    double trace_seconds;         /* ... each this long (trace?seconds=S) */
    double interval_sec;          /* > 0 */
    double duration_sec;          /* 0 = until the program exits or Ctrl-C */
    bool heap_gc;                 /* force GCs with heap?gc=1 (in-use as of now, not as of the last
                                   * GC) on some rounds: the first, the last and every heap_gc_every-th */
    uint32_t heap_gc_every;       /* 0 = GMD_HEAP_GC_EVERY; 1 = every round */
    long memprofilerate;          /* run: > 0 sets GODEBUG=memprofilerate=N for the child; 0 leaves
                                   * its GODEBUG alone; -1 = GMD_DEFAULT_MEMPROFILERATE unless
                                   * the child's GODEBUG already sets one */
    bool force_endpoint;          /* read --pprof even when another process serves it */
    gmd_collect_memory_fn sample_memory;   /* may be NULL; see above */
    void *memory_ctx;
    int out_fd, err_fd;           /* where the program's stdout and stderr are written through */
    gmd_collect_fn on_event;      /* may be NULL */
    void *ctx;
} gmd_collect_opts;

typedef struct gmd_collect_result {
    int pid;                      /* run: the child's pid */
    int observed_pid;             /* the process sampled (run: the Go program found; watch: --pid) */
    char observed_exe[256];       /* its /proc/PID/exe; "" when unknown */
    long memprofilerate;          /* run: the rate GODEBUG gave the program (524288 = Go's default) */
    bool memprofilerate_user;     /* ... set by the program's own GODEBUG */
    uint32_t gc_forced;           /* heap fetches with ?gc=1 (each forced a GC cycle) */
    uint32_t measured_rounds;     /* rounds that sampled the program (/proc or a profile) */
    uint32_t gclines_dropped;     /* gctrace lines of other Go processes in the tree (go, compile) */
    bool endpoint_foreign;        /* --pprof is served by a process outside the observed tree */
    int endpoint_owner;           /* ... that process, 0 when not visible */
    bool left_running;            /* processes of the tree survived SIGKILL (should never happen) */
    bool exited;                  /* run: the program ended (by itself or stopped) */
    bool exited_by_itself;        /* it ended before collection was over */
    int exit_status;              /* exit code, or 128+signal; -1 when not known */
    bool interrupted;             /* Ctrl-C / SIGTERM ended collection */
    bool user_gctrace;            /* GODEBUG already asked for gctrace: its lines were passed through */
    double elapsed;
    int64_t start_wall_ns;
    uint32_t rounds, nprofiles, ngclines, nproc, fetch_errors;
    uint32_t fetches_skipped;     /* rounds whose fetches were skipped: the endpoint was still
                                   * answering (or hanging on) an earlier request */
    uint32_t gclines_too_long;    /* --gctrace lines over the length cap, dropped */
    char last_fetch_error[400];
    uint32_t traces, traces_failed;   /* execution traces recorded; failed or abandoned */
    uint32_t traces_partial;      /* of the recorded, cut off when collection ended (kept up to
                                   * the last complete generation the reader accepts) */
    /* Many goroutines make goroutine profiles slow (the runtime walks every
     * stack): a proto fetch that took GMD_GOROUTINE_SLOW_SEC or more and over
     * half the interval thins them to every goroutine_every-th round, and
     * debug=2 at the end is left out when slow or over GMD_DEBUG2_MAX_GOROUTINES. */
    uint64_t goroutines_max;      /* the most goroutines a proto goroutine profile counted */
    double goroutine_fetch_max;   /* the longest proto goroutine fetch, seconds */
    uint32_t goroutine_every;     /* 1, or the thinning chosen */
    uint32_t goroutine_rounds_thinned;   /* rounds that took no goroutine profile for it */
    bool debug2_skipped;          /* the final goroutine?debug=2 was left out */
    char last_trace_error[400];
} gmd_collect_result;

/* Normalise a --pprof argument to the endpoint base, e.g.
 * "http://127.0.0.1:6060" -> "http://127.0.0.1:6060/debug/pprof". */
void gmd_pprof_base(const char *url, char *buf, size_t size);

/* Rounds between forced GCs by default (besides the first and last). */
#define GMD_HEAP_GC_EVERY 10
/* See goroutine_every above. GMD_GOROUTINE_SLOW_SEC in the environment
 * overrides the first (0: every fetch counts as slow, whatever the interval;
 * for tests). */
#define GMD_GOROUTINE_SLOW_SEC 1.0
#define GMD_DEBUG2_MAX_GOROUTINES 10000
/* The MemProfileRate `gmd run` gives the program (GODEBUG=memprofilerate)
 * unless told otherwise: see the overhead table in README (gmd run). */
#define GMD_DEFAULT_MEMPROFILERATE 16384
/* Go's own MemProfileRate. */
#define GMD_GO_MEMPROFILERATE 524288

/* Is this stderr line part of gctrace output (the per-cycle line, "GC forced",
 * or gctrace=2 detail)? */
bool gmd_is_gctrace_line(const char *line, size_t len);

/* GODEBUG for the child: `current` (may be NULL) with gctrace=1 added
 * unless it already asks for gctrace; *had_gctrace tells which. */
void gmd_godebug_with_gctrace(const char *current, char *buf, size_t size, bool *had_gctrace);
/* GODEBUG's memprofilerate setting (the last one wins, as in the runtime);
 * -1 when it has none. */
long gmd_godebug_memprofilerate(const char *godebug);
/* Parse "gc N @T.TTTs ..." (N, T in seconds); false for other lines. */
bool gmd_gctrace_cycle(const char *line, size_t len, uint64_t *n, double *t);

/* Default --trace-every and --trace-seconds of run and watch. */
#define GMD_TRACE_EVERY_SEC 30.0
#define GMD_TRACE_SECONDS 2.0

/* Collect until the duration, the program's exit, or SIGINT/SIGTERM/SIGHUP.
 * Network fetches run on threads of their own and hand their results back
 * to the loop, so a slow or hung endpoint delays nothing else: a round
 * whose previous fetches are still running skips its own, and a fetch
 * still running when collection ends is abandoned (the last round's get
 * FINAL_WAIT seconds; none on Ctrl-C). Returns -1 only for failures to
 * start (the program cannot be run, the bundle cannot be written); fetch
 * errors are counted, not fatal. */
int gmd_collect(const gmd_collect_opts *o, gmd_bundle_writer *w, gmd_collect_result *r, gmd_err *err);
/* Wait (at most max_sec) until the fetch threads of abandoned fetches have
 * ended: their transfers abort within a second, but a process exiting
 * under a thread still inside libcurl races with its TLS library's exit
 * handlers. Call it after the results are shown, before exiting. */
void gmd_collect_quiesce(double max_sec);

#endif
