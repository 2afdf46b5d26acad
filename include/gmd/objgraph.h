/* The object graph of a heap dump, and what gmd computes on it: the
 * dominator tree with retained sizes, shortest paths from roots, and the
 * analyses of `gmd dump` (top retainers, leak suspects, histograms, diffs).
 *
 * Nodes are numbered with uint32 ids: node 0 is a super-root, then come the
 * root nodes (globals, goroutines and their frames, finalizers, other roots),
 * then heap objects sorted by address. Edges are CSR arrays. Per object the
 * graph keeps about 24 bytes plus 4 per edge, so a dump is analysed in less
 * memory than its size. */
#ifndef GMD_OBJGRAPH_H
#define GMD_OBJGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include "gmd/arena.h"
#include "gmd/err.h"
#include "gmd/heapdump.h"

#define GMD_NO_NODE UINT32_MAX
#define GMD_NSPARE 4

typedef enum gmd_node_kind {
    GMD_NODE_SUPER,        /* the super-root: points at every root */
    GMD_NODE_GLOBAL,       /* a global variable (or one data/bss pointer slot without symbols) */
    GMD_NODE_GOROUTINE,    /* a goroutine: points at its frames and its defer/panic/context pointers */
    GMD_NODE_FRAME,        /* one stack frame of a goroutine */
    GMD_NODE_FINALIZER,    /* registered or queued finalizer: keeps its object and closure */
    GMD_NODE_OTHER,        /* other-root records (none since Go 1.4) */
    GMD_NODE_GROUP,        /* goroutines alike (start, state, blocking frame): between the super-root and them */
    GMD_NODE_OBJECT,       /* a heap object */
} gmd_node_kind;

typedef struct gmd_dump_goroutine {
    uint64_t addr, goid, gopc, status, waitsince;
    const char *waitreason;     /* "" when none */
    bool system;
    uint32_t node;              /* its root node */
    uint32_t first_frame, nframes;   /* into graph->frames, innermost first */
    uint32_t group;             /* its group's root node, GMD_NO_NODE when alone (see dump_analyses.h) */
} gmd_dump_goroutine;

typedef struct gmd_dump_frame {
    uint64_t sp, entry, pc;
    const char *func;
    uint32_t depth, goroutine;  /* index into graph->goroutines */
    uint32_t node;
    uint64_t record;            /* byte offset of its record */
} gmd_dump_frame;

typedef struct gmd_dump_root {
    gmd_node_kind kind;
    const char *name;           /* "main.registry", "goroutine 7", "main.hold (frame 2)", ... */
    uint64_t addr;              /* global: symbol or slot address; frame: sp; finalizer: object */
    uint32_t index;             /* goroutine/frame index for those kinds, else 0 */
} gmd_dump_root;

typedef struct gmd_memprof_bucket {
    uint64_t id, size, allocs, frees;
    const char **funcs;         /* leaf first */
    const char **files;
    uint64_t *lines;
    uint32_t nframes;
} gmd_memprof_bucket;

/* How a global's address becomes a name (see elfsyms.h); NULL = unnamed. */
typedef const char *(*gmd_symbolize_fn)(void *ctx, uint64_t addr, uint64_t *sym_start);
/* How a type descriptor address becomes a type name; NULL = unknown. */
typedef const char *(*gmd_typename_fn)(void *ctx, uint64_t type_addr);

/* Called once the data segment is known, before any name is asked for
 * (gmd_elfsyms_match: relate the binary to the dump). */
typedef int (*gmd_segments_fn)(void *ctx, uint64_t data_addr, uint64_t data_len, gmd_err *err);

/* When `addr` lies in no symbol (an unnamed static block): the bounds of the
 * gap between symbols holding it and the symbol before it (see elfsyms.h). */
typedef bool (*gmd_gap_fn)(void *ctx, uint64_t addr, uint64_t *start, uint64_t *end, const char **prev,
                           uint64_t *prev_start);
/* The type a pointer global points to ("main.SessionRegistry" for
 * main.registry of type *main.SessionRegistry), or NULL. */
typedef const char *(*gmd_pointee_fn)(void *ctx, const char *global);

