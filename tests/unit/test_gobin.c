/* The Go executable reader on real Go programs built by this test
 * (tests/target-fixtures/pcln/build.sh): Go 1.26 plain, PIE, stripped
 * (-s -w), stripped PIE, and Go 1.22 when that toolchain can be fetched.
 * Answers are checked against the Go tools (go tool nm, go tool
 * addr2line) and against the runtime's own traceback (pcln prints one from
 * inside an inlined call chain). Corrupt and truncated inputs must give
 * errors or "not found", never a crash (the ASan build checks that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "gmd/target.h"

static char outdir[1024];
static char go[1024];
static bool have122, haveext;

static const char *bin(const char *name)
{
    static char p[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", outdir, name);
    return p[k];
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TESTTMP"), *src = getenv("SRCDIR"), *g = getenv("GO");
    if (!tmp || !src || !g) {
        fprintf(stderr, "test_gobin: TESTTMP, SRCDIR and GO must be set (run it through ctest)\n");
        return -1;
    }
    snprintf(go, sizeof go, "%s", g);
    snprintf(outdir, sizeof outdir, "%s/gobin", tmp);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "GO='%s' bash '%s/tests/target-fixtures/pcln/build.sh' '%s'", go, src, outdir);
    if (system(cmd) != 0) {
        fprintf(stderr, "test_gobin: building the pcln fixtures failed\n");
        return -1;
    }
    struct stat st;
    haveext = stat(bin("pcln-ext"), &st) == 0 && stat(bin("pcln-ext-sw"), &st) == 0;
    if (!haveext) fprintf(stderr, "\n*** test_gobin: WARNING: no externally linked builds: those checks are SKIPPED ***\n\n");
    have122 = stat(bin("pcln-go122"), &st) == 0 && stat(bin("pcln-go122-pie-sw"), &st) == 0;
    if (!have122)
        fprintf(stderr, "\n*** test_gobin: WARNING: Go 1.22 builds are missing (GOTOOLCHAIN=go1.22.12 could not "
                        "be fetched?): the Go 1.22 checks are SKIPPED ***\n\n");
    return 0;
}

static gmd_gobin *open_ok(const char *name)
{
    gmd_err e;
    gmd_err_clear(&e);
    gmd_gobin *b = gmd_gobin_open(bin(name), &e);
    if (!b) {
        char m[900];
        fail_msg("%s: %s", name, gmd_err_str(&e, m, sizeof m));
    }
    return b;
}

/* ------------------------------------------------------------ go tool nm */

typedef struct nmsym {
    uint64_t addr, size;
    char type;
    char name[256];
} nmsym;

/* `go tool nm -size` of a binary: "addr size type name" lines. */
static nmsym *nm(const char *name, int *n)
{
    char cmd[2600];
    snprintf(cmd, sizeof cmd, "'%s' tool nm -size '%s'", go, bin(name));
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int cap = 1 << 16;
    nmsym *v = malloc((size_t)cap * sizeof *v);
    *n = 0;
    char line[1024];
    while (fgets(line, sizeof line, f) && *n < cap) {
        nmsym s;
        unsigned long long a, z;
        int pos = 0;
        /* a name may hold spaces ("...HashTrieMap[interface {},...]"): the rest of the line */
        if (sscanf(line, "%llx %llu %c %n", &a, &z, &s.type, &pos) != 3 || !pos) continue;
        line[strcspn(line, "\n")] = 0;
        snprintf(s.name, sizeof s.name, "%.255s", line + pos);
        if (!s.name[0] || s.type == 'U' || s.type == '_') continue;   /* C undefined and unnamed symbols */
        s.addr = a, s.size = z;
        v[(*n)++] = s;
    }
    assert_int_equal(pclose(f), 0);
    assert_true(*n > 1000);
    return v;
}

static const nmsym *nm_find(const nmsym *v, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].name, name)) return &v[i];
    return NULL;
}

