/* gmd pprof diff */
#include "cli.h"
#include "pprof.h"

int pprof_diff(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof diff: not implemented yet");
}
