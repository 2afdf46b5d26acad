/* gctrace parser: every line form the runtime prints (Go 1.26 source and
 * older releases), cut and interleaved lines, foreign lines, log prefixes,
 * chunked feeding; and the trend analysis on synthetic series. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/gcanalysis.h"
#include "gmd/gctrace.h"

static const char go126[] =
    "gc 34 @0.323s 1%: 0.14+14+0.27 ms clock, 0.28+0/0.19/0.17+0.54 ms cpu, 88->102->45 MB, 103 MB goal, "
    "0 MB stacks, 0 MB globals, 2 P";

static void test_current_line(void **state)
{
    (void)state;
    gmd_gc_cycle c;
    assert_int_equal(gmd_gctrace_parse_gc_line(go126, strlen(go126), &c), 1);
    assert_int_equal(c.num, 34);
    assert_true(fabs(c.t - 0.323) < 1e-9);
    assert_int_equal(c.cpu_pct, 1);
    assert_int_equal(c.nclock, 3);
    assert_true(fabs(c.stw_ms - 0.41) < 1e-9);
    assert_true(fabs(c.mark_ms - 14) < 1e-9);
    assert_true(fabs(c.assist_ms - 0) < 1e-9);
    assert_true(fabs(c.gc_cpu_ms - (0.28 + 0 + 0.19 + 0.17 + 0.54)) < 1e-9);
    assert_int_equal(c.heap_start_mb, 88);
    assert_int_equal(c.heap_term_mb, 102);
    assert_int_equal(c.live_mb, 45);
    assert_int_equal(c.goal_mb, 103);
    assert_int_equal(c.stacks_mb, 0);
    assert_int_equal(c.globals_mb, 0);
    assert_int_equal(c.procs, 2);
    assert_false(c.forced);
}

static void test_variants(void **state)
{
    (void)state;
    gmd_gc_cycle c;
    const char *forced = "gc 24 @0.019s 9%: 0.038+0.11+0.001 ms clock, 0.076+0/0.088/0.053+0.003 ms cpu, "
                         "3->3->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)";
    assert_int_equal(gmd_gctrace_parse_gc_line(forced, strlen(forced), &c), 1);
    assert_true(c.forced);
    /* Go 1.26 goroutine leak detection marker. */
    const char *leak = "gc 7 @1.500s 3% (checking for goroutine leaks): 0.05+1.2+0.01 ms clock, "
                       "0.1+0.2/1.1/0.3+0.02 ms cpu, 10->11->6 MB, 12 MB goal, 1 MB stacks, 2 MB globals, 8 P";
    assert_int_equal(gmd_gctrace_parse_gc_line(leak, strlen(leak), &c), 1);
    assert_true(c.leak_check);
    assert_int_equal(c.stacks_mb, 1);
    assert_int_equal(c.globals_mb, 2);
    assert_int_equal(c.procs, 8);
    /* Go 1.6-1.17: no stacks and globals. */
    const char *old = "gc 412 @7203.118s 1%: 0.081+14+0.093 ms clock, 0.65+2.1/27/61+0.74 ms cpu, "
                      "812->815->402 MB, 826 MB goal, 8 P";
    assert_int_equal(gmd_gctrace_parse_gc_line(old, strlen(old), &c), 1);
    assert_int_equal(c.stacks_mb, -1);
    assert_int_equal(c.globals_mb, -1);
    assert_int_equal(c.live_mb, 402);
    assert_true(fabs(c.t - 7203.118) < 1e-9);
    /* Go 1.5: five clock phases, seven cpu values. */
    const char *go15 = "gc 1 @0.017s 2%: 0.021+0.39+0.063+0.13+0.089 ms clock, 0.042+0.39+0+0.17/0.12/0.068+0.17 ms cpu, "
                       "4->4->0 MB, 5 MB goal, 2 P";
    assert_int_equal(gmd_gctrace_parse_gc_line(go15, strlen(go15), &c), 1);
    assert_int_equal(c.nclock, 5);
    assert_true(fabs(c.stw_ms - (0.021 + 0.063 + 0.089)) < 1e-9);
}

