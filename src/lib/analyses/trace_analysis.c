/* gmd trace's analyses: one pass over the reader's events (see
 * gmd/trace_analysis.h). Goroutine states follow Go's own reading of the
 * events (gmd_trace_go_transition), so counts and blocking totals agree
 * with go tool trace and golang.org/x/exp/trace. */
#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/trace_analysis.h"
#include "gmd/xalloc.h"

/* Per goroutine, in an array by the reader's dense goroutine number
 * (gmd_trace_event.gslot): no hashing of goroutine ids per event. */
typedef struct gmd_tgor {
    uint64_t id;
    uint32_t site;            /* GMD_TNONE until known */
    uint32_t sstack;          /* stack of the event that entered the state */
    uint32_t wstack;          /* the goroutine's own stack when it blocked */
    uint16_t reason;          /* reason index + 1 while waiting/stopped, 0 none */
    uint8_t state, created;
    uint8_t ran;              /* has been running in the trace */
    uint8_t counts;           /* the current state's time counts (see leave_state) */
    uint8_t live;             /* the slot holds a goroutine that exists */
    uint8_t at_start;         /* in its state since before the trace (no transition seen yet) */
    int64_t since;
} gor;

/* ---- series ---- */

static void series_init(gmd_tseries *s) { memset(s, 0, sizeof *s); s->width = 1000000; /* 1 ms to start */ }

static void series_add(gmd_tseries *s, int64_t t, double v)
{
    if (!s->n && !s->have[0]) s->t0 = t;
    if (t < s->t0) t = s->t0;
    int64_t i = (t - s->t0) / s->width;
    while (i >= GMD_TSERIES_MAX) {
        /* merge pairs, keep the maximum (peaks are what charts must show) */
        for (uint32_t k = 0; k < GMD_TSERIES_MAX / 2; k++) {
            bool a = s->have[2 * k], b = s->have[2 * k + 1];
            s->have[k] = a || b;
            if (a && b) {
                s->v[k] = s->v[2 * k] > s->v[2 * k + 1] ? s->v[2 * k] : s->v[2 * k + 1];
                s->t[k] = s->t[2 * k + 1];
            } else if (a) {
                s->v[k] = s->v[2 * k];
                s->t[k] = s->t[2 * k];
            } else if (b) {
                s->v[k] = s->v[2 * k + 1];
                s->t[k] = s->t[2 * k + 1];
            }
        }
        memset(s->have + GMD_TSERIES_MAX / 2, 0, GMD_TSERIES_MAX / 2 * sizeof *s->have);
        s->width *= 2;
        s->n = (s->n + 1) / 2;
        i = (t - s->t0) / s->width;
    }
    if (!s->have[i] || v >= s->v[i]) {
        s->v[i] = v;
        s->t[i] = t;
    }
    s->have[i] = true;
    if ((uint32_t)i + 1 > s->n) s->n = (uint32_t)i + 1;
}

/* ---- stacks ---- */

typedef struct feq { const gmd_trace_analysis *a; gmd_tframe f; } feq;
static bool frame_eq(const void *ctx, uint32_t i)
{
    const feq *q = ctx;
    const gmd_tframe *x = &q->a->frames[i];
    return x->func == q->f.func && x->file == q->f.file && x->line == q->f.line && x->pc == q->f.pc;
}

typedef struct seq { const gmd_trace_analysis *a; const uint32_t *ids; uint32_t n; } seq;
static bool stack_eq(const void *ctx, uint32_t i)
{
    const seq *q = ctx;
    const gmd_tstack *s = &q->a->stacks[i];
    return s->n == q->n && (!q->n || !memcmp(q->a->frame_of + s->first, q->ids, q->n * sizeof *q->ids));
}

/* The analysis's own index for a generation's stack id (GMD_TNONE for none).
 * Go numbers a generation's stacks 1, 2, 3...: small ids are looked up in
 * a flat array (two lookups per goroutine transition), others hashed. */
