/* libFuzzer target for the block and mutex debug=1 text reader (contention
 * profiles; see text_harness.h). */
#include "text_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_text_reader(gmd_pprof_contention_text_parse, data, size);
}
