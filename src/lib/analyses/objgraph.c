/* Building the object graph of a heap dump in two passes over the records.
 *
 * Pass 1 streams every record once: objects leave (address, size, record
 * offset) in three flat arrays; goroutines, frames, segments, finalizers and
 * memprof buckets are kept whole (they are few). Objects are then sorted by
 * address (LSD radix sort) and a page index makes "which object contains
 * this address" a short binary search. Pass 2 walks objects in address order
 * and appends each one's resolved pointer targets to one CSR edge array, so
 * nothing is allocated per object. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/dump_analyses.h"
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/objgraph.h"
#include "gmd/xalloc.h"

#define DROP_EVERY (64ull << 20)   /* release mmap'd pages every 64 MiB read */
#define PAGE_SHIFT 13              /* the runtime's 8 KiB pages */

/* Root edges are collected before the number of roots is known, so a
 * target is either a root id or an object index (shifted later). */
typedef struct pending_edge {
    uint32_t from, to;
    bool to_object;
} pending_edge;

typedef struct gptr {
    uint64_t g, ptr;
} gptr;

typedef struct builder {
    gmd_objgraph *g;
    const gmd_objgraph_opts *opts;
    gmd_intern strings;
    gmd_hd_reader reader;   /* pass 2's, copied before opts->indexed may use the graph's */
    bool side;              /* opts->indexed runs on a thread of its own */
    /* pass 1 */
    uint64_t *addr, *rec;
    uint32_t *size;
    uint32_t n, cap;
    uint64_t data_rec, bss_rec;
    bool has_data, has_bss;
    struct { uint64_t obj, fn; bool queued; } *fins;
    uint32_t nfins, capfins;
    gptr *gptrs;      /* defer closures and panic values, by G */
    uint32_t ngptrs, capgptrs;
    struct { const char *desc; uint64_t ptr; } *others;
    uint32_t nothers, capothers;
    struct { uint64_t addr, bucket; } *samples;
    uint64_t nsamples, capsamples;
    uint32_t capgs, capframes, capbuckets, nitabs, capitabs;
    /* page index over sorted objects */
    uint64_t lo, hi;                         /* [lowest address, highest end) */
    uint32_t *page_first;                    /* first object whose address >= page start */
    uint64_t npages;
    /* roots */
    pending_edge *redges;
    uint64_t nredges, capredges;
    uint32_t nroots, caproots;
} builder;

gmd_node_kind gmd_node_kind_of(const gmd_objgraph *g, uint32_t n)
{
    return n < g->nroots ? g->roots[n].kind : GMD_NODE_OBJECT;
}

uint64_t gmd_node_size(const gmd_objgraph *g, uint32_t n)
{
    return n >= g->nroots && n < g->nnodes ? g->obj_size[n - g->nroots] : 0;
}

/* Big arrays the build is done with are kept for the dominator pass to
 * reuse (gmd_objgraph.spare): their pages are touched already, and fresh
 * ones cost the kernel's zeroing (about 1 GB/s on the bench VM). */
static void keep_spare(gmd_objgraph *g, void *p, size_t size)
{
    for (int i = 0; p && size >= (1u << 20) && i < GMD_NSPARE; i++) {
        if (g->spare[i]) continue;
        g->spare[i] = p;
        g->spare_size[i] = size;
        return;
    }
    free(p);
}

typedef struct obj_run {
    uint64_t first;
    uint32_t start, len;
} obj_run;

static int by_first(const void *x, const void *y)
{
    const obj_run *a = x, *c = y;
    return a->first < c->first ? -1 : a->first > c->first;
}

static void copy_runs(void *dst, const void *src, size_t elem, const obj_run *runs, uint32_t nruns)
{
    size_t at = 0;
    for (uint32_t k = 0; k < nruns; k++) {
        memcpy((char *)dst + at * elem, (const char *)src + (size_t)runs[k].start * elem, (size_t)runs[k].len * elem);
        at += runs[k].len;
    }
}

/* A new run starts where the address goes down or enters another 8 KiB
 * page: spans own whole pages, so runs cut at pages never interleave even
 * when the spans listed one after another climb over spans listed later. */
static inline bool run_breaks(const uint64_t *addr, uint32_t i)
{
    return addr[i] <= addr[i - 1] || (addr[i] >> PAGE_SHIFT) != (addr[i - 1] >> PAGE_SHIFT);
}

/* The dump lists objects span by span: sorted runs, the spans in allocation
 * order. When the runs do not interleave, sorting the runs and copying them
 * in order is a sequential pass (the radix sort's gathers miss the cache on
 * every object), and each array moves into the one freed before it. */
static bool sort_runs(builder *b)
{
    uint32_t n = b->n, nruns = 1;
    for (uint32_t i = 1; i < n; i++) nruns += run_breaks(b->addr, i);
    if (nruns > n / 2) return false;
    obj_run *runs = gmd_xmalloc((size_t)nruns * sizeof *runs);
    uint32_t k = 0;
    runs[0] = (obj_run){b->addr[0], 0, 0};
    for (uint32_t i = 1; i < n; i++) {
        if (!run_breaks(b->addr, i)) continue;
        runs[k].len = i - runs[k].start;
        runs[++k] = (obj_run){b->addr[i], i, 0};
    }
    runs[k].len = n - runs[k].start;
    qsort(runs, nruns, sizeof *runs, by_first);
    for (k = 0; k + 1 < nruns; k++) {
        if (b->addr[runs[k].start + runs[k].len - 1] >= runs[k + 1].first) {
            free(runs);
            return false;
        }
    }
    uint64_t *addr = gmd_xmalloc((size_t)n * sizeof *addr);
    copy_runs(addr, b->addr, sizeof *addr, runs, nruns);
    uint64_t *rec = b->addr;   /* free now */
    copy_runs(rec, b->rec, sizeof *rec, runs, nruns);
    uint32_t *size = (uint32_t *)b->rec;   /* free now, twice as large as needed */
    copy_runs(size, b->size, sizeof *size, runs, nruns);
    keep_spare(b->g, b->size, (size_t)b->cap * sizeof *b->size);
    free(runs);
    b->addr = addr;
    b->rec = rec;
    b->size = gmd_xrealloc(size, (size_t)n * sizeof *size);
    b->cap = n;
    return true;
}

/* Radix sort of object indices by address, when the runs interleave. */
static void sort_objects(builder *b)
{
    uint32_t n = b->n;
    bool sorted = true;
    for (uint32_t i = 1; i < n && sorted; i++)
        if (b->addr[i] < b->addr[i - 1]) sorted = false;
    if (sorted || sort_runs(b)) return;
    uint32_t *idx = gmd_xmalloc((size_t)n * sizeof *idx);
    uint32_t *tmp = gmd_xmalloc((size_t)n * sizeof *tmp);
    for (uint32_t i = 0; i < n; i++) idx[i] = i;
    {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (b->addr[i] < lo) lo = b->addr[i];
            if (b->addr[i] > hi) hi = b->addr[i];
        }
        uint64_t span = hi - lo;
        uint32_t count[1 << 11];
        for (unsigned shift = 0; shift < 64 && (span >> shift); shift += 11) {
            memset(count, 0, sizeof count);
            for (uint32_t i = 0; i < n; i++) count[((b->addr[idx[i]] - lo) >> shift) & 2047]++;
            uint32_t sum = 0;
            for (unsigned k = 0; k < 2048; k++) {
                uint32_t c = count[k];
                count[k] = sum;
                sum += c;
            }
            for (uint32_t i = 0; i < n; i++) tmp[count[((b->addr[idx[i]] - lo) >> shift) & 2047]++] = idx[i];
            uint32_t *t = idx;
            idx = tmp;
            tmp = t;
        }
        /* Permute the three arrays, one at a time through the spare buffer. */
        uint64_t *spare = gmd_xmalloc((size_t)n * sizeof *spare);
        uint64_t **arrays[2] = {&b->addr, &b->rec};
        for (int a = 0; a < 2; a++) {
            uint64_t *src = *arrays[a];
            for (uint32_t i = 0; i < n; i++) spare[i] = src[idx[i]];
            *arrays[a] = spare;
            spare = src;
        }
        free(spare);
        uint32_t *sizes = tmp;   /* the radix buffer is free now */
        for (uint32_t i = 0; i < n; i++) sizes[i] = b->size[idx[i]];
        tmp = b->size;
        b->size = sizes;
    }
    free(idx);
    free(tmp);
}

