/* The Go text profile readers: heap debug=1, goroutine debug=1 and debug=2.
 * Small texts written here cover every line form and every error (with its
 * byte offset); the fixtures' real profiles check the facts a known program
 * must show. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "gmd/input.h"
#include "gmd/profile.h"

typedef gmd_profile *(*parse_fn)(const uint8_t *, size_t, gmd_err *);

static gmd_profile *parse_ok(parse_fn f, const char *text)
{
    gmd_err err;
    gmd_err_clear(&err);
    /* A private copy, freed before the profile is used: nothing may point into the input. */
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    memcpy(copy, text, n + 1);
    gmd_profile *p = f((const uint8_t *)copy, n, &err);
    memset(copy, 'X', n);
    free(copy);
    if (!p) fail_msg("parse failed at byte %lld: %s", (long long)err.offset, err.msg);
    return p;
}

/* The parse fails at `offset` with a message containing `needle`. */
static void parse_err(parse_fn f, const char *text, int64_t offset, const char *needle)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = f((const uint8_t *)text, strlen(text), &err);
    if (p) {
        gmd_profile_free(p);
        fail_msg("expected an error containing '%s'", needle);
    }
    if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
    if (err.offset != offset) fail_msg("error '%s' at byte %lld, expected %lld", err.msg, (long long)err.offset, (long long)offset);
}

static int64_t off_of(const char *text, const char *line)
{
    const char *s = strstr(text, line);
    assert_non_null(s);
    return s - text;
}

static const char *fname(const gmd_profile *p, const gmd_location *l, uint32_t i)
{
    return p->functions[l->lines[i].function].name;
}

static const gmd_location *loc(const gmd_profile *p, uint32_t sample, uint32_t i)
{
    assert_true(sample < p->nsamples);
    assert_true(i < p->samples[sample].nlocations);
    return &p->locations[p->samples[sample].locations[i]];
}

static const char *label_str(const gmd_sample *s, const char *key)
{
    for (uint32_t i = 0; i < s->nlabels; i++)
        if (!strcmp(s->labels[i].key, key)) return s->labels[i].str;
    return NULL;
}

static const gmd_label *label(const gmd_sample *s, const char *key)
{
    for (uint32_t i = 0; i < s->nlabels; i++)
        if (!strcmp(s->labels[i].key, key)) return &s->labels[i];
    return NULL;
}

/* pprof's scaling, written out independently for the expected values. */
static void scaled(int64_t count, int64_t size, int64_t rate, int64_t *c, int64_t *s)
{
    double f = 1.0 / (1.0 - exp(-((double)size / (double)count) / (double)rate));
    *c = (int64_t)((double)count * f);
    *s = (int64_t)((double)size * f);
}

/* ---- heap ---- */

static const char heap_text[] =
    "heap profile: 3: 1049024 [46: 46137792] @ heap/1048576\n"
    "1: 1048576 [44: 46137344] @ 0x4b798e 0x4b7001 0x439a32 0x463be1\n"
    "#\t0x4b798d\tmain.small+0x12d\t\t/src/app/main.go:41\n"
    "#\t0x4b798d\tmain.main+0x12d\t\t/src/app/main.go:12\n"
    "#\t0x4b7000\n"
    "#\t0x439a31\truntime.main+0x211\t/usr/lib/go/src/runtime/proc.go:250\n"
    "\n"
    "2: 416 [2: 416] @ 0x441f28 0x4b798e\n"
    "#\t\t0x4b798d\t\tmain.main+0x12d\t\t\t/src/app/main.go:12\n"
    "\n"
    "0: 0 [0: 0] @ 0x441f28\n"
    "\n"
    "\n"
    "# runtime.MemStats\n"
    "# Alloc = 1157488\n"
    "# Stack = 229376 / 229376\n"
    "# PauseNs = [1 2 3]\n"
    "# GCCPUFraction = 0.09846316006033005\n"
    "# MaxRSS = 7446528\n";

