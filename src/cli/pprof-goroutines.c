/* gmd pprof goroutines PROFILE...: goroutines grouped by stack, largest
 * group first, with states, longest wait and creator; and the goroutine
 * form of gmd pprof diff (which stacks grew). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "gmd/goroutines.h"
#include "gmd/json.h"
#include "gmd/xalloc.h"
#include "pprof.h"

#define DEFAULT_GROUPS 20

static int group_limit(const pprof_opts *o, uint32_t n)
{
    int lim = o->nodecount < 0 ? DEFAULT_GROUPS : o->nodecount;
    return lim == 0 || (uint32_t)lim > n ? (int)n : lim;
}

static bool has_states(const gmd_goroutine_group *g)
{
    return g->nstates > 1 || (g->nstates == 1 && g->states[0].state[0]);
}

/* "412 chan receive, 3 running" */
static void print_states(FILE *out, const gmd_goroutine_group *g)
{
    for (uint32_t i = 0; i < g->nstates; i++)
        fprintf(out, "%s%" PRId64 " %s", i ? ", " : "", g->states[i].count,
                g->states[i].state[0] ? g->states[i].state : "(state unknown)");
}

/* The stack, leaf first: one line per logical frame (inlined calls expanded). */
static void print_stack(FILE *out, const gmd_goroutine_group *g, const char *indent)
{
    const gmd_profile *p = g->profile;
    const gmd_sample *s = &p->samples[g->sample];
    int unnamed = 0;
    for (uint32_t i = 0; i < s->nlocations; i++) {
        const gmd_location *l = &p->locations[s->locations[i]];
        if (l->nlines == 0) {
            /* debug=1 text names no hidden runtime frames; keep them short. */
            if (!unnamed) fprintf(out, "%s(unsymbolized)", indent);
            fprintf(out, " 0x%" PRIx64, l->address);
            unnamed++;
            continue;
        }
        if (unnamed) fputc('\n', out);
        unnamed = 0;
        for (uint32_t j = 0; j < l->nlines; j++) {
            const gmd_function *f = &p->functions[l->lines[j].function];
            fprintf(out, "%s%s", indent, f->name);
            if (f->filename[0]) fprintf(out, "  %s:%" PRId64, f->filename, l->lines[j].line);
            if (j + 1 < l->nlines) fputs(" (inline)", out);
            fputc('\n', out);
        }
    }
    if (unnamed) fputc('\n', out);
}

static void print_created_by(FILE *out, const gmd_goroutine_group *g, const char *indent)
{
    if (!g->created_by[0]) return;
    fprintf(out, "%screated by %s", indent, g->created_by);
    if (g->created_file[0]) fprintf(out, " at %s:%" PRId64, g->created_file, g->created_line);
    fputc('\n', out);
}

