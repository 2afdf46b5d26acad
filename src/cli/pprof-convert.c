/* gmd pprof convert */
#include "cli.h"
#include "pprof.h"

int pprof_convert(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof convert: not implemented yet");
}
