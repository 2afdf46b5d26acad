/* Type propagation over a heap dump.
 *
 * The dump carries no types, except the malloc header of small objects
 * that hold pointers (513 B to 32 KiB). Everything else is typed here by
 * evidence: a global's DWARF type says what its pointer slots point to;
 * an object of a known type says the same of its own slots; an interface
 * names its dynamic type (type word, or itab record -> type); maps and
 * channels are followed through their runtime layouts (gotypes.h).
 * Evidence conflicts are settled by trust: a malloc header beats anything
 * propagated, a larger type beats a smaller one at the same address (a
 * pointer to a struct's first field says less than one to the struct),
 * and a string's bytes are the weakest claim. No evidence: no type.
 *
 * A worklist holds objects whose type is new; each is walked once per type
 * it gets, and types only grow, so the walk ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/dump_types.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"

#define STRDATA (UINT32_MAX - 1)   /* obj_type value for the bytes of strings, before naming */
#define MAX_STATIC_DEPTH 4          /* static blocks pointing at static blocks */
#define HAS_HEADER 1                /* the object starts with a malloc header word */
#define FROM_HEADER 2               /* and that header gave its type */

typedef struct prop {
    gmd_objgraph *g;
    gmd_gotypes *t;
    uint64_t bias;
    uint32_t *type;          /* [nobjects] id * 2 + array flag; GMD_NO_NODE; STRDATA */
    uint8_t *hdr;            /* [nobjects] HAS_HEADER, FROM_HEADER (one array: a cache miss less per pointer) */
    uint32_t *work;
    uint32_t nwork, capwork;
    gmd_u64map itab;         /* itab address -> index into g->itabs */
    gmd_hd_bytes data, bss;
    /* While a stack frame is walked: the frame's (and its caller's) bytes
     * and live pointer offsets; a dead slot may hold a stale pointer. */
    struct { const uint8_t *p; uint64_t *off; uint32_t n, cap; } live[2];
    uint64_t dropped;        /* file offset of the read after which the mapping was last released */
} prop;

static bool is_live(const prop *p, gmd_hd_bytes b, uint64_t off)
{
    for (int i = 0; i < 2; i++) {
        if (!p->live[i].p || p->live[i].p != b.p) continue;
        uint32_t lo = 0, hi = p->live[i].n;
        while (lo < hi) {
            uint32_t m = lo + (hi - lo) / 2;
            if (p->live[i].off[m] < off) lo = m + 1;
            else hi = m;
        }
        return lo < p->live[i].n && p->live[i].off[lo] == off;
    }
    return true;   /* not frame memory */
}

static void walk_value(prop *p, uint32_t id, gmd_hd_bytes b, uint64_t base, uint64_t self_addr, int depth);

static uint64_t word(const prop *p, gmd_hd_bytes b, uint64_t off, bool *ok)
{
    if (off > b.len || b.len - off < p->g->ptr_size) {
        *ok = false;
        return 0;
    }
    *ok = true;
    return gmd_hd_word(&p->g->reader, b, off);
}

static uint64_t type_size_t(const gmd_gotypes *t, uint32_t id)
{
    const gmd_gotype *ty = gmd_gotypes_get(t, id);
    return ty ? ty->size : 0;
}

static uint64_t type_size(prop *p, uint32_t id)
{
    const gmd_gotype *ty = gmd_gotypes_get(p->t, id);
    return ty ? ty->size : 0;
}

/* The offset of an object's value: past the malloc header word when it has one. */
static uint64_t value_off(const prop *p, uint32_t o) { return p->hdr[o] & HAS_HEADER ? p->g->ptr_size : 0; }

/* Whether a value of the type holds anything to follow (else its objects are not read again). */
static bool follows_any(const prop *p, uint32_t id)
{
    const gmd_gotype *ty = gmd_gotypes_get(p->t, id);
    if (!ty) return false;
    if (ty->kind == GMD_GT_PLAIN) return false;
    if (ty->kind == GMD_GT_STRUCT) return ty->nslots || ty->special == GMD_GT_MAPHDR || ty->special == GMD_GT_HCHAN;
    return true;   /* ARRAY kinds left are arrays of pointer-bearing elements */
}

