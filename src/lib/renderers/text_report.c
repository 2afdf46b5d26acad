/* top, peek, tree and traces in go tool pprof's text layouts (its
 * internal/report printText, printTree and printTraces), plus JSON forms of
 * top and traces. See include/gmd/report.h. */
#include <inttypes.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gmd/json.h"
#include "gmd/report.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"

#define VBUF 64

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void gmd_report_profile_labels(FILE *out, const gmd_stackset *s, const char *out_unit)
{
    const gmd_profile *p = s->profile;
    char a[VBUF], b[VBUF];
    if (p->nmappings > 0) {
        if (p->mappings[0].filename[0]) fprintf(out, "File: %s\n", base_name(p->mappings[0].filename));
        if (p->mappings[0].build_id[0]) fprintf(out, "Build ID: %s\n", p->mappings[0].build_id);
    }
    for (uint32_t i = 0; i < p->ncomments; i++)
        if (p->comments[i][0] != '#') fprintf(out, "%s\n", p->comments[i]);
    fprintf(out, "Type: %s\n", s->value_type.type);
    if (p->doc_url && p->doc_url[0]) fprintf(out, "Doc: %s\n", p->doc_url);
    if (p->time_nanos) {
        time_t t = (time_t)(p->time_nanos / 1000000000);
        struct tm tm;
        char when[64];
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
        fprintf(out, "Time: %s\n", when);
    }
    if (p->duration_nanos) {
        /* The share of wall time, only for time-valued samples (CPU): the
         * total in nanoseconds ends in "ns" only when the unit is a time. */
        char ratio[VBUF] = "";
        gmd_fmt_value_in(s->total_unfiltered, s->value_type.unit, "ns", a, sizeof a);
        size_t alen = strlen(a);
        if (alen > 2 && !strcmp(a + alen - 2, "ns")) {
            char pct[VBUF];
            int64_t ns = strtoll(a, NULL, 10);
            if (ns) snprintf(ratio, sizeof ratio, "(%s)", gmd_fmt_percent(ns, p->duration_nanos, pct, sizeof pct));
        }
        fprintf(out, "Duration: %s, Total samples = %s %s\n", gmd_fmt_value(p->duration_nanos, "nanoseconds", a, sizeof a),
                gmd_fmt_value_in(s->total_unfiltered, s->value_type.unit, out_unit, b, sizeof b), ratio);
    }
}

static void active_filters(FILE *out, const gmd_select_opts *sel)
{
    if (!sel) return;
    const char *names[4] = {"focus", "ignore", "hide", "show"};
    const char *vals[4] = {sel->focus, sel->ignore, sel->hide, sel->show};
    bool any = false;
    for (int i = 0; i < 4; i++) {
        if (!vals[i] || !vals[i][0]) continue;
        if (!any) fputs("Active filters:\n", out);
        any = true;
        size_t n = strlen(names[i]) + 1 + strlen(vals[i]);
        if (n > 80) fprintf(out, "   %s=%.*s\xe2\x80\xa6\n", names[i], (int)(80 - strlen(names[i]) - 1), vals[i]);
        else fprintf(out, "   %s=%s\n", names[i], vals[i]);
    }
}

/* pprof's selectOutputUnit: the unit of the smallest non-zero node value,
 * promoted when it is tiny next to the total so that value prints >= 0.01. */
const char *gmd_report_output_unit(const gmd_graph *g)
{
    const char *unit = g->stacks->value_type.unit;
    if (g->nnodes == 0) return NULL;   /* pprof then scales each value on its own */
    int64_t minv = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        int64_t v = abs64(g->nodes[i].flat);
        if (v == 0) v = abs64(g->nodes[i].cum);
        if (v > 0 && (minv == 0 || v < minv)) minv = v;
    }
    int64_t maxv = g->total;
    if (minv == 0) minv = maxv;
    const char *minu = gmd_unit_autoscale(minv, unit);
    const char *maxu = gmd_unit_autoscale(maxv, unit);
    if (!minu) return NULL;
    const char *u = minu;
    if (maxu && strcmp(minu, maxu) && minv * 100 < maxv) u = gmd_unit_autoscale(100 * minv, unit);
    return u;
}

typedef struct fmt_ctx {
    const char *unit, *out_unit;
    int64_t total;
} fmt_ctx;

