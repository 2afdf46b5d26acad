/* Execution trace reader on traces built byte by byte: the Go 1.22 and 1.26
 * framings, ordering across threads by sequence numbers (an event whose
 * goroutine does not exist yet waits for the thread that creates it),
 * streaming from a pipe, a cut at every byte (what is complete is kept and
 * the loss named), header and event errors with their byte offsets, the
 * goroutine-site analysis, and the u64 hash table. Real traces from real Go
 * programs are checked against Go's own reader in tests/cli/test_trace.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gmd/trace.h"
#include "gmd/trace_analysis.h"
#include "gmd/u64tab.h"

typedef struct buf { uint8_t d[4096]; size_t n; } buf;

static void put(buf *b, uint8_t c) { assert_true(b->n < sizeof b->d); b->d[b->n++] = c; }
static void uv(buf *b, uint64_t v)
{
    while (v >= 0x80) {
        put(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put(b, (uint8_t)v);
}
static void bytes(buf *b, const void *p, size_t n) { for (size_t i = 0; i < n; i++) put(b, ((const uint8_t *)p)[i]); }
static void str(buf *b, uint64_t id, const char *s) { put(b, 5); uv(b, id); uv(b, strlen(s)); bytes(b, s, strlen(s)); }
static void batch(buf *out, uint64_t gen, uint64_t m, uint64_t ts, const buf *data)
{
    put(out, 1);
    uv(out, gen);
    uv(out, m);
    uv(out, ts);
    uv(out, data->n);
    bytes(out, data->d, data->n);
}
/* An event: type, time delta, arguments. */
static void ev(buf *b, uint8_t type, uint64_t dt, int nargs, ...)
{
    va_list ap;
    va_start(ap, nargs);
    put(b, type);
    uv(b, dt);
    for (int i = 0; i < nargs; i++) uv(b, va_arg(ap, uint64_t));
    va_end(ap);
}
#define E(b, t, dt, ...) ev(b, t, dt, (int)(sizeof((uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t)), __VA_ARGS__)

static size_t gen1_end;   /* offset where generation 2 starts */

/* Two generations. Generation 1: thread 1 runs g1 on proc 0, creates g2
 * and g3 (both run main.worker), blocks g1 on a channel; thread 2 starts
 * proc 1 and runs g3 *earlier in time* than its creation (its GoStart must
 * wait for the GoCreate), g3 ends; g2 runs and blocks forever. Generation 2:
 * both procs still running, g1 and g2 still waiting. */
static size_t build(uint8_t *out, size_t cap, int version)
{
    buf t = {0}, d;
    char hdr[16] = {0};
    snprintf(hdr, sizeof hdr, "go 1.%d trace", version);
    bytes(&t, hdr, 16);
    for (uint64_t gen = 1; gen <= 2; gen++) {
        d.n = 0;
        if (version >= 25) put(&d, 50);
        put(&d, 8);
        uv(&d, 1000000000);   /* 1 tick = 1 ns */
        if (version >= 25) { put(&d, 51); uv(&d, 100); uv(&d, 1); uv(&d, 2); uv(&d, 3); }
        batch(&t, gen, 0, 100, &d);
        d.n = 0;
        put(&d, 4);
        str(&d, 1, "main.worker");
        str(&d, 2, "/src/main.go");
        str(&d, 3, "main.main");
        str(&d, 4, "chan receive");
        batch(&t, gen, 0, 100, &d);
        d.n = 0;
        put(&d, 2);
        put(&d, 3); uv(&d, 1); uv(&d, 1); uv(&d, 0x1000); uv(&d, 1); uv(&d, 2); uv(&d, 10);
        put(&d, 3); uv(&d, 2); uv(&d, 1); uv(&d, 0x2000); uv(&d, 3); uv(&d, 2); uv(&d, 20);
        batch(&t, gen, 0, 100, &d);
        if (gen == 1) {
            d.n = 0;
            E(&d, 13, 1, 0, 1);          /* ProcStatus p0 running */
            E(&d, 25, 1, 1, 1, 2);       /* GoStatus g1 m1 running */
            E(&d, 14, 5, 2, 1, 2);       /* GoCreate g2 (main.worker) by main.main */
            E(&d, 14, 5, 3, 1, 2);       /* GoCreate g3 at t=112 */
            E(&d, 20, 5, 4, 2);          /* GoBlock g1: chan receive */
            E(&d, 16, 5, 2, 1);          /* GoStart g2 seq 1 */
            E(&d, 20, 5, 4, 1);          /* GoBlock g2 */
            batch(&t, gen, 1, 100, &d);
            d.n = 0;
            E(&d, 13, 3, 1, 2);          /* ProcStatus p1 idle */
            E(&d, 10, 1, 1, 1);          /* ProcStart p1 seq 1 */
            E(&d, 16, 1, 3, 1);          /* GoStart g3 seq 1 at t=105: before its creation */
            ev(&d, 17, 50, 0);           /* GoDestroy g3 */
            batch(&t, gen, 2, 100, &d);
        } else {
            d.n = 0;
            E(&d, 13, 1, 0, 1);          /* ProcStatus p0 running */
            E(&d, 25, 1, 1, UINT64_MAX, 4); /* GoStatus g1 waiting */
            E(&d, 25, 1, 2, UINT64_MAX, 4); /* GoStatus g2 waiting */
            batch(&t, gen, 1, 1000, &d);
            d.n = 0;
            E(&d, 13, 5, 1, 1);          /* ProcStatus p1 running, on thread 2 */
            batch(&t, gen, 2, 1000, &d);
        }
        if (version >= 26) put(&t, 52);
        if (gen == 1) gen1_end = t.n;
    }
    assert_true(t.n <= cap);
    memcpy(out, t.d, t.n);
    return t.n;
}

