/* The call graph of a stack set, built the way pprof builds it
 * (internal/graph), so gmd's top, peek, tree, list and dot agree with
 * `go tool pprof` row for row.
 *
 * Nodes are keyed like pprof's NodeInfo after its granularity aggregation:
 *   functions  the function name only (pprof clears file names at this
 *              granularity, so equal names in two files are one node);
 *   lines      function name, file and line.
 * A frame without a function (unsymbolized location) becomes one node per
 * mapping file, printed "[binary]" (or "<unknown>" without a mapping), as
 * pprof prints it when addresses are not part of the key.
 *
 * Values, per stack with value v:
 *   cum   += v for each distinct node on the stack (recursion counts once);
 *   flat  += v for the leaf node;
 *   edge caller->callee += v once per stack, self edges (direct recursion)
 *         excluded. An edge is "inline" when every call it stands for was
 *         inlined into the caller; "residual" when it skips trimmed nodes.
 *
 * Building is linear in the number of frames: each location's lines are
 * mapped to node ids once, and per-stack deduplication uses stamp arrays. */
#ifndef GMD_GRAPH_H
#define GMD_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/err.h"
#include "gmd/stacks.h"

typedef enum gmd_granularity {
    GMD_GRAN_FUNCTIONS = 0,
    GMD_GRAN_LINES,
} gmd_granularity;

/* How nodes are ordered (and which survive nodecount): pprof's FlatNameOrder
 * (text reports), CumNameOrder (--cum) and EntropyOrder (its dot output). */
typedef enum gmd_graph_order {
    GMD_ORDER_FLAT = 0,
    GMD_ORDER_CUM,
    GMD_ORDER_ENTROPY,
} gmd_graph_order;

typedef struct gmd_graph_opts {
    gmd_granularity granularity;
    gmd_graph_order order;
    double nodefraction;        /* drop nodes with |cum| below this share; <0 = 0.005, 0 = keep all */
    double edgefraction;        /* drop edges with |weight| below this share; <0 = 0.001, 0 = keep all */
    int nodecount;              /* keep the first N nodes in `order`; 0 = all */
    bool remove_redundant_edges;/* drop residual edges whose ends are connected otherwise (dot) */
    bool no_edges;              /* values only (top): skips edge work and rebuild passes */
    bool count_tags;            /* pprof's visual mode (dot): each node's tags (up to 4) count
                                   toward nodecount, as the label/size boxes drawn for them */
    /* How numeric tags are named (pprof keys them by the printed value,
     * "1kB"); NULL prints the plain number. Kept for gmd_graph_tags. */
    const char *(*format_tag)(int64_t value, const char *unit, char *buf, size_t size);
} gmd_graph_opts;

typedef struct gmd_graph_node {
    const char *name;           /* function name; "" when unsymbolized */
    const char *file;           /* lines: the key's file. functions: the file of the first
                                   function seen with this name (informative, not part of the key) */
    int64_t line;               /* lines: the key's line; functions: 0 */
    const char *objfile;        /* mapping file of an unsymbolized node, else "" */
    const char *label;          /* pprof's printable name: "main.f", "main.f /a/b.go:12", "[prog]" */
    uint32_t function;          /* a representative index into profile->functions, GMD_NONE if none */
    int64_t flat, cum;
    uint32_t *in, *out;         /* edge indices, pprof's order: |weight| desc, then names */
    uint32_t nin, nout;
    uint32_t key;               /* identity, stable across rebuilds of one graph (internal) */
} gmd_graph_node;

typedef struct gmd_graph_edge {
    uint32_t src, dst;          /* node indices: caller, callee */
    int64_t weight;
    bool inline_call;           /* all calls along this edge were inlined into the caller */
    bool residual;              /* the edge skips one or more trimmed nodes */
} gmd_graph_edge;

typedef struct gmd_graph_impl gmd_graph_impl;

typedef struct gmd_graph {
    const gmd_stackset *stacks;
    gmd_granularity granularity;
    gmd_graph_node *nodes;      /* in opts.order */
    uint32_t nnodes;
    uint32_t nghosts;           /* nodes[nnodes .. nnodes+nghosts): all-zero nodes (a delta profile's
                                   +1 and -1) that edges still touch, as in pprof when no trimming
                                   rebuilt its graph; never listed, only named by edges */
    gmd_graph_edge *edges;      /* only edges between kept nodes, trimmed by edgefraction */
    uint32_t nedges;

    int64_t total;              /* pprof's report total: sum of |value| over all samples,
                                   before focus/ignore/hide/show; percentages are of this */
    int64_t shown;              /* sum of flat over the nodes (the "accounting for" value) */
    uint32_t dropped_nodes;     /* removed by nodefraction */
    int64_t dropped_cutoff;     /* the X of "Dropped N nodes (cum <= X)": |total * nodefraction| */
    uint32_t dropped_edges;     /* removed by edgefraction */
    int64_t dropped_edge_cutoff;/* |total * edgefraction| */
    uint32_t orig_count;        /* nodes after nodefraction, before nodecount */
    int64_t tag_cutoff;         /* tags below this (flat and cum) are dropped: pprof's node cutoff */

    const char *(*format_tag)(int64_t value, const char *unit, char *buf, size_t size);
    gmd_graph_impl *impl;       /* private: key tables for gmd_graph_restrict */
} gmd_graph;

/* Build the trimmed graph as pprof's report does: full graph, drop nodes by
 * nodefraction (rebuilding so edges bridge the gaps), sort, keep nodecount,
 * drop light edges. opts NULL = defaults (functions, flat order). */
int gmd_graph_build(const gmd_stackset *s, const gmd_graph_opts *opts, gmd_graph *g, gmd_err *err);
void gmd_graph_free(gmd_graph *g);

/* pprof's node tags (the boxes dot hangs under a node): per listed node,
 * its samples' string label set (a "label tag") and each numeric label
 * value under that set (a "numeric tag", e.g. a heap sample's bytes=1024),
 * with flat (the node is the leaf) and cum values. Tags with |flat| and
 * |cum| below g->tag_cutoff are left out, as pprof trims them. */
typedef struct gmd_graph_tag {
    uint32_t node;              /* index into g->nodes */
    const char *labels;         /* "k:v" of the sample's string labels, sorted, joined by a literal
                                   backslash-n (pprof's form, a DOT line break); "" = none */
    const char *name;           /* label tag: == labels; numeric tag: the value as pprof names it ("1kB") */
    const char *unit;           /* numeric tag: its unit (the label's key when none is given); NULL for
                                   a label tag */
    int64_t value;              /* numeric tag: the first value seen under this name */
    int64_t flat, cum;
} gmd_graph_tag;

/* The tags of g's listed nodes, ordered by node; *out is malloc'ed (strings
 * live in the graph). Returns the count. */
uint32_t gmd_graph_tags(const gmd_graph *g, gmd_graph_tag **out);

/* Rebuild `g` keeping only nodes i with keep[i] (from the same stacks; values
 * are recomputed and edges bridge removed nodes as residual edges), then
 * sort in `order`. For callers that pick nodes themselves (e.g. dot with
 * nodelets counted). Edge trimming is not applied again. */
void gmd_graph_restrict(gmd_graph *g, const bool *keep, gmd_graph_order order);

/* Index of the node whose label equals `label`, or UINT32_MAX. Linear. */
uint32_t gmd_graph_find(const gmd_graph *g, const char *label);

/* "functions" / "lines" -> enum; -1 for anything else (NULL = functions). */
int gmd_granularity_parse(const char *s);

#endif
