/* Call graph: flat and cum (recursion counted once), edges and their inline
 * flags, lines granularity, nodefraction dropping with residual edges,
 * nodecount, and how focus/ignore/hide shape the graph; plus the top
 * report's text and JSON built on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/graph.h"
#include "gmd/report.h"
#include "gmd/stacks.h"

typedef struct tprof {
    gmd_profile *p;
    gmd_builder *b;
} tprof;

static tprof tprof_new(void)
{
    tprof t;
    t.p = gmd_profile_new();
    t.p->sample_types = gmd_arena_alloc(&t.p->arena, sizeof *t.p->sample_types);
    t.p->sample_types[0].type = gmd_intern_str(&t.p->strings, "inuse_space");
    t.p->sample_types[0].unit = gmd_intern_str(&t.p->strings, "bytes");
    t.p->nsample_types = 1;
    t.p->default_sample_type = 0;
    t.b = gmd_builder_new(t.p);
    return t;
}

/* A stack written outermost first: "main;a:12;b". A token "mid|leaf" is one
 * location where leaf was inlined into mid; ":N" gives the line (default 10). */
static void tprof_add(tprof *t, const char *spec, int64_t value)
{
    uint32_t locs[64];
    uint32_t n = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ";", &save); tok && n < 64; tok = strtok_r(NULL, ";", &save)) {
        gmd_line lines[8];
        uint32_t nl = 0;
        char *save2 = NULL;
        for (char *fn = strtok_r(tok, "|", &save2); fn && nl < 8; fn = strtok_r(NULL, "|", &save2)) {
            int64_t line = 10;
            char *colon = strchr(fn, ':');
            if (colon) {
                *colon = '\0';
                line = atoi(colon + 1);
            }
            lines[nl].function = gmd_builder_function(t->b, fn, fn, "/src/x.go", 1);
            lines[nl].line = line;
            lines[nl].column = 0;
            nl++;
        }
        /* Lines are innermost first in the model. */
        for (uint32_t i = 0; i < nl / 2; i++) {
            gmd_line tmp = lines[i];
            lines[i] = lines[nl - 1 - i];
            lines[nl - 1 - i] = tmp;
        }
        locs[n++] = gmd_builder_location(t->b, GMD_NONE, 0, lines, nl);
    }
    for (uint32_t i = 0; i < n / 2; i++) {
        uint32_t tmp = locs[i];
        locs[i] = locs[n - 1 - i];
        locs[n - 1 - i] = tmp;
    }
    gmd_builder_sample(t->b, locs, n, &value, NULL, 0, false);
}

static gmd_profile *tprof_done(tprof *t)
{
    gmd_builder_finish(t->b);
    return t->p;
}

typedef struct fixture {
    gmd_profile *p;
    gmd_stackset s;
    gmd_graph g;
} fixture;

static void build(fixture *f, gmd_profile *p, const gmd_select_opts *sel, const gmd_graph_opts *go)
{
    gmd_err err;
    gmd_err_clear(&err);
    f->p = p;
    assert_int_equal(gmd_stackset_build(p, sel, &f->s, &err), 0);
    assert_int_equal(gmd_graph_build(&f->s, go, &f->g, &err), 0);
}

static void done(fixture *f)
{
    gmd_graph_free(&f->g);
    gmd_stackset_free(&f->s);
    gmd_profile_free(f->p);
}

static const gmd_graph_node *node(const gmd_graph *g, const char *label)
{
    uint32_t i = gmd_graph_find(g, label);
    if (i == UINT32_MAX) fail_msg("no node '%s'", label);
    return &g->nodes[i];
}

static bool has_node(const gmd_graph *g, const char *label) { return gmd_graph_find(g, label) != UINT32_MAX; }

static const gmd_graph_edge *edge(const gmd_graph *g, const char *src, const char *dst)
{
    uint32_t a = gmd_graph_find(g, src), b = gmd_graph_find(g, dst);
    for (uint32_t i = 0; i < g->nedges; i++)
        if (g->edges[i].src == a && g->edges[i].dst == b) return &g->edges[i];
    return NULL;
}

