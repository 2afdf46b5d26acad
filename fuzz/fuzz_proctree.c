/* The process-handling parsers of gmd run (gmd/proctree.h, gmd/collect.h):
 * /proc/PID/stat lines, an executable's Go build info, gctrace cycle lines
 * and GODEBUG's memprofilerate. None may crash or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/collect.h"
#include "gmd/proctree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_proc_ident id;
    gmd_proc_ident_parse((const char *)data, size, &id);
    gmd_exe_classify_memory(data, size);
    uint64_t n;
    double t;
    gmd_gctrace_cycle((const char *)data, size, &n, &t);
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    gmd_godebug_memprofilerate(s);
    free(s);
    return 0;
}
