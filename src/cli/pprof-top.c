/* gmd pprof top, and the runner shared by the text reports (peek, tree,
 * traces, list): load, select, report. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "gmd/report.h"
#include "pprof.h"

void pprof_report_opts(const pprof_opts *o, gmd_report_opts *r)
{
    memset(r, 0, sizeof *r);
    r->granularity = o->granularity && !strcmp(o->granularity, "lines") ? GMD_GRAN_LINES : GMD_GRAN_FUNCTIONS;
    r->cum = o->cum;
    r->nodecount = o->nodecount;
    r->nodefraction = o->nodefraction;
    r->source_path = o->source_path;
    r->select = &o->select;
    r->json = o->json;
}

int pprof_run_report(pprof_opts *o, pprof_report_fn report, const char *symbol, int first)
{
    gmd_profile *p = pprof_load(o, o->args + first, o->nargs - first);
    if (!p) return CLI_FAIL;
    gmd_stackset s;
    /* Only traces --json reads each stack's own frames; the others walk the
     * per-location tables and skip the big per-stack copy. */
    o->select.location_frames_only = report != gmd_report_traces || !o->json;
    if (pprof_stacks(o, p, &s) < 0) {
        gmd_profile_free(p);
        return CLI_FAIL;
    }
    gmd_report_opts r;
    pprof_report_opts(o, &r);
    r.symbol = symbol;
    int rc = CLI_OK;
    FILE *out = cli_open_output(o->output);
    if (!out) {
        rc = CLI_FAIL;
    } else {
        gmd_err err;
        gmd_err_clear(&err);
        if (report(out, &s, &r, &err) < 0) rc = cli_error(&err);
        if (cli_close_output(out, o->output) < 0) rc = CLI_FAIL;
    }
    gmd_stackset_free(&s);
    gmd_profile_free(p);
    return rc;
}

int pprof_top(pprof_opts *o)
{
    return pprof_run_report(o, gmd_report_top, NULL, 0);
}
