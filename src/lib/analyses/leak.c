/* Leak analysis over a series of snapshots (see gmd/leak.h for the model
 * and the scoring). Series are kept dense per snapshot in the tracker; the
 * fits run on at most FIT_POINTS evenly spaced points, so a long run costs
 * the same to judge as a short one. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/gcanalysis.h"
#include "gmd/gctrace.h"
#include "gmd/goroutines.h"
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/leak.h"
#include "gmd/stacks.h"
#include "gmd/trace_analysis.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"

#define FIT_POINTS 200
#define MAX_SERIES 200000u
#define MAX_FRAMES 256
#define MAX_PATHS 32              /* call paths kept per grouped site */
#define GOROUTINE_BYTES 8192.0    /* what one parked goroutine costs, at least */
#define GOROUTINE_MIN 5.0         /* fewer new goroutines than this is no leak, however steady */
#define Z_MIN 3.0                 /* growth must be this many standard deviations of sampling noise */
#define TAU_MIN 0.4               /* ... and this steady */
#define DEFICIT_Z 3.0             /* an end this far below the series' own rate is a warm-up */
#define MIN_SNAPSHOTS 5
#define DEFAULT_RATE 524288.0     /* Go's MemProfileRate when a profile does not say */
#define COARSE_BYTES (4.0 * 1048576)  /* resolving less growth than this over a run is enough */
#define MAX_TRACES 1000           /* trace windows kept; later ones are counted, not read */
#define MAX_TRACE_SITES 256       /* goroutine sites kept per trace (the leak-ranked first ones) */
#define MAX_TRACE_FRAMES 32       /* frames of a creating stack kept */
#define TRACE_POINTS 120          /* chart points per series per trace */

/* One call path into a grouped site: its value at snapshot 0 and at the
 * latest snapshot it appeared in. */
typedef struct path {
    const char **stack;
    uint32_t nstack;
    double first0, last;
    uint32_t last_snap;
    bool at0;
} path;

typedef struct series {
    const char **key;             /* tracker-interned: site, line, [entry function] */
    uint32_t nkey;
    const char *site;
    int64_t line;
    double *v;                    /* per snapshot; missing tail = 0 */
    uint32_t nv, cap;
    double qsum, qweight;         /* heap: bytes-weighted mean of bytes per sample */
    /* heap: bytes allocated since the program started (alloc_space), summed
     * at the first and the latest snapshot the site was seen in */
    double alloc_first, alloc_last;
    uint32_t alloc_snap0, alloc_snap1;
    bool have_alloc;
    path *paths;
    uint32_t npaths, pathcap;
    bool paths_dropped;
} series;

typedef struct kind_data {
    series *s;
    uint32_t n, cap;
    gmd_index index;
    double *t;                    /* snapshot times */
    double *total;                /* sum over series per snapshot */
    uint32_t nt, tcap;
    bool goroutines;              /* key adds the entry function; goexit dropped */
    uint32_t *forced;             /* heap: snapshots taken right after a forced GC (heap?gc=1) */
    uint32_t nforced, capforced;
} kind_data;

typedef struct point_vec {
    double *t, *v;
    uint32_t n, cap;
} point_vec;

/* A goroutine site of one trace, in small form (names interned in the
 * tracker, so sites compare by pointer with the profiles' names). */
typedef struct tsite {
    const char *start, *by;
    uint64_t created, ended, created_alive;
    const gmd_leak_frame *stack;
    uint32_t nstack;
} tsite;

typedef struct twin {
    gmd_leak_trace_window w;
    tsite *sites;                 /* tracker arena */
    uint32_t nsites;
    bool sites_dropped;           /* more than MAX_TRACE_SITES: a site not kept is unknown here */
} twin;

/* Trace series: goroutines running, runnable, waiting, in syscalls; heap live, goal. */
enum { TS_RUNNING, TS_RUNNABLE, TS_WAITING, TS_SYSCALL, TS_HEAP, TS_GOAL, TS_N };

/* /proc series beyond RSS: where resident memory lives (gmd/smaps.h). */
enum { PV_ANON, PV_ANON_MAPS, PV_BRK, PV_STACK, PV_FILE, PV_THREADS, PV_N };
/* The runtime's own statistics, when read from its memory ("memstats"
 * artifacts): what it holds in all (Sys - HeapReleased), the freed heap it
 * keeps (HeapIdle - HeapReleased), goroutine stacks, and its metadata. */
enum { RT_HELD, RT_FREE_KEPT, RT_STACKS, RT_META, RT_N };

struct gmd_leak_tracker {
    gmd_arena arena;
    gmd_intern names;
    kind_data heap, gor;
    int64_t heap_period;
    point_vec live, pause, rss;
    point_vec cls[PV_N];
    point_vec rt[RT_N];
    /* Where tr->live comes from: gctrace lines, or, when there are none (watch
     * --pid without --gctrace), the runtime's statistics read from memory:
     * one point per GC seen, its live heap (gcController.heapMarked). */
    bool live_from_memstats, gctrace_seen;
    double last_numgc;
    gmd_gctrace gct;
    gmd_profile *first_heap, *last_heap;
    /* Heap profiles at the latest two power-of-two snapshot numbers: the one
     * before last falls between a quarter and half of the run, the base of
     * the growth flame graph (the first snapshot is often near empty). */
    gmd_profile *pow_prev, *pow_last;
    double pow_prev_t;
    bool last_is_pow;             /* last_heap is pow_last, not owned twice */
    /* goroutine states by site, from the debug=2 dump */
    struct site_state { const char *site, *state, *created_by; int64_t count; } *states;
    uint32_t nstates, statecap;
    bool gor_series_from_text;   /* goroutine counts come from debug=2 snapshots (read from memory) */
    /* Heap profiles read from memory (no endpoint) change only at GC:
     * snapshots equal to the one before, in all and at the end. */
    uint32_t heap_repeats, heap_tail_repeats;
    bool dropped_series;
    twin *wins;
    uint32_t nwins, capwins, traces_unread;
    point_vec ts[TS_N];
    /* The creating stack of each trace site, kept once for all windows. */
    tsite *site_stacks;
    uint32_t nsite_stacks, capsite_stacks;
    gmd_index site_stack_ix;
};

