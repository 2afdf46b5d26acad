/* Verdict wording on synthetic runs, so each case is exact:
 * - a steady program at Go's default MemProfileRate (per-site resolution
 *   4.5 MiB) whose live heap after GC is flat is "no leak" with the bound,
 *   not "inconclusive"; one whose live heap grows stays inconclusive;
 * - heap profiles read from memory that repeat (no GC since) get a note, are
 *   judged up to the last one that changed (not "held flat" between GCs),
 *   and never give the line "still growing at the end: +0 B/s";
 * - the gctrace verdict says which cycles it fits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "gmd/leak.h"
#include "gmd/leak_report.h"
#include "heap_profile.h"

static gmd_profile *heap_at_rate(int64_t kept, int64_t other, int64_t rate)
{
    static const char *const sites[2][2] = {{"main.keepRecord", "main.main"}, {"main.serve", "main.main"}};
    const int64_t bytes[2] = {kept, other};
    gmd_profile *p = test_heap_profile(sites, bytes, 2);
    p->period = rate;
    return p;
}

/* The runtime's statistics as memsample.c writes them. */
static void memstats(gmd_leak_tracker *tr, double t, unsigned numgc, double marked)
{
    char text[512];
    int n = snprintf(text, sizeof text,
                     "# Sys = 20000000\n# HeapReleased = 1000000\n# HeapIdle = 2000000\n# StackInuse = 500000\n"
                     "# MSpanSys = 100000\n# MCacheSys = 10000\n# BuckHashSys = 10000\n# GCSys = 100000\n"
                     "# OtherSys = 100000\n# NumGC = %u\n# HeapMarked = %.0f\n", numgc, marked);
    gmd_leak_add_memstats(tr, t, text, (size_t)n);
}

static bool has_note(const gmd_leak_result *r, const char *needle)
{
    for (uint32_t i = 0; i < r->nnotes; i++)
        if (strstr(r->notes[i], needle)) return true;
    return false;
}

/* 40 rounds over 39 s at MemProfileRate 524288, a GC each round; the live
 * heap after GC ~3.6 MiB plus `live_growth` bytes/s, with a little wobble. */
static void steady(double live_growth, gmd_leak_result *r)
{
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_err err;
    for (int i = 0; i < 40; i++) {
        assert_int_equal(gmd_leak_add_heap(tr, i, heap_at_rate(2 << 20, (1 << 20) + (i % 3) * 4096, 524288), &err), 0);
        memstats(tr, i, (unsigned)i + 1, 3.6 * 1048576 + (i % 4) * 2048 + live_growth * i);
    }
    gmd_leak_opts o = {.pprof_url = "http://127.0.0.1:1"};
    assert_int_equal(gmd_leak_analyze(tr, &o, r, &err), 0);
    gmd_leak_tracker_free(tr);
}

static void test_flat_live_heap_is_no_leak(void **state)
{
    (void)state;
    gmd_leak_result r;
    steady(0, &r);
    assert_int_equal(r.verdict, GMD_VERDICT_NO_LEAK);
    assert_false(r.leak);
    assert_non_null(strstr(r.verdict_reason, "the live heap after GC stayed flat"));
    assert_non_null(strstr(r.verdict_reason, "a heap leak of more than 1.1 MiB over the run would show there; the per-site resolution (MemProfileRate=524288, 4.5 MiB)"));
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    gmd_leak_write_text(f, &r, NULL);
    fclose(f);
    assert_non_null(strstr(text, "No leak found over 39.0 s: the live heap after GC stayed flat"));
    free(text);
    gmd_leak_result_free(&r);
}

/* 100 KiB/s of live heap over 39 s is ~3.9 MiB: under the per-site
 * resolution, but more than the quarter of it that "flat" allows. */
static void test_growing_live_heap_stays_inconclusive(void **state)
{
    (void)state;
    gmd_leak_result r;
    steady(100 * 1024, &r);
    assert_int_equal(r.verdict, GMD_VERDICT_INCONCLUSIVE);
    assert_non_null(strstr(r.verdict_reason, "resolution too coarse"));
    gmd_leak_result_free(&r);
}

/* Memory mode (no endpoint) with few GCs: the kept site's profile changes
 * only at the GCs at 5, 10, 20 and 30 s of a 44 s run; the others repeat. */
