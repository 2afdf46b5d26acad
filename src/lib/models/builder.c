#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"

/* Samples and locations are kept in growable arrays with their variable
 * parts (lines, location lists, values, labels) in shared pools addressed by
 * offset, so a build is a handful of reallocs rather than one malloc each. */
typedef struct bloc { uint32_t mapping; uint64_t address; size_t line_off; uint32_t nlines; } bloc;
typedef struct bsample { size_t loc_off, val_off, lab_off; uint32_t nlocs, nlabels; } bsample;

struct gmd_builder {
    gmd_profile *p;
    gmd_mapping *maps; size_t nmaps, capmaps;
    gmd_function *funcs; size_t nfuncs, capfuncs;
    bloc *locs; size_t nlocs, caplocs;
    gmd_line *lines; size_t nlines, caplines;
    bsample *samples; size_t nsamples, capsamples;
    uint32_t *locpool; size_t nlocpool, caplocpool;
    int64_t *valpool; size_t nvalpool, capvalpool;
    gmd_label *labpool; size_t nlabpool, caplabpool;
    gmd_index func_ix, loc_ix, sample_ix;
};

gmd_builder *gmd_builder_new(gmd_profile *p)
{
    gmd_builder *b = gmd_xcalloc(1, sizeof *b);
    b->p = p;
    gmd_index_init(&b->func_ix);
    gmd_index_init(&b->loc_ix);
    gmd_index_init(&b->sample_ix);
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

typedef struct { gmd_builder *b; const uint32_t *locs; uint32_t nlocs; const gmd_label *labels; uint32_t nlabels; } sample_key;
static bool sample_eq(const void *ctx, uint32_t i)
{
    const sample_key *k = ctx;
    const bsample *s = &k->b->samples[i];
    if (s->nlocs != k->nlocs || s->nlabels != k->nlabels) return false;
    if (k->nlocs && memcmp(&k->b->locpool[s->loc_off], k->locs, k->nlocs * sizeof(uint32_t))) return false;
    for (uint32_t j = 0; j < k->nlabels; j++) {
        const gmd_label *x = &k->b->labpool[s->lab_off + j], *y = &k->labels[j];
        if (x->key != y->key || x->str != y->str || x->num != y->num || x->num_unit != y->num_unit)
            return false;
    }
    return true;
}

/* labs: interned. One multiply a location (a full mix per location was a
 * long chain of dependent multiplies, a visible part of a merge), then one
 * full mix so the low bits, which pick the slot, depend on every input. */
static uint64_t sample_hash(const uint32_t *locations, uint32_t nlocations, const gmd_label *labs, uint32_t nlabels)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = nlocations + ((uint64_t)nlabels << 32);
    for (uint32_t j = 0; j < nlocations; j++) h = (h ^ locations[j]) * k;
    for (uint32_t j = 0; j < nlabels; j++)
        h = (h ^ (uintptr_t)labs[j].key ^ gmd_mix64((uintptr_t)labs[j].str + (uint64_t)labs[j].num)) * k;
    return gmd_mix64(h);
}

void gmd_builder_sample_prefetch(gmd_builder *b, const uint32_t *locations, uint32_t nlocations,
                                 const gmd_label *labels, uint32_t nlabels)
{
    gmd_label labs[4];
    if (!b->sample_ix.cap || nlabels > 4) return;
    for (uint32_t j = 0; j < nlabels; j++) {
        labs[j] = labels[j];
        labs[j].key = in(b, labels[j].key);
        labs[j].str = in(b, labels[j].str);
    }
    uint64_t h = sample_hash(locations, nlocations, labs, nlabels);
    __builtin_prefetch(&b->sample_ix.slot[(uint32_t)h & (b->sample_ix.cap - 1)]);
}

uint32_t gmd_builder_sample(gmd_builder *b, const uint32_t *locations, uint32_t nlocations,
                            const int64_t *values, const gmd_label *labels, uint32_t nlabels,
                            bool merge)
{
    uint32_t nv = b->p->nsample_types;
    /* Intern label strings so equality below is by pointer. */
    gmd_label *labs = nlabels ? gmd_xmalloc(nlabels * sizeof *labs) : NULL;
    for (uint32_t j = 0; j < nlabels; j++) {
        labs[j] = labels[j];
        labs[j].key = in(b, labels[j].key);
        labs[j].str = in(b, labels[j].str);
        labs[j].num_unit = in(b, labels[j].num_unit);
    }
    uint64_t h = 0;
    uint32_t i = UINT32_MAX;
    if (merge) {
        h = sample_hash(locations, nlocations, labs, nlabels);
        sample_key k = {b, locations, nlocations, labs, nlabels};
        i = gmd_index_find(&b->sample_ix, h, sample_eq, &k);
    }
    if (i != UINT32_MAX) {
        int64_t *v = &b->valpool[b->samples[i].val_off];
        for (uint32_t j = 0; j < nv; j++) v[j] += values[j];
        free(labs);
        return i;
    }
    bsample s = {b->nlocpool, b->nvalpool, b->nlabpool, nlocations, nlabels};
    for (uint32_t j = 0; j < nlocations; j++) GMD_VEC_PUSH(b->locpool, b->nlocpool, b->caplocpool, locations[j]);
    for (uint32_t j = 0; j < nv; j++) GMD_VEC_PUSH(b->valpool, b->nvalpool, b->capvalpool, values[j]);
    for (uint32_t j = 0; j < nlabels; j++) GMD_VEC_PUSH(b->labpool, b->nlabpool, b->caplabpool, labs[j]);
    free(labs);
    GMD_VEC_PUSH(b->samples, b->nsamples, b->capsamples, s);
    i = (uint32_t)(b->nsamples - 1);
    if (merge) gmd_index_insert(&b->sample_ix, h, i);
    return i;
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
    uint32_t *locpool = adopt(a, b->locpool);
    int64_t *valpool = adopt(a, b->valpool);
    gmd_label *labpool = adopt(a, b->labpool);
    p->nsamples = (uint32_t)b->nsamples;
    p->samples = gmd_arena_alloc(a, b->nsamples * sizeof *p->samples);
    for (size_t i = 0; i < b->nsamples; i++) {
        gmd_sample *s = &p->samples[i];
        s->locations = locpool + b->samples[i].loc_off;
        s->nlocations = b->samples[i].nlocs;
        s->values = valpool + b->samples[i].val_off;
        s->labels = labpool + b->samples[i].lab_off;
        s->nlabels = b->samples[i].nlabels;
    }
    free(b->locs);
    free(b->samples);
    gmd_index_free(&b->func_ix);
    gmd_index_free(&b->loc_ix);
    gmd_index_free(&b->sample_ix);
    free(b);
}
