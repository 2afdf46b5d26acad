/* Reports of `gmd dump`: summary, top retainers, paths, leak suspects,
 * histograms and diffs, as aligned text or JSON. */
#include <stdlib.h>
#include <string.h>
#include "gmd/dump_report.h"
#include "gmd/dump_types.h"
#include "gmd/json.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"

#define PATH_HEAD 12   /* long paths show their first and last steps */
#define PATH_TAIL 8

static const char *iec(uint64_t v, char *buf, size_t n) { return gmd_fmt_bytes_iec((double)v, buf, n); }

/* 1234567 -> "1,234,567" */
static const char *commas(uint64_t v, char *buf, size_t n)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t j = 0;
    for (int i = 0; i < len && j + 2 < n; i++) {
        if (i && (len - i) % 3 == 0) buf[j++] = ',';
        buf[j++] = tmp[i];
    }
    buf[j] = '\0';
    return buf;
}

static double pct(uint64_t part, uint64_t total) { return total ? 100.0 * (double)part / (double)total : 0; }

static const char *memstat_names[] = {"Alloc", "TotalAlloc", "Sys", "Lookups", "Mallocs", "Frees", "HeapAlloc",
                                      "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased", "HeapObjects",
                                      "StackInuse", "StackSys", "MSpanInuse", "MSpanSys", "MCacheInuse",
                                      "MCacheSys", "BuckHashSys", "GCSys", "OtherSys", "NextGC", "LastGC",
                                      "PauseTotalNs"};
#define NUM_GC_INDEX 280

static uint32_t count_kind(const gmd_objgraph *g, gmd_node_kind k)
{
    uint32_t n = 0;
    for (uint32_t r = 0; r < g->nroots; r++) n += g->roots[r].kind == k;
    return n;
}

static const gmd_dump_report_opts *label_opts;   /* see node_label */
static const gmd_objgraph *group_sort_graph;
static int by_group_size(const void *a, const void *b)
{
    const gmd_objgraph *g = group_sort_graph;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint32_t nx = g->out_start[x + 1] - g->out_start[x], ny = g->out_start[y + 1] - g->out_start[y];
    return nx != ny ? (nx < ny ? 1 : -1) : (x > y) - (x < y);
}

/* Goroutine group roots, largest first (a group's edges are its goroutines). */
static uint32_t groups_by_size(const gmd_objgraph *g, uint32_t **out)
{
    uint32_t *v = gmd_xmalloc(((size_t)g->nroots + 1) * sizeof *v), n = 0;
    for (uint32_t r = 1; r < g->nroots; r++)
        if (g->roots[r].kind == GMD_NODE_GROUP) v[n++] = r;
    group_sort_graph = g;
    if (n > 1) qsort(v, n, sizeof *v, by_group_size);
    *out = v;
    return n;
}

static const char *node_label(const gmd_objgraph *g, uint32_t n, char *buf, size_t size);

void gmd_dump_report_summary(FILE *out, const gmd_objgraph *g, const gmd_dump_report_opts *o)
{
    label_opts = o;
    uint32_t *groups, ngroups = groups_by_size(g, &groups);
    uint64_t unreach_n = g->nobjects - g->reachable_objects, unreach_b = g->heap_bytes - g->reachable_bytes;
    uint32_t shared_n;
    uint64_t shared = gmd_dump_shared_bytes(g, &shared_n);
    uint64_t typed_n, typed_b, tail_n, tail_b;
    gmd_dump_typed(g, &typed_n, &typed_b);
    gmd_dump_span_tails(g, &tail_n, &tail_b);
    if (o->json) {
        gmd_json j;
        gmd_json_init(&j, out, false);
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "go_version"); gmd_json_string(&j, g->goversion);
        gmd_json_key(&j, "goarch"); gmd_json_string(&j, g->goarch);
        gmd_json_key(&j, "ptr_size"); gmd_json_uint(&j, g->ptr_size);
        gmd_json_key(&j, "objects"); gmd_json_uint(&j, g->nobjects);
        gmd_json_key(&j, "bytes"); gmd_json_uint(&j, g->heap_bytes);
        gmd_json_key(&j, "reachable_objects"); gmd_json_uint(&j, g->reachable_objects);
        gmd_json_key(&j, "reachable_bytes"); gmd_json_uint(&j, g->reachable_bytes);
        gmd_json_key(&j, "unreachable_objects"); gmd_json_uint(&j, unreach_n);
        gmd_json_key(&j, "unreachable_bytes"); gmd_json_uint(&j, unreach_b);
        gmd_json_key(&j, "span_tail_objects"); gmd_json_uint(&j, tail_n);
        gmd_json_key(&j, "span_tail_bytes"); gmd_json_uint(&j, tail_b);
        gmd_json_key(&j, "typed_objects"); gmd_json_uint(&j, typed_n);
        gmd_json_key(&j, "typed_bytes"); gmd_json_uint(&j, typed_b);
        gmd_json_key(&j, "shared_bytes"); gmd_json_uint(&j, shared);
        gmd_json_key(&j, "edges"); gmd_json_uint(&j, g->nedges);
        gmd_json_key(&j, "globals"); gmd_json_uint(&j, count_kind(g, GMD_NODE_GLOBAL));
        gmd_json_key(&j, "goroutines"); gmd_json_uint(&j, g->ngoroutines);
        /* Goroutines alike (creation site, state, blocking frame), largest first; at most 20. */
        gmd_json_key(&j, "goroutine_groups");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < ngroups && i < 20; i++) {
            char name[512];
            uint32_t r = groups[i];
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "name"); gmd_json_string(&j, node_label(g, r, name, sizeof name));
            gmd_json_key(&j, "goroutines"); gmd_json_uint(&j, g->out_start[r + 1] - g->out_start[r]);
            if (g->retained && g->idom[r] != GMD_NO_NODE) {
                gmd_json_key(&j, "retained"); gmd_json_uint(&j, g->retained[r]);
            }
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_key(&j, "frames"); gmd_json_uint(&j, g->nframes);
        gmd_json_key(&j, "finalizers"); gmd_json_uint(&j, g->nfinalizers);
        gmd_json_key(&j, "queued_finalizers"); gmd_json_uint(&j, g->nqfinalizers);
        gmd_json_key(&j, "os_threads"); gmd_json_uint(&j, g->nthreads);
        gmd_json_key(&j, "memprof_buckets"); gmd_json_uint(&j, g->nbuckets);
        gmd_json_key(&j, "sampled_objects"); gmd_json_uint(&j, g->nsampled);
        gmd_json_key(&j, "records");
        gmd_json_object_begin(&j);
        for (int t = 1; t < GMD_HD_NTAGS; t++) {
            gmd_json_key(&j, gmd_hd_tag_name((gmd_hd_tag)t));
            gmd_json_uint(&j, g->record_counts[t]);
        }
        gmd_json_object_end(&j);
        if (g->has_memstats) {
            gmd_json_key(&j, "memstats");
            gmd_json_object_begin(&j);
            for (size_t i = 0; i < sizeof memstat_names / sizeof *memstat_names; i++) {
                gmd_json_key(&j, memstat_names[i]);
                gmd_json_uint(&j, g->memstats[i]);
            }
            gmd_json_key(&j, "NumGC"); gmd_json_uint(&j, g->memstats[NUM_GC_INDEX]);
            gmd_json_object_end(&j);
        }
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        free(groups);
        return;
    }
    char a[32], b[32], c[32], d[32];
    fprintf(out, "Heap dump %s: %s %s, pointer size %u\n", o->source ? o->source : "", g->goversion, g->goarch, g->ptr_size);
    fprintf(out, "  objects      %s (%s)\n", commas(g->nobjects, a, sizeof a), iec(g->heap_bytes, b, sizeof b));
    fprintf(out, "  reachable    %s (%s); unreachable %s (%s)\n", commas(g->reachable_objects, a, sizeof a),
            iec(g->reachable_bytes, b, sizeof b), commas(unreach_n, c, sizeof c), iec(unreach_b, d, sizeof d));
    if (tail_n)
        fprintf(out, "               of which %s (%s) are not objects: the ends of small-object spans, where the runtime\n"
                     "               keeps pointer bitmaps and mark bits, and which the dump writes as objects\n",
                commas(tail_n, a, sizeof a), iec(tail_b, b, sizeof b));
    if (unreach_n > tail_n)
        fprintf(out, "               %s%s (%s) reachable from no dumped root: garbage allocated since the last collection,\n"
                     "               or memory only the runtime points to (such as an allocator's current tiny block)\n",
                tail_n ? "the other " : "", commas(unreach_n - tail_n, a, sizeof a), iec(unreach_b - tail_b, b, sizeof b));
    fprintf(out, "  typed        %s objects (%s, %.1f%% of reachable bytes) of a known type%s\n", commas(typed_n, a, sizeof a),
            iec(typed_b, b, sizeof b), g->reachable_bytes ? 100.0 * (double)typed_b / (double)g->reachable_bytes : 0.0,
            g->obj_type ? "" : g->type_name ? " (from malloc headers: the binary has no DWARF)" : " (from malloc headers; --binary types more)");
    fprintf(out, "  shared       %s in %s objects reachable from several roots, retained by none alone\n",
            iec(shared, a, sizeof a), commas(shared_n, b, sizeof b));
    fprintf(out, "  pointers     %s edges between objects and roots\n", commas(g->nedges, a, sizeof a));
    fprintf(out, "  roots        %u globals with heap pointers, %u goroutines (%u frames), %llu finalizers, %llu queued\n",
            count_kind(g, GMD_NODE_GLOBAL), g->ngoroutines, g->nframes, (unsigned long long)g->nfinalizers,
            (unsigned long long)g->nqfinalizers);
    fprintf(out, "  threads      %llu OS threads\n", (unsigned long long)g->nthreads);
    fprintf(out, "  memprof      %u buckets, %s live objects tied to allocation stacks\n", g->nbuckets,
            commas(g->nsampled, a, sizeof a));
    if (g->has_memstats) {
        char e[32], f[32];
        fprintf(out, "  memstats     HeapAlloc %s, HeapInuse %s, HeapSys %s, HeapObjects %s, StackInuse %s, Sys %s, NumGC %llu\n",
                iec(g->memstats[6], a, sizeof a), iec(g->memstats[9], b, sizeof b), iec(g->memstats[7], c, sizeof c),
                commas(g->memstats[11], d, sizeof d), iec(g->memstats[12], e, sizeof e), iec(g->memstats[2], f, sizeof f),
                (unsigned long long)g->memstats[NUM_GC_INDEX]);
    }
    fprintf(out, "  goroutines  ");
    for (uint32_t i = 0; i < g->ngoroutines && i < 8; i++)
        fprintf(out, " %llu [%s]%s", (unsigned long long)g->goroutines[i].goid, gmd_goroutine_state(&g->goroutines[i]),
                i + 1 < g->ngoroutines ? "," : "");
    if (g->ngoroutines > 8) fprintf(out, " ... (%u more)", g->ngoroutines - 8);
    fprintf(out, "\n");
    for (uint32_t i = 0; i < ngroups && i < 5; i++) {
        char name[512];
        fprintf(out, "  %-12s %s, retaining %s\n", i ? "" : "alike", node_label(g, groups[i], name, sizeof name),
                iec(g->retained[groups[i]], a, sizeof a));
    }
    if (ngroups > 5) fprintf(out, "  %-12s ... (%u more groups of goroutines alike)\n", "", ngroups - 5);
    free(groups);
}

