/* profile.proto reader and writer: messages built with a tiny encoder here,
 * so every wire-format case (packed, unpacked, mixed, out of order, unknown
 * fields, malformed) is exact; plus a real Go heap profile from the fixtures. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "gmd/input.h"
#include "gmd/profile.h"

/* ---- a tiny protobuf encoder ---- */

typedef struct pb {
    uint8_t b[4096];
    size_t n;
} pb;

static void raw(pb *m, const void *p, size_t n)
{
    assert_true(m->n + n <= sizeof m->b);
    memcpy(m->b + m->n, p, n);
    m->n += n;
}
static void byte(pb *m, uint8_t c) { raw(m, &c, 1); }
static void vint(pb *m, uint64_t v)
{
    while (v >= 0x80) {
        byte(m, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    byte(m, (uint8_t)v);
}
static void key(pb *m, unsigned field, unsigned wire) { vint(m, (uint64_t)field << 3 | wire); }
static void fv(pb *m, unsigned field, uint64_t v)
{
    key(m, field, 0);
    vint(m, v);
}
static void fbytes(pb *m, unsigned field, const void *p, size_t n)
{
    key(m, field, 2);
    vint(m, n);
    raw(m, p, n);
}
static void fmsg(pb *m, unsigned field, const pb *sub) { fbytes(m, field, sub->b, sub->n); }
static void fstr(pb *m, const char *s) { fbytes(m, 6, s, strlen(s)); }
static void fpacked(pb *m, unsigned field, const uint64_t *v, size_t n)
{
    pb tmp = {.n = 0};
    for (size_t i = 0; i < n; i++) vint(&tmp, v[i]);
    fmsg(m, field, &tmp);
}

/* String table used by the profiles below. */
enum {
    S_EMPTY, S_ALLOC_SPACE, S_BYTES, S_INUSE_SPACE, S_MAIN_F, S_F_GO, S_MAIN_G, S_KEY, S_VAL, S_BIN, S_BUILDID,
    S_SPACE, S_COMMENT, S_DROP, S_KEEP, S_URL, S_UNIT, NSTR
};
static const char *const strs[NSTR] = {
    "", "alloc_space", "bytes", "inuse_space", "main.f", "f.go", "main.g", "worker", "w1", "/bin/app",
    "abc123", "space", "a comment", "runtime\\..*", "keepme", "https://example.com/doc", "megabytes",
};
static void string_table(pb *m)
{
    for (int i = 0; i < NSTR; i++) fstr(m, strs[i]);
}
static void value_type(pb *m, unsigned field, uint64_t type, uint64_t unit)
{
    pb vt = {.n = 0};
    fv(&vt, 1, type);
    fv(&vt, 2, unit);
    fmsg(m, field, &vt);
}
static void function(pb *m, uint64_t id, uint64_t name, uint64_t file, int64_t start)
{
    pb f = {.n = 0};
    fv(&f, 1, id);
    fv(&f, 2, name);
    fv(&f, 3, name);
    fv(&f, 4, file);
    fv(&f, 5, (uint64_t)start);
    fmsg(m, 5, &f);
}
static void line(pb *loc, uint64_t fn, int64_t ln)
{
    pb l = {.n = 0};
    fv(&l, 1, fn);
    fv(&l, 2, (uint64_t)ln);
    fmsg(loc, 4, &l);
}

/* Two sample types; functions 10 (main.f) and 20 (main.g); mapping 1;
 * location 7 = main.f inlined into main.g, location 8 = main.g. Samples:
 * packed, unpacked, mixed. Strings first when `strings_first`, else last
 * (as Go writes). Unknown fields sprinkled in. */
static void good_profile(pb *m, bool strings_first, bool with_default)
{
    m->n = 0;
    if (strings_first) string_table(m);
    fv(m, 100, 12345);                       /* unknown varint */
    key(m, 101, 1);                          /* unknown fixed64 */
    raw(m, "\1\2\3\4\5\6\7\10", 8);
    value_type(m, 1, S_ALLOC_SPACE, S_BYTES);
    value_type(m, 1, S_INUSE_SPACE, S_BYTES);

    pb s = {.n = 0};                         /* packed, with labels */
    uint64_t locs[] = {7, 8}, vals[] = {100, (uint64_t)-50};
    fpacked(&s, 1, locs, 2);
    fpacked(&s, 2, vals, 2);
    pb lab = {.n = 0};
    fv(&lab, 1, S_KEY);
    fv(&lab, 2, S_VAL);
    fmsg(&s, 3, &lab);
    lab.n = 0;
    fv(&lab, 1, S_BYTES);
    fv(&lab, 3, 64);
    fv(&lab, 4, S_UNIT);
    fmsg(&s, 3, &lab);
    fbytes(&s, 9, "zz", 2);                  /* unknown inside Sample */
    fmsg(m, 2, &s);

    function(m, 20, S_MAIN_G, S_F_GO, 11);
    pb loc = {.n = 0};                       /* location before its mapping and one of its functions */
    fv(&loc, 1, 7);
    fv(&loc, 2, 1);
    fv(&loc, 3, 0x401234);
    line(&loc, 10, 5);                       /* inlined main.f first */
    line(&loc, 20, 14);
    fmsg(m, 4, &loc);
    loc.n = 0;
    fv(&loc, 1, 8);
    fv(&loc, 3, 0x401300);
    line(&loc, 20, 15);
    fv(&loc, 5, 1);
    fmsg(m, 4, &loc);
    function(m, 10, S_MAIN_F, S_F_GO, 3);

    s.n = 0;                                 /* unpacked */
    fv(&s, 1, 8);
    fv(&s, 2, 1);
    fv(&s, 2, 2);
    fmsg(m, 2, &s);
    s.n = 0;                                 /* mixed */
    uint64_t one_loc[] = {7}, one_val[] = {4};
    fpacked(&s, 1, one_loc, 1);
    fv(&s, 1, 8);
    fv(&s, 2, 3);
    fpacked(&s, 2, one_val, 1);
    fmsg(m, 2, &s);

    pb mp = {.n = 0};
    fv(&mp, 1, 1);
    fv(&mp, 2, 0x400000);
    fv(&mp, 3, 0x500000);
    fv(&mp, 4, 0x1000);
    fv(&mp, 5, S_BIN);
    fv(&mp, 6, S_BUILDID);
    fv(&mp, 7, 1);
    fmsg(m, 3, &mp);

    fv(m, 9, 1700000000123456789ull);
    fv(m, 10, 5000000000ull);
    value_type(m, 11, S_SPACE, S_BYTES);
    fv(m, 12, 524288);
    fv(m, 13, S_COMMENT);
    fv(m, 7, S_DROP);
    fv(m, 8, S_KEEP);
    fv(m, 15, S_URL);
    if (with_default) fv(m, 14, S_ALLOC_SPACE);
    key(m, 103, 5);                          /* unknown fixed32 */
    raw(m, "abcd", 4);
    fbytes(m, 102, "ignored", 7);            /* unknown length-delimited */
    if (!strings_first) string_table(m);
}

static gmd_profile *parse(const pb *m, gmd_err *err)
{
    gmd_err_clear(err);
    return gmd_pprof_proto_parse(m->b, m->n, err);
}

static void check_good(const gmd_profile *p, bool with_default)
{
    assert_int_equal(p->format, GMD_FMT_PROTO);
    assert_int_equal(p->nsample_types, 2);
    assert_string_equal(p->sample_types[0].type, "alloc_space");
    assert_string_equal(p->sample_types[1].type, "inuse_space");
    assert_string_equal(p->sample_types[1].unit, "bytes");
    if (with_default) {
        assert_int_equal(p->default_sample_type, 0);
        assert_int_equal(gmd_profile_sample_index(p, NULL), 0);
    } else {
        assert_int_equal(p->default_sample_type, -1);
        assert_int_equal(gmd_profile_sample_index(p, NULL), 1);   /* the last type, as pprof */
    }
    assert_int_equal(p->nfunctions, 2);
    assert_int_equal(p->nlocations, 2);
    assert_int_equal(p->nmappings, 1);
    assert_int_equal(p->nsamples, 3);

    const gmd_location *l7 = &p->locations[0];
    assert_int_equal(l7->address, 0x401234);
    assert_int_equal(l7->nlines, 2);
    assert_string_equal(p->functions[l7->lines[0].function].name, "main.f");
    assert_int_equal(l7->lines[0].line, 5);
    assert_string_equal(p->functions[l7->lines[1].function].name, "main.g");
    assert_int_equal(l7->lines[1].line, 14);
    assert_int_equal(l7->mapping, 0);
    assert_int_equal(p->locations[1].mapping, GMD_NONE);
    assert_true(p->locations[1].is_folded);
    assert_int_equal(p->functions[l7->lines[0].function].start_line, 3);
    assert_string_equal(p->functions[l7->lines[0].function].filename, "f.go");

    const gmd_mapping *m = &p->mappings[0];
    assert_int_equal(m->memory_start, 0x400000);
    assert_int_equal(m->memory_limit, 0x500000);
    assert_int_equal(m->file_offset, 0x1000);
    assert_string_equal(m->filename, "/bin/app");
    assert_string_equal(m->build_id, "abc123");
    assert_true(m->has_functions);
    assert_false(m->has_filenames);

    const gmd_sample *s = &p->samples[0];
    assert_int_equal(s->nlocations, 2);
    assert_int_equal(s->locations[0], 0);
    assert_int_equal(s->locations[1], 1);
    assert_int_equal(s->values[0], 100);
    assert_int_equal(s->values[1], -50);
    assert_int_equal(s->nlabels, 2);
    assert_string_equal(s->labels[0].key, "worker");
    assert_string_equal(s->labels[0].str, "w1");
    assert_string_equal(s->labels[1].key, "bytes");
    assert_string_equal(s->labels[1].str, "");
    assert_int_equal(s->labels[1].num, 64);
    assert_string_equal(s->labels[1].num_unit, "megabytes");
    s = &p->samples[1];
    assert_int_equal(s->nlocations, 1);
    assert_int_equal(s->locations[0], 1);
    assert_int_equal(s->values[0], 1);
    assert_int_equal(s->values[1], 2);
    assert_int_equal(s->nlabels, 0);
    s = &p->samples[2];
    assert_int_equal(s->nlocations, 2);
    assert_int_equal(s->locations[0], 0);
    assert_int_equal(s->locations[1], 1);
    assert_int_equal(s->values[0], 3);
    assert_int_equal(s->values[1], 4);

    assert_int_equal(p->time_nanos, 1700000000123456789ll);
    assert_int_equal(p->duration_nanos, 5000000000ll);
    assert_string_equal(p->period_type.type, "space");
    assert_string_equal(p->period_type.unit, "bytes");
    assert_int_equal(p->period, 524288);
    assert_int_equal(p->ncomments, 1);
    assert_string_equal(p->comments[0], "a comment");
    assert_string_equal(p->drop_frames, "runtime\\..*");
    assert_string_equal(p->keep_frames, "keepme");
    assert_string_equal(p->doc_url, "https://example.com/doc");
}

static void test_parse_strings_last(void **state)
{
    (void)state;
    pb m;
    gmd_err err;
    good_profile(&m, false, true);
    gmd_profile *p = parse(&m, &err);
    assert_non_null(p);
    check_good(p, true);
    gmd_profile_free(p);
}

static void test_parse_strings_first_no_default(void **state)
{
    (void)state;
    pb m;
    gmd_err err;
    good_profile(&m, true, false);
    gmd_profile *p = parse(&m, &err);
    assert_non_null(p);
    check_good(p, false);
    gmd_profile_free(p);
}

static void test_detect_and_dispatch(void **state)
{
    (void)state;
    pb m;
    gmd_err err;
    good_profile(&m, false, true);
    gmd_err_clear(&err);
    /* Detection looks at the first key: a known field (the string table
     * here) makes it protobuf. */
    pb m2 = {.n = 0};
    string_table(&m2);
    raw(&m2, m.b, m.n);
    assert_int_equal(gmd_profile_detect(m2.b, m2.n), GMD_FMT_PROTO);
    gmd_profile *p = gmd_profile_parse(m2.b, m2.n, &err);
    assert_non_null(p);
    assert_int_equal(p->nsamples, 3);
    gmd_profile_free(p);
}

/* ---- write -> parse round trip ---- */

static void assert_same_profile(const gmd_profile *a, const gmd_profile *b)
{
    assert_int_equal(a->nsample_types, b->nsample_types);
    for (uint32_t i = 0; i < a->nsample_types; i++) {
        assert_string_equal(a->sample_types[i].type, b->sample_types[i].type);
        assert_string_equal(a->sample_types[i].unit, b->sample_types[i].unit);
    }
    assert_int_equal(a->default_sample_type, b->default_sample_type);
    assert_string_equal(a->period_type.type, b->period_type.type);
    assert_string_equal(a->period_type.unit, b->period_type.unit);
    assert_int_equal(a->period, b->period);
    assert_int_equal(a->time_nanos, b->time_nanos);
    assert_int_equal(a->duration_nanos, b->duration_nanos);
    assert_string_equal(a->drop_frames, b->drop_frames);
    assert_string_equal(a->keep_frames, b->keep_frames);
    assert_string_equal(a->doc_url, b->doc_url);
    assert_int_equal(a->ncomments, b->ncomments);
    for (uint32_t i = 0; i < a->ncomments; i++) assert_string_equal(a->comments[i], b->comments[i]);
    assert_int_equal(a->nmappings, b->nmappings);
    for (uint32_t i = 0; i < a->nmappings; i++) {
        const gmd_mapping *x = &a->mappings[i], *y = &b->mappings[i];
        assert_int_equal(x->memory_start, y->memory_start);
        assert_int_equal(x->memory_limit, y->memory_limit);
        assert_int_equal(x->file_offset, y->file_offset);
        assert_string_equal(x->filename, y->filename);
        assert_string_equal(x->build_id, y->build_id);
        assert_int_equal(x->has_functions, y->has_functions);
        assert_int_equal(x->has_inline_frames, y->has_inline_frames);
    }
    assert_int_equal(a->nfunctions, b->nfunctions);
    for (uint32_t i = 0; i < a->nfunctions; i++) {
        const gmd_function *x = &a->functions[i], *y = &b->functions[i];
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->system_name, y->system_name);
        assert_string_equal(x->filename, y->filename);
        assert_int_equal(x->start_line, y->start_line);
    }
    assert_int_equal(a->nlocations, b->nlocations);
    for (uint32_t i = 0; i < a->nlocations; i++) {
        const gmd_location *x = &a->locations[i], *y = &b->locations[i];
        assert_int_equal(x->mapping, y->mapping);
        assert_int_equal(x->address, y->address);
        assert_int_equal(x->is_folded, y->is_folded);
        assert_int_equal(x->nlines, y->nlines);
        for (uint32_t j = 0; j < x->nlines; j++) {
            assert_int_equal(x->lines[j].function, y->lines[j].function);
            assert_int_equal(x->lines[j].line, y->lines[j].line);
            assert_int_equal(x->lines[j].column, y->lines[j].column);
        }
    }
    assert_int_equal(a->nsamples, b->nsamples);
    for (uint32_t i = 0; i < a->nsamples; i++) {
        const gmd_sample *x = &a->samples[i], *y = &b->samples[i];
        assert_int_equal(x->nlocations, y->nlocations);
        for (uint32_t k = 0; k < x->nlocations; k++) assert_int_equal(x->locations[k], y->locations[k]);
        for (uint32_t k = 0; k < a->nsample_types; k++) assert_int_equal(x->values[k], y->values[k]);
        assert_int_equal(x->nlabels, y->nlabels);
        for (uint32_t k = 0; k < x->nlabels; k++) {
            assert_string_equal(x->labels[k].key, y->labels[k].key);
            assert_string_equal(x->labels[k].str, y->labels[k].str);
            assert_int_equal(x->labels[k].num, y->labels[k].num);
            assert_string_equal(x->labels[k].num_unit, y->labels[k].num_unit);
        }
    }
}

static gmd_profile *round_trip(const gmd_profile *p)
{
    uint8_t *out = NULL;
    size_t n = 0;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_pprof_proto_write(p, &out, &n, &err), 0);
    gmd_profile *q = gmd_pprof_proto_parse(out, n, &err);
    if (!q) fail_msg("re-parse failed: byte %lld: %s", (long long)err.offset, err.msg);
    /* The writer is deterministic: writing the copy gives the same bytes. */
    uint8_t *out2 = NULL;
    size_t n2 = 0;
    assert_int_equal(gmd_pprof_proto_write(q, &out2, &n2, &err), 0);
    assert_int_equal(n, n2);
    assert_memory_equal(out, out2, n);
    free(out);
    free(out2);
    return q;
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        pb m;
        gmd_err err;
        good_profile(&m, variant, variant);
        gmd_profile *p = parse(&m, &err);
        assert_non_null(p);
        gmd_profile *q = round_trip(p);
        assert_same_profile(p, q);
        check_good(q, variant);
        gmd_profile_free(p);
        gmd_profile_free(q);
    }
}

