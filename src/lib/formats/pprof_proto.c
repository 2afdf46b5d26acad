/* profile.proto reader (google/pprof proto/profile.proto, package
 * perftools.profiles), from the decompressed bytes.
 *
 * The protobuf wire format is decoded by hand rather than through a
 * generated library: this is the hot path of every pprof command, and
 * profile.proto is small and stable, so a direct decoder that writes straight
 * into the model's pools is faster and needs no code generator.
 *
 * Fields may come in any order and Go writes the string table last, so the
 * reader makes one pass over the top-level Profile message recording where
 * each sub-message lies, then decodes them in dependency order: strings,
 * value types, mappings, functions, locations, samples. Proto ids become
 * array indices and every reference is checked.
 *
 * Error offsets: a malformed varint or length names the offset of that
 * varint; a semantic problem (dangling reference, zero or duplicate id, wrong
 * value count, unexpected wire type) names the offset of the field's key, or
 * of the element inside a packed array. */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/hashmap.h"
#include "gmd/profile.h"
#include "gmd/xalloc.h"

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_SGROUP = 3, WIRE_EGROUP = 4, WIRE_I32 = 5 };

/* Where a sub-message (or string) lies: `key` is the start of its field. */
typedef struct span {
    const uint8_t *key;
    const uint8_t *p;
    size_t len;
} span;

typedef struct span_vec {
    span *v;
    size_t n, cap;
} span_vec;

/* A string index read before the string table is known. */
typedef struct str_ref {
    uint64_t index;
    const uint8_t *at;
} str_ref;

/* Proto id -> array index. Go numbers ids 1..n, so a dense table serves
 * almost every profile; anything sparser falls back to a hash map. */
typedef struct id_map {
    uint32_t *dense;
    uint64_t ndense;
    gmd_u64map sparse;
} id_map;

typedef struct field {
    const uint8_t *key;
    uint32_t num, wire;
    uint64_t v;           /* WIRE_VARINT */
    const uint8_t *p;     /* WIRE_LEN payload */
    size_t len;
} field;

typedef struct dec {
    const uint8_t *base;
    size_t len;
    gmd_err *err;
    gmd_profile *prof;
    const char **strings;
    uint64_t nstrings;
    /* Progressive parsing, before the string table: labels of fast-decoded
     * samples hold string indices, cast to pointers, until resolve_labels. */
    bool defer_strings;
} dec;

static int64_t off(const dec *d, const uint8_t *p) { return (int64_t)(p - d->base); }

static int varint_slow(const dec *d, const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp, *start = p;
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (p >= end) return gmd_err_at(d->err, off(d, start), "truncated varint");
        uint8_t b = *p++;
        if (shift == 63) {
            if (b & 0x80) return gmd_err_at(d->err, off(d, start), "varint longer than 10 bytes");
            if (b > 1) return gmd_err_at(d->err, off(d, start), "varint overflows 64 bits");
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80) break;
    }
    *out = v;
    *pp = p;
    return 0;
}

static inline int get_varint(const dec *d, const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) {
        *out = *p;
        *pp = p + 1;
        return 0;
    }
    if (end - p >= 2 && p[1] < 0x80) {
        *out = (uint64_t)(p[0] & 0x7f) | ((uint64_t)p[1] << 7);
        *pp = p + 2;
        return 0;
    }
    return varint_slow(d, pp, end, out);
}

/* Read the next field of the message ending at `end`: 1 when one was read,
 * 0 at the end, -1 on error. Fixed-width fields (wire types 1 and 5) are
 * consumed here; callers treat them as unknown. */
static int next_field(const dec *d, const uint8_t **pp, const uint8_t *end, field *f, const char *msg)
{
    if (*pp >= end) return 0;
    f->key = *pp;
    uint64_t key;
    if (get_varint(d, pp, end, &key) < 0) return -1;
    uint64_t num = key >> 3;
    f->wire = (uint32_t)(key & 7);
    if (num == 0 || num > 0x1fffffff)
        return gmd_err_at(d->err, off(d, f->key), "invalid field number %" PRIu64 " in %s", num, msg);
    f->num = (uint32_t)num;
    switch (f->wire) {
    case WIRE_VARINT:
        return get_varint(d, pp, end, &f->v) < 0 ? -1 : 1;
    case WIRE_LEN: {
        const uint8_t *at = *pp;
        uint64_t len;
        if (get_varint(d, pp, end, &len) < 0) return -1;
        if (len > (uint64_t)(end - *pp))
            return gmd_err_at(d->err, off(d, at),
                              "length %" PRIu64 " of field %u in %s runs past the end of the %s (%zu bytes left)",
                              len, f->num, msg, msg, (size_t)(end - *pp));
        f->p = *pp;
        f->len = (size_t)len;
        *pp += len;
        return 1;
    }
    case WIRE_I64:
    case WIRE_I32: {
        size_t n = f->wire == WIRE_I64 ? 8 : 4;
        if ((size_t)(end - *pp) < n)
            return gmd_err_at(d->err, off(d, *pp), "truncated %zu-byte field %u in %s", n, f->num, msg);
        *pp += n;
        return 1;
    }
    case WIRE_SGROUP:
    case WIRE_EGROUP:
        return gmd_err_at(d->err, off(d, f->key), "field %u in %s uses wire type %u (groups), which profile.proto never does",
                          f->num, msg, f->wire);
    default:
        return gmd_err_at(d->err, off(d, f->key), "invalid wire type %u for field %u in %s", f->wire, f->num, msg);
    }
}

static int wrong_wire(const dec *d, const field *f, const char *msg, const char *name)
{
    return gmd_err_at(d->err, off(d, f->key), "field %u (%s) in %s has wire type %u, expected %s",
                      f->num, name, msg, f->wire, f->wire == WIRE_LEN ? "a varint" : "length-delimited");
}

#define WANT(wt, msg, name) \
    do { if (f.wire != (wt)) return wrong_wire(d, &f, msg, name); } while (0)

static int str_at(const dec *d, uint64_t index, const uint8_t *at, const char **out)
{
    if (index < d->nstrings) {
        *out = d->strings[index];
        return 0;
    }
    if (index == 0) {   /* no string table at all: index 0 is still "" */
        *out = "";
        return 0;
    }
    return gmd_err_at(d->err, off(d, at), "string index %" PRId64 " out of range (the string table has %" PRIu64 " entries)",
                      (int64_t)index, d->nstrings);
}

static void push_span(span_vec *sv, const field *f)
{
    span s = {f->key, f->p, f->len};
    GMD_VEC_PUSH(sv->v, sv->n, sv->cap, s);
}

/* ---- id maps ---- */

static void id_map_free(id_map *m)
{
    free(m->dense);
    gmd_u64map_free(&m->sparse);
}

static inline uint32_t id_map_get(const id_map *m, uint64_t id)
{
    if (m->dense) return id < m->ndense ? m->dense[id] : UINT32_MAX;
    return gmd_u64map_get(&m->sparse, id);
}