/* The options of the report being written, for node_label: a group's
 * blocking frame is named from the binary when it can (the dump names the
 * physical function, "main.spawn.gowrap1" for an inlined main.sender). */
static const gmd_dump_report_opts *label_opts;

static const char *group_func(const gmd_objgraph *g, uint32_t n)
{
    /* The group's first edge leads to its first goroutine. */
    uint32_t e = g->out_start[n];
    if (e == g->out_start[n + 1] || g->out[e] >= g->nroots || g->roots[g->out[e]].kind != GMD_NODE_GOROUTINE) return NULL;
    const gmd_dump_frame *f = gmd_dump_goroutine_frame(g, &g->goroutines[g->roots[g->out[e]].index]);
    const char *fn = NULL, *file;
    uint64_t line;
    if (!f) return NULL;
    if (label_opts && label_opts->pcline && label_opts->pcline(label_opts->pcline_ctx, f->pc, f->depth > 0, &fn, &file, &line) && fn)
        return fn;
    return f->func;
}

static const char *node_label(const gmd_objgraph *g, uint32_t n, char *buf, size_t size)
{
    if (gmd_node_kind_of(g, n) == GMD_NODE_GROUP) {
        const char *name = g->roots[n].name, *in = strstr(name, "] in "), *fn = group_func(g, n);
        if (in && fn) {
            snprintf(buf, size, "%.*s] in %s", (int)(in - name), name, fn);
            return buf;
        }
    }
    return gmd_node_describe(g, n, buf, size);
}

static const char *kind_name(gmd_node_kind k)
{
    switch (k) {
    case GMD_NODE_SUPER: return "roots";
    case GMD_NODE_GLOBAL: return "global";
    case GMD_NODE_GOROUTINE: return "goroutine";
    case GMD_NODE_FRAME: return "frame";
    case GMD_NODE_FINALIZER: return "finalizer";
    case GMD_NODE_OTHER: return "other";
    case GMD_NODE_GROUP: return "goroutines";
    case GMD_NODE_OBJECT: return "object";
    }
    return "?";
}

static void json_node(gmd_json *j, const gmd_objgraph *g, uint32_t n)
{
    char buf[512];
    gmd_json_object_begin(j);
    gmd_json_key(j, "kind"); gmd_json_string(j, kind_name(gmd_node_kind_of(g, n)));
    gmd_json_key(j, "name"); gmd_json_string(j, node_label(g, n, buf, sizeof buf));
    if (gmd_node_is_object(g, n)) {
        uint32_t o = gmd_node_object(g, n);
        gmd_json_key(j, "address"); gmd_json_uint(j, g->obj_addr[o]);
        gmd_json_key(j, "size"); gmd_json_uint(j, g->obj_size[o]);
        const char *t = gmd_object_type(g, o);
        gmd_json_key(j, "type");
        if (t) gmd_json_string(j, t);
        else gmd_json_null(j);
    } else if (gmd_node_kind_of(g, n) == GMD_NODE_GOROUTINE) {
        const gmd_dump_goroutine *gr = &g->goroutines[g->roots[n].index];
        gmd_json_key(j, "goid"); gmd_json_uint(j, gr->goid);
        gmd_json_key(j, "state"); gmd_json_string(j, gmd_goroutine_state(gr));
        gmd_json_key(j, "frames");
        gmd_json_array_begin(j);
        for (uint32_t k = 0; k < gr->nframes; k++) gmd_json_string(j, g->frames[gr->first_frame + k].func);
        gmd_json_array_end(j);
    } else if (gmd_node_kind_of(g, n) == GMD_NODE_GLOBAL) {
        gmd_json_key(j, "address"); gmd_json_uint(j, g->roots[n].addr);
    } else if (gmd_node_kind_of(g, n) == GMD_NODE_GROUP) {
        gmd_dump_group gi;
        if (gmd_dump_group_info(g, n, &gi)) {
            gmd_json_key(j, "goroutines"); gmd_json_uint(j, gi.count);
            gmd_json_key(j, "state"); gmd_json_string(j, gi.state);
            const char *fn = group_func(g, n);
            gmd_json_key(j, "function"); gmd_json_string(j, fn ? fn : "");
        }
    }
    if (g->retained && g->idom[n] != GMD_NO_NODE) {
        gmd_json_key(j, "retained"); gmd_json_uint(j, g->retained[n]);
        gmd_json_key(j, "retained_objects"); gmd_json_uint(j, g->retained_count[n]);
    }
    gmd_json_object_end(j);
}

static uint32_t rows_of(const gmd_dump_report_opts *o, uint32_t n)
{
    return o->rows > 0 && (uint32_t)o->rows < n ? (uint32_t)o->rows : n;
}

static void print_site(FILE *out, const gmd_memprof_bucket *b)
{
    const char *file = NULL;
    uint64_t line = 0;
    const char *site = gmd_bucket_site(b, &file, &line);
    if (!site) {
        fprintf(out, "(no stack)");
        return;
    }
    const char *base = file ? strrchr(file, '/') : NULL;
    fprintf(out, "%s (%s:%llu)", site, base ? base + 1 : (file ? file : "?"), (unsigned long long)line);
}