/* Events as "Type:g" strings, space-separated. */
static int collect(gmd_trace_reader *r, char *out, size_t cap, gmd_err *err)
{
    gmd_trace_event e;
    int rc;
    out[0] = 0;
    int64_t last = INT64_MIN;
    while ((rc = gmd_trace_next(r, &e, err)) > 0) {
        assert_true(e.time > last);
        last = e.time;
        size_t n = strlen(out);
        uint64_t g = e.type == GMD_TEV_GO_START || e.type == GMD_TEV_GO_CREATE || e.type == GMD_TEV_GO_STATUS ? e.args[0] : e.g;
        if (g == GMD_TRACE_NONE) snprintf(out + n, cap - n, "%s ", gmd_trace_event_name(e.type));
        else snprintf(out + n, cap - n, "%s:%llu ", gmd_trace_event_name(e.type), (unsigned long long)g);
    }
    if (rc < 0 && getenv("TEST_TRACE_VERBOSE")) {
        char msg[256];
        print_message("after '%s': %s\n", out, gmd_err_str(err, msg, sizeof msg));
    }
    return rc;
}

static const char gen1_events[] =
    "Sync ProcStatus GoStatus:1 ProcStatus ProcStart GoCreate:2 GoCreate:3 GoStart:3 GoBlock:1 GoStart:2 GoBlock:2 GoDestroy:3 ";
static const char want_events[] =
    "Sync ProcStatus GoStatus:1 ProcStatus ProcStart GoCreate:2 GoCreate:3 GoStart:3 GoBlock:1 GoStart:2 GoBlock:2 GoDestroy:3 "
    "Sync ProcStatus GoStatus:1 GoStatus:2 ProcStatus ";

static void test_order(void **state)
{
    (void)state;
    static const int versions[] = {22, 23, 25, 26};
    for (int v = 0; v < 4; v++) {
        uint8_t data[4096];
        size_t n = build(data, sizeof data, versions[v]);
        /* TEST_TRACE_SEEDS=DIR writes these traces out: fuzz/corpus/trace/
         * synthetic-go1NN.trace were made so. */
        const char *seeds = getenv("TEST_TRACE_SEEDS");
        if (seeds) {
            char path[512];
            snprintf(path, sizeof path, "%s/synthetic-go1%d.trace", seeds, versions[v]);
            FILE *f = fopen(path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(data, 1, n, f), n);
            fclose(f);
        }
        gmd_err err;
        gmd_err_clear(&err);
        gmd_trace_reader *r = gmd_trace_open_mem(data, n, "t", false, &err);
        assert_non_null(r);
        assert_int_equal(gmd_trace_version(r), versions[v]);
        char got[2048];
        assert_int_equal(collect(r, got, sizeof got, &err), 0);
        assert_string_equal(got, want_events);
        assert_null(gmd_trace_truncated(r));
        assert_int_equal(gmd_trace_generations(r), 2);
        gmd_trace_close(r);
    }
}

