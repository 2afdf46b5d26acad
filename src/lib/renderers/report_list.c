/* list: source lines of the functions matching a regex, annotated with flat
 * and cum values, in go tool pprof -list's layout (internal/report
 * printSource). Sources are read once each (whole file, one line index). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "gmd/report.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"

#define VBUF 64
#define MAX_SOURCE_BYTES (256u << 20)   /* a source file bigger than this is not source */

typedef struct source_file {
    char *data;
    size_t len;
    size_t *line_start;         /* line_start[i] = offset of line i+1; nlines+1 entries */
    size_t nlines;
    char path[4096];            /* where it was found */
} source_file;

static bool read_file(const char *path, source_file *sf)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_SOURCE_BYTES) return false;
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *data = gmd_xmalloc(cap);
    size_t n;
    while ((n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            if (cap > MAX_SOURCE_BYTES) break;
            cap *= 2;
            data = gmd_xrealloc(data, cap);
        }
    }
    fclose(f);
    size_t nl = 0, capl = 64;
    size_t *starts = gmd_xmalloc(capl * sizeof *starts);
    starts[nl++] = 0;
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n') GMD_VEC_PUSH(starts, nl, capl, i + 1);
    /* A final line without a newline still counts; an empty tail does not. */
    if (starts[nl - 1] < len) GMD_VEC_PUSH(starts, nl, capl, len + 1);
    sf->data = data;
    sf->len = len;
    sf->line_start = starts;
    sf->nlines = nl - 1;
    snprintf(sf->path, sizeof sf->path, "%s", path);
    return true;
}

/* The recorded path first; then, for each --source-path directory, the
 * recorded path's suffixes below it ("/ci/src/app/main.go" tries
 * DIR/ci/src/app/main.go, DIR/src/app/main.go, DIR/app/main.go, DIR/main.go). */
static bool find_source(const char *file, const char *source_path, source_file *sf)
{
    if (read_file(file, sf)) return true;
    const char *dirs = source_path && *source_path ? source_path : ".";
    char cand[8192];
    while (*dirs) {
        const char *end = strchr(dirs, ':');
        size_t dlen = end ? (size_t)(end - dirs) : strlen(dirs);
        if (dlen > 0 && dlen < 4096) {
            for (const char *suffix = file; suffix;) {
                while (*suffix == '/') suffix++;
                if (!*suffix) break;
                snprintf(cand, sizeof cand, "%.*s/%s", (int)dlen, dirs, suffix);
                if (read_file(cand, sf)) return true;
                suffix = strchr(suffix, '/');
            }
        }
        dirs += dlen;
        if (*dirs == ':') dirs++;
    }
    return false;
}

static void free_source(source_file *sf)
{
    free(sf->data);
    free(sf->line_start);
    memset(sf, 0, sizeof *sf);
}

/* Sources already looked up in this listing, by recorded path (interned,
 * so compared by pointer); a file with many listed functions is read once. */
typedef struct source_cache {
    const char **names;
    source_file *files;         /* data NULL when not found */
    size_t n, cap;
} source_cache;

static const source_file *cached_source(source_cache *c, const char *file, const char *source_path)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->names[i] == file) return c->files[i].data ? &c->files[i] : NULL;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->names = gmd_xrealloc(c->names, c->cap * sizeof *c->names);
        c->files = gmd_xrealloc(c->files, c->cap * sizeof *c->files);
    }
    source_file *sf = &c->files[c->n];
    memset(sf, 0, sizeof *sf);
    c->names[c->n++] = file;
    return find_source(file, source_path, sf) ? sf : NULL;
}

static void free_cache(source_cache *c)
{
    for (size_t i = 0; i < c->n; i++) free_source(&c->files[i]);
    free(c->names);
    free(c->files);
}

typedef struct line_ref {
    const gmd_graph_node *n;
} line_ref;

static int cmp_by_name_file_line(const void *pa, const void *pb)
{
    const gmd_graph_node *a = ((const line_ref *)pa)->n, *b = ((const line_ref *)pb)->n;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    c = strcmp(a->file, b->file);
    if (c) return c;
    return a->line < b->line ? -1 : a->line > b->line;
}

static const char *value_or_dot(int64_t v, const char *unit, char *buf)
{
    return v == 0 ? "." : gmd_fmt_value(v, unit, buf, VBUF);
}

