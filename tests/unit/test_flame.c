/* Flame graph SVG: well-formed XML, widths proportional to values, narrow
 * frames elided, diff colours with the right sign, hostile names escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/flame.h"
#include "gmd/stacks.h"

/* ---- building profiles ---- */

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

/* A sample whose stack is "outer;middle;leaf" (outermost first, like folded stacks). */
static void tprof_add(tprof *t, const char *folded, int64_t value)
{
    uint32_t locs[64];
    uint32_t n = 0;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", folded);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ";", &save); tok && n < 64; tok = strtok_r(NULL, ";", &save)) {
        gmd_line ln = {gmd_builder_function(t->b, tok, tok, "x.go", 1), 10, 0};
        locs[n] = gmd_builder_location(t->b, GMD_NONE, 0x1000 + 16 * (uint64_t)ln.function, &ln, 1);
        n++;
    }
    /* The model is leaf first. */
    for (uint32_t i = 0; i < n / 2; i++) {
        uint32_t tmp = locs[i];
        locs[i] = locs[n - 1 - i];
        locs[n - 1 - i] = tmp;
    }
    gmd_builder_sample(t->b, locs, n, &value, NULL, 0, true);
}

static gmd_profile *tprof_done(tprof *t)
{
    gmd_builder_finish(t->b);
    return t->p;
}

/* Render cur (and base) and return the SVG as a NUL-terminated string. */
static char *render(gmd_profile *cur, gmd_profile *base, const char *title)
{
    gmd_stackset sc, sb;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_stackset_build(cur, NULL, &sc, &err), 0);
    if (base) assert_int_equal(gmd_stackset_build(base, NULL, &sb, &err), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    gmd_flame_opts o = {title, 0};
    int rc = gmd_flame_write_svg(f, &sc, base ? &sb : NULL, &o, &err);
    fclose(f);
    if (rc != 0) fail_msg("flame: %s", err.msg);
    gmd_stackset_free(&sc);
    if (base) gmd_stackset_free(&sb);
    return buf;
}

/* ---- a small structural XML check: balanced tags, quoted attributes,
 * known entities, nothing but markup after '<' ---- */

static const char *xml_check(const char *s)
{
    const char *stack[256];
    size_t stack_len[256];
    int depth = 0, roots = 0;
    const char *p = s;
    if (strncmp(p, "<?xml", 5)) return "no XML declaration";
    while (*p) {
        if (*p == '&') {
            static const char *ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            int ok = 0;
            for (int i = 0; i < 5; i++) ok |= !strncmp(p, ents[i], strlen(ents[i]));
            if (!ok) return "bad entity";
            p++;
            continue;
        }
        if (*p == '>') return "stray '>'";
        if (*p != '<') {
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') return "control character";
            p++;
            continue;
        }
        if (!strncmp(p, "<?", 2)) {
            p = strstr(p, "?>");
            if (!p) return "unterminated <?";
            p += 2;
        } else if (!strncmp(p, "<!--", 4)) {
            p = strstr(p, "-->");
            if (!p) return "unterminated comment";
            p += 3;
        } else if (!strncmp(p, "<![CDATA[", 9)) {
            if (!depth) return "CDATA outside the root";
            p = strstr(p, "]]>");
            if (!p) return "unterminated CDATA";
            p += 3;
        } else if (p[1] == '/') {
            const char *name = p + 2;
            size_t n = strcspn(name, " >");
            if (!depth || stack_len[depth - 1] != n || strncmp(stack[depth - 1], name, n)) return "mismatched end tag";
            depth--;
            p = strchr(p, '>');
            if (!p) return "unterminated end tag";
            p++;
        } else {
            const char *name = p + 1;
            size_t n = strcspn(name, " />\n");
            if (!n) return "empty tag name";
            p = name + n;
            /* attributes: name="value" */
            for (;;) {
                while (*p == ' ' || *p == '\n') p++;
                if (*p == '>' || !strncmp(p, "/>", 2)) break;
                size_t an = strcspn(p, "= >");
                if (!an || p[an] != '=' || p[an + 1] != '"') return "bad attribute";
                p += an + 2;
                const char *q = strchr(p, '"');
                if (!q) return "unterminated attribute";
                if (memchr(p, '<', (size_t)(q - p))) return "'<' in attribute";
                p = q + 1;
            }
            if (*p == '/') {
                p += 2;
                if (!depth) roots++;
            } else {
                if (depth == 256) return "too deep";
                if (!depth) roots++;
                stack[depth] = name;
                stack_len[depth] = n;
                depth++;
                p++;
            }
        }
    }
    if (depth) return "unclosed element";
    if (roots != 1) return "not exactly one root element";
    return NULL;
}