void gmd_dump_report_top(FILE *out, const gmd_objgraph *g, const gmd_dump_report_opts *o)
{
    label_opts = o;
    uint32_t *roots, *objs;
    uint32_t nr = gmd_dump_top_roots(g, &roots);
    uint32_t no = gmd_dump_top_objects_n(g, o->rows > 0 ? (uint32_t)o->rows : 0, &objs);
    gmd_dump_sites_result sites;
    gmd_dump_sites(g, false, &sites);
    uint32_t shared_n;
    uint64_t shared = gmd_dump_shared_bytes(g, &shared_n);
    uint64_t total = g->reachable_bytes;
    char a[32], b[32], c[32], name[512];
    if (o->json) {
        gmd_json j;
        gmd_json_init(&j, out, false);
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "reachable_bytes"); gmd_json_uint(&j, total);
        gmd_json_key(&j, "reachable_objects"); gmd_json_uint(&j, g->reachable_objects);
        gmd_json_key(&j, "shared_bytes"); gmd_json_uint(&j, shared);
        gmd_json_key(&j, "roots");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < rows_of(o, nr); i++) json_node(&j, g, roots[i]);
        gmd_json_array_end(&j);
        gmd_json_key(&j, "objects");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < rows_of(o, no); i++) {
            json_node(&j, g, objs[i]);
        }
        gmd_json_array_end(&j);
        gmd_json_key(&j, "sites");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < rows_of(o, sites.n); i++) {
            uint32_t s = sites.order[i];
            if (!sites.retained[s]) continue;
            const gmd_memprof_bucket *bk = &g->buckets[sites.bucket[s]];
            const char *file = NULL;
            uint64_t line = 0;
            const char *fn = gmd_bucket_site(bk, &file, &line);
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "function"); gmd_json_string(&j, fn ? fn : "");
            gmd_json_key(&j, "file"); gmd_json_string(&j, file ? file : "");
            gmd_json_key(&j, "line"); gmd_json_uint(&j, line);
            gmd_json_key(&j, "retained"); gmd_json_uint(&j, sites.retained[s]);
            gmd_json_key(&j, "sampled_objects"); gmd_json_uint(&j, sites.objects[s]);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        goto done;
    }
    fprintf(out, "Reachable heap: %s in %s objects. Retained size = what would be freed without it.\n\n",
            iec(total, a, sizeof a), commas(g->reachable_objects, b, sizeof b));
    fprintf(out, "Retained by root:\n  %10s %7s %10s  %s\n", "retained", "%", "objects", "root");
    for (uint32_t i = 0; i < rows_of(o, nr); i++) {
        uint32_t r = roots[i];
        fprintf(out, "  %10s %6.2f%% %10s  %s\n", iec(g->retained[r], a, sizeof a), pct(g->retained[r], total),
                commas(g->retained_count[r], b, sizeof b), node_label(g, r, name, sizeof name));
        if (gmd_node_kind_of(g, r) == GMD_NODE_GOROUTINE) {
            /* Which frames hold it. */
            for (uint32_t k = g->dom_start[r]; k < g->dom_start[r + 1]; k++) {
                uint32_t f = g->dom_kids[k];
                if (gmd_node_kind_of(g, f) != GMD_NODE_FRAME || !g->retained[f]) continue;
                fprintf(out, "  %10s %6.2f%% %10s    in %s\n", iec(g->retained[f], a, sizeof a), pct(g->retained[f], total),
                        commas(g->retained_count[f], b, sizeof b), g->frames[g->roots[f].index].func);
            }
        }
    }
    if (shared)
        fprintf(out, "  %10s %6.2f%% %10s  (shared by several roots, retained by none alone)\n", iec(shared, a, sizeof a),
                pct(shared, total), commas(shared_n, b, sizeof b));
    fprintf(out, "\nRetained by object (the top of the dominator tree):\n  %10s %7s %10s %10s  %s\n", "retained", "%",
            "objects", "size", "object  <- held by");
    for (uint32_t i = 0; i < rows_of(o, no); i++) {
        uint32_t n = objs[i];
        char held[512];
        uint32_t d = g->idom[n];
        fprintf(out, "  %10s %6.2f%% %10s %10s  %s  <- %s\n", iec(g->retained[n], a, sizeof a), pct(g->retained[n], total),
                commas(g->retained_count[n], b, sizeof b), iec(gmd_node_size(g, n), c, sizeof c),
                node_label(g, n, name, sizeof name), d == 0 ? "several roots" : node_label(g, d, held, sizeof held));
    }
    fprintf(out, "\nRetained by allocation site (%s of %s live objects were sampled by the memory profiler):\n",
            commas(g->nsampled, a, sizeof a), commas(g->nobjects, b, sizeof b));
    if (!g->nsampled) {
        fprintf(out, "  (none: the program sampled no live objects; set runtime.MemProfileRate lower to see sites)\n");
    } else {
        fprintf(out, "  %10s %7s %10s  %s\n", "retained", "%", "sampled", "site");
        for (uint32_t i = 0; i < rows_of(o, sites.n); i++) {
            uint32_t s = sites.order[i];
            if (!sites.retained[s]) break;
            fprintf(out, "  %10s %6.2f%% %10s  ", iec(sites.retained[s], a, sizeof a), pct(sites.retained[s], total),
                    commas(sites.objects[s], b, sizeof b));
            print_site(out, &g->buckets[sites.bucket[s]]);
            fputc('\n', out);
        }
    }
done:
    free(roots);
    free(objs);
    gmd_dump_sites_free(&sites);
}

static void print_path(FILE *out, const gmd_objgraph *g, const uint32_t *path, uint32_t len)
{
    char name[512];
    for (uint32_t i = 0; i < len; i++) {
        if (len > PATH_HEAD + PATH_TAIL + 1 && i == PATH_HEAD) {
            fprintf(out, "      ... %u more steps ...\n", len - PATH_HEAD - PATH_TAIL);
            i = len - PATH_TAIL - 1;
            continue;
        }
        int64_t off = i ? gmd_objgraph_edge_offset(g, path[i - 1], path[i]) : -1;
        if (i == 0) fprintf(out, "    %s\n", node_label(g, path[i], name, sizeof name));
        else if (off >= 0) fprintf(out, "    -> +%lld %s\n", (long long)off, node_label(g, path[i], name, sizeof name));
        else fprintf(out, "    -> %s\n", node_label(g, path[i], name, sizeof name));
    }
}

static void json_path(gmd_json *j, const gmd_objgraph *g, const uint32_t *path, uint32_t len)
{
    gmd_json_array_begin(j);
    for (uint32_t i = 0; i < len; i++) {
        if (len > 1000 && i == 500) {
            i = len - 500;   /* keep JSON bounded on million-step chains */
        }
        json_node(j, g, path[i]);
    }
    gmd_json_array_end(j);
}

void gmd_dump_report_path(FILE *out, const gmd_objgraph *g, uint32_t target, int npaths, const gmd_dump_report_opts *o)
{
    label_opts = o;
    uint32_t *path = gmd_xmalloc((size_t)g->nnodes * sizeof *path);
    uint8_t *skip = gmd_xcalloc(g->nroots ? g->nroots : 1, 1);
    char name[512], a[32];
    gmd_json j;
    if (o->json) {
        gmd_json_init(&j, out, false);
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "target");
        json_node(&j, g, target);
        gmd_json_key(&j, "paths");
        gmd_json_array_begin(&j);
    } else {
        fprintf(out, "%s", node_label(g, target, name, sizeof name));
        if (g->idom[target] == GMD_NO_NODE) fprintf(out, " is not reachable from any root (garbage)\n");
        else fprintf(out, " retains %s\n", iec(g->retained[target], a, sizeof a));
    }
    int found = 0;
    for (int k = 0; k < npaths; k++) {
        uint32_t len = gmd_objgraph_path_avoiding(g, target, skip, path, g->nnodes);
        if (!len) break;
        /* The next path must start at another top-level root. */
        uint32_t top = path[0];
        skip[top] = 1;
        found++;
        if (o->json) {
            json_path(&j, g, path, len);
        } else {
            fprintf(out, "\nPath %d from %s (%u step%s):\n", k + 1, node_label(g, top, name, sizeof name), len - 1,
                    len == 2 ? "" : "s");
            print_path(out, g, path, len);
        }
    }
    if (o->json) {
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
    } else if (!found && g->idom[target] != GMD_NO_NODE) {
        fprintf(out, "no path found\n");
    }
    free(path);
    free(skip);
}

static const gmd_dump_hist_row *sort_rows;
static int by_row_retained(const void *a, const void *b)
{
    const gmd_dump_hist_row *x = &sort_rows[*(const uint32_t *)a], *y = &sort_rows[*(const uint32_t *)b];
    return x->retained != y->retained ? (x->retained < y->retained ? 1 : -1) : (x->key > y->key) - (x->key < y->key);
}

/* Suspects by type: the known types whose objects together retain at least
 * the threshold (their retained sizes nest: a map's entries' type is inside
 * the map's). Only with types from the binary. */
