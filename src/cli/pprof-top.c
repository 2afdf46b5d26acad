/* gmd pprof top */
#include "cli.h"
#include "pprof.h"

int pprof_top(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof top: not implemented yet");
}