static void assert_well_formed(const char *svg)
{
    const char *why = xml_check(svg);
    if (why) fail_msg("SVG is not well-formed: %s", why);
}

/* ---- reading frames back ---- */

typedef struct frame_info {
    double x, width;
    int r, g, b;
    const char *title;   /* points into the SVG */
    const char *g_tag;
} frame_info;

static double attr_num(const char *tag, const char *name)
{
    char pat[32];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *a = strstr(tag, pat);
    assert_non_null(a);
    return strtod(a + strlen(pat), NULL);
}

/* The frame whose title starts with "<name>\n". */
static int find_frame(const char *svg, const char *name, frame_info *fi)
{
    char pat[512];
    snprintf(pat, sizeof pat, "<title>%s\n", name);
    const char *t = strstr(svg, pat);
    if (!t) return 0;
    const char *g = t;
    while (g > svg && strncmp(g, "<g", 2)) g--;
    const char *rect = strstr(t, "<rect ");
    assert_non_null(rect);
    fi->x = attr_num(rect, "x");
    fi->width = attr_num(rect, "width");
    const char *fill = strstr(rect, "fill=\"rgb(");
    assert_non_null(fill);
    assert_int_equal(sscanf(fill, "fill=\"rgb(%d,%d,%d)", &fi->r, &fi->g, &fi->b), 3);
    fi->title = t + 7;
    fi->g_tag = g;
    return 1;
}

static void assert_ratio(double a, double b, double want)
{
    double r = a / b;
    if (r < want * 0.999 || r > want * 1.001) fail_msg("width ratio %.4f, want %.4f", r, want);
}

/* ---- tests ---- */

static void test_widths_proportional(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "runtime.main;main.main;main.alloc", 300 << 20);
    tprof_add(&t, "runtime.main;main.main;github.com/acme/cache.(*Cache).Put", 100 << 20);
    tprof_add(&t, "runtime.main;main.main", 50 << 20);
    gmd_profile *p = tprof_done(&t);
    char *svg = render(p, NULL, NULL);
    assert_well_formed(svg);
    frame_info root, mm, a, c;
    assert_true(find_frame(svg, "root", &root));
    assert_true(find_frame(svg, "main.main", &mm));
    assert_true(find_frame(svg, "main.alloc", &a));
    assert_true(find_frame(svg, "github.com/acme/cache.(*Cache).Put", &c));
    assert_ratio(root.width, 1180, 1.0);
    assert_ratio(a.width, c.width, 3.0);
    assert_ratio(mm.width, a.width, 450.0 / 300.0);
    /* children sit on their parent's left edge, in name order */
    assert_true(c.x >= mm.x - 0.01 && a.x + a.width <= mm.x + mm.width + 0.01);
    /* values with units and percentages in the tooltip; the short name as label */
    assert_non_null(strstr(a.title, "300MB (66.67% of total)"));
    assert_non_null(strstr(svg, ">cache.(*Cache).Put</text>"));
    assert_non_null(strstr(svg, "Flame graph: inuse_space"));
    assert_non_null(strstr(svg, "total 450MB"));
    assert_null(strstr(svg, "narrower than"));
    /* self-contained: no external references */
    assert_null(strstr(svg, "href=\"http"));
    assert_null(strstr(svg, "src="));
    free(svg);
    gmd_profile_free(p);
}

static void test_title_option_escaped(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main.main;main.F[go.shape.struct { a <-chan int }]", 10);
    tprof_add(&t, "main.main;bad\xff\x01name&co", 10);
    gmd_profile *p = tprof_done(&t);
    char *svg = render(p, NULL, "heap <after> & \"soak\"");
    assert_well_formed(svg);
    assert_non_null(strstr(svg, "heap &lt;after&gt; &amp; &quot;soak&quot;"));
    assert_non_null(strstr(svg, "a &lt;-chan int"));
    assert_non_null(strstr(svg, "bad\xef\xbf\xbd?name&amp;co"));
    free(svg);
    gmd_profile_free(p);
}