static void json_group_body(gmd_json *j, const gmd_goroutine_group *g)
{
    gmd_json_key(j, "states");
    gmd_json_array_begin(j);
    if (has_states(g))
        for (uint32_t i = 0; i < g->nstates; i++) {
            gmd_json_object_begin(j);
            gmd_json_key(j, "state");
            gmd_json_string(j, g->states[i].state);
            gmd_json_key(j, "count");
            gmd_json_int(j, g->states[i].count);
            gmd_json_object_end(j);
        }
    gmd_json_array_end(j);
    gmd_json_key(j, "max_wait_minutes");
    if (g->max_wait_minutes >= 0) gmd_json_int(j, g->max_wait_minutes);
    else gmd_json_null(j);
    gmd_json_key(j, "created_by");
    if (g->created_by[0]) {
        gmd_json_object_begin(j);
        gmd_json_key(j, "function");
        gmd_json_string(j, g->created_by);
        gmd_json_key(j, "file");
        gmd_json_string(j, g->created_file);
        gmd_json_key(j, "line");
        gmd_json_int(j, g->created_line);
        gmd_json_object_end(j);
    } else {
        gmd_json_null(j);
    }
    gmd_json_key(j, "stack");
    gmd_json_array_begin(j);
    const gmd_profile *p = g->profile;
    const gmd_sample *s = &p->samples[g->sample];
    for (uint32_t i = 0; i < s->nlocations; i++) {
        const gmd_location *l = &p->locations[s->locations[i]];
        if (l->nlines == 0) {
            char buf[32];
            snprintf(buf, sizeof buf, "0x%" PRIx64, l->address);
            gmd_json_object_begin(j);
            gmd_json_key(j, "address");
            gmd_json_string(j, buf);
            gmd_json_object_end(j);
        }
        for (uint32_t k = 0; k < l->nlines; k++) {
            const gmd_function *f = &p->functions[l->lines[k].function];
            gmd_json_object_begin(j);
            gmd_json_key(j, "function");
            gmd_json_string(j, f->name);
            gmd_json_key(j, "file");
            gmd_json_string(j, f->filename);
            gmd_json_key(j, "line");
            gmd_json_int(j, l->lines[k].line);
            gmd_json_key(j, "inlined");
            gmd_json_bool(j, k + 1 < l->nlines);
            gmd_json_object_end(j);
        }
    }
    gmd_json_array_end(j);
}

/* Groups of p, keeping those that pass --focus/--ignore. */
static int build_groups(const pprof_opts *o, const gmd_profile *p, const char *what, gmd_goroutine_groups *g)
{
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_goroutine_groups_build(p, g, &err) < 0) {
        if (what) gmd_err_set_source(&err, what);
        return cli_error(&err);
    }
    if (gmd_goroutine_groups_filter(g, p, &o->select, &err) < 0) {
        gmd_goroutine_groups_free(g);
        return cli_error(&err);
    }
    return CLI_OK;
}

/* "Active filters:" as pprof prints them, when any is on. */
static void print_filters(FILE *out, const pprof_opts *o)
{
    const gmd_select_opts *s = &o->select;
    if (!(s->focus && *s->focus) && !(s->ignore && *s->ignore)) return;
    fputs("Active filters:\n", out);
    if (s->focus && *s->focus) fprintf(out, "   focus=%s\n", s->focus);
    if (s->ignore && *s->ignore) fprintf(out, "   ignore=%s\n", s->ignore);
}

/* What a traceback text says of itself: why the program stopped, in which
 * goroutine, and which of the text's dumps this is. */
static void print_traceback(FILE *out, const gmd_profile *p, bool all)
{
    const gmd_traceback *t = &p->traceback;
    if (t->count > 1)
        fprintf(out, "dump %u of %u in the text, at byte %" PRIu64 "%s\n", t->index + 1, t->count, t->offset,
                all ? "" : " (the last; --all shows every one)");
    if (t->reason[0]) {
        fprintf(out, "stopped by: %s", t->reason);
        if (t->goroutine >= 0) fprintf(out, " (in goroutine %" PRId64 ")", t->goroutine);
        fputc('\n', out);
    }
}

static void json_traceback(gmd_json *j, const gmd_profile *p)
{
    const gmd_traceback *t = &p->traceback;
    if (t->count == 0) return;
    gmd_json_key(j, "traceback");
    gmd_json_object_begin(j);
    gmd_json_key(j, "reason");
    if (t->reason[0]) gmd_json_string(j, t->reason);
    else gmd_json_null(j);
    gmd_json_key(j, "goroutine");
    if (t->goroutine >= 0) gmd_json_int(j, t->goroutine);
    else gmd_json_null(j);
    gmd_json_key(j, "dump");
    gmd_json_int(j, t->index);
    gmd_json_key(j, "dumps");
    gmd_json_int(j, t->count);
    gmd_json_key(j, "offset");
    gmd_json_int(j, (int64_t)t->offset);
    gmd_json_object_end(j);
}

