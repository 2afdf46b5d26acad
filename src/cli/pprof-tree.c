/* gmd pprof tree */
#include "cli.h"
#include "pprof.h"

int pprof_tree(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof tree: not implemented yet");
}