/* Without -mpopcnt the builtin is a libgcc call; this is inlined. */
static inline uint32_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* Sets bits [from, to) of a bitmap of 64-bit words spread over blocks. */
static void set_bits(struct gmd_obj_block *blk, uint64_t from, uint64_t to, bool starts)
{
    while (from < to) {
        uint64_t w = from >> 6, bit = from & 63;
        uint64_t n = to - from < 64 - bit ? to - from : 64 - bit;
        uint64_t mask = (n == 64 ? ~0ull : ((1ull << n) - 1)) << bit;
        if (starts) blk[w].starts |= mask;
        else blk[w].covered |= mask;
        from += n;
    }
}

/* Random pointer lookups dominate the graph build (a binary search per
 * pointer cost a third of `dump top`); heap objects are word-aligned, so a
 * rank over a bitmap of object starts answers in one or two cache misses. */
static void build_word_index(gmd_objgraph *g)
{
    uint32_t n = g->nobjects;
    if (!n) return;
    for (uint32_t i = 0; i < n; i++)
        if ((g->obj_addr[i] | g->obj_size[i]) & 7) return;   /* not a Go heap layout: keep the page index */
    uint64_t lo = g->obj_addr[0];
    uint64_t words = (g->obj_addr[n - 1] + g->obj_size[n - 1] - lo) >> 3;
    uint64_t nblocks = (words + 63) >> 6;
    if (nblocks > (uint64_t)n * 2 + 1024) return;   /* sparse: the index would outweigh the objects */
    struct gmd_obj_block *blk = gmd_xcalloc((size_t)nblocks, sizeof *blk);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t w = (g->obj_addr[i] - lo) >> 3;
        blk[w >> 6].starts |= 1ull << (w & 63);
        set_bits(blk, w, w + (g->obj_size[i] >> 3), false);
    }
    uint32_t rank = 0;
    for (uint64_t k = 0; k < nblocks; k++) {
        blk[k].rank = rank;
        rank += popcount64(blk[k].starts);
    }
    g->blocks = blk;
    g->nblocks = nblocks;
}

static inline uint32_t word_find(const gmd_objgraph *g, uint64_t a)
{
    uint64_t lo = g->obj_addr[0];
    if (a < lo) return UINT32_MAX;
    uint64_t w = (a - lo) >> 3;
    if ((w >> 6) >= g->nblocks) return UINT32_MAX;
    const struct gmd_obj_block *blk = &g->blocks[w >> 6];
    unsigned bit = (unsigned)(w & 63);
    if (!((blk->covered >> bit) & 1)) return UINT32_MAX;
    return blk->rank + popcount64(blk->starts & (~0ull >> (63 - bit))) - 1;
}

static int build_page_index(builder *b, gmd_err *err)
{
    gmd_objgraph *g = b->g;
    if (!b->n) return 0;
    for (uint32_t i = 1; i < b->n; i++) {
        if (b->addr[i] < b->addr[i - 1] + b->size[i - 1])
            return gmd_err_at(err, (int64_t)b->rec[i], "object at 0x%llx overlaps the object at 0x%llx",
                              (unsigned long long)b->addr[i], (unsigned long long)b->addr[i - 1]);
    }
    b->lo = b->addr[0];
    b->hi = b->addr[b->n - 1] + b->size[b->n - 1];
    uint64_t npages = ((b->hi - b->lo) >> PAGE_SHIFT) + 1;
    /* A sparse heap (rare) would make the index huge: fall back to plain binary search. */
    if (npages <= (uint64_t)b->n * 4 + 1024) {
        b->npages = npages;
        b->page_first = gmd_xmalloc((size_t)(npages + 1) * sizeof *b->page_first);
        uint32_t i = 0;
        for (uint64_t p = 0; p <= npages; p++) {
            uint64_t base = b->lo + (p << PAGE_SHIFT);
            while (i < b->n && b->addr[i] < base) i++;
            b->page_first[p] = i;
        }
    }
    g->obj_addr = b->addr;
    g->obj_size = b->size;
    g->obj_rec = b->rec;
    g->nobjects = b->n;
    build_word_index(g);
    return 0;
}

/* Index of the object containing addr, or UINT32_MAX. */
static uint32_t find_object(const uint64_t *addr, const uint32_t *size, uint32_t n, const uint32_t *page_first,
                            uint64_t npages, uint64_t lo, uint64_t hi, uint64_t a)
{
    if (a < lo || a >= hi) return UINT32_MAX;
    uint32_t l = 0, r = n;   /* find the last object with addr <= a, within [l, r) */
    if (page_first) {
        uint64_t p = (a - lo) >> PAGE_SHIFT;
        l = page_first[p] ? page_first[p] - 1 : 0;
        r = p + 1 <= npages ? page_first[p + 1] : n;
        if (r < n) r++;
        if (r > n) r = n;
    }
    while (r - l > 1) {
        uint32_t m = l + (r - l) / 2;
        if (addr[m] <= a) l = m;
        else r = m;
    }
    if (addr[l] <= a && a - addr[l] < size[l]) return l;
    return UINT32_MAX;
}

uint32_t gmd_objgraph_find(const gmd_objgraph *g, uint64_t addr)
{
    if (!g->nobjects) return GMD_NO_NODE;
    if (g->blocks) {
        uint32_t i = word_find(g, addr);
        return i == UINT32_MAX ? GMD_NO_NODE : g->nroots + i;
    }
    uint64_t hi = g->obj_addr[g->nobjects - 1] + g->obj_size[g->nobjects - 1];
    uint32_t i = find_object(g->obj_addr, g->obj_size, g->nobjects, g->page_first, g->npages, g->obj_addr[0], hi, addr);
    return i == UINT32_MAX ? GMD_NO_NODE : g->nroots + i;
}

uint32_t gmd_objgraph_find_start(const gmd_objgraph *g, uint64_t addr, bool *at_start)
{
    *at_start = false;
    if (!g->blocks) {
        uint32_t n = gmd_objgraph_find(g, addr);
        *at_start = n != GMD_NO_NODE && g->obj_addr[n - g->nroots] == addr;
        return n;
    }
    if (!g->nobjects) return GMD_NO_NODE;
    uint32_t i = word_find(g, addr);
    if (i == UINT32_MAX) return GMD_NO_NODE;
    uint64_t w = (addr - g->obj_addr[0]) >> 3;
    *at_start = !(addr & 7) && (g->blocks[w >> 6].starts >> (w & 63) & 1);   /* objects start on words */
    return g->nroots + i;
}

/* Object index containing a, or UINT32_MAX. */
static uint32_t resolve_obj(const builder *b, uint64_t a)
{
    if (b->g->blocks) return word_find(b->g, a);
    return find_object(b->addr, b->size, b->n, b->page_first, b->npages, b->lo, b->hi, a);
}