/* A delta profile (/debug/pprof/goroutine?seconds=N): the server's second
 * snapshot minus its first, so counts are goroutines started (+) and ended
 * (-) over the window. A snapshot has no duration and no negative count. */
static bool is_delta(const gmd_profile *p)
{
    if (p->format == GMD_FMT_PROTO && p->duration_nanos > 0) return true;
    for (uint32_t i = 0; i < p->nsamples; i++)
        for (uint32_t j = 0; j < p->nsample_types; j++)
            if (p->samples[i].values[j] < 0) return true;
    return false;
}

/* Groups by size of change, started and ended alike; groups that cancel
 * out (a stack left and came back) go last and are not shown. */
static int by_abs_count(const void *a, const void *b)
{
    const gmd_goroutine_group *ga = a, *gb = b;
    int64_t x = ga->count, y = gb->count;
    int64_t ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
    if (ax != ay) return ax > ay ? -1 : 1;
    if (x != y) return x > y ? -1 : 1;   /* started before ended */
    return ga->sample < gb->sample ? -1 : ga->sample > gb->sample;
}

static void report_delta_text(FILE *out, const pprof_opts *o, const gmd_profile *p, gmd_goroutine_groups *g)
{
    print_filters(out, o);
    int64_t plus = 0, minus = 0;
    uint32_t nonzero = 0;
    for (uint32_t i = 0; i < g->ngroups; i++) {
        if (g->groups[i].count > 0) plus += g->groups[i].count;
        if (g->groups[i].count < 0) minus -= g->groups[i].count;
        nonzero += g->groups[i].count != 0;
    }
    qsort(g->groups, g->ngroups, sizeof *g->groups, by_abs_count);
    char dur[64] = "";
    if (p->duration_nanos > 0) snprintf(dur, sizeof dur, " over %.2fs", (double)p->duration_nanos / 1e9);
    fprintf(out, "delta profile%s: +%" PRId64 "/-%" PRId64 " goroutines (net %s%" PRId64 "), %u stack%s changed (%s)\n",
            dur, plus, minus, plus - minus > 0 ? "+" : "", plus - minus, nonzero, nonzero == 1 ? "" : "s",
            gmd_profile_format_name(p->format));
    int lim = group_limit(o, nonzero);
    for (int i = 0; i < lim; i++) {
        const gmd_goroutine_group *gr = &g->groups[i];
        fprintf(out, "\n%s%" PRId64 " goroutine%s %s\n", gr->count > 0 ? "+" : "", gr->count,
                gr->count == 1 || gr->count == -1 ? "" : "s", gr->count > 0 ? "started" : "ended");
        print_created_by(out, gr, "  ");
        if (p->samples[gr->sample].nlocations == 0) fputs("    (no frames)\n", out);
        print_stack(out, gr, "    ");
    }
    if ((uint32_t)lim < nonzero)
        fprintf(out, "\n... %u more changed stack%s (-n 0 shows all)\n", nonzero - (uint32_t)lim,
                nonzero - (uint32_t)lim == 1 ? "" : "s");
}

static void report_text(FILE *out, const pprof_opts *o, const gmd_profile *p, const gmd_goroutine_groups *g, int lim)
{
    print_filters(out, o);
    print_traceback(out, p, o->all);
    fprintf(out, "%" PRId64 " goroutine%s, %u distinct stack%s (%s)\n", g->total, g->total == 1 ? "" : "s",
            g->ngroups, g->ngroups == 1 ? "" : "s", gmd_profile_format_name(p->format));
    int64_t shown = 0;
    for (int i = 0; i < lim; i++) {
        const gmd_goroutine_group *gr = &g->groups[i];
        shown += gr->count;
        fprintf(out, "\n%" PRId64 " goroutine%s", gr->count, gr->count == 1 ? "" : "s");
        if (has_states(gr)) {
            fputs(": ", out);
            print_states(out, gr);
        }
        if (gr->max_wait_minutes >= 0) fprintf(out, "; longest wait %" PRId64 " minutes", gr->max_wait_minutes);
        fputc('\n', out);
        print_created_by(out, gr, "  ");
        print_stack(out, gr, "    ");
    }
    if ((uint32_t)lim < g->ngroups)
        fprintf(out, "\n... %u more group%s with %" PRId64 " goroutines (-n 0 shows all)\n", g->ngroups - (uint32_t)lim,
                g->ngroups - (uint32_t)lim == 1 ? "" : "s", g->total - shown);
}