/* ids[i] is element i's id; zero and duplicate ids are errors at spans[i]. */
static int id_map_build(const dec *d, id_map *m, const uint64_t *ids, size_t n, const span *spans, const char *what)
{
    memset(m, 0, sizeof *m);
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == 0) return gmd_err_at(d->err, off(d, spans[i].key), "%s with id 0 (ids must be nonzero)", what);
        if (ids[i] > max) max = ids[i];
    }
    if (max <= 4 * (uint64_t)n + 64) {
        m->ndense = max + 1;
        m->dense = gmd_xmalloc(m->ndense * sizeof *m->dense);
        memset(m->dense, 0xff, m->ndense * sizeof *m->dense);
        for (size_t i = 0; i < n; i++) {
            if (m->dense[ids[i]] != UINT32_MAX)
                return gmd_err_at(d->err, off(d, spans[i].key), "duplicate %s id %" PRIu64, what, ids[i]);
            m->dense[ids[i]] = (uint32_t)i;
        }
    } else {
        gmd_u64map_init(&m->sparse);
        for (size_t i = 0; i < n; i++)
            if (!gmd_u64map_put(&m->sparse, ids[i], (uint32_t)i))
                return gmd_err_at(d->err, off(d, spans[i].key), "duplicate %s id %" PRIu64, what, ids[i]);
    }
    return 0;
}

/* ---- messages ---- */

static int decode_value_type(const dec *d, const span *s, gmd_value_type *vt, const char *msg)
{
    const uint8_t *p = s->p, *end = s->p + s->len;
    field f;
    int r;
    vt->type = vt->unit = "";
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        if (f.num == 1 || f.num == 2) {
            WANT(WIRE_VARINT, msg, f.num == 1 ? "type" : "unit");
            if (str_at(d, f.v, f.key, f.num == 1 ? &vt->type : &vt->unit) < 0) return -1;
        }
    }
    return r;
}

static int decode_mapping(const dec *d, const span *s, gmd_mapping *m)
{
    static const char msg[] = "Mapping";
    const uint8_t *p = s->p, *end = s->p + s->len;
    field f;
    int r;
    m->filename = m->build_id = "";
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        if (f.num > 10) continue;
        WANT(WIRE_VARINT, msg, "scalar");
        switch (f.num) {
        case 1: m->id = f.v; break;
        case 2: m->memory_start = f.v; break;
        case 3: m->memory_limit = f.v; break;
        case 4: m->file_offset = f.v; break;
        case 5: if (str_at(d, f.v, f.key, &m->filename) < 0) return -1; break;
        case 6: if (str_at(d, f.v, f.key, &m->build_id) < 0) return -1; break;
        case 7: m->has_functions = f.v != 0; break;
        case 8: m->has_filenames = f.v != 0; break;
        case 9: m->has_line_numbers = f.v != 0; break;
        case 10: m->has_inline_frames = f.v != 0; break;
        }
    }
    return r;
}

static int decode_function(const dec *d, const span *s, gmd_function *fn)
{
    static const char msg[] = "Function";
    const uint8_t *p = s->p, *end = s->p + s->len;
    field f;
    int r;
    fn->name = fn->system_name = fn->filename = "";
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        if (f.num > 5) continue;
        WANT(WIRE_VARINT, msg, "scalar");
        switch (f.num) {
        case 1: fn->id = f.v; break;
        case 2: if (str_at(d, f.v, f.key, &fn->name) < 0) return -1; break;
        case 3: if (str_at(d, f.v, f.key, &fn->system_name) < 0) return -1; break;
        case 4: if (str_at(d, f.v, f.key, &fn->filename) < 0) return -1; break;
        case 5: fn->start_line = (int64_t)f.v; break;
        }
    }
    return r;
}

typedef struct line_vec {
    gmd_line *v;
    size_t n, cap;
} line_vec;

static int decode_line(const dec *d, const field *outer, const id_map *funcs, gmd_line *ln)
{
    static const char msg[] = "Line";
    const uint8_t *p = outer->p, *end = outer->p + outer->len;
    const uint8_t *fn_at = outer->key;
    uint64_t fn_id = 0;
    field f;
    int r;
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        if (f.num > 3) continue;
        WANT(WIRE_VARINT, msg, "scalar");
        switch (f.num) {
        case 1: fn_id = f.v; fn_at = f.key; break;
        case 2: ln->line = (int64_t)f.v; break;
        case 3: ln->column = (int64_t)f.v; break;
        }
    }
    if (r < 0) return -1;
    if (fn_id == 0) return gmd_err_at(d->err, off(d, fn_at), "line without a function id");
    ln->function = id_map_get(funcs, fn_id);
    if (ln->function == UINT32_MAX)
        return gmd_err_at(d->err, off(d, fn_at), "line refers to function id %" PRIu64 ", which is not in the profile", fn_id);
    return 0;
}

static int decode_location(const dec *d, const span *s, const id_map *maps, const id_map *funcs,
                           gmd_location *loc, line_vec *lines, size_t *line_off)
{
    static const char msg[] = "Location";
    const uint8_t *p = s->p, *end = s->p + s->len;
    field f;
    int r;
    *line_off = lines->n;
    loc->mapping = GMD_NONE;
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        switch (f.num) {
        case 1: WANT(WIRE_VARINT, msg, "id"); loc->id = f.v; break;
        case 2:
            WANT(WIRE_VARINT, msg, "mapping_id");
            if (f.v == 0) {
                loc->mapping = GMD_NONE;   /* 0 means "unknown mapping" */
                break;
            }
            loc->mapping = id_map_get(maps, f.v);
            if (loc->mapping == UINT32_MAX)
                return gmd_err_at(d->err, off(d, f.key), "location refers to mapping id %" PRIu64 ", which is not in the profile", f.v);
            break;
        case 3: WANT(WIRE_VARINT, msg, "address"); loc->address = f.v; break;
        case 4: {
            WANT(WIRE_LEN, msg, "line");
            gmd_line ln = {0, 0, 0};
            if (decode_line(d, &f, funcs, &ln) < 0) return -1;
            GMD_VEC_PUSH(lines->v, lines->n, lines->cap, ln);
            break;
        }
        case 5: WANT(WIRE_VARINT, msg, "is_folded"); loc->is_folded = f.v != 0; break;
        }
    }
    loc->nlines = (uint32_t)(lines->n - *line_off);
    return r;
}

/* Samples' variable parts live in three pools sized exactly by a counting
 * pre-pass, so decoding writes straight into the profile's arena: no
 * per-sample allocation, no growing and no copying. */
typedef struct label_sets label_sets;

typedef struct sample_pools {
    uint32_t *locs; size_t nlocs, caplocs;
    int64_t *vals; size_t nvals, capvals;
    gmd_label *labs; size_t nlabs, caplabs;
    label_sets *shared;   /* progressive parsing only: equal label sets stored once */
} sample_pools;

static int pool_overflow(const dec *d, const span *s)
{
    /* Cannot happen: the counting pass sees the same bytes. Kept as a guard. */
    return gmd_err_at(d->err, off(d, s->key), "internal error: sample pool overflow");
}