static void test_rejects(void **state)
{
    (void)state;
    gmd_gc_cycle c;
    /* Not gc lines at all. */
    assert_int_equal(gmd_gctrace_parse_gc_line("gc is fun", 9, &c), 0);
    assert_int_equal(gmd_gctrace_parse_gc_line("gcc -O2", 7, &c), 0);
    /* Every proper prefix of a real line is a cut line: never accepted. */
    size_t n = strlen(go126);
    for (size_t i = 4; i < n; i++) assert_int_equal(gmd_gctrace_parse_gc_line(go126, i, &c), -1);
    /* Trailing text from another writer. */
    char buf[512];
    snprintf(buf, sizeof buf, "%sGET /healthz 200", go126);
    assert_int_equal(gmd_gctrace_parse_gc_line(buf, strlen(buf), &c), -1);
    /* Wrong separators and counts. */
    const char *bad[] = {
        "gc 1 @0.1s 1%: 0.1+0.2 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, 4 MB goal, 2 P",
        "gc 1 @0.1s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2+0.3+0.4+0.5 ms cpu, 4->4->2 MB, 4 MB goal, 2 P",
        "gc 1 @0.1s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4 MB, 4 MB goal, 2 P",
        "gc 1 @0.1s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, 4 MB goal, 0 P",
        "gc 1 @0.1s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, 4 MB goal, 0 MB stacks, 2 P",
        "gc 99999999999999999999 @0.1s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, 4 MB goal, 2 P",
        "gc 1 @0.s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, 4 MB goal, 2 P",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(gmd_gctrace_parse_gc_line(bad[i], strlen(bad[i]), &c), -1);
}

static void feed_str(gmd_gctrace *t, const char *s) { gmd_gctrace_feed(t, s, strlen(s)); }

static void test_stream_and_other_lines(void **state)
{
    (void)state;
    gmd_gctrace t;
    gmd_gctrace_init(&t, NAN);
    feed_str(&t, "starting server\n");
    feed_str(&t, "GC forced\n");
    feed_str(&t, go126);
    feed_str(&t, "\r\n");
    feed_str(&t, "scav 0 KiB work (bg), 512 KiB work (eager), 3472 KiB now, 53% util\n");
    feed_str(&t, "scav 2344 KiB work, 6528 KiB total, 95% util (forced)\n");
    feed_str(&t, "scan: total 5210+980+48113=54303 objs, 410+1204=1614 spans\n");
    feed_str(&t, "pacer: assist ratio=+1.0 (scan 0 MB in 4->4 MB) workers=1++0.0\n");
    feed_str(&t, "scav 12 KiB work (bg), 0 KiB\n");   /* cut scav line */
    feed_str(&t, "gc 35 @0.352s 1%: 0.17+6.0+0.070 ms cl");   /* cut by a crash: no newline */
    gmd_gctrace_finish(&t);
    assert_int_equal(t.ncycles, 1);
    assert_true(t.cycles[0].periodic);
    assert_int_equal(t.cycles[0].released_kib, 6528);
    assert_int_equal(t.counts.lines, 9);
    assert_int_equal(t.counts.gc_lines, 1);
    assert_int_equal(t.counts.forced_lines, 1);
    assert_int_equal(t.counts.scav_lines, 2);
    assert_int_equal(t.counts.scan_lines, 1);
    assert_int_equal(t.counts.other_runtime, 1);
    assert_int_equal(t.counts.malformed, 2);
    assert_int_equal(t.counts.foreign, 1);
    assert_int_equal(t.scav.released_kib, 6528);
    assert_int_equal(t.scav.work_kib_total, 512 + 2344);
    gmd_gctrace_free(&t);
}

/* Go <= 1.13 printed its scavenger with gctrace=1 as "scvg" lines (there
 * was no scavtrace): released and in-use over retained read as "scav". */
static void test_old_scvg_lines(void **state)
{
    (void)state;
    gmd_gctrace t;
    gmd_gctrace_init(&t, NAN);
    feed_str(&t, go126);
    feed_str(&t, "\n");
    feed_str(&t, "scvg: 8 KB released\n");
    feed_str(&t, "scvg: inuse: 3, idle: 60, sys: 63, released: 57, consumed: 6 (MB)\n");
    feed_str(&t, "scvg12: 2 MB released\n");
    feed_str(&t, "forced scvg: inuse: 0, idle: 63, sys: 63, released: 59, consumed: 4 (MB)\n");
    feed_str(&t, "scvg: inuse: 3, idle\n");   /* cut */
    gmd_gctrace_finish(&t);
    assert_int_equal(t.counts.scav_lines, 4);
    assert_int_equal(t.counts.malformed, 1);
    assert_true(t.scav.seen);
    assert_int_equal(t.scav.released_kib, 59 << 10);
    assert_int_equal(t.scav.util_pct, 0);
    assert_int_equal(t.scav.work_kib_total, 8 + 2048);
    assert_int_equal(t.cycles[0].released_kib, 59 << 10);
    gmd_gctrace_free(&t);
}

/* The same input fed whole and one byte at a time gives the same result. */
static void test_chunking(void **state)
{
    (void)state;
    char input[4096];
    int n = snprintf(input, sizeof input,
                     "hello\n%s\nworld %s\nMay  1 12:00:00 host app[12]: %s\n2024-05-01T12:00:01+02:00 %s\n",
                     go126, go126, go126, go126);
    gmd_gctrace a, b;
    gmd_gctrace_init(&a, NAN);
    gmd_gctrace_init(&b, NAN);
    gmd_gctrace_feed(&a, input, (size_t)n);
    for (int i = 0; i < n; i++) gmd_gctrace_feed(&b, input + i, 1);
    gmd_gctrace_finish(&a);
    gmd_gctrace_finish(&b);
    assert_int_equal(a.ncycles, 4);
    assert_int_equal(b.ncycles, 4);
    assert_memory_equal(&a.counts, &b.counts, sizeof a.counts);
    for (size_t i = 0; i < 4; i++) assert_int_equal(a.cycles[i].offset, b.cycles[i].offset);
    assert_int_equal(a.counts.gc_midline, 1);
    assert_int_equal(a.counts.timestamped, 2);
    assert_int_equal(a.counts.restarts, 3);   /* the same cycle number four times */
    /* 2024-05-01T12:00:01+02:00 is 10:00:01 UTC. */
    assert_true(fabs(a.cycles[3].wall - 1714557601.0) < 1e-6);
    /* The midline cycle's offset points at its "gc". */
    assert_memory_equal(input + a.cycles[1].offset, "gc 34", 5);
    gmd_gctrace_free(&a);
    gmd_gctrace_free(&b);
}

static void test_long_lines(void **state)
{
    (void)state;
    gmd_gctrace t;
    gmd_gctrace_init(&t, NAN);
    char *big = malloc(GMD_GCTRACE_MAX_LINE * 2);
    memset(big, 'x', GMD_GCTRACE_MAX_LINE * 2);
    gmd_gctrace_feed(&t, "abc", 3);   /* start a carried line, then overflow it */
    gmd_gctrace_feed(&t, big, GMD_GCTRACE_MAX_LINE * 2);
    feed_str(&t, "\n");
    feed_str(&t, go126);
    feed_str(&t, "\n");
    gmd_gctrace_finish(&t);
    assert_int_equal(t.counts.long_lines, 1);
    assert_int_equal(t.ncycles, 1);
    free(big);
    gmd_gctrace_free(&t);
}

static void test_timestamps(void **state)
{
    (void)state;
    double w;
    assert_int_equal(gmd_gctrace_parse_timestamp("2024-05-01T10:00:00Z gc", 23, 2024, &w), 20);
    assert_true(fabs(w - 1714557600.0) < 1e-6);
    assert_int_equal(gmd_gctrace_parse_timestamp("2024-05-01T10:00:00.250000000Z x", 32, 2024, &w), 30);
    assert_true(fabs(w - 1714557600.25) < 1e-6);
    assert_int_equal(gmd_gctrace_parse_timestamp("2024-05-01T12:00:00+0200 x", 26, 2024, &w), 24);
    assert_true(fabs(w - 1714557600.0) < 1e-6);
    assert_int_equal(gmd_gctrace_parse_timestamp("2024/05/01 10:00:00 x", 21, 2024, &w), 0);
    assert_int_equal(gmd_gctrace_parse_timestamp("Mayday", 6, 2024, &w), 0);
    assert_int_equal(gmd_parse_wall_time("2024-05-01T10:00:00Z", &w), 0);
    assert_true(fabs(w - 1714557600.0) < 1e-6);
    assert_int_equal(gmd_parse_wall_time("1714557600", &w), 0);
    assert_int_equal(gmd_parse_wall_time("soon", &w), -1);
}

/* Synthetic runs: one cycle per second with small noise. */
static void synth(gmd_gctrace *t, size_t n, double (*live)(size_t i, size_t n))
{
    char line[512];
    uint32_t x = 7;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        long l = lround(live(i, n)) + (long)((x >> 16) % 3);
        int len = snprintf(line, sizeof line,
                           "gc %zu @%zu.000s 1%%: 0.05+1.0+0.02 ms clock, 0.1+0.1/1.0/0.2+0.04 ms cpu, "
                           "%ld->%ld->%ld MB, %ld MB goal, 0 MB stacks, 0 MB globals, 4 P\n",
                           i + 1, i, 2 * l, 2 * l, l, 2 * l);
        gmd_gctrace_feed(t, line, (size_t)len);
    }
    gmd_gctrace_finish(t);
}
static double flat(size_t i, size_t n) { (void)i; (void)n; return 100; }
static double leak(size_t i, size_t n) { (void)n; return 100 + 0.5 * (double)i; }
static double warm(size_t i, size_t n) { return i < n / 4 ? 20 + 80.0 * (double)i / (double)(n / 4) : 100; }