static const char *fv(const fmt_ctx *c, int64_t v, char *buf)
{
    return gmd_fmt_value_in(v, c->unit, c->out_unit, buf, VBUF);
}

static const char *pct(int64_t v, int64_t total, char *buf) { return gmd_fmt_percent(v, total, buf, VBUF); }

static void graph_opts_for(const gmd_report_opts *o, gmd_graph_opts *go, int default_count, bool trim)
{
    memset(go, 0, sizeof *go);
    go->granularity = o->granularity;
    go->order = o->cum ? GMD_ORDER_CUM : GMD_ORDER_FLAT;
    if (trim) {
        go->nodefraction = o->nodefraction;   /* <0 = default */
        go->edgefraction = -1;
        go->nodecount = o->nodecount < 0 ? default_count : o->nodecount;
    } else {
        go->nodefraction = 0;
        go->edgefraction = 0;
        go->nodecount = 0;
    }
}

/* pprof's reportLabels: profile labels, filters, then what is shown. */
static void report_labels(FILE *out, const gmd_graph *g, const gmd_report_opts *o, const fmt_ctx *c)
{
    char a[VBUF], b[VBUF], d[VBUF];
    gmd_report_profile_labels(out, g->stacks, c->out_unit);
    active_filters(out, o->select);
    char *p = (char *)pct(g->shown, g->total, b);
    while (*p == ' ') p++;
    fprintf(out, "Showing nodes accounting for %s, %s of %s total\n", fv(c, g->shown, a), p, fv(c, g->total, d));
    if (g->total != 0) {
        if (g->dropped_nodes > 0)
            fprintf(out, "Dropped %u node%s (cum <= %s)\n", g->dropped_nodes, g->dropped_nodes > 1 ? "s" : "",
                    fv(c, g->dropped_cutoff, a));
        if (g->nnodes > 0 && g->nnodes < g->orig_count)
            fprintf(out, "Showing top %u nodes out of %u\n", g->nnodes, g->orig_count);
    }
}

/* "(inline)" when every call into the node was inlined, "(partial-inline)"
 * when some were. */
static const char *inline_label(const gmd_graph *g, const gmd_graph_node *n)
{
    bool inl = false, noinl = false;
    for (uint32_t i = 0; i < n->nin; i++) {
        if (g->edges[n->in[i]].inline_call) inl = true;
        else noinl = true;
    }
    return inl ? (noinl ? "(partial-inline)" : "(inline)") : "";
}

/* ---- top ---- */

static void top_json(FILE *out, const gmd_graph *g, const gmd_report_opts *o)
{
    gmd_json j;
    gmd_json_init(&j, out, false);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "sample_type");
    gmd_json_string(&j, g->stacks->value_type.type);
    gmd_json_key(&j, "unit");
    gmd_json_string(&j, g->stacks->value_type.unit);
    gmd_json_key(&j, "granularity");
    gmd_json_string(&j, g->granularity == GMD_GRAN_LINES ? "lines" : "functions");
    gmd_json_key(&j, "sort");
    gmd_json_string(&j, o->cum ? "cum" : "flat");
    gmd_json_key(&j, "total");
    gmd_json_int(&j, g->total);
    gmd_json_key(&j, "shown");
    gmd_json_int(&j, g->shown);
    gmd_json_key(&j, "shown_pct");
    gmd_json_double(&j, g->total ? 100.0 * (double)abs64(g->shown) / (double)g->total : 0);
    gmd_json_key(&j, "dropped_nodes");
    gmd_json_uint(&j, g->dropped_nodes);
    gmd_json_key(&j, "dropped_cutoff");
    gmd_json_int(&j, g->dropped_cutoff);
    gmd_json_key(&j, "node_count");
    gmd_json_uint(&j, g->orig_count);
    gmd_json_key(&j, "nodes");
    gmd_json_array_begin(&j);
    int64_t sum = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        const gmd_graph_node *n = &g->nodes[i];
        double t = g->total ? (double)g->total : 1;
        sum += n->flat;
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "name");
        gmd_json_string(&j, n->label);
        gmd_json_key(&j, "function");
        gmd_json_string(&j, n->name);
        gmd_json_key(&j, "file");
        gmd_json_string(&j, n->file);
        if (g->granularity == GMD_GRAN_LINES) {
            gmd_json_key(&j, "line");
            gmd_json_int(&j, n->line);
        }
        gmd_json_key(&j, "flat");
        gmd_json_int(&j, n->flat);
        gmd_json_key(&j, "flat_pct");
        gmd_json_double(&j, 100.0 * (double)n->flat / t);
        gmd_json_key(&j, "sum_pct");
        gmd_json_double(&j, 100.0 * (double)sum / t);
        gmd_json_key(&j, "cum");
        gmd_json_int(&j, n->cum);
        gmd_json_key(&j, "cum_pct");
        gmd_json_double(&j, 100.0 * (double)n->cum / t);
        const char *inl = inline_label(g, n);
        if (inl[0]) {
            gmd_json_key(&j, "inline");
            gmd_json_string(&j, !strcmp(inl, "(inline)") ? "inline" : "partial");
        }
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
}

