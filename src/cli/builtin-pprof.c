/* gmd pprof: option parsing and dispatch for the profile subcommands. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "gmd/merge.h"
#include "gmd/xalloc.h"
#include "pprof.h"

typedef struct pprof_sub {
    const char *name;
    int (*run)(pprof_opts *o);
    int min_args, max_args;     /* positional arguments; -1 = unlimited */
    const char *synopsis;
    const char *summary;
    const char *details;        /* extra help text for this subcommand */
} pprof_sub;

static const pprof_sub subs[] = {
    {"top", pprof_top, 1, -1, "top [options] PROFILE...",
     "functions with the largest values (flat and cumulative), as go tool pprof -top",
     "  -n N                 show the first N rows (default 20; 0 = all, which is\n"
     "                       what go tool pprof -top prints)\n"
     "  --cum                sort by cumulative value instead of flat\n"
     "  --granularity G      functions (default) or lines (\"func file:line\" rows)\n"
     "  --nodefraction F     drop rows whose |cum| is below F of the total (default 0.005;\n"
     "                       pprof's -nodefraction); the header says how many\n"
     "  --json               one object: sample_type, unit, total, shown, dropped_nodes,\n"
     "                       nodes[] {name, function, file, [line], flat, flat_pct,\n"
     "                       sum_pct, cum, cum_pct, [inline]} (values in the profile's unit)\n"
     "  Columns: flat (the function itself), flat%, sum% (running total of flat%),\n"
     "  cum (it and its callees), cum%; percentages are of the whole profile.\n"
     "  Example: gmd pprof top -n 0 -i alloc_space --cum heap.pb.gz\n"},
    {"peek", pprof_peek, 2, -1, "peek [options] REGEX PROFILE...",
     "callers and callees of the functions matching REGEX, as go tool pprof -peek",
     "  For each matching function: its callers (with the value that came through\n"
     "  each and its share of the function's cum) above, the function, then its\n"
     "  callees below. Nothing is trimmed. Exit status 1 when nothing matches.\n"
     "  --granularity G      functions (default) or lines\n"
     "  Example: gmd pprof peek 'leakyCache' heap.pb.gz\n"},
    {"tree", pprof_tree, 1, -1, "tree [options] PROFILE...",
     "every function with its callers above and callees below, as go tool pprof -tree",
     "  -n N                 show N functions (default 80, as pprof; 0 = all)\n"
     "  --cum                order by cumulative value\n"
     "  --nodefraction F     drop functions below F of the total (default 0.005)\n"
     "  --granularity G      functions (default) or lines\n"
     "  Example: gmd pprof tree -i alloc_space heap.pb.gz\n"},
    {"traces", pprof_traces, 1, -1, "traces [options] PROFILE...",
     "every sample with its value, labels and full stack, as go tool pprof -traces",
     "  Stacks are printed leaf first; inlined frames say (inline).\n"
     "  --json               one object: sample_type, unit, total, traces[] {value,\n"
     "                       [labels[] {key, str|num, [unit]}], frames[] {function,\n"
     "                       file, line, [inline]}}\n"
     "  Example: gmd pprof traces --focus leakyCache heap.pb.gz\n"},
    {"list", pprof_list, 2, -1, "list [options] REGEX PROFILE...",
     "source lines of matching functions, annotated with flat and cum values (pprof -list)",
     "  --source-path DIRS   where to look for source files when the path recorded in\n"
     "                       the profile does not exist: colon-separated directories,\n"
     "                       each tried with every suffix of the recorded path\n"
     "                       (default: the current directory)\n"
     "  A missing source file is reported inside its ROUTINE block.\n"
     "  Exit status 1 when no function matches.\n"
     "  Example: gmd pprof list 'main\\.fillCache' --source-path ~/src/app heap.pb.gz\n"},
    {"diff", pprof_diff, 2, 2, "diff [options] BASE NEW",
     "NEW minus BASE as a top report, like go tool pprof -top -base BASE NEW",
     "  Negative values (what shrank) are kept; percentages are of the total\n"
     "  absolute change. Takes top's options (-n, --cum, --granularity, ...).\n"
     "  --json               the same object as top --json, for the difference\n"
     "  --flame FILE         also write a diff flame graph (SVG; red grew, blue shrank)\n"
     "  For goroutine profiles, lists the stacks whose goroutine count grew.\n"
     "  Example: gmd pprof diff -i inuse_objects heap-1.pb.gz heap-3.pb.gz\n"},
    {"flame", pprof_flame, 1, -1, "flame [options] PROFILE... [-o FILE.svg]",
     "self-contained SVG flame graph (hover, click to zoom, search)",
     "  --title TEXT         title at the top of the graph (default: the sample type)\n"
     "  --base FILE          a diff flame graph: widths from PROFILE, colour by change\n"
     "                       against FILE (red grew, blue shrank; dashed: only in FILE)\n"
     "  Open the SVG in a browser: hover for values, click a frame to zoom, Ctrl-F to\n"
     "  search (regex; shows the matched share). Frames under 0.1% of the total are\n"
     "  left out (the footer says how many). Refuses to write to a terminal.\n"
     "Examples:\n"
     "  gmd pprof flame heap.pb.gz -o heap.svg\n"
     "  gmd pprof flame --base heap-1.pb.gz heap-3.pb.gz -o growth.svg\n"},
    {"dot", pprof_dot, 1, -1, "dot [options] PROFILE... [-o FILE]",
     "call graph in Graphviz DOT (or SVG with --svg)",
     "  -n N                 keep the N heaviest nodes (default 80; 0 = all)\n"
     "  --nodefraction F     drop nodes whose cum is below F of the total (default 0.005)\n"
     "  --granularity G      functions (default) or lines\n"
     "  --title TEXT         first line of the legend\n"
     "  --svg                render to SVG with Graphviz's library\n"
     "  Boxes: package, function, flat (and cum) with % of the total; bigger text =\n"
     "  more flat, redder = more cum. Edges: calls weighted by value; dashed = inlined,\n"
     "  dotted = passes through nodes not shown. Same nodes as go tool pprof -dot.\n"
     "Examples:\n"
     "  gmd pprof dot heap.pb.gz | dot -Tsvg -o heap-graph.svg\n"
     "  gmd pprof dot --svg -n 30 heap.pb.gz -o heap-graph.svg\n"},
    {"convert", pprof_convert, 1, -1, "convert [options] PROFILE... -o OUT.pb.gz",
     "write a profile (merged, filtered, or a --base diff) as gzipped profile.proto",
     "  --no-gzip            write raw protobuf instead of gzip\n"
     "  -i TYPE              also make TYPE the default sample type of the output\n"
     "  --focus/--ignore/--hide/--show write the filtered profile (all sample types kept)\n"
     "  Refuses to write to a terminal; prints 'wrote OUT (N samples, M bytes)'.\n"
     "Example:\n"
     "  gmd pprof convert --base heap-1.pb.gz heap-3.pb.gz -o growth.pb.gz\n"},
    {"goroutines", pprof_goroutines, 1, -1, "goroutines [options] PROFILE...",
     "goroutine profile: stacks grouped with counts, states and wait times",
     "  -n N                 show the N largest groups (default 20; 0 = all)\n"
     "  --json               one object: format, total, ngroups, groups[] with count,\n"
     "                       states[], max_wait_minutes, created_by, stack[]; for a\n"
     "                       traceback, traceback{reason, goroutine, dump, dumps, offset}\n"
     "  --focus/--ignore      keep the groups whose stack passes them (--hide/--show\n"
     "                       do not apply: a group is its whole stack)\n"
     "  --all                every goroutine dump of a text holding several (a log);\n"
     "                       without it the last is read\n"
     "  Any goroutine profile form: proto (?debug=0), ?debug=1 text, ?debug=2 text or a\n"
     "  crash dump, also inside a log or go test output (the panic is named);\n"
     "  states, waits and creators need debug=2. Example:\n"
     "    curl -s localhost:6060/debug/pprof/goroutine?debug=2 | gmd pprof goroutines -\n"},
    {"info", pprof_info, 1, -1, "info PROFILE...",
     "what a profile contains: format, sample types, counts, period, time",
     "  --json               one JSON object (an array of them for several files)\n"
     "Example:\n"
     "  gmd pprof info heap.pb.gz\n"},
};
#define NSUBS (sizeof subs / sizeof *subs)

