/* gmd pprof tree: every node with its callers and callees (pprof -tree). */
#include "cli.h"
#include "pprof.h"

int pprof_tree(pprof_opts *o)
{
    return pprof_run_report(o, gmd_report_tree, NULL, 0);
}
