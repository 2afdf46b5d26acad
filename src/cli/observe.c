/* Shared by builtin-run.c, builtin-watch.c and builtin-report.c. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "bundle_out.h"
#include "cli.h"
#include "gmd/bundle.h"
#include "gmd/leak.h"
#include "gmd/leak_report.h"
#include "gmd/memsample.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"
#include "observe.h"

double observe_parse_duration(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0) return -1;
    if (!strcmp(end, "") || !strcmp(end, "s")) return v;
    if (!strcmp(end, "ms")) return v / 1000;
    if (!strcmp(end, "m")) return v * 60;
    if (!strcmp(end, "h")) return v * 3600;
    return -1;
}

/* ------------------------------------------------------------ progress */

typedef struct progress {
    observe_opts *o;
    gmd_leak_tracker *tr;         /* live analysis, only for the progress line */
    bool tty;
    bool drawn;
    double t;
    uint32_t samples;
    const char *status;           /* e.g. "waiting for pprof" */
} progress;

static void clear_line(progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = false;
    }
}

static void draw(progress *p)
{
    char line[512], lead[256], a[64], b[64];
    int64_t live, gor, rss;
    gmd_leak_latest(p->tr, &live, &gor, &rss);
    gmd_leak_leader(p->tr, lead, sizeof lead);
    int n = snprintf(line, sizeof line, "gmd %s: %.0fs, %u samples", p->o->cmd, p->t, p->samples);
    if (live >= 0) n += snprintf(line + n, sizeof line - (size_t)n, ", live heap %s", gmd_fmt_bytes_iec((double)live, a, sizeof a));
    if (rss >= 0) n += snprintf(line + n, sizeof line - (size_t)n, ", RSS %s", gmd_fmt_bytes_iec((double)rss, b, sizeof b));
    if (gor >= 0) n += snprintf(line + n, sizeof line - (size_t)n, ", %lld goroutines", (long long)gor);
    if (p->status) n += snprintf(line + n, sizeof line - (size_t)n, ", %s", p->status);
    if (lead[0]) snprintf(line + n, sizeof line - (size_t)n, ", leading: %s", lead);
    struct winsize ws;
    size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col - 1 : 100;
    if (strlen(line) > width) line[width] = '\0';
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    p->drawn = true;
}

static void on_event(void *ctx, const gmd_collect_event *ev)
{
    progress *p = ctx;
    if (ev->kind == GMD_EV_NOTICE) {   /* always shown, terminal or not */
        clear_line(p);
        fprintf(stderr, "gmd %s: %s\n", p->o->cmd, ev->msg);
        return;
    }
    if (!p->tty) return;
    gmd_err err;
    gmd_err_clear(&err);
    p->t = ev->t;
    switch (ev->kind) {
    case GMD_EV_PROFILE:
        p->status = NULL;
        gmd_leak_add_profile_bytes(p->tr, ev->t, ev->name, ev->debug, ev->data, ev->len, &err);
        break;
    case GMD_EV_GCLINE: gmd_leak_add_gcline(p->tr, ev->t, (const char *)ev->data, ev->len); break;
    case GMD_EV_PROC: gmd_leak_add_proc(p->tr, ev->t, ev->proc); break;
    case GMD_EV_ROUND:
        p->samples = ev->rounds;
        draw(p);
        break;
    case GMD_EV_OUTPUT: clear_line(p); break;
    case GMD_EV_FETCH_ERROR: p->status = "pprof not answering yet"; break;
    case GMD_EV_STOPPING:
        clear_line(p);
        fprintf(stderr, "gmd %s: %s\n", p->o->cmd, ev->msg);
        break;
    case GMD_EV_NOTICE: break;
    case GMD_EV_TRACE: break;
    }
}

/* --------------------------------------------------------------- report */

static void warn(void *ctx, const gmd_err *e)
{
    (void)ctx;
    char buf[1024];
    fprintf(stderr, "gmd: warning: %s (skipped)\n", gmd_err_str(e, buf, sizeof buf));
}

int observe_report(const char *dir, bool json, bool no_html, const char *html_path)
{
    return observe_report_ex(dir, json, no_html, html_path, false);
}

static int report(const char *dir, bool json, bool no_html, const char *html_path, bool fail_on_leak,
                  const char *incomplete);

int observe_report_ex(const char *dir, bool json, bool no_html, const char *html_path, bool fail_on_leak)
{
    return report(dir, json, no_html, html_path, fail_on_leak, NULL);
}

