/* Reading the Go runtime's own state out of a program image (gmd/target.h):
 * its goroutines, the heap profile's buckets and its memory statistics —
 * what /debug/pprof and runtime.ReadMemStats would say, without asking the
 * program and without stopping it.
 *
 * A live process changes while it is read, so every pointer, length and
 * count read from it is checked; a goroutine whose record does not hold
 * together is skipped and counted, never trusted. */
#ifndef GMD_GORUNTIME_H
#define GMD_GORUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include "gmd/err.h"
#include "gmd/profile.h"
#include "gmd/target.h"

typedef struct gmd_goruntime gmd_goruntime;

/* Resolve the runtime's globals and struct layouts for this target: from
 * the binary's DWARF, else from gmd's table for its Go release. Fails with
 * one line for an unsupported Go version, a binary without symbols, or a
 * layout that does not check out against the process's memory. */
gmd_goruntime *gmd_goruntime_open(gmd_target *t, gmd_err *err);
void gmd_goruntime_close(gmd_goruntime *rt);

const char *gmd_goruntime_go_version(const gmd_goruntime *rt);
/* "dwarf" or "table go1.NN": where the struct layouts came from. */
const char *gmd_goruntime_layout_source(const gmd_goruntime *rt);

typedef struct gmd_goroutine_read_stats {
    uint32_t total;            /* allglen: every g ever made, dead ones included */
    uint32_t user;             /* live user goroutines read (what a goroutine profile counts) */
    uint32_t system;           /* live runtime goroutines, left out like pprof does */
    uint32_t dead;             /* free g records */
    uint32_t torn;             /* records that changed under the reader and were skipped */
    uint32_t running;          /* on a CPU: state and sites known, stack not (it needs a stop) */
    uint32_t running_stacks;   /* of those, unwound from a core's thread registers or saved state */
    uint32_t stacks_cut;       /* stacks whose unwinding stopped early (changed while read) */
    double read_seconds;
} gmd_goroutine_read_stats;

/* Every live user goroutine as one sample of value 1 with a gmd_goroutine
 * (state, wait, creator, parent), in the model the debug=2 text reader
 * builds; frames are filtered like the runtime's own traceback (runtime
 * internals hidden). format = GMD_FMT_MEMORY_GOROUTINES. */
gmd_profile *gmd_goruntime_goroutines(gmd_goruntime *rt, gmd_goroutine_read_stats *st, gmd_err *err);

/* What a core says about the crash that wrote it, known after
 * gmd_goruntime_goroutines: the signal and the panicking goroutine. */
typedef struct gmd_gocrash {
    bool has_signal;
    int signo, code;           /* NT_SIGINFO (or pr_cursig) */
    uint64_t addr;             /* fault address of SIGSEGV/SIGBUS/SIGILL/SIGFPE, else 0 */
    char signal[64];           /* "SIGABRT", "SIGSEGV at 0x0" */
    int64_t panic_goid;        /* the goroutine with a panic under way; 0 none */
    char panic[512];           /* its value as the runtime prints it; "" when not a string or error gmd can print */
} gmd_gocrash;
/* false for a live process (nothing crashed). */
bool gmd_goruntime_crash(gmd_goruntime *rt, gmd_gocrash *out);

/* The heap profile from runtime.mbuckets, as /debug/pprof/heap would write
 * it at this moment: in-use as of the last completed GC, scaled by
 * runtime.MemProfileRate. format = GMD_FMT_PROTO. Fails when the binary was
 * linked without memory profiling (nothing in it uses runtime.MemProfile). */
gmd_profile *gmd_goruntime_heap(gmd_goruntime *rt, gmd_err *err);
/* runtime.MemProfileRate now; -1 when it cannot be read. 0 = disabled. */
int64_t gmd_goruntime_memprofile_rate(gmd_goruntime *rt);

/* The runtime's memory statistics, computed like runtime.ReadMemStats from
 * the raw counters. Fields that a Go release lacks stay 0. */
typedef struct gmd_gomemstats {
    uint64_t heap_alloc, total_alloc, mallocs, frees;
    uint64_t heap_inuse, heap_free, heap_released, heap_sys, heap_idle;
    uint64_t stack_inuse, stack_sys;
    uint64_t mspan_sys, mcache_sys, buckhash_sys, gc_sys, other_sys, sys;
    uint64_t heap_marked;          /* live heap after the last GC */
    uint64_t heap_live;            /* what the GC counts as live now */
    uint64_t next_gc;              /* heap goal */
    int64_t gogc;                  /* GOGC percent; -1 = off */
    int64_t memory_limit;          /* GOMEMLIMIT in bytes; INT64_MAX = none */
    uint32_t numgc, numforcedgc;
    uint64_t pause_total_ns;
    uint64_t last_gc_unix_ns;
    double gc_cpu_fraction;
    int64_t memprofile_rate;
    int32_t gomaxprocs;
} gmd_gomemstats;

int gmd_goruntime_memstats(gmd_goruntime *rt, gmd_gomemstats *out, gmd_err *err);

/* Profile sources "pid:N" and "core:FILE", optionally with "#heap" or
 * "#goroutine" after them to choose what is read; without it, `kind`
 * ("heap" or "goroutine") decides. `binary` (may be NULL) overrides the
 * executable. Opens, reads and closes the target. */
bool gmd_target_source(const char *spec);
gmd_profile *gmd_target_load_profile(const char *spec, const char *kind, const char *binary, gmd_err *err);

#endif