static void suspect_types(FILE *out, gmd_json *j, const gmd_objgraph *g, double threshold)
{
    if (!g->obj_type) return;
    gmd_dump_histogram_result h;
    gmd_dump_histogram(g, true, &h);
    uint32_t *idx = gmd_xmalloc(((size_t)h.n + 1) * sizeof *idx), n = 0;
    uint64_t total = g->reachable_bytes, min = (uint64_t)(threshold * (double)total);
    for (uint32_t i = 0; i < h.n; i++) {
        const char *t = gmd_type_key_name(g, h.rows[i].key);
        if (!t || h.rows[i].retained < (min ? min : 1)) continue;
        /* A map's tables and groups are its insides: the map itself is listed. */
        t += strspn(t, "[]*");
        if (!strncmp(t, "table<", 6) || !strncmp(t, "map.group[", 10) || !strncmp(t, "bucket<", 7)) continue;   /* bucket<: before Go 1.24 */
        idx[n++] = i;
    }
    sort_rows = h.rows;
    if (n > 1) qsort(idx, n, sizeof *idx, by_row_retained);
    if (n > 8) n = 8;
    char a[32], b[32];
    if (j) {
        gmd_json_key(j, "types");
        gmd_json_array_begin(j);
    } else if (n) {
        fprintf(out, "By type (the objects of a type together retain at least %.0f%%):\n", threshold * 100);
    }
    for (uint32_t k = 0; k < n; k++) {
        const gmd_dump_hist_row *r = &h.rows[idx[k]];
        const char *t = gmd_type_key_name(g, r->key);
        if (j) {
            gmd_json_object_begin(j);
            gmd_json_key(j, "type"); gmd_json_string(j, t ? t : "?");
            gmd_json_key(j, "objects"); gmd_json_uint(j, r->reachable);
            gmd_json_key(j, "retained"); gmd_json_uint(j, r->retained);
            gmd_json_key(j, "share"); gmd_json_double(j, pct(r->retained, total) / 100);
            gmd_json_object_end(j);
        } else {
            fprintf(out, "  %s %s of %s retain%s %s (%.1f%%)\n", commas(r->reachable, a, sizeof a),
                    r->reachable == 1 ? "object" : "objects", t ? t : "?", r->reachable == 1 ? "s" : "",
                    iec(r->retained, b, sizeof b), pct(r->retained, total));
        }
    }
    if (j) gmd_json_array_end(j);
    free(idx);
    gmd_dump_histogram_free(&h);
}

/* A PC as a user reads it: function (file:line), from the binary when it can say. */
typedef struct where {
    const char *func, *file;
    uint64_t line;
} where;

static where locate(const gmd_dump_report_opts *o, uint64_t pc, bool return_address, const char *func)
{
    where w = {func, NULL, 0};
    const char *f = NULL, *file = NULL;
    uint64_t line = 0;
    if (o->pcline && pc && o->pcline(o->pcline_ctx, pc, return_address, &f, &file, &line)) {
        if (f) w.func = f;
        w.file = file;
        w.line = line;
    }
    return w;
}

static void print_where(FILE *out, where w)
{
    const char *base = w.file ? strrchr(w.file, '/') : NULL;
    fprintf(out, "%s", w.func ? w.func : "?");
    if (w.file) fprintf(out, " (%s:%llu)", base ? base + 1 : w.file, (unsigned long long)w.line);
}

static where group_frame(const gmd_objgraph *g, const gmd_dump_group *gi, const gmd_dump_report_opts *o)
{
    (void)g;
    if (!gi->frame) return (where){NULL, NULL, 0};
    return locate(o, gi->frame->pc, gi->frame->depth > 0, gi->frame->func);
}

/* "8,800 goroutines blocked in chan send at main.publish.func1 (main.go:47),
 * created at main.publish (main.go:50)" */
static void print_group(FILE *out, const gmd_objgraph *g, const gmd_dump_group *gi, const gmd_dump_report_opts *o)
{
    char a[32];
    fprintf(out, "%s goroutines %s%s", commas(gi->count, a, sizeof a), gi->waiting ? "blocked in " : "", gi->state);
    if (gi->frame) {
        fprintf(out, " at ");
        print_where(out, group_frame(g, gi, o));
    }
    where c = locate(o, gi->gopc, true, NULL);
    if (c.func) {
        fprintf(out, ", created at ");
        print_where(out, c);
    }
}

static void json_group(gmd_json *j, const gmd_objgraph *g, const gmd_dump_group *gi, const gmd_dump_report_opts *o)
{
    const gmd_dump_goroutine *gr = &g->goroutines[gi->first];
    where f = group_frame(g, gi, o), c = locate(o, gi->gopc, true, NULL);
    gmd_json_object_begin(j);
    gmd_json_key(j, "count"); gmd_json_uint(j, gi->count);
    gmd_json_key(j, "state"); gmd_json_string(j, gi->state);
    gmd_json_key(j, "waiting"); gmd_json_bool(j, gi->waiting);
    gmd_json_key(j, "function"); gmd_json_string(j, f.func ? f.func : "");
    gmd_json_key(j, "file"); gmd_json_string(j, f.file ? f.file : "");
    gmd_json_key(j, "line"); gmd_json_uint(j, f.line);
    gmd_json_key(j, "created_by"); gmd_json_string(j, c.func ? c.func : "");
    gmd_json_key(j, "created_file"); gmd_json_string(j, c.file ? c.file : "");
    gmd_json_key(j, "created_line"); gmd_json_uint(j, c.line);
    gmd_json_key(j, "gopc"); gmd_json_uint(j, gi->gopc);
    gmd_json_key(j, "stack_bytes"); gmd_json_uint(j, gi->stack_bytes);
    gmd_json_key(j, "example_goid"); gmd_json_uint(j, gr->goid);
    gmd_json_key(j, "example_g"); gmd_json_uint(j, gr->addr);   /* its runtime.g, for show */
    gmd_json_key(j, "example_frames");
    gmd_json_array_begin(j);
    for (uint32_t k = 0; k < gr->nframes; k++) gmd_json_string(j, g->frames[gr->first_frame + k].func);
    gmd_json_array_end(j);
    gmd_json_object_end(j);
}

/* ", mostly 999 objects of 1.0 KiB (999.0 KiB, main.node)"; sizes left out when they vary. */
static void print_common(FILE *out, const gmd_dump_suspect *x)
{
    char a[32], b[32], c[32];
    if (x->common_size)
        fprintf(out, ", mostly %s objects of %s (%s, %s)", commas(x->common_count, c, sizeof c),
                iec(x->common_size, a, sizeof a), iec(x->common_bytes, b, sizeof b),
                x->common_type ? x->common_type : "unknown type");
    else
        fprintf(out, ", mostly %s objects of %s (%s)", commas(x->common_count, c, sizeof c),
                x->common_type ? x->common_type : "unknown type", iec(x->common_bytes, b, sizeof b));
}

/* Who holds a type suspect's objects, in the user's words: "600 goroutines
 * [IO wait] in server.(*client).readLoop", "map[uint64]*server.client
 * reached from server.Server (shared by several roots)". */
static const char *holder_top_name(const gmd_objgraph *g, const gmd_dump_holder *h, char *buf, size_t size)
{
    if (!gmd_node_is_object(g, h->top)) return node_label(g, h->top, buf, size);
    const char *t = gmd_object_type(g, gmd_node_object(g, h->top));
    char a[32];
    if (h->tops > 1) snprintf(buf, size, "%s %s objects (shared by several roots)", commas(h->tops, a, sizeof a), t ? t : "unknown type");
    else snprintf(buf, size, "%s (shared by several roots)", t ? t : "an object of unknown type");
    return buf;
}

/* Where a holder's container sits: "server.Server.clients" (the type of the
 * object above it in the dominator tree and its field), or NULL. */
static const char *container_field(const gmd_objgraph *g, const gmd_dump_holder *h, char *buf, size_t size)
{
    if (h->container == GMD_NO_NODE || !label_opts || !label_opts->field) return NULL;
    uint32_t p = g->idom[h->container];
    if (!gmd_node_is_object(g, p)) return NULL;
    int64_t off = gmd_objgraph_edge_offset(g, p, h->container);
    const char *t = gmd_object_type(g, gmd_node_object(g, p));
    char f[256];
    if (off < 0 || !t || !label_opts->field(label_opts->field_ctx, gmd_node_object(g, p), (uint64_t)off, f, sizeof f)) return NULL;
    snprintf(buf, size, "%s.%s", t, f);
    return buf;
}

static const char *holder_name(const gmd_objgraph *g, const gmd_dump_holder *h, char *buf, size_t size)
{
    char top[512], fbuf[512], a[32], b[32];
    if (h->container == GMD_NO_NODE) return holder_top_name(g, h, buf, size);
    holder_top_name(g, h, top, sizeof top);
    const char *t = gmd_object_type(g, gmd_node_object(g, h->container));
    const char *unit = !strcmp(h->container_kind, "map") ? "entries" : !strcmp(h->container_kind, "chan") ? "queued elements" : "elements";
    bool slice = !strcmp(h->container_kind, "slice");
    const char *field = container_field(g, h, fbuf, sizeof fbuf);
    char what[1024];
    if (h->containers > 1)
        snprintf(what, sizeof what, "%s %s (%s)", commas(h->containers, a, sizeof a),
                 !strcmp(h->container_kind, "map") ? "maps" : !strcmp(h->container_kind, "chan") ? "channels" : "backing arrays",
                 t ? t : "?");
    else
        snprintf(what, sizeof what, "%s%s", t ? t : "?", slice ? " backing array" : "");
    char held[96] = "";
    if (!slice) snprintf(held, sizeof held, " holding %s %s", commas(h->entries, b, sizeof b), unit);
    int w;   /* names are long: truncated text is fine */
    if (h->container == h->top)
        w = snprintf(buf, size, "%s (%sshared by several roots)%s", what, h->containers > 1 ? "each " : "", held);
    else if (field && g->idom[h->container] == h->top)   /* in a field of the shared object itself */
        w = h->tops > 1 ? snprintf(buf, size, "%s in %s (of %s objects, each shared by several roots)%s", what, field,
                                   commas(h->tops, a, sizeof a), held)
                        : snprintf(buf, size, "%s in %s (shared by several roots)%s", what, field, held);
    else if (field)
        w = snprintf(buf, size, "%s in %s reached from %s%s", what, field, top, held);
    else
        w = snprintf(buf, size, "%s reached from %s%s", what, top, held);
    return w < 0 ? "" : buf;
}