static const char common_help[] =
    "Sources (PROFILE, BASE, NEW):\n"
    "  a file (gzipped or plain profile.proto, or the debug=1/debug=2 text forms),\n"
    "  '-' for standard input, or an http(s):// URL of a net/http/pprof endpoint,\n"
    "  e.g. http://127.0.0.1:6060/debug/pprof/heap. Several profiles are merged.\n"
    "  pid:PID reads a running Go program's memory (never stopping it): its heap\n"
    "  profile, or in 'goroutines' its goroutines; core:FILE does the same for a\n"
    "  core file. Add #heap or #goroutine to choose, e.g. pid:4242#goroutine.\n"
    "\n"
    "Common options:\n"
    "  -i, --sample-index T one of the profile's sample types: inuse_space,\n"
    "                       inuse_objects, alloc_space, alloc_objects (heap); default:\n"
    "                       the profile's own default (inuse_space for heap)\n"
    "  --focus RE           keep samples with a frame matching RE (function or file)\n"
    "  --ignore RE          drop samples with a frame matching RE\n"
    "  --hide RE            remove frames matching RE from stacks\n"
    "  --show RE            keep only frames matching RE\n"
    "  --base FILE          subtract the profile FILE first (as pprof -base)\n"
    "  -o, --output FILE    write to FILE instead of standard output\n"
    "  --seconds N          for URLs: ask for a delta profile over N seconds\n"
    "  --timeout SEC        for URLs: give up after SEC seconds (default 60 + N)\n"
    "  --binary EXE         for pid:/core: sources: the program's executable (default:\n"
    "                       /proc/PID/exe, or the path the core names)\n"
    "  -h, --help           this help\n"
    "Regular expressions are POSIX extended (RE2 classes like \\d are not supported).\n";