static void test_heap_basic(void **state)
{
    (void)state;
    gmd_profile *p = parse_ok(gmd_pprof_heap_text_parse, heap_text);
    assert_int_equal(p->format, GMD_FMT_HEAP_TEXT);
    assert_int_equal(p->nsample_types, 4);
    assert_string_equal(p->sample_types[0].type, "alloc_objects");
    assert_string_equal(p->sample_types[1].type, "alloc_space");
    assert_string_equal(p->sample_types[2].type, "inuse_objects");
    assert_string_equal(p->sample_types[3].type, "inuse_space");
    assert_string_equal(p->sample_types[3].unit, "bytes");
    assert_string_equal(p->period_type.type, "space");
    assert_string_equal(p->period_type.unit, "bytes");
    assert_int_equal(p->period, 524288);   /* the printed rate is doubled */
    assert_int_equal(p->nsamples, 3);

    int64_t c, s;
    const gmd_sample *s0 = &p->samples[0];
    scaled(44, 46137344, 524288, &c, &s);
    assert_int_equal(s0->values[0], c);
    assert_int_equal(s0->values[1], s);
    scaled(1, 1048576, 524288, &c, &s);
    assert_int_equal(s0->values[2], c);
    assert_int_equal(s0->values[3], s);
    assert_int_equal(label(s0, "bytes")->num, 1048576);   /* in-use block size, as pprof */
    /* All-zero record: zero values, no scaling. */
    assert_int_equal(p->samples[2].values[0], 0);
    assert_int_equal(p->samples[2].values[3], 0);

    /* One location per address, address - 1; unnamed addresses at the leaf
     * end (hidden malloc internals) and at the root (runtime.goexit) are
     * left out of the stack, as pprof does when it symbolizes. */
    assert_int_equal(s0->nlocations, 3);
    const gmd_location *l = loc(p, 0, 0);
    assert_int_equal(l->address, 0x4b798d);
    assert_int_equal(l->nlines, 2);   /* two '#' lines for one PC: inlined, innermost first */
    assert_string_equal(fname(p, l, 0), "main.small");
    assert_int_equal(l->lines[0].line, 41);
    assert_string_equal(fname(p, l, 1), "main.main");
    assert_string_equal(p->functions[l->lines[1].function].filename, "/src/app/main.go");
    assert_int_equal(loc(p, 0, 1)->nlines, 0);   /* "#\t0x4b7000": no name, but inside the stack: kept */
    assert_string_equal(fname(p, loc(p, 0, 2), 0), "runtime.main");
    /* Runs of tabs; a leading unnamed address is dropped. */
    assert_int_equal(loc(p, 1, 0)->nlines, 1);
    assert_string_equal(fname(p, loc(p, 1, 0), 0), "main.main");

    assert_int_equal(p->nmemstats, 5);
    assert_string_equal(p->memstats[0].name, "Alloc");
    assert_string_equal(p->memstats[0].value, "1157488");
    assert_string_equal(p->memstats[1].name, "Stack");
    assert_string_equal(p->memstats[1].value, "229376 / 229376");
    assert_string_equal(p->memstats[2].value, "[1 2 3]");
    assert_string_equal(p->memstats[4].name, "MaxRSS");
    gmd_profile_free(p);
}

static void test_heap_crlf_and_variants(void **state)
{
    (void)state;
    /* CRLF; in-use equal to alloc: pprof's two-type form. */
    gmd_profile *p = parse_ok(gmd_pprof_heap_text_parse,
                              "heap profile: 2: 64 [2: 64] @ heap/1048576\r\n"
                              "2: 64 [2: 64] @ 0x1001\r\n"
                              "#\t0x1000\tmain.f+0x10\tC:/src/x.go:7\r\n"
                              "\r\n");
    assert_int_equal(p->nsample_types, 2);
    assert_string_equal(p->sample_types[0].type, "objects");
    assert_string_equal(p->sample_types[1].type, "space");
    const gmd_location *l = loc(p, 0, 0);
    assert_string_equal(fname(p, l, 0), "main.f");
    assert_string_equal(p->functions[l->lines[0].function].filename, "C:/src/x.go");   /* last ':' splits */
    assert_int_equal(l->lines[0].line, 7);
    int64_t c, s;
    scaled(2, 64, 524288, &c, &s);
    assert_int_equal(p->samples[0].values[0], c);
    assert_int_equal(p->samples[0].values[1], s);
    gmd_profile_free(p);

    /* heap_v2: the rate is not halved; heapprofile: no scaling at all. */
    p = parse_ok(gmd_pprof_heap_text_parse, "heap profile: 1: 8 [3: 24] @ heap_v2/4096\n1: 8 [3: 24] @ 0x10\n");
    assert_int_equal(p->period, 4096);
    scaled(3, 24, 4096, &c, &s);
    assert_int_equal(p->samples[0].values[0], c);
    gmd_profile_free(p);
    p = parse_ok(gmd_pprof_heap_text_parse, "heap profile: 1: 8 [3: 24] @ heapprofile\n1: 8 [3: 24] @ 0x10\n");
    assert_int_equal(p->period, 1);
    assert_int_equal(p->samples[0].values[0], 3);
    assert_int_equal(p->samples[0].values[3], 8);
    gmd_profile_free(p);
    /* MemProfileRate=1 prints heap/2: period 1, exact values. */
    p = parse_ok(gmd_pprof_heap_text_parse, "heap profile: 1: 8 [3: 24] @ heap/2\n1: 8 [3: 24] @ 0x10\n");
    assert_int_equal(p->period, 1);
    assert_int_equal(p->samples[0].values[1], 24);
    gmd_profile_free(p);
}

static void test_heap_errors(void **state)
{
    (void)state;
    parse_err(gmd_pprof_heap_text_parse, "heap profile: x\n", 0, "header");
    parse_err(gmd_pprof_heap_text_parse, "heap profile: 1: 2 [3: 4] @ growth/2\n", 28, "unknown sampling");
    const char *t = "heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10\nbogus line\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "bogus"), "expected a record");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n0: 8 [1: 8] @ 0x10\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "0: 8"), "inuse count is 0");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n#\t0x10\tmain.f+0x1\tx.go:1\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "#"), "outside a record");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10 0xzz\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "0xzz"), "bad stack address");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10\n#\t0x55\tmain.f+0x1\tx.go:1\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "#"), "not in the record's @ list");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10\n#\t0xf\tmain.f+0x1\tx.go\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "x.go"), "file:line");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10\n#\tzz\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "zz"), "0x address");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n99999999999999999999: 8 [1: 8] @ 0x10\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "9999"), "out of range");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n\n# runtime.MemStats\n# Alloc 5\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "# Alloc"), "Name = value");
    t = "heap profile: 1: 8 [1: 8] @ heap/2\n\n# runtime.MemStats\n# Alloc = 5\ngarbage\n";
    parse_err(gmd_pprof_heap_text_parse, t, off_of(t, "garbage"), "MemStats");
    parse_err(gmd_pprof_heap_text_parse, "goroutine profile: total 1\n", 0, "not a heap profile");
}

