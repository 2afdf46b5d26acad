#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"

/* Samples and locations are kept in growable arrays with their variable
 * parts (lines, sample records, labels) in shared pools addressed by
 * offset, so a build is a handful of reallocs rather than one malloc each. */
typedef struct bloc { uint32_t mapping; uint64_t address; size_t line_off; uint32_t nlines; } bloc;
typedef struct labset { size_t off; uint32_t n; } labset;
typedef struct sslot { uint64_t off; uint32_t hash, sample; } sslot;   /* sample: index + 1, 0 = empty */

struct gmd_builder {
    gmd_profile *p;
    gmd_mapping *maps; size_t nmaps, capmaps;
    gmd_function *funcs; size_t nfuncs, capfuncs;
    bloc *locs; size_t nlocs, caplocs;
    gmd_line *lines; size_t nlines, caplines;
    uint64_t *rec; size_t nrec, caprec;            /* sample records (see below) */
    uint64_t *soff; size_t nsamples, capsamples;   /* sample -> its record's offset in rec */
    sslot *sslots; size_t scap, scount;            /* the sample index */
    gmd_label *labpool; size_t nlabpool, caplabpool;
    labset *sets; size_t nsets, capsets;           /* label set n + 1 -> its labels in labpool */
    gmd_index func_ix, loc_ix, set_ix;
};

gmd_builder *gmd_builder_new(gmd_profile *p)
{
    gmd_builder *b = gmd_xcalloc(1, sizeof *b);
    b->p = p;
    gmd_index_init(&b->func_ix);
    gmd_index_init(&b->loc_ix);
    gmd_index_init(&b->set_ix);
    return b;
}

static const char *in(gmd_builder *b, const char *s) { return gmd_intern_str(&b->p->strings, s ? s : ""); }

uint32_t gmd_builder_mapping(gmd_builder *b, const gmd_mapping *m)
{
    gmd_mapping c = *m;
    c.filename = in(b, m->filename);
    c.build_id = in(b, m->build_id);
    /* Snapshots of one process share their mappings; there are few (one
     * per executable mapping), so a linear search is enough. */
    for (size_t i = 0; i < b->nmaps; i++) {
        const gmd_mapping *o = &b->maps[i];
        if (o->filename == c.filename && o->build_id == c.build_id && o->memory_start == c.memory_start &&
            o->memory_limit == c.memory_limit && o->file_offset == c.file_offset)
            return (uint32_t)i;
    }
    c.id = b->nmaps + 1;
    GMD_VEC_PUSH(b->maps, b->nmaps, b->capmaps, c);
    return (uint32_t)(b->nmaps - 1);
}

typedef struct { gmd_builder *b; const gmd_function *f; } func_key;
static bool func_eq(const void *ctx, uint32_t i)
{
    const func_key *k = ctx;
    const gmd_function *g = &k->b->funcs[i];
    /* Interned: pointer equality is string equality. */
    return g->name == k->f->name && g->system_name == k->f->system_name &&
           g->filename == k->f->filename && g->start_line == k->f->start_line;
}

uint32_t gmd_builder_function(gmd_builder *b, const char *name, const char *system_name,
                              const char *filename, int64_t start_line)
{
    gmd_function f = {0};
    f.name = in(b, name);
    f.system_name = in(b, system_name);
    f.filename = in(b, filename);
    f.start_line = start_line;
    uint64_t h = gmd_mix64((uintptr_t)f.name ^ gmd_mix64((uintptr_t)f.filename) ^
                           gmd_mix64((uintptr_t)f.system_name + (uint64_t)start_line));
    func_key k = {b, &f};
    uint32_t i = gmd_index_find(&b->func_ix, h, func_eq, &k);
    if (i != UINT32_MAX) return i;
    f.id = b->nfuncs + 1;
    GMD_VEC_PUSH(b->funcs, b->nfuncs, b->capfuncs, f);
    i = (uint32_t)(b->nfuncs - 1);
    gmd_index_insert(&b->func_ix, h, i);
    return i;
}

