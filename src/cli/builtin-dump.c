/* gmd dump: analyse heap dumps written by runtime/debug.WriteHeapDump. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "gmd/dump_report.h"
#include "gmd/dump_types.h"
#include "gmd/elfsyms.h"
#include "gmd/objgraph.h"
#include "gmd/target.h"
#include "gmd/xalloc.h"

typedef struct dump_opts {
    const char *verb;
    const char *binary;
    const char *output;
    const char *by;
    bool json, pprof;
    int rows;
    int paths;
    double threshold;
    char **args;
    int nargs;
} dump_opts;

typedef struct dump_verb {
    const char *name;
    int (*run)(dump_opts *o);
    int min_args, max_args;
    const char *synopsis, *summary, *details, *example;
} dump_verb;

static int run_summary(dump_opts *o);
static int run_top(dump_opts *o);
static int run_path(dump_opts *o);
static int run_show(dump_opts *o);
static int run_suspects(dump_opts *o);
static int run_diff(dump_opts *o);
static int run_histogram(dump_opts *o);
static int run_export(dump_opts *o);

static const dump_verb verbs[] = {
    {"summary", run_summary, 1, 1, "summary [--json] [--binary EXE] DUMP",
     "what the dump holds: objects, bytes, reachable and garbage, roots, goroutines, memstats", "",
     "gmd dump summary heap.dump"},
    {"top", run_top, 1, 1, "top [-n N] [--json] [--binary EXE] DUMP",
     "the biggest retainers, from the dominator tree: by root (global or goroutine), by object, "
     "and by allocation site",
     "  -n N                 rows per table (default 15; 0 = all)\n",
     "gmd dump top --binary ./server heap.dump"},
    {"path", run_path, 2, 2, "path [--paths K] [--json] [--binary EXE] DUMP ADDR",
     "shortest paths from roots to the object containing ADDR (hex, e.g. 0xc000123450)",
     "  --paths K            show up to K paths, each from a different root (default 3)\n",
     "gmd dump path --binary ./server heap.dump 0xc0001a2000"},
    {"show", run_show, 2, 2, "show [--json] [--binary EXE] DUMP ADDR",
     "one object: its type, retained size, allocation site, fields with types and values (strings as "
     "text, lengths of slices, entries of maps, pointers as links) and the objects and roots pointing at it",
     "", "gmd dump show --binary ./server heap.dump 0xc0001a2000"},
    {"suspects", run_suspects, 1, 1, "suspects [--threshold F] [--json] [--binary EXE] DUMP",
     "leak suspects: roots, shared objects or groups of goroutines alike (same creation site, state and "
     "blocking frame) that retain a large share of the heap, with the object where it accumulates and "
     "the path to it, or where the goroutines block and were created; with --binary also a type whose "
     "objects several roots hold together (connections held by their goroutines and a map), with who holds them",
     "  --threshold F        report retainers of at least F of the reachable heap (default 0.1)\n"
     "  -n N                 at most N suspects (default 5)\n",
     "gmd dump suspects --binary ./server heap.dump"},
    {"diff", run_diff, 2, 2, "diff [-n N] [--json] [--binary EXE] OLD NEW",
     "growth between two dumps of the same process, by root, by allocation site and (with --binary) by type",
     "  -n N                 rows per table (default 15; 0 = all)\n",
     "gmd dump diff --binary ./server heap-1.dump heap-2.dump"},
    {"histogram", run_histogram, 1, 1, "histogram [--by size|type] [-n N] [--json] [--binary EXE] DUMP",
     "objects grouped by slot size, or by type, with count, shallow and retained size (types need "
     "--binary: from malloc headers and, with DWARF, propagated from globals and stack frames)",
     "  --by size|type       group by slot size (default) or by type\n"
     "  -n N                 rows (default 30; 0 = all)\n",
     "gmd dump histogram --by type --binary ./server heap.dump"},
    {"export", run_export, 1, 1, "export --pprof [--by site|root] [--binary EXE] DUMP -o OUT.pb.gz",
     "write retained sizes as a pprof profile (retained_space, retained_objects) for go tool pprof, "
     "flame graphs and gmd pprof",
     "  --pprof              write profile.proto, gzipped (the only format so far)\n"
     "  --by site|root       samples by allocation stack (default) or by root path\n"
     "  -o FILE              output file (required)\n",
     "gmd dump export --pprof heap.dump -o retained.pb.gz && go tool pprof -top retained.pb.gz"},
};
#define NVERBS (sizeof verbs / sizeof *verbs)

static const char common_help[] =
    "Common options:\n"
    "  --binary EXE         the dumped program's binary (not stripped): names globals\n"
    "                       (main.registry instead of an address) and, from its DWARF,\n"
    "                       the types of nearly every object\n"
    "  --json               machine-readable output\n"
    "  -o, --output FILE    write to FILE instead of standard output\n"
    "  -h, --help           this help\n"
    "\n"
    "Take a dump in the program with:\n"
    "  f, _ := os.Create(\"heap.dump\"); runtime.GC(); debug.WriteHeapDump(f.Fd()); f.Close()\n"
    "Set runtime.MemProfileRate = 1 early in the program to tie every object to its allocation stack\n"
    "(the default samples one object per 512 KiB allocated).\n";

static void usage_all(FILE *out)
{
    fprintf(out, "usage: gmd dump <verb> [options] DUMP...\n\n"
                 "Analyse heap dumps written by runtime/debug.WriteHeapDump: who retains the memory,\n"
                 "and by which path (dominator tree, retained sizes, paths to roots, leak suspects).\n\n"
                 "Verbs:\n");
    for (size_t i = 0; i < NVERBS; i++) fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out, "\n%s\nExamples:\n"
                 "  gmd dump suspects --binary ./server heap.dump\n"
                 "  gmd dump top -n 10 heap.dump\n"
                 "  gmd dump path heap.dump 0xc000123450\n"
                 "  gmd dump show --binary ./server heap.dump 0xc000123450\n"
                 "\nRun 'gmd dump <verb> --help' for its own options.\n",
            common_help);
}

static void usage_verb(FILE *out, const dump_verb *v)
{
    fprintf(out, "usage: gmd dump %s\n\n%s.\n\n", v->synopsis, v->summary);
    if (v->details[0]) fprintf(out, "Options of %s:\n%s\n", v->name, v->details);
    fputs(common_help, out);
    fprintf(out, "\nExample:\n  %s\n", v->example);
}

enum { OPT_BINARY = 256, OPT_JSON, OPT_BY, OPT_THRESHOLD, OPT_PATHS, OPT_PPROF };

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"binary", required_argument, NULL, OPT_BINARY},
    {"json", no_argument, NULL, OPT_JSON},
    {"by", required_argument, NULL, OPT_BY},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"paths", required_argument, NULL, OPT_PATHS},
    {"pprof", no_argument, NULL, OPT_PPROF},
    {"output", required_argument, NULL, 'o'},
    {"nodecount", required_argument, NULL, 'n'},
    {NULL, 0, NULL, 0},
};

/* A loaded dump: the mapped file, the graph with its dominators, and names. */
typedef struct loaded {
    gmd_hd_file file;
    gmd_elfsyms *syms;
    gmd_gobin *bin;             /* the same binary's DWARF (types), NULL when it has none */
    gmd_gobin *pcbin;           /* the binary without DWARF: its pclntab still gives file:line */
    gmd_gotypes *types;         /* its types, kept for show */
    uint64_t bias;              /* dump address - link-time address */
    gmd_objgraph *g;
} loaded;