static void test_elision(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main.main;main.big", 1000000);
    char name[64], folded[128];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "main.tiny%02d", i);
        snprintf(folded, sizeof folded, "main.main;%s;main.leaf", name);
        tprof_add(&t, folded, 10);
    }
    /* 30 frames of 100 each: individually under 0.1%, together 0.3% */
    for (int i = 0; i < 30; i++) {
        snprintf(folded, sizeof folded, "main.main;main.big;main.small%02d", i);
        tprof_add(&t, folded, 100);
    }
    gmd_profile *p = tprof_done(&t);
    char *svg = render(p, NULL, NULL);
    assert_well_formed(svg);
    frame_info fi;
    assert_true(find_frame(svg, "main.big", &fi));
    assert_false(find_frame(svg, "main.tiny07", &fi));
    assert_false(find_frame(svg, "main.small07", &fi));
    /* 50 tiny + their 50 leaves + 30 small */
    assert_non_null(strstr(svg, "130 frames narrower than 0.1% of the total not drawn"));
    /* the 30 small ones are wide enough together to be drawn as one */
    assert_true(find_frame(svg, "30 small frames", &fi));
    assert_non_null(strstr(fi.g_tag, "class=\"m\""));
    assert_false(find_frame(svg, "50 small frames", &fi));
    free(svg);
    gmd_profile_free(p);
}

static void test_big_profile_stays_small(void **state)
{
    (void)state;
    tprof t = tprof_new();
    /* 200,000 samples over 4,000 functions with stacks 8-40 deep. */
    uint64_t rng = 88172645463325252ull;
    char folded[4096];
    for (int s = 0; s < 200000; s++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int depth = 8 + (int)(rng % 33);
        size_t n = (size_t)snprintf(folded, sizeof folded, "runtime.goexit;main.main");
        for (int d = 0; d < depth; d++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            /* shallow frames come from few functions, deep ones from many */
            int fn = (int)(rng % (uint64_t)(d < 3 ? 4 : 4000));
            n += (size_t)snprintf(folded + n, sizeof folded - n, ";github.com/acme/svc/pkg%d.Func%d", fn % 37, fn);
        }
        tprof_add(&t, folded, (int64_t)(rng % 65536) + 1);
    }
    gmd_profile *p = tprof_done(&t);
    char *svg = render(p, NULL, NULL);
    size_t len = strlen(svg);
    if (len > 5u << 20) fail_msg("SVG of %zu bytes for 200,000 samples", len);
    assert_well_formed(svg);
    assert_non_null(strstr(svg, "not drawn"));
    free(svg);
    gmd_profile_free(p);
}

/* 1000 stacks 61 deep, about 400 of them over 0.1% of the total: some
 * 25,000 frames over the threshold, which rises so the file stays small
 * (and the footer says so). */
static void test_many_wide_frames_capped(void **state)
{
    (void)state;
    tprof t = tprof_new();
    char folded[4096];
    for (int s = 0; s < 1000; s++) {
        size_t n = (size_t)snprintf(folded, sizeof folded, "main.main");
        for (int d = 0; d < 60; d++) n += (size_t)snprintf(folded + n, sizeof folded - n, ";main.f%d_%d", s, d);
        tprof_add(&t, folded, 1000 + (int64_t)s * s / 10);
    }
    gmd_profile *p = tprof_done(&t);
    char *svg = render(p, NULL, NULL);
    size_t len = strlen(svg);
    if (len > 5u << 20) fail_msg("SVG of %zu bytes", len);
    assert_well_formed(svg);
    const char *footer = strstr(svg, "frames narrower than ");
    assert_non_null(footer);
    double pct = strtod(footer + strlen("frames narrower than "), NULL);
    assert_true(pct > 0.1);
    /* what is drawn still adds up: the widest stack survives whole */
    frame_info a, b;
    assert_true(find_frame(svg, "main.f999_0", &a));
    assert_true(find_frame(svg, "main.f999_59", &b));
    assert_ratio(a.width, b.width, 1.0);
    assert_false(find_frame(svg, "main.f0_0", &a));
    free(svg);
    gmd_profile_free(p);
}

