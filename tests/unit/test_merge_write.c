/* Merging (gmd_merger over the builder's sample records and label sets) and
 * writing (profile.proto gzipped in pieces on a second thread): sums,
 * labels, empty stacks, odd and even stack lengths, subtraction, and the
 * gzipped bytes inflating to exactly the plain writer's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/input.h"
#include "gmd/merge.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A profile of n samples over `nfuncs` functions, stacks of 0 to 9
 * locations, two value types, a bytes=<size> label on most samples. */
static gmd_profile *make_profile(uint32_t n, uint32_t nfuncs, uint64_t seed)
{
    rng = seed;
    gmd_profile *p = gmd_profile_new();
    p->format = GMD_FMT_PROTO;
    p->nsample_types = 2;
    p->sample_types = gmd_arena_alloc(&p->arena, 2 * sizeof *p->sample_types);
    p->sample_types[0].type = gmd_intern_str(&p->strings, "alloc_objects");
    p->sample_types[0].unit = gmd_intern_str(&p->strings, "count");
    p->sample_types[1].type = gmd_intern_str(&p->strings, "alloc_space");
    p->sample_types[1].unit = gmd_intern_str(&p->strings, "bytes");
    p->period_type.type = p->period_type.unit = gmd_intern_str(&p->strings, "");
    gmd_builder *b = gmd_builder_new(p);
    gmd_mapping m = {.memory_start = 0x400000, .memory_limit = 0x800000, .filename = "/bin/prog"};
    uint32_t mi = gmd_builder_mapping(b, &m);
    uint32_t locs[16];
    for (uint32_t f = 0; f < nfuncs; f++) {
        char name[32];
        snprintf(name, sizeof name, "main.f%u", f);
        uint32_t fi = gmd_builder_function(b, name, name, "/src/main.go", f);
        gmd_line ln = {fi, 10 + f, 0};
        locs[0] = gmd_builder_location(b, mi, 0x401000 + 16 * f, &ln, 1);
        assert_int_equal(locs[0], f);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t depth = (uint32_t)(next_rand() % 10);
        for (uint32_t k = 0; k < depth; k++) locs[k] = (uint32_t)(next_rand() % nfuncs);
        int64_t v[2] = {1 + (int64_t)(next_rand() % 3), 16 * (1 + (int64_t)(next_rand() % 8))};
        gmd_label lab = {"bytes", "", v[1] / v[0], ""};
        bool labelled = next_rand() % 4 != 0;
        gmd_builder_sample(b, locs, depth, v, &lab, labelled, true);
    }
    gmd_builder_finish(b);
    return p;
}

/* Sum of value k over samples with this stack and label count. */
static int64_t total(const gmd_profile *p, uint32_t k)
{
    int64_t t = 0;
    for (uint32_t i = 0; i < p->nsamples; i++) t += p->samples[i].values[k];
    return t;
}

static void test_merge(void **state)
{
    (void)state;
    gmd_profile *a = make_profile(20000, 40, 1), *b = make_profile(15000, 40, 1), *c = make_profile(5000, 50, 7);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *ps[3] = {a, b, c};
    gmd_profile *m = gmd_profile_merge(ps, NULL, 3, &err);
    assert_non_null(m);
    for (uint32_t k = 0; k < 2; k++) assert_int_equal(total(m, k), total(a, k) + total(b, k) + total(c, k));
    /* b is a prefix of a's random walk: every stack of b is one of a's. */
    assert_true(m->nsamples >= a->nsamples && m->nsamples <= a->nsamples + c->nsamples);
    assert_int_equal(m->nfunctions, 50);
    /* No two merged samples have the same stack and labels, and each keeps
     * its labels (one bytes label or none), its values summed. */
    for (uint32_t i = 0; i < m->nsamples; i++) {
        const gmd_sample *s = &m->samples[i];
        assert_true(s->nlabels <= 1);
        if (s->nlabels) assert_string_equal(s->labels[0].key, "bytes");
        assert_true(s->nlocations <= 9);
        for (uint32_t k = 0; k < s->nlocations; k++) assert_true(s->locations[k] < m->nlocations);
        if (i + 1 < m->nsamples && i < 500) {
            for (uint32_t j = i + 1; j < m->nsamples; j++) {
                const gmd_sample *t = &m->samples[j];
                bool same = s->nlocations == t->nlocations && s->nlabels == t->nlabels &&
                            !memcmp(s->locations, t->locations, s->nlocations * sizeof *s->locations) &&
                            (!s->nlabels || s->labels[0].num == t->labels[0].num);
                assert_false(same);
            }
        }
    }
    /* a minus a: every value zero, no sample lost. */
    gmd_profile *d = gmd_profile_diff(a, a, &err);
    assert_non_null(d);
    assert_int_equal(d->nsamples, a->nsamples);
    for (uint32_t i = 0; i < d->nsamples; i++) {
        assert_int_equal(d->samples[i].values[0], 0);
        assert_int_equal(d->samples[i].values[1], 0);
    }
    gmd_profile_free(d);
    gmd_profile_free(m);
    gmd_profile_free(a);
    gmd_profile_free(b);
    gmd_profile_free(c);
}

