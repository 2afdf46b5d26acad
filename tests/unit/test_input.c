/* Inputs: gzip both ways, the decompression cap, error offsets, and loading
 * files (mmap'd), directories and missing paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gmd/input.h"

static uint8_t *pattern(size_t n)
{
    uint8_t *p = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)("heap profile: abcdefgh\n"[(x >> 16) % 23]);
    }
    return p;
}

static void gz(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len)
{
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_gzip(in, n, out, out_len, &err), 0);
    assert_true(*out_len >= 18);
    assert_int_equal((*out)[0], 0x1f);
    assert_int_equal((*out)[1], 0x8b);
}

static void test_round_trip(void **state)
{
    (void)state;
    size_t n = 300000;
    uint8_t *plain = pattern(n), *z, *back;
    size_t zlen, blen;
    gz(plain, n, &z, &zlen);
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_gunzip(z, zlen, 0, 0, &back, &blen, &err), 0);
    assert_int_equal(blen, n);
    assert_memory_equal(back, plain, n);
    free(back);

    /* Empty input round-trips too. */
    free(z);
    gz(plain, 0, &z, &zlen);
    assert_int_equal(gmd_gunzip(z, zlen, 0, 0, &back, &blen, &err), 0);
    assert_int_equal(blen, 0);
    free(back);
    free(z);
    free(plain);
}

static void test_multi_member(void **state)
{
    (void)state;
    /* A big member then a small one: the ISIZE hint (the last member's
     * size) is far too small, so the output must grow. */
    size_t n1 = 200000, n2 = 10;
    uint8_t *p1 = pattern(n1), *z1, *z2, *out;
    size_t l1, l2, olen;
    gz(p1, n1, &z1, &l1);
    gz((const uint8_t *)"0123456789", n2, &z2, &l2);
    uint8_t *cat = malloc(l1 + l2 + 16);
    memcpy(cat, z1, l1);
    memcpy(cat + l1, z2, l2);
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_gunzip(cat, l1 + l2, 0, 0, &out, &olen, &err), 0);
    assert_int_equal(olen, n1 + n2);
    assert_memory_equal(out, p1, n1);
    assert_memory_equal(out + n1, "0123456789", n2);
    free(out);

    /* Zero padding after the last member is tolerated. */
    memset(cat + l1 + l2, 0, 16);
    assert_int_equal(gmd_gunzip(cat, l1 + l2 + 16, 0, 0, &out, &olen, &err), 0);
    assert_int_equal(olen, n1 + n2);
    free(out);

    /* Garbage after a member is an error at its offset. */
    memset(cat + l1 + l2, 'x', 16);
    assert_int_equal(gmd_gunzip(cat, l1 + l2 + 16, 0, 0, &out, &olen, &err), -1);
    assert_int_equal(err.offset, (int64_t)(l1 + l2));
    assert_null(out);
    free(cat);
    free(z1);
    free(z2);
    free(p1);
}

static void test_ratio_cap(void **state)
{
    (void)state;
    size_t n = 4u << 20;   /* 4 MiB of zeros compress about 1000:1 */
    uint8_t *zeros = calloc(1, n), *z, *out;
    size_t zlen, olen;
    gz(zeros, n, &z, &zlen);
    assert_true(zlen * 256 < n);
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_gunzip(z, zlen, 256, 0, &out, &olen, &err), -1);
    assert_non_null(strstr(err.msg, "cap"));
    assert_non_null(strstr(err.msg, "GMD_GZIP_RATIO"));
    assert_null(out);

    /* A higher ratio lets it through; a lower byte cap stops it again. */
    assert_int_equal(gmd_gunzip(z, zlen, 100000, 0, &out, &olen, &err), 0);
    assert_int_equal(olen, n);
    free(out);
    assert_int_equal(gmd_gunzip(z, zlen, 100000, 1u << 20, &out, &olen, &err), -1);
    assert_non_null(strstr(err.msg, "1048576"));

    /* The blob loader applies the same cap. */
    gmd_blob b;
    gmd_load_opts o = {.max_gzip_ratio = 256};
    assert_int_equal(gmd_blob_from_memory(z, zlen, "bomb.gz", &o, &b, &err), -1);
    assert_string_equal(err.source, "bomb.gz");
    o.max_gzip_ratio = 100000;
    assert_int_equal(gmd_blob_from_memory(z, zlen, "bomb.gz", &o, &b, &err), 0);
    assert_true(b.was_gzip);
    assert_int_equal(b.len, n);
    gmd_blob_free(&b);
    free(z);
    free(zeros);
}