static void push(prop *p, uint32_t o)
{
    GMD_VEC_PUSH(p->work, p->nwork, p->capwork, o);
}

/* Object o holds a `id` (or an array of them) at its value offset. */
static void propose(prop *p, uint32_t o, uint32_t id)
{
    if (p->hdr[o] & FROM_HEADER) return;
    const gmd_gotype *nt = gmd_gotypes_get(p->t, id);
    if (nt && nt->special == GMD_GT_SYNCNODE) {
        /* A sync.Map trie node: its isEntry byte says which node it heads. */
        gmd_hd_bytes b;
        gmd_hd_fields f;
        uint64_t off = value_off(p, o);
        if (gmd_hd_object_at(&p->g->reader, p->g->obj_rec[o], &b, &f) < 0 || off >= b.len) return;
        id = b.p[off] ? nt->group : nt->dirent;
    }
    uint64_t size = type_size(p, id), room = p->g->obj_size[o] - value_off(p, o);
    if (!size || size > room) return;
    uint32_t cur = p->type[o];
    uint32_t key = id * 2 + (room >= 2 * size && gmd_gotypes_get(p->t, id)->special != GMD_GT_CLOSURE);
    if (cur == key) return;
    if (cur != GMD_NO_NODE && cur != STRDATA && type_size(p, cur / 2) >= size) return;
    p->type[o] = key;
    if (follows_any(p, id)) push(p, o);
}

/* A value of type `id` lives at static address a (an unnamed block of data/bss). */
static void in_static(prop *p, uint64_t a, uint32_t id, int depth)
{
    if (depth >= MAX_STATIC_DEPTH) return;
    const gmd_objgraph *g = p->g;
    if (p->data.p && a >= g->data_addr && a - g->data_addr < p->data.len)
        walk_value(p, id, p->data, a - g->data_addr, a, depth + 1);
    else if (p->bss.p && a >= g->bss_addr && a - g->bss_addr < p->bss.len)
        walk_value(p, id, p->bss, a - g->bss_addr, a, depth + 1);
}

/* Pointer `a` points at a value of type `id`; `array` allows an address
 * inside an array of them (a slice of a larger backing array). */
static void points_to(prop *p, uint64_t a, uint32_t id, bool array, int depth)
{
    if (!a || id == GMD_GT_NONE) return;
    bool at_start;
    uint32_t n = gmd_objgraph_find_start(p->g, a, &at_start);
    if (n == GMD_NO_NODE) {
        in_static(p, a, id, depth);
        return;
    }
    uint32_t o = gmd_node_object(p->g, n);
    /* Most pointers hold an object's address: settled without obj_addr. */
    if (at_start || (!array && !(p->hdr[o] & HAS_HEADER))) {
        if (at_start && !(p->hdr[o] & HAS_HEADER)) propose(p, o, id);
        return;
    }
    uint64_t start = p->g->obj_addr[o] + value_off(p, o);
    if (a == start) {
        propose(p, o, id);
        return;
    }
    uint64_t size = type_size(p, id);
    if (array && a > start && size && (a - start) % size == 0) propose(p, o, id);
}

static void string_bytes(prop *p, uint64_t a)
{
    uint32_t n = a ? gmd_objgraph_find(p->g, a) : GMD_NO_NODE;
    if (n == GMD_NO_NODE) return;
    uint32_t o = gmd_node_object(p->g, n);
    if (p->type[o] == GMD_NO_NODE && !(p->hdr[o] & FROM_HEADER)) p->type[o] = STRDATA;   /* nothing to walk in bytes */
}

/* The dynamic type of an interface: its type word, or its itab's type. */
static uint32_t dynamic_type(prop *p, uint64_t w, bool itab)
{
    if (!w) return GMD_GT_NONE;
    if (itab) {
        uint32_t i = gmd_u64map_get(&p->itab, w);
        if (i == UINT32_MAX) return GMD_GT_NONE;
        w = p->g->itabs[2 * i + 1];
    }
    return gmd_gotypes_by_rtype(p->t, w - p->bias);
}