static void test_round_trip_fixture(void **state)
{
    (void)state;
    const char *dir = getenv("FIXTURES");
    if (!dir) skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/heap-3.pb.gz", dir);
    gmd_blob blob;
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_blob_load(path, NULL, &blob, &err) < 0) fail_msg("%s: %s", path, err.msg);
    assert_true(blob.was_gzip);
    gmd_profile *p = gmd_profile_parse(blob.data, blob.len, &err);
    gmd_blob_free(&blob);
    if (!p) fail_msg("%s: byte %lld: %s", path, (long long)err.offset, err.msg);
    assert_int_equal(p->nsample_types, 4);
    assert_string_equal(p->sample_types[3].type, "inuse_space");
    assert_int_equal(gmd_profile_sample_index(p, NULL), 3);
    assert_string_equal(p->period_type.type, "space");
    assert_true(p->nsamples > 0 && p->nlocations > 0 && p->nfunctions > 0 && p->nmappings > 0);
    /* The leak: 3000 objects of 1 KiB in use under main.(*leakyCache).add. */
    int64_t leak = 0;
    bool inline_seen = false;
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const gmd_sample *s = &p->samples[i];
        const gmd_location *l = &p->locations[s->locations[0]];
        if (!strcmp(p->functions[l->lines[0].function].name, "main.(*leakyCache).add")) leak += s->values[3];
        if (l->nlines == 2 && !strcmp(p->functions[l->lines[0].function].name, "main.smallHelper") &&
            !strcmp(p->functions[l->lines[1].function].name, "main.retainSmall"))
            inline_seen = true;
    }
    /* The runtime may attribute a stray small allocation to main.* (see
     * tests/fixtures/README.md): allow a little above the exact leak. */
    assert_in_range(leak, 3072000, 3072000 + 4096);
    assert_true(inline_seen);
    gmd_profile *q = round_trip(p);
    assert_same_profile(p, q);
    gmd_profile_free(p);
    gmd_profile_free(q);
}