static void report_json_body(gmd_json *j, const gmd_profile *p, const gmd_goroutine_groups *g, int lim)
{
    gmd_json_object_begin(j);
    gmd_json_key(j, "format");
    gmd_json_string(j, gmd_profile_format_name(p->format));
    json_traceback(j, p);
    if (is_delta(p)) {
        /* Counts are changes over the window: + started, - ended. */
        gmd_json_key(j, "delta");
        gmd_json_bool(j, true);
        gmd_json_key(j, "duration_nanos");
        gmd_json_int(j, p->duration_nanos);
    }
    gmd_json_key(j, "total");
    gmd_json_int(j, g->total);
    gmd_json_key(j, "ngroups");
    gmd_json_int(j, g->ngroups);
    gmd_json_key(j, "groups");
    gmd_json_array_begin(j);
    for (int i = 0; i < lim; i++) {
        gmd_json_object_begin(j);
        gmd_json_key(j, "count");
        gmd_json_int(j, g->groups[i].count);
        json_group_body(j, &g->groups[i]);
        gmd_json_object_end(j);
    }
    gmd_json_array_end(j);
    gmd_json_object_end(j);
}

static void report_json(FILE *out, const gmd_profile *p, const gmd_goroutine_groups *g, int lim)
{
    gmd_json j;
    gmd_json_init(&j, out, true);
    report_json_body(&j, p, g, lim);
    gmd_json_finish(&j);
}

/* --all: every goroutine dump of one text (a log with several crashes or
 * runtime.Stack calls), each reported as without --all, oldest first. */
static int goroutines_all(pprof_opts *o)
{
    const char *spec = o->args[0];
    if (o->nargs != 1 || o->base || !strncmp(spec, "pid:", 4) || !strncmp(spec, "core:", 5))
        return cli_fail("pprof goroutines: --all reads the dumps of one text file, '-' or URL (no --base, pid: or core:)");
    gmd_err err;
    gmd_err_clear(&err);
    gmd_blob b;
    if (gmd_blob_load(spec, &o->load, &b, &err) < 0) {
        gmd_err_set_source(&err, spec);
        return cli_error(&err);
    }
    int rc = CLI_OK;
    uint32_t n = 0;
    gmd_profile **ps = NULL;
    if (b.len && gmd_profile_detect(b.data, b.len) == GMD_FMT_GOROUTINE_TEXT2) n = gmd_goroutine_text_count_dumps(b.data, b.len);
    if (n == 0) {
        /* Not a traceback text: the one profile it is, or its error. */
        gmd_profile *p = gmd_profile_from_blob(&b, &o->load, &err);
        if (!p) {
            gmd_err_set_source(&err, spec);
            rc = cli_error(&err);
        } else {
            ps = gmd_xcalloc(1, sizeof *ps);
            ps[0] = p;
            n = 1;
        }
    } else {
        ps = gmd_xcalloc(n, sizeof *ps);
        for (uint32_t i = 0; i < n && rc == CLI_OK; i++)
            if (!(ps[i] = gmd_pprof_goroutine_text2_parse_dump(b.data, b.len, i, &err))) {
                gmd_err_set_source(&err, spec);
                rc = cli_error(&err);
            }
    }
    gmd_goroutine_groups *gs = gmd_xcalloc(n ? n : 1, sizeof *gs);
    uint32_t built = 0;
    for (; rc == CLI_OK && built < n; built++)
        if ((rc = build_groups(o, ps[built], spec, &gs[built])) != CLI_OK) break;
    FILE *out = rc == CLI_OK ? cli_open_output(o->output) : NULL;
    if (rc == CLI_OK && !out) rc = CLI_FAIL;
    if (out) {
        if (o->json) {
            gmd_json j;
            gmd_json_init(&j, out, true);
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "dumps");
            gmd_json_array_begin(&j);
            for (uint32_t i = 0; i < n; i++) report_json_body(&j, ps[i], &gs[i], group_limit(o, gs[i].ngroups));
            gmd_json_array_end(&j);
            gmd_json_object_end(&j);
            gmd_json_finish(&j);
        } else {
            for (uint32_t i = 0; i < n; i++) {
                if (i) fputc('\n', out);
                report_text(out, o, ps[i], &gs[i], group_limit(o, gs[i].ngroups));
            }
        }
        if (cli_close_output(out, o->output) < 0) rc = CLI_FAIL;
    }
    for (uint32_t i = 0; i < built; i++) gmd_goroutine_groups_free(&gs[i]);
    for (uint32_t i = 0; i < n && ps; i++) gmd_profile_free(ps[i]);
    free(gs);
    free(ps);
    gmd_blob_free(&b);
    return rc;
}