static uint32_t new_root(builder *b, gmd_node_kind kind, const char *name, uint64_t addr, uint32_t index)
{
    gmd_objgraph *g = b->g;
    GMD_VEC_RESERVE1(g->roots, b->nroots, b->caproots);
    g->roots[b->nroots] = (gmd_dump_root){kind, name, addr, index};
    return b->nroots++;
}

static void edge_to_object(builder *b, uint32_t from, uint32_t obj)
{
    if (obj == UINT32_MAX) return;
    GMD_VEC_PUSH(b->redges, b->nredges, b->capredges, ((pending_edge){from, obj, true}));
}

static void edge_to_root(builder *b, uint32_t from, uint32_t root)
{
    GMD_VEC_PUSH(b->redges, b->nredges, b->capredges, ((pending_edge){from, root, false}));
}

static const char *intern_bytes(builder *b, gmd_hd_bytes s)
{
    return gmd_intern_n(&b->strings, (const char *)s.p, (size_t)s.len);
}

/* Pass 1 on two threads. Records carry no length, so the second thread
 * guesses a record boundary in the middle of the dump (a place from which
 * many object records in a row parse) and reads object records from there
 * until anything else. Its guess is only used if the first thread, reading
 * from the start, lands exactly on one of the records it read: parsing is
 * the same from the same byte on, so the result is what one thread would
 * have read, and a wrong guess only costs the time spent. */
#define SPLIT_MIN (64ull << 20)     /* smaller dumps: one thread */
#define SPLIT_SEARCH (1ull << 20)   /* bytes tried for a boundary */
#define SPLIT_CHECK 64              /* object records in a row that make one */

typedef struct obj_scan {
    gmd_hd_reader reader;    /* a copy, once the params are known */
    const gmd_hd_file *file;
    uint64_t from;           /* where the search for a boundary starts */
    uint64_t stop;           /* offset of the first record not taken */
    uint64_t *addr, *rec;    /* every object record taken, zero-sized ones too */
    uint32_t *size;
    uint32_t n, cap;
    pthread_t thread;
    bool started, joined;
} obj_scan;

static bool scan_object(gmd_hd_reader *r, gmd_hd_record *rec, gmd_err *err)
{
    return gmd_hd_next(r, rec, err) > 0 && rec->tag == GMD_HD_OBJECT && rec->u.obj.contents.len <= UINT32_MAX &&
           rec->u.obj.addr + rec->u.obj.contents.len >= rec->u.obj.addr && !(rec->u.obj.addr & (r->ptr_size - 1));
}

static void *scan_objects(void *arg)
{
    obj_scan *s = arg;
    gmd_hd_reader *r = &s->reader;
    gmd_hd_record rec;
    gmd_err err;
    uint64_t start = UINT64_MAX, end = s->from + SPLIT_SEARCH < r->len ? s->from + SPLIT_SEARCH : r->len;
    for (uint64_t x = s->from; x < end && start == UINT64_MAX; x++) {
        if (r->data[x] != GMD_HD_OBJECT) continue;
        r->pos = x;
        r->seen_eof = false;
        int k = 0;
        while (k < SPLIT_CHECK && scan_object(r, &rec, &err)) k++;
        if (k == SPLIT_CHECK) start = x;
    }
    s->stop = start;
    if (start == UINT64_MAX) return NULL;
    r->pos = start;
    r->seen_eof = false;
    uint64_t dropped = start;
    for (;;) {
        uint64_t at = r->pos;
        if (s->n == UINT32_MAX - 1024 || !scan_object(r, &rec, &err)) {
            s->stop = at;
            break;
        }
        if (s->n == s->cap) {
            s->cap = s->cap ? (s->cap > (1u << 30) ? UINT32_MAX - 1 : s->cap * 2) : 1024;
            s->addr = gmd_xrealloc(s->addr, (size_t)s->cap * sizeof *s->addr);
            s->size = gmd_xrealloc(s->size, (size_t)s->cap * sizeof *s->size);
            s->rec = gmd_xrealloc(s->rec, (size_t)s->cap * sizeof *s->rec);
        }
        s->addr[s->n] = rec.u.obj.addr;
        s->size[s->n] = (uint32_t)rec.u.obj.contents.len;
        s->rec[s->n] = at;
        s->n++;
        if (s->file && r->pos - dropped >= DROP_EVERY) {
            gmd_hd_file_drop(s->file, dropped, at);
            dropped = at;
        }
    }
    return NULL;
}

static void scan_join(obj_scan *s)
{
    if (s->started && !s->joined) pthread_join(s->thread, NULL);
    s->joined = true;
}

static void scan_free(obj_scan *s, gmd_objgraph *g)
{
    scan_join(s);
    keep_spare(g, s->addr, (size_t)s->cap * sizeof *s->addr);
    keep_spare(g, s->rec, (size_t)s->cap * sizeof *s->rec);
    keep_spare(g, s->size, (size_t)s->cap * sizeof *s->size);
    memset(s, 0, sizeof *s);
}

/* The first thread is at `pos`: take the second thread's objects if pos
 * is one of them. True when taken (the reader then moves past them). */
static bool scan_merge(builder *b, obj_scan *s)
{
    uint32_t lo = 0, hi = s->n;
    uint64_t pos = b->g->reader.pos;
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (s->rec[m] < pos) lo = m + 1;
        else hi = m;
    }
    if (lo == s->n || s->rec[lo] != pos) return false;
    uint32_t k = lo, take = 0;
    for (uint32_t i = k; i < s->n; i++) take += s->size[i] != 0;
    if ((uint64_t)b->n + take >= UINT32_MAX - 1024) return false;   /* let one thread report it */
    if (b->n + take > b->cap) {
        b->cap = b->n + take;
        b->addr = gmd_xrealloc(b->addr, (size_t)b->cap * sizeof *b->addr);
        b->size = gmd_xrealloc(b->size, (size_t)b->cap * sizeof *b->size);
        b->rec = gmd_xrealloc(b->rec, (size_t)b->cap * sizeof *b->rec);
    }
    for (uint32_t i = k; i < s->n; i++) {
        if (!s->size[i]) continue;   /* zero-size slots hold nothing */
        b->addr[b->n] = s->addr[i];
        b->size[b->n] = s->size[i];
        b->rec[b->n] = s->rec[i];
        b->g->heap_bytes += s->size[i];
        b->n++;
    }
    b->g->record_counts[GMD_HD_OBJECT] += s->n - k;
    b->g->reader.pos = s->stop;
    return true;
}

/* Taken, or not landed on within a while: the second thread's work is
 * dropped (streams that disagree at its start rarely agree later). */
static bool scan_merge_done(const builder *b, const obj_scan *s)
{
    uint64_t pos = b->g->reader.pos;
    return pos >= s->stop || pos - s->rec[0] > SPLIT_SEARCH;
}

static int pass1_records(builder *b, obj_scan *scan, gmd_err *err);

static int pass1(builder *b, gmd_err *err)
{
    obj_scan scan;
    memset(&scan, 0, sizeof scan);
    int rc = pass1_records(b, &scan, err);
    scan_free(&scan, b->g);
    return rc;
}

