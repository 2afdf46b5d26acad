/* Analyses on a heap dump's dominator tree: retainers by root and by
 * allocation site, leak suspects with their accumulation points, and
 * histograms. All walks are iterative over the dominator-tree CSR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/dump_analyses.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"

static const gmd_objgraph *sort_graph;

static int by_retained_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint64_t rx = sort_graph->retained[x], ry = sort_graph->retained[y];
    if (rx != ry) return rx < ry ? 1 : -1;
    return x < y ? -1 : x > y;
}

void gmd_dump_sort_by_retained(const gmd_objgraph *g, uint32_t *nodes, uint32_t n)
{
    if (n < 2) return;   /* also: qsort must not see a NULL array */
    sort_graph = g;
    qsort(nodes, n, sizeof *nodes, by_retained_desc);
}

uint32_t gmd_dump_top_roots(const gmd_objgraph *g, uint32_t **out)
{
    uint32_t *v = gmd_xmalloc((size_t)g->nroots * sizeof *v + 4);
    uint32_t n = 0;
    for (uint32_t r = 1; r < g->nroots; r++) {
        gmd_node_kind k = g->roots[r].kind;
        if (k == GMD_NODE_FRAME || g->idom[r] == GMD_NO_NODE || !g->retained[r]) continue;
        v[n++] = r;
    }
    gmd_dump_sort_by_retained(g, v, n);
    *out = v;
    return n;
}

/* Whether node a comes before node b: more retained first, then lower id. */
static bool before(const gmd_objgraph *g, uint32_t a, uint32_t b)
{
    uint64_t ra = g->retained[a], rb = g->retained[b];
    return ra != rb ? ra > rb : a < b;
}

/* Moves the first `max` nodes in retained order to the front of v, sorted:
 * a bounded heap, since sorting millions of shared objects to print fifteen
 * cost more than the dominators. */
static void select_top(const gmd_objgraph *g, uint32_t *v, uint32_t n, uint32_t max)
{
    /* v[0..max) is a heap whose root is the last of the kept ones. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = v[i];
        uint32_t k;
        if (i < max) {
            k = i;
            while (k && before(g, v[(k - 1) / 2], x)) {
                v[k] = v[(k - 1) / 2];
                k = (k - 1) / 2;
            }
            v[k] = x;
            continue;
        }
        if (!before(g, x, v[0])) continue;
        v[i] = v[0];   /* the dropped one keeps a place in the unordered tail */
        k = 0;
        for (;;) {
            uint32_t c = 2 * k + 1;
            if (c >= max) break;
            if (c + 1 < max && before(g, v[c], v[c + 1])) c++;
            if (!before(g, x, v[c])) break;
            v[k] = v[c];
            k = c;
        }
        v[k] = x;
    }
    gmd_dump_sort_by_retained(g, v, max);
}

uint32_t gmd_dump_top_objects(const gmd_objgraph *g, uint32_t **out)
{
    return gmd_dump_top_objects_n(g, 0, out);
}

uint32_t gmd_dump_top_objects_n(const gmd_objgraph *g, uint32_t max, uint32_t **out)
{
    /* Objects at the top of the dominator tree: held by one root (or shared
     * by several); everything below them is in their retained size. */
    uint32_t n = 0, cap = 0;
    uint32_t *v = NULL;
    for (uint32_t r = 0; r < g->nroots; r++) {
        for (uint32_t k = g->dom_start[r]; k < g->dom_start[r + 1]; k++) {
            uint32_t c = g->dom_kids[k];
            if (gmd_node_is_object(g, c)) GMD_VEC_PUSH(v, n, cap, c);
        }
    }
    if (max && max < n) select_top(g, v, n, max);
    else gmd_dump_sort_by_retained(g, v, n);
    *out = v;
    return n;
}

/* Whether a small object's span holds pointers: any object of its page with a pointer slot. */
static bool span_scans(const gmd_objgraph *g, uint32_t o)
{
    uint64_t base = g->obj_addr[o] & ~(uint64_t)8191;
    for (uint32_t i = o; i-- > 0 && g->obj_addr[i] >= base && o - i <= 64;) {
        gmd_hd_record rec;
        gmd_err err;
        if (g->obj_size[i] != g->obj_size[o]) break;
        if (gmd_hd_read_at((gmd_hd_reader *)&g->reader, g->obj_rec[i], &rec, &err) < 0) return false;
        if (rec.u.obj.fields.p < rec.u.obj.fields.end) return true;
    }
    return false;
}

void gmd_dump_span_tails(const gmd_objgraph *g, uint64_t *objects, uint64_t *bytes)
{
    *objects = *bytes = 0;
    int major = 0, minor = 0;
    if (!g->idom || !g->goversion || sscanf(g->goversion, "go%d.%d", &major, &minor) != 2 || major != 1 || minor < 22) return;
    uint64_t ps = g->ptr_size ? g->ptr_size : 8, small = ps * 8 * ps, bits = 8192 / ps / 8;
    uint64_t passed = 0, dropped = 0;
    for (uint32_t o = 0; o < g->nobjects; o++) {
        uint64_t size = g->obj_size[o];
        /* span_scans reads records all over the mapped dump: release them
         * as the walk moves on (the dump's size in RSS otherwise). */
        passed += size;
        if (g->file && passed - dropped > (64ull << 20)) {
            gmd_hd_file_drop(g->file, 0, g->file->len);
            dropped = passed;
        }
        if (size > small || g->idom[g->nroots + o] != GMD_NO_NODE) continue;
        /* Every span of objects up to 512 B is one 8 KiB page (runtime sizeclasses). */
        uint64_t index = (g->obj_addr[o] & 8191) / size;
        uint64_t marks = minor >= 26 && size >= 16 ? 128 : 0;
        if (index < (8192 - marks - bits) / size) continue;
        if (index < (8192 - marks) / size && !span_scans(g, o)) continue;
        (*objects)++;
        *bytes += size;
    }
    if (g->file) gmd_hd_file_drop(g->file, 0, g->file->len);
}