int pprof_goroutines(pprof_opts *o)
{
    cli_target_kind = "goroutine";   /* pid:N / core:FILE give their goroutines here */
    if (o->all) return goroutines_all(o);
    gmd_profile *p = pprof_load(o, o->args, o->nargs);
    if (!p) return CLI_FAIL;
    gmd_goroutine_groups g;
    int rc = build_groups(o, p, o->nargs == 1 ? o->args[0] : NULL, &g);
    if (rc != CLI_OK) {
        gmd_profile_free(p);
        return rc;
    }
    FILE *out = cli_open_output(o->output);
    if (!out) {
        rc = CLI_FAIL;
    } else {
        int lim = group_limit(o, g.ngroups);
        if (o->json) report_json(out, p, &g, lim);
        else if (is_delta(p)) report_delta_text(out, o, p, &g);
        else report_text(out, o, p, &g, lim);
        if (cli_close_output(out, o->output) < 0) rc = CLI_FAIL;
    }
    gmd_goroutine_groups_free(&g);
    gmd_profile_free(p);
    return rc;
}

/* ---- diff ---- */

static const gmd_goroutine_group *either(const gmd_goroutine_delta *d)
{
    return d->cur ? d->cur : d->base;
}

static void diff_text(FILE *out, const pprof_opts *o, const gmd_goroutine_groups *bg, const gmd_goroutine_groups *cg,
                      const gmd_goroutine_delta *d, uint32_t nd, int lim)
{
    print_filters(out, o);
    int64_t diff = cg->total - bg->total;
    fprintf(out, "goroutines: %" PRId64 " -> %" PRId64 " (%s%" PRId64 ")\n", bg->total, cg->total,
            diff > 0 ? "+" : "", diff);
    uint32_t grew = 0;
    while (grew < nd && d[grew].delta > 0) grew++;
    if (grew == 0) {
        fputs("no stack has more goroutines than in BASE\n", out);
    } else {
        fprintf(out, "\n%u stack%s grew, largest growth first:\n", grew, grew == 1 ? "" : "s");
    }
    uint32_t show = (uint32_t)lim < grew ? (uint32_t)lim : grew;
    for (uint32_t i = 0; i < show; i++) {
        const gmd_goroutine_group *g = either(&d[i]);
        fprintf(out, "\n+%" PRId64 " (%" PRId64 " -> %" PRId64 ")", d[i].delta, d[i].base ? d[i].base->count : 0,
                d[i].cur ? d[i].cur->count : 0);
        if (d[i].cur && has_states(d[i].cur)) {
            fputs(" now: ", out);
            print_states(out, d[i].cur);
        }
        if (d[i].cur && d[i].cur->max_wait_minutes >= 0)
            fprintf(out, "; longest wait %" PRId64 " minutes", d[i].cur->max_wait_minutes);
        if (!d[i].base) fputs("  [new stack]", out);
        fputc('\n', out);
        print_created_by(out, g, "  ");
        print_stack(out, g, "    ");
    }
    if (show < grew) fprintf(out, "\n... %u more growing stack%s (-n 0 shows all)\n", grew - show, grew - show == 1 ? "" : "s");
    int64_t shrank = 0, nshrank = 0;
    for (uint32_t i = grew; i < nd; i++)
        if (d[i].delta < 0) {
            shrank += d[i].delta;
            nshrank++;
        }
    if (nshrank)
        fprintf(out, "\n%" PRId64 " stack%s shrank or vanished (%" PRId64 " goroutines)\n", nshrank,
                nshrank == 1 ? "" : "s", shrank);
}