static int pass1_records(builder *b, obj_scan *scan, gmd_err *err)
{
    gmd_objgraph *g = b->g;
    gmd_hd_record rec;
    uint64_t dropped = 0;
    int rc;
    for (;;) {
        if (scan->started && g->reader.pos >= scan->from && !scan->joined) scan_join(scan);
        if (scan->joined && scan->n && g->reader.pos >= scan->rec[0]) {
            if (scan_merge(b, scan)) dropped = scan->stop;
            if (scan_merge_done(b, scan)) scan_free(scan, g);
        }
        if ((rc = gmd_hd_next(&g->reader, &rec, err)) <= 0) break;
        g->record_counts[rec.tag]++;
        switch (rec.tag) {
        case GMD_HD_OBJECT:
            if (b->n == UINT32_MAX - 1024)
                return gmd_err_at(err, (int64_t)rec.offset, "more than 4 billion objects");
            if (b->n == b->cap) {
                b->cap = b->cap ? (b->cap > (1u << 30) ? UINT32_MAX - 1 : b->cap * 2) : 1024;
                b->addr = gmd_xrealloc(b->addr, (size_t)b->cap * sizeof *b->addr);
                b->size = gmd_xrealloc(b->size, (size_t)b->cap * sizeof *b->size);
                b->rec = gmd_xrealloc(b->rec, (size_t)b->cap * sizeof *b->rec);
            }
            if (rec.u.obj.contents.len == 0) break;   /* zero-size slots hold nothing */
            if (rec.u.obj.contents.len > UINT32_MAX)
                return gmd_err_at(err, (int64_t)rec.offset, "object of %llu bytes: larger than 4 GiB",
                                  (unsigned long long)rec.u.obj.contents.len);
            if (rec.u.obj.addr + rec.u.obj.contents.len < rec.u.obj.addr)
                return gmd_err_at(err, (int64_t)rec.offset, "object at 0x%llx wraps around the address space",
                                  (unsigned long long)rec.u.obj.addr);
            b->addr[b->n] = rec.u.obj.addr;
            b->size[b->n] = (uint32_t)rec.u.obj.contents.len;
            b->rec[b->n] = rec.offset;
            b->n++;
            g->heap_bytes += rec.u.obj.contents.len;
            break;
        case GMD_HD_PARAMS:
            g->big_endian = rec.u.params.big_endian;
            g->ptr_size = (unsigned)rec.u.params.ptr_size;
            g->arena_start = rec.u.params.arena_start;
            g->arena_end = rec.u.params.arena_end;
            g->ncpu = rec.u.params.ncpu;
            g->goarch = intern_bytes(b, rec.u.params.goarch);
            g->goversion = intern_bytes(b, rec.u.params.goversion);
            if (g->reader.len >= SPLIT_MIN && !scan->started && !scan->joined) {
                scan->reader = g->reader;
                scan->file = b->opts ? b->opts->file : NULL;
                /* Before the middle: this thread also reads the records after
                 * the objects and copies the second thread's in. */
                scan->from = g->reader.len / 16 * 7;
                scan->started = pthread_create(&scan->thread, NULL, scan_objects, scan) == 0;
                scan->joined = !scan->started;
            }
            break;
        case GMD_HD_GOROUTINE: {
            GMD_VEC_RESERVE1(g->goroutines, g->ngoroutines, b->capgs);
            gmd_dump_goroutine *gr = &g->goroutines[g->ngoroutines++];
            memset(gr, 0, sizeof *gr);
            gr->addr = rec.u.goroutine.addr;
            gr->goid = rec.u.goroutine.goid;
            gr->gopc = rec.u.goroutine.gopc;
            gr->status = rec.u.goroutine.status;
            gr->waitsince = rec.u.goroutine.waitsince;
            gr->waitreason = intern_bytes(b, rec.u.goroutine.waitreason);
            gr->system = rec.u.goroutine.system;
            gr->first_frame = g->nframes;
            gr->node = GMD_NO_NODE;
            /* The context register may hold a closure; treat it like a stack slot. */
            if (rec.u.goroutine.ctxt) {
                GMD_VEC_PUSH(b->gptrs, b->ngptrs, b->capgptrs, ((gptr){gr->addr, rec.u.goroutine.ctxt}));
            }
            break;
        }
        case GMD_HD_FRAME: {
            /* Frames follow their goroutine record, innermost first. */
            if (!g->ngoroutines)
                return gmd_err_at(err, (int64_t)rec.offset, "stack frame record before any goroutine record");
            GMD_VEC_RESERVE1(g->frames, g->nframes, b->capframes);
            gmd_dump_frame *f = &g->frames[g->nframes];
            f->sp = rec.u.frame.sp;
            f->entry = rec.u.frame.entry;
            f->pc = rec.u.frame.pc;
            f->func = intern_bytes(b, rec.u.frame.name);
            f->depth = rec.u.frame.depth > UINT32_MAX ? UINT32_MAX : (uint32_t)rec.u.frame.depth;
            f->goroutine = g->ngoroutines - 1;
            f->node = GMD_NO_NODE;
            f->record = rec.offset;
            g->goroutines[g->ngoroutines - 1].nframes++;
            g->nframes++;
            break;
        }
        case GMD_HD_DATA:
            b->data_rec = g->data_rec = rec.offset;
            b->has_data = true;
            g->data_addr = rec.u.obj.addr;
            g->data_len = rec.u.obj.contents.len;
            break;
        case GMD_HD_BSS:
            b->bss_rec = g->bss_rec = rec.offset;
            b->has_bss = true;
            g->bss_addr = rec.u.obj.addr;
            g->bss_len = rec.u.obj.contents.len;
            break;
        case GMD_HD_FINALIZER:
        case GMD_HD_QFINALIZER:
            GMD_VEC_RESERVE1(b->fins, b->nfins, b->capfins);
            b->fins[b->nfins].obj = rec.u.finalizer.obj;
            b->fins[b->nfins].fn = rec.u.finalizer.fn;
            b->fins[b->nfins].queued = rec.tag == GMD_HD_QFINALIZER;
            b->nfins++;
            if (rec.tag == GMD_HD_FINALIZER) g->nfinalizers++;
            else g->nqfinalizers++;
            break;
        case GMD_HD_OTHERROOT:
            GMD_VEC_RESERVE1(b->others, b->nothers, b->capothers);
            b->others[b->nothers].desc = intern_bytes(b, rec.u.otherroot.description);
            b->others[b->nothers].ptr = rec.u.otherroot.ptr;
            b->nothers++;
            break;
        case GMD_HD_DEFER:
            g->ndefers++;
            if (rec.u.defer.fn) {
                GMD_VEC_PUSH(b->gptrs, b->ngptrs, b->capgptrs, ((gptr){rec.u.defer.g, rec.u.defer.fn}));
            }
            break;
        case GMD_HD_PANIC:
            g->npanics++;
            if (rec.u.panic.data) {
                GMD_VEC_PUSH(b->gptrs, b->ngptrs, b->capgptrs, ((gptr){rec.u.panic.g, rec.u.panic.data}));
            }
            break;
        case GMD_HD_OSTHREAD: g->nthreads++; break;
        case GMD_HD_ITAB:
            if (b->nitabs == b->capitabs) {
                b->capitabs = b->capitabs ? b->capitabs * 2 : 64;
                g->itabs = gmd_xrealloc(g->itabs, (size_t)b->capitabs * 2 * sizeof *g->itabs);
            }
            g->itabs[2 * b->nitabs] = rec.u.itab.addr;
            g->itabs[2 * b->nitabs + 1] = rec.u.itab.type;
            g->nitabs = ++b->nitabs;
            break;
        case GMD_HD_MEMSTATS:
            g->has_memstats = true;
            memcpy(g->memstats, rec.u.memstats.v, sizeof g->memstats);
            break;
        case GMD_HD_MEMPROF: {
            GMD_VEC_RESERVE1(g->buckets, g->nbuckets, b->capbuckets);
            gmd_memprof_bucket *bk = &g->buckets[g->nbuckets++];
            bk->id = rec.u.memprof.bucket;
            bk->size = rec.u.memprof.size;
            bk->allocs = rec.u.memprof.allocs;
            bk->frees = rec.u.memprof.frees;
            uint32_t nf = rec.u.memprof.frames.n > 4096 ? 4096 : (uint32_t)rec.u.memprof.frames.n;
            bk->nframes = nf;
            bk->funcs = gmd_arena_alloc(&g->arena, (size_t)nf * sizeof *bk->funcs);
            bk->files = gmd_arena_alloc(&g->arena, (size_t)nf * sizeof *bk->files);
            bk->lines = gmd_arena_alloc(&g->arena, (size_t)nf * sizeof *bk->lines);
            gmd_hd_frames fr = rec.u.memprof.frames;
            gmd_hd_bytes fn, file;
            uint64_t line;
            for (uint32_t i = 0; i < nf && gmd_hd_memprof_frame(&fr, &fn, &file, &line); i++) {
                bk->funcs[i] = intern_bytes(b, fn);
                bk->files[i] = intern_bytes(b, file);
                bk->lines[i] = line;
            }
            break;
        }
        case GMD_HD_ALLOCSAMPLE:
            if (b->nsamples == b->capsamples) {
                b->capsamples = b->capsamples ? b->capsamples * 2 : 256;
                b->samples = gmd_xrealloc(b->samples, (size_t)b->capsamples * sizeof *b->samples);
            }
            b->samples[b->nsamples].addr = rec.u.allocsample.addr;
            b->samples[b->nsamples].bucket = rec.u.allocsample.bucket;
            b->nsamples++;
            break;
        default: break;
        }
        if (b->opts && b->opts->file && g->reader.pos - dropped >= DROP_EVERY) {
            gmd_hd_file_drop(b->opts->file, dropped, rec.offset);
            dropped = rec.offset;
        }
    }
    if (rc < 0) return -1;
    if (!g->reader.seen_params) return gmd_err_at(err, 16, "dump has no params record");
    if (b->opts && b->opts->file) gmd_hd_file_drop(b->opts->file, 0, b->opts->file->len);
    return 0;
}