static const gmd_graph_opts keep_all = {GMD_GRAN_FUNCTIONS, GMD_ORDER_FLAT, 0, 0, 0, false, false, false, NULL};

static void test_flat_cum_edges(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;a;b", 10);
    tprof_add(&t, "main;a", 5);
    tprof_add(&t, "main;c", 3);
    fixture f;
    build(&f, tprof_done(&t), NULL, &keep_all);
    assert_int_equal(f.g.nnodes, 4);
    assert_int_equal(f.g.total, 18);
    assert_int_equal(f.g.shown, 18);
    assert_int_equal(node(&f.g, "b")->flat, 10);
    assert_int_equal(node(&f.g, "a")->flat, 5);
    assert_int_equal(node(&f.g, "a")->cum, 15);
    assert_int_equal(node(&f.g, "main")->flat, 0);
    assert_int_equal(node(&f.g, "main")->cum, 18);
    /* Flat order: b, a, c, main. */
    assert_string_equal(f.g.nodes[0].label, "b");
    assert_string_equal(f.g.nodes[3].label, "main");
    assert_int_equal(edge(&f.g, "main", "a")->weight, 15);
    assert_int_equal(edge(&f.g, "a", "b")->weight, 10);
    assert_int_equal(edge(&f.g, "main", "c")->weight, 3);
    assert_null(edge(&f.g, "main", "b"));
    /* main's callees, heaviest first. */
    const gmd_graph_node *m = node(&f.g, "main");
    assert_int_equal(m->nout, 2);
    assert_string_equal(f.g.nodes[f.g.edges[m->out[0]].dst].label, "a");
    assert_int_equal(m->nin, 0);
    done(&f);
}

static void test_recursion(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;r;r;r;leaf", 7);
    tprof_add(&t, "main;a;b;a;b", 4);
    fixture f;
    build(&f, tprof_done(&t), NULL, &keep_all);
    assert_int_equal(node(&f.g, "r")->cum, 7);      /* once per stack */
    assert_int_equal(node(&f.g, "leaf")->flat, 7);
    assert_null(edge(&f.g, "r", "r"));               /* no self edges */
    assert_int_equal(edge(&f.g, "main", "r")->weight, 7);
    assert_int_equal(edge(&f.g, "r", "leaf")->weight, 7);
    assert_int_equal(node(&f.g, "a")->cum, 4);
    assert_int_equal(node(&f.g, "b")->cum, 4);
    assert_int_equal(node(&f.g, "b")->flat, 4);
    assert_int_equal(edge(&f.g, "a", "b")->weight, 4);   /* once per stack, not twice */
    assert_int_equal(edge(&f.g, "b", "a")->weight, 4);
    assert_int_equal(node(&f.g, "main")->cum, 11);
    done(&f);
}

static void test_inline_edges(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;mid|leaf", 6);   /* leaf inlined into mid */
    tprof_add(&t, "main;x;leaf", 2);     /* and called normally from x */
    tprof_add(&t, "main;y|z", 1);
    fixture f;
    build(&f, tprof_done(&t), NULL, &keep_all);
    assert_true(edge(&f.g, "mid", "leaf")->inline_call);
    assert_false(edge(&f.g, "x", "leaf")->inline_call);
    assert_false(edge(&f.g, "main", "mid")->inline_call);
    assert_true(edge(&f.g, "y", "z")->inline_call);
    assert_int_equal(node(&f.g, "leaf")->flat, 8);
    assert_int_equal(node(&f.g, "mid")->cum, 6);

    /* top labels them like pprof. */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    gmd_report_opts ro = {GMD_GRAN_FUNCTIONS, false, -1, -1, NULL, NULL, NULL, false};
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_report_top(out, &f.s, &ro, &err), 0);
    fclose(out);
    assert_non_null(strstr(buf, "  leaf (partial-inline)\n"));
    assert_non_null(strstr(buf, "  z (inline)\n"));
    assert_non_null(strstr(buf, "Showing nodes accounting for 9B, 100% of 9B total\n"));
    free(buf);
    done(&f);
}