/* ---- goroutine debug=1 ---- */

/* A recursive call through one call site repeats its address: each
 * repetition gets its own frame lines (the runtime prints them in turn), and
 * an address seen again with other frame lines is not taken for the first. */
static void test_heap_recursion_and_reuse(void **state)
{
    (void)state;
    const char *t =
        "heap profile: 2: 128 [2: 128] @ heap/1\n"
        "1: 64 [1: 64] @ 0x11 0x21 0x21 0x21 0x31\n"
        "#\t0x10\tmain.leaf+0x1\t/a.go:3\n"
        "#\t0x20\tmain.rec+0x2\t/a.go:5\n"
        "#\t0x20\tmain.rec+0x2\t/a.go:5\n"
        "#\t0x20\tmain.rec+0x2\t/a.go:5\n"
        "#\t0x30\tmain.main+0x3\t/a.go:9\n"
        "\n"
        "1: 64 [1: 64] @ 0x11 0x31\n"
        "#\t0x10\tmain.leaf+0x1\t/a.go:4\n"
        "#\t0x30\tmain.main+0x3\t/a.go:9\n";
    gmd_profile *p = parse_ok(gmd_pprof_heap_text_parse, t);
    assert_int_equal(p->nsamples, 2);
    assert_int_equal(p->samples[0].nlocations, 5);
    for (uint32_t i = 1; i <= 3; i++) {
        assert_int_equal(loc(p, 0, i)->nlines, 1);
        assert_string_equal(fname(p, loc(p, 0, i), 0), "main.rec");
        assert_int_equal(p->samples[0].locations[i], p->samples[0].locations[1]);
    }
    assert_string_equal(fname(p, loc(p, 0, 4), 0), "main.main");
    /* 0x11 again, but at line 4: a location of its own; 0x31 is shared. */
    assert_int_not_equal(p->samples[1].locations[0], p->samples[0].locations[0]);
    assert_int_equal(loc(p, 1, 0)->lines[0].line, 4);
    assert_int_equal(loc(p, 0, 0)->lines[0].line, 3);
    assert_int_equal(p->samples[1].locations[1], p->samples[0].locations[4]);
    gmd_profile_free(p);
}

static const char g1_text[] =
    "goroutine profile: total 57\n"
    "50 @ 0x47dc0e 0x4158ee 0x4dc235 0x484121\n"
    "#\t0x4dc234\tmain.leakWorker+0x14\t/tmp/gt/main.go:16\n"
    "\n"
    "1 @ 0x47dc0e 0x4dc235 0x484121\n"
    "# labels: {\"k2\":\"v2\", \"worker\":\"a\\\"b\\tc\\u00e9\\x41\"}\n"
    "#\t0x4dc234\tmain.leakWorker+0x14\t/tmp/gt/main.go:16\n"
    "\n";

static void test_goroutine1(void **state)
{
    (void)state;
    gmd_profile *p = parse_ok(gmd_pprof_goroutine_text1_parse, g1_text);
    assert_int_equal(p->format, GMD_FMT_GOROUTINE_TEXT1);
    assert_int_equal(p->nsample_types, 1);
    assert_string_equal(p->sample_types[0].type, "goroutine");
    assert_string_equal(p->sample_types[0].unit, "count");
    assert_string_equal(p->period_type.type, "goroutine");
    assert_int_equal(p->period, 1);
    assert_int_equal(p->nsamples, 2);
    assert_int_equal(p->samples[0].values[0], 50);
    assert_int_equal(p->samples[0].nlabels, 0);
    assert_int_equal(loc(p, 0, 0)->nlines, 0);
    assert_int_equal(loc(p, 0, 0)->address, 0x47dc0d);
    assert_string_equal(fname(p, loc(p, 0, 2), 0), "main.leakWorker");
    /* The same addresses in both groups share locations. */
    assert_int_equal(p->samples[0].locations[0], p->samples[1].locations[0]);
    const gmd_sample *s = &p->samples[1];
    assert_int_equal(s->values[0], 1);
    assert_string_equal(label_str(s, "k2"), "v2");
    assert_string_equal(label_str(s, "worker"), "a\"b\tc\xc3\xa9" "A");
    gmd_profile_free(p);

    /* Other count profiles share the form; the type is the name in the header. */
    p = parse_ok(gmd_pprof_goroutine_text1_parse, "threadcreate profile: total 2\r\n2 @\r\n\r\n");
    assert_string_equal(p->sample_types[0].type, "threadcreate");
    assert_int_equal(p->samples[0].values[0], 2);
    assert_int_equal(p->samples[0].nlocations, 0);
    gmd_profile_free(p);
}

