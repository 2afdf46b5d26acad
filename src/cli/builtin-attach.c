/* gmd attach PID / gmd core FILE: one page about a Go program, read from its
 * memory without stopping it. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "gmd/attach.h"

static void usage(FILE *out, const char *cmd)
{
    if (!strcmp(cmd, "core"))
        fputs("usage: gmd core [options] COREFILE\n"
              "\n"
              "Read a core file of a Go program (gcore PID, or the kernel's with GOTRACEBACK=crash):\n"
              "its Go version, memory statistics, goroutines by state and creation site, and the\n"
              "heap profile's top sites. A core is a stop, so the goroutines that were running are\n"
              "unwound too (from the threads' registers), and a crash is named: its signal and the\n"
              "panic value of the goroutine that panicked. The executable comes from the path the\n"
              "core names unless --binary gives it.\n",
              out);
    else
        fputs("usage: gmd attach [options] PID\n"
              "\n"
              "Look inside a running Go program without stopping it and without an endpoint: its Go\n"
              "version, where its RSS goes (Go heap in use and kept free, goroutine stacks, runtime\n"
              "metadata, C heap, other mappings), its open file descriptors against RLIMIT_NOFILE, its\n"
              "goroutines by state and creation site, and its heap profile's top allocation sites (as\n"
              "/debug/pprof/heap would show them).\n"
              "\n"
              "gmd only reads the process's memory (process_vm_readv): it is never stopped, signalled\n"
              "or written. That needs the same permission as a debugger: the same user with\n"
              "/proc/sys/kernel/yama/ptrace_scope 0 (with 1, only processes gmd started, as in\n"
              "'gmd run'), or root / CAP_SYS_PTRACE (in a container: --cap-add SYS_PTRACE).\n",
              out);
    fputs("\n"
          "Options:\n"
          "  --binary EXE   the program's executable (default: /proc/PID/exe or the core's)\n"
          "  -n N           rows per section (default 10; 0 = all)\n"
          "  --json         one JSON object instead of text\n"
          "  -h, --help     this help\n"
          "\n"
          "The same data feeds other commands: 'gmd pprof top pid:PID', 'gmd pprof goroutines\n"
          "pid:PID' (and core:FILE), and 'gmd run'/'gmd watch --pid' without --pprof.\n"
          "\n"
          "Example:\n",
          out);
    fputs(!strcmp(cmd, "core") ? "  gcore -o /tmp/core $(pidof api) && gmd core /tmp/core.$(pidof api)\n"
                               : "  gmd attach $(pidof api)\n",
          out);
}

static int run(int argc, char **argv, const char *cmd)
{
    const char *binary = NULL;
    bool json = false;
    int rows = 10;
    static const struct option longopts[] = {
        {"binary", required_argument, NULL, 'b'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;   /* one line from us, naming the option, instead of getopt's plus ours */
    int c;
    while ((c = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {   /* options on either side */
        switch (c) {
        case 'b': binary = optarg; break;
        case 'j': json = true; break;
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0) return cli_usage_error(cmd, "-n wants a count, not '%s'", optarg);
            rows = (int)v;
            break;
        }
        case 'h': usage(stdout, cmd); return CLI_OK;
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage(stderr, cmd);
        return CLI_USAGE;
    }
    if (optind + 1 < argc) return cli_usage_error(cmd, "one %s at a time", !strcmp(cmd, "core") ? "core file" : "process");
    const char *arg = argv[optind];
    gmd_err err;
    gmd_err_clear(&err);
    gmd_target *t;
    if (!strcmp(cmd, "core")) {
        t = gmd_target_open_core(arg, binary, &err);
    } else {
        char *end;
        long pid = strtol(arg, &end, 10);
        if (*end || pid <= 0 || pid > 0x7fffffff) return cli_usage_error(cmd, "'%s' is not a process id", arg);
        t = gmd_target_open_pid((int)pid, binary, &err);
    }
    if (!t) return cli_error(&err);
    gmd_attach_report r;
    int rc = gmd_attach_collect(t, &r, &err);
    if (rc < 0) {
        gmd_target_close(t);
        return cli_error(&err);
    }
    if (json) gmd_attach_render_json(stdout, &r, rows);
    else gmd_attach_render_text(stdout, &r, rows);
    gmd_attach_report_free(&r);
    gmd_target_close(t);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

int cmd_attach(int argc, char **argv) { return run(argc, argv, "attach"); }
int cmd_core(int argc, char **argv) { return run(argc, argv, "core"); }