#define GEN_STACK_FLAT (1u << 20)
static uint32_t stack_of_slow(gmd_trace_analysis *a, const gmd_trace_reader *r, uint64_t id)
{
    if (id >= GEN_STACK_FLAT) {
        uint32_t *cached = gmd_u64tab_get(&a->gen_stacks, id);
        if (cached) return *cached;
    }
    size_t n;
    const gmd_trace_frame *fr = gmd_trace_stack(r, id, &n);
    uint32_t ids[128];
    if (n > 128) n = 128;
    for (size_t i = 0; i < n; i++) {
        feq q = {a, {gmd_intern_str(&a->strings, fr[i].func), gmd_intern_str(&a->strings, fr[i].file), fr[i].line, fr[i].pc}};
        uint64_t h = gmd_mix64((uint64_t)(uintptr_t)q.f.func ^ gmd_mix64(q.f.line ^ (q.f.pc << 20)) ^ (uint64_t)(uintptr_t)q.f.file * 31);
        uint32_t f = gmd_index_find(&a->frame_ix, h, frame_eq, &q);
        if (f == UINT32_MAX) {
            GMD_VEC_PUSH(a->frames, a->nframes, a->capframes, q.f);
            f = a->nframes - 1;
            gmd_index_insert(&a->frame_ix, h, f);
        }
        ids[i] = f;
    }
    uint64_t h = gmd_hash_bytes(ids, n * sizeof *ids) ^ n;
    seq q = {a, ids, (uint32_t)n};
    uint32_t s = gmd_index_find(&a->stack_ix, h, stack_eq, &q);
    if (s == UINT32_MAX) {
        gmd_tstack st = {a->nframe_of, (uint32_t)n};
        for (size_t i = 0; i < n; i++) GMD_VEC_PUSH(a->frame_of, a->nframe_of, a->capframe_of, ids[i]);
        GMD_VEC_PUSH(a->stacks, a->nstacks, a->capstacks, st);
        s = a->nstacks - 1;
        gmd_index_insert(&a->stack_ix, h, s);
    }
    if (id < GEN_STACK_FLAT) {
        if (id >= a->ngen_flat) {
            uint32_t n = a->ngen_flat ? a->ngen_flat : 1024;
            while (n <= id) n *= 2;
            a->gen_flat = gmd_xrealloc(a->gen_flat, n * sizeof *a->gen_flat);
            memset(a->gen_flat + a->ngen_flat, 0, (n - a->ngen_flat) * sizeof *a->gen_flat);
            a->ngen_flat = n;
        }
        a->gen_flat[id] = s + 1;
    } else *(uint32_t *)gmd_u64tab_put(&a->gen_stacks, id, NULL) = s;
    return s;
}

static inline uint32_t stack_of(gmd_trace_analysis *a, const gmd_trace_reader *r, uint64_t id)
{
    if (!id) return GMD_TNONE;
    if (id < a->ngen_flat && a->gen_flat[id]) return a->gen_flat[id] - 1;
    return stack_of_slow(a, r, id);
}

static const char *stack_top(const gmd_trace_analysis *a, uint32_t s)
{
    if (s == GMD_TNONE || !a->stacks[s].n) return "";
    return a->frames[a->frame_of[a->stacks[s].first]].func;
}

static const char *stack_root(const gmd_trace_analysis *a, uint32_t s)
{
    if (s == GMD_TNONE || !a->stacks[s].n) return "";
    return a->frames[a->frame_of[a->stacks[s].first + a->stacks[s].n - 1]].func;
}

/* ---- sites, blocks, names ---- */

typedef struct siteq { const gmd_trace_analysis *a; const char *start, *by; } siteq;
static bool site_eq(const void *ctx, uint32_t i)
{
    const siteq *q = ctx;
    return q->a->sites[i].start_function == q->start && q->a->sites[i].created_by == q->by;
}

static uint32_t site_for(gmd_trace_analysis *a, const char *start, const char *by)
{
    siteq q = {a, gmd_intern_str(&a->strings, start), gmd_intern_str(&a->strings, by)};
    uint64_t h = gmd_mix64((uint64_t)(uintptr_t)q.start) ^ (uint64_t)(uintptr_t)q.by;
    gmd_index *ix = &a->site_ix;
    uint32_t i = gmd_index_find(ix, h, site_eq, &q);
    if (i != UINT32_MAX) return i;
    GMD_VEC_RESERVE1(a->sites, a->nsites, a->capsites);
    a->sites[a->nsites] = (gmd_trace_site){.start_function = q.start, .created_by = q.by, .create_stack = GMD_TNONE, .wait_stack = GMD_TNONE};
    gmd_index_insert(ix, h, a->nsites);
    return a->nsites++;
}

static uint16_t reason_ix(gmd_trace_analysis *a, const char *reason)
{
    if (!reason || !*reason) return 0;
    /* The reader's strings stay put for a generation: a small direct-mapped
     * cache by pointer before hashing the text (cleared at each Sync). */
    unsigned h = (unsigned)(((uintptr_t)reason >> 3) ^ ((uintptr_t)reason >> 9)) & 63;
    if (a->reason_cache[h].s == reason) return a->reason_cache[h].ix;
    uint16_t ix = 0;
    const char *s = gmd_intern_str(&a->strings, reason);
    for (uint32_t i = 0; i < a->nreasons && !ix; i++)
        if (a->reasons[i] == s) ix = (uint16_t)(i + 1);
    if (!ix && a->nreasons < 4000) {
        GMD_VEC_PUSH(a->reasons, a->nreasons, a->capreasons, s);
        ix = (uint16_t)a->nreasons;
    }
    a->reason_cache[h].s = reason;
    a->reason_cache[h].ix = ix;
    return ix;
}