static void test_goroutine1_errors(void **state)
{
    (void)state;
    parse_err(gmd_pprof_goroutine_text1_parse, "goroutine profile: total x\n", 0, "expected 'goroutine profile: total N'");
    const char *t = "goroutine profile: total 1\n1 @ 0x10\nwhat\n";
    parse_err(gmd_pprof_goroutine_text1_parse, t, off_of(t, "what"), "expected a group");
    t = "goroutine profile: total 1\n# labels: {\"a\":\"b\"}\n";
    parse_err(gmd_pprof_goroutine_text1_parse, t, off_of(t, "# labels"), "must follow");
    t = "goroutine profile: total 1\n1 @ 0x10\n# labels: {\"a\":b}\n";
    parse_err(gmd_pprof_goroutine_text1_parse, t, off_of(t, "b}"), "quoted value");
    t = "goroutine profile: total 1\n1 @ 0x10\n# labels: {\"a\\q\":\"b\"}\n";
    parse_err(gmd_pprof_goroutine_text1_parse, t, off_of(t, "\"a\\q"), "quoted key");
    t = "goroutine profile: total 1\n1 @ 0x10\n# labels: {\"a\":\"b\" \"c\":\"d\"}\n";
    parse_err(gmd_pprof_goroutine_text1_parse, t, off_of(t, "\"c\""), "expected ',' or '}'");
    t = "goroutine profile: total 1\n1 @ 0x10 0x\n";
    parse_err(gmd_pprof_goroutine_text1_parse, t, off_of(t, "0x\n"), "bad stack address");
}

/* ---- goroutine debug=2 ---- */

static const char g2_text[] =
    "panic: boom\n"
    "\n"
    "goroutine 1 [running]:\n"
    "main.main()\n"
    "\t/src/app/main.go:64 +0x577\n"
    "\n"
    "goroutine 17 gp=0xc000002380 m=3 mp=0xc000100008 [chan receive (scan), 12 minutes, locked to thread, synctest bubble 4 labels:{\"k\": \"v\\u00e9\", \"w\": \"x\"}]:\n"
    "internal/sync.(*Mutex).Lock(...)\n"
    "\t/usr/local/go/src/internal/sync/mutex.go:70\n"
    "sync.(*Mutex).Lock(...)\n"
    "\t/usr/local/go/src/sync/mutex.go:46\n"
    "main.worker({0x500008?, 0xc000014068?}, 0x0?, ...)\n"
    "\t/src/my app/main.go:31 +0x1b fp=0xc00004bfd0 sp=0xc00004bf98 pc=0x4b781b\n"
    "panic({0x4a0e20?, 0x4e7c90?})\n"
    "\t/usr/local/go/src/runtime/panic.go:792 +0x132\n"
    "non-Go function at pc=0x7f00aa\n"
    "created by main.main in goroutine 1\n"
    "\t/src/app/main.go:45 +0x187\n"
    "[originating from goroutine 1]:\n"
    "main.main(...)\n"
    "\t/src/app/main.go:45 +0x187\n"
    "\n"
    "goroutine 18 [select, 3 minutes]:\n"
    "main.rec(...)\n"
    "\t/src/app/main.go:13\n"
    "...7 frames elided...\n"
    "main.rec(0x0?)\n"
    "\t/src/app/main.go:16 +0x25\n"
    "created by main.start\n"
    "\t/src/app/main.go:80\n"
    "\n"
    "goroutine 19 [running]:\n"
    "\tgoroutine running on other thread; stack unavailable\n"
    "created by main.main in goroutine 1\n"
    "\t/src/app/main.go:46 +0x1a\n"
    "\n"
    "rax    0xca\n"
    "rbx    0x0\n"
    "exit status 2\n";

