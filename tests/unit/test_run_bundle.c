/* Run bundles: write one, read it back; the index-line parser's errors;
 * /proc table parsing; GODEBUG merging and gctrace line detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "gmd/bundle.h"
#include "gmd/collect.h"
#include "gmd/proc.h"

static void test_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/gmd-bundle-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256];
    snprintf(sub, sizeof sub, "%s/b", dir);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_bundle_writer w;
    assert_int_equal(gmd_bundle_create(&w, sub, &err), 0);
    static const uint8_t gz[] = {0x1f, 0x8b, 1, 2, 3};
    assert_int_equal(gmd_bundle_add_profile(&w, 0.5, 1000, "heap", 0, gz, sizeof gz, &err), 0);
    assert_int_equal(gmd_bundle_add_profile(&w, 1.0, 2000, "goroutine", 2, (const uint8_t *)"goroutine 1 [running]:\n", 23, &err), 0);
    assert_int_equal(gmd_bundle_add_gcline(&w, 0.7, 1500, "gc 1 @0.01s 1%: x", 17, &err), 0);
    gmd_proc_stats ps;
    gmd_proc_stats_clear(&ps);
    ps.rss = 12345678;
    ps.threads = 7;
    assert_int_equal(gmd_bundle_add_proc(&w, 0.9, 1900, &ps, &err), 0);
    char *cmd[] = {"./prog", "-x", "a \"quoted\" arg", NULL};
    gmd_bundle_meta m = {.tool = "run", .command = cmd, .pprof_url = "http://127.0.0.1:1", .interval_sec = 0.5,
                         .pid = 42, .start_wall_ns = 99, .duration_sec = 3, .exit_status = 130};
    assert_int_equal(gmd_bundle_write_meta(&w, &m, &err), 0);
    assert_int_equal(gmd_bundle_close(&w, &err), 0);
    /* A second bundle into the same directory is refused. */
    assert_int_equal(gmd_bundle_create(&w, sub, &err), -1);
    assert_non_null(strstr(err.msg, "already holds a bundle"));

    gmd_bundle b;
    assert_int_equal(gmd_bundle_open(sub, &b, &err), 0);
    assert_int_equal(b.nentries, 4);
    assert_string_equal(b.entries[0].kind, "heap");
    assert_string_equal(b.entries[0].file, "heap/0001.pb.gz");
    assert_string_equal(b.entries[1].file, "goroutine/0001.txt");
    assert_int_equal(b.entries[1].debug, 2);
    assert_string_equal(b.entries[2].kind, "gctrace");
    assert_string_equal(b.entries[2].text, "gc 1 @0.01s 1%: x");
    assert_true(b.entries[3].proc.rss == 12345678);
    assert_true(b.entries[3].proc.threads == 7);
    assert_true(b.entries[3].proc.pss == -1);
    assert_true(b.entries[1].t == 1.0);
    assert_int_equal(b.exit_status, 130);
    assert_int_equal(b.pid, 42);
    assert_string_equal(b.pprof_url, "http://127.0.0.1:1");
    assert_string_equal(b.command, "./prog -x a \"quoted\" arg");
    gmd_bundle_free(&b);
    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    assert_int_equal(system(rm), 0);
}

static void count_field(void *ctx, const char *key, const char *str, double num, bool is_string)
{
    (void)key;
    (void)str;
    (void)num;
    (void)is_string;
    ++*(int *)ctx;
}

static void test_jsonl_errors(void **state)
{
    (void)state;
    gmd_err err;
    int n = 0;
    static const char good[] = "{\"t\": 1.5, \"kind\": \"h\\u0041\", \"x\": [1, {\"a\": null}], \"b\": true}";
    assert_int_equal(gmd_jsonl_parse_object(good, strlen(good), count_field, &n, &err), 0);
    assert_int_equal(n, 3);   /* the nested value is skipped */
    static const struct { const char *in; int64_t offset; } bad[] = {
        {"", 0}, {"[1]", 0}, {"{\"t\" 1}", 5}, {"{\"t\": 1", 7}, {"{\"t\": \"abc", 10},
        {"{\"t\": 1} x", 9}, {"{\"t\": 1e999}", 6}, {"{\"t\": \"\\q\"}", 8},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gmd_err_clear(&err);
        assert_int_equal(gmd_jsonl_parse_object(bad[i].in, strlen(bad[i].in), count_field, &n, &err), -1);
        if (err.offset != bad[i].offset) fail_msg("'%s': offset %lld, want %lld", bad[i].in, (long long)err.offset, (long long)bad[i].offset);
    }
}