uint64_t gmd_dump_shared_bytes(const gmd_objgraph *g, uint32_t *count)
{
    uint64_t sum = 0;
    uint32_t c = 0;
    for (uint32_t k = g->dom_start[0]; k < g->dom_start[1]; k++) {
        uint32_t v = g->dom_kids[k];
        if (!gmd_node_is_object(g, v)) continue;
        sum += g->retained[v];
        c += g->retained_count[v];
    }
    if (count) *count = c;
    return sum;
}

/* Retained bytes per key (a site, a type) without double counting: an
 * object counts only when no dominator above it has the same key.
 * key_of[o] is the object's key, GMD_NO_NODE for none. */
static void retained_by_key(const gmd_objgraph *g, const uint32_t *key_of, uint32_t nkeys, uint64_t *retained,
                            uint64_t *objects)
{
    uint32_t *active = gmd_xcalloc(nkeys ? nkeys : 1, sizeof *active);
    uint32_t *snode = NULL, *scur = NULL, depth = 0, cap1 = 0, cap2 = 0;
    GMD_VEC_RESERVE1(snode, depth, cap1);
    GMD_VEC_RESERVE1(scur, depth, cap2);
    snode[0] = 0;
    scur[0] = g->dom_start[0];
    depth = 1;
    while (depth) {
        uint32_t v = snode[depth - 1];
        uint32_t c = scur[depth - 1];
        if (c == g->dom_start[v + 1]) {
            depth--;
            if (gmd_node_is_object(g, v)) {
                uint32_t key = key_of[gmd_node_object(g, v)];
                if (key != GMD_NO_NODE) active[key]--;
            }
            continue;
        }
        scur[depth - 1] = c + 1;
        uint32_t w = g->dom_kids[c];
        if (gmd_node_is_object(g, w)) {
            uint32_t key = key_of[gmd_node_object(g, w)];
            if (key != GMD_NO_NODE) {
                if (!active[key]) retained[key] += g->retained[w];
                if (objects) objects[key]++;
                active[key]++;
            }
        }
        GMD_VEC_RESERVE1(snode, depth, cap1);
        GMD_VEC_RESERVE1(scur, depth, cap2);
        snode[depth] = w;
        scur[depth] = g->dom_start[w];
        depth++;
    }
    free(snode);
    free(scur);
    free(active);
}

static const uint64_t *sort_values;
static int by_value_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (sort_values[x] != sort_values[y]) return sort_values[x] < sort_values[y] ? 1 : -1;
    return x < y ? -1 : x > y;
}

void gmd_dump_sites(const gmd_objgraph *g, bool per_bucket, gmd_dump_sites_result *res)
{
    memset(res, 0, sizeof *res);
    uint32_t nb = g->nbuckets;
    uint32_t *key = gmd_xmalloc((size_t)(nb ? nb : 1) * sizeof *key);
    res->bucket = gmd_xmalloc((size_t)(nb ? nb : 1) * sizeof *res->bucket);
    gmd_u64map map;
    gmd_u64map_init(&map);
    for (uint32_t b = 0; b < nb; b++) {
        const char *file = NULL;
        uint64_t line = 0;
        const char *site = gmd_bucket_site(&g->buckets[b], &file, &line);
        /* A site is a function and line (names are interned: compare pointers). */
        uint64_t k = per_bucket ? b
                                : gmd_mix64((uint64_t)(uintptr_t)(site ? site : "") ^ gmd_mix64(line) ^
                                            ((uint64_t)(uintptr_t)file << 1));
        uint32_t idx = gmd_u64map_get(&map, k);
        if (idx == UINT32_MAX) {
            idx = res->n++;
            gmd_u64map_put(&map, k, idx);
            res->bucket[idx] = b;
        }
        key[b] = idx;
    }
    gmd_u64map_free(&map);
    res->retained = gmd_xcalloc(res->n ? res->n : 1, sizeof *res->retained);
    res->objects = gmd_xcalloc(res->n ? res->n : 1, sizeof *res->objects);
    if (g->nobjects) {
        uint32_t *key_of = gmd_xmalloc((size_t)g->nobjects * sizeof *key_of);
        for (uint32_t o = 0; o < g->nobjects; o++) key_of[o] = g->obj_bucket[o] == GMD_NO_NODE ? GMD_NO_NODE : key[g->obj_bucket[o]];
        retained_by_key(g, key_of, res->n, res->retained, res->objects);
        free(key_of);
    }
    free(key);
    res->order = gmd_xmalloc((size_t)(res->n ? res->n : 1) * sizeof *res->order);
    for (uint32_t i = 0; i < res->n; i++) res->order[i] = i;
    sort_values = res->retained;
    qsort(res->order, res->n, sizeof *res->order, by_value_desc);
}

void gmd_dump_sites_free(gmd_dump_sites_result *res)
{
    free(res->bucket);
    free(res->retained);
    free(res->objects);
    free(res->order);
    memset(res, 0, sizeof *res);
}

