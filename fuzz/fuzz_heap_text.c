/* libFuzzer target for the heap debug=1 text reader (see text_harness.h). */
#include "text_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_text_reader(gmd_pprof_heap_text_parse, data, size);
}
