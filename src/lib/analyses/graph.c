/* The call graph: see include/gmd/graph.h. The steps follow pprof's
 * report.newTrimmedGraph so the numbers agree with `go tool pprof`:
 * every trimming step rebuilds the graph from the stacks (a node removed
 * from the middle of a stack turns its neighbours' edge into a residual
 * edge), which is cheap because frames are mapped to node keys once. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/arena.h"
#include "gmd/graph.h"
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/xalloc.h"

typedef struct node_key {
    const char *name, *file, *objfile;   /* the identity (file "" at functions granularity) */
    int64_t line;
    const char *show_file;               /* file for display */
    const char *label;
    uint32_t function;
} node_key;

typedef struct key_edge {
    uint32_t src, dst;                   /* keys */
    int64_t weight;
    uint32_t stamp;                      /* last stack that added to it; 0 = untouched this pass */
    bool inline_call, residual;
} key_edge;

/* What one walk over stacks accumulates, per key and per edge between
 * keys. A big walk is split between two threads, each with its own. */
typedef struct walk {
    int64_t *flat, *cum;
    uint32_t *stamp;                     /* last stack that added to the key's cum */
    key_edge *kedges;                    /* ids stable across passes; values per pass */
    uint32_t nkedges, capkedges;
    gmd_u64map edge_ids;                 /* src << 32 | dst -> edge id */
    uint32_t *edge_cache;                /* EDGE_WAYS recent edges per source key, by a hash of dst */
} walk;

struct gmd_graph_impl {
    gmd_arena arena;                     /* labels */
    node_key *keys;
    uint32_t nkeys, capkeys;
    gmd_index key_index;
    uint32_t *slot_key;                  /* per frame of the stack set's location tables
                                            (loc_frames): its key, UINT32_MAX until seen */
    gmd_granularity gran;
    bool no_edges;                       /* top: values only, no edges */
    walk w;                              /* per-pass scratch, indexed by key */
    uint32_t *node_of_key;
    uint32_t ncache;                     /* keys the walk arrays have room for */
    uint32_t *adj;                       /* the nodes' in/out lists */
    uint8_t *kept;                       /* the last pass's kept keys; NULL = all */
};

/* ---- node keys ---- */

typedef struct key_probe {
    const gmd_graph_impl *im;
    const node_key *k;
} key_probe;

static bool key_eq(const void *ctx, uint32_t e)
{
    const key_probe *p = ctx;
    const node_key *a = &p->im->keys[e], *b = p->k;
    return a->name == b->name && a->file == b->file && a->objfile == b->objfile && a->line == b->line;
}

