/* The object graph's fast paths on synthetic dumps: objects in span-like runs
 * (sorted by copying runs) and in interleaved runs (radix sort), the word
 * index against interior and stray addresses, pass 2 on two threads (over
 * 65,536 objects), the top-objects selection against a full sort, and
 * goroutine groups with the runtime.g and sudogs each goroutine owns, and
 * a type suspect (objects no root retains alone) with its holders. */
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
    uint8_t *b;
    size_t n, cap;
} buf;

static void put(buf *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 1024;
        w->b = realloc(w->b, w->cap);
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void uv(buf *w, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (uint8_t)v;
    put(w, t, n);
}

static void str(buf *w, const char *s)
{
    uv(w, strlen(s));
    put(w, s, strlen(s));
}

static void header(buf *w)
{
    put(w, "go1.7 heap dump\n", 16);
    uv(w, GMD_HD_PARAMS);
    uv(w, 0);   /* little endian */
    uv(w, 8);
    uv(w, 0x100000);
    uv(w, 0x40000000);
    str(w, "amd64");
    str(w, "go1.26.8");
    uv(w, 2);
}

/* An object of `size` bytes whose first word points at `ptr` (0: none). */
static void object(buf *w, uint64_t tag, uint64_t addr, uint64_t size, uint64_t ptr)
{
    uv(w, tag);
    uv(w, addr);
    uv(w, size);
    uint8_t c[4096] = {0};
    memcpy(c, &ptr, 8);
    put(w, c, size);
    if (ptr) {
        uv(w, 1);
        uv(w, 0);
    }
    uv(w, 0);
}

/* A chain of n 16-byte objects in address order, written as runs of 64
 * (spans) in a scrambled order, or interleaved (even slots, then odd). */
static void chain_dump(buf *w, uint32_t n, bool interleaved)
{
    const uint64_t base = 0x200000;
    header(w);
    uint32_t nruns = (n + 63) / 64;
    for (uint32_t pass = 0; pass < (interleaved ? 2u : 1u); pass++) {
        for (uint32_t r = 0; r < nruns; r++) {
            uint32_t run = interleaved ? r : (uint32_t)(((uint64_t)r * 7919) % nruns);
            for (uint32_t i = run * 64; i < n && i < run * 64 + 64; i++) {
                if (interleaved && i % 2 != pass) continue;
                object(w, GMD_HD_OBJECT, base + (uint64_t)i * 16, 16, i + 1 < n ? base + (uint64_t)(i + 1) * 16 + 8 : 0);
            }
        }
    }
    object(w, GMD_HD_DATA, 0x1000, 8, base);   /* a global holds the head */
    uv(w, GMD_HD_EOF);
}

static void check_chain(bool interleaved)
{
    enum { N = 100000 };   /* over 65,536: pass 2 runs on two threads */
    static buf w;
    w.n = 0;
    chain_dump(&w, N, interleaved);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(w.b, w.n, NULL, &err);
    assert_non_null(g);
    assert_int_equal(g->nobjects, N);
    for (uint32_t i = 1; i < N; i++) assert_true(g->obj_addr[i] == g->obj_addr[i - 1] + 16);
    assert_int_equal(g->nedges - g->out_start[g->nroots], N - 1);
    for (uint32_t i = 0; i + 1 < N; i++) {
        uint32_t v = g->nroots + i;
        assert_int_equal(g->out_start[v + 1] - g->out_start[v], 1);
        assert_int_equal(g->out[g->out_start[v]], v + 1);
    }
    /* interior pointers, gaps and addresses outside the heap */
    assert_int_equal(gmd_objgraph_find(g, 0x200000 + 5 * 16 + 15), g->nroots + 5);
    assert_int_equal(gmd_objgraph_find(g, 0x200000 + (uint64_t)N * 16), GMD_NO_NODE);
    assert_int_equal(gmd_objgraph_find(g, 0x1fffff), GMD_NO_NODE);
    gmd_dom_job *job = gmd_objgraph_dominators_start(g);
    assert_int_equal(gmd_objgraph_dominators_join(job, &err), 0);
    uint32_t head = gmd_objgraph_find(g, 0x200000);
    assert_int_equal(g->retained[head], (uint64_t)N * 16);
    assert_int_equal(g->retained_count[head], N);
    assert_int_equal(g->idom[head + 1], head);
    gmd_objgraph_free(g);
}

static void test_span_runs(void **state)
{
    (void)state;
    check_chain(false);
}

static void test_interleaved_runs(void **state)
{
    (void)state;
    check_chain(true);
}

/* Objects each held by two globals (so under the super-root), of sizes
 * with ties: the first N of the selection are the first N of a full sort. */
static void test_top_selection(void **state)
{
    (void)state;
    enum { N = 1000 };
    static buf w;
    w.n = 0;
    header(&w);
    for (uint32_t i = 0; i < N; i++) object(&w, GMD_HD_OBJECT, 0x200000 + (uint64_t)i * 512, 16 + 16 * ((i * 37) % 23), 0);
    uv(&w, GMD_HD_DATA);
    uv(&w, 0x1000);
    uv(&w, (uint64_t)N * 16);
    for (uint32_t i = 0; i < 2 * N; i++) {
        uint64_t a = 0x200000 + (uint64_t)(i % N) * 512;
        put(&w, &a, 8);
    }
    for (uint32_t i = 0; i < 2 * N; i++) {
        uv(&w, 1);
        uv(&w, (uint64_t)i * 8);
    }
    uv(&w, 0);
    uv(&w, GMD_HD_EOF);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(w.b, w.n, NULL, &err);
    assert_non_null(g);
    assert_int_equal(gmd_objgraph_dominators(g, &err), 0);
    uint32_t *all, *some;
    uint32_t n = gmd_dump_top_objects(g, &all);
    assert_int_equal(n, N);
    const uint32_t ks[] = {1, 2, 7, 50, 999, 1000, 2000};
    for (size_t k = 0; k < sizeof ks / sizeof *ks; k++) {
        assert_int_equal(gmd_dump_top_objects_n(g, ks[k], &some), N);
        for (uint32_t i = 0; i < ks[k] && i < N; i++) assert_int_equal(some[i], all[i]);
        free(some);
    }
    free(all);
    gmd_objgraph_free(g);
}

/* An object of `size` bytes with pointers ptrs[0..n) at offsets 0, 8, ... */
static void object_ptrs(buf *w, uint64_t tag, uint64_t addr, uint64_t size, const uint64_t *ptrs, int n)
{
    uv(w, tag);
    uv(w, addr);
    uv(w, size);
    uint8_t c[4096] = {0};
    if (n) memcpy(c, ptrs, (size_t)n * 8);
    put(w, c, size);
    for (int i = 0; i < n; i++) {
        uv(w, 1);
        uv(w, (uint64_t)i * 8);
    }
    uv(w, 0);
}

static void goroutine(buf *w, uint64_t addr, uint64_t goid, uint64_t gopc, const char *reason)
{
    uv(w, GMD_HD_GOROUTINE);
    uv(w, addr); uv(w, 0x7000000 + goid * 0x1000); uv(w, goid); uv(w, gopc);
    uv(w, 4); uv(w, 0); uv(w, 0); uv(w, 0);   /* waiting, not system, not background, waitsince */
    str(w, reason);
    uv(w, 0); uv(w, 0); uv(w, 0); uv(w, 0);   /* ctxt, m, defer, panic */
}

/* The innermost frame of the goroutine just written, holding ptrs. */
static void frame(buf *w, uint64_t goid, const char *fn, uint64_t pc, const uint64_t *ptrs, int n)
{
    uint8_t c[64] = {0};
    if (n) memcpy(c, ptrs, (size_t)n * 8);
    uv(w, GMD_HD_FRAME);
    uv(w, 0x7000000 + goid * 0x1000); uv(w, 0); uv(w, 0);
    uv(w, 64);
    put(w, c, 64);
    uv(w, pc & ~0xfffull); uv(w, pc); uv(w, pc);
    str(w, fn);
    for (int i = 0; i < n; i++) {
        uv(w, 1);
        uv(w, (uint64_t)i * 8);
    }
    uv(w, 0);
}

/* Three goroutines alike (same creation site, state and frame) and one
 * other. Each of the three has a runtime.g (512 B, also in an allgs array
 * held by a global), a sudog (64 B, starting with its g, also on a global
 * channel's queue) and a 1 KiB payload on its frame; the first two share a
 * 256 B object. Their group retains exactly those: 3 * 1600 + 256 bytes. */
static void test_goroutine_group(void **state)
{
    (void)state;
    static buf w;
    w.n = 0;
    header(&w);
    const uint64_t G[3] = {0x300000, 0x300200, 0x300400}, S[3] = {0x310000, 0x310040, 0x310080},
                   P[3] = {0x320000, 0x320400, 0x320800}, G4 = 0x300600, ALLGS = 0x330000, HCHAN = 0x340000,
                   SHARED = 0x350000;
    for (int i = 0; i < 3; i++) {
        object_ptrs(&w, GMD_HD_OBJECT, G[i], 512, &S[i], 1);
        object_ptrs(&w, GMD_HD_OBJECT, S[i], 64, &G[i], 1);
        object_ptrs(&w, GMD_HD_OBJECT, P[i], 1024, NULL, 0);
    }
    object_ptrs(&w, GMD_HD_OBJECT, G4, 512, NULL, 0);
    uint64_t allgs[4] = {G[0], G[1], G[2], G4};
    object_ptrs(&w, GMD_HD_OBJECT, ALLGS, 32, allgs, 4);
    object_ptrs(&w, GMD_HD_OBJECT, HCHAN, 96, &S[0], 1);
    object_ptrs(&w, GMD_HD_OBJECT, SHARED, 256, NULL, 0);
    for (int i = 0; i < 3; i++) {
        goroutine(&w, G[i], 10 + (uint64_t)i, 0x401234, "chan send");
        uint64_t held[2] = {P[i], SHARED};
        frame(&w, 10 + (uint64_t)i, "main.sender", 0x402345, held, i < 2 ? 2 : 1);
    }
    goroutine(&w, G4, 20, 0x401300, "select");
    frame(&w, 20, "main.other", 0x403456, NULL, 0);
    uint64_t globals[2] = {ALLGS, HCHAN};
    object_ptrs(&w, GMD_HD_DATA, 0x1000, 16, globals, 2);
    uv(&w, GMD_HD_EOF);

    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(w.b, w.n, NULL, &err);
    assert_non_null(g);
    assert_int_equal(gmd_objgraph_dominators(g, &err), 0);
    uint32_t grp = g->goroutines[0].group;
    assert_int_not_equal(grp, GMD_NO_NODE);
    assert_int_equal(gmd_node_kind_of(g, grp), GMD_NODE_GROUP);
    assert_int_equal(g->goroutines[1].group, grp);
    assert_int_equal(g->goroutines[2].group, grp);
    assert_int_equal(g->goroutines[3].group, GMD_NO_NODE);
    assert_int_equal(g->idom[grp], 0);
    for (int i = 0; i < 3; i++) {
        uint32_t gn = gmd_objgraph_find(g, G[i]);
        assert_int_equal(g->idom[g->goroutines[i].node], grp);
        assert_int_equal(g->idom[gn], g->goroutines[i].node);   /* not allgs */
        assert_int_equal(g->idom[gmd_objgraph_find(g, S[i])], gn);   /* not the channel */
    }
    assert_int_equal(g->idom[gmd_objgraph_find(g, SHARED)], grp);
    assert_int_equal(g->retained[grp], 3 * (512 + 64 + 1024) + 256);
    assert_int_equal(g->retained_count[grp], 10);
    assert_int_equal(g->retained[gmd_objgraph_find(g, ALLGS)], 32);
    assert_int_equal(g->retained[gmd_objgraph_find(g, HCHAN)], 96);
    /* the lone goroutine keeps its own runtime.g */
    assert_int_equal(g->retained[g->goroutines[3].node], 512);
    assert_string_equal(g->roots[grp].name, "3 goroutines [chan send] in main.sender");

    gmd_dump_group gi;
    assert_true(gmd_dump_group_info(g, grp, &gi));
    assert_int_equal(gi.count, 3);
    assert_int_equal(gi.first, 0);
    assert_string_equal(gi.state, "chan send");
    assert_true(gi.waiting);
    assert_non_null(gi.frame);
    assert_string_equal(gi.frame->func, "main.sender");
    assert_int_equal(gi.gopc, 0x401234);

    gmd_dump_suspect *sus;
    uint32_t ns = gmd_dump_suspects(g, 0.5, &sus);
    assert_int_equal(ns, 1);
    assert_int_equal(sus[0].root, grp);
    gmd_dump_suspects_free(sus, ns);
    gmd_objgraph_free(g);
    free(w.b);
    w.b = NULL;
    w.cap = 0;
}

/* A connection leak: four 64 B connections, each with a 1 KiB buffer that
 * points back at it, held by a reader goroutine (one group), a writer
 * goroutine (another group) and a map (its group array below it) held by a
 * global; a 2 KiB object under another global is unrelated. No root retains
 * a connection, so the type is the first suspect, retaining exactly the
 * connections and their buffers, with three holders of all four (the
 * buffers' back pointers are inside and do not count); each connection,
 * over 10% alone, is in it rather than a suspect of its own. Types are set by
 * hand, as gmd_dump_types would from DWARF. */
static void test_type_suspect(void **state)
{
    (void)state;
    static buf w;
    w.n = 0;
    header(&w);
    const uint64_t C = 0x200000, B = 0x210000, MAP = 0x220000, GROUPS = 0x220100, U = 0x230000;
    for (int i = 0; i < 4; i++) {
        uint64_t buf_ptr = B + (uint64_t)i * 1024, conn = C + (uint64_t)i * 64;
        object_ptrs(&w, GMD_HD_OBJECT, conn, 64, &buf_ptr, 1);
        object_ptrs(&w, GMD_HD_OBJECT, buf_ptr, 1024, &conn, 1);
    }
    uint64_t m[2] = {4, GROUPS};   /* maps.Map: used, then the groups (4 is no heap address: no edge) */
    object_ptrs(&w, GMD_HD_OBJECT, MAP, 48, m, 2);
    uint64_t conns[4] = {C, C + 64, C + 128, C + 192};
    object_ptrs(&w, GMD_HD_OBJECT, GROUPS, 64, conns, 4);
    object_ptrs(&w, GMD_HD_OBJECT, U, 2048, NULL, 0);
    for (int i = 0; i < 4; i++) {
        goroutine(&w, 0x600000 + (uint64_t)i * 0x1000, 10 + (uint64_t)i, 0x401000, "chan receive");
        frame(&w, 10 + (uint64_t)i, "main.readLoop", 0x402345, &conns[i], 1);
        goroutine(&w, 0x700000 + (uint64_t)i * 0x1000, 20 + (uint64_t)i, 0x401100, "select");
        frame(&w, 20 + (uint64_t)i, "main.writeLoop", 0x403456, &conns[i], 1);
    }
    uint64_t globals[2] = {MAP, U};
    object_ptrs(&w, GMD_HD_DATA, 0x1000, 16, globals, 2);
    uv(&w, GMD_HD_EOF);

    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(w.b, w.n, NULL, &err);
    assert_non_null(g);
    assert_int_equal(gmd_objgraph_dominators(g, &err), 0);
    static const char *names[] = {"main.Conn", "main.buffer", "map[int]*main.Conn", "map.group[int]*main.Conn", "[]uint8"};
    g->type_names = names;
    g->ntype_names = 5;
    g->obj_type = malloc(g->nobjects * sizeof *g->obj_type);
    for (uint32_t o = 0; o < g->nobjects; o++) {
        uint64_t a = g->obj_addr[o];
        g->obj_type[o] = a < B ? 0 : a < MAP ? 1 : a == MAP ? 2 : a == GROUPS ? 3 : 4;
    }
    uint32_t c0 = gmd_objgraph_find(g, C), gl = g->idom[gmd_objgraph_find(g, MAP)];
    assert_int_equal(g->idom[c0], 0);
    assert_int_equal(gmd_node_kind_of(g, gl), GMD_NODE_GLOBAL);

    gmd_dump_suspect *sus;
    uint32_t ns = gmd_dump_suspects(g, 0.1, &sus);
    assert_int_equal(ns, 2);
    assert_true(sus[0].by_type);
    assert_string_equal(sus[0].type, "main.Conn");
    assert_int_equal(sus[0].type_objects, 4);
    assert_int_equal(sus[0].type_retained, 4 * (64 + 1024));
    assert_int_equal(sus[0].shared_objects, 4);
    assert_int_equal(sus[0].shared_retained, 4 * (64 + 1024));
    assert_int_equal(sus[0].nholders, 3);
    assert_int_equal(sus[0].more_holders, 0);
    int seen_map = 0, seen_groups = 0;
    for (uint32_t k = 0; k < 3; k++) {
        const gmd_dump_holder *h = &sus[0].holders[k];
        assert_int_equal(h->objects, 4);
        assert_int_equal(h->tops, 1);
        if (h->container != GMD_NO_NODE) {
            seen_map++;
            assert_int_equal(h->container, gmd_objgraph_find(g, MAP));
            assert_string_equal(h->container_kind, "map");
            assert_int_equal(h->containers, 1);
            assert_int_equal(h->entries, 4);
            assert_int_equal(h->top, gl);
        } else {
            seen_groups++;
            assert_int_equal(gmd_node_kind_of(g, h->top), GMD_NODE_GROUP);
        }
    }
    assert_int_equal(seen_map, 1);
    assert_int_equal(seen_groups, 2);
    assert_false(sus[1].by_type);
    assert_int_equal(sus[1].root, g->idom[gmd_objgraph_find(g, U)]);   /* the global slot of the 2 KiB object */
    assert_int_equal(gmd_node_kind_of(g, sus[1].root), GMD_NODE_GLOBAL);
    gmd_dump_suspects_free(sus, ns);
    gmd_objgraph_free(g);
    free(w.b);
    w.b = NULL;
    w.cap = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_runs),
        cmocka_unit_test(test_interleaved_runs),
        cmocka_unit_test(test_top_selection),
        cmocka_unit_test(test_goroutine_group),
        cmocka_unit_test(test_type_suspect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
