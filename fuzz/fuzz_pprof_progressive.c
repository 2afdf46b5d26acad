/* libFuzzer target for the progressive protobuf reader (the one that
 * decodes samples while the profile is still being inflated), checked
 * against the plain reader: whenever the progressive reader accepts the
 * bytes, the plain reader must too, and give the same model. It may
 * decline what the plain reader accepts (the caller then falls back). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/profile.h"

static int same_str(const char *a, const char *b) { return strcmp(a, b) == 0; }

static void check_same(const gmd_profile *a, const gmd_profile *b)
{
    if (a->nsamples != b->nsamples || a->nlocations != b->nlocations || a->nfunctions != b->nfunctions ||
        a->nmappings != b->nmappings || a->nsample_types != b->nsample_types ||
        a->default_sample_type != b->default_sample_type)
        abort();
    for (uint32_t i = 0; i < a->nsamples; i++) {
        const gmd_sample *x = &a->samples[i], *y = &b->samples[i];
        if (x->nlocations != y->nlocations || x->nlabels != y->nlabels) abort();
        for (uint32_t k = 0; k < x->nlocations; k++)
            if (x->locations[k] != y->locations[k]) abort();
        for (uint32_t k = 0; k < a->nsample_types; k++)
            if (x->values[k] != y->values[k]) abort();
        for (uint32_t k = 0; k < x->nlabels; k++) {
            const gmd_label *l = &x->labels[k], *m = &y->labels[k];
            if (!same_str(l->key, m->key) || !same_str(l->str, m->str) || l->num != m->num ||
                !same_str(l->num_unit, m->num_unit))
                abort();
        }
    }
    for (uint32_t i = 0; i < a->nlocations; i++)
        if (a->locations[i].id != b->locations[i].id || a->locations[i].nlines != b->locations[i].nlines) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_progressive pr;
    gmd_progressive_init(&pr, data, size);
    gmd_progressive_end(&pr, true);
    gmd_profile *p = gmd_pprof_proto_parse_progressive(&pr);
    gmd_progressive_destroy(&pr);
    if (!p) return 0;
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *q = gmd_pprof_proto_parse(data, size, &err);
    if (!q) abort();   /* accepted by the progressive reader only */
    check_same(p, q);
    gmd_profile_free(q);
    gmd_profile_free(p);
    return 0;
}