/* One ROUTINE block: nodes [from, to) share a function name and file. */
static void print_routine(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, source_cache *cache,
                          const line_ref *r, size_t from, size_t to, int64_t total)
{
    const char *unit = s->value_type.unit;
    const gmd_graph_node *first = r[from].n;
    int64_t flat = 0, cum = 0, minl = INT64_MAX, maxl = 0;
    for (size_t i = from; i < to; i++) {
        flat += r[i].n->flat;
        cum += r[i].n->cum;
        if (r[i].n->line < minl) minl = r[i].n->line;
        if (r[i].n->line > maxl) maxl = r[i].n->line;
    }
    char a[VBUF], b[VBUF], c[VBUF];
    fprintf(out, "ROUTINE ======================== %s in %s\n", first->name, first->file);
    fprintf(out, "%10s %10s (flat, cum) %s of Total\n", gmd_fmt_value(flat, unit, a, sizeof a),
            gmd_fmt_value(cum, unit, b, sizeof b), gmd_fmt_percent(cum, total, c, sizeof c));
    const source_file *sf = cached_source(cache, first->file, o->source_path);
    if (!sf) {
        fprintf(out, " Error: could not find source file %s (tried that path and its suffixes under %s)\n", first->file,
                o->source_path && *o->source_path ? o->source_path : "the current directory; use --source-path DIR");
        return;
    }
    /* pprof starts at the function's first line when the profile records
     * it, else 5 lines before the first sampled line; it ends 5 after the last. */
    int64_t start_line = first->function != GMD_NONE ? s->profile->functions[first->function].start_line : 0;
    int64_t start = start_line > 0 ? start_line : minl - 5;
    int64_t end = maxl + 5;
    if (start < 1) start = 1;
    size_t k = from;
    for (int64_t ln = start; ln <= end && (size_t)ln <= sf->nlines; ln++) {
        int64_t lf = 0, lc = 0;
        while (k < to && r[k].n->line < ln) k++;
        for (; k < to && r[k].n->line == ln; k++) {
            lf += r[k].n->flat;
            lc += r[k].n->cum;
        }
        size_t s0 = sf->line_start[ln - 1], s1 = sf->line_start[ln] - 1;   /* without the newline */
        if (s1 > s0 && sf->data[s1 - 1] == '\r') s1--;
        fprintf(out, "%10s %10s %6lld:%.*s\n", value_or_dot(lf, unit, a), value_or_dot(lc, unit, b), (long long)ln,
                (int)(s1 - s0), sf->data + s0);
    }
}

int gmd_report_list(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err)
{
    regex_t re;
    const char *sym = o->symbol ? o->symbol : "";
    if (gmd_regex_compile(&re, sym, "list", err) < 0) return -1;
    gmd_graph_opts go = {GMD_GRAN_LINES, GMD_ORDER_FLAT, 0, 0, 0, false, false, false, NULL};
    gmd_graph g;
    if (gmd_graph_build(s, &go, &g, err) < 0) {
        regfree(&re);
        return -1;
    }
    line_ref *r = gmd_xmalloc((g.nnodes + 1) * sizeof *r);
    size_t nr = 0;
    for (uint32_t i = 0; i < g.nnodes; i++)
        if (regexec(&re, g.nodes[i].name, 0, NULL, 0) == 0) r[nr++].n = &g.nodes[i];
    regfree(&re);
    if (nr == 0) {
        free(r);
        gmd_graph_free(&g);
        return gmd_errf(err, "no function matches '%s'", sym);
    }
    qsort(r, nr, sizeof *r, cmp_by_name_file_line);
    char a[VBUF];
    fprintf(out, "Total: %s\n", gmd_fmt_value(g.total, s->value_type.unit, a, sizeof a));
    source_cache cache = {NULL, NULL, 0, 0};
    for (size_t i = 0; i < nr;) {
        size_t fn_end = i;
        while (fn_end < nr && r[fn_end].n->name == r[i].n->name) fn_end++;
        bool any_file = false;
        for (size_t j = i; j < fn_end;) {
            size_t file_end = j;
            while (file_end < fn_end && r[file_end].n->file == r[j].n->file) file_end++;
            if (r[j].n->file[0]) {
                any_file = true;
                print_routine(out, s, o, &cache, r, j, file_end, g.total);
            }
            j = file_end;
        }
        if (!any_file) fprintf(out, "No source information for %s\n", r[i].n->name);
        i = fn_end;
    }
    free_cache(&cache);
    free(r);
    gmd_graph_free(&g);
    return 0;
}