typedef struct gmd_objgraph gmd_objgraph;

typedef struct gmd_objgraph_opts {
    gmd_segments_fn segments;
    gmd_symbolize_fn symbolize;
    gmd_gap_fn gap;             /* optional: names unnamed static blocks after the globals pointing at them */
    gmd_pointee_fn pointee;     /* optional, with gap */
    gmd_typename_fn type_name;
    void *ctx;
    const gmd_hd_file *file;    /* when set, pages are dropped after use to bound RSS */
    /* Optional: called on a second thread once objects are indexed and
     * roots made, while this thread builds the edges (and the dominators,
     * with `dominators`). It may find and read objects and set the type
     * fields, as gmd_dump_types does; not touch edges or dominators. It is
     * joined before gmd_objgraph_build returns. */
    void (*indexed)(gmd_objgraph *g, void *ctx);
    bool dominators;            /* compute the dominator tree in the build too */
} gmd_objgraph_opts;

struct gmd_objgraph {
    gmd_arena arena;
    gmd_hd_reader reader;       /* over the dump bytes, which must outlive the graph */

    /* params */
    bool big_endian;
    unsigned ptr_size;
    uint64_t arena_start, arena_end, ncpu;
    const char *goarch, *goversion;
    bool has_memstats;
    uint64_t memstats[GMD_HD_NMEMSTATS];
    uint64_t record_counts[GMD_HD_NTAGS];

    uint32_t nnodes, nroots, nobjects;   /* nnodes = nroots + nobjects; roots include node 0 */
    gmd_dump_root *roots;       /* [nroots] */
    uint64_t *obj_addr;         /* [nobjects], sorted */
    uint32_t *obj_size;         /* [nobjects] slot sizes (at most 4 GiB each) */
    uint64_t *obj_rec;          /* [nobjects] byte offset of the object's record */
    uint32_t *page_first;       /* [npages + 1] first object at or above each 8 KiB page from obj_addr[0]; NULL when sparse */
    uint64_t npages;
    /* Word index: per 64 words (512 bytes) from obj_addr[0], which words
     * start an object and which lie in one, and the objects before; finding
     * an object is then two bit tests and a popcount. NULL when sparse or
     * when objects are not word-aligned (then page_first is used). */
    struct gmd_obj_block { uint64_t starts, covered; uint32_t rank, pad; } *blocks;
    uint64_t nblocks;
    uint64_t heap_bytes;

    uint32_t *out_start;        /* [nnodes + 1] CSR (fewer than 4 billion edges) */
    uint32_t *out;
    uint64_t nedges;

    gmd_dump_goroutine *goroutines; uint32_t ngoroutines;
    gmd_dump_frame *frames;         uint32_t nframes;
    gmd_memprof_bucket *buckets;    uint32_t nbuckets;
    uint32_t *obj_bucket;       /* [nobjects] bucket index from alloc samples, GMD_NO_NODE if none */
    uint64_t nsampled;
    uint64_t nthreads, nfinalizers, nqfinalizers, ndefers, npanics;
    uint64_t data_addr, data_len, bss_addr, bss_len;

    gmd_typename_fn type_name;
    void *type_ctx;
    const gmd_hd_file *file;    /* opts->file: later passes release its pages too */
    uint64_t data_rec, bss_rec;  /* byte offsets of the data and bss records; 0 when absent */
    uint64_t *itabs;            /* [2 * nitabs] itab address, type descriptor address (itab records) */
    uint32_t nitabs;

    /* Filled by gmd_dump_types (types propagated from DWARF): per object a
     * key into type_names, GMD_NO_NODE when unknown; NULL when not run. */
    uint32_t *obj_type;
    const char **type_names;
    uint32_t ntype_names;

    /* Filled by gmd_objgraph_dominators. */
    uint32_t *idom;             /* [nnodes]; GMD_NO_NODE when unreachable; idom[0] = 0 */
    uint64_t *retained;         /* [nnodes] bytes */
    uint32_t *retained_count;   /* [nnodes] objects */
    uint32_t *dom_start;        /* [nnodes + 1] dominator-tree children, CSR */
    uint32_t *dom_kids;
    uint64_t reachable_objects, reachable_bytes;

