/* gmd pprof traces */
#include "cli.h"
#include "pprof.h"

int pprof_traces(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof traces: not implemented yet");
}
