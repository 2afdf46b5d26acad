/* gmd pprof flame */
#include "cli.h"
#include "pprof.h"

int pprof_flame(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof flame: not implemented yet");
}
