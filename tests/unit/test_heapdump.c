/* Heap dump reader and object graph on small dumps written by the test:
 * every record kind, bounds checks, interior pointers, dominators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "gmd/dump_analyses.h"
#include "gmd/heapdump.h"
#include "gmd/objgraph.h"

typedef struct buf {
    uint8_t b[1 << 16];
    size_t n;
} buf;

static void uv(buf *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}

static void raw(buf *w, const void *p, size_t n)
{
    uv(w, n);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void str(buf *w, const char *s) { raw(w, s, strlen(s)); }

static void header_params(buf *w)
{
    memcpy(w->b, GMD_HD_HEADER, 16);
    w->n = 16;
    uv(w, GMD_HD_PARAMS);
    uv(w, 0);
    uv(w, 8);
    uv(w, 0x1000);
    uv(w, 0x100000);
    str(w, "amd64");
    str(w, "go1.26.8");
    uv(w, 2);
}

/* An object of `size` bytes whose words at `ptr_offs` hold `targets`. */
static void object(buf *w, uint64_t addr, uint64_t size, const uint64_t *offs, const uint64_t *targets, int n)
{
    uint8_t c[4096] = {0};
    for (int i = 0; i < n; i++) memcpy(c + offs[i], &targets[i], 8);
    uv(w, GMD_HD_OBJECT);
    uv(w, addr);
    raw(w, c, size);
    for (int i = 0; i < n; i++) {
        uv(w, 1);
        uv(w, offs[i]);
    }
    uv(w, 0);
}

static void segment(buf *w, int tag, uint64_t addr, const uint64_t *targets, int n)
{
    uint8_t c[256] = {0};
    for (int i = 0; i < n; i++) memcpy(c + 8 * i, &targets[i], 8);
    uv(w, (uint64_t)tag);
    uv(w, addr);
    raw(w, c, (size_t)(8 * n + 8));
    for (int i = 0; i < n; i++) {
        uv(w, 1);
        uv(w, (uint64_t)(8 * i));
    }
    uv(w, 0);
}

/* data: slot0 -> A (a 3-node list A->B->C, B pointed at inside), slot1 -> S,
 * bss: slot0 -> S (S shared by two globals), goroutine frame -> G. */
static void sample_dump(buf *w)
{
    header_params(w);
    uint64_t off8[] = {8}, zero[] = {0};
    uint64_t toB[] = {0x2000 + 16}, toC[] = {0x3000};
    object(w, 0x3000, 64, NULL, NULL, 0);             /* C, listed first: not sorted */
    object(w, 0x1000, 64, off8, toB, 1);               /* A -> interior of B */
    object(w, 0x2000, 64, zero, toC, 1);               /* B -> C */
    object(w, 0x4000, 128, NULL, NULL, 0);             /* S */
    object(w, 0x5000, 256, NULL, NULL, 0);             /* G, held by a goroutine */
    object(w, 0x6000, 32, NULL, NULL, 0);              /* garbage */
    uv(w, GMD_HD_GOROUTINE);
    uv(w, 0xa000); uv(w, 0xb000); uv(w, 7); uv(w, 0x401000); uv(w, 4); uv(w, 0); uv(w, 0); uv(w, 0);
    str(w, "chan receive");
    uv(w, 0); uv(w, 0); uv(w, 0); uv(w, 0);
    uint8_t frame[16] = {0};
    uint64_t g = 0x5000 + 8;
    memcpy(frame + 8, &g, 8);
    uv(w, GMD_HD_FRAME);
    uv(w, 0xb000); uv(w, 0); uv(w, 0);
    raw(w, frame, 16);
    uv(w, 0x401000); uv(w, 0x401010); uv(w, 0x401010);
    str(w, "main.hold");
    uv(w, 1); uv(w, 8); uv(w, 0);
    uv(w, GMD_HD_OSTHREAD); uv(w, 0xc000); uv(w, 0); uv(w, 1234);
    uint64_t d[] = {0x1000, 0x4000}, bs[] = {0x4000};
    segment(w, GMD_HD_DATA, 0x500000, d, 2);
    segment(w, GMD_HD_BSS, 0x600000, bs, 1);
    uv(w, GMD_HD_FINALIZER); uv(w, 0x6000); uv(w, 0); uv(w, 0); uv(w, 0); uv(w, 0);
    uv(w, GMD_HD_MEMSTATS);
    for (int i = 0; i < GMD_HD_NMEMSTATS; i++) uv(w, (uint64_t)i);
    uv(w, GMD_HD_MEMPROF); uv(w, 0x77); uv(w, 64); uv(w, 2);
    str(w, "runtime.mallocgc"); str(w, "malloc.go"); uv(w, 10);
    str(w, "main.build"); str(w, "main.go"); uv(w, 42);
    uv(w, 3); uv(w, 0);
    uv(w, GMD_HD_ALLOCSAMPLE); uv(w, 0x1000); uv(w, 0x77);
    uv(w, GMD_HD_EOF);
}

