/* A synthetic heap profile for the verdict's unit tests: MemProfileRate 1
 * (every allocation sampled, so no sampling noise and exact verdicts), the
 * four sample types of Go's heap profile, and one sample per site holding
 * its bytes in 1 KiB objects. A site is its stack, leaf first, two frames. */
#ifndef GMD_TEST_HEAP_PROFILE_H
#define GMD_TEST_HEAP_PROFILE_H

#include <stdint.h>
#include "gmd/builder.h"

static gmd_profile *test_heap_profile(const char *const sites[][2], const int64_t *bytes, int nsites)
{
    gmd_profile *p = gmd_profile_new_heap(1);
    gmd_builder *b = gmd_builder_new(p);
    for (int s = 0; s < nsites; s++) {
        uint32_t locs[2];
        for (int f = 0; f < 2; f++) {
            uint32_t fn = gmd_builder_function(b, sites[s][f], sites[s][f], "main.go", 10 + 10 * s + f);
            gmd_line l = {fn, 10 + 10 * s + f, 0};
            locs[f] = gmd_builder_location(b, GMD_NONE, 0x1000 + 16 * (uint64_t)(2 * s + f), &l, 1);
        }
        int64_t v[4] = {bytes[s] / 1024, bytes[s], bytes[s] / 1024, bytes[s]};
        gmd_builder_sample(b, locs, 2, v, NULL, 0, false);
    }
    gmd_builder_finish(b);
    return p;
}

#endif