/* A data/bss pointer slot whose value points into data/bss, kept to name
 * the unnamed blocks it points at. */
typedef struct seg_ref {
    uint64_t val;
    const char *name;
} seg_ref;

static int by_val(const void *a, const void *b)
{
    const seg_ref *x = a, *y = b;
    return x->val < y->val ? -1 : x->val > y->val;
}

static bool in_segments(const gmd_objgraph *g, uint64_t a)
{
    return (a >= g->data_addr && a - g->data_addr < g->data_len) || (a >= g->bss_addr && a - g->bss_addr < g->bss_len);
}

/* `var r = &T{...}` puts the T in an unnamed static block of data/bss: the
 * dump's root is a slot of that block, and the user knows it as the global
 * that points there. Named as "main.r -> static T" when a global points at
 * the block's start (or below the slot, in the same gap between symbols),
 * else as the nearest symbol before it plus an offset. */
static const char *static_name(builder *b, uint64_t slot, const seg_ref *refs, uint32_t nrefs, uint64_t *key)
{
    gmd_objgraph *g = b->g;
    const gmd_objgraph_opts *o = b->opts;
    uint64_t gs, ge, prev_start;
    const char *prev;
    if (!o || !o->gap || !o->gap(o->ctx, slot, &gs, &ge, &prev, &prev_start)) return NULL;
    uint32_t lo = 0, hi = nrefs;   /* refs[lo - 1]: the last value <= slot */
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (refs[m].val <= slot) lo = m + 1;
        else hi = m;
    }
    if (lo && refs[lo - 1].val >= gs) {
        uint64_t v = refs[lo - 1].val;
        uint32_t first = lo - 1;
        while (first && refs[first - 1].val == v) first--;
        char names[512];
        size_t len = 0;
        names[0] = 0;
        for (uint32_t i = first, k = 0; i < lo; i++, k++) {
            if (k == 3) {
                len += (size_t)snprintf(names + len, sizeof names - len, ", ...");
                break;
            }
            if (k && !strcmp(refs[i].name, refs[i - 1].name)) continue;
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", k ? ", " : "", refs[i].name);
            if (len >= sizeof names) break;
        }
        const char *type = o->pointee ? o->pointee(o->ctx, refs[first].name) : NULL;
        *key = v;
        return gmd_arena_printf(&g->arena, "%s -> static %s", names, type ? type : "block");
    }
    *key = slot;
    if (prev)
        return gmd_arena_printf(&g->arena, "%s+0x%llx (0x%llx)", prev, (unsigned long long)(slot - prev_start),
                                (unsigned long long)slot);
    return NULL;
}

static const char *global_name(builder *b, uint64_t slot, const seg_ref *refs, uint32_t nrefs, uint64_t *key)
{
    gmd_objgraph *g = b->g;
    if (b->opts && b->opts->symbolize) {
        uint64_t start = slot;
        const char *name = b->opts->symbolize(b->opts->ctx, slot, &start);
        if (name) {
            *key = start;
            return name;
        }
        if ((name = static_name(b, slot, refs, nrefs, key))) return name;
    }
    *key = slot;
    bool in_data = slot >= g->data_addr && slot - g->data_addr < g->data_len;
    return gmd_arena_printf(&g->arena, "%s+0x%llx (0x%llx)", in_data ? "data" : "bss",
                            (unsigned long long)(slot - (in_data ? g->data_addr : g->bss_addr)),
                            (unsigned long long)slot);
}

/* Named slots pointing into data/bss, sorted by value. */
static int collect_refs(builder *b, uint64_t rec_off, seg_ref **refs, uint32_t *n, uint32_t *cap, gmd_err *err)
{
    gmd_objgraph *g = b->g;
    gmd_hd_record rec;
    if (gmd_hd_read_at(&g->reader, rec_off, &rec, err) < 0) return -1;
    gmd_hd_fields f = rec.u.obj.fields;
    uint64_t off, start;
    while (gmd_hd_field_next(&f, &off)) {
        uint64_t v = gmd_hd_word(&g->reader, rec.u.obj.contents, off);
        if (!in_segments(g, v)) continue;
        const char *name = b->opts->symbolize(b->opts->ctx, rec.u.obj.addr + off, &start);
        if (!name) continue;
        GMD_VEC_PUSH(*refs, *n, *cap, ((seg_ref){v, name}));
    }
    return 0;
}

static int segment_roots(builder *b, uint64_t rec_off, const seg_ref *refs, uint32_t nrefs, gmd_u64map *by_key,
                         gmd_err *err)
{
    gmd_objgraph *g = b->g;
    gmd_hd_record rec;
    if (gmd_hd_read_at(&g->reader, rec_off, &rec, err) < 0) return -1;
    gmd_hd_fields f = rec.u.obj.fields;
    uint64_t off;
    while (gmd_hd_field_next(&f, &off)) {
        uint32_t to = resolve_obj(b, gmd_hd_word(&g->reader, rec.u.obj.contents, off));
        if (to == UINT32_MAX) continue;
        uint64_t key;
        const char *name = global_name(b, rec.u.obj.addr + off, refs, nrefs, &key);
        uint32_t root = gmd_u64map_get(by_key, key);
        if (root == UINT32_MAX) {
            root = new_root(b, GMD_NODE_GLOBAL, name, key, 0);
            gmd_u64map_put(by_key, key, root);
        }
        edge_to_object(b, root, to);
    }
    return 0;
}

