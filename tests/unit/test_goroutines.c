/* Goroutine grouping and diff: groups by stack with state histograms, waits
 * and creators from debug=2 text; the same on debug=1 and proto fixtures;
 * diff matching by stack across profiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "gmd/goroutines.h"
#include "gmd/input.h"
#include "gmd/profile.h"

static gmd_profile *parse(const char *text)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = gmd_profile_parse((const uint8_t *)text, strlen(text), &err);
    if (!p) fail_msg("byte %lld: %s", (long long)err.offset, err.msg);
    return p;
}

static const char *leaf(const gmd_goroutine_group *g)
{
    const gmd_profile *p = g->profile;
    const gmd_sample *s = &p->samples[g->sample];
    for (uint32_t i = 0; i < s->nlocations; i++) {
        const gmd_location *l = &p->locations[s->locations[i]];
        if (l->nlines) return p->functions[l->lines[0].function].name;
    }
    return "";
}

#define WORKER(id, state) \
    "goroutine " #id " [" state "]:\nmain.worker(0x0?)\n\t/app/main.go:31 +0x1b\n" \
    "created by main.start in goroutine 1\n\t/app/main.go:45 +0x187\n\n"
#define SLEEPER(id) \
    "goroutine " #id " [sleep]:\ntime.Sleep(0x3b9aca00)\n\t/go/src/runtime/time.go:363 +0x165\n" \
    "main.sleeper(...)\n\t/app/main.go:60\nmain.loop()\n\t/app/main.go:70 +0x20\n\n"

static const char snap1[] =
    "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x5\n\n"
    WORKER(5, "chan receive") WORKER(6, "chan receive, 4 minutes") SLEEPER(7);

static const char snap2[] =
    "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x5\n\n"
    WORKER(5, "chan receive, 9 minutes") WORKER(6, "chan receive") WORKER(8, "chan receive")
    WORKER(9, "running") WORKER(10, "chan receive, 2 minutes")
    "goroutine 11 [select]:\nmain.poll()\n\t/app/main.go:90 +0x2\n\n";

static void test_groups_debug2(void **state)
{
    (void)state;
    gmd_profile *p = parse(snap2);
    assert_true(gmd_profile_is_goroutine(p));
    gmd_goroutine_groups g;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_goroutine_groups_build(p, &g, &err), 0);
    assert_int_equal(g.total, 7);
    assert_int_equal(g.ngroups, 3);
    const gmd_goroutine_group *w = &g.groups[0];   /* largest first */
    assert_int_equal(w->count, 5);
    assert_string_equal(leaf(w), "main.worker");
    assert_int_equal(w->nstates, 2);
    assert_string_equal(w->states[0].state, "chan receive");
    assert_int_equal(w->states[0].count, 4);
    assert_string_equal(w->states[1].state, "running");
    assert_int_equal(w->states[1].count, 1);
    assert_int_equal(w->max_wait_minutes, 9);
    assert_string_equal(w->created_by, "main.start");
    assert_string_equal(w->created_file, "/app/main.go");
    assert_int_equal(w->created_line, 45);
    /* Ties keep the order of first appearance. */
    assert_string_equal(leaf(&g.groups[1]), "main.main");
    assert_int_equal(g.groups[1].max_wait_minutes, -1);
    assert_string_equal(g.groups[1].created_by, "");
    assert_string_equal(leaf(&g.groups[2]), "main.poll");
    gmd_goroutine_groups_free(&g);
    gmd_profile_free(p);
}

