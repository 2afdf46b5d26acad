/* Call graphs in Graphviz DOT (see gmd/dot.h), and SVG through Graphviz's
 * library when gmd was built with it. The graph, its trimming and its node
 * order come from graph.c; this file only decides how it looks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/dot.h"
#include "gmd/markup.h"
#include "gmd/report.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"

#ifdef GMD_HAVE_GVC
#include <graphviz/gvc.h>
#include "gmd/lazylib.h"
#endif

#define VBUF 64

static int64_t abs64(int64_t v) { return v < 0 ? (v == INT64_MIN ? INT64_MAX : -v) : v; }

/* n bytes of s inside a DOT double-quoted string: quotes and backslashes
 * escaped (a lone backslash would start a Graphviz escape like \N or \l),
 * control bytes and invalid UTF-8 replaced. */
static void put_dot(FILE *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        if (c >= 0x80) {
            size_t len = gmd_utf8_len(u + i, n - i);
            if (len) fwrite(u + i, 1, len, out), i += len;
            else fputs("\xef\xbf\xbd", out), i++;
            continue;
        }
        if (c == '"' || c == '\\') fputc('\\', out), fputc((int)c, out);
        else fputc(c < 0x20 || c == 0x7f ? '?' : (int)c, out);
        i++;
    }
}

static void put_dot_str(FILE *out, const char *s) { put_dot(out, s, strlen(s)); }

typedef struct dot_ctx {
    FILE *out;
    const gmd_graph *g;
    const char *unit, *out_unit;
    int64_t max_flat, max_edge;
} dot_ctx;

static const char *val(const dot_ctx *c, int64_t v, char *buf)
{
    return gmd_fmt_value_in(v, c->unit, c->out_unit, buf, VBUF);
}

static const char *pct(const dot_ctx *c, int64_t v, char *buf)
{
    const char *p = gmd_fmt_percent(v, c->g->total, buf, VBUF);
    while (*p == ' ') p++;
    return p;
}

/* Colour for a share of the total: grey for nothing, deep red for all of it
 * (blue when negative, in a --base diff). `fill` gives the pale version for
 * box backgrounds. The square root makes small shares visible. */
static void put_colour(FILE *out, double share, bool fill)
{
    double t = sqrt(fmin(fabs(share), 1.0));
    int base = fill ? 248 : 178, hi = fill ? 236 : 178, lo = fill ? 206 : 0;
    int strong = (int)lround(base + (hi - base) * t), other = (int)lround(base + (lo - base) * t);
    int r = share < 0 ? other : strong, b = share < 0 ? strong : other;
    fprintf(out, "\"#%02x%02x%02x\"", r, other, b);
}

/* pprof's ShortenFunctionName, the name a dot node shows: its Go module
 * version, package path, Java package and C++ namespace rules, written out
 * by hand because they are Go (RE2) regexes whose leftmost-first, greedy
 * matching POSIX regexes do not reproduce. The result is a copy (free it). */