/* Pointer targets of the object record at rec_off, as pending edges from root `from`. */
static int object_children(builder *b, uint64_t rec_off, uint32_t from, gmd_err *err)
{
    gmd_objgraph *g = b->g;
    gmd_hd_record rec;
    if (gmd_hd_read_at(&g->reader, rec_off, &rec, err) < 0) return -1;
    gmd_hd_fields f = rec.u.obj.fields;
    uint64_t off;
    while (gmd_hd_field_next(&f, &off)) edge_to_object(b, from, resolve_obj(b, gmd_hd_word(&g->reader, rec.u.obj.contents, off)));
    return 0;
}

static int make_roots(builder *b, gmd_err *err)
{
    gmd_objgraph *g = b->g;
    gmd_hd_record rec;
    new_root(b, GMD_NODE_SUPER, "<roots>", 0, 0);
    gmd_u64map by_key;
    gmd_u64map_init(&by_key);
    int rc = 0;
    seg_ref *refs = NULL;
    uint32_t nrefs = 0, caprefs = 0;
    if (b->opts && b->opts->symbolize && b->opts->gap) {
        if (b->has_data) rc = collect_refs(b, b->data_rec, &refs, &nrefs, &caprefs, err);
        if (!rc && b->has_bss) rc = collect_refs(b, b->bss_rec, &refs, &nrefs, &caprefs, err);
        if (nrefs) qsort(refs, nrefs, sizeof *refs, by_val);
    }
    if (!rc && b->has_data) rc = segment_roots(b, b->data_rec, refs, nrefs, &by_key, err);
    if (!rc && b->has_bss) rc = segment_roots(b, b->bss_rec, refs, nrefs, &by_key, err);
    free(refs);
    gmd_u64map_free(&by_key);
    if (rc) return -1;

    /* Goroutines alike get a group root above them (dump_analyses.c). */
    const char **gnames;
    uint32_t ngroups = gmd_dump_group_goroutines(g, &gnames), group_base = b->nroots;
    for (uint32_t k = 0; k < ngroups; k++) edge_to_root(b, 0, new_root(b, GMD_NODE_GROUP, gnames[k], 0, k));
    gmd_u64map gmap;
    gmd_u64map_init(&gmap);
    for (uint32_t i = 0; i < g->ngoroutines; i++) {
        gmd_dump_goroutine *gr = &g->goroutines[i];
        const char *name = gmd_arena_printf(&g->arena, "goroutine %llu", (unsigned long long)gr->goid);
        gr->node = new_root(b, GMD_NODE_GOROUTINE, name, gr->goid, i);
        if (gr->group != GMD_NO_NODE) edge_to_root(b, gr->group += group_base, gr->node);
        edge_to_object(b, gr->node, resolve_obj(b, gr->addr));   /* its runtime.g (see gmd_dump_own_goroutine_objects) */
        gmd_u64map_put(&gmap, gr->addr, gr->node);
        for (uint32_t k = 0; k < gr->nframes; k++) {
            gmd_dump_frame *f = &g->frames[gr->first_frame + k];
            f->node = new_root(b, GMD_NODE_FRAME, f->func, f->sp, gr->first_frame + k);
            edge_to_root(b, gr->node, f->node);
            if (gmd_hd_read_at(&g->reader, f->record, &rec, err) < 0) {
                gmd_u64map_free(&gmap);
                return -1;
            }
            gmd_hd_fields fl = rec.u.frame.fields;
            uint64_t off;
            while (gmd_hd_field_next(&fl, &off))
                edge_to_object(b, f->node, resolve_obj(b, gmd_hd_word(&g->reader, rec.u.frame.contents, off)));
        }
    }
    for (uint32_t i = 0; i < b->ngptrs; i++) {
        uint32_t gn = gmd_u64map_get(&gmap, b->gptrs[i].g);
        if (gn != UINT32_MAX) edge_to_object(b, gn, resolve_obj(b, b->gptrs[i].ptr));
    }
    gmd_u64map_free(&gmap);
    for (uint32_t i = 0; i < b->nfins; i++) {
        uint32_t obj = resolve_obj(b, b->fins[i].obj);
        const char *name = gmd_arena_printf(&g->arena, "%s for 0x%llx", b->fins[i].queued ? "queued finalizer" : "finalizer",
                                            (unsigned long long)b->fins[i].obj);
        uint32_t r = new_root(b, GMD_NODE_FINALIZER, name, b->fins[i].obj, i);
        edge_to_object(b, r, resolve_obj(b, b->fins[i].fn));
        if (obj == UINT32_MAX) continue;
        /* A registered finalizer keeps what its object points to, not the
         * object itself (that is how the object becomes collectable and the
         * finalizer runs); a queued one keeps the object. */
        if (b->fins[i].queued) edge_to_object(b, r, obj);
        else if (object_children(b, b->rec[obj], r, err) < 0) return -1;
    }
    for (uint32_t i = 0; i < b->nothers; i++) {
        uint32_t r = new_root(b, GMD_NODE_OTHER, b->others[i].desc, b->others[i].ptr, i);
        edge_to_object(b, r, resolve_obj(b, b->others[i].ptr));
    }
    for (uint32_t r = 1; r < b->nroots; r++) {
        const gmd_dump_root *rt = &g->roots[r];
        if (rt->kind == GMD_NODE_FRAME || rt->kind == GMD_NODE_GROUP) continue;
        if (rt->kind == GMD_NODE_GOROUTINE && g->goroutines[rt->index].group != GMD_NO_NODE) continue;
        edge_to_root(b, 0, r);
    }
    return 0;
}

/* Edges of a range of objects, appended to one growing array. */
typedef struct edge_scan {
    builder *b;
    gmd_hd_reader reader;    /* a copy per thread: reads save and restore its position */
    uint32_t from, to;       /* object indices */
    uint32_t *start;         /* start[nroots + i] = index in out (relative to this scan's array) */
    uint32_t *out;
    uint64_t n, cap;
    int rc;
    gmd_err err;
} edge_scan;

static int scan_edges(edge_scan *s)
{
    builder *b = s->b;
    uint32_t nroots = b->nroots;
    uint64_t processed = 0, dropped = 0;
    for (uint32_t i = s->from; i < s->to; i++) {
        s->start[nroots + i] = (uint32_t)s->n;
        gmd_hd_bytes contents;
        gmd_hd_fields f;
        if (gmd_hd_object_at(&s->reader, b->rec[i], &contents, &f) < 0)
            return gmd_err_at(&s->err, (int64_t)b->rec[i], "no object record at this offset");
        uint64_t off;
        uint32_t last = UINT32_MAX;
        while (gmd_hd_field_next(&f, &off)) {
            uint32_t to = resolve_obj(b, gmd_hd_word(&s->reader, contents, off));
            if (to == UINT32_MAX || to == i || to == last) continue;
            last = to;
            if (s->n >= UINT32_MAX - 1)
                return gmd_err_at(&s->err, (int64_t)b->rec[i], "more than 4 billion pointers between objects");
            if (s->n == s->cap) {
                s->cap *= 2;
                s->out = gmd_xrealloc(s->out, s->cap * sizeof *s->out);
            }
            s->out[s->n++] = nroots + to;
        }
        /* Objects come in address order, not file order: release the whole
         * mapping now and then, whatever was touched. */
        processed += b->size[i];
        if (b->opts && b->opts->file && processed > dropped + DROP_EVERY) {
            gmd_hd_file_drop(b->opts->file, 0, b->opts->file->len);
            dropped = processed;
        }
    }
    return 0;
}

