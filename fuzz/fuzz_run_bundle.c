/* The parsers behind gmd report's bundles and gmd run's /proc sampling:
 * index.jsonl lines (gmd_jsonl_parse_object) and /proc status and
 * smaps_rollup tables. */
#include <stddef.h>
#include <stdint.h>
#include "gmd/bundle.h"
#include "gmd/proc.h"

static void field(void *ctx, const char *key, const char *str, double num, bool is_string)
{
    (void)key;
    (void)str;
    (void)num;
    (void)is_string;
    ++*(int *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    int n = 0;
    gmd_jsonl_parse_object((const char *)data, size, field, &n, &err);
    gmd_proc_stats s;
    gmd_proc_stats_clear(&s);
    gmd_proc_parse_status((const char *)data, size, &s);
    gmd_proc_parse_smaps_rollup((const char *)data, size, &s);
    return 0;
}