static void push_point(point_vec *p, double t, double v)
{
    if (p->n >= p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->t = gmd_xrealloc(p->t, p->cap * sizeof *p->t);
        p->v = gmd_xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->t[p->n] = t;
    p->v[p->n++] = v;
}

gmd_leak_tracker *gmd_leak_tracker_new(void)
{
    gmd_leak_tracker *tr = gmd_xcalloc(1, sizeof *tr);
    gmd_arena_init(&tr->arena, 256 << 10);
    gmd_intern_init(&tr->names, &tr->arena);
    gmd_index_init(&tr->heap.index);
    gmd_index_init(&tr->gor.index);
    gmd_index_init(&tr->site_stack_ix);
    tr->gor.goroutines = true;
    gmd_gctrace_init(&tr->gct, NAN);
    return tr;
}

static void kind_free(kind_data *k)
{
    for (uint32_t i = 0; i < k->n; i++) {
        free(k->s[i].v);
        free(k->s[i].paths);
    }
    free(k->s);
    free(k->t);
    free(k->total);
    free(k->forced);
    gmd_index_free(&k->index);
}

void gmd_leak_tracker_free(gmd_leak_tracker *tr)
{
    if (!tr) return;
    kind_free(&tr->heap);
    kind_free(&tr->gor);
    point_vec *pv[3 + PV_N + RT_N + TS_N] = {&tr->live, &tr->pause, &tr->rss};
    for (int i = 0; i < PV_N; i++) pv[3 + i] = &tr->cls[i];
    for (int i = 0; i < RT_N; i++) pv[3 + PV_N + i] = &tr->rt[i];
    for (int i = 0; i < TS_N; i++) pv[3 + PV_N + RT_N + i] = &tr->ts[i];
    free(tr->wins);
    free(tr->site_stacks);
    gmd_index_free(&tr->site_stack_ix);
    for (size_t i = 0; i < 3 + PV_N + RT_N + TS_N; i++) {
        free(pv[i]->t);
        free(pv[i]->v);
    }
    gmd_gctrace_free(&tr->gct);
    gmd_profile_free(tr->first_heap);
    if (!tr->last_is_pow) gmd_profile_free(tr->last_heap);
    gmd_profile_free(tr->pow_prev);
    gmd_profile_free(tr->pow_last);
    free(tr->states);
    gmd_intern_free(&tr->names);
    gmd_arena_free(&tr->arena);
    free(tr);
}

/* ------------------------------------------------------------ allocation sites */

static bool is_runtime(const char *fn)
{
    return !strncmp(fn, "runtime.", 8) || !strncmp(fn, "internal/", 9) || !strncmp(fn, "runtime/internal/", 17);
}


static uint32_t site_frame(const char *const *names, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (gmd_function_is_user_code(names[i])) return i;
    for (uint32_t i = 0; i < n; i++)
        if (!is_runtime(names[i])) return i;
    /* All runtime (e.g. goroutine descriptors from runtime.malg): name the
     * first frame past the allocator itself. */
    static const char *const alloc[] = {"runtime.mallocgc", "runtime.newobject", "runtime.makeslice",
                                        "runtime.growslice", "runtime.makemap", "runtime.newarray"};
    for (uint32_t i = 0; i < n; i++) {
        bool is_alloc = false;
        for (size_t a = 0; a < sizeof alloc / sizeof *alloc; a++)
            if (!strncmp(names[i], alloc[a], strlen(alloc[a]))) is_alloc = true;
        if (!is_alloc) return i;
    }
    return 0;
}

typedef struct key_ctx {
    const kind_data *k;
    const char *const *key;
    uint32_t n;
} key_ctx;

static bool key_eq(const void *vctx, uint32_t element)
{
    const key_ctx *c = vctx;
    const series *s = &c->k->s[element];
    return s->nkey == c->n && !memcmp(s->key, c->key, c->n * sizeof *c->key);
}

static series *series_for(gmd_leak_tracker *tr, kind_data *k, const char *const *key, uint32_t n,
                          const char *site, int64_t line)
{
    uint64_t h = gmd_hash_bytes(key, n * sizeof *key);
    key_ctx c = {k, key, n};
    uint32_t at = gmd_index_find(&k->index, h, key_eq, &c);
    if (at != UINT32_MAX) return &k->s[at];
    if (k->n >= MAX_SERIES) {
        tr->dropped_series = true;
        return NULL;
    }
    GMD_VEC_RESERVE1(k->s, k->n, k->cap);
    series *s = &k->s[k->n];
    memset(s, 0, sizeof *s);
    s->key = gmd_arena_memdup(&tr->arena, key, n * sizeof *key);
    s->nkey = n;
    s->site = site;
    s->line = line;
    gmd_index_insert(&k->index, h, k->n);
    k->n++;
    return s;
}

/* The series of `key` if it exists (no new one is made). */
static series *series_find(kind_data *k, const char *const *key, uint32_t n)
{
    key_ctx c = {k, key, n};
    uint32_t at = gmd_index_find(&k->index, gmd_hash_bytes(key, n * sizeof *key), key_eq, &c);
    return at == UINT32_MAX ? NULL : &k->s[at];
}

static void alloc_add(series *s, uint32_t snap, double v)
{
    if (!s->have_alloc) {
        s->have_alloc = true;
        s->alloc_snap0 = s->alloc_snap1 = snap;
    }
    if (s->alloc_snap1 != snap) {
        s->alloc_snap1 = snap;
        s->alloc_last = 0;
    }
    s->alloc_last += v;
    if (s->alloc_snap0 == snap) s->alloc_first += v;
}

static void series_add(series *s, uint32_t snap, double v)
{
    if (s->nv <= snap) {
        if (snap + 1 > s->cap) {
            uint32_t cap = s->cap ? s->cap : 8;
            while (cap < snap + 1) cap *= 2;
            s->v = gmd_xrealloc(s->v, cap * sizeof *s->v);
            s->cap = cap;
        }
        for (uint32_t i = s->nv; i <= snap; i++) s->v[i] = 0;
        s->nv = snap + 1;
    }
    s->v[snap] += v;
}

/* Credit `v` at snapshot `snap` to the call path `names` of a grouped site.
 * Names are interned, so a path compares by pointers. */
static void path_add(gmd_leak_tracker *tr, series *s, const char *const *names, uint32_t n, uint32_t snap,
                     double v)
{
    path *pa = NULL;
    for (uint32_t i = 0; i < s->npaths; i++)
        if (s->paths[i].nstack == n && !memcmp(s->paths[i].stack, names, n * sizeof *names)) {
            pa = &s->paths[i];
            break;
        }
    if (!pa) {
        if (s->npaths >= MAX_PATHS) {
            s->paths_dropped = true;
            return;
        }
        GMD_VEC_RESERVE1(s->paths, s->npaths, s->pathcap);
        pa = &s->paths[s->npaths++];
        memset(pa, 0, sizeof *pa);
        pa->stack = gmd_arena_memdup(&tr->arena, names, n * sizeof *names);
        pa->nstack = n;
        pa->last_snap = snap;
    }
    if (pa->last_snap != snap) {
        pa->last_snap = snap;
        pa->last = 0;
    }
    pa->last += v;
    if (snap == 0) {
        pa->first0 += v;
        pa->at0 = true;
    }
}

/* Intern a stack's frame names (leaf first) into names[] and their lines
 * into lines[]; returns the count. */
static uint32_t stack_names(gmd_leak_tracker *tr, const gmd_stackset *ss, const gmd_stack *st,
                            const char **names, int64_t *lines, bool drop_goexit)
{
    uint32_t n = 0;
    char buf[64];
    for (uint32_t i = 0; i < st->nframes && n < MAX_FRAMES; i++) {
        const char *name = gmd_frame_name(ss, &st->frames[i], buf, sizeof buf);
        /* debug=2 dumps have no runtime.goexit at the root; proto ones do. */
        if (drop_goexit && !strcmp(name, "runtime.goexit")) continue;
        if (lines) lines[n] = st->frames[i].line;
        names[n++] = gmd_intern_str(&tr->names, name);
    }
    return n;
}

/* Bytes one heap sample of objects of `size` stands for at rate R: the
 * profiler samples an object with p = 1 - exp(-size/R) and scales it by 1/p
 * (runtime/pprof's scaleHeapSample), so sampled totals move in steps of
 * size/p — about R for small objects, the object itself for large ones. */
static double sample_quantum(double size, double rate)
{
    if (size <= 0) return rate;
    double p = -expm1(-size / rate);
    return p > 0 ? size / p : rate;
}

static int add_snapshot(gmd_leak_tracker *tr, kind_data *k, double t, const gmd_profile *p,
                        const char *sample_index, gmd_err *err)
{
    gmd_select_opts so;
    memset(&so, 0, sizeof so);
    so.sample_index = sample_index;
    gmd_stackset ss;
    if (gmd_stackset_build(p, &so, &ss, err) < 0) return -1;
    uint32_t snap = k->nt;
    if (k->nt >= k->tcap) {
        k->tcap = k->tcap ? k->tcap * 2 : 64;
        k->t = gmd_xrealloc(k->t, k->tcap * sizeof *k->t);
        k->total = gmd_xrealloc(k->total, k->tcap * sizeof *k->total);
    }
    k->t[snap] = t;
    k->total[snap] = 0;
    k->nt++;
    int objs_index = k->goroutines ? -1 : gmd_profile_sample_index(p, "inuse_objects");
    int alloc_index = k->goroutines ? -1 : gmd_profile_sample_index(p, "alloc_space");
    double rate = p->period > 0 ? (double)p->period : DEFAULT_RATE;
    const char *names[MAX_FRAMES];
    int64_t lines[MAX_FRAMES];
    for (uint32_t i = 0; i < ss.nstacks; i++) {
        const gmd_stack *st = &ss.stacks[i];
        k->total[snap] += (double)st->value;
        double alloc = alloc_index >= 0 ? (double)p->samples[st->sample].values[alloc_index] : 0;
        if ((st->value == 0 && alloc <= 0) || st->nframes == 0) continue;
        uint32_t n = stack_names(tr, &ss, st, names, lines, k->goroutines);
        if (n == 0) continue;
        uint32_t at = site_frame(names, n);
        /* Grouped by the site's function and line (and for goroutines the
         * function they started in): one cause, however many paths. */
        char lbuf[24];
        snprintf(lbuf, sizeof lbuf, "%lld", (long long)lines[at]);
        const char *key[3] = {names[at], gmd_intern_str(&tr->names, lbuf), names[n - 1]};
        if (st->value == 0) {
            /* Nothing in use here now: only what it allocated counts, for
             * a site already tracked (no series or path is made for it). */
            series *s = series_find(k, key, 2);
            if (s) alloc_add(s, snap, alloc);
            continue;
        }
        series *s = series_for(tr, k, key, k->goroutines ? 3 : 2, names[at], lines[at]);
        if (!s) continue;
        if (alloc > 0) alloc_add(s, snap, alloc);
        series_add(s, snap, (double)st->value);
        if (k->goroutines) path_add(tr, s, names, n, snap, (double)st->value);
        else path_add(tr, s, names + at, n - at, snap, (double)st->value);
        if (objs_index >= 0) {
            int64_t objs = p->samples[st->sample].values[objs_index];
            if (objs > 0) {
                s->qsum += (double)st->value * sample_quantum((double)st->value / (double)objs, rate);
                s->qweight += (double)st->value;
            }
        }
    }
    gmd_stackset_free(&ss);
    return 0;
}

int gmd_leak_add_heap(gmd_leak_tracker *tr, double t, gmd_profile *p, gmd_err *err)
{
    if (gmd_profile_sample_index(p, "inuse_space") < 0) {
        gmd_profile_free(p);
        return gmd_errf(err, "not a heap profile (no inuse_space sample type)");
    }
    int rc = add_snapshot(tr, &tr->heap, t, p, "inuse_space", err);
    if (rc == 0 && p->period > 0) tr->heap_period = p->period;
    if (rc < 0) {
        gmd_profile_free(p);
        return -1;
    }
    if (!tr->first_heap) {
        tr->first_heap = p;
        return 0;
    }
    if (!tr->last_is_pow) gmd_profile_free(tr->last_heap);
    tr->last_heap = p;
    tr->last_is_pow = false;
    uint32_t i = tr->heap.nt - 1;
    if ((i & (i - 1)) == 0) {
        gmd_profile_free(tr->pow_prev);
        tr->pow_prev = tr->pow_last;
        tr->pow_prev_t = tr->heap.nt >= 2 ? tr->heap.t[i / 2] : t;
        tr->pow_last = p;
        tr->last_is_pow = true;
    }
    return 0;
}

int gmd_leak_add_goroutine(gmd_leak_tracker *tr, double t, gmd_profile *p, gmd_err *err)
{
    /* An endpoint serving another profile at /goroutine (a proxy, a custom
     * handler) would read as millions of goroutines. */
    if (!gmd_profile_is_goroutine(p)) {
        gmd_errf(err, "not a goroutine profile (its sample type is %s)",
                 p->nsample_types ? p->sample_types[0].type : "none");
        gmd_profile_free(p);
        return -1;
    }
    int rc = add_snapshot(tr, &tr->gor, t, p, NULL, err);
    gmd_profile_free(p);
    return rc;
}

void gmd_leak_mark_forced(gmd_leak_tracker *tr)
{
    if (tr->heap.nt == 0) return;
    GMD_VEC_PUSH(tr->heap.forced, tr->heap.nforced, tr->heap.capforced, tr->heap.nt - 1);
}

int gmd_leak_add_goroutine_text(gmd_leak_tracker *tr, double t, gmd_profile *p, gmd_err *err)
{
    /* With an endpoint, a debug=2 snapshot comes once, at the end, after the
     * counted proto snapshots: it only adds states. Read from memory, every
     * snapshot is debug=2: each one is a point of the series too. */
    if (tr->gor.nt == 0 || tr->gor_series_from_text) {
        tr->gor_series_from_text = true;
        if (add_snapshot(tr, &tr->gor, t, p, NULL, err) < 0) {
            gmd_profile_free(p);
            return -1;
        }
    }
    return gmd_leak_add_goroutine_states(tr, p, err);
}

int gmd_leak_add_goroutine_states(gmd_leak_tracker *tr, gmd_profile *p, gmd_err *err)
{
    tr->nstates = 0;   /* the latest snapshot's states */
    gmd_stackset ss;
    if (gmd_stackset_build(p, NULL, &ss, err) < 0) {
        gmd_profile_free(p);
        return -1;
    }
    /* Per (site, state): how many goroutines. Few distinct pairs, so a list. */
    const char *names[MAX_FRAMES];
    for (uint32_t i = 0; i < ss.nstacks; i++) {
        const gmd_stack *st = &ss.stacks[i];
        uint32_t n = stack_names(tr, &ss, st, names, NULL, true);
        if (n == 0) continue;
        const char *site = names[site_frame(names, n)];
        const gmd_sample *smp = &p->samples[st->sample];
        const char *state = "";
        for (uint32_t l = 0; l < smp->nlabels; l++)
            if (!strcmp(smp->labels[l].key, "state")) state = smp->labels[l].str;
        const char *created = "";
        for (uint32_t g = 0; g < p->ngoroutines; g++)
            if (p->goroutines[g].sample == st->sample) {
                created = p->goroutines[g].created_by;
                break;
            }
        state = gmd_intern_str(&tr->names, state);
        created = gmd_intern_str(&tr->names, created);
        uint32_t j = 0;
        for (; j < tr->nstates; j++)
            if (tr->states[j].site == site && tr->states[j].state == state) break;
        if (j == tr->nstates) {
            if (tr->nstates >= 100000) continue;
            GMD_VEC_RESERVE1(tr->states, tr->nstates, tr->statecap);
            tr->states[tr->nstates++] = (struct site_state){site, state, created, 0};
        }
        tr->states[j].count += st->value ? st->value : 1;
    }
    gmd_stackset_free(&ss);
    gmd_profile_free(p);
    return 0;
}

void gmd_leak_add_gcline(gmd_leak_tracker *tr, double t, const char *line, size_t len)
{
    gmd_gc_cycle c;
    if (gmd_gctrace_parse_gc_line(line, len, &c) != 1) return;
    gmd_gctrace_feed(&tr->gct, line, len);
    gmd_gctrace_feed(&tr->gct, "\n", 1);
    if (tr->live_from_memstats) {   /* gctrace, when it comes, is the source */
        tr->live.n = 0;
        tr->live_from_memstats = false;
    }
    tr->gctrace_seen = true;
    push_point(&tr->live, t, (double)c.live_mb * 1048576.0);
    push_point(&tr->pause, t, c.stw_ms);
}

void gmd_leak_add_proc(gmd_leak_tracker *tr, double t, const gmd_proc_stats *s)
{
    if (s->rss >= 0) push_point(&tr->rss, t, (double)s->rss);
    const int64_t v[PV_N] = {s->smaps_anon, s->smaps_anon_maps, s->smaps_brk, s->smaps_stack, s->smaps_file,
                             s->threads};
    for (int i = 0; i < PV_N; i++)
        if (v[i] >= 0) push_point(&tr->cls[i], t, (double)v[i]);
}

/* "# Name = value" lines, the runtime.MemStats trailer of a debug=1 heap
 * profile, as gmd writes them for statistics read from memory. */
static bool memstat_value(const char *text, size_t len, const char *name, double *out)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl + 5 < len;) {
        const char *line = text + i;
        const char *eol = memchr(line, '\n', len - i);
        size_t n = eol ? (size_t)(eol - line) : len - i;
        if (n > nl + 5 && line[0] == '#' && line[1] == ' ' && !memcmp(line + 2, name, nl) &&
            !memcmp(line + 2 + nl, " = ", 3)) {
            double v = 0;
            size_t j = 2 + nl + 3;
            if (j >= n || line[j] < '0' || line[j] > '9') return false;
            for (; j < n && line[j] >= '0' && line[j] <= '9' && v < 1e19; j++) v = v * 10 + (line[j] - '0');
            *out = v;
            return true;
        }
        i += n + 1;
    }
    return false;
}

