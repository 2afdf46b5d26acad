/* Go types from DWARF for the heap dump's type propagation (gotypes.h).
 *
 * Go's linker writes its own attributes on type DIEs: DW_AT_go_kind (the
 * reflect kind), DW_AT_go_elem, and DW_AT_go_runtime_type (the type
 * descriptor, as an offset from runtime.types). It also synthesises
 * structs for runtime shapes: a map[K]V is a typedef of *map<K,V> whose
 * dirPtr is **table<K,V> and whose tables point at the real group type;
 * a chan T is *hchan<T>. These are Go-specific, so they are read here by
 * hand on top of libdw. */
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/arena.h"
#include "gmd/gotypes.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"
#include "target/gobin_int.h"

#define AT_GO_KIND 0x2900
#define AT_GO_ELEM 0x2902
#define AT_GO_RUNTIME_TYPE 0x2904
enum { K_ARRAY = 17, K_CHAN = 18, K_FUNC = 19, K_IFACE = 20, K_MAP = 21, K_PTR = 22, K_SLICE = 23, K_STRING = 24,
       K_STRUCT = 25, K_UNSAFE = 26 };

#define MAX_UNROLL 64   /* array slots flattened into their parent; longer arrays are walked */
#define MAX_DEPTH 64    /* nesting of values (not pointers) while parsing */

struct gmd_gotypes {
    Dwarf *dw;
    gmd_arena arena;
    gmd_gotype *types;
    uint32_t ntypes, captypes;
    Dwarf_Off *elem_die;        /* [ntypes] DIE of a not yet resolved elem, 0 = resolved/none */
    uint32_t *elem;             /* [ntypes] */
    gmd_goslot *slots;
    uint32_t nslots, capslots;
    gmd_gomember *members;
    uint32_t nmembers, capmembers;
    char *numkind;              /* [ntypes] see gmd_gotypes_number */
    gmd_u64map by_die;          /* DIE offset -> type id */
    gmd_u64map closures;        /* function entry -> closure type id */
    gmd_u64map by_rtype;        /* runtime.types offset -> index into rdies */
    Dwarf_Off *rdies;
    uint32_t nrdies, caprdies;
    uint64_t types_base;
    struct { uint64_t lo, hi; Dwarf_Off off; } *funcs;   /* subprograms, sorted by lo */
    uint32_t nfuncs, capfuncs;
    gmd_govar *vars;
    uint32_t nvars, capvars;
    Dwarf_Off *var_die;         /* [nvars] their type DIEs, resolved on first use */
    struct { const char *name; Dwarf_Off off; } *syncs;   /* internal/sync.entry[..] and indirect[..] structs */
    uint32_t nsyncs, capsyncs;
};

static uint32_t parse(gmd_gotypes *t, Dwarf_Die *die, int depth);

static bool attr_u(Dwarf_Die *die, unsigned name, uint64_t *v)
{
    Dwarf_Attribute a;
    Dwarf_Word w;
    Dwarf_Addr x;
    if (!dwarf_attr(die, name, &a)) return false;
    if (dwarf_formudata(&a, &w) == 0) {
        *v = w;
        return true;
    }
    if (dwarf_formaddr(&a, &x) == 0) {
        *v = x;
        return true;
    }
    return false;
}

static bool ref_die(Dwarf_Die *die, unsigned name, Dwarf_Die *out)
{
    Dwarf_Attribute a;
    return dwarf_attr(die, name, &a) && dwarf_formref_die(&a, out) != NULL;
}

static uint32_t new_type(gmd_gotypes *t, Dwarf_Off off, const char *name, uint8_t kind, uint64_t size)
{
    if (t->ntypes == t->captypes) {
        t->captypes = t->captypes ? t->captypes * 2 : 256;
        t->types = gmd_xrealloc(t->types, t->captypes * sizeof *t->types);
        t->elem_die = gmd_xrealloc(t->elem_die, t->captypes * sizeof *t->elem_die);
        t->elem = gmd_xrealloc(t->elem, t->captypes * sizeof *t->elem);
        t->numkind = gmd_xrealloc(t->numkind, t->captypes);
    }
    uint32_t id = t->ntypes++;
    memset(&t->types[id], 0, sizeof t->types[id]);
    t->types[id].name = name ? name : "?";
    t->types[id].kind = kind;
    t->types[id].size = size;
    t->types[id].group = t->types[id].dirent = GMD_GT_NONE;
    t->elem_die[id] = 0;
    t->elem[id] = GMD_GT_NONE;
    t->numkind[id] = 0;
    if (off) gmd_u64map_put(&t->by_die, off, id);
    return id;
}

