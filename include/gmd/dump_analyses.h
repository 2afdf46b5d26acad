/* What `gmd dump` computes on an object graph after its dominators:
 * retainers by root, object and allocation site, leak suspects, histograms. */
#ifndef GMD_DUMP_ANALYSES_H
#define GMD_DUMP_ANALYSES_H

#include "gmd/objgraph.h"

/* Goroutine groups. Goroutines alike -- the same creation site (gopc), state
 * and innermost user frame (function and pc) -- are what a Go engineer
 * recognises as one thing ("8,800 goroutines blocked in chan send at
 * main.publish.func1"). Each group of two or more gets a GMD_NODE_GROUP root
 * between the super-root and its goroutines, so the dominator tree gives
 * its exact retained size: the goroutines' own and what they share.
 *
 * Called by gmd_objgraph_build once the frames are read: sets each
 * goroutine's group to a group index (0..n-1; GMD_NO_NODE when alone) and
 * *names to the groups' root names. Returns the number of groups. */
uint32_t gmd_dump_group_goroutines(gmd_objgraph *g, const char ***names);
/* Called by gmd_objgraph_build after the edges, before the dominators: a
 * goroutine's runtime.g (its root points at it) and the sudogs it waits
 * with belong to it. The runtime's lists (allgs, run and wait queues, Ms)
 * point at them too, but would drop them with the goroutine; edges into
 * them from anything but their goroutine are removed. */
void gmd_dump_own_goroutine_objects(gmd_objgraph *g);
/* The innermost frame of the goroutine that is the user's (main or a
 * package whose path starts with a domain), else the innermost outside
 * runtime and internal packages, else the outermost; NULL without frames. */
const gmd_dump_frame *gmd_dump_goroutine_frame(const gmd_objgraph *g, const gmd_dump_goroutine *gr);

typedef struct gmd_dump_group {
    uint32_t node;          /* its root node */
    uint32_t count;         /* goroutines */
    uint32_t first;         /* its first goroutine (index into graph->goroutines) */
    const char *state;      /* wait reason, else status */
    bool waiting;
    const gmd_dump_frame *frame;   /* innermost user frame of the first goroutine, or NULL */
    uint64_t gopc;
    uint64_t stack_bytes;   /* the goroutines' stacks (runtime.g stack.hi - stack.lo): memory outside the heap */
} gmd_dump_group;
/* A group root (GMD_NODE_GROUP) or a goroutine root (a group of one). */
bool gmd_dump_group_info(const gmd_objgraph *g, uint32_t node, gmd_dump_group *out);

void gmd_dump_sort_by_retained(const gmd_objgraph *g, uint32_t *nodes, uint32_t n);
/* Root nodes (globals, goroutines, finalizers) by retained size; caller frees *out. */
uint32_t gmd_dump_top_roots(const gmd_objgraph *g, uint32_t **out);
/* Objects directly under a root (or shared by several roots) in the dominator tree. */
uint32_t gmd_dump_top_objects(const gmd_objgraph *g, uint32_t **out);
/* The same, with only the first `max` (0 = all) in order: the rest follow
 * unordered. Returns the count of all of them. */
uint32_t gmd_dump_top_objects_n(const gmd_objgraph *g, uint32_t max, uint32_t **out);
/* Unreachable objects that are span tails: slots at the end of a span of
 * small objects where the runtime keeps the span's pointer bitmap (Go
 * 1.22+) and mark bits (Go 1.26+), which runtime.WriteHeapDump writes as
 * objects. Counted only among unreachable objects, so a wrong guess about
 * the layout can never hide a live object. */
void gmd_dump_span_tails(const gmd_objgraph *g, uint64_t *objects, uint64_t *bytes);
/* Bytes reachable from several roots and retained by none alone. */
uint64_t gmd_dump_shared_bytes(const gmd_objgraph *g, uint32_t *count);

/* Retained size by allocation site (first non-runtime frame of the memprof
 * bucket of sampled objects) or, with per_bucket, by whole stack. A site's
 * retained bytes are the union of the dominator subtrees of its sampled
 * objects, so nested objects of one site are not counted twice. */