/* ---- bad input: each error names the right byte ---- */

static void expect_error(const pb *m, int64_t offset, const char *needle)
{
    gmd_err err;
    gmd_profile *p = parse(m, &err);
    if (p) fail_msg("expected an error containing '%s'", needle);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
    if (err.offset != offset) fail_msg("error '%s' at byte %lld, expected %lld", err.msg, (long long)err.offset, (long long)offset);
}

/* Strings and two types, so later fields can refer to them. */
static void preamble(pb *m)
{
    m->n = 0;
    string_table(m);
    value_type(m, 1, S_ALLOC_SPACE, S_BYTES);
    value_type(m, 1, S_INUSE_SPACE, S_BYTES);
    function(m, 1, S_MAIN_F, S_F_GO, 1);
    pb loc = {.n = 0};
    fv(&loc, 1, 1);
    line(&loc, 1, 3);
    fmsg(m, 4, &loc);
}

static void test_truncated_varint(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    size_t at = m.n;
    key(&m, 9, 0);
    byte(&m, 0x80);             /* continuation bit, then the end */
    expect_error(&m, (int64_t)at + 1, "truncated varint");
    preamble(&m);
    at = m.n;
    byte(&m, 0x80);             /* a truncated key */
    expect_error(&m, (int64_t)at, "truncated varint");
}

