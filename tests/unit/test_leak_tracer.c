/* The heap the runtime's execution tracer holds (runtime.traceAdvance.func1)
 * while gmd takes traces is gmd's doing, not the program's: with traces it is
 * neither a suspect nor among "grew but not counted", and a note says how
 * much it held; without, it is judged like any site. Synthetic heap
 * profiles at MemProfileRate 1, so the verdict is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "gmd/leak.h"
#include "heap_profile.h"

#define MiB (1024 * 1024)

static const char *const SITES[][2] = {
    {"main.keepRecord", "main.main"},
    {"runtime.traceAdvance.func1", "runtime.systemstack"},
    {"main.handleBatch", "main.main"},
};

/* 21 snapshots over 10 s: main.keepRecord grows 1 MiB/s (the leak); the
 * tracer's buffers rise to 8 MiB while a trace runs and fall between
 * traces, as does main.handleBatch (a site of the program's own). */
static void run(bool traced, gmd_leak_result *r, gmd_leak_tracker **trp)
{
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_err err;
    for (int i = 0; i <= 20; i++) {
        int64_t bytes[3] = {(int64_t)i * MiB / 2, (int64_t)(i % 5) * 2 * MiB, (int64_t)((i + 2) % 5) * MiB};
        assert_int_equal(gmd_leak_add_heap(tr, 0.5 * i, test_heap_profile(SITES, bytes, 3), &err), 0);
    }
    gmd_leak_opts o = {.gmd_traced = traced};
    assert_int_equal(gmd_leak_analyze(tr, &o, r, &err), 0);
    *trp = tr;
}

static bool shown(const gmd_leak_result *r, const char *site)
{
    for (uint32_t i = 0; i < r->nsuspects; i++)
        if (!strcmp(r->suspects[i].site, site)) return true;
    for (uint32_t i = 0; i < r->ndismissed; i++)
        if (!strcmp(r->dismissed[i].site, site)) return true;
    return false;
}

static const char *note_with(const gmd_leak_result *r, const char *text)
{
    for (uint32_t i = 0; i < r->nnotes; i++)
        if (strstr(r->notes[i], text)) return r->notes[i];
    return NULL;
}

static void test_untraced_tracer_is_judged(void **state)
{
    (void)state;
    gmd_leak_result r;
    gmd_leak_tracker *tr;
    run(false, &r, &tr);
    assert_true(r.leak);
    assert_string_equal(r.suspects[0].site, "main.keepRecord");
    assert_true(shown(&r, "runtime.traceAdvance.func1"));
    assert_true(shown(&r, "main.handleBatch"));
    assert_null(note_with(&r, "execution traces gmd took"));
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
}

static void test_gmd_traces_left_out_with_a_note(void **state)
{
    (void)state;
    gmd_leak_result r;
    gmd_leak_tracker *tr;
    run(true, &r, &tr);
    assert_true(r.leak);
    assert_string_equal(r.suspects[0].site, "main.keepRecord");
    assert_false(shown(&r, "runtime.traceAdvance.func1"));
    assert_true(shown(&r, "main.handleBatch"));   /* the program's own sites are still judged */
    const char *n = note_with(&r, "execution traces gmd took");
    assert_non_null(n);
    assert_non_null(strstr(n, "the execution traces gmd took hold 8.0 MiB of heap at peak (runtime.traceAdvance.func1)"));
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_untraced_tracer_is_judged),
        cmocka_unit_test(test_gmd_traces_left_out_with_a_note),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
