/* Leak analysis over time: from a series of heap profiles, goroutine
 * profiles, gctrace lines and /proc samples taken on one clock (what
 * `gmd run` collects), name what grows.
 *
 * Heap: in-use bytes per snapshot for each allocation site — the leaf-most
 * frame of the program's own code (else the leaf-most non-runtime frame),
 * function and line — summed over all the call paths that reach it, so one
 * cause is one suspect; the paths are kept with their shares. Goroutines:
 * the count per (where they block, function they started in).
 *
 * The sampling model: the heap profiler samples on average one allocation
 * per MemProfileRate (R) bytes, so an object of size s is sampled with
 * p = 1 - exp(-s/R) and each sample stands for 1/p objects (the profile's
 * values are already scaled so). A series therefore moves in quanta of
 * q = s/p bytes (about R for small objects), and the number of quanta it
 * gains or loses is Poisson. Growth counts when it is significant under that
 * model: z = net quanta / sqrt(quanta moved up + down) >= 3 (with the
 * up-and-down churn in the denominator, a random walk or a sawtooth stays
 * under it), together with a steady trend (Kendall's tau >= 0.4).
 *
 * The end of the run decides warm-up against leak: the latest part of the
 * run (at least a fifth of it) is compared with what the series' overall
 * rate predicts for it; significantly less (deficit z >= 3) is a warm-up:
 * "held flat" when the tail itself does not grow significantly, "still
 * warming up" (a note) when it does but slower. Steady growth to the end
 * stays a leak.
 *
 * A heap site whose growth over the run is less than what it allocates in
 * one GC cycle (alloc_space rate / gctrace's cycles per second) is churn the
 * profile caught in flight (it counts what a marking GC sees allocated as in
 * use), dismissed, not named.
 *
 * Execution traces (gmd_leak_add_trace) never make or unmake a suspect: a
 * goroutine suspect gains their counts for its site (created and ended per
 * second, still alive at each window's end, the go statement's stack), and
 * its confidence is halved when they end about as fast as they start.
 *
 * Whole-process checks: gctrace's live heap growing steadily with no site
 * explaining it is a suspect of its own ("unresolved"); RSS growing steadily
 * beyond what the Go heap and goroutine stacks explain is an "offheap"
 * suspect naming the class of mapping that grows (/proc/PID/smaps).
 *
 * confidence = tau x (0.5 + 0.5 x late/overall slope) x (1 - e^(-(z/3)^2))
 * impact     = log2(1 + growth per hour / 1 MiB) / 10, in [0.05, 1]
 *              (a goroutine counts as 8 KiB: its stack and what it pins)
 * score      = confidence x impact; suspects are sorted by score. */
#ifndef GMD_LEAK_H
#define GMD_LEAK_H

#include <stdbool.h>
#include <stdint.h>
#include "gmd/arena.h"
#include "gmd/err.h"
#include "gmd/proc.h"
#include "gmd/profile.h"

typedef struct gmd_leak_tracker gmd_leak_tracker;

gmd_leak_tracker *gmd_leak_tracker_new(void);
void gmd_leak_tracker_free(gmd_leak_tracker *tr);

/* Add snapshots in time order (t = seconds since the start). Profiles are
 * taken over (freed by the tracker); the first and latest heap profiles are
 * kept for the diff flame graph. */
int gmd_leak_add_heap(gmd_leak_tracker *tr, double t, gmd_profile *p, gmd_err *err);
int gmd_leak_add_goroutine(gmd_leak_tracker *tr, double t, gmd_profile *p, gmd_err *err);
/* A debug=2 goroutine dump: states, wait reasons and creators. */
int gmd_leak_add_goroutine_states(gmd_leak_tracker *tr, gmd_profile *p, gmd_err *err);
/* The heap snapshot just added was taken right after a forced GC (heap?gc=1). */
void gmd_leak_mark_forced(gmd_leak_tracker *tr);
/* A debug=2 snapshot at time t: its states, and a point of the goroutine
 * series too when the goroutines come only in this form (read from memory). */
int gmd_leak_add_goroutine_text(gmd_leak_tracker *tr, double t, gmd_profile *p, gmd_err *err);
/* Any stderr line; gctrace per-cycle lines are used, others ignored. */
void gmd_leak_add_gcline(gmd_leak_tracker *tr, double t, const char *line, size_t len);
void gmd_leak_add_proc(gmd_leak_tracker *tr, double t, const gmd_proc_stats *s);
/* The runtime's memory statistics at time t as "# Name = value" lines (the
 * MemStats trailer of a debug=1 heap profile; gmd writes them for
 * statistics read from a program's memory). Unreadable text is ignored. */
void gmd_leak_add_memstats(gmd_leak_tracker *tr, double t, const char *text, size_t len);

/* The series growing most so far, for a progress line: "main.f +3.2MB"
 * (empty when nothing grows). Cheap: no fitting. */