typedef struct { gmd_builder *b; uint32_t mapping; uint64_t address; const gmd_line *lines; uint32_t nlines; } loc_key;
static bool loc_eq(const void *ctx, uint32_t i)
{
    const loc_key *k = ctx;
    const bloc *l = &k->b->locs[i];
    if (l->mapping != k->mapping || l->address != k->address || l->nlines != k->nlines) return false;
    for (uint32_t j = 0; j < l->nlines; j++) {
        const gmd_line *x = &k->b->lines[l->line_off + j], *y = &k->lines[j];
        if (x->function != y->function || x->line != y->line || x->column != y->column) return false;
    }
    return true;
}

uint32_t gmd_builder_location(gmd_builder *b, uint32_t mapping, uint64_t address,
                              const gmd_line *lines, uint32_t nlines)
{
    uint64_t h = gmd_mix64(address ^ ((uint64_t)mapping << 40) ^ nlines);
    for (uint32_t j = 0; j < nlines; j++)
        h = gmd_mix64(h ^ ((uint64_t)lines[j].function << 32) ^ (uint64_t)lines[j].line);
    loc_key k = {b, mapping, address, lines, nlines};
    uint32_t i = gmd_index_find(&b->loc_ix, h, loc_eq, &k);
    if (i != UINT32_MAX) return i;
    bloc l = {mapping, address, b->nlines, nlines};
    for (uint32_t j = 0; j < nlines; j++) GMD_VEC_PUSH(b->lines, b->nlines, b->caplines, lines[j]);
    GMD_VEC_PUSH(b->locs, b->nlocs, b->caplocs, l);
    i = (uint32_t)(b->nlocs - 1);
    gmd_index_insert(&b->loc_ix, h, i);
    return i;
}

/* ---- label sets ----
 * Equal label sets are stored once and samples refer to them by number, so
 * comparing two samples' labels is comparing two numbers. A Go heap profile
 * gives every sample bytes=<size>, and there are few sizes. */
typedef struct { gmd_builder *b; const gmd_label *labels; uint32_t n; } labset_key;
static bool labset_eq(const void *ctx, uint32_t i)
{
    const labset_key *k = ctx;
    const labset *set = &k->b->sets[i];
    if (set->n != k->n) return false;
    for (uint32_t j = 0; j < k->n; j++) {
        const gmd_label *x = &k->b->labpool[set->off + j], *y = &k->labels[j];
        if (x->key != y->key || x->str != y->str || x->num != y->num || x->num_unit != y->num_unit)
            return false;
    }
    return true;
}

uint32_t gmd_builder_label_set(gmd_builder *b, const gmd_label *labels, uint32_t nlabels)
{
    if (!nlabels) return 0;
    gmd_label small[4];
    gmd_label *labs = nlabels <= 4 ? small : gmd_xmalloc(nlabels * sizeof *labs);
    uint64_t h = nlabels;
    for (uint32_t j = 0; j < nlabels; j++) {
        /* Interned, so equality below is by pointer. */
        labs[j] = labels[j];
        labs[j].key = in(b, labels[j].key);
        labs[j].str = in(b, labels[j].str);
        labs[j].num_unit = in(b, labels[j].num_unit);
        h = gmd_mix64(h ^ (uintptr_t)labs[j].key ^ gmd_mix64((uintptr_t)labs[j].str + (uint64_t)labs[j].num) ^
                      ((uint64_t)(uintptr_t)labs[j].num_unit << 7));
    }
    labset_key k = {b, labs, nlabels};
    uint32_t i = gmd_index_find(&b->set_ix, h, labset_eq, &k);
    if (i == UINT32_MAX) {
        labset set = {b->nlabpool, nlabels};
        for (uint32_t j = 0; j < nlabels; j++) GMD_VEC_PUSH(b->labpool, b->nlabpool, b->caplabpool, labs[j]);
        GMD_VEC_PUSH(b->sets, b->nsets, b->capsets, set);
        i = (uint32_t)(b->nsets - 1);
        gmd_index_insert(&b->set_ix, h, i);
    }
    if (labs != small) free(labs);
    return i + 1;
}

/* ---- samples ----
 * A sample is one record in a pool of 64-bit words: a header (location
 * count, label set), its values, then its location indices two to a word.
 * The sample index's slots hold the record's offset, so finding a sample is
 * two memory reads (slot, record), which a merge prefetches in two steps
 * ahead of use: those random reads were most of a merge's time. */
