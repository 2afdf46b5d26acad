/* gmd pprof info */
#include "cli.h"
#include "pprof.h"

int pprof_info(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof info: not implemented yet");
}
