/* gmd pprof diff BASE NEW: the top report of NEW minus BASE (pprof -base),
 * optionally with a diff flame graph; goroutine profiles get a per-stack
 * growth report instead. */
#include <string.h>
#include "cli.h"
#include "gmd/flame.h"
#include "gmd/goroutines.h"
#include "gmd/merge.h"
#include "gmd/report.h"
#include "pprof.h"

static int write_flame(const pprof_opts *o, const gmd_profile *base, const gmd_profile *cur)
{
    gmd_stackset bs, cs;
    if (pprof_stacks(o, base, &bs) < 0) return CLI_FAIL;
    if (pprof_stacks(o, cur, &cs) < 0) {
        gmd_stackset_free(&bs);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    FILE *f = cli_open_output(pprof_flame_output);
    if (!f) {
        rc = CLI_FAIL;
    } else {
        gmd_flame_opts fo = {o->title, 0};
        gmd_err err;
        gmd_err_clear(&err);
        if (gmd_flame_write_svg(f, &cs, &bs, &fo, &err) < 0) rc = cli_error(&err);
        if (cli_close_output(f, pprof_flame_output) < 0) rc = CLI_FAIL;
    }
    gmd_stackset_free(&bs);
    gmd_stackset_free(&cs);
    return rc;
}

int pprof_diff(pprof_opts *o)
{
    if (o->base)
        return cli_usage_error("pprof diff", "--base is not used by diff: BASE is its first argument");
    pprof_opts lo = *o;
    lo.base = NULL;
    gmd_profile *base = pprof_load(&lo, o->args, 1);
    if (!base) return CLI_FAIL;
    gmd_profile *cur = pprof_load(&lo, o->args + 1, 1);
    if (!cur) {
        gmd_profile_free(base);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    if (gmd_profile_is_goroutine(cur)) {
        rc = pprof_goroutine_diff_report(o, base, cur);
        if (rc == CLI_OK && pprof_flame_output) rc = write_flame(o, base, cur);
        gmd_profile_free(base);
        gmd_profile_free(cur);
        return rc;
    }
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *d = gmd_profile_diff(base, cur, &err);
    if (!d) {
        rc = cli_error(&err);
        goto out;
    }
    gmd_stackset s;
    o->select.location_frames_only = true;   /* the top report and flame graph walk location tables only */
    int built = pprof_stacks(o, d, &s);
    if (built < 0) {
        rc = CLI_FAIL;
        goto out;
    }
    gmd_report_opts r;
    pprof_report_opts(o, &r);
    FILE *f = cli_open_output(o->output);
    if (!f) {
        rc = CLI_FAIL;
    } else {
        if (gmd_report_top(f, &s, &r, &err) < 0) rc = cli_error(&err);
        if (cli_close_output(f, o->output) < 0) rc = CLI_FAIL;
    }
    gmd_stackset_free(&s);
    if (rc == CLI_OK && pprof_flame_output) rc = write_flame(o, base, cur);
out:
    gmd_profile_free(d);
    gmd_profile_free(base);
    gmd_profile_free(cur);
    return rc;
}
