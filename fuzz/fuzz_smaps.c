/* /proc/PID/smaps by class (gmd/smaps.h): the input fed whole and in two
 * pieces cut where its first byte says must give the same sums. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/smaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_smaps_classes a, b;
    gmd_smaps_parser st;
    gmd_smaps_begin(&st, &a);
    gmd_smaps_feed(&st, (const char *)data, size);
    gmd_smaps_end(&st);
    size_t cut = size ? data[0] % (size + 1) : 0;
    gmd_smaps_begin(&st, &b);
    gmd_smaps_feed(&st, (const char *)data, cut);
    gmd_smaps_feed(&st, (const char *)data + cut, size - cut);
    gmd_smaps_end(&st);
    /* Lines over the 512-byte carry buffer may be cut differently; sums of
     * short-line inputs must agree. */
    if (size < 512 && memcmp(&a, &b, sizeof a)) abort();
    return 0;
}