typedef struct size_group {
    uint64_t size, bytes;
    uint32_t count, example;
} size_group;

/* What a dominator subtree is made of: the slot size holding the most bytes. */
static void accumulation(const gmd_objgraph *g, uint32_t top, gmd_dump_suspect *s)
{
    gmd_u64map map;
    gmd_u64map_init(&map);
    size_group *groups = NULL;
    uint32_t n = 0, cap = 0;
    uint32_t *stack = NULL, depth = 0, scap = 0;
    GMD_VEC_PUSH(stack, depth, scap, top);
    while (depth) {
        uint32_t v = stack[--depth];
        if (gmd_node_is_object(g, v) && v != top) {
            uint64_t sz = gmd_node_size(g, v);
            /* With propagated types, group by type (sizes of one type may differ: arrays). */
            uint64_t key = g->obj_type ? gmd_object_type_key(g, gmd_node_object(g, v)) : sz;
            uint32_t i = gmd_u64map_get(&map, key);
            if (i == UINT32_MAX) {
                i = n;
                gmd_u64map_put(&map, key, i);
                GMD_VEC_PUSH(groups, n, cap, ((size_group){sz, 0, 0, v}));
            }
            if (groups[i].size != sz) groups[i].size = 0;   /* mixed sizes */
            groups[i].bytes += sz;
            groups[i].count++;
        }
        for (uint32_t k = g->dom_start[v]; k < g->dom_start[v + 1]; k++) GMD_VEC_PUSH(stack, depth, scap, g->dom_kids[k]);
    }
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++)
        if (best == UINT32_MAX || groups[i].bytes > groups[best].bytes) best = i;
    if (best != UINT32_MAX) {
        s->common_size = groups[best].size;
        s->common_count = groups[best].count;
        s->common_bytes = groups[best].bytes;
        s->common_type = gmd_object_type(g, gmd_node_object(g, groups[best].example));
    }
    free(groups);
    free(stack);
    gmd_u64map_free(&map);
}

static const char *container_kind(const gmd_objgraph *g, uint32_t node)
{
    if (!gmd_node_is_object(g, node)) return NULL;
    const char *t = gmd_object_type(g, gmd_node_object(g, node));
    if (!t) return NULL;
    if (!strncmp(t, "map[", 4)) return "map";
    if (!strncmp(t, "chan ", 5)) return "chan";
    /* A map's own internals are not what the user declared. */
    if (!strncmp(t, "[]map.group[", 12) || !strncmp(t, "map.group[", 10) || !strncmp(t, "[]*table<", 9) ||
        !strncmp(t, "table<", 6) || !strncmp(t, "[]bucket<", 9) || !strncmp(t, "bucket<", 7))   /* bucket<: before Go 1.24 */
        return "internal";
    if (!strncmp(t, "[]", 2) && !strstr(t, "(slice header)")) return "slice";
    return NULL;
}

/* The declared container at or above the accumulation point: the deepest
 * map or channel on its dominator path (its tables and groups are below
 * it), else the point itself when it is a slice's backing array. */
static void find_container(const gmd_objgraph *g, gmd_dump_suspect *s)
{
    for (uint32_t v = s->point; v != s->root && v != GMD_NO_NODE && v != 0; v = g->idom[v]) {
        const char *k = container_kind(g, v);
        if (!k || !strcmp(k, "internal") || !strcmp(k, "slice")) continue;
        s->point = v;
        s->container = k;
        uint64_t used = 0, qcount = 0;
        /* internal/runtime/maps.Map starts with used (uint64); runtime.hchan with qcount. */
        if (!strcmp(k, "map") && gmd_object_word(g, gmd_node_object(g, v), 0, &used)) s->entries = used;
        if (!strcmp(k, "chan") && gmd_object_word(g, gmd_node_object(g, v), 0, &qcount)) s->entries = qcount;
        return;
    }
    const char *k = container_kind(g, s->point);
    if (k && !strcmp(k, "slice")) {
        s->container = k;
        s->entries = g->dom_start[s->point + 1] - g->dom_start[s->point];
    }
}

/* ------------------------------------------------------ type suspects */

#define MAX_TYPE_SUSPECTS 8

/* What is above a referrer in the dominator tree: the child of the
 * super-root it hangs from, the nearest map or channel and slice backing
 * array on the way, and which candidate types' objects lie on it. */
typedef struct climb {
    uint32_t top, map, slice;
    uint8_t mask;
} climb;

typedef struct climber {
    const gmd_objgraph *g;
    const uint8_t *cand_of;     /* [nobjects] 1 + candidate index, 0 for none */
    gmd_u64map memo;            /* node -> index into memo_v */
    climb *memo_v;
    uint32_t nmemo, capmemo;
    uint32_t *stack, nstack, capstack;
} climber;

static climb climb_from(climber *c, uint32_t v)
{
    const gmd_objgraph *g = c->g;
    climb r = {GMD_NO_NODE, GMD_NO_NODE, GMD_NO_NODE, 0};
    c->nstack = 0;
    /* Up to a node already known or to the top, then down again, so each
     * node is climbed once whatever the depth (iterative: lists are deep). */
    for (;;) {
        uint32_t m = gmd_u64map_get(&c->memo, v);
        if (m != UINT32_MAX) {
            r = c->memo_v[m];
            break;
        }
        GMD_VEC_PUSH(c->stack, c->nstack, c->capstack, v);
        if (g->idom[v] == 0) {
            r.top = v;
            break;
        }
        v = g->idom[v];
    }
    while (c->nstack) {
        uint32_t u = c->stack[--c->nstack];
        if (gmd_node_is_object(g, u)) {
            uint8_t k = c->cand_of[gmd_node_object(g, u)];
            if (k) r.mask |= (uint8_t)(1u << (k - 1));
            const char *kind = container_kind(g, u);
            if (kind && (!strcmp(kind, "map") || !strcmp(kind, "chan"))) r.map = u;
            else if (kind && !strcmp(kind, "slice")) r.slice = u;
        }
        GMD_VEC_PUSH(c->memo_v, c->nmemo, c->capmemo, r);
        gmd_u64map_put(&c->memo, u, c->nmemo - 1);
    }
    return r;
}

