/* gmd run: start a Go program, watch its memory over time, name the leak. */
#include <string.h>
#include "cli.h"
#include "observe.h"

static void usage(FILE *out)
{
    fputs("usage: gmd run [options] -- CMD [ARGS...]\n"
          "\n"
          "Run a Go program and watch its memory over time: its gctrace (GODEBUG=gctrace=1 is\n"
          "added for it), its RSS from /proc, and its heap profile, goroutines and memory\n"
          "statistics read from its own memory (no endpoint needed; it is never stopped) or,\n"
          "with --pprof, fetched from its net/http/pprof, all on one clock. At the end, name\n"
          "what leaks: the allocation site, goroutine stack or off-heap memory that grows\n"
          "steadily, how fast, and the evidence. The program's output passes through.\n"
          "\n"
          "CMD may start the program rather than be it ('go run .', 'sh -c ./server'): gmd\n"
          "samples the newest Go program of CMD's process tree that is not the Go toolchain, and\n"
          "keeps only its gctrace lines; --duration counts from when it is found (after a build).\n"
          "\n"
          "Collection stops after --duration, when CMD exits, or on Ctrl-C (forwarded; gmd still\n"
          "writes its results). Then CMD's whole process group is stopped with SIGINT (then\n"
          "SIGTERM after 5 s, SIGKILL after 10 s if it ignores both); nothing is left running. A\n"
          "program that exits before anything is measured is an error (exit status 1).\n"
          "\n"
          "Options:\n"
          "  --pprof URL          the program's net/http/pprof, e.g. http://127.0.0.1:6060\n"
          "                       (heap and goroutine profiles are fetched every interval\n"
          "                       instead of read from the program's memory)\n"
          "  --binary EXE         the program's executable, for reading its memory (default:\n"
          "                       /proc/PID/exe)\n"
          "  --no-memory          do not read the program's memory (then only --pprof gives\n"
          "                       heap and goroutine profiles)\n"
          "  --interval D         time between samples (default 1s; e.g. 500ms, 2s)\n"
          "  --duration D         stop after D (e.g. 20s, 5m); default: until exit or Ctrl-C\n"
          "  --profiles A,B       also fetch these profiles each interval (allocs, mutex, ...)\n"
          "  --gc-every N         fetch heap?gc=1 (forcing a GC) on the first, last and every Nth\n"
          "                       sample only (default 10; 1 = every sample)\n"
          "  --no-gc              never force a GC: heap as of the last GC\n"
          "  --memprofilerate N   GODEBUG=memprofilerate=N for the program (default 16384 unless its\n"
          "                       GODEBUG sets one; 0 = leave Go's default, 524288)\n"
          "  --force              read --pprof even when another process serves that port\n"
          "  --trace-every D      with --pprof: an execution trace this often, the first soon\n"
          "                       after the first sample (default 30s); never in memory mode\n"
          "  --trace-seconds S    each trace this long (default 2)\n"
          "  --no-trace           no execution traces\n"
          "  -o, --out DIR        bundle directory (default gmd-run-YYYYmmdd-HHMMSS)\n"
          "  --json               print the verdict as one JSON object (the program's stdout\n"
          "                       then goes to stderr)\n"
          "  --no-html            do not write report.html into the bundle\n"
          "  --fail-on-leak       exit with status 3 when the verdict is a leak (for CI)\n"
          "  --quiet              no progress line (it is only drawn when stderr is a terminal)\n"
          "  -h, --help           this help\n"
          "\n"
          "Fetches run beside the sampling: a slow or hung endpoint delays neither the other\n"
          "samples nor --duration or Ctrl-C (its requests are skipped while one hangs, and\n"
          "abandoned at the end).\n"
          "\n"
          "The bundle holds every profile as received, trace/NNNN.trace (with --pprof),\n"
          "gctrace.log, proc.jsonl and index.jsonl (the time of each); 'gmd report DIR'\n"
          "analyses it again offline.\n"
          "\n"
          OBSERVE_EXIT_STATUS_HELP
          "\n"
          "Example:\n"
          "  gmd run --duration 1m -- ./server -config dev.yaml\n"
          "  gmd run --duration 1m --pprof http://127.0.0.1:6060 -- go run ./cmd/server\n",
          out);
}

int cmd_run(int argc, char **argv)
{
    observe_opts o;
    memset(&o, 0, sizeof o);
    o.cmd = "run";
    int first;
    int rc = observe_parse(&o, argc, argv, &first, usage);
    if (rc >= 0) return rc;
    if (first < argc && !strcmp(argv[first], "--")) first++;
    if (first >= argc) {
        fputs("usage: gmd run [options] -- CMD [ARGS...]\n", stderr);
        return cli_usage_error("run", "missing the program to run");
    }
    o.collect.argv = argv + first;
    return observe_collect_and_report(&o);
}