static bool follows(uint8_t kind)
{
    return kind != GMD_GT_PLAIN && kind != GMD_GT_STRUCT;
}

/* Append the slots of a value of type `id` at offset `base` to the current slot list. */
static void add_slots(gmd_gotypes *t, uint32_t id, uint64_t base, uint32_t *n)
{
    const gmd_gotype *ty = &t->types[id];
    if (ty->kind == GMD_GT_STRUCT || (ty->kind == GMD_GT_ARRAY && ty->nslots)) {
        for (uint32_t i = 0; i < ty->nslots; i++) {
            gmd_goslot s = t->slots[ty->first_slot + i];
            s.off += base;
            GMD_VEC_PUSH(t->slots, t->nslots, t->capslots, s);
            ty = &t->types[id];
            (*n)++;
        }
        return;
    }
    if (follows(ty->kind)) {
        GMD_VEC_PUSH(t->slots, t->nslots, t->capslots, ((gmd_goslot){base, id}));
        (*n)++;
    }
}

/* The DIE of member `name` of struct DIE `st`, and its offset. */
static bool member(Dwarf_Die *st, const char *name, Dwarf_Die *type, uint64_t *off)
{
    Dwarf_Die m;
    if (dwarf_child(st, &m) != 0) return false;
    do {
        const char *n = dwarf_diename(&m);
        if (dwarf_tag(&m) == DW_TAG_member && n && !strcmp(n, name)) {
            uint64_t o = 0;
            attr_u(&m, DW_AT_data_member_location, &o);
            *off = o;
            return ref_die(&m, DW_AT_type, type);
        }
    } while (dwarf_siblingof(&m, &m) == 0);
    return false;
}

static void peel_typedefs(Dwarf_Die *d)
{
    for (int i = 0; i < 16 && dwarf_tag(d) == DW_TAG_typedef; i++)
        if (!ref_die(d, DW_AT_type, d)) return;
}

/* map<K,V>: the group type behind dirPtr (**table<K,V> -> groups.data -> *group). */
static void setup_maphdr(gmd_gotypes *t, uint32_t id, Dwarf_Die *st, int depth)
{
    Dwarf_Die dp, dl, tab, grp, data;
    uint64_t off_dp, off_dl, o;
    if (!member(st, "dirPtr", &dp, &off_dp) || !member(st, "dirLen", &dl, &off_dl)) return;
    Dwarf_Die ptab = dp;   /* **table */
    if (!ref_die(&ptab, DW_AT_type, &ptab)) return;   /* *table */
    uint32_t dirent = parse(t, &ptab, depth + 1);
    if (!ref_die(&ptab, DW_AT_type, &tab)) return;
    peel_typedefs(&tab);
    if (!member(&tab, "groups", &grp, &o)) return;
    peel_typedefs(&grp);
    if (!member(&grp, "data", &data, &o) || !ref_die(&data, DW_AT_type, &data)) return;
    uint32_t group = parse(t, &data, depth + 1);
    gmd_gotype *ty = &t->types[id];
    ty->special = GMD_GT_MAPHDR;
    ty->off_a = off_dp;
    ty->off_b = off_dl;
    ty->group = group;
    ty->dirent = dirent;
}

static void setup_hchan(gmd_gotypes *t, uint32_t id, Dwarf_Die *st)
{
    Dwarf_Die d;
    uint64_t off_buf, off_q;
    if (!member(st, "buf", &d, &off_buf) || !member(st, "dataqsiz", &d, &off_q)) return;
    t->types[id].special = GMD_GT_HCHAN;
    t->types[id].off_a = off_buf;
    t->types[id].off_b = off_q;
}

/* The struct "<prefix><args>" recorded at load, or GMD_GT_NONE. */
static uint32_t sync_struct(gmd_gotypes *t, const char *prefix, const char *args, int depth)
{
    size_t n = strlen(prefix);
    for (uint32_t i = 0; i < t->nsyncs; i++) {
        const char *s = t->syncs[i].name;
        if (!strncmp(s, prefix, n) && !strcmp(s + n, args)) {
            Dwarf_Die d;
            return dwarf_offdie(t->dw, t->syncs[i].off, &d) ? parse(t, &d, depth + 1) : GMD_GT_NONE;
        }
    }
    return GMD_GT_NONE;
}