static void test_verdicts(void **state)
{
    (void)state;
    struct { double (*f)(size_t, size_t); gmd_gc_verdict v; bool plateau; } cases[] = {
        {flat, GMD_GC_STABLE, false}, {leak, GMD_GC_GROWING, false}, {warm, GMD_GC_STABLE, true}};
    for (size_t k = 0; k < 3; k++) {
        gmd_gctrace t;
        gmd_gctrace_init(&t, NAN);
        synth(&t, 600, cases[k].f);
        gmd_gc_analysis a;
        gmd_gc_analyse(&t, NULL, &a);
        assert_int_equal(a.verdict, cases[k].v);
        assert_int_equal(a.plateau, cases[k].plateau);
        if (cases[k].v == GMD_GC_GROWING) {
            assert_true(fabs(a.slope_mb_min - 30.0) < 1.0);   /* 0.5 MB per 1-second cycle */
            assert_string_equal(a.confidence, "high");
        }
        if (cases[k].plateau) assert_true(a.warmup_end_t > 100 && a.warmup_end_t < 160);
        assert_true(fabs(a.gogc_est - 100) < 10);
        gmd_gctrace_free(&t);
    }
    gmd_gctrace t;
    gmd_gctrace_init(&t, NAN);
    synth(&t, 5, leak);
    gmd_gc_analysis a;
    gmd_gc_analyse(&t, NULL, &a);
    assert_int_equal(a.verdict, GMD_GC_INSUFFICIENT);
    gmd_gctrace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_current_line),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_stream_and_other_lines),
        cmocka_unit_test(test_chunking),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_old_scvg_lines),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
