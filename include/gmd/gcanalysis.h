/* What a gctrace says: GC rate, pauses, CPU, heap sizes, and whether the
 * live heap (marked bytes after each GC) is growing.
 *
 * The trend is a Theil-Sen fit (the median of pairwise slopes: a few odd
 * cycles cannot move it) of live heap against time, with Kendall's tau as
 * the confidence that the heap moves one way. Both depend only on the order
 * of the points in time, so a machine that runs slower or faster gives the
 * same verdict. The fit ignores a warm-up phase found from the data: the
 * longest suffix of the run that keeps growing (a leak) or, failing that, the
 * part after the heap stopped growing (a cache that filled, then a plateau).
 * Large inputs are reduced to at most GMD_GC_FIT_POINTS medians of
 * consecutive cycles first, so the fit costs the same for any log size. */
#ifndef GMD_GCANALYSIS_H
#define GMD_GCANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include "gmd/gctrace.h"

#define GMD_GC_FIT_POINTS 400
#define GMD_GC_MIN_CYCLES 10

typedef enum gmd_gc_verdict {
    GMD_GC_INSUFFICIENT = 0,   /* too few cycles to say */
    GMD_GC_STABLE,             /* flat, or a plateau after a warm-up */
    GMD_GC_GROWING,            /* the live heap keeps growing: leak likely */
} gmd_gc_verdict;

typedef struct gmd_gc_opts {
    double limit_mb;           /* memory the process may use (container limit), 0 = unknown */
    size_t gmd_forced;         /* cycles gmd itself forced (heap?gc=1 fetches of a run bundle) */
} gmd_gc_opts;

typedef struct gmd_gc_analysis {
    /* What was analysed: cycles[first .. first+n) of the last process run. */
    size_t first, n;
    uint32_t runs;

    gmd_gc_verdict verdict;
    bool plateau;              /* stable after a warm-up during which the heap grew */
    const char *confidence;    /* "high", "medium", "low" */
    double tau;                /* Kendall's tau of live heap vs time in the fitted window */
    double slope_mb_min;       /* Theil-Sen slope, MiB per minute */
    double fit_t0, fit_t1;     /* fitted window, seconds since process start */
    double fit_y0, fit_y1;     /* fitted live heap at fit_t0 and fit_t1, MiB */
    size_t fit_first, fit_n;   /* cycles in the fitted window */
    double growth_mb;          /* fit_y1 - fit_y0 */
    double warmup_end_t;       /* seconds since start where the warm-up ends; NAN if none */

    /* Projection (growing only); NAN when not meaningful. */
    double hours_to_double;    /* until the live heap is twice its current value */
    double hours_to_limit;     /* until the live heap reaches opts.limit_mb */
    double hours_goal_to_limit;/* until the heap goal (what RSS follows) reaches it */

    /* Rate. */
    double t_first, t_last, duration_s;
    double wall_first, wall_last;   /* Unix seconds or NAN */
    double cycles_per_min;
    double median_interval_s;
    size_t forced, periodic, leak_checks;
    size_t forced_by_gmd;      /* of `forced`, the cycles gmd's own heap?gc=1 fetches caused */

    /* Pauses: stop-the-world wall time per cycle, ms. */
    double pause_total_ms, pause_p50, pause_p90, pause_p99, pause_max;
    double mark_p50_ms, mark_max_ms;   /* concurrent mark wall time */

    /* CPU. */
    int cpu_pct_runtime;       /* last line's U%: since process start */
    double cpu_frac_window;    /* GC CPU (without idle marking) / (time x GOMAXPROCS), whole run */
    double assist_frac;        /* share of GC CPU done by mark assists */
    int procs;

    /* Heap, MiB. */
    int64_t live_first, live_last, live_min, live_max;
    double live_median;
    int64_t start_median, start_max;
    int64_t goal_last, goal_max, goal_min;
    int64_t stacks_last, stacks_max, globals_last;   /* -1 if the runtime did not print them */
    double gogc_est;           /* effective GOGC from goal vs previous live; NAN if unknown */
    double gogc_late;          /* the same over the last quarter of the run */
    double headroom_use;       /* median (heap at start - prev live) / (goal - prev live) */
    int64_t released_mb;       /* returned to the OS per the last scav line, -1 if none */

    /* Warnings. */
    bool thrash_cpu;           /* GC CPU above 25% */
    bool early_trigger;        /* cycles start long before the heap reaches the goal */
    bool memlimit;             /* goal held flat below what GOGC gives: a memory limit binds */
    bool many_forced;          /* over 20% of cycles forced by runtime.GC/FreeOSMemory (gmd's own not counted) */
    double limit_mb;           /* as given */
} gmd_gc_analysis;

/* Analyse the cycles of the last process run in `t`. Never fails: with too
 * few cycles the verdict is GMD_GC_INSUFFICIENT. */
void gmd_gc_analyse(const gmd_gctrace *t, const gmd_gc_opts *opts, gmd_gc_analysis *a);

const char *gmd_gc_verdict_name(gmd_gc_verdict v);   /* "growing", "stable", "insufficient data" */

/* Renderers (src/lib/renderers/gc_report.c, gc_svg.c). `source` names the input. */
#include <stdio.h>
void gmd_gc_write_text(FILE *out, const char *source, const gmd_gctrace *t, const gmd_gc_analysis *a);
void gmd_gc_write_json(FILE *out, const char *source, const gmd_gctrace *t, const gmd_gc_analysis *a);
void gmd_gc_write_csv(FILE *out, const gmd_gctrace *t);
/* One line for a terminal status bar, no newline. */
void gmd_gc_status_line(char *buf, size_t size, const gmd_gctrace *t, const gmd_gc_analysis *a);
/* A chart of live heap, heap at GC start and goal over time, and pauses. */
void gmd_gc_write_svg(FILE *out, const char *source, const gmd_gctrace *t, const gmd_gc_analysis *a);

#endif
