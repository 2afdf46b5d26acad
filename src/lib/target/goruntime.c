/* The Go runtime's state read out of a program image (see gmd/goruntime.h).
 *
 * Hand-written because no library knows the runtime's private structures:
 * the goroutine records behind runtime.allgs, the heap profile's buckets
 * behind runtime.mbuckets and the raw memory counters. What is read and how
 * it is interpreted follows the runtime's own readers (traceback.go's
 * goroutine headers and frame filter, mprof.go's memProfileInternal,
 * pprof's writeHeapProto, mstats.go's readmemstats_m), so the results equal
 * what the program would report about itself. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "gmd/builder.h"
#include "gmd/goruntime.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"
#include "target/gofind.h"
#include "target/golayout.h"

#define MAX_GOROUTINES   (16u << 20)
#define MAX_BUCKETS      (4u << 20)
#define MAX_STACK_DEPTH  1024      /* runtime's maxProfStackDepth; deeper heap stacks are bogus */
#define MAX_HEAP_PCS     (32u << 20) /* frames over all buckets: 256 MiB of PCs, far beyond any real profile */
#define MAX_FRAMES       512       /* physical frames unwound per goroutine */
#define MAX_INLINE       64
#define MAX_STRINGS      4096

enum { SYM_ALLGS, SYM_ALLGLEN, SYM_MBUCKETS, SYM_MPROFCYCLE, SYM_MEMPROFILERATE, SYM_DISABLEMEMPROF,
       SYM_MEMSTATS, SYM_GCCONTROLLER, SYM_WAITREASONS, SYM_GSTATUS, SYM_GOMAXPROCS, SYM_SIZECLASSES,
       SYM_BUILDVERSION, NSYMS };

static const char *const sym_names[NSYMS][2] = {
    [SYM_ALLGS] = {"runtime.allgs", NULL},
    [SYM_ALLGLEN] = {"runtime.allglen", NULL},
    [SYM_MBUCKETS] = {"runtime.mbuckets", NULL},
    [SYM_MPROFCYCLE] = {"runtime.mProfCycle", NULL},
    [SYM_MEMPROFILERATE] = {"runtime.MemProfileRate", NULL},
    [SYM_DISABLEMEMPROF] = {"runtime.disableMemoryProfiling", NULL},
    [SYM_MEMSTATS] = {"runtime.memstats", NULL},
    [SYM_GCCONTROLLER] = {"runtime.gcController", NULL},
    [SYM_WAITREASONS] = {"runtime.waitReasonStrings", NULL},
    [SYM_GSTATUS] = {"runtime.gStatusStrings", NULL},
    [SYM_GOMAXPROCS] = {"runtime.gomaxprocs", NULL},
    [SYM_SIZECLASSES] = {"internal/runtime/gc.SizeClassToSize", "runtime.class_to_size"},
    [SYM_BUILDVERSION] = {"runtime.buildVersion", NULL},
};

struct gmd_goruntime {
    gmd_target *t;
    char version[32];
    char layout_source[48];
    bool found_by_shape;     /* stripped binary: variables found by gofind.c, not by name */
    int minor;
    int64_t off[GL_NFIELDS];
    uint64_t sym[NSYMS], symsize[NSYMS];   /* runtime addresses; 0 = absent */
    char **wait_reasons; uint32_t nwait_reasons;
    char **gstatus; uint32_t ngstatus;
    uint32_t heap_mapping;   /* the builder's mapping while a heap profile is built; GMD_NONE otherwise */
    /* What unwinding needs per PC, looked up once: 100,000 goroutines share
     * a few thousand PCs. loc is the current builder's location (gen says
     * which builder). */
    gmd_u64map pcmap;
    struct pcinfo *pcs; uint32_t npcs, cappcs;
    gmd_u64map sitemap;
    struct siteinfo *sites; uint32_t nsites, capsites;
    gmd_u64map hpcmap;
    struct heappc *hpcs; uint32_t nhpcs, caphpcs;
    uint32_t gen;
    /* A core: the goroutines that were on a CPU, with the registers of
     * their thread, and the goroutine that was panicking. */
    struct run_regs { int64_t goid; uint64_t pc, sp; } *runs;
    size_t nruns;
    int64_t panic_goid;
    uint64_t panic_ptr;
    bool panic_running;
    int st_idle, st_running, st_syscall, st_waiting, st_dead, st_copystack, st_deadextra;
};

/* ---------------------------------------------------------------- reading */

static int rd(gmd_goruntime *rt, uint64_t addr, void *buf, size_t n, gmd_err *err)
{
    return gmd_target_read(rt->t, addr, buf, n, err);
}

static uint64_t u64at(const uint8_t *b, int64_t off) { uint64_t v; memcpy(&v, b + off, 8); return v; }
static uint32_t u32at(const uint8_t *b, int64_t off) { uint32_t v; memcpy(&v, b + off, 4); return v; }

/* A Go string (ptr, len) at addr, copied and NUL-terminated; NULL if unreadable or absurd. */
static char *read_gostring(gmd_goruntime *rt, uint64_t addr, size_t max)
{
    uint8_t hdr[16];
    gmd_err e;
    if (rd(rt, addr, hdr, 16, &e) < 0) return NULL;
    uint64_t p = u64at(hdr, 0), n = u64at(hdr, 8);
    if (n > max) return NULL;
    char *s = gmd_xmalloc(n + 1);
    if (n && rd(rt, p, s, n, &e) < 0) { free(s); return NULL; }
    s[n] = '\0';
    return s;
}

static int read_string_array(gmd_goruntime *rt, int sym, char ***out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    if (!rt->sym[sym] || rt->symsize[sym] % 16 || rt->symsize[sym] / 16 > MAX_STRINGS) return -1;
    uint32_t cnt = (uint32_t)(rt->symsize[sym] / 16);
    char **a = gmd_xcalloc(cnt ? cnt : 1, sizeof *a);
    for (uint32_t i = 0; i < cnt; i++) {
        a[i] = read_gostring(rt, rt->sym[sym] + 16ull * i, 256);
        if (!a[i]) a[i] = gmd_xstrdup("");
    }
    *out = a;
    *n = cnt;
    return 0;
}

static int status_index(gmd_goruntime *rt, const char *name)
{
    for (uint32_t i = 0; i < rt->ngstatus; i++)
        if (!strcmp(rt->gstatus[i], name)) return (int)i;
    return -1;
}

/* ------------------------------------------------------------------- open */