/* Per-stack state (first block, CPU entry) in an array by stack index + 1
 * (0: no stack). */
static struct gmd_tstack_aux *aux_of(gmd_trace_analysis *a, uint32_t s)
{
    uint32_t i = s == GMD_TNONE ? 0 : s + 1;
    if (i >= a->nstack_aux) {
        uint32_t n = a->nstack_aux ? a->nstack_aux : 256;
        while (n <= i) n *= 2;
        a->stack_aux = gmd_xrealloc(a->stack_aux, n * sizeof *a->stack_aux);
        memset(a->stack_aux + a->nstack_aux, 0, (n - a->nstack_aux) * sizeof *a->stack_aux);
        a->nstack_aux = n;
    }
    return &a->stack_aux[i];
}

static const char no_reason[] = "";

/* The reason of a block by its string id: a flat array per generation for
 * small ids (Go numbers a generation's strings 1, 2, 3...). */
#define REASON_FLAT 4096
static uint16_t reason_of(gmd_trace_analysis *a, const gmd_trace_reader *r, uint64_t id)
{
    if (id < REASON_FLAT) {
        if (!a->reason_by_id) a->reason_by_id = gmd_xcalloc(REASON_FLAT, sizeof *a->reason_by_id);
        uint16_t v = a->reason_by_id[id];
        if (v) return (uint16_t)(v - 1);
        uint16_t ix = reason_ix(a, gmd_trace_string(r, id));
        a->reason_by_id[id] = (uint16_t)(ix + 1);
        return ix;
    }
    return reason_ix(a, gmd_trace_string(r, id));
}

__attribute__((always_inline)) static inline void add_block(gmd_trace_analysis *a, uint8_t kind, uint16_t reason, uint32_t stack, int64_t ns)
{
    if (ns <= 0) return;   /* as go tool trace: only time actually spent counts */
    /* A stack's blocks are chained from its aux entry: almost always one. */
    const char *rs = reason ? a->reasons[reason - 1] : no_reason;
    struct gmd_tstack_aux *x = aux_of(a, stack);
    uint32_t b = x->block;
    while (b && (a->blocks[b - 1].kind != kind || a->blocks[b - 1].reason != rs)) b = a->block_next[b - 1];
    if (!b) {
        uint32_t cap = a->capblocks;
        GMD_VEC_RESERVE1(a->blocks, a->nblocks, a->capblocks);
        if (cap != a->capblocks) a->block_next = gmd_xrealloc(a->block_next, a->capblocks * sizeof *a->block_next);
        a->blocks[a->nblocks] = (gmd_trace_block){kind, rs, stack, 0, 0};
        a->block_next[a->nblocks] = x->block;
        b = x->block = ++a->nblocks;
    }
    a->blocks[b - 1].count++;
    a->blocks[b - 1].ns = gmd_trace_ns_add(a->blocks[b - 1].ns, ns);
}

static void add_named(gmd_trace_analysis *a, gmd_trace_named **arr, uint32_t *n, uint32_t *cap, const char *name, int64_t ns, bool count)
{
    const char *s = gmd_intern_str(&a->strings, name);
    for (uint32_t i = 0; i < *n; i++)
        if ((*arr)[i].name == s) {
            (*arr)[i].count += count;
            (*arr)[i].ns = gmd_trace_ns_add((*arr)[i].ns, ns);
            return;
        }
    if (*n >= 10000) return;
    GMD_VEC_RESERVE1(*arr, *n, *cap);
    (*arr)[(*n)++] = (gmd_trace_named){s, count, ns};
}

/* ---- the pass ---- */

/* Time in a state counts as go tool trace -pprof counts it: only the part
 * after the goroutine first ran in the trace (it clips each stretch to the
 * goroutine's [first start, end]), so the wait between a creation and the
 * first run, or a status at the trace's start until the first run, is not
 * blocking. */
static void leave_state(gmd_trace_analysis *a, gor *g, int64_t now)
{
    int64_t d = now - g->since;
    if (!g->counts) return;
    uint8_t kind;
    uint16_t reason = 0;
    if (g->state == GMD_TGS_WAITING && g->reason) kind = GMD_TBLOCK_WAIT, reason = g->reason;
    else if (g->state == GMD_TGS_SYSCALL) kind = GMD_TBLOCK_SYSCALL;
    else if (g->state == GMD_TGS_RUNNABLE) kind = GMD_TBLOCK_SCHED;
    else return;
    add_block(a, kind, reason, g->sstack, d);   /* inlined: once per transition */
}

