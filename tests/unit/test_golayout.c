/* gmd's per-release table of runtime struct offsets (used for binaries
 * without DWARF) against the DWARF of real binaries of those releases: the
 * target fixtures built by Go 1.26 and, when its toolchain could be fetched,
 * Go 1.22 (tests/target-fixtures/build.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "gmd/target.h"
#include "target/golayout.h"

static int checked;

static void check_binary(const char *name, bool required)
{
    const char *fx = getenv("FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/target/%s", fx ? fx : "build/fixtures", name);
    if (access(path, X_OK) != 0) {
        if (required) fail_msg("%s is missing: the fixtures were not built", path);
        fprintf(stderr, "SKIPPED %s: not built (its Go toolchain could not be fetched)\n", path);
        return;
    }
    gmd_err err;
    gmd_gobin *b = gmd_gobin_open(path, &err);
    assert_non_null(b);
    assert_true(gmd_gobin_has_dwarf(b));
    int major = 0, minor = 0;
    gmd_gobin_go_release(b, &major, &minor);
    assert_int_equal(major, 1);
    int64_t dwarf[GL_NFIELDS], table[GL_NFIELDS];
    const char *missing = NULL;
    assert_int_equal(gmd_golayout_dwarf(b, dwarf, &missing), 0);
    assert_true(gmd_golayout_table(minor, table));
    for (int i = 0; i < GL_NFIELDS; i++) {
        if (dwarf[i] != table[i])
            fail_msg("%s (go1.%d): %s.%s is at %lld in DWARF, %lld in the table", name, minor,
                     gmd_golayout_fields[i].type, gmd_golayout_fields[i].field ? gmd_golayout_fields[i].field : "(size)",
                     (long long)dwarf[i], (long long)table[i]);
    }
    checked++;
    gmd_gobin_close(b);
}

static void test_table_matches_dwarf(void **state)
{
    (void)state;
    check_binary("liveprog", true);
    check_binary("liveprog-pie", true);
    check_binary("liveprog-go122", false);
    assert_true(checked >= 2);
}

static void test_table_bounds(void **state)
{
    (void)state;
    int64_t t[GL_NFIELDS];
    assert_false(gmd_golayout_table(GMD_GO_MIN_MINOR - 1, t));
    assert_false(gmd_golayout_table(GMD_GO_MAX_MINOR + 1, t));
    for (int m = GMD_GO_MIN_MINOR; m <= GMD_GO_MAX_MINOR; m++) {
        assert_true(gmd_golayout_table(m, t));
        /* The saved registers come in gobuf order; the g record holds them all. */
        assert_int_equal(t[GL_G_SCHED_PC], t[GL_G_SCHED_SP] + 8);
        for (int i = GL_G_STACK_LO; i <= GL_G_STARTPC; i++) assert_true(t[i] < t[GL_G_SIZE]);
        assert_int_equal(t[GL_MEMRECORD_SIZE], 128);
        assert_true(gmd_golayout_sane(t));
        /* A field past its struct (as a corrupt binary's DWARF could say) is refused. */
        int64_t bad[GL_NFIELDS];
        memcpy(bad, t, sizeof bad);
        bad[GL_G_GOPC] = bad[GL_G_SIZE];
        assert_false(gmd_golayout_sane(bad));
        memcpy(bad, t, sizeof bad);
        bad[GL_GC_HEAPFREE] = 4096;
        assert_false(gmd_golayout_sane(bad));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_dwarf),
        cmocka_unit_test(test_table_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