/* One slot: a pointer-bearing value of type `id` at b[off]. */
static void walk_slot(prop *p, uint32_t id, gmd_hd_bytes b, uint64_t off, uint64_t self_addr, int depth)
{
    /* Resolving an element may grow the type table: keep only the kind. */
    const gmd_gotype *ty = gmd_gotypes_get(p->t, id);
    if (!ty) return;
    uint8_t kind = ty->kind;
    bool ok;
    uint64_t w = word(p, b, off, &ok);
    if (!ok || !is_live(p, b, off)) return;
    switch (kind) {
    case GMD_GT_PTR:
    case GMD_GT_MAP:
    case GMD_GT_CHAN: points_to(p, w, gmd_gotypes_elem(p->t, id), false, depth); break;
    case GMD_GT_SLICE: points_to(p, w, gmd_gotypes_elem(p->t, id), true, depth); break;
    case GMD_GT_STRING: string_bytes(p, w); break;
    case GMD_GT_IFACE:
    case GMD_GT_EFACE: {
        uint32_t dyn = dynamic_type(p, w, kind == GMD_GT_IFACE);
        uint64_t data = word(p, b, off + p->g->ptr_size, &ok);
        if (!ok || dyn == GMD_GT_NONE || !data) break;
        if (gmd_gotypes_direct(p->t, dyn)) {
            /* The data word is the value itself (a pointer-shaped type). */
            walk_value(p, dyn, b, off + p->g->ptr_size, self_addr, depth);
        } else {
            points_to(p, data, dyn, false, depth);
        }
        break;
    }
    case GMD_GT_ARRAY: walk_value(p, id, b, off, self_addr, depth); break;
    case GMD_GT_FUNC: {
        /* A closure object starts with its code pointer: name it after the function. */
        uint32_t n = w ? gmd_objgraph_find(p->g, w) : GMD_NO_NODE;
        uint64_t pc;
        if (n == GMD_NO_NODE || p->g->obj_addr[gmd_node_object(p->g, n)] != w ||
            !gmd_object_word(p->g, gmd_node_object(p->g, n), 0, &pc))
            break;
        uint32_t c = gmd_gotypes_closure(p->t, pc - p->bias, p->g->ptr_size);
        if (c != GMD_GT_NONE) propose(p, gmd_node_object(p->g, n), c);
        break;
    }
    default: break;
    }
}

/* A value of type `id` at b[base]; self_addr is b's address (to tell a
 * channel buffer inside its own object). */
static void walk_value(prop *p, uint32_t id, gmd_hd_bytes b, uint64_t base, uint64_t self_addr, int depth)
{
    const gmd_gotype *ty = gmd_gotypes_get(p->t, id);
    if (!ty || base > b.len) return;
    if (ty->kind == GMD_GT_ARRAY && !ty->nslots) {
        /* A long array: element by element, as far as the bytes go. */
        uint64_t count = ty->count;
        uint32_t e = gmd_gotypes_elem(p->t, id);
        uint64_t es = type_size(p, e);
        if (!es) return;
        for (uint64_t k = 0; k < count && base + k * es < b.len; k++) walk_value(p, e, b, base + k * es, self_addr, depth);
        return;
    }
    if (ty->kind != GMD_GT_STRUCT && ty->kind != GMD_GT_ARRAY) {
        walk_slot(p, id, b, base, self_addr, depth);
        return;
    }
    uint32_t n = ty->nslots;
    for (uint32_t i = 0; i < n; i++) {
        gmd_goslot s = gmd_gotypes_slots(p->t, id)[i];
        walk_slot(p, s.type, b, base + s.off, self_addr, depth);
    }
    ty = gmd_gotypes_get(p->t, id);
    bool ok1, ok2;
    if (ty->special == GMD_GT_MAPHDR) {
        uint64_t dir = word(p, b, base + ty->off_a, &ok1), len = word(p, b, base + ty->off_b, &ok2);
        if (!ok1 || !ok2) return;
        /* dirLen 0: a small map, dirPtr is its one group; else a directory of tables. */
        if (len == 0) points_to(p, dir, ty->group, false, depth);
        else points_to(p, dir, ty->dirent, false, depth);
    } else if (ty->special == GMD_GT_HCHAN && ty->group != GMD_GT_NONE) {
        uint64_t buf = word(p, b, base + ty->off_a, &ok1), q = word(p, b, base + ty->off_b, &ok2);
        /* Elements without pointers share the channel's own allocation. */
        if (ok1 && ok2 && q && !(buf >= self_addr && buf - self_addr < b.len)) points_to(p, buf, ty->group, false, depth);
    }
}

