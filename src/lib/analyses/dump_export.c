/* Retained sizes of a heap dump as a pprof profile: samples by allocation
 * stack (from the dump's memprof buckets) or by root path, with values
 * retained_space (bytes) and retained_objects (count), so go tool pprof,
 * flame graphs and gmd pprof show who retains memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/dump_analyses.h"
#include "gmd/xalloc.h"

/* Each reachable object's bytes go to exactly one bucket: that of its
 * nearest sampled dominator (itself included), so the samples add up to
 * the reachable heap. owned[nbuckets] is the unattributed rest. */
static void owned_by_bucket(const gmd_objgraph *g, uint64_t *bytes, uint64_t *objects)
{
    uint32_t *snode = NULL, *scur = NULL, *sown = NULL, depth = 0, c1 = 0, c2 = 0, c3 = 0;
    GMD_VEC_PUSH(snode, depth, c1, 0);
    depth = 0;
    GMD_VEC_PUSH(scur, depth, c2, g->dom_start[0]);
    depth = 0;
    GMD_VEC_PUSH(sown, depth, c3, g->nbuckets);
    while (depth) {
        uint32_t v = snode[depth - 1], c = scur[depth - 1], own = sown[depth - 1];
        if (c == g->dom_start[v + 1]) {
            depth--;
            continue;
        }
        scur[depth - 1] = c + 1;
        uint32_t w = g->dom_kids[c];
        if (gmd_node_is_object(g, w)) {
            uint32_t bk = g->obj_bucket[gmd_node_object(g, w)];
            if (bk != GMD_NO_NODE) own = bk;
            bytes[own] += gmd_node_size(g, w);
            objects[own]++;
        }
        uint32_t d = depth;
        GMD_VEC_PUSH(snode, d, c1, w);
        d = depth;
        GMD_VEC_PUSH(scur, d, c2, g->dom_start[w]);
        d = depth;
        GMD_VEC_PUSH(sown, d, c3, own);
        depth++;
    }
    free(snode);
    free(scur);
    free(sown);
}

static uint32_t frame_loc(gmd_builder *b, const char *func, const char *file, int64_t line)
{
    gmd_line l;
    l.function = gmd_builder_function(b, func, func, file ? file : "", 0);
    l.line = line;
    l.column = 0;
    return gmd_builder_location(b, GMD_NONE, 0, &l, 1);
}

gmd_profile *gmd_dump_profile(const gmd_objgraph *g, bool by_root)
{
    gmd_profile *p = gmd_profile_new();
    p->nsample_types = 2;
    p->sample_types = gmd_arena_alloc(&p->arena, 2 * sizeof *p->sample_types);
    p->sample_types[0].type = gmd_intern_str(&p->strings, "retained_space");
    p->sample_types[0].unit = gmd_intern_str(&p->strings, "bytes");
    p->sample_types[1].type = gmd_intern_str(&p->strings, "retained_objects");
    p->sample_types[1].unit = gmd_intern_str(&p->strings, "count");
    p->default_sample_type = 0;
    p->period_type = p->sample_types[0];
    p->period = 1;
    gmd_builder *b = gmd_builder_new(p);
    uint32_t locs[256];
    int64_t v[2];
    char name[512];
    if (!by_root) {
        uint64_t *bytes = gmd_xcalloc((size_t)g->nbuckets + 1, sizeof *bytes);
        uint64_t *objs = gmd_xcalloc((size_t)g->nbuckets + 1, sizeof *objs);
        owned_by_bucket(g, bytes, objs);
        for (uint32_t i = 0; i < g->nbuckets; i++) {
            if (!bytes[i]) continue;
            const gmd_memprof_bucket *bk = &g->buckets[i];
            uint32_t n = bk->nframes < 256 ? bk->nframes : 256;
            for (uint32_t k = 0; k < n; k++) locs[k] = frame_loc(b, bk->funcs[k], bk->files[k], (int64_t)bk->lines[k]);
            v[0] = (int64_t)bytes[i];
            v[1] = (int64_t)objs[i];
            gmd_builder_sample(b, locs, n, v, NULL, 0, true);
        }
        /* The rest of the reachable heap has no sampled owner. */
        if (bytes[g->nbuckets]) {
            locs[0] = frame_loc(b, "(retained by objects without an allocation sample)", "", 0);
            v[0] = (int64_t)bytes[g->nbuckets];
            v[1] = (int64_t)objs[g->nbuckets];
            gmd_builder_sample(b, locs, 1, v, NULL, 0, true);
        }
        free(bytes);
        free(objs);
    } else {
        for (uint32_t r = 1; r < g->nroots; r++) {
            gmd_node_kind k = g->roots[r].kind;
            if (k == GMD_NODE_FRAME || g->idom[r] == GMD_NO_NODE || !g->retained[r]) continue;
            if (k == GMD_NODE_GOROUTINE) {
                gmd_node_describe(g, r, name, sizeof name);
                for (uint32_t c = g->dom_start[r]; c < g->dom_start[r + 1]; c++) {
                    uint32_t f = g->dom_kids[c];
                    if (!g->retained[f]) continue;
                    locs[0] = gmd_node_kind_of(g, f) == GMD_NODE_FRAME ? frame_loc(b, g->frames[g->roots[f].index].func, "", 0)
                                                                        : frame_loc(b, "(goroutine context)", "", 0);
                    locs[1] = frame_loc(b, name, "", 0);
                    locs[2] = frame_loc(b, "goroutines", "", 0);
                    v[0] = (int64_t)g->retained[f];
                    v[1] = g->retained_count[f];
                    gmd_builder_sample(b, locs, 3, v, NULL, 0, true);
                }
                continue;
            }
            if (k == GMD_NODE_GROUP) {
                /* What a group's goroutines share; each one's own is under its goroutine. */
                uint64_t sb = 0, sn = 0;
                for (uint32_t c = g->dom_start[r]; c < g->dom_start[r + 1]; c++) {
                    uint32_t f = g->dom_kids[c];
                    if (gmd_node_is_object(g, f)) sb += g->retained[f], sn += g->retained_count[f];
                }
                if (!sb) continue;
                locs[0] = frame_loc(b, "(shared by the group's goroutines)", "", 0);
                locs[1] = frame_loc(b, g->roots[r].name, "", 0);
                locs[2] = frame_loc(b, "goroutines", "", 0);
                v[0] = (int64_t)sb;
                v[1] = (int64_t)sn;
                gmd_builder_sample(b, locs, 3, v, NULL, 0, true);
                continue;
            }
            locs[0] = frame_loc(b, g->roots[r].name, "", 0);
            locs[1] = frame_loc(b, k == GMD_NODE_GLOBAL ? "globals" : k == GMD_NODE_FINALIZER ? "finalizers" : "other roots", "", 0);
            v[0] = (int64_t)g->retained[r];
            v[1] = g->retained_count[r];
            gmd_builder_sample(b, locs, 2, v, NULL, 0, true);
        }
        uint32_t shared_n;
        uint64_t shared = gmd_dump_shared_bytes(g, &shared_n);
        if (shared) {
            locs[0] = frame_loc(b, "(shared by several roots)", "", 0);
            v[0] = (int64_t)shared;
            v[1] = shared_n;
            gmd_builder_sample(b, locs, 1, v, NULL, 0, true);
        }
    }
    gmd_builder_finish(b);
    return p;
}
