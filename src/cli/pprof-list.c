/* gmd pprof list REGEX PROFILE...: annotated source of matching functions (pprof -list). */
#include "cli.h"
#include "pprof.h"

int pprof_list(pprof_opts *o)
{
    return pprof_run_report(o, gmd_report_list, o->args[0], 1);
}