static uint32_t parse_struct(gmd_gotypes *t, Dwarf_Die *die, const char *name, uint64_t size, int depth)
{
    uint32_t id = new_type(t, dwarf_dieoffset(die), name, GMD_GT_STRUCT, size);
    bool maphdr = name && !strncmp(name, "map<", 4), hchan = name && !strncmp(name, "hchan<", 6);
    /* Members first (they may add types and slots), then this struct's flattened slots. */
    uint32_t mids[256];
    uint64_t moffs[256];
    const char *mnames[256];
    uint32_t nm = 0;
    Dwarf_Die m;
    if (dwarf_child(die, &m) == 0) {
        do {
            if (dwarf_tag(&m) != DW_TAG_member || nm == 256) continue;
            const char *mn = dwarf_diename(&m);
            if (maphdr && mn && !strcmp(mn, "dirPtr")) continue;   /* walked specially */
            Dwarf_Die mt;
            uint64_t off = 0;
            attr_u(&m, DW_AT_data_member_location, &off);
            if (!ref_die(&m, DW_AT_type, &mt)) continue;
            uint32_t mid = parse(t, &mt, depth + 1);
            if (mid == GMD_GT_NONE) continue;
            mids[nm] = mid;
            moffs[nm] = off;
            mnames[nm] = mn ? mn : "?";
            nm++;
        } while (dwarf_siblingof(&m, &m) == 0);
    }
    /* sync/atomic.Pointer[T] keeps its value in `v unsafe.Pointer`; the type
     * of its `_ [0]*T` member says what v points to: walk v as that *T. */
    uint32_t vptr = GMD_GT_NONE;
    if (name && !strncmp(name, "sync/atomic.Pointer[", 20)) {
        for (uint32_t i = 0; i < nm; i++) {
            const gmd_gotype *mt = &t->types[mids[i]];
            if (mt->kind == GMD_GT_ARRAY && mt->count == 0 && t->elem[mids[i]] != GMD_GT_NONE &&
                t->types[t->elem[mids[i]]].kind == GMD_GT_PTR)
                vptr = t->elem[mids[i]];
        }
    }
    uint32_t first = t->nslots, n = 0;
    for (uint32_t i = 0; i < nm; i++) {
        bool v = vptr != GMD_GT_NONE && !strcmp(mnames[i], "v") && t->types[mids[i]].kind == GMD_GT_PLAIN &&
                 t->types[mids[i]].size == t->types[vptr].size;
        add_slots(t, v ? vptr : mids[i], moffs[i], &n);
    }
    t->types[id].first_slot = first;
    t->types[id].nslots = n;
    t->types[id].first_member = t->nmembers;
    t->types[id].nmembers = nm;
    for (uint32_t i = 0; i < nm; i++) GMD_VEC_PUSH(t->members, t->nmembers, t->capmembers, ((gmd_gomember){mnames[i], moffs[i], mids[i]}));
    if (maphdr) setup_maphdr(t, id, die, depth);
    if (hchan) setup_hchan(t, id, die);
    /* sync.Map's trie points at node[K,V], the first member of both its kinds of node. */
    if (name && !strncmp(name, "internal/sync.node[", 19)) {
        uint32_t e = sync_struct(t, "internal/sync.entry", name + 18, depth);
        uint32_t in = sync_struct(t, "internal/sync.indirect", name + 18, depth);
        if (e != GMD_GT_NONE && in != GMD_GT_NONE) {
            t->types[id].special = GMD_GT_SYNCNODE;
            t->types[id].group = e;
            t->types[id].dirent = in;
        }
    }
    return id;
}