static uint64_t key_hash(const node_key *k)
{
    uint64_t h = gmd_mix64((uint64_t)(uintptr_t)k->name);
    h = gmd_mix64(h ^ (uint64_t)(uintptr_t)k->file);
    h = gmd_mix64(h ^ (uint64_t)(uintptr_t)k->objfile);
    return gmd_mix64(h ^ (uint64_t)k->line);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* pprof's NodeInfo.PrintableName at our granularities. */
static const char *make_label(gmd_arena *a, const node_key *k)
{
    const char *sep = k->name[0] ? " " : "";
    if (k->line != 0) return gmd_arena_printf(a, "%s%s%s:%lld", k->name, sep, k->file, (long long)k->line);
    if (k->file[0]) return gmd_arena_printf(a, "%s%s%s", k->name, sep, k->file);
    if (k->name[0]) return k->name;
    if (k->objfile[0]) return gmd_arena_printf(a, "[%s]", base_name(k->objfile));
    return "<unknown>";
}

static uint32_t key_intern(gmd_graph_impl *im, node_key *k)
{
    uint64_t h = key_hash(k);
    key_probe probe = {im, k};
    uint32_t id = gmd_index_find(&im->key_index, h, key_eq, &probe);
    if (id != UINT32_MAX) return id;
    k->label = make_label(&im->arena, k);
    GMD_VEC_PUSH(im->keys, im->nkeys, im->capkeys, *k);
    gmd_index_insert(&im->key_index, h, im->nkeys - 1);
    return im->nkeys - 1;
}

static uint32_t line_key(gmd_graph_impl *im, const gmd_profile *p, const gmd_location *l,
                         const gmd_line *ln, gmd_granularity gran)
{
    node_key k = {"", "", "", 0, "", NULL, GMD_NONE};
    const char *objfile = l->mapping != GMD_NONE ? p->mappings[l->mapping].filename : "";
    if (!ln) {
        k.objfile = objfile;
    } else {
        const gmd_function *f = &p->functions[ln->function];
        k.function = ln->function;
        k.name = f->name;
        k.show_file = f->filename;
        if (gran == GMD_GRAN_LINES) {
            k.file = f->filename;
            k.line = ln->line;
        }
        if (!k.name[0]) k.objfile = objfile;   /* pprof keeps the binary for nameless functions */
    }
    return key_intern(im, &k);
}

#define EDGE_WAYS 16

static inline uint32_t edge_id(walk *w, uint32_t src, uint32_t dst)
{
    /* Most functions call a handful of others: a small per-caller cache
     * answers before the hash table. */
    uint32_t *slot = &w->edge_cache[(size_t)src * EDGE_WAYS + ((dst * 0x9E3779B1u) >> 28)];
    if (*slot != UINT32_MAX && w->kedges[*slot].src == src && w->kedges[*slot].dst == dst) return *slot;
    uint64_t k = (uint64_t)src << 32 | dst;
    uint32_t e = gmd_u64map_get(&w->edge_ids, k);
    if (e == UINT32_MAX) {
        key_edge ke = {src, dst, 0, 0, false, false};
        GMD_VEC_PUSH(w->kedges, w->nkedges, w->capkedges, ke);
        e = w->nkedges - 1;
        gmd_u64map_put(&w->edge_ids, k, e);
    }
    *slot = e;
    return e;
}

/* Per-key arrays grow as passes discover keys. */
static void grow_key_arrays(gmd_graph_impl *im)
{
    /* Doubling: growing by a constant made a profile with a million
     * functions quadratic (every step copies every array). */
    uint32_t old = im->ncache, n = old ? old * 2 : 1024;
    if (n < im->nkeys + 1) n = im->nkeys + 1024;
    walk *w = &im->w;
    w->edge_cache = gmd_xrealloc(w->edge_cache, (size_t)n * EDGE_WAYS * sizeof *w->edge_cache);
    memset(w->edge_cache + (size_t)old * EDGE_WAYS, 0xff, (size_t)(n - old) * EDGE_WAYS * sizeof *w->edge_cache);
    w->flat = gmd_xrealloc(w->flat, (size_t)n * sizeof *w->flat);
    w->cum = gmd_xrealloc(w->cum, (size_t)n * sizeof *w->cum);
    w->stamp = gmd_xrealloc(w->stamp, (size_t)n * sizeof *w->stamp);
    im->node_of_key = gmd_xrealloc(im->node_of_key, (size_t)n * sizeof *im->node_of_key);
    memset(w->flat + old, 0, (size_t)(n - old) * sizeof *w->flat);
    memset(w->cum + old, 0, (size_t)(n - old) * sizeof *w->cum);
    memset(w->stamp + old, 0, (size_t)(n - old) * sizeof *w->stamp);
    im->ncache = n;
}

/* The key of frame `slot` of the location tables, found once per slot
 * however many stacks pass through its location. */
static inline uint32_t slot_key(gmd_graph_impl *im, const gmd_stackset *s, size_t slot)
{
    uint32_t key = im->slot_key[slot];
    if (key != UINT32_MAX) return key;
    const gmd_profile *p = s->profile;
    const gmd_frame *f = &s->loc_frames[slot];
    const gmd_location *l = &p->locations[f->location];
    uint32_t li = s->loc_line[slot];
    key = line_key(im, p, l, li != UINT32_MAX ? &l->lines[li] : NULL, im->gran);
    if (key >= im->ncache) grow_key_arrays(im);
    im->slot_key[slot] = key;
    return key;
}

/* Accumulate flat, cum and (unless no_edges) edges over the stacks,
 * skipping keys not in `kept` (NULL = all), then make the node and edge
 * arrays of g. Frames are walked through the stack set's per-location
 * tables, root to leaf, so no per-frame array of the whole profile is
 * ever built. */
static void materialize(gmd_graph *g, const uint8_t *kept, bool ghosts);

/* Stacks [si, si_end) into w. Keys must all be resolved (resolve_keys). */
typedef struct walk_job {
    const gmd_graph_impl *im;
    const gmd_stackset *s;
    const uint8_t *kept;
    bool edges;
    uint32_t si, si_end;
    walk *w;
} walk_job;

static void walk_stacks(const walk_job *job)
{
    const gmd_graph_impl *im = job->im;
    const gmd_stackset *s = job->s;
    const gmd_profile *p = s->profile;
    const uint8_t *kept = job->kept;
    walk *w = job->w;
    bool edges = job->edges;
    for (uint32_t si = job->si; si < job->si_end; si++) {
        const gmd_stack *st = &s->stacks[si];
        int64_t v = st->value;
        if (v == 0) continue;
        uint32_t stamp = si + 1;
        const gmd_sample *sm = &p->samples[st->sample];
        uint32_t parent = UINT32_MAX;
        bool residual = false;
        for (uint32_t k = sm->nlocations; k-- > 0;) {
            uint32_t loc = sm->locations[k];
            uint32_t first = s->loc_first[loc], n = s->loc_nframes[loc];
            for (uint32_t j = n; j-- > 0;) {
                uint32_t key = im->slot_key[(size_t)first + j];
                if (kept && !kept[key]) {
                    residual = true;
                    continue;
                }
                if (w->stamp[key] != stamp) {
                    w->stamp[key] = stamp;
                    w->cum[key] += v;
                }
                if (edges && parent != UINT32_MAX && parent != key) {
                    /* Lines of a location are innermost first: all but its
                     * outermost kept frame were inlined into the next. */
                    bool inl = j + 1 < n;
                    uint32_t e = edge_id(w, parent, key);   /* may grow kedges: index after */
                    key_edge *ke = &w->kedges[e];
                    if (ke->stamp == 0) {
                        ke->inline_call = inl;
                        ke->residual = false;
                    }
                    if (ke->stamp != stamp) {
                        ke->stamp = stamp;
                        ke->weight += v;
                        if (residual) ke->residual = true;
                        if (!inl) ke->inline_call = false;
                    }
                }
                parent = key;
                residual = false;
            }
        }
        if (parent != UINT32_MAX && !residual) w->flat[parent] += v;
    }
}

static void *walk_stacks_thread(void *arg)
{
    walk_stacks(arg);
    return NULL;
}

/* A walk of fresh scratch for nkeys keys. */
static void walk_init(walk *w, uint32_t nkeys)
{
    memset(w, 0, sizeof *w);
    size_t n = nkeys ? nkeys : 1;
    w->flat = gmd_xcalloc(n, sizeof *w->flat);
    w->cum = gmd_xcalloc(n, sizeof *w->cum);
    w->stamp = gmd_xcalloc(n, sizeof *w->stamp);
    w->edge_cache = gmd_xmalloc(n * EDGE_WAYS * sizeof *w->edge_cache);
    memset(w->edge_cache, 0xff, n * EDGE_WAYS * sizeof *w->edge_cache);
    gmd_u64map_init(&w->edge_ids);
}

static void walk_free(walk *w)
{
    free(w->flat);
    free(w->cum);
    free(w->stamp);
    free(w->kedges);
    free(w->edge_cache);
    gmd_u64map_free(&w->edge_ids);
}

/* Add what `from` walked to `into`, as if one walk had done both: values
 * add up; an edge is an inline call only if every stack saw it inlined,
 * and residual if any stack saw it bridge a removed node. */
static void walk_merge(walk *into, const walk *from, uint32_t nkeys)
{
    for (uint32_t k = 0; k < nkeys; k++) {
        into->flat[k] += from->flat[k];
        into->cum[k] += from->cum[k];
    }
    for (uint32_t i = 0; i < from->nkedges; i++) {
        const key_edge *fe = &from->kedges[i];
        if (fe->stamp == 0) continue;
        uint32_t e = edge_id(into, fe->src, fe->dst);   /* may grow kedges: index after */
        key_edge *ke = &into->kedges[e];
        if (ke->stamp == 0) {
            ke->stamp = fe->stamp;
            ke->weight = fe->weight;
            ke->inline_call = fe->inline_call;
            ke->residual = fe->residual;
        } else {
            ke->weight += fe->weight;
            ke->inline_call = ke->inline_call && fe->inline_call;
            ke->residual = ke->residual || fe->residual;
        }
    }
}

/* Resolve every frame of the location tables to its key before a walk, so
 * that walks only read the keys (and two threads can share them). Keys are
 * made in table order; the order of keys shows nowhere, as nodes and edges
 * are sorted by value and name. */
static void resolve_keys(gmd_graph_impl *im, const gmd_stackset *s)
{
    const gmd_profile *p = s->profile;
    size_t nslots = p->nlocations ? (size_t)s->loc_first[p->nlocations - 1] + s->loc_nframes[p->nlocations - 1] : 0;
    for (size_t slot = 0; slot < nslots; slot++) slot_key(im, s, slot);
}

/* Big walks are split in two halves on two threads. */
#define SPLIT_MIN_STACKS 32768

static void run_pass(gmd_graph *g, const uint8_t *kept, bool want_edges)
{
    gmd_graph_impl *im = g->impl;
    const gmd_stackset *s = g->stacks;
    walk *w = &im->w;
    uint32_t nk = im->nkeys;
    memset(w->flat, 0, nk * sizeof *w->flat);
    memset(w->cum, 0, nk * sizeof *w->cum);
    memset(w->stamp, 0, nk * sizeof *w->stamp);
    for (uint32_t i = 0; i < w->nkedges; i++) {
        w->kedges[i].stamp = 0;
        w->kedges[i].weight = 0;
    }
    bool edges = want_edges && !im->no_edges;
    free(im->kept);
    im->kept = NULL;
    if (kept) {
        im->kept = gmd_xmalloc(nk ? nk : 1);
        memcpy(im->kept, kept, nk);
    }
    walk_job whole = {im, s, kept, edges, 0, s->nstacks, w};
    if (s->nstacks < SPLIT_MIN_STACKS) {
        walk_stacks(&whole);
    } else {
        walk second;
        walk_init(&second, nk);
        walk_job first = whole, later = whole;
        first.si_end = later.si = s->nstacks / 2;
        later.w = &second;
        pthread_t th;
        bool threaded = pthread_create(&th, NULL, walk_stacks_thread, &later) == 0;
        walk_stacks(&first);
        if (threaded) pthread_join(th, NULL);
        else walk_stacks(&later);
        walk_merge(w, &second, nk);
        walk_free(&second);
    }
    /* Ghosts only when this pass is pprof's first and only graph: its
     * all-zero nodes keep their edges unless a trimming step rebuilds it. */
    materialize(g, kept, edges && !kept);
}

/* Append key i's node, with the last pass's values. */
static void make_node(gmd_graph *g, uint32_t i)
{
    gmd_graph_impl *im = g->impl;
    const node_key *key = &im->keys[i];
    gmd_graph_node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->name = key->name;
    n->file = g->granularity == GMD_GRAN_LINES ? key->file : key->show_file;
    n->line = key->line;
    n->objfile = key->objfile;
    n->label = key->label;
    n->function = key->function;
    n->flat = im->w.flat[i];
    n->cum = im->w.cum[i];
    n->key = i;
    im->node_of_key[i] = g->nnodes++;
}

/* Make g's node and edge arrays from the per-key values of the last pass.
 * With `ghosts`, keys that were on a stack but add up to zero (a delta
 * profile's +1 and -1) follow the nodes as g->nghosts ghosts, so the edges
 * to and from them stay, as in pprof. */
static void materialize(gmd_graph *g, const uint8_t *kept, bool ghosts)
{
    gmd_graph_impl *im = g->impl;
    uint32_t nk = im->nkeys;
    /* Nodes: keys with a value (pprof drops all-zero nodes). */
    free(g->nodes);
    free(g->edges);
    g->nodes = gmd_xmalloc((nk ? nk : 1) * sizeof *g->nodes);
    g->nnodes = g->nghosts = 0;
    for (uint32_t i = 0; i < nk; i++) {
        im->node_of_key[i] = UINT32_MAX;
        if ((kept && !kept[i]) || (im->w.flat[i] == 0 && im->w.cum[i] == 0)) continue;
        make_node(g, i);
    }
    for (uint32_t i = 0; ghosts && i < im->w.nkedges; i++) {
        const key_edge *ke = &im->w.kedges[i];
        if (ke->stamp == 0) continue;
        if (im->node_of_key[ke->src] == UINT32_MAX) make_node(g, ke->src), g->nghosts++;
        if (im->node_of_key[ke->dst] == UINT32_MAX) make_node(g, ke->dst), g->nghosts++;
    }
    g->nnodes -= g->nghosts;   /* the ghosts follow the listed nodes */
    g->edges = gmd_xmalloc((im->w.nkedges ? im->w.nkedges : 1) * sizeof *g->edges);
    g->nedges = 0;
    for (uint32_t i = 0; i < im->w.nkedges; i++) {
        const key_edge *ke = &im->w.kedges[i];
        if (ke->stamp == 0) continue;   /* not on any stack in this pass */
        uint32_t a = im->node_of_key[ke->src], b = im->node_of_key[ke->dst];
        if (a == UINT32_MAX || b == UINT32_MAX) continue;   /* an end cancelled out to zero */
        gmd_graph_edge *e = &g->edges[g->nedges++];
        e->src = a;
        e->dst = b;
        e->weight = ke->weight;
        e->inline_call = ke->inline_call;
        e->residual = ke->residual;
    }
}

static uint32_t node_key_of(const gmd_graph_node *n) { return n->key; }

/* ---- ordering ---- */

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
/* Go's abs64 on INT64_MIN stays INT64_MIN, so a NaN-scored node with no
 * flat value sorts last; additions wrap as Go's do. */
static int64_t go_abs64(int64_t v) { return v < 0 ? (int64_t)(0 - (uint64_t)v) : v; }

typedef struct sort_item {
    const gmd_graph_node *n;
    int64_t score;
    uint32_t old;
} sort_item;

static int cmp_tail(const gmd_graph_node *a, const gmd_graph_node *b)
{
    int c = strcmp(a->file, b->file);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    return strcmp(a->objfile, b->objfile);
}

static int cmp_flat(const void *pa, const void *pb)
{
    const sort_item *x = pa, *y = pb;
    const gmd_graph_node *a = x->n, *b = y->n;
    if (abs64(a->flat) != abs64(b->flat)) return abs64(a->flat) > abs64(b->flat) ? -1 : 1;
    int c = strcmp(a->label, b->label);
    if (c) return c;
    if (abs64(a->cum) != abs64(b->cum)) return abs64(a->cum) > abs64(b->cum) ? -1 : 1;
    return cmp_tail(a, b);
}

static int cmp_score(const void *pa, const void *pb)
{
    const sort_item *x = pa, *y = pb;
    const gmd_graph_node *a = x->n, *b = y->n;
    if (go_abs64(x->score) != go_abs64(y->score)) return go_abs64(x->score) > go_abs64(y->score) ? -1 : 1;
    int c = strcmp(a->label, b->label);
    if (c) return c;
    if (abs64(a->flat) != abs64(b->flat)) return abs64(a->flat) > abs64(b->flat) ? -1 : 1;
    return cmp_tail(a, b);
}

/* pprof's entropyScore of every node's in- and out-edges, in two passes
 * over the edges (one per node was quadratic: 100,000 nodes took minutes).
 * The sums run in edge order, as a per-node loop would add them. */
typedef struct entropy_acc {
    double in_total, out_total, in_score, out_score;
} entropy_acc;

/* As pprof computes it, NaN included: a zero weight (0 * -Inf) or a
 * negative total (log2 of a negative) makes the node's score NaN. */
static double frac_term(double w, double total)
{
    double frac = w / total;
    return -frac * log2(frac);
}

/* Go's int64(float64) as pprof's amd64 binary does it (CVTTSD2SQ): NaN and
 * out-of-range values give INT64_MIN. */
static int64_t go_int64(double v)
{
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
    return (int64_t)v;
}

static entropy_acc *edge_entropies(const gmd_graph *g, uint32_t all)
{
    entropy_acc *a = gmd_xcalloc(all ? all : 1, sizeof *a);
    for (uint32_t i = 0; i < g->nnodes; i++)
        a[i].out_total = (double)g->nodes[i].flat;   /* the node's own value counts as a way out */
    for (uint32_t i = 0; i < g->nedges; i++) {
        const gmd_graph_edge *e = &g->edges[i];
        if (e->weight <= 0) continue;
        a[e->dst].in_total += (double)abs64(e->weight);
        a[e->src].out_total += (double)abs64(e->weight);
    }
    for (uint32_t i = 0; i < g->nedges; i++) {
        const gmd_graph_edge *e = &g->edges[i];
        double w = (double)abs64(e->weight);
        if (a[e->dst].in_total != 0) a[e->dst].in_score += frac_term(w, a[e->dst].in_total);
        if (a[e->src].out_total != 0) a[e->src].out_score += frac_term(w, a[e->src].out_total);
    }
    return a;
}

/* The out-score with the node's own value (flat) as one more way out. */
static double out_entropy(const entropy_acc *a, int64_t self)
{
    if (a->out_total == 0) return 0;
    double score = a->out_score;
    if (self > 0) score += frac_term((double)self, a->out_total);
    return score;
}

static void sort_nodes(gmd_graph *g, gmd_graph_order order)
{
    uint32_t n = g->nnodes, all = g->nnodes + g->nghosts;   /* ghosts keep their places after the nodes */
    sort_item *it = gmd_xmalloc((n ? n : 1) * sizeof *it);
    uint32_t *nin = NULL, *nout = NULL;
    entropy_acc *ent = NULL;
    if (order == GMD_ORDER_ENTROPY) {
        ent = edge_entropies(g, all);
        nin = gmd_xcalloc(all ? all : 1, sizeof *nin);
        nout = gmd_xcalloc(all ? all : 1, sizeof *nout);
        for (uint32_t i = 0; i < g->nedges; i++) {
            nout[g->edges[i].src]++;
            nin[g->edges[i].dst]++;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        const gmd_graph_node *nd = &g->nodes[i];
        it[i].n = nd;
        it[i].old = i;
        if (order == GMD_ORDER_CUM) {
            it[i].score = nd->cum;
        } else if (order == GMD_ORDER_ENTROPY) {
            /* pprof's entropyScore: favour nodes where paths fork or end. */
            double score = 0;
            score += nin[i] == 0 ? 1 : ent[i].in_total == 0 ? 0 : ent[i].in_score;
            score += nout[i] == 0 ? 1 : out_entropy(&ent[i], nd->flat);
            it[i].score = (int64_t)((uint64_t)go_int64(score * (double)nd->cum) + (uint64_t)nd->flat);
        }
    }
    free(nin);
    free(nout);
    free(ent);
    qsort(it, n, sizeof *it, order == GMD_ORDER_FLAT ? cmp_flat : cmp_score);
    gmd_graph_node *sorted = gmd_xmalloc((all ? all : 1) * sizeof *sorted);
    uint32_t *new_of_old = gmd_xmalloc((all ? all : 1) * sizeof *new_of_old);
    for (uint32_t i = 0; i < n; i++) {
        sorted[i] = *it[i].n;
        new_of_old[it[i].old] = i;
    }
    for (uint32_t i = n; i < all; i++) {
        sorted[i] = g->nodes[i];
        new_of_old[i] = i;
    }
    for (uint32_t i = 0; i < g->nedges; i++) {
        g->edges[i].src = new_of_old[g->edges[i].src];
        g->edges[i].dst = new_of_old[g->edges[i].dst];
    }
    for (uint32_t i = 0; i < all; i++) g->impl->node_of_key[node_key_of(&sorted[i])] = i;
    free(g->nodes);
    g->nodes = sorted;
    free(new_of_old);
    free(it);
}

/* ---- trimming ---- */

static uint32_t trim_edges(gmd_graph *g, int64_t cutoff)
{
    uint32_t kept = 0, dropped = 0;
    for (uint32_t i = 0; i < g->nedges; i++) {
        if (abs64(g->edges[i].weight) < cutoff) {
            dropped++;
            continue;
        }
        g->edges[kept++] = g->edges[i];
    }
    g->nedges = kept;
    return dropped;
}

static uint8_t *mask_of_nodes(const gmd_graph *g, const bool *keep_node)
{
    uint8_t *mask = gmd_xcalloc(g->impl->nkeys ? g->impl->nkeys : 1, 1);
    for (uint32_t i = 0; i < g->nnodes; i++)
        if (!keep_node || keep_node[i]) mask[node_key_of(&g->nodes[i])] = 1;
    return mask;
}

/* The edge order of pprof's EdgeMap.Sort: heavier first, then by names. */
static int cmp_edge_idx(const void *pa, const void *pb, void *ctx)
{
    const gmd_graph *g = ctx;
    const gmd_graph_edge *a = &g->edges[*(const uint32_t *)pa], *b = &g->edges[*(const uint32_t *)pb];
    if (a->weight != b->weight && abs64(a->weight) != abs64(b->weight))
        return abs64(a->weight) > abs64(b->weight) ? -1 : 1;
    int c = strcmp(g->nodes[a->src].label, g->nodes[b->src].label);
    if (c) return c;
    return strcmp(g->nodes[a->dst].label, g->nodes[b->dst].label);
}

/* Reachability of the edge's destination from its source without the
 * edge itself, walking in-edges back from the destination (pprof's
 * isRedundantEdge). */
static bool redundant_edge(const gmd_graph *g, const uint8_t *alive, uint32_t skip,
                           uint32_t *queue, uint32_t *seen, uint32_t mark)
{
    const gmd_graph_edge *e = &g->edges[skip];
    uint32_t head = 0, tail = 0;
    queue[tail++] = e->dst;
    seen[e->dst] = mark;
    while (head < tail) {
        const gmd_graph_node *n = &g->nodes[queue[head++]];
        for (uint32_t i = 0; i < n->nin; i++) {
            uint32_t ei = n->in[i];
            if (ei == skip || !alive[ei]) continue;
            uint32_t src = g->edges[ei].src;
            if (seen[src] == mark) continue;
            if (src == e->src) return true;
            seen[src] = mark;
            queue[tail++] = src;
        }
    }
    return false;
}

/* Attach the sorted in/out edge lists to the nodes. */
static void finalize(gmd_graph *g)
{
    gmd_graph_impl *im = g->impl;
    uint32_t all = g->nnodes + g->nghosts;
    for (uint32_t i = 0; i < all; i++) g->nodes[i].nin = g->nodes[i].nout = 0;
    for (uint32_t i = 0; i < g->nedges; i++) {
        g->nodes[g->edges[i].src].nout++;
        g->nodes[g->edges[i].dst].nin++;
    }
    free(im->adj);
    im->adj = gmd_xmalloc(((size_t)g->nedges * 2 + 1) * sizeof *im->adj);
    size_t off = 0;
    for (uint32_t i = 0; i < all; i++) {
        gmd_graph_node *n = &g->nodes[i];
        n->in = im->adj + off;
        off += n->nin;
        n->out = im->adj + off;
        off += n->nout;
        n->nin = n->nout = 0;
    }
    for (uint32_t i = 0; i < g->nedges; i++) {
        gmd_graph_node *s = &g->nodes[g->edges[i].src], *d = &g->nodes[g->edges[i].dst];
        s->out[s->nout++] = i;
        d->in[d->nin++] = i;
    }
    for (uint32_t i = 0; i < all; i++) {
        gmd_graph_node *n = &g->nodes[i];
        qsort_r(n->in, n->nin, sizeof *n->in, cmp_edge_idx, g);
        qsort_r(n->out, n->nout, sizeof *n->out, cmp_edge_idx, g);
    }
}

/* Drop residual edges whose destination stays reachable from their
 * source, lightest first (pprof's RemoveRedundantEdges), then rebuild the
 * lists. */
static void remove_redundant(gmd_graph *g)
{
    if (!g->nedges) return;
    uint8_t *alive = gmd_xmalloc(g->nedges);
    memset(alive, 1, g->nedges);
    uint32_t *queue = gmd_xmalloc(((size_t)g->nnodes + g->nghosts + 1) * sizeof *queue);
    uint32_t *seen = gmd_xcalloc((size_t)g->nnodes + g->nghosts + 1, sizeof *seen);
    uint32_t mark = 0;
    for (uint32_t i = g->nnodes; i-- > 0;) {
        const gmd_graph_node *n = &g->nodes[i];
        for (uint32_t j = n->nin; j-- > 0;) {
            uint32_t ei = n->in[j];
            if (!alive[ei]) continue;
            if (!g->edges[ei].residual) break;
            if (redundant_edge(g, alive, ei, queue, seen, ++mark)) alive[ei] = 0;
        }
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < g->nedges; i++)
        if (alive[i]) g->edges[kept++] = g->edges[i];
    g->nedges = kept;
    free(alive);
    free(queue);
    free(seen);
    finalize(g);
}

/* Keep only the nodes in `kept`. Without edges nothing else changes: a
 * kept node's cum never depended on other nodes, and its flat only when it
 * is the leaf, which stays. With edges, the stacks are walked again so
 * edges bridge the removed nodes. */
static void reduce(gmd_graph *g, const uint8_t *kept)
{
    if (g->impl->no_edges) materialize(g, kept, false);
    else run_pass(g, kept, true);
}

static int64_t fraction_of(int64_t v, double f) { return abs64((int64_t)((double)v * f)); }

int gmd_granularity_parse(const char *s)
{
    if (!s || !*s || !strcmp(s, "functions")) return GMD_GRAN_FUNCTIONS;
    if (!strcmp(s, "lines")) return GMD_GRAN_LINES;
    return -1;
}

/* ---- tags ----
 *
 * pprof's Node.addSample: every distinct node of a sample's stack gets the
 * sample's tags as cum, its leaf (when not removed) as flat. A "combo" is
 * one tag identity, (label set, name, unit); its tags per node are summed. */

typedef struct tag_combo {
    const char *labels, *name, *unit;   /* interned; unit NULL for a label tag */
    int64_t value;
} tag_combo;

typedef struct combo_probe {
    const tag_combo *combos;
    const tag_combo *k;
} combo_probe;

static bool combo_eq(const void *ctx, uint32_t e)
{
    const combo_probe *p = ctx;
    const tag_combo *a = &p->combos[e], *b = p->k;
    return a->labels == b->labels && a->name == b->name && a->unit == b->unit;
}

typedef struct tag_state {
    gmd_intern strings;
    tag_combo *combos; uint32_t ncombos, capcombos;
    gmd_index combo_index;
    gmd_graph_tag *tags; uint32_t ntags, captags;
    gmd_u64map tag_of;                  /* node << 32 | combo -> tag */
} tag_state;

static uint32_t combo_id(tag_state *ts, const char *labels, const char *name, const char *unit, int64_t value)
{
    tag_combo k = {labels, name, unit, value};
    uint64_t h = gmd_mix64((uint64_t)(uintptr_t)labels ^ gmd_mix64((uint64_t)(uintptr_t)name) ^
                           ((uint64_t)(uintptr_t)unit << 1));
    combo_probe probe = {ts->combos, &k};
    uint32_t id = gmd_index_find(&ts->combo_index, h, combo_eq, &probe);
    if (id != UINT32_MAX) return id;
    GMD_VEC_PUSH(ts->combos, ts->ncombos, ts->capcombos, k);
    gmd_index_insert(&ts->combo_index, h, ts->ncombos - 1);
    return ts->ncombos - 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The tag combos of one sample into *ids (none when it has no labels). */
static uint32_t sample_combos(tag_state *ts, const gmd_graph *g, const gmd_sample *sm, uint32_t **ids, uint32_t *cap)
{
    if (sm->nlabels == 0) return 0;
    char **parts = gmd_xmalloc(sm->nlabels * sizeof *parts);
    uint32_t np = 0;
    size_t len = 0;
    for (uint32_t i = 0; i < sm->nlabels; i++) {
        const gmd_label *l = &sm->labels[i];
        if (!l->str[0]) continue;   /* numeric */
        size_t n = strlen(l->key) + 1 + strlen(l->str);
        parts[np] = gmd_xmalloc(n + 1);
        snprintf(parts[np], n + 1, "%s:%s", l->key, l->str);
        len += n + 2;
        np++;
    }
    qsort(parts, np, sizeof *parts, cmp_str);
    char *joined = gmd_xmalloc(len + 1);
    size_t off = 0;
    for (uint32_t i = 0; i < np; i++) {
        if (i) joined[off++] = '\\', joined[off++] = 'n';   /* pprof joins with a literal \n */
        size_t n = strlen(parts[i]);
        memcpy(joined + off, parts[i], n);
        off += n;
        free(parts[i]);
    }
    joined[off] = 0;
    free(parts);
    const char *labels = gmd_intern_n(&ts->strings, joined, off);
    free(joined);
    uint32_t n = 0;
    if (*cap < sm->nlabels + 1) {
        *cap = sm->nlabels + 1;
        *ids = gmd_xrealloc(*ids, *cap * sizeof **ids);
    }
    if (labels[0]) (*ids)[n++] = combo_id(ts, labels, labels, NULL, 0);
    for (uint32_t i = 0; i < sm->nlabels; i++) {
        const gmd_label *l = &sm->labels[i];
        if (l->str[0]) continue;
        const char *unit = gmd_intern_str(&ts->strings, l->num_unit && l->num_unit[0] ? l->num_unit : l->key);
        char buf[64];
        const char *nm = buf;
        if (g->format_tag) nm = g->format_tag(l->num, unit, buf, sizeof buf);
        else snprintf(buf, sizeof buf, "%lld", (long long)l->num);
        (*ids)[n++] = combo_id(ts, labels, gmd_intern_str(&ts->strings, nm), unit, l->num);
    }
    return n;
}

static void add_tags(tag_state *ts, uint32_t node, const uint32_t *ids, uint32_t n, int64_t v, bool flat)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key = (uint64_t)node << 32 | ids[i];
        uint32_t t = gmd_u64map_get(&ts->tag_of, key);
        if (t == UINT32_MAX) {
            const tag_combo *c = &ts->combos[ids[i]];
            gmd_graph_tag nt = {node, c->labels, c->name, c->unit, c->value, 0, 0};
            GMD_VEC_PUSH(ts->tags, ts->ntags, ts->captags, nt);
            t = ts->ntags - 1;
            gmd_u64map_put(&ts->tag_of, key, t);
        }
        if (flat) ts->tags[t].flat += v;
        else ts->tags[t].cum += v;
    }
}

static int cmp_tag_node(const void *a, const void *b)
{
    const gmd_graph_tag *x = a, *y = b;
    if (x->node != y->node) return x->node < y->node ? -1 : 1;
    return x < y ? -1 : x > y;   /* keeps first-seen order within a node */
}

uint32_t gmd_graph_tags(const gmd_graph *g, gmd_graph_tag **out)
{
    *out = NULL;
    gmd_graph_impl *im = g->impl;
    const gmd_stackset *s = g->stacks;
    if (!im || !s || g->nnodes == 0) return 0;
    const gmd_profile *p = s->profile;
    tag_state ts;
    memset(&ts, 0, sizeof ts);
    gmd_intern_init(&ts.strings, &im->arena);   /* the strings stay with the graph */
    gmd_index_init(&ts.combo_index);
    gmd_u64map_init(&ts.tag_of);
    uint32_t all = g->nnodes + g->nghosts;
    uint32_t *seen = gmd_xcalloc(all ? all : 1, sizeof *seen);
    uint32_t *ids = NULL, capids = 0;
    for (uint32_t si = 0; si < s->nstacks; si++) {
        const gmd_stack *st = &s->stacks[si];
        if (st->value == 0) continue;
        const gmd_sample *sm = &p->samples[st->sample];
        uint32_t nids = sample_combos(&ts, g, sm, &ids, &capids);
        if (nids == 0) continue;
        uint32_t leaf = UINT32_MAX;
        bool residual = false;
        for (uint32_t k = sm->nlocations; k-- > 0;) {
            uint32_t loc = sm->locations[k];
            uint32_t first = s->loc_first[loc], n = s->loc_nframes[loc];
            for (uint32_t j = n; j-- > 0;) {
                uint32_t key = im->slot_key[(size_t)first + j];
                if (im->kept && !im->kept[key]) {
                    residual = true;
                    continue;
                }
                uint32_t node = im->node_of_key[key];
                residual = false;
                leaf = node;
                if (node >= g->nnodes || seen[node] == si + 1) continue;
                seen[node] = si + 1;
                add_tags(&ts, node, ids, nids, st->value, false);
            }
        }
        if (leaf < g->nnodes && !residual) add_tags(&ts, leaf, ids, nids, st->value, true);
    }
    free(seen);
    free(ids);
    /* pprof's TrimLowFrequencyTags */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < ts.ntags; i++) {
        const gmd_graph_tag *t = &ts.tags[i];
        if (abs64(t->flat) >= g->tag_cutoff || abs64(t->cum) >= g->tag_cutoff) ts.tags[kept++] = *t;
    }
    if (kept > 1) qsort(ts.tags, kept, sizeof *ts.tags, cmp_tag_node);
    gmd_intern_free(&ts.strings);
    gmd_index_free(&ts.combo_index);
    gmd_u64map_free(&ts.tag_of);
    free(ts.combos);
    if (!kept) {
        free(ts.tags);
        return 0;
    }
    *out = ts.tags;
    return kept;
}

