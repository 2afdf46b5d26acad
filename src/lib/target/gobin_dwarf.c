/* Struct layouts and global variables of a Go executable from its DWARF,
 * read with elfutils libdw (which also inflates Go's compressed sections).
 *
 * The first lookup indexes the top-level DIEs of every compilation unit by
 * name (one pass); each lookup after that is a hash probe plus a walk of
 * one struct's members. Go names a struct type "runtime.g"
 * (DW_TAG_structure_type) and a named non-struct type with a typedef. */
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/xalloc.h"
#include "target/gobin_int.h"

typedef struct dwent {
    const char *name;        /* owned by libdw (the string section) */
    Dwarf_Off off;
} dwent;

typedef struct dwtab {
    dwent *e;
    uint32_t n, cap;
    gmd_index idx;
} dwtab;

struct gmd_dwindex {
    Dwarf *dw;
    dwtab types, vars;
};

typedef struct {
    const dwtab *t;
    const char *name;
} dwkey;

static bool ent_eq(const void *ctx, uint32_t i)
{
    const dwkey *k = ctx;
    return strcmp(k->t->e[i].name, k->name) == 0;
}

static int32_t tab_find(const dwtab *t, const char *name)
{
    dwkey k = {t, name};
    uint32_t i = gmd_index_find(&t->idx, gmd_hash_bytes(name, strlen(name)), ent_eq, &k);
    return i == UINT32_MAX ? -1 : (int32_t)i;
}

/* A struct definition replaces an earlier typedef or declaration of the same name. */
static void tab_add(dwtab *t, const char *name, Dwarf_Off off, bool prefer)
{
    int32_t i = tab_find(t, name);
    if (i >= 0) {
        if (prefer) t->e[i].off = off;
        return;
    }
    GMD_VEC_PUSH(t->e, t->n, t->cap, ((dwent){name, off}));
    gmd_index_insert(&t->idx, gmd_hash_bytes(name, strlen(name)), t->n - 1);
}

bool gmd_gobin_dwarf_present(Elf *elf)
{
    size_t shstrndx;
    if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        const char *n = elf_strptr(elf, shstrndx, sh.sh_name);
        if (n && (!strcmp(n, ".debug_info") || !strcmp(n, ".zdebug_info")) && sh.sh_size) return true;
    }
    return false;
}

struct gmd_dwindex *gmd_gobin_dwarf_open(Elf *elf)
{
    if (!gmd_gobin_dwarf_present(elf)) return NULL;
    Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
    if (!dw) return NULL;
    struct gmd_dwindex *d = gmd_xcalloc(1, sizeof *d);
    d->dw = dw;
    gmd_index_init(&d->types.idx);
    gmd_index_init(&d->vars.idx);
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie, die;
    Dwarf_Half version;
    uint8_t unit_type;
    while (dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, NULL) == 0) {
        if (dwarf_child(&cudie, &die) != 0) continue;
        do {
            int tag = dwarf_tag(&die);
            const char *name = dwarf_diename(&die);
            if (!name) continue;
            switch (tag) {
            case DW_TAG_structure_type:
            case DW_TAG_typedef:
            case DW_TAG_base_type:
            case DW_TAG_pointer_type:
            case DW_TAG_array_type:
                tab_add(&d->types, name, dwarf_dieoffset(&die), tag == DW_TAG_structure_type && !dwarf_hasattr(&die, DW_AT_declaration));
                break;
            case DW_TAG_variable:
                tab_add(&d->vars, name, dwarf_dieoffset(&die), false);
                break;
            }
        } while (dwarf_siblingof(&die, &die) == 0);
    }
    return d;
}

void gmd_gobin_dwarf_close(struct gmd_dwindex *d)
{
    if (!d) return;
    dwarf_end(d->dw);
    free(d->types.e);
    free(d->vars.e);
    gmd_index_free(&d->types.idx);
    gmd_index_free(&d->vars.idx);
    free(d);
}

static struct gmd_dwindex *index_of(gmd_gobin *b) { return *gmd_gobin_dwslot(b); }

/* The type DIE named `type`, typedefs peeled. */
static bool type_die(struct gmd_dwindex *d, const char *type, Dwarf_Die *out)
{
    int32_t i = tab_find(&d->types, type);
    if (i < 0) return false;
    Dwarf_Die die;
    if (!dwarf_offdie(d->dw, d->types.e[i].off, &die)) return false;
    return dwarf_peel_type(&die, out) == 0;
}

/* The member at a dotted path below struct `st`: its offset summed over
 * the path and the member DIE. */