static void test_long_varint(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    size_t at = m.n;
    key(&m, 9, 0);
    for (int i = 0; i < 10; i++) byte(&m, 0xff);
    byte(&m, 0x01);
    expect_error(&m, (int64_t)at + 1, "longer than 10 bytes");
    preamble(&m);
    at = m.n;
    key(&m, 9, 0);
    for (int i = 0; i < 9; i++) byte(&m, 0xff);
    byte(&m, 0x02);             /* bit 64 */
    expect_error(&m, (int64_t)at + 1, "overflows 64 bits");
}

static void test_length_past_end(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    size_t at = m.n;
    key(&m, 2, 2);
    vint(&m, 50);
    byte(&m, 0);
    expect_error(&m, (int64_t)at + 1, "runs past the end of the Profile");

    /* Nested: a label whose length runs past the end of its sample. */
    preamble(&m);
    pb s = {.n = 0};
    uint64_t vals[] = {1, 2};
    fpacked(&s, 2, vals, 2);
    size_t inner = s.n;
    key(&s, 3, 2);
    vint(&s, 30);
    fv(&s, 1, S_KEY);
    at = m.n;
    fmsg(&m, 2, &s);            /* key and a 1-byte length precede the body */
    fbytes(&m, 102, "padding-padding-padding-padding-padding", 39);
    expect_error(&m, (int64_t)(at + 2 + inner + 1), "runs past the end of the Sample");
}

static void test_bad_string_index(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    pb f = {.n = 0};
    fv(&f, 1, 2);
    size_t name_at = f.n;
    fv(&f, 2, 99);
    size_t at = m.n;
    fmsg(&m, 5, &f);
    expect_error(&m, (int64_t)(at + 2 + name_at), "string index 99 out of range");

    preamble(&m);
    at = m.n;
    fv(&m, 14, 1000);           /* default_sample_type */
    expect_error(&m, (int64_t)at, "string index 1000");

    /* A table whose first string is not empty. */
    m.n = 0;
    fstr(&m, "x");
    expect_error(&m, 0, "first string");
}

static void test_missing_location(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    pb s = {.n = 0};
    uint64_t locs[] = {1, 5}, vals[] = {1, 2};
    fpacked(&s, 1, locs, 2);    /* key, length, then elements 1 and 5 */
    fpacked(&s, 2, vals, 2);
    size_t at = m.n;
    fmsg(&m, 2, &s);
    expect_error(&m, (int64_t)(at + 2 + 3), "location id 5, which is not in the profile");

    /* Unpacked: the field's key is named. */
    preamble(&m);
    s.n = 0;
    fpacked(&s, 2, vals, 2);
    size_t field_at = s.n;
    fv(&s, 1, 6);
    at = m.n;
    fmsg(&m, 2, &s);
    expect_error(&m, (int64_t)(at + 2 + field_at), "location id 6");

    /* A line naming a missing function. */
    preamble(&m);
    pb loc = {.n = 0};
    fv(&loc, 1, 2);
    pb l = {.n = 0};
    fv(&l, 1, 77);
    fmsg(&loc, 4, &l);
    at = m.n;
    fmsg(&m, 4, &loc);
    expect_error(&m, (int64_t)(at + 2 + 2 + 2), "function id 77");

    /* A location naming a missing mapping. */
    preamble(&m);
    loc.n = 0;
    fv(&loc, 1, 2);
    fv(&loc, 2, 9);
    at = m.n;
    fmsg(&m, 4, &loc);
    expect_error(&m, (int64_t)(at + 2 + 2), "mapping id 9");
}

static void test_wrong_value_count(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    pb s = {.n = 0};
    fv(&s, 1, 1);
    fv(&s, 2, 7);               /* one value, two sample types */
    size_t at = m.n;
    fmsg(&m, 2, &s);
    expect_error(&m, (int64_t)at, "sample has 1 values but the profile has 2 sample types");

    preamble(&m);
    s.n = 0;
    uint64_t vals[] = {1, 2, 3};
    fpacked(&s, 2, vals, 3);
    at = m.n;
    fmsg(&m, 2, &s);
    expect_error(&m, (int64_t)at, "sample has 3 values");
}

