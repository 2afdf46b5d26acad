/* Execution traces fed to the leak tracker (gmd_leak_add_trace): a real
 * trace (tests/bundles/goleak, recorded from goleak.go) cut at many places
 * and garbage: never fatal, each one either used (whole or in part) or
 * counted unread, and a partial trace's window never gains sites it did
 * not read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "gmd/leak.h"
#include "gmd/trace.h"

static uint8_t *trace_bytes(size_t *len)
{
    const char *src = getenv("SRCDIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/bundles/goleak/trace/0001.trace", src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    assert_true(*len > 1000 && *len < (1 << 20));
    return buf;
}

/* Feed data[0:len) as one trace from t=3 to 4; returns the add's result
 * (-2: not even a trace header, so nothing reached the tracker) and fills
 * the analysis. */
static int feed(const uint8_t *data, size_t len, gmd_leak_result *r)
{
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_err err;
    gmd_err_clear(&err);
    int rc;
    gmd_trace_reader *rd = gmd_trace_open_mem(data, len, "t", false, &err);
    if (rd) {
        rc = gmd_leak_add_trace(tr, 3, 4, rd, &err);
        gmd_trace_close(rd);
    } else {
        rc = -2;
    }
    assert_int_equal(gmd_leak_analyze(tr, NULL, r, &err), 0);
    gmd_leak_tracker_free(tr);
    return rc;
}

static void whole_trace(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = trace_bytes(&len);
    gmd_leak_result r;
    assert_int_equal(feed(data, len, &r), 0);
    assert_int_equal(r.ntraces, 1);
    assert_int_equal(r.traces_unread, 0);
    assert_false(r.traces[0].partial);
    assert_true(r.traces[0].t == 3 && r.traces[0].t_end > 3.9 && r.traces[0].t_end < 4.2);
    assert_true(r.trace_waiting.n > 0 && r.trace_heap.n > 0);
    for (uint32_t i = 0; i < r.trace_waiting.n; i++)   /* on the run clock, inside the window */
        assert_true(r.trace_waiting.t[i] >= 3 && r.trace_waiting.t[i] <= r.traces[0].t_end + 1e-9);
    gmd_leak_result_free(&r);
    free(data);
}

static void cut_and_garbage(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = trace_bytes(&len);
    uint32_t used = 0, partial = 0, unread = 0;
    for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
        gmd_leak_result r;
        int rc = feed(data, cut, &r);
        assert_int_equal(r.ntraces + r.traces_unread, rc == -2 ? 0 : 1);
        if (rc < 0) {
            unread++;
            assert_int_equal(r.ntraces, 0);
        } else {
            used++;
            assert_int_equal(rc == 1, r.traces[0].partial);
            partial += rc == 1;
        }
        gmd_leak_result_free(&r);
    }
    /* The trace's first generation is most of it: cuts before its end read
     * nothing, cuts after it use it. */
    assert_true(unread > 0 && used > 0 && partial == used);

    /* Garbage after a good header: the reader starts, the trace is unread. */
    memset(data + 40, 0xff, len - 40);
    gmd_leak_result r;
    assert_int_equal(feed(data, len, &r), -1);
    assert_int_equal(r.ntraces, 0);
    assert_int_equal(r.traces_unread, 1);
    gmd_leak_result_free(&r);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_trace),
        cmocka_unit_test(cut_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