void gmd_leak_add_memstats(gmd_leak_tracker *tr, double t, const char *text, size_t len)
{
    double sys, released, idle, stack, mspan, mcache, buckhash, gc, other;
    if (!memstat_value(text, len, "Sys", &sys) || !memstat_value(text, len, "HeapReleased", &released) ||
        !memstat_value(text, len, "HeapIdle", &idle) || !memstat_value(text, len, "StackInuse", &stack) ||
        !memstat_value(text, len, "MSpanSys", &mspan) || !memstat_value(text, len, "MCacheSys", &mcache) ||
        !memstat_value(text, len, "BuckHashSys", &buckhash) || !memstat_value(text, len, "GCSys", &gc) ||
        !memstat_value(text, len, "OtherSys", &other) || released > sys || released > idle)
        return;
    double numgc, marked;
    if (!tr->gctrace_seen && memstat_value(text, len, "NumGC", &numgc) && memstat_value(text, len, "HeapMarked", &marked) &&
        numgc > 0 && numgc != tr->last_numgc) {
        tr->live_from_memstats = true;
        tr->last_numgc = numgc;
        push_point(&tr->live, t, marked);
    }
    push_point(&tr->rt[RT_HELD], t, sys - released);
    push_point(&tr->rt[RT_FREE_KEPT], t, idle - released);
    push_point(&tr->rt[RT_STACKS], t, stack);
    push_point(&tr->rt[RT_META], t, mspan + mcache + buckhash + gc + other);
}

/* ------------------------------------------------------------ execution traces */

/* A trace series onto the run clock, at most TRACE_POINTS points: buckets
 * merged keeping the maximum, as the trace analysis merges its own. */
static void add_tseries(point_vec *p, const gmd_tseries *s, int64_t start, double t)
{
    uint32_t per = (s->n + TRACE_POINTS - 1) / TRACE_POINTS;
    if (per == 0) return;
    for (uint32_t g = 0; g * per < s->n; g++) {
        bool have = false;
        double v = 0;
        int64_t at = 0;
        for (uint32_t i = g * per; i < (g + 1) * per && i < s->n; i++)
            if (s->have[i] && (!have || s->v[i] >= v)) {
                have = true;
                v = s->v[i];
                at = s->t[i];
            }
        if (have) push_point(p, t + (double)(at - start) / 1e9, v);
    }
}

typedef struct site_key { const gmd_leak_tracker *tr; const char *start, *by; } site_key;
static bool site_key_eq(const void *ctx, uint32_t i)
{
    const site_key *k = ctx;
    return k->tr->site_stacks[i].start == k->start && k->tr->site_stacks[i].by == k->by;
}

/* The site's creating stack as first seen in any trace (windows share it,
 * so a long watch keeps one copy per site, not one per window). */
static void site_stack(gmd_leak_tracker *tr, tsite *x, const gmd_trace_analysis *a, uint32_t stack)
{
    site_key k = {tr, x->start, x->by};
    uint64_t h = gmd_mix64((uint64_t)(uintptr_t)x->start) ^ (uint64_t)(uintptr_t)x->by;
    uint32_t i = gmd_index_find(&tr->site_stack_ix, h, site_key_eq, &k);
    if (i == UINT32_MAX) {
        const gmd_tstack *st = &a->stacks[stack];
        uint32_t nf = st->n < MAX_TRACE_FRAMES ? st->n : MAX_TRACE_FRAMES;
        gmd_leak_frame *f = nf ? gmd_arena_alloc(&tr->arena, nf * sizeof *f) : NULL;
        for (uint32_t j = 0; j < nf; j++) {
            const gmd_tframe *fr = &a->frames[a->frame_of[st->first + j]];
            f[j] = (gmd_leak_frame){gmd_intern_str(&tr->names, fr->func), gmd_intern_str(&tr->names, fr->file),
                                    (int64_t)fr->line};
        }
        GMD_VEC_PUSH(tr->site_stacks, tr->nsite_stacks, tr->capsite_stacks,
                     ((tsite){.start = x->start, .by = x->by, .stack = f, .nstack = nf}));
        i = tr->nsite_stacks - 1;
        gmd_index_insert(&tr->site_stack_ix, h, i);
    }
    x->stack = tr->site_stacks[i].stack;
    x->nstack = tr->site_stacks[i].nstack;
}

int gmd_leak_add_trace(gmd_leak_tracker *tr, double t, double t_end, gmd_trace_reader *rd, gmd_err *err)
{
    if (tr->nwins >= MAX_TRACES) {
        tr->traces_unread++;
        return gmd_errf(err, "more than %d traces: not read", MAX_TRACES);
    }
    gmd_trace_analysis *a = gmd_xmalloc(sizeof *a);
    int rc = gmd_trace_analyse(rd, a, err);
    if (rc == 0 && a->events == 0) rc = gmd_errf(err, "no complete part of the trace%s%s", a->truncated ? ": " : "",
                                                 a->truncated ? a->truncated : "");
    if (rc < 0 && a->events == 0) {
        gmd_trace_analysis_free(a);
        free(a);
        tr->traces_unread++;
        return -1;
    }
    GMD_VEC_RESERVE1(tr->wins, tr->nwins, tr->capwins);
    twin *w = &tr->wins[tr->nwins++];
    memset(w, 0, sizeof *w);
    double span = a->end > a->start ? (double)(a->end - a->start) / 1e9 : 0;
    w->w.t = t;
    w->w.t_end = span > 0 || t_end <= t ? t + span : t_end;
    w->w.events = a->events;
    w->w.partial = rc < 0 || a->truncated;
    uint32_t n = a->nsites < MAX_TRACE_SITES ? a->nsites : MAX_TRACE_SITES;
    w->sites_dropped = a->nsites > n;
    w->sites = n ? gmd_arena_alloc(&tr->arena, n * sizeof *w->sites) : NULL;
    for (uint32_t i = 0; i < n; i++) {
        const gmd_trace_site *ts = &a->sites[i];
        if (!ts->start_function[0]) continue;   /* goroutines of no known site */
        tsite *x = &w->sites[w->nsites++];
        x->start = gmd_intern_str(&tr->names, ts->start_function);
        x->by = gmd_intern_str(&tr->names, ts->created_by);
        x->created = ts->created;
        x->ended = ts->ended;
        x->created_alive = ts->created_alive;
        if (ts->create_stack != GMD_TNONE) site_stack(tr, x, a, ts->create_stack);
    }
    const gmd_tseries *src[TS_N] = {&a->g_running, &a->g_runnable, &a->g_waiting, &a->g_syscall, &a->heap_alloc,
                                    &a->heap_goal};
    for (int i = 0; i < TS_N; i++) add_tseries(&tr->ts[i], src[i], a->start, t);
    if (rc == 0 && a->truncated) rc = gmd_errf(err, "trace cut off: %s", a->truncated);
    gmd_trace_analysis_free(a);
    free(a);
    return rc < 0 ? 1 : 0;
}

int gmd_leak_add_trace_file(gmd_leak_tracker *tr, double t, double t_end, const char *path, gmd_err *err)
{
    gmd_trace_reader *rd = gmd_trace_open(path, err);
    if (!rd) {
        tr->traces_unread++;
        return -1;
    }
    int rc = gmd_leak_add_trace(tr, t, t_end, rd, err);
    gmd_trace_close(rd);
    return rc;
}

static double series_at(const series *s, uint32_t i) { return i < s->nv ? s->v[i] : 0; }

static double series_quantum(const gmd_leak_tracker *tr, const series *s)
{
    if (s->qweight > 0) return s->qsum / s->qweight;
    return tr->heap_period > 0 ? (double)tr->heap_period : DEFAULT_RATE;
}

void gmd_leak_leader(const gmd_leak_tracker *tr, char *buf, size_t size)
{
    buf[0] = '\0';
    double best = 0;
    const series *top = NULL;
    bool top_heap = true;
    const kind_data *kinds[2] = {&tr->heap, &tr->gor};
    for (int k = 0; k < 2; k++) {
        const kind_data *kd = kinds[k];
        if (kd->nt < 2) continue;
        for (uint32_t i = 0; i < kd->n; i++) {
            const series *s = &kd->s[i];
            double growth = series_at(s, kd->nt - 1) - series_at(s, 0);
            /* Cheap: Z_MIN^2 quanta is what a steady rise needs to count. */
            double floor = k == 0 ? Z_MIN * Z_MIN * series_quantum(tr, s) : GOROUTINE_MIN;
            if (growth < floor) continue;
            double weight = k == 0 ? growth : growth * GOROUTINE_BYTES;
            if (weight > best) {
                best = weight;
                top = s;
                top_heap = k == 0;
            }
        }
    }
    if (!top) return;
    const kind_data *kd = top_heap ? &tr->heap : &tr->gor;
    double growth = series_at(top, kd->nt - 1) - series_at(top, 0);
    char v[64];
    if (top_heap)
        snprintf(buf, size, "%s +%s", top->site, gmd_fmt_bytes_iec(growth, v, sizeof v));
    else
        snprintf(buf, size, "%s +%.0f goroutines", top->site, growth);
}

void gmd_leak_latest(const gmd_leak_tracker *tr, int64_t *live_heap, int64_t *goroutines, int64_t *rss)
{
    *live_heap = tr->live.n ? (int64_t)tr->live.v[tr->live.n - 1] : -1;
    *goroutines = tr->gor.nt ? (int64_t)tr->gor.total[tr->gor.nt - 1] : -1;
    *rss = tr->rss.n ? (int64_t)tr->rss.v[tr->rss.n - 1] : -1;
}

/* -------------------------------------------------------------------- fitting */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Up to FIT_POINTS indices of [lo, hi), evenly spaced, first and last included. */
static uint32_t pick(uint32_t lo, uint32_t hi, uint32_t *idx)
{
    uint32_t n = hi - lo;
    if (n <= FIT_POINTS) {
        for (uint32_t i = 0; i < n; i++) idx[i] = lo + i;
        return n;
    }
    for (uint32_t i = 0; i < FIT_POINTS; i++)
        idx[i] = lo + (uint32_t)((double)i * (n - 1) / (FIT_POINTS - 1) + 0.5);
    return FIT_POINTS;
}

/* Theil-Sen slope of (t, v)[lo, hi). */
static double theil_sen(const double *t, const double *v, uint32_t lo, uint32_t hi, double *scratch)
{
    uint32_t idx[FIT_POINTS];
    uint32_t n = pick(lo, hi, idx), m = 0;
    if (n < 2) return 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            double dt = t[idx[j]] - t[idx[i]];
            if (dt > 0) scratch[m++] = (v[idx[j]] - v[idx[i]]) / dt;
        }
    if (m == 0) return 0;
    qsort(scratch, m, sizeof *scratch, cmp_double);
    return m % 2 ? scratch[m / 2] : (scratch[m / 2 - 1] + scratch[m / 2]) / 2;
}

