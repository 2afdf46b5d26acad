/* Finding the runtime's variables in a binary built with -ldflags=-s (no
 * symbol table, no DWARF), where they cannot be looked up by name.
 *
 * Section headers survive stripping, and each variable gmd needs has a shape
 * no other does, checked against the process's memory:
 *   runtime.buildVersion      a Go string in .data equal to the build info's version
 *   runtime.waitReasonStrings Go strings in .data: "", "GC assist marking", "IO wait", ...
 *   runtime.gStatusStrings    Go strings in .data: "idle", "runnable", "running", ...
 *   runtime.allgs             a slice in .bss whose first g has goid 1 and a sane stack
 *   runtime.mbuckets          a pointer in .bss to a chain of memory-profile buckets (type 1)
 *   runtime.gcController      GOGC, GOMEMLIMIT and the heap minimum they imply, page-sized heap counters
 *   runtime.memstats          counters with their invariants (GC generation 0-2, CPU fraction 0-1, ...)
 *   runtime.class_to_size     the size classes 0, 8, 16, 24, 32, 48, 64, 80, ...
 *   runtime.MemProfileRate    the first load from .noptrdata in runtime.profilealloc
 * A variable that is not found stays unknown and what needs it says so; a
 * wrong match would fail the later sanity checks rather than give garbage. */
#include <stdlib.h>
#include <string.h>
#include "gmd/xalloc.h"
#include "target/gofind.h"

#define SCAN_MAX (64u << 20)    /* a section bigger than this is not scanned */

typedef struct region {
    uint64_t addr, size;        /* runtime addresses */
    uint8_t *bytes;             /* its contents read from memory, or NULL */
} region;

static uint64_t u64at(const uint8_t *b, uint64_t off) { uint64_t v; memcpy(&v, b + off, 8); return v; }
static uint32_t u32at(const uint8_t *b, uint64_t off) { uint32_t v; memcpy(&v, b + off, 4); return v; }

static void load(gmd_target *t, const char *name, region *r)
{
    memset(r, 0, sizeof r[0]);
    uint64_t a, n;
    if (!gmd_gobin_section(t->bin, name, &a, &n) || n == 0 || n > SCAN_MAX) return;
    r->addr = a + t->bias;
    r->size = n;
    r->bytes = gmd_xmalloc(n);
    gmd_err e;
    /* Read in pieces: a page the runtime never touched is still mapped (zero). */
    for (uint64_t off = 0; off < n; off += 1u << 20) {
        uint64_t k = n - off < (1u << 20) ? n - off : (1u << 20);
        if (gmd_target_read(t, r->addr + off, r->bytes + off, k, &e) < 0) memset(r->bytes + off, 0, k);
    }
}

/* Does the Go string (ptr, len) at b[off] read as `want`? */
static bool gostring_is(gmd_target *t, const uint8_t *b, uint64_t off, const char *want)
{
    size_t n = strlen(want);
    if (u64at(b, off + 8) != n) return false;
    if (n == 0) return true;
    char buf[64];
    gmd_err e;
    if (n > sizeof buf || gmd_target_read(t, u64at(b, off), buf, n, &e) < 0) return false;
    return memcmp(buf, want, n) == 0;
}

/* An array of Go strings that starts with `first` (NULL-terminated list). */
static bool find_strings(gmd_target *t, const region *r, const char *const *first, uint64_t *addr, uint64_t *size)
{
    if (!r->bytes) return false;
    for (uint64_t off = 0; off + 16 * 3 <= r->size; off += 8) {
        bool ok = true;
        for (int i = 0; first[i] && ok; i++) {
            if (off + 16 * (uint64_t)(i + 1) > r->size) ok = false;
            else ok = gostring_is(t, r->bytes, off + 16 * (uint64_t)i, first[i]);
        }
        if (!ok) continue;
        /* Extend over the entries that still look like short strings. */
        uint64_t n = 0;
        while (off + 16 * (n + 1) <= r->size && n < 256) {
            uint64_t len = u64at(r->bytes, off + 16 * n + 8);
            if (len > 64 || (len > 0 && u64at(r->bytes, off + 16 * n) == 0)) break;
            n++;
        }
        *addr = r->addr + off;
        *size = 16 * n;
        return true;
    }
    return false;
}

static bool find_allgs(gmd_target *t, const int64_t *off, const region *r, uint64_t *addr)
{
    if (!r->bytes) return false;
    gmd_err e;
    for (uint64_t o = 0; o + 24 <= r->size; o += 8) {
        uint64_t p = u64at(r->bytes, o), len = u64at(r->bytes, o + 8), cap = u64at(r->bytes, o + 16);
        if (!p || p & 7 || len == 0 || len > cap || cap > (1u << 24)) continue;
        uint64_t g0;
        if (gmd_target_read_u64(t, p, &g0, &e) < 0 || !g0 || g0 & 7) continue;
        uint8_t g[512];
        if (off[GL_G_SIZE] <= 0 || off[GL_G_SIZE] > (int64_t)sizeof g ||
            gmd_target_read(t, g0, g, (size_t)off[GL_G_SIZE], &e) < 0)
            continue;
        uint64_t lo = u64at(g, (uint64_t)off[GL_G_STACK_LO]), hi = u64at(g, (uint64_t)off[GL_G_STACK_HI]);
        if (u64at(g, (uint64_t)off[GL_G_GOID]) != 1 || hi <= lo || hi - lo > (1u << 30)) continue;
        if ((u32at(g, (uint64_t)off[GL_G_STATUS]) & ~0x1000u) > 16) continue;
        *addr = r->addr + o;
        return true;
    }
    return false;
}

