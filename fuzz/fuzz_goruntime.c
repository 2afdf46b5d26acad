/* libFuzzer target: the runtime readers (gmd/goruntime.h: open, goroutines,
 * heap profile, memory statistics) over a corrupt memory image.
 *
 * The image is a real core of tests/target-fixtures/liveprog, named by
 * GMD_FUZZ_CORE (its executable by GMD_FUZZ_GOBIN, else the core's NT_FILE
 * path); fuzz/run.sh makes both with Go and gcore. Without them every input
 * is a no-op and a note says so, so CI without gdb still passes.
 *
 * The fuzz input does not replace the 20 MB core: it is a list of patches
 * applied to what the reader reads. This target is linked with
 * -Wl,--wrap=gmd_memsrc_read,--wrap=gmd_memsrc_read_many, so every read
 * the target layer makes comes here; patch k names a read by its order in this run and a byte offset in
 * it, so every mutation lands in bytes the reader really consumes (g
 * records, stacks, allgs, buckets, the mheap) instead of somewhere in the
 * core. A patch may overwrite, xor or add to bytes, or make the read fail
 * (memory that vanished, as in a process that exits mid-read).
 *
 *   record: op (bits 0-1 kind: 0 set, 1 xor, 2 fail, 3 add; bits 2-7 len-1)
 *           read index (u16 LE), offset in the read (u16 LE, mod its size),
 *           len data bytes (none for fail)
 *
 * GMD_FUZZ_TRACE=1 prints each read (index, address, size) for writing seeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/goruntime.h"
#include "gmd/profile.h"

#define MAX_PATCHES 64

typedef struct patch {
    uint8_t kind, len;
    uint16_t read, off;
    uint8_t data[64];
} patch;

static patch patches[MAX_PATCHES];
static int npatches;
static uint32_t nreads;
static int trace;
static gmd_target *target;

int __real_gmd_memsrc_read(gmd_memsrc *m, uint64_t addr, void *buf, size_t n, gmd_err *err);

int __wrap_gmd_memsrc_read(gmd_memsrc *m, uint64_t addr, void *buf, size_t n, gmd_err *err)
{
    uint32_t k = nreads++;
    if (trace) fprintf(stderr, "read %u 0x%llx %zu\n", k, (unsigned long long)addr, n);
    for (int i = 0; i < npatches; i++)
        if (patches[i].read == k && patches[i].kind == 2)
            return gmd_errf(err, "fuzz: read %u at 0x%llx made to fail", k, (unsigned long long)addr);
    if (__real_gmd_memsrc_read(m, addr, buf, n, err) < 0) return -1;
    uint8_t *b = buf;
    for (int i = 0; i < npatches && n; i++) {
        const patch *p = &patches[i];
        if (p->read != k) continue;
        size_t off = p->off % n;
        for (size_t j = 0; j < p->len && off + j < n; j++) {
            if (p->kind == 0) b[off + j] = p->data[j];
            else if (p->kind == 1) b[off + j] ^= p->data[j];
        }
        if (p->kind == 3) {
            /* add a little-endian integer to the word there (pointers,
             * lengths and counts nudged off by a bit) */
            unsigned carry = 0;
            for (size_t j = 0; j < 8 && off + j < n; j++) {
                unsigned s = b[off + j] + (j < p->len ? p->data[j] : 0) + carry;
                b[off + j] = (uint8_t)s;
                carry = s >> 8;
            }
        }
    }
    return 0;
}

/* Batched reads (goroutine records, stacks) go through the patched single
 * read too: for a core that is all gmd_memsrc_read_many does, and its own
 * calls inside memsrc.c are out of --wrap's reach. */
size_t __wrap_gmd_memsrc_read_many(gmd_memsrc *m, const uint64_t *addrs, const size_t *lens, uint8_t *const *bufs,
                                   size_t count, bool *ok)
{
    size_t good = 0;
    gmd_err e;
    for (size_t i = 0; i < count; i++) {
        ok[i] = __wrap_gmd_memsrc_read(m, addrs[i], bufs[i], lens[i], &e) == 0;
        good += ok[i];
    }
    return good;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *core = getenv("GMD_FUZZ_CORE"), *bin = getenv("GMD_FUZZ_GOBIN");
    trace = getenv("GMD_FUZZ_TRACE") != NULL;
    if (!core || !*core) {
        fprintf(stderr, "fuzz_goruntime: GMD_FUZZ_CORE is not set: skipped (fuzz/run.sh makes a core of liveprog)\n");
        return 0;
    }
    gmd_err err;
    gmd_err_clear(&err);
    target = gmd_target_open_core(core, bin && *bin ? bin : NULL, &err);
    if (!target) {
        fprintf(stderr, "fuzz_goruntime: cannot open %s: %s: skipped\n", core, err.msg);
        return 0;
    }
    /* The unpatched image must read: otherwise nothing below is exercised. */
    gmd_goruntime *rt = gmd_goruntime_open(target, &err);
    if (!rt) {
        fprintf(stderr, "fuzz_goruntime: %s does not read as a Go program: %s\n", core, err.msg);
        abort();
    }
    gmd_goruntime_close(rt);
    return 0;
}

static void parse(const uint8_t *d, size_t size)
{
    npatches = 0;
    size_t i = 0;
    while (i + 5 <= size && npatches < MAX_PATCHES) {
        patch *p = &patches[npatches++];
        p->kind = d[i] & 3;
        p->len = (uint8_t)((d[i] >> 2) + 1);
        p->read = (uint16_t)(d[i + 1] | d[i + 2] << 8);
        p->off = (uint16_t)(d[i + 3] | d[i + 4] << 8);
        i += 5;
        if (p->kind == 2) continue;
        size_t len = p->len;
        if (len > size - i) len = size - i;
        memset(p->data, 0, sizeof p->data);
        memcpy(p->data, d + i, len);
        i += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!target) return 0;
    parse(data, size);
    nreads = 0;
    gmd_err err;
    gmd_err_clear(&err);
    gmd_goruntime *rt = gmd_goruntime_open(target, &err);
    if (!rt) return 0;
    (void)strlen(gmd_goruntime_go_version(rt));
    (void)strlen(gmd_goruntime_layout_source(rt));
    gmd_goroutine_read_stats st;
    gmd_profile *p = gmd_goruntime_goroutines(rt, &st, &err);
    if (p) gmd_profile_free(p);
    gmd_err_clear(&err);
    p = gmd_goruntime_heap(rt, &err);
    if (p) gmd_profile_free(p);
    gmd_err_clear(&err);
    (void)gmd_goruntime_memprofile_rate(rt);
    gmd_gomemstats ms;
    (void)gmd_goruntime_memstats(rt, &ms, &err);
    gmd_goruntime_close(rt);
    return 0;
}
