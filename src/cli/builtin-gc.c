/* gmd gc: read GODEBUG=gctrace=1 output (a file, a pipe, or live with
 * --follow) and say whether the live heap is leaking. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "gmd/bundle.h"
#include "gmd/gcanalysis.h"
#include "gmd/gctrace.h"
#include "gmd/input.h"
#include "gmd/xalloc.h"

static const char help[] =
    "usage: gmd gc [options] FILE|-\n"
    "\n"
    "Read the output of GODEBUG=gctrace=1 (one line per GC cycle on stderr) and\n"
    "say whether the live heap is leaking: the live heap after each GC is fitted\n"
    "over time (Theil-Sen, ignoring a warm-up found from the data) and the verdict\n"
    "is 'growing' (leak likely), 'stable' (flat, or a plateau after a warm-up) or\n"
    "'insufficient data'. Also: GC rate, stop-the-world pauses, GC CPU, heap goal,\n"
    "stacks and globals, why RSS exceeds the live heap, GC thrash and GOMEMLIMIT\n"
    "pressure. The program's own lines in the log are skipped and counted.\n"
    "\n"
    "FILE is a log (plain or gzipped), '-' for standard input, or a gmd run/watch\n"
    "bundle directory (its gctrace.log; the cycles gmd forced with heap?gc=1 are\n"
    "not blamed on the program). Lines may carry a\n"
    "timestamp prefix from docker logs -t, kubectl logs --timestamps, CRI log files\n"
    "or journalctl; cycles are then placed on the wall clock.\n"
    "\n"
    "Options:\n"
    "  --follow             live mode: copy every input line to standard output\n"
    "                       unchanged, keep a status line on the terminal (stderr),\n"
    "                       print the summary at end of input or Ctrl-C (to stderr\n"
    "                       unless -o is given). With a FILE, follow it like tail -f.\n"
    "  --start TIME         wall-clock time the process started (RFC 3339, e.g.\n"
    "                       2024-05-01T12:00:00Z, or Unix seconds): gctrace times are\n"
    "                       relative to process start\n"
    "  --limit SIZE         memory the process may use (e.g. 2GiB, 512MB): project\n"
    "                       when a growing heap reaches it\n"
    "  --json               the summary and every cycle as JSON\n"
    "  --csv                one CSV row per cycle\n"
    "  --svg FILE           also write a chart: live heap, heap at GC start and goal\n"
    "                       over time, with the trend, and the pauses\n"
    "  -o, --output FILE    write the report to FILE instead of standard output\n"
    "  -h, --help           this help\n"
    "\n"
    "Examples:\n"
    "  GODEBUG=gctrace=1 ./app 2> gc.log; gmd gc gc.log\n"
    "  GODEBUG=gctrace=1 ./app 2>&1 | gmd gc --follow -\n"
    "  kubectl logs --timestamps pod/api-0 | gmd gc --svg heap.svg -\n"
    "  gmd gc --start 2024-05-01T09:00:00Z --limit 4GiB --json gc.log\n"
    "\n"
    "Reading the verdict: 'growing' means the memory reachable after GC keeps\n"
    "rising; take two heap profiles some minutes apart and run\n"
    "'gmd pprof diff old.pb.gz new.pb.gz' to see what holds it.\n"
    "Exit status: 0 ok, 1 no gctrace lines or unreadable input, 2 usage error.\n";

enum { OPT_FOLLOW = 256, OPT_START, OPT_LIMIT, OPT_JSON, OPT_CSV, OPT_SVG };

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"start", required_argument, NULL, OPT_START},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"json", no_argument, NULL, OPT_JSON},
    {"csv", no_argument, NULL, OPT_CSV},
    {"svg", required_argument, NULL, OPT_SVG},
    {NULL, 0, NULL, 0},
};

/* "512MB", "2GiB", "1.5g", "800" (MB). Units are binary, like the runtime's MB. */
static int parse_size_mb(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0 || !isfinite(v)) return -1;
    double f;
    if (!*end || !strcasecmp(end, "m") || !strcasecmp(end, "mb") || !strcasecmp(end, "mib")) f = 1;
    else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb") || !strcasecmp(end, "gib")) f = 1024;
    else if (!strcasecmp(end, "t") || !strcasecmp(end, "tb") || !strcasecmp(end, "tib")) f = 1024 * 1024;
    else if (!strcasecmp(end, "k") || !strcasecmp(end, "kb") || !strcasecmp(end, "kib")) f = 1.0 / 1024;
    else return -1;
    *out = v * f;
    return 0;
}

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) { (void)sig; interrupted = 1; }

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Live status on stderr when it is a terminal. The line is erased before
 * program output is copied through and redrawn only at a line boundary, so
 * it never lands inside the program's own lines. */
