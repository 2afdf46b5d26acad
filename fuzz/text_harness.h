/* What the libFuzzer targets of the profile text readers share: parse a
 * private copy that is poisoned afterwards (the profile must not point into
 * it), check the error offset, and walk the profile (every index followed)
 * so a bad reference shows up under ASan. Each target is one line naming
 * its reader. */
#ifndef GMD_FUZZ_TEXT_HARNESS_H
#define GMD_FUZZ_TEXT_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/profile.h"

typedef gmd_profile *(*fuzz_text_parser)(const uint8_t *data, size_t len, gmd_err *err);

static inline int fuzz_text_reader(fuzz_text_parser parse, const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = parse(copy, size, &err);
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

#endif