/* The first Go function: from the entry point (C start-up code in an
 * externally linked program) up to Go code, then back to the first one. */
static void first_func(gmd_gobin *b, gmd_gofunc *f)
{
    uint64_t pc = gmd_gobin_entry(b);
    for (int i = 0; i < (1 << 20) && !gmd_gobin_func(b, pc, f); i++) pc += 16;
    assert_true(gmd_gobin_func(b, pc, f));
    for (int guard = 0; guard < 100000 && gmd_gobin_func(b, f->entry - 1, f); guard++) {}
}

/* ------------------------------------------------------------ tests */

static void check_version(const char *name, int minor, bool pie, bool stripped)
{
    gmd_gobin *b = open_ok(name);
    int ma, mi;
    gmd_gobin_go_release(b, &ma, &mi);
    assert_int_equal(ma, 1);
    assert_int_equal(mi, minor);
    char want[32];
    snprintf(want, sizeof want, "go1.%d.", minor);
    assert_memory_equal(gmd_gobin_go_version(b), want, strlen(want));
    assert_int_equal(gmd_gobin_is_pie(b), pie);
    assert_int_equal(gmd_gobin_has_symtab(b), !stripped);
    assert_int_equal(gmd_gobin_has_dwarf(b), !stripped);
    assert_true(strlen(gmd_gobin_build_id(b)) >= 20);
    assert_true(gmd_gobin_entry(b) != 0);
    assert_string_equal(gmd_gobin_path(b), bin(name));
    gmd_gobin_close(b);
}

static void test_version(void **state)
{
    (void)state;
    check_version("pcln", 26, false, false);
    check_version("pcln-pie", 26, true, false);
    check_version("pcln-sw", 26, false, true);
    check_version("pcln-pie-sw", 26, true, true);
    if (!have122) return;
    check_version("pcln-go122", 22, false, false);
    check_version("pcln-go122-pie-sw", 22, true, true);
}

/* Every symbol of go tool nm (names it lists once) has the same address and
 * size; every text symbol that starts a function in the pclntab has its
 * name there (assembly functions' ABI0 symbols carry a ".abi0" suffix). */
static void check_symbols(const char *name)
{
    int n;
    nmsym *v = nm(name, &n);
    gmd_gobin *b = open_ok(name);
    int syms = 0, funcs = 0;
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < n && dup < 2; j++) dup += !strcmp(v[i].name, v[j].name);
        if (dup > 1) continue;
        uint64_t a, s;
        if (!gmd_gobin_symbol(b, v[i].name, &a, &s)) fail_msg("%s: symbol %s missing", name, v[i].name);
        if (a != v[i].addr || s != v[i].size)
            fail_msg("%s: %s at %#llx size %llu, nm says %#llx size %llu", name, v[i].name, (unsigned long long)a,
                     (unsigned long long)s, (unsigned long long)v[i].addr, (unsigned long long)v[i].size);
        syms++;
        if (v[i].type != 'T' && v[i].type != 't') continue;
        gmd_gofunc f;
        if (!gmd_gobin_func(b, v[i].addr, &f) || f.entry != v[i].addr) continue;
        char want[256];
        snprintf(want, sizeof want, "%s", v[i].name);
        size_t l = strlen(want);
        if (l > 5 && !strcmp(want + l - 5, ".abi0")) want[l - 5] = 0;
        /* the pclntab spells a generated function's suffix "·7", the symbol table ".7" */
        char got[256];
        size_t g = 0;
        for (const char *q = f.name; *q && g + 1 < sizeof got; q++) {
            if ((unsigned char)q[0] == 0xc2 && (unsigned char)q[1] == 0xb7) got[g++] = '.', q++;
            else got[g++] = *q;
        }
        got[g] = 0;
        if (!strcmp(got, want)) {
            funcs++;
            continue;
        }
        bool alias = false;   /* runtime.text and the first function share an address */
        for (int j = 0; j < n && strcmp(f.name, want) != 0 && !alias; j++)
            alias = v[j].addr == v[i].addr && j != i && !strncmp(v[j].name, f.name, strlen(f.name));
        if (alias) continue;
        if (strcmp(f.name, want) != 0) fail_msg("%s: function at %#llx is %s, nm says %s", name, (unsigned long long)f.entry, f.name, want);
        assert_true(f.end > f.entry);
        funcs++;
    }
    assert_true(syms > 1000);
    assert_true(funcs > 1000);
    uint64_t a, s;
    assert_false(gmd_gobin_symbol(b, "no.such.symbol", &a, &s));
    gmd_gobin_close(b);
    free(v);
}

