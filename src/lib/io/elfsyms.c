/* ELF symbols and Go type names from the dumped program's binary.
 *
 * Globals: the .symtab's object symbols, sorted by address, so a data/bss
 * pointer slot maps to "main.registry" by binary search.
 * Types: a type descriptor (internal/abi.Type) holds Str, a 32-bit offset
 * from runtime.types to an encoded name: one flag byte, a uvarint length
 * and the bytes (Go 1.17+). When TFlagExtraStar is set the stored name has
 * an extra leading '*'. Str sits after Size_, PtrBytes (uintptrs), Hash
 * (uint32), four bytes of flags, Equal and GCData (pointers): offset 40 on
 * 64-bit, 24 on 32-bit; unchanged from Go 1.21 to 1.26. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gmd/arena.h"
#include "gmd/elfsyms.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"

#define TFLAG_EXTRA_STAR 2

typedef struct sym {
    uint64_t addr, size;
    const char *name;
} sym;

typedef struct section {
    uint64_t addr, size, offset;
} section;

struct gmd_elfsyms {
    int fd;
    Elf *elf;
    const uint8_t *raw;
    size_t raw_len;
    bool is64, big_endian;
    sym *syms;
    uint32_t nsyms;
    section *secs;
    uint32_t nsecs;
    uint64_t types, etypes;      /* runtime.types .. runtime.etypes (link addresses) */
    uint64_t data, edata;
    int64_t bias;                /* dump address - link address */
    gmd_arena arena;
    gmd_u64map type_cache;       /* type address -> index into names + 1, 0 = unknown */
    const char **names;
    uint32_t nnames, capnames;
};

static int by_addr(const void *a, const void *b)
{
    const sym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

gmd_elfsyms *gmd_elfsyms_open(const char *path, gmd_err *err)
{
    if (elf_version(EV_CURRENT) == EV_NONE) {
        gmd_errf(err, "libelf: %s", elf_errmsg(-1));
        return NULL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        gmd_errf(err, "cannot open the binary");
        return NULL;
    }
    gmd_elfsyms *s = gmd_xcalloc(1, sizeof *s);
    s->fd = fd;
    gmd_arena_init(&s->arena, 64 << 10);
    gmd_u64map_init(&s->type_cache);
    s->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!s->elf || elf_kind(s->elf) != ELF_K_ELF) {
        gmd_errf(err, "not an ELF binary");
        gmd_elfsyms_close(s);
        return NULL;
    }
    s->raw = (const uint8_t *)elf_rawfile(s->elf, &s->raw_len);
    GElf_Ehdr eh;
    if (!gelf_getehdr(s->elf, &eh) || !s->raw) {
        gmd_errf(err, "cannot read the ELF header: %s", elf_errmsg(-1));
        gmd_elfsyms_close(s);
        return NULL;
    }
    s->is64 = eh.e_ident[EI_CLASS] == ELFCLASS64;
    s->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
    uint32_t cap = 0, capsec = 0;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(s->elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        if (sh.sh_type == SHT_PROGBITS && sh.sh_addr && sh.sh_offset <= s->raw_len && sh.sh_size <= s->raw_len - sh.sh_offset) {
            GMD_VEC_PUSH(s->secs, s->nsecs, capsec, ((section){sh.sh_addr, sh.sh_size, sh.sh_offset}));
        }
        if (sh.sh_type != SHT_SYMTAB) continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || !sh.sh_entsize) continue;
        size_t n = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < n; i++) {
            GElf_Sym es;
            if (!gelf_getsym(d, (int)i, &es)) continue;
            const char *name = elf_strptr(s->elf, sh.sh_link, es.st_name);
            if (!name || !*name) continue;
            if (!strcmp(name, "runtime.types")) s->types = es.st_value;
            else if (!strcmp(name, "runtime.etypes")) s->etypes = es.st_value;
            else if (!strcmp(name, "runtime.data")) s->data = es.st_value;
            else if (!strcmp(name, "runtime.edata")) s->edata = es.st_value;
            if (GELF_ST_TYPE(es.st_info) != STT_OBJECT || !es.st_size) continue;
            GMD_VEC_PUSH(s->syms, s->nsyms, cap, ((sym){es.st_value, es.st_size, name}));
        }
    }
    if (!s->nsyms) {
        gmd_errf(err, "the binary has no symbol table (built with -ldflags=-s?)");
        gmd_elfsyms_close(s);
        return NULL;
    }
    qsort(s->syms, s->nsyms, sizeof *s->syms, by_addr);
    return s;
}

void gmd_elfsyms_close(gmd_elfsyms *s)
{
    if (!s) return;
    if (s->elf) elf_end(s->elf);
    if (s->fd >= 0) close(s->fd);
    free(s->syms);
    free(s->secs);
    free(s->names);
    gmd_u64map_free(&s->type_cache);
    gmd_arena_free(&s->arena);
    free(s);
}

