/* libFuzzer target for the gctrace parser: the whole input streamed in
 * chunks whose sizes come from the input, then analysed and rendered, so
 * carried lines, prefixes, midline recovery and the fit all see odd data. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "gmd/gcanalysis.h"
#include "gmd/gctrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_gctrace t;
    gmd_gctrace_init(&t, 1.7e9);
    size_t chunk = size ? (size_t)data[0] % 97 + 1 : 1, pos = 0;
    while (pos < size) {
        size_t n = size - pos < chunk ? size - pos : chunk;
        gmd_gctrace_feed(&t, (const char *)data + pos, n);
        pos += n;
    }
    gmd_gctrace_finish(&t);
    gmd_gc_cycle c;
    gmd_gctrace_parse_gc_line((const char *)data, size, &c);
    double w;
    gmd_gctrace_parse_timestamp((const char *)data, size, 2024, &w);

    gmd_gc_opts o = {.limit_mb = 1024};
    gmd_gc_analysis a;
    gmd_gc_analyse(&t, &o, &a);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        gmd_gc_write_text(out, "fuzz", &t, &a);
        gmd_gc_write_json(out, "fuzz", &t, &a);
        gmd_gc_write_svg(out, "fuzz", &t, &a);
        fclose(out);
    }
    gmd_gctrace_free(&t);
    return 0;
}