static void test_truncated_and_corrupt(void **state)
{
    (void)state;
    size_t n = 100000;
    uint8_t *plain = pattern(n), *z, *out;
    size_t zlen, olen;
    gz(plain, n, &z, &zlen);
    gmd_err err;
    gmd_err_clear(&err);

    /* Cut in the deflate data, in the trailer, and in the header: each is
     * reported at the end of the input, where the data stops. */
    size_t cuts[] = {zlen / 2, zlen - 3, 6};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        assert_int_equal(gmd_gunzip(z, cuts[i], 0, 0, &out, &olen, &err), -1);
        assert_int_equal(err.offset, (int64_t)cuts[i]);
        assert_non_null(strstr(err.msg, "truncated"));
        assert_null(out);
    }

    /* A bad compression method byte is named at its offset. */
    uint8_t *bad = malloc(zlen);
    memcpy(bad, z, zlen);
    bad[2] = 7;
    assert_int_equal(gmd_gunzip(bad, zlen, 0, 0, &out, &olen, &err), -1);
    assert_int_equal(err.offset, 2);
    assert_non_null(strstr(err.msg, "corrupt"));

    /* A damaged CRC: the data decodes, the trailer does not match. */
    memcpy(bad, z, zlen);
    bad[zlen - 8] ^= 0xff;
    assert_int_equal(gmd_gunzip(bad, zlen, 0, 0, &out, &olen, &err), -1);
    assert_int_equal(err.offset, (int64_t)(zlen - 8));
    assert_non_null(strstr(err.msg, "checksum"));
    free(bad);
    free(z);
    free(plain);
}

static char tmpdir[256];

static void path_in_tmp(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void test_file_mmap(void **state)
{
    (void)state;
    char path[512];
    path_in_tmp(path, sizeof path, "plain.txt");
    const char text[] = "goroutine profile: total 1\n";
    write_file(path, text, sizeof text - 1);
    gmd_blob b;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_blob_load(path, NULL, &b, &err), 0);
    assert_non_null(b.mapping);
    assert_false(b.was_gzip);
    assert_int_equal(b.len, sizeof text - 1);
    assert_memory_equal(b.data, text, b.len);
    assert_string_equal(b.name, path);
    gmd_blob_free(&b);

    /* A gzip file is decompressed and its mapping released. */
    uint8_t *z;
    size_t zlen;
    gz((const uint8_t *)text, sizeof text - 1, &z, &zlen);
    path_in_tmp(path, sizeof path, "plain.txt.gz");
    write_file(path, z, zlen);
    free(z);
    assert_int_equal(gmd_blob_load(path, NULL, &b, &err), 0);
    assert_true(b.was_gzip);
    assert_null(b.mapping);
    assert_memory_equal(b.data, text, b.len);
    gmd_blob_free(&b);

    /* An empty file loads as zero bytes; the parser says what is wrong. */
    path_in_tmp(path, sizeof path, "empty");
    write_file(path, "", 0);
    assert_int_equal(gmd_blob_load(path, NULL, &b, &err), 0);
    assert_int_equal(b.len, 0);
    assert_non_null(b.data);
    gmd_blob_free(&b);

    /* The byte limit applies to plain files as well. */
    path_in_tmp(path, sizeof path, "plain.txt");
    gmd_load_opts o = {.max_input_bytes = 10};
    assert_int_equal(gmd_blob_load(path, &o, &b, &err), -1);
    assert_non_null(strstr(err.msg, "limit of 10 bytes"));
}

/* gmd_input_release drops the pages of a file gmd mapped (they read back
 * the same when touched again) and leaves any other memory alone. */
static void test_release(void **state)
{
    (void)state;
    char path[512];
    path_in_tmp(path, sizeof path, "release.txt");
    size_t n = 1 << 20;
    uint8_t *want = pattern(n);
    write_file(path, want, n);
    gmd_blob b;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_blob_load(path, NULL, &b, &err), 0);
    assert_non_null(b.mapping);
    assert_memory_equal(b.data, want, n);
    gmd_input_release(b.data + 100, n - 200);   /* unaligned ends: the pages inside */
    gmd_input_release(b.data, n);
    gmd_input_release(b.data + n - 1, 2);       /* past the end: not ours, ignored */
    assert_memory_equal(b.data, want, n);
    gmd_blob_free(&b);

    /* A copy in memory (stdin, a decompressed input) must keep its bytes. */
    assert_int_equal(gmd_blob_from_memory(want, n, "mem", NULL, &b, &err), 0);
    assert_null(b.mapping);
    gmd_input_release(b.data, n);
    assert_memory_equal(b.data, want, n);
    gmd_blob_free(&b);
    free(want);
}

