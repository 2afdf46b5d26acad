/* libFuzzer target for the execution trace reader: the input is read both
 * from memory and through a pipe-like descriptor path (the streaming window),
 * every event is turned into a goroutine transition and its stack and
 * strings resolved, then the whole analysis and its reports run. A bad trace
 * must end in an error, never a crash, hang or unbounded allocation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "gmd/trace.h"
#include "gmd/trace_analysis.h"
#include "gmd/trace_report.h"

static void drain(gmd_trace_reader *r)
{
    gmd_trace_event ev;
    gmd_trace_gotrans tr;
    gmd_err err;
    gmd_err_clear(&err);
    while (gmd_trace_next(r, &ev, &err) > 0) {
        size_t n;
        const gmd_trace_frame *f = gmd_trace_stack(r, ev.stack, &n);
        for (size_t i = 0; i < n; i++)
            if (!f[i].func || !f[i].file) abort();
        if (gmd_trace_go_transition(r, &ev, &tr) && !tr.reason) abort();
        (void)gmd_trace_string(r, ev.args[0]);
    }
    (void)gmd_trace_truncated(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_trace_reader *r = gmd_trace_open_mem(data, size, "fuzz", false, &err);
    if (!r) return 0;
    drain(r);
    gmd_trace_close(r);

    /* The descriptor path: the same bytes through a pipe, in a thread-free
     * way (small inputs fit the pipe buffer). */
    int fds[2];
    if (size <= 60000 && pipe(fds) == 0) {
        ssize_t w = write(fds[1], data, size);
        close(fds[1]);
        if (w == (ssize_t)size && (r = gmd_trace_open_fd(fds[0], "fuzz", &err))) {
            drain(r);
            gmd_trace_close(r);
        }
        close(fds[0]);
    }

    r = gmd_trace_open_mem(data, size, "fuzz", false, &err);
    if (!r) return 0;
    gmd_trace_analysis a;
    gmd_trace_analyse(r, &a, &err);
    gmd_trace_close(r);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        gmd_trace_report_opts o = {.source = "fuzz"};
        gmd_trace_report_goroutines(out, &a, &o);
        gmd_trace_report_blocking(out, &a, &o);
        gmd_trace_report_gc(out, &a, &o);
        o.json = true;
        gmd_trace_report_summary(out, &a, &o);
        gmd_trace_write_svg(out, &a, "fuzz");
        fclose(out);
    }
    for (int k = 0; k < 5; k++) {
        static const char *kinds[] = {"sync", "net", "syscall", "sched", "cpu"};
        gmd_profile *p = gmd_trace_profile(&a, kinds[k]);
        gmd_profile_free(p);
    }
    gmd_trace_analysis_free(&a);
    return 0;
}