static void test_lines_granularity(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main:5;a:12", 3);
    tprof_add(&t, "main:6;a:13", 4);
    tprof_add(&t, "main:6;a:13", 1);
    fixture f;
    gmd_graph_opts go = keep_all;
    go.granularity = GMD_GRAN_LINES;
    build(&f, tprof_done(&t), NULL, &go);
    assert_int_equal(f.g.nnodes, 4);
    assert_int_equal(node(&f.g, "a /src/x.go:12")->flat, 3);
    assert_int_equal(node(&f.g, "a /src/x.go:13")->flat, 5);
    assert_int_equal(node(&f.g, "main /src/x.go:6")->cum, 5);
    assert_int_equal(node(&f.g, "a /src/x.go:13")->line, 13);
    assert_string_equal(node(&f.g, "a /src/x.go:13")->file, "/src/x.go");
    assert_int_equal(edge(&f.g, "main /src/x.go:5", "a /src/x.go:12")->weight, 3);
    done(&f);

    /* At functions granularity the same profile has two nodes. */
    t = tprof_new();
    tprof_add(&t, "main:5;a:12", 3);
    tprof_add(&t, "main:6;a:13", 4);
    build(&f, tprof_done(&t), NULL, &keep_all);
    assert_int_equal(f.g.nnodes, 2);
    assert_int_equal(node(&f.g, "a")->flat, 7);
    done(&f);
}

static void test_nodefraction(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;a;leaf", 996);
    tprof_add(&t, "main;tiny;leaf", 4);   /* 0.4% < 0.5%: dropped */
    fixture f;
    gmd_graph_opts go = {GMD_GRAN_FUNCTIONS, GMD_ORDER_FLAT, -1, -1, 0, false, false, false, NULL};
    build(&f, tprof_done(&t), NULL, &go);
    assert_false(has_node(&f.g, "tiny"));
    assert_int_equal(f.g.dropped_nodes, 1);
    assert_int_equal(f.g.dropped_cutoff, 5);   /* 1000 * 0.005 */
    assert_int_equal(f.g.orig_count, 3);
    /* leaf keeps its whole value; the path through tiny becomes residual. */
    assert_int_equal(node(&f.g, "leaf")->flat, 1000);
    const gmd_graph_edge *e = edge(&f.g, "main", "leaf");
    assert_non_null(e);
    assert_int_equal(e->weight, 4);
    assert_true(e->residual);
    assert_false(edge(&f.g, "a", "leaf")->residual);

    /* nodecount keeps the heaviest by flat (then name). */
    gmd_graph_free(&f.g);
    gmd_err err;
    gmd_err_clear(&err);
    go.nodecount = 1;
    assert_int_equal(gmd_graph_build(&f.s, &go, &f.g, &err), 0);
    assert_int_equal(f.g.nnodes, 1);
    assert_string_equal(f.g.nodes[0].label, "leaf");
    assert_int_equal(f.g.orig_count, 3);

    /* --cum order: by cum, ties by name. */
    gmd_graph_free(&f.g);
    go.nodecount = 0;
    go.order = GMD_ORDER_CUM;
    assert_int_equal(gmd_graph_build(&f.s, &go, &f.g, &err), 0);
    assert_string_equal(f.g.nodes[0].label, "leaf");
    assert_string_equal(f.g.nodes[1].label, "main");
    assert_string_equal(f.g.nodes[2].label, "a");
    done(&f);
}

