/* gmd pprof peek REGEX PROFILE...: callers and callees of matching functions (pprof -peek). */
#include "cli.h"
#include "pprof.h"

int pprof_peek(pprof_opts *o)
{
    return pprof_run_report(o, gmd_report_peek, o->args[0], 1);
}