static void test_diff_colours(void **state)
{
    (void)state;
    tprof tb = tprof_new();
    tprof_add(&tb, "main.main;main.grows", 100);
    tprof_add(&tb, "main.main;main.shrinks", 100);
    tprof_add(&tb, "main.main;main.same", 100);
    tprof_add(&tb, "main.main;main.gone;main.goneleaf", 80);
    gmd_profile *base = tprof_done(&tb);
    tprof tc = tprof_new();
    tprof_add(&tc, "main.main;main.grows", 400);
    tprof_add(&tc, "main.main;main.shrinks", 50);
    tprof_add(&tc, "main.main;main.same", 100);
    gmd_profile *cur = tprof_done(&tc);
    char *svg = render(cur, base, NULL);
    assert_well_formed(svg);
    frame_info g, s, same, gone, leaf;
    assert_true(find_frame(svg, "main.grows", &g));
    assert_true(find_frame(svg, "main.shrinks", &s));
    assert_true(find_frame(svg, "main.same", &same));
    assert_true(find_frame(svg, "main.gone", &gone));
    assert_true(find_frame(svg, "main.goneleaf", &leaf));
    assert_true(g.r > g.b + 60);           /* red */
    assert_true(s.b > s.r + 30);           /* blue */
    assert_true(same.r == same.b);         /* neutral */
    assert_true(g.g < s.r);                /* the largest change is the most intense */
    assert_true(!strncmp(gone.g_tag, "<g class=\"gone", 14));
    assert_true(gone.b > gone.r);
    assert_non_null(strstr(gone.title, "only in the base profile"));
    /* widths from cur; the base-only frame from base */
    assert_ratio(g.width, s.width, 8.0);
    assert_ratio(gone.width, s.width, 80.0 / 50.0);
    assert_non_null(strstr(g.title, "before 100B"));
    assert_non_null(strstr(g.title, "after 400B"));
    assert_non_null(strstr(g.title, "change +300B (+300.0%)"));
    assert_non_null(strstr(svg, "Diff flame graph: inuse_space"));
    free(svg);
    gmd_profile_free(cur);
    gmd_profile_free(base);
}

static void test_negative_values(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main.main;main.freed", -200);
    tprof_add(&t, "main.main;main.leak", 100);
    gmd_profile *p = tprof_done(&t);
    char *svg = render(p, NULL, NULL);
    assert_well_formed(svg);
    frame_info f, l, root;
    assert_true(find_frame(svg, "main.freed", &f));
    assert_true(find_frame(svg, "main.leak", &l));
    assert_true(find_frame(svg, "root", &root));
    assert_ratio(f.width, l.width, 2.0);
    assert_ratio(root.width, 1180, 1.0);
    assert_true(f.x >= root.x && f.x + f.width <= root.x + root.width + 0.01);
    assert_non_null(strstr(svg, "widths are absolute values"));
    assert_true(l.r > l.b && f.b > f.r);
    assert_non_null(strstr(f.title, "-200B"));
    free(svg);
    gmd_profile_free(p);
}

static void test_empty(void **state)
{
    (void)state;
    tprof t = tprof_new();
    gmd_profile *p = tprof_done(&t);
    char *svg = render(p, NULL, NULL);
    assert_well_formed(svg);
    assert_non_null(strstr(svg, "No samples"));
    free(svg);
    gmd_profile_free(p);
}

static void test_unit_mismatch(void **state)
{
    (void)state;
    tprof t = tprof_new();
    tprof_add(&t, "main.main", 1);
    gmd_profile *a = tprof_done(&t);
    tprof u = tprof_new();
    u.p->sample_types[0].unit = gmd_intern_str(&u.p->strings, "count");
    tprof_add(&u, "main.main", 1);
    gmd_profile *b = tprof_done(&u);
    gmd_stackset sa, sb;
    gmd_err err;
    gmd_err_clear(&err);
    assert_int_equal(gmd_stackset_build(a, NULL, &sa, &err), 0);
    assert_int_equal(gmd_stackset_build(b, NULL, &sb, &err), 0);
    FILE *f = fopen("/dev/null", "w");
    assert_int_equal(gmd_flame_write_svg(f, &sa, &sb, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "cannot compare"));
    fclose(f);
    gmd_stackset_free(&sa);
    gmd_stackset_free(&sb);
    gmd_profile_free(a);
    gmd_profile_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_proportional),
        cmocka_unit_test(test_title_option_escaped),
        cmocka_unit_test(test_elision),
        cmocka_unit_test(test_big_profile_stays_small),
        cmocka_unit_test(test_many_wide_frames_capped),
        cmocka_unit_test(test_diff_colours),
        cmocka_unit_test(test_negative_values),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_unit_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