static void test_stale_memory_profiles(void **state)
{
    (void)state;
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_err err;
    for (int i = 0; i < 45; i++) {
        int64_t kept = i < 5 ? 0 : i < 10 ? 1 << 20 : i < 20 ? 2 << 20 : i < 30 ? 4 << 20 : 6 << 20;
        assert_int_equal(gmd_leak_add_heap(tr, i, heap_at_rate(kept + 65536, 1 << 20, 1), &err), 0);
    }
    gmd_leak_result r;
    assert_int_equal(gmd_leak_analyze(tr, NULL, &r, &err), 0);
    assert_true(has_note(&r, "heap profiles read from the program's memory advance only at GC"));
    assert_true(has_note(&r, "the newest changed at 30.0 s, 14 s before the end"));
    /* Judged up to the last GC's snapshot: a suspect growing ~200 KiB/s, not
     * a warm-up "held flat" over the 14 s with no GC. */
    assert_int_equal(r.nsuspects, 1);
    assert_string_equal(r.suspects[0].site, "main.keepRecord");
    assert_true(r.suspects[0].growth_per_sec > 150 * 1024 && r.suspects[0].growth_per_sec < 260 * 1024);
    assert_int_equal(r.ndismissed, 0);
    for (uint32_t i = 0; i < r.nsuspects; i++)
        for (uint32_t e = 0; e < r.suspects[i].nevidence; e++) {
            const char *ev = r.suspects[i].evidence[e];
            assert_null(strstr(ev, "still growing at the end: +0 B/s"));
            if (strstr(ev, "still growing at the end")) assert_null(strstr(ev, "over the last third, against"));
        }
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
}

/* The same profiles fetched from an endpoint repeat for other reasons: no note. */
static void test_no_stale_note_with_endpoint(void **state)
{
    (void)state;
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_err err;
    for (int i = 0; i < 20; i++)
        assert_int_equal(gmd_leak_add_heap(tr, i, heap_at_rate(1 << 20, 1 << 20, 1), &err), 0);
    gmd_leak_opts o = {.pprof_url = "http://127.0.0.1:1"};
    gmd_leak_result r;
    assert_int_equal(gmd_leak_analyze(tr, &o, &r, &err), 0);
    assert_false(has_note(&r, "advance only at GC"));
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
}

/* gctrace: a warm-up to 4 MB, then held; the text says which cycles the
 * gctrace verdict fits, beside the run's own series. */
static void test_gc_verdict_window(void **state)
{
    (void)state;
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_err err;
    for (int i = 0; i < 40; i++) {
        int live = i < 8 ? i / 2 : 4;
        char line[256];
        int n = snprintf(line, sizeof line,
                         "gc %d @%d.000s 1%%: 0.010+0.50+0.010 ms clock, 0.040+0.10/0.20/0.30+0.040 ms cpu, "
                         "%d->%d->%d MB, %d MB goal, 0 MB stacks, 0 MB globals, 4 P",
                         i + 1, i + 1, live + 1, live + 1, live, 2 * live + 4);
        gmd_leak_add_gcline(tr, i + 1, line, (size_t)n);
        assert_int_equal(gmd_leak_add_heap(tr, i + 1, heap_at_rate(1 << 20, 1 << 20, 1), &err), 0);
    }
    gmd_leak_opts o = {.pprof_url = "http://127.0.0.1:1"};
    gmd_leak_result r;
    assert_int_equal(gmd_leak_analyze(tr, &o, &r, &err), 0);
    assert_string_equal(r.gc_verdict, "stable");
    assert_non_null(strstr(r.gc_verdict_window, " s of the process, "));
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    gmd_leak_write_text(f, &r, NULL);
    fclose(f);
    assert_non_null(strstr(text, "over the run; gctrace verdict over "));
    assert_null(strstr(text, "; gctrace verdict: stable"));
    free(text);
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_live_heap_is_no_leak),
        cmocka_unit_test(test_growing_live_heap_stays_inconclusive),
        cmocka_unit_test(test_stale_memory_profiles),
        cmocka_unit_test(test_no_stale_note_with_endpoint),
        cmocka_unit_test(test_gc_verdict_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
