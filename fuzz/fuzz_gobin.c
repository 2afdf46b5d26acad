/* libFuzzer target: the Go executable reader (ELF, build info, symbols,
 * pclntab with inline trees) must reject or accept any bytes without
 * crashing, hanging or reading outside them. Seeds are small synthetic Go
 * ELFs (tests/target-fixtures/pcln/make-fuzz-seeds.py). DWARF is left to
 * libdw and not fuzzed here. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "gmd/target.h"

static void touch(const char *s)
{
    volatile size_t n = strlen(s);
    (void)n;
}

static void lookups(gmd_gobin *b, uint64_t pc)
{
    gmd_gofunc f;
    gmd_goframe fr[8];
    if (gmd_gobin_func(b, pc, &f)) {
        touch(f.name);
        touch(f.start_file);
    }
    for (int ret = 0; ret < 2; ret++) {
        int n = gmd_gobin_frames(b, pc, ret, fr, 8);
        for (int i = 0; i < n; i++) {
            touch(fr[i].function);
            touch(fr[i].file);
        }
    }
    (void)gmd_gobin_sp_delta(b, pc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_gobin *b = gmd_gobin_open_memory(data, size, "fuzz", &err);
    if (!b) return 0;
    touch(gmd_gobin_go_version(b));
    touch(gmd_gobin_build_id(b));
    int ma, mi;
    gmd_gobin_go_release(b, &ma, &mi);
    uint64_t a, s;
    if (gmd_gobin_has_symtab(b)) (void)gmd_gobin_symbol(b, "runtime.text", &a, &s);
    /* walk the functions from the entry point, then PCs taken from the input */
    gmd_gofunc f;
    uint64_t pc = gmd_gobin_entry(b);
    for (int k = 0; k < 64; k++) {
        lookups(b, pc);
        if (!gmd_gobin_func(b, pc, &f)) break;
        for (uint64_t p = f.entry; p < f.end && p < f.entry + 256; p += 3) lookups(b, p);
        pc = f.end;
    }
    for (size_t i = 0; i + 8 <= size && i < 256; i += 8) {
        uint64_t v;
        memcpy(&v, data + size - 8 - i, 8);
        lookups(b, v);
        lookups(b, gmd_gobin_entry(b) + (v & 0xfff));
    }
    gmd_gobin_close(b);
    return 0;
}