int gmd_report_top(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err)
{
    gmd_graph_opts go;
    graph_opts_for(o, &go, 20, true);   /* gmd top shows 20 rows unless -n says otherwise */
    gmd_graph g;
    if (gmd_graph_build(s, &go, &g, err) < 0) return -1;
    if (o->json) {
        top_json(out, &g, o);
        gmd_graph_free(&g);
        return 0;
    }
    fmt_ctx c = {s->value_type.unit, gmd_report_output_unit(&g), g.total};
    report_labels(out, &g, o, &c);
    fprintf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
    int64_t sum = 0;
    char a[VBUF], b[VBUF], d[VBUF], e[VBUF], f[VBUF];
    for (uint32_t i = 0; i < g.nnodes; i++) {
        const gmd_graph_node *n = &g.nodes[i];
        sum += n->flat;
        const char *inl = inline_label(&g, n);
        fprintf(out, "%10s %s %s %10s %s  %s%s%s\n", fv(&c, n->flat, a), pct(n->flat, g.total, b), pct(sum, g.total, d),
                fv(&c, n->cum, e), pct(n->cum, g.total, f), n->label, inl[0] ? " " : "", inl);
    }
    gmd_graph_free(&g);
    return 0;
}

/* ---- tree and peek ---- */

static int print_tree(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, bool peek, gmd_err *err)
{
    regex_t re;
    if (peek && gmd_regex_compile(&re, o->symbol ? o->symbol : "", "peek", err) < 0) return -1;
    gmd_graph_opts go;
    graph_opts_for(o, &go, 80, !peek);   /* pprof never trims peek */
    gmd_graph g;
    if (gmd_graph_build(s, &go, &g, err) < 0) {
        if (peek) regfree(&re);
        return -1;
    }
    static const char sep[] = "----------------------------------------------------------+-------------";
    fmt_ctx c = {s->value_type.unit, gmd_report_output_unit(&g), g.total};
    report_labels(out, &g, o, &c);
    fprintf(out, "%s\n", sep);
    fputs("      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n", out);
    char a[VBUF], b[VBUF], d[VBUF], e[VBUF], f[VBUF];
    int64_t sum = 0;
    uint32_t matched = 0;
    for (uint32_t i = 0; i < g.nnodes; i++) {
        const gmd_graph_node *n = &g.nodes[i];
        if (peek && regexec(&re, n->label, 0, NULL, 0) != 0) continue;
        matched++;
        fprintf(out, "%s\n", sep);
        for (uint32_t k = 0; k < n->nin; k++) {
            const gmd_graph_edge *ed = &g.edges[n->in[k]];
            fprintf(out, "%50s %s |   %s%s\n", fv(&c, ed->weight, a), pct(ed->weight, n->cum, b), g.nodes[ed->src].label,
                    ed->inline_call ? " (inline)" : "");
        }
        sum += n->flat;
        fprintf(out, "%10s %s %s %10s %s                | %s\n", fv(&c, n->flat, a), pct(n->flat, g.total, b),
                pct(sum, g.total, d), fv(&c, n->cum, e), pct(n->cum, g.total, f), n->label);
        for (uint32_t k = 0; k < n->nout; k++) {
            const gmd_graph_edge *ed = &g.edges[n->out[k]];
            fprintf(out, "%50s %s |   %s%s\n", fv(&c, ed->weight, a), pct(ed->weight, n->cum, b), g.nodes[ed->dst].label,
                    ed->inline_call ? " (inline)" : "");
        }
    }
    if (g.nnodes > 0) fprintf(out, "%s\n", sep);
    gmd_graph_free(&g);
    if (peek) regfree(&re);
    if (peek && matched == 0) return gmd_errf(err, "no function matches '%s'", o->symbol ? o->symbol : "");
    return 0;
}

