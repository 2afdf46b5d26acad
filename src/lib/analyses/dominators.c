/* Dominator tree of the object graph (semi-NCA: Lengauer-Tarjan's semi-
 * dominators, then idoms by nearest common ancestor walks), retained sizes,
 * and shortest paths from the roots. Everything is iterative: a linked list
 * of a million nodes is a million-deep DFS. Per node the computation uses
 * six uint32 arrays plus the reverse edges, freed before returning. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/objgraph.h"
#include "gmd/xalloc.h"

#define NONE UINT32_MAX

/* Predecessors as CSR, in node ids. */
static void reverse_edges(const gmd_objgraph *g, uint32_t **in_start_out, uint32_t **in_out)
{
    uint32_t n = g->nnodes;
    uint32_t *in_start = gmd_xcalloc((size_t)n + 1, sizeof *in_start);
    for (uint64_t e = 0; e < g->nedges; e++) in_start[g->out[e] + 1]++;
    for (uint32_t v = 0; v < n; v++) in_start[v + 1] += in_start[v];
    /* Room for 2n entries at least: the array becomes the retained sizes
     * (n uint64) afterwards, so most of their pages are touched already. */
    uint64_t nin = g->nedges > 2 * (uint64_t)n ? g->nedges : 2 * (uint64_t)n;
    uint32_t *in = gmd_xmalloc((size_t)(nin ? nin : 1) * sizeof *in);
    /* Fill with a moving cursor per target, reusing in_start shifted by one. */
    for (uint32_t v = 0; v < n; v++)
        for (uint64_t e = g->out_start[v]; e < g->out_start[v + 1]; e++) in[in_start[g->out[e]]++] = v;
    for (uint32_t v = n; v > 0; v--) in_start[v] = in_start[v - 1];
    in_start[0] = 0;
    *in_start_out = in_start;
    *in_out = in;
}

/* Iterative path compression for eval(): finds the vertex with the smallest
 * semi-dominator on the path to the linked forest's root. */
static uint32_t eval(uint32_t v, uint32_t *ancestor, uint32_t *label, const uint32_t *semi, uint32_t **stack,
                     uint32_t *cap)
{
    if (ancestor[v] == NONE) return v;
    uint32_t depth = 0;
    uint32_t x = v;
    while (ancestor[x] != NONE && ancestor[ancestor[x]] != NONE) {
        GMD_VEC_RESERVE1(*stack, depth, *cap);
        (*stack)[depth++] = x;
        x = ancestor[x];
    }
    while (depth > 0) {
        uint32_t y = (*stack)[--depth];
        uint32_t a = ancestor[y];
        if (semi[label[a]] < semi[label[y]]) label[y] = label[a];
        ancestor[y] = ancestor[a];
    }
    return label[v];
}

/* An array of `size` bytes: the smallest spare one from the build that
 * fits (its pages are touched already), else a new one. */
static void *take(gmd_objgraph *g, size_t size)
{
    int best = -1;
    for (int i = 0; i < GMD_NSPARE; i++)
        if (g->spare[i] && g->spare_size[i] >= size && (best < 0 || g->spare_size[i] < g->spare_size[best])) best = i;
    if (best < 0) return gmd_xmalloc(size ? size : 1);
    void *p = g->spare[best];
    g->spare[best] = NULL;
    return p;
}