static void json_type_suspect(gmd_json *j, const gmd_objgraph *g, const gmd_dump_suspect *x, const uint32_t *path,
                              uint32_t len, const gmd_dump_report_opts *o)
{
    uint64_t total = g->reachable_bytes;
    char buf[1024];
    gmd_json_object_begin(j);
    /* The fields of root suspects first, for readers that expect them:
     * the root is the type's largest shared object. */
    gmd_json_key(j, "root"); json_node(j, g, x->root);
    gmd_json_key(j, "shared"); gmd_json_bool(j, true);
    gmd_json_key(j, "share"); gmd_json_double(j, pct(x->type_retained, total) / 100);
    gmd_json_key(j, "accumulation_point"); json_node(j, g, x->point);
    gmd_json_key(j, "chain"); gmd_json_bool(j, false);
    gmd_json_key(j, "common_size"); gmd_json_uint(j, 0);
    gmd_json_key(j, "common_count"); gmd_json_uint(j, x->type_objects);
    gmd_json_key(j, "common_bytes"); gmd_json_uint(j, x->type_retained);
    gmd_json_key(j, "common_type"); gmd_json_string(j, x->type);
    gmd_json_key(j, "container"); gmd_json_null(j);
    gmd_json_key(j, "entries"); gmd_json_uint(j, 0);
    gmd_json_key(j, "path"); json_path(j, g, path, len);
    gmd_json_key(j, "goroutine_group"); gmd_json_null(j);
    gmd_json_key(j, "kind"); gmd_json_string(j, "type");
    gmd_json_key(j, "type"); gmd_json_string(j, x->type);
    gmd_json_key(j, "objects"); gmd_json_uint(j, x->type_objects);
    gmd_json_key(j, "retained"); gmd_json_uint(j, x->type_retained);
    gmd_json_key(j, "shared_objects"); gmd_json_uint(j, x->shared_objects);
    gmd_json_key(j, "shared_retained"); gmd_json_uint(j, x->shared_retained);
    gmd_json_key(j, "holders");
    gmd_json_array_begin(j);
    for (uint32_t k = 0; k < x->nholders; k++) {
        const gmd_dump_holder *h = &x->holders[k];
        gmd_json_object_begin(j);
        gmd_json_key(j, "name"); gmd_json_string(j, holder_name(g, h, buf, sizeof buf));
        gmd_json_key(j, "objects"); gmd_json_uint(j, h->objects);
        gmd_json_key(j, "root"); json_node(j, g, h->top);
        gmd_json_key(j, "roots"); gmd_json_uint(j, h->tops);
        gmd_json_key(j, "container");
        if (h->container_kind) gmd_json_string(j, h->container_kind);
        else gmd_json_null(j);
        const char *ct = h->container != GMD_NO_NODE ? gmd_object_type(g, gmd_node_object(g, h->container)) : NULL;
        gmd_json_key(j, "container_type");
        if (ct) gmd_json_string(j, ct);
        else gmd_json_null(j);
        char fb[512];
        const char *field = container_field(g, h, fb, sizeof fb);
        gmd_json_key(j, "field");
        if (field) gmd_json_string(j, field);
        else gmd_json_null(j);
        gmd_json_key(j, "containers"); gmd_json_uint(j, h->containers);
        gmd_json_key(j, "entries"); gmd_json_uint(j, h->entries);
        gmd_json_key(j, "goroutine_group");
        gmd_dump_group gi;
        if (gmd_node_kind_of(g, h->top) == GMD_NODE_GROUP && gmd_dump_group_info(g, h->top, &gi)) json_group(j, g, &gi, o);
        else gmd_json_null(j);
        gmd_json_object_end(j);
    }
    gmd_json_array_end(j);
    gmd_json_key(j, "more_holders"); gmd_json_uint(j, x->more_holders);
    gmd_json_object_end(j);
}

static void print_type_suspect(FILE *out, const gmd_objgraph *g, uint32_t i, const gmd_dump_suspect *x,
                               const uint32_t *path, uint32_t len, const gmd_dump_report_opts *o)
{
    uint64_t total = g->reachable_bytes;
    char a[32], b[32], c[32], buf[1024];
    fprintf(out, "Suspect %u: %s objects of %s retain %s (%.1f%% of the heap) together; no root retains them alone.\n",
            i + 1, commas(x->type_objects, a, sizeof a), x->type, iec(x->type_retained, b, sizeof b),
            pct(x->type_retained, total));
    fprintf(out, "  %s of them (%s) are shared by several roots. They are referenced by:\n",
            commas(x->shared_objects, a, sizeof a), iec(x->shared_retained, b, sizeof b));
    uint32_t show = x->nholders < 6 ? x->nholders : 6;
    for (uint32_t k = 0; k < show; k++) {
        const gmd_dump_holder *h = &x->holders[k];
        gmd_dump_group gi;
        fprintf(out, "    %s from ", commas(h->objects, a, sizeof a));
        if (h->container == GMD_NO_NODE && gmd_node_kind_of(g, h->top) == GMD_NODE_GROUP && gmd_dump_group_info(g, h->top, &gi))
            print_group(out, g, &gi, o);
        else
            fputs(holder_name(g, h, buf, sizeof buf), out);
        fputc('\n', out);
    }
    if (x->nholders + x->more_holders > show)
        fprintf(out, "    ... and %s more holders\n", commas(x->nholders + x->more_holders - show, c, sizeof c));
    fprintf(out, "  The largest of them (%s retained) is reached by:\n", iec(g->retained[x->point], a, sizeof a));
    print_path(out, g, path, len);
    fputc('\n', out);
}

