/* libFuzzer target for the block and mutex debug=1 text reader (contention
 * profiles). The parsed profile is walked (every index followed) so a bad
 * reference shows up under ASan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, poisoned after parsing: the profile must not point into it. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = gmd_pprof_contention_text_parse(copy, size, &err);
    memset(copy, 0xAA, size);
    free(copy);
    if (!p) {
        if (err.offset < -1 || (err.offset > 0 && (size_t)err.offset > size)) abort();
        return 0;
    }
    uint64_t sink = p->period;
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const gmd_sample *s = &p->samples[i];
        for (uint32_t j = 0; j < p->nsample_types; j++) sink += (uint64_t)s->values[j];
        for (uint32_t j = 0; j < s->nlocations; j++) {
            const gmd_location *l = &p->locations[s->locations[j]];
            for (uint32_t k = 0; k < l->nlines; k++) sink += strlen(p->functions[l->lines[k].function].name);
        }
    }
    for (uint32_t i = 0; i < p->nmemstats; i++) sink += strlen(p->memstats[i].name) + strlen(p->memstats[i].value);
    gmd_profile_free(p);
    return sink == 42 ? 0 : 0;
}