static void test_fixture_file(void **state)
{
    (void)state;
    const char *dir = getenv("FIXTURES");
    if (!dir) skip();
    char path[512];
    snprintf(path, sizeof path, "%s/heap-1.pb.gz", dir);
    gmd_blob b;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_blob_load(path, NULL, &b, &err), 0);
    assert_true(b.was_gzip);
    /* A Go heap profile starts with field 11 (period_type) or 1 (sample_type). */
    assert_true(b.len > 1000);
    assert_true(b.data[0] == 0x5a || b.data[0] == 0x0a);
    gmd_blob_free(&b);
}

static void test_errors(void **state)
{
    (void)state;
    char path[512];
    gmd_blob b;
    gmd_err err;
    gmd_err_clear(&err);
    path_in_tmp(path, sizeof path, "does-not-exist.pb.gz");
    assert_int_equal(gmd_blob_load(path, NULL, &b, &err), -1);
    assert_string_equal(err.msg, "no such file or directory");
    assert_string_equal(err.source, path);
    char line[1024];
    char want[1100];
    snprintf(want, sizeof want, "%s: no such file or directory", path);
    assert_string_equal(gmd_err_str(&err, line, sizeof line), want);

    assert_int_equal(gmd_blob_load(tmpdir, NULL, &b, &err), -1);
    assert_non_null(strstr(err.msg, "is a directory"));

    if (geteuid() != 0) {   /* root reads anything */
        path_in_tmp(path, sizeof path, "secret");
        write_file(path, "x", 1);
        chmod(path, 0);
        assert_int_equal(gmd_blob_load(path, NULL, &b, &err), -1);
        assert_string_equal(err.msg, "permission denied");
    }

    assert_true(gmd_is_url("http://127.0.0.1:6060/debug/pprof/heap"));
    assert_true(gmd_is_url("https://example.com/x"));
    assert_false(gmd_is_url("httpfile.pb.gz"));
    assert_false(gmd_is_url("-"));
}

/* GMD_MAX_INPUT / GMD_GZIP_RATIO win over a caller's own default (the knob
 * the errors name must work everywhere); endpoints default lower than files. */
static void test_limits(void **state)
{
    (void)state;
    unsetenv("GMD_MAX_INPUT");
    unsetenv("GMD_GZIP_RATIO");
    assert_true(gmd_max_input(0) == GMD_DEFAULT_MAX_INPUT);
    assert_true(gmd_max_input(7) == 7);
    assert_true(gmd_max_fetch(0) == GMD_DEFAULT_MAX_FETCH);
    assert_true(gmd_max_fetch(1000) == 1000);
    assert_true(GMD_DEFAULT_MAX_FETCH < GMD_DEFAULT_MAX_INPUT);
    assert_true(gmd_gzip_ratio(0) == GMD_DEFAULT_GZIP_RATIO);
    setenv("GMD_MAX_INPUT", "12345", 1);
    setenv("GMD_GZIP_RATIO", "9", 1);
    assert_true(gmd_max_input(7) == 12345);
    assert_true(gmd_max_fetch(1000) == 12345);
    assert_true(gmd_gzip_ratio(256) == 9);
    setenv("GMD_MAX_INPUT", "junk", 1);   /* not a number: ignored */
    assert_true(gmd_max_input(0) == GMD_DEFAULT_MAX_INPUT);
    unsetenv("GMD_MAX_INPUT");
    unsetenv("GMD_GZIP_RATIO");
}

int main(void)
{
    const char *base = getenv("TESTTMP");
    if (!base) base = "/tmp";
    mkdir(base, 0777);
    snprintf(tmpdir, sizeof tmpdir, "%s/test_input.XXXXXX", base);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_multi_member),
        cmocka_unit_test(test_ratio_cap),
        cmocka_unit_test(test_truncated_and_corrupt),
        cmocka_unit_test(test_file_mmap),
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_fixture_file),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) rc = rc ? rc : 1;
    return rc;
}
