/* /proc/PID/limits' "Max open files" (gmd/procfds.h): any bytes give -1, a
 * bounded count or INT64_MAX, never a read past the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "gmd/procfds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t v = gmd_proc_parse_nofile_limit((const char *)data, size);
    if (v < -1 || (v != INT64_MAX && v >= 1000000000000000000LL)) abort();
    return 0;
}