typedef struct holder_rec {
    uint32_t cand;
    uint64_t top_key, container_key;
    gmd_dump_holder h;
} holder_rec;

typedef struct ref_pair {
    uint32_t holder, obj;
} ref_pair;

static int by_pair(const void *a, const void *b)
{
    const ref_pair *x = a, *y = b;
    if (x->holder != y->holder) return x->holder < y->holder ? -1 : 1;
    return (x->obj > y->obj) - (x->obj < y->obj);
}

static const holder_rec *sort_holders;
static int by_holder_objects(const void *a, const void *b)
{
    const holder_rec *x = &sort_holders[*(const uint32_t *)a], *y = &sort_holders[*(const uint32_t *)b];
    /* Roots and containers first: a bare shared object referring back to
     * one (a subscription to its client) holds it less than they do. */
    bool bx = x->h.container == GMD_NO_NODE && x->top_key >> 63, by = y->h.container == GMD_NO_NODE && y->top_key >> 63;
    if (bx != by) return bx ? 1 : -1;
    if (x->h.objects != y->h.objects) return x->h.objects < y->h.objects ? 1 : -1;
    if (x->h.top != y->h.top) return x->h.top < y->h.top ? -1 : 1;
    return (x->h.container > y->h.container) - (x->h.container < y->h.container);
}

static uint64_t container_entries(const gmd_objgraph *g, uint32_t node, const char *kind)
{
    uint64_t w = 0;
    /* A backing array's length is not in the dump (and its dominator-tree
     * children miss the elements held elsewhere too): no count. */
    if (!strcmp(kind, "slice")) return 0;
    /* internal/runtime/maps.Map starts with used (uint64); runtime.hchan with qcount. */
    return gmd_object_word(g, gmd_node_object(g, node), 0, &w) ? w : 0;
}

static bool map_insides(const char *t)
{
    t += strspn(t, "[]*");
    return !strncmp(t, "table<", 6) || !strncmp(t, "map.group[", 10) || !strncmp(t, "bucket<", 7);
}

/* Types whose objects together retain at least `min` bytes while most of
 * that is shared by several roots (the super-root dominates them): no root
 * suspect names them. Each with the holders of its objects, counted from
 * one pass over the edges. */