static void test_goroutine2(void **state)
{
    (void)state;
    gmd_profile *p = parse_ok(gmd_pprof_goroutine_text2_parse, g2_text);
    assert_int_equal(p->format, GMD_FMT_GOROUTINE_TEXT2);
    assert_string_equal(p->sample_types[0].type, "goroutine");
    assert_int_equal(p->ngoroutines, 4);
    assert_int_equal(p->nsamples, 4);

    const gmd_goroutine *g = &p->goroutines[0];
    assert_int_equal(g->id, 1);
    assert_string_equal(g->state, "running");
    assert_int_equal(g->wait_minutes, -1);
    assert_string_equal(g->created_by, "");
    assert_int_equal(g->parent_id, -1);
    assert_int_equal(p->samples[g->sample].values[0], 1);
    assert_string_equal(label_str(&p->samples[g->sample], "state"), "running");
    assert_null(label(&p->samples[g->sample], "wait_minutes"));

    g = &p->goroutines[1];
    assert_int_equal(g->id, 17);
    assert_string_equal(g->state, "chan receive");   /* " (scan)" is not part of the state */
    assert_int_equal(g->wait_minutes, 12);
    assert_true(g->locked_to_thread);
    assert_string_equal(g->created_by, "main.main");
    assert_string_equal(g->created_file, "/src/app/main.go");
    assert_int_equal(g->created_line, 45);
    assert_int_equal(g->parent_id, 1);
    assert_false(g->frames_elided);
    const gmd_sample *s = &p->samples[g->sample];
    assert_string_equal(label_str(s, "state"), "chan receive");
    assert_int_equal(label(s, "wait_minutes")->num, 12);
    assert_string_equal(label(s, "wait_minutes")->num_unit, "minutes");
    assert_string_equal(label_str(s, "k"), "v\xc3\xa9");
    assert_string_equal(label_str(s, "w"), "x");
    /* Two inlined frames grouped with their physical frame; panic; the non-Go PC.
     * "created by" and the ancestors' frames are not part of the stack. */
    assert_int_equal(s->nlocations, 3);
    const gmd_location *l = loc(p, g->sample, 0);
    assert_int_equal(l->address, 0);
    assert_int_equal(l->nlines, 3);
    assert_string_equal(fname(p, l, 0), "internal/sync.(*Mutex).Lock");
    assert_int_equal(l->lines[0].line, 70);
    assert_string_equal(fname(p, l, 1), "sync.(*Mutex).Lock");
    assert_string_equal(fname(p, l, 2), "main.worker");
    assert_string_equal(p->functions[l->lines[2].function].filename, "/src/my app/main.go");
    assert_int_equal(l->lines[2].line, 31);
    l = loc(p, g->sample, 1);
    assert_string_equal(fname(p, l, 0), "runtime.gopanic");
    l = loc(p, g->sample, 2);
    assert_int_equal(l->nlines, 0);
    assert_int_equal(l->address, 0x7f00aa);

    g = &p->goroutines[2];
    assert_int_equal(g->id, 18);
    assert_string_equal(g->state, "select");
    assert_int_equal(g->wait_minutes, 3);
    assert_false(g->locked_to_thread);
    assert_true(g->frames_elided);
    assert_string_equal(g->created_by, "main.start");
    assert_int_equal(g->parent_id, -1);   /* before Go 1.21: no "in goroutine N" */
    assert_int_equal(g->created_line, 80);
    s = &p->samples[g->sample];
    /* The inlined frame before the elision stays a location of its own. */
    assert_int_equal(s->nlocations, 2);
    assert_int_equal(loc(p, g->sample, 0)->nlines, 1);
    assert_int_equal(loc(p, g->sample, 0)->lines[0].line, 13);

    g = &p->goroutines[3];
    assert_int_equal(g->id, 19);
    assert_int_equal(p->samples[g->sample].nlocations, 0);
    assert_string_equal(g->created_by, "main.main");
    assert_int_equal(p->ncomments, 0);
    gmd_profile_free(p);
}

static void test_goroutine2_crlf_and_cut(void **state)
{
    (void)state;
    gmd_profile *p = parse_ok(gmd_pprof_goroutine_text2_parse,
                              "goroutine 5 [IO wait]:\r\nmain.f(...)\r\n\t/x.go:3\r\nmain.g()\r\n\t/x.go:9 +0x1\r\n\r\n");
    assert_int_equal(p->ngoroutines, 1);
    assert_string_equal(p->goroutines[0].state, "IO wait");
    const gmd_location *l = loc(p, 0, 0);
    assert_int_equal(l->nlines, 2);
    assert_string_equal(p->functions[l->lines[0].function].filename, "/x.go");
    assert_int_equal(l->lines[1].line, 9);
    gmd_profile_free(p);

    /* Cut off mid-line (the runtime's 64 MiB limit): keep the complete goroutines. */
    static const char full[] =
        "goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n\n"
        "goroutine 2 [sleep]:\ntime.Sleep(0x1)\n\t/usr/local/go/src/runtime/time.go:363 +0x165\n";
    size_t cut_at[] = {sizeof full - 2, sizeof full - 20, sizeof full - 40, 60, 56};
    for (size_t i = 0; i < sizeof cut_at / sizeof *cut_at; i++) {
        char buf[sizeof full];
        memcpy(buf, full, cut_at[i]);
        buf[cut_at[i]] = 0;
        p = parse_ok(gmd_pprof_goroutine_text2_parse, buf);
        assert_true(p->ngoroutines >= 1);
        assert_int_equal(p->goroutines[0].id, 1);
        assert_int_equal(p->samples[0].nlocations, 1);
        if (p->ngoroutines == 1) {
            assert_int_equal(p->ncomments, 1);
            assert_non_null(strstr(p->comments[0], "cut off"));
        }
        gmd_profile_free(p);
    }
    /* Cut right after a complete line: nothing is lost. */
    p = parse_ok(gmd_pprof_goroutine_text2_parse, full);
    assert_int_equal(p->ngoroutines, 2);
    assert_int_equal(p->ncomments, 0);
    gmd_profile_free(p);
}