static void test_groups_and_bad_wire_types(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    size_t at = m.n;
    key(&m, 9, 3);
    expect_error(&m, (int64_t)at, "wire type 3 (groups)");
    preamble(&m);
    at = m.n;
    key(&m, 50, 4);
    expect_error(&m, (int64_t)at, "wire type 4 (groups)");
    preamble(&m);
    at = m.n;
    key(&m, 9, 7);
    expect_error(&m, (int64_t)at, "invalid wire type 7");
    /* A known field with the wrong wire type. */
    preamble(&m);
    at = m.n;
    fv(&m, 2, 1);
    expect_error(&m, (int64_t)at, "field 2 (sample) in Profile has wire type 0");
    /* Field number 0. */
    preamble(&m);
    at = m.n;
    byte(&m, 0x00);
    byte(&m, 0x00);
    expect_error(&m, (int64_t)at, "invalid field number 0");
}

static void test_zero_and_duplicate_ids(void **state)
{
    (void)state;
    pb m;
    preamble(&m);
    size_t at = m.n;
    function(&m, 0, S_MAIN_G, S_F_GO, 1);
    expect_error(&m, (int64_t)at, "function with id 0");

    preamble(&m);
    at = m.n;
    function(&m, 1, S_MAIN_G, S_F_GO, 1);
    expect_error(&m, (int64_t)at, "duplicate function id 1");

    preamble(&m);
    pb s = {.n = 0};
    uint64_t vals[] = {1, 2};
    fpacked(&s, 2, vals, 2);
    size_t field_at = s.n;
    fv(&s, 1, 0);
    at = m.n;
    fmsg(&m, 2, &s);
    expect_error(&m, (int64_t)(at + 2 + field_at), "location id 0");

    preamble(&m);
    pb mp = {.n = 0};
    fv(&mp, 2, 0x1000);
    at = m.n;
    fmsg(&m, 3, &mp);
    expect_error(&m, (int64_t)at, "mapping with id 0");

    /* A huge sparse id is fine (hash map path), and references to it resolve. */
    preamble(&m);
    function(&m, 1ull << 60, S_MAIN_G, S_F_GO, 1);
    pb loc = {.n = 0};
    fv(&loc, 1, 1ull << 62);
    line(&loc, 1ull << 60, 4);
    fmsg(&m, 4, &loc);
    s.n = 0;
    fv(&s, 1, 1ull << 62);
    fpacked(&s, 2, vals, 2);
    fmsg(&m, 2, &s);
    gmd_err err;
    gmd_profile *p = parse(&m, &err);
    if (!p) fail_msg("%s", err.msg);
    assert_string_equal(p->functions[p->locations[p->samples[0].locations[0]].lines[0].function].name, "main.g");
    gmd_profile_free(p);
}

/* Samples shaped as Go writes them (values, packed locations with one- and
 * two-byte ids, labels) take the decoder's fast path; samples that differ
 * in any way fall back to the general one. Both must give the same model,
 * and errors inside a Go-shaped sample must still be found and placed. */
static void go_sample(pb *m, const uint64_t *locs, size_t nlocs, uint64_t v0, uint64_t v1, bool label)
{
    pb s = {.n = 0};
    uint64_t vals[] = {v0, v1};
    fpacked(&s, 2, vals, 2);
    fpacked(&s, 1, locs, nlocs);
    if (label) {
        pb lab = {.n = 0};
        fv(&lab, 1, S_BYTES);
        fv(&lab, 3, 300);
        fv(&lab, 4, S_UNIT);
        fmsg(&s, 3, &lab);
        lab.n = 0;
        fv(&lab, 1, S_KEY);
        fv(&lab, 2, S_VAL);
        fmsg(&s, 3, &lab);
    }
    fmsg(m, 2, &s);
}

static void fast_preamble(pb *m)
{
    m->n = 0;
    value_type(m, 1, S_ALLOC_SPACE, S_BYTES);
    value_type(m, 1, S_INUSE_SPACE, S_BYTES);
    function(m, 1, S_MAIN_F, S_F_GO, 1);
    for (uint64_t id = 1; id <= 150; id++) {   /* ids up to 150: two-byte varints, still a dense map */
        pb loc = {.n = 0};
        fv(&loc, 1, id);
        line(&loc, 1, (int64_t)id);
        fmsg(m, 4, &loc);
    }
}

