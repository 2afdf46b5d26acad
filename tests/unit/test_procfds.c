/* Open file descriptors and RLIMIT_NOFILE (gmd/procfds.h): the limits
 * parser on the kernel's layout and on broken text, and the reader on this
 * very process, whose descriptors and limit the test sets itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include "gmd/procfds.h"

static int64_t parse(const char *s) { return gmd_proc_parse_nofile_limit(s, strlen(s)); }

static void test_parse(void **state)
{
    (void)state;
    const char *kernel =
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max processes             96364                96364                processes \n"
        "Max open files            1024                 1048576              files     \n"
        "Max locked memory         8388608              8388608              bytes     \n";
    assert_int_equal(parse(kernel), 1024);
    assert_true(parse("Max open files            unlimited            unlimited            files\n") == INT64_MAX);
    assert_int_equal(parse("Max processes 5\n"), -1);                 /* absent */
    assert_int_equal(parse("Max open files   files\n"), -1);          /* no number */
    assert_int_equal(parse("Max open files"), -1);                    /* cut at the key */
    assert_int_equal(parse("Max open files 12"), 12);                 /* cut in the number, no newline */
    assert_int_equal(parse(""), -1);
    /* Digits beyond 18 are not read: bounded, never an overflow. */
    assert_true(parse("Max open files 99999999999999999999999\n") < 1000000000000000000LL);
}

static void test_self(void **state)
{
    (void)state;
    struct rlimit rl, old;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    rl = old;
    rl.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    gmd_proc_fds a, b;
    gmd_err err;
    assert_int_equal(gmd_proc_fds_read(getpid(), &a, &err), 0);
    assert_int_equal(a.limit, 64);
    int fds[40];
    for (int i = 0; i < 40; i++) assert_true((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
    assert_int_equal(gmd_proc_fds_read(getpid(), &b, &err), 0);
    assert_int_equal(b.open, a.open + 40);
    assert_int_equal(gmd_proc_fds_near_limit(&b), b.open * 5 > 64 * 4);
    for (int i = 0; i < 40; i++) close(fds[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    gmd_proc_fds f = {52, 64};
    assert_true(gmd_proc_fds_near_limit(&f));
    f.open = 51;   /* 51/64 = 79.7% */
    assert_false(gmd_proc_fds_near_limit(&f));
    f.limit = INT64_MAX;
    assert_false(gmd_proc_fds_near_limit(&f));
}

static void test_gone(void **state)
{
    (void)state;
    gmd_proc_fds f;
    gmd_err err;
    assert_int_equal(gmd_proc_fds_read(999999999, &f, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_self),
        cmocka_unit_test(test_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
