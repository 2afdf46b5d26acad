/* libFuzzer target for profile parsing: the bytes go through the input
 * layer (so gzip is fuzzed too) and format detection into whichever reader
 * claims them; a profile that parses is written as profile.proto and parsed
 * again, which must succeed and give the same counts. */
#include <stdint.h>
#include <stdlib.h>
#include "gmd/input.h"
#include "gmd/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_blob b;
    /* Small caps: the fuzzer should explore errors, not big allocations. */
    gmd_load_opts opts = {.max_input_bytes = 16u << 20, .max_gzip_ratio = 64};
    if (gmd_blob_from_memory(data, size, "fuzz", &opts, &b, &err) < 0) return 0;
    gmd_profile *p = gmd_profile_parse(b.data, b.len, &err);
    gmd_blob_free(&b);
    if (!p) return 0;

    uint8_t *out = NULL;
    size_t out_len = 0;
    if (gmd_pprof_proto_write(p, &out, &out_len, &err) < 0) abort();
    gmd_profile *q = gmd_pprof_proto_parse(out, out_len, &err);
    if (!q) abort();   /* the writer produced something the reader rejects */
    if (q->nsamples != p->nsamples || q->nlocations != p->nlocations || q->nfunctions != p->nfunctions ||
        q->nmappings != p->nmappings || q->nsample_types != p->nsample_types)
        abort();
    for (uint32_t i = 0; i < p->nsamples; i++)
        for (uint32_t k = 0; k < p->nsample_types; k++)
            if (p->samples[i].values[k] != q->samples[i].values[k]) abort();
    free(out);
    gmd_profile_free(q);
    gmd_profile_free(p);
    return 0;
}
