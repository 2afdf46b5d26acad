/* libFuzzer target for both goroutine text readers (debug=1 and debug=2)
 * and the grouping built on them: the first input byte picks the reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/goroutines.h"
#include "gmd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    bool debug1 = data[0] & 1;
    data++, size--;
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = debug1 ? gmd_pprof_goroutine_text1_parse(copy, size, &err)
                            : gmd_pprof_goroutine_text2_parse(copy, size, &err);
    memset(copy, 0xAA, size);
    free(copy);
    if (!p) {
        if (err.offset < -1 || (err.offset > 0 && (size_t)err.offset > size)) abort();
        return 0;
    }
    size_t sink = 0;
    for (uint32_t i = 0; i < p->ngoroutines; i++) {
        const gmd_goroutine *g = &p->goroutines[i];
        if (g->sample >= p->nsamples) abort();
        sink += strlen(g->state) + strlen(g->created_by) + strlen(g->created_file);
    }
    gmd_goroutine_groups g;
    if (gmd_goroutine_groups_build(p, &g, &err) == 0) {
        gmd_goroutine_delta *d;
        uint32_t n;
        if (gmd_goroutine_diff(&g, &g, &d, &n, &err) == 0) {
            for (uint32_t i = 0; i < n; i++)
                if (d[i].delta != 0) abort();   /* a profile against itself changes nothing */
            free(d);
        }
        gmd_goroutine_groups_free(&g);
    }
    gmd_profile_free(p);
    return sink == 42 ? 0 : 0;
}