static inline int add_sample_loc(const dec *d, const id_map *locs, uint64_t id, const uint8_t *at,
                                 sample_pools *sp)
{
    uint32_t i = id_map_get(locs, id);
    if (i == UINT32_MAX) {
        if (id == 0) return gmd_err_at(d->err, off(d, at), "sample refers to location id 0 (ids must be nonzero)");
        return gmd_err_at(d->err, off(d, at), "sample refers to location id %" PRIu64 ", which is not in the profile", id);
    }
    sp->locs[sp->nlocs++] = i;
    return 0;
}

static int decode_label(const dec *d, const field *outer, gmd_label *lab)
{
    static const char msg[] = "Label";
    const uint8_t *p = outer->p, *end = outer->p + outer->len;
    field f;
    int r;
    lab->key = lab->str = lab->num_unit = "";
    lab->num = 0;
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        if (f.num > 4) continue;
        WANT(WIRE_VARINT, msg, "scalar");
        switch (f.num) {
        case 1: if (str_at(d, f.v, f.key, &lab->key) < 0) return -1; break;
        case 2: if (str_at(d, f.v, f.key, &lab->str) < 0) return -1; break;
        case 3: lab->num = (int64_t)f.v; break;
        case 4: if (str_at(d, f.v, f.key, &lab->num_unit) < 0) return -1; break;
        }
    }
    return r;
}

static int decode_sample(const dec *d, const span *s, const id_map *locs, uint32_t nvalues, sample_pools *sp,
                         gmd_sample *out)
{
    static const char msg[] = "Sample";
    const uint8_t *p = s->p, *end = s->p + s->len;
    size_t loc_off = sp->nlocs, val_off = sp->nvals, lab_off = sp->nlabs;
    field f;
    int r;
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        switch (f.num) {
        case 1:
            if (f.wire == WIRE_VARINT) {
                if (sp->nlocs >= sp->caplocs) return pool_overflow(d, s);
                if (add_sample_loc(d, locs, f.v, f.key, sp) < 0) return -1;
            } else if (f.wire == WIRE_LEN) {
                const uint8_t *q = f.p, *qe = f.p + f.len;
                while (q < qe) {
                    const uint8_t *at = q;
                    uint64_t id;
                    if (get_varint(d, &q, qe, &id) < 0) return -1;
                    if (sp->nlocs >= sp->caplocs) return pool_overflow(d, s);
                    if (add_sample_loc(d, locs, id, at, sp) < 0) return -1;
                }
            } else {
                return wrong_wire(d, &f, msg, "location_id");
            }
            break;
        case 2:
            if (f.wire == WIRE_VARINT) {
                if (sp->nvals >= sp->capvals) return pool_overflow(d, s);
                sp->vals[sp->nvals++] = (int64_t)f.v;
            } else if (f.wire == WIRE_LEN) {
                const uint8_t *q = f.p, *qe = f.p + f.len;
                while (q < qe) {
                    uint64_t v;
                    if (get_varint(d, &q, qe, &v) < 0) return -1;
                    if (sp->nvals >= sp->capvals) return pool_overflow(d, s);
                    sp->vals[sp->nvals++] = (int64_t)v;
                }
            } else {
                return wrong_wire(d, &f, msg, "value");
            }
            break;
        case 3:
            WANT(WIRE_LEN, msg, "label");
            if (sp->nlabs >= sp->caplabs) return pool_overflow(d, s);
            if (decode_label(d, &f, &sp->labs[sp->nlabs++]) < 0) return -1;
            break;
        }
    }
    if (r < 0) return -1;
    if (sp->nvals - val_off != nvalues)
        return gmd_err_at(d->err, off(d, s->key), "sample has %zu values but the profile has %u sample types",
                          sp->nvals - val_off, nvalues);
    out->locations = sp->locs + loc_off;
    out->nlocations = (uint32_t)(sp->nlocs - loc_off);
    out->values = sp->vals + val_off;
    out->labels = sp->labs + lab_off;
    out->nlabels = (uint32_t)(sp->nlabs - lab_off);
    return 0;
}

/* A varint of at most three bytes (location ids and most values), or -1
 * when it is longer or runs past `end`: the fast path then gives up and the
 * general decoder takes the sample. */
static inline int short_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    size_t left = (size_t)(end - p);
    if (left >= 1 && p[0] < 0x80) {
        *out = p[0];
        *pp = p + 1;
        return 0;
    }
    if (left >= 2 && p[1] < 0x80) {
        *out = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        *pp = p + 2;
        return 0;
    }
    if (left >= 3 && p[2] < 0x80) {
        *out = (uint64_t)(p[0] & 0x7f) | (uint64_t)(p[1] & 0x7f) << 7 | (uint64_t)p[2] << 14;
        *pp = p + 3;
        return 0;
    }
    return -1;
}

/* Any well-formed varint of at most 63 bits, or -1 (longer, or cut off). */
static inline int long_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *q = *pp;
    uint64_t v = 0;
    for (unsigned shift = 0; shift <= 56; shift += 7) {
        if (q >= end) return -1;
        uint8_t b = *q++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            *out = v;
            *pp = q;
            return 0;
        }
    }
    return -1;
}

/* A label of one-byte keys whose strings are in the table, or -1. */
static inline int decode_label_fast(const dec *d, const uint8_t *q, const uint8_t *qe, gmd_label *lab)
{
    lab->key = lab->str = lab->num_unit = d->defer_strings ? NULL : "";
    lab->num = 0;
    while (q < qe) {
        uint8_t key = *q++;
        uint64_t v;
        if (long_varint(&q, qe, &v) < 0) return -1;
        if (key == 0x18) {
            lab->num = (int64_t)v;
            continue;
        }
        if (d->defer_strings) {
            if (v > UINT32_MAX) return -1;
            const char *index = (const char *)(uintptr_t)v;
            if (key == 0x08) lab->key = index;
            else if (key == 0x10) lab->str = index;
            else if (key == 0x20) lab->num_unit = index;
            else return -1;
            continue;
        }
        if (v >= d->nstrings) return -1;
        if (key == 0x08) lab->key = d->strings[v];
        else if (key == 0x10) lab->str = d->strings[v];
        else if (key == 0x20) lab->num_unit = d->strings[v];
        else return -1;
    }
    return 0;
}

/* Label sets seen by the progressive reader, so that samples with equal
 * labels share one copy. A Go heap profile gives every sample the label
 * bytes=<object size>, and there are few sizes: storing 300,000 copies was
 * a seventh of the memory a big profile needs, and touching new memory is
 * what a big parse spends most on. The labels hold string indices (see
 * dec.defer_strings) until resolve_labels converts each set once. */
struct label_sets {
    gmd_label **sets;         /* distinct sets, in order of first use */
    uint32_t *lens;
    size_t n, cap;
    uint32_t *slots;          /* open addressing: index + 1 into sets, 0 = empty */
    size_t nslots;
    gmd_label *last;          /* the set found or added last */
    uint32_t last_n;
};