gmd_goruntime *gmd_goruntime_open(gmd_target *t, gmd_err *err)
{
    gmd_goruntime *rt = gmd_xcalloc(1, sizeof *rt);
    rt->t = t;
    rt->heap_mapping = GMD_NONE;
    gmd_u64map_init(&rt->pcmap);
    gmd_u64map_init(&rt->sitemap);
    gmd_u64map_init(&rt->hpcmap);
    int major = 0, minor = 0;
    gmd_gobin_go_release(t->bin, &major, &minor);
    snprintf(rt->version, sizeof rt->version, "%s", gmd_gobin_go_version(t->bin));
    if (major != 1 || minor < GMD_GO_MIN_MINOR) {
        gmd_errf(err, "%s: built with %s; gmd reads Go 1.%d to 1.%d programs", gmd_gobin_path(t->bin),
                 rt->version[0] ? rt->version : "an unknown Go version", GMD_GO_MIN_MINOR, GMD_GO_MAX_MINOR);
        goto fail;
    }
    rt->minor = minor;

    /* gmd's table first: a release's layouts never change within it (the
     * suite checks the table against real binaries' DWARF), and indexing the
     * DWARF of a big binary takes a second. DWARF serves releases newer than
     * the table, or GMD_LAYOUT=dwarf. */
    const char *missing = NULL;
    const char *want = getenv("GMD_LAYOUT");
    bool prefer_dwarf = want && !strcmp(want, "dwarf");
    if (!prefer_dwarf && gmd_golayout_table(minor, rt->off)) {
        snprintf(rt->layout_source, sizeof rt->layout_source, "table go1.%d", minor);
    } else if (gmd_gobin_has_dwarf(t->bin) && gmd_golayout_dwarf(t->bin, rt->off, &missing) == 0) {
        snprintf(rt->layout_source, sizeof rt->layout_source, "dwarf");
    } else if (gmd_golayout_table(minor, rt->off)) {
        snprintf(rt->layout_source, sizeof rt->layout_source, "table go1.%d", minor);
    } else if (missing) {
        gmd_errf(err, "%s: its DWARF lacks the runtime field '%s' gmd needs (Go %s is newer than gmd knows)",
                 gmd_gobin_path(t->bin), missing, rt->version);
        goto fail;
    } else {
        gmd_errf(err, "%s: built with %s and without DWARF; gmd knows the runtime's layout of Go 1.%d to 1.%d",
                 gmd_gobin_path(t->bin), rt->version, GMD_GO_MIN_MINOR, GMD_GO_MAX_MINOR);
        goto fail;
    }

    if (!gmd_golayout_sane(rt->off)) {
        gmd_errf(err, "%s: the runtime layout (%s) does not check out: a field lies outside its struct",
                 gmd_gobin_path(t->bin), rt->layout_source);
        goto fail;
    }

    for (int i = 0; i < NSYMS; i++) {
        for (int k = 0; k < 2 && sym_names[i][k]; k++) {
            uint64_t a, s;
            if (gmd_gobin_symbol(t->bin, sym_names[i][k], &a, &s)) {
                rt->sym[i] = a + t->bias;
                rt->symsize[i] = s;
                break;
            }
        }
    }
    if (!rt->sym[SYM_ALLGS] && !gmd_gobin_has_symtab(t->bin)) {
        /* Built with -s: find the variables by their shape in memory. */
        gmd_gofind_result f;
        if (gmd_gofind(t, rt->off, rt->version, &f) < 0) {
            gmd_errf(err, "%s has no symbol table (built with -ldflags=-s) and runtime.allgs could not be found "
                     "in its memory; pass --binary with an unstripped build of the same source",
                     gmd_gobin_path(t->bin));
            goto fail;
        }
        rt->found_by_shape = true;
        rt->sym[SYM_ALLGS] = f.allgs;
        rt->sym[SYM_MBUCKETS] = f.mbuckets;
        rt->sym[SYM_MEMPROFILERATE] = f.memprofilerate;
        rt->sym[SYM_MEMSTATS] = f.memstats;
        rt->sym[SYM_GCCONTROLLER] = f.gccontroller;
        rt->sym[SYM_SIZECLASSES] = f.size_classes;
        rt->symsize[SYM_SIZECLASSES] = f.size_classes ? 136 : 0;
        rt->sym[SYM_BUILDVERSION] = f.build_version;
        rt->sym[SYM_WAITREASONS] = f.wait_reasons;
        rt->symsize[SYM_WAITREASONS] = f.wait_reasons_size;
        rt->sym[SYM_GSTATUS] = f.gstatus;
        rt->symsize[SYM_GSTATUS] = f.gstatus_size;
        size_t l = strlen(rt->layout_source);
        snprintf(rt->layout_source + l, sizeof rt->layout_source - l, ", variables found by shape");
    }
    if (!rt->sym[SYM_ALLGS]) {
        gmd_errf(err, "%s: no runtime.allgs symbol: not a Go program gmd can read", gmd_gobin_path(t->bin));
        goto fail;
    }
    /* The program's own idea of its version, read from its memory, must be
     * the binary's: this catches a wrong --binary or a wrong load bias. */
    if (rt->sym[SYM_BUILDVERSION] && rt->version[0]) {
        char *v = read_gostring(rt, rt->sym[SYM_BUILDVERSION], 64);
        if (!v) {
            gmd_errf(err, "cannot read runtime.buildVersion at 0x%llx: %s does not match the %s",
                     (unsigned long long)rt->sym[SYM_BUILDVERSION], gmd_gobin_path(t->bin),
                     gmd_memsrc_is_live(t->mem) ? "process" : "core");
            goto fail;
        }
        bool same = !strcmp(v, rt->version);
        if (!same) {
            bool looks_like_version = !strncmp(v, "go1.", 4) && strlen(v) < 40;
            if (looks_like_version)
                gmd_errf(err, "the binary %s (%s) is not the one running: the program says it is %s",
                         gmd_gobin_path(t->bin), rt->version, v);
            else
                gmd_errf(err, "the binary %s (%s) is not the one running: its runtime.buildVersion does not hold a "
                         "Go version in the program's memory", gmd_gobin_path(t->bin), rt->version);
        }
        free(v);
        if (!same) goto fail;
    }
    read_string_array(rt, SYM_WAITREASONS, &rt->wait_reasons, &rt->nwait_reasons);
    if (read_string_array(rt, SYM_GSTATUS, &rt->gstatus, &rt->ngstatus) < 0 || rt->ngstatus < 7) {
        gmd_errf(err, "cannot read runtime.gStatusStrings: %s does not match the program", gmd_gobin_path(t->bin));
        goto fail;
    }
    rt->st_idle = status_index(rt, "idle");
    rt->st_running = status_index(rt, "running");
    rt->st_syscall = status_index(rt, "syscall");
    rt->st_waiting = status_index(rt, "waiting");
    rt->st_dead = status_index(rt, "dead");
    rt->st_copystack = status_index(rt, "copystack");
    rt->st_deadextra = status_index(rt, "waiting for cgo callback");   /* a dead g kept for cgo callbacks */
    if (rt->st_dead < 0 || rt->st_waiting < 0 || rt->st_running < 0) {
        gmd_errf(err, "runtime.gStatusStrings does not hold Go's goroutine states: the layout does not check out");
        goto fail;
    }
    return rt;
fail:
    gmd_err_set_source(err, t->name);
    gmd_goruntime_close(rt);
    return NULL;
}

void gmd_goruntime_close(gmd_goruntime *rt)
{
    if (!rt) return;
    gmd_u64map_free(&rt->pcmap);
    free(rt->pcs);
    gmd_u64map_free(&rt->sitemap);
    free(rt->sites);
    free(rt->hpcs);
    free(rt->runs);
    gmd_u64map_free(&rt->hpcmap);
    for (uint32_t i = 0; i < rt->nwait_reasons; i++) free(rt->wait_reasons[i]);
    for (uint32_t i = 0; i < rt->ngstatus; i++) free(rt->gstatus[i]);
    free(rt->wait_reasons);
    free(rt->gstatus);
    free(rt);
}

const char *gmd_goruntime_go_version(const gmd_goruntime *rt) { return rt->version; }
const char *gmd_goruntime_layout_source(const gmd_goruntime *rt) { return rt->layout_source; }

/* ------------------------------------------------------------- goroutines */

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* The runtime's showframe at GOTRACEBACK=single/all: runtime internals and
 * compiler-made wrappers are hidden; exported runtime functions are shown. */
static bool is_go_wrapper(const char *fn)
{
    /* The closures the compiler makes for `go f(x)` statements. */
    const char *w = strstr(fn, ".gowrap");
    if (!w) return false;
    for (w += 7; *w; w++)
        if (*w < '0' || *w > '9') return false;
    return true;
}

static bool frame_shown(const char *fn, const char *file, bool first)
{
    if (!strchr(fn, '.')) return false;
    if (!first && ((file && !strcmp(file, "<autogenerated>")) || is_go_wrapper(fn))) return false;
    if (!first && !strcmp(fn, "runtime.gopanic")) return true;
    if (has_prefix(fn, "runtime.")) {
        char c = fn[8];
        return c >= 'A' && c <= 'Z';
    }
    return true;
}

/* Go's isSystemGoroutine for tracebacks: goroutines started in the runtime
 * (but runtime.main and friends) are its own and not shown. */
static int8_t system_kind(const char *n)
{
    if (!strcmp(n, "runtime.main") || !strcmp(n, "runtime.corostart") || !strcmp(n, "runtime.handleAsyncEvent"))
        return 0;
    /* The finalizer and cleanup goroutines count when they run user code. */
    if (!strcmp(n, "runtime.runfinq") || !strcmp(n, "runtime.runFinalizers") || !strcmp(n, "runtime.runCleanups") ||
        !strcmp(n, "runtime.runFinalizersAndCleanups"))
        return 2;
    return has_prefix(n, "runtime.") ? 1 : 0;
}

/* Per start PC and per `go` statement PC: whether the goroutine is the
 * runtime's own, and the creator as this profile's interned strings. */
typedef struct siteinfo {
    int8_t system;           /* 0 no, 1 yes, 2 only when waiting (finalizer/cleanup goroutines) */
    bool shown;              /* the creator is a shown frame */
    const char *creator, *file; /* gobin strings */
    int64_t line;
    uint32_t gen;
    const char *icreator, *ifile; /* interned in the profile of generation gen */
} siteinfo;

typedef struct pcinfo {
    bool is_go;
    gmd_gofunc f;
    int64_t sp_delta;
    uint32_t loc;            /* builder location, GMD_NONE when every frame is hidden */
    uint32_t gen;            /* rt->gen when loc was made */
} pcinfo;

typedef struct frame_buf {
    gmd_line *lines; size_t nlines, caplines;
    uint32_t *locs; size_t nlocs, caplocs;
} frame_buf;