static uint32_t parse_array(gmd_gotypes *t, Dwarf_Die *die, const char *name, int depth)
{
    Dwarf_Die et, sub;
    uint64_t count = 0, ub;
    if (dwarf_child(die, &sub) == 0) {
        do {
            if (dwarf_tag(&sub) != DW_TAG_subrange_type) continue;
            if (attr_u(&sub, DW_AT_count, &count)) break;
            if (attr_u(&sub, DW_AT_upper_bound, &ub)) count = ub + 1;
            break;
        } while (dwarf_siblingof(&sub, &sub) == 0);
    }
    uint32_t id = new_type(t, dwarf_dieoffset(die), name, GMD_GT_ARRAY, 0);
    if (!ref_die(die, DW_AT_type, &et)) return id;
    uint32_t e = parse(t, &et, depth + 1);
    if (e == GMD_GT_NONE) return id;
    uint64_t esize = t->types[e].size;
    t->types[id].count = count;
    t->types[id].size = esize && count <= UINT64_MAX / esize ? esize * count : 0;
    t->elem[id] = e;
    /* Unroll short arrays into slots; a long one is one slot walked element by element. */
    uint32_t first = t->nslots, n = 0;
    uint32_t per = t->types[e].kind == GMD_GT_STRUCT || t->types[e].kind == GMD_GT_ARRAY ? t->types[e].nslots
                   : follows(t->types[e].kind)                                         ? 1
                                                                                       : 0;
    if (!per) {
        t->types[id].kind = GMD_GT_PLAIN;
        return id;
    }
    if (count * per <= MAX_UNROLL) {
        for (uint64_t k = 0; k < count; k++) add_slots(t, e, k * esize, &n);
        t->types[id].first_slot = first;
        t->types[id].nslots = n;
    }
    return id;
}

static uint32_t parse(gmd_gotypes *t, Dwarf_Die *die, int depth)
{
    Dwarf_Off off = dwarf_dieoffset(die);
    uint32_t id = gmd_u64map_get(&t->by_die, off);
    if (id != UINT32_MAX) return id;
    if (depth > MAX_DEPTH) return GMD_GT_NONE;
    const char *name = dwarf_diename(die);
    uint64_t kind = 0, size = 0;
    attr_u(die, AT_GO_KIND, &kind);
    attr_u(die, DW_AT_byte_size, &size);
    Dwarf_Die target, elem;
    switch (dwarf_tag(die)) {
    case DW_TAG_typedef:
        if (!ref_die(die, DW_AT_type, &target)) return new_type(t, off, name, GMD_GT_PLAIN, 0);
        if (kind == K_IFACE) {
            Dwarf_Die st = target;
            peel_typedefs(&st);
            const char *sn = dwarf_diename(&st);
            return new_type(t, off, name, sn && !strcmp(sn, "runtime.eface") ? GMD_GT_EFACE : GMD_GT_IFACE, 16);
        }
        if (kind == K_MAP || kind == K_CHAN) {
            id = new_type(t, off, name, kind == K_MAP ? GMD_GT_MAP : GMD_GT_CHAN, 8);
            Dwarf_Die st;
            if (!ref_die(&target, DW_AT_type, &st)) return id;   /* *map<K,V> -> map<K,V> */
            peel_typedefs(&st);
            uint32_t hdr = parse(t, &st, depth + 1);
            if (hdr == GMD_GT_NONE) return id;
            t->elem[id] = hdr;
            /* The header object is the map (or channel) the user declared: name it so. */
            t->types[hdr].name = name ? name : t->types[hdr].name;
            if (kind == K_CHAN && ref_die(die, AT_GO_ELEM, &elem)) {
                uint32_t el = parse(t, &elem, depth + 1);   /* may grow t->types: assign after */
                t->types[hdr].group = el;
            }
            return id;
        }
        if (kind == K_FUNC) return new_type(t, off, name, GMD_GT_FUNC, 8);
        id = parse(t, &target, depth + 1);
        if (id != GMD_GT_NONE) gmd_u64map_put(&t->by_die, off, id);
        return id;
    case DW_TAG_structure_type:
        if (kind == K_SLICE || kind == K_STRING) {
            id = new_type(t, off, name, kind == K_SLICE ? GMD_GT_SLICE : GMD_GT_STRING, size);
            if (kind == K_SLICE && ref_die(die, AT_GO_ELEM, &elem)) t->elem_die[id] = dwarf_dieoffset(&elem);
            return id;
        }
        return parse_struct(t, die, name, size, depth);
    case DW_TAG_pointer_type:
        if (kind == K_UNSAFE || !ref_die(die, DW_AT_type, &target)) return new_type(t, off, name, GMD_GT_PLAIN, 8);
        id = new_type(t, off, name, GMD_GT_PTR, 8);
        t->elem_die[id] = dwarf_dieoffset(&target);
        return id;
    case DW_TAG_array_type: return parse_array(t, die, name, depth);
    case DW_TAG_subroutine_type: return new_type(t, off, name, GMD_GT_FUNC, 8);
    case DW_TAG_base_type: {
        id = new_type(t, off, name, GMD_GT_PLAIN, size);
        uint64_t enc = 0;
        attr_u(die, DW_AT_encoding, &enc);
        t->numkind[id] = enc == DW_ATE_signed ? 'i' : enc == DW_ATE_unsigned ? 'u' : enc == DW_ATE_float ? 'f'
                         : enc == DW_ATE_boolean ? 'b' : 0;
        return id;
    }
    default: return new_type(t, off, name, GMD_GT_PLAIN, size);
    }
}

