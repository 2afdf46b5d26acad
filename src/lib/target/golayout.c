/* Where the runtime's fields are: from the binary's DWARF when it has it,
 * else from a table per Go release. The table is hand-kept because a binary
 * built with -ldflags=-w has no DWARF and the Go toolchain publishes no
 * other description of runtime structs; tests/unit/test_goruntime.c checks
 * it against the DWARF of real binaries of each release it can build. */
#include <string.h>
#include "target/golayout.h"

const gmd_golayout_field gmd_golayout_fields[GL_NFIELDS] = {
    [GL_G_SIZE] = {"runtime.g", NULL, true},
    [GL_G_STACK_LO] = {"runtime.g", "stack.lo", true},
    [GL_G_STACK_HI] = {"runtime.g", "stack.hi", true},
    [GL_G_SCHED_SP] = {"runtime.g", "sched.sp", true},
    [GL_G_SCHED_PC] = {"runtime.g", "sched.pc", true},
    [GL_G_SCHED_BP] = {"runtime.g", "sched.bp", true},
    [GL_G_SYSCALLSP] = {"runtime.g", "syscallsp", true},
    [GL_G_SYSCALLPC] = {"runtime.g", "syscallpc", true},
    [GL_G_STATUS] = {"runtime.g", "atomicstatus", true},
    [GL_G_GOID] = {"runtime.g", "goid", true},
    [GL_G_WAITSINCE] = {"runtime.g", "waitsince", true},
    [GL_G_WAITREASON] = {"runtime.g", "waitreason", true},
    [GL_G_LOCKEDM] = {"runtime.g", "lockedm", true},
    [GL_G_PARENTGOID] = {"runtime.g", "parentGoid", false},
    [GL_G_GOPC] = {"runtime.g", "gopc", true},
    [GL_G_STARTPC] = {"runtime.g", "startpc", true},
    [GL_BUCKET_SIZE] = {"runtime.bucket", NULL, true},
    [GL_BUCKET_ALLNEXT] = {"runtime.bucket", "allnext", true},
    [GL_BUCKET_TYP] = {"runtime.bucket", "typ", true},
    [GL_BUCKET_OBJSIZE] = {"runtime.bucket", "size", true},
    [GL_BUCKET_NSTK] = {"runtime.bucket", "nstk", true},
    [GL_MEMRECORD_SIZE] = {"runtime.memRecord", NULL, true},
    [GL_MS_STACKS_SYS] = {"runtime.mstats", "stacks_sys", true},
    [GL_MS_MSPAN_SYS] = {"runtime.mstats", "mspan_sys", true},
    [GL_MS_MCACHE_SYS] = {"runtime.mstats", "mcache_sys", true},
    [GL_MS_BUCKHASH_SYS] = {"runtime.mstats", "buckhash_sys", true},
    [GL_MS_GCMISC_SYS] = {"runtime.mstats", "gcMiscSys", true},
    [GL_MS_OTHER_SYS] = {"runtime.mstats", "other_sys", true},
    [GL_MS_LAST_GC_UNIX] = {"runtime.mstats", "last_gc_unix", true},
    [GL_MS_PAUSE_TOTAL] = {"runtime.mstats", "pause_total_ns", true},
    [GL_MS_NUMGC] = {"runtime.mstats", "numgc", true},
    [GL_MS_NUMFORCEDGC] = {"runtime.mstats", "numforcedgc", true},
    [GL_MS_GC_CPU_FRACTION] = {"runtime.mstats", "gc_cpu_fraction", true},
    [GL_MS_LAST_GC_NANOTIME] = {"runtime.mstats", "last_gc_nanotime", true},
    [GL_MS_HEAPSTATS] = {"runtime.mstats", "heapStats", true},
    [GL_HSD_SIZE] = {"runtime.heapStatsDelta", NULL, true},
    [GL_HSD_INSTACKS] = {"runtime.heapStatsDelta", "inStacks", true},
    [GL_HSD_INWORKBUFS] = {"runtime.heapStatsDelta", "inWorkBufs", true},
    [GL_HSD_TINYALLOCCOUNT] = {"runtime.heapStatsDelta", "tinyAllocCount", true},
    [GL_HSD_LARGEALLOC] = {"runtime.heapStatsDelta", "largeAlloc", true},
    [GL_HSD_LARGEALLOCCOUNT] = {"runtime.heapStatsDelta", "largeAllocCount", true},
    [GL_HSD_SMALLALLOCCOUNT] = {"runtime.heapStatsDelta", "smallAllocCount", true},
    [GL_HSD_LARGEFREE] = {"runtime.heapStatsDelta", "largeFree", true},
    [GL_HSD_LARGEFREECOUNT] = {"runtime.heapStatsDelta", "largeFreeCount", true},
    [GL_HSD_SMALLFREECOUNT] = {"runtime.heapStatsDelta", "smallFreeCount", true},
    [GL_GC_PERCENT] = {"runtime.gcControllerState", "gcPercent", true},
    [GL_GC_MEMORYLIMIT] = {"runtime.gcControllerState", "memoryLimit", true},
    [GL_GC_HEAPMARKED] = {"runtime.gcControllerState", "heapMarked", true},
    [GL_GC_HEAPLIVE] = {"runtime.gcControllerState", "heapLive", true},
    [GL_GC_HEAPINUSE] = {"runtime.gcControllerState", "heapInUse", true},
    [GL_GC_HEAPFREE] = {"runtime.gcControllerState", "heapFree", true},
    [GL_GC_HEAPRELEASED] = {"runtime.gcControllerState", "heapReleased", true},
    [GL_GC_PERCENTHEAPGOAL] = {"runtime.gcControllerState", "gcPercentHeapGoal", true},
    [GL_G_PANIC] = {"runtime.g", "_panic", false},      /* a crash core's panic value */
    [GL_PANIC_ARG] = {"runtime._panic", "arg", false},
};

