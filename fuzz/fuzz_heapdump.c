/* libFuzzer target: the heap dump reader and the object graph built on it
 * (interior pointer resolution, dominators, suspects) must reject or accept
 * any input without crashing, hanging or allocating without bound.
 *
 * With GMD_FUZZ_GOBIN naming a Go binary with DWARF (fuzz/run.sh sets it
 * for fuzz_goruntime), the graph is also built with that binary's names
 * (unnamed static blocks, the globals pointing at them) and its types are
 * propagated over the dump: the fuzzed data segment is read as the
 * binary's typed globals, so corrupt pointers, interfaces, maps and frames
 * reach the propagation. Without it those parts are skipped. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "gmd/dump_analyses.h"
#include "gmd/dump_types.h"
#include "gmd/elfsyms.h"
#include "gmd/objgraph.h"

static gmd_gobin *bin;
static gmd_gotypes *types;
static gmd_elfsyms *syms;
static uint64_t bin_data;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("GMD_FUZZ_GOBIN");
    if (!path) {
        fprintf(stderr, "fuzz_heapdump: GMD_FUZZ_GOBIN unset: type propagation and static names not fuzzed\n");
        return 0;
    }
    gmd_err err;
    gmd_err_clear(&err);
    uint64_t n;
    bin = gmd_gobin_open(path, &err);
    syms = gmd_elfsyms_open(path, &err);
    if (bin) types = gmd_gotypes_load(bin, &err);
    if (!types || !syms || !gmd_gobin_section(bin, ".data", &bin_data, &n))
        fprintf(stderr, "fuzz_heapdump: %s: no DWARF types or symbols: %s\n", path, err.msg);
    return 0;
}

/* Any data segment is taken: the binary's layout is laid over the fuzzed one. */
static int segments(void *ctx, uint64_t a, uint64_t n, gmd_err *err)
{
    (void)n;
    return gmd_elfsyms_match(ctx, a, 0, err);
}

static const char *pointee(void *ctx, const char *global)
{
    (void)ctx;
    return global[0] ? "T" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph_opts o = {0};
    if (syms && types) {
        o.segments = segments;
        o.symbolize = gmd_elfsyms_global;
        o.type_name = gmd_elfsyms_type_name;
        o.gap = gmd_elfsyms_gap;
        o.pointee = pointee;
        o.ctx = syms;
    }
    gmd_objgraph *g = gmd_objgraph_build(data, size, &o, &err);
    if (!g) return 0;
    if (types) {
        gmd_dump_types(g, types, g->data_addr - bin_data);
        /* show's field reading, on typed objects */
        gmd_dump_field f[32];
        for (uint32_t o = 0, shown = 0; o < g->nobjects && shown < 16; o++)
            if (g->obj_type && g->obj_type[o] != GMD_NO_NODE) {
                gmd_dump_fields(g, types, g->data_addr - bin_data, o, f, 32);
                shown++;
            }
    }
    if (gmd_objgraph_dominators(g, &err) == 0) {
        gmd_dump_suspect *s;
        uint32_t n = gmd_dump_suspects(g, 0.1, &s);
        gmd_dump_suspects_free(s, n);   /* type suspects own their holders */
        gmd_dump_histogram_result h;
        gmd_dump_histogram(g, false, &h);
        gmd_dump_histogram_free(&h);
        gmd_dump_histogram(g, true, &h);
        gmd_dump_histogram_free(&h);
        uint64_t to, tb;
        gmd_dump_typed(g, &to, &tb);
        if (g->nobjects) {
            uint32_t path[64];
            gmd_objgraph_path(g, g->nnodes - 1, path, 64);
        }
    }
    gmd_objgraph_free(g);
    return 0;
}