/* Kendall's tau-b of v against time (times are increasing). */
static double kendall(const double *v, uint32_t lo, uint32_t hi)
{
    uint32_t idx[FIT_POINTS];
    uint32_t n = pick(lo, hi, idx);
    double conc = 0, disc = 0, ties = 0, pairs = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            double d = v[idx[j]] - v[idx[i]];
            pairs++;
            if (d > 0) conc++;
            else if (d < 0) disc++;
            else ties++;
        }
    double denom = sqrt(pairs * (pairs - ties));
    return denom > 0 ? (conc - disc) / denom : 0;
}

static void fit_trend(gmd_leak_result *r, gmd_leak_trend *tr, const double *t, const double *v, uint32_t n,
                      double *scratch)
{
    memset(tr, 0, sizeof *tr);
    if (n < 2) return;
    tr->have = true;
    tr->n = n;
    tr->t = gmd_arena_memdup(&r->arena, t, n * sizeof *t);
    tr->v = gmd_arena_memdup(&r->arena, v, n * sizeof *v);
    tr->first = v[0];
    tr->last = v[n - 1];
    tr->min = tr->max = v[0];
    for (uint32_t i = 1; i < n; i++) {
        if (v[i] < tr->min) tr->min = v[i];
        if (v[i] > tr->max) tr->max = v[i];
    }
    tr->slope = theil_sen(t, v, 0, n, scratch);
    tr->tau = kendall(v, 0, n);
}

/* ------------------------------------------------------------------ judging */

const char *gmd_leak_kind_name(gmd_leak_kind k)
{
    return k == GMD_LEAK_HEAP ? "heap" : k == GMD_LEAK_GOROUTINE ? "goroutine" : "offheap";
}

const char *gmd_leak_verdict_name(gmd_leak_verdict v)
{
    return v == GMD_VERDICT_LEAK ? "leak" : v == GMD_VERDICT_NO_LEAK ? "no_leak" : "inconclusive";
}

static const char *fmt_amount(gmd_leak_kind kind, double v, char *buf, size_t size)
{
    if (kind != GMD_LEAK_GOROUTINE) return gmd_fmt_bytes_iec(v, buf, size);
    snprintf(buf, size, "%.0f", v);
    return buf;
}

static const char *fmt_rate(gmd_leak_kind kind, double v, char *buf, size_t size)
{
    char a[64];
    if (kind != GMD_LEAK_GOROUTINE)
        snprintf(buf, size, "%s%s/s", v < 0 ? "-" : "+", gmd_fmt_bytes_iec(fabs(v), a, sizeof a));
    else snprintf(buf, size, "%+.1f/s", v);
    return buf;
}

/* "1 in 7400": how often sampling noise alone would give a z this high. */
static const char *fmt_chance(double z, char *buf, size_t size)
{
    double p = 0.5 * erfc(z / sqrt(2.0));
    if (p < 1e-9) snprintf(buf, size, "under 1 in a billion");
    else snprintf(buf, size, "about 1 in %.2g", 1 / p);
    return buf;
}

typedef struct evidence_list {
    const char **items;
    uint32_t n, cap;
} evidence_list;