static void sample_counts(gmd_trace_analysis *a, int64_t t)
{
    series_add(&a->g_running, t, a->counts[GMD_TGS_RUNNING]);
    series_add(&a->g_runnable, t, a->counts[GMD_TGS_RUNNABLE]);
    series_add(&a->g_waiting, t, a->counts[GMD_TGS_WAITING]);
    series_add(&a->g_syscall, t, a->counts[GMD_TGS_SYSCALL]);
}

static void on_transition(gmd_trace_analysis *a, const gmd_trace_reader *r, const gmd_trace_event *ev, const gmd_trace_gotrans *tr)
{
    if (tr->slot == UINT32_MAX) return;   /* (every transition has one) */
    if (tr->slot >= a->ngors) {
        uint32_t n = a->ngors ? a->ngors : 1024;
        while (n <= tr->slot) n *= 2;
        a->gors = gmd_xrealloc(a->gors, (size_t)n * sizeof *a->gors);
        memset(a->gors + a->ngors, 0, (size_t)(n - a->ngors) * sizeof *a->gors);
        a->ngors = n;
    }
    gor *g = &a->gors[tr->slot];
    bool existed = g->live && g->id == tr->g;
    if (!existed) {
        *g = (gor){.id = tr->g, .live = 1, .site = GMD_TNONE, .sstack = GMD_TNONE, .wstack = GMD_TNONE, .state = GMD_TGS_NOTEXIST};
        if (tr->from != GMD_TGS_NOTEXIST) a->goroutines_at_start++;
        /* First seen by a status: it has been in that state since the trace began. */
        g->at_start = tr->from == GMD_TGS_UNDETERMINED;
    }
    uint32_t tstack = stack_of(a, r, tr->stack);
    if (tr->from == GMD_TGS_NOTEXIST) {
        a->created++;
        g->created = 1;
        uint32_t cstack = stack_of(a, r, ev->stack);
        /* by (start stack, creating stack): a site without hashing names */
        uint64_t sk = (uint64_t)tstack << 32 | cstack;
        uint32_t *cs = gmd_u64tab_get(&a->site_cache, sk);
        if (cs) g->site = *cs;
        else {
            g->site = site_for(a, stack_top(a, tstack), stack_top(a, cstack));
            *(uint32_t *)gmd_u64tab_put(&a->site_cache, sk, NULL) = g->site;
        }
        gmd_trace_site *s = &a->sites[g->site];
        s->created++;
        if (s->create_stack == GMD_TNONE) s->create_stack = cstack;
        if (!s->first_created) s->first_created = ev->time;
        s->last_created = ev->time;
    } else if (g->site == GMD_TNONE && tstack != GMD_TNONE) {
        /* A goroutine that existed at the start: known by the root frame of
         * its first stack, as go tool trace names it. */
        g->site = site_for(a, stack_root(a, tstack), "");
        a->sites[g->site].existed_at_start++;
    }
    if (tr->to == tr->from && existed) return;   /* a status at a generation boundary */
    if (existed) g->at_start = 0;
    if (existed && g->state != GMD_TGS_NOTEXIST) {
        leave_state(a, g, ev->time);
        if (a->counts[g->state]) a->counts[g->state]--;
    }
    g->state = tr->to;
    g->since = ev->time;
    g->counts = g->ran;
    if (tr->to == GMD_TGS_RUNNING) g->ran = 1;
    g->sstack = stack_of(a, r, ev->stack);
    g->reason = tr->to == GMD_TGS_WAITING && tr->has_reason ? reason_of(a, r, tr->reason_id) : 0;
    if (tr->to == GMD_TGS_WAITING && tstack != GMD_TNONE) g->wstack = tstack;
    if (tr->to == GMD_TGS_NOTEXIST) {
        a->ended++;
        if (g->site == GMD_TNONE) g->site = site_for(a, "", "");
        a->sites[g->site].ended++;
        g->live = 0;
    } else a->counts[tr->to]++;
}

/* Goroutines the tracer starts when a trace begins (the advancer, the CPU
 * sample reader, runtime/trace's multiplexer): they live as long as the
 * trace, so every capture shows them "created and never ended". Matched by
 * prefix, as their closures' names change between Go versions. */
static bool tracer_own(const char *start)
{
    static const char *const prefixes[] = {"runtime.(*trace", "runtime.trace", "runtime/trace."};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (!strncmp(start, prefixes[i], strlen(prefixes[i]))) return true;
    return false;
}