/* incomplete: why collection stopped early, said with the verdict (exit 4). */
static int report(const char *dir, bool json, bool no_html, const char *html_path, bool fail_on_leak,
                  const char *incomplete)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_bundle b;
    if (gmd_bundle_open(dir, &b, &err) < 0) {
        gmd_bundle_free(&b);
        return cli_error(&err);
    }
    bundle_print_notes(&b, NULL);
    gmd_leak_tracker *tr = gmd_leak_tracker_new();
    gmd_leak_result r;
    memset(&r, 0, sizeof r);
    int rc = CLI_OK;
    /* A program that ended by itself (not stopped by gmd's SIGINT/SIGTERM/SIGKILL or Ctrl-C) */
    gmd_leak_opts lo = {.program_exited = b.stopped_by ? b.stopped_by == 2
                                                       : b.tool && !strcmp(b.tool, "run") && b.exit_status >= 0 &&
                                                             !b.interrupted && b.exit_status != 130 &&
                                                             b.exit_status != 143 && b.exit_status != 137,
                      .pprof_url = b.pprof_url};
    if (gmd_leak_add_bundle(tr, &b, warn, NULL, &err) < 0 || gmd_leak_analyze(tr, &lo, &r, &err) < 0) {
        rc = cli_error(&err);
        goto out;
    }
    char html[4200];
    gmd_leak_report_info info = {.bundle = dir, .command = b.command, .pprof_url = b.pprof_url,
                                 .interval_sec = b.interval_sec, .exit_status = b.exit_status,
                                 .interrupted = b.interrupted, .incomplete = incomplete};
    /* A bundle that cannot take report.html (read-only, full) gets it elsewhere; the verdict prints regardless. */
    bool html_failed = !no_html && bundle_write_html(dir, html_path, &r, &info, html, sizeof html) < 0;
    if (json) gmd_leak_write_json(stdout, &r, &info);
    else gmd_leak_write_text(stdout, &r, &info);
    if (fflush(stdout) != 0 || html_failed) rc = CLI_FAIL;
    if (rc == CLI_OK && fail_on_leak && r.leak) rc = CLI_LEAK_FOUND;
    if (rc == CLI_OK && incomplete) rc = CLI_INCOMPLETE;
out:
    gmd_leak_result_free(&r);
    gmd_leak_tracker_free(tr);
    gmd_bundle_free(&b);
    return rc;
}

/* -------------------------------------------------------------- collect */