static void test_transitions_and_stacks(void **state)
{
    (void)state;
    uint8_t data[4096];
    size_t n = build(data, sizeof data, 26);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_trace_reader *r = gmd_trace_open_mem(data, n, "t", false, &err);
    gmd_trace_event e;
    int creates = 0;
    while (gmd_trace_next(r, &e, &err) > 0) {
        gmd_trace_gotrans tr;
        if (e.type == GMD_TEV_GO_CREATE) {
            assert_true(gmd_trace_go_transition(r, &e, &tr));
            assert_int_equal(tr.from, GMD_TGS_NOTEXIST);
            assert_int_equal(tr.to, GMD_TGS_RUNNABLE);
            size_t nf;
            const gmd_trace_frame *f = gmd_trace_stack(r, tr.stack, &nf);
            assert_int_equal(nf, 1);
            assert_string_equal(f[0].func, "main.worker");
            assert_string_equal(f[0].file, "/src/main.go");
            assert_int_equal(f[0].line, 10);
            f = gmd_trace_stack(r, e.stack, &nf);
            assert_string_equal(f[0].func, "main.main");
            creates++;
        }
        if (e.type == GMD_TEV_GO_BLOCK) {
            assert_true(gmd_trace_go_transition(r, &e, &tr));
            assert_string_equal(tr.reason, "chan receive");
            assert_int_equal(tr.to, GMD_TGS_WAITING);
        }
        if (e.type == GMD_TEV_GO_STATUS && e.gen == 1) assert_int_equal(e.old_state, GMD_TGS_UNDETERMINED);
        if (e.type == GMD_TEV_GO_STATUS && e.gen == 2) assert_int_equal(e.old_state, GMD_TGS_WAITING);
    }
    assert_int_equal(creates, 2);
    gmd_trace_close(r);
}

static void test_analysis(void **state)
{
    (void)state;
    uint8_t data[4096];
    size_t n = build(data, sizeof data, 23);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_trace_reader *r = gmd_trace_open_mem(data, n, "t", false, &err);
    gmd_trace_analysis a;
    assert_int_equal(gmd_trace_analyse(r, &a, &err), 0);
    gmd_trace_close(r);
    assert_true(a.nsites >= 1);
    const gmd_trace_site *s = &a.sites[0];
    assert_string_equal(s->start_function, "main.worker");
    assert_string_equal(s->created_by, "main.main");
    assert_int_equal(s->created, 2);
    assert_int_equal(s->ended, 1);
    assert_int_equal(s->alive_at_end, 1);
    assert_int_equal(s->created_alive, 1);
    assert_int_equal(s->nstates, 1);
    assert_string_equal(s->states[0].state, "chan receive");
    assert_int_equal(a.goroutines_at_start, 1);
    assert_int_equal(a.created, 2);
    assert_int_equal(a.ended, 1);
    assert_int_equal(a.alive_at_end, 2);
    gmd_trace_analysis_free(&a);
}

/* The same bytes through a pipe: the streaming window. */
static void test_pipe(void **state)
{
    (void)state;
    uint8_t data[4096];
    size_t n = build(data, sizeof data, 26);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], data, n), (ssize_t)n);
    close(fds[1]);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_trace_reader *r = gmd_trace_open_fd(fds[0], "-", &err);
    assert_non_null(r);
    char got[2048];
    assert_int_equal(collect(r, got, sizeof got, &err), 0);
    assert_string_equal(got, want_events);
    gmd_trace_close(r);
    close(fds[0]);
}

/* A cut at every byte: never a crash; a cut inside generation 2 keeps all of
 * generation 1 and says what was lost. */