int gmd_objgraph_dominators(gmd_objgraph *g, gmd_err *err)
{
    (void)err;
    uint32_t n = g->nnodes;
    uint32_t *dfn = take(g, (size_t)n * sizeof *dfn);      /* node -> preorder number */
    uint32_t *vertex = take(g, (size_t)n * sizeof *vertex); /* preorder number -> node */
    uint32_t *parent = take(g, (size_t)n * sizeof *parent);
    memset(dfn, 0xff, (size_t)n * sizeof *dfn);

    /* Iterative DFS from the super-root; the stack holds nodes and their next edge. */
    uint32_t count = 0;
    {
        uint32_t *snode = NULL;
        uint64_t *sedge = NULL;
        uint32_t depth = 0, cap = 0, cap2 = 0;
        GMD_VEC_RESERVE1(snode, depth, cap);
        GMD_VEC_RESERVE1(sedge, depth, cap2);
        snode[0] = 0;
        sedge[0] = g->out_start[0];
        depth = 1;
        dfn[0] = count;
        vertex[count] = 0;
        parent[count] = NONE;
        count++;
        while (depth) {
            uint32_t v = snode[depth - 1];
            uint64_t e = sedge[depth - 1];
            if (e == g->out_start[v + 1]) {
                depth--;
                continue;
            }
            sedge[depth - 1] = e + 1;
            uint32_t w = g->out[e];
            if (dfn[w] != NONE) continue;
            dfn[w] = count;
            vertex[count] = w;
            parent[count] = dfn[v];
            count++;
            GMD_VEC_RESERVE1(snode, depth, cap);
            GMD_VEC_RESERVE1(sedge, depth, cap2);
            snode[depth] = w;
            sedge[depth] = g->out_start[w];
            depth++;
        }
        free(snode);
        free(sedge);
    }

    uint32_t *in_start;
    uint32_t *in;
    reverse_edges(g, &in_start, &in);

    /* Semi-dominators, in preorder numbers. The arrays are node-sized so
     * that they can become the graph's own arrays afterwards: on a big dump
     * fresh pages (zeroed by the kernel) cost more than the algorithm. */
    uint32_t *semi = take(g, (size_t)n * sizeof *semi);
    uint32_t *label = take(g, (size_t)n * sizeof *label);
    uint32_t *ancestor = take(g, (size_t)n * sizeof *ancestor);
    for (int i = 0; i < GMD_NSPARE; i++) {   /* the rest would only raise the resident size */
        free(g->spare[i]);
        g->spare[i] = NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
        semi[i] = i;
        label[i] = i;
        ancestor[i] = NONE;
    }
    uint32_t *stack = NULL, stack_cap = 0;
    for (uint32_t w = count - 1; w > 0; w--) {
        uint32_t node = vertex[w];
        uint32_t s = semi[w];
        for (uint64_t e = in_start[node]; e < in_start[node + 1]; e++) {
            uint32_t v = dfn[in[e]];
            if (v == NONE) continue;   /* predecessor not reachable from the roots */
            uint32_t u = eval(v, ancestor, label, semi, &stack, &stack_cap);
            if (semi[u] < s) s = semi[u];
        }
        semi[w] = s;
        ancestor[w] = parent[w];
    }
    free(stack);

    /* idom by walking up from the DFS parent until below the semi-dominator. */
    uint32_t *idom = label;   /* reuse */
    idom[0] = 0;
    for (uint32_t w = 1; w < count; w++) {
        uint32_t d = parent[w];
        while (d > semi[w]) d = idom[d];
        idom[w] = d;
    }

    g->idom = semi;   /* reuse: semi is no longer needed */
    memset(g->idom, 0xff, (size_t)n * sizeof *g->idom);
    for (uint32_t w = 0; w < count; w++) g->idom[vertex[w]] = vertex[idom[w]];
    free(idom);

    /* Retained sizes: children come after their idom in preorder. */
    g->retained = gmd_xrealloc(in, (size_t)(n ? n : 1) * sizeof *g->retained);   /* the reverse edges have room */
    memset(g->retained, 0, (size_t)n * sizeof *g->retained);
    g->retained_count = parent;   /* reuse */
    memset(g->retained_count, 0, (size_t)n * sizeof *g->retained_count);
    g->reachable_objects = 0;
    g->reachable_bytes = 0;
    for (uint32_t w = 0; w < count; w++) {
        uint32_t v = vertex[w];
        g->retained[v] = gmd_node_size(g, v);
        if (gmd_node_is_object(g, v)) {
            g->retained_count[v] = 1;
            g->reachable_objects++;
            g->reachable_bytes += g->retained[v];
        }
    }
    for (uint32_t w = count - 1; w > 0; w--) {
        uint32_t v = vertex[w];
        uint32_t d = g->idom[v];
        g->retained[d] += g->retained[v];
        g->retained_count[d] += g->retained_count[v];
    }

    /* Dominator-tree children, CSR, in preorder (so stable across runs). */
    g->dom_start = in_start;   /* reuse: n + 1 entries */
    memset(g->dom_start, 0, ((size_t)n + 1) * sizeof *g->dom_start);
    for (uint32_t w = 1; w < count; w++) g->dom_start[g->idom[vertex[w]] + 1]++;
    for (uint32_t v = 0; v < n; v++) g->dom_start[v + 1] += g->dom_start[v];
    g->dom_kids = ancestor;   /* reuse: count <= n entries */
    uint32_t *fill = dfn;   /* reuse as cursor */
    for (uint32_t v = 0; v < n; v++) fill[v] = g->dom_start[v];
    for (uint32_t w = 1; w < count; w++) {
        uint32_t v = vertex[w];
        g->dom_kids[fill[g->idom[v]]++] = v;
    }
    free(dfn);
    free(vertex);
    return 0;
}