static void test_fast_sample_path(void **state)
{
    (void)state;
    pb m;
    fast_preamble(&m);
    uint64_t l1[] = {1, 149, 2}, l2[] = {150}, l3[] = {3, 4};
    go_sample(&m, l1, 3, 5, 1ull << 40, true);              /* a long value */
    go_sample(&m, l2, 1, (uint64_t)-7, 0, false);           /* a ten-byte (negative) value: general path */
    pb s = {.n = 0};                                        /* unpacked: general path */
    fv(&s, 2, 1);
    fv(&s, 2, 2);
    fv(&s, 1, 4);
    fmsg(&m, 2, &s);
    go_sample(&m, l3, 2, 9, 10, true);
    string_table(&m);

    gmd_err err;
    gmd_profile *p = parse(&m, &err);
    if (!p) fail_msg("parse failed: %s", err.msg);
    assert_int_equal(p->nsamples, 4);
    const gmd_sample *a = &p->samples[0];
    assert_int_equal(a->nlocations, 3);
    assert_int_equal(p->locations[a->locations[0]].id, 1);
    assert_int_equal(p->locations[a->locations[1]].id, 149);
    assert_int_equal(p->locations[a->locations[2]].id, 2);
    assert_int_equal(a->values[0], 5);
    assert_int_equal(a->values[1], 1ll << 40);
    assert_int_equal(a->nlabels, 2);
    assert_string_equal(a->labels[0].key, "bytes");
    assert_string_equal(a->labels[0].str, "");
    assert_int_equal(a->labels[0].num, 300);
    assert_string_equal(a->labels[0].num_unit, "megabytes");
    assert_string_equal(a->labels[1].key, "worker");
    assert_string_equal(a->labels[1].str, "w1");
    assert_int_equal(a->labels[1].num, 0);
    const gmd_sample *b = &p->samples[1];
    assert_int_equal(b->nlocations, 1);
    assert_int_equal(p->locations[b->locations[0]].id, 150);
    assert_int_equal(b->values[0], -7);
    assert_int_equal(b->nlabels, 0);
    const gmd_sample *c = &p->samples[2];
    assert_int_equal(c->nlocations, 1);
    assert_int_equal(p->locations[c->locations[0]].id, 4);
    assert_int_equal(c->values[1], 2);
    const gmd_sample *d = &p->samples[3];
    assert_int_equal(d->nlocations, 2);
    assert_int_equal(p->locations[d->locations[1]].id, 4);
    assert_int_equal(d->values[0], 9);
    assert_int_equal(d->values[1], 10);
    assert_int_equal(d->nlabels, 2);
    assert_string_equal(d->labels[1].str, "w1");
    gmd_profile_free(p);

    /* A missing location id inside a Go-shaped sample: named at its byte. */
    fast_preamble(&m);
    size_t at = m.n;
    uint64_t bad[] = {1, 151};
    go_sample(&m, bad, 2, 1, 2, false);
    string_table(&m);
    /* sample key, length, values field (key, length, 2 bytes), locations key and length, id 1 */
    expect_error(&m, (int64_t)(at + 2 + 4 + 2 + 1), "location id 151, which is not in the profile");

    /* A label naming a string past the table. */
    fast_preamble(&m);
    at = m.n;
    pb s2 = {.n = 0};
    uint64_t vals[] = {1, 2}, one[] = {1};
    fpacked(&s2, 2, vals, 2);
    fpacked(&s2, 1, one, 1);
    pb lab = {.n = 0};
    fv(&lab, 1, 999);
    fmsg(&s2, 3, &lab);
    fmsg(&m, 2, &s2);
    string_table(&m);
    expect_error(&m, (int64_t)(at + 2 + 4 + 3 + 2), "string index 999 out of range");

    /* The wrong number of values. */
    fast_preamble(&m);
    at = m.n;
    s2.n = 0;
    uint64_t three[] = {1, 2, 3};
    fpacked(&s2, 2, three, 3);
    fpacked(&s2, 1, one, 1);
    fmsg(&m, 2, &s2);
    string_table(&m);
    expect_error(&m, (int64_t)at, "sample has 3 values but the profile has 2 sample types");
}

/* Big profiles decode their samples in two halves on two threads: the
 * model and the first error must be those of one pass in order. */
#define BIG_SAMPLES 50000

typedef struct big {
    uint8_t *b;
    size_t n;
    size_t bad_at[2];           /* where the bad ids are */
} big;

static void big_raw(big *g, const pb *m)
{
    memcpy(g->b + g->n, m->b, m->n);
    g->n += m->n;
}

/* nsamples samples after the types and locations (as Go orders them), or
 * before them when `samples_first`; strings last. */
static void big_profile_n(big *g, size_t nsamples, bool samples_first, uint64_t bad_id_at_1, uint64_t bad_id_at_2)
{
    pb m;
    g->n = 0;
    if (!samples_first) {
        fast_preamble(&m);
        big_raw(g, &m);
    }
    for (size_t i = 0; i < nsamples; i++) {
        uint64_t locs[] = {1 + i % 150, 1 + (i / 150) % 150};
        bool bad = i == bad_id_at_1 || i == bad_id_at_2;
        if (bad) locs[1] = 999;   /* two bytes, last in the sample (no labels) */
        m.n = 0;
        go_sample(&m, locs, 2, i, i * 1000, i % 3 == 0 && !bad);
        big_raw(g, &m);
        if (bad) g->bad_at[i == bad_id_at_2] = g->n - 2;
    }
    if (samples_first) {
        fast_preamble(&m);
        big_raw(g, &m);
    }
    m.n = 0;
    string_table(&m);
    big_raw(g, &m);
}

static void big_profile(big *g, uint64_t bad_id_at_1, uint64_t bad_id_at_2)
{
    big_profile_n(g, BIG_SAMPLES, false, bad_id_at_1, bad_id_at_2);
}

static void test_two_halves(void **state)
{
    (void)state;
    big *g = calloc(1, sizeof *g);
    g->b = malloc((size_t)BIG_SAMPLES * 64 + 8192);
    big_profile(g, UINT64_MAX, UINT64_MAX);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = gmd_pprof_proto_parse(g->b, g->n, &err);
    if (!p) fail_msg("parse failed: %s", err.msg);
    assert_int_equal(p->nsamples, BIG_SAMPLES);
    for (size_t i = 0; i < BIG_SAMPLES; i++) {
        const gmd_sample *sm = &p->samples[i];
        if (sm->nlocations != 2 || p->locations[sm->locations[0]].id != 1 + i % 150 ||
            p->locations[sm->locations[1]].id != 1 + (i / 150) % 150 || sm->values[0] != (int64_t)i ||
            sm->values[1] != (int64_t)i * 1000 || sm->nlabels != (i % 3 == 0 ? 2u : 0u) ||
            (sm->nlabels && sm->labels[1].str[0] != 'w'))
            fail_msg("sample %zu decoded wrongly", i);
    }
    gmd_profile_free(p);

    /* An error in the second half only, then in both: the first is reported. */
    size_t late = BIG_SAMPLES - 10, early = 10;
    big_profile(g, late, UINT64_MAX);
    gmd_err_clear(&err);
    p = gmd_pprof_proto_parse(g->b, g->n, &err);
    assert_null(p);
    assert_non_null(strstr(err.msg, "location id 999"));
    assert_int_equal(err.offset, (int64_t)g->bad_at[0]);
    big_profile(g, early, late);
    gmd_err_clear(&err);
    p = gmd_pprof_proto_parse(g->b, g->n, &err);
    assert_null(p);
    assert_non_null(strstr(err.msg, "location id 999"));
    assert_int_equal(err.offset, (int64_t)g->bad_at[0]);
    free(g->b);
    free(g);
}

