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
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/leak.h"
#include "gmd/stacks.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"

#define FIT_POINTS 200
#define MAX_SERIES 200000u
#define MAX_FRAMES 256
#define GOROUTINE_BYTES 8192.0    /* what one parked goroutine costs, at least */
#define GOROUTINE_NOISE 5.0
#define NOISE_PERIODS 4.0
#define MIN_SNAPSHOTS 5

typedef struct series {
    const char **stack;           /* tracker-interned, leaf first */
    uint32_t nstack;
    const char *site;
    double *v;                    /* per snapshot; missing tail = 0 */
    uint32_t nv, cap;
    /* goroutine states from a debug=2 dump */
    const char *state;
    int64_t state_count;
    const char *created_by;
} series;

typedef struct kind_data {
    series *s;
    uint32_t n, cap;
    gmd_index index;
    double *t;                    /* snapshot times */
    double *total;                /* sum over series per snapshot */
    uint32_t nt, tcap;
    bool full_stack_key;          /* goroutines: the whole stack is the key */
} kind_data;

typedef struct point_vec {
    double *t, *v;
    uint32_t n, cap;
} point_vec;

struct gmd_leak_tracker {
    gmd_arena arena;
    gmd_intern names;
    kind_data heap, gor;
    int64_t heap_period;
    point_vec live, pause, rss;
    gmd_gctrace gct;
    gmd_profile *first_heap, *last_heap;
    /* goroutine states by site, from the debug=2 dump */
    struct site_state { const char *site, *state, *created_by; int64_t count; } *states;
    uint32_t nstates, statecap;
    bool dropped_series;
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
    tr->gor.full_stack_key = true;
    gmd_gctrace_init(&tr->gct, NAN);
    return tr;
}

static void kind_free(kind_data *k)
{
    for (uint32_t i = 0; i < k->n; i++) free(k->s[i].v);
    free(k->s);
    free(k->t);
    free(k->total);
    gmd_index_free(&k->index);
}