static void test_symbols(void **state)
{
    (void)state;
    check_symbols("pcln");
    check_symbols("pcln-pie");
    if (haveext) check_symbols("pcln-ext");
    if (have122) check_symbols("pcln-go122");
}

/* file:line and function of a spread of PCs (entries and mid-function)
 * equal go tool addr2line's: the innermost position, the physical function
 * (addr2line does not expand inlined calls). PCs are taken from our own
 * function table, so stripped binaries are covered too. */
static void check_addr2line(const char *name, const char *oracle)
{
    gmd_gobin *b = open_ok(name);
    char pcs_path[1200], cmd[4000];
    snprintf(pcs_path, sizeof pcs_path, "%s.pcs", bin(name));
    FILE *pf = fopen(pcs_path, "w");
    assert_non_null(pf);
    enum { MAXPC = 3000 };
    static uint64_t pcs[MAXPC];
    int npc = 0;
    /* walk the functions by their ends: entry, middle and last byte of each */
    gmd_gofunc f;
    first_func(b, &f);
    for (int k = 0; npc + 3 <= MAXPC; k++) {
        if (k % 3 == 0) {   /* every third function, to keep addr2line's input small */
            pcs[npc++] = f.entry;
            pcs[npc++] = f.entry + (f.end - f.entry) / 2;
            pcs[npc++] = f.end - 1;
        }
        gmd_gofunc next;
        if (!gmd_gobin_func(b, f.end, &next)) {
            /* alignment padding between functions */
            uint64_t p = f.end;
            while (p < f.end + 64 && !gmd_gobin_func(b, p, &next)) p++;
            if (p == f.end + 64) break;
        }
        f = next;
    }
    assert_true(npc > 900);
    for (int i = 0; i < npc; i++) fprintf(pf, "%#llx\n", (unsigned long long)pcs[i]);
    fclose(pf);
    snprintf(cmd, sizeof cmd, "'%s' tool addr2line '%s' < '%s'", go, bin(oracle), pcs_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char fn[2048], fl[2048];
    int checked = 0;
    for (int i = 0; i < npc && fgets(fn, sizeof fn, p) && fgets(fl, sizeof fl, p); i++) {
        fn[strcspn(fn, "\n")] = 0;
        fl[strcspn(fl, "\n")] = 0;
        gmd_goframe fr[64];
        int n = gmd_gobin_frames(b, pcs[i], false, fr, 64);
        assert_true(n >= 1);
        if (!strcmp(fl, ":-1")) snprintf(fl, sizeof fl, "?:0");   /* not covered: the runtime's "?", 0 */
        char mine[2100];
        snprintf(mine, sizeof mine, "%s:%lld", fr[0].file, (long long)fr[0].line);
        if (strcmp(fn, fr[n - 1].function) != 0 || strcmp(fl, mine) != 0)
            fail_msg("%s: pc %#llx: addr2line says %s %s, gmd %s %s", name, (unsigned long long)pcs[i], fn, fl,
                     fr[n - 1].function, mine);
        assert_false(fr[n - 1].inlined);
        for (int j = 0; j + 1 < n; j++) assert_true(fr[j].inlined);
        checked++;
    }
    pclose(p);
    assert_int_equal(checked, npc);
    remove(pcs_path);
    gmd_gobin_close(b);
}

static void test_addr2line(void **state)
{
    (void)state;
    check_addr2line("pcln", "pcln");
    check_addr2line("pcln-pie", "pcln-pie");
    check_addr2line("pcln-sw", "pcln-sw");
    check_addr2line("pcln-pie-sw", "pcln-pie-sw");
    if (haveext) {
        check_addr2line("pcln-ext", "pcln-ext");
        /* addr2line itself is wrong on this one: without symbols it takes
         * the .text section for textStart (Go 1.26 writes 0 in the header),
         * but C code precedes runtime.text. The same link unstripped has
         * the same code addresses and is the oracle. */
        check_addr2line("pcln-ext-sw", "pcln-ext");
    }
    if (!have122) return;
    check_addr2line("pcln-go122", "pcln-go122");
    check_addr2line("pcln-go122-pie-sw", "pcln-go122-pie-sw");
}

/* Run the program and compare its traceback (debug.Stack from inside
 * leaf, called from an inlined chain inner <- middle <- outer) with the
 * frames of each physical frame's return address: "+0x14" is the return
 * address's offset from the function's entry. */
static void check_traceback(const char *name)
{
    int n;
    nmsym *v = nm(name, &n);
    gmd_gobin *b = open_ok(name);
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "'%s'", bin(name));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[2048];
    /* expected logical frames of the current physical frame */
    char fns[16][256], files[16][1024];
    long lines[16];
    int nexp = 0, physical = 0;
    bool saw_inlined = false;
    char pending[256] = "";
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "goroutine ", 10) || !strncmp(line, "done", 4)) continue;
        if (line[0] != '\t') {   /* "pkg.func(args)" */
            char *paren = strrchr(line, '(');
            if (paren) *paren = 0;
            snprintf(pending, sizeof pending, "%.250s", line);
            continue;
        }
        assert_true(nexp < 16);
        char *colon = strrchr(line, ':');
        assert_non_null(colon);
        *colon = 0;
        snprintf(fns[nexp], sizeof fns[nexp], "%s", pending);
        snprintf(files[nexp], sizeof files[nexp], "%.1000s", line + 1);
        lines[nexp] = strtol(colon + 1, NULL, 10);
        nexp++;
        char *off = strstr(colon + 1, " +0x");
        if (!off) continue;   /* an inlined frame: its physical frame follows */
        const nmsym *s = nm_find(v, n, fns[nexp - 1]);
        assert_non_null(s);
        uint64_t ret = s->addr + strtoull(off + 2, NULL, 16);
        gmd_goframe fr[16];
        int got = gmd_gobin_frames(b, ret, true, fr, 16);
        if (got != nexp) fail_msg("%s: %s+%s: %d frames, the runtime printed %d", name, fns[nexp - 1], off + 2, got, nexp);
        for (int i = 0; i < nexp; i++) {
            assert_string_equal(fr[i].function, fns[i]);
            assert_string_equal(fr[i].file, files[i]);
            assert_int_equal(fr[i].line, lines[i]);
            assert_int_equal(fr[i].inlined, i < nexp - 1);
            assert_true(fr[i].start_line > 0 && fr[i].start_line <= fr[i].line);
        }
        if (nexp == 3) {
            saw_inlined = true;
            assert_string_equal(fr[0].function, "main.inner");
            assert_string_equal(fr[1].function, "main.middle");
            assert_string_equal(fr[2].function, "main.outer");
            /* a smaller buffer gets the innermost frames */
            assert_int_equal(gmd_gobin_frames(b, ret, true, fr, 2), 2);
            assert_string_equal(fr[1].function, "main.middle");
            /* the same PC again comes from the cache, equal */
            for (int k = 0; k < 1000; k++) assert_int_equal(gmd_gobin_frames(b, ret, true, fr, 16), 3);
            assert_string_equal(fr[2].function, "main.outer");
            assert_int_equal(fr[0].line, lines[0]);
            /* the SP delta inside outer after its prologue */
            int64_t d = gmd_gobin_sp_delta(b, ret - 1);
            assert_true(d > 0 && d < 4096);
            assert_int_equal(gmd_gobin_sp_delta(b, s->addr), 0);
        }
        physical++;
        nexp = 0;
    }
    assert_int_equal(pclose(p), 0);
    assert_true(physical >= 4);
    assert_true(saw_inlined);
    gmd_gobin_close(b);
    free(v);
}