static void test_empty_and_minimal(void **state)
{
    (void)state;
    /* A profile of only strings and a type, no samples: valid and empty. */
    pb m = {.n = 0};
    string_table(&m);
    value_type(&m, 1, S_INUSE_SPACE, S_BYTES);
    gmd_err err;
    gmd_profile *p = parse(&m, &err);
    assert_non_null(p);
    assert_int_equal(p->nsamples, 0);
    gmd_profile *q = round_trip(p);
    assert_same_profile(p, q);
    gmd_profile_free(p);
    gmd_profile_free(q);
}

/* ---- progressive parsing, while the bytes are still arriving ---- */

static gmd_profile *parse_progressive_whole(const uint8_t *b, size_t n)
{
    gmd_progressive pr;
    gmd_progressive_init(&pr, b, n);
    gmd_progressive_end(&pr, true);
    gmd_profile *p = gmd_pprof_proto_parse_progressive(&pr);
    gmd_progressive_destroy(&pr);
    return p;
}

/* A writer that publishes the bytes a few at a time, so the parser has to
 * wait in the middle of fields; `fail` ends the stream short instead. */
typedef struct dribble {
    gmd_progressive pr;
    size_t step;
    bool fail;
} dribble;

static void *dribble_main(void *arg)
{
    dribble *w = arg;
    size_t stop = w->fail ? w->pr.len / 2 : w->pr.len;
    for (size_t n = 0; n < stop;) {
        n = stop - n < w->step ? stop : n + w->step;
        gmd_progressive_publish(&w->pr, n);
    }
    gmd_progressive_end(&w->pr, !w->fail);
    return NULL;
}

static gmd_profile *parse_progressive_dribbled(const uint8_t *b, size_t n, size_t step, bool fail)
{
    dribble w = {.step = step, .fail = fail};
    gmd_progressive_init(&w.pr, b, n);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, dribble_main, &w), 0);
    gmd_profile *p = gmd_pprof_proto_parse_progressive(&w.pr);
    pthread_join(th, NULL);
    gmd_progressive_destroy(&w.pr);
    return p;
}

static void check_progressive_same(const uint8_t *b, size_t n)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *want = gmd_pprof_proto_parse(b, n, &err);
    if (!want) fail_msg("plain parse failed: %s", err.msg);
    gmd_profile *whole = parse_progressive_whole(b, n);
    assert_non_null(whole);
    assert_same_profile(want, whole);
    size_t steps[] = {1, 7, 4096};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (steps[i] == 1 && n > 100000) continue;   /* too slow to be worth it */
        gmd_profile *dribbled = parse_progressive_dribbled(b, n, steps[i], false);
        assert_non_null(dribbled);
        assert_same_profile(want, dribbled);
        gmd_profile_free(dribbled);
    }
    gmd_profile_free(whole);
    gmd_profile_free(want);
}

/* Whatever the layout, the progressive parse gives the same model as the
 * plain one: fast samples after their locations (Go's order), deferred ones
 * (locations defined later, labels, unpacked fields, long values). */
static void test_progressive_same_as_plain(void **state)
{
    (void)state;
    pb m;
    for (int strings_first = 0; strings_first < 2; strings_first++)
        for (int with_default = 0; with_default < 2; with_default++) {
            good_profile(&m, strings_first, with_default);
            check_progressive_same(m.b, m.n);
        }
    fast_preamble(&m);
    uint64_t l1[] = {1, 149, 2}, l2[] = {150};
    go_sample(&m, l1, 3, 5, 1ull << 40, true);
    go_sample(&m, l2, 1, (uint64_t)-7, 0, false);
    string_table(&m);
    check_progressive_same(m.b, m.n);

    /* One sample of 3,000 locations (6 KB): its pool room is counted, not
     * bounded by its length; then an ordinary one after it. */
    {
        enum { NLOC = 3000 };
        size_t cap = 64 * 1024, n = 0;
        uint8_t *buf = malloc(cap);
        fast_preamble(&m);
        memcpy(buf, m.b, m.n);
        n = m.n;
        pb vals = {.n = 0};
        uint64_t v2[] = {7, 9};
        fpacked(&vals, 2, v2, 2);
        uint8_t ids[2 * NLOC];
        size_t nids = 0;
        for (int i = 0; i < NLOC; i++) {   /* ids 128..150: two bytes each */
            uint64_t id = 128 + (uint64_t)i % 23;
            ids[nids++] = (uint8_t)(id | 0x80);
            ids[nids++] = (uint8_t)(id >> 7);
        }
        pb hdr = {.n = 0};
        vint(&hdr, 0x12);
        vint(&hdr, vals.n + 1 + 2 + nids);   /* values, then key 0x0a and a two-byte length */
        memcpy(buf + n, hdr.b, hdr.n);
        n += hdr.n;
        memcpy(buf + n, vals.b, vals.n);
        n += vals.n;
        buf[n++] = 0x0a;
        buf[n++] = (uint8_t)(nids | 0x80);
        buf[n++] = (uint8_t)(nids >> 7);
        memcpy(buf + n, ids, nids);
        n += nids;
        m.n = 0;
        uint64_t l[] = {1, 2};
        go_sample(&m, l, 2, 1, 2, true);
        string_table(&m);
        memcpy(buf + n, m.b, m.n);
        n += m.n;
        gmd_err err;
        gmd_err_clear(&err);
        gmd_profile *p = gmd_pprof_proto_parse(buf, n, &err);
        if (!p) fail_msg("plain parse of the long sample failed: %s", err.msg);
        assert_int_equal(p->samples[0].nlocations, NLOC);
        gmd_profile_free(p);
        check_progressive_same(buf, n);
        free(buf);
    }

    big *g = calloc(1, sizeof *g);
    g->b = malloc((size_t)BIG_SAMPLES * 64 + 8192);
    for (int samples_first = 0; samples_first < 2; samples_first++) {
        big_profile_n(g, BIG_SAMPLES, samples_first, UINT64_MAX, UINT64_MAX);
        check_progressive_same(g->b, g->n);
    }
    free(g->b);
    free(g);
}