int gmd_report_peek(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err)
{
    return print_tree(out, s, o, true, err);
}

int gmd_report_tree(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err)
{
    return print_tree(out, s, o, false, err);
}

/* ---- traces ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* pprof's unit for a numeric label: its own, else guessed from the key. */
static const char *num_label_unit(const gmd_label *l)
{
    if (l->num_unit && l->num_unit[0]) return l->num_unit;
    if (!strcmp(l->key, "request") || !strcmp(l->key, "alignment")) return "bytes";
    return l->key;
}

/* A growable text buffer for one sample's label lines. */
typedef struct tbuf {
    char *b;
    size_t len, cap;
} tbuf;

static void tbuf_put(tbuf *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->b = gmd_xrealloc(t->b, t->cap);
    }
    memcpy(t->b + t->len, s, n);
    t->len += n;
    t->b[t->len] = 0;
}

/* pprof prints each label key once with its values space-separated,
 * "%10s:  %s", string labels then numeric ones, each group sorted. Appends
 * those lines to t. */
static void trace_labels(tbuf *t, const gmd_sample *sm, bool numeric)
{
    if (!sm->nlabels) return;
    char **lines = gmd_xcalloc(sm->nlabels, sizeof *lines);
    uint32_t nl = 0;
    char v[VBUF];
    for (uint32_t i = 0; i < sm->nlabels; i++) {
        const gmd_label *l = &sm->labels[i];
        bool is_num = !l->str[0];
        if (is_num != numeric) continue;
        bool seen = false;
        for (uint32_t k = 0; k < i && !seen; k++)
            seen = sm->labels[k].key == l->key && (!sm->labels[k].str[0]) == numeric;
        if (seen) continue;
        size_t cap = 64, len = 0;
        char *line = gmd_xmalloc(cap);
        len = (size_t)snprintf(line, cap, "%10s: ", l->key);
        if (len >= cap) {
            cap = len + 64;
            line = gmd_xrealloc(line, cap);
            len = (size_t)snprintf(line, cap, "%10s: ", l->key);
        }
        for (uint32_t k = i; k < sm->nlabels; k++) {
            const gmd_label *m = &sm->labels[k];
            if (m->key != l->key || (!m->str[0]) != numeric) continue;
            const char *val = numeric ? gmd_fmt_value(m->num, num_label_unit(m), v, sizeof v) : m->str;
            size_t need = len + strlen(val) + 3;
            if (need > cap) {
                cap = need * 2;
                line = gmd_xrealloc(line, cap);
            }
            len += (size_t)snprintf(line + len, cap - len, " %s", val);
        }
        lines[nl++] = line;
    }
    qsort(lines, nl, sizeof *lines, cmp_str);
    for (uint32_t i = 0; i < nl; i++) {
        tbuf_put(t, lines[i], strlen(lines[i]));
        tbuf_put(t, "\n", 1);
        free(lines[i]);
    }
    free(lines);
}

/* Whether frame f was inlined into its caller c (NULL: f is outermost): the
 * caller frame is a later (outer) line of the same location. */
static bool frame_inlined_into(const gmd_stackset *s, const gmd_frame *f, const gmd_frame *c)
{
    if (!c || f->location != c->location) return false;
    const gmd_location *l = &s->profile->locations[f->location];
    uint32_t fi = 0, ci = 0;
    for (uint32_t j = 0; j < l->nlines; j++) {
        if (l->lines[j].function == f->function && l->lines[j].line == f->line) fi = j;
        if (l->lines[j].function == c->function && l->lines[j].line == c->line) ci = j;
    }
    return ci > fi;
}

static bool frame_inlined(const gmd_stackset *s, const gmd_stack *st, uint32_t k)
{
    return frame_inlined_into(s, &st->frames[k], k + 1 < st->nframes ? &st->frames[k + 1] : NULL);
}

static const char *frame_label(const gmd_stackset *s, const gmd_frame *f, gmd_granularity gran, char *buf, size_t size)
{
    const gmd_profile *p = s->profile;
    if (f->function != GMD_NONE) {
        const gmd_function *fn = &p->functions[f->function];
        if (gran == GMD_GRAN_LINES) {
            snprintf(buf, size, "%s %s:%lld", fn->name, fn->filename, (long long)f->line);
            return buf;
        }
        if (fn->name[0]) return fn->name;
    }
    const gmd_location *l = &p->locations[f->location];
    if (l->mapping != GMD_NONE && p->mappings[l->mapping].filename[0]) {
        snprintf(buf, size, "[%s]", base_name(p->mappings[l->mapping].filename));
        return buf;
    }
    return "<unknown>";
}

