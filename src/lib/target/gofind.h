/* The runtime's variables found by their shape in a binary without a
 * symbol table (see gofind.c). Internal to libgmd. */
#ifndef GMD_TARGET_GOFIND_H
#define GMD_TARGET_GOFIND_H

#include <stdint.h>
#include "gmd/target.h"
#include "target/golayout.h"

typedef struct gmd_gofind_result {   /* runtime addresses; 0 = not found */
    uint64_t allgs, mbuckets, memprofilerate, memstats, gccontroller, size_classes, build_version;
    uint64_t wait_reasons, wait_reasons_size, gstatus, gstatus_size;
} gmd_gofind_result;

/* off: the release's struct layout; version: the build info's ("go1.26.8").
 * -1 when runtime.allgs is not found (nothing can be read then). */
int gmd_gofind(gmd_target *t, const int64_t *off, const char *version, gmd_gofind_result *out);
/* Search again for those of runtime.memstats / runtime.gcController still 0. */
void gmd_gofind_stats(gmd_target *t, const int64_t *off, uint64_t *memstats, uint64_t *gccontroller);

#endif
