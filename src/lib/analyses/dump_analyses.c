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
        !strncmp(t, "table<", 6))
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
    *out = v;
    return n;
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