void gmd_leak_leader(const gmd_leak_tracker *tr, char *buf, size_t size);
/* Latest values for a progress line; -1 when unknown. */
void gmd_leak_latest(const gmd_leak_tracker *tr, int64_t *live_heap, int64_t *goroutines,
                     int64_t *rss);

typedef enum gmd_leak_kind { GMD_LEAK_HEAP, GMD_LEAK_GOROUTINE, GMD_LEAK_OFFHEAP } gmd_leak_kind;

/* "heap", "goroutine", "offheap" */
const char *gmd_leak_kind_name(gmd_leak_kind k);

typedef enum gmd_leak_verdict { GMD_VERDICT_NO_LEAK, GMD_VERDICT_LEAK, GMD_VERDICT_INCONCLUSIVE } gmd_leak_verdict;

/* "no_leak", "leak", "inconclusive" */
const char *gmd_leak_verdict_name(gmd_leak_verdict v);

/* One call path into a grouped site, with its share of the group's growth. */
typedef struct gmd_leak_path {
    const char **stack;           /* leaf first */
    uint32_t nstack;
    double growth;                /* in the suspect's unit, first to last snapshot */
    double share;                 /* of the group's growth, 0..1 */
} gmd_leak_path;

typedef struct gmd_leak_series {
    uint32_t n;
    const double *t, *v;
} gmd_leak_series;

/* One frame of a stack read from an execution trace. */
typedef struct gmd_leak_frame {
    const char *func, *file;
    int64_t line;
} gmd_leak_frame;

/* A goroutine suspect's site in one trace window (run clock). */
typedef struct gmd_leak_trace_count {
    double t, t_end;
    uint64_t created, ended, created_alive;
} gmd_leak_trace_count;

/* What the execution traces say of a goroutine suspect's site: goroutines
 * there are matched by the function they run (the root of the goroutine
 * profile's stack, which is how the site's series is keyed) and, when the
 * goroutine dump names one, the function with the go statement. */
typedef struct gmd_leak_trace_evidence {
    uint32_t windows;             /* trace windows read (0: no trace evidence) */
    double seconds;               /* their summed length */
    uint64_t created, ended;      /* at this site, in all windows */
    uint64_t created_alive;       /* created in a window and still alive at its end */
    double created_per_sec, ended_per_sec;
    bool against;                 /* they end about as fast as they are created: evidence against a leak */
    const char *start_function, *created_by;   /* "" when no goroutine of the site was seen */
    const gmd_leak_frame *create_stack;        /* the go statement's stack, leaf first */
    uint32_t ncreate_stack;
    const gmd_leak_trace_count *per_window;
} gmd_leak_trace_evidence;

/* One execution trace of the run (a "trace" bundle entry), on the run clock:
 * the trace's own first and last event, placed from its start time. */
typedef struct gmd_leak_trace_window {
    double t, t_end;
    uint64_t events;
    bool partial;                 /* cut off or corrupt: what came before was used */
} gmd_leak_trace_window;

typedef struct gmd_leak_suspect {
    gmd_leak_kind kind;
    const char *site;             /* the function named as leaking; "(unresolved)" for heap growth no
                                     site explains; offheap: the class of memory ("anonymous mappings") */
    int64_t line;                 /* heap/goroutine: the site's line, 0 if unknown */
    const char **stack;           /* leaf first, root last */
    uint32_t nstack;
    const char *unit;             /* "bytes" or "goroutines" */
    double growth_per_sec;        /* Theil-Sen slope over the whole run */
    double slope_first_half, slope_last_half;
    double first, current;        /* value at the first and last snapshot */
    double tau;                   /* Kendall's tau of value vs time */
    uint32_t rises, steps;        /* intervals in which it grew / all intervals */
    double noise;                 /* the sampling quantum: bytes one heap sample stands for (1 for goroutines) */
    double z;                     /* growth in standard deviations of the sampling noise */
    bool warming_up;              /* never set on suspects; see dismissed */
    double confidence, impact, score;
    const char *state;            /* goroutines: the most common state ("chan receive"), "" if unknown */
    int64_t state_count;
    const char *created_by;       /* goroutines: "" if unknown */
    const char **evidence;
    uint32_t nevidence;
    gmd_leak_series series;
    gmd_leak_path *paths;         /* the call paths grouped here, biggest growth first */
    uint32_t npaths;
    gmd_leak_trace_evidence trace;    /* goroutines, with traces: windows > 0 */
} gmd_leak_suspect;

typedef struct gmd_leak_trend {
    bool have;                    /* at least two points */
    uint32_t n;
    double first, last, min, max;
    double slope;                 /* Theil-Sen, unit per second */
    double tau;
    const double *t, *v;
} gmd_leak_trend;