int observe_collect_and_report(observe_opts *o)
{
    char dir[512];
    if (o->out_dir) {
        if (snprintf(dir, sizeof dir, "%s", o->out_dir) >= (int)sizeof dir)   /* never a cut path */
            return cli_fail("%.60s...: the bundle path is longer than %zu bytes", o->out_dir, sizeof dir - 1);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(dir, sizeof dir, "gmd-%s-%s", o->cmd, stamp);
    }
    gmd_err err;
    gmd_err_clear(&err);
    gmd_bundle_writer w;
    if (gmd_bundle_create(&w, dir, &err) < 0) return cli_error(&err);

    /* --profiles a,b,c */
    char *extra_buf = NULL;
    const char *extra[16];
    uint32_t nextra = 0;
    if (o->profiles && o->profiles[0]) {
        extra_buf = gmd_xstrdup(o->profiles);
        for (char *tok = strtok(extra_buf, ","); tok && nextra < 16; tok = strtok(NULL, ","))
            if (*tok && strcmp(tok, "heap") && strcmp(tok, "goroutine")) extra[nextra++] = tok;
    }
    o->collect.extra_profiles = extra;
    o->collect.nextra = nextra;

    progress p = {.o = o, .tr = gmd_leak_tracker_new(), .tty = !o->quiet && isatty(STDERR_FILENO)};
    o->collect.on_event = on_event;   /* notices always; the rest only for the progress line */
    o->collect.ctx = &p;
    o->collect.out_fd = o->json ? STDERR_FILENO : STDOUT_FILENO;   /* keep stdout pure JSON */
    o->collect.err_fd = STDERR_FILENO;

    /* Without an endpoint, the heap profile and the goroutines come from the
     * process's own memory (read, never stopped). With one, the runtime's
     * statistics still do when the process is known: the live heap after
     * each GC, which the endpoint's profiles do not carry. */
    gmd_memsampler *ms = NULL;
    if (!o->no_memory && (o->collect.argv || o->collect.pid)) {
        ms = gmd_memsampler_new(o->binary);
        if (o->collect.pprof_url) gmd_memsampler_stats_only(ms);
        o->collect.sample_memory = gmd_memsampler_sample;
        o->collect.memory_ctx = ms;
    }

    gmd_collect_result res;
    int crc = gmd_collect(&o->collect, &w, &res, &err);
    clear_line(&p);
    gmd_leak_tracker_free(p.tr);

    gmd_bundle_meta meta = {.tool = o->cmd, .command = o->collect.argv, .pprof_url = o->collect.pprof_url,
                            .interval_sec = o->collect.interval_sec,
                            .pid = o->collect.argv ? res.pid : o->collect.pid,
                            .start_wall_ns = res.start_wall_ns, .duration_sec = res.elapsed,
                            .exit_status = res.exit_status, .interrupted = res.interrupted,
                            .stopped_by = res.exited ? (res.exited_by_itself ? 2 : res.interrupted ? 0 : 1) : 0,
                            .observed_pid = res.observed_pid, .observed_exe = res.observed_exe,
                            .memprofilerate = o->collect.argv ? res.memprofilerate : 0,
                            .gc_forced = res.gc_forced,
                            .trace_every_sec = o->collect.pprof_url ? o->collect.trace_every_sec : 0,
                            .trace_seconds = o->collect.trace_seconds, .traces_partial = res.traces_partial};
    gmd_err merr;
    gmd_err_clear(&merr);
    if (gmd_bundle_write_meta(&w, &meta, &merr) < 0 && crc == 0) {
        err = merr;
        crc = -1;
    }
    gmd_bundle_close(&w, NULL);
    free(extra_buf);
    if (ms) {
        if (gmd_memsampler_problem(ms)[0])
            fprintf(stderr, "gmd %s: reading the program's memory: %s\n", o->cmd, gmd_memsampler_problem(ms));
        gmd_memsampler_free(ms);
        o->collect.sample_memory = NULL;
        o->collect.memory_ctx = NULL;
    }
    /* A failed bundle write (full disk) stopped collection: judge what was saved. */
    if (crc < 0 && !w.failed) {
        gmd_collect_quiesce(2.0);
        /* The program never started (a bad path, no permission): leave no empty bundle behind. */
        if (res.nprofiles + res.ngclines + res.nproc + res.traces == 0) gmd_bundle_discard(&w, dir);
        return cli_error(&err);
    }
    /* Collection cut short by a failed write (not just meta.json, written after it). */
    char incomplete[1200] = "";
    if (w.failed) {
        bundle_print_write_failure(&w, o->cmd);
        size_t n = strlen(w.fail_path);
        if (!(n >= 10 && !strcmp(w.fail_path + n - 10, "/meta.json")))
            snprintf(incomplete, sizeof incomplete, "collection stopped at %.1f s: %s writing %s", w.fail_t,
                     gmd_errno_is_disk_full(w.fail_errno) ? "disk full" : strerror(w.fail_errno), w.fail_path);
    }

    if (res.goroutine_every > 1)
        fprintf(stderr, "gmd %s: goroutine profiles took up to %.1f s (%llu goroutines): fetched every %u samples "
                "instead of every one (%u samples without one; heap profiles were not thinned)\n", o->cmd,
                res.goroutine_fetch_max, (unsigned long long)res.goroutines_max, res.goroutine_every,
                res.goroutine_rounds_thinned);
    if (res.debug2_skipped)
        fprintf(stderr, "gmd %s: goroutine?debug=2 (goroutine states and wait times) not fetched at the end: %s "
                "(%llu goroutines; it stops the program to print each one); the goroutine profiles' counts per stack "
                "are judged\n", o->cmd, res.goroutine_every > 1 ? "goroutine profiles were slow" : "too many goroutines",
                (unsigned long long)res.goroutines_max);
    if (res.fetches_skipped)
        fprintf(stderr, "gmd %s: %u samples took no profiles: the endpoint was still answering (or hanging on) an "
                "earlier request\n", o->cmd, res.fetches_skipped);
    if (res.traces || res.traces_failed) {
        fprintf(stderr, "gmd %s: %u execution trace%s recorded", o->cmd, res.traces, res.traces == 1 ? "" : "s");
        if (res.traces_partial)
            fprintf(stderr, " (%u partial: cut off when collection ended, kept up to the last complete generation)",
                    res.traces_partial);
        if (res.traces_failed) fprintf(stderr, ", %u failed (last: %s)", res.traces_failed, res.last_trace_error);
        fputc('\n', stderr);
    }
    if (res.gclines_too_long)
        fprintf(stderr, "gmd %s: %s: %u lines longer than 64 KiB dropped\n", o->cmd, o->collect.gctrace_file,
                res.gclines_too_long);
    if (o->collect.pprof_url && res.nprofiles == 0 && res.fetch_errors)
        fprintf(stderr, "gmd %s: no profile could be fetched: %s\n", o->cmd, res.last_fetch_error);
    else if (res.fetch_errors)
        fprintf(stderr, "gmd %s: %u profile reads failed (last: %s)\n", o->cmd, res.fetch_errors,
                res.last_fetch_error[0] ? res.last_fetch_error : "reading the program's memory");
    if (res.left_running)
        fprintf(stderr, "gmd %s: WARNING: processes of the program's tree survived SIGKILL (process group %d)\n",
                o->cmd, res.pid);
    if (res.endpoint_foreign && res.nprofiles == 0)
        fprintf(stderr, "gmd %s: no profile was read: %s is served by another process (pid %d), not the one "
                "observed\n", o->cmd, o->collect.pprof_url, res.endpoint_owner);
    if (res.exited_by_itself && o->collect.argv && res.measured_rounds < 2) {
        /* Nothing to judge: say so rather than "no leak". */
        fprintf(stderr, "gmd %s: the program exited with status %d after %.1f s, before anything could be "
                "measured (bundle: %s)\n", o->cmd, res.exit_status, res.elapsed, dir);
        if (o->json) observe_report(dir, true, true, NULL);   /* an "inconclusive" object for scripts */
        gmd_collect_quiesce(2.0);
        return CLI_FAIL;
    }
    if (res.exited_by_itself && o->collect.argv)
        fprintf(stderr, "gmd %s: the program exited with status %d after %.1f s\n", o->cmd, res.exit_status, res.elapsed);
    else if (res.exited_by_itself && o->collect.pid)
        fprintf(stderr, "gmd %s: process %d exited after %.1f s; what was collected until then is judged\n", o->cmd,
                o->collect.pid, res.elapsed);
    int rc = report(dir, o->json, o->no_html, NULL, o->fail_on_leak, incomplete[0] ? incomplete : NULL);
    gmd_collect_quiesce(2.0);
    return rc;
}