/* Release the mapped dump once reads have moved 64 MiB away (either way)
 * from where it was last released: reads go in address order, which is
 * nearly file order, so its pages do not all stay resident. */
static void maybe_drop(prop *p, uint64_t rec_off)
{
    const gmd_hd_file *f = p->g->file;
    uint64_t dist = rec_off >= p->dropped ? rec_off - p->dropped : p->dropped - rec_off;
    if (!f || dist < (64ull << 20)) return;
    gmd_hd_file_drop(f, 0, f->len);
    p->dropped = rec_off;
}

static void walk_object(prop *p, uint32_t o)
{
    gmd_objgraph *g = p->g;
    uint32_t key = p->type[o];
    if (key == GMD_NO_NODE || key == STRDATA) return;
    gmd_hd_bytes contents;
    gmd_hd_fields fields;
    if (gmd_hd_object_at(&g->reader, g->obj_rec[o], &contents, &fields) < 0) return;
    maybe_drop(p, g->obj_rec[o]);
    uint32_t id = key / 2;
    uint64_t size = type_size(p, id), off = value_off(p, o);
    if (!size) return;
    uint64_t n = key & 1 ? (g->obj_size[o] - off) / size : 1;
    for (uint64_t k = 0; k < n; k++) walk_value(p, id, contents, off + k * size, g->obj_addr[o], 0);
}

/* Object ids sorted by an LSD radix sort (a round can hold millions; qsort's
 * comparator calls cost more than the walk). */
