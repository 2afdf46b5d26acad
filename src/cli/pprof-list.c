/* gmd pprof list */
#include "cli.h"
#include "pprof.h"

int pprof_list(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof list: not implemented yet");
}