/* ------------------------------------------------------------- options */

enum { OPT_INTERVAL = 256, OPT_DURATION, OPT_PPROF, OPT_OUT, OPT_JSON, OPT_NOHTML, OPT_QUIET, OPT_PROFILES,
       OPT_NOGC, OPT_GCTRACE, OPT_PID, OPT_MPR, OPT_GC_EVERY, OPT_FORCE,
       OPT_FAIL_ON_LEAK, OPT_BINARY, OPT_NO_MEMORY, OPT_TRACE_EVERY, OPT_TRACE_SECONDS, OPT_NO_TRACE };

static const struct option observe_long[] = {
    {"help", no_argument, NULL, 'h'},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"pprof", required_argument, NULL, OPT_PPROF},
    {"out", required_argument, NULL, OPT_OUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-html", no_argument, NULL, OPT_NOHTML},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"profiles", required_argument, NULL, OPT_PROFILES},
    {"no-gc", no_argument, NULL, OPT_NOGC},
    {"gctrace", required_argument, NULL, OPT_GCTRACE},
    {"pid", required_argument, NULL, OPT_PID},
    {"fail-on-leak", no_argument, NULL, OPT_FAIL_ON_LEAK},
    {"binary", required_argument, NULL, OPT_BINARY},
    {"no-memory", no_argument, NULL, OPT_NO_MEMORY},
    {"memprofilerate", required_argument, NULL, OPT_MPR},
    {"gc-every", required_argument, NULL, OPT_GC_EVERY},
    {"force", no_argument, NULL, OPT_FORCE},
    {"trace-every", required_argument, NULL, OPT_TRACE_EVERY},
    {"trace-seconds", required_argument, NULL, OPT_TRACE_SECONDS},
    {"no-trace", no_argument, NULL, OPT_NO_TRACE},
    {NULL, 0, NULL, 0},
};