static void test_traceback(void **state)
{
    (void)state;
    check_traceback("pcln");
    check_traceback("pcln-pie");
    if (haveext) check_traceback("pcln-ext");
    if (have122) check_traceback("pcln-go122");
}

/* runtime.goexit and runtime.mstart end stacks (TopFrame); some assembly
 * function switches stacks (SPWrite). */
static void check_flags(const char *name)
{
    int n;
    nmsym *v = nm(name, &n);
    gmd_gobin *b = open_ok(name);
    const char *top[] = {"runtime.goexit.abi0", "runtime.mstart.abi0"};
    for (int i = 0; i < 2; i++) {
        const nmsym *s = nm_find(v, n, top[i]);
        assert_non_null(s);
        gmd_gofunc f;
        assert_true(gmd_gobin_func(b, s->addr + 1, &f));
        assert_int_equal(f.entry, s->addr);
        assert_memory_equal(f.name, top[i], strlen(f.name));
        assert_true(f.top_frame);
        assert_true(f.start_line > 0);
        assert_non_null(strstr(f.start_file, "asm_amd64.s"));
        gmd_goframe fr[4];
        assert_int_equal(gmd_gobin_frames(b, s->addr + 1, true, fr, 4), 1);
    }
    const nmsym *s = nm_find(v, n, "main.outer");
    assert_non_null(s);
    gmd_gofunc f;
    assert_true(gmd_gobin_func(b, s->addr, &f));
    assert_false(f.top_frame);
    assert_string_equal(f.name, "main.outer");
    assert_int_equal(f.start_line, 26);
    int spw = 0;
    for (int i = 0; i < n; i++)
        if (v[i].type == 'T' && gmd_gobin_func(b, v[i].addr, &f) && f.sp_write) spw++;
    assert_true(spw > 0);
    /* not Go code */
    assert_false(gmd_gobin_func(b, 0, &f));
    assert_false(gmd_gobin_func(b, UINT64_MAX, &f));
    gmd_goframe fr[4];
    assert_int_equal(gmd_gobin_frames(b, 0, true, fr, 4), 0);
    assert_int_equal(gmd_gobin_frames(b, 0x10, false, fr, 4), 0);
    assert_int_equal(gmd_gobin_sp_delta(b, 0x10), -1);
    gmd_gobin_close(b);
    free(v);
}