void gmd_dump_report_suspects(FILE *out, const gmd_objgraph *g, double threshold, const gmd_dump_report_opts *o)
{
    label_opts = o;
    gmd_dump_suspect *s;
    uint32_t n = gmd_dump_suspects(g, threshold, &s);
    uint32_t *path = gmd_xmalloc((size_t)g->nnodes * sizeof *path);
    uint64_t total = g->reachable_bytes;
    char a[32], b[32], c[32], name[512], pname[512];
    gmd_json j;
    if (o->json) {
        gmd_json_init(&j, out, false);
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "reachable_bytes"); gmd_json_uint(&j, total);
        gmd_json_key(&j, "threshold"); gmd_json_double(&j, threshold);
        gmd_json_key(&j, "suspects");
        gmd_json_array_begin(&j);
    } else if (!n) {
        fprintf(out, "No leak suspect: no root retains %.0f%% or more of the reachable heap (%s).\n", threshold * 100,
                iec(total, a, sizeof a));
    }
    for (uint32_t i = 0; i < rows_of(o, n); i++) {
        const gmd_dump_suspect *x = &s[i];
        uint32_t len = gmd_objgraph_path(g, x->point, path, g->nnodes);
        if (x->by_type) {
            if (o->json) json_type_suspect(&j, g, x, path, len, o);
            else print_type_suspect(out, g, i, x, path, len, o);
            continue;
        }
        /* The root actually named: for a shared object, the first root of its shortest path. */
        uint32_t via = len ? path[0] : x->root;
        gmd_dump_group gi;
        bool is_group = gmd_node_kind_of(g, x->root) == GMD_NODE_GROUP && gmd_dump_group_info(g, x->root, &gi);
        if (o->json) {
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "root"); json_node(&j, g, x->root);
            gmd_json_key(&j, "shared"); gmd_json_bool(&j, gmd_node_is_object(g, x->root));
            gmd_json_key(&j, "share"); gmd_json_double(&j, pct(g->retained[x->root], total) / 100);
            gmd_json_key(&j, "accumulation_point"); json_node(&j, g, x->point);
            gmd_json_key(&j, "chain"); gmd_json_bool(&j, x->chain);
            gmd_json_key(&j, "common_size"); gmd_json_uint(&j, x->common_size);
            gmd_json_key(&j, "common_count"); gmd_json_uint(&j, x->common_count);
            gmd_json_key(&j, "common_bytes"); gmd_json_uint(&j, x->common_bytes);
            gmd_json_key(&j, "common_type");
            if (x->common_type) gmd_json_string(&j, x->common_type);
            else gmd_json_null(&j);
            gmd_json_key(&j, "container");
            if (x->container) gmd_json_string(&j, x->container);
            else gmd_json_null(&j);
            gmd_json_key(&j, "entries"); gmd_json_uint(&j, x->entries);
            gmd_json_key(&j, "path"); json_path(&j, g, path, len);
            gmd_json_key(&j, "goroutine_group");
            if (is_group) json_group(&j, g, &gi, o);
            else gmd_json_null(&j);
            gmd_json_key(&j, "kind"); gmd_json_string(&j, "root");
            gmd_json_object_end(&j);
            continue;
        }
        uint32_t p = x->point;
        fprintf(out, "Suspect %u: ", i + 1);
        if (is_group) {
            print_group(out, g, &gi, o);
            fprintf(out, ", retain %s (%.1f%% of the heap)\n", iec(g->retained[x->root], a, sizeof a),
                    pct(g->retained[x->root], total));
            if (p == x->root) {
                /* What they hold between them, their stacks, and one of them. */
                fprintf(out, "  They hold %s objects", commas(g->retained_count[x->root], b, sizeof b));
                if (x->common_count) print_common(out, x);
                fprintf(out, ".\n");
                if (gi.stack_bytes)
                    fprintf(out, "  Their stacks take another %s outside the heap.\n", iec(gi.stack_bytes, a, sizeof a));
                const gmd_dump_goroutine *gr = &g->goroutines[gi.first];
                fprintf(out, "  Goroutine %llu, one of them:\n", (unsigned long long)gr->goid);
                for (uint32_t k = 0; k < gr->nframes && k < 16; k++) {
                    const gmd_dump_frame *f = &g->frames[gr->first_frame + k];
                    fprintf(out, "    ");
                    print_where(out, locate(o, f->pc, f->depth > 0, f->func));
                    fputc('\n', out);
                }
                if (gr->nframes > 16) fprintf(out, "    ... %u more frames\n", gr->nframes - 16);
                fputc('\n', out);
                continue;
            }
        } else if (gmd_node_is_object(g, x->root)) {
            fprintf(out, "an object shared by several roots (first reached from %s) retains %.1f%% of the heap (%s in %s objects)\n",
                    node_label(g, via, name, sizeof name), pct(g->retained[x->root], total),
                    iec(g->retained[x->root], a, sizeof a), commas(g->retained_count[x->root], b, sizeof b));
        } else {
            fprintf(out, "%s retains %.1f%% of the heap (%s in %s objects)\n", node_label(g, x->root, name, sizeof name),
                    pct(g->retained[x->root], total), iec(g->retained[x->root], a, sizeof a),
                    commas(g->retained_count[x->root], b, sizeof b));
        }
        if (x->container) {
            /* In the user's words: the container they declared, how full, and what it retains. */
            const char *t = gmd_object_type(g, gmd_node_object(g, p));
            const char *unit = !strcmp(x->container, "map") ? "entries" : !strcmp(x->container, "chan") ? "queued elements" : "objects";
            if (!strcmp(x->container, "slice"))
                fprintf(out, "  A %s backing array (%s) reached from %s", iec(gmd_node_size(g, p), c, sizeof c), t,
                        node_label(g, via, pname, sizeof pname));
            else
                fprintf(out, "  %s reached from %s", t, node_label(g, via, pname, sizeof pname));
            if (x->entries || strcmp(x->container, "slice"))
                fprintf(out, " holds %s %s retaining", commas(x->entries, a, sizeof a), unit);
            else
                fprintf(out, " retains");
            fprintf(out, " %s (%.1f%%)", iec(g->retained[p], b, sizeof b), pct(g->retained[p], total));
            if (x->common_count) print_common(out, x);
            fprintf(out, ".\n");
        } else if (gmd_node_is_object(g, p)) {
            const char *t = gmd_object_type(g, gmd_node_object(g, p));
            fprintf(out, "  One %s object (%s) reached from %s retains %.1f%% of the heap in %s objects",
                     iec(gmd_node_size(g, p), a, sizeof a), t ? t : "unknown type",
                     node_label(g, via, pname, sizeof pname), pct(g->retained[p], total),
                     commas(g->retained_count[p], b, sizeof b));
            if (x->common_count) print_common(out, x);
            fprintf(out, ".\n");
            if (x->chain)
                fprintf(out, "  It heads a chain of same-sized objects, each holding the next (a linked list or similar).\n");
            else if (x->children > 1)
                fprintf(out, "  It holds them directly: %s children in the dominator tree (a map, slice or similar).\n",
                        commas(x->children, a, sizeof a));
        } else {
            fprintf(out, "  No single object accumulates it: %s holds many objects directly.\n",
                    node_label(g, p, name, sizeof name));
        }
        fprintf(out, "  Path from the root:\n");
        print_path(out, g, path, len);
        fputc('\n', out);
    }
    if (o->json) gmd_json_array_end(&j);
    suspect_types(out, o->json ? &j : NULL, g, threshold);
    if (o->json) {
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
    }
    free(path);
    gmd_dump_suspects_free(s, n);
}

void gmd_dump_report_histogram(FILE *out, const gmd_objgraph *g, bool by_type, const gmd_dump_report_opts *o)
{
    gmd_dump_histogram_result h;
    gmd_dump_histogram(g, by_type, &h);
    char a[32], b[32], c[32];
    const char *unknown = by_type && !g->type_name ? "unknown type (no --binary)" : "unknown type";
    if (o->json) {
        gmd_json j;
        gmd_json_init(&j, out, false);
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "by"); gmd_json_string(&j, by_type ? "type" : "size");
        gmd_json_key(&j, "rows");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < rows_of(o, h.n); i++) {
            const gmd_dump_hist_row *r = &h.rows[i];
            gmd_json_object_begin(&j);
            if (by_type) {
                const char *t = gmd_type_key_name(g, r->key);
                gmd_json_key(&j, "type");
                if (t) gmd_json_string(&j, t);
                else gmd_json_null(&j);
            } else {
                gmd_json_key(&j, "size"); gmd_json_uint(&j, r->key);
            }
            gmd_json_key(&j, "objects"); gmd_json_uint(&j, r->count);
            gmd_json_key(&j, "bytes"); gmd_json_uint(&j, r->bytes);
            gmd_json_key(&j, "reachable_objects"); gmd_json_uint(&j, r->reachable);
            gmd_json_key(&j, "reachable_bytes"); gmd_json_uint(&j, r->reachable_bytes);
            gmd_json_key(&j, "retained"); gmd_json_uint(&j, r->retained);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        gmd_dump_histogram_free(&h);
        return;
    }
    fprintf(out, "Objects by %s (%s objects, %s; slot sizes, as the allocator rounds them):\n", by_type ? "type" : "size",
            commas(g->nobjects, a, sizeof a), iec(g->heap_bytes, b, sizeof b));
    fprintf(out, "  %12s %10s %7s %12s %10s  %s\n", "objects", "shallow", "%", "reachable", "retained", by_type ? "type" : "size");
    for (uint32_t i = 0; i < rows_of(o, h.n); i++) {
        const gmd_dump_hist_row *r = &h.rows[i];
        char e[32];
        fprintf(out, "  %12s %10s %6.2f%% %12s %10s  ", commas(r->count, a, sizeof a), iec(r->bytes, b, sizeof b),
                pct(r->bytes, g->heap_bytes), commas(r->reachable, c, sizeof c), iec(r->retained, e, sizeof e));
        if (by_type) {
            const char *t = gmd_type_key_name(g, r->key);
            fprintf(out, "%s\n", t ? t : unknown);
        } else {
            fprintf(out, "%s\n", iec(r->key, a, sizeof a));
        }
    }
    fprintf(out, "Retained: the union of what each of the row's objects alone keeps alive (dominator subtrees, counted once).\n");
    if (by_type && g->obj_type)
        fprintf(out, "Types come from malloc headers and are propagated from globals through typed pointers, slices,\n"
                     "strings, maps, channels and interfaces (DWARF); objects no typed pointer reaches stay unknown.\n");
    else if (by_type)
        fprintf(out, "Types come from the malloc header of objects in 513 B-32 KiB slots that hold pointers (Go 1.22+);\n"
                     "smaller, pointer-free and large objects carry no type in the dump (a --binary with DWARF types more).\n");
    gmd_dump_histogram_free(&h);
}

static void keyed_push(gmd_dump_keyed *k, uint32_t *cap, const char *name, uint64_t bytes, uint64_t objects)
{
    if (k->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        k->names = gmd_xrealloc(k->names, *cap * sizeof *k->names);
        k->bytes = gmd_xrealloc(k->bytes, *cap * sizeof *k->bytes);
        k->objects = gmd_xrealloc(k->objects, *cap * sizeof *k->objects);
    }
    k->names[k->n] = gmd_xstrdup(name);
    k->bytes[k->n] = bytes;
    k->objects[k->n] = objects;
    k->n++;
}