int observe_parse(observe_opts *o, int argc, char **argv, int *first, void (*usage)(FILE *))
{
    bool watch = !strcmp(o->cmd, "watch");
    o->collect.interval_sec = 1.0;
    o->collect.heap_gc = true;
    o->collect.memprofilerate = -1;
    o->collect.trace_every_sec = GMD_TRACE_EVERY_SEC;   /* used only with --pprof */
    o->collect.trace_seconds = GMD_TRACE_SECONDS;
    optind = 1;
    opterr = 0;
    int c;
    /* run stops at the program's name (its own options follow); watch takes
     * options on either side of the URL, as its usage example shows. */
    while ((c = getopt_long(argc, argv, watch ? ":ho:" : "+:ho:", observe_long, NULL)) != -1) {
        double v;
        switch (c) {
        case 'h': usage(stdout); return CLI_OK;
        case OPT_INTERVAL:
            v = observe_parse_duration(optarg);
            if (v < 0.05 || v > 3600) return cli_usage_error(o->cmd, "--interval wants a duration from 50ms to 1h (e.g. 1s, 500ms), got '%s'", optarg);
            o->collect.interval_sec = v;
            break;
        case OPT_DURATION:
            v = observe_parse_duration(optarg);
            if (v < 0 || v > 30 * 86400.0) return cli_usage_error(o->cmd, "--duration wants a duration (e.g. 20s, 5m, 1h), got '%s'", optarg);
            o->collect.duration_sec = v;
            break;
        case OPT_PPROF:
            if (!gmd_is_url(optarg)) return cli_usage_error(o->cmd, "--pprof wants an http(s):// URL, got '%s'", optarg);
            o->collect.pprof_url = optarg;
            break;
        case 'o':
        case OPT_OUT: o->out_dir = optarg; break;
        case OPT_JSON: o->json = true; break;
        case OPT_NOHTML: o->no_html = true; break;
        case OPT_FAIL_ON_LEAK: o->fail_on_leak = true; break;
        case OPT_BINARY: o->binary = optarg; break;
        case OPT_NO_MEMORY: o->no_memory = true; break;
        case OPT_QUIET: o->quiet = true; break;
        case OPT_PROFILES: o->profiles = optarg; break;
        case OPT_NOGC: o->collect.heap_gc = false; break;
        case OPT_GCTRACE:
            if (!watch) return cli_usage_error(o->cmd, "--gctrace is for watch (run reads the program's stderr)");
            o->collect.gctrace_file = optarg;
            break;
        case OPT_PID: {
            char *end;
            long pid = strtol(optarg, &end, 10);
            if (!watch) return cli_usage_error(o->cmd, "--pid is for watch (run samples the program it starts)");
            if (*end || pid <= 0 || pid > 1 << 22) return cli_usage_error(o->cmd, "--pid wants a process id, got '%s'", optarg);
            o->collect.pid = (int)pid;
            break;
        }
        case OPT_MPR: {
            char *end;
            long r = strtol(optarg, &end, 10);
            if (watch) return cli_usage_error(o->cmd, "--memprofilerate is for run (a running program's rate is its own)");
            if (*end || r < 0 || r > 1 << 30) return cli_usage_error(o->cmd, "--memprofilerate wants bytes (e.g. 4096; 0 = Go's default), got '%s'", optarg);
            o->collect.memprofilerate = r;
            break;
        }
        case OPT_GC_EVERY: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1000000) return cli_usage_error(o->cmd, "--gc-every wants a number of samples (1 = every one), got '%s'", optarg);
            o->collect.heap_gc_every = (uint32_t)n;
            break;
        }
        case OPT_FORCE: o->collect.force_endpoint = true; break;
        case OPT_TRACE_EVERY:
            v = observe_parse_duration(optarg);
            if (v < 1 || v > 86400) return cli_usage_error(o->cmd, "--trace-every wants a duration from 1s to 24h (e.g. 30s, 5m), got '%s'", optarg);
            o->collect.trace_every_sec = v;
            break;
        case OPT_TRACE_SECONDS:
            v = observe_parse_duration(optarg);
            if (v < 0.1 || v > 600) return cli_usage_error(o->cmd, "--trace-seconds wants a duration from 100ms to 10m (e.g. 2, 500ms), got '%s'", optarg);
            o->collect.trace_seconds = v;
            break;
        case OPT_NO_TRACE: o->collect.trace_every_sec = 0; break;
        case ':': return cli_usage_error(o->cmd, "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error(o->cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    *first = optind;
    return -1;
}