static uint32_t parse_off(gmd_gotypes *t, Dwarf_Off off)
{
    uint32_t id = gmd_u64map_get(&t->by_die, off);
    if (id != UINT32_MAX) return id;
    Dwarf_Die die;
    if (!dwarf_offdie(t->dw, off, &die)) return GMD_GT_NONE;
    return parse(t, &die, 0);
}

static bool var_addr(Dwarf_Die *v, uint64_t *addr)
{
    Dwarf_Attribute a;
    Dwarf_Block blk;
    if (!dwarf_attr(v, DW_AT_location, &a) || dwarf_formblock(&a, &blk) != 0) return false;
    /* Go writes DW_OP_addr in a block1 form that libdw does not take as an expression. */
    if (blk.length != 9 || blk.data[0] != DW_OP_addr) return false;
    uint64_t x = 0;
    for (int k = 8; k >= 1; k--) x = x << 8 | blk.data[k];
    *addr = x;
    return true;
}

static int by_lo(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;   /* lo is the first member */
    return *x < *y ? -1 : *x > *y;
}

static int by_addr(const void *a, const void *b)
{
    const gmd_govar *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

gmd_gotypes *gmd_gotypes_load(gmd_gobin *bin, gmd_err *err)
{
    Dwarf *dw = gmd_gobin_dwarf_handle(bin);
    if (!dw) {
        gmd_errf(err, "the binary has no DWARF (built with -ldflags=-w?)");
        return NULL;
    }
    gmd_gotypes *t = gmd_xcalloc(1, sizeof *t);
    t->dw = dw;
    gmd_arena_init(&t->arena, 64 << 10);
    gmd_u64map_init(&t->by_die);
    gmd_u64map_init(&t->by_rtype);
    gmd_u64map_init(&t->closures);
    uint64_t sz;
    gmd_gobin_symbol(bin, "runtime.types", &t->types_base, &sz);
    uint32_t nvd = 0, capvd = 0;
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie, die;
    Dwarf_Half version;
    uint8_t unit_type;
    while (dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, NULL) == 0) {
        if (dwarf_child(&cudie, &die) != 0) continue;
        do {
            int tag = dwarf_tag(&die);
            uint64_t v;
            const char *name;
            Dwarf_Addr lo, hi;
            if (tag == DW_TAG_subprogram) {
                if (dwarf_lowpc(&die, &lo) == 0 && dwarf_highpc(&die, &hi) == 0 && hi > lo) {
                    GMD_VEC_RESERVE1(t->funcs, t->nfuncs, t->capfuncs);
                    t->funcs[t->nfuncs].lo = lo;
                    t->funcs[t->nfuncs].hi = hi;
                    t->funcs[t->nfuncs].off = dwarf_dieoffset(&die);
                    t->nfuncs++;
                }
            } else if (tag == DW_TAG_variable) {
                uint64_t addr;
                Dwarf_Die ty;
                name = dwarf_diename(&die);
                if (!name || !var_addr(&die, &addr) || !ref_die(&die, DW_AT_type, &ty)) continue;
                GMD_VEC_PUSH(t->vars, t->nvars, t->capvars, ((gmd_govar){name, addr, 0, GMD_GT_NONE}));
                GMD_VEC_PUSH(t->var_die, nvd, capvd, dwarf_dieoffset(&ty));
            } else if (tag == DW_TAG_structure_type && (name = dwarf_diename(&die)) &&
                       (!strncmp(name, "internal/sync.entry[", 20) || !strncmp(name, "internal/sync.indirect[", 23))) {
                GMD_VEC_RESERVE1(t->syncs, t->nsyncs, t->capsyncs);
                t->syncs[t->nsyncs].name = name;
                t->syncs[t->nsyncs].off = dwarf_dieoffset(&die);
                t->nsyncs++;
                if (attr_u(&die, AT_GO_RUNTIME_TYPE, &v) && v && gmd_u64map_get(&t->by_rtype, v) == UINT32_MAX) {
                    GMD_VEC_PUSH(t->rdies, t->nrdies, t->caprdies, dwarf_dieoffset(&die));
                    gmd_u64map_put(&t->by_rtype, v, t->nrdies - 1);
                }
            } else if (attr_u(&die, AT_GO_RUNTIME_TYPE, &v) && v) {
                if (gmd_u64map_get(&t->by_rtype, v) != UINT32_MAX) continue;
                /* Prefer the DIE with a kind (the typedef of a named map or interface). */
                GMD_VEC_PUSH(t->rdies, t->nrdies, t->caprdies, dwarf_dieoffset(&die));
                gmd_u64map_put(&t->by_rtype, v, t->nrdies - 1);
            }
        } while (dwarf_siblingof(&die, &die) == 0);
    }
    /* Sort variables by address, carrying their type DIEs along. */
    gmd_govar *vs = t->vars;
    for (uint32_t i = 0; i < t->nvars; i++) vs[i].size = (uint64_t)t->var_die[i];   /* park the DIE offset */
    if (t->nvars) qsort(vs, t->nvars, sizeof *vs, by_addr);
    if (t->nfuncs) qsort(t->funcs, t->nfuncs, sizeof *t->funcs, by_lo);
    for (uint32_t i = 0; i < t->nvars; i++) {
        t->var_die[i] = (Dwarf_Off)vs[i].size;
        vs[i].size = 0;
    }
    return t;
}