static void traces_json(FILE *out, const gmd_stackset *s, const gmd_report_opts *o)
{
    gmd_json j;
    char buf[1024];
    gmd_json_init(&j, out, false);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "sample_type");
    gmd_json_string(&j, s->value_type.type);
    gmd_json_key(&j, "unit");
    gmd_json_string(&j, s->value_type.unit);
    gmd_json_key(&j, "total");
    gmd_json_int(&j, s->total_unfiltered);
    gmd_json_key(&j, "traces");
    gmd_json_array_begin(&j);
    for (uint32_t i = 0; i < s->nstacks; i++) {
        const gmd_stack *st = &s->stacks[i];
        if (!st->nframes) continue;
        const gmd_sample *sm = &s->profile->samples[st->sample];
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "value");
        gmd_json_int(&j, st->value);
        if (sm->nlabels) {
            gmd_json_key(&j, "labels");
            gmd_json_array_begin(&j);
            for (uint32_t k = 0; k < sm->nlabels; k++) {
                const gmd_label *l = &sm->labels[k];
                gmd_json_object_begin(&j);
                gmd_json_key(&j, "key");
                gmd_json_string(&j, l->key);
                if (l->str[0]) {
                    gmd_json_key(&j, "str");
                    gmd_json_string(&j, l->str);
                } else {
                    gmd_json_key(&j, "num");
                    gmd_json_int(&j, l->num);
                    if (l->num_unit && l->num_unit[0]) {
                        gmd_json_key(&j, "unit");
                        gmd_json_string(&j, l->num_unit);
                    }
                }
                gmd_json_object_end(&j);
            }
            gmd_json_array_end(&j);
        }
        gmd_json_key(&j, "frames");
        gmd_json_array_begin(&j);
        for (uint32_t k = 0; k < st->nframes; k++) {
            const gmd_frame *f = &st->frames[k];
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "function");
            gmd_json_string(&j, frame_label(s, f, GMD_GRAN_FUNCTIONS, buf, sizeof buf));
            if (f->function != GMD_NONE) {
                gmd_json_key(&j, "file");
                gmd_json_string(&j, s->profile->functions[f->function].filename);
                gmd_json_key(&j, "line");
                gmd_json_int(&j, f->line);
            }
            if (frame_inlined(s, st, k)) {
                gmd_json_key(&j, "inline");
                gmd_json_bool(&j, true);
            }
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
    (void)o;
}

/* traces prints a line per frame of every sample (127 MB for 300,000 heap
 * samples), so formatting each line through fprintf was most of its time.
 * Lines are assembled in a buffer written in big blocks, and what repeats
 * is formatted once: a sample's label lines per label set (equal sets share
 * one array), its value per distinct value, a function name's length per
 * function. The small caches are direct-mapped, so their memory is fixed. */
#define TRACE_OBUF (1 << 16)
#define TRACE_CACHE 1024

typedef struct trace_out {
    FILE *out;
    size_t len;
    char b[TRACE_OBUF];
} trace_out;

static void tout_flush(trace_out *t)
{
    if (t->len) fwrite(t->b, 1, t->len, t->out);
    t->len = 0;
}

static void tout_put(trace_out *t, const char *s, size_t n)
{
    if (t->len + n > TRACE_OBUF) {
        tout_flush(t);
        if (n > TRACE_OBUF) {
            fwrite(s, 1, n, t->out);
            return;
        }
    }
    memcpy(t->b + t->len, s, n);
    t->len += n;
}

typedef struct label_slot {
    const gmd_label *labels;
    uint32_t nlabels;
    tbuf text;
} label_slot;

typedef struct value_slot {
    int64_t value;
    bool used;
    uint8_t len;
    char text[VBUF + 16];       /* "%10s   " of the formatted value */
} value_slot;

static void reserve_frames(const gmd_frame ***a, size_t *cap, size_t need)
{
    if (need <= *cap) return;
    *cap = need * 2;
    *a = gmd_xrealloc(*a, *cap * sizeof **a);
}

