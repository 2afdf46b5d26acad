/* gmd trace: read a Go execution trace (runtime/trace, /debug/pprof/trace)
 * in one streaming pass and report goroutines by creation site, blocking,
 * GC, or write pprof profiles and an SVG timeline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "gmd/input.h"
#include "gmd/profile.h"
#include "gmd/trace.h"
#include "gmd/trace_analysis.h"
#include "gmd/trace_report.h"

static const char help[] =
    "usage: gmd trace <view> [options] TRACE\n"
    "\n"
    "Read a Go execution trace (Go 1.22 or later: runtime/trace.Start, go test\n"
    "-trace, /debug/pprof/trace?seconds=N) generation by generation, in bounded\n"
    "memory, and report:\n"
    "\n"
    "  summary      goroutines, GC, blocking, user annotations in a few lines\n"
    "  goroutines   goroutines by creation site: created, ended, alive at the end\n"
    "               and what the alive ones wait on; sites whose goroutines were\n"
    "               created during the trace and never ended come first (leaks)\n"
    "  blocking     time goroutines spent blocked, in syscalls and runnable, by\n"
    "               reason and by stack; apart, goroutines still blocked at the\n"
    "               end (waits that never ended: leaks) and their time so far\n"
    "  gc           GC cycles, stop-the-world pauses, heap live and goal\n"
    "  export       --pprof sync|net|syscall|sched|cpu: a pprof profile like\n"
    "               go tool trace -pprof=... (cpu: the trace's CPU samples)\n"
    "  timeline     an SVG: goroutines by state, heap live and goal, GC cycles\n"
    "               and pauses on one time axis\n"
    "\n"
    "TRACE is a file, '-' (standard input) or a URL such as\n"
    "http://host:6060/debug/pprof/trace?seconds=5; both are read as they arrive.\n"
    "A trace cut off mid-way (a killed program, an interrupted download) is\n"
    "read up to its last complete generation, with a warning saying what was\n"
    "lost (and, for a URL, why the download ended).\n"
    "\n"
    "Options:\n"
    "  --json               JSON instead of text (summary, goroutines, blocking, gc)\n"
    "  -n, --top N          rows per table (default 20)\n"
    "  --frames N           stack frames per row (default 6)\n"
    "  --pprof KIND         export: sync, net, syscall, sched or cpu\n"
    "  --no-gzip            export: write profile.proto uncompressed\n"
    "  -o, --output FILE    write to FILE instead of standard output\n"
    "  -h, --help           this help\n"
    "\n"
    "Examples:\n"
    "  curl -o t.trace 'http://127.0.0.1:6060/debug/pprof/trace?seconds=5'\n"
    "  gmd trace goroutines t.trace\n"
    "  gmd trace blocking --json t.trace\n"
    "  gmd trace export --pprof sync -o sync.pb.gz t.trace && gmd pprof top sync.pb.gz\n"
    "  gmd trace timeline -o t.svg t.trace\n"
    "Exit status: 0 ok, 1 unreadable or corrupt trace, 2 usage error.\n";

enum { OPT_JSON = 256, OPT_TOP, OPT_FRAMES, OPT_PPROF, OPT_NOGZIP };

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"json", no_argument, NULL, OPT_JSON},
    {"top", required_argument, NULL, OPT_TOP},
    {"frames", required_argument, NULL, OPT_FRAMES},
    {"pprof", required_argument, NULL, OPT_PPROF},
    {"no-gzip", no_argument, NULL, OPT_NOGZIP},
    {NULL, 0, NULL, 0},
};

static int parse_count(const char *s, unsigned *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v <= 0 || v > 1000000) return -1;
    *out = (unsigned)v;
    return 0;
}

/* The hidden "events" view: one line per event, for debugging the reader
 * and for tests that compare event streams. */