static inline size_t rec_words(uint32_t nv, uint32_t nlocs) { return 1 + nv + ((size_t)nlocs + 1) / 2; }

uint64_t gmd_builder_sample_hash(const uint32_t *locations, uint32_t nlocations, uint32_t label_set)
{
    /* One multiply a location (a full mix per location was a long chain of
     * dependent multiplies), then one full mix so the low bits, which pick
     * the slot, depend on every input. */
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = nlocations + ((uint64_t)label_set << 32);
    for (uint32_t j = 0; j < nlocations; j++) h = (h ^ locations[j]) * k;
    return gmd_mix64(h);
}

static void sindex_grow(gmd_builder *b, size_t want)
{
    size_t ncap = b->scap ? b->scap : 1024;
    while (ncap / 8 * 5 < want) ncap *= 2;   /* at most 5/8 full: short probes */
    if (ncap == b->scap) return;
    /* Not calloc: gmd_xmalloc gives a big table huge pages (fewer faults
     * and TLB misses on its random reads). */
    sslot *slot = gmd_xmalloc(ncap * sizeof *slot);
    memset(slot, 0, ncap * sizeof *slot);
    for (size_t i = 0; i < b->scap; i++) {
        if (!b->sslots[i].sample) continue;
        size_t j = b->sslots[i].hash & (ncap - 1);
        while (slot[j].sample) j = (j + 1) & (ncap - 1);
        slot[j] = b->sslots[i];
    }
    free(b->sslots);
    b->sslots = slot;
    b->scap = ncap;
}

void gmd_builder_reserve(gmd_builder *b, size_t nsamples, size_t nlocations)
{
    if (nsamples > b->scount) sindex_grow(b, nsamples);
    /* The first input of a merge gives most samples: room for them and an
     * eighth more, so the record pool is not grown (copied, when it lives
     * in the heap) while they go in. */
    if (b->nsamples == 0) {
        size_t words = nsamples * (1 + (size_t)b->p->nsample_types) + (nlocations + nsamples) / 2;
        words += words / 8;
        if (words > b->caprec) {
            b->rec = gmd_xrealloc(b->rec, words * sizeof *b->rec);
            b->caprec = words;
        }
        size_t n = nsamples + nsamples / 8;
        if (n > b->capsamples) {
            b->soff = gmd_xrealloc(b->soff, n * sizeof *b->soff);
            b->capsamples = n;
        }
    }
}

void gmd_builder_prefetch_slot(gmd_builder *b, uint64_t h)
{
    if (b->scap) __builtin_prefetch(&b->sslots[(uint32_t)h & (b->scap - 1)]);
}

void gmd_builder_prefetch_sample(gmd_builder *b, uint64_t h)
{
    if (!b->scap) return;
    size_t mask = b->scap - 1;
    uint32_t lo = (uint32_t)h;
    for (size_t j = lo & mask;; j = (j + 1) & mask) {
        const sslot *s = &b->sslots[j];
        if (!s->sample) return;
        if (s->hash == lo) {
            __builtin_prefetch(&b->rec[s->off]);
            return;
        }
    }
}

static uint32_t append(gmd_builder *b, const uint32_t *locations, uint32_t nlocations, const int64_t *values,
                       uint32_t label_set)
{
    uint32_t nv = b->p->nsample_types;
    size_t w = rec_words(nv, nlocations);
    if (b->caprec - b->nrec < w) {
        size_t cap = b->caprec ? b->caprec : 4096;
        while (cap - b->nrec < w) cap *= 2;
        b->rec = gmd_xrealloc(b->rec, cap * sizeof *b->rec);
        b->caprec = cap;
    }
    uint64_t *r = &b->rec[b->nrec];
    r[0] = nlocations | (uint64_t)label_set << 32;
    if (nv) memcpy(r + 1, values, nv * sizeof *values);
    if (nlocations & 1) r[w - 1] = 0;   /* the padding after an odd count */
    if (nlocations) memcpy(r + 1 + nv, locations, nlocations * sizeof *locations);
    GMD_VEC_PUSH(b->soff, b->nsamples, b->capsamples, b->nrec);
    b->nrec += w;
    return (uint32_t)(b->nsamples - 1);
}

