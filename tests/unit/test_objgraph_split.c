/* Pass 1 of the object graph on two threads (dumps of 64 MiB or more): the
 * second thread guesses a record boundary in the middle of the dump, and its
 * objects are used only when the first thread lands on one of them. Checked
 * on synthetic dumps: a plain chain of objects, one with other records in
 * the middle (the second thread stops there), and one with a big object whose
 * bytes parse as object records where the second thread starts (7/16 of the
 * dump): a wrong guess, thrown away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
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
        assert_non_null(w->b);
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

static void header(buf *w)
{
    put(w, "go1.7 heap dump\n", 16);
    uv(w, GMD_HD_PARAMS);
    uv(w, 0);   /* little endian */
    uv(w, 8);
    uv(w, 0x100000);
    uv(w, 0x40000000);
    uv(w, 5);
    put(w, "amd64", 5);
    uv(w, 8);
    put(w, "go1.26.8", 8);
    uv(w, 2);
}

/* An object whose first word points at `ptr` (0: none); `fill` (if any)
 * gives the rest of its bytes. */
static void object(buf *w, uint64_t addr, uint64_t size, uint64_t ptr, const buf *fill)
{
    uv(w, GMD_HD_OBJECT);
    uv(w, addr);
    uv(w, size);
    static uint8_t zero[8192];
    put(w, &ptr, 8);
    if (fill) {
        assert_true(fill->n == size - 8);
        put(w, fill->b, fill->n);
    } else {
        put(w, zero, size - 8);
    }
    if (ptr) {
        uv(w, 1);
        uv(w, 0);
    }
    uv(w, 0);
}

#define BASE 0x200000ull
#define OSIZE 4096ull
#define N 17000u   /* 4 KiB objects: about 70 MB of dump */

enum middle { PLAIN, OTHER_RECORDS, FAKE_RECORDS };

/* A chain of N objects (each points at the next), written in runs of two in
 * scrambled order, with something in the middle of the file. */
static void chain_dump(buf *w, enum middle mid)
{
    header(w);
    uint32_t nruns = N / 2;
    for (uint32_t r = 0; r < nruns; r++) {
        uint32_t run = (uint32_t)(((uint64_t)r * 7919) % nruns);
        if (r == nruns * 3 / 4 && mid == OTHER_RECORDS) {   /* after the middle */
            for (int k = 0; k < 100; k++) {   /* OS thread records */
                uv(w, GMD_HD_OSTHREAD);
                uv(w, 0x5000 + (uint64_t)k);
                uv(w, (uint64_t)k);
                uv(w, (uint64_t)k + 100);
            }
        }
        if (r == nruns * 7 / 16 && mid == FAKE_RECORDS) {   /* across where the second thread starts */
            /* 2 MiB of bytes that read as object records, inside one object
             * that nothing points at (so it is not part of the chain). */
            buf fake = {0};
            while (fake.n < (2u << 20)) {
                uv(&fake, GMD_HD_OBJECT);
                uv(&fake, 0x30000000 + fake.n * 8);
                uv(&fake, 16);
                uint8_t c[16] = {0};
                put(&fake, c, 16);
                uv(&fake, 0);
            }
            uint64_t size = ((fake.n + 8 + 4095) & ~4095ull);
            uint8_t pad = 0;
            while (fake.n < size - 8) put(&fake, &pad, 1);
            object(w, 0x20000000, size, 0, &fake);
            free(fake.b);
        }
        for (uint32_t i = run * 2; i < run * 2 + 2; i++)
            object(w, BASE + i * OSIZE, OSIZE, i + 1 < N ? BASE + (i + 1) * OSIZE + 8 : 0, NULL);
    }
    uv(w, GMD_HD_DATA);   /* a global holds the head */
    uv(w, 0x1000);
    uv(w, 8);
    uint64_t head = BASE;
    put(w, &head, 8);
    uv(w, 1);
    uv(w, 0);
    uv(w, 0);
    uv(w, GMD_HD_EOF);
}