static bool find_mbuckets(gmd_target *t, const int64_t *off, const region *r, uint64_t *addr)
{
    if (!r->bytes) return false;
    uint64_t best = 0, best_len = 0;
    gmd_err e;
    for (uint64_t o = 0; o + 8 <= r->size; o += 8) {
        uint64_t p = u64at(r->bytes, o), len = 0;
        while (p && !(p & 7) && len < 100000) {
            uint8_t h[64];
            if (off[GL_BUCKET_SIZE] > (int64_t)sizeof h || gmd_target_read(t, p, h, (size_t)off[GL_BUCKET_SIZE], &e) < 0)
                break;
            uint64_t typ = u64at(h, (uint64_t)off[GL_BUCKET_TYP]), nstk = u64at(h, (uint64_t)off[GL_BUCKET_NSTK]);
            if (typ != 1 || nstk == 0 || nstk > 1024) break;
            len++;
            p = u64at(h, (uint64_t)off[GL_BUCKET_ALLNEXT]);
            if (len > best_len + 2 && len >= 3 && best_len) break;   /* already the longest by far */
        }
        /* The head of the list holds every bucket; other pointers into it hold fewer. */
        if (len > best_len) {
            best_len = len;
            best = r->addr + o;
        }
    }
    if (!best) return false;
    *addr = best;
    return true;
}

static bool find_gccontroller(const int64_t *off, const region *r, uint64_t *addr)
{
    if (!r->bytes) return false;
    uint64_t need = (uint64_t)off[GL_GC_HEAPFREE] + 8;
    for (uint64_t o = 0; o + need <= r->size; o += 8) {
        const uint8_t *c = r->bytes + o;
        int32_t gogc = (int32_t)u32at(c, (uint64_t)off[GL_GC_PERCENT]);
        int64_t limit = (int64_t)u64at(c, (uint64_t)off[GL_GC_MEMORYLIMIT]);
        uint64_t minimum = u64at(c, 16);   /* heapMinimum follows memoryLimit in every release gmd reads */
        if (gogc < -1 || gogc > 1000000 || limit <= 0) continue;
        uint64_t want = gogc >= 0 ? (4ull << 20) * (uint64_t)gogc / 100 : (4ull << 20);
        if (minimum != want) continue;
        uint64_t inuse = u64at(c, (uint64_t)off[GL_GC_HEAPINUSE]), fr = u64at(c, (uint64_t)off[GL_GC_HEAPFREE]),
                 rel = u64at(c, (uint64_t)off[GL_GC_HEAPRELEASED]);
        if (!inuse || inuse % 8192 || fr % 8192 || rel % 8192) continue;
        *addr = r->addr + o;
        return true;
    }
    return false;
}

static bool find_memstats(const int64_t *off, const region *r, uint64_t *addr)
{
    if (!r->bytes) return false;
    uint64_t need = (uint64_t)off[GL_MS_LAST_GC_NANOTIME] + 8;
    uint64_t gen_off = (uint64_t)off[GL_MS_HEAPSTATS] + 3 * (uint64_t)off[GL_HSD_SIZE];
    for (uint64_t o = 0; o + need <= r->size; o += 8) {
        const uint8_t *m = r->bytes + o;
        if (u32at(m, gen_off) > 2) continue;
        double frac;
        memcpy(&frac, m + off[GL_MS_GC_CPU_FRACTION], 8);
        if (!(frac >= 0 && frac <= 1)) continue;
        uint64_t mcache = u64at(m, (uint64_t)off[GL_MS_MCACHE_SYS]), other = u64at(m, (uint64_t)off[GL_MS_OTHER_SYS]),
                 mspan = u64at(m, (uint64_t)off[GL_MS_MSPAN_SYS]), gcmisc = u64at(m, (uint64_t)off[GL_MS_GCMISC_SYS]);
        if (!mcache || !other || !mspan || !gcmisc || mcache > (1ull << 40) || other > (1ull << 40) ||
            mspan > (1ull << 40) || gcmisc > (1ull << 40))
            continue;
        uint64_t unix = u64at(m, (uint64_t)off[GL_MS_LAST_GC_UNIX]);
        if (unix && (unix < 1500000000ull * 1000000000ull || unix > 4100000000ull * 1000000000ull)) continue;
        uint32_t numgc = u32at(m, (uint64_t)off[GL_MS_NUMGC]);
        /* Before the first GC too little is set to tell memstats from other zeros. */
        if (numgc == 0 || unix == 0) continue;
        /* pause_ns[256] and pause_end[256] follow pause_total_ns: the total is
         * the sum of the pauses (while fewer than 256), and the last end is
         * the last GC's time. */
        uint64_t pt = (uint64_t)off[GL_MS_PAUSE_TOTAL], total = u64at(m, pt), sum = 0;
        if (pt + 8 + 512 * 8 > need) continue;
        uint32_t k = numgc < 256 ? numgc : 256;
        for (uint32_t i = 0; i < k; i++) sum += u64at(m, pt + 8 + 8 * i);
        if (numgc <= 256 && sum != total) continue;
        if (numgc && u64at(m, pt + 8 + 256 * 8 + 8 * ((numgc - 1) % 256)) != unix) continue;
        *addr = r->addr + o;
        return true;
    }
    return false;
}

