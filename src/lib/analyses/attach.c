/* gmd attach / gmd core: everything the runtime's memory tells, in one
 * report (see gmd/attach.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gmd/attach.h"
#include "gmd/procenv.h"
#include "gmd/xalloc.h"

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_part(gmd_attach_report *r, const char *name, int64_t bytes, const char *note, bool in_rss)
{
    if (r->nparts >= sizeof r->parts / sizeof *r->parts) return;
    r->parts[r->nparts++] = (gmd_rss_part){name, bytes < 0 ? 0 : bytes, note, in_rss};
}

/* Where RSS goes. The runtime knows what it mapped for the heap, stacks and
 * its metadata; /proc knows what is resident per kind of mapping. Anonymous
 * memory beyond what the runtime holds was mapped by someone else (C code,
 * syscall.Mmap): that is the off-heap part. */
static void breakdown(gmd_attach_report *r)
{
    const gmd_gomemstats *m = &r->ms;
    int64_t heap_objects_spans = (int64_t)m->heap_inuse;
    int64_t meta = (int64_t)(m->mspan_sys + m->mcache_sys + m->buckhash_sys + m->gc_sys + m->other_sys);
    add_part(r, "Go heap in use", heap_objects_spans,
             "spans holding objects: live ones and garbage not yet swept", true);
    add_part(r, "Go heap free, kept", (int64_t)m->heap_free,
             "free spans the runtime keeps for reuse; the scavenger returns them to the OS over time", true);
    add_part(r, "goroutine stacks", (int64_t)m->stack_inuse, "", true);
    add_part(r, "runtime metadata", meta, "spans, GC bitmaps, profiling buckets (mapped; mostly resident)", true);
    if (r->have_proc && r->proc.smaps_anon >= 0) {
        int64_t go_anon = heap_objects_spans + (int64_t)m->heap_free + (int64_t)m->stack_inuse + meta;
        int64_t other = r->proc.smaps_anon - go_anon;
        add_part(r, "other anonymous memory", other,
                 "mapped outside the Go runtime: C libraries (cgo), syscall.Mmap, thread stacks of C threads", true);
        if (r->proc.smaps_brk >= 0) add_part(r, "C heap ([heap])", r->proc.smaps_brk, "malloc through cgo", true);
        if (r->proc.smaps_stack >= 0) add_part(r, "main thread stack", r->proc.smaps_stack, "", true);
        if (r->proc.smaps_file >= 0)
            add_part(r, "executable and files", r->proc.smaps_file, "code and mmap'd files; the kernel can drop them", true);
    }
    /* With GODEBUG=madvdontneed=0 the runtime returns pages with MADV_FREE:
     * they stay in RSS until the kernel needs the memory. */
    char godebug[512] = "";
    bool madv_free = r->live && r->pid > 0 && gmd_proc_getenv(r->pid, "GODEBUG", godebug, sizeof godebug) &&
                     strstr(godebug, "madvdontneed=0");
    add_part(r, "Go heap released", (int64_t)m->heap_released,
             madv_free ? "returned with MADV_FREE (GODEBUG=madvdontneed=0): still counted in RSS until the kernel "
                         "reclaims it"
                       : "returned to the OS: not in RSS",
             madv_free);
}

static int cmp_site(const void *a, const void *b)
{
    const gmd_heap_site *x = a, *y = b;
    if (x->inuse_space != y->inuse_space) return x->inuse_space < y->inuse_space ? 1 : -1;
    return strcmp(x->function, y->function);
}

static void heap_sites(gmd_attach_report *r)
{
    const gmd_profile *p = r->heap;
    int ispace = gmd_profile_sample_index(p, "inuse_space"), iobj = gmd_profile_sample_index(p, "inuse_objects");
    int aspace = gmd_profile_sample_index(p, "alloc_space");
    if (ispace < 0 || iobj < 0 || aspace < 0) return;
    size_t cap = 0;
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const gmd_sample *s = &p->samples[i];
        const char *fn = "(no stack)";
        if (s->nlocations) {
            const gmd_location *l = &p->locations[s->locations[0]];
            if (l->nlines) fn = p->functions[l->lines[0].function].name;
        }
        r->heap_inuse_total += s->values[ispace];
        r->heap_inuse_objects += s->values[iobj];
        uint32_t k = 0;
        for (; k < r->nsites; k++)
            if (r->sites[k].function == fn) break;   /* interned: pointer equality */
        if (k == r->nsites) {
            gmd_heap_site z = {fn, 0, 0, 0};
            GMD_VEC_PUSH(r->sites, r->nsites, cap, z);
        }
        r->sites[k].inuse_space += s->values[ispace];
        r->sites[k].inuse_objects += s->values[iobj];
        r->sites[k].alloc_space += s->values[aspace];
    }
    if (r->nsites) qsort(r->sites, r->nsites, sizeof *r->sites, cmp_site);
}

int gmd_attach_collect(gmd_target *t, gmd_attach_report *r, gmd_err *err)
{
    memset(r, 0, sizeof *r);
    snprintf(r->target, sizeof r->target, "%s", t->name);
    r->live = gmd_memsrc_is_live(t->mem);
    r->pid = gmd_memsrc_pid(t->mem);
    const char *exe = gmd_memsrc_exe_path(t->mem);
    r->exe = exe && exe[0] ? exe : gmd_gobin_path(t->bin);
    double t0 = now_sec();
    gmd_goruntime *rt = gmd_goruntime_open(t, err);
    if (!rt) return -1;
    r->go_version = gmd_gobin_go_version(t->bin);
    snprintf(r->layout, sizeof r->layout, "%s", gmd_goruntime_layout_source(rt));

    gmd_err e;
    gmd_err_clear(&e);
    char buf[600];
    if (gmd_goruntime_memstats(rt, &r->ms, &e) == 0) r->have_memstats = true;
    else snprintf(r->memstats_error, sizeof r->memstats_error, "%s", gmd_err_str(&e, buf, sizeof buf));
    gmd_err_clear(&e);
    r->goroutines = gmd_goruntime_goroutines(rt, &r->gstats, &e);
    if (!r->goroutines || gmd_goroutine_groups_build(r->goroutines, &r->groups, &e) < 0) {
        snprintf(r->goroutine_error, sizeof r->goroutine_error, "%s", gmd_err_str(&e, buf, sizeof buf));
        gmd_profile_free(r->goroutines);
        r->goroutines = NULL;
    }
    if (gmd_goruntime_crash(rt, &r->crash)) r->crashed = r->crash.has_signal || r->crash.panic_goid;
    gmd_err_clear(&e);
    r->heap = gmd_goruntime_heap(rt, &e);
    if (r->heap) heap_sites(r);
    else snprintf(r->heap_error, sizeof r->heap_error, "%s", gmd_err_str(&e, buf, sizeof buf));
    r->read_seconds = now_sec() - t0;
    gmd_goruntime_close(rt);

    if (r->live && r->pid > 0) {
        gmd_err_clear(&e);
        if (gmd_proc_read(r->pid, &r->proc, &e) == 0) r->have_proc = true;
        gmd_err_clear(&e);
        if (gmd_proc_fds_read(r->pid, &r->fds, &e) == 0 && r->fds.open >= 0) r->have_fds = true;
    }
    if (r->have_memstats) breakdown(r);
    return 0;
}

void gmd_attach_report_free(gmd_attach_report *r)
{
    if (r->goroutines) {
        gmd_goroutine_groups_free(&r->groups);
        gmd_profile_free(r->goroutines);
    }
    gmd_profile_free(r->heap);
    free(r->sites);
    memset(r, 0, sizeof *r);
}