/* The graph's name callbacks share one context: symbols from elfsyms, types from DWARF. */
static int cb_segments(void *ctx, uint64_t a, uint64_t n, gmd_err *err) { return gmd_elfsyms_match(((loaded *)ctx)->syms, a, n, err); }
static const char *cb_global(void *ctx, uint64_t a, uint64_t *start) { return gmd_elfsyms_global(((loaded *)ctx)->syms, a, start); }
static const char *cb_type_name(void *ctx, uint64_t t) { return gmd_elfsyms_type_name(((loaded *)ctx)->syms, t); }
static bool cb_gap(void *ctx, uint64_t a, uint64_t *s, uint64_t *e, const char **prev, uint64_t *ps)
{
    return gmd_elfsyms_gap(((loaded *)ctx)->syms, a, s, e, prev, ps);
}
static const char *cb_pointee(void *ctx, const char *global)
{
    loaded *l = ctx;
    const char *t = l->bin ? gmd_gobin_dwarf_var_type(l->bin, global) : NULL;
    return t && t[0] == '*' && t[1] ? t + 1 : NULL;
}

/* Types from DWARF, related to the dump by the data segment's address (a PIE's bias). */
static void cb_types(gmd_objgraph *g, void *ctx)
{
    loaded *l = ctx;
    gmd_err err;
    gmd_err_clear(&err);
    uint64_t da, dn;
    l->types = gmd_gotypes_load(l->bin, &err);
    if (l->types && gmd_gobin_section(l->bin, ".data", &da, &dn)) {
        l->bias = g->data_addr - da;
        gmd_dump_types(g, l->types, l->bias);
    }
}

