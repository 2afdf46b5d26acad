/* The execution trace reader on two threads (gmd_trace_set_threaded): on the
 * suite's real traces, the same events as on one thread, field by field,
 * with string and stack tables that resolve to the same text while the
 * reading thread is already a generation ahead; a consumer that stops at any
 * point (the reading thread blocked on a full ring or waiting for the
 * tables) and closes; the same error at the same event on corrupt input;
 * the dense goroutine numbers the analyses index by (gslot). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/trace.h"

static uint8_t *slurp(const char *name, size_t *len)
{
    const char *dir = getenv("FIXTURES");
    assert_non_null(dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/trace/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* A digest of what a consumer sees of one event, tables included. */
static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }
static uint64_t mixs(uint64_t h, const char *s)
{
    while (*s) h = mix(h, (uint8_t)*s++);
    return mix(h, 0);
}
static uint64_t digest(const gmd_trace_reader *r, const gmd_trace_event *e)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = mix(h, e->type);
    h = mix(h, e->old_state);
    h = mix(h, e->gslot);
    h = mix(h, (uint64_t)e->time);
    h = mix(h, e->g);
    h = mix(h, e->p);
    h = mix(h, e->m);
    for (int i = 0; i < 4; i++) h = mix(h, e->args[i]);
    h = mix(h, e->gen);
    h = mix(h, (uint64_t)e->offset);
    size_t n;
    const gmd_trace_frame *f = gmd_trace_stack(r, e->stack, &n);
    for (size_t i = 0; i < n; i++) h = mixs(mixs(mix(h, f[i].pc), f[i].func), f[i].file);
    gmd_trace_gotrans tr;
    if (gmd_trace_go_transition(r, e, &tr)) h = mixs(mix(mix(h, tr.from), tr.to), tr.reason);
    if (e->type == GMD_TEV_USER_LOG) h = mixs(h, gmd_trace_string(r, e->args[2]));
    return h;
}

typedef struct run { uint64_t n, h, gens, bytes; int rc; char err[900]; } run;

/* Read up to `stop` events (all when 0) and close. */
static run read_all(const uint8_t *d, size_t len, bool threaded, uint64_t stop)
{
    run out = {0};
    gmd_err err;
    gmd_err_clear(&err);
    gmd_trace_reader *r = gmd_trace_open_mem(d, len, "t", false, &err);
    if (!r) {
        out.rc = -2;
        gmd_err_str(&err, out.err, sizeof out.err);
        return out;
    }
    gmd_trace_set_threaded(r, threaded);
    gmd_trace_event e;
    out.h = 1;
    while ((out.rc = gmd_trace_next(r, &e, &err)) > 0) {
        out.h = mix(out.h, digest(r, &e));
        if (++out.n == stop) break;
    }
    if (out.rc < 0) gmd_err_str(&err, out.err, sizeof out.err);
    if (out.rc == 0) {
        out.gens = gmd_trace_generations(r);
        out.bytes = gmd_trace_bytes(r);
        /* after the end, the end again */
        assert_int_equal(gmd_trace_next(r, &e, &err), 0);
    }
    gmd_trace_close(r);
    return out;
}

static void same(const run *a, const run *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->n, b->n);
    assert_true(a->h == b->h);
    assert_int_equal(a->gens, b->gens);
    assert_int_equal(a->bytes, b->bytes);
    assert_string_equal(a->err, b->err);
}

static const char *traces[] = {"go126.trace", "go125.trace", "go123.trace", "go122.trace", "go126-1gen.trace"};

static void test_same_events(void **state)
{
    (void)state;
    int found = 0;
    for (size_t i = 0; i < sizeof traces / sizeof *traces; i++) {
        size_t len;
        uint8_t *d = slurp(traces[i], &len);
        if (!d) continue;
        found++;
        run one = read_all(d, len, false, 0), two = read_all(d, len, true, 0);
        assert_int_equal(one.rc, 0);
        assert_true(one.n > 1000);
        same(&one, &two);
        free(d);
    }
    assert_true(found >= 2);
}