/* Offsets per release, read off each release's DWARF (linux/amd64). The
 * order is the enum's. -1: the release has no such field. */
static const int32_t table[5][GL_NFIELDS] = {
    /* go1.22 */
    {424, 0, 8, 56, 64, 104, 112, 120, 144, 152, 168, 176, 208, 272, 280, 296,
     48, 8, 16, 32, 40, 128,
     3544, 3552, 3560, 3568, 3576, 3584, 3592, 3600, 7704, 7708, 7712, 7720, 0,
     1176, 24, 32, 48, 56, 64, 72, 616, 624, 632,
     0, 8, 152, 104, 272, 288, 280, 72,
     32, 8},
    /* go1.23 */
    {432, 0, 8, 56, 64, 104, 112, 120, 152, 160, 176, 184, 216, 280, 288, 304,
     48, 8, 16, 32, 40, 128,
     3544, 3552, 3560, 3568, 3576, 3584, 3592, 3600, 7704, 7708, 7712, 7720, 0,
     1176, 24, 32, 48, 56, 64, 72, 616, 624, 632,
     0, 8, 152, 104, 272, 288, 280, 72,
     32, 8},
    /* go1.24 */
    {440, 0, 8, 56, 64, 104, 112, 120, 152, 160, 176, 184, 216, 280, 288, 304,
     48, 8, 16, 32, 40, 128,
     3544, 3552, 3560, 3568, 3576, 3584, 3592, 3600, 7704, 7708, 7712, 7720, 0,
     1176, 24, 32, 48, 56, 64, 72, 616, 624, 632,
     0, 8, 152, 104, 272, 288, 280, 72,
     32, 8},
    /* go1.25 */
    {440, 0, 8, 56, 64, 96, 104, 112, 144, 152, 168, 176, 208, 272, 280, 296,
     48, 8, 16, 32, 40, 128,
     3520, 3528, 3536, 3544, 3552, 3560, 3568, 3576, 7680, 7684, 7688, 7696, 0,
     1168, 24, 32, 40, 48, 56, 64, 608, 616, 624,
     0, 8, 152, 104, 272, 288, 280, 72,
     32, 8},
    /* go1.26 */
    {456, 0, 8, 56, 64, 96, 104, 112, 144, 152, 168, 176, 208, 280, 288, 304,
     48, 8, 16, 32, 40, 128,
     3520, 3528, 3536, 3544, 3552, 3560, 3568, 3576, 7680, 7684, 7688, 7696, 0,
     1168, 24, 32, 40, 48, 56, 64, 608, 616, 624,
     0, 8, 152, 104, 272, 288, 280, 72,
     32, 0},
};

bool gmd_golayout_table(int minor, int64_t out[GL_NFIELDS])
{
    if (minor < GMD_GO_MIN_MINOR || minor > GMD_GO_MAX_MINOR) return false;
    for (int i = 0; i < GL_NFIELDS; i++) out[i] = table[minor - GMD_GO_MIN_MINOR][i];
    return true;
}

int gmd_golayout_dwarf(gmd_gobin *b, int64_t out[GL_NFIELDS], const char **missing)
{
    *missing = NULL;
    for (int i = 0; i < GL_NFIELDS; i++) {
        const gmd_golayout_field *f = &gmd_golayout_fields[i];
        uint64_t v = 0;
        bool ok = f->field ? gmd_gobin_dwarf_offset(b, f->type, f->field, &v)
                           : gmd_gobin_dwarf_size(b, f->type, &v);
        if (!ok) {
            out[i] = -1;
            if (f->required && !*missing) *missing = f->field ? f->field : f->type;
            continue;
        }
        out[i] = (int64_t)v;
    }
    return *missing ? -1 : 0;
}

/* Every field inside its struct, and the structs of sane sizes: offsets from
 * a binary's DWARF are input like any other, and the readers index their
 * buffers with them. */
bool gmd_golayout_sane(const int64_t off[GL_NFIELDS])
{
    static const struct { int first, last, size; int64_t max; } groups[] = {
        {GL_G_STACK_LO, GL_G_STARTPC, GL_G_SIZE, 4096},
        {GL_BUCKET_ALLNEXT, GL_BUCKET_NSTK, GL_BUCKET_SIZE, 256},
        {GL_HSD_INSTACKS, GL_HSD_SMALLFREECOUNT, GL_HSD_SIZE, 4096},
    };
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        int64_t size = off[groups[g].size];
        if (size < 16 || size > groups[g].max) return false;
        for (int i = groups[g].first; i <= groups[g].last; i++)
            if (off[i] >= 0 && (off[i] > size - 8)) return false;
    }
    for (int i = GL_MS_STACKS_SYS; i <= GL_MS_HEAPSTATS; i++)
        if (off[i] < 0 || off[i] > (1 << 20)) return false;
    for (int i = GL_GC_PERCENT; i <= GL_GC_PERCENTHEAPGOAL; i++)
        if (off[i] < 0 || off[i] > 504) return false;   /* read from a 512-byte copy */
    if (off[GL_G_PANIC] > off[GL_G_SIZE] - 8 || off[GL_PANIC_ARG] > 256) return false;
    return off[GL_MEMRECORD_SIZE] == 128;
}
