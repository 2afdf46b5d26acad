/* gmd pprof goroutines */
#include "cli.h"
#include "pprof.h"

int pprof_goroutines(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof goroutines: not implemented yet");
}
