/* libFuzzer target for the gzip path of the input loader: any bytes, with a
 * small cap so the fuzzer explores errors rather than big allocations. */
#include <stdint.h>
#include <stdlib.h>
#include "gmd/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (gmd_gunzip(data, size, 64, 16u << 20, &out, &out_len, &err) == 0) free(out);

    gmd_blob b;
    gmd_load_opts opts = {.max_input_bytes = 16u << 20, .max_gzip_ratio = 64};
    if (gmd_blob_from_memory(data, size, "fuzz", &opts, &b, &err) == 0) gmd_blob_free(&b);
    return 0;
}