struct gmd_dom_job {
    gmd_objgraph *g;
    pthread_t thread;
    bool threaded;
    int rc;
    gmd_err err;
};

static void *dom_thread(void *arg)
{
    gmd_dom_job *j = arg;
    j->rc = gmd_objgraph_dominators(j->g, &j->err);
    return NULL;
}

gmd_dom_job *gmd_objgraph_dominators_start(gmd_objgraph *g)
{
    gmd_dom_job *j = gmd_xcalloc(1, sizeof *j);
    j->g = g;
    gmd_err_clear(&j->err);
    j->threaded = pthread_create(&j->thread, NULL, dom_thread, j) == 0;
    if (!j->threaded) dom_thread(j);
    return j;
}

int gmd_objgraph_dominators_join(gmd_dom_job *j, gmd_err *err)
{
    if (!j) return gmd_errf(err, "no dominator computation was started");
    if (j->threaded) pthread_join(j->thread, NULL);
    int rc = j->rc;
    if (rc < 0 && err) *err = j->err;
    free(j);
    return rc;
}

uint32_t gmd_objgraph_path_avoiding(const gmd_objgraph *g, uint32_t target, const uint8_t *skip_root, uint32_t *path,
                                    uint32_t cap)
{
    if (target >= g->nnodes) return 0;
    uint32_t n = g->nnodes;
    uint32_t *pred = gmd_xmalloc((size_t)n * sizeof *pred);
    uint32_t *queue = gmd_xmalloc((size_t)n * sizeof *queue);
    memset(pred, 0xff, (size_t)n * sizeof *pred);
    uint32_t head = 0, tail = 0;
    pred[0] = 0;
    queue[tail++] = 0;
    bool found = target == 0;
    while (head < tail && !found) {
        uint32_t v = queue[head++];
        for (uint64_t e = g->out_start[v]; e < g->out_start[v + 1]; e++) {
            uint32_t w = g->out[e];
            if (pred[w] != NONE) continue;
            if (v == 0 && skip_root && skip_root[w]) continue;
            pred[w] = v;
            if (w == target) {
                found = true;
                break;
            }
            queue[tail++] = w;
        }
    }
    uint32_t len = 0;
    if (found) {
        /* Count, then fill from the end; the super-root itself is left out. */
        for (uint32_t v = target; v != 0; v = pred[v]) len++;
        uint32_t keep = len < cap ? len : cap;
        uint32_t i = len;
        for (uint32_t v = target; v != 0; v = pred[v]) {
            i--;
            if (i >= len - keep) path[i - (len - keep)] = v;
        }
        len = keep;
    }
    free(pred);
    free(queue);
    return len;
}

uint32_t gmd_objgraph_path(const gmd_objgraph *g, uint32_t target, uint32_t *path, uint32_t cap)
{
    return gmd_objgraph_path_avoiding(g, target, NULL, path, cap);
}