static void *scan_thread(void *arg)
{
    edge_scan *s = arg;
    s->rc = scan_edges(s);
    return NULL;
}

/* Sort the pending root edges into CSR rows 0..nroots-1, then append one
 * row per object, in address order. Each pointer is a random lookup, so the
 * objects are scanned in two halves on two threads and the second half's
 * edges appended to the first's. */
static int pass2(builder *b, gmd_err *err)
{
    gmd_objgraph *g = b->g;
    uint32_t nroots = b->nroots;
    if ((uint64_t)nroots + b->n >= UINT32_MAX) return gmd_errf(err, "too many objects and roots (over 4 billion)");
    if (g->nnodes != nroots + b->n) {   /* set already if opts->indexed runs: it reads them */
        g->nroots = nroots;
        g->nnodes = nroots + b->n;
    }
    uint32_t *start = gmd_xcalloc((size_t)g->nnodes + 1, sizeof *start);
    for (uint64_t i = 0; i < b->nredges; i++) start[b->redges[i].from + 1]++;
    for (uint32_t r = 0; r < nroots; r++) start[r + 1] += start[r];
    uint64_t nroot_edges = start[nroots];
    /* Small dumps: one thread; and one while opts->indexed has the other core. */
    uint32_t mid = b->n >= (1u << 16) && !b->side ? b->n / 2 : b->n;
    edge_scan s1 = {.b = b, .reader = b->reader, .from = 0, .to = mid, .start = start};
    edge_scan s2 = {.b = b, .reader = b->reader, .from = mid, .to = b->n, .start = start};
    s1.cap = (size_t)nroot_edges + (size_t)mid * 2 + 16;
    s1.out = gmd_xmalloc(s1.cap * sizeof *s1.out);
    uint32_t *fill = gmd_xmalloc((size_t)nroots * sizeof *fill);
    memcpy(fill, start, (size_t)nroots * sizeof *fill);
    for (uint64_t i = 0; i < b->nredges; i++) {
        const pending_edge *e = &b->redges[i];
        s1.out[fill[e->from]++] = e->to_object ? e->to + nroots : e->to;
    }
    free(fill);
    free(b->redges);
    b->redges = NULL;
    s1.n = nroot_edges;
    pthread_t th;
    bool threaded = false;
    if (mid < b->n) {
        s2.cap = (size_t)(b->n - mid) * 2 + 16;
        s2.out = gmd_xmalloc(s2.cap * sizeof *s2.out);
        threaded = pthread_create(&th, NULL, scan_thread, &s2) == 0;
    }
    s1.rc = scan_edges(&s1);
    if (threaded) pthread_join(th, NULL);
    else if (mid < b->n) s2.rc = scan_edges(&s2);
    int rc = 0;
    if (s1.rc < 0 || s2.rc < 0) {
        *err = s1.rc < 0 ? s1.err : s2.err;
        rc = -1;
    } else if (s1.n + s2.n >= UINT32_MAX - 1) {
        rc = gmd_err_at(err, (int64_t)b->rec[mid], "more than 4 billion pointers between objects");
    }
    if (rc < 0) {
        free(start);
        free(s1.out);
        free(s2.out);
        return -1;
    }
    g->nedges = s1.n + s2.n;
    for (uint32_t i = mid; i < b->n; i++) start[nroots + i] += (uint32_t)s1.n;
    start[g->nnodes] = (uint32_t)g->nedges;
    g->out = gmd_xrealloc(s1.out, (size_t)(g->nedges ? g->nedges : 1) * sizeof *g->out);
    if (s2.n) memcpy(g->out + s1.n, s2.out, (size_t)s2.n * sizeof *g->out);
    free(s2.out);
    if (b->opts && b->opts->file) gmd_hd_file_drop(b->opts->file, 0, b->opts->file->len);
    g->out_start = start;
    return 0;
}

static void attach_samples(builder *b)
{
    gmd_objgraph *g = b->g;
    g->obj_bucket = gmd_xmalloc((size_t)(b->n ? b->n : 1) * sizeof *g->obj_bucket);
    memset(g->obj_bucket, 0xff, (size_t)b->n * sizeof *g->obj_bucket);
    gmd_u64map bmap;
    gmd_u64map_init(&bmap);
    for (uint32_t i = 0; i < g->nbuckets; i++) gmd_u64map_put(&bmap, g->buckets[i].id, i);
    for (uint64_t i = 0; i < b->nsamples; i++) {
        uint32_t bk = gmd_u64map_get(&bmap, b->samples[i].bucket);
        uint32_t o = resolve_obj(b, b->samples[i].addr);
        if (bk == UINT32_MAX || o == UINT32_MAX) continue;
        g->obj_bucket[o] = bk;
        g->nsampled++;
    }
    gmd_u64map_free(&bmap);
}

/* opts->indexed on its own thread: type propagation needs the objects,
 * not the edges, so it runs beside pass 2 and the dominators, the longest
 * of them on this machine's two cores. */
typedef struct side_job {
    gmd_objgraph *g;
    const gmd_objgraph_opts *opts;
    pthread_t thread;
    bool started;
} side_job;

static void *side_thread(void *arg)
{
    side_job *j = arg;
    j->opts->indexed(j->g, j->opts->ctx);
    return NULL;
}

gmd_objgraph *gmd_objgraph_build(const uint8_t *data, uint64_t len, const gmd_objgraph_opts *opts, gmd_err *err)
{
    gmd_objgraph *g = gmd_xcalloc(1, sizeof *g);
    gmd_arena_init(&g->arena, 64 << 10);
    builder b;
    memset(&b, 0, sizeof b);
    b.g = g;
    b.opts = opts;
    gmd_intern_init(&b.strings, &g->arena);
    if (opts) {
        g->type_name = opts->type_name;
        g->type_ctx = opts->ctx;
        g->file = opts->file;
    }
    int rc = -1;
    side_job side = {0};
    if (gmd_hd_open(&g->reader, data, len, err) < 0) goto out;
    if (pass1(&b, err) < 0) goto out;
    sort_objects(&b);
    if (build_page_index(&b, err) < 0) goto out;
    if (opts && opts->segments && opts->segments(opts->ctx, g->data_addr, g->data_len, err) < 0) goto out;
    if (make_roots(&b, err) < 0) goto out;
    b.reader = g->reader;
    if (opts && opts->indexed) {
        if ((uint64_t)b.nroots + b.n >= UINT32_MAX) {
            gmd_errf(err, "too many objects and roots (over 4 billion)");
            goto out;
        }
        g->nroots = b.nroots;   /* object lookups answer node ids */
        g->nnodes = b.nroots + b.n;
        side.g = g;
        side.opts = opts;
        side.started = b.side = pthread_create(&side.thread, NULL, side_thread, &side) == 0;
        if (!side.started) opts->indexed(g, opts->ctx);
    }
    if (pass2(&b, err) < 0) goto out;
    gmd_dump_own_goroutine_objects(g);
    attach_samples(&b);
    if (opts && opts->dominators && gmd_objgraph_dominators(g, err) < 0) goto out;
    rc = 0;
out:
    if (side.started) pthread_join(side.thread, NULL);
    if (b.addr != g->obj_addr) {   /* not handed over to the graph (failure, or no objects) */
        free(b.addr);
        free(b.size);
        free(b.rec);
    }
    if (rc == 0 && b.page_first) {   /* kept: type propagation and show look addresses up too */
        g->page_first = b.page_first;
        g->npages = b.npages;
        b.page_first = NULL;
    }
    free(b.page_first);
    free(b.fins);
    free(b.gptrs);
    free(b.others);
    free(b.samples);
    free(b.redges);
    gmd_intern_free(&b.strings);
    if (rc < 0) {
        gmd_objgraph_free(g);
        return NULL;
    }
    return g;
}