/* pprof's selectTopNodes in visual mode: a node and each of its tags with
 * a flat value (up to 4) count as one node of nodecount. */
static uint32_t nodecount_with_tags(const gmd_graph *g, int nodecount)
{
    gmd_graph_tag *tags;
    uint32_t nt = gmd_graph_tags(g, &tags);
    uint32_t *ntag = gmd_xcalloc(g->nnodes + 1, sizeof *ntag);
    for (uint32_t i = 0; i < nt; i++)
        if (tags[i].flat != 0) ntag[tags[i].node]++;
    free(tags);
    uint32_t count = 0, max = (uint32_t)nodecount;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        count += (ntag[i] < 4 ? ntag[i] : 4) + 1;
        if (count >= (uint32_t)nodecount) {
            max = i + 1;
            break;
        }
    }
    free(ntag);
    return max;
}

int gmd_graph_build(const gmd_stackset *s, const gmd_graph_opts *opts, gmd_graph *g, gmd_err *err)
{
    (void)err;
    gmd_graph_opts o = {GMD_GRAN_FUNCTIONS, GMD_ORDER_FLAT, -1, -1, 0, false, false, false, NULL};
    if (opts) o = *opts;
    if (o.nodefraction < 0) o.nodefraction = 0.005;
    if (o.edgefraction < 0) o.edgefraction = 0.001;
    if (o.nodecount < 0) o.nodecount = 0;

    memset(g, 0, sizeof *g);
    g->stacks = s;
    g->granularity = o.granularity;
    g->format_tag = o.format_tag;
    g->total = s->total_unfiltered;
    gmd_graph_impl *im = gmd_xcalloc(1, sizeof *im);
    g->impl = im;
    gmd_arena_init(&im->arena, 1 << 16);
    gmd_index_init(&im->key_index);
    gmd_u64map_init(&im->w.edge_ids);
    im->gran = o.granularity;
    im->no_edges = o.no_edges;
    size_t nslots = s->profile->nlocations ? (size_t)s->loc_first[s->profile->nlocations - 1] +
                                                 s->loc_nframes[s->profile->nlocations - 1] : 0;
    im->slot_key = gmd_xmalloc((nslots ? nslots : 1) * sizeof *im->slot_key);
    memset(im->slot_key, 0xff, (nslots ? nslots : 1) * sizeof *im->slot_key);
    grow_key_arrays(im);

    /* 1. The whole graph, to find the light nodes. The cutoffs are shares of
     * the sum of flat values, as pprof computes them. Values only: when
     * nodes are dropped (the usual case for a big profile) the edges are
     * made by the walk that drops them, and otherwise by one more below. */
    resolve_keys(im, s);
    run_pass(g, NULL, false);
    bool have_edges = im->no_edges;
    int64_t sum_flat = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) sum_flat += g->nodes[i].flat;
    int64_t node_cutoff = fraction_of(sum_flat, o.nodefraction);
    int64_t edge_cutoff = fraction_of(sum_flat, o.edgefraction);
    g->dropped_cutoff = fraction_of(g->total, o.nodefraction);
    g->tag_cutoff = node_cutoff;
    g->dropped_edge_cutoff = fraction_of(g->total, o.edgefraction);

    if (node_cutoff > 0) {
        bool *keep = gmd_xmalloc(g->nnodes + 1);
        uint32_t nkeep = 0;
        for (uint32_t i = 0; i < g->nnodes; i++) nkeep += keep[i] = abs64(g->nodes[i].cum) >= node_cutoff;
        if (nkeep != g->nnodes) {
            g->dropped_nodes = g->nnodes - nkeep;
            uint8_t *mask = mask_of_nodes(g, keep);
            /* When step 2 will trim to nodecount anyway, it walks the stacks
             * again for the edges; in between only the kept nodes and their
             * values matter, which need no walk (see reduce), unless the
             * order itself reads edges. */
            bool nodecount_rewalks = o.nodecount > 0 && (uint32_t)o.nodecount < nkeep && o.order != GMD_ORDER_ENTROPY;
            if (nodecount_rewalks) {
                materialize(g, mask, false);
            } else {
                reduce(g, mask);
                have_edges = true;
            }
            free(mask);
        }
        free(keep);
    }
    if (!have_edges && !(o.nodecount > 0 && (uint32_t)o.nodecount < g->nnodes && o.order != GMD_ORDER_ENTROPY))
        run_pass(g, NULL, true);   /* nothing dropped: the edges of the whole graph */
    g->orig_count = g->nnodes;

    /* 2. Order, and keep the first nodecount. */
    sort_nodes(g, o.order);
    if (o.nodecount > 0) {
        trim_edges(g, edge_cutoff);
        uint32_t top = o.count_tags ? nodecount_with_tags(g, o.nodecount) : (uint32_t)o.nodecount;
        if (top < g->nnodes) {
            bool *keep = gmd_xcalloc(g->nnodes + 1, 1);
            for (uint32_t i = 0; i < top; i++) keep[i] = true;
            uint8_t *mask = mask_of_nodes(g, keep);
            reduce(g, mask);
            free(mask);
            free(keep);
            sort_nodes(g, o.order);
        }
    }

    /* 3. Light edges go; for drawings, so do detours. */
    g->dropped_edges = trim_edges(g, edge_cutoff);
    finalize(g);
    if (o.remove_redundant_edges) remove_redundant(g);
    g->shown = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) g->shown += g->nodes[i].flat;
    return 0;
}

void gmd_graph_restrict(gmd_graph *g, const bool *keep, gmd_graph_order order)
{
    uint8_t *mask = mask_of_nodes(g, keep);
    run_pass(g, mask, true);
    free(mask);
    sort_nodes(g, order);
    finalize(g);
    g->shown = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) g->shown += g->nodes[i].flat;
}

uint32_t gmd_graph_find(const gmd_graph *g, const char *label)
{
    for (uint32_t i = 0; i < g->nnodes; i++)
        if (!strcmp(g->nodes[i].label, label)) return i;
    return UINT32_MAX;
}

void gmd_graph_free(gmd_graph *g)
{
    gmd_graph_impl *im = g->impl;
    if (im) {
        gmd_arena_free(&im->arena);
        free(im->keys);
        gmd_index_free(&im->key_index);
        walk_free(&im->w);
        free(im->slot_key);
        free(im->node_of_key);
        free(im->adj);
        free(im->kept);
        free(im);
    }
    free(g->nodes);
    free(g->edges);
    memset(g, 0, sizeof *g);
}