static int is_word(int c) { return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* `^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$` -> `${1}${2}`: the first /vN
 * (N >= 2) followed by '.' or '/' is dropped. */
static void drop_go_major_version(char *f)
{
    for (char *p = f; (p = strstr(p, "/v")) != NULL; p++) {
        const char *d = p + 2, *e = NULL;
        if (*d >= '2' && *d <= '9' && (d[1] == '.' || d[1] == '/')) {
            e = d + 1;
        } else if (*d >= '1' && *d <= '9' && is_digit(d[1])) {
            e = d + 1;
            while (is_digit(*e)) e++;
            if (*e != '.' && *e != '/') e = NULL;
        }
        if (e && !strchr(e, '\n')) {
            memmove(p, e, strlen(e) + 1);
            return;
        }
    }
}

/* `^(?:[\w\-\.]+\/)+([^.]+\..+)`: after the longest run of path segments
 * that leaves "x.y", or NULL. */
static const char *go_short(const char *f)
{
    const char *best = NULL, *seg = f;
    for (const char *p = f; *p; p++) {
        if (*p == '/') {
            if (p == seg) break;
            const char *r = p + 1, *dot = strchr(r, '.');
            if (*r && *r != '.' && dot && dot[1] && dot[1] != '\n') best = r;
            seg = p + 1;
        } else if (!is_word((unsigned char)*p) && *p != '-' && *p != '.') {
            break;
        }
    }
    return best;
}

/* `^(?:[a-z]\w*\.)*([A-Z][\w\$]*\.(?:<init>|[a-z][\w\$]*(?:\$\d+)?))(?:(?:\()|$)`:
 * the class and method of a Java name; sets *len. */
static const char *java_short(const char *f, size_t *len)
{
    const char *q = f;
    while (is_lower((unsigned char)*q)) {   /* the longest [a-z]\w*\. prefix */
        const char *e = q + 1;
        while (is_word((unsigned char)*e)) e++;
        if (*e != '.') break;
        q = e + 1;
    }
    if (!is_upper((unsigned char)*q)) return NULL;   /* shorter prefixes end before a lower-case letter */
    const char *e = q + 1;
    while (is_word((unsigned char)*e) || *e == '$') e++;
    if (*e++ != '.') return NULL;
    if (!strncmp(e, "<init>", 6)) {
        e += 6;
    } else {
        if (!is_lower((unsigned char)*e)) return NULL;
        while (is_word((unsigned char)*e) || *e == '$') e++;
    }
    if (*e && *e != '(') return NULL;
    *len = (size_t)(e - q);
    return q;
}

/* `^(?:[_a-zA-Z]\w*::)+(_*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)?)`: a C++ class
 * and method; sets *len. */
static const char *cpp_short(const char *f, size_t *len)
{
    const char *starts[256];
    size_t n = 0;
    const char *p = f;
    while (n < 256 && (*p == '_' || is_upper((unsigned char)*p) || is_lower((unsigned char)*p))) {
        const char *e = p + 1;
        while (is_word((unsigned char)*e)) e++;
        if (e[0] != ':' || e[1] != ':') break;
        p = e + 2;
        starts[n++] = p;
    }
    while (n > 0) {   /* greedy: the most segments first */
        const char *q = starts[--n], *e = q;
        while (*e == '_') e++;
        if (!is_upper((unsigned char)*e)) continue;
        while (is_word((unsigned char)*e)) e++;
        if (e[0] != ':' || e[1] != ':') continue;
        e += 2;
        if (*e == '~') e++;
        if (*e != '_' && !is_upper((unsigned char)*e) && !is_lower((unsigned char)*e)) continue;
        while (is_word((unsigned char)*e)) e++;
        const char *gt = *e == '<' ? strrchr(e, '>') : NULL;
        if (gt && !memchr(e, '\n', (size_t)(gt - e))) e = gt + 1;
        *len = (size_t)(e - q);
        return q;
    }
    return NULL;
}

static char *pprof_short_name(const char *name)
{
    static const char anon[] = "(anonymous namespace)::";
    if (!strncmp(name, anon, sizeof anon - 1)) name += sizeof anon - 1;
    char *f = gmd_xstrdup(name);
    drop_go_major_version(f);
    const char *s = go_short(f);
    size_t len = 0;
    if (s) len = strlen(s);
    else s = java_short(f, &len);
    if (!s) s = cpp_short(f, &len);
    if (s) {
        memmove(f, s, len);
        f[len] = '\0';
    }
    return f;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void write_legend(dot_ctx *c, const gmd_dot_opts *o, const char *graph_name)
{
    FILE *out = c->out;
    const gmd_graph *g = c->g;
    char a[VBUF], b[VBUF], d[VBUF];

    /* The profile's header lines come from the text reports, so dot and top
     * describe a profile the same way; DOT wants "\l" line ends. */
    char *hdr = NULL;
    size_t hlen = 0;
    FILE *mem = open_memstream(&hdr, &hlen);
    if (mem) {
        gmd_report_profile_labels(mem, g->stacks, c->out_unit);
        fclose(mem);
    }
    fputs("subgraph cluster_L { \"legend\" [shape=box fontsize=16 margin=\"0.15,0.1\" label=\"", out);
    if (o->title && *o->title) {
        put_dot_str(out, o->title);
        fputs("\\l", out);
    }
    for (char *line = hdr; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        put_dot(out, line, n);
        fputs("\\l", out);
        line += n + (nl ? 1 : 0);
    }
    free(hdr);
    if (o->select) {
        const char *names[4] = {"focus", "ignore", "hide", "show"};
        const char *vals[4] = {o->select->focus, o->select->ignore, o->select->hide, o->select->show};
        bool any = false;
        for (int i = 0; i < 4; i++) {
            if (!vals[i] || !*vals[i]) continue;
            if (!any) fputs("Active filters:\\l", out);
            any = true;
            fprintf(out, "   %s=", names[i]);
            put_dot_str(out, vals[i]);
            fputs("\\l", out);
        }
    }
    fprintf(out, "Showing nodes accounting for %s, %s of %s total\\l", val(c, g->shown, a), pct(c, g->shown, b),
            val(c, g->total, d));
    if (g->dropped_nodes)
        fprintf(out, "Dropped %u node%s (cum <= %s)\\l", g->dropped_nodes, g->dropped_nodes == 1 ? "" : "s",
                val(c, g->dropped_cutoff, a));
    if (g->dropped_edges)
        fprintf(out, "Dropped %u edge%s (freq <= %s)\\l", g->dropped_edges, g->dropped_edges == 1 ? "" : "s",
                val(c, g->dropped_edge_cutoff, a));
    if (g->nnodes < g->orig_count) fprintf(out, "Showing top %u nodes out of %u\\l", g->nnodes, g->orig_count);
    fputs("\" tooltip=\"", out);
    put_dot_str(out, graph_name);
    fputs("\"] }\n", out);
}

/* pprof's multilinePrintableName: a line per "." or "::" part, except
 * inside a type parameter list elided as "[...]" (printed "[…]"). */
static void put_name_lines(FILE *out, const char *s)
{
    const char *start = s;
    for (; *s; s++) {
        if (!strncmp(s, "[...]", 5)) {
            put_dot(out, start, (size_t)(s - start));
            fputs("[\xe2\x80\xa6]", out);
            s += 4;
            start = s + 1;
        } else if (*s == '.' || (s[0] == ':' && s[1] == ':')) {
            put_dot(out, start, (size_t)(s - start));
            fputs("\\n", out);
            if (*s == ':') s++;
            start = s + 1;
        }
    }
    put_dot(out, start, (size_t)(s - start));
}

static void write_node(dot_ctx *c, uint32_t i)
{
    FILE *out = c->out;
    const gmd_graph_node *n = &c->g->nodes[i];
    char a[VBUF], b[VBUF];

    fprintf(out, "N%u [label=\"", i + 1);
    if (n->name[0]) {
        /* pprof's short name, a line per "." or "::" part. */
        char *short_name = pprof_short_name(n->name);
        put_name_lines(out, short_name);
        free(short_name);
        if (c->g->granularity == GMD_GRAN_LINES && n->file[0]) {
            fputs("\\n", out);
            put_dot_str(out, base_name(n->file));
            fprintf(out, ":%lld", (long long)n->line);
        }
    } else {
        put_dot_str(out, n->label);
    }
    if (n->flat == 0) {
        fprintf(out, "\\n0 of %s (%s)", val(c, n->cum, a), pct(c, n->cum, b));
    } else {
        fprintf(out, "\\n%s (%s)", val(c, n->flat, a), pct(c, n->flat, b));
        if (n->cum != n->flat) fprintf(out, "\\nof %s (%s)", val(c, n->cum, a), pct(c, n->cum, b));
    }
    /* Box (text) size by flat: 9pt for nothing, up to 24pt for the heaviest. */
    double f = c->max_flat ? sqrt((double)abs64(n->flat) / (double)c->max_flat) : 0;
    fprintf(out, "\" id=\"node%u\" fontsize=%d shape=box tooltip=\"", i + 1, 9 + (int)lround(15 * f));
    put_dot_str(out, n->label);
    fprintf(out, " (%s)\" color=", val(c, n->cum, a));
    double share = c->g->total ? (double)n->cum / (double)c->g->total : 0;
    put_colour(out, share, false);
    fputs(" fillcolor=", out);
    put_colour(out, share, true);
    fputs("]\n", out);
}

/* ---- nodelets: pprof's label and size boxes under a node ----
 * A node's string label sets (e.g. goroutine labels) and numeric labels
 * (a heap sample's allocation size) hang under it as small boxes, at most
 * four of each kind; numeric ones are collapsed into four ranges. Internal
 * nodes show flat values, leaves cum (which includes trimmed callees). */

#define MAX_NODELETS 4

typedef struct nodelet {
    char name[160];
    int64_t value;            /* numeric: the value the name was made from */
    const char *unit;
    int64_t flat, cum;
} nodelet;

static bool tags_flat;        /* the sort's mode (qsort has no context argument here) */

/* pprof's tags.Less */
static int cmp_nodelet(const void *pa, const void *pb)
{
    const nodelet *a = pa, *b = pb;
    if (!tags_flat && a->cum != b->cum) return abs64(a->cum) > abs64(b->cum) ? -1 : 1;
    if (a->flat != b->flat) return abs64(a->flat) > abs64(b->flat) ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void put_tag_label(FILE *out, const char *s)
{
    /* Label sets are joined by a literal "\n", a DOT line break: keep it. */
    for (const char *sep; (sep = strstr(s, "\\n")) != NULL; s = sep + 2) {
        put_dot(out, s, (size_t)(sep - s));
        fputs("\\n", out);
    }
    put_dot_str(out, s);
}

static const char *tag_label(const dot_ctx *c, int64_t v, const char *unit, char *buf)
{
    if (c->g->format_tag) return c->g->format_tag(v, unit, buf, VBUF);
    snprintf(buf, VBUF, "%lld", (long long)v);
    return buf;
}

/* pprof's collapsedTags: the first `count` by weight head a group each; the
 * rest join the head nearest in value; a group prints as "min..max". */
static uint32_t collapse(const dot_ctx *c, nodelet *ts, uint32_t n, bool flat)
{
    tags_flat = flat;
    qsort(ts, n, sizeof *ts, cmp_nodelet);
    if (n <= MAX_NODELETS) return n;
    nodelet heads[MAX_NODELETS];
    int64_t lo[MAX_NODELETS], hi[MAX_NODELETS];
    const char *lou[MAX_NODELETS], *hiu[MAX_NODELETS];
    uint32_t size[MAX_NODELETS];
    for (uint32_t i = 0; i < MAX_NODELETS; i++) {
        heads[i] = ts[i];
        lo[i] = hi[i] = ts[i].value;
        lou[i] = hiu[i] = ts[i].unit;
        size[i] = 1;
    }
    for (uint32_t k = MAX_NODELETS; k < n; k++) {
        uint32_t best = 0;
        double d = fabs((double)ts[k].value - (double)ts[0].value);
        for (uint32_t i = 1; i < MAX_NODELETS; i++) {
            double nd = fabs((double)ts[k].value - (double)ts[i].value);
            if (nd < d) best = i, d = nd;
        }
        heads[best].flat += ts[k].flat;
        heads[best].cum += ts[k].cum;
        if (ts[k].value < lo[best]) lo[best] = ts[k].value, lou[best] = ts[k].unit;
        if (ts[k].value > hi[best]) hi[best] = ts[k].value, hiu[best] = ts[k].unit;
        size[best]++;
    }
    for (uint32_t i = 0; i < MAX_NODELETS; i++) {
        char a[VBUF], b[VBUF];
        if (size[i] > 1)
            snprintf(heads[i].name, sizeof heads[i].name, "%s..%s", tag_label(c, lo[i], lou[i], a),
                     tag_label(c, hi[i], hiu[i], b));
        ts[i] = heads[i];
    }
    qsort(ts, MAX_NODELETS, sizeof *ts, cmp_nodelet);
    return MAX_NODELETS;
}

static bool numeric_nodelets(const dot_ctx *c, nodelet *ts, uint32_t n, bool flat, const char *source)
{
    FILE *out = c->out;
    bool any = false;
    n = collapse(c, ts, n, flat);
    for (uint32_t j = 0; j < n; j++) {
        int64_t w = ts[j].cum;
        const char *attr = " style=\"dotted\"";
        if (flat || ts[j].flat == ts[j].cum) w = ts[j].flat, attr = "";
        if (w == 0) continue;
        char a[VBUF];
        val(c, w, a);
        fprintf(out, "N%s_%u [label = \"", source, j);
        put_dot_str(out, ts[j].name);
        fprintf(out, "\" id=\"N%s_%u\" fontsize=8 shape=box3d tooltip=\"%s\"]\n", source, j, a);
        fprintf(out, "%s -> N%s_%u [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"%s]\n", source, source, j,
                a, a, a, attr);
        any = true;
    }
    return any;
}

/* The nodelets of node i (its tags are t[0..nt)); whether any was drawn. */
static bool write_nodelets(const dot_ctx *c, uint32_t i, const gmd_graph_tag *t, uint32_t nt)
{
    if (nt == 0) return false;
    FILE *out = c->out;
    bool flat = c->g->nodes[i].nout > 0;
    bool any = false;
    nodelet *ls = gmd_xmalloc(nt * sizeof *ls), *ns = gmd_xmalloc(nt * sizeof *ns);
    const char **lsets = gmd_xmalloc(nt * sizeof *lsets);
    uint32_t nl = 0;
    for (uint32_t k = 0; k < nt; k++)
        if (!t[k].unit) {
            nodelet x = {"", 0, NULL, t[k].flat, t[k].cum};
            snprintf(x.name, sizeof x.name, "%s", t[k].name);
            lsets[nl] = t[k].name;
            ls[nl++] = x;
        }
    /* Label sets, heaviest first, then the numeric tags under each. */
    tags_flat = flat;
    uint32_t *order = gmd_xmalloc((nl + 1) * sizeof *order);
    for (uint32_t k = 0; k < nl; k++) order[k] = k;
    for (uint32_t a = 1; a < nl; a++)   /* insertion sort by cmp_nodelet, carrying lsets along */
        for (uint32_t b = a; b > 0 && cmp_nodelet(&ls[order[b]], &ls[order[b - 1]]) < 0; b--) {
            uint32_t x = order[b];
            order[b] = order[b - 1];
            order[b - 1] = x;
        }
    uint32_t shown = nl < MAX_NODELETS ? nl : MAX_NODELETS;
    for (uint32_t k = 0; k < shown; k++) {
        const nodelet *l = &ls[order[k]];
        int64_t w = flat ? l->flat : l->cum;
        if (w == 0) continue;
        char a[VBUF], src[32];
        val(c, w, a);
        fprintf(out, "N%u_%u [label = \"", i + 1, k);
        put_tag_label(out, l->name);
        fprintf(out, "\" id=\"N%u_%u\" fontsize=8 shape=box3d tooltip=\"%s\"]\n", i + 1, k, a);
        fprintf(out, "N%u -> N%u_%u [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"]\n", i + 1, i + 1, k, a, a, a);
        any = true;
        uint32_t nn = 0;
        for (uint32_t m = 0; m < nt; m++)
            if (t[m].unit && t[m].labels == lsets[order[k]]) {
                nodelet x = {"", t[m].value, t[m].unit, t[m].flat, t[m].cum};
                snprintf(x.name, sizeof x.name, "%s", t[m].name);
                ns[nn++] = x;
            }
        snprintf(src, sizeof src, "N%u_%u", i + 1, k);
        if (nn) numeric_nodelets(c, ns, nn, flat, src);
    }
    uint32_t nn = 0;
    for (uint32_t m = 0; m < nt; m++)
        if (t[m].unit && !t[m].labels[0]) {
            nodelet x = {"", t[m].value, t[m].unit, t[m].flat, t[m].cum};
            snprintf(x.name, sizeof x.name, "%s", t[m].name);
            ns[nn++] = x;
        }
    if (nn) {
        char src[32];
        snprintf(src, sizeof src, "N%u", i + 1);
        if (numeric_nodelets(c, ns, nn, flat, src)) any = true;
    }
    free(order);
    free(lsets);
    free(ls);
    free(ns);
    return any;
}

static void write_edge(dot_ctx *c, const gmd_graph_edge *e, bool src_has_nodelets)
{
    FILE *out = c->out;
    const gmd_graph *g = c->g;
    char a[VBUF];
    double share = g->total ? (double)e->weight / (double)g->total : 0;
    int weight = 1 + (int)lround(99 * fmin(fabs(share), 1.0));
    double pen = c->max_edge ? 1 + 4 * (double)abs64(e->weight) / (double)c->max_edge : 1;
    fprintf(out, "N%u -> N%u [label=\" %s%s\" weight=%d", e->src + 1, e->dst + 1, val(c, e->weight, a),
            e->inline_call ? "\\n (inline)" : "", weight);
    if (pen >= 1.1) fprintf(out, " penwidth=%.1f", pen);
    fputs(" color=", out);
    put_colour(out, share, false);
    if (e->inline_call) fputs(" style=dashed", out);
    else if (e->residual) fputs(" style=dotted", out);
    if (src_has_nodelets) fputs(" minlen=2", out);   /* room for the boxes, as pprof */
    fputs(" tooltip=\"", out);
    put_dot_str(out, g->nodes[e->src].label);
    fputs(" -> ", out);
    put_dot_str(out, g->nodes[e->dst].label);
    fprintf(out, " (%s)%s\" labeltooltip=\"", a,
            e->residual ? ", through nodes not shown" : e->inline_call ? ", inlined" : "");
    put_dot_str(out, g->nodes[e->src].label);
    fputs(" -> ", out);
    put_dot_str(out, g->nodes[e->dst].label);
    fprintf(out, " (%s)\"]\n", a);
}

int gmd_dot_write(FILE *out, const gmd_stackset *s, const gmd_dot_opts *o, gmd_err *err)
{
    gmd_dot_opts defaults = {GMD_GRAN_FUNCTIONS, -1, -1, -1, NULL, NULL};
    if (!o) o = &defaults;
    gmd_graph_opts go = {
        .granularity = o->granularity,
        .order = GMD_ORDER_ENTROPY,
        .nodefraction = o->nodefraction < 0 ? 0.005 : o->nodefraction,
        .edgefraction = o->edgefraction < 0 ? 0.001 : o->edgefraction,
        .nodecount = o->nodecount < 0 ? 80 : o->nodecount,
        .remove_redundant_edges = true,
        .count_tags = true,
        .format_tag = gmd_fmt_value,
    };
    gmd_graph g;
    if (gmd_graph_build(s, &go, &g, err) < 0) return -1;

    dot_ctx c = {out, &g, s->value_type.unit, gmd_report_output_unit(&g), 0, 0};
    for (uint32_t i = 0; i < g.nnodes; i++)
        if (abs64(g.nodes[i].flat) > c.max_flat) c.max_flat = abs64(g.nodes[i].flat);
    for (uint32_t i = 0; i < g.nedges; i++)
        if (abs64(g.edges[i].weight) > c.max_edge) c.max_edge = abs64(g.edges[i].weight);
    /* Edges to a delta profile's all-zero ghost nodes are named in tree and
     * peek; a drawing has no box for their far end (pprof draws an N0). */

    const gmd_profile *p = s->profile;
    const char *graph_name = p->nmappings && p->mappings[0].filename[0] ? base_name(p->mappings[0].filename) : "gmd";
    fputs("digraph \"", out);
    put_dot_str(out, graph_name);
    fputs("\" {\n"
          "graph [fontname=\"Helvetica\" ranksep=0.35 nodesep=0.3]\n"
          "node [style=filled fillcolor=\"#f8f8f8\" fontname=\"Helvetica\"]\n"
          "edge [fontname=\"Helvetica\" fontsize=10 arrowsize=0.7]\n",
          out);
    write_legend(&c, o, graph_name);
    gmd_graph_tag *tags;
    uint32_t ntags = gmd_graph_tags(&g, &tags), t = 0;
    bool *has_nodelets = gmd_xcalloc(g.nnodes + 1, sizeof *has_nodelets);
    for (uint32_t i = 0; i < g.nnodes; i++) {
        write_node(&c, i);
        uint32_t t0 = t;
        while (t < ntags && tags[t].node == i) t++;
        has_nodelets[i] = write_nodelets(&c, i, tags + t0, t - t0);
    }
    for (uint32_t i = 0; i < g.nedges; i++)
        if (g.edges[i].src < g.nnodes && g.edges[i].dst < g.nnodes)
            write_edge(&c, &g.edges[i], has_nodelets[g.edges[i].src]);
    free(has_nodelets);
    free(tags);
    fputs("}\n", out);
    gmd_graph_free(&g);
    if (ferror(out)) return gmd_errf(err, "write failed");
    return 0;
}

#ifdef GMD_HAVE_GVC
/* Graphviz reports problems through a callback; keep the first one for the
 * error message instead of letting the library print it. */
static char gv_message[256];

static int gv_collect(char *msg)
{
    if (!gv_message[0]) {
        snprintf(gv_message, sizeof gv_message, "%s", msg);
        size_t n = strlen(gv_message);
        while (n && (gv_message[n - 1] == '\n' || gv_message[n - 1] == ' ')) gv_message[--n] = '\0';
    }
    return 0;
}

/* Graphviz is loaded on first use (see gmd/lazylib.h): only --svg needs it. */
static struct gv_api {
    GVC_t *(*context)(void);
    Agraph_t *(*memread)(const char *text);
    int (*layout)(GVC_t *gvc, graph_t *g, const char *engine);
    int (*render_data)(GVC_t *gvc, graph_t *g, const char *format, char **result, unsigned int *length);
    void (*free_render_data)(char *data);
    int (*free_layout)(GVC_t *gvc, graph_t *g);
    int (*close)(Agraph_t *g);
    int (*free_context)(GVC_t *gvc);
    agusererrf (*seterrf)(agusererrf f);
} gv;

static gmd_lazylib gv_lib;

static bool load_graphviz(void)
{
    static const char *const sonames[] = {"libgvc.so.6", "libgvc.so", NULL};
    /* agmemread and friends live in libcgraph, which libgvc loads. */
    static const char *const symbols[] = {"gvContext", "agmemread", "gvLayout", "gvRenderData", "gvFreeRenderData",
                                          "gvFreeLayout", "agclose", "gvFreeContext", "agseterrf", NULL};
    static void *fn[sizeof symbols / sizeof *symbols];
    if (gv_lib.tried) return gv_lib.ok;
    gv_lib = (gmd_lazylib){"Graphviz's libgvc", sonames, symbols, fn, NULL, false, false, ""};
    if (!gmd_lazylib_load(&gv_lib)) return false;
    /* dlsym gives object pointers; POSIX guarantees they convert. */
    gv.context = (GVC_t * (*)(void)) fn[0];
    gv.memread = (Agraph_t * (*)(const char *)) fn[1];
    gv.layout = (int (*)(GVC_t *, graph_t *, const char *))fn[2];
    gv.render_data = (int (*)(GVC_t *, graph_t *, const char *, char **, unsigned int *))fn[3];
    gv.free_render_data = (void (*)(char *))fn[4];
    gv.free_layout = (int (*)(GVC_t *, graph_t *))fn[5];
    gv.close = (int (*)(Agraph_t *))fn[6];
    gv.free_context = (int (*)(GVC_t *))fn[7];
    gv.seterrf = (agusererrf(*)(agusererrf))fn[8];
    return true;
}

bool gmd_dot_can_render(void) { return load_graphviz(); }

int gmd_dot_render_svg(const char *dot, size_t len, FILE *out, gmd_err *err)
{
    if (!load_graphviz())
        return gmd_errf(err, "cannot render SVG: %s; install Graphviz, or pipe the DOT output to `dot -Tsvg`",
                        gv_lib.why);
    char *text = gmd_xmalloc(len + 1);
    memcpy(text, dot, len);
    text[len] = '\0';
    gv_message[0] = '\0';
    agusererrf prev = gv.seterrf(gv_collect);
    int rc = -1;
    GVC_t *gvc = gv.context();
    Agraph_t *g = gvc ? gv.memread(text) : NULL;
    char *svg = NULL;
    unsigned int svg_len = 0;
    if (!gvc) gmd_errf(err, "Graphviz: cannot start its library");
    else if (!g) gmd_errf(err, "Graphviz could not read the graph%s%s", gv_message[0] ? ": " : "", gv_message);
    else if (gv.layout(gvc, g, "dot") != 0)
        gmd_errf(err, "Graphviz layout failed%s%s", gv_message[0] ? ": " : "", gv_message);
    else if (gv.render_data(gvc, g, "svg", &svg, &svg_len) != 0 || !svg)
        gmd_errf(err, "Graphviz could not render SVG%s%s (is its 'core' plugin installed?)", gv_message[0] ? ": " : "",
                 gv_message);
    else if (fwrite(svg, 1, svg_len, out) != svg_len || ferror(out))
        gmd_errf(err, "write failed");
    else
        rc = 0;
    if (svg) gv.free_render_data(svg);
    if (g) {
        gv.free_layout(gvc, g);
        gv.close(g);
    }
    if (gvc) gv.free_context(gvc);
    gv.seterrf(prev);
    free(text);
    return rc;
}
#else
bool gmd_dot_can_render(void) { return false; }

int gmd_dot_render_svg(const char *dot, size_t len, FILE *out, gmd_err *err)
{
    (void)dot;
    (void)len;
    (void)out;
    return gmd_errf(err, "this gmd was built without Graphviz; pipe the DOT output to `dot -Tsvg`");
}
#endif