static void test_flags(void **state)
{
    (void)state;
    check_flags("pcln");
    if (have122) check_flags("pcln-go122");
}

/* runtime.g's fields the runtime readers need, from DWARF. */
static void check_dwarf(const char *name, const char *nmname)
{
    gmd_gobin *b = open_ok(name);
    uint64_t gsz, off[16], sz;
    assert_true(gmd_gobin_dwarf_size(b, "runtime.g", &gsz));
    assert_true(gsz > 300 && gsz < 1024);
    const char *fields[] = {"stack.lo", "stack.hi", "sched.sp", "sched.pc", "sched.bp", "goid", "atomicstatus",
                            "atomicstatus.value", "waitsince", "waitreason", "gopc", "startpc"};
    const uint64_t sizes[] = {8, 8, 8, 8, 8, 8, 4, 4, 8, 1, 8, 8};
    for (int i = 0; i < 12; i++) {
        if (!gmd_gobin_dwarf_offset(b, "runtime.g", fields[i], &off[i])) fail_msg("%s: no runtime.g.%s", name, fields[i]);
        assert_true(off[i] < gsz);
        assert_true(gmd_gobin_dwarf_field_size(b, "runtime.g", fields[i], &sz));
        assert_int_equal(sz, sizes[i]);
    }
    assert_int_equal(off[0], 0);
    assert_int_equal(off[1], 8);
    assert_int_equal(off[3], off[2] + 8);   /* gobuf: sp, pc */
    assert_true(off[4] > off[3]);
    assert_int_equal(off[6], off[7]);
    assert_false(gmd_gobin_dwarf_offset(b, "runtime.g", "nosuchfield", &sz));
    assert_false(gmd_gobin_dwarf_offset(b, "runtime.g", "sched.nosuch", &sz));
    assert_false(gmd_gobin_dwarf_offset(b, "runtime.g", "goid.deeper", &sz));
    assert_false(gmd_gobin_dwarf_offset(b, "runtime.nosuchtype", "x", &sz));
    assert_false(gmd_gobin_dwarf_size(b, "runtime.nosuchtype", &sz));
    uint64_t msz;
    assert_true(gmd_gobin_dwarf_size(b, "runtime.mspan", &msz));
    assert_true(gmd_gobin_dwarf_offset(b, "runtime.m", "curg", &sz));
    assert_true(gmd_gobin_dwarf_size(b, "runtime.waitReason", &sz));   /* a typedef of uint8 */
    assert_int_equal(sz, 1);

    uint64_t a, s;
    assert_true(gmd_gobin_dwarf_var(b, "runtime.waitReasonStrings", &a, &s));
    assert_true(s > 0 && s % 16 == 0);
    int n;
    nmsym *v = nm(nmname, &n);
    const nmsym *ns = nm_find(v, n, "runtime.waitReasonStrings");
    assert_non_null(ns);
    assert_int_equal(a, ns->addr);
    assert_int_equal(s, ns->size);
    assert_true(gmd_gobin_dwarf_var(b, "runtime.allgs", &a, &s));
    assert_int_equal(s, 24);   /* a slice */
    assert_false(gmd_gobin_dwarf_var(b, "runtime.nosuchvar", &a, &s));
    free(v);
    gmd_gobin_close(b);
}