void gmd_gotypes_free(gmd_gotypes *t)
{
    if (!t) return;
    free(t->types);
    free(t->elem_die);
    free(t->elem);
    free(t->slots);
    free(t->members);
    free(t->numkind);
    free(t->rdies);
    free(t->vars);
    free(t->var_die);
    free(t->funcs);
    free(t->syncs);
    gmd_u64map_free(&t->by_die);
    gmd_u64map_free(&t->closures);
    gmd_u64map_free(&t->by_rtype);
    gmd_arena_free(&t->arena);
    free(t);
}

const gmd_gotype *gmd_gotypes_get(const gmd_gotypes *t, uint32_t id) { return id < t->ntypes ? &t->types[id] : NULL; }

const gmd_goslot *gmd_gotypes_slots(const gmd_gotypes *t, uint32_t id) { return t->slots + t->types[id].first_slot; }

const gmd_gomember *gmd_gotypes_members(const gmd_gotypes *t, uint32_t id) { return t->members + t->types[id].first_member; }

char gmd_gotypes_number(const gmd_gotypes *t, uint32_t id) { return id < t->ntypes ? t->numkind[id] : 0; }

uint32_t gmd_gotypes_elem(gmd_gotypes *t, uint32_t id)
{
    if (id >= t->ntypes) return GMD_GT_NONE;
    if (t->elem_die[id]) {
        Dwarf_Off off = t->elem_die[id];
        t->elem_die[id] = 0;
        uint32_t e = parse_off(t, off);   /* may grow t->elem: assign after */
        t->elem[id] = e;
    }
    return t->elem[id];
}

uint32_t gmd_gotypes_by_rtype(gmd_gotypes *t, uint64_t addr)
{
    if (!t->types_base || addr < t->types_base) return GMD_GT_NONE;
    uint32_t i = gmd_u64map_get(&t->by_rtype, addr - t->types_base);
    return i == UINT32_MAX ? GMD_GT_NONE : parse_off(t, t->rdies[i]);
}

uint32_t gmd_gotypes_nvars(const gmd_gotypes *t) { return t->nvars; }

const gmd_govar *gmd_gotypes_var(gmd_gotypes *t, uint32_t i)
{
    gmd_govar *v = &t->vars[i];
    if (v->type == GMD_GT_NONE && t->var_die[i]) {
        v->type = parse_off(t, t->var_die[i]);
        t->var_die[i] = 0;
        if (v->type != GMD_GT_NONE) v->size = t->types[v->type].size;
    }
    return v;
}