static uint32_t type_suspects(const gmd_objgraph *g, uint64_t min, gmd_dump_suspect **out)
{
    *out = NULL;
    if (!g->nobjects) return 0;
    uint32_t nr = g->nroots;
    /* Shared objects by type: the children of the super-root. */
    gmd_u64map shared;
    gmd_u64map_init(&shared);
    struct sh { uint64_t key, objects, retained; uint32_t example; } *sh = NULL;
    uint32_t nsh = 0, capsh = 0;
    for (uint32_t k = g->dom_start[0]; k < g->dom_start[1]; k++) {
        uint32_t c = g->dom_kids[k];
        if (!gmd_node_is_object(g, c)) continue;
        uint64_t key = gmd_object_type_key(g, gmd_node_object(g, c));
        if (!key) continue;
        uint32_t i = gmd_u64map_get(&shared, key);
        if (i == UINT32_MAX) {
            i = nsh;
            gmd_u64map_put(&shared, key, i);
            GMD_VEC_PUSH(sh, nsh, capsh, ((struct sh){key, 0, 0, c}));
        }
        sh[i].objects++;
        sh[i].retained += g->retained[c];
        if (g->retained[c] > g->retained[sh[i].example]) sh[i].example = c;
    }
    gmd_dump_histogram_result h;
    memset(&h, 0, sizeof h);
    uint32_t ncand = 0;
    gmd_dump_suspect cand[MAX_TYPE_SUSPECTS];
    if (nsh) gmd_dump_histogram(g, true, &h);
    /* The histogram is sorted by shallow bytes: keep the largest retained. */
    for (uint32_t i = 0; i < h.n; i++) {
        const gmd_dump_hist_row *r = &h.rows[i];
        const char *name = gmd_type_key_name(g, r->key);
        uint32_t si = gmd_u64map_get(&shared, r->key);
        if (!name || si == UINT32_MAX || r->retained < min || map_insides(name)) continue;
        if (sh[si].objects < 2 || sh[si].retained * 2 < r->retained) continue;
        gmd_dump_suspect s;
        memset(&s, 0, sizeof s);
        s.by_type = true;
        s.type = name;
        s.type_key = r->key;
        s.type_objects = r->reachable;
        s.type_retained = r->retained;
        s.shared_objects = sh[si].objects;
        s.shared_retained = sh[si].retained;
        s.root = s.point = sh[si].example;
        uint32_t at = ncand < MAX_TYPE_SUSPECTS ? ncand++ : MAX_TYPE_SUSPECTS;
        if (at == MAX_TYPE_SUSPECTS) {
            if (cand[at - 1].type_retained >= s.type_retained) continue;
            at--;
        }
        while (at && cand[at - 1].type_retained < s.type_retained) {   /* insertion, descending */
            cand[at] = cand[at - 1];
            at--;
        }
        cand[at] = s;
    }
    gmd_dump_histogram_free(&h);
    gmd_u64map_free(&shared);
    free(sh);
    if (!ncand) return 0;

    /* Membership, then the referrers of members: one pass over the edges. */
    uint8_t *cand_of = gmd_xcalloc(g->nobjects, 1);
    for (uint32_t o = 0; o < g->nobjects; o++) {
        if (g->idom[nr + o] == GMD_NO_NODE) continue;
        uint64_t key = gmd_object_type_key(g, o);
        for (uint32_t k = 0; k < ncand; k++)
            if (cand[k].type_key == key) cand_of[o] = (uint8_t)(k + 1);
    }
    climber c;
    memset(&c, 0, sizeof c);
    c.g = g;
    c.cand_of = cand_of;
    gmd_u64map_init(&c.memo);
    holder_rec *hr = NULL;
    uint32_t nh = 0, caph = 0;
    gmd_u64map hmap, seen;
    gmd_u64map_init(&hmap);
    gmd_u64map_init(&seen);
    ref_pair *pairs = NULL;
    uint32_t np = 0, capp = 0;
    for (uint32_t v = 1; v < g->nnodes; v++) {
        if (g->idom[v] == GMD_NO_NODE || (v < nr && g->roots[v].kind == GMD_NODE_GROUP)) continue;
        bool climbed = false;
        climb r;
        for (uint32_t e = g->out_start[v]; e < g->out_start[v + 1]; e++) {
            uint32_t t = g->out[e];
            if (t < nr || t == v || !cand_of[t - nr]) continue;
            uint32_t k = cand_of[t - nr] - 1u;
            if (!climbed) {
                r = climb_from(&c, v);
                climbed = true;
            }
            if (r.mask >> k & 1) continue;   /* from inside an object of the type */
            uint32_t cont = r.map != GMD_NO_NODE ? r.map : r.slice;
            const char *ckind = cont != GMD_NO_NODE ? container_kind(g, cont) : NULL;
            /* Shared objects above merge by type; roots and containers by what they are. */
            bool shared_top = gmd_node_is_object(g, r.top);
            uint64_t top_key = shared_top ? (1ull << 63) | gmd_object_type_key(g, gmd_node_object(g, r.top)) : r.top;
            uint64_t ckey = cont == GMD_NO_NODE ? 0 : gmd_object_type_key(g, gmd_node_object(g, cont));
            if (cont != GMD_NO_NODE && !ckey) ckey = (1ull << 62) | cont;   /* untyped: itself */
            uint64_t hash = gmd_mix64(top_key ^ gmd_mix64(ckey) * 3 ^ gmd_mix64(k + 1) * 5);
            uint32_t idx;
            for (;; hash++) {
                idx = gmd_u64map_get(&hmap, hash);
                if (idx == UINT32_MAX) {
                    idx = nh;
                    gmd_u64map_put(&hmap, hash, idx);
                    holder_rec rec = {k, top_key, ckey, {r.top, cont, ckind, 0, 0, 0, 0}};
                    GMD_VEC_PUSH(hr, nh, caph, rec);
                    break;
                }
                if (hr[idx].cand == k && hr[idx].top_key == top_key && hr[idx].container_key == ckey) break;
            }
            /* Distinct containers and shared tops of the holder: counted once each. */
            if (cont != GMD_NO_NODE && gmd_u64map_put(&seen, (uint64_t)idx << 32 | cont, 0)) {
                hr[idx].h.containers++;
                hr[idx].h.entries += container_entries(g, cont, ckind);
            }
            if (gmd_u64map_put(&seen, (1ull << 63) | (uint64_t)idx << 32 | r.top, 0)) hr[idx].h.tops++;
            GMD_VEC_PUSH(pairs, np, capp, ((ref_pair){idx, t - nr}));
        }
    }
    /* Distinct objects per holder. */
    if (np) qsort(pairs, np, sizeof *pairs, by_pair);
    for (uint32_t i = 0; i < np; i++)
        if (!i || pairs[i].holder != pairs[i - 1].holder || pairs[i].obj != pairs[i - 1].obj) hr[pairs[i].holder].h.objects++;
    uint32_t *order = gmd_xmalloc(((size_t)nh + 1) * sizeof *order);
    for (uint32_t i = 0; i < nh; i++) order[i] = i;
    sort_holders = hr;
    if (nh > 1) qsort(order, nh, sizeof *order, by_holder_objects);
    for (uint32_t k = 0; k < ncand; k++) {
        gmd_dump_suspect *s = &cand[k];
        s->holders = gmd_xmalloc(GMD_DUMP_MAX_HOLDERS * sizeof *s->holders);
        for (uint32_t i = 0; i < nh; i++) {
            const holder_rec *x = &hr[order[i]];
            if (x->cand != k) continue;
            if (s->nholders < GMD_DUMP_MAX_HOLDERS) s->holders[s->nholders++] = x->h;
            else s->more_holders++;
        }
    }
    free(order);
    free(pairs);
    gmd_u64map_free(&seen);
    gmd_u64map_free(&hmap);
    free(hr);
    gmd_u64map_free(&c.memo);
    free(c.memo_v);
    free(c.stack);
    free(cand_of);
    gmd_dump_suspect *v = gmd_xmalloc(ncand * sizeof *v);
    memcpy(v, cand, ncand * sizeof *v);
    *out = v;
    return ncand;
}