static uint64_t label_set_hash(const gmd_label *l, uint32_t n)
{
    /* The string fields are small indices here: one multiply-mix each
     * label is plenty. */
    uint64_t h = n;
    for (uint32_t i = 0; i < n; i++)
        h = gmd_mix64(h ^ ((uint64_t)(uintptr_t)l[i].key | (uint64_t)(uintptr_t)l[i].str << 21 |
                           (uint64_t)(uintptr_t)l[i].num_unit << 42) ^ (uint64_t)l[i].num * 0x9E3779B97F4A7C15ull);
    return h;
}

static bool label_set_equal(const gmd_label *a, const gmd_label *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i].key != b[i].key || a[i].str != b[i].str || a[i].num != b[i].num || a[i].num_unit != b[i].num_unit)
            return false;
    return true;
}

static void label_sets_grow(label_sets *ls)
{
    size_t n = ls->nslots ? ls->nslots * 2 : 1024;
    uint32_t *slots = gmd_xcalloc(n, sizeof *slots);
    for (size_t i = 0; i < ls->n; i++) {
        size_t j = label_set_hash(ls->sets[i], ls->lens[i]) & (n - 1);
        while (slots[j]) j = (j + 1) & (n - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(ls->slots);
    ls->slots = slots;
    ls->nslots = n;
}

/* The stored set equal to labels[0..n), or labels itself, now stored. */
static gmd_label *label_set_find_or_add(label_sets *ls, gmd_label *labels, uint32_t n)
{
    /* Neighbouring samples often have the same labels. */
    if (ls->last && ls->last_n == n && label_set_equal(ls->last, labels, n)) return ls->last;
    if (ls->n * 2 >= ls->nslots) label_sets_grow(ls);
    size_t j = label_set_hash(labels, n) & (ls->nslots - 1);
    for (; ls->slots[j]; j = (j + 1) & (ls->nslots - 1)) {
        size_t i = ls->slots[j] - 1;
        if (ls->lens[i] == n && label_set_equal(ls->sets[i], labels, n)) {
            ls->last = ls->sets[i];
            ls->last_n = n;
            return ls->sets[i];
        }
    }
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 64;
        ls->sets = gmd_xrealloc(ls->sets, ls->cap * sizeof *ls->sets);
        ls->lens = gmd_xrealloc(ls->lens, ls->cap * sizeof *ls->lens);
    }
    ls->sets[ls->n] = labels;
    ls->lens[ls->n] = n;
    ls->slots[j] = (uint32_t)++ls->n;
    ls->last = labels;
    ls->last_n = n;
    return labels;
}

static void label_sets_free(label_sets *ls)
{
    free(ls->sets);
    free(ls->lens);
    free(ls->slots);
}

/* The common shape of a sample, as Go writes it: packed values (key 0x12),
 * packed location ids (key 0x0a) and labels (key 0x1a) with one-byte keys,
 * ids in the dense map, room left in the pools. Returns 0 when it decoded
 * the sample, -1 (having written nothing that counts) for anything else,
 * which decode_sample then handles, errors included, exactly as before. */
static int decode_sample_fast(const dec *d, const span *s, const id_map *locs, uint32_t nvalues,
                              sample_pools *sp, gmd_sample *out)
{
    const uint8_t *p = s->p, *end = s->p + s->len;
    uint32_t *lp = sp->locs + sp->nlocs;
    int64_t *vp = sp->vals + sp->nvals;
    gmd_label *labp = sp->labs + sp->nlabs;
    const uint32_t *dense = locs->dense;
    uint64_t ndense = locs->ndense;
    if (!dense) return -1;
    while (p < end) {
        uint8_t key = *p++;
        uint64_t len;
        if (short_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p)) return -1;
        const uint8_t *q = p, *qe = p + len;
        p = qe;
        if (key == 0x0a) {
            /* Every id takes at least a byte, so len bounds the count. */
            if (len > sp->caplocs - (size_t)(lp - sp->locs)) return -1;
            while (q < qe) {
                uint64_t id;
                if (short_varint(&q, qe, &id) < 0 || id >= ndense) return -1;
                uint32_t i = dense[id];
                if (i == UINT32_MAX) return -1;
                *lp++ = i;
            }
        } else if (key == 0x12) {
            if (len > sp->capvals - (size_t)(vp - sp->vals)) return -1;
            while (q < qe) {
                uint64_t v;   /* values (byte counts) can be long */
                if (long_varint(&q, qe, &v) < 0) return -1;
                *vp++ = (int64_t)v;
            }
        } else if (key == 0x1a) {
            if (labp == sp->labs + sp->caplabs || decode_label_fast(d, q, qe, labp) < 0) return -1;
            labp++;
        } else {
            return -1;
        }
    }
    if ((size_t)(vp - sp->vals) - sp->nvals != nvalues) return -1;
    out->locations = sp->locs + sp->nlocs;
    out->nlocations = (uint32_t)((size_t)(lp - sp->locs) - sp->nlocs);
    out->values = sp->vals + sp->nvals;
    out->labels = sp->labs + sp->nlabs;
    out->nlabels = (uint32_t)((size_t)(labp - sp->labs) - sp->nlabs);
    if (sp->shared && out->nlabels) {
        gmd_label *same = label_set_find_or_add(sp->shared, out->labels, out->nlabels);
        if (same != out->labels) {
            out->labels = same;
            labp = sp->labs + sp->nlabs;   /* the copy just decoded is not needed */
        }
    }
    sp->nlabs = (size_t)(labp - sp->labs);
    sp->nlocs = (size_t)(lp - sp->locs);
    sp->nvals = (size_t)(vp - sp->vals);
    return 0;
}

/* Lenient varint for the counting pass: malformed input just stops the
 * count; the decoding pass reports it. */
static bool peek_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && p < end; shift += 7) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            *out = v;
            *pp = p;
            return true;
        }
    }
    return false;
}

/* Varints in a packed array: one terminating byte (high bit clear) each. */
static size_t count_varints(const uint8_t *p, size_t n)
{
    /* Eight bytes at a time: count the high bits and subtract. Packed
     * location lists are most of a profile's bytes. */
    size_t c = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        /* One bit per terminating byte, summed by a multiply: without
         * -mpopcnt, __builtin_popcountll is a library call. */
        uint64_t t = (~w & 0x8080808080808080ull) >> 7;
        c += (size_t)((t * 0x0101010101010101ull) >> 56);
    }
    for (; i < n; i++) c += p[i] < 0x80;
    return c;
}

static void count_sample(const uint8_t *p, const uint8_t *end, sample_pools *sp)
{
    while (p < end) {
        uint64_t key, v;
        if (!peek_varint(&p, end, &key)) return;
        uint64_t num = key >> 3;
        switch (key & 7) {
        case WIRE_VARINT:
            if (!peek_varint(&p, end, &v)) return;
            if (num == 1) sp->caplocs++;
            else if (num == 2) sp->capvals++;
            break;
        case WIRE_LEN:
            if (!peek_varint(&p, end, &v) || v > (uint64_t)(end - p)) return;
            if (num == 1) sp->caplocs += count_varints(p, (size_t)v);
            else if (num == 2) sp->capvals += count_varints(p, (size_t)v);
            else if (num == 3) sp->caplabs++;
            p += v;
            break;
        case WIRE_I64:
            if (end - p < 8) return;
            p += 8;
            break;
        case WIRE_I32:
            if (end - p < 4) return;
            p += 4;
            break;
        default:
            return;
        }
    }
}