typedef struct status {
    bool on, shown;
    double last_draw;
    size_t last_cycles;
} status;

static void status_clear(status *st)
{
    if (st->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        st->shown = false;
    }
}

static void status_draw(status *st, const gmd_gctrace *t, bool force)
{
    if (!st->on) return;
    double now = now_sec();
    if (!force && (t->ncycles == st->last_cycles || now - st->last_draw < 0.25)) return;
    gmd_gc_analysis a;
    gmd_gc_analyse(t, NULL, &a);
    char line[256];
    gmd_gc_status_line(line, sizeof line, t, &a);
    fprintf(stderr, "\r\033[K\033[7m%s\033[0m", line);
    fflush(stderr);
    st->shown = true;
    st->last_draw = now;
    st->last_cycles = t->ncycles;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* A gzip'd log on a pipe (`gmd gc - < app.log.gz`): the first `n` bytes
 * are in buf; read the rest, inflate it all (through the loader, with its
 * size caps) and feed it. Only for an input that is not followed. */
static int feed_gzip_pipe(int fd, const char *name, const char *first, size_t n, gmd_gctrace *t)
{
    size_t len = n, cap = n > 1 << 20 ? n * 2 : 1 << 20;
    char *data = gmd_xmalloc(cap);
    memcpy(data, first, n);
    for (;;) {
        if (len == cap) data = gmd_xrealloc(data, cap *= 2);
        ssize_t r = read(fd, data + len, cap - len);
        if (r < 0 && errno == EINTR && !interrupted) continue;
        if (r < 0) {
            free(data);
            return cli_fail("%s: read failed: %s", name, strerror(errno));
        }
        if (r == 0) break;
        len += (size_t)r;
        if (len > gmd_max_input(0)) {
            free(data);
            return cli_fail("%s: more than %llu bytes of gzip; raise the limit with GMD_MAX_INPUT=BYTES", name,
                            (unsigned long long)gmd_max_input(0));
        }
    }
    gmd_blob blob;
    gmd_err err;
    gmd_err_clear(&err);
    int rc = gmd_blob_from_memory(data, len, name, NULL, &blob, &err);
    free(data);
    if (rc < 0) return cli_error(&err);
    gmd_gctrace_feed(t, (const char *)blob.data, blob.len);
    gmd_blob_free(&blob);
    return 0;
}

static int stream_fd(int fd, const char *name, bool follow, bool passthrough, gmd_gctrace *t)
{
    static char buf[1 << 20];
    status st = {.on = follow && isatty(STDERR_FILENO)};
    bool at_line_start = true, first = true;
    for (;;) {
        if (interrupted) break;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            status_clear(&st);
            return cli_fail("%s: read failed: %s", name, strerror(errno));
        }
        if (first && !follow && n >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b)
            return feed_gzip_pipe(fd, name, buf, (size_t)n, t);
        first = false;
        if (n == 0) {
            if (follow && !passthrough) {   /* tail -f a file */
                status_draw(&st, t, false);
                usleep(250 * 1000);
                continue;
            }
            break;
        }
        if (passthrough) {
            status_clear(&st);
            if (!write_all(STDOUT_FILENO, buf, (size_t)n)) passthrough = false;   /* reader went away */
            at_line_start = buf[n - 1] == '\n';
        }
        gmd_gctrace_feed(t, buf, (size_t)n);
        if (at_line_start) status_draw(&st, t, false);
    }
    status_clear(&st);
    return 0;
}

/* GC cycles gmd forced (heap?gc=1 fetches) in the run bundle `dir`; 0 when
 * it is not one. */
static size_t bundle_forced_gcs(const char *dir)
{
    char path[4200];
    struct stat st;
    /* A path too long for the buffer is no bundle gmd wrote. */
    if (snprintf(path, sizeof path, "%s/index.jsonl", dir) >= (int)sizeof path || stat(path, &st) < 0) return 0;
    gmd_bundle b;
    gmd_err err;
    gmd_err_clear(&err);
    size_t n = gmd_bundle_open(dir, &b, &err) == 0 ? b.gc_forced : 0;
    gmd_bundle_free(&b);
    return n;
}

/* The same for a bundle's gctrace.log given as a file. */
static size_t bundle_forced_gcs_of_log(const char *log)
{
    const char *slash = strrchr(log, '/');
    const char *base = slash ? slash + 1 : log;
    if (strcmp(base, "gctrace.log")) return 0;
    char dir[4200];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - log) : 1, slash ? log : ".");
    return bundle_forced_gcs(dir[0] ? dir : "/");
}