uint32_t gmd_dump_suspects(const gmd_objgraph *g, double threshold, gmd_dump_suspect **out)
{
    uint32_t n = 0, cap = 0;
    gmd_dump_suspect *v = NULL;
    uint64_t total = g->reachable_bytes;
    uint64_t min = (uint64_t)(threshold * (double)total);
    if (min == 0) min = 1;
    /* Candidates: the children of the super-root (roots, and objects that
     * several roots share), big ones first. */
    uint32_t *cand = NULL, nc = 0, ccap = 0;
    for (uint32_t k = g->dom_start[0]; k < g->dom_start[1]; k++) {
        uint32_t c = g->dom_kids[k];
        if (g->retained[c] >= min && g->retained_count[c] > 0) GMD_VEC_PUSH(cand, nc, ccap, c);
    }
    gmd_dump_sort_by_retained(g, cand, nc);
    for (uint32_t i = 0; i < nc; i++) {
        gmd_dump_suspect s;
        memset(&s, 0, sizeof s);
        s.root = cand[i];
        uint32_t cur = cand[i];
        /* Go down while one child holds most (80%) of the retained bytes: the
         * accumulation point is where they fan out. A chain of same-sized
         * objects (a linked list) stops at its head. */
        for (;;) {
            uint32_t best = GMD_NO_NODE;
            for (uint32_t k = g->dom_start[cur]; k < g->dom_start[cur + 1]; k++) {
                uint32_t c = g->dom_kids[k];
                if (best == GMD_NO_NODE || g->retained[c] > g->retained[best]) best = c;
            }
            if (best == GMD_NO_NODE || g->retained[best] * 10 < g->retained[cur] * 8) break;
            if (gmd_node_is_object(g, cur) && gmd_node_size(g, cur) == gmd_node_size(g, best)) {
                s.chain = true;
                break;
            }
            cur = best;
        }
        s.point = cur;
        if (g->obj_type) find_container(g, &s);
        cur = s.point;
        if (gmd_node_is_object(g, cur)) {
            uint32_t kids = g->dom_start[cur + 1] - g->dom_start[cur];
            s.children = kids;
        }
        accumulation(g, cur, &s);
        GMD_VEC_PUSH(v, n, cap, s);
    }
    free(cand);
    /* Then types whose objects no root retains but together retain the
     * threshold; merged with the roots by retained bytes (both lists are
     * sorted, root suspects first on a tie). */
    gmd_dump_suspect *t = NULL;
    uint32_t nt = g->obj_type ? type_suspects(g, min, &t) : 0;
    if (nt) {
        /* A shared object of a suspect type is in that suspect. */
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n; i++) {
            bool folded = false;
            if (gmd_node_is_object(g, v[i].root)) {
                uint64_t key = gmd_object_type_key(g, gmd_node_object(g, v[i].root));
                for (uint32_t k = 0; k < nt; k++) folded |= key == t[k].type_key;
            }
            if (!folded) v[kept++] = v[i];
        }
        n = kept;
        gmd_dump_suspect *m = gmd_xmalloc((size_t)(n + nt) * sizeof *m);
        uint32_t a = 0, b = 0, k = 0;
        while (a < n || b < nt) {
            if (b == nt || (a < n && g->retained[v[a].root] >= t[b].type_retained)) m[k++] = v[a++];
            else m[k++] = t[b++];
        }
        free(v);
        free(t);
        v = m;
        n += nt;
    }
    *out = v;
    return n;
}

void gmd_dump_suspects_free(gmd_dump_suspect *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) free(s[i].holders);
    free(s);
}

static int by_bytes_desc(const void *a, const void *b)
{
    const gmd_dump_hist_row *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    return x->key < y->key ? -1 : x->key > y->key;
}

void gmd_dump_histogram(const gmd_objgraph *g, bool by_type, gmd_dump_histogram_result *res)
{
    memset(res, 0, sizeof *res);
    gmd_u64map map;
    gmd_u64map_init(&map);
    uint32_t cap = 0;
    uint32_t *row_of = gmd_xmalloc(((size_t)g->nobjects + 1) * sizeof *row_of);
    for (uint32_t o = 0; o < g->nobjects; o++) {
        uint64_t key = by_type ? gmd_object_type_key(g, o) : g->obj_size[o];
        uint32_t i = gmd_u64map_get(&map, key);
        if (i == UINT32_MAX) {
            i = res->n;
            gmd_u64map_put(&map, key, i);
            GMD_VEC_PUSH(res->rows, res->n, cap, ((gmd_dump_hist_row){key, 0, 0, 0, 0, 0}));
        }
        row_of[o] = i;
        gmd_dump_hist_row *r = &res->rows[i];
        r->count++;
        r->bytes += g->obj_size[o];
        if (g->idom && g->idom[g->nroots + o] != GMD_NO_NODE) {
            r->reachable++;
            r->reachable_bytes += g->obj_size[o];
        }
    }
    gmd_u64map_free(&map);
    /* Retained by the set of a row's objects: the union of their dominator subtrees. */
    if (g->idom && g->nobjects) {
        uint64_t *ret = gmd_xcalloc(res->n ? res->n : 1, sizeof *ret);
        retained_by_key(g, row_of, res->n, ret, NULL);
        for (uint32_t i = 0; i < res->n; i++) res->rows[i].retained = ret[i];
        free(ret);
    }
    free(row_of);
    if (res->n) qsort(res->rows, res->n, sizeof *res->rows, by_bytes_desc);
}

