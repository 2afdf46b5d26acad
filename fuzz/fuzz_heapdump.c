/* libFuzzer target: the heap dump reader and the object graph built on it
 * (interior pointer resolution, dominators, suspects) must reject or accept
 * any input without crashing, hanging or allocating without bound. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "gmd/dump_analyses.h"
#include "gmd/objgraph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_objgraph *g = gmd_objgraph_build(data, size, NULL, &err);
    if (!g) return 0;
    if (gmd_objgraph_dominators(g, &err) == 0) {
        gmd_dump_suspect *s;
        uint32_t n = gmd_dump_suspects(g, 0.1, &s);
        free(s);
        (void)n;
        gmd_dump_histogram_result h;
        gmd_dump_histogram(g, false, &h);
        gmd_dump_histogram_free(&h);
        if (g->nobjects) {
            uint32_t path[64];
            gmd_objgraph_path(g, g->nnodes - 1, path, 64);
        }
    }
    gmd_objgraph_free(g);
    return 0;
}