static void test_dwarf(void **state)
{
    (void)state;
    check_dwarf("pcln", "pcln");
    check_dwarf("pcln-pie", "pcln-pie");
    if (have122) check_dwarf("pcln-go122", "pcln-go122");
}

/* Stripped binaries: no symbols or DWARF, but the version and the pclntab
 * (found by section, textStart and the inline-tree base from moduledata). */
static void check_stripped(const char *name, const char *full)
{
    gmd_gobin *b = open_ok(name), *fb = open_ok(full);
    uint64_t a, s;
    assert_false(gmd_gobin_symbol(b, "runtime.allgs", &a, &s));
    assert_false(gmd_gobin_symbol(b, "main.sink", &a, &s));
    assert_false(gmd_gobin_dwarf_offset(b, "runtime.g", "goid", &a));
    assert_false(gmd_gobin_dwarf_size(b, "runtime.g", &a));
    assert_false(gmd_gobin_dwarf_var(b, "runtime.waitReasonStrings", &a, &s));
    /* main.outer's inlined chain, found by walking the stripped table for
     * a function of that name at the same entry offset as in the full build */
    gmd_gofunc f, ff;
    uint64_t outer = 0;
    assert_true(gmd_gobin_symbol(fb, "main.outer", &outer, &s));
    assert_true(gmd_gobin_func(fb, outer, &ff));
    int inl = 0;
    first_func(b, &f);
    for (int k = 0; k < 100000; k++) {
        if (!strcmp(f.name, "main.outer")) {
            for (uint64_t p = f.entry; p < f.end; p++) {
                gmd_goframe fr[8];
                int n = gmd_gobin_frames(b, p, false, fr, 8);
                if (n == 3) {
                    assert_string_equal(fr[0].function, "main.inner");
                    inl++;
                }
            }
            break;
        }
        uint64_t p = f.end;
        while (p < f.end + 64 && !gmd_gobin_func(b, p, &f)) p++;
        if (p == f.end + 64) break;
    }
    assert_true(inl > 0);
    gmd_gobin_close(b);
    gmd_gobin_close(fb);
}