void gmd_dump_histogram_free(gmd_dump_histogram_result *res)
{
    free(res->rows);
    memset(res, 0, sizeof *res);
}

/* ------------------------------------------------------ goroutine groups */

/* Whether a function is the user's: package main, or a package whose path
 * starts with a domain (github.com/...). The standard library's first path
 * element has no dot. */
static bool user_func(const char *f)
{
    size_t n = strcspn(f, "/.[(");
    if (f[n] != '.') return false;   /* "net/http.x": a standard path */
    if (n == 4 && !strncmp(f, "main", 4)) return true;
    return f[strcspn(f, "/[(")] == '/';   /* "github.com/x.F", not "sync.(*Mutex).Lock" */
}

static bool runtime_func(const char *f) { return !strncmp(f, "runtime.", 8) || !strncmp(f, "internal/", 9); }

const gmd_dump_frame *gmd_dump_goroutine_frame(const gmd_objgraph *g, const gmd_dump_goroutine *gr)
{
    if (!gr->nframes) return NULL;
    const gmd_dump_frame *f = &g->frames[gr->first_frame];
    for (uint32_t k = 0; k < gr->nframes; k++)
        if (user_func(f[k].func)) return &f[k];
    for (uint32_t k = 0; k < gr->nframes; k++)
        if (!runtime_func(f[k].func)) return &f[k];
    /* A runtime goroutine: its start function, below runtime.goexit. */
    uint32_t k = gr->nframes - 1;
    if (k && !strcmp(f[k].func, "runtime.goexit")) k--;
    return &f[k];
}

static bool same_group(const gmd_objgraph *g, const gmd_dump_goroutine *a, const gmd_dump_goroutine *b)
{
    const gmd_dump_frame *fa = gmd_dump_goroutine_frame(g, a), *fb = gmd_dump_goroutine_frame(g, b);
    if (a->gopc != b->gopc || strcmp(gmd_goroutine_state(a), gmd_goroutine_state(b))) return false;
    if (!fa || !fb) return fa == fb;
    return fa->pc == fb->pc && !strcmp(fa->func, fb->func);
}