void gmd_leak_tracker_free(gmd_leak_tracker *tr)
{
    if (!tr) return;
    kind_free(&tr->heap);
    kind_free(&tr->gor);
    point_vec *pv[] = {&tr->live, &tr->pause, &tr->rss};
    for (size_t i = 0; i < 3; i++) {
        free(pv[i]->t);
        free(pv[i]->v);
    }
    gmd_gctrace_free(&tr->gct);
    gmd_profile_free(tr->first_heap);
    gmd_profile_free(tr->last_heap);
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

/* The program's own code: package main, or a package path whose first
 * element has a dot (github.com/..., example.org/...). The standard library
 * has neither. */
static bool is_user_code(const char *fn)
{
    if (!strncmp(fn, "main.", 5)) return true;
    const char *slash = strchr(fn, '/');
    const char *dot = strchr(fn, '.');
    return slash && dot && dot < slash;
}

static uint32_t site_frame(const char *const *names, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (is_user_code(names[i])) return i;
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
    const char *const *names;
    uint32_t n;
} key_ctx;

static bool key_eq(const void *vctx, uint32_t element)
{
    const key_ctx *c = vctx;
    const series *s = &c->k->s[element];
    return s->nstack == c->n && !memcmp(s->stack, c->names, c->n * sizeof *c->names);
}

static series *series_for(gmd_leak_tracker *tr, kind_data *k, const char *const *names, uint32_t n,
                          const char *site)
{
    uint64_t h = gmd_hash_bytes(names, n * sizeof *names);
    key_ctx c = {k, names, n};
    uint32_t at = gmd_index_find(&k->index, h, key_eq, &c);
    if (at != UINT32_MAX) return &k->s[at];
    if (k->n >= MAX_SERIES) {
        tr->dropped_series = true;
        return NULL;
    }
    GMD_VEC_RESERVE1(k->s, k->n, k->cap);
    series *s = &k->s[k->n];
    memset(s, 0, sizeof *s);
    s->stack = gmd_arena_memdup(&tr->arena, names, n * sizeof *names);
    s->nstack = n;
    s->site = site;
    s->state = s->created_by = "";
    gmd_index_insert(&k->index, h, k->n);
    k->n++;
    return s;
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

/* Intern a stack's frame names (leaf first) into names[]; returns the count. */
static uint32_t stack_names(gmd_leak_tracker *tr, const gmd_stackset *ss, const gmd_stack *st,
                            const char **names, bool drop_goexit)
{
    uint32_t n = 0;
    char buf[64];
    for (uint32_t i = 0; i < st->nframes && n < MAX_FRAMES; i++) {
        const char *name = gmd_frame_name(ss, &st->frames[i], buf, sizeof buf);
        /* debug=2 dumps have no runtime.goexit at the root; proto ones do. */
        if (drop_goexit && !strcmp(name, "runtime.goexit")) continue;
        names[n++] = gmd_intern_str(&tr->names, name);
    }
    return n;
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
    const char *names[MAX_FRAMES];
    for (uint32_t i = 0; i < ss.nstacks; i++) {
        const gmd_stack *st = &ss.stacks[i];
        k->total[snap] += (double)st->value;
        if (st->value == 0 || st->nframes == 0) continue;
        uint32_t n = stack_names(tr, &ss, st, names, k->full_stack_key);
        if (n == 0) continue;
        uint32_t at = site_frame(names, n);
        series *s = k->full_stack_key ? series_for(tr, k, names, n, names[at])
                                      : series_for(tr, k, names + at, n - at, names[at]);
        if (s) series_add(s, snap, (double)st->value);
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
    } else {
        gmd_profile_free(tr->last_heap);
        tr->last_heap = p;
    }
    return 0;
}

int gmd_leak_add_goroutine(gmd_leak_tracker *tr, double t, gmd_profile *p, gmd_err *err)
{
    int rc = add_snapshot(tr, &tr->gor, t, p, NULL, err);
    gmd_profile_free(p);
    return rc;
}

int gmd_leak_add_goroutine_states(gmd_leak_tracker *tr, gmd_profile *p, gmd_err *err)
{
    gmd_stackset ss;
    if (gmd_stackset_build(p, NULL, &ss, err) < 0) {
        gmd_profile_free(p);
        return -1;
    }
    /* Per (site, state): how many goroutines. Few distinct pairs, so a list. */
    const char *names[MAX_FRAMES];
    for (uint32_t i = 0; i < ss.nstacks; i++) {
        const gmd_stack *st = &ss.stacks[i];
        uint32_t n = stack_names(tr, &ss, st, names, true);
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
    push_point(&tr->live, t, (double)c.live_mb * 1048576.0);
    push_point(&tr->pause, t, c.stw_ms);
}

void gmd_leak_add_proc(gmd_leak_tracker *tr, double t, const gmd_proc_stats *s)
{
    if (s->rss >= 0) push_point(&tr->rss, t, (double)s->rss);
}

static double series_at(const series *s, uint32_t i) { return i < s->nv ? s->v[i] : 0; }

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
        double floor = k == 0 ? NOISE_PERIODS * (double)(tr->heap_period > 0 ? tr->heap_period : 524288)
                              : GOROUTINE_NOISE;
        for (uint32_t i = 0; i < kd->n; i++) {
            const series *s = &kd->s[i];
            double growth = series_at(s, kd->nt - 1) - series_at(s, 0);
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

static const char *fmt_amount(gmd_leak_kind kind, double v, char *buf, size_t size)
{
    if (kind == GMD_LEAK_HEAP) return gmd_fmt_bytes_iec(v, buf, size);
    snprintf(buf, size, "%.0f", v);
    return buf;
}

static const char *fmt_rate(gmd_leak_kind kind, double v, char *buf, size_t size)
{
    char a[64];
    if (kind == GMD_LEAK_HEAP) snprintf(buf, size, "%s%s/s", v < 0 ? "-" : "+", gmd_fmt_bytes_iec(fabs(v), a, sizeof a));
    else snprintf(buf, size, "%+.1f/s", v);
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

typedef struct judged {
    gmd_leak_suspect s;
    bool suspect, dismissed;
    double peak;
    const char *why;
} judged;

static void judge(gmd_leak_tracker *tr, gmd_leak_result *r, kind_data *k, gmd_leak_kind kind, const series *s,
                  double noise, double *vals, double *scratch, judged *out)
{
    memset(out, 0, sizeof *out);
    uint32_t n = k->nt;
    for (uint32_t i = 0; i < n; i++) vals[i] = series_at(s, i);
    double first = vals[0], last = vals[n - 1], peak = vals[0];
    for (uint32_t i = 1; i < n; i++)
        if (vals[i] > peak) peak = vals[i];
    if (peak - first < noise) return;   /* never grew beyond noise: nothing to say */

    const double *t = k->t;
    double span = t[n - 1] - t[0];
    uint32_t h = n / 2;
    double slope = theil_sen(t, vals, 0, n, scratch);
    double early = theil_sen(t, vals, 0, h + 1, scratch);
    double late = theil_sen(t, vals, h, n, scratch);
    double tau = kendall(vals, 0, n);
    double growth = slope * span;
    double late_growth = late * (t[n - 1] - t[h]);

    gmd_leak_suspect *x = &out->s;
    x->kind = kind;
    x->site = s->site;
    x->stack = s->stack;
    x->nstack = s->nstack;
    x->unit = kind == GMD_LEAK_HEAP ? "bytes" : "goroutines";
    x->growth_per_sec = slope;
    x->slope_first_half = early;
    x->slope_last_half = late;
    x->first = first;
    x->current = last;
    x->tau = tau;
    x->noise = noise;
    for (uint32_t i = 1; i < n; i++) {
        x->steps++;
        if (vals[i] > vals[i - 1]) x->rises++;
    }
    out->peak = peak;

    bool flattened = early > 0 && (late < 0.3 * early || late_growth < noise / 2);
    if (growth < noise || tau < 0.5 || flattened) {
        out->dismissed = true;
        if (flattened && early * (t[h] - t[0]) >= noise)
            out->why = "grew early, then flattened (a warm-up, not a leak)";
        else if (tau < 0.5 && peak - first >= noise)
            out->why = "went up and down without a steady trend";
        else
            out->why = "growth within noise";
        return;
    }
    out->suspect = true;
    double persist = slope > 0 ? late / slope : 0;
    if (persist > 1) persist = 1;
    if (persist < 0) persist = 0;
    x->confidence = tau * (0.5 + 0.5 * persist) * (1 - exp(-growth / (2 * noise)));
    double bytes_per_hour = slope * 3600.0 * (kind == GMD_LEAK_HEAP ? 1.0 : GOROUTINE_BYTES);
    double impact = log2(1 + bytes_per_hour / 1048576.0) / 10.0;
    x->impact = impact < 0.05 ? 0.05 : impact > 1 ? 1 : impact;
    x->score = x->confidence * x->impact;
    x->series.n = n;
    x->series.t = gmd_arena_memdup(&r->arena, t, n * sizeof *t);
    x->series.v = gmd_arena_memdup(&r->arena, vals, n * sizeof *vals);

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
    char a[64], b[64], c[64], d[64];
    const char *what = kind == GMD_LEAK_HEAP ? "in-use bytes" : "goroutines with this stack";
    say(r, &e, "%s went from %s to %s over %.1f s: %s (Theil-Sen slope of %u snapshots)", what,
        fmt_amount(kind, first, a, sizeof a), fmt_amount(kind, last, b, sizeof b), span,
        fmt_rate(kind, slope, c, sizeof c), n);
    say(r, &e, "rose in %u of %u intervals; Kendall's tau %.2f (1 = always up)", x->rises, x->steps, tau);
    say(r, &e, "still growing in the second half: %s, against %s in the first (not a warm-up)",
        fmt_rate(kind, late, a, sizeof a), fmt_rate(kind, early, b, sizeof b));
    if (kind == GMD_LEAK_HEAP)
        say(r, &e, "grew %.0fx the noise floor of %s (%.0f sampling periods of MemProfileRate=%lld)", growth / noise,
            gmd_fmt_bytes_iec(noise, a, sizeof a), NOISE_PERIODS, (long long)(noise / NOISE_PERIODS));
    else
        say(r, &e, "grew %.0fx the noise floor of %.0f goroutines", growth / noise, noise);
    if (kind == GMD_LEAK_GOROUTINE && x->state_count > 0)
        say(r, &e, "%lld of them %s%s%s (goroutine?debug=2 at the end)%s%s", (long long)x->state_count,
            x->state[0] ? "waiting in '" : "in an unknown state", x->state, x->state[0] ? "'" : "",
            x->created_by[0] ? "; created by " : "", x->created_by);
    if (kind == GMD_LEAK_GOROUTINE)
        say(r, &e, "every parked goroutine keeps its stack (2 KiB or more) and all it references alive: about %s/hour",
            gmd_fmt_bytes_iec(slope * 3600 * GOROUTINE_BYTES, a, sizeof a));
    if (kind == GMD_LEAK_HEAP && tr->live.n >= 2) {
        double live_slope = theil_sen(tr->live.t, tr->live.v, 0, tr->live.n, scratch);
        if (live_slope > 0)
            say(r, &e, "corroborated by gctrace: the live heap after GC grew %s (%s -> %s); this site is %.0f%% of that",
                fmt_rate(kind, live_slope, a, sizeof a), gmd_fmt_bytes_iec(tr->live.v[0], b, sizeof b),
                gmd_fmt_bytes_iec(tr->live.v[tr->live.n - 1], c, sizeof c),
                slope / live_slope * 100 > 999 ? 999 : slope / live_slope * 100);
        else
            say(r, &e, "gctrace's live heap did not grow (%s -> %s, MiB resolution)",
                gmd_fmt_bytes_iec(tr->live.v[0], b, sizeof b), gmd_fmt_bytes_iec(tr->live.v[tr->live.n - 1], c, sizeof c));
    }
    if (tr->rss.n >= 2) {
        double rss_slope = theil_sen(tr->rss.t, tr->rss.v, 0, tr->rss.n, scratch);
        say(r, &e, "process RSS went %s -> %s (%s)", gmd_fmt_bytes_iec(tr->rss.v[0], a, sizeof a),
            gmd_fmt_bytes_iec(tr->rss.v[tr->rss.n - 1], b, sizeof b), fmt_rate(GMD_LEAK_HEAP, rss_slope, d, sizeof d));
    }
    x->evidence = e.items ? gmd_arena_memdup(&r->arena, e.items, e.n * sizeof *e.items) : NULL;
    x->nevidence = e.n;
    free(e.items);
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

static void judge_kind(gmd_leak_tracker *tr, gmd_leak_result *r, kind_data *k, gmd_leak_kind kind, double noise,
                       double *scratch, gmd_leak_suspect **sus, uint32_t *nsus, uint32_t *capsus,
                       gmd_leak_dismissed **dis, uint32_t *ndis, uint32_t *capdis)
{
    if (k->nt < MIN_SNAPSHOTS) return;
    double *vals = gmd_xmalloc(k->nt * sizeof *vals);
    for (uint32_t i = 0; i < k->n; i++) {
        judged j;
        judge(tr, r, k, kind, &k->s[i], noise, vals, scratch, &j);
        if (j.suspect) {
            GMD_VEC_PUSH(*sus, *nsus, *capsus, j.s);
        } else if (j.dismissed) {
            gmd_leak_dismissed d = {kind, j.s.site, j.s.first, j.peak, j.s.current, j.why};
            GMD_VEC_PUSH(*dis, *ndis, *capdis, d);
        }
    }
    free(vals);
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
    r->gc_verdict = "";
    if (tr->gct.ncycles) {
        gmd_gc_opts go = {0};
        gmd_gc_analyse(&tr->gct, &go, &gca);
        r->gc_verdict = gmd_gc_verdict_name(gca.verdict);
    }

    gmd_leak_suspect *sus = NULL;
    gmd_leak_dismissed *dis = NULL;
    uint32_t nsus = 0, capsus = 0, ndis = 0, capdis = 0;
    double period = (double)(tr->heap_period > 0 ? tr->heap_period : 524288);
    judge_kind(tr, r, &tr->heap, GMD_LEAK_HEAP, NOISE_PERIODS * period, scratch, &sus, &nsus, &capsus, &dis, &ndis, &capdis);
    judge_kind(tr, r, &tr->gor, GMD_LEAK_GOROUTINE, GOROUTINE_NOISE, scratch, &sus, &nsus, &capsus, &dis, &ndis, &capdis);
    if (nsus) qsort(sus, nsus, sizeof *sus, cmp_score);
    if (nsus > max_suspects) nsus = max_suspects;
    r->suspects = nsus ? gmd_arena_memdup(&r->arena, sus, nsus * sizeof *sus) : NULL;
    r->nsuspects = nsus;
    if (ndis) qsort(dis, ndis, sizeof *dis, cmp_dismissed);
    if (ndis > 5) ndis = 5;
    r->dismissed = ndis ? gmd_arena_memdup(&r->arena, dis, ndis * sizeof *dis) : NULL;
    r->ndismissed = ndis;
    free(sus);
    free(dis);
    r->leak = nsus > 0;

    if (tr->heap.nt == 0 && tr->gor.nt == 0)
        note(r, &notes, "no heap or goroutine profiles: pass --pprof URL (the program's net/http/pprof) to name the leaking code");
    else if (tr->heap.nt < MIN_SNAPSHOTS || tr->gor.nt < MIN_SNAPSHOTS)
        note(r, &notes, "only %u heap and %u goroutine snapshots: at least %d are needed to judge a trend; run longer",
             tr->heap.nt, tr->gor.nt, MIN_SNAPSHOTS);
    if (tr->heap.nt == 0 && gca.verdict == GMD_GC_GROWING) {
        r->leak = true;
        note(r, &notes, "the live heap after GC keeps growing (gctrace: %+.2f MiB/min, tau %.2f) but without heap profiles the site is unknown",
             gca.slope_mb_min, gca.tau);
    }
    if (tr->heap_period > 0 && tr->heap_period >= 524288)
        note(r, &notes, "heap profiles sample every %lld bytes (MemProfileRate): growth under %s is not resolved; set runtime.MemProfileRate lower for finer results",
             (long long)tr->heap_period, "2 MiB");
    if (tr->dropped_series) note(r, &notes, "more than %u distinct stacks: later ones were not tracked", MAX_SERIES);
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
