/* gmd pprof dot */
#include "cli.h"
#include "pprof.h"

int pprof_dot(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof dot: not implemented yet");
}