/* ---- the Profile message ---- */

/* Where counting and decoding samples may start: a sample's key and how
 * many samples precede it. Recorded every CHECKPOINT_EVERY samples by the
 * scan. */
typedef struct checkpoint {
    const uint8_t *at;
    size_t si;
} checkpoint;

#define CHECKPOINT_EVERY 4096
#define SPLIT_MIN_SAMPLES 32768

typedef struct top {
    span_vec sample_types, mappings, locations, functions, strings;
    size_t nsamples;
    checkpoint *checkpoints;
    size_t ncheckpoints, capcheckpoints;
    span period_type;
    bool has_period_type;
    str_ref drop_frames, keep_frames, default_sample_type, doc_url;
    str_ref *comments;
    size_t ncomments, capcomments;
} top;

static void top_free(top *t)
{
    free(t->sample_types.v);
    free(t->mappings.v);
    free(t->locations.v);
    free(t->functions.v);
    free(t->strings.v);
    free(t->comments);
    free(t->checkpoints);
}

/* Everything the scan does with a top-level field other than a sample. */
static int scan_field(const dec *d, const field *fp, top *t)
{
    static const char msg[] = "Profile";
    gmd_profile *prof = d->prof;
    field f = *fp;
    str_ref ref = {f.v, f.key};
    switch (f.num) {
    case 1: WANT(WIRE_LEN, msg, "sample_type"); push_span(&t->sample_types, &f); break;
    case 3: WANT(WIRE_LEN, msg, "mapping"); push_span(&t->mappings, &f); break;
    case 4: WANT(WIRE_LEN, msg, "location"); push_span(&t->locations, &f); break;
    case 5: WANT(WIRE_LEN, msg, "function"); push_span(&t->functions, &f); break;
    case 6: WANT(WIRE_LEN, msg, "string_table"); push_span(&t->strings, &f); break;
    case 7: WANT(WIRE_VARINT, msg, "drop_frames"); t->drop_frames = ref; break;
    case 8: WANT(WIRE_VARINT, msg, "keep_frames"); t->keep_frames = ref; break;
    case 9: WANT(WIRE_VARINT, msg, "time_nanos"); prof->time_nanos = (int64_t)f.v; break;
    case 10: WANT(WIRE_VARINT, msg, "duration_nanos"); prof->duration_nanos = (int64_t)f.v; break;
    case 11:
        WANT(WIRE_LEN, msg, "period_type");
        t->period_type = (span){f.key, f.p, f.len};
        t->has_period_type = true;
        break;
    case 12: WANT(WIRE_VARINT, msg, "period"); prof->period = (int64_t)f.v; break;
    case 13:
        if (f.wire == WIRE_VARINT) {
            GMD_VEC_PUSH(t->comments, t->ncomments, t->capcomments, ref);
        } else if (f.wire == WIRE_LEN) {
            const uint8_t *q = f.p, *qe = f.p + f.len;
            while (q < qe) {
                str_ref c = {0, q};
                if (get_varint(d, &q, qe, &c.index) < 0) return -1;
                GMD_VEC_PUSH(t->comments, t->ncomments, t->capcomments, c);
            }
        } else {
            return wrong_wire(d, &f, msg, "comment");
        }
        break;
    case 14: WANT(WIRE_VARINT, msg, "default_sample_type"); t->default_sample_type = ref; break;
    case 15: WANT(WIRE_VARINT, msg, "doc_url"); t->doc_url = ref; break;
    }
    return 0;
}

static int scan_profile(const dec *d, const uint8_t *data, size_t len, top *t)
{
    static const char msg[] = "Profile";
    const uint8_t *p = data, *end = data + len;
    field f;
    int r;
    while ((r = next_field(d, &p, end, &f, msg)) > 0) {
        if (f.num == 2) {
            /* Samples are most of a profile: rather than remember where
             * each is, note every CHECKPOINT_EVERY-th and find them again
             * later, to count what they hold and then decode them. */
            WANT(WIRE_LEN, msg, "sample");
            if (t->nsamples % CHECKPOINT_EVERY == 0) {
                checkpoint c = {f.key, t->nsamples};
                GMD_VEC_PUSH(t->checkpoints, t->ncheckpoints, t->capcheckpoints, c);
            }
            t->nsamples++;
        } else if (scan_field(d, &f, t) < 0) {
            return -1;
        }
    }
    return r;
}

/* Samples between two top-level field boundaries, decoded into the pools
 * from sp's counts on and into samples[si..si_end). */
typedef struct sample_range {
    const dec *d;
    const uint8_t *begin, *end;
    const id_map *locs;
    uint32_t nvalues;
    sample_pools sp;
    gmd_sample *samples;
    size_t si, si_end;
    int rc;
} sample_range;

static int decode_sample_range(sample_range *sr)
{
    const dec *d = sr->d;
    const uint8_t *q = sr->begin, *end = sr->end;
    sample_pools *sp = &sr->sp;
    field f;
    int r = 0;
    sr->rc = -1;
    for (;;) {
        /* Samples with a one- or two-byte length (nearly all) are found
         * without the general field reader. */
        if (end - q >= 3 && q[0] == 0x12 && (q[1] < 0x80 || q[2] < 0x80)) {
            size_t n = q[1] < 0x80 ? q[1] : (size_t)(q[1] & 0x7f) | (size_t)q[2] << 7;
            const uint8_t *body = q + (q[1] < 0x80 ? 2 : 3);
            if (n <= (size_t)(end - body)) {
                span s = {q, body, n};
                if (sr->si >= sr->si_end) return pool_overflow(d, &s);
                if (decode_sample_fast(d, &s, sr->locs, sr->nvalues, sp, &sr->samples[sr->si]) < 0 &&
                    decode_sample(d, &s, sr->locs, sr->nvalues, sp, &sr->samples[sr->si]) < 0)
                    return -1;
                sr->si++;
                q = body + n;
                continue;
            }
        }
        if ((r = next_field(d, &q, end, &f, "Profile")) <= 0) break;
        if (f.num != 2) continue;
        span s = {f.key, f.p, f.len};
        if (sr->si >= sr->si_end) return pool_overflow(d, &s);
        if (decode_sample(d, &s, sr->locs, sr->nvalues, sp, &sr->samples[sr->si++]) < 0) return -1;
    }
    if (r < 0) return -1;
    if (sr->si != sr->si_end)   /* cannot happen (the scan saw the same bytes); samples are unzeroed */
        return gmd_err_at(d->err, off(d, sr->begin), "internal error: %zu of %zu samples decoded", sr->si, sr->si_end);
    sr->rc = 0;
    return 0;
}

static void *decode_sample_range_thread(void *arg)
{
    decode_sample_range(arg);
    return NULL;
}

/* The checkpoint nearest the middle sample, or NULL when the profile is
 * too small for a second thread to pay. */
static const checkpoint *pick_checkpoint(const top *t)
{
    if (t->nsamples < SPLIT_MIN_SAMPLES || t->ncheckpoints < 2) return NULL;
    return &t->checkpoints[t->ncheckpoints / 2];
}