static void test_filters(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;a;b", 10);
    tprof_add(&t, "main;c;b", 6);
    tprof_add(&t, "main;c", 4);
    gmd_profile *p = tprof_done(&t);

    fixture f;
    gmd_select_opts hide = {.hide = "^a$"};
    build(&f, p, &hide, &keep_all);
    assert_false(has_node(&f.g, "a"));
    assert_int_equal(edge(&f.g, "main", "b")->weight, 10);   /* hide splices the stack */
    assert_int_equal(f.g.total, 20);
    gmd_graph_free(&f.g);
    gmd_stackset_free(&f.s);

    gmd_select_opts focus = {.focus = "^c$"};
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_stackset_build(p, &focus, &f.s, &err), 0);
    assert_int_equal(gmd_graph_build(&f.s, &keep_all, &f.g, &err), 0);
    assert_false(has_node(&f.g, "a"));
    assert_int_equal(node(&f.g, "b")->flat, 6);
    assert_int_equal(f.g.shown, 10);
    assert_int_equal(f.g.total, 20);   /* percentages stay of the whole profile, as pprof */
    gmd_graph_free(&f.g);
    gmd_stackset_free(&f.s);

    gmd_select_opts ignore = {.ignore = "^c$"};
    assert_int_equal(gmd_stackset_build(p, &ignore, &f.s, &err), 0);
    assert_int_equal(gmd_graph_build(&f.s, &keep_all, &f.g, &err), 0);
    assert_false(has_node(&f.g, "c"));
    assert_int_equal(node(&f.g, "main")->cum, 10);
    done(&f);
}

static void test_negative_values(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;grow", 100);
    tprof_add(&t, "main;shrink", -40);
    fixture f;
    build(&f, tprof_done(&t), NULL, &keep_all);
    assert_int_equal(node(&f.g, "shrink")->flat, -40);
    assert_int_equal(node(&f.g, "main")->cum, 60);
    assert_int_equal(f.g.total, 140);
    assert_int_equal(f.g.shown, 60);
    assert_string_equal(f.g.nodes[0].label, "grow");   /* by |flat| */
    assert_string_equal(f.g.nodes[1].label, "shrink");
    done(&f);
}

/* A delta profile: main and mid add up to zero (a goroutine left one stack
 * and one came to another), so they are not listed; their edges stay,
 * named by ghost nodes after the listed ones, as pprof keeps them when no
 * trimming rebuilds its graph. A rebuild (nodecount) drops them. */
static void test_ghost_edges(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;mid;a", 1);
    tprof_add(&t, "main;mid;b", -1);
    fixture f;
    build(&f, tprof_done(&t), NULL, &keep_all);
    assert_int_equal(f.g.nnodes, 2);
    assert_int_equal(f.g.nghosts, 2);
    assert_false(has_node(&f.g, "mid"));
    const gmd_graph_node *a = node(&f.g, "a");
    assert_int_equal(a->nin, 1);
    const gmd_graph_edge *e = &f.g.edges[a->in[0]];
    assert_string_equal(f.g.nodes[e->src].label, "mid");
    assert_true(e->src >= f.g.nnodes);
    assert_int_equal(e->weight, 1);
    assert_int_equal(f.g.edges[node(&f.g, "b")->in[0]].weight, -1);
    gmd_graph_free(&f.g);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_graph_opts one = keep_all;
    one.nodecount = 1;
    assert_int_equal(gmd_graph_build(&f.s, &one, &f.g, &err), 0);
    assert_int_equal(f.g.nnodes, 1);
    assert_int_equal(f.g.nghosts, 0);
    done(&f);
}

/* Tags (dot's label and size boxes): a node gets its samples' label set
 * and numeric labels, flat at the leaf, cum everywhere; with count_tags a
 * node's tags count toward nodecount. */