static bool find_size_classes(const region *r, uint64_t *addr)
{
    static const uint16_t start[] = {0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192};
    if (!r->bytes) return false;
    for (uint64_t o = 0; o + sizeof start <= r->size; o += 2)
        if (!memcmp(r->bytes + o, start, sizeof start)) {
            *addr = r->addr + o;
            return true;
        }
    return false;
}

/* The first RIP-relative 64-bit load (MOV r64, [rip+disp32]) in the
 * function whose target is in `in`: how profilealloc reads MemProfileRate. */
static bool find_load_in(gmd_target *t, const char *func, const region *in, uint64_t *addr)
{
    uint64_t entry, end;
    if (!in->size || !gmd_gobin_func_by_name(t->bin, func, &entry, &end) || end <= entry || end - entry > 4096)
        return false;
    const uint8_t *code = gmd_gobin_bytes(t->bin, entry, end - entry);
    if (!code) return false;
    for (uint64_t i = 0; i + 7 <= end - entry; i++) {
        if ((code[i] != 0x48 && code[i] != 0x4c) || code[i + 1] != 0x8b || (code[i + 2] & 0xc7) != 0x05) continue;
        int32_t disp;
        memcpy(&disp, code + i + 3, 4);
        uint64_t target = entry + i + 7 + (uint64_t)(int64_t)disp + t->bias;
        if (target >= in->addr && target - in->addr < in->size) {
            *addr = target;
            return true;
        }
    }
    return false;
}

/* runtime.memstats and runtime.gcController only: memstats has no shape
 * before the first GC, so a program opened at its start (gmd run) is
 * searched again later. */
void gmd_gofind_stats(gmd_target *t, const int64_t *off, uint64_t *memstats, uint64_t *gccontroller)
{
    region bss, noptrbss;
    load(t, ".bss", &bss);
    load(t, ".noptrbss", &noptrbss);
    uint64_t a;
    if (!*gccontroller && (find_gccontroller(off, &noptrbss, &a) || find_gccontroller(off, &bss, &a))) *gccontroller = a;
    if (!*memstats && (find_memstats(off, &noptrbss, &a) || find_memstats(off, &bss, &a))) *memstats = a;
    free(bss.bytes);
    free(noptrbss.bytes);
}

int gmd_gofind(gmd_target *t, const int64_t *off, const char *version, gmd_gofind_result *out)
{
    memset(out, 0, sizeof *out);
    region data, noptrdata, bss, noptrbss;
    load(t, ".data", &data);
    load(t, ".noptrdata", &noptrdata);
    load(t, ".bss", &bss);
    load(t, ".noptrbss", &noptrbss);

    static const char *const wait_first[] = {"", "GC assist marking", "IO wait", NULL};
    static const char *const status_first[] = {"idle", "runnable", "running", "syscall", "waiting", NULL};
    const char *ver[] = {version, NULL};
    uint64_t a, n;
    if (version && version[0] && find_strings(t, &data, ver, &a, &n)) out->build_version = a;
    if (find_strings(t, &data, wait_first, &a, &n)) out->wait_reasons = a, out->wait_reasons_size = n;
    if (find_strings(t, &data, status_first, &a, &n)) {
        /* gStatusStrings has at most 12 entries; what follows it is another variable. */
        out->gstatus = a;
        out->gstatus_size = n > 12 * 16 ? 12 * 16 : n;
    }
    if (find_allgs(t, off, &bss, &a) || find_allgs(t, off, &noptrbss, &a)) out->allgs = a;
    if (find_mbuckets(t, off, &bss, &a)) out->mbuckets = a;
    if (find_gccontroller(off, &noptrbss, &a) || find_gccontroller(off, &bss, &a)) out->gccontroller = a;
    if (find_memstats(off, &noptrbss, &a) || find_memstats(off, &bss, &a)) out->memstats = a;
    if (find_size_classes(&noptrdata, &a) || find_size_classes(&data, &a)) out->size_classes = a;
    if (find_load_in(t, "runtime.profilealloc", &noptrdata, &a)) out->memprofilerate = a;

    free(data.bytes);
    free(noptrdata.bytes);
    free(bss.bytes);
    free(noptrbss.bytes);
    return out->allgs ? 0 : -1;
}