static void unload(loaded *l)
{
    gmd_objgraph_free(l->g);
    gmd_gotypes_free(l->types);
    gmd_gobin_close(l->bin);
    gmd_gobin_close(l->pcbin);
    gmd_elfsyms_close(l->syms);
    gmd_hd_file_close(&l->file);
    memset(l, 0, sizeof *l);
}

static int load(const dump_opts *o, const char *path, loaded *l)
{
    gmd_err err;
    gmd_err_clear(&err);
    memset(l, 0, sizeof *l);
    if (o->binary) {
        l->syms = gmd_elfsyms_open(o->binary, &err);
        if (!l->syms) {
            gmd_err_set_source(&err, o->binary);
            return cli_error(&err);
        }
        /* DWARF is optional: without it roots are still named, types come from malloc headers only. */
        gmd_err derr;
        gmd_err_clear(&derr);
        l->bin = gmd_gobin_open(o->binary, &derr);
        if (l->bin && !gmd_gobin_has_dwarf(l->bin)) {
            l->pcbin = l->bin;
            l->bin = NULL;
        }
    }
    if (gmd_hd_file_open(&l->file, path, &err) < 0) {
        gmd_err_set_source(&err, path);
        gmd_gobin_close(l->bin);
        gmd_gobin_close(l->pcbin);
        gmd_elfsyms_close(l->syms);
        return cli_error(&err);
    }
    gmd_objgraph_opts go = {0};
    go.file = &l->file;
    if (l->syms) {
        go.segments = cb_segments;
        go.symbolize = cb_global;
        go.type_name = cb_type_name;
        go.gap = cb_gap;
        go.pointee = cb_pointee;
        go.ctx = l;
    }
    /* Types on a second thread while the graph gets its edges and dominators. */
    go.indexed = l->bin ? cb_types : NULL;
    go.ctx = l;
    go.dominators = true;
    l->g = gmd_objgraph_build(l->file.data, l->file.len, &go, &err);
    uint64_t pa, pn;
    if (l->g && l->pcbin && gmd_gobin_section(l->pcbin, ".data", &pa, &pn)) l->bias = l->g->data_addr - pa;
    if (!l->g) {
        gmd_err_set_source(&err, path);
        unload(l);
        return cli_error(&err);
    }
    return 0;
}

static FILE *open_out(const dump_opts *o) { return cli_open_output(o->output); }

/* A dump PC as function, file and line, from the binary's pclntab. */
static bool cb_pcline(void *ctx, uint64_t pc, bool ret, const char **func, const char **file, uint64_t *line)
{
    const loaded *l = ctx;
    gmd_goframe fr[8];
    const gmd_gobin *b = l->bin ? l->bin : l->pcbin;
    if (!b || gmd_gobin_frames(b, pc - l->bias, ret, fr, 8) <= 0) return false;
    *func = fr[0].function;
    *file = fr[0].file;
    *line = fr[0].line > 0 ? (uint64_t)fr[0].line : 0;
    return true;
}

/* The name of an object's field at a byte offset, from its propagated type. */
static bool cb_field(void *ctx, uint32_t obj, uint64_t off, char *buf, size_t size)
{
    const loaded *l = ctx;
    enum { MAXF = 1024 };
    if (!l->types) return false;
    gmd_dump_field *f = gmd_xmalloc(MAXF * sizeof *f);
    uint32_t n = gmd_dump_fields(l->g, l->types, l->bias, obj, f, MAXF);
    bool found = false;
    for (uint32_t i = 0; i < n && !found; i++) {
        if (off < f[i].off || off >= f[i].off + (f[i].size ? f[i].size : 1)) continue;
        snprintf(buf, size, "%s", f[i].name);
        found = true;
    }
    free(f);
    return found;
}

static gmd_dump_report_opts report_opts(const dump_opts *o, const char *source, int default_rows)
{
    gmd_dump_report_opts r = {o->json, o->rows >= 0 ? o->rows : default_rows, source, NULL, NULL, NULL, NULL};
    return r;
}

static gmd_dump_report_opts report_opts_for(const dump_opts *o, const char *source, int default_rows, loaded *l)
{
    gmd_dump_report_opts r = report_opts(o, source, default_rows);
    if (l->bin || l->pcbin) {
        r.pcline = cb_pcline;
        r.pcline_ctx = l;
    }
    if (l->types) {
        r.field = cb_field;
        r.field_ctx = l;
    }
    return r;
}

static int finish(FILE *out, const dump_opts *o, loaded *l)
{
    int rc = cli_close_output(out, o->output) == 0 ? CLI_OK : CLI_FAIL;
    unload(l);
    return rc;
}