static void test_tags(void **state)
{
    (void)state;
    tprof u = tprof_new();
    gmd_profile *q = u.p;
    gmd_line l1 = {gmd_builder_function(u.b, "leaf", "leaf", "/x.go", 1), 10, 0};
    gmd_line l2 = {gmd_builder_function(u.b, "main", "main", "/x.go", 1), 10, 0};
    uint32_t ls[2] = {gmd_builder_location(u.b, GMD_NONE, 0x10, &l1, 1), gmd_builder_location(u.b, GMD_NONE, 0x20, &l2, 1)};
    gmd_label lq[2] = {{gmd_intern_str(&q->strings, "role"), gmd_intern_str(&q->strings, "w"), 0, ""},
                       {gmd_intern_str(&q->strings, "bytes"), "", 1024, ""}};
    int64_t v = 3072;
    gmd_builder_sample(u.b, ls, 2, &v, lq, 2, false);
    fixture f;
    build(&f, tprof_done(&u), NULL, &keep_all);
    gmd_graph_tag *tags;
    uint32_t n = gmd_graph_tags(&f.g, &tags);
    assert_int_equal(n, 4);   /* per node: the label set and the size */
    uint32_t leaf = gmd_graph_find(&f.g, "leaf");
    int seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (tags[i].node != leaf) continue;
        seen++;
        assert_int_equal(tags[i].flat, 3072);
        assert_int_equal(tags[i].cum, 3072);
        assert_string_equal(tags[i].labels, "role:w");
        if (tags[i].unit) {
            assert_string_equal(tags[i].unit, "bytes");
            assert_string_equal(tags[i].name, "1024");
            assert_int_equal(tags[i].value, 1024);
        } else {
            assert_string_equal(tags[i].name, "role:w");
        }
    }
    assert_int_equal(seen, 2);
    free(tags);
    /* nodecount 2 with tags: leaf (2 flat tags) alone fills it. */
    gmd_graph_free(&f.g);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_graph_opts go = keep_all;
    go.nodecount = 2;
    go.count_tags = true;
    assert_int_equal(gmd_graph_build(&f.s, &go, &f.g, &err), 0);
    assert_int_equal(f.g.nnodes, 1);
    done(&f);
}

static void test_top_json_and_peek(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main;a;b", 3000);
    tprof_add(&t, "main;c", 1000);
    fixture f;
    build(&f, tprof_done(&t), NULL, &keep_all);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    gmd_report_opts ro = {GMD_GRAN_FUNCTIONS, false, -1, -1, NULL, NULL, NULL, true};
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_report_top(out, &f.s, &ro, &err), 0);
    fclose(out);
    assert_non_null(strstr(buf, "\"total\":4000"));
    assert_non_null(strstr(buf, "{\"name\":\"b\",\"function\":\"b\",\"file\":\"/src/x.go\",\"flat\":3000,\"flat_pct\":75"));
    free(buf);

    buf = NULL;
    out = open_memstream(&buf, &len);
    ro.json = false;
    ro.symbol = "^a$";
    assert_int_equal(gmd_report_peek(out, &f.s, &ro, &err), 0);
    fclose(out);
    /* Caller above, the node, callee below. The smallest value (1000B) is
     * not tiny next to the total, so pprof keeps bytes for every value. */
    assert_non_null(strstr(buf, "                                             3000B   100% |   main\n"
                                "         0     0%     0%      3000B 75.00%                | a\n"
                                "                                             3000B   100% |   b\n"));
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    ro.symbol = "nomatch";
    assert_int_equal(gmd_report_peek(out, &f.s, &ro, &err), -1);
    fclose(out);
    free(buf);
    assert_non_null(strstr(err.msg, "no function matches"));
    done(&f);
}

/* Big stack sets are walked in two halves on two threads: the graph must
 * be the one a single walk gives. The same stacks, once as 40,000 samples
 * (split) and once merged into one sample each (walked whole), give the
 * same nodes and edges, with dropped nodes (residual edges), inline calls
 * and recursion among them. */