/* What the samples between two top-level field boundaries hold, so the
 * pools can be sized exactly. Lenient: the scan already checked the top
 * level, and the decoder reports anything wrong inside a sample. */
typedef struct count_range {
    const uint8_t *begin, *end;
    sample_pools counts;
} count_range;

static void *count_samples(void *arg)
{
    count_range *cr = arg;
    const uint8_t *p = cr->begin, *end = cr->end;
    while (p < end) {
        uint64_t key, v;
        if (!peek_varint(&p, end, &key)) break;
        switch (key & 7) {
        case WIRE_VARINT:
            if (!peek_varint(&p, end, &v)) return NULL;
            break;
        case WIRE_LEN:
            if (!peek_varint(&p, end, &v) || v > (uint64_t)(end - p)) return NULL;
            if (key >> 3 == 2) count_sample(p, p + v, &cr->counts);
            p += v;
            break;
        case WIRE_I64:
            if (end - p < 8) return NULL;
            p += 8;
            break;
        case WIRE_I32:
            if (end - p < 4) return NULL;
            p += 4;
            break;
        default:
            return NULL;
        }
    }
    return NULL;
}

/* What decoding the tables leaves for the samples, and what to free. */
typedef struct tables {
    id_map maps, funcs, locs;
    uint64_t *ids;
    size_t *line_offs;
    line_vec lines;
} tables;

static void tables_free(dec *d, tables *tb)
{
    free(d->strings);
    d->strings = NULL;
    free(tb->ids);
    free(tb->line_offs);
    free(tb->lines.v);
    id_map_free(&tb->maps);
    id_map_free(&tb->funcs);
    id_map_free(&tb->locs);
}

/* Everything but the samples, in dependency order; d->strings stays set
 * for the samples' labels. */
static int decode_tables(dec *d, top *t, tables *tb)
{
    gmd_profile *p = d->prof;
    gmd_arena *a = &p->arena;

    /* Strings. Index 0 must be "" (as pprof requires). */
    d->nstrings = t->strings.n;
    d->strings = gmd_xmalloc((t->strings.n ? t->strings.n : 1) * sizeof *d->strings);
    for (size_t i = 0; i < t->strings.n; i++)
        d->strings[i] = gmd_intern_n(&p->strings, (const char *)t->strings.v[i].p, t->strings.v[i].len);
    if (t->strings.n && d->strings[0][0] != '\0') {
        gmd_err_at(d->err, off(d, t->strings.v[0].key), "the first string of the string table must be empty");
        return -1;
    }

    /* Scalars that name strings. */
    if (str_at(d, t->drop_frames.index, t->drop_frames.at, &p->drop_frames) < 0 ||
        str_at(d, t->keep_frames.index, t->keep_frames.at, &p->keep_frames) < 0 ||
        str_at(d, t->doc_url.index, t->doc_url.at, &p->doc_url) < 0)
        return -1;
    p->ncomments = (uint32_t)t->ncomments;
    p->comments = gmd_arena_alloc(a, t->ncomments * sizeof *p->comments);
    for (size_t i = 0; i < t->ncomments; i++)
        if (str_at(d, t->comments[i].index, t->comments[i].at, &p->comments[i]) < 0) return -1;

    /* Value types; default_sample_type names one of them by string. */
    p->nsample_types = (uint32_t)t->sample_types.n;
    p->sample_types = gmd_arena_alloc(a, t->sample_types.n * sizeof *p->sample_types);
    for (size_t i = 0; i < t->sample_types.n; i++)
        if (decode_value_type(d, &t->sample_types.v[i], &p->sample_types[i], "ValueType") < 0) return -1;
    if (t->has_period_type && decode_value_type(d, &t->period_type, &p->period_type, "ValueType") < 0) return -1;
    p->default_sample_type = -1;
    if (t->default_sample_type.index) {
        const char *name = "";
        if (str_at(d, t->default_sample_type.index, t->default_sample_type.at, &name) < 0) return -1;
        /* Interned, so pointer equality; a name that matches nothing is
         * ignored, and the last type is used, as pprof does. */
        for (uint32_t i = 0; i < p->nsample_types; i++)
            if (p->sample_types[i].type == name) {
                p->default_sample_type = (int32_t)i;
                break;
            }
    }

    size_t maxn = t->mappings.n;
    if (t->functions.n > maxn) maxn = t->functions.n;
    if (t->locations.n > maxn) maxn = t->locations.n;
    uint64_t *ids = tb->ids = gmd_xmalloc((maxn ? maxn : 1) * sizeof *ids);

    p->nmappings = (uint32_t)t->mappings.n;
    p->mappings = gmd_arena_alloc(a, t->mappings.n * sizeof *p->mappings);
    for (size_t i = 0; i < t->mappings.n; i++) {
        if (decode_mapping(d, &t->mappings.v[i], &p->mappings[i]) < 0) return -1;
        ids[i] = p->mappings[i].id;
    }
    if (id_map_build(d, &tb->maps, ids, t->mappings.n, t->mappings.v, "mapping") < 0) return -1;

    p->nfunctions = (uint32_t)t->functions.n;
    p->functions = gmd_arena_alloc(a, t->functions.n * sizeof *p->functions);
    for (size_t i = 0; i < t->functions.n; i++) {
        if (decode_function(d, &t->functions.v[i], &p->functions[i]) < 0) return -1;
        ids[i] = p->functions[i].id;
    }
    if (id_map_build(d, &tb->funcs, ids, t->functions.n, t->functions.v, "function") < 0) return -1;

    p->nlocations = (uint32_t)t->locations.n;
    p->locations = gmd_arena_alloc(a, t->locations.n * sizeof *p->locations);
    size_t *line_offs = tb->line_offs = gmd_xmalloc((t->locations.n ? t->locations.n : 1) * sizeof *line_offs);
    for (size_t i = 0; i < t->locations.n; i++) {
        if (decode_location(d, &t->locations.v[i], &tb->maps, &tb->funcs, &p->locations[i], &tb->lines, &line_offs[i]) < 0)
            return -1;
        ids[i] = p->locations[i].id;
    }
    if (id_map_build(d, &tb->locs, ids, t->locations.n, t->locations.v, "location") < 0) return -1;
    gmd_line *line_pool = gmd_arena_memdup(a, tb->lines.v, tb->lines.n * sizeof *tb->lines.v);
    for (size_t i = 0; i < t->locations.n; i++) p->locations[i].lines = line_pool + line_offs[i];
    return 0;
}

/* The samples, into pools sized by a counting pass; big profiles count and
 * decode in two halves at once. */