int cmd_gc(int argc, char **argv)
{
    bool follow = false, json = false, csv = false;
    const char *svg = NULL, *output = NULL;
    double start = NAN;
    gmd_gc_opts gopts = {0};

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return CLI_OK;
        case 'o': output = optarg; break;
        case OPT_FOLLOW: follow = true; break;
        case OPT_START:
            if (gmd_parse_wall_time(optarg, &start) < 0)
                return cli_usage_error("gc", "--start wants RFC 3339 (2024-05-01T12:00:00Z) or Unix seconds, got '%s'", optarg);
            break;
        case OPT_LIMIT:
            if (parse_size_mb(optarg, &gopts.limit_mb) < 0)
                return cli_usage_error("gc", "--limit wants a size such as 512MB or 2GiB, got '%s'", optarg);
            break;
        case OPT_JSON: json = true; break;
        case OPT_CSV: csv = true; break;
        case OPT_SVG: svg = optarg; break;
        case ':': return cli_usage_error("gc", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("gc", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (json && csv) return cli_usage_error("gc", "--json and --csv are exclusive");
    if (optind >= argc) {
        fprintf(stderr, "usage: gmd gc [options] FILE|-\n");
        return cli_usage_error("gc", "missing argument: a gctrace log, or '-' for standard input");
    }
    if (argc - optind > 1) return cli_usage_error("gc", "too many arguments");
    const char *src = argv[optind];
    bool is_stdin = !strcmp(src, "-");
    char bundle_log[4200];
    if (!is_stdin && !gmd_is_url(src)) {
        struct stat st;
        if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(bundle_log, sizeof bundle_log, "%s/gctrace.log", src);
            gopts.gmd_forced = bundle_forced_gcs(src);
            src = bundle_log;
        } else {
            gopts.gmd_forced = bundle_forced_gcs_of_log(src);
        }
    }

    gmd_gctrace t;
    gmd_gctrace_init(&t, start);
    int rc = 0;
    /* Every path is opened once and streamed (constant memory for any size:
     * a file, a pipe, a FIFO, <(cmd)); gzip is noticed on the first read.
     * Only URLs go through the loader. Opening twice (to look, then to
     * read) hangs on a FIFO whose writer has gone after the first open. */
    if (!gmd_is_url(src)) {
        struct sigaction sa, old_int, old_term;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;   /* no SA_RESTART: open() and read() return EINTR */
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        signal(SIGPIPE, SIG_IGN);
        int fd = is_stdin ? STDIN_FILENO : open(src, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            gmd_gctrace_free(&t);
            return cli_fail("%s: cannot open: %s", src, strerror(errno));
        }
        struct stat st;
        if (!follow && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            /* A file ends by itself: Ctrl-C keeps its usual meaning. */
            sigaction(SIGINT, &old_int, NULL);
            sigaction(SIGTERM, &old_term, NULL);
            posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        }
        rc = stream_fd(fd, is_stdin ? "-" : src, follow, follow && is_stdin, &t);
        if (!is_stdin) close(fd);
    } else {
        gmd_blob blob;
        gmd_err err;
        gmd_err_clear(&err);
        if (gmd_blob_load(src, NULL, &blob, &err) < 0) {
            gmd_err_set_source(&err, src);
            gmd_gctrace_free(&t);
            return cli_error(&err);
        }
        gmd_gctrace_feed(&t, (const char *)blob.data, blob.len);
        gmd_blob_free(&blob);
    }
    if (rc) {
        gmd_gctrace_free(&t);
        return rc;
    }
    gmd_gctrace_finish(&t);

    if (t.ncycles == 0) {
        rc = cli_fail("%s: no GODEBUG=gctrace=1 lines among %llu lines (run the program with "
                      "GODEBUG=gctrace=1 and capture its stderr: 2>&1)",
                      src, (unsigned long long)t.counts.lines);
        gmd_gctrace_free(&t);
        return rc;
    }

    gmd_gc_analysis a;
    gmd_gc_analyse(&t, &gopts, &a);
    FILE *out;
    if (output) out = cli_open_output(output);
    else out = follow && is_stdin ? stderr : stdout;
    if (!out) {
        gmd_gctrace_free(&t);
        return CLI_FAIL;
    }
    const char *name = is_stdin ? "<stdin>" : src;
    if (json) gmd_gc_write_json(out, name, &t, &a);
    else if (csv) gmd_gc_write_csv(out, &t);
    else gmd_gc_write_text(out, name, &t, &a);
    if (out == stderr) fflush(stderr);
    else if (cli_close_output(out, output ? output : "-") < 0) rc = CLI_FAIL;

    if (svg && rc == 0) {
        FILE *f = cli_open_output(svg);
        if (!f) {
            rc = CLI_FAIL;
        } else {
            gmd_gc_write_svg(f, name, &t, &a);
            if (cli_close_output(f, svg) < 0) rc = CLI_FAIL;
        }
    }
    gmd_gctrace_free(&t);
    return rc;
}
