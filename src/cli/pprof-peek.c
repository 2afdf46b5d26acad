/* gmd pprof peek */
#include "cli.h"
#include "pprof.h"

int pprof_peek(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof peek: not implemented yet");
}