static void test_cuts(void **state)
{
    (void)state;
    static const int versions[] = {22, 26};
    for (int v = 0; v < 2; v++) {
        uint8_t data[4096];
        size_t n = build(data, sizeof data, versions[v]);
        for (size_t cut = 16; cut < n; cut++) {
            gmd_err err;
            gmd_err_clear(&err);
            gmd_trace_reader *r = gmd_trace_open_mem(data, cut, "t", false, &err);
            assert_non_null(r);
            char got[2048];
            int rc = collect(r, got, sizeof got, &err);
            /* Before Go 1.26 nothing marks a generation's end: a cut at a
             * batch boundary looks like a complete (shorter) trace, as it
             * does to Go's reader, and the next generation's number must be
             * readable to know the previous one is complete. */
            bool v26 = versions[v] >= 26;
            if (rc == 0 && cut > gen1_end + (v26 ? 0 : 1)) {
                if (v26) assert_non_null(gmd_trace_truncated(r));
                if (gmd_trace_truncated(r)) assert_non_null(strstr(gmd_trace_truncated(r), "trace cut off at byte"));
                assert_int_equal(strncmp(got, want_events, strlen(gen1_events)), 0);
            }
            if (rc == 0 && cut > 16 && cut < gen1_end && v26) assert_non_null(gmd_trace_truncated(r));
            if (rc < 0) assert_true(err.offset >= 0);
            gmd_trace_close(r);
        }
    }
}

static void test_headers(void **state)
{
    (void)state;
    static const struct { const char *hdr; const char *want; } cases[] = {
        {"go 1.21 trace\0\0\0", "a go 1.21 trace"},
        {"go 1.19 trace\0\0\0", "a go 1.19 trace"},
        {"go 1.27 trace\0\0\0", "unknown trace version go 1.27"},
        {"gopher 1.22 tra\0", "not a Go execution trace"},
        {"go 1.22 trace\0\0", "not a Go execution trace"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gmd_err err;
        gmd_err_clear(&err);
        size_t len = i == 4 ? 15 : 16;
        assert_null(gmd_trace_open_mem((const uint8_t *)cases[i].hdr, len, "h", false, &err));
        char msg[256];
        gmd_err_str(&err, msg, sizeof msg);
        if (!strstr(msg, cases[i].want)) fail_msg("%s: got '%s'", cases[i].want, msg);
        assert_non_null(strstr(msg, "byte 0"));
    }
}

/* A bad event type is reported at its own byte offset. */
static void test_bad_event(void **state)
{
    (void)state;
    uint8_t data[4096];
    size_t n = build(data, sizeof data, 26);
    /* The first event of thread 1's batch: find ProcStatus p0 running (13, 1, 0, 1). */
    size_t at = 0;
    for (size_t i = 16; i + 4 <= n; i++)
        if (data[i] == 13 && data[i + 1] == 1 && data[i + 2] == 0 && data[i + 3] == 1) { at = i; break; }
    assert_true(at > 0);
    data[at] = 99;
    gmd_err err;
    gmd_err_clear(&err);
    gmd_trace_reader *r = gmd_trace_open_mem(data, n, "t", false, &err);
    char got[2048];
    assert_int_equal(collect(r, got, sizeof got, &err), -1);
    assert_int_equal(err.offset, (int64_t)at);
    char msg[256];
    gmd_err_str(&err, msg, sizeof msg);
    assert_non_null(strstr(msg, "invalid event type 99"));
    gmd_trace_close(r);
}

static void test_u64tab(void **state)
{
    (void)state;
    gmd_u64tab t;
    gmd_u64tab_init(&t, sizeof(uint64_t));
    enum { N = 5000 };
    static uint64_t val[N];
    static bool in[N];
    uint64_t x = 88172645463325252ull;
    for (int step = 0; step < 200000; step++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t k = x % N;
        if ((x >> 32) % 3 == 0) {
            assert_int_equal(gmd_u64tab_del(&t, k * 0x9E3779B97F4A7C15ull), in[k]);
            in[k] = false;
        } else {
            bool existed;
            uint64_t *v = gmd_u64tab_put(&t, k * 0x9E3779B97F4A7C15ull, &existed);
            assert_int_equal(existed, in[k]);
            if (!existed) assert_int_equal(*v, 0);
            *v = val[k] = x;
            in[k] = true;
        }
    }
    size_t count = 0;
    for (int k = 0; k < N; k++) {
        uint64_t *v = gmd_u64tab_get(&t, (uint64_t)k * 0x9E3779B97F4A7C15ull);
        if (in[k]) {
            assert_non_null(v);
            assert_int_equal(*v, val[k]);
            count++;
        } else assert_null(v);
    }
    assert_int_equal(t.count, count);
    gmd_u64tab_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_transitions_and_stacks),
        cmocka_unit_test(test_analysis),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_cuts),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_bad_event),
        cmocka_unit_test(test_u64tab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