static void say(gmd_leak_result *r, evidence_list *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(gmd_leak_result *r, evidence_list *e, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    GMD_VEC_PUSH(e->items, e->n, e->cap, gmd_arena_strdup(&r->arena, buf));
}

static void finish_evidence(gmd_leak_result *r, gmd_leak_suspect *x, evidence_list *e)
{
    x->evidence = e->items ? gmd_arena_memdup(&r->arena, e->items, e->n * sizeof *e->items) : NULL;
    x->nevidence = e->n;
    free(e->items);
    memset(e, 0, sizeof *e);
}

/* How far a series moved, in sampling quanta: up and down, interval by
 * interval, over [lo, hi). */
static void moves(const double *v, uint32_t lo, uint32_t hi, double q, double *up, double *down)
{
    *up = *down = 0;
    for (uint32_t i = lo + 1; i < hi; i++) {
        double d = (v[i] - v[i - 1]) / q;
        if (d > 0) *up += d;
        else *down -= d;
    }
}

/* Net growth over its noise: for a steady rise of N quanta, sqrt(N); churn
 * (quanta going up and down) widens the noise, so a random walk or a
 * sawtooth stays low. Counts are Poisson: variance = count. */
static double growth_z(double net, double up, double down)
{
    double var = fmax(up + down, fabs(net));
    return var > 0 ? net / sqrt(var) : 0;
}

typedef struct judged {
    gmd_leak_suspect s;
    bool suspect, dismissed, warming;
    double peak;
    const char *why;
} judged;

typedef struct ending {
    double dz;                    /* how far below the overall rate the end is, in sd */
    double tail_sec;              /* length of that end */
    double tail_growth;           /* growth over it, in unit */
    double tail_z;                /* the tail's own growth z */
    double expected;              /* growth over it at the overall rate, in unit */
} ending;

/* Find the end of the run that falls furthest short of the series' overall
 * rate: the candidate tails are the last fifth up to the last two thirds. */
static void find_ending(const double *t, const double *v, uint32_t n, double q, double rate, ending *out)
{
    memset(out, 0, sizeof *out);
    double span = t[n - 1] - t[0];
    if (n < MIN_SNAPSHOTS || span <= 0 || rate <= 0) return;
    for (uint32_t k = n / 3; k + 2 < n; k++) {
        double d = t[n - 1] - t[k];
        if (d < 0.2 * span) break;
        double expected = rate * d / q, observed = (v[n - 1] - v[k]) / q;
        double up, down;
        moves(v, k, n, q, &up, &down);
        double dz = (expected - observed) / sqrt(fmax(fmax(expected, up + down), 1));
        if (dz > out->dz) {
            out->dz = dz;
            out->tail_sec = d;
            out->tail_growth = observed * q;
            out->tail_z = growth_z(observed, up, down);
            out->expected = expected * q;
        }
    }
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* Whether a trace site was created by `by`, the goroutine dump's creator.
 * The dump names the function the go statement is compiled into, the trace
 * the innermost inlined one: when the statement sits in an inlined call,
 * the dump's name is further up the trace's creating stack. */
static bool created_by_matches(const tsite *ts, const char *by)
{
    if (!by[0] || !ts->by[0] || ts->by == by) return true;
    for (uint32_t k = 0; k < ts->nstack; k++)
        if (ts->stack[k].func == by) return true;
    return false;
}

/* What the traces say of a goroutine site: the goroutines that run its
 * start function (the series' key; goroutines that existed before a trace
 * began count there too), created by the dump's creator when it names one.
 * Goroutines ending as fast as they are created is evidence against a
 * leak: the confidence is halved and the reader told. No traces: nothing
 * changes. */
static void trace_evidence(gmd_leak_tracker *tr, gmd_leak_result *r, const series *s, gmd_leak_suspect *x,
                           evidence_list *e)
{
    if (!tr->nwins || s->nkey < 3) return;
    gmd_leak_trace_evidence *te = &x->trace;
    const char *start = s->key[2], *by = x->created_by;
    gmd_leak_trace_count *pw = gmd_arena_alloc(&r->arena, tr->nwins * sizeof *pw);
    const tsite *best = NULL;
    uint32_t nw = 0;
    te->start_function = te->created_by = "";
    for (uint32_t i = 0; i < tr->nwins; i++) {
        const twin *w = &tr->wins[i];
        gmd_leak_trace_count c = {w->w.t, w->w.t_end, 0, 0, 0};
        bool found = false;
        for (uint32_t j = 0; j < w->nsites; j++) {
            const tsite *ts = &w->sites[j];
            if (ts->start != start || !created_by_matches(ts, by)) continue;
            found = true;
            c.created += ts->created;
            c.ended += ts->ended;
            c.created_alive += ts->created_alive;
            if (ts->by[0] && (!best || ts->created > best->created)) best = ts;
        }
        if (!found && w->sites_dropped) continue;   /* unknown in this window, not zero */
        pw[nw++] = c;
        te->seconds += w->w.t_end - w->w.t;
        te->created += c.created;
        te->ended += c.ended;
        te->created_alive += c.created_alive;
    }
    if (!nw) return;
    te->windows = nw;
    te->per_window = pw;
    if (best) {
        te->start_function = best->start;
        te->created_by = best->by;
        te->create_stack = best->stack;
        te->ncreate_stack = best->nstack;
    }
    if (te->seconds > 0) {
        te->created_per_sec = (double)te->created / te->seconds;
        te->ended_per_sec = (double)te->ended / te->seconds;
    }
    te->against = te->created + te->ended >= GOROUTINE_MIN && (double)te->ended >= 0.8 * (double)te->created;

    char buf[1024];
    int len = snprintf(buf, sizeof buf, "trace (%u window%s, %.1f s): ", te->windows, te->windows == 1 ? "" : "s",
                       te->seconds);
    if (te->created + te->ended == 0) {
        snprintf(buf + len, sizeof buf - (size_t)len, "no goroutine running %s was created or ended", start);
        say(r, e, "%s", buf);
        return;
    }
    len += snprintf(buf + len, sizeof buf - (size_t)len, "%.1f created/s, %.1f ended/s at this site; %llu of the %llu "
                    "created still alive at their window's end", te->created_per_sec, te->ended_per_sec,
                    (unsigned long long)te->created_alive, (unsigned long long)te->created);
    for (uint32_t k = 0; k < te->ncreate_stack && len < (int)sizeof buf - 120; k++) {
        const gmd_leak_frame *f = &te->create_stack[k];
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%s (%s:%lld)", k ? " <- " : "; created at ", f->func,
                        base_name(f->file), (long long)f->line);
    }
    say(r, e, "%s", buf);
    if (te->against) {
        x->confidence *= 0.5;
        x->score = x->confidence * x->impact;
        say(r, e, "the trace shows this site's goroutines ending about as fast as they are created (%.1f/s against "
            "%.1f/s): evidence against a leak, so the confidence is halved", te->ended_per_sec, te->created_per_sec);
    }
}

static void judge(gmd_leak_tracker *tr, gmd_leak_result *r, kind_data *k, gmd_leak_kind kind, const series *s,
                  double *vals, double *scratch, judged *out)
{
    memset(out, 0, sizeof *out);
    uint32_t n = k->nt;
    /* Heap profiles read from memory that repeat at the end hold no news
     * since the last GC: the series ends where its information does, so a
     * quiet spell between GCs is not read as "held flat" or a slowdown. */
    if (kind == GMD_LEAK_HEAP && tr->heap_tail_repeats && n - tr->heap_tail_repeats >= MIN_SNAPSHOTS)
        n -= tr->heap_tail_repeats;
    for (uint32_t i = 0; i < n; i++) vals[i] = series_at(s, i);
    double first = vals[0], last = vals[n - 1], peak = vals[0];
    for (uint32_t i = 1; i < n; i++)
        if (vals[i] > peak) peak = vals[i];
    double q = kind == GMD_LEAK_HEAP ? series_quantum(tr, s) : 1.0;
    if (peak - first < 3 * q) return;   /* never rose by a few samples: nothing to say */

    const double *t = k->t;
    double span = t[n - 1] - t[0];
    uint32_t third = n / 3;
    double slope = theil_sen(t, vals, 0, n, scratch);
    double early = theil_sen(t, vals, 0, third + 1, scratch);
    double mid = theil_sen(t, vals, third, n - third, scratch);
    double late = theil_sen(t, vals, n - third - 1, n, scratch);
    double tau = kendall(vals, 0, n);
    double growth = slope * span;
    double up, down;
    moves(vals, 0, n, q, &up, &down);
    double z = growth_z(growth / q, up, down);

    gmd_leak_suspect *x = &out->s;
    x->kind = kind;
    x->site = s->site;
    x->line = s->line;
    x->unit = kind == GMD_LEAK_HEAP ? "bytes" : "goroutines";
    x->growth_per_sec = slope;
    x->slope_first_half = theil_sen(t, vals, 0, n / 2 + 1, scratch);
    x->slope_last_half = theil_sen(t, vals, n / 2, n, scratch);
    x->first = first;
    x->current = last;
    x->tau = tau;
    x->noise = q;
    x->z = z;
    for (uint32_t i = 1; i < n; i++) {
        x->steps++;
        if (vals[i] > vals[i - 1]) x->rises++;
    }
    out->peak = peak;

    char a[64], b[64], c[64], d[64];
    bool big_enough = kind == GMD_LEAK_HEAP || growth >= GOROUTINE_MIN;
    if (z < Z_MIN || tau < TAU_MIN || growth <= 0 || !big_enough) {
        out->dismissed = true;
        char why[512];
        if (tau < TAU_MIN && z < Z_MIN && up + down > 2 * fabs(growth / q))
            snprintf(why, sizeof why, "went up and down without a steady trend (tau %.2f, z %.1f)", tau, z);
        else if (!big_enough)
            snprintf(why, sizeof why, "only %.0f more goroutines", growth);
        else if (z >= Z_MIN && growth > 0)   /* beyond noise, but the trend failed */
            snprintf(why, sizeof why, "grew %s, but not steadily: Kendall's tau %.2f (needs %.1f)",
                     fmt_amount(kind, growth, a, sizeof a), tau, TAU_MIN);
        else if (kind == GMD_LEAK_HEAP)
            snprintf(why, sizeof why, "growth within sampling noise: %s is %.1f samples of %s, z %.1f (needs %.0f)",
                     gmd_fmt_bytes_iec(fmax(growth, 0), a, sizeof a), fmax(growth, 0) / q,
                     gmd_fmt_bytes_iec(q, b, sizeof b), z, Z_MIN);
        else
            snprintf(why, sizeof why, "no steady growth (tau %.2f, z %.1f)", tau, z);
        out->why = gmd_arena_strdup(&r->arena, why);
        return;
    }

    /* The end of the run decides warm-up against leak. */
    ending end;
    find_ending(t, vals, n, q, slope, &end);
    if (end.dz >= DEFICIT_Z) {
        char why[512];
        if (end.tail_z < 2 || end.tail_growth < 0.2 * end.expected) {
            out->dismissed = true;
            snprintf(why, sizeof why, "grew %s, then held flat over the last %.0f s (%s there, against %s expected at its "
                     "earlier rate): a warm-up, not a leak", fmt_amount(kind, peak - first, a, sizeof a), end.tail_sec,
                     fmt_amount(kind, end.tail_growth, b, sizeof b), fmt_amount(kind, end.expected, c, sizeof c));
            out->why = gmd_arena_strdup(&r->arena, why);
            return;
        }
        if (end.tail_growth < 0.5 * end.expected && early > mid && mid > late && late < 0.5 * early) {
            out->dismissed = out->warming = true;
            snprintf(why, sizeof why, "still warming up: growth keeps slowing (%s, then %s, then %s over thirds of the run); "
                     "not counted as a leak, run longer to be sure", fmt_rate(kind, early, a, sizeof a),
                     fmt_rate(kind, mid, b, sizeof b), fmt_rate(kind, late, c, sizeof c));
            out->why = gmd_arena_strdup(&r->arena, why);
            return;
        }
    }

    /* A snapshot right after a forced GC (heap?gc=1) holds only what is
     * reachable; the others also hold the garbage of the cycle in flight,
     * and that grows with the heap (a bigger heap, longer cycles). A site
     * that grew across ordinary snapshots but not from the first forced
     * snapshot to the last is that garbage, not memory kept. */
    if (kind == GMD_LEAK_HEAP && k->nforced >= 2) {
        uint32_t f0 = k->forced[0], f1 = k->forced[k->nforced - 1];
        if (f1 < n && f0 < f1 && t[f1] - t[f0] >= 0.5 * span) {
            double held = vals[f1] - vals[f0], expected = slope * (t[f1] - t[f0]);
            if (held < 0.5 * expected) {
                out->dismissed = true;
                char why[512];
                snprintf(why, sizeof why, "grew %s across ordinary snapshots, but only %s from the first snapshot taken "
                         "right after a forced GC to the last (%.1f s to %.1f s): garbage of the GC cycle in flight, "
                         "which grows with the heap, not memory kept", fmt_amount(kind, growth, a, sizeof a),
                         fmt_amount(kind, held, b, sizeof b), t[f0], t[f1]);
                out->why = gmd_arena_strdup(&r->arena, why);
                return;
            }
        }
    }

    /* A heap profile is as of the last GC, and counts what was allocated
     * while that GC marked as in use: a site churning short-lived objects
     * shows in-use bytes up to what it allocates in one GC cycle, and they
     * rise as the heap grows and marking takes longer. Growth over the whole
     * run below one cycle's allocation cannot be told from that. */
    if (kind == GMD_LEAK_HEAP && s->have_alloc && s->alloc_snap1 > s->alloc_snap0 && tr->gctrace_seen &&
        tr->live.n >= MIN_SNAPSHOTS) {
        double adt = t[s->alloc_snap1] - t[s->alloc_snap0];
        double gspan = tr->live.t[tr->live.n - 1] - tr->live.t[0];
        if (adt > 0 && gspan > 0) {
            double arate = (s->alloc_last - s->alloc_first) / adt, cycles = (double)(tr->live.n - 1) / gspan;
            double per_cycle = arate / cycles;
            if (growth < per_cycle) {
                out->dismissed = true;
                char why[512];
                snprintf(why, sizeof why, "grew %s over the run, less than the %s it allocates in one GC cycle (%s/s "
                         "allocated, %.1f GC cycles/s): short-lived objects caught in flight (a heap profile counts "
                         "what is allocated while a GC marks as in use), not memory kept; a slow leak at this site "
                         "would show once it outgrows that", fmt_amount(kind, growth, a, sizeof a),
                         fmt_amount(kind, per_cycle, b, sizeof b), gmd_fmt_bytes_iec(arate, c, sizeof c), cycles);
                out->why = gmd_arena_strdup(&r->arena, why);
                return;
            }
        }
    }

    out->suspect = true;
    double persist = slope > 0 ? late / slope : 0;
    persist = persist > 1 ? 1 : persist < 0 ? 0 : persist;
    x->confidence = fmin(tau, 1) * (0.5 + 0.5 * persist) * (1 - exp(-(z / Z_MIN) * (z / Z_MIN)));
    double bytes_per_hour = slope * 3600.0 * (kind == GMD_LEAK_HEAP ? 1.0 : GOROUTINE_BYTES);
    double impact = log2(1 + bytes_per_hour / 1048576.0) / 10.0;
    x->impact = impact < 0.05 ? 0.05 : impact > 1 ? 1 : impact;
    x->score = x->confidence * x->impact;
    x->series.n = n;
    x->series.t = gmd_arena_memdup(&r->arena, t, n * sizeof *t);
    x->series.v = gmd_arena_memdup(&r->arena, vals, n * sizeof *vals);

    /* The call paths, biggest growth first; the top one is the stack shown. */
    double total = 0;
    x->paths = gmd_arena_alloc(&r->arena, (s->npaths ? s->npaths : 1) * sizeof *x->paths);
    for (uint32_t i = 0; i < s->npaths; i++) {
        const path *pa = &s->paths[i];
        double g = (pa->last_snap >= n - 1 ? pa->last : 0) - (pa->at0 ? pa->first0 : 0);
        x->paths[i] = (gmd_leak_path){pa->stack, pa->nstack, g, 0};
        if (g > 0) total += g;
    }
    x->npaths = s->npaths;
    for (uint32_t i = 1; i < x->npaths; i++)   /* insertion sort: at most MAX_PATHS */
        for (uint32_t j = i; j > 0 && x->paths[j].growth > x->paths[j - 1].growth; j--) {
            gmd_leak_path tmp = x->paths[j];
            x->paths[j] = x->paths[j - 1];
            x->paths[j - 1] = tmp;
        }
    for (uint32_t i = 0; i < x->npaths; i++)
        x->paths[i].share = total > 0 && x->paths[i].growth > 0 ? x->paths[i].growth / total : 0;
    if (x->npaths) {
        x->stack = x->paths[0].stack;
        x->nstack = x->paths[0].nstack;
    }

    /* The goroutines' states, from the debug=2 dump. */
    x->state = x->created_by = "";
    if (kind == GMD_LEAK_GOROUTINE) {
        for (uint32_t i = 0; i < tr->nstates; i++)
            if (tr->states[i].site == s->site && tr->states[i].count > x->state_count) {
                x->state = tr->states[i].state;
                x->state_count = tr->states[i].count;
                x->created_by = tr->states[i].created_by;
            }
    }

    /* Evidence, in the words a reader checks them by. */
    evidence_list e = {0};
    const char *what = kind == GMD_LEAK_HEAP ? "in-use bytes" : "goroutines here";
    say(r, &e, "%s went from %s to %s over %.1f s: %s (Theil-Sen slope of %u snapshots)", what,
        fmt_amount(kind, first, a, sizeof a), fmt_amount(kind, last, b, sizeof b), span,
        fmt_rate(kind, slope, c, sizeof c), n);
    say(r, &e, "rose in %u of %u intervals; Kendall's tau %.2f (1 = always up)", x->rises, x->steps, tau);
    if (kind == GMD_LEAK_HEAP) {
        double rate = tr->heap_period > 0 ? (double)tr->heap_period : DEFAULT_RATE;
        say(r, &e, "significant under the sampling model: the growth is %.0f heap samples (MemProfileRate=%.0f: one "
            "sample per %s of these objects), %.1f standard deviations above sampling noise (by chance: %s)",
            growth / q, rate, gmd_fmt_bytes_iec(q, a, sizeof a), z, fmt_chance(z, b, sizeof b));
    } else {
        say(r, &e, "grew by %.0f goroutines, %.1f standard deviations above the ups and downs (by chance: %s)",
            growth, z, fmt_chance(z, a, sizeof a));
    }
    /* "Still growing" only when it is: a flat last third (heap profiles
     * read from memory between GCs repeat) is said as such. */
    if (late >= 0.5 * slope)
        say(r, &e, "still growing at the end: %s over the last third, against %s overall (not a warm-up)",
            fmt_rate(kind, late, a, sizeof a), fmt_rate(kind, slope, b, sizeof b));
    else
        say(r, &e, "%s over the last third, against %s overall: %s", fmt_rate(kind, late, a, sizeof a),
            fmt_rate(kind, slope, b, sizeof b),
            kind == GMD_LEAK_HEAP && tr->heap_tail_repeats ? "the last heap snapshots repeat the one before (see the note "
            "on heap profiles read from memory), so growth since is not seen; confidence is lowered"
            : "slower at the end; confidence is lowered");
    if (x->npaths > 1) {
        char buf[768];
        int len = snprintf(buf, sizeof buf, "one cause reached from %u call paths%s:", x->npaths,
                           s->paths_dropped ? " (and more)" : "");
        /* Each path is named by its first frame (from the leaf) that the
         * biggest other path does not have there: where they part. Paths
         * that did not grow are counted, not listed. */
        uint32_t shown = 0;
        for (uint32_t i = 0; i < x->npaths && shown < 6 && len < (int)sizeof buf - 80; i++) {
            const gmd_leak_path *pa = &x->paths[i];
            if (pa->share <= 0) continue;
            const gmd_leak_path *other = &x->paths[i == 0 ? 1 : 0];
            const char *via = pa->stack[pa->nstack - 1];
            for (uint32_t k = 0; k < pa->nstack; k++)
                if (k >= other->nstack || pa->stack[k] != other->stack[k]) {
                    via = pa->stack[k];
                    break;
                }
            len += snprintf(buf + len, sizeof buf - (size_t)len, "%s %s %.0f%%", shown ? "," : "", via, pa->share * 100);
            shown++;
        }
        if (shown < x->npaths && len < (int)sizeof buf - 40)
            snprintf(buf + len, sizeof buf - (size_t)len, "%s %u more", shown ? ";" : "", x->npaths - shown);
        say(r, &e, "%s", buf);
    }
    if (kind == GMD_LEAK_GOROUTINE && x->state_count > 0)
        say(r, &e, "%lld of them %s%s%s (states at the end)%s%s", (long long)x->state_count,
            x->state[0] ? "waiting in '" : "in an unknown state", x->state, x->state[0] ? "'" : "",
            x->created_by[0] ? "; created by " : "", x->created_by);
    if (kind == GMD_LEAK_GOROUTINE)
        say(r, &e, "every parked goroutine keeps its stack (2 KiB or more) and all it references alive: about %s/hour",
            gmd_fmt_bytes_iec(slope * 3600 * GOROUTINE_BYTES, a, sizeof a));
    if (kind == GMD_LEAK_GOROUTINE) trace_evidence(tr, r, s, x, &e);
    if (kind == GMD_LEAK_HEAP && tr->live.n >= 2) {
        double live_slope = theil_sen(tr->live.t, tr->live.v, 0, tr->live.n, scratch);
        if (live_slope > 0)
            say(r, &e, "corroborated by %s: the live heap after GC grew %s (%s -> %s); this site is %.0f%% of that",
                tr->live_from_memstats ? "the runtime's statistics" : "gctrace",
                fmt_rate(kind, live_slope, a, sizeof a), gmd_fmt_bytes_iec(tr->live.v[0], b, sizeof b),
                gmd_fmt_bytes_iec(tr->live.v[tr->live.n - 1], c, sizeof c),
                slope / live_slope * 100 > 999 ? 999 : slope / live_slope * 100);
        else
            say(r, &e, "the live heap after GC (%s) did not grow (%s -> %s)",
                tr->live_from_memstats ? "the runtime's statistics" : "gctrace, MiB resolution", gmd_fmt_bytes_iec(tr->live.v[0], b, sizeof b), gmd_fmt_bytes_iec(tr->live.v[tr->live.n - 1], c, sizeof c));
    }
    if (tr->rss.n >= 2) {
        double rss_slope = theil_sen(tr->rss.t, tr->rss.v, 0, tr->rss.n, scratch);
        say(r, &e, "process RSS went %s -> %s (%s)", gmd_fmt_bytes_iec(tr->rss.v[0], a, sizeof a),
            gmd_fmt_bytes_iec(tr->rss.v[tr->rss.n - 1], b, sizeof b), fmt_rate(GMD_LEAK_HEAP, rss_slope, d, sizeof d));
    }
    finish_evidence(r, x, &e);
}

/* Too coarse to name a site, but the whole process may still answer: the
 * live heap after GC bounds every heap leak at once. If over most of the
 * run it grew (Theil-Sen slope over the run, plus gctrace's 1 MiB rounding)
 * by at most a quarter of what one site needs to be resolved, no leak a
 * site profile could name is there: say "no leak" with that bound rather
 * than "inconclusive". Writes the reason; false when the series is too
 * short or grows too much to say so. */
static bool live_heap_bounds(const gmd_leak_tracker *tr, const gmd_leak_result *r, double rate, double *scratch,
                             char *reason, size_t size)
{
    const point_vec *l = &tr->live;
    if (l->n < MIN_SNAPSHOTS || r->duration <= 0) return false;
    double span = l->t[l->n - 1] - l->t[0];
    if (span < 0.5 * r->duration) return false;
    double slope = theil_sen(l->t, l->v, 0, l->n, scratch);
    double quantum = tr->live_from_memstats ? 0 : 1048576.0;
    double bound = fmax(slope, 0) * r->duration + quantum;
    if (bound > r->resolvable_growth / 4) return false;
    char a[64], b[64], c[64], d[64];
    snprintf(reason, size, "the live heap after GC stayed flat (%s -> %s, %s over %.0f s, %u GC cycles, %s): a heap "
             "leak of more than %s over the run would show there; the per-site resolution (MemProfileRate=%.0f, "
             "%.1f MiB) is too coarse to name smaller growth by site", gmd_fmt_bytes_iec(l->v[0], a, sizeof a),
             gmd_fmt_bytes_iec(l->v[l->n - 1], b, sizeof b), fmt_rate(GMD_LEAK_HEAP, slope, c, sizeof c), span, l->n,
             tr->live_from_memstats ? "the runtime's statistics" : "gctrace, MiB resolution",
             gmd_fmt_bytes_iec(r->resolvable_growth / 4, d, sizeof d), rate, r->resolvable_growth / 1048576.0);
    return true;
}

static int cmp_score(const void *a, const void *b)
{
    const gmd_leak_suspect *x = a, *y = b;
    return x->score > y->score ? -1 : x->score < y->score;
}

static int cmp_dismissed(const void *a, const void *b)
{
    const gmd_leak_dismissed *x = a, *y = b;
    double gx = x->peak - x->first, gy = y->peak - y->first;
    if (x->kind != y->kind) return x->kind == GMD_LEAK_HEAP ? -1 : 1;
    return gx > gy ? -1 : gx < gy;
}

typedef struct verdicts {
    bool gmd_traced;              /* gmd took execution traces */
    double trace_bytes;           /* the heap they held at peak (sites of the runtime's tracer) */
    const char *trace_site;       /* the largest of those sites */
    double trace_site_peak;
    gmd_leak_suspect *sus;
    uint32_t nsus, capsus;
    gmd_leak_dismissed *dis;
    uint32_t ndis, capdis;
    uint32_t warming;
    const char *near_site;        /* steady growth just short of significance */
    double near_z;
} verdicts;

/* The runtime's execution tracer (runtime.traceAdvance.func1 and kin) and
 * the runtime/trace package that streams a trace out. */
static bool is_tracer(const char *site)
{
    return !strncmp(site, "runtime.trace", 13) || !strncmp(site, "runtime.(*trace", 15) ||
           !strncmp(site, "runtime/trace.", 14);
}

static void judge_kind(gmd_leak_tracker *tr, gmd_leak_result *r, kind_data *k, gmd_leak_kind kind, double *scratch,
                       verdicts *v)
{
    if (k->nt < MIN_SNAPSHOTS) return;
    double *vals = gmd_xmalloc(k->nt * sizeof *vals);
    for (uint32_t i = 0; i < k->n; i++) {
        judged j;
        judge(tr, r, k, kind, &k->s[i], vals, scratch, &j);
        if ((j.suspect || j.dismissed) && v->gmd_traced && kind == GMD_LEAK_HEAP && is_tracer(j.s.site)) {
            /* The buffers of the traces gmd itself took: not the program's growth. */
            double peak = j.suspect ? fmax(j.s.current, j.s.first) : j.peak;
            v->trace_bytes += peak;
            if (peak > v->trace_site_peak) v->trace_site = j.s.site, v->trace_site_peak = peak;
            continue;
        }
        if (j.suspect) {
            GMD_VEC_PUSH(v->sus, v->nsus, v->capsus, j.s);
        } else if (j.dismissed) {
            gmd_leak_dismissed d = {kind, j.s.site, j.s.first, j.peak, j.s.current, j.why, j.warming};
            GMD_VEC_PUSH(v->dis, v->ndis, v->capdis, d);
            if (j.warming) v->warming++;
            if (!j.warming && j.s.tau >= 0.7 && j.s.z >= 2 && j.s.z < Z_MIN && j.s.z > v->near_z &&
                (kind == GMD_LEAK_HEAP || j.s.growth_per_sec * (k->t[k->nt - 1] - k->t[0]) >= GOROUTINE_MIN)) {
                v->near_site = j.s.site;
                v->near_z = j.s.z;
            }
        }
    }
    free(vals);
}

/* A whole-process series' fit over its last third, for "still growing". */
static double late_slope(const point_vec *p, double *scratch)
{
    uint32_t third = p->n / 3;
    return theil_sen(p->t, p->v, p->n - third - 1, p->n, scratch);
}

/* A whole-process series (measured, not sampled) that held flat at the
 * end: some tail of at least a fifth of the run gained under a quarter of
 * what its overall rate predicts, and that prediction is above `resolution`. */
static bool flat_end(const point_vec *p, double slope, double resolution)
{
    double span = p->t[p->n - 1] - p->t[0];
    for (uint32_t k = p->n / 3; k + 2 < p->n; k++) {
        double d = p->t[p->n - 1] - p->t[k];
        if (d < 0.2 * span) break;
        double expected = slope * d;
        if (expected >= resolution && p->v[p->n - 1] - p->v[k] < 0.25 * expected) return true;
    }
    return false;
}

/* A whole-process series (live heap, RSS) that rises steadily to the end:
 * mostly monotonic (tau 0.7), by at least min_growth, still rising in its
 * last part and not held flat at the end (told apart at `resolution`). */
static bool steady_rise(const point_vec *p, double min_growth, double resolution, double *scratch, double *span,
                        double *slope, double *tau, double *late)
{
    if (p->n < MIN_SNAPSHOTS) return false;
    *span = p->t[p->n - 1] - p->t[0];
    *slope = theil_sen(p->t, p->v, 0, p->n, scratch);
    *tau = kendall(p->v, 0, p->n);
    *late = late_slope(p, scratch);
    if (*span <= 0 || *slope <= 0 || *tau < 0.7 || *slope * *span < min_growth || *late < 0.3 * *slope) return false;
    return !flat_end(p, *slope, resolution);
}

/* gctrace's live heap grows steadily and no site explains it: a suspect of
 * its own, so the growth is not silently dropped. */
static void unresolved_heap(gmd_leak_tracker *tr, gmd_leak_result *r, verdicts *v, double *scratch)
{
    const point_vec *p = &tr->live;
    double span, slope, tau, late;
    /* gctrace has MiB resolution: 4 MiB is four of its steps, 2 MiB the
     * least a flat end can be told by. */
    if (!steady_rise(p, 4 * 1048576.0, 2 * 1048576.0, scratch, &span, &slope, &tau, &late)) return;
    double explained = 0;
    for (uint32_t i = 0; i < v->nsus; i++)
        if (v->sus[i].kind == GMD_LEAK_HEAP) explained += v->sus[i].growth_per_sec;
    if (explained >= 0.5 * slope) return;

    gmd_leak_suspect x;
    memset(&x, 0, sizeof x);
    x.kind = GMD_LEAK_HEAP;
    x.site = "(unresolved)";
    x.unit = "bytes";
    x.state = x.created_by = "";
    x.growth_per_sec = slope;
    x.slope_first_half = theil_sen(p->t, p->v, 0, p->n / 2 + 1, scratch);
    x.slope_last_half = theil_sen(p->t, p->v, p->n / 2, p->n, scratch);
    x.first = p->v[0];
    x.current = p->v[p->n - 1];
    x.tau = tau;
    x.noise = 1048576;
    x.z = 0;
    for (uint32_t i = 1; i < p->n; i++) {
        x.steps++;
        if (p->v[i] > p->v[i - 1]) x.rises++;
    }
    double persist = fmin(fmax(late / slope, 0), 1);
    x.confidence = tau * (0.5 + 0.5 * persist);
    x.impact = fmin(fmax(log2(1 + slope * 3600 / 1048576.0) / 10.0, 0.05), 1);
    x.score = x.confidence * x.impact;
    x.series.n = p->n;
    x.series.t = gmd_arena_memdup(&r->arena, p->t, p->n * sizeof *p->t);
    x.series.v = gmd_arena_memdup(&r->arena, p->v, p->n * sizeof *p->v);
    evidence_list e = {0};
    char a[64], b[64], c[64];
    say(r, &e, "the heap grows %s; no allocation site resolves it: %s", fmt_rate(GMD_LEAK_HEAP, slope, a, sizeof a),
        tr->heap.nt ? "lower the sampling rate (--memprofilerate, GODEBUG=memprofilerate=N) or take two heap dumps "
                      "(gmd dump) and compare them"
                    : "no heap profile was taken (read from the program's memory or fetched from its --pprof URL): "
                      "that is what names the site");
    say(r, &e, "gctrace: the live heap after GC went %s -> %s over %.1f s, rising in %u of %u cycles; Kendall's tau %.2f",
        gmd_fmt_bytes_iec(x.first, b, sizeof b), gmd_fmt_bytes_iec(x.current, c, sizeof c), span, x.rises, x.steps, tau);
    if (explained > 0)
        say(r, &e, "the sites found explain only %s of it", fmt_rate(GMD_LEAK_HEAP, explained, a, sizeof a));
    say(r, &e, "still growing at the end: %s over the last third", fmt_rate(GMD_LEAK_HEAP, late, a, sizeof a));
    finish_evidence(r, &x, &e);
    GMD_VEC_PUSH(v->sus, v->nsus, v->capsus, x);
}

/* RSS grows steadily beyond what the Go heap and goroutine stacks explain:
 * memory outside the Go heap, named by the class of mapping that grows. */
static void offheap(gmd_leak_tracker *tr, gmd_leak_result *r, verdicts *v, double *scratch)
{
    const point_vec *p = &tr->rss;
    double span, slope, tau, late;
    if (!steady_rise(p, 8 * 1048576.0, 4 * 1048576.0, scratch, &span, &slope, &tau, &late)) return;
    /* The Go heap can take up to twice its live size in RSS (GOGC=100), so
     * twice its growth is what it may explain. */
    double live = tr->live.n >= 2 ? theil_sen(tr->live.t, tr->live.v, 0, tr->live.n, scratch) : 0;
    double inuse = tr->heap.nt >= 2 ? theil_sen(tr->heap.t, tr->heap.total, 0, tr->heap.nt, scratch) : 0;
    double gor = tr->gor.nt >= 2 ? theil_sen(tr->gor.t, tr->gor.total, 0, tr->gor.nt, scratch) : 0;
    double go_heap = 2 * fmax(fmax(live, inuse), 0), stacks = fmax(gor, 0) * GOROUTINE_BYTES;
    /* With the runtime's own statistics, what the Go runtime holds is known,
     * not estimated: everything it has mapped and not released. */
    const point_vec *held = &tr->rt[RT_HELD];
    bool have_rt = held->n >= MIN_SNAPSHOTS;
    double rt_slope = have_rt ? theil_sen(held->t, held->v, 0, held->n, scratch) : 0;
    if (have_rt) {
        go_heap = fmax(rt_slope, 0);
        stacks = 0;
    }
    double unexplained = slope - go_heap - stacks;
    if (unexplained < 0.5 * slope || unexplained * span < 8 * 1048576.0) return;

    /* Which class of mapping grows most; anonymous memory holds the Go heap
     * too, so its share of the Go heap's growth is taken off first. */
    static const char *const names[] = {
        [PV_ANON] = "anonymous mappings", [PV_BRK] = "C heap ([heap])", [PV_STACK] = "main stack ([stack])",
        [PV_FILE] = "file mappings"};
    double cls_slope[PV_N] = {0};
    int best = -1;
    for (int i = 0; i < PV_N; i++) {
        const point_vec *c = &tr->cls[i];
        if (c->n < MIN_SNAPSHOTS) continue;
        cls_slope[i] = theil_sen(c->t, c->v, 0, c->n, scratch);
        if (i == PV_ANON_MAPS || i == PV_THREADS) continue;
        double s = i == PV_ANON ? cls_slope[i] - go_heap - stacks : cls_slope[i];
        if (s > 0 && (best < 0 || s > (best == PV_ANON ? cls_slope[best] - go_heap - stacks : cls_slope[best])))
            best = i;
    }

    gmd_leak_suspect x;
    memset(&x, 0, sizeof x);
    x.kind = GMD_LEAK_OFFHEAP;
    x.site = best >= 0 ? names[best] : "memory outside the Go heap";
    x.unit = "bytes";
    x.state = x.created_by = "";
    x.growth_per_sec = unexplained;
    x.slope_first_half = theil_sen(p->t, p->v, 0, p->n / 2 + 1, scratch);
    x.slope_last_half = theil_sen(p->t, p->v, p->n / 2, p->n, scratch);
    const point_vec *shown = best >= 0 ? &tr->cls[best] : p;
    x.first = shown->v[0];
    x.current = shown->v[shown->n - 1];
    x.tau = tau;
    x.noise = 4096;
    for (uint32_t i = 1; i < p->n; i++) {
        x.steps++;
        if (p->v[i] > p->v[i - 1]) x.rises++;
    }
    double persist = fmin(fmax(late / slope, 0), 1);
    x.confidence = tau * (0.5 + 0.5 * persist) * (unexplained / slope);
    x.impact = fmin(fmax(log2(1 + unexplained * 3600 / 1048576.0) / 10.0, 0.05), 1);
    x.score = x.confidence * x.impact;
    x.series.n = shown->n;
    x.series.t = gmd_arena_memdup(&r->arena, shown->t, shown->n * sizeof *shown->t);
    x.series.v = gmd_arena_memdup(&r->arena, shown->v, shown->n * sizeof *shown->v);

    evidence_list e = {0};
    char a[64], b[64], c[64], d[64];
    say(r, &e, "process RSS went %s -> %s over %.1f s: %s, rising in %u of %u samples; Kendall's tau %.2f",
        gmd_fmt_bytes_iec(p->v[0], a, sizeof a), gmd_fmt_bytes_iec(p->v[p->n - 1], b, sizeof b), span,
        fmt_rate(GMD_LEAK_HEAP, slope, c, sizeof c), x.rises, x.steps, tau);
    if (have_rt) {
        say(r, &e, "the Go runtime's own statistics (read from its memory): all it holds (Sys - HeapReleased: heap, "
            "stacks, metadata) went %s -> %s, %s: %s is outside the Go runtime",
            gmd_fmt_bytes_iec(held->v[0], a, sizeof a), gmd_fmt_bytes_iec(held->v[held->n - 1], b, sizeof b),
            fmt_rate(GMD_LEAK_HEAP, rt_slope, c, sizeof c), fmt_rate(GMD_LEAK_HEAP, unexplained, d, sizeof d));
    } else {
        say(r, &e, "the Go heap explains at most %s of it (twice the live heap's growth, for GC headroom) and goroutine "
            "stacks %s: %s is outside the Go heap", fmt_rate(GMD_LEAK_HEAP, go_heap, a, sizeof a),
            fmt_rate(GMD_LEAK_HEAP, stacks, b, sizeof b), fmt_rate(GMD_LEAK_HEAP, unexplained, c, sizeof c));
    }
    if (best >= 0) {
        const point_vec *bc = &tr->cls[best];
        say(r, &e, "/proc/PID/smaps: %s went %s -> %s (%s)%s", names[best], gmd_fmt_bytes_iec(bc->v[0], a, sizeof a),
            gmd_fmt_bytes_iec(bc->v[bc->n - 1], b, sizeof b), fmt_rate(GMD_LEAK_HEAP, cls_slope[best], c, sizeof c),
            best == PV_ANON ? ", Go heap included" : "");
    }
    const point_vec *maps = &tr->cls[PV_ANON_MAPS], *thr = &tr->cls[PV_THREADS];
    if (best == PV_ANON && maps->n >= 2 && maps->v[maps->n - 1] > maps->v[0])
        say(r, &e, "anonymous mappings went from %.0f to %.0f: memory mapped and never unmapped (syscall.Mmap, a C "
            "library's mmap through cgo, or thread stacks)", maps->v[0], maps->v[maps->n - 1]);
    else if (best == PV_ANON)
        say(r, &e, "anonymous memory outside the Go heap: mmap'd regions (syscall.Mmap, cgo), C malloc's mmap'd chunks, "
            "or thread stacks");
    else if (best == PV_BRK)
        say(r, &e, "[heap] is the C heap (brk): malloc through cgo or a C library that is never freed");
    else if (best == PV_FILE)
        say(r, &e, "file-backed mappings grow: files mapped (and touched) and never unmapped");
    if (thr->n >= 2 && thr->v[thr->n - 1] - thr->v[0] >= 5)
        say(r, &e, "threads went from %.0f to %.0f: each OS thread has its own stack (a locked or blocked thread per "
            "call, e.g. cgo calls or runtime.LockOSThread)", thr->v[0], thr->v[thr->n - 1]);
    say(r, &e, "still growing at the end: %s over the last third", fmt_rate(GMD_LEAK_HEAP, late, a, sizeof a));
    finish_evidence(r, &x, &e);
    GMD_VEC_PUSH(v->sus, v->nsus, v->capsus, x);
}

static void note(gmd_leak_result *r, evidence_list *notes, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(gmd_leak_result *r, evidence_list *notes, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    GMD_VEC_PUSH(notes->items, notes->n, notes->cap, gmd_arena_strdup(&r->arena, buf));
}

int gmd_leak_analyze(gmd_leak_tracker *tr, const gmd_leak_opts *o, gmd_leak_result *r, gmd_err *err)
{
    (void)err;
    memset(r, 0, sizeof *r);
    gmd_arena_init(&r->arena, 64 << 10);
    uint32_t max_suspects = o && o->max_suspects ? o->max_suspects : 10;
    double *scratch = gmd_xmalloc((size_t)FIT_POINTS * FIT_POINTS / 2 * sizeof *scratch + 64);
    evidence_list notes = {0};

    r->nheap = tr->heap.nt;
    r->ngoroutine = tr->gor.nt;
    r->ngc = tr->live.n;
    r->nproc = tr->rss.n;
    r->heap_period = tr->heap_period;
    r->heap_times = tr->heap.nt ? gmd_arena_memdup(&r->arena, tr->heap.t, tr->heap.nt * sizeof(double)) : NULL;
    r->goroutine_times = tr->gor.nt ? gmd_arena_memdup(&r->arena, tr->gor.t, tr->gor.nt * sizeof(double)) : NULL;
    r->first_heap = tr->first_heap;
    r->last_heap = tr->last_heap;
    r->base_heap = tr->pow_prev ? tr->pow_prev : tr->first_heap;
    r->base_time = tr->pow_prev ? tr->pow_prev_t : tr->heap.nt ? tr->heap.t[0] : 0;
    r->verdict_reason = "";
    if (tr->nwins) {
        r->traces = gmd_arena_alloc(&r->arena, tr->nwins * sizeof *r->traces);
        for (uint32_t i = 0; i < tr->nwins; i++) r->traces[i] = tr->wins[i].w;
        r->ntraces = tr->nwins;
    }
    r->traces_unread = tr->traces_unread;
    gmd_leak_series *tsr[TS_N] = {&r->trace_running, &r->trace_runnable, &r->trace_waiting, &r->trace_syscall,
                                  &r->trace_heap, &r->trace_goal};
    for (int i = 0; i < TS_N; i++)
        if (tr->ts[i].n) {
            tsr[i]->n = tr->ts[i].n;
            tsr[i]->t = gmd_arena_memdup(&r->arena, tr->ts[i].t, tr->ts[i].n * sizeof(double));
            tsr[i]->v = gmd_arena_memdup(&r->arena, tr->ts[i].v, tr->ts[i].n * sizeof(double));
        }

    double t0 = INFINITY, t1 = -INFINITY;
    const point_vec *pvs[] = {&tr->live, &tr->rss};
    for (size_t i = 0; i < 2; i++)
        if (pvs[i]->n) {
            t0 = fmin(t0, pvs[i]->t[0]);
            t1 = fmax(t1, pvs[i]->t[pvs[i]->n - 1]);
        }
    const kind_data *kds[] = {&tr->heap, &tr->gor};
    for (size_t i = 0; i < 2; i++)
        if (kds[i]->nt) {
            t0 = fmin(t0, kds[i]->t[0]);
            t1 = fmax(t1, kds[i]->t[kds[i]->nt - 1]);
        }
    r->duration = t1 > t0 ? t1 - t0 : 0;

    fit_trend(r, &r->live_heap, tr->live.t, tr->live.v, tr->live.n, scratch);
    fit_trend(r, &r->heap_inuse, tr->heap.t, tr->heap.total, tr->heap.nt, scratch);
    fit_trend(r, &r->goroutines, tr->gor.t, tr->gor.total, tr->gor.nt, scratch);
    fit_trend(r, &r->rss, tr->rss.t, tr->rss.v, tr->rss.n, scratch);
    r->gc_pause_ms.n = tr->pause.n;
    r->gc_pause_ms.t = tr->pause.n ? gmd_arena_memdup(&r->arena, tr->pause.t, tr->pause.n * sizeof(double)) : NULL;
    r->gc_pause_ms.v = tr->pause.n ? gmd_arena_memdup(&r->arena, tr->pause.v, tr->pause.n * sizeof(double)) : NULL;

    gmd_gc_analysis gca;
    memset(&gca, 0, sizeof gca);
    r->gc_verdict = r->gc_verdict_window = "";
    if (tr->gct.ncycles) {
        gmd_gc_opts go = {0};
        gmd_gc_analyse(&tr->gct, &go, &gca);
        r->gc_verdict = gmd_gc_verdict_name(gca.verdict);
        /* It fits its own window (after a warm-up, at MiB resolution), not
         * the run's: say which, so "stable" beside a growing series reads right. */
        if (gca.verdict == GMD_GC_GROWING || gca.verdict == GMD_GC_STABLE) {
            char w[128];
            snprintf(w, sizeof w, "%.1f-%.1f s of the process, %zu cycles%s", gca.fit_t0, gca.fit_t1, gca.fit_n,
                     gca.plateau || !isnan(gca.warmup_end_t) ? ", after a warm-up" : "");
            r->gc_verdict_window = gmd_arena_strdup(&r->arena, w);
        }
    }

    tr->heap_repeats = tr->heap_tail_repeats = 0;
    if (!(o && o->pprof_url && *o->pprof_url))
        for (uint32_t i = 1; i < tr->heap.nt; i++) {
            bool same = tr->heap.total[i] == tr->heap.total[i - 1];
            tr->heap_repeats += same;
            tr->heap_tail_repeats = same ? tr->heap_tail_repeats + 1 : 0;
        }
    verdicts v = {.gmd_traced = (o && o->gmd_traced) || tr->nwins || tr->traces_unread};
    judge_kind(tr, r, &tr->heap, GMD_LEAK_HEAP, scratch, &v);
    judge_kind(tr, r, &tr->gor, GMD_LEAK_GOROUTINE, scratch, &v);
    unresolved_heap(tr, r, &v, scratch);
    offheap(tr, r, &v, scratch);
    if (v.nsus) qsort(v.sus, v.nsus, sizeof *v.sus, cmp_score);
    uint32_t nsus = v.nsus > max_suspects ? max_suspects : v.nsus;
    r->suspects = nsus ? gmd_arena_memdup(&r->arena, v.sus, nsus * sizeof *v.sus) : NULL;
    r->nsuspects = nsus;
    if (v.ndis) qsort(v.dis, v.ndis, sizeof *v.dis, cmp_dismissed);
    uint32_t ndis = v.ndis > 5 ? 5 : v.ndis;
    r->dismissed = ndis ? gmd_arena_memdup(&r->arena, v.dis, ndis * sizeof *v.dis) : NULL;
    r->ndismissed = ndis;
    for (uint32_t i = 0; i < v.ndis; i++)
        if (v.dis[i].warming_up) {
            char a[64];
            note(r, &notes, "%s is still warming up (%s so far, growing slower and slower): not called a leak; a longer run "
                 "tells a warm-up from a slow leak", v.dis[i].site, gmd_fmt_bytes_iec(v.dis[i].current - v.dis[i].first, a, sizeof a));
        }
    if (v.trace_site) {
        char a[64];
        note(r, &notes, "the execution traces gmd took hold %s of heap at peak (%s%s): left out of the suspects and of "
             "what grew", gmd_fmt_bytes_iec(v.trace_bytes, a, sizeof a), v.trace_site,
             v.trace_bytes > v.trace_site_peak ? " and other sites of the runtime's tracer" : "");
    }
    free(v.sus);
    free(v.dis);

    /* Resolution: the smallest growth a site can show over this run and be
     * counted (Z_MIN^2 samples of small objects). */
    double rate = tr->heap_period > 0 ? (double)tr->heap_period : DEFAULT_RATE;
    r->resolvable_growth = tr->heap.nt ? Z_MIN * Z_MIN * rate : 0;
    if (tr->heap.nt >= 2 && r->duration > 0) {
        char a[64], b[64];
        note(r, &notes, "resolution: heap profiles sample one allocation per %.0f bytes (MemProfileRate); a site growing less "
             "than about %s over these %.0f s (%s/min) could not be resolved%s", rate,
             gmd_fmt_bytes_iec(r->resolvable_growth, a, sizeof a), r->duration,
             gmd_fmt_bytes_iec(r->resolvable_growth / r->duration * 60, b, sizeof b),
             r->resolvable_growth > COARSE_BYTES ? ": lower it (gmd run --memprofilerate N, or GODEBUG=memprofilerate=N in a service's environment)" : "");
    }

    /* A heap profile read from memory is the runtime's, published at GC:
     * with few GCs the snapshots repeat and the newest is old. */
    if (tr->heap.nt >= MIN_SNAPSHOTS && tr->heap_repeats) {
        uint32_t nt = tr->heap.nt, changed = nt - 1 - tr->heap_tail_repeats;
        double span = tr->heap.t[nt - 1] - tr->heap.t[0], stale = tr->heap.t[nt - 1] - tr->heap.t[changed];
        if (2 * tr->heap_repeats >= nt - 1 || stale >= 0.25 * span) {
            char gcs[64] = "";
            if (tr->live.n) snprintf(gcs, sizeof gcs, "%u GC cycles seen in %.0f s; ", tr->live.n, r->duration);
            note(r, &notes, "heap profiles read from the program's memory advance only at GC (the runtime publishes them "
                 "per completed cycle): %s%u of %u heap snapshots repeated the one before; the newest changed at %.1f s, "
                 "%.0f s before the end, so growth since is not seen and rates are underestimated; --pprof URL "
                 "(heap?gc=1 forces a cycle) or a longer run gives a fresher view", gcs, tr->heap_repeats, nt,
                 tr->heap.t[changed], stale);
        }
    }

    /* RSS that grows with freed heap the runtime keeps is no leak of the
     * program: say so rather than leave the growth unexplained. */
    const point_vec *kept = &tr->rt[RT_FREE_KEPT];
    if (kept->n >= MIN_SNAPSHOTS && tr->rss.n >= MIN_SNAPSHOTS) {
        double ks = theil_sen(kept->t, kept->v, 0, kept->n, scratch);
        double rs = theil_sen(tr->rss.t, tr->rss.v, 0, tr->rss.n, scratch);
        double span = kept->t[kept->n - 1] - kept->t[0];
        if (rs > 0 && ks >= 0.5 * rs && ks * span >= 8 * 1048576.0 && kendall(kept->v, 0, kept->n) >= 0.5) {
            char a[64], b[64];
            note(r, &notes, "RSS grows with freed heap the Go runtime keeps (HeapIdle - HeapReleased went %s -> %s): memory "
                 "the program freed but the runtime has not yet returned to the OS; the scavenger does so over time "
                 "(debug.FreeOSMemory forces it, GOMEMLIMIT bounds it)", gmd_fmt_bytes_iec(kept->v[0], a, sizeof a),
                 gmd_fmt_bytes_iec(kept->v[kept->n - 1], b, sizeof b));
        }
    }

    char reason[512] = "";
    if (tr->heap.nt == 0 && tr->gor.nt == 0 && o && o->pprof_url && *o->pprof_url)
        note(r, &notes, "no heap or goroutine profile was received from %s; they are what names the leaking code",
             o->pprof_url);
    else if (tr->heap.nt == 0 && tr->gor.nt == 0)
        note(r, &notes, "no heap or goroutine profiles: neither read from the program's memory nor fetched from --pprof URL "
             "(its net/http/pprof); they are what names the leaking code");
    else if (tr->heap.nt < MIN_SNAPSHOTS || tr->gor.nt < MIN_SNAPSHOTS)
        note(r, &notes, "only %u heap and %u goroutine snapshots: at least %d are needed to judge a trend; run longer",
             tr->heap.nt, tr->gor.nt, MIN_SNAPSHOTS);
    uint32_t partial = 0;
    for (uint32_t i = 0; i < tr->nwins; i++) partial += tr->wins[i].w.partial;
    if (partial)
        note(r, &notes, "%u of %u execution traces were cut off or corrupt part way: what came before was used", partial,
             tr->nwins);
    if (tr->traces_unread)
        note(r, &notes, "%u execution trace%s could not be read at all and %s left out", tr->traces_unread,
             tr->traces_unread == 1 ? "" : "s", tr->traces_unread == 1 ? "was" : "were");
    if (tr->dropped_series) note(r, &notes, "more than %u distinct stacks: later ones were not tracked", MAX_SERIES);

    if (nsus > 0) {
        r->verdict = GMD_VERDICT_LEAK;
    } else {
        r->verdict = GMD_VERDICT_INCONCLUSIVE;
        if (o && o->program_exited && tr->heap.nt < MIN_SNAPSHOTS)
            snprintf(reason, sizeof reason, "the program exited after %.1f s, before a trend could be judged", r->duration);
        else if (tr->heap.nt == 0 && o && o->pprof_url && *o->pprof_url)
            snprintf(reason, sizeof reason, "no heap profile: none was received from %s (it failed or did not answer in time)",
                     o->pprof_url);
        else if (tr->heap.nt == 0)
            snprintf(reason, sizeof reason, "no heap profile: none could be read from the program's memory and no --pprof "
                     "URL was given");
        else if (tr->heap.nt < MIN_SNAPSHOTS)
            snprintf(reason, sizeof reason, "too short: %u heap snapshots over %.1f s, at least %d are needed",
                     tr->heap.nt, r->duration, MIN_SNAPSHOTS);
        else if (v.near_site)
            snprintf(reason, sizeof reason, "%s grows steadily but not yet beyond sampling noise (z %.2f, %.0f needed): "
                     "run longer or lower the sampling rate (gmd run --memprofilerate, or GODEBUG=memprofilerate=N)", v.near_site, v.near_z, Z_MIN);
        else if (r->resolvable_growth > COARSE_BYTES && live_heap_bounds(tr, r, rate, scratch, reason, sizeof reason))
            r->verdict = GMD_VERDICT_NO_LEAK;
        else if (r->resolvable_growth > COARSE_BYTES)
            snprintf(reason, sizeof reason, "resolution too coarse: at MemProfileRate=%.0f a site must grow by %.1f MiB to "
                     "be resolved; lower it (gmd run --memprofilerate, or GODEBUG=memprofilerate=N)", rate, r->resolvable_growth / 1048576.0);
        else
            r->verdict = GMD_VERDICT_NO_LEAK;
        r->verdict_reason = gmd_arena_strdup(&r->arena, reason);
    }
    r->leak = r->verdict == GMD_VERDICT_LEAK;
    r->notes = notes.items ? gmd_arena_memdup(&r->arena, notes.items, notes.n * sizeof *notes.items) : NULL;
    r->nnotes = notes.n;
    free(notes.items);
    free(scratch);
    return 0;
}

void gmd_leak_result_free(gmd_leak_result *r)
{
    gmd_arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}