static void test_reader_all_records(void **state)
{
    (void)state;
    static buf w;
    sample_dump(&w);
    gmd_hd_reader r;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_hd_open(&r, w.b, w.n, &err), 0);
    gmd_hd_record rec;
    int counts[GMD_HD_NTAGS] = {0}, rc;
    while ((rc = gmd_hd_next(&r, &rec, &err)) > 0) {
        counts[rec.tag]++;
        if (rec.tag == GMD_HD_GOROUTINE) {
            assert_int_equal(rec.u.goroutine.goid, 7);
            assert_memory_equal(rec.u.goroutine.waitreason.p, "chan receive", 12);
        }
        if (rec.tag == GMD_HD_MEMSTATS) assert_int_equal(rec.u.memstats.v[280], 280);
        if (rec.tag == GMD_HD_MEMPROF) {
            gmd_hd_frames f = rec.u.memprof.frames;
            gmd_hd_bytes fn, file;
            uint64_t line;
            assert_true(gmd_hd_memprof_frame(&f, &fn, &file, &line));
            assert_true(gmd_hd_memprof_frame(&f, &fn, &file, &line));
            assert_int_equal(line, 42);
            assert_false(gmd_hd_memprof_frame(&f, &fn, &file, &line));
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(counts[GMD_HD_OBJECT], 6);
    assert_int_equal(counts[GMD_HD_FRAME], 1);
    assert_int_equal(counts[GMD_HD_DATA], 1);
    assert_int_equal(counts[GMD_HD_ALLOCSAMPLE], 1);
}

static void test_reader_errors(void **state)
{
    (void)state;
    static buf w;
    sample_dump(&w);
    gmd_hd_reader r;
    gmd_hd_record rec;
    gmd_err err;
    /* Every truncation is an error, never a crash. */
    for (size_t cut = 0; cut < w.n; cut++) {
        gmd_err_clear(&err);
        int rc = gmd_hd_open(&r, w.b, cut, &err);
        while (rc == 0 && (rc = gmd_hd_next(&r, &rec, &err)) > 0) rc = 0;
        assert_int_equal(rc, -1);
        assert_true(err.msg[0] != '\0');
    }
    /* An unknown tag names its offset. */
    static buf b;
    header_params(&b);
    size_t at = b.n;
    uv(&b, 99);
    gmd_err_clear(&err);
    assert_int_equal(gmd_hd_open(&r, b.b, b.n, &err), 0);
    assert_int_equal(gmd_hd_next(&r, &rec, &err), 1);   /* params */
    assert_int_equal(gmd_hd_next(&r, &rec, &err), -1);
    assert_int_equal(err.offset, (int64_t)at);
    assert_non_null(strstr(err.msg, "unknown record tag 99"));
    /* A pointer field outside its object. */
    header_params(&b);
    uint64_t off[] = {64}, t[] = {0};
    uv(&b, GMD_HD_OBJECT); uv(&b, 0x1000); raw(&b, "12345678", 8); uv(&b, 1); uv(&b, off[0]); uv(&b, 0);
    (void)t;
    gmd_err_clear(&err);
    assert_int_equal(gmd_hd_open(&r, b.b, b.n, &err), 0);
    assert_int_equal(gmd_hd_next(&r, &rec, &err), 1);   /* params */
    assert_int_equal(gmd_hd_next(&r, &rec, &err), -1);
    assert_non_null(strstr(err.msg, "outside its 8 bytes"));
    /* A huge length. */
    header_params(&b);
    uv(&b, GMD_HD_OBJECT); uv(&b, 0x1000); uv(&b, 1ull << 60);
    gmd_err_clear(&err);
    assert_int_equal(gmd_hd_open(&r, b.b, b.n, &err), 0);
    assert_int_equal(gmd_hd_next(&r, &rec, &err), 1);   /* params */
    assert_int_equal(gmd_hd_next(&r, &rec, &err), -1);
    assert_non_null(strstr(err.msg, "runs past the end"));
    /* Old formats are named. */
    gmd_err_clear(&err);
    assert_int_equal(gmd_hd_open(&r, (const uint8_t *)"go1.4 heap dump\n", 16, &err), -1);
    assert_non_null(strstr(err.msg, "before 1.7"));
}

static uint32_t node_at(const gmd_objgraph *g, uint64_t addr)
{
    uint32_t n = gmd_objgraph_find(g, addr);
    assert_int_not_equal(n, GMD_NO_NODE);
    return n;
}

static void test_graph_dominators(void **state)
{
    (void)state;
    static buf w;
    sample_dump(&w);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(w.b, w.n, NULL, &err);
    assert_non_null(g);
    assert_int_equal(gmd_objgraph_dominators(g, &err), 0);
    assert_int_equal(g->nobjects, 6);
    uint32_t A = node_at(g, 0x1000), B = node_at(g, 0x2000 + 63), C = node_at(g, 0x3000), S = node_at(g, 0x4000),
             G = node_at(g, 0x5000), X = node_at(g, 0x6000);
    assert_int_equal(gmd_objgraph_find(g, 0x1040), GMD_NO_NODE);   /* just past A */
    /* the list: A retains A+B+C; the interior pointer reached B */
    assert_int_equal(g->retained[A], 192);
    assert_int_equal(g->retained_count[A], 3);
    assert_int_equal(g->idom[B], A);
    assert_int_equal(g->idom[C], B);
    /* S is shared by a data and a bss global: dominated by the super-root */
    assert_int_equal(g->idom[S], 0);
    /* G is held by the goroutine's frame; the goroutine retains it */
    uint32_t frame = g->idom[G];
    assert_int_equal(gmd_node_kind_of(g, frame), GMD_NODE_FRAME);
    assert_int_equal(gmd_node_kind_of(g, g->idom[frame]), GMD_NODE_GOROUTINE);
    assert_int_equal(g->retained[g->idom[frame]], 256);
    /* X has a finalizer but nothing points at it: unreachable */
    assert_int_equal(g->idom[X], GMD_NO_NODE);
    assert_int_equal(g->reachable_bytes, 192 + 128 + 256);
    /* the path to C walks the list */
    uint32_t path[16];
    uint32_t len = gmd_objgraph_path(g, C, path, 16);
    assert_int_equal(len, 4);
    assert_int_equal(gmd_node_kind_of(g, path[0]), GMD_NODE_GLOBAL);
    assert_int_equal(path[1], A);
    assert_int_equal(path[3], C);
    assert_int_equal(gmd_objgraph_edge_offset(g, A, B), 8);
    /* the alloc sample ties A to main.build */
    gmd_dump_sites_result s;
    gmd_dump_sites(g, false, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.retained[0], 192);
    assert_string_equal(gmd_bucket_site(&g->buckets[s.bucket[0]], NULL, NULL), "main.build");
    gmd_dump_sites_free(&s);
    gmd_dump_suspect *sus;
    uint32_t ns = gmd_dump_suspects(g, 0.1, &sus);
    assert_true(ns >= 2);
    assert_int_equal(sus[0].root, g->idom[frame]);
    gmd_dump_suspects_free(sus, ns);
    gmd_objgraph_free(g);
}

/* A long chain must not overflow any stack (DFS, eval and paths are iterative). */
static void test_long_chain(void **state)
{
    (void)state;
    enum { N = 200000 };
    size_t cap = 64 + (size_t)N * 40;
    uint8_t *mem = malloc(cap);
    size_t n = 0;
    static buf tmp;
    tmp.n = 0;
    header_params(&tmp);
    memcpy(mem, tmp.b, tmp.n);
    n = tmp.n;
#define PUT(v) do { uint64_t x_ = (v); while (x_ >= 0x80) { mem[n++] = (uint8_t)(x_ | 0x80); x_ >>= 7; } mem[n++] = (uint8_t)x_; } while (0)
    for (uint64_t i = 0; i < N; i++) {
        uint64_t addr = 0x100000 + i * 16, next = i + 1 < N ? addr + 16 : 0;
        PUT(GMD_HD_OBJECT);
        PUT(addr);
        PUT(16);
        memcpy(mem + n, &next, 8);
        memset(mem + n + 8, 0, 8);
        n += 16;
        PUT(1);
        PUT(0);
        PUT(0);
    }
    uint64_t head = 0x100000;
    PUT(GMD_HD_DATA);
    PUT(0x500000);
    PUT(8);
    memcpy(mem + n, &head, 8);
    n += 8;
    PUT(1);
    PUT(0);
    PUT(0);
    PUT(GMD_HD_EOF);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(mem, n, NULL, &err);
    assert_non_null(g);
    assert_int_equal(gmd_objgraph_dominators(g, &err), 0);
    uint32_t first = gmd_objgraph_find(g, head);
    assert_int_equal(g->retained[first], (uint64_t)N * 16);
    uint32_t *path = malloc(sizeof *path * (N + 8));
    assert_int_equal(gmd_objgraph_path(g, gmd_objgraph_find(g, head + (N - 1) * 16), path, N + 8), N + 1);
    free(path);
    gmd_objgraph_free(g);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_all_records),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_graph_dominators),
        cmocka_unit_test(test_long_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