int gmd_elfsyms_match(void *ctx, uint64_t data_addr, uint64_t data_len, gmd_err *err)
{
    gmd_elfsyms *s = ctx;
    if (!s->data || !s->edata) return 0;   /* not a Go binary's layout: names may still work */
    if (data_len && s->edata - s->data != data_len)
        return gmd_errf(err, "the binary does not match the dump: its data segment is %llu bytes, the dump's %llu",
                        (unsigned long long)(s->edata - s->data), (unsigned long long)data_len);
    s->bias = (int64_t)(data_addr - s->data);
    return 0;
}

const char *gmd_elfsyms_global(void *ctx, uint64_t addr, uint64_t *sym_start)
{
    gmd_elfsyms *s = ctx;
    uint64_t a = addr - (uint64_t)s->bias;
    uint32_t lo = 0, hi = s->nsyms;
    while (hi - lo > 1) {
        uint32_t m = lo + (hi - lo) / 2;
        if (s->syms[m].addr <= a) lo = m;
        else hi = m;
    }
    if (!s->nsyms || s->syms[lo].addr > a || a - s->syms[lo].addr >= s->syms[lo].size) return NULL;
    *sym_start = s->syms[lo].addr + (uint64_t)s->bias;
    return s->syms[lo].name;
}

bool gmd_elfsyms_gap(void *ctx, uint64_t addr, uint64_t *start, uint64_t *end, const char **prev, uint64_t *prev_start)
{
    gmd_elfsyms *s = ctx;
    uint64_t a = addr - (uint64_t)s->bias;
    if (!s->data || !s->edata) return false;
    uint32_t lo = 0, hi = s->nsyms;   /* first symbol above a */
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (s->syms[m].addr <= a) lo = m + 1;
        else hi = m;
    }
    if (lo && a - s->syms[lo - 1].addr < s->syms[lo - 1].size) return false;   /* inside a symbol */
    /* The gap runs from the end of the previous symbol (or the segment start) to the next symbol. */
    uint64_t g0 = lo ? s->syms[lo - 1].addr + s->syms[lo - 1].size : 0, g1 = lo < s->nsyms ? s->syms[lo].addr : UINT64_MAX;
    *prev = lo ? s->syms[lo - 1].name : NULL;
    *prev_start = lo ? s->syms[lo - 1].addr + (uint64_t)s->bias : 0;
    *start = g0 + (uint64_t)s->bias;
    *end = g1 == UINT64_MAX ? UINT64_MAX : g1 + (uint64_t)s->bias;
    return true;
}

/* Bytes of the binary at link address a, n long, or NULL. */
static const uint8_t *at(const gmd_elfsyms *s, uint64_t a, uint64_t n)
{
    for (uint32_t i = 0; i < s->nsecs; i++) {
        const section *sc = &s->secs[i];
        if (a >= sc->addr && a - sc->addr < sc->size && sc->size - (a - sc->addr) >= n)
            return s->raw + sc->offset + (a - sc->addr);
    }
    return NULL;
}

static uint64_t rd(const gmd_elfsyms *s, const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    if (s->big_endian) for (unsigned i = 0; i < n; i++) v = v << 8 | p[i];
    else for (unsigned i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

static const char *lookup_type(gmd_elfsyms *s, uint64_t type_addr)
{
    if (!s->types || !s->etypes) return NULL;
    uint64_t a = type_addr - (uint64_t)s->bias;
    unsigned ptr = s->is64 ? 8 : 4;
    unsigned str_off = 2 * ptr + 8 + 2 * ptr;   /* Size_, PtrBytes, Hash+flags, Equal, GCData */
    if (a < s->types || a >= s->etypes) return NULL;
    const uint8_t *t = at(s, a, str_off + 8);
    if (!t) return NULL;
    uint8_t tflag = t[2 * ptr + 4];
    int32_t nameoff = (int32_t)(uint32_t)rd(s, t + str_off, 4);
    if (nameoff <= 0) return NULL;
    uint64_t na = s->types + (uint64_t)nameoff;
    if (na >= s->etypes) return NULL;
    const uint8_t *p = at(s, na, 2);
    if (!p) return NULL;
    uint64_t len = 0;
    unsigned i = 1, shift = 0;
    for (; i < 11; i++, shift += 7) {
        const uint8_t *b = at(s, na + i, 1);
        if (!b) return NULL;
        len |= (uint64_t)(*b & 0x7f) << shift;
        if (!(*b & 0x80)) break;
    }
    i++;
    if (len == 0 || len > 4096) return NULL;
    const uint8_t *name = at(s, na + i, len);
    if (!name) return NULL;
    if ((tflag & TFLAG_EXTRA_STAR) && name[0] == '*') {
        name++;
        len--;
    }
    return gmd_arena_strndup(&s->arena, (const char *)name, (size_t)len);
}

const char *gmd_elfsyms_type_name(void *ctx, uint64_t type_addr)
{
    gmd_elfsyms *s = ctx;
    uint32_t v = gmd_u64map_get(&s->type_cache, type_addr);
    if (v != UINT32_MAX) return v ? s->names[v - 1] : NULL;
    const char *name = lookup_type(s, type_addr);
    if (name) {
        GMD_VEC_PUSH(s->names, s->nnames, s->capnames, name);
        gmd_u64map_put(&s->type_cache, type_addr, s->nnames);
    } else {
        gmd_u64map_put(&s->type_cache, type_addr, 0);
    }
    return name;
}