static void sort_ids(uint32_t *v, uint32_t n)
{
    if (n < 2) return;
    uint32_t max = 0;
    for (uint32_t i = 0; i < n; i++)
        if (v[i] > max) max = v[i];
    uint32_t *tmp = gmd_xmalloc((size_t)n * sizeof *tmp);
    uint32_t *src = v, *dst = tmp;
    uint32_t count[1 << 11];
    for (unsigned shift = 0; shift < 32 && (max >> shift); shift += 11) {
        memset(count, 0, sizeof count);
        for (uint32_t i = 0; i < n; i++) count[(src[i] >> shift) & 2047]++;
        uint32_t sum = 0;
        for (unsigned k = 0; k < 2048; k++) {
            uint32_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++) dst[count[(src[i] >> shift) & 2047]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v) memcpy(v, src, (size_t)n * sizeof *v);
    free(tmp);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool load_frame(prop *p, uint32_t fi, int slot, gmd_hd_bytes *b)
{
    gmd_hd_record rec;
    gmd_err err;
    if (gmd_hd_read_at(&p->g->reader, p->g->frames[fi].record, &rec, &err) < 0) return false;
    *b = rec.u.frame.contents;
    p->live[slot].p = b->p;
    p->live[slot].n = 0;
    gmd_hd_fields f = rec.u.frame.fields;
    uint64_t off;
    while (gmd_hd_field_next(&f, &off)) GMD_VEC_PUSH(p->live[slot].off, p->live[slot].n, p->live[slot].cap, off);
    if (p->live[slot].n > 1) qsort(p->live[slot].off, p->live[slot].n, sizeof *p->live[slot].off, cmp_u64);
    return true;
}

/* Locals and arguments of each stack frame, typed by DWARF at the frame's PC. */
static void walk_frames(prop *p)
{
    gmd_objgraph *g = p->g;
    gmd_goframevar vars[256];
    for (uint32_t fi = 0; fi < g->nframes; fi++) {
        const gmd_dump_frame *f = &g->frames[fi];
        /* Outer frames' PCs are return addresses. */
        uint32_t nv = gmd_gotypes_frame_vars(p->t, f->pc - p->bias, f->depth > 0, vars, 256);
        if (!nv) continue;
        gmd_hd_bytes fb, cb = {NULL, 0};
        if (!load_frame(p, fi, 0, &fb)) continue;
        uint64_t fp = f->sp + fb.len;
        /* Arguments live in the caller's frame, just above this one. */
        bool caller = fi + 1 < g->nframes && g->frames[fi + 1].goroutine == f->goroutine && g->frames[fi + 1].sp == fp &&
                      load_frame(p, fi + 1, 1, &cb);
        if (!caller) p->live[1].p = NULL;
        for (uint32_t i = 0; i < nv; i++) {
            const gmd_goframevar *v = &vars[i];
            uint64_t a = fp + (uint64_t)v->cfa_off;
            gmd_hd_bytes b;
            uint64_t base;
            if (a >= f->sp && a < fp) b = fb, base = a - f->sp;
            else if (caller && a >= fp && a - fp < cb.len) b = cb, base = a - fp;
            else continue;
            if (!v->size) {
                walk_value(p, v->type, b, base, f->sp, 0);
                continue;
            }
            /* One piece: the slots that lie wholly inside it. */
            const gmd_gotype *ty = gmd_gotypes_get(p->t, v->type);
            if (!ty) continue;
            bool agg = ty->kind == GMD_GT_STRUCT || (ty->kind == GMD_GT_ARRAY && ty->nslots);
            uint32_t ns = agg ? ty->nslots : 1;
            for (uint32_t k = 0; k < ns; k++) {
                gmd_goslot sl = agg ? gmd_gotypes_slots(p->t, v->type)[k] : (gmd_goslot){0, v->type};
                uint8_t kind = gmd_gotypes_get(p->t, sl.type)->kind;
                uint64_t width = kind == GMD_GT_IFACE || kind == GMD_GT_EFACE ? 2ull * g->ptr_size : g->ptr_size;
                if (sl.off < v->piece || sl.off + width > v->piece + v->size) continue;
                walk_slot(p, sl.type, b, base + (sl.off - v->piece), f->sp, 0);
            }
        }
        p->live[0].p = p->live[1].p = NULL;
    }
}

static const char *display(gmd_objgraph *g, const char *name, bool array)
{
    if (!strncmp(name, "noalg.", 6)) name += 6;
    return array ? gmd_arena_printf(&g->arena, "[]%s", name) : name;
}

void gmd_dump_types(gmd_objgraph *g, gmd_gotypes *t, uint64_t bias)
{
    prop p;
    memset(&p, 0, sizeof p);
    p.g = g;
    p.t = t;
    p.bias = bias;
    uint32_t n = g->nobjects;
    p.type = gmd_xmalloc(((size_t)n + 1) * sizeof *p.type);
    memset(p.type, 0xff, (size_t)n * sizeof *p.type);
    p.hdr = gmd_xcalloc((size_t)n + 1, 1);
    gmd_u64map_init(&p.itab);
    for (uint32_t i = 0; i < g->nitabs; i++) gmd_u64map_put(&p.itab, g->itabs[2 * i], i);
    gmd_hd_record rec;
    gmd_err err;
    if (g->data_rec && gmd_hd_read_at(&g->reader, g->data_rec, &rec, &err) >= 0) p.data = rec.u.obj.contents;
    if (g->bss_rec && gmd_hd_read_at(&g->reader, g->bss_rec, &rec, &err) >= 0) p.bss = rec.u.obj.contents;

    /* Malloc headers: exact types, the strongest evidence. */
    for (uint32_t o = 0; o < n; o++) {
        if (g->obj_size[o] > g->ptr_size * 8 * g->ptr_size) maybe_drop(&p, g->obj_rec[o]);   /* header sizes are read */
        uint64_t ta = gmd_object_type_addr(g, o);
        if (!ta) continue;
        p.hdr[o] = HAS_HEADER;
        uint32_t id = gmd_gotypes_by_rtype(t, ta - bias);
        uint64_t size = type_size(&p, id);
        if (id == GMD_GT_NONE || !size) continue;
        p.type[o] = id * 2 + (g->obj_size[o] - g->ptr_size >= 2 * size);
        p.hdr[o] |= FROM_HEADER;
        if (follows_any(&p, id)) push(&p, o);
    }
    /* Globals with DWARF types, in data and bss. */
    for (uint32_t i = 0; i < gmd_gotypes_nvars(t); i++) {
        const gmd_govar *v = gmd_gotypes_var(t, i);
        if (v->type == GMD_GT_NONE) continue;
        uint64_t a = v->addr + bias;
        if (p.data.p && a >= g->data_addr && a - g->data_addr < p.data.len) walk_value(&p, v->type, p.data, a - g->data_addr, g->data_addr, 0);
        else if (p.bss.p && a >= g->bss_addr && a - g->bss_addr < p.bss.len) walk_value(&p, v->type, p.bss, a - g->bss_addr, g->bss_addr, 0);
    }
    walk_frames(&p);
    /* Rounds in address order (which is nearly file order), so the mapped
     * dump is read front to back and released behind, as in pass 2;
     * objects typed during a round wait for the next. */
    uint32_t *cur = NULL, ncur = 0, capcur = 0;
    while (p.nwork) {
        uint32_t *t_ = cur;
        cur = p.work;
        ncur = p.nwork;
        uint32_t c_ = capcur;
        capcur = p.capwork;
        p.work = t_;
        p.capwork = c_;
        p.nwork = 0;
        if (ncur < 1024) qsort(cur, ncur, sizeof *cur, cmp_u32);
        else sort_ids(cur, ncur);
        for (uint32_t i = 0; i < ncur; i++)
            if (!i || cur[i] != cur[i - 1]) walk_object(&p, cur[i]);
    }
    free(cur);
    /* Closure objects nothing typed points at any more (a goroutine's
     * function value, dropped once it started, while its body still uses the
     * captured variables): one starting with the entry of a closure body is
     * that closure. Types of captured variables are not in DWARF. */
    for (uint32_t o = 0; o < n; o++) {
        uint64_t w;
        if (p.type[o] != GMD_NO_NODE || (p.hdr[o] & FROM_HEADER)) continue;
        maybe_drop(&p, g->obj_rec[o]);
        if (!gmd_object_word(g, o, value_off(&p, o), &w) || w < bias) continue;
        uint32_t c = gmd_gotypes_closure_entry(t, w - bias, g->ptr_size);
        if (c != GMD_GT_NONE) propose(&p, o, c);
    }
    if (g->file) gmd_hd_file_drop(g->file, 0, g->file->len);

    /* Names: two per type (one value, an array of them), plus string bytes. */
    uint32_t nt = 0;
    while (gmd_gotypes_get(t, nt)) nt++;
    g->ntype_names = 2 * nt + 1;
    g->type_names = gmd_arena_alloc(&g->arena, (size_t)g->ntype_names * sizeof *g->type_names);
    for (uint32_t o = 0; o < n; o++) {
        uint32_t k = p.type[o];
        if (k == STRDATA) {
            p.type[o] = 2 * nt;
            continue;
        }
        if (k == GMD_NO_NODE || g->type_names[k]) continue;
        const gmd_gotype *ty = gmd_gotypes_get(t, k / 2);
        /* A slice value boxed on its own (in an interface) is not its backing array. */
        g->type_names[k] = ty->kind == GMD_GT_SLICE && !(k & 1) ? gmd_arena_printf(&g->arena, "%s (slice header)", ty->name)
                                                                : display(g, ty->name, k & 1);
    }
    g->type_names[2 * nt] = "string data";
    free(g->obj_type);
    g->obj_type = p.type;
    free(p.hdr);
    free(p.work);
    free(p.live[0].off);
    free(p.live[1].off);
    gmd_u64map_free(&p.itab);
}

void gmd_dump_typed(const gmd_objgraph *g, uint64_t *objects, uint64_t *bytes)
{
    *objects = *bytes = 0;
    uint64_t passed = 0, dropped = 0;
    for (uint32_t o = 0; o < g->nobjects; o++) {
        passed += g->obj_size[o];   /* untyped objects' headers are read from the mapping: release it as we go */
        if (g->file && passed - dropped > (64ull << 20)) {
            gmd_hd_file_drop(g->file, 0, g->file->len);
            dropped = passed;
        }
        if (g->idom && g->idom[g->nroots + o] == GMD_NO_NODE) continue;
        if (!gmd_object_type(g, o)) continue;
        (*objects)++;
        *bytes += g->obj_size[o];
    }
    if (g->file) gmd_hd_file_drop(g->file, 0, g->file->len);
}

/* ---------------------------------------------------------- gmd dump show */

typedef struct fields_ctx {
    gmd_objgraph *g;
    gmd_gotypes *t;
    uint64_t bias;
    gmd_hd_bytes b;
    gmd_dump_field *out;
    uint32_t n, max;
    gmd_u64map itab;
} fields_ctx;

static uint64_t bytes_at(const fields_ctx *c, uint64_t off, uint64_t size, bool *ok)
{
    *ok = size && size <= 8 && off <= c->b.len && c->b.len - off >= size;
    if (!*ok) return 0;
    uint64_t v = 0;
    const uint8_t *p = c->b.p + off;
    if (c->g->big_endian) for (uint64_t i = 0; i < size; i++) v = v << 8 | p[i];
    else for (uint64_t i = size; i-- > 0;) v = v << 8 | p[i];
    return v;
}

/* The first bytes of a string's data, from the object holding them. */
static void string_text(fields_ctx *c, gmd_dump_field *f)
{
    uint32_t n = f->value ? gmd_objgraph_find(c->g, f->value) : GMD_NO_NODE;
    if (n == GMD_NO_NODE) return;
    uint32_t o = gmd_node_object(c->g, n);
    gmd_hd_record rec;
    gmd_err err;
    if (gmd_hd_read_at(&c->g->reader, c->g->obj_rec[o], &rec, &err) < 0) return;
    uint64_t at = f->value - c->g->obj_addr[o], avail = rec.u.obj.contents.len - at;
    uint64_t k = f->len < avail ? f->len : avail;
    if (k > 64) k = 64;
    memcpy(f->text, rec.u.obj.contents.p + at, (size_t)k);
    f->text_len = (uint32_t)k;
    f->text_ok = true;
}

static void leaf(fields_ctx *c, const char *name, uint32_t id, uint64_t off, int depth);

static void expand(fields_ctx *c, const char *name, uint32_t id, uint64_t off, int depth)
{
    const gmd_gotype *ty = gmd_gotypes_get(c->t, id);
    if (!ty || c->n >= c->max) return;
    uint64_t count = ty->count;   /* the table may grow below: copy what is used */
    uint32_t nmembers = ty->nmembers;
    if (ty->kind == GMD_GT_STRUCT && nmembers && depth < 4) {
        for (uint32_t i = 0; i < nmembers && c->n < c->max; i++) {
            gmd_gomember m = gmd_gotypes_members(c->t, id)[i];
            char sub[128];
            snprintf(sub, sizeof sub, "%s%s%s", name, name[0] ? "." : "", m.name);
            expand(c, sub, m.type, off + m.off, depth + 1);
        }
        return;
    }
    if (ty->kind == GMD_GT_ARRAY && count <= 4 && depth < 4) {
        uint32_t e = gmd_gotypes_elem(c->t, id);
        uint64_t es = type_size_t(c->t, e);
        for (uint64_t k = 0; k < count && es && c->n < c->max; k++) {
            char sub[128];
            snprintf(sub, sizeof sub, "%s[%llu]", name, (unsigned long long)k);
            expand(c, sub, e, off + k * es, depth + 1);
        }
        return;
    }
    leaf(c, name, id, off, depth);
}

static void leaf(fields_ctx *c, const char *name, uint32_t id, uint64_t off, int depth)
{
    (void)depth;
    const gmd_gotype ty_copy = *gmd_gotypes_get(c->t, id), *ty = &ty_copy;   /* the table may grow below */
    gmd_dump_field *f = &c->out[c->n];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name[0] ? name : "(value)");
    f->type = ty->name;
    f->off = off;
    f->size = ty->size;
    unsigned ps = c->g->ptr_size;
    bool ok;
    switch (ty->kind) {
    case GMD_GT_PTR:
    case GMD_GT_MAP:
    case GMD_GT_CHAN:
    case GMD_GT_FUNC:
        f->kind = GMD_DF_PTR;
        f->value = bytes_at(c, off, ps, &ok);
        break;
    case GMD_GT_STRING:
        f->kind = GMD_DF_STRING;
        f->value = bytes_at(c, off, ps, &ok);
        f->len = bytes_at(c, off + ps, ps, &ok);
        string_text(c, f);
        break;
    case GMD_GT_SLICE:
        f->kind = GMD_DF_SLICE;
        f->value = bytes_at(c, off, ps, &ok);
        f->len = bytes_at(c, off + ps, ps, &ok);
        f->cap = bytes_at(c, off + 2 * ps, ps, &ok);
        break;
    case GMD_GT_IFACE:
    case GMD_GT_EFACE: {
        f->kind = GMD_DF_IFACE;
        uint64_t w = bytes_at(c, off, ps, &ok);
        f->value = bytes_at(c, off + ps, ps, &ok);
        if (w && ty->kind == GMD_GT_IFACE) {
            uint32_t i = gmd_u64map_get(&c->itab, w);
            w = i == UINT32_MAX ? 0 : c->g->itabs[2 * i + 1];
        }
        uint32_t d = w ? gmd_gotypes_by_rtype(c->t, w - c->bias) : GMD_GT_NONE;
        f->dyn = d != GMD_GT_NONE ? gmd_gotypes_get(c->t, d)->name : NULL;
        break;
    }
    default: {
        char k = gmd_gotypes_number(c->t, id);
        f->value = bytes_at(c, off, ty->size && ty->size <= 8 ? ty->size : ps, &ok);
        f->kind = k == 'i' ? GMD_DF_INT : k == 'u' ? GMD_DF_UINT : k == 'f' ? GMD_DF_FLOAT : k == 'b' ? GMD_DF_BOOL : GMD_DF_OTHER;
        if (f->kind == GMD_DF_INT && ty->size < 8 && ty->size) {
            unsigned sh = (unsigned)(64 - 8 * ty->size);
            f->value = (uint64_t)((int64_t)(f->value << sh) >> sh);
        }
        break;
    }
    }
    if (!ok && f->kind != GMD_DF_OTHER) f->kind = GMD_DF_OTHER;
    c->n++;
}

uint32_t gmd_dump_fields(gmd_objgraph *g, gmd_gotypes *t, uint64_t bias, uint32_t obj, gmd_dump_field *out, uint32_t max)
{
    if (!g->obj_type || obj >= g->nobjects || !max) return 0;
    uint32_t key = g->obj_type[obj];
    if (key == GMD_NO_NODE || key + 1 >= g->ntype_names) return 0;   /* unknown, or string data */
    uint32_t id = key / 2;
    uint64_t size = type_size_t(t, id);
    if (!size) return 0;
    fields_ctx c = {g, t, bias, {NULL, 0}, out, 0, max, {0}};
    gmd_hd_record rec;
    gmd_err err;
    if (gmd_hd_read_at(&g->reader, g->obj_rec[obj], &rec, &err) < 0) return 0;
    c.b = rec.u.obj.contents;
    gmd_u64map_init(&c.itab);
    for (uint32_t i = 0; i < g->nitabs; i++) gmd_u64map_put(&c.itab, g->itabs[2 * i], i);
    uint64_t off = gmd_object_type_addr(g, obj) ? g->ptr_size : 0;
    uint64_t n = key & 1 ? (g->obj_size[obj] - off) / size : 1;
    for (uint64_t k = 0; k < n && k < 8 && c.n < max; k++) {
        char name[32] = "";
        if (key & 1) snprintf(name, sizeof name, "[%llu]", (unsigned long long)k);
        expand(&c, name, id, off + k * size, 0);
    }
    gmd_u64map_free(&c.itab);
    return c.n;
}