static size_t hash_ptr(const void *p) { return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 32); }

int gmd_report_traces(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err)
{
    (void)err;
    if (o->json) {
        traces_json(out, s, o);
        return 0;
    }
    static const char sep[] = "-----------+-------------------------------------------------------\n";
    static const char pad[] = "             "; /* "%10s   " of "" */
    gmd_report_profile_labels(out, s, NULL);
    fflush(out);
    const gmd_profile *p = s->profile;
    trace_out *t = gmd_xmalloc(sizeof *t);
    t->out = out;
    t->len = 0;
    label_slot *ls = gmd_xcalloc(TRACE_CACHE, sizeof *ls);
    value_slot *vs = gmd_xcalloc(TRACE_CACHE, sizeof *vs);
    uint32_t *fnlen = gmd_xcalloc(p->nfunctions ? p->nfunctions : 1, sizeof *fnlen); /* length + 1; 0 = not yet */
    const gmd_frame **fr = NULL;
    size_t capfr = 0;
    char v[VBUF], buf[1024];
    for (uint32_t i = 0; i < s->nstacks; i++) {
        const gmd_stack *st = &s->stacks[i];
        if (!st->nframes) continue;
        const gmd_sample *sm = &p->samples[st->sample];
        tout_put(t, sep, sizeof sep - 1);
        if (sm->nlabels) {
            label_slot *l = &ls[hash_ptr(sm->labels) % TRACE_CACHE];
            if (l->labels != sm->labels || l->nlabels != sm->nlabels) {
                l->labels = sm->labels;
                l->nlabels = sm->nlabels;
                l->text.len = 0;
                if (l->text.b) l->text.b[0] = 0;
                trace_labels(&l->text, sm, false);
                trace_labels(&l->text, sm, true);
            }
            tout_put(t, l->text.b ? l->text.b : "", l->text.len);
        }
        value_slot *vl = &vs[(size_t)((uint64_t)st->value * 0x9E3779B97F4A7C15ull >> 40) % TRACE_CACHE];
        if (!vl->used || vl->value != st->value) {
            int n = snprintf(vl->text, sizeof vl->text, "%10s   ", gmd_fmt_value(st->value, s->value_type.unit, v, sizeof v));
            vl->len = (uint8_t)(n < 0 ? 0 : (size_t)n >= sizeof vl->text ? sizeof vl->text - 1 : (size_t)n);
            vl->value = st->value;
            vl->used = true;
        }
        /* The stack's frames, leaf first: its own list, or (built with
         * location_frames_only, which spares the big per-stack copy) its
         * locations' frames from the per-location tables. */
        uint32_t nf = 0;
        if (st->frames) {
            reserve_frames(&fr, &capfr, st->nframes);
            for (uint32_t k = 0; k < st->nframes; k++) fr[nf++] = &st->frames[k];
        } else {
            for (uint32_t k = 0; k < sm->nlocations; k++) {
                uint32_t loc = sm->locations[k];
                const gmd_frame *lf = s->loc_frames + s->loc_first[loc];
                uint32_t c = s->loc_nframes[loc];
                reserve_frames(&fr, &capfr, (size_t)nf + c);
                for (uint32_t j = 0; j < c; j++) fr[nf++] = &lf[j];
            }
        }
        for (uint32_t k = 0; k < nf; k++) {
            const gmd_frame *f = fr[k];
            if (k == 0) tout_put(t, vl->text, vl->len);
            else tout_put(t, pad, sizeof pad - 1);
            const char *name = frame_label(s, f, o->granularity, buf, sizeof buf);
            size_t n;
            if (f->function != GMD_NONE && name == p->functions[f->function].name) {
                if (!fnlen[f->function]) fnlen[f->function] = (uint32_t)strlen(name) + 1;
                n = fnlen[f->function] - 1;
            } else {
                n = strlen(name);
            }
            tout_put(t, name, n);
            if (frame_inlined_into(s, f, k + 1 < nf ? fr[k + 1] : NULL)) tout_put(t, " (inline)", 9);
            tout_put(t, "\n", 1);
        }
    }
    tout_put(t, sep, sizeof sep - 1);
    tout_flush(t);
    for (size_t i = 0; i < TRACE_CACHE; i++) free(ls[i].text.b);
    free(ls);
    free(vs);
    free(fnlen);
    free(fr);
    free(t);
    return 0;
}