static void usage_all(FILE *out)
{
    fprintf(out, "usage: gmd pprof <subcommand> [options] PROFILE...\n\n"
                 "Analyse Go pprof profiles (heap, allocs, goroutine, and any other).\n\n"
                 "Subcommands:\n");
    for (size_t i = 0; i < NSUBS; i++) fprintf(out, "  %-11s %s\n", subs[i].name, subs[i].summary);
    fprintf(out, "\n%s\nExamples:\n"
                 "  gmd pprof top heap.pb.gz\n"
                 "  gmd pprof top -i alloc_space --cum -n 30 heap.pb.gz\n"
                 "  gmd pprof top http://127.0.0.1:6060/debug/pprof/heap\n"
                 "  gmd pprof top pid:4242                # from the process's memory, no endpoint\n"
                 "  gmd pprof goroutines pid:4242\n"
                 "  gmd pprof diff heap-1.pb.gz heap-2.pb.gz\n"
                 "  gmd pprof flame heap.pb.gz -o heap.svg\n"
                 "  curl -s localhost:6060/debug/pprof/goroutine?debug=2 | gmd pprof goroutines -\n"
                 "\nRun 'gmd pprof <subcommand> --help' for its own options.\n",
            common_help);
}

static void usage_sub(FILE *out, const pprof_sub *s)
{
    fprintf(out, "usage: gmd pprof %s\n\n%s.\n\n", s->synopsis, s->summary);
    if (s->details[0]) fprintf(out, "Options of %s:\n%s\n", s->name, s->details);
    fputs(common_help, out);
}

