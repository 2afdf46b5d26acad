/* gmd: the Go memory doctor. This file only dispatches to builtin-*.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const cli_command commands[] = {
    {"pprof", cmd_pprof, "analyse heap, allocs and goroutine profiles (top, diff, flame, ...)"},
    {"gc", cmd_gc, "read GODEBUG=gctrace=1 output: live heap trend, pauses, leak verdict"},
    {"run", cmd_run, "run a Go program, watch its memory over time, name the leak"},
    {"watch", cmd_watch, "watch a running Go service's pprof over time, name the leak"},
    {"report", cmd_report, "analyse a gmd run/watch bundle again, offline (text, JSON, HTML)"},
    {"attach", cmd_attach, "look inside a running Go program (no endpoint, no stop): memory, goroutines, heap"},
    {"core", cmd_core, "the same for a core file of a Go program"},
    {"trace", cmd_trace, "read Go execution traces: goroutines by creation site, blocking, GC, pprof, SVG"},
    {"dump", cmd_dump, "analyse debug.WriteHeapDump heap dumps: retained sizes, paths to roots"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "gmd - the Go memory doctor: find why a Go program's memory grows\n"
            "\n"
            "usage: gmd <command> [<subcommand>] [options] [args]\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "options:\n"
            "  -h, --help     show this help (every command and subcommand has its own)\n"
            "  --version      print gmd's version\n"
            "\n"
            "examples:\n"
            "  gmd pprof top heap.pb.gz\n"
            "  gmd pprof top http://127.0.0.1:6060/debug/pprof/heap\n"
            "  gmd pprof diff base.pb.gz new.pb.gz\n"
            "\n"
            "Run 'gmd <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("gmd %s\n", GMD_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "gmd: unknown command '%s'\n", cmd);
    fprintf(stderr, "Run 'gmd --help' for the list of commands.\n");
    return CLI_USAGE;
}