static void test_stripped(void **state)
{
    (void)state;
    check_stripped("pcln-sw", "pcln");
    check_stripped("pcln-pie-sw", "pcln-pie");
    if (haveext) check_stripped("pcln-ext-sw", "pcln-ext");
    if (have122) check_stripped("pcln-go122-pie-sw", "pcln-go122");
}

/* Symbols from DWARF when .symtab is gone but DWARF stays (strip keeps
 * .debug_*): addresses equal the full build's. */
static void test_dwarf_symbols(void **state)
{
    (void)state;
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "strip --strip-all --keep-section='.debug_*' -o '%s' '%s' 2>/dev/null", bin("pcln-nosym"),
             bin("pcln"));
    if (system(cmd) != 0) {
        fprintf(stderr, "test_gobin: strip is not available: DWARF symbol fallback not checked\n");
        skip();
    }
    gmd_gobin *b = open_ok("pcln-nosym"), *fb = open_ok("pcln");
    assert_false(gmd_gobin_has_symtab(b));
    assert_true(gmd_gobin_has_dwarf(b));
    const char *names[] = {"runtime.allgs", "main.sink", "runtime.waitReasonStrings", "runtime.mheap_"};
    for (int i = 0; i < 4; i++) {
        uint64_t a, s, fa, fs;
        assert_true(gmd_gobin_symbol(fb, names[i], &fa, &fs));
        if (!gmd_gobin_symbol(b, names[i], &a, &s)) fail_msg("no %s from DWARF", names[i]);
        assert_int_equal(a, fa);
        assert_int_equal(s, fs);
    }
    /* without runtime.text, textStart comes from moduledata: same frames */
    uint64_t outer, s;
    assert_true(gmd_gobin_symbol(fb, "main.outer", &outer, &s));
    gmd_goframe x[8], y[8];
    for (uint64_t p = outer; p < outer + s; p++) {
        int n = gmd_gobin_frames(b, p, false, x, 8);
        assert_int_equal(n, gmd_gobin_frames(fb, p, false, y, 8));
        for (int i = 0; i < n; i++) {
            assert_string_equal(x[i].function, y[i].function);
            assert_int_equal(x[i].line, y[i].line);
        }
    }
    gmd_gobin_close(b);
    gmd_gobin_close(fb);
}

