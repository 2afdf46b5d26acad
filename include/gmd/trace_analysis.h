/* What gmd trace tells from an execution trace, in one streaming pass:
 * goroutines by creation site (created, ended, alive at the end and what the
 * alive ones wait on), time spent blocked / in syscalls / runnable by reason
 * and stack (the -pprof profiles of go tool trace), GC cycles and
 * stop-the-world pauses, the heap-live and heap-goal series, goroutine counts
 * over time, user tasks/regions/logs and CPU samples. Memory: per live
 * goroutine, per site, per distinct stack, plus fixed-size series. */
#ifndef GMD_TRACE_ANALYSIS_H
#define GMD_TRACE_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include "gmd/arena.h"
#include "gmd/err.h"
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/profile.h"
#include "gmd/trace.h"
#include "gmd/u64tab.h"

#define GMD_TNONE UINT32_MAX

typedef struct gmd_tframe { const char *func, *file; uint64_t line, pc; } gmd_tframe;
typedef struct gmd_tstack { uint32_t first, n; } gmd_tstack;   /* into frame_of */

typedef struct gmd_trace_state_count {
    const char *state;        /* wait reason ("chan receive"), or running/runnable/syscall/waiting */
    uint64_t count;
    int64_t longest_ns;       /* longest time one of them has been in it at the end */
} gmd_trace_state_count;

typedef struct gmd_trace_site {
    const char *start_function;   /* what the goroutines run ("" unknown) */
    const char *created_by;       /* function with the go statement ("" unknown: existed at start) */
    uint32_t create_stack;        /* one creating stack (GMD_TNONE when unknown) */
    uint64_t created, ended, alive_at_end, existed_at_start;
    uint64_t created_alive;       /* created during the trace and still alive: the leak signal */
    int64_t first_created, last_created;   /* ns, 0 when none */
    gmd_trace_state_count *states; uint32_t nstates;
    uint32_t wait_stack;          /* where one alive goroutine waits, GMD_TNONE */
    bool tracer_own;              /* the runtime's tracer (started by the capture itself): ranked last */
} gmd_trace_site;

enum { GMD_TBLOCK_WAIT, GMD_TBLOCK_SYSCALL, GMD_TBLOCK_SCHED };
typedef struct gmd_trace_block {
    uint8_t kind;             /* GMD_TBLOCK_* */
    const char *reason;       /* wait reason; "" for syscall and sched */
    uint32_t stack;           /* stack where it started (GMD_TNONE none) */
    uint64_t count;
    int64_t ns;
} gmd_trace_block;

typedef struct gmd_trace_gc {
    uint64_t seq;
    int64_t start, end;       /* end 0: still running at the end of the trace */
    int64_t stw_ns;           /* stop-the-world time inside the cycle */
} gmd_trace_gc;

typedef struct gmd_trace_stw { int64_t start, end; const char *kind; } gmd_trace_stw;

/* A series kept at most GMD_TSERIES_MAX points: when full, neighbouring
 * buckets merge (keeping the maximum) and the bucket width doubles. */
#define GMD_TSERIES_MAX 1024
typedef struct gmd_tseries {
    int64_t t0, width;        /* bucket i covers [t0 + i*width, t0 + (i+1)*width) */
    uint32_t n;
    int64_t t[GMD_TSERIES_MAX];
    double v[GMD_TSERIES_MAX];
    bool have[GMD_TSERIES_MAX];
} gmd_tseries;

typedef struct gmd_trace_named { const char *name; uint64_t count; int64_t ns; } gmd_trace_named;

typedef struct gmd_trace_analysis {
    gmd_arena arena;
    gmd_intern strings;
    int version;
    uint64_t events, generations, bytes;
    const char *truncated;    /* NULL, or what was lost */
    int64_t start, end;       /* ns on the trace clock */

    uint64_t goroutines_at_start, created, ended, alive_at_end;
    gmd_trace_site *sites; uint32_t nsites, capsites;   /* ranked (see trace_analysis.c) */
    gmd_trace_block *blocks; uint32_t nblocks, capblocks;
    /* Goroutines still blocked (waiting) at the end of the trace, by reason
     * and stack, most time first: count = goroutines, ns = their time blocked
     * so far (since the trace began for those blocked before it). Apart from
     * blocks, which hold only waits that ended (as go tool trace -pprof
     * counts). reason "" = the trace does not say (blocked before it began). */
    gmd_trace_block *still; uint32_t nstill;
    gmd_trace_gc *gcs; uint32_t ngcs, capgcs;
    gmd_trace_stw *stws; uint32_t nstws, capstws;
    uint64_t gc_active_at_start;
    gmd_tseries heap_alloc, heap_goal;
    gmd_tseries g_running, g_runnable, g_waiting, g_syscall;   /* goroutine counts */
    gmd_trace_named *tasks; uint32_t ntasks, captasks;       /* by name */
    gmd_trace_named *regions; uint32_t nregions, capregions;
    gmd_trace_named *logs; uint32_t nlogs, caplogs;           /* by key */
    uint64_t task_count, region_count, log_count, cpu_samples;
    uint32_t *cpu_stacks; uint64_t *cpu_counts; uint32_t ncpu, capcpu;

    /* stacks, deduplicated across generations */
    gmd_tframe *frames; uint32_t nframes, capframes;
    uint32_t *frame_of; uint32_t nframe_of, capframe_of;
    gmd_tstack *stacks; uint32_t nstacks, capstacks;

    /* working state */
    gmd_index frame_ix, stack_ix;
    gmd_u64tab gen_stacks;    /* generation stack id -> stacks index (big ids) */
    uint32_t *gen_flat; uint32_t ngen_flat;   /* small ids: stacks index + 1, 0 unknown */
    gmd_u64tab site_cache;    /* (start stack << 32 | creating stack) -> site */
    struct { const char *s; uint16_t ix; } reason_cache[64];   /* the reader's reason pointer -> reason index + 1 */
    uint16_t *reason_by_id;   /* this generation's small string ids -> reason_ix + 1, 0 not yet known */
    struct gmd_tgor *gors; uint32_t ngors;   /* per goroutine, by the event's gslot */
    gmd_index site_ix;
    uint32_t *block_next;     /* per block: the next block of the same stack */
    struct gmd_tstack_aux { uint32_t block, cpu; } *stack_aux; uint32_t nstack_aux;   /* by stack + 1: first block, CPU entry + 1 */
    const char **reasons; uint32_t nreasons, capreasons;
    uint32_t counts[7];       /* goroutines by GMD_TGS_* */
} gmd_trace_analysis;

/* Sums of durations saturate: a corrupt trace's times can be near the
 * int64 limit. */
static inline int64_t gmd_trace_ns_add(int64_t a, int64_t b)
{
    return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Read the whole trace. 0, or -1 with err (then `a` holds what came before
 * and must still be freed). */
int gmd_trace_analyse(gmd_trace_reader *r, gmd_trace_analysis *a, gmd_err *err);
void gmd_trace_analysis_free(gmd_trace_analysis *a);

/* The kind of a wait reason: "channel", "select", "mutex", "cond", "sleep",
 * "I/O", "GC", "preempted", "other". */
const char *gmd_trace_reason_class(const char *reason);

/* go tool trace -pprof=sync|net|syscall|sched as a profile (contentions/count,
 * delay/nanoseconds); "cpu" gives the trace's CPU samples. NULL for an
 * unknown kind. */
gmd_profile *gmd_trace_profile(const gmd_trace_analysis *a, const char *kind);

#endif