static int decode_samples(dec *d, top *t, const id_map *locs)
{
    gmd_profile *p = d->prof;
    gmd_arena *a = &p->arena;
    sample_pools sp = {0};

    /* Second pass over the top level, for the samples. */
    p->nsamples = (uint32_t)t->nsamples;
    p->samples = gmd_arena_alloc_raw(a, t->nsamples * sizeof *p->samples);   /* every field set below */
    /* Pool sizes: big profiles count the two halves at once too. */
    const uint8_t *end = d->base + d->len;
    const checkpoint *mid = pick_checkpoint(t);
    count_range c1 = {d->base, mid ? mid->at : end, {0}}, c2 = {mid ? mid->at : end, end, {0}};
    if (mid) {
        pthread_t th;
        bool threaded = pthread_create(&th, NULL, count_samples, &c2) == 0;
        count_samples(&c1);
        if (threaded) pthread_join(th, NULL);
        else count_samples(&c2);
    } else {
        count_samples(&c1);
    }
    sp.caplocs = c1.counts.caplocs + c2.counts.caplocs;
    sp.capvals = c1.counts.capvals + c2.counts.capvals;
    sp.caplabs = c1.counts.caplabs + c2.counts.caplabs;
    sp.locs = gmd_arena_alloc_raw(a, sp.caplocs * sizeof *sp.locs);   /* filled completely below */
    sp.vals = gmd_arena_alloc_raw(a, sp.capvals * sizeof *sp.vals);
    sp.labs = gmd_arena_alloc_raw(a, sp.caplabs * sizeof *sp.labs);   /* every label sets all its fields */
    /* Big profiles decode their samples in two halves at once: each half
     * has its own byte range, sample indices and pool regions (the first
     * half's counts), so the result is the same as one pass in order, and
     * so is the error: the first half's if it has one. */
    sample_range whole = {d, d->base, end, locs, p->nsample_types, sp, p->samples, 0, t->nsamples, 0};
    if (!mid) {
        if (decode_sample_range(&whole) < 0) return -1;
    } else {
        gmd_err err2;
        gmd_err_clear(&err2);
        dec d2 = *d;
        d2.err = &err2;
        sample_range first = whole, second = whole;
        first.end = mid->at;
        first.sp.caplocs = c1.counts.caplocs;
        first.sp.capvals = c1.counts.capvals;
        first.sp.caplabs = c1.counts.caplabs;
        first.si_end = mid->si;
        second.d = &d2;
        second.begin = mid->at;
        second.sp.nlocs = c1.counts.caplocs;
        second.sp.nvals = c1.counts.capvals;
        second.sp.nlabs = c1.counts.caplabs;
        second.si = mid->si;
        pthread_t th;
        bool threaded = pthread_create(&th, NULL, decode_sample_range_thread, &second) == 0;
        decode_sample_range(&first);
        if (threaded) pthread_join(th, NULL);
        else decode_sample_range(&second);
        if (first.rc < 0) return -1;
        if (second.rc < 0) {
            *d->err = err2;
            return -1;
        }
    }
    return 0;
}

static int decode_all(dec *d, top *t)
{
    tables tb;
    memset(&tb, 0, sizeof tb);
    int rc = decode_tables(d, t, &tb) < 0 ? -1 : decode_samples(d, t, &tb.locs);
    tables_free(d, &tb);
    return rc;
}

gmd_profile *gmd_pprof_proto_parse(const uint8_t *data, size_t len, gmd_err *err)
{
    gmd_profile *p = gmd_profile_new();
    p->format = GMD_FMT_PROTO;
    dec d = {data, len, err, p, NULL, 0, false};
    top t;
    memset(&t, 0, sizeof t);
    if (scan_profile(&d, data, len, &t) < 0 || decode_all(&d, &t) < 0) {
        top_free(&t);
        gmd_profile_free(p);
        return NULL;
    }
    top_free(&t);
    return p;
}

/* ---- progressive parsing: while the bytes are still arriving ----
 *
 * Go writes a profile's samples in the middle, each after the locations it
 * uses, and the mappings and the string table at the end. So the samples,
 * most of the work, can be decoded while the rest is still being inflated,
 * by the fast path, resolving location ids through a provisional map filled
 * as location messages go by. What the fast path cannot take (a location
 * defined later, labels, whose strings come last, any unusual encoding) is
 * deferred until the end and decoded by the general decoder.
 *
 * This path only has to be right when it succeeds: on anything unexpected
 * (bad data, the writer failing) it gives up and the caller parses the
 * complete bytes with gmd_pprof_proto_parse, which reports errors exactly. */

/* Pool room is taken in chunks from the arena, so there is no counting
 * pass; a sample never straddles two chunks. Chunks of 8 MiB get huge pages
 * (xalloc.c): with 4 KiB pages, faulting the pools in cost a fifth of the
 * parse. */
#define CHUNK_BYTES ((size_t)8 << 20)

typedef struct deferred {
    size_t si;
    span s;
} deferred;

typedef struct stream {
    gmd_progressive *src;
    const uint8_t *ready;         /* end of the bytes known to be there */
    gmd_sample *samples;
    size_t nsamples, capsamples;
    sample_pools sp;
    id_map prov;                  /* location id -> index, dense, as seen so far */
    uint32_t nlocations;
    deferred *def;
    size_t ndef, capdef;
    label_sets sets;
    bool any_fast, mixed_nvalues;
    uint32_t fast_nvalues;        /* the sample type count the fast samples were checked against */
} stream;

static bool stream_ensure(const dec *d, stream *st, const uint8_t *upto)
{
    if (upto > d->base + d->len) upto = d->base + d->len;
    if (upto <= st->ready) return true;
    st->ready = d->base + gmd_progressive_wait(st->src, (size_t)(upto - d->base));
    return upto <= st->ready;
}

/* Room in the pools for the sample s. A sample of n bytes holds at most n
 * location ids, n values and n/2 labels; that bound serves small samples
 * (the fast path checks it), while a big one is counted exactly so that a
 * single huge sample cannot ask for sixteen times its size. */
#define BOUND_BY_LENGTH 4096

static void stream_reserve(gmd_arena *a, sample_pools *sp, const span *s)
{
    size_t nlocs = s->len, nvals = s->len, nlabs = s->len / 2;
    if (s->len > BOUND_BY_LENGTH) {
        sample_pools c = {0};
        count_sample(s->p, s->p + s->len, &c);
        nlocs = c.caplocs;
        nvals = c.capvals;
        nlabs = c.caplabs;
    }
    if (!sp->locs || sp->caplocs - sp->nlocs < nlocs) {
        sp->caplocs = nlocs > CHUNK_BYTES / sizeof *sp->locs ? nlocs : CHUNK_BYTES / sizeof *sp->locs;
        sp->locs = gmd_arena_alloc_raw(a, sp->caplocs * sizeof *sp->locs);
        sp->nlocs = 0;
    }
    if (!sp->vals || sp->capvals - sp->nvals < nvals) {
        sp->capvals = nvals > CHUNK_BYTES / sizeof *sp->vals ? nvals : CHUNK_BYTES / sizeof *sp->vals;
        sp->vals = gmd_arena_alloc_raw(a, sp->capvals * sizeof *sp->vals);
        sp->nvals = 0;
    }
    if (!sp->labs || sp->caplabs - sp->nlabs < nlabs) {
        sp->caplabs = nlabs > CHUNK_BYTES / sizeof *sp->labs ? nlabs : CHUNK_BYTES / sizeof *sp->labs;
        sp->labs = gmd_arena_alloc_raw(a, sp->caplabs * sizeof *sp->labs);
        sp->nlabs = 0;
    }
}

