/* Bundle writing under a file-size limit (what a full disk does to a write:
 * a short write, then an error) and reading what faults leave behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "gmd/bundle.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_write_limit(void **state)
{
    (void)state;
    char dir[] = "/tmp/gmd-bfault-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256], path[512];
    snprintf(sub, sizeof sub, "%s/b", dir);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_bundle_writer w;
    assert_int_equal(gmd_bundle_create(&w, sub, &err), 0);   /* also ignores SIGXFSZ */

    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    static uint8_t small[3000], big[5000];
    memset(small, 'x', sizeof small);
    memset(big, 'y', sizeof big);
    assert_int_equal(gmd_bundle_add_profile(&w, 0.5, 1, "heap", 1, small, sizeof small, &err), 0);
    /* gctrace lines of 1000 bytes: the fifth crosses 4096 mid-line. */
    char line[1001];
    memset(line, 'g', 1000);
    line[1000] = '\0';
    int i, rc = 0;
    for (i = 0; i < 10 && rc == 0; i++) rc = gmd_bundle_add_gcline(&w, 1.0 + i, 2, line, 1000, &err);
    assert_int_equal(rc, -1);
    assert_int_equal(i, 5);
    assert_true(w.failed);
    assert_int_equal(w.fail_errno, EFBIG);
    assert_true(gmd_errno_is_disk_full(w.fail_errno));
    assert_true(w.fail_t == 5.0);
    assert_non_null(strstr(w.fail_path, "/b/gctrace.log"));
    /* Nothing more is written once a write failed. */
    assert_int_equal(gmd_bundle_add_profile(&w, 9, 3, "heap", 1, small, 10, &err), -1);
    assert_non_null(strstr(err.msg, "earlier failure"));
    assert_int_equal(gmd_bundle_close(&w, &err), 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);

    size_t n = 0;   /* slurp leaves it unset when the file is missing */
    snprintf(path, sizeof path, "%s/gctrace.log", sub);
    char *log = slurp(path, &n);
    assert_non_null(log);
    assert_int_equal(n, 4 * 1001);                           /* back to the last whole line */
    free(log);
    snprintf(path, sizeof path, "%s/index.jsonl", sub);
    char *idx = slurp(path, &n);
    assert_non_null(idx);
    assert_true(n > 0 && idx[n - 1] == '\n');
    int lines = 0;
    for (size_t k = 0; k < n; k++) lines += idx[k] == '\n';
    assert_int_equal(lines, 5);                              /* the profile and 4 gctrace lines */
    free(idx);

    /* A whole file over the limit leaves neither it nor its temp file. */
    gmd_bundle_writer w2;
    char sub2[256];
    snprintf(sub2, sizeof sub2, "%s/c", dir);
    assert_int_equal(gmd_bundle_create(&w2, sub2, &err), 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(gmd_bundle_add_profile(&w2, 0.5, 1, "heap", 1, big, sizeof big, &err), -1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_true(w2.failed);
    assert_int_equal(w2.fail_errno, EFBIG);
    assert_non_null(strstr(w2.fail_path, "/c/heap/0001.txt"));
    struct stat st;
    snprintf(path, sizeof path, "%s/heap/0001.txt", sub2);
    assert_int_equal(stat(path, &st), -1);
    snprintf(path, sizeof path, "%s/heap/0001.txt.tmp", sub2);
    assert_int_equal(stat(path, &st), -1);
    gmd_bundle_close(&w2, NULL);

    /* meta.json is replaced whole or not at all. */
    gmd_bundle_writer w3;
    char sub3[256];
    snprintf(sub3, sizeof sub3, "%s/d", dir);
    assert_int_equal(gmd_bundle_create(&w3, sub3, &err), 0);
    char *cmd[] = {"./prog", NULL};
    gmd_bundle_meta m = {.tool = "run", .command = cmd, .pprof_url = "", .interval_sec = 1, .exit_status = -1};
    assert_int_equal(gmd_bundle_write_meta(&w3, &m, &err), 0);
    lim.rlim_cur = 16;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(gmd_bundle_write_meta(&w3, &m, &err), -1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    snprintf(path, sizeof path, "%s/meta.json", sub3);
    char *meta = slurp(path, &n);
    assert_non_null(meta);
    assert_non_null(strstr(meta, "\"gc_forced\""));          /* the first one, whole */
    free(meta);
    gmd_bundle_close(&w3, NULL);

    char cmdline[600];
    snprintf(cmdline, sizeof cmdline, "rm -rf '%s'", dir);
    assert_int_equal(system(cmdline), 0);
}

static void test_read_faults(void **state)
{
    (void)state;
    char dir[] = "/tmp/gmd-bfault-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512], heap[512];
    snprintf(heap, sizeof heap, "%s/heap", dir);
    assert_int_equal(mkdir(heap, 0777), 0);
    snprintf(path, sizeof path, "%s/heap/0001.pb", dir);
    write_text(path, "x");
    snprintf(path, sizeof path, "%s/heap/0002.pb", dir);
    assert_int_equal(mkfifo(path, 0666), 0);
    snprintf(path, sizeof path, "%s/heap/0003.pb", dir);
    assert_int_equal(symlink("/dev/zero", path), 0);
    snprintf(path, sizeof path, "%s/index.jsonl", dir);
    write_text(path,
               "{\"t\":1,\"wall\":1,\"kind\":\"heap\",\"file\":\"heap/0001.pb\"}\n"
               "{\"t\":2,\"wall\":1,\"kind\":\"heap\",\"file\":\"heap/0002.pb\"}\n"
               "{\"t\":3,\"wall\":1,\"kind\":\"heap\",\"file\":\"heap/0003.pb\"}\n"
               "{\"t\":4,\"wall\":1,\"kind\":\"heap\",\"file\":\"/etc/passwd\"}\n"
               "{\"t\":5,\"wall\":1,\"kind\":\"heap\",\"file\":\"heap/../../x\"}\n"
               "{\"t\":6,\"wall\":1,\"kind\":\"proc\",\"file\":\"proc.jsonl\",\"line\":1}\n"
               "{\"t\":7,\"wall\":1,\"kind\":\"proc\",\"file\":\"proc.jsonl\",\"line\":2}\n"
               "{\"t\":8,\"wall\":1,\"kind\":\"proc\",\"file\":\"proc.jsonl\",\"line\":3}\n"
               "{\"t\":9,\"wall\":1,\"kind\":\"gctrace\",\"file\":\"gctrace.log\",\"line\":1}\n"
               "not json\n"
               "{\"t\":10,\"wall\":1,\"kind\":\"heap\",\"file\":\"heap/0001.pb\"}\n"
               "{\"t\":11,\"wall\":1,\"ki");
    snprintf(path, sizeof path, "%s/proc.jsonl", dir);
    write_text(path, "{\"rss\":100}\n{\"rss\":\n");
    snprintf(path, sizeof path, "%s/meta.json", dir);
    write_text(path, "");
    gmd_err err;
    gmd_err_clear(&err);
    gmd_bundle b;
    assert_int_equal(gmd_bundle_open(dir, &b, &err), 0);
    /* Kept: heap t=1, proc t=6, heap t=10. */
    assert_int_equal(b.nentries, 3);
    assert_true(b.entries[0].t == 1 && b.entries[1].t == 6 && b.entries[2].t == 10);
    assert_true(b.entries[1].proc.rss == 100);
    /* Skipped: "not json", the cut last line, the bad proc line, proc line 3 and
     * the gctrace record (no gctrace.log); FIFO, link, absolute and ".." files. */
    assert_int_equal(b.skipped_lines, 5);
    assert_int_equal(b.skipped_files, 4);
    assert_true(b.nnotes >= 5);
    assert_int_equal(b.exit_status, -1);                     /* meta.json empty: defaults */
    bool meta_noted = false;
    for (uint32_t i = 0; i < b.nnotes; i++) meta_noted |= strstr(b.notes[i], "meta.json: empty") != NULL;
    assert_true(meta_noted);
    gmd_bundle_free(&b);

    /* index.jsonl a FIFO: refused at once, not waited on. */
    snprintf(path, sizeof path, "%s/index.jsonl", dir);
    unlink(path);
    assert_int_equal(mkfifo(path, 0666), 0);
    assert_int_equal(gmd_bundle_open(dir, &b, &err), -1);
    assert_non_null(strstr(err.msg, "not a regular file"));
    gmd_bundle_free(&b);

    char cmdline[600];
    snprintf(cmdline, sizeof cmdline, "rm -rf '%s'", dir);
    assert_int_equal(system(cmdline), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_limit),
        cmocka_unit_test(test_read_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