bool gmd_gotypes_direct(gmd_gotypes *t, uint32_t id)
{
    for (int i = 0; i < 8 && id < t->ntypes; i++) {
        const gmd_gotype *ty = &t->types[id];
        if (ty->kind == GMD_GT_PTR || ty->kind == GMD_GT_MAP || ty->kind == GMD_GT_CHAN || ty->kind == GMD_GT_FUNC) return true;
        if (ty->size != 8) return false;
        if (ty->kind == GMD_GT_PLAIN) return !strcmp(ty->name, "unsafe.Pointer");
        /* A struct or array of one pointer-shaped value is pointer-shaped too. */
        if ((ty->kind == GMD_GT_STRUCT || ty->kind == GMD_GT_ARRAY) && ty->nslots == 1) {
            id = t->slots[ty->first_slot].type;
            continue;
        }
        return false;
    }
    return false;
}

/* Pieces of one location expression: DW_OP_fbreg N (the frame base is the
 * CFA in Go) or DW_OP_call_frame_cfa [DW_OP_consts N DW_OP_plus], each
 * optionally followed by DW_OP_piece. Registers end a piece unplaced. */
static uint32_t decode_pieces(const Dwarf_Op *ops, size_t n, uint32_t type, gmd_goframevar *out, uint32_t max)
{
    uint32_t k = 0;
    uint64_t piece = 0;
    bool placed = false;
    int64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        switch (ops[i].atom) {
        case DW_OP_fbreg: placed = true; off = (int64_t)ops[i].number; break;
        case DW_OP_call_frame_cfa: placed = true; off = 0; break;
        case DW_OP_consts:
            if (i + 1 < n && ops[i + 1].atom == DW_OP_plus) {
                off += (int64_t)ops[i].number;
                i++;
            } else
                placed = false;
            break;
        case DW_OP_piece:
            if (placed && k < max) out[k++] = (gmd_goframevar){type, off, piece, ops[i].number};
            piece += ops[i].number;
            placed = false;
            break;
        default: placed = false; break;
        }
    }
    if (placed && k < max && piece == 0) out[k++] = (gmd_goframevar){type, off, 0, 0};
    return k;
}

/* Go writes some expressions in a block form libdw does not decode: read the two ops gmd needs. */
static size_t decode_block(const Dwarf_Block *b, Dwarf_Op *ops, size_t max)
{
    size_t n = 0, i = 0;
    while (i < b->length && n < max) {
        uint8_t op = b->data[i++];
        ops[n].atom = op;
        ops[n].number = 0;
        if (op == DW_OP_fbreg || op == DW_OP_consts) {
            int64_t v = 0;
            unsigned shift = 0;
            uint8_t c = 0x80;
            while (i < b->length && (c & 0x80) && shift < 64) {
                c = b->data[i++];
                v |= (int64_t)(c & 0x7f) << shift;
                shift += 7;
            }
            if (shift < 64 && (c & 0x40)) v |= -((int64_t)1 << shift);
            ops[n].number = (Dwarf_Word)v;
        } else if (op == DW_OP_piece) {
            uint64_t v = 0;
            unsigned shift = 0;
            uint8_t c = 0x80;
            while (i < b->length && (c & 0x80) && shift < 64) {
                c = b->data[i++];
                v |= (uint64_t)(c & 0x7f) << shift;
                shift += 7;
            }
            ops[n].number = v;
        } else if (op != DW_OP_call_frame_cfa && op != DW_OP_plus) {
            n++;
            break;   /* registers and the rest: not followed */
        }
        n++;
    }
    return n;
}