/* Something that grew and then stopped: reported so a reader sees it was
 * looked at and why it is not a suspect. */
typedef struct gmd_leak_dismissed {
    gmd_leak_kind kind;
    const char *site;
    double first, peak, current;
    const char *why;
    bool warming_up;              /* still growing, but slower and slower */
} gmd_leak_dismissed;

typedef struct gmd_leak_result {
    gmd_arena arena;
    bool leak;                    /* verdict == GMD_VERDICT_LEAK */
    gmd_leak_verdict verdict;
    const char *verdict_reason;   /* why inconclusive, or what bounds a no_leak (live heap flat); "" otherwise */
    double resolvable_growth;     /* heap: the smallest growth over this run the sampling resolves, bytes */
    gmd_leak_suspect *suspects;
    uint32_t nsuspects;
    gmd_leak_dismissed *dismissed;
    uint32_t ndismissed;
    /* Whole-process evidence on the same clock. */
    gmd_leak_trend live_heap;     /* gctrace: bytes marked live at each GC (MiB resolution) */
    gmd_leak_trend heap_inuse;    /* sum of in-use bytes in each heap profile */
    gmd_leak_trend goroutines;    /* goroutine total in each goroutine profile */
    gmd_leak_trend rss;           /* /proc VmRSS */
    gmd_leak_series gc_pause_ms;  /* stop-the-world time of each GC cycle */
    const char *gc_verdict;       /* the gctrace analysis' own verdict: "growing", "stable", ... */
    const char *gc_verdict_window;/* the cycles that verdict fits, e.g. "7.0-45.0 s of the process, after a warm-up"; "" if none */
    const double *heap_times, *goroutine_times;
    uint32_t nheap, ngoroutine, ngc, nproc;
    int64_t heap_period;          /* MemProfileRate seen in the profiles, 0 if none */
    double duration;              /* last - first sample time */
    const char **notes;           /* caveats: too few snapshots, no profiles, ... */
    uint32_t nnotes;
    const gmd_profile *first_heap, *last_heap;   /* owned by the tracker */
    const gmd_profile *base_heap; /* the growth flame graph's base: a snapshot a quarter to half into the run */
    double base_time;
    /* Execution traces (none: ntraces == 0 and all empty). Series are on the
     * run clock, windows one after another; a chart breaks between them. */
    gmd_leak_trace_window *traces;
    uint32_t ntraces;
    uint32_t traces_unread;       /* traces that could not be read at all */
    gmd_leak_series trace_running, trace_runnable, trace_waiting, trace_syscall;   /* goroutines by state */
    gmd_leak_series trace_heap, trace_goal;   /* heap-live and heap-goal metrics, bytes */
} gmd_leak_result;

typedef struct gmd_leak_opts {
    uint32_t max_suspects;        /* 0 = 10 */
    bool program_exited;          /* run: the program ended by itself before collection was over */
    const char *pprof_url;        /* the endpoint profiles were fetched from; NULL = none given */
    bool gmd_traced;              /* gmd took execution traces (also implied by traces in the bundle):
                                   * the runtime's trace allocations are gmd's doing, not the program's */
} gmd_leak_opts;

int gmd_leak_analyze(gmd_leak_tracker *tr, const gmd_leak_opts *o, gmd_leak_result *out, gmd_err *err);
void gmd_leak_result_free(gmd_leak_result *r);

/* One execution trace taken from t to t_end on the run clock (a
 * /debug/pprof/trace fetch): read through once, its goroutine sites, counts
 * and heap metric kept in small form. A trace cut off or corrupt part way is
 * used up to there (and counted partial, with err filled and 1 returned); one
 * that cannot be read at all returns -1 and is counted unread. */
struct gmd_trace_reader;
int gmd_leak_add_trace(gmd_leak_tracker *tr, double t, double t_end, struct gmd_trace_reader *rd, gmd_err *err);
/* The same for a trace file (mapped, pages dropped as it is read). */
int gmd_leak_add_trace_file(gmd_leak_tracker *tr, double t, double t_end, const char *path, gmd_err *err);

/* Feed one artifact as received (gzip or not): a profile of `kind`
 * ("heap", "goroutine"; others are ignored) in the form `debug`. */
int gmd_leak_add_profile_bytes(gmd_leak_tracker *tr, double t, const char *kind, int debug,
                               const uint8_t *data, size_t len, gmd_err *err);

/* Feed a whole bundle (gmd/bundle.h) in index order. A profile that does
 * not parse is passed to `warn` (when given) and skipped; with warn NULL it
 * is an error. */
struct gmd_bundle;
typedef void (*gmd_leak_warn_fn)(void *ctx, const gmd_err *e);
int gmd_leak_add_bundle(gmd_leak_tracker *tr, const struct gmd_bundle *b, gmd_leak_warn_fn warn, void *ctx,
                        gmd_err *err);

#endif