static int cmp_site(const void *x, const void *y)
{
    const gmd_trace_site *a = x, *b = y;
    if (a->tracer_own != b->tracer_own) return a->tracer_own ? 1 : -1;
    if (a->created_alive != b->created_alive) return a->created_alive > b->created_alive ? -1 : 1;
    if (a->alive_at_end != b->alive_at_end) return a->alive_at_end > b->alive_at_end ? -1 : 1;
    if (a->created != b->created) return a->created > b->created ? -1 : 1;
    int c = strcmp(a->start_function, b->start_function);
    return c ? c : strcmp(a->created_by, b->created_by);
}

/* Blocking rows: most time first; ties by count, kind, reason, then the
 * stack's first-seen order (a total order: no two rows share all three). */
static int cmp_block(const void *x, const void *y)
{
    const gmd_trace_block *a = x, *b = y;
    if (a->ns != b->ns) return a->ns > b->ns ? -1 : 1;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->reason, b->reason);
    if (c) return c;
    return a->stack < b->stack ? -1 : a->stack > b->stack;
}

/* A site's states at the end: most goroutines first, then the longest
 * wait, then by name. */
static bool state_before(const gmd_trace_state_count *x, const gmd_trace_state_count *y)
{
    if (x->count != y->count) return x->count > y->count;
    if (x->longest_ns != y->longest_ns) return x->longest_ns > y->longest_ns;
    return strcmp(x->state, y->state) < 0;
}

/* Waits that never ended (leaked goroutines above all) are in no block row:
 * count them apart, by reason and the stack where they wait. */
static void still_blocked(gmd_trace_analysis *a)
{
    gmd_u64tab ix;
    gmd_u64tab_init(&ix, sizeof(uint32_t));
    uint32_t cap = 0;
    for (uint32_t i = 0; i < a->ngors; i++) {
        const gor *g = &a->gors[i];
        if (!g->live || g->state != GMD_TGS_WAITING) continue;
        uint32_t stack = g->sstack != GMD_TNONE ? g->sstack : g->wstack;
        const char *reason = g->reason ? a->reasons[g->reason - 1] : no_reason;
        bool existed;
        uint32_t *row = gmd_u64tab_put(&ix, (uint64_t)g->reason << 32 | stack, &existed);
        if (!existed) {
            GMD_VEC_RESERVE1(a->still, a->nstill, cap);
            a->still[a->nstill] = (gmd_trace_block){GMD_TBLOCK_WAIT, reason, stack, 0, 0};
            *row = a->nstill++;
        }
        gmd_trace_block *b = &a->still[*row];
        b->count++;
        int64_t since = g->at_start ? a->start : g->since;
        b->ns = gmd_trace_ns_add(b->ns, a->end > since ? a->end - since : 0);
    }
    gmd_u64tab_free(&ix);
    if (a->nstill > 1) qsort(a->still, a->nstill, sizeof *a->still, cmp_block);
}

static void finish(gmd_trace_analysis *a)
{
    /* Goroutines alive at the end: their site's states. Nothing below
     * depends on the order they are visited in: states are sorted by a
     * total order, and a site's wait stack is its longest waiter's (ties:
     * the least goroutine id). */
    int64_t *wsince = NULL;
    uint64_t *wid = NULL;
    for (uint32_t i = 0; i < a->ngors; i++) {
        gor *g = &a->gors[i];
        if (!g->live || g->state == GMD_TGS_NOTEXIST) continue;
        if (g->site == GMD_TNONE) {
            g->site = site_for(a, "", "");
            a->sites[g->site].existed_at_start++;
        }
        gmd_trace_site *s = &a->sites[g->site];
        s->alive_at_end++;
        a->alive_at_end++;
        if (g->created) s->created_alive++;
        const char *st = g->state == GMD_TGS_RUNNING ? "running" : g->state == GMD_TGS_RUNNABLE ? "runnable"
                       : g->state == GMD_TGS_SYSCALL ? "syscall" : g->reason ? a->reasons[g->reason - 1] : "waiting";
        int64_t d = a->end - g->since;
        uint32_t k = 0;
        while (k < s->nstates && s->states[k].state != st) k++;
        if (k == s->nstates) {
            gmd_trace_state_count *n = gmd_arena_alloc(&a->arena, (s->nstates + 1) * sizeof *n);
            if (s->nstates) memcpy(n, s->states, s->nstates * sizeof *n);
            n[k] = (gmd_trace_state_count){st, 0, 0};
            s->states = n;
            s->nstates++;
        }
        s->states[k].count++;
        if (d > s->states[k].longest_ns) s->states[k].longest_ns = d;
    }
    if (a->nsites) {
        wsince = gmd_xcalloc(a->nsites, sizeof *wsince);
        wid = gmd_xcalloc(a->nsites, sizeof *wid);
    }
    for (uint32_t i = 0; i < a->ngors; i++) {
        const gor *g = &a->gors[i];
        if (!g->live || g->state != GMD_TGS_WAITING || g->wstack == GMD_TNONE || g->site == GMD_TNONE) continue;
        gmd_trace_site *s = &a->sites[g->site];
        uint32_t si = g->site;
        if (s->wait_stack == GMD_TNONE || g->since < wsince[si] || (g->since == wsince[si] && g->id < wid[si])) {
            s->wait_stack = g->wstack;
            wsince[si] = g->since;
            wid[si] = g->id;
        }
    }
    free(wsince);
    free(wid);
    still_blocked(a);
    for (uint32_t i = 0; i < a->nsites; i++) {
        gmd_trace_site *s = &a->sites[i];
        s->tracer_own = tracer_own(s->start_function);
        for (uint32_t x = 1; x < s->nstates; x++)   /* most common state first */
            for (uint32_t y = x; y > 0 && state_before(&s->states[y], &s->states[y - 1]); y--) {
                gmd_trace_state_count t = s->states[y];
                s->states[y] = s->states[y - 1];
                s->states[y - 1] = t;
            }
    }
    if (a->nsites > 1) qsort(a->sites, a->nsites, sizeof *a->sites, cmp_site);
    if (a->nblocks > 1) qsort(a->blocks, a->nblocks, sizeof *a->blocks, cmp_block);
    sample_counts(a, a->end);
}