/* The dense goroutine numbers (gmd_trace_event.gslot) on real traces: every
 * transition has one and other events none; no two existing goroutines
 * share one; an ended goroutine's number is reused, so they stay below the
 * most goroutines that existed at once. */
static void test_gslot(void **state)
{
    (void)state;
    int found = 0;
    for (size_t i = 0; i < sizeof traces / sizeof *traces; i++) {
        size_t len;
        uint8_t *d = slurp(traces[i], &len);
        if (!d) continue;
        found++;
        gmd_err err;
        gmd_err_clear(&err);
        gmd_trace_reader *r = gmd_trace_open_mem(d, len, "t", false, &err);
        assert_non_null(r);
        uint64_t *owner = NULL;   /* slot -> goroutine id + 1, 0 free */
        uint32_t cap = 0, maxslot = 0;
        uint64_t live = 0, peak = 0, ended = 0;
        gmd_trace_event e;
        gmd_trace_gotrans tr;
        while (gmd_trace_next(r, &e, &err) > 0) {
            if (!gmd_trace_go_transition(r, &e, &tr)) {
                assert_int_equal(e.gslot, UINT32_MAX);
                continue;
            }
            assert_int_equal(tr.slot, e.gslot);
            assert_true(tr.slot < 1000000);
            if (tr.slot >= cap) {
                uint32_t n = cap ? cap : 64;
                while (n <= tr.slot) n *= 2;
                owner = realloc(owner, n * sizeof *owner);
                assert_non_null(owner);
                memset(owner + cap, 0, (n - cap) * sizeof *owner);
                cap = n;
            }
            if (tr.from == GMD_TGS_NOTEXIST || tr.from == GMD_TGS_UNDETERMINED) {
                assert_true(owner[tr.slot] == 0);
                owner[tr.slot] = tr.g + 1;
                if (++live > peak) peak = live;
            } else assert_true(owner[tr.slot] == tr.g + 1);
            if (tr.slot > maxslot) maxslot = tr.slot;
            if (tr.to == GMD_TGS_NOTEXIST) {
                owner[tr.slot] = 0;
                live--;
                ended++;
            }
        }
        assert_true(ended > 0);
        assert_true(maxslot < peak);
        free(owner);
        gmd_trace_close(r);
        free(d);
    }
    assert_true(found >= 2);
}

/* Stop after k events for k across the whole stream (at chunk and
 * generation boundaries too), and close: no hang, no leak (ASan). */
static void test_early_close(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = slurp("go126.trace", &len);
    assert_non_null(d);
    run all = read_all(d, len, false, 0);
    uint64_t stops[] = {1, 2, 100, 4095, 4096, 4097, 8192, 3 * 4096 + 1, 5 * 4096, all.n / 2, all.n - 1};
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        run one = read_all(d, len, false, stops[i]), two = read_all(d, len, true, stops[i]);
        assert_int_equal(two.n, stops[i]);
        same(&one, &two);
    }
    /* opened and closed without reading: no thread was started */
    gmd_err err;
    gmd_trace_reader *r = gmd_trace_open_mem(d, len, "t", false, &err);
    assert_non_null(r);
    gmd_trace_set_threaded(r, true);
    gmd_trace_close(r);
    free(d);
}

/* Corrupt bytes and cuts at many places: the same events, then the same
 * error (or the same end) either way. */
static void test_bad_input(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = slurp("go126.trace", &len);
    assert_non_null(d);
    uint8_t *c = malloc(len);
    assert_non_null(c);
    int errors = 0;
    for (int k = 1; k < 40; k++) {
        size_t at = len * (size_t)k / 40;
        memcpy(c, d, len);
        c[at] ^= 0xff;
        c[at + 1] = 0xff;
        run one = read_all(c, len, false, 0), two = read_all(c, len, true, 0);
        same(&one, &two);
        errors += one.rc < 0;
        one = read_all(d, at, false, 0);
        two = read_all(d, at, true, 0);
        same(&one, &two);
    }
    assert_true(errors > 0);
    free(c);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_events),
        cmocka_unit_test(test_gslot),
        cmocka_unit_test(test_early_close),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
