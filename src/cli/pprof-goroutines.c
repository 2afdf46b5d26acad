/* gmd pprof goroutines */
#include "cli.h"
#include "pprof.h"

int pprof_goroutines(pprof_opts *o)
{
    (void)o;
    return cli_fail("pprof goroutines: not implemented yet");
}

int pprof_goroutine_diff_report(const pprof_opts *o, gmd_profile *base, gmd_profile *cur)
{
    (void)o; (void)base; (void)cur;
    return cli_fail("pprof diff of goroutine profiles: not implemented yet");
}