static void test_write_gzip(void **state)
{
    (void)state;
    /* Big enough for several pieces to go through the compressing thread. */
    gmd_profile *p = make_profile(200000, 300, 3);
    uint8_t *raw = NULL, *gz = NULL, *back = NULL;
    size_t raw_len = 0, gz_len = 0, back_len = 0;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_pprof_proto_write(p, &raw, &raw_len, &err), 0);
    assert_true(raw_len > (size_t)2 << 20);
    assert_int_equal(gmd_pprof_proto_write_gzip(p, &gz, &gz_len, &err), 0);
    assert_true(gz_len < raw_len);
    assert_int_equal(gmd_gunzip(gz, gz_len, 0, 0, &back, &back_len, &err), 0);
    assert_int_equal(back_len, raw_len);
    assert_memory_equal(back, raw, raw_len);
    free(back);
    free(gz);
    /* The same bytes read back as the same profile. */
    gmd_profile *q = gmd_pprof_proto_parse(raw, raw_len, &err);
    assert_non_null(q);
    assert_int_equal(q->nsamples, p->nsamples);
    assert_int_equal(total(q, 1), total(p, 1));
    gmd_profile_free(q);
    free(raw);
    gmd_profile_free(p);
}

static void roundtrip_fast(const uint8_t *in, size_t len)
{
    uint8_t *gz = NULL, *back = NULL;
    size_t gz_len = 0, back_len = 0;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_gzip_fast(in, len, &gz, &gz_len, &err), 0);
    assert_int_equal(gmd_gunzip(gz, gz_len, 0, 0, &back, &back_len, &err), 0);
    assert_int_equal(back_len, len);
    if (len) assert_memory_equal(back, in, len);
    free(gz);
    free(back);
}

static void test_gzip_fast(void **state)
{
    (void)state;
    roundtrip_fast((const uint8_t *)"", 0);
    roundtrip_fast((const uint8_t *)"x", 1);
    /* Incompressible: stored blocks must fit. */
    size_t n = (size_t)3 << 20;
    uint8_t *r = malloc(n);
    rng = 5;
    for (size_t i = 0; i < n; i++) r[i] = (uint8_t)next_rand();
    roundtrip_fast(r, n);

    /* Pieces of odd sizes through the thread, the last one given at finish. */
    gmd_gzip_stream *z = gmd_gzip_stream_new(true);
    size_t off = 0, cap = 100000;
    uint8_t *piece = malloc(cap);
    while (n - off > cap) {
        size_t k = cap - (off % 7919);
        memcpy(piece, r + off, k);
        piece = gmd_gzip_stream_put(z, piece, k, &cap);
        off += k;
    }
    uint8_t *gz = NULL, *back = NULL;
    size_t gz_len = 0, back_len = 0;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_gzip_stream_finish(z, r + off, n - off, &gz, &gz_len, &err), 0);
    free(piece);
    assert_int_equal(gmd_gunzip(gz, gz_len, 0, 0, &back, &back_len, &err), 0);
    assert_int_equal(back_len, n);
    assert_memory_equal(back, r, n);
    free(gz);
    free(back);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_write_gzip),
        cmocka_unit_test(test_gzip_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
