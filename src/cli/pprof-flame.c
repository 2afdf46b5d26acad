/* gmd pprof flame: a self-contained SVG flame graph; with --base, a diff
 * flame graph (red grew, blue shrank). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "gmd/flame.h"
#include "pprof.h"

static bool is_stdout(const char *path) { return !path || !strcmp(path, "-"); }

int pprof_flame(pprof_opts *o)
{
    if (o->json) return cli_usage_error("pprof flame", "--json is not available: a flame graph is SVG (try 'gmd pprof traces --json')");
    /* SVG on a terminal is a screenful of markup, never what anyone wants. */
    if (is_stdout(o->output) && isatty(STDOUT_FILENO))
        return cli_usage_error("pprof flame", "refusing to write SVG to a terminal; use -o FILE.svg (or redirect stdout)");

    /* With --base both sides are loaded on their own: a diff flame graph
     * colours each frame by how it changed, which needs both values, not
     * the subtracted profile pprof_load would make. */
    pprof_opts one = *o;
    one.base = NULL;
    gmd_profile *cur = pprof_load(&one, o->args, o->nargs), *base = NULL;
    if (!cur) return CLI_FAIL;
    if (o->base) {
        char *spec = (char *)o->base;
        base = pprof_load(&one, &spec, 1);
        if (!base) {
            gmd_profile_free(cur);
            return CLI_FAIL;
        }
    }

    int rc = CLI_FAIL;
    gmd_stackset scur, sbase;
    memset(&sbase, 0, sizeof sbase);
    o->select.location_frames_only = true;   /* the flame graph walks location tables only */
    if (pprof_stacks(o, cur, &scur) < 0) goto free_profiles;
    if (base && pprof_stacks(o, base, &sbase) < 0) goto free_cur;

    FILE *out = cli_open_output(o->output);
    if (!out) goto free_base;
    gmd_flame_opts fo = {o->title, 0};
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_flame_write_svg(out, &scur, base ? &sbase : NULL, &fo, &err) < 0) {
        gmd_err_set_source(&err, is_stdout(o->output) ? "-" : o->output);
        cli_error(&err);
        if (out != stdout) fclose(out);
        goto free_base;
    }
    if (cli_close_output(out, o->output) == 0) rc = CLI_OK;

free_base:
    if (base) gmd_stackset_free(&sbase);
free_cur:
    gmd_stackset_free(&scur);
free_profiles:
    gmd_profile_free(cur);
    if (base) gmd_profile_free(base);
    return rc;
}
