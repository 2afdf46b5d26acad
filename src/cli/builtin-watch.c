/* gmd watch: sample a running Go service over time and name the leak. */
#include <string.h>
#include "cli.h"
#include "observe.h"

static void usage(FILE *out)
{
    fputs("usage: gmd watch [options] URL\n"
          "       gmd watch [options] --pid PID\n"
          "\n"
          "Watch a Go service that is already running: its heap and goroutine profiles every\n"
          "interval, fetched from its net/http/pprof (URL) or, with --pid and no URL, read from\n"
          "its memory (no endpoint needed); with --pid also its RSS from /proc, with --gctrace\n"
          "the GC lines its stderr log gets. Stop with --duration or Ctrl-C; then gmd names what\n"
          "leaks, like 'gmd run'. The service is never stopped or signalled.\n"
          "\n"
          "Options:\n"
          "  --interval D         time between samples (default 1s)\n"
          "  --duration D         stop after D (e.g. 10m); default: until Ctrl-C\n"
          "  --pid PID            sample /proc/PID (RSS) and, with no URL, its memory; stop when\n"
          "                       it exits\n"
          "  --binary EXE         the service's executable, for reading its memory\n"
          "  --no-memory          with --pid and no URL: /proc only, no memory reads\n"
          "  --gctrace FILE       follow FILE (the service's stderr log, GODEBUG=gctrace=1; a\n"
          "                       file, FIFO or device; lines over 64 KiB are dropped)\n"
          "  --profiles A,B       also fetch these profiles each interval\n"
          "  --gc-every N         force a GC (heap?gc=1) on the first, last and every Nth sample\n"
          "                       only (default 10; 1 = every sample)\n"
          "  --no-gc              never force a GC: heap as of the last GC\n"
          "  --force              read URL even when its port is not the --pid process's\n"
          "  --trace-every D      with a URL: an execution trace this often, the first soon\n"
          "                       after the first sample (default 30s); none without a URL\n"
          "  --trace-seconds S    each trace this long (default 2)\n"
          "  --no-trace           no execution traces\n"
          "  -o, --out DIR        bundle directory (default gmd-watch-YYYYmmdd-HHMMSS)\n"
          "  --json               print the verdict as one JSON object\n"
          "  --no-html            do not write report.html into the bundle\n"
          "  --fail-on-leak       exit with status 3 when the verdict is a leak (for CI)\n"
          "  --quiet              no progress line\n"
          "  -h, --help           this help\n"
          "\n"
          "Fetches run beside the sampling: a slow or hung endpoint delays neither the other\n"
          "samples nor --duration or Ctrl-C (its requests are skipped while one hangs, and\n"
          "abandoned at the end). The bundle is laid out as for 'gmd run' (traces in trace/).\n"
          "\n"
          OBSERVE_EXIT_STATUS_HELP
          "\n"
          "Example:\n"
          "  gmd watch --pid $(pgrep myserver) --duration 10m\n"
          "  gmd watch http://127.0.0.1:6060 --pid $(pgrep myserver) --duration 10m\n",
          out);
}

int cmd_watch(int argc, char **argv)
{
    observe_opts o;
    memset(&o, 0, sizeof o);
    o.cmd = "watch";
    int first;
    int rc = observe_parse(&o, argc, argv, &first, usage);
    if (rc >= 0) return rc;
    if (first >= argc) {
        if (!o.collect.pid && !o.collect.gctrace_file) {
            fputs("usage: gmd watch [options] URL\n", stderr);
            return cli_usage_error("watch", "missing the service's pprof URL (or --pid / --gctrace)");
        }
    } else {
        if (first + 1 < argc) return cli_usage_error("watch", "too many arguments");
        if (o.collect.pprof_url) return cli_usage_error("watch", "give the URL once (as the argument)");
        if (!gmd_is_url(argv[first])) return cli_usage_error("watch", "URL must be http(s)://, got '%s'", argv[first]);
        o.collect.pprof_url = argv[first];
    }
    return observe_collect_and_report(&o);
}