static bool member_path(Dwarf_Die *st, const char *path, uint64_t *offset, Dwarf_Die *member)
{
    Dwarf_Die cur = *st;
    uint64_t total = 0;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (dwarf_tag(&cur) != DW_TAG_structure_type) return false;
        Dwarf_Die m;
        bool found = false;
        if (dwarf_child(&cur, &m) == 0) {
            do {
                const char *n = dwarf_diename(&m);
                if (dwarf_tag(&m) == DW_TAG_member && n && strlen(n) == len && !memcmp(n, p, len)) {
                    found = true;
                    break;
                }
            } while (dwarf_siblingof(&m, &m) == 0);
        }
        if (!found) return false;
        Dwarf_Attribute a;
        Dwarf_Word off = 0;
        if (dwarf_attr(&m, DW_AT_data_member_location, &a) && dwarf_formudata(&a, &off) != 0) return false;
        total += off;
        if (!dot) {
            *offset = total;
            *member = m;
            return true;
        }
        Dwarf_Die t;
        if (!dwarf_attr_integrate(&m, DW_AT_type, &a) || !dwarf_formref_die(&a, &t) || dwarf_peel_type(&t, &cur) != 0)
            return false;
        p = dot + 1;
    }
}

bool gmd_gobin_dwarf_size(gmd_gobin *b, const char *type, uint64_t *size)
{
    struct gmd_dwindex *d = index_of(b);
    Dwarf_Die t;
    Dwarf_Word sz;
    if (!d || !type_die(d, type, &t) || dwarf_aggregate_size(&t, &sz) != 0) return false;
    *size = sz;
    return true;
}

bool gmd_gobin_dwarf_offset(gmd_gobin *b, const char *type, const char *field, uint64_t *offset)
{
    struct gmd_dwindex *d = index_of(b);
    Dwarf_Die t, m;
    return d && type_die(d, type, &t) && member_path(&t, field, offset, &m);
}

bool gmd_gobin_dwarf_field_size(gmd_gobin *b, const char *type, const char *field, uint64_t *size)
{
    struct gmd_dwindex *d = index_of(b);
    Dwarf_Die t, m, mt;
    Dwarf_Attribute a;
    Dwarf_Word sz;
    uint64_t off;
    if (!d || !type_die(d, type, &t) || !member_path(&t, field, &off, &m)) return false;
    if (!dwarf_attr_integrate(&m, DW_AT_type, &a) || !dwarf_formref_die(&a, &mt) || dwarf_aggregate_size(&mt, &sz) != 0)
        return false;
    *size = sz;
    return true;
}

bool gmd_gobin_dwarf_var(gmd_gobin *b, const char *name, uint64_t *addr, uint64_t *size)
{
    struct gmd_dwindex *d = index_of(b);
    if (!d) return false;
    int32_t i = tab_find(&d->vars, name);
    Dwarf_Die v, t;
    Dwarf_Attribute a;
    Dwarf_Op *ops;
    size_t nops;
    if (i < 0 || !dwarf_offdie(d->dw, d->vars.e[i].off, &v)) return false;
    if (!dwarf_attr(&v, DW_AT_location, &a)) return false;
    Dwarf_Block blk;
    if (dwarf_getlocation(&a, &ops, &nops) != 0) {
        /* Go writes the location as DW_FORM_block1 even in DWARF 5, which
         * libdw does not take for an expression: decode DW_OP_addr itself. */
        if (dwarf_formblock(&a, &blk) != 0 || blk.length != 9 || blk.data[0] != DW_OP_addr) return false;
        uint64_t x = 0;
        for (int k = 8; k >= 1; k--) x = x << 8 | blk.data[k];
        *addr = x;
    } else if (nops != 1)
        return false;
    else if (ops[0].atom == DW_OP_addr) *addr = ops[0].number;
    else if (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) {
        Dwarf_Attribute r;
        Dwarf_Addr x;
        if (dwarf_getlocation_attr(&a, &ops[0], &r) != 0 || dwarf_formaddr(&r, &x) != 0) return false;
        *addr = x;
    } else
        return false;
    Dwarf_Word sz = 0;
    if (dwarf_attr_integrate(&v, DW_AT_type, &a) && dwarf_formref_die(&a, &t)) dwarf_aggregate_size(&t, &sz);
    *size = sz;
    return true;
}

const char *gmd_gobin_dwarf_var_type(gmd_gobin *b, const char *name)
{
    struct gmd_dwindex *d = index_of(b);
    if (!d) return NULL;
    int32_t i = tab_find(&d->vars, name);
    Dwarf_Die v, t;
    Dwarf_Attribute a;
    if (i < 0 || !dwarf_offdie(d->dw, d->vars.e[i].off, &v)) return NULL;
    if (!dwarf_attr_integrate(&v, DW_AT_type, &a) || !dwarf_formref_die(&a, &t)) return NULL;
    return dwarf_diename(&t);
}

Dwarf *gmd_gobin_dwarf_handle(gmd_gobin *b)
{
    struct gmd_dwindex *d = index_of(b);
    return d ? d->dw : NULL;
}