static int run_summary(dump_opts *o)
{
    loaded l;
    if (load(o, o->args[0], &l)) return CLI_FAIL;
    FILE *out = open_out(o);
    if (!out) return unload(&l), CLI_FAIL;
    gmd_dump_report_opts r = report_opts_for(o, o->args[0], 0, &l);
    gmd_dump_report_summary(out, l.g, &r);
    return finish(out, o, &l);
}

static int run_top(dump_opts *o)
{
    loaded l;
    if (load(o, o->args[0], &l)) return CLI_FAIL;
    FILE *out = open_out(o);
    if (!out) return unload(&l), CLI_FAIL;
    gmd_dump_report_opts r = report_opts_for(o, o->args[0], 15, &l);
    gmd_dump_report_top(out, l.g, &r);
    return finish(out, o, &l);
}

/* path and show: the dump loaded and the object holding ADDR (args[1]) found.
 * Returns the CLI status to exit with, or -1 when *l and *target are set. */
static int load_object(dump_opts *o, const char *verb, loaded *l, uint32_t *target)
{
    const char *s = o->args[1];
    char *end;
    unsigned long long addr = strtoull(s, &end, 16);
    if (!*s || *end) return cli_usage_error(verb, "ADDR must be a hex address like 0xc000123450, not '%s'", s);
    if (load(o, o->args[0], l)) return CLI_FAIL;
    *target = gmd_objgraph_find(l->g, addr);
    if (*target == GMD_NO_NODE) {
        unload(l);
        return cli_fail("%s: no heap object contains the address 0x%llx", o->args[0], addr);
    }
    return -1;
}

static int run_path(dump_opts *o)
{
    loaded l;
    uint32_t target;
    int rc = load_object(o, "dump path", &l, &target);
    if (rc >= 0) return rc;
    FILE *out = open_out(o);
    if (!out) return unload(&l), CLI_FAIL;
    gmd_dump_report_opts r = report_opts_for(o, o->args[0], 0, &l);
    gmd_dump_report_path(out, l.g, target, o->paths, &r);
    return finish(out, o, &l);
}

static int run_show(dump_opts *o)
{
    loaded l;
    uint32_t target;
    int rc = load_object(o, "dump show", &l, &target);
    if (rc >= 0) return rc;
    FILE *out = open_out(o);
    if (!out) return unload(&l), CLI_FAIL;
    gmd_dump_report_opts r = report_opts_for(o, o->args[0], 0, &l);
    gmd_dump_report_show(out, l.g, l.types, l.bias, target, &r);
    return finish(out, o, &l);
}

static int run_suspects(dump_opts *o)
{
    loaded l;
    if (load(o, o->args[0], &l)) return CLI_FAIL;
    FILE *out = open_out(o);
    if (!out) return unload(&l), CLI_FAIL;
    gmd_dump_report_opts r = report_opts_for(o, o->args[0], 5, &l);
    gmd_dump_report_suspects(out, l.g, o->threshold, &r);
    return finish(out, o, &l);
}

static int run_histogram(dump_opts *o)
{
    bool by_type = o->by && !strcmp(o->by, "type");
    if (o->by && !by_type && strcmp(o->by, "size"))
        return cli_usage_error("dump histogram", "--by is 'size' or 'type', not '%s'", o->by);
    loaded l;
    if (load(o, o->args[0], &l)) return CLI_FAIL;
    FILE *out = open_out(o);
    if (!out) return unload(&l), CLI_FAIL;
    gmd_dump_report_opts r = report_opts_for(o, o->args[0], 30, &l);
    gmd_dump_report_histogram(out, l.g, by_type, &r);
    return finish(out, o, &l);
}

static int run_diff(dump_opts *o)
{
    /* One dump at a time, so memory is that of the larger one. */
    gmd_dump_keyed roots[2], sites[2], types[2];
    uint64_t totals[2];
    for (int i = 0; i < 2; i++) {
        loaded l;
        if (load(o, o->args[i], &l)) {
            for (int k = 0; k < i; k++) {
                gmd_dump_keyed_free(&roots[k]);
                gmd_dump_keyed_free(&sites[k]);
                gmd_dump_keyed_free(&types[k]);
            }
            return CLI_FAIL;
        }
        gmd_dump_report_opts ro = report_opts_for(o, o->args[i], 0, &l);
        gmd_dump_keyed_roots(l.g, &roots[i], &ro);
        gmd_dump_keyed_sites(l.g, &sites[i]);
        gmd_dump_keyed_types(l.g, &types[i]);
        totals[i] = l.g->reachable_bytes;
        unload(&l);
    }
    int rc = CLI_FAIL;
    FILE *out = open_out(o);
    if (out) {
        gmd_dump_report_opts r = report_opts(o, NULL, 15);
        gmd_dump_report_diff(out, &roots[0], &roots[1], &sites[0], &sites[1], &types[0], &types[1], totals[0], totals[1], &r);
        rc = cli_close_output(out, o->output) == 0 ? CLI_OK : CLI_FAIL;
    }
    for (int i = 0; i < 2; i++) {
        gmd_dump_keyed_free(&roots[i]);
        gmd_dump_keyed_free(&sites[i]);
        gmd_dump_keyed_free(&types[i]);
    }
    return rc;
}