static void test_goroutine2_errors(void **state)
{
    (void)state;
    parse_err(gmd_pprof_goroutine_text2_parse, "panic: x\n\nnothing here\n", 0, "no goroutine found");
    const char *t = "goroutine 1 [running]:\n\t/x.go:1\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "\t/x.go"), "without a function");
    t = "goroutine 1 [running]:\nmain.f()\nmain.g()\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "main.g"), "file:line");
    t = "goroutine 1 [running]:\nmain.f\n\t/x.go:1\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "main.f"), "function(args)");
    t = "goroutine 1 [running]:\nmain.f()\n\t/x.go:1\ncreated by main.g\n\t/x.go:2\nmain.h()\n\t/x.go:3\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "main.h"), "after 'created by'");
    t = "goroutine 1 [running]:\nmain.f()\n\t/x.go:1\ncreated by main.g\n\tnofile\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "\tnofile"), "created by");
    t = "goroutine 99999999999999999999 [running]:\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, 10, "goroutine id");
    t = "goroutine 1 [running labels:{\"a\": 1}]:\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "1}"), "quoted value");
    t = "goroutine 1 []:\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "]:"), "empty status");
    t = "goroutine 1 [running]:\nmain.f()\n\t/x.go:-3\n";
    parse_err(gmd_pprof_goroutine_text2_parse, t, off_of(t, "\t/x.go"), "file:line");
}

/* A traceback inside other text: log lines, go test's trailer, several dumps. */
static void test_goroutine2_in_text(void **state)
{
    (void)state;
    static const char log[] =
        "2024/05/01 server starting\n"
        "panic: first crash\n"
        "\n"
        "goroutine 1 [running]:\n"
        "main.main()\n"
        "\t/x.go:1 +0x1\n"
        "exit status 2\n"
        "--- FAIL: TestX (0.00s)\n"
        "    x_test.go:10: some log\n"
        "panic: runtime error: index out of range [5] with length 3 [recovered]\n"
        "\tpanic: again\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4]\n"
        "\n"
        "goroutine 7 [running]:\n"
        "main.f(...)\n"
        "    /x.go:5\n"
        "main.g()   \n"
        "    /x.go:9 +0x1\n"
        "created by main.main in goroutine 1\n"
        "    /x.go:3 +0x2\n"
        "\n"
        "goroutine 1 [chan receive, 3 minutes]:\n"
        "main.main()\n"
        "\t/x.go:4 +0x1\n"
        "FAIL\tpkg\t0.01s\n"
        "FAIL\n";
    size_t len = sizeof log - 1;
    assert_int_equal(gmd_goroutine_text_count_dumps((const uint8_t *)log, len), 2);
    assert_int_equal(gmd_profile_detect((const uint8_t *)log, len), GMD_FMT_GOROUTINE_TEXT2);
    gmd_profile *p = parse_ok(gmd_pprof_goroutine_text2_parse, log);   /* the last */
    assert_int_equal(p->ngoroutines, 2);
    assert_int_equal(p->traceback.index, 1);
    assert_int_equal(p->traceback.count, 2);
    assert_int_equal(p->traceback.offset, off_of(log, "--- FAIL") + strlen("--- FAIL: TestX (0.00s)\n    x_test.go:10: some log\n"));
    assert_string_equal(p->traceback.reason,
                        "panic: runtime error: index out of range [5] with length 3 [recovered] panic: again "
                        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4]");
    assert_int_equal(p->traceback.goroutine, 7);
    const gmd_goroutine *g = &p->goroutines[0];
    assert_int_equal(g->id, 7);
    assert_string_equal(g->created_by, "main.main");
    assert_string_equal(g->created_file, "/x.go");
    assert_int_equal(p->samples[g->sample].nlocations, 1);
    assert_int_equal(loc(p, g->sample, 0)->nlines, 2);
    assert_int_equal(p->goroutines[1].wait_minutes, 3);
    gmd_profile_free(p);

    gmd_err err;
    gmd_err_clear(&err);
    p = gmd_pprof_goroutine_text2_parse_dump((const uint8_t *)log, len, 0, &err);
    assert_non_null(p);
    assert_int_equal(p->ngoroutines, 1);
    assert_string_equal(p->traceback.reason, "panic: first crash");
    assert_int_equal(p->traceback.goroutine, 1);
    assert_int_equal(p->traceback.offset, off_of(log, "panic: first"));
    gmd_profile_free(p);
    assert_null(gmd_pprof_goroutine_text2_parse_dump((const uint8_t *)log, len, 2, &err));
    assert_non_null(strstr(err.msg, "holds 2"));

    /* runtime.Stack dumps in a log, no panic: a repeated id starts the next. */
    p = parse_ok(gmd_pprof_goroutine_text2_parse,
                 "dump:\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1\n\ngoroutine 2 [sleep]:\nmain.s()\n\t/x.go:2\n"
                 "dump:\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1\n");
    assert_int_equal(p->ngoroutines, 1);
    assert_int_equal(p->traceback.count, 2);
    assert_string_equal(p->traceback.reason, "");
    assert_int_equal(p->traceback.goroutine, -1);
    gmd_profile_free(p);
}

/* GOTRACEBACK=crash: each thread's section after "-----", and the abort a
 * panic ends with, belong to the same dump; repeated goroutines count once. */