static void test_diff(void **state)
{
    (void)state;
    gmd_profile *a = parse(snap1), *b = parse(snap2);
    gmd_goroutine_groups ga, gb;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_goroutine_groups_build(a, &ga, &err), 0);
    assert_int_equal(gmd_goroutine_groups_build(b, &gb, &err), 0);
    /* Inlined frames are part of the stack: sleeper has time.Sleep, main.sleeper (inline), main.loop. */
    gmd_goroutine_delta *d;
    uint32_t n;
    assert_int_equal(gmd_goroutine_diff(&ga, &gb, &d, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(d[0].delta, 3);   /* workers 2 -> 5 */
    assert_non_null(d[0].base);
    assert_non_null(d[0].cur);
    assert_int_equal(d[0].base->count, 2);
    assert_int_equal(d[0].cur->count, 5);
    assert_string_equal(leaf(d[0].cur), "main.worker");
    assert_int_equal(d[1].delta, 1);   /* poll: new */
    assert_null(d[1].base);
    assert_string_equal(leaf(d[1].cur), "main.poll");
    assert_int_equal(d[2].delta, 0);   /* main unchanged */
    assert_int_equal(d[3].delta, -1);  /* sleeper gone */
    assert_null(d[3].cur);
    assert_string_equal(leaf(d[3].base), "time.Sleep");
    free(d);
    gmd_goroutine_groups_free(&ga);
    gmd_goroutine_groups_free(&gb);
    gmd_profile_free(a);
    gmd_profile_free(b);
}

static void test_not_goroutine(void **state)
{
    (void)state;
    gmd_profile *p = parse("heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10\n");
    assert_false(gmd_profile_is_goroutine(p));
    gmd_goroutine_groups g;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_goroutine_groups_build(p, &g, &err), -1);
    assert_non_null(strstr(err.msg, "not a goroutine profile"));
    gmd_profile_free(p);
    /* An empty goroutine profile has no groups. */
    p = parse("goroutine profile: total 0\n");
    assert_true(gmd_profile_is_goroutine(p));
    assert_int_equal(gmd_goroutine_groups_build(p, &g, &err), 0);
    assert_int_equal(g.ngroups, 0);
    assert_int_equal(g.total, 0);
    gmd_goroutine_groups_free(&g);
    gmd_profile_free(p);
}

static gmd_profile *load_fixture(const char *name)
{
    const char *dir = getenv("FIXTURES");
    if (!dir) return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gmd_blob blob;
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_blob_load(path, NULL, &blob, &err) < 0) return NULL;
    gmd_profile *p = gmd_profile_parse(blob.data, blob.len, &err);
    gmd_blob_free(&blob);
    if (!p) fail_msg("%s: byte %lld: %s", path, (long long)err.offset, err.msg);
    return p;
}

/* Every form of the fixture program's goroutine profile: 61 goroutines, the
 * largest group is the 50 main.leakWorker goroutines. */
static void test_fixture_forms(void **state)
{
    (void)state;
    static const char *const files[] = {"goroutine.pb.gz", "goroutine-debug1.txt", "goroutine-debug2.txt"};
    for (size_t i = 0; i < 3; i++) {
        gmd_profile *p = load_fixture(files[i]);
        if (!p) skip();
        assert_true(gmd_profile_is_goroutine(p));
        gmd_goroutine_groups g;
        gmd_err err;
        gmd_err_clear(&err);
        assert_int_equal(gmd_goroutine_groups_build(p, &g, &err), 0);
        assert_int_equal(g.total, 61);
        assert_true(g.ngroups >= 6);
        const gmd_goroutine_group *top = &g.groups[0];
        assert_int_equal(top->count, 50);
        /* Proto stacks start in runtime.gopark: find main.leakWorker in the stack. */
        const gmd_profile *gp = top->profile;
        const gmd_sample *s = &gp->samples[top->sample];
        bool found = false;
        for (uint32_t k = 0; k < s->nlocations; k++) {
            const gmd_location *l = &gp->locations[s->locations[k]];
            for (uint32_t m = 0; m < l->nlines; m++)
                found |= !strcmp(gp->functions[l->lines[m].function].name, "main.leakWorker");
        }
        assert_true(found);
        if (p->format == GMD_FMT_GOROUTINE_TEXT2) {
            assert_int_equal(top->nstates, 1);
            assert_string_equal(top->states[0].state, "chan receive");
            assert_string_equal(top->created_by, "main.startWorkers");
            assert_int_equal(g.groups[1].count, 5);
            assert_string_equal(g.groups[1].states[0].state, "select");
        }
        gmd_goroutine_groups_free(&g);
        gmd_profile_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_debug2),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_not_goroutine),
        cmocka_unit_test(test_fixture_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