static void check(enum middle mid)
{
    buf w = {0};
    chain_dump(&w, mid);
    assert_true(w.n >= (64u << 20));
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(w.b, w.n, NULL, &err);
    assert_non_null(g);
    uint32_t extra = mid == FAKE_RECORDS;
    assert_int_equal(g->nobjects, N + extra);
    assert_int_equal(g->record_counts[GMD_HD_OBJECT], N + extra);
    assert_int_equal(g->heap_bytes, (uint64_t)N * OSIZE + (extra ? g->obj_size[N] : 0));
    assert_int_equal(g->nthreads, mid == OTHER_RECORDS ? 100 : 0);
    for (uint32_t i = 0; i < N; i++) {
        assert_true(g->obj_addr[i] == BASE + i * OSIZE);
        uint32_t v = g->nroots + i;
        assert_int_equal(g->out_start[v + 1] - g->out_start[v], i + 1 < N);
        if (i + 1 < N) assert_int_equal(g->out[g->out_start[v]], v + 1);
    }
    if (extra) assert_true(g->obj_addr[N] == 0x20000000);
    assert_int_equal(gmd_objgraph_find(g, 0x30000000), GMD_NO_NODE);   /* no fake object */
    /* each object's record is where the chain's object is */
    for (uint32_t i = 0; i < N; i += 997) {
        gmd_hd_record rec;
        assert_int_equal(gmd_hd_read_at(&g->reader, g->obj_rec[i], &rec, &err), 0);
        assert_true(rec.tag == GMD_HD_OBJECT && rec.u.obj.addr == g->obj_addr[i]);
    }
    gmd_objgraph_free(g);
    free(w.b);
}

static void test_plain(void **state)
{
    (void)state;
    check(PLAIN);
}

static void test_other_records(void **state)
{
    (void)state;
    check(OTHER_RECORDS);
}

static void test_fake_records(void **state)
{
    (void)state;
    check(FAKE_RECORDS);
}

/* A field list may end with a zero written in two bytes (0x80 0x00): the
 * reader accepts it, and the graph's later passes, which read a checked
 * record again up to its end marker, must stop there too (found by
 * fuzz_heapdump). */
static void test_long_end_marker(void **state)
{
    (void)state;
    buf w = {0};
    header(&w);
    uv(&w, GMD_HD_OBJECT);   /* an object with no pointer fields */
    uv(&w, BASE);
    uv(&w, 32);
    uint8_t c[32] = {0};
    uint64_t stray = BASE + 0x100000;
    memcpy(c, &stray, 8);
    put(&w, c, sizeof c);
    uint8_t end[] = {0x80, 0x00};   /* zero in two bytes */
    put(&w, end, 2);
    object(&w, BASE + 64, 32, BASE, NULL);
    uv(&w, GMD_HD_DATA);
    uv(&w, 0x1000);
    uv(&w, 8);
    uint64_t head = BASE + 64;
    put(&w, &head, 8);
    uv(&w, 1);
    uv(&w, 0);
    uv(&w, 0);
    uv(&w, GMD_HD_EOF);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(w.b, w.n, NULL, &err);
    assert_non_null(g);
    assert_int_equal(g->nobjects, 2);
    assert_int_equal(g->out_start[g->nroots + 1] - g->out_start[g->nroots], 0);   /* no edges from the first */
    assert_int_equal(g->out_start[g->nroots + 2] - g->out_start[g->nroots + 1], 1);
    gmd_hd_bytes contents;
    gmd_hd_fields f;
    uint64_t off;
    assert_int_equal(gmd_hd_object_at(&g->reader, g->obj_rec[0], &contents, &f), 0);
    assert_int_equal(contents.len, 32);
    assert_false(gmd_hd_field_next(&f, &off));
    gmd_objgraph_free(g);
    free(w.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_other_records),
        cmocka_unit_test(test_fake_records),
        cmocka_unit_test(test_long_end_marker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