int gmd_trace_analyse(gmd_trace_reader *r, gmd_trace_analysis *a, gmd_err *err)
{
    memset(a, 0, sizeof *a);
    gmd_arena_init(&a->arena, 64 << 10);
    gmd_intern_init(&a->strings, &a->arena);
    gmd_index_init(&a->frame_ix);
    gmd_index_init(&a->stack_ix);
    gmd_u64tab_init(&a->gen_stacks, sizeof(uint32_t));
    gmd_u64tab_init(&a->site_cache, sizeof(uint32_t));
    gmd_index_init(&a->site_ix);
    series_init(&a->heap_alloc);
    series_init(&a->heap_goal);
    series_init(&a->g_running);
    series_init(&a->g_runnable);
    series_init(&a->g_waiting);
    series_init(&a->g_syscall);
    a->version = gmd_trace_version(r);

    gmd_trace_event ev;
    gmd_trace_gotrans tr;
    int rc;
    int64_t last_sample = INT64_MIN;
    while ((rc = gmd_trace_next(r, &ev, err)) > 0) {
        if (ev.type != GMD_TEV_SYNC) a->events++;   /* as Go's reader counts: Sync is bookkeeping */
        if (!a->start) a->start = ev.time;
        a->end = ev.time;
        switch (ev.type) {
        case GMD_TEV_SYNC:
            gmd_u64tab_clear(&a->gen_stacks);
            if (a->ngen_flat) memset(a->gen_flat, 0, a->ngen_flat * sizeof *a->gen_flat);
            memset(a->reason_cache, 0, sizeof a->reason_cache);
            if (a->reason_by_id) memset(a->reason_by_id, 0, REASON_FLAT * sizeof *a->reason_by_id);
            break;
        case GMD_TEV_GC_BEGIN:
            GMD_VEC_PUSH(a->gcs, a->ngcs, a->capgcs, ((gmd_trace_gc){ev.args[0], ev.time, 0, 0}));
            break;
        case GMD_TEV_GC_ACTIVE:
            a->gc_active_at_start++;
            break;
        case GMD_TEV_GC_END:
            for (uint32_t i = a->ngcs; i-- > 0;)
                if (a->gcs[i].seq + 1 == ev.args[0] && !a->gcs[i].end) { a->gcs[i].end = ev.time; break; }
            break;
        case GMD_TEV_STW_BEGIN:
            GMD_VEC_PUSH(a->stws, a->nstws, a->capstws, ((gmd_trace_stw){ev.time, 0, gmd_intern_str(&a->strings, gmd_trace_string(r, ev.args[0]))}));
            break;
        case GMD_TEV_STW_END: {
            const char *kind = gmd_intern_str(&a->strings, gmd_trace_string(r, ev.args[0]));
            for (uint32_t i = a->nstws; i-- > 0;)
                if (!a->stws[i].end && a->stws[i].kind == kind) {
                    a->stws[i].end = ev.time;
                    for (uint32_t k = a->ngcs; k-- > 0;)
                        if (a->gcs[k].start <= a->stws[i].start && (!a->gcs[k].end || a->gcs[k].end >= a->stws[i].start)) {
                            a->gcs[k].stw_ns = gmd_trace_ns_add(a->gcs[k].stw_ns, ev.time - a->stws[i].start);
                            break;
                        }
                    break;
                }
            break;
        }
        case GMD_TEV_HEAP_ALLOC:
            series_add(&a->heap_alloc, ev.time, (double)ev.args[0]);
            break;
        case GMD_TEV_HEAP_GOAL:
            series_add(&a->heap_goal, ev.time, (double)ev.args[0]);
            break;
        case GMD_TEV_USER_TASK_BEGIN:
            a->task_count++;
            add_named(a, &a->tasks, &a->ntasks, &a->captasks, gmd_trace_string(r, ev.args[2]), 0, true);
            break;
        case GMD_TEV_USER_REGION_BEGIN:
            a->region_count++;
            add_named(a, &a->regions, &a->nregions, &a->capregions, gmd_trace_string(r, ev.args[1]), 0, true);
            break;
        case GMD_TEV_USER_LOG:
            a->log_count++;
            add_named(a, &a->logs, &a->nlogs, &a->caplogs, gmd_trace_string(r, ev.args[1]), 0, true);
            break;
        case GMD_TEV_CPU_SAMPLE: {
            a->cpu_samples++;
            uint32_t s = stack_of(a, r, ev.stack);
            struct gmd_tstack_aux *x = aux_of(a, s);
            if (!x->cpu) {
                GMD_VEC_RESERVE1(a->cpu_stacks, a->ncpu, a->capcpu);
                a->cpu_counts = gmd_xrealloc(a->cpu_counts, a->capcpu * sizeof *a->cpu_counts);
                a->cpu_stacks[a->ncpu] = s;
                a->cpu_counts[a->ncpu] = 0;
                x->cpu = ++a->ncpu;
            }
            a->cpu_counts[x->cpu - 1]++;
            break;
        }
        case GMD_TEV_GO_CREATE: case GMD_TEV_GO_CREATE_BLOCKED: case GMD_TEV_GO_CREATE_SYSCALL:
        case GMD_TEV_GO_START: case GMD_TEV_GO_DESTROY: case GMD_TEV_GO_DESTROY_SYSCALL:
        case GMD_TEV_GO_STOP: case GMD_TEV_GO_BLOCK: case GMD_TEV_GO_UNBLOCK:
        case GMD_TEV_GO_SWITCH: case GMD_TEV_GO_SWITCH_DESTROY:
        case GMD_TEV_GO_SYSCALL_BEGIN: case GMD_TEV_GO_SYSCALL_END: case GMD_TEV_GO_SYSCALL_END_BLOCKED:
        case GMD_TEV_GO_STATUS: case GMD_TEV_GO_STATUS_STACK:
            if (gmd_trace_go_transition_ids(&ev, &tr)) {
                on_transition(a, r, &ev, &tr);
                /* goroutine counts, at most once per 100 us of trace time */
                if (last_sample == INT64_MIN || ev.time - last_sample >= 100000) {
                    sample_counts(a, ev.time);
                    last_sample = ev.time;
                }
            }
            break;
        default:
            break;
        }
    }
    a->generations = gmd_trace_generations(r);
    a->bytes = gmd_trace_bytes(r);
    const char *t = gmd_trace_truncated(r);
    a->truncated = t ? gmd_arena_strdup(&a->arena, t) : NULL;
    finish(a);
    return rc < 0 ? -1 : 0;
}

