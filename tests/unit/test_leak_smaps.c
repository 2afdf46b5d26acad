/* /proc/PID/smaps by class of mapping (gmd/smaps.h): what names off-heap
 * growth. Text fed whole and cut at every byte must give the same sums;
 * the live read of this test's own process must find its mappings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "gmd/smaps.h"

static const char text[] =
    "55d0c0a00000-55d0c0a02000 r--p 00000000 fe:00 247026                     /usr/bin/prog\n"
    "Size:                  8 kB\n"
    "Rss:                   8 kB\n"
    "55d0c1000000-55d0c1400000 rw-p 00000000 00:00 0                          [heap]\n"
    "Rss:                1024 kB\n"
    "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
    "Rss:                 512 kB\n"
    "Pss:                 512 kB\n"
    "7f0000100000-7f0000200000 rw-p 00000000 00:00 0\n"
    "Rss:                 256 kB\n"
    "7f0000200000-7f0000300000 rw-p 00000000 00:00 0                          [anon:go heap]\n"
    "Rss:                   4 kB\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
    "Rss:                  20 kB\n"
    "7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]\n"
    "Rss:                   8 kB\n"
    "VmFlags: rd ex mr mw me de sd\n";

static void check(const gmd_smaps_classes *c)
{
    assert_int_equal(c->file, 8 * 1024);
    assert_int_equal(c->brk_heap, 1024 * 1024);
    assert_int_equal(c->anon, (512 + 256 + 4) * 1024);
    assert_int_equal(c->anon_maps, 3);
    assert_int_equal(c->stack, 20 * 1024);
}

static void test_classes(void **state)
{
    (void)state;
    gmd_smaps_classes c;
    gmd_smaps_parser st;
    gmd_smaps_begin(&st, &c);
    gmd_smaps_feed(&st, text, strlen(text));
    gmd_smaps_end(&st);
    check(&c);
}

static void test_pieces(void **state)
{
    (void)state;
    size_t n = strlen(text);
    for (size_t cut = 1; cut < n; cut++) {
        gmd_smaps_classes c;
        gmd_smaps_parser st;
        gmd_smaps_begin(&st, &c);
        gmd_smaps_feed(&st, text, cut);
        gmd_smaps_feed(&st, text + cut, n - cut);
        gmd_smaps_end(&st);
        check(&c);
    }
}

static void test_garbage(void **state)
{
    (void)state;
    static const char bad[] = "Rss: 99999999999999999999999 kB\nzz-\n-1 rw-p\nRss:\n1-2 \nRss: 4 kB";
    gmd_smaps_classes c;
    gmd_smaps_parser st;
    gmd_smaps_begin(&st, &c);
    gmd_smaps_feed(&st, bad, sizeof bad - 1);
    gmd_smaps_end(&st);
    assert_true(c.anon >= 0 && c.file == 0 && c.brk_heap == 0);
}

static void test_self(void **state)
{
    (void)state;
    gmd_smaps_classes c;
    assert_int_equal(gmd_smaps_read(getpid(), &c), 0);
    assert_true(c.file > 0);      /* this executable and libc */
    assert_true(c.anon_maps > 0);
    gmd_smaps_classes gone;
    assert_int_equal(gmd_smaps_read(1 << 30, &gone), -1);
    assert_int_equal(gone.anon, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