/* A location message went by: note its id (the last field 1, as the
 * decoder will read it) for the samples that follow. */
static void stream_location(stream *st, const field *f)
{
    const uint8_t *p = f->p, *end = f->p + f->len;
    uint64_t id = 0, key, v;
    uint32_t index = st->nlocations++;
    while (p < end) {
        if (!peek_varint(&p, end, &key)) return;
        if ((key & 7) == WIRE_VARINT) {
            if (!peek_varint(&p, end, &v)) return;
            if (key >> 3 == 1) id = v;
        } else if ((key & 7) == WIRE_LEN) {
            if (!peek_varint(&p, end, &v) || v > (uint64_t)(end - p)) return;
            p += v;
        } else {
            return;   /* the decoder will judge it */
        }
    }
    /* Sparse ids stay out: samples using them are deferred. */
    if (id == 0 || id > 4 * (uint64_t)st->nlocations + 1024) return;
    if (id >= st->prov.ndense) {
        size_t n = st->prov.ndense ? st->prov.ndense : 1024;
        while (n <= id) n *= 2;
        st->prov.dense = gmd_xrealloc(st->prov.dense, n * sizeof *st->prov.dense);
        memset(st->prov.dense + st->prov.ndense, 0xff, (n - st->prov.ndense) * sizeof *st->prov.dense);
        st->prov.ndense = n;
    }
    if (st->prov.dense[id] == UINT32_MAX) st->prov.dense[id] = index;
}

static void stream_sample(const dec *d, stream *st, const span *s, uint32_t nvalues)
{
    if (st->nsamples == st->capsamples) {
        /* A guess on the high side (Go's samples take 30 to 60 bytes):
         * pages never touched cost nothing, growing means copying. */
        st->capsamples = st->capsamples ? st->capsamples * 2 : d->len / 24 + 64;
        st->samples = gmd_xrealloc(st->samples, st->capsamples * sizeof *st->samples);
    }
    size_t si = st->nsamples++;
    stream_reserve(&d->prof->arena, &st->sp, s);
    if (st->prov.dense && decode_sample_fast(d, s, &st->prov, nvalues, &st->sp, &st->samples[si]) == 0) {
        /* Sample types that change between samples make the complete
         * parse judge this odd profile. */
        if (st->any_fast && nvalues != st->fast_nvalues) st->mixed_nvalues = true;
        st->fast_nvalues = nvalues;
        st->any_fast = true;
        return;
    }
    deferred x = {si, *s};
    GMD_VEC_PUSH(st->def, st->ndef, st->capdef, x);
}

static int scan_progressive(dec *d, stream *st, top *t)
{
    const uint8_t *p = d->base, *end = d->base + d->len;
    field f;
    int r;
    d->nstrings = 0;
    d->defer_strings = true;
    for (;;) {
        if (!stream_ensure(d, st, p + 16)) return -1;
        if (end - p >= 3 && p[0] == 0x12 && (p[1] < 0x80 || p[2] < 0x80)) {
            size_t n = p[1] < 0x80 ? p[1] : (size_t)(p[1] & 0x7f) | (size_t)p[2] << 7;
            const uint8_t *body = p + (p[1] < 0x80 ? 2 : 3);
            if (n <= (size_t)(end - body)) {
                if (!stream_ensure(d, st, body + n)) return -1;
                span s = {p, body, n};
                stream_sample(d, st, &s, (uint32_t)t->sample_types.n);
                p = body + n;
                continue;
            }
        }
        if ((r = next_field(d, &p, end, &f, "Profile")) <= 0) break;
        if (f.wire == WIRE_LEN && !stream_ensure(d, st, f.p + f.len)) return -1;
        if (f.num == 2) {
            if (f.wire != WIRE_LEN) return -1;
            span s = {f.key, f.p, f.len};
            stream_sample(d, st, &s, (uint32_t)t->sample_types.n);
            continue;
        }
        if (f.num == 4 && f.wire == WIRE_LEN) stream_location(st, &f);
        if (scan_field(d, &f, t) < 0) return -1;
    }
    return r;
}

/* Turn the string indices that fast-decoded labels hold into strings: each
 * stored set once (every fast sample's labels are one of them). */
static int resolve_labels(const dec *d, stream *st)
{
    for (size_t i = 0; i < st->sets.n; i++) {
        gmd_label *set = st->sets.sets[i];
        for (uint32_t k = 0; k < st->sets.lens[i]; k++) {
            const char **fields[3] = {&set[k].key, &set[k].str, &set[k].num_unit};
            for (int f = 0; f < 3; f++) {
                if (!*fields[f]) {
                    *fields[f] = "";   /* absent: "" as the decoder gives */
                    continue;
                }
                uintptr_t index = (uintptr_t)*fields[f];
                if (index >= d->nstrings) return -1;
                *fields[f] = d->strings[index];
            }
        }
    }
    return 0;
}

static int finish_progressive(dec *d, stream *st, top *t)
{
    gmd_profile *p = d->prof;
    tables tb;
    memset(&tb, 0, sizeof tb);
    int rc = -1;
    d->defer_strings = false;
    if (decode_tables(d, t, &tb) < 0 || resolve_labels(d, st) < 0) goto out;
    /* Fast samples were checked against the sample types seen before them
     * and resolved through the provisional map; the final map agrees with
     * it wherever it has an entry (ids are unique, or decode_tables failed). */
    if (st->any_fast && (st->mixed_nvalues || st->fast_nvalues != p->nsample_types)) goto out;
    for (size_t i = 0; i < st->ndef; i++) {
        deferred *x = &st->def[i];
        stream_reserve(&p->arena, &st->sp, &x->s);
        if (decode_sample(d, &x->s, &tb.locs, p->nsample_types, &st->sp, &st->samples[x->si]) < 0) goto out;
    }
    if (st->nsamples > UINT32_MAX) goto out;
    p->nsamples = (uint32_t)st->nsamples;
    p->samples = st->samples;
    if (st->samples) gmd_arena_adopt(&p->arena, st->samples);
    st->samples = NULL;
    rc = 0;
out:
    tables_free(d, &tb);
    return rc;
}

gmd_profile *gmd_pprof_proto_parse_progressive(gmd_progressive *src)
{
    gmd_err scratch;
    gmd_err_clear(&scratch);
    gmd_profile *p = gmd_profile_new();
    p->format = GMD_FMT_PROTO;
    dec d = {src->data, src->len, &scratch, p, NULL, 0, false};
    top t;
    memset(&t, 0, sizeof t);
    stream st;
    memset(&st, 0, sizeof st);
    st.src = src;
    st.ready = src->data;
    st.sp.shared = &st.sets;
    bool ok = scan_progressive(&d, &st, &t) == 0 && stream_ensure(&d, &st, d.base + d.len) &&
              finish_progressive(&d, &st, &t) == 0;
    free(st.samples);
    free(st.def);
    label_sets_free(&st.sets);
    id_map_free(&st.prov);
    top_free(&t);
    if (!ok) {
        gmd_profile_free(p);
        return NULL;
    }
    return p;
}