static int dump_events(gmd_trace_reader *r, FILE *out)
{
    gmd_trace_event ev;
    gmd_err err;
    gmd_err_clear(&err);
    int rc;
    while ((rc = gmd_trace_next(r, &ev, &err)) > 0) {
        fprintf(out, "%lld %s", (long long)ev.time, gmd_trace_event_name(ev.type));
        if (ev.g != GMD_TRACE_NONE) fprintf(out, " g=%llu", (unsigned long long)ev.g);
        if (ev.p != GMD_TRACE_NONE) fprintf(out, " p=%llu", (unsigned long long)ev.p);
        if (ev.m != GMD_TRACE_NONE) fprintf(out, " m=%llu", (unsigned long long)ev.m);
        for (int i = 0; i < 4; i++) fprintf(out, " %llu", (unsigned long long)ev.args[i]);
        fputc('\n', out);
    }
    if (rc < 0) return cli_error(&err);
    const char *t = gmd_trace_truncated(r);
    if (t) fprintf(stderr, "gmd: warning: %s\n", t);
    return CLI_OK;
}

/* The hidden "count" view: the reader alone (no analysis), for the
 * benchmark: events, generations, bytes and the reader's peak per
 * generation. */
static int count_events(gmd_trace_reader *r, FILE *out)
{
    gmd_trace_event ev;
    gmd_err err;
    gmd_err_clear(&err);
    uint64_t n = 0;
    int rc;
    while ((rc = gmd_trace_next(r, &ev, &err)) > 0) n += ev.type != GMD_TEV_SYNC;
    if (rc < 0) return cli_error(&err);
    fprintf(out, "%llu events, %llu generations, %llu bytes, %llu bytes held per generation at most\n", (unsigned long long)n,
            (unsigned long long)gmd_trace_generations(r), (unsigned long long)gmd_trace_bytes(r),
            (unsigned long long)gmd_trace_peak_generation_bytes(r));
    return CLI_OK;
}

static int export_pprof(const gmd_trace_analysis *a, const char *kind, bool gzip, const char *output)
{
    if (!output && isatty(STDOUT_FILENO))
        return cli_usage_error("trace export", "refusing to write a binary profile to a terminal; use -o OUT.pb.gz");
    gmd_profile *p = gmd_trace_profile(a, kind);
    if (!p) return cli_usage_error("trace export", "unknown --pprof kind '%s' (sync, net, syscall, sched or cpu)", kind);
    gmd_err err;
    gmd_err_clear(&err);
    uint8_t *raw = NULL, *gz = NULL;
    size_t raw_len = 0, gz_len = 0;
    int rc = CLI_FAIL;
    if (gmd_pprof_proto_write(p, &raw, &raw_len, &err) < 0) {
        cli_error(&err);
        goto out;
    }
    const uint8_t *bytes = raw;
    size_t len = raw_len;
    if (gzip) {
        if (gmd_gzip(raw, raw_len, &gz, &gz_len, &err) < 0) {
            cli_error(&err);
            goto out;
        }
        bytes = gz;
        len = gz_len;
    }
    FILE *f = cli_open_output(output);
    if (!f) goto out;
    if (fwrite(bytes, 1, len, f) != len) {
        cli_fail("%s: write failed", output ? output : "standard output");
        if (f != stdout) fclose(f);
        goto out;
    }
    if (cli_close_output(f, output) < 0) goto out;
    rc = CLI_OK;
out:
    free(raw);
    free(gz);
    gmd_profile_free(p);
    return rc;
}

