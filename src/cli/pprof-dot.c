/* gmd pprof dot: the call graph in Graphviz DOT, or SVG with --svg. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "gmd/dot.h"
#include "pprof.h"

int pprof_dot(pprof_opts *o)
{
    if (o->json) return cli_usage_error("pprof dot", "--json is not available: the output is a graph (try 'gmd pprof top --json')");
    /* Say so before loading anything (a URL may take --seconds to fetch). */
    if (o->svg && !gmd_dot_can_render())
        return cli_fail("this gmd was built without Graphviz; pipe the DOT output to `dot -Tsvg`");

    gmd_profile *p = pprof_load(o, o->args, o->nargs);
    if (!p) return CLI_FAIL;
    int rc = CLI_FAIL;
    gmd_stackset s;
    o->select.location_frames_only = true;   /* the call graph walks location tables only */
    if (pprof_stacks(o, p, &s) < 0) goto free_profile;

    gmd_dot_opts d = {
        .granularity = (gmd_granularity)gmd_granularity_parse(o->granularity),
        .nodecount = o->nodecount,
        .nodefraction = o->nodefraction,
        .edgefraction = -1,
        .title = o->title,
        .select = &o->select,
    };
    gmd_err err;
    gmd_err_clear(&err);
    char *dot = NULL;
    size_t dot_len = 0;
    FILE *out = NULL;
    if (o->svg) {
        /* Graphviz reads the DOT text back; build it in memory first. */
        FILE *mem = open_memstream(&dot, &dot_len);
        if (!mem) {
            cli_fail("out of memory");
            goto free_stacks;
        }
        int wrc = gmd_dot_write(mem, &s, &d, &err);
        fclose(mem);
        if (wrc < 0) {
            cli_error(&err);
            goto free_stacks;
        }
        if (!(out = cli_open_output(o->output))) goto free_stacks;
        if (gmd_dot_render_svg(dot, dot_len, out, &err) < 0) {
            cli_error(&err);
            goto close_out;
        }
    } else {
        if (!(out = cli_open_output(o->output))) goto free_stacks;
        if (gmd_dot_write(out, &s, &d, &err) < 0) {
            cli_error(&err);
            goto close_out;
        }
    }
    rc = CLI_OK;
close_out:
    if (cli_close_output(out, o->output) < 0) rc = CLI_FAIL;
free_stacks:
    free(dot);
    gmd_stackset_free(&s);
free_profile:
    gmd_profile_free(p);
    return rc;
}