static void same_graphs(const gmd_graph *a, const gmd_graph *b)
{
    assert_int_equal(a->nnodes, b->nnodes);
    assert_int_equal(a->nedges, b->nedges);
    assert_int_equal(a->dropped_nodes, b->dropped_nodes);
    for (uint32_t i = 0; i < a->nnodes; i++) {
        assert_string_equal(a->nodes[i].label, b->nodes[i].label);
        assert_int_equal(a->nodes[i].flat, b->nodes[i].flat);
        assert_int_equal(a->nodes[i].cum, b->nodes[i].cum);
    }
    for (uint32_t i = 0; i < a->nedges; i++) {
        const gmd_graph_edge *x = &a->edges[i];
        const gmd_graph_edge *y = edge(b, a->nodes[x->src].label, a->nodes[x->dst].label);
        if (!y) fail_msg("edge %s -> %s missing", a->nodes[x->src].label, a->nodes[x->dst].label);
        assert_int_equal(x->weight, y->weight);
        assert_int_equal(x->inline_call, y->inline_call);
        assert_int_equal(x->residual, y->residual);
    }
}

static void test_split_walk(void **state)
{
    (void)state;
    /* The first half of the samples uses the first 7 stacks, the second
     * half the last 7: the halves see a->b inlined and not, through tiny
     * (residual once tiny is dropped) and not. */
    static const char *const stacks[] = {
        "main;a|b;leaf", "main;a;tiny;b", "main;a;leaf", "main;b;leaf", "main;a;a;leaf",
        "main;tiny;leaf", "main;x|a;c", "main;c;x|a", "main;a|a;leaf", "main;a;b;leaf", "main;a;b",
    };
    enum { NSTACKS = sizeof stacks / sizeof *stacks, NSAMPLES = 40000, PER_HALF = 7 };
    int64_t sums[NSTACKS] = {0};
    tprof big = tprof_new(), small = tprof_new();
    for (int i = 0; i < NSAMPLES; i++) {
        int k = i < NSAMPLES / 2 ? i % PER_HALF : NSTACKS - PER_HALF + i % PER_HALF;
        /* "tiny" gets about 0.1% of the total: under the node cutoff. */
        int64_t v = strstr(stacks[k], "tiny") ? (i / PER_HALF) % 5 == 0 : 10 + i % 7;
        sums[k] += v;
        tprof_add(&big, stacks[k], v);
    }
    for (int k = 0; k < NSTACKS; k++) tprof_add(&small, stacks[k], sums[k]);
    gmd_graph_opts go[] = {
        keep_all,
        {GMD_GRAN_FUNCTIONS, GMD_ORDER_FLAT, -1, -1, 0, false, false, false, NULL},
        {GMD_GRAN_LINES, GMD_ORDER_CUM, -1, -1, 3, false, false, false, NULL},
    };
    fixture fb, fs;
    build(&fb, tprof_done(&big), NULL, &go[0]);
    build(&fs, tprof_done(&small), NULL, &go[0]);
    assert_true(fb.s.nstacks >= 32768);   /* big enough to be split */
    same_graphs(&fs.g, &fb.g);
    assert_true(has_node(&fb.g, "tiny"));
    assert_false(edge(&fb.g, "a", "b")->inline_call);   /* inlined in one half only */
    for (size_t i = 1; i < sizeof go / sizeof *go; i++) {
        gmd_err err;
        gmd_err_clear(&err);
        gmd_graph_free(&fb.g);
        gmd_graph_free(&fs.g);
        assert_int_equal(gmd_graph_build(&fb.s, &go[i], &fb.g, &err), 0);
        assert_int_equal(gmd_graph_build(&fs.s, &go[i], &fs.g, &err), 0);
        same_graphs(&fs.g, &fb.g);
        if (i == 1) {   /* the default cutoff dropped tiny, which keep_all showed */
            assert_false(has_node(&fb.g, "tiny"));
            assert_true(edge(&fb.g, "a", "b")->residual);
        }
    }
    done(&fb);
    done(&fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_cum_edges), cmocka_unit_test(test_recursion),
        cmocka_unit_test(test_inline_edges),   cmocka_unit_test(test_lines_granularity),
        cmocka_unit_test(test_nodefraction),   cmocka_unit_test(test_filters),
        cmocka_unit_test(test_negative_values), cmocka_unit_test(test_top_json_and_peek),
        cmocka_unit_test(test_split_walk),     cmocka_unit_test(test_ghost_edges),
        cmocka_unit_test(test_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
