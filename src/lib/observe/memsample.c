/* gmd run / watch without an endpoint: read the heap profile and the
 * goroutines from the observed process's memory every round (see
 * gmd/memsample.h). The target stays open between rounds and is reopened
 * when the observed process changes (gmd run finds the real Go program of
 * `go run` a moment after start). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/goroutine_text.h"
#include "gmd/goruntime.h"
#include "gmd/input.h"
#include "gmd/memsample.h"
#include "gmd/xalloc.h"

struct gmd_memsampler {
    char *binary;
    int pid;                 /* the open target's process; 0 = none */
    int failed_pid;          /* opening this pid failed: do not retry every round */
    gmd_target *t;
    gmd_goruntime *rt;
    bool heap_off;           /* heap profiling is compiled out: stop asking */
    bool stats_only;         /* --pprof serves the profiles: read only the statistics */
    char problem[600];
    unsigned heaps, goroutine_reads;
};

gmd_memsampler *gmd_memsampler_new(const char *binary)
{
    gmd_memsampler *s = gmd_xcalloc(1, sizeof *s);
    s->binary = binary ? gmd_xstrdup(binary) : NULL;
    return s;
}

static void close_target(gmd_memsampler *s)
{
    gmd_goruntime_close(s->rt);
    gmd_target_close(s->t);
    s->rt = NULL;
    s->t = NULL;
    s->pid = 0;
}

void gmd_memsampler_free(gmd_memsampler *s)
{
    if (!s) return;
    close_target(s);
    free(s->binary);
    free(s);
}

void gmd_memsampler_stats_only(gmd_memsampler *s) { s->stats_only = true; }

const char *gmd_memsampler_problem(const gmd_memsampler *s) { return s->problem; }
unsigned gmd_memsampler_heaps(const gmd_memsampler *s) { return s->heaps; }
unsigned gmd_memsampler_goroutine_reads(const gmd_memsampler *s) { return s->goroutine_reads; }

static void note(gmd_memsampler *s, const gmd_err *e)
{
    if (s->problem[0]) return;
    char buf[600];
    snprintf(s->problem, sizeof s->problem, "%s", gmd_err_str(e, buf, sizeof buf));
}

static void emit_profile(gmd_collect_fn emit, void *ctx, const char *name, int debug, const uint8_t *d, size_t n)
{
    gmd_collect_event ev = {.kind = GMD_EV_PROFILE, .name = name, .debug = debug, .data = d, .len = n};
    emit(ctx, &ev);
}

int gmd_memsampler_sample(void *sampler, int pid, double t, gmd_collect_fn emit, void *emit_ctx)
{
    gmd_memsampler *s = sampler;
    (void)t;
    gmd_err err;
    gmd_err_clear(&err);
    if (s->pid != pid) {
        close_target(s);
        if (s->failed_pid == pid) return -1;
        s->t = gmd_target_open_pid(pid, s->binary, &err);
        if (s->t) s->rt = gmd_goruntime_open(s->t, &err);
        if (!s->rt) {
            note(s, &err);
            close_target(s);
            s->failed_pid = pid;
            return -1;
        }
        s->pid = pid;
    }
    int rc = 0;
    if (!s->heap_off && !s->stats_only) {
        gmd_profile *p = gmd_goruntime_heap(s->rt, &err);
        uint8_t *raw = NULL, *gz = NULL;
        size_t nraw = 0, ngz = 0;
        if (p && gmd_pprof_proto_write(p, &raw, &nraw, &err) == 0 && gmd_gzip(raw, nraw, &gz, &ngz, &err) == 0) {
            emit_profile(emit, emit_ctx, "heap", 0, gz, ngz);
            s->heaps++;
        } else {
            note(s, &err);
            /* A binary linked without memory profiling never gets it. */
            if (strstr(err.msg, "compiled out")) s->heap_off = true;
            rc = -1;
        }
        free(raw);
        free(gz);
        gmd_profile_free(p);
    }
    /* The runtime's statistics, in the MemStats trailer form of a debug=1
     * heap profile: what tells the runtime's own memory from off-heap. One
     * line is not MemStats': HeapMarked, the live heap after the last GC,
     * which stands in for gctrace when there is none (gmd watch --pid). */
    gmd_gomemstats ms;
    gmd_err_clear(&err);
    if (gmd_goruntime_memstats(s->rt, &ms, &err) == 0) {
        char text[1024];
        int n = snprintf(text, sizeof text,
                         "# runtime.MemStats (read from the process's memory)\n"
                         "# Alloc = %llu\n# TotalAlloc = %llu\n# Sys = %llu\n# Mallocs = %llu\n# Frees = %llu\n"
                         "# HeapAlloc = %llu\n# HeapSys = %llu\n# HeapIdle = %llu\n# HeapInuse = %llu\n"
                         "# HeapReleased = %llu\n# StackInuse = %llu\n# StackSys = %llu\n# MSpanSys = %llu\n"
                         "# MCacheSys = %llu\n# BuckHashSys = %llu\n# GCSys = %llu\n# OtherSys = %llu\n"
                         "# NextGC = %llu\n# NumGC = %u\n# NumForcedGC = %u\n"
                         "# HeapMarked = %llu\n",
                         (unsigned long long)ms.heap_alloc, (unsigned long long)ms.total_alloc,
                         (unsigned long long)ms.sys, (unsigned long long)ms.mallocs, (unsigned long long)ms.frees,
                         (unsigned long long)ms.heap_alloc, (unsigned long long)ms.heap_sys,
                         (unsigned long long)ms.heap_idle, (unsigned long long)ms.heap_inuse,
                         (unsigned long long)ms.heap_released, (unsigned long long)ms.stack_inuse,
                         (unsigned long long)ms.stack_sys, (unsigned long long)ms.mspan_sys,
                         (unsigned long long)ms.mcache_sys, (unsigned long long)ms.buckhash_sys,
                         (unsigned long long)ms.gc_sys, (unsigned long long)ms.other_sys,
                         (unsigned long long)ms.next_gc, ms.numgc, ms.numforcedgc,
                         (unsigned long long)ms.heap_marked);
        if (n > 0 && (size_t)n < sizeof text) emit_profile(emit, emit_ctx, "memstats", 1, (const uint8_t *)text, (size_t)n);
    } else if (s->stats_only) {
        /* Not yet there (a stripped binary before its first GC) or gone: the
         * profiles come from --pprof anyway, so this is no failed read; the
         * target stays open (a stripped one is searched again each round). */
        note(s, &err);
        return 0;
    }
    if (s->stats_only) return 0;
    gmd_err_clear(&err);
    gmd_profile *g = gmd_goruntime_goroutines(s->rt, NULL, &err);
    if (g) {
        char *text = NULL;
        size_t ntext = 0;
        FILE *f = open_memstream(&text, &ntext);
        if (f && gmd_goroutines_write_text2(f, g) == 0 && fclose(f) == 0) {
            emit_profile(emit, emit_ctx, "goroutine", 2, (const uint8_t *)text, ntext);
            s->goroutine_reads++;
        } else {
            if (f) fclose(f);
            rc = -1;
        }
        free(text);
        gmd_profile_free(g);
    } else {
        note(s, &err);
        /* The process may have exited or exec'd: reopen next round. */
        close_target(s);
        rc = -1;
    }
    return rc;
}