int cmd_trace(int argc, char **argv)
{
    gmd_trace_report_opts ro = {0};
    const char *output = NULL, *kind = NULL;
    bool gzip = true;
    int c;
    optind = 1;
    opterr = 0;   /* one line from us, naming the option, instead of getopt's plus ours */
    while ((c = getopt_long(argc, argv, "+:hn:o:", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        case 'o': output = optarg; break;
        case OPT_JSON: ro.json = true; break;
        case 'n':   /* as in gmd pprof and gmd attach */
        case OPT_TOP:
            if (parse_count(optarg, &ro.top) < 0) return cli_usage_error("trace", "--top wants a positive number, not '%s'", optarg);
            break;
        case OPT_FRAMES:
            if (parse_count(optarg, &ro.frames) < 0) return cli_usage_error("trace", "--frames wants a positive number, not '%s'", optarg);
            break;
        case OPT_PPROF: kind = optarg; break;
        case OPT_NOGZIP: gzip = false; break;
        case ':': return cli_usage_error("trace", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("trace", "unknown option '%s'", argv[optind - 1]);
        }
    }
    /* The view may come before or after the options: gmd trace --json goroutines t.trace */
    if (optind >= argc) return cli_usage_error("trace", "missing view (summary, goroutines, blocking, gc, export, timeline)");
    const char *view = argv[optind++];
    if (!strcmp(view, "help")) {
        fputs(help, stdout);
        return CLI_OK;
    }
    /* The rest again, with the view as argv[0]; options may follow TRACE. */
    argc -= optind - 1;
    argv += optind - 1;
    optind = 0;   /* GNU getopt: start afresh */
    while ((c = getopt_long(argc, argv, ":hn:o:", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        case 'o': output = optarg; break;
        case OPT_JSON: ro.json = true; break;
        case 'n':   /* as in gmd pprof and gmd attach */
        case OPT_TOP:
            if (parse_count(optarg, &ro.top) < 0) return cli_usage_error("trace", "--top wants a positive number, not '%s'", optarg);
            break;
        case OPT_FRAMES:
            if (parse_count(optarg, &ro.frames) < 0) return cli_usage_error("trace", "--frames wants a positive number, not '%s'", optarg);
            break;
        case OPT_PPROF: kind = optarg; break;
        case OPT_NOGZIP: gzip = false; break;
        case ':': return cli_usage_error("trace", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("trace", "unknown option '%s'", argv[optind - 1]);
        }
    }
    bool known = !strcmp(view, "summary") || !strcmp(view, "goroutines") || !strcmp(view, "blocking") || !strcmp(view, "gc") ||
                 !strcmp(view, "export") || !strcmp(view, "timeline") || !strcmp(view, "events") || !strcmp(view, "count");
    if (!known) return cli_usage_error("trace", "unknown view '%s' (summary, goroutines, blocking, gc, export, timeline)", view);
    if (optind != argc - 1) return cli_usage_error("trace", optind >= argc ? "missing TRACE (a file, '-' or a URL)" : "one TRACE only");
    if (!strcmp(view, "export") && !kind) return cli_usage_error("trace export", "--pprof KIND is required (sync, net, syscall, sched or cpu)");
    if (kind && strcmp(view, "export")) return cli_usage_error("trace", "--pprof goes with the export view");
    if (ro.json && (!strcmp(view, "export") || !strcmp(view, "timeline")))
        return cli_usage_error("trace", "--json is not available for %s", view);
    const char *spec = argv[optind];
    ro.source = spec;

    gmd_err err;
    gmd_err_clear(&err);
    gmd_trace_reader *r = gmd_trace_open(spec, &err);
    if (!r) return cli_error(&err);
    if (!strcmp(view, "events") || !strcmp(view, "count")) {
        FILE *f = cli_open_output(output);
        int rc = f ? (view[0] == 'e' ? dump_events(r, f) : count_events(r, f)) : CLI_FAIL;
        if (f && cli_close_output(f, output) < 0) rc = CLI_FAIL;
        gmd_trace_close(r);
        return rc;
    }
    gmd_trace_analysis a;
    int arc = gmd_trace_analyse(r, &a, &err);
    gmd_trace_close(r);
    if (arc < 0) {
        gmd_trace_analysis_free(&a);
        return cli_error(&err);
    }
    if (a.truncated && (ro.json || !strcmp(view, "export") || !strcmp(view, "timeline")))
        fprintf(stderr, "gmd: warning: %s\n", a.truncated);
    int rc = CLI_OK;
    if (!strcmp(view, "export")) rc = export_pprof(&a, kind, gzip, output);
    else {
        FILE *f = cli_open_output(output);
        if (!f) rc = CLI_FAIL;
        else {
            if (!strcmp(view, "summary")) gmd_trace_report_summary(f, &a, &ro);
            else if (!strcmp(view, "goroutines")) gmd_trace_report_goroutines(f, &a, &ro);
            else if (!strcmp(view, "blocking")) gmd_trace_report_blocking(f, &a, &ro);
            else if (!strcmp(view, "gc")) gmd_trace_report_gc(f, &a, &ro);
            else gmd_trace_write_svg(f, &a, spec);
            if (cli_close_output(f, output) < 0) rc = CLI_FAIL;
        }
    }
    gmd_trace_analysis_free(&a);
    return rc;
}