/* ------------------------------------------------------------ bad input */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Lookups over every function of whatever opened: nothing may crash. */
static void exercise(gmd_gobin *b)
{
    gmd_gofunc f;
    gmd_goframe fr[16];
    uint64_t pc = gmd_gobin_entry(b);
    for (int k = 0; k < 400; k++, pc += 97) {
        if (gmd_gobin_func(b, pc, &f)) {
            (void)strlen(f.name);
            (void)strlen(f.start_file);
        }
        int n = gmd_gobin_frames(b, pc, k & 1, fr, 16);
        for (int i = 0; i < n; i++) (void)(strlen(fr[i].function) + strlen(fr[i].file));
        (void)gmd_gobin_sp_delta(b, pc);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    gmd_err e;
    char m[900];
    gmd_err_clear(&e);
    assert_null(gmd_gobin_open(bin("no-such-file"), &e));
    assert_non_null(strstr(gmd_err_str(&e, m, sizeof m), "no-such-file"));
    assert_null(gmd_gobin_open_memory("hello", 5, "hello.txt", &e));
    assert_string_equal(gmd_err_str(&e, m, sizeof m), "hello.txt: byte 0: not an ELF file");
    assert_null(gmd_gobin_open_memory("", 0, "empty", &e));

    size_t len;
    uint8_t *full = slurp(bin("pcln"), &len);
    uint8_t *c = malloc(len);
    /* another machine */
    memcpy(c, full, len);
    c[18] = 183;   /* EM_AARCH64 */
    assert_null(gmd_gobin_open_memory(c, len, "arm", &e));
    assert_non_null(strstr(gmd_err_str(&e, m, sizeof m), "not an x86-64 ELF"));
    /* an ELF that is not Go: the C test program itself */
    assert_null(gmd_gobin_open("/proc/self/exe", &e));
    assert_non_null(strstr(gmd_err_str(&e, m, sizeof m), "not a Go program"));

    /* find the pclntab (magic f1 ff ff ff 00 00 01 08) to corrupt it */
    size_t ph = 0;
    for (size_t o = 0; o + 8 < len; o += 8)
        if (!memcmp(full + o, "\xf1\xff\xff\xff\x00\x00\x01\x08", 8)) {
            ph = o;
            break;
        }
    assert_true(ph > 0);
    /* an older table version: one-line error with the offset */
    memcpy(c, full, len);
    c[ph] = 0xf0;
    assert_null(gmd_gobin_open_memory(c, len, "old", &e));
    assert_int_equal(e.offset, (int64_t)ph);
    assert_non_null(strstr(e.msg, "before Go 1.20"));
    /* sub-table offsets out of order */
    memcpy(c, full, len);
    memset(c + ph + 32, 0xff, 8);
    assert_null(gmd_gobin_open_memory(c, len, "order", &e));
    assert_int_equal(e.offset, (int64_t)ph + 32);
    /* a function count too large for the table */
    memcpy(c, full, len);
    memset(c + ph + 8, 0x7f, 8);
    assert_null(gmd_gobin_open_memory(c, len, "nfunc", &e));
    assert_int_equal(e.offset, (int64_t)ph + 8);

    /* random damage inside the tables (fixed seed): opens or fails, never crashes */
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 60; round++) {
        memcpy(c, full, len);
        for (int k = 0; k < 200; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t o = ph + (size_t)((seed >> 20) % (len - ph > 0x100000 ? 0x100000 : len - ph));
            c[o] = (uint8_t)(seed >> 56);
        }
        gmd_gobin *b = gmd_gobin_open_memory(c, len, "damaged", &e);
        if (b) {
            exercise(b);
            gmd_gobin_close(b);
        }
    }
    /* truncated files */
    size_t cuts[] = {16, 64, 4096, ph + 40, ph + 200, ph + 100000, len / 2, len - 1};
    for (unsigned i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        if (cuts[i] > len) continue;
        uint8_t *t = malloc(cuts[i]);
        memcpy(t, full, cuts[i]);
        gmd_gobin *b = gmd_gobin_open_memory(t, cuts[i], "cut", &e);
        if (b) {
            exercise(b);
            uint64_t x, y;
            (void)gmd_gobin_dwarf_offset(b, "runtime.g", "goid", &x);
            (void)gmd_gobin_symbol(b, "runtime.allgs", &x, &y);
            gmd_gobin_close(b);
        }
        free(t);
    }
    /* the intact bytes from memory work like the file, DWARF included */
    gmd_gobin *b = gmd_gobin_open_memory(full, len, "mem", &e);
    assert_non_null(b);
    uint64_t goid;
    assert_true(gmd_gobin_dwarf_offset(b, "runtime.g", "goid", &goid));
    exercise(b);
    gmd_gobin_close(b);
    free(c);
    free(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),     cmocka_unit_test(test_symbols),   cmocka_unit_test(test_addr2line),
        cmocka_unit_test(test_traceback),   cmocka_unit_test(test_flags),     cmocka_unit_test(test_dwarf),
        cmocka_unit_test(test_stripped),    cmocka_unit_test(test_dwarf_symbols), cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