    /* Arrays the build no longer needs, kept for the dominator pass to
     * reuse instead of fresh pages (it frees those it does not take). */
    void *spare[GMD_NSPARE];
    size_t spare_size[GMD_NSPARE];
};

/* Read the whole dump and build the graph. NULL on error. */
gmd_objgraph *gmd_objgraph_build(const uint8_t *data, uint64_t len, const gmd_objgraph_opts *opts, gmd_err *err);
void gmd_objgraph_free(gmd_objgraph *g);

static inline bool gmd_node_is_object(const gmd_objgraph *g, uint32_t n) { return n >= g->nroots && n < g->nnodes; }
static inline uint32_t gmd_node_object(const gmd_objgraph *g, uint32_t n) { return n - g->nroots; }
gmd_node_kind gmd_node_kind_of(const gmd_objgraph *g, uint32_t n);
uint64_t gmd_node_size(const gmd_objgraph *g, uint32_t n);
/* The heap object containing `addr` (interior pointers too), or GMD_NO_NODE. */
uint32_t gmd_objgraph_find(const gmd_objgraph *g, uint64_t addr);
/* The same, and whether addr is the object's first byte (told by the word
 * index without reading obj_addr: a cache miss less on a random lookup). */
uint32_t gmd_objgraph_find_start(const gmd_objgraph *g, uint64_t addr, bool *at_start);
/* "main.registry", "goroutine 7 (chan receive)", "object 0xc000123000 (1 KiB, main.node)" */
const char *gmd_node_describe(const gmd_objgraph *g, uint32_t n, char *buf, size_t size);
/* Type name: propagated from typed roots (gmd_dump_types), else from the Go
 * 1.22+ malloc header (small objects > 512 bytes with pointers), else NULL. */
const char *gmd_object_type(const gmd_objgraph *g, uint32_t obj);
uint64_t gmd_object_type_addr(const gmd_objgraph *g, uint32_t obj);
/* A key per type for grouping (0 = unknown) and its name. */
uint64_t gmd_object_type_key(const gmd_objgraph *g, uint32_t obj);
const char *gmd_type_key_name(const gmd_objgraph *g, uint64_t key);
/* The pointer-sized word at byte `off` of an object; false past its end. */
bool gmd_object_word(const gmd_objgraph *g, uint32_t obj, uint64_t off, uint64_t *v);
/* "chan receive", "runnable", ...: the wait reason only when waiting. */
const char *gmd_goroutine_state(const gmd_dump_goroutine *gr);
/* Allocation site of a sampled object: its first frame outside the runtime, or NULL. */
const char *gmd_bucket_site(const gmd_memprof_bucket *b, const char **file, uint64_t *line);

/* Dominator tree over all nodes from node 0 (semi-NCA, iterative). */
int gmd_objgraph_dominators(gmd_objgraph *g, gmd_err *err);
/* The same on a second thread, so that type propagation (which neither
 * reads nor writes the dominator fields) runs meanwhile on the first; join
 * before using idom, retained or dom_*. Runs inline if no thread starts. */
typedef struct gmd_dom_job gmd_dom_job;
gmd_dom_job *gmd_objgraph_dominators_start(gmd_objgraph *g);
int gmd_objgraph_dominators_join(gmd_dom_job *job, gmd_err *err);

/* Shortest path from the super-root to `target` (breadth-first). Fills
 * path[0..n-1] from a root node to target; returns n, 0 if unreachable.
 * `cap` limits the length returned (the tail is kept). */
uint32_t gmd_objgraph_path(const gmd_objgraph *g, uint32_t target, uint32_t *path, uint32_t cap);
/* Same, ignoring the root nodes r with skip_root[r] set (to find paths from other roots). */
uint32_t gmd_objgraph_path_avoiding(const gmd_objgraph *g, uint32_t target, const uint8_t *skip_root, uint32_t *path,
                                    uint32_t cap);
/* Byte offset inside `from` of the pointer that refers to `to` (first one), or -1. */
int64_t gmd_objgraph_edge_offset(const gmd_objgraph *g, uint32_t from, uint32_t to);

#endif