uint32_t gmd_builder_merge_sample(gmd_builder *b, uint64_t h, const uint32_t *locations, uint32_t nlocations,
                                  const int64_t *values, uint32_t label_set)
{
    uint32_t nv = b->p->nsample_types;
    if (b->scap / 8 * 5 < b->scount + 1) sindex_grow(b, b->scount + 1);
    size_t mask = b->scap - 1;
    uint32_t lo = (uint32_t)h;
    uint64_t head = nlocations | (uint64_t)label_set << 32;
    size_t j = lo & mask;
    for (;; j = (j + 1) & mask) {
        sslot *s = &b->sslots[j];
        if (!s->sample) break;
        if (s->hash != lo) continue;
        uint64_t *r = &b->rec[s->off];
        if (r[0] != head || (nlocations && memcmp(r + 1 + nv, locations, nlocations * sizeof *locations)))
            continue;
        for (uint32_t k = 0; k < nv; k++) r[1 + k] += (uint64_t)values[k];   /* wraps, as Go's int64 does */
        return s->sample - 1;
    }
    uint32_t i = append(b, locations, nlocations, values, label_set);
    b->sslots[j].off = b->soff[i];
    b->sslots[j].hash = lo;
    b->sslots[j].sample = i + 1;
    b->scount++;
    return i;
}

uint32_t gmd_builder_sample(gmd_builder *b, const uint32_t *locations, uint32_t nlocations,
                            const int64_t *values, const gmd_label *labels, uint32_t nlabels,
                            bool merge)
{
    uint32_t set = gmd_builder_label_set(b, labels, nlabels);
    if (!merge) return append(b, locations, nlocations, values, set);
    return gmd_builder_merge_sample(b, gmd_builder_sample_hash(locations, nlocations, set), locations, nlocations,
                                    values, set);
}

/* An empty array is a small arena block, never NULL, as before. */
static void *adopt(gmd_arena *a, void *malloced)
{
    if (!malloced) return gmd_arena_alloc(a, 0);
    gmd_arena_adopt(a, malloced);
    return malloced;
}

void gmd_builder_finish(gmd_builder *b)
{
    gmd_profile *p = b->p;
    gmd_arena *a = &p->arena;
    /* The arrays and pools become the profile's as they are (the arena
     * frees them): copying them was a second pass over the largest memory
     * of a merge, and fresh pages for it. */
    p->nmappings = (uint32_t)b->nmaps;
    p->mappings = adopt(a, b->maps);
    p->nfunctions = (uint32_t)b->nfuncs;
    p->functions = adopt(a, b->funcs);
    gmd_line *lines = adopt(a, b->lines);
    p->nlocations = (uint32_t)b->nlocs;
    p->locations = gmd_arena_alloc(a, b->nlocs * sizeof *p->locations);
    for (size_t i = 0; i < b->nlocs; i++) {
        gmd_location *l = &p->locations[i];
        l->id = i + 1;
        l->mapping = b->locs[i].mapping;
        l->address = b->locs[i].address;
        l->lines = lines + b->locs[i].line_off;
        l->nlines = b->locs[i].nlines;
    }
    gmd_label *labpool = adopt(a, b->labpool);
    uint64_t *rec = adopt(a, b->rec);
    uint32_t nv = p->nsample_types;
    p->nsamples = (uint32_t)b->nsamples;
    p->samples = gmd_arena_alloc(a, b->nsamples * sizeof *p->samples);
    for (size_t i = 0; i < b->nsamples; i++) {
        gmd_sample *s = &p->samples[i];
        uint64_t *r = rec + b->soff[i];
        uint32_t set = (uint32_t)(r[0] >> 32);
        s->values = (int64_t *)(r + 1);
        s->locations = (uint32_t *)(r + 1 + nv);
        s->nlocations = (uint32_t)r[0];
        s->labels = set ? labpool + b->sets[set - 1].off : labpool;
        s->nlabels = set ? b->sets[set - 1].n : 0;
    }
    free(b->locs);
    free(b->soff);
    free(b->sslots);
    free(b->sets);
    gmd_index_free(&b->func_ix);
    gmd_index_free(&b->loc_ix);
    gmd_index_free(&b->set_ix);
    free(b);
}
