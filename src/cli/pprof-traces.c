/* gmd pprof traces: every sample with its labels and stack (pprof -traces). */
#include "cli.h"
#include "pprof.h"

int pprof_traces(pprof_opts *o)
{
    return pprof_run_report(o, gmd_report_traces, NULL, 0);
}