static void test_goroutine2_crash_sections(void **state)
{
    (void)state;
    gmd_profile *p = parse_ok(gmd_pprof_goroutine_text2_parse,
                              "SIGQUIT: quit\nPC=0x1 m=0 sigcode=0\n\n"
                              "goroutine 0 gp=0x1 m=0 mp=0x2 [idle]:\nruntime.futex()\n\t/f.s:1 +0x1 fp=0x1 sp=0x2 pc=0x3\n\n"
                              "goroutine 1 gp=0x3 m=nil [sleep]:\ntime.Sleep(0x1)\n\t/t.go:3 +0x1\n\n"
                              "goroutine 5 gp=0x4 m=1 [running]:\n\tgoroutine running on other thread; stack unavailable\n\n"
                              "rax    0x0\nrip    0x1\n\n-----\n\nSIGQUIT: quit\nPC=0x2 m=1 sigcode=0\n\n"
                              "goroutine 0 gp=0x5 m=1 mp=0x6 [idle]:\nruntime.futex()\n\t/f.s:1 +0x1\n\n"
                              "goroutine 5 gp=0x4 m=1 [running]:\nmain.spin()\n\t/x.go:9 +0x1\n");
    assert_int_equal(p->traceback.count, 1);
    assert_int_equal(p->ngoroutines, 3);
    assert_string_equal(p->traceback.reason, "SIGQUIT: quit");
    assert_int_equal(p->traceback.goroutine, -1);   /* a signal from outside names no goroutine */
    gmd_profile_free(p);

    p = parse_ok(gmd_pprof_goroutine_text2_parse,
                 "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1\n"
                 "SIGABRT: abort\nPC=0x1 m=0 sigcode=0\n\ngoroutine 0 [idle]:\nruntime.raise()\n\t/r.s:1\n");
    assert_int_equal(p->traceback.count, 1);
    assert_int_equal(p->ngoroutines, 2);
    assert_string_equal(p->traceback.reason, "panic: boom");
    assert_int_equal(p->traceback.goroutine, 1);
    gmd_profile_free(p);
}

/* Text is sniffed before protobuf; a refused file is named. */
static void test_detect_text(void **state)
{
    (void)state;
    static const char ready[] = "ready\nSIGQUIT: quit\n\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1\n";
    assert_int_equal(gmd_profile_detect((const uint8_t *)ready, sizeof ready - 1), GMD_FMT_GOROUTINE_TEXT2);
    static const struct { const char *data; size_t len; const char *needle; } cases[] = {
        {"ready\n", 6, "text without a Go profile"},
        {"go 1.22 trace\0\0\0\1\2", 18, "execution trace"},
        {"go1.7 heap dump\n\1", 17, "heap dump"},
        {"\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\4\0\x3e\0", 20, "core file"},
        {"\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\x3e\0", 20, "ELF binary"},
        {"\0\0\0\0\3\0\0\0\0\0\0\0\x10\x27\0\0\0\0\0\0", 20, "legacy binary CPU"},
        {"[1, 2]\n", 7, "JSON"},
        {"  <html>", 8, "got HTML"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gmd_err err;
        gmd_err_clear(&err);
        assert_null(gmd_profile_parse((const uint8_t *)cases[i].data, cases[i].len, &err));
        if (!strstr(err.msg, cases[i].needle)) fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].needle);
    }
}

/* block/mutex debug=1 text, read as pprof's legacy parser reads it:
 * contentions = count * period, delay = cycles * period / GHz. */
static void test_contention_text(void **state)
{
    (void)state;
    static const char mutex[] =
        "--- mutex:\ncycles/second=2000000000\nsampling period=5\n"
        "4000 3 @ 0x1001 0x2001\n"
        "#\t0x1000\tsync.(*Mutex).Unlock+0x10\t/go/sync/mutex.go:65\n"
        "#\t0x2000\tmain.main+0x20\t/app/main.go:9\n\n"
        "10 1 @ 0x2001\n";
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = gmd_profile_parse((const uint8_t *)mutex, sizeof mutex - 1, &err);
    assert_non_null(p);
    assert_int_equal(p->format, GMD_FMT_CONTENTION_TEXT);
    assert_int_equal(p->nsample_types, 2);
    assert_string_equal(p->sample_types[0].type, "contentions");
    assert_string_equal(p->sample_types[1].unit, "nanoseconds");
    assert_int_equal(p->period, 5);
    assert_int_equal(p->nsamples, 2);
    assert_int_equal(p->samples[0].values[0], 15);      /* 3 * 5 */
    assert_int_equal(p->samples[0].values[1], 10000);   /* 4000 cycles * 5 / 2 GHz */
    assert_int_equal(p->samples[0].nlocations, 2);
    const gmd_location *l = &p->locations[p->samples[0].locations[0]];
    assert_int_equal(l->address, 0x1000);
    assert_int_equal(l->nlines, 1);
    assert_string_equal(p->functions[l->lines[0].function].name, "sync.(*Mutex).Unlock");
    gmd_profile_free(p);

    /* Errors name the byte offset. */
    static const char bad[] = "--- contention:\ncycles/second=1\nabc 1 @ 0x1\n";
    gmd_err_clear(&err);
    assert_null(gmd_profile_parse((const uint8_t *)bad, sizeof bad - 1, &err));
    assert_int_equal(err.offset, 32);
    static const char attr[] = "--- contention:\nformat=x\n";
    gmd_err_clear(&err);
    assert_null(gmd_profile_parse((const uint8_t *)attr, sizeof attr - 1, &err));
    assert_int_equal(err.offset, 16);

    /* threadcreate: a count profile of its own type, 0x0 padding allowed. */
    static const char tc[] = "threadcreate profile: total 3\n2 @ 0x0 0x0\n#\t0x0\n\n1 @ 0x11 0x0\n"
                             "#\t0x10\truntime.newm+0x4\t/go/proc.go:1\n#\t0x0\n";
    gmd_err_clear(&err);
    p = gmd_profile_parse((const uint8_t *)tc, sizeof tc - 1, &err);
    assert_non_null(p);
    assert_int_equal(p->format, GMD_FMT_COUNT_TEXT);
    assert_string_equal(p->sample_types[0].type, "threadcreate");
    assert_int_equal(p->nsamples, 2);
    assert_int_equal(p->samples[0].values[0], 2);
    gmd_profile_free(p);
}