void gmd_trace_analysis_free(gmd_trace_analysis *a)
{
    free(a->sites);
    free(a->blocks);
    free(a->still);
    free(a->gcs);
    free(a->stws);
    free(a->tasks);
    free(a->regions);
    free(a->logs);
    free(a->cpu_stacks);
    free(a->cpu_counts);
    free(a->frames);
    free(a->frame_of);
    free(a->stacks);
    free(a->reasons);
    gmd_index_free(&a->frame_ix);
    gmd_index_free(&a->stack_ix);
    gmd_index_free(&a->site_ix);
    gmd_u64tab_free(&a->gen_stacks);
    free(a->gen_flat);
    gmd_u64tab_free(&a->site_cache);
    free(a->gors);
    free(a->block_next);
    free(a->stack_aux);
    free(a->reason_by_id);
    gmd_intern_free(&a->strings);
    gmd_arena_free(&a->arena);
    memset(a, 0, sizeof *a);
}

const char *gmd_trace_reason_class(const char *r)
{
    if (!strcmp(r, "chan send") || !strcmp(r, "chan receive")) return "channel";
    if (!strcmp(r, "select")) return "select";
    if (!strcmp(r, "sync")) return "mutex";
    if (!strcmp(r, "sync.(*Cond).Wait")) return "cond";
    if (!strcmp(r, "sleep")) return "sleep";
    if (!strcmp(r, "network")) return "I/O";
    if (!strncmp(r, "GC", 2) || strstr(r, "GC ")) return "GC";
    if (!strcmp(r, "preempted")) return "preempted";
    if (!strcmp(r, "forever")) return "forever";
    return "other";
}