static void test_proc_tables(void **state)
{
    (void)state;
    static const char status[] = "Name:\tprog\nVmSize:\t  1000 kB\nVmHWM:\t 20 kB\nVmRSS:\t 10 kB\n"
                                 "RssAnon:\t 6 kB\nThreads:\t5\nVmSwap:\t99999999999999999999 kB\n";
    gmd_proc_stats s;
    gmd_proc_stats_clear(&s);
    gmd_proc_parse_status(status, sizeof status - 1, &s);
    assert_true(s.vm_size == 1000 * 1024);
    assert_true(s.rss == 10 * 1024);
    assert_true(s.hwm == 20 * 1024);
    assert_true(s.rss_anon == 6 * 1024);
    assert_true(s.threads == 5);
    assert_true(s.swap == -1);   /* out of range: ignored, not wrapped */
    static const char rollup[] = "00400000-7ffd [rollup]\nRss: 9 kB\nPss:  8 kB\nPrivate_Dirty: 3 kB\n";
    gmd_proc_parse_smaps_rollup(rollup, sizeof rollup - 1, &s);
    assert_true(s.pss == 8 * 1024);
    assert_true(s.private_dirty == 3 * 1024);
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_proc_read(getpid(), &s, &err), 0);
    assert_true(s.rss > 0);
}

static void test_godebug_and_gctrace_lines(void **state)
{
    (void)state;
    char buf[256];
    bool had;
    gmd_godebug_with_gctrace(NULL, buf, sizeof buf, &had);
    assert_string_equal(buf, "gctrace=1");
    assert_false(had);
    gmd_godebug_with_gctrace("madvdontneed=1,gctrace=0", buf, sizeof buf, &had);
    assert_string_equal(buf, "madvdontneed=1,gctrace=1");
    assert_false(had);
    gmd_godebug_with_gctrace("gctrace=2,x=y", buf, sizeof buf, &had);
    assert_string_equal(buf, "x=y,gctrace=2");
    assert_true(had);

    static const char gc[] = "gc 12 @0.512s 3%: 0.010+1.2+0.003 ms clock, 0.04+0.1/1.0/0+0.01 ms cpu, 4->4->1 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 4 P";
    assert_true(gmd_is_gctrace_line(gc, sizeof gc - 1));
    assert_true(gmd_is_gctrace_line("GC forced", 9));
    assert_false(gmd_is_gctrace_line("gc is great", 11));
    assert_false(gmd_is_gctrace_line("listening on :80", 16));
    /* The program's own lines that only start like the runtime's pass through. */
    assert_false(gmd_is_gctrace_line("gc 3 @ the office", 17));
    assert_false(gmd_is_gctrace_line("GC forced by admin", 18));
    assert_false(gmd_is_gctrace_line("scan: 12 files", 14));
    static const char scan[] = "scan: total 5210+980+48113=54303 objs, 410+1204=1614 spans";
    assert_true(gmd_is_gctrace_line(scan, sizeof scan - 1));

    gmd_pprof_base("http://h:1", buf, sizeof buf);
    assert_string_equal(buf, "http://h:1/debug/pprof");
    gmd_pprof_base("http://h:1/debug/pprof/", buf, sizeof buf);
    assert_string_equal(buf, "http://h:1/debug/pprof");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_jsonl_errors),
        cmocka_unit_test(test_proc_tables),
        cmocka_unit_test(test_godebug_and_gctrace_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