static void diff_json(FILE *out, const gmd_goroutine_groups *bg, const gmd_goroutine_groups *cg,
                      const gmd_goroutine_delta *d, uint32_t nd, int lim)
{
    gmd_json j;
    gmd_json_init(&j, out, true);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "base_total");
    gmd_json_int(&j, bg->total);
    gmd_json_key(&j, "new_total");
    gmd_json_int(&j, cg->total);
    gmd_json_key(&j, "delta");
    gmd_json_int(&j, cg->total - bg->total);
    gmd_json_key(&j, "stacks");
    gmd_json_array_begin(&j);
    int shown = 0;
    for (uint32_t i = 0; i < nd && shown < lim; i++) {
        if (d[i].delta == 0) continue;
        shown++;
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "delta");
        gmd_json_int(&j, d[i].delta);
        gmd_json_key(&j, "before");
        gmd_json_int(&j, d[i].base ? d[i].base->count : 0);
        gmd_json_key(&j, "after");
        gmd_json_int(&j, d[i].cur ? d[i].cur->count : 0);
        json_group_body(&j, either(&d[i]));
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
}

int pprof_goroutine_diff_report(const pprof_opts *o, gmd_profile *base, gmd_profile *cur)
{
    if (!gmd_profile_is_goroutine(base))
        return cli_fail("%s: BASE is not a goroutine profile, NEW is", o->nargs > 0 ? o->args[0] : "BASE");
    /* Counts of a delta are changes, not goroutines: "7046 -> -1" would be
     * nonsense. The delta already is the diff. */
    for (int k = 0; k < 2; k++)
        if (is_delta(k ? cur : base))
            return cli_fail("%s: %s is a delta profile (goroutine?seconds=N): it already holds the change over its "
                            "window; read it alone with gmd pprof goroutines", o->nargs > k ? o->args[k] : (k ? "NEW" : "BASE"),
                            k ? "NEW" : "BASE");
    gmd_goroutine_groups bg, cg;
    if (build_groups(o, base, o->nargs > 0 ? o->args[0] : NULL, &bg) != CLI_OK) return CLI_FAIL;
    if (build_groups(o, cur, o->nargs > 1 ? o->args[1] : NULL, &cg) != CLI_OK) {
        gmd_goroutine_groups_free(&bg);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    gmd_goroutine_delta *d = NULL;
    uint32_t nd = 0;
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_goroutine_diff(&bg, &cg, &d, &nd, &err) < 0) {
        rc = cli_error(&err);
    } else {
        FILE *out = cli_open_output(o->output);
        if (!out) {
            rc = CLI_FAIL;
        } else {
            int lim = group_limit(o, nd);
            if (o->json) diff_json(out, &bg, &cg, d, nd, lim);
            else diff_text(out, o, &bg, &cg, d, nd, lim);
            if (cli_close_output(out, o->output) < 0) rc = CLI_FAIL;
        }
    }
    free(d);
    gmd_goroutine_groups_free(&bg);
    gmd_goroutine_groups_free(&cg);
    return rc;
}