/* ---- pprof profiles ---- */

static bool wants(const char *kind, const gmd_trace_block *b)
{
    if (!strcmp(kind, "sync")) return b->kind == GMD_TBLOCK_WAIT && (strstr(b->reason, "chan") || strstr(b->reason, "sync") || strstr(b->reason, "select"));
    if (!strcmp(kind, "net")) return b->kind == GMD_TBLOCK_WAIT && !strcmp(b->reason, "network");
    if (!strcmp(kind, "syscall")) return b->kind == GMD_TBLOCK_SYSCALL;
    if (!strcmp(kind, "sched")) return b->kind == GMD_TBLOCK_SCHED;
    return false;
}

static uint32_t *locations_of(const gmd_trace_analysis *a, gmd_builder *bld, uint32_t s, uint32_t *n)
{
    static uint32_t locs[128];
    *n = 0;
    if (s == GMD_TNONE) return locs;
    const gmd_tstack *st = &a->stacks[s];
    for (uint32_t i = 0; i < st->n && i < 128; i++) {
        const gmd_tframe *f = &a->frames[a->frame_of[st->first + i]];
        /* A frame with no PC and no function says nothing: a stack of only
         * those is no stack, a sample without locations (go tool trace
         * -pprof merges them with the stackless ones). */
        if (f->pc == 0 && !*f->func) continue;
        uint32_t fn = gmd_builder_function(bld, f->func, f->func, f->file, 0);
        gmd_line ln = {fn, (int64_t)f->line, 0};
        locs[(*n)++] = gmd_builder_location(bld, GMD_NONE, f->pc, &ln, 1);
    }
    return locs;
}

gmd_profile *gmd_trace_profile(const gmd_trace_analysis *a, const char *kind)
{
    bool cpu = !strcmp(kind, "cpu");
    if (!cpu && strcmp(kind, "sync") && strcmp(kind, "net") && strcmp(kind, "syscall") && strcmp(kind, "sched")) return NULL;
    gmd_profile *p = gmd_profile_new();
    p->nsample_types = 2;
    p->sample_types = gmd_arena_alloc(&p->arena, 2 * sizeof *p->sample_types);
    if (cpu) {
        /* The trace does not record the profiling rate; 100 Hz is the default. */
        p->sample_types[0] = (gmd_value_type){gmd_intern_str(&p->strings, "samples"), gmd_intern_str(&p->strings, "count")};
        p->sample_types[1] = (gmd_value_type){gmd_intern_str(&p->strings, "cpu"), gmd_intern_str(&p->strings, "nanoseconds")};
        p->period_type = p->sample_types[1];
        p->period = 10000000;
    } else {
        p->sample_types[0] = (gmd_value_type){gmd_intern_str(&p->strings, "contentions"), gmd_intern_str(&p->strings, "count")};
        p->sample_types[1] = (gmd_value_type){gmd_intern_str(&p->strings, "delay"), gmd_intern_str(&p->strings, "nanoseconds")};
        /* As go tool trace -pprof writes it. */
        p->period_type = (gmd_value_type){gmd_intern_str(&p->strings, "trace"), gmd_intern_str(&p->strings, "count")};
        p->period = 1;
    }
    p->default_sample_type = 1;
    p->duration_nanos = a->end - a->start;
    gmd_builder *b = gmd_builder_new(p);
    if (cpu) {
        for (uint32_t i = 0; i < a->ncpu; i++) {
            uint32_t n;
            uint32_t *locs = locations_of(a, b, a->cpu_stacks[i], &n);
            int64_t v[2] = {(int64_t)a->cpu_counts[i], (int64_t)a->cpu_counts[i] * 10000000};
            gmd_builder_sample(b, locs, n, v, NULL, 0, true);
        }
    } else {
        for (uint32_t i = 0; i < a->nblocks; i++) {
            const gmd_trace_block *bl = &a->blocks[i];
            if (!wants(kind, bl) || bl->ns <= 0) continue;
            uint32_t n;
            uint32_t *locs = locations_of(a, b, bl->stack, &n);
            int64_t v[2] = {(int64_t)bl->count, bl->ns};
            gmd_builder_sample(b, locs, n, v, NULL, 0, true);
        }
    }
    gmd_builder_finish(b);
    return p;
}