static int run_export(dump_opts *o)
{
    if (!o->pprof) return cli_usage_error("dump export", "say which format: --pprof");
    if (!o->output) return cli_usage_error("dump export", "-o FILE is required (the profile is binary)");
    bool by_root = o->by && !strcmp(o->by, "root");
    if (o->by && !by_root && strcmp(o->by, "site"))
        return cli_usage_error("dump export", "--by is 'site' or 'root', not '%s'", o->by);
    loaded l;
    if (load(o, o->args[0], &l)) return CLI_FAIL;
    gmd_profile *p = gmd_dump_profile(l.g, by_root);
    unload(&l);
    gmd_err err;
    gmd_err_clear(&err);
    uint8_t *raw = NULL, *gz = NULL;
    size_t raw_len = 0, gz_len = 0;
    int rc = CLI_FAIL;
    if (gmd_pprof_proto_write(p, &raw, &raw_len, &err) < 0 || gmd_gzip(raw, raw_len, &gz, &gz_len, &err) < 0) {
        cli_error(&err);
    } else {
        FILE *out = cli_open_output(o->output);
        if (out) {
            if (fwrite(gz, 1, gz_len, out) != gz_len) cli_fail("%s: write failed", o->output);
            else rc = CLI_OK;
            if (cli_close_output(out, o->output) < 0) rc = CLI_FAIL;
        }
    }
    free(raw);
    free(gz);
    gmd_profile_free(p);
    return rc;
}

int cmd_dump(int argc, char **argv)
{
    if (argc < 2) {
        usage_all(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage_all(stdout);
        return CLI_OK;
    }
    const dump_verb *v = NULL;
    for (size_t i = 0; i < NVERBS; i++)
        if (!strcmp(argv[1], verbs[i].name)) v = &verbs[i];
    if (!v) return cli_usage_error("dump", "unknown verb '%s'", argv[1]);
    char cmdname[64];
    snprintf(cmdname, sizeof cmdname, "dump %s", v->name);

    dump_opts o;
    memset(&o, 0, sizeof o);
    o.verb = v->name;
    o.rows = -1;
    o.paths = 3;
    o.threshold = 0.1;
    int sargc = argc - 1;
    char **sargv = argv + 1;
    optind = 1;
    opterr = 0;
    int c;
    char *end;
    while ((c = getopt_long(sargc, sargv, ":hn:o:", long_opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage_verb(stdout, v); return CLI_OK;
        case 'n': {
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 0 || n > 1000000000)
                return cli_usage_error(cmdname, "-n wants a count, not '%s'", optarg);
            o.rows = (int)n;
            break;
        }
        case 'o': o.output = optarg; break;
        case OPT_BINARY: o.binary = optarg; break;
        case OPT_JSON: o.json = true; break;
        case OPT_BY: o.by = optarg; break;
        case OPT_PPROF: o.pprof = true; break;
        case OPT_THRESHOLD: {
            double t = strtod(optarg, &end);
            if (!*optarg || *end || t <= 0 || t > 1)
                return cli_usage_error(cmdname, "--threshold wants a fraction in (0, 1], not '%s'", optarg);
            o.threshold = t;
            break;
        }
        case OPT_PATHS: {
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 1000)
                return cli_usage_error(cmdname, "--paths wants a count from 1 to 1000, not '%s'", optarg);
            o.paths = (int)n;
            break;
        }
        case ':': return cli_usage_error(cmdname, "option '%s' needs a value", sargv[optind - 1]);
        default: return cli_usage_error(cmdname, "unknown option '%s'", sargv[optind - 1]);
        }
    }
    o.args = sargv + optind;
    o.nargs = sargc - optind;
    if (o.nargs < v->min_args || o.nargs > v->max_args) {
        fprintf(stderr, "usage: gmd dump %s\n", v->synopsis);
        return cli_usage_error(cmdname, o.nargs < v->min_args ? "missing argument" : "too many arguments");
    }
    return v->run(&o);
}