static uint64_t group_hash(const gmd_objgraph *g, const gmd_dump_goroutine *gr)
{
    const gmd_dump_frame *f = gmd_dump_goroutine_frame(g, gr);
    uint64_t h = gmd_mix64(gr->gopc) ^ gmd_mix64(f ? f->pc : 0) * 3;
    for (const char *s = gmd_goroutine_state(gr); *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return gmd_mix64(h);
}

uint32_t gmd_dump_group_goroutines(gmd_objgraph *g, const char ***names)
{
    *names = NULL;
    if (g->ngoroutines < 2) {
        for (uint32_t i = 0; i < g->ngoroutines; i++) g->goroutines[i].group = GMD_NO_NODE;
        return 0;
    }
    /* First pass: a candidate group per goroutine (the first one alike), by hash then comparison. */
    uint32_t *first = gmd_xmalloc((size_t)g->ngoroutines * sizeof *first);
    uint32_t *count = gmd_xcalloc(g->ngoroutines, sizeof *count);
    gmd_u64map map;
    gmd_u64map_init(&map);
    for (uint32_t i = 0; i < g->ngoroutines; i++) {
        uint64_t h = group_hash(g, &g->goroutines[i]);
        for (;; h++) {   /* a hash shared by goroutines not alike moves on to the next key */
            uint32_t r = gmd_u64map_get(&map, h);
            if (r == UINT32_MAX) {
                gmd_u64map_put(&map, h, i);
                first[i] = i;
                break;
            }
            if (same_group(g, &g->goroutines[r], &g->goroutines[i])) {
                first[i] = r;
                break;
            }
        }
        count[first[i]]++;
    }
    gmd_u64map_free(&map);
    /* Groups of two or more get indices in the order of their first goroutine. */
    uint32_t n = 0, cap = 0;
    const char **v = NULL;
    for (uint32_t i = 0; i < g->ngoroutines; i++) {
        gmd_dump_goroutine *gr = &g->goroutines[i];
        if (count[first[i]] < 2) {
            gr->group = GMD_NO_NODE;
            continue;
        }
        if (first[i] != i) {
            gr->group = g->goroutines[first[i]].group;
            continue;
        }
        const gmd_dump_frame *f = gmd_dump_goroutine_frame(g, gr);
        char c[32];
        snprintf(c, sizeof c, "%u", count[i]);
        /* "8,800 goroutines [chan send] in main.publish.func1" */
        char num[32];
        size_t len = strlen(c), k = 0;
        for (size_t j = 0; j < len; j++) {
            if (j && (len - j) % 3 == 0) num[k++] = ',';
            num[k++] = c[j];
        }
        num[k] = '\0';
        GMD_VEC_PUSH(v, n, cap, gmd_arena_printf(&g->arena, "%s goroutines [%s]%s%s", num, gmd_goroutine_state(gr),
                                                  f ? " in " : "", f ? f->func : ""));
        gr->group = n - 1;
    }
    free(first);
    free(count);
    if (n) {   /* the names live in the graph's arena; the array too */
        const char **a = gmd_arena_alloc(&g->arena, (size_t)n * sizeof *a);
        memcpy(a, v, (size_t)n * sizeof *a);
        *names = a;
    }
    free(v);
    return n;
}

static inline bool bit_test(const uint64_t *bits, uint32_t i) { return bits[i >> 6] >> (i & 63) & 1; }

void gmd_dump_own_goroutine_objects(gmd_objgraph *g)
{
    if (!g->ngoroutines || !g->nobjects) return;
    uint32_t nr = g->nroots;
    uint64_t *bits = gmd_xcalloc(((size_t)g->nobjects + 63) / 64, sizeof *bits);
    gmd_u64map owner;   /* object index -> goroutine index */
    gmd_u64map_init(&owner);
    uint32_t nowned = 0, *work = NULL, nwork = 0, capwork = 0;
    for (uint32_t i = 0; i < g->ngoroutines; i++) {
        const gmd_dump_goroutine *gr = &g->goroutines[i];
        if (gr->node == GMD_NO_NODE) continue;
        /* Its runtime.g: the goroutine root's edge to the object at its address. */
        uint32_t gobj = GMD_NO_NODE;
        for (uint32_t e = g->out_start[gr->node]; e < g->out_start[gr->node + 1]; e++) {
            uint32_t t = g->out[e];
            if (gmd_node_is_object(g, t) && g->obj_addr[t - nr] == gr->addr) gobj = t - nr;
        }
        if (gobj == GMD_NO_NODE || bit_test(bits, gobj)) continue;
        bits[gobj >> 6] |= 1ull << (gobj & 63);
        gmd_u64map_put(&owner, gobj, i);
        nowned++;
        /* Its sudogs: reached from the g (g.waiting, then waitlink) and
         * starting with a pointer to it (sudog.g is the first field). */
        nwork = 0;
        GMD_VEC_PUSH(work, nwork, capwork, gobj);
        while (nwork) {
            uint32_t o = work[--nwork];
            for (uint32_t e = g->out_start[nr + o]; e < g->out_start[nr + o + 1]; e++) {
                uint32_t t = g->out[e];
                uint64_t w0;
                if (!gmd_node_is_object(g, t) || bit_test(bits, t - nr)) continue;
                if (!gmd_object_word(g, t - nr, 0, &w0) || w0 != gr->addr) continue;
                bits[(t - nr) >> 6] |= 1ull << ((t - nr) & 63);
                gmd_u64map_put(&owner, t - nr, i);
                nowned++;
                if (nwork < 1024) GMD_VEC_PUSH(work, nwork, capwork, t - nr);
            }
        }
    }
    free(work);
    if (nowned) {
        /* Compact the edge array in place, dropping edges into an owned
         * object from anything but its goroutine, its frames and its
         * other owned objects. */
        uint32_t *start = g->out_start, *out = g->out;
        uint64_t w = 0, begin = start[0];
        for (uint32_t v = 0; v < g->nnodes; v++) {
            uint32_t from = UINT32_MAX;
            if (v < nr) {
                if (g->roots[v].kind == GMD_NODE_GOROUTINE) from = g->roots[v].index;
                else if (g->roots[v].kind == GMD_NODE_FRAME) from = g->frames[g->roots[v].index].goroutine;
            } else if (bit_test(bits, v - nr)) {
                from = gmd_u64map_get(&owner, v - nr);
            }
            uint64_t end = start[v + 1];
            start[v] = (uint32_t)w;
            for (uint64_t e = begin; e < end; e++) {
                uint32_t t = out[e];
                if (t >= nr && bit_test(bits, t - nr) && gmd_u64map_get(&owner, t - nr) != from) continue;
                out[w++] = t;
            }
            begin = end;
        }
        start[g->nnodes] = (uint32_t)w;
        g->nedges = w;
    }
    gmd_u64map_free(&owner);
    free(bits);
}

bool gmd_dump_group_info(const gmd_objgraph *g, uint32_t node, gmd_dump_group *out)
{
    memset(out, 0, sizeof *out);
    if (node >= g->nroots) return false;
    gmd_node_kind k = g->roots[node].kind;
    if (k != GMD_NODE_GROUP && k != GMD_NODE_GOROUTINE) return false;
    out->node = node;
    out->first = UINT32_MAX;
    /* A group's edges lead to its goroutines' roots, and only there. */
    uint32_t from = k == GMD_NODE_GROUP ? g->out_start[node] : 0, to = k == GMD_NODE_GROUP ? g->out_start[node + 1] : 1;
    for (uint32_t e = from; e < to; e++) {
        uint32_t r = k == GMD_NODE_GROUP ? g->out[e] : node;
        if (r >= g->nroots || g->roots[r].kind != GMD_NODE_GOROUTINE) continue;
        const gmd_dump_goroutine *gr = &g->goroutines[g->roots[r].index];
        if (out->first == UINT32_MAX) out->first = g->roots[r].index;
        out->count++;
        /* runtime.g starts with stack.lo, stack.hi (runtime/runtime2.go). */
        uint32_t o = gmd_objgraph_find(g, gr->addr);
        uint64_t lo, hi;
        if (o != GMD_NO_NODE && gmd_object_word(g, gmd_node_object(g, o), 0, &lo) &&
            gmd_object_word(g, gmd_node_object(g, o), g->ptr_size, &hi) && hi > lo && hi - lo <= (1ull << 30))
            out->stack_bytes += hi - lo;
    }
    if (out->first == UINT32_MAX) return false;
    const gmd_dump_goroutine *gr = &g->goroutines[out->first];
    out->state = gmd_goroutine_state(gr);
    out->waiting = (gr->status & ~0x1000ull) == 4;
    out->frame = gmd_dump_goroutine_frame(g, gr);
    out->gopc = gr->gopc;
    return true;
}