enum {
    OPT_FOCUS = 256, OPT_IGNORE, OPT_HIDE, OPT_SHOW, OPT_BASE, OPT_GRAN, OPT_CUM, OPT_JSON, OPT_ALL,
    OPT_SVG, OPT_NOGZIP, OPT_TIMEOUT, OPT_SECONDS, OPT_SRCPATH, OPT_TITLE, OPT_NODEFRAC, OPT_FLAME, OPT_BINARY
};

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"sample-index", required_argument, NULL, 'i'},
    {"nodecount", required_argument, NULL, 'n'},
    {"output", required_argument, NULL, 'o'},
    {"focus", required_argument, NULL, OPT_FOCUS},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"hide", required_argument, NULL, OPT_HIDE},
    {"show", required_argument, NULL, OPT_SHOW},
    {"base", required_argument, NULL, OPT_BASE},
    {"granularity", required_argument, NULL, OPT_GRAN},
    {"cum", no_argument, NULL, OPT_CUM},
    {"json", no_argument, NULL, OPT_JSON},
    {"all", no_argument, NULL, OPT_ALL},
    {"svg", no_argument, NULL, OPT_SVG},
    {"no-gzip", no_argument, NULL, OPT_NOGZIP},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"seconds", required_argument, NULL, OPT_SECONDS},
    {"source-path", required_argument, NULL, OPT_SRCPATH},
    {"title", required_argument, NULL, OPT_TITLE},
    {"nodefraction", required_argument, NULL, OPT_NODEFRAC},
    {"flame", required_argument, NULL, OPT_FLAME},
    {"binary", required_argument, NULL, OPT_BINARY},
    {NULL, 0, NULL, 0},
};

static int parse_number(const char *cmd, const char *flag, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || v < lo || v > hi) return cli_usage_error(cmd, "%s wants a number in [%g, %g], got '%s'", flag, lo, hi, s);
    *out = v;
    return 0;
}

const char *pprof_flame_output;   /* diff --flame FILE; read by pprof-diff.c */

int cmd_pprof(int argc, char **argv)
{
    if (argc < 2) {
        usage_all(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage_all(stdout);
        return CLI_OK;
    }
    const pprof_sub *sub = NULL;
    for (size_t i = 0; i < NSUBS; i++)
        if (!strcmp(argv[1], subs[i].name)) sub = &subs[i];
    if (!sub) return cli_usage_error("pprof", "unknown subcommand '%s'", argv[1]);

    char cmdname[64];
    snprintf(cmdname, sizeof cmdname, "pprof %s", sub->name);
    pprof_opts o;
    memset(&o, 0, sizeof o);
    o.sub = sub->name;
    o.nodecount = -1;
    o.nodefraction = -1;
    o.gzip = true;
    double num = 0;

    int sargc = argc - 1;
    char **sargv = argv + 1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(sargc, sargv, ":hi:n:o:", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage_sub(stdout, sub); return CLI_OK;
        case 'i': o.select.sample_index = optarg; break;
        case 'n':
            if (parse_number(cmdname, "-n", optarg, 0, 1e9, &num)) return CLI_USAGE;
            o.nodecount = (int)num;
            break;
        case 'o': o.output = optarg; break;
        case OPT_FOCUS: o.select.focus = optarg; break;
        case OPT_IGNORE: o.select.ignore = optarg; break;
        case OPT_HIDE: o.select.hide = optarg; break;
        case OPT_SHOW: o.select.show = optarg; break;
        case OPT_BASE: o.base = optarg; break;
        case OPT_GRAN:
            if (strcmp(optarg, "functions") && strcmp(optarg, "lines"))
                return cli_usage_error(cmdname, "--granularity is 'functions' or 'lines', not '%s'", optarg);
            o.granularity = optarg;
            break;
        case OPT_CUM: o.cum = true; break;
        case OPT_JSON: o.json = true; break;
        case OPT_ALL:
            if (strcmp(sub->name, "goroutines")) return cli_usage_error(cmdname, "--all is an option of 'goroutines'");
            o.all = true;
            break;
        case OPT_SVG: o.svg = true; break;
        case OPT_NOGZIP: o.gzip = false; break;
        case OPT_TIMEOUT:
            if (parse_number(cmdname, "--timeout", optarg, 0.001, 86400, &num)) return CLI_USAGE;
            o.load.timeout_sec = num;
            break;
        case OPT_SECONDS:
            if (parse_number(cmdname, "--seconds", optarg, 1, 86400, &num)) return CLI_USAGE;
            o.seconds = (int)num;
            break;
        case OPT_SRCPATH: o.source_path = optarg; break;
        case OPT_TITLE: o.title = optarg; break;
        case OPT_NODEFRAC:
            if (parse_number(cmdname, "--nodefraction", optarg, 0, 1, &num)) return CLI_USAGE;
            o.nodefraction = num;
            break;
        case OPT_FLAME: pprof_flame_output = optarg; break;
        case OPT_BINARY: cli_target_binary = optarg; break;
        case ':': return cli_usage_error(cmdname, "option '%s' needs a value", sargv[optind - 1]);
        default: return cli_usage_error(cmdname, "unknown option '%s'", sargv[optind - 1]);
        }
    }
    o.args = sargv + optind;
    o.nargs = sargc - optind;
    if (o.nargs < sub->min_args) {
        fprintf(stderr, "usage: gmd pprof %s\n", sub->synopsis);
        return cli_usage_error(cmdname, "missing argument%s", sub->min_args - o.nargs > 1 ? "s" : "");
    }
    if (sub->max_args >= 0 && o.nargs > sub->max_args) {
        fprintf(stderr, "usage: gmd pprof %s\n", sub->synopsis);
        return cli_usage_error(cmdname, "too many arguments");
    }
    if (o.seconds && !o.load.timeout_sec) o.load.timeout_sec = 60.0 + o.seconds;
    return sub->run(&o);
}