void gmd_dump_keyed_roots(const gmd_objgraph *g, gmd_dump_keyed *k, const gmd_dump_report_opts *o)
{
    label_opts = o;
    memset(k, 0, sizeof *k);
    uint32_t cap = 0;
    char name[512];
    for (uint32_t r = 1; r < g->nroots; r++) {
        gmd_node_kind kind = g->roots[r].kind;
        if (kind == GMD_NODE_FRAME || g->idom[r] == GMD_NO_NODE) continue;
        if (kind == GMD_NODE_GOROUTINE) {
            const gmd_dump_goroutine *gr = &g->goroutines[g->roots[r].index];
            /* A group's goroutines are in its row (it dominates them). */
            if (gr->group != GMD_NO_NODE) continue;
            /* Goroutines alone match across dumps by id. */
            snprintf(name, sizeof name, "goroutine %llu", (unsigned long long)gr->goid);
        } else if (kind == GMD_NODE_GROUP) {
            /* Groups match by what they are, not how many (the name leads with the count). */
            gmd_dump_group gi;
            if (!gmd_dump_group_info(g, r, &gi)) continue;
            const char *fn = group_func(g, r);
            snprintf(name, sizeof name, "goroutines [%s] in %s", gi.state, fn ? fn : "?");
        } else {
            snprintf(name, sizeof name, "%s", g->roots[r].name);
        }
        keyed_push(k, &cap, name, g->retained[r], g->retained_count[r]);
    }
    uint32_t shared_n;
    uint64_t shared = gmd_dump_shared_bytes(g, &shared_n);
    keyed_push(k, &cap, "(shared by several roots)", shared, shared_n);
}

void gmd_dump_keyed_sites(const gmd_objgraph *g, gmd_dump_keyed *k)
{
    memset(k, 0, sizeof *k);
    uint32_t cap = 0;
    gmd_dump_sites_result s;
    gmd_dump_sites(g, false, &s);
    char name[1024];
    for (uint32_t i = 0; i < s.n; i++) {
        const char *file = NULL;
        uint64_t line = 0;
        const char *fn = gmd_bucket_site(&g->buckets[s.bucket[i]], &file, &line);
        const char *base = file ? strrchr(file, '/') : NULL;
        snprintf(name, sizeof name, "%s (%s:%llu)", fn ? fn : "?", base ? base + 1 : (file ? file : "?"),
                 (unsigned long long)line);
        keyed_push(k, &cap, name, s.retained[i], s.objects[i]);
    }
    gmd_dump_sites_free(&s);
}

void gmd_dump_keyed_types(const gmd_objgraph *g, gmd_dump_keyed *k)
{
    memset(k, 0, sizeof *k);
    uint32_t cap = 0;
    gmd_dump_histogram_result h;
    gmd_dump_histogram(g, true, &h);
    for (uint32_t i = 0; i < h.n; i++) {
        const char *t = gmd_type_key_name(g, h.rows[i].key);
        if (t) keyed_push(k, &cap, t, h.rows[i].reachable_bytes, h.rows[i].reachable);
    }
    gmd_dump_histogram_free(&h);
}

void gmd_dump_keyed_free(gmd_dump_keyed *k)
{
    for (uint32_t i = 0; i < k->n; i++) free(k->names[i]);
    free(k->names);
    free(k->bytes);
    free(k->objects);
    memset(k, 0, sizeof *k);
}

typedef struct diff_row {
    const char *name;
    int64_t old_bytes, new_bytes, old_objects, new_objects;
} diff_row;

static int by_name(const void *a, const void *b) { return strcmp(**(char *const *const *)a, **(char *const *const *)b); }

static int by_growth(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    int64_t dx = x->new_bytes - x->old_bytes, dy = y->new_bytes - y->old_bytes;
    if (dx != dy) return dx < dy ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* Join two keyed lists on their names. */
static diff_row *join(const gmd_dump_keyed *o, const gmd_dump_keyed *n, uint32_t *count)
{
    char ***po = gmd_xmalloc((o->n + 1) * sizeof *po), ***pn = gmd_xmalloc((n->n + 1) * sizeof *pn);
    for (uint32_t i = 0; i < o->n; i++) po[i] = &o->names[i];
    for (uint32_t i = 0; i < n->n; i++) pn[i] = &n->names[i];
    qsort(po, o->n, sizeof *po, by_name);
    qsort(pn, n->n, sizeof *pn, by_name);
    diff_row *rows = gmd_xmalloc((o->n + n->n + 1) * sizeof *rows);
    uint32_t i = 0, k = 0, m = 0;
    while (i < o->n || k < n->n) {
        int c = i == o->n ? 1 : k == n->n ? -1 : strcmp(*po[i], *pn[k]);
        diff_row r = {NULL, 0, 0, 0, 0};
        if (c <= 0) {
            uint32_t idx = (uint32_t)(po[i] - o->names);
            r.name = *po[i];
            r.old_bytes = (int64_t)o->bytes[idx];
            r.old_objects = (int64_t)o->objects[idx];
            i++;
        }
        if (c >= 0) {
            uint32_t idx = (uint32_t)(pn[k] - n->names);
            r.name = *pn[k];
            r.new_bytes = (int64_t)n->bytes[idx];
            r.new_objects = (int64_t)n->objects[idx];
            k++;
        }
        rows[m++] = r;
    }
    free(po);
    free(pn);
    qsort(rows, m, sizeof *rows, by_growth);
    *count = m;
    return rows;
}

static void diff_table(FILE *out, gmd_json *j, const char *title, const char *key, const diff_row *rows, uint32_t n,
                       const gmd_dump_report_opts *o)
{
    char a[32], b[32], c[32];
    if (j) {
        gmd_json_key(j, key);
        gmd_json_array_begin(j);
    } else {
        fprintf(out, "%s:\n  %10s %10s %10s %10s  %s\n", title, "growth", "old", "new", "objects", "name");
    }
    uint32_t shown = 0;
    for (uint32_t i = 0; i < n; i++) {
        const diff_row *r = &rows[i];
        if (r->old_bytes == r->new_bytes && r->old_objects == r->new_objects) continue;
        if (o->rows > 0 && shown >= (uint32_t)o->rows) break;
        shown++;
        int64_t d = r->new_bytes - r->old_bytes;
        if (j) {
            gmd_json_object_begin(j);
            gmd_json_key(j, "name"); gmd_json_string(j, r->name);
            gmd_json_key(j, "old_bytes"); gmd_json_int(j, r->old_bytes);
            gmd_json_key(j, "new_bytes"); gmd_json_int(j, r->new_bytes);
            gmd_json_key(j, "old_objects"); gmd_json_int(j, r->old_objects);
            gmd_json_key(j, "new_objects"); gmd_json_int(j, r->new_objects);
            gmd_json_object_end(j);
        } else {
            char sign[40];
            snprintf(sign, sizeof sign, "%s%s", d >= 0 ? "+" : "-", iec((uint64_t)(d >= 0 ? d : -d), c, sizeof c));
            fprintf(out, "  %10s %10s %10s %+10lld  %s\n", sign, iec((uint64_t)r->old_bytes, a, sizeof a),
                    iec((uint64_t)r->new_bytes, b, sizeof b), (long long)(r->new_objects - r->old_objects), r->name);
        }
    }
    if (j) gmd_json_array_end(j);
    else if (!shown) fprintf(out, "  (no change)\n");
}

void gmd_dump_report_diff(FILE *out, const gmd_dump_keyed *old_roots, const gmd_dump_keyed *new_roots,
                          const gmd_dump_keyed *old_sites, const gmd_dump_keyed *new_sites,
                          const gmd_dump_keyed *old_types, const gmd_dump_keyed *new_types, uint64_t old_total,
                          uint64_t new_total, const gmd_dump_report_opts *o)
{
    uint32_t nr, ns, nt;
    diff_row *roots = join(old_roots, new_roots, &nr);
    diff_row *sites = join(old_sites, new_sites, &ns);
    diff_row *types = join(old_types, new_types, &nt);   /* empty without --binary */
    char a[32], b[32], c[32];
    if (o->json) {
        gmd_json j;
        gmd_json_init(&j, out, false);
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "old_reachable_bytes"); gmd_json_uint(&j, old_total);
        gmd_json_key(&j, "new_reachable_bytes"); gmd_json_uint(&j, new_total);
        diff_table(out, &j, NULL, "roots", roots, nr, o);
        diff_table(out, &j, NULL, "sites", sites, ns, o);
        diff_table(out, &j, NULL, "types", types, nt, o);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
    } else {
        int64_t d = (int64_t)new_total - (int64_t)old_total;
        fprintf(out, "Reachable heap: %s -> %s (%s%s)\n\n", iec(old_total, a, sizeof a), iec(new_total, b, sizeof b),
                d >= 0 ? "+" : "-", iec((uint64_t)(d >= 0 ? d : -d), c, sizeof c));
        diff_table(out, NULL, "Growth by root (retained size)", NULL, roots, nr, o);
        fputc('\n', out);
        diff_table(out, NULL, "Growth by allocation site (retained by sampled objects)", NULL, sites, ns, o);
        if (nt) {
            fputc('\n', out);
            diff_table(out, NULL, "Growth by type (reachable objects' own size)", NULL, types, nt, o);
        }
    }
    free(roots);
    free(sites);
    free(types);
}