/* ---- real profiles from the fixture programs ---- */

static gmd_profile *load_fixture(const char *name)
{
    const char *dir = getenv("FIXTURES");
    if (!dir) return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gmd_blob blob;
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_blob_load(path, NULL, &blob, &err) < 0) return NULL;
    gmd_profile *p = gmd_profile_parse(blob.data, blob.len, &err);
    gmd_blob_free(&blob);
    if (!p) fail_msg("%s: byte %lld: %s", path, (long long)err.offset, err.msg);
    return p;
}

/* The leaf-most named function of a sample. */
static const char *leaf_name(const gmd_profile *p, const gmd_sample *s)
{
    for (uint32_t i = 0; i < s->nlocations; i++) {
        const gmd_location *l = &p->locations[s->locations[i]];
        if (l->nlines) return p->functions[l->lines[0].function].name;
    }
    return "";
}

static void test_fixture_heap(void **state)
{
    (void)state;
    gmd_profile *p = load_fixture("heap-debug1.txt");
    if (!p) skip();
    assert_int_equal(p->format, GMD_FMT_HEAP_TEXT);
    assert_int_equal(p->period, 1);   /* MemProfileRate = 1 prints heap/2 */
    int found = 0;
    for (uint32_t i = 0; i < p->nsamples; i++) {
        if (strcmp(leaf_name(p, &p->samples[i]), "main.(*leakyCache).add")) continue;
        if (p->samples[i].values[2] != 3000) continue;
        assert_int_equal(p->samples[i].values[3], 3072000);
        assert_int_equal(p->samples[i].values[2], 3000);
        found++;
    }
    assert_int_equal(found, 1);
    bool heapalloc = false, maxrss = false;
    for (uint32_t i = 0; i < p->nmemstats; i++) {
        heapalloc |= !strcmp(p->memstats[i].name, "HeapAlloc");
        maxrss |= !strcmp(p->memstats[i].name, "MaxRSS");
    }
    assert_true(heapalloc && maxrss);
    gmd_profile_free(p);
}

static void test_fixture_goroutines(void **state)
{
    (void)state;
    gmd_profile *p = load_fixture("goroutine-debug1.txt");
    if (!p) skip();
    int64_t total = 0, leak = 0, labeled = 0;
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const gmd_sample *s = &p->samples[i];
        total += s->values[0];
        if (!strcmp(leaf_name(p, s), "main.leakWorker")) leak += s->values[0];
        const char *role = label_str(s, "role");
        if (role && !strcmp(role, "labeled-worker")) labeled += s->values[0];
    }
    assert_int_equal(total, 61);
    assert_int_equal(leak, 50);
    assert_int_equal(labeled, 3);
    gmd_profile_free(p);

    p = load_fixture("goroutine-debug2.txt");
    assert_non_null(p);
    assert_int_equal(p->ngoroutines, 61);
    int locked = 0, workers = 0;
    for (uint32_t i = 0; i < p->ngoroutines; i++) {
        const gmd_goroutine *g = &p->goroutines[i];
        locked += g->locked_to_thread;
        assert_int_equal(g->wait_minutes, -1);
        if (!strcmp(leaf_name(p, &p->samples[g->sample]), "main.leakWorker")) {
            workers++;
            assert_string_equal(g->state, "chan receive");
            assert_string_equal(g->created_by, "main.startWorkers");
            assert_int_equal(g->parent_id, 1);
        }
    }
    assert_int_equal(locked, 1);
    assert_int_equal(workers, 50);
    gmd_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_basic),
        cmocka_unit_test(test_heap_crlf_and_variants),
        cmocka_unit_test(test_heap_errors),
        cmocka_unit_test(test_heap_recursion_and_reuse),
        cmocka_unit_test(test_goroutine1),
        cmocka_unit_test(test_goroutine1_errors),
        cmocka_unit_test(test_goroutine2),
        cmocka_unit_test(test_goroutine2_crlf_and_cut),
        cmocka_unit_test(test_goroutine2_errors),
        cmocka_unit_test(test_goroutine2_in_text),
        cmocka_unit_test(test_goroutine2_crash_sections),
        cmocka_unit_test(test_detect_text),
        cmocka_unit_test(test_contention_text),
        cmocka_unit_test(test_fixture_heap),
        cmocka_unit_test(test_fixture_goroutines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
