/* libFuzzer target: the core file reader must reject or accept any input
 * without crashing, hanging or allocating without bound, and reads at any
 * address (its own segments' and arbitrary ones) must stay in bounds. The
 * input doubles as the "executable" file, so reads of left-out mappings
 * through NT_FILE are exercised without opening paths the input names. */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "gmd/target.h"

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[1 << 16];
    gmd_err err;
    gmd_err_clear(&err);
    gmd_memsrc *m = gmd_memsrc_open_core_memory(data, size, "fuzz", &err);
    if (!m) return 0;
    gmd_memsrc_core_set_exe_memory(m, data, size);

    uint64_t v;
    if (gmd_memsrc_auxv(m, AT_ENTRY, &v)) gmd_memsrc_read(m, v, buf, 64, &err);
    if (gmd_memsrc_auxv(m, AT_PHDR, &v)) gmd_memsrc_read(m, v, buf, 512, &err);

    /* Each PT_LOAD: its start, across its end, and far into its tail. */
    uint64_t phoff = rd64(data + 32);
    uint16_t phnum;
    memcpy(&phnum, data + 56, 2);
    for (uint64_t i = 0; i < phnum && i < 256; i++) {
        if (phoff > size || (size - phoff) / sizeof(Elf64_Phdr) <= i) break;
        Elf64_Phdr ph;
        memcpy(&ph, data + phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD) continue;
        gmd_memsrc_read(m, ph.p_vaddr, buf, 16, &err);
        gmd_memsrc_read(m, ph.p_vaddr + ph.p_filesz - 8, buf, 4096, &err);
        gmd_memsrc_read(m, ph.p_vaddr + ph.p_memsz - 8, buf, 16, &err);
        gmd_memsrc_read(m, ph.p_vaddr, buf, sizeof buf, &err);
    }
    /* Arbitrary addresses and lengths from the input's last bytes. */
    for (size_t i = 0; i + 10 <= size && i < 80; i += 10) {
        const uint8_t *p = data + size - 10 - i;
        uint16_t n;
        memcpy(&n, p + 8, 2);
        gmd_memsrc_read(m, rd64(p), buf, n, &err);
    }
    gmd_memsrc_close(m);
    return 0;
}