/* Variables in scope at pc whose locations are read at loc_pc (see gmd_gotypes_frame_vars). */
static uint32_t scope_vars(gmd_gotypes *t, Dwarf_Die *scope, uint64_t pc, uint64_t loc_pc, gmd_goframevar *out, uint32_t max,
                           int depth)
{
    Dwarf_Die c;
    uint32_t k = 0;
    if (depth > 16 || dwarf_child(scope, &c) != 0) return 0;
    do {
        int tag = dwarf_tag(&c);
        /* A function inlined here keeps its parameters and locals in its own
         * scope, with locations in this frame. */
        if (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine) {
            if (dwarf_haspc(&c, pc) == 1) k += scope_vars(t, &c, pc, loc_pc, out + k, max - k, depth + 1);
            continue;
        }
        if (tag != DW_TAG_variable && tag != DW_TAG_formal_parameter) continue;
        Dwarf_Attribute a, ta;
        Dwarf_Die ty;
        /* Inlined and out-of-line copies name their type through DW_AT_abstract_origin. */
        if (!dwarf_attr(&c, DW_AT_location, &a) || !dwarf_attr_integrate(&c, DW_AT_type, &ta) ||
            !dwarf_formref_die(&ta, &ty))
            continue;
        uint32_t type = parse(t, &ty, 0);
        if (type == GMD_GT_NONE) continue;
        Dwarf_Op *ops;
        size_t nops;
        Dwarf_Block blk;
        Dwarf_Op local[32];
        if (dwarf_getlocation_addr(&a, loc_pc, &ops, &nops, 1) == 1 || (loc_pc != pc && dwarf_getlocation_addr(&a, pc, &ops, &nops, 1) == 1)) {
            k += decode_pieces(ops, nops, type, out + k, max - k);
        } else if (dwarf_formblock(&a, &blk) == 0) {
            nops = decode_block(&blk, local, 32);
            k += decode_pieces(local, nops, type, out + k, max - k);
        }
    } while (k < max && dwarf_siblingof(&c, &c) == 0);
    return k;
}

/* Index into funcs of the function containing pc, or UINT32_MAX. */
static uint32_t func_at(const gmd_gotypes *t, uint64_t pc)
{
    uint32_t lo = 0, hi = t->nfuncs;   /* the last function starting at or below pc */
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (t->funcs[m].lo <= pc) lo = m + 1;
        else hi = m;
    }
    return lo && pc < t->funcs[lo - 1].hi ? lo - 1 : UINT32_MAX;
}

uint32_t gmd_gotypes_frame_vars(gmd_gotypes *t, uint64_t pc, bool ret, gmd_goframevar *out, uint32_t max)
{
    uint64_t at = ret && pc ? pc - 1 : pc;
    uint32_t f = func_at(t, at);
    Dwarf_Die fn;
    if (f == UINT32_MAX || !dwarf_offdie(t->dw, t->funcs[f].off, &fn)) return 0;
    return scope_vars(t, &fn, at, pc, out, max, 0);
}

/* The name of funcs[f]; an out-of-line copy of an inlinable function has it on its origin. */
static const char *func_name(gmd_gotypes *t, uint32_t f)
{
    Dwarf_Die fn;
    Dwarf_Attribute a;
    if (!dwarf_offdie(t->dw, t->funcs[f].off, &fn) || !dwarf_attr_integrate(&fn, DW_AT_name, &a)) return NULL;
    return dwarf_formstring(&a);
}

/* Whether the compiler names function `name` as a closure body: "f.func1",
 * "f.func1.2", "f.gowrap1", "f.deferwrap1", or a method value "T.M-fm". */
static bool closure_name(const char *name)
{
    size_t n = strlen(name);
    if (n > 3 && !strcmp(name + n - 3, "-fm")) return true;
    static const char *const marks[] = {".func", ".gowrap", ".deferwrap"};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        for (const char *p = strstr(name, marks[i]); p; p = strstr(p + 1, marks[i])) {
            const char *d = p + strlen(marks[i]);
            if (*d >= '0' && *d <= '9') return true;
        }
    return false;
}

uint32_t gmd_gotypes_closure_entry(gmd_gotypes *t, uint64_t pc, uint64_t ptr_size)
{
    uint32_t f = func_at(t, pc);
    if (f == UINT32_MAX || t->funcs[f].lo != pc) return GMD_GT_NONE;
    uint32_t id = gmd_u64map_get(&t->closures, pc);
    if (id != UINT32_MAX) return id;
    const char *name = func_name(t, f);
    if (!name || !closure_name(name)) return GMD_GT_NONE;
    return gmd_gotypes_closure(t, pc, ptr_size);
}

uint32_t gmd_gotypes_closure(gmd_gotypes *t, uint64_t pc, uint64_t ptr_size)
{
    uint32_t f = func_at(t, pc);
    if (f == UINT32_MAX) return GMD_GT_NONE;
    uint32_t id = gmd_u64map_get(&t->closures, t->funcs[f].lo);
    if (id != UINT32_MAX) return id;
    const char *name = func_name(t, f);
    id = new_type(t, 0, gmd_arena_printf(&t->arena, "closure %s", name ? name : "?"), GMD_GT_PLAIN, ptr_size);
    t->types[id].special = GMD_GT_CLOSURE;
    gmd_u64map_put(&t->closures, t->funcs[f].lo, id);
    return id;
}