/* A field's value as text: numbers, "text" (len N), len/cap, links. */
static void field_value(const gmd_objgraph *g, const gmd_dump_field *f, char *buf, size_t size)
{
    switch (f->kind) {
    case GMD_DF_INT: snprintf(buf, size, "%lld", (long long)f->value); break;
    case GMD_DF_UINT: snprintf(buf, size, "%llu", (unsigned long long)f->value); break;
    case GMD_DF_BOOL: snprintf(buf, size, "%s", f->value ? "true" : "false"); break;
    case GMD_DF_FLOAT: {
        double d = 0;
        if (f->size == 8) memcpy(&d, &f->value, 8);
        else {
            float x;
            uint32_t v = (uint32_t)f->value;
            memcpy(&x, &v, 4);
            d = x;
        }
        snprintf(buf, size, "%g", d);
        break;
    }
    case GMD_DF_STRING: {
        size_t n = 0;
        if (f->text_ok) {
            n += (size_t)snprintf(buf, size, "\"");
            for (uint32_t i = 0; i < f->text_len && n + 8 < size; i++) {
                unsigned char ch = (unsigned char)f->text[i];
                n += (size_t)snprintf(buf + n, size - n, ch >= 32 && ch < 127 && ch != '"' && ch != '\\' ? "%c" : "\\x%02x", ch);
            }
            n += (size_t)snprintf(buf + n, size - n, "%s\" ", f->len > f->text_len ? "..." : "");
        }
        if (n < size) snprintf(buf + n, size - n, "(len %llu)", (unsigned long long)f->len);
        break;
    }
    case GMD_DF_SLICE:
        snprintf(buf, size, "len %llu, cap %llu -> 0x%llx", (unsigned long long)f->len, (unsigned long long)f->cap,
                 (unsigned long long)f->value);
        break;
    case GMD_DF_PTR: {
        uint32_t n = f->value ? gmd_objgraph_find(g, f->value) : GMD_NO_NODE;
        const char *ty = n != GMD_NO_NODE ? gmd_object_type(g, gmd_node_object(g, n)) : NULL;
        uint64_t used = 0;
        if (!f->value) snprintf(buf, size, "nil");
        else if (ty && !strncmp(ty, "map[", 4) && gmd_object_word(g, gmd_node_object(g, n), 0, &used))
            snprintf(buf, size, "-> 0x%llx (%s, %llu entries)", (unsigned long long)f->value, ty, (unsigned long long)used);
        else
        {
            bool in_static = (f->value >= g->data_addr && f->value - g->data_addr < g->data_len) ||
                             (f->value >= g->bss_addr && f->value - g->bss_addr < g->bss_len);
            const char *where = n != GMD_NO_NODE ? "" : in_static ? " (static data)" : " (not in the heap)";
            snprintf(buf, size, "-> 0x%llx%s%s%s", (unsigned long long)f->value, ty ? " (" : where, ty ? ty : "", ty ? ")" : "");
        }
        break;
    }
    case GMD_DF_IFACE:
        if (!f->value && !f->dyn) snprintf(buf, size, "nil");
        else snprintf(buf, size, "%s 0x%llx", f->dyn ? f->dyn : "(unknown dynamic type)", (unsigned long long)f->value);
        break;
    default: snprintf(buf, size, "0x%llx", (unsigned long long)f->value); break;
    }
}

void gmd_dump_report_show(FILE *out, gmd_objgraph *g, gmd_gotypes *t, uint64_t bias, uint32_t node,
                          const gmd_dump_report_opts *o)
{
    label_opts = o;
    uint32_t obj = gmd_node_object(g, node);
    enum { MAXF = 256, MAXR = 20 };
    gmd_dump_field *fields = gmd_xmalloc(MAXF * sizeof *fields);
    uint32_t nf = t ? gmd_dump_fields(g, t, bias, obj, fields, MAXF) : 0;
    /* Referrers: every node with an edge to this one (one pass over the edges). */
    uint32_t refs[MAXR], nref = 0, total_refs = 0;
    for (uint32_t v = 0; v < g->nnodes; v++)
        for (uint32_t k = g->out_start[v]; k < g->out_start[v + 1]; k++)
            if (g->out[k] == node) {
                if (nref < MAXR) refs[nref++] = v;
                total_refs++;
                break;
            }
    const char *type = gmd_object_type(g, obj);
    const char *site = NULL, *file = NULL;
    uint64_t line = 0;
    if (g->obj_bucket[obj] != GMD_NO_NODE) site = gmd_bucket_site(&g->buckets[g->obj_bucket[obj]], &file, &line);
    char a[32], b[32], val[512], name[512];
    if (o->json) {
        gmd_json j;
        gmd_json_init(&j, out, false);
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "object"); json_node(&j, g, node);
        gmd_json_key(&j, "allocated_at");
        if (site) gmd_json_string(&j, site);
        else gmd_json_null(&j);
        gmd_json_key(&j, "fields");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < nf; i++) {
            const gmd_dump_field *f = &fields[i];
            field_value(g, f, val, sizeof val);
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "name"); gmd_json_string(&j, f->name);
            gmd_json_key(&j, "type"); gmd_json_string(&j, f->type);
            gmd_json_key(&j, "offset"); gmd_json_uint(&j, f->off);
            gmd_json_key(&j, "value"); gmd_json_string(&j, val);
            if (f->kind == GMD_DF_STRING || f->kind == GMD_DF_SLICE) {
                gmd_json_key(&j, "len"); gmd_json_uint(&j, f->len);
            }
            if (f->kind == GMD_DF_PTR || f->kind == GMD_DF_SLICE || f->kind == GMD_DF_IFACE || f->kind == GMD_DF_STRING) {
                gmd_json_key(&j, "pointer"); gmd_json_uint(&j, f->value);
            }
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_key(&j, "referrers_count"); gmd_json_uint(&j, total_refs);
        gmd_json_key(&j, "referrers");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < nref; i++) json_node(&j, g, refs[i]);
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        free(fields);
        return;
    }
    fprintf(out, "object 0x%llx: %s, %s\n", (unsigned long long)g->obj_addr[obj], iec(g->obj_size[obj], a, sizeof a),
            type ? type : "unknown type");
    if (g->idom[node] != GMD_NO_NODE)
        fprintf(out, "  retains %s in %s objects\n", iec(g->retained[node], a, sizeof a), commas(g->retained_count[node], b, sizeof b));
    else
        fprintf(out, "  unreachable from the dumped roots\n");
    if (site) {
        const char *base = file ? strrchr(file, '/') : NULL;
        fprintf(out, "  allocated in %s (%s:%llu)\n", site, base ? base + 1 : file ? file : "?", (unsigned long long)line);
    }
    if (nf) {
        fprintf(out, "  fields:\n");
        for (uint32_t i = 0; i < nf; i++) {
            field_value(g, &fields[i], val, sizeof val);
            fprintf(out, "    +%-5llu %-20s %-24s %s\n", (unsigned long long)fields[i].off, fields[i].name, fields[i].type, val);
        }
    } else if (!t) {
        fprintf(out, "  (fields need --binary with DWARF)\n");
    }
    fprintf(out, "  referred to by %u:\n", total_refs);
    for (uint32_t i = 0; i < nref; i++) {
        int64_t off = gmd_objgraph_edge_offset(g, refs[i], node);
        if (off >= 0) fprintf(out, "    %s at +%lld\n", node_label(g, refs[i], name, sizeof name), (long long)off);
        else fprintf(out, "    %s\n", node_label(g, refs[i], name, sizeof name));
    }
    if (total_refs > nref) fprintf(out, "    ... (%u more)\n", total_refs - nref);
    /* A goroutine's runtime.g and sudogs are its own (gmd_dump_own_goroutine_objects). */
    if (gmd_node_is_object(g, node)) {
        uint32_t o = gmd_node_object(g, node), d = g->idom ? g->idom[node] : GMD_NO_NODE;
        uint64_t w0 = 0;
        bool owned = false;
        gmd_object_word(g, o, 0, &w0);
        for (uint32_t i = 0; i < g->ngoroutines && !owned; i++) {
            uint64_t ga = g->goroutines[i].addr;
            owned = g->obj_addr[o] == ga ||
                    (w0 == ga && d != GMD_NO_NODE &&
                     (d == g->goroutines[i].node || (gmd_node_is_object(g, d) && g->obj_addr[gmd_node_object(g, d)] == ga)));
        }
        if (owned)
            fprintf(out, "  It belongs to its goroutine: the runtime's lists (allgs, run and wait queues) point at it\n"
                         "  too, but would drop it with the goroutine, so they are not counted as holding it.\n");
    }
    free(fields);
}