void gmd_objgraph_free(gmd_objgraph *g)
{
    if (!g) return;
    free(g->obj_addr);
    free(g->obj_size);
    free(g->obj_rec);
    free(g->out_start);
    free(g->out);
    free(g->roots);
    free(g->goroutines);
    free(g->frames);
    free(g->buckets);
    free(g->obj_bucket);
    free(g->idom);
    free(g->retained);
    free(g->retained_count);
    free(g->dom_start);
    free(g->dom_kids);
    free(g->itabs);
    free(g->obj_type);
    free(g->page_first);
    free(g->blocks);
    for (int i = 0; i < GMD_NSPARE; i++) free(g->spare[i]);
    gmd_arena_free(&g->arena);
    free(g);
}

int64_t gmd_objgraph_edge_offset(const gmd_objgraph *g, uint32_t from, uint32_t to)
{
    if (!gmd_node_is_object(g, to)) return -1;
    uint32_t t = gmd_node_object(g, to);
    gmd_hd_record rec;
    gmd_err err;
    gmd_hd_bytes contents;
    gmd_hd_fields f;
    if (gmd_node_is_object(g, from)) {
        if (gmd_hd_read_at((gmd_hd_reader *)&g->reader, g->obj_rec[gmd_node_object(g, from)], &rec, &err) < 0) return -1;
        contents = rec.u.obj.contents;
        f = rec.u.obj.fields;
    } else if (gmd_node_kind_of(g, from) == GMD_NODE_FRAME) {
        if (gmd_hd_read_at((gmd_hd_reader *)&g->reader, g->frames[g->roots[from].index].record, &rec, &err) < 0) return -1;
        contents = rec.u.frame.contents;
        f = rec.u.frame.fields;
    } else {
        return -1;
    }
    uint64_t off;
    while (gmd_hd_field_next(&f, &off)) {
        uint64_t a = gmd_hd_word(&g->reader, contents, off);
        if (a >= g->obj_addr[t] && a - g->obj_addr[t] < g->obj_size[t]) return (int64_t)off;
    }
    return -1;
}

uint64_t gmd_object_type_addr(const gmd_objgraph *g, uint32_t obj)
{
    /* Go 1.22+: small objects in slots above 512 bytes (128 on 32-bit) that
     * contain pointers start with the address of their type descriptor; the
     * field list skips that word. Large objects (> 32 KiB) keep the type in
     * the span, which the dump does not carry. */
    uint64_t size = g->obj_size[obj];
    uint64_t min = g->ptr_size == 8 ? 512 : 128;
    if (size <= min || size > 32768) return 0;
    gmd_hd_bytes contents;
    gmd_hd_fields f;
    if (gmd_hd_object_at(&g->reader, g->obj_rec[obj], &contents, &f) < 0) return 0;
    uint64_t off;
    if (!gmd_hd_field_next(&f, &off) || off == 0) return 0;   /* no pointers: no header */
    return gmd_hd_word(&g->reader, contents, 0);
}

const char *gmd_object_type(const gmd_objgraph *g, uint32_t obj)
{
    if (g->obj_type && g->obj_type[obj] != GMD_NO_NODE && g->obj_type[obj] < g->ntype_names)
        return g->type_names[g->obj_type[obj]];
    if (!g->type_name) return NULL;
    uint64_t t = gmd_object_type_addr(g, obj);
    return t ? g->type_name(g->type_ctx, t) : NULL;
}

/* Propagated types are keyed by their index with the top bit set; header
 * types by their descriptor address. */
#define PROPAGATED_KEY (1ull << 63)

uint64_t gmd_object_type_key(const gmd_objgraph *g, uint32_t obj)
{
    if (g->obj_type && g->obj_type[obj] != GMD_NO_NODE && g->obj_type[obj] < g->ntype_names)
        return PROPAGATED_KEY | g->obj_type[obj];
    uint64_t t = gmd_object_type_addr(g, obj);
    return t && g->type_name && g->type_name(g->type_ctx, t) ? t : 0;
}

const char *gmd_type_key_name(const gmd_objgraph *g, uint64_t key)
{
    if (!key) return NULL;
    if (key & PROPAGATED_KEY) return (key & ~PROPAGATED_KEY) < g->ntype_names ? g->type_names[key & ~PROPAGATED_KEY] : NULL;
    return g->type_name ? g->type_name(g->type_ctx, key) : NULL;
}

bool gmd_object_word(const gmd_objgraph *g, uint32_t obj, uint64_t off, uint64_t *v)
{
    gmd_hd_bytes contents;
    gmd_hd_fields f;
    if (obj >= g->nobjects || gmd_hd_object_at(&g->reader, g->obj_rec[obj], &contents, &f) < 0) return false;
    if (off > contents.len || contents.len - off < g->ptr_size) return false;
    *v = gmd_hd_word(&g->reader, contents, off);
    return true;
}

const char *gmd_bucket_site(const gmd_memprof_bucket *b, const char **file, uint64_t *line)
{
    for (uint32_t i = 0; i < b->nframes; i++) {
        const char *f = b->funcs[i];
        if (!strncmp(f, "runtime.", 8) || !strncmp(f, "internal/", 9)) continue;
        if (file) *file = b->files[i];
        if (line) *line = b->lines[i];
        return f;
    }
    if (b->nframes) {
        if (file) *file = b->files[0];
        if (line) *line = b->lines[0];
        return b->funcs[0];
    }
    return NULL;
}

static const char *status_name(uint64_t s)
{
    switch (s & ~0x1000ull) {
    case 0: return "idle";
    case 1: return "runnable";
    case 2: return "running";
    case 3: return "syscall";
    case 4: return "waiting";
    case 6: return "dead";
    case 8: return "copystack";
    case 9: return "preempted";
    case 10: return "leaked";
    default: return "unknown status";
    }
}

const char *gmd_goroutine_state(const gmd_dump_goroutine *gr)
{
    /* The wait reason is stale unless the goroutine is waiting. */
    if ((gr->status & ~0x1000ull) == 4 && gr->waitreason[0]) return gr->waitreason;
    return status_name(gr->status);
}

const char *gmd_node_describe(const gmd_objgraph *g, uint32_t n, char *buf, size_t size)
{
    if (n >= g->nnodes) {
        snprintf(buf, size, "?");
        return buf;
    }
    if (n < g->nroots) {
        const gmd_dump_root *r = &g->roots[n];
        switch (r->kind) {
        case GMD_NODE_GOROUTINE: {
            const gmd_dump_goroutine *gr = &g->goroutines[r->index];
            snprintf(buf, size, "goroutine %llu [%s]", (unsigned long long)gr->goid, gmd_goroutine_state(gr));
            break;
        }
        case GMD_NODE_FRAME: {
            const gmd_dump_frame *f = &g->frames[r->index];
            snprintf(buf, size, "%s (frame %u of goroutine %llu)", f->func, f->depth,
                     (unsigned long long)g->goroutines[f->goroutine].goid);
            break;
        }
        default: snprintf(buf, size, "%s", r->name); break;
        }
        return buf;
    }
    uint32_t o = n - g->nroots;
    const char *t = gmd_object_type(g, o);
    snprintf(buf, size, "object 0x%llx (%llu B, %s)", (unsigned long long)g->obj_addr[o],
             (unsigned long long)g->obj_size[o], t ? t : "unknown type");
    return buf;
}
