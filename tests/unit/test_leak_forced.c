/* The verdict against floating garbage: heap snapshots taken right after a
 * forced GC (heap?gc=1) hold only reachable memory, the others also the
 * garbage of the cycle in flight, which grows with the heap. A site that
 * grows only across ordinary snapshots is garbage; one that grows across
 * the forced ones too is kept. Synthetic heap profiles, so the verdict is
 * exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "gmd/leak.h"
#include "heap_profile.h"

/* A heap profile at MemProfileRate 1 (every allocation sampled: no sampling
 * noise) with two sites holding `kept` and `churn` bytes in 1 KiB objects. */
static gmd_profile *heap(int64_t kept, int64_t churn)
{
    static const char *const sites[2][2] = {{"main.keepRecord", "main.main"}, {"main.handleChurn", "main.main"}};
    const int64_t bytes[2] = {kept, churn};
    return test_heap_profile(sites, bytes, 2);
}

static const gmd_leak_dismissed *find_dismissed(const gmd_leak_result *r, const char *site)
{
    for (uint32_t i = 0; i < r->ndismissed; i++)
        if (!strcmp(r->dismissed[i].site, site)) return &r->dismissed[i];
    return NULL;
}

static void run(bool mark_forced, gmd_leak_result *r, gmd_leak_tracker **trp)
{
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_err err;
    /* 21 snapshots over 10 s, forced GCs at the first and the 11th. The
     * kept site grows 1 MiB/s in every snapshot; the churn site's garbage
     * grows as fast in the ordinary ones, but right after the forced GC it is
     * only what one step allocates. */
    for (int i = 0; i <= 20; i++) {
        bool forced = i == 0 || i == 10;
        int64_t kept = (int64_t)i * 512 * 1024;
        int64_t churn = 64 * 1024 + (forced ? (i ? 512 * 1024 : 0) : (int64_t)i * 512 * 1024);
        assert_int_equal(gmd_leak_add_heap(tr, 0.5 * i, heap(kept, churn), &err), 0);
        if (forced && mark_forced) gmd_leak_mark_forced(tr);
    }
    assert_int_equal(gmd_leak_analyze(tr, NULL, r, &err), 0);
    *trp = tr;
}

static bool is_suspect(const gmd_leak_result *r, const char *site)
{
    for (uint32_t i = 0; i < r->nsuspects; i++)
        if (!strcmp(r->suspects[i].site, site)) return true;
    return false;
}

static void test_floating_garbage_dismissed(void **state)
{
    (void)state;
    gmd_leak_result r;
    gmd_leak_tracker *tr;
    run(true, &r, &tr);
    assert_true(is_suspect(&r, "main.keepRecord"));
    assert_false(is_suspect(&r, "main.handleChurn"));
    const gmd_leak_dismissed *d = find_dismissed(&r, "main.handleChurn");
    assert_non_null(d);
    assert_non_null(strstr(d->why, "garbage of the GC cycle in flight"));
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
}

/* Without knowing which snapshots followed a forced GC, the same numbers
 * read as two leaks: the rule is what tells them apart. */
static void test_without_forced_marks_both_grow(void **state)
{
    (void)state;
    gmd_leak_result r;
    gmd_leak_tracker *tr;
    run(false, &r, &tr);
    assert_true(is_suspect(&r, "main.keepRecord"));
    assert_true(is_suspect(&r, "main.handleChurn"));
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floating_garbage_dismissed),
        cmocka_unit_test(test_without_forced_marks_both_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