/* One physical frame at runtime pc: its shown logical frames as a location. */
static uint32_t make_location(gmd_goruntime *rt, gmd_builder *b, frame_buf *fb, uint64_t pc, bool retaddr,
                              bool first, bool filter)
{
    gmd_goframe fr[MAX_INLINE];
    int n = gmd_gobin_frames(rt->t->bin, pc - rt->t->bias, retaddr, fr, MAX_INLINE);
    if (n <= 0) return GMD_NONE;
    fb->nlines = 0;
    for (int i = 0; i < n; i++) {
        if (filter && !frame_shown(fr[i].function, fr[i].file, first && i == 0)) continue;
        uint32_t fn = gmd_builder_function(b, fr[i].function, fr[i].function, fr[i].file, fr[i].start_line);
        gmd_line l = {fn, fr[i].line, 0};
        GMD_VEC_PUSH(fb->lines, fb->nlines, fb->caplines, l);
    }
    if (!fb->nlines) return GMD_NONE;
    uint64_t addr = retaddr && pc ? pc - 1 : pc;
    return gmd_builder_location(b, rt->heap_mapping, addr, fb->lines, (uint32_t)fb->nlines);
}

static bool add_location(gmd_goruntime *rt, gmd_builder *b, frame_buf *fb, uint64_t pc, bool retaddr,
                         bool first, bool filter)
{
    uint32_t loc = make_location(rt, b, fb, pc, retaddr, first, filter);
    if (loc != GMD_NONE) GMD_VEC_PUSH(fb->locs, fb->nlocs, fb->caplocs, loc);
    return true;
}

static siteinfo *site_info(gmd_goruntime *rt, uint64_t pc, bool is_gopc)
{
    uint64_t key = gmd_mix64(pc) ^ (is_gopc ? 0x4000000000000000ull : 0);
    uint32_t i = gmd_u64map_get(&rt->sitemap, key);
    if (i != UINT32_MAX) return &rt->sites[i];
    GMD_VEC_RESERVE1(rt->sites, rt->nsites, rt->capsites);
    i = rt->nsites++;
    siteinfo *si = &rt->sites[i];
    memset(si, 0, sizeof *si);
    si->creator = si->file = "";
    si->gen = rt->gen - 1;
    gmd_gofunc f;
    if (gmd_gobin_func(rt->t->bin, pc - rt->t->bias, &f)) {
        si->system = system_kind(f.name);
        if (is_gopc && frame_shown(f.name, NULL, false)) {
            gmd_goframe fr[MAX_INLINE];
            int k = gmd_gobin_frames(rt->t->bin, pc - rt->t->bias, true, fr, MAX_INLINE);
            si->shown = true;
            si->creator = f.name;
            if (k > 0) si->file = fr[0].file, si->line = fr[0].line;
        }
    }
    gmd_u64map_put(&rt->sitemap, key, i);
    return si;
}

static bool is_system(gmd_goruntime *rt, uint64_t startpc, bool waiting)
{
    siteinfo *si = site_info(rt, startpc, false);
    return si->system == 1 || (si->system == 2 && waiting);
}

/* The cached facts about a stack PC (the innermost frame is filtered a
 * little differently, so it has its own entry). */
static const pcinfo *pc_info(gmd_goruntime *rt, gmd_builder *b, frame_buf *fb, uint64_t pc, bool first)
{
    uint64_t key = gmd_mix64(pc) ^ (first ? 0x8000000000000000ull : 0);
    uint32_t i = gmd_u64map_get(&rt->pcmap, key);
    if (i == UINT32_MAX) {
        GMD_VEC_RESERVE1(rt->pcs, rt->npcs, rt->cappcs);
        i = rt->npcs++;
        pcinfo *pi = &rt->pcs[i];
        memset(pi, 0, sizeof *pi);
        pi->is_go = gmd_gobin_func(rt->t->bin, pc - rt->t->bias, &pi->f);
        pi->sp_delta = pi->is_go ? gmd_gobin_sp_delta(rt->t->bin, pc - rt->t->bias) : -1;
        pi->gen = rt->gen - 1;
        gmd_u64map_put(&rt->pcmap, key, i);
    }
    pcinfo *pi = &rt->pcs[i];
    if (pi->is_go && !pi->f.top_frame && pi->gen != rt->gen) {
        pi->loc = make_location(rt, b, fb, pc, pc - rt->t->bias > pi->f.entry, first, true);
        pi->gen = rt->gen;
    }
    return pi;
}

/* Unwind a stopped goroutine from its saved pc/sp with the pclntab's SP
 * deltas, as the runtime's own unwinder does (frame pointers are not needed,
 * and frameless leaf functions unwind right), over its stack already read:
 * stack holds [base, base + len). false when the walk stopped early. */
#define STACK_READ_MAX (256u << 10)

static bool unwind(gmd_goruntime *rt, gmd_builder *b, frame_buf *fb, uint64_t pc, uint64_t sp,
                   const uint8_t *stack, uint64_t base, uint64_t len, bool exact_pc)
{
    uint64_t end = base + len;
    for (int depth = 0; depth < MAX_FRAMES; depth++) {
        const pcinfo *pi = pc_info(rt, b, fb, pc, depth == 0);
        if (!pi->is_go) return false;
        if (pi->f.top_frame) return true;
        if (depth == 0 && exact_pc) {
            /* A thread's own PC is where it was, not a return address. */
            add_location(rt, b, fb, pc, false, true, true);
        } else if (pi->loc != GMD_NONE) {
            GMD_VEC_PUSH(fb->locs, fb->nlocs, fb->caplocs, pi->loc);
        }
        int64_t d = pi->sp_delta;
        if (d < 0 || pi->f.sp_write) return false;
        uint64_t cfa = sp + (uint64_t)d + 8;
        if (cfa <= sp || cfa > end || cfa - 8 < base) return false;
        memcpy(&pc, stack + (cfa - 8 - base), 8);
        sp = cfa;
    }
    return false;
}

static const char *state_of(gmd_goruntime *rt, uint32_t status, uint8_t reason)
{
    if ((int)status == rt->st_waiting && reason != 0 && reason < rt->nwait_reasons && rt->wait_reasons[reason][0])
        return rt->wait_reasons[reason];
    if (status < rt->ngstatus && rt->gstatus[status][0]) return rt->gstatus[status];
    return "???";
}

/* The target's monotonic clock now (runtime.nanotime's), for wait times. A
 * live process shares ours; a core's "now" is unknown, so 0 = none. */