/* Append ?seconds=N to URLs when asked for a delta profile. */
static char *source_spec(const pprof_opts *o, const char *spec)
{
    if (!o->seconds || !gmd_is_url(spec)) return gmd_xstrdup(spec);
    size_t n = strlen(spec) + 32;
    char *s = gmd_xmalloc(n);
    snprintf(s, n, "%s%sseconds=%d", spec, strchr(spec, '?') ? "&" : "?", o->seconds);
    return s;
}

static gmd_profile *load_one(const pprof_opts *o, const char *spec)
{
    char *s = source_spec(o, spec);
    gmd_profile *p = cli_load_profile(s, &o->load);
    free(s);
    return p;
}

gmd_profile *pprof_load(const pprof_opts *o, char *const *specs, int n)
{
    gmd_profile *result = NULL;
    gmd_err err;
    gmd_err_clear(&err);
    if (n == 1) {
        if (!(result = load_one(o, specs[0]))) return NULL;
    } else {
        /* One input at a time, freed once merged: peak memory is the result
         * and one input, not all of them. */
        gmd_merger *m = gmd_merger_new();
        for (int i = 0; i < n; i++) {
            gmd_profile *p = load_one(o, specs[i]);
            if (!p) {
                gmd_merger_free(m);
                return NULL;
            }
            int rc = gmd_merger_add(m, p, 1, &err);
            gmd_profile_free(p);
            if (rc < 0) {
                gmd_merger_free(m);
                cli_error(&err);
                return NULL;
            }
        }
        if (!(result = gmd_merger_finish(m, &err))) {
            cli_error(&err);
            return NULL;
        }
    }
    if (o->base) {
        gmd_profile *base = load_one(o, o->base);
        if (!base) {
            gmd_profile_free(result);
            return NULL;
        }
        gmd_profile *d = gmd_profile_diff(base, result, &err);
        gmd_profile_free(base);
        gmd_profile_free(result);
        result = d;
        if (!result) cli_error(&err);
    }
    return result;
}

int pprof_stacks(const pprof_opts *o, const gmd_profile *p, gmd_stackset *s)
{
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_stackset_build(p, &o->select, s, &err) < 0) {
        cli_error(&err);
        return -1;
    }
    return 0;
}