/* Bad or cut input: the progressive parse declines (and the plain parse is
 * what reports it). */
static void test_progressive_declines(void **state)
{
    (void)state;
    big *g = calloc(1, sizeof *g);
    g->b = malloc((size_t)BIG_SAMPLES * 64 + 8192);
    big_profile(g, 10, UINT64_MAX);   /* a sample names location 999 */
    assert_null(parse_progressive_whole(g->b, g->n));
    big_profile(g, UINT64_MAX, UINT64_MAX);
    assert_null(parse_progressive_dribbled(g->b, g->n, 4096, true));   /* the writer fails half-way */
    assert_null(parse_progressive_whole(g->b, g->n - 3));              /* cut inside the string table */

    /* A third sample type after the samples: each sample has too few values. */
    pb m;
    fast_preamble(&m);
    uint64_t l[] = {1, 2};
    go_sample(&m, l, 2, 1, 2, false);
    value_type(&m, 1, S_SPACE, S_BYTES);
    string_table(&m);
    assert_null(parse_progressive_whole(m.b, m.n));
    gmd_err err;
    assert_null(parse(&m, &err));
    free(g->b);
    free(g);
}

static char *write_temp(const char *name, const uint8_t *b, size_t n)
{
    const char *dir = getenv("TESTTMP") ? getenv("TESTTMP") : "/tmp";
    char *path = malloc(strlen(dir) + strlen(name) + 32);
    sprintf(path, "%s/%s.%d", dir, name, (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    return path;
}

/* gmd_profile_load on a gzip'd profile big enough for the overlapped path:
 * the same model as inflate-then-parse, and for damaged files the same
 * errors as before (from the plain path). */
static void test_load_overlapped(void **state)
{
    (void)state;
    enum { N = 120000 };   /* about 2.5 MB of protobuf: over the 1 MiB threshold */
    big *g = calloc(1, sizeof *g);
    g->b = malloc((size_t)N * 64 + 8192);
    big_profile_n(g, N, false, UINT64_MAX, UINT64_MAX);
    assert_true(g->n > (2u << 20));
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *want = gmd_pprof_proto_parse(g->b, g->n, &err);
    assert_non_null(want);
    uint8_t *gz;
    size_t gzn;
    assert_int_equal(gmd_gzip(g->b, g->n, &gz, &gzn, &err), 0);

    char *path = write_temp("overlapped.pb.gz", gz, gzn);
    gmd_profile *got = gmd_profile_load(path, NULL, &err);
    if (!got) fail_msg("load failed: %s", err.msg);
    assert_same_profile(want, got);
    gmd_profile_free(got);
    unlink(path);
    free(path);

    /* Two members (as `cat a.gz b.gz` makes): the plain path takes it. */
    uint8_t *gz1, *gz2;
    size_t gz1n, gz2n, half = g->n / 2;
    assert_int_equal(gmd_gzip(g->b, half, &gz1, &gz1n, &err), 0);
    assert_int_equal(gmd_gzip(g->b + half, g->n - half, &gz2, &gz2n, &err), 0);
    uint8_t *cat = malloc(gz1n + gz2n);
    memcpy(cat, gz1, gz1n);
    memcpy(cat + gz1n, gz2, gz2n);
    path = write_temp("members.pb.gz", cat, gz1n + gz2n);
    got = gmd_profile_load(path, NULL, &err);
    if (!got) fail_msg("load of two members failed: %s", err.msg);
    assert_same_profile(want, got);
    gmd_profile_free(got);
    unlink(path);
    free(path);
    free(cat);
    free(gz1);
    free(gz2);

    /* A damaged checksum, found only at the very end. */
    gz[gzn - 6] ^= 1;
    path = write_temp("badcrc.pb.gz", gz, gzn);
    gmd_err_clear(&err);
    assert_null(gmd_profile_load(path, NULL, &err));
    assert_non_null(strstr(err.msg, "checksum"));
    assert_string_equal(err.source, path);
    unlink(path);
    free(path);
    gz[gzn - 6] ^= 1;

    /* Damage inside the protobuf (a location id nobody defines): the error
     * of the plain parse, with its offset in the decompressed data. */
    free(gz);
    big_profile_n(g, N, false, N / 2, UINT64_MAX);
    assert_int_equal(gmd_gzip(g->b, g->n, &gz, &gzn, &err), 0);
    path = write_temp("badid.pb.gz", gz, gzn);
    gmd_err_clear(&err);
    assert_null(gmd_profile_load(path, NULL, &err));
    assert_non_null(strstr(err.msg, "location id 999"));
    assert_non_null(strstr(err.msg, "offset in the decompressed data"));
    assert_int_equal(err.offset, (int64_t)g->bad_at[0]);
    unlink(path);
    free(path);

    /* Cut short: the gzip error, as before. */
    path = write_temp("cut.pb.gz", gz, gzn / 2);
    gmd_err_clear(&err);
    assert_null(gmd_profile_load(path, NULL, &err));
    assert_non_null(strstr(err.msg, "truncated"));
    unlink(path);
    free(path);

    free(gz);
    gmd_profile_free(want);
    free(g->b);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_strings_last),
        cmocka_unit_test(test_parse_strings_first_no_default),
        cmocka_unit_test(test_detect_and_dispatch),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_fixture),
        cmocka_unit_test(test_truncated_varint),
        cmocka_unit_test(test_long_varint),
        cmocka_unit_test(test_length_past_end),
        cmocka_unit_test(test_bad_string_index),
        cmocka_unit_test(test_missing_location),
        cmocka_unit_test(test_wrong_value_count),
        cmocka_unit_test(test_groups_and_bad_wire_types),
        cmocka_unit_test(test_zero_and_duplicate_ids),
        cmocka_unit_test(test_empty_and_minimal),
        cmocka_unit_test(test_fast_sample_path),
        cmocka_unit_test(test_two_halves),
        cmocka_unit_test(test_progressive_same_as_plain),
        cmocka_unit_test(test_progressive_declines),
        cmocka_unit_test(test_load_overlapped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