static int64_t target_nanotime(gmd_goruntime *rt)
{
    if (gmd_memsrc_is_live(rt->t->mem)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    /* A core's moment: the runtime noted the last GC on both clocks, and
     * the core file was written at its mtime; place that on the target's
     * monotonic clock. Unknown (0) without a GC or the file's time. */
    const char *path = strncmp(rt->t->name, "core:", 5) ? NULL : rt->t->name + 5;
    struct stat sb;
    if (!path || !rt->sym[SYM_MEMSTATS] || stat(path, &sb) != 0) return 0;
    uint64_t unix_ns, mono_ns;
    gmd_err e;
    if (gmd_target_read_u64(rt->t, rt->sym[SYM_MEMSTATS] + (uint64_t)rt->off[GL_MS_LAST_GC_UNIX], &unix_ns, &e) < 0 ||
        gmd_target_read_u64(rt->t, rt->sym[SYM_MEMSTATS] + (uint64_t)rt->off[GL_MS_LAST_GC_NANOTIME], &mono_ns, &e) < 0 ||
        !unix_ns || !mono_ns || unix_ns > INT64_MAX || mono_ns > INT64_MAX)
        return 0;
    int64_t written = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (written < (int64_t)unix_ns) return 0;
    /* Both clocks come from the core's bytes: a damaged core must not overflow. */
    int64_t since_gc = written - (int64_t)unix_ns;
    if ((int64_t)mono_ns > INT64_MAX - since_gc) return 0;
    return (int64_t)mono_ns + since_gc;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct gr_ctx {
    gmd_goruntime *rt;
    gmd_profile *p;
    gmd_goroutine_read_stats *st;
    gmd_builder *b;
    frame_buf fb;
    gmd_goroutine *gs; size_t ngs, capgs;
    const char *state_key, *wait_key, *minutes;
    const char *last_state_raw, *last_state;   /* interning the same state over and over costs */
    int64_t now;
    size_t gsize;
    uint8_t *one_stack; size_t one_cap;       /* for process_single */
} gr_ctx;

/* Where a running goroutine of a core was: its thread's registers when the
 * thread was on the goroutine's own stack, else the state it saved when it
 * switched to the system stack (systemstack sets g.sched; the scheduler's
 * gogo clears it, so a set sched.sp on a running g is that switch: a panic
 * dying in fatalpanic, a crash). false for a live process: its registers
 * change under us and only a stop could read them. */
static bool running_at(gmd_goruntime *rt, const uint8_t *g, uint64_t *pc, uint64_t *sp, bool *exact)
{
    const int64_t *o = rt->off;
    if (gmd_memsrc_is_live(rt->t->mem)) return false;
    int64_t goid = (int64_t)u64at(g, o[GL_G_GOID]);
    for (size_t i = 0; i < rt->nruns; i++)
        if (rt->runs[i].goid == goid) {
            *pc = rt->runs[i].pc, *sp = rt->runs[i].sp, *exact = true;
            return true;
        }
    *sp = u64at(g, o[GL_G_SCHED_SP]);
    *pc = u64at(g, o[GL_G_SCHED_PC]);
    *exact = false;
    return *sp && *pc;
}

/* A thread that died in a signal handler (a crash: the runtime raises
 * SIGABRT again from its handler, on the signal stack, with the goroutine
 * still in TLS): unwind the handler's frames up to runtime.sigtramp, which
 * the kernel called; its return address is the kernel's signal frame
 * (amd64 rt_sigframe: the restorer's address (Go's or libc's), then the
 * ucontext, whose uc_mcontext at 40 holds r8..r15, rdi, rsi, rbp, rbx,
 * rdx, rax, rcx, rsp, rip): the interrupted PC and SP are there. */
static bool signal_context(gmd_goruntime *rt, uint64_t *pc, uint64_t *sp)
{
    uint64_t p = *pc, s = *sp;
    for (int depth = 0; depth < 32; depth++) {
        gmd_gofunc f;
        if (!gmd_gobin_func(rt->t->bin, p - rt->t->bias, &f)) return false;
        int64_t d = gmd_gobin_sp_delta(rt->t->bin, p - rt->t->bias);
        if (d < 0 || d > (1 << 20)) return false;
        uint64_t cfa = s + (uint64_t)d + 8;
        gmd_err e;
        if (!strcmp(f.name, "runtime.sigtramp")) {
            uint64_t regs[2];
            if (gmd_target_read(rt->t, cfa + 40 + 15 * 8, regs, 16, &e) < 0) return false;
            *sp = regs[0];
            *pc = regs[1];
            return true;
        }
        if (f.top_frame || gmd_target_read_u64(rt->t, cfa - 8, &p, &e) < 0) return false;
        s = cfa;
    }
    return false;
}

/* A core's threads to the goroutines they ran. Go keeps the running g in
 * the thread's TLS, at -8(FS) on linux/amd64; a thread on its g0 or signal
 * stack holds a runtime g (goid 0) and is left out. The slot is only
 * believed when the g it names is running and the thread's SP lies in that
 * g's stack. */
static void core_threads(gmd_goruntime *rt, size_t gsize)
{
    free(rt->runs);
    rt->runs = NULL;
    rt->nruns = 0;
    rt->panic_goid = 0;
    rt->panic_ptr = 0;
    rt->panic_running = false;
    if (gmd_memsrc_is_live(rt->t->mem)) return;
    const gmd_thread_regs *th;
    size_t n = gmd_memsrc_threads(rt->t->mem, &th);
    const int64_t *o = rt->off;
    uint8_t g[4096];
    if (!n || gsize > sizeof g) return;
    rt->runs = gmd_xcalloc(n, sizeof *rt->runs);
    for (size_t i = 0; i < n; i++) {
        uint64_t gaddr;
        gmd_err e;
        if (!th[i].has_regs || th[i].fs_base < 8 || gmd_target_read_u64(rt->t, th[i].fs_base - 8, &gaddr, &e) < 0 ||
            !gaddr || gmd_target_read(rt->t, gaddr, g, gsize, &e) < 0)
            continue;
        int64_t goid = (int64_t)u64at(g, o[GL_G_GOID]);
        uint32_t status = u32at(g, o[GL_G_STATUS]) & ~0x1000u;
        uint64_t lo = u64at(g, o[GL_G_STACK_LO]), hi = u64at(g, o[GL_G_STACK_HI]);
        if (goid <= 0 || (int)status != rt->st_running) continue;
        uint64_t pc = th[i].pc, sp = th[i].sp;
        if ((sp < lo || sp >= hi) && !signal_context(rt, &pc, &sp)) continue;
        if (sp < lo || sp >= hi) continue;
        rt->runs[rt->nruns++] = (struct run_regs){goid, pc, sp};
    }
}

/* The part of a goroutine's stack its unwinding needs: [sp, hi), at most
 * STACK_READ_MAX; none for dead or malformed records, nor for running ones
 * but in a core. */
static void stack_range(gmd_goruntime *rt, const uint8_t *g, uint64_t *addr, size_t *len)
{
    const int64_t *o = rt->off;
    uint32_t status = u32at(g, o[GL_G_STATUS]) & ~0x1000u;
    *addr = 0;
    *len = 0;
    if ((int)status == rt->st_dead || (int)status == rt->st_idle || (int)status == rt->st_deadextra ||
        (int)status == rt->st_copystack || status >= rt->ngstatus)
        return;
    bool sys = (int)status == rt->st_syscall;
    uint64_t sp = u64at(g, sys ? o[GL_G_SYSCALLSP] : o[GL_G_SCHED_SP]);
    if ((int)status == rt->st_running) {
        uint64_t pc;
        bool exact;
        if (!running_at(rt, g, &pc, &sp, &exact)) return;
    }
    uint64_t lo = u64at(g, o[GL_G_STACK_LO]), hi = u64at(g, o[GL_G_STACK_HI]);
    if (hi <= lo || hi - lo > (1ull << 30) || sp < lo || sp >= hi) return;
    *addr = sp;
    *len = hi - sp > STACK_READ_MAX ? STACK_READ_MAX : (size_t)(hi - sp);
}

/* One goroutine from its record g, the same record read again after its
 * stack (g2), and that stack. 0 when done (counted or skipped), -1 when the
 * record changed while it was read. */
static int process_record(gr_ctx *c, const uint8_t *g, const uint8_t *g2, const uint8_t *stack, uint64_t stack_base,
                          size_t stack_len)
{
    gmd_goruntime *rt = c->rt;
    gmd_profile *p = c->p;
    const int64_t *o = rt->off;
    if (u32at(g2, o[GL_G_STATUS]) != u32at(g, o[GL_G_STATUS]) || u64at(g2, o[GL_G_GOID]) != u64at(g, o[GL_G_GOID]) ||
        u64at(g2, o[GL_G_SCHED_SP]) != u64at(g, o[GL_G_SCHED_SP]))
        return -1;
    uint32_t status = u32at(g, o[GL_G_STATUS]) & ~0x1000u;   /* drop the GC's scan bit */
    if ((int)status == rt->st_dead || (int)status == rt->st_idle || (int)status == rt->st_deadextra) {
        c->st->dead++;
        return 0;
    }
    if (status >= rt->ngstatus) return -1;
    uint64_t startpc = u64at(g, o[GL_G_STARTPC]);
    bool waiting = (int)status == rt->st_waiting;
    if (is_system(rt, startpc, waiting)) {
        c->st->system++;
        return 0;
    }
    gmd_goroutine go;
    memset(&go, 0, sizeof go);
    go.id = (int64_t)u64at(g, o[GL_G_GOID]);
    uint8_t reason = g[o[GL_G_WAITREASON]];
    const char *state = state_of(rt, status, reason);
    if (state != c->last_state_raw) {
        c->last_state_raw = state;
        c->last_state = gmd_intern_str(&p->strings, state);
    }
    go.state = c->last_state;
    go.wait_minutes = -1;
    int64_t since = (int64_t)u64at(g, o[GL_G_WAITSINCE]);
    if (waiting && since > 0 && c->now > since && (c->now - since) / 60000000000LL >= 1)
        go.wait_minutes = (c->now - since) / 60000000000LL;
    go.locked_to_thread = u64at(g, o[GL_G_LOCKEDM]) != 0;
    go.parent_id = o[GL_G_PARENTGOID] >= 0 ? (int64_t)u64at(g, o[GL_G_PARENTGOID]) : -1;
    if (go.parent_id == 0) go.parent_id = -1;
    go.created_by = go.created_file = "";
    uint64_t gopc = u64at(g, o[GL_G_GOPC]);
    if (gopc && go.id != 1) {
        siteinfo *si = site_info(rt, gopc, true);
        if (si->shown) {
            if (si->gen != rt->gen) {
                si->icreator = gmd_intern_str(&p->strings, si->creator);
                si->ifile = gmd_intern_str(&p->strings, si->file);
                si->gen = rt->gen;
            }
            go.created_by = si->icreator;
            go.created_file = si->ifile;
            go.created_line = si->line;
        }
    }
    bool running = (int)status == rt->st_running || (int)status == rt->st_copystack;
    if (o[GL_G_PANIC] >= 0 && !gmd_memsrc_is_live(rt->t->mem)) {
        /* The panicking goroutine; a running one over one parked in a deferred call. */
        uint64_t pp = u64at(g, o[GL_G_PANIC]);
        if (pp && (!rt->panic_goid || (running && !rt->panic_running))) {
            rt->panic_goid = go.id;
            rt->panic_ptr = pp;
            rt->panic_running = running;
        }
    }
    c->fb.nlocs = 0;
    bool cut = false;
    uint64_t rpc = 0, rsp = 0;
    bool exact = false;
    if (running && stack && stack_len && running_at(rt, g, &rpc, &rsp, &exact) && rsp == stack_base) {
        /* A core's running goroutine (see running_at). */
        c->st->running++;
        c->st->running_stacks++;
        cut = !unwind(rt, c->b, &c->fb, rpc, stack_base, stack, stack_base, stack_len, exact);
        if (!c->fb.nlocs) add_location(rt, c->b, &c->fb, startpc, false, true, false);
    } else if (running) {
        /* Its registers are live on a CPU: reading them needs a stop.
         * Show where it started so it still groups somewhere. */
        c->st->running++;
        add_location(rt, c->b, &c->fb, startpc, false, true, false);
    } else if (!stack || !stack_len) {
        cut = true;
    } else {
        bool sys = (int)status == rt->st_syscall;
        uint64_t pc = u64at(g, sys ? o[GL_G_SYSCALLPC] : o[GL_G_SCHED_PC]);
        cut = !unwind(rt, c->b, &c->fb, pc, stack_base, stack, stack_base, stack_len, false);
    }
    if (cut) c->st->stacks_cut++;
    gmd_label labs[2] = {{c->state_key, go.state, 0, ""}, {c->wait_key, "", go.wait_minutes, c->minutes}};
    int64_t one = 1;
    go.sample = gmd_builder_sample(c->b, c->fb.locs, (uint32_t)c->fb.nlocs, &one, labs, go.wait_minutes >= 0 ? 2 : 1,
                                   false);
    GMD_VEC_PUSH(c->gs, c->ngs, c->capgs, go);
    c->st->user++;
    return 0;
}

/* The same for one goroutine read on its own (a retry). */
static int process_single(gr_ctx *c, uint64_t gaddr)
{
    gmd_err e;
    uint8_t g[4096], g2[4096];
    if (c->gsize > sizeof g || gmd_target_read(c->rt->t, gaddr, g, c->gsize, &e) < 0) return -1;
    uint64_t sa;
    size_t sl;
    stack_range(c->rt, g, &sa, &sl);
    if (sl) {
        if (sl > c->one_cap) {
            free(c->one_stack);
            c->one_cap = STACK_READ_MAX;
            c->one_stack = gmd_xmalloc(c->one_cap);
        }
        if (gmd_target_read(c->rt->t, sa, c->one_stack, sl, &e) < 0) return -1;
    }
    if (gmd_target_read(c->rt->t, gaddr, g2, c->gsize, &e) < 0) return -1;
    return process_record(c, g, g2, sl ? c->one_stack : NULL, sa, sl);
}

gmd_profile *gmd_goruntime_goroutines(gmd_goruntime *rt, gmd_goroutine_read_stats *st, gmd_err *err)
{
    gmd_goroutine_read_stats local;
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    double t0 = now_sec();
    gmd_target *t = rt->t;
    const int64_t *o = rt->off;

    /* allglen is published after the array grows, so read it first. */
    uint64_t n = 0, arr[3];
    if ((rt->sym[SYM_ALLGLEN] && gmd_target_read_u64(t, rt->sym[SYM_ALLGLEN], &n, err) < 0) ||
        rd(rt, rt->sym[SYM_ALLGS], arr, 24, err) < 0) {
        gmd_err_set_source(err, t->name);
        return NULL;
    }
    if (!rt->sym[SYM_ALLGLEN]) n = arr[1];
    if (n > MAX_GOROUTINES || n > arr[1] || arr[1] > arr[2]) {
        gmd_errf(err, "runtime.allgs does not check out (len %llu, allglen %llu, cap %llu): "
                 "is the binary the process's?", (unsigned long long)arr[1], (unsigned long long)n,
                 (unsigned long long)arr[2]);
        gmd_err_set_source(err, t->name);
        return NULL;
    }
    uint64_t *gptrs = gmd_xmalloc((n ? n : 1) * 8);
    if (n && rd(rt, arr[0], gptrs, n * 8, err) < 0) {
        free(gptrs);
        gmd_err_set_source(err, t->name);
        return NULL;
    }
    st->total = (uint32_t)n;

    gmd_profile *p = gmd_profile_new();
    p->format = GMD_FMT_MEMORY_GOROUTINES;
    const char *goroutine = gmd_intern_str(&p->strings, "goroutine"), *count = gmd_intern_str(&p->strings, "count");
    p->nsample_types = 1;
    p->sample_types = gmd_arena_alloc(&p->arena, sizeof *p->sample_types);
    p->sample_types[0].type = goroutine;
    p->sample_types[0].unit = count;
    p->period_type = p->sample_types[0];
    p->period = 1;
    p->default_sample_type = -1;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    p->time_nanos = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec;

    gr_ctx c;
    memset(&c, 0, sizeof c);
    c.rt = rt;
    c.p = p;
    c.st = st;
    c.state_key = gmd_intern_str(&p->strings, "state");
    c.wait_key = gmd_intern_str(&p->strings, "wait_minutes");
    c.minutes = gmd_intern_str(&p->strings, "minutes");
    c.b = gmd_builder_new(p);
    rt->gen++;   /* locations and strings cached for an earlier profile are not this one's */
    c.now = target_nanotime(rt);
    size_t gsize = (size_t)o[GL_G_SIZE];
    if (gsize < 64 || gsize > 4096) gsize = 512;
    c.gsize = gsize;
    core_threads(rt, gsize);

    /* In batches: every g record of the batch in one go, then every stack
     * the batch needs, then the records again to see which changed while
     * read. A live process is read with a few system calls per batch, not
     * three per goroutine. */
    enum { BATCH = 256 };
    uint8_t *gbuf = gmd_xmalloc(BATCH * gsize), *g2buf = gmd_xmalloc(BATCH * gsize);
    uint64_t addrs[BATCH], saddrs[BATCH];
    size_t lens[BATCH], slens[BATCH];
    uint8_t *bufs[BATCH], *g2bufs[BATCH], *sbufs[BATCH];
    bool ok1[BATCH], ok2[BATCH], oks[BATCH];
    uint8_t *stackbuf = NULL;
    size_t capstack = 0;
    for (uint64_t c0 = 0; c0 < n; c0 += BATCH) {
        size_t cn = n - c0 < BATCH ? (size_t)(n - c0) : BATCH;
        for (size_t k = 0; k < cn; k++) {
            addrs[k] = gptrs[c0 + k];
            lens[k] = gsize;
            bufs[k] = gbuf + k * gsize;
            g2bufs[k] = g2buf + k * gsize;
        }
        gmd_memsrc_read_many(t->mem, addrs, lens, bufs, cn, ok1);
        size_t total = 0;
        for (size_t k = 0; k < cn; k++) {
            slens[k] = 0;
            saddrs[k] = 0;
            if (ok1[k]) stack_range(rt, bufs[k], &saddrs[k], &slens[k]);
            total += slens[k];
        }
        if (total > capstack) {
            free(stackbuf);
            capstack = total;
            stackbuf = gmd_xmalloc(capstack);
        }
        size_t at = 0, ns = 0;
        uint64_t sa[BATCH];
        size_t sl[BATCH];
        uint8_t *sb[BATCH];
        size_t which[BATCH];
        for (size_t k = 0; k < cn; k++) {
            sbufs[k] = NULL;
            oks[k] = false;
            if (!slens[k]) continue;
            sbufs[k] = stackbuf + at;
            at += slens[k];
            sa[ns] = saddrs[k], sl[ns] = slens[k], sb[ns] = sbufs[k], which[ns] = k;
            ns++;
        }
        bool okb[BATCH];
        if (ns) gmd_memsrc_read_many(t->mem, sa, sl, sb, ns, okb);
        for (size_t j = 0; j < ns; j++) oks[which[j]] = okb[j];
        gmd_memsrc_read_many(t->mem, addrs, lens, g2bufs, cn, ok2);
        for (size_t k = 0; k < cn; k++) {
            int r = -1;
            if (ok1[k] && ok2[k] && (!slens[k] || oks[k]))
                r = process_record(&c, bufs[k], g2bufs[k], sbufs[k], saddrs[k], slens[k]);
            /* Changed while read, or a read failed: once more, alone. */
            if (r < 0) r = process_single(&c, gptrs[c0 + k]);
            if (r < 0) st->torn++;
        }
    }
    free(gbuf);
    free(g2buf);
    free(stackbuf);
    gmd_builder_finish(c.b);
    free(gptrs);
    free(c.fb.lines);
    free(c.fb.locs);
    free(c.one_stack);
    if (c.ngs) {
        p->goroutines = gmd_arena_memdup(&p->arena, c.gs, c.ngs * sizeof *c.gs);
        p->ngoroutines = (uint32_t)c.ngs;
    }
    free(c.gs);
    /* A core says why it was written, as a traceback text would. */
    gmd_gocrash cr;
    if (gmd_goruntime_crash(rt, &cr) && (cr.has_signal || cr.panic_goid)) {
        char why[640];
        if (cr.panic_goid && cr.panic[0]) snprintf(why, sizeof why, "panic: %s", cr.panic);
        else if (cr.panic_goid) snprintf(why, sizeof why, "panic (its value could not be read)");
        else snprintf(why, sizeof why, "%s", cr.signal);
        p->traceback.reason = gmd_intern_str(&p->strings, why);
        p->traceback.goroutine = cr.panic_goid ? cr.panic_goid : -1;
    }
    st->read_seconds = now_sec() - t0;
    return p;
}

/* ------------------------------------------------------------------- heap */

int64_t gmd_goruntime_memprofile_rate(gmd_goruntime *rt)
{
    gmd_err e;
    uint64_t v;
    if (!rt->sym[SYM_MEMPROFILERATE] || gmd_target_read_u64(rt->t, rt->sym[SYM_MEMPROFILERATE], &v, &e) < 0)
        return -1;
    return (int64_t)v;
}

typedef struct heap_bucket {
    uint64_t *stk;
    uint32_t nstk;
    uint64_t active[4], future[3][4];   /* memRecordCycle: allocs, frees, alloc_bytes, free_bytes */
} heap_bucket;

/* pprof's scaleHeapSample: a sample of average size s at rate R stands for
 * 1 / (1 - exp(-s/R)) allocations. */
static int64_t to_i64(double v)
{
    /* A corrupt or torn record can make the scale absurd: clamp, never convert out of range. */
    if (!(v >= 0)) return 0;
    if (v >= 9.2e18) return INT64_MAX;
    return (int64_t)v;
}

static void scale(int64_t count, int64_t size, int64_t rate, int64_t *c, int64_t *s)
{
    if (count <= 0 || size <= 0) { *c = *s = 0; return; }
    if (rate <= 1) { *c = count; *s = size; return; }
    double avg = (double)size / (double)count;
    double k = 1.0 / (1.0 - exp(-avg / (double)rate));
    *c = to_i64((double)count * k);
    *s = to_i64((double)size * k);
}

static bool is_runtime_name(const char *n)
{
    return has_prefix(n, "runtime.") || has_prefix(n, "internal/runtime/");
}

/* One heap stack as locations, the way pprof's appendLocsForStack does it:
 * the stack holds a "return PC" per logical frame, so the PCs of the frames
 * inlined into one physical frame become one location with several lines. */
/* What a heap stack PC turns into, looked up once per PC (10,000 buckets
 * share a few hundred PCs). */
typedef struct heappc {
    int nframes;             /* logical frames at pc-1; 0 = not Go code */
    bool runtime_leaf;       /* the innermost frame is the runtime's (hidden on top) */
    bool top_frame;          /* runtime.goexit */
    uint64_t phys_entry;     /* the physical function's entry; 0 when unknown */
    uint32_t loc;            /* the current builder's location */
    uint32_t gen;
} heappc;

static heappc *heap_pc(gmd_goruntime *rt, gmd_builder *b, frame_buf *fb, uint64_t pc)
{
    uint32_t i = gmd_u64map_get(&rt->hpcmap, pc);
    if (i == UINT32_MAX) {
        GMD_VEC_RESERVE1(rt->hpcs, rt->nhpcs, rt->caphpcs);
        i = rt->nhpcs++;
        heappc *h = &rt->hpcs[i];
        memset(h, 0, sizeof *h);
        gmd_goframe fr[MAX_INLINE];
        h->nframes = gmd_gobin_frames(rt->t->bin, pc - rt->t->bias, true, fr, MAX_INLINE);
        if (h->nframes < 0) h->nframes = 0;
        h->runtime_leaf = h->nframes > 0 && is_runtime_name(fr[0].function);
        gmd_gofunc phys;
        if (gmd_gobin_func(rt->t->bin, pc - 1 - rt->t->bias, &phys)) {
            h->phys_entry = phys.entry;
            h->top_frame = phys.top_frame;
        }
        h->gen = rt->gen - 1;
        gmd_u64map_put(&rt->hpcmap, pc, i);
    }
    heappc *h = &rt->hpcs[i];
    if (h->nframes > 0 && h->gen != rt->gen) {
        h->loc = make_location(rt, b, fb, pc, true, false, false);
        h->gen = rt->gen;
    }
    return h;
}

static void heap_stack(gmd_goruntime *rt, gmd_builder *b, frame_buf *fb, const uint64_t *stk, uint32_t nstk)
{
    fb->nlocs = 0;
    uint32_t start = 0;
    /* Runtime frames on top of the first non-runtime one are hidden, unless
     * nothing else is left. */
    for (uint32_t i = 0; i < nstk; i++) {
        if (heap_pc(rt, b, fb, stk[i])->runtime_leaf) continue;
        start = i;
        break;
    }
    for (uint32_t i = start; i < nstk;) {
        /* A copy: looking up the next PCs may move the cache. */
        const heappc h = *heap_pc(rt, b, fb, stk[i]);
        if (h.nframes <= 0 || h.top_frame) { i++; continue; }   /* runtime.goexit: pprof leaves it out */
        if (h.loc != GMD_NONE) GMD_VEC_PUSH(fb->locs, fb->nlocs, fb->caplocs, h.loc);
        i++;
        /* Skip the logical PCs of the callers inlined in the same physical frame. */
        for (int left = h.nframes - 1; left > 0 && i < nstk && h.phys_entry; left--) {
            if (heap_pc(rt, b, fb, stk[i])->phys_entry != h.phys_entry) break;
            i++;
        }
    }
}

gmd_profile *gmd_goruntime_heap(gmd_goruntime *rt, gmd_err *err)
{
    gmd_target *t = rt->t;
    const int64_t *o = rt->off;
    if (!rt->sym[SYM_MBUCKETS] || !rt->sym[SYM_MEMPROFILERATE]) {
        gmd_errf(err, "%s has no runtime.mbuckets: cannot read its heap profile", gmd_gobin_path(t->bin));
        gmd_err_set_source(err, t->name);
        return NULL;
    }
    uint8_t disabled = 0;
    if (rt->sym[SYM_DISABLEMEMPROF] && rd(rt, rt->sym[SYM_DISABLEMEMPROF], &disabled, 1, err) == 0 && disabled) {
        gmd_errf(err, "heap profiling is compiled out of %s: nothing in it uses runtime.MemProfile, so the linker "
                 "turned it off (import _ \"net/http/pprof\" or runtime/pprof and use it, or read goroutines and "
                 "memory statistics only)", gmd_gobin_path(t->bin));
        gmd_err_set_source(err, t->name);
        return NULL;
    }
    int64_t rate = gmd_goruntime_memprofile_rate(rt);
    if (rate == 0 && rt->found_by_shape) {
        /* No runtime.disableMemoryProfiling symbol to ask; the runtime zeroes
         * MemProfileRate at start when the linker set it. */
        gmd_errf(err, "heap profiling is off in %s (runtime.MemProfileRate is 0): in a stripped binary that means it "
                 "was compiled out, as nothing in it uses runtime.MemProfile (import _ \"net/http/pprof\" or "
                 "runtime/pprof and use it), or that the program turned it off; goroutines and memory statistics "
                 "are still read", gmd_gobin_path(t->bin));
        gmd_err_set_source(err, t->name);
        return NULL;
    }
    uint64_t head;
    uint32_t cycleword = 0;
    if (rate < 0 || gmd_target_read_u64(t, rt->sym[SYM_MBUCKETS], &head, err) < 0 ||
        (rt->sym[SYM_MPROFCYCLE] && gmd_target_read_u32(t, rt->sym[SYM_MPROFCYCLE], &cycleword, err) < 0)) {
        gmd_err_set_source(err, t->name);
        return NULL;
    }
    uint32_t cycle_index = (cycleword >> 1) % 3;
    bool have_cycle = rt->sym[SYM_MPROFCYCLE] != 0;
    size_t hsize = (size_t)o[GL_BUCKET_SIZE], msize = (size_t)o[GL_MEMRECORD_SIZE];
    if (hsize < 48 || hsize > 256 || msize != 128) {
        gmd_errf(err, "runtime.bucket layout does not check out (header %zu, memRecord %zu bytes)", hsize, msize);
        gmd_err_set_source(err, t->name);
        return NULL;
    }

    heap_bucket *bs = NULL;
    size_t nb = 0, capb = 0;
    bool all_clear = true;
    uint64_t total_pcs = 0;
    uint8_t *buf = gmd_xmalloc(hsize + MAX_STACK_DEPTH * 8 + msize);
    for (uint64_t a = head; a; ) {
        if (nb >= MAX_BUCKETS) {
            gmd_errf(err, "runtime.mbuckets holds over %u buckets (a cycle?)", MAX_BUCKETS);
            goto fail;
        }
        /* Most stacks are short: read the header with room for 32 frames
         * and the record at once, and again only when that was not enough
         * or ran into unmapped memory. */
        size_t guess = hsize + 32 * 8 + msize;
        gmd_err e1;
        bool whole = rd(rt, a, buf, guess, &e1) == 0;
        if (!whole && rd(rt, a, buf, hsize, err) < 0) goto fail;
        uint64_t nstk = u64at(buf, o[GL_BUCKET_NSTK]), typ = u64at(buf, o[GL_BUCKET_TYP]);
        if (nstk > MAX_STACK_DEPTH || typ != 1) {
            gmd_errf(err, "heap profile bucket at 0x%llx does not check out (type %llu, %llu frames)",
                     (unsigned long long)a, (unsigned long long)typ, (unsigned long long)nstk);
            goto fail;
        }
        if ((!whole || nstk > 32) && rd(rt, a + hsize, buf + hsize, nstk * 8 + msize, err) < 0) goto fail;
        total_pcs += nstk;
        if (total_pcs > MAX_HEAP_PCS) {
            gmd_errf(err, "runtime.mbuckets holds over %u stack frames in all (corrupt?)", MAX_HEAP_PCS);
            goto fail;
        }
        heap_bucket hb;
        hb.nstk = (uint32_t)nstk;
        hb.stk = gmd_xmalloc((nstk ? nstk : 1) * 8);
        memcpy(hb.stk, buf + hsize, nstk * 8);
        /* memRecord: active, then future[3]; each {allocs, frees, alloc_bytes, free_bytes}. */
        const uint8_t *mr = buf + hsize + nstk * 8;
        uint64_t act[4], fut[3][4];
        for (int k = 0; k < 4; k++) act[k] = u64at(mr, 8 * k);
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 4; k++) fut[c][k] = u64at(mr, 32 + 32 * c + 8 * k);
        if (act[0] || act[1]) all_clear = false;
        for (int k = 0; k < 4; k++) hb.active[k] = act[k];
        memcpy(hb.future, fut, sizeof fut);
        GMD_VEC_PUSH(bs, nb, capb, hb);
        a = u64at(buf, o[GL_BUCKET_ALLNEXT]);
    }
    free(buf);
    goto build;
fail:
    free(buf);
    for (size_t i = 0; i < nb; i++) free(bs[i].stk);
    free(bs);
    gmd_err_set_source(err, t->name);
    return NULL;
build:;
    gmd_profile *p = gmd_profile_new_heap(rate);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    p->time_nanos = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec;
    const char *bytes_key = gmd_intern_str(&p->strings, "bytes");
    gmd_builder *b = gmd_builder_new(p);
    rt->gen++;
    frame_buf fb = {0};
    /* One mapping for the executable, as Go writes it (File: and Build ID: in reports). */
    gmd_mapping m;
    memset(&m, 0, sizeof m);
    m.id = 1;
    m.memory_limit = UINT64_MAX;
    const char *exe = gmd_memsrc_exe_path(t->mem);
    m.filename = exe && exe[0] ? exe : gmd_gobin_path(t->bin);
    m.build_id = gmd_gobin_build_id(t->bin);
    m.has_functions = m.has_filenames = m.has_line_numbers = m.has_inline_frames = true;
    rt->heap_mapping = gmd_builder_mapping(b, &m);
    for (size_t i = 0; i < nb; i++) {
        heap_bucket *hb = &bs[i];
        /* memProfileInternal first flushes the cycle being finished into the
         * published counts; with no GC yet (nothing published anywhere) it
         * takes every cycle. The same arithmetic, with nothing written. */
        uint64_t c[4];
        for (int k = 0; k < 4; k++) {
            /* Without mProfCycle (a stripped binary) the cycle in flight is
             * unknown: the published counts alone are as of the GC before. */
            c[k] = hb->active[k] + (have_cycle ? hb->future[cycle_index][k] : 0);
            if (all_clear)
                for (int f = 0; f < 3; f++)
                    if (f != (int)cycle_index) c[k] += hb->future[f][k];
        }
        int64_t v[4];
        scale((int64_t)c[0], (int64_t)c[2], rate, &v[0], &v[1]);
        /* A record torn by a concurrent flush could show more frees than allocations. */
        uint64_t live_n = c[0] > c[1] ? c[0] - c[1] : 0, live_b = c[2] > c[3] ? c[2] - c[3] : 0;
        scale((int64_t)live_n, (int64_t)live_b, rate, &v[2], &v[3]);
        heap_stack(rt, b, &fb, hb->stk, hb->nstk);
        int64_t block = c[0] ? (int64_t)(c[2] / c[0]) : 0;
        gmd_label lab = {bytes_key, "", block, ""};
        gmd_builder_sample(b, fb.locs, (uint32_t)fb.nlocs, v, block ? &lab : NULL, block ? 1 : 0, false);
        free(hb->stk);
    }
    gmd_builder_finish(b);
    rt->heap_mapping = GMD_NONE;
    free(bs);
    free(fb.lines);
    free(fb.locs);
    return p;
}

/* --------------------------------------------------------- memory statistics */

int gmd_goruntime_memstats(gmd_goruntime *rt, gmd_gomemstats *out, gmd_err *err)
{
    memset(out, 0, sizeof *out);
    gmd_target *t = rt->t;
    const int64_t *o = rt->off;
    if (rt->found_by_shape && (!rt->sym[SYM_MEMSTATS] || !rt->sym[SYM_GCCONTROLLER]))
        gmd_gofind_stats(t, o, &rt->sym[SYM_MEMSTATS], &rt->sym[SYM_GCCONTROLLER]);
    if (rt->found_by_shape && !rt->sym[SYM_MEMSTATS]) {
        gmd_errf(err, "%s is stripped and its runtime.memstats is found by its shape, which it has only after "
                 "the first GC: none has finished yet", gmd_gobin_path(t->bin));
        gmd_err_set_source(err, t->name);
        return -1;
    }
    if (!rt->sym[SYM_MEMSTATS] || !rt->sym[SYM_GCCONTROLLER]) {
        gmd_errf(err, "%s has no runtime.memstats / runtime.gcController symbols", gmd_gobin_path(t->bin));
        gmd_err_set_source(err, t->name);
        return -1;
    }
    size_t hsd = (size_t)o[GL_HSD_SIZE];
    size_t ms_len = 0;   /* up to the last field read (gmd_golayout_sane bounds them) */
    for (int i = GL_MS_STACKS_SYS; i <= GL_MS_LAST_GC_NANOTIME; i++)
        if ((size_t)o[i] + 8 > ms_len) ms_len = (size_t)o[i] + 8;
    if (hsd < 64 || hsd > 4096 || ms_len > (1u << 20) || (size_t)o[GL_MS_HEAPSTATS] + 3 * hsd > ms_len) {
        gmd_errf(err, "runtime.mstats layout does not check out");
        gmd_err_set_source(err, t->name);
        return -1;
    }
    uint8_t *ms = gmd_xmalloc(ms_len), gc[512];
    size_t gc_len = 0;
    for (int i = GL_GC_PERCENT; i <= GL_GC_PERCENTHEAPGOAL; i++)
        if ((size_t)o[i] + 8 > gc_len) gc_len = (size_t)o[i] + 8;
    if (gc_len > sizeof gc || rd(rt, rt->sym[SYM_MEMSTATS], ms, ms_len, err) < 0 ||
        rd(rt, rt->sym[SYM_GCCONTROLLER], gc, gc_len, err) < 0) {
        if (gc_len > sizeof gc) gmd_errf(err, "runtime.gcControllerState layout does not check out");
        free(ms);
        gmd_err_set_source(err, t->name);
        return -1;
    }
    /* consistentHeapStats: three delta generations; their sum is the total
     * (ReadMemStats merges them; reading without a stop, we add them up). */
    uint64_t in_stacks = 0, in_workbufs = 0, tiny = 0, large_alloc = 0, large_n = 0, large_free = 0, large_free_n = 0;
    uint64_t small_alloc[128] = {0}, small_free[128] = {0};
    int64_t nclasses = (o[GL_HSD_LARGEFREE] - o[GL_HSD_SMALLALLOCCOUNT]) / 8;
    if (nclasses < 0 || nclasses > 128) nclasses = 0;
    for (int gen = 0; gen < 3; gen++) {
        const uint8_t *d = ms + o[GL_MS_HEAPSTATS] + (size_t)gen * hsd;
        in_stacks += u64at(d, o[GL_HSD_INSTACKS]);
        in_workbufs += u64at(d, o[GL_HSD_INWORKBUFS]);
        tiny += u64at(d, o[GL_HSD_TINYALLOCCOUNT]);
        large_alloc += u64at(d, o[GL_HSD_LARGEALLOC]);
        large_n += u64at(d, o[GL_HSD_LARGEALLOCCOUNT]);
        large_free += u64at(d, o[GL_HSD_LARGEFREE]);
        large_free_n += u64at(d, o[GL_HSD_LARGEFREECOUNT]);
        for (int64_t c = 0; c < nclasses; c++) {
            small_alloc[c] += u64at(d, o[GL_HSD_SMALLALLOCCOUNT] + 8 * c);
            small_free[c] += u64at(d, o[GL_HSD_SMALLFREECOUNT] + 8 * c);
        }
    }
    uint16_t sizes[128] = {0};
    uint64_t nsz = rt->symsize[SYM_SIZECLASSES] / 2;
    if (nsz > 128) nsz = 128;
    gmd_err e;
    if (nsz && rd(rt, rt->sym[SYM_SIZECLASSES], sizes, nsz * 2, &e) < 0) nsz = 0;
    uint64_t total_alloc = large_alloc, total_free = large_free, nmalloc = large_n, nfree = large_free_n;
    for (int64_t c = 0; c < nclasses && (uint64_t)c < nsz; c++) {
        total_alloc += small_alloc[c] * sizes[c];
        total_free += small_free[c] * sizes[c];
        nmalloc += small_alloc[c];
        nfree += small_free[c];
    }
    nmalloc += tiny;
    nfree += tiny;
    out->heap_alloc = total_alloc > total_free ? total_alloc - total_free : 0;
    out->total_alloc = total_alloc;
    out->mallocs = nmalloc;
    out->frees = nfree;
    out->heap_inuse = u64at(gc, o[GL_GC_HEAPINUSE]);
    out->heap_free = u64at(gc, o[GL_GC_HEAPFREE]);
    out->heap_released = u64at(gc, o[GL_GC_HEAPRELEASED]);
    out->heap_sys = out->heap_inuse + out->heap_free + out->heap_released;
    out->heap_idle = out->heap_free + out->heap_released;
    out->stack_inuse = in_stacks;
    out->stack_sys = in_stacks + u64at(ms, o[GL_MS_STACKS_SYS]);
    out->mspan_sys = u64at(ms, o[GL_MS_MSPAN_SYS]);
    out->mcache_sys = u64at(ms, o[GL_MS_MCACHE_SYS]);
    out->buckhash_sys = u64at(ms, o[GL_MS_BUCKHASH_SYS]);
    out->gc_sys = u64at(ms, o[GL_MS_GCMISC_SYS]) + in_workbufs;
    out->other_sys = u64at(ms, o[GL_MS_OTHER_SYS]);
    out->sys = out->heap_sys + out->stack_sys + out->mspan_sys + out->mcache_sys + out->buckhash_sys +
               out->gc_sys + out->other_sys;
    out->heap_marked = u64at(gc, o[GL_GC_HEAPMARKED]);
    out->heap_live = u64at(gc, o[GL_GC_HEAPLIVE]);
    out->next_gc = u64at(gc, o[GL_GC_PERCENTHEAPGOAL]);
    out->gogc = (int32_t)u32at(gc, o[GL_GC_PERCENT]);
    out->memory_limit = (int64_t)u64at(gc, o[GL_GC_MEMORYLIMIT]);
    out->numgc = u32at(ms, o[GL_MS_NUMGC]);
    out->numforcedgc = u32at(ms, o[GL_MS_NUMFORCEDGC]);
    out->pause_total_ns = u64at(ms, o[GL_MS_PAUSE_TOTAL]);
    out->last_gc_unix_ns = u64at(ms, o[GL_MS_LAST_GC_UNIX]);
    memcpy(&out->gc_cpu_fraction, ms + o[GL_MS_GC_CPU_FRACTION], 8);
    free(ms);
    out->memprofile_rate = gmd_goruntime_memprofile_rate(rt);
    uint32_t procs = 0;
    if (rt->sym[SYM_GOMAXPROCS] && gmd_target_read_u32(t, rt->sym[SYM_GOMAXPROCS], &procs, &e) == 0)
        out->gomaxprocs = (int32_t)procs;
    return 0;
}

/* ------------------------------------------------------------------ crash */

static const char *signal_name(int signo)
{
    static const char *const names[] = {
        [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP", [6] = "SIGABRT",
        [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [11] = "SIGSEGV", [13] = "SIGPIPE", [15] = "SIGTERM",
        [19] = "SIGSTOP", [24] = "SIGXCPU", [25] = "SIGXFSZ", [31] = "SIGSYS",
    };
    if (signo > 0 && signo < (int)(sizeof names / sizeof *names) && names[signo]) return names[signo];
    return NULL;
}

/* A type's name from its descriptor (internal/abi.Type: TFlag at 20,
 * Str at 40, a nameOff from runtime.types; a name is a flag byte, a
 * uvarint length and the bytes). false when it does not check out. */
static bool type_name(gmd_goruntime *rt, uint64_t typ, char *out, size_t cap)
{
    uint64_t types, size;
    uint8_t t[48], nb[2 + 256];
    gmd_err e;
    /* Without a symbol table: the linker puts the types first in their
     * section, .data.rel.ro when relocated (PIE), else .rodata. */
    if (!gmd_gobin_symbol(rt->t->bin, "runtime.types", &types, &size) &&
        !gmd_gobin_section(rt->t->bin, ".data.rel.ro", &types, &size) &&
        !gmd_gobin_section(rt->t->bin, ".rodata", &types, &size))
        return false;
    types += rt->t->bias;
    if (rd(rt, typ, t, sizeof t, &e) < 0) return false;
    int32_t off;
    memcpy(&off, t + 40, 4);
    if (off <= 0 || rd(rt, types + (uint64_t)off, nb, 2, &e) < 0 || nb[1] & 0x80) return false;
    size_t n = nb[1];
    if (n + 1 > cap || rd(rt, types + (uint64_t)off + 2, nb + 2, n, &e) < 0) return false;
    size_t skip = (t[20] & 2) && n ? 1 : 0;   /* TFlagExtraStar: the name has a '*' too many */
    memcpy(out, nb + 2 + skip, n - skip);
    out[n - skip] = '\0';
    return true;
}

/* The panic value, as printpanicval prints the types it most often is: a
 * string, the runtime's own plainError / errorString (e.g. "assignment to
 * entry in nil map", "runtime error: ..."), errors.New's and fmt.Errorf's
 * errors (their message is the struct's first field). Other types are
 * named, their value not printed. */
static void panic_value(gmd_goruntime *rt, gmd_gocrash *out)
{
    uint64_t eface[2];
    gmd_err e;
    char tn[257];
    if (rt->off[GL_PANIC_ARG] < 0 || rd(rt, rt->panic_ptr + (uint64_t)rt->off[GL_PANIC_ARG], eface, 16, &e) < 0 ||
        !eface[0] || !eface[1] || !type_name(rt, eface[0], tn, sizeof tn))
        return;
    static const struct { const char *type, *prefix; } kinds[] = {
        {"string", ""}, {"runtime.plainError", ""}, {"runtime.errorString", "runtime error: "},
        {"*errors.errorString", ""}, {"*fmt.wrapError", ""}, {"*fmt.wrapErrors", ""},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(tn, kinds[i].type)) continue;
        /* An interface holds a pointer to the string header, or the
         * pointer to the struct whose first field is the message. */
        char *v = read_gostring(rt, eface[1], sizeof out->panic - 32);
        if (!v) return;
        snprintf(out->panic, sizeof out->panic, "%s%s", kinds[i].prefix, v);
        free(v);
        return;
    }
    snprintf(out->panic, sizeof out->panic, "a value of type %s", tn);
}

static bool signo_dumps_core(int signo)
{
    return signo == 3 || signo == 4 || signo == 6 || signo == 7 || signo == 8 || signo == 11 || signo == 24 ||
           signo == 25 || signo == 31;
}

bool gmd_goruntime_crash(gmd_goruntime *rt, gmd_gocrash *out)
{
    memset(out, 0, sizeof *out);
    if (gmd_memsrc_is_live(rt->t->mem)) return false;
    int signo, code;
    uint64_t addr;
    /* Only the signals that write a core by default: gcore's notes hold
     * the debugger's SIGSTOP or nothing. */
    if (gmd_memsrc_signal(rt->t->mem, &signo, &code, &addr) && signo_dumps_core(signo)) {
        out->has_signal = true;
        out->signo = signo;
        out->code = code;
        bool fault = signo == 4 || signo == 7 || signo == 8 || signo == 11;
        out->addr = fault ? addr : 0;
        const char *n = signal_name(signo);
        char num[24];
        if (!n) snprintf(num, sizeof num, "signal %d", signo), n = num;
        if (fault) snprintf(out->signal, sizeof out->signal, "%s at 0x%llx", n, (unsigned long long)addr);
        else snprintf(out->signal, sizeof out->signal, "%s", n);
    }
    out->panic_goid = rt->panic_goid;
    if (rt->panic_goid) panic_value(rt, out);
    return true;
}