typedef struct gmd_dump_sites_result {
    uint32_t n;
    uint32_t *bucket;      /* [n] a bucket of the site (its stack) */
    uint64_t *retained;    /* [n] bytes */
    uint64_t *objects;     /* [n] sampled live objects */
    uint32_t *order;       /* [n] indices by retained, descending */
} gmd_dump_sites_result;
void gmd_dump_sites(const gmd_objgraph *g, bool per_bucket, gmd_dump_sites_result *res);
void gmd_dump_sites_free(gmd_dump_sites_result *res);

typedef struct gmd_dump_suspect {
    uint32_t root;          /* child of the super-root: a root node or a shared object */
    uint32_t point;         /* accumulation point under it */
    bool chain;             /* point heads a chain of same-sized objects (a linked list) */
    uint32_t children;      /* dominator-tree children of the point */
    uint64_t common_size;   /* slot size holding most bytes below the point */
    uint32_t common_count;
    uint64_t common_bytes;
    const char *common_type;   /* NULL when unknown */
    /* The point is a container the user declared (its internals, such as a
     * map's tables and groups, lifted to it): "map", "slice" (a backing
     * array), "chan"; NULL otherwise. entries: map entries, channel
     * elements queued, the array's dominator-tree children. */
    const char *container;
    uint64_t entries;
    /* A type suspect (by_type): no root retains the objects of one type,
     * but together they retain at least the threshold -- connections held
     * by a reader goroutine, a writer goroutine and a map at once. root and
     * point are then its largest object shared by several roots. */
    bool by_type;
    const char *type;
    uint64_t type_key;
    uint64_t type_objects, type_retained;      /* reachable objects; retained by the set, as histogram --by type */
    uint64_t shared_objects, shared_retained;  /* those the super-root dominates (shared by several roots) */
    struct gmd_dump_holder *holders;           /* by objects referenced, descending */
    uint32_t nholders;
    uint32_t more_holders;                     /* holders left out past GMD_DUMP_MAX_HOLDERS */
} gmd_dump_suspect;

/* Who references the objects of a type suspect, from outside them: the
 * root above the referrer in the dominator tree (a global, a goroutine
 * group, a goroutine, or a shared object -- these merged by type) and the
 * nearest map or channel (else slice backing array) between that root and
 * the objects. References from inside an object of the type do not count. */
#define GMD_DUMP_MAX_HOLDERS 16
typedef struct gmd_dump_holder {
    uint32_t top;           /* child of the super-root: a root node or a shared object (an example) */
    uint32_t container;     /* an example container node, GMD_NO_NODE when none */
    const char *container_kind;   /* "map", "chan", "slice" or NULL */
    uint32_t containers;    /* distinct containers merged in this holder (same type, same top) */
    uint64_t entries;       /* their entries (maps) or queued elements (channels), summed; 0 for slices */
    uint32_t tops;          /* distinct shared objects merged (by type) when top is a shared object, else 1 */
    uint64_t objects;       /* distinct objects of the type it references */
} gmd_dump_holder;

/* Roots or shared objects retaining at least `threshold` (0..1) of the
 * reachable heap, and types whose shared objects together do; ranked by
 * retained bytes. Free with gmd_dump_suspects_free. */
uint32_t gmd_dump_suspects(const gmd_objgraph *g, double threshold, gmd_dump_suspect **out);
void gmd_dump_suspects_free(gmd_dump_suspect *s, uint32_t n);

typedef struct gmd_dump_hist_row {
    uint64_t key;           /* slot size, or gmd_object_type_key (0 = unknown type) */
    uint64_t count, bytes, reachable, reachable_bytes;
    uint64_t retained;      /* bytes freed if all the row's objects went (union of their dominator subtrees) */
} gmd_dump_hist_row;
typedef struct gmd_dump_histogram_result {
    uint32_t n;
    gmd_dump_hist_row *rows;   /* sorted by bytes, descending */
} gmd_dump_histogram_result;
void gmd_dump_histogram(const gmd_objgraph *g, bool by_type, gmd_dump_histogram_result *res);
void gmd_dump_histogram_free(gmd_dump_histogram_result *res);

/* Retained sizes as a profile (retained_space/bytes, retained_objects/count):
 * by allocation stack, or with by_root by root ("globals;main.registry",
 * "goroutines;goroutine 7 [chan receive];main.hold"). */
#include "gmd/profile.h"
gmd_profile *gmd_dump_profile(const gmd_objgraph *g, bool by_root);

#endif
