#include <stdlib.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/hashmap.h"
#include "gmd/merge.h"
#include "gmd/xalloc.h"

static bool same_types(const gmd_profile *a, const gmd_profile *b)
{
    if (a->nsample_types != b->nsample_types) return false;
    for (uint32_t i = 0; i < a->nsample_types; i++)
        if (strcmp(a->sample_types[i].type, b->sample_types[i].type) ||
            strcmp(a->sample_types[i].unit, b->sample_types[i].unit))
            return false;
    return true;
}

/* Merging is incremental so a caller can load, add and free one profile at
 * a time: with four large inputs only the result and one input are in
 * memory at once, which also lets the freed pages be reused instead of the
 * kernel handing out (and zeroing) fresh ones. */
struct gmd_merger {
    gmd_profile *out;
    gmd_builder *b;
    size_t n;                   /* profiles added; types are checked against out's */
};

gmd_merger *gmd_merger_new(void) { return gmd_xcalloc(1, sizeof(gmd_merger)); }

static void start(gmd_merger *m, const gmd_profile *first)
{
    gmd_profile *out = gmd_profile_new();
    out->format = first->format;
    out->nsample_types = first->nsample_types;
    out->sample_types = gmd_arena_alloc(&out->arena, first->nsample_types * sizeof *out->sample_types);
    for (uint32_t i = 0; i < first->nsample_types; i++) {
        out->sample_types[i].type = gmd_intern_str(&out->strings, first->sample_types[i].type);
        out->sample_types[i].unit = gmd_intern_str(&out->strings, first->sample_types[i].unit);
    }
    out->default_sample_type = first->default_sample_type;
    out->period_type.type = gmd_intern_str(&out->strings, first->period_type.type);
    out->period_type.unit = gmd_intern_str(&out->strings, first->period_type.unit);
    out->doc_url = gmd_intern_str(&out->strings, first->doc_url);
    out->drop_frames = gmd_intern_str(&out->strings, first->drop_frames);
    out->keep_frames = gmd_intern_str(&out->strings, first->keep_frames);
    m->out = out;
    m->b = gmd_builder_new(out);
}

/* A sample on its way into the builder: its locations already in the
 * builder's numbering, its label set and hash computed once. */
typedef struct staged {
    uint64_t h;
    uint32_t *locs;
    size_t cap;
    uint32_t n, set;
} staged;

/* The input's label arrays (by address) to the builder's label sets. The
 * proto reader stores equal label sets once, so a heap profile has a few
 * dozen; a reader that does not share them gets no hits and, past the cap,
 * no new entries, only the builder's own lookup. */
enum { SETMAP_CAP = 4096 };
typedef struct setmap {
    const gmd_label *key[SETMAP_CAP];
    uint32_t nlabels[SETMAP_CAP], set[SETMAP_CAP];
    size_t count;
} setmap;

static uint32_t label_set_of(gmd_builder *b, setmap *sm, const gmd_label *labels, uint32_t nlabels)
{
    if (!nlabels) return 0;
    size_t j = (size_t)(gmd_mix64((uintptr_t)labels) & (SETMAP_CAP - 1));
    for (; sm->key[j]; j = (j + 1) & (SETMAP_CAP - 1))
        if (sm->key[j] == labels && sm->nlabels[j] == nlabels) return sm->set[j];
    uint32_t set = gmd_builder_label_set(b, labels, nlabels);
    if (sm->count < SETMAP_CAP / 2) {
        sm->key[j] = labels;
        sm->nlabels[j] = nlabels;
        sm->set[j] = set;
        sm->count++;
    }
    return set;
}

/* Each sample passes three steps, AHEAD samples apart: staged (locations
 * mapped, hash) and its index slot prefetched; its record prefetched; then
 * merged. */
enum { AHEAD = 8, RING = 32 };

static void merge_samples(gmd_builder *b, const gmd_profile *p, const uint32_t *lmap, int sign, bool first)
{
    uint32_t nv = p->nsample_types;
    int64_t *neg = sign < 0 ? gmd_xmalloc((nv ? nv : 1) * sizeof *neg) : NULL;
    staged ring[RING];
    memset(ring, 0, sizeof ring);
    setmap *sm = gmd_xcalloc(1, sizeof *sm);
    size_t ns = p->nsamples;
    size_t nlocs = 0;   /* only the first input sizes the builder's pools */
    for (size_t s = 0; first && s < ns; s++) nlocs += p->samples[s].nlocations;
    gmd_builder_reserve(b, ns, nlocs);
    for (size_t s = 0; s < ns + 2 * AHEAD; s++) {
        if (s < ns) {
            const gmd_sample *in = &p->samples[s];
            staged *st = &ring[s & (RING - 1)];
            if (in->nlocations > st->cap) {
                st->cap = in->nlocations;
                st->locs = gmd_xrealloc(st->locs, st->cap * sizeof *st->locs);
            }
            for (uint32_t k = 0; k < in->nlocations; k++) st->locs[k] = lmap[in->locations[k]];
            st->n = in->nlocations;
            st->set = label_set_of(b, sm, in->labels, in->nlabels);
            st->h = gmd_builder_sample_hash(st->locs, st->n, st->set);
            gmd_builder_prefetch_slot(b, st->h);
        }
        if (s >= AHEAD && s - AHEAD < ns) gmd_builder_prefetch_sample(b, ring[(s - AHEAD) & (RING - 1)].h);
        if (s >= 2 * AHEAD && s - 2 * AHEAD < ns) {
            size_t t = s - 2 * AHEAD;
            const staged *st = &ring[t & (RING - 1)];
            const int64_t *vals = p->samples[t].values;
            if (neg) {
                for (uint32_t k = 0; k < nv; k++) neg[k] = (int64_t)(0 - (uint64_t)vals[k]);
                vals = neg;
            }
            gmd_builder_merge_sample(b, st->h, st->locs, st->n, vals, st->set);
        }
    }
    for (size_t i = 0; i < RING; i++) free(ring[i].locs);
    free(sm);
    free(neg);
}

int gmd_merger_add(gmd_merger *m, const gmd_profile *p, int sign, gmd_err *err)
{
    if (m->n == 0) {
        start(m, p);
    } else if (!same_types(m->out, p)) {
        gmd_errf(err, "cannot combine profiles with different sample types (profile %zu differs from the first)", m->n + 1);
        return -1;
    }
    m->n++;
    gmd_profile *out = m->out;
    gmd_builder *b = m->b;
    /* pprof keeps the largest period and the earliest time. */
    if (p->period > out->period) out->period = p->period;
    if (p->time_nanos && (!out->time_nanos || p->time_nanos < out->time_nanos)) out->time_nanos = p->time_nanos;
    out->duration_nanos += p->duration_nanos;

    uint32_t *mapmap = gmd_xmalloc((p->nmappings ? p->nmappings : 1) * sizeof *mapmap);
    uint32_t *fmap = gmd_xmalloc((p->nfunctions ? p->nfunctions : 1) * sizeof *fmap);
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        const gmd_function *f = &p->functions[i];
        fmap[i] = gmd_builder_function(b, f->name, f->system_name, f->filename, f->start_line);
    }
    for (uint32_t i = 0; i < p->nmappings; i++) mapmap[i] = gmd_builder_mapping(b, &p->mappings[i]);
    uint32_t *lmap = gmd_xmalloc((p->nlocations ? p->nlocations : 1) * sizeof *lmap);
    gmd_line *lines = NULL;
    size_t caplines = 0;
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const gmd_location *l = &p->locations[i];
        if (l->nlines > caplines) {
            caplines = l->nlines;
            lines = gmd_xrealloc(lines, caplines * sizeof *lines);
        }
        for (uint32_t j = 0; j < l->nlines; j++) {
            lines[j] = l->lines[j];
            lines[j].function = fmap[l->lines[j].function];
        }
        uint32_t mi = l->mapping == GMD_NONE ? GMD_NONE : mapmap[l->mapping];
        lmap[i] = gmd_builder_location(b, mi, l->address, lines, l->nlines);
    }
    free(lines);
    merge_samples(b, p, lmap, sign, m->n == 1);
    free(lmap);
    free(fmap);
    free(mapmap);
    return 0;
}

gmd_profile *gmd_merger_finish(gmd_merger *m, gmd_err *err)
{
    if (m->n == 0) {
        gmd_errf(err, "nothing to merge");
        free(m);
        return NULL;
    }
    gmd_builder_finish(m->b);
    gmd_profile *out = m->out;
    free(m);
    return out;
}

void gmd_merger_free(gmd_merger *m)
{
    if (!m) return;
    if (m->n) {
        gmd_builder_finish(m->b);
        gmd_profile_free(m->out);
    }
    free(m);
}

gmd_profile *gmd_profile_merge(gmd_profile *const *ps, const int *signs, size_t n, gmd_err *err)
{
    if (n == 0) {
        gmd_errf(err, "nothing to merge");
        return NULL;
    }
    for (size_t i = 1; i < n; i++) {
        if (!same_types(ps[0], ps[i])) {
            gmd_errf(err, "cannot combine profiles with different sample types (profile %zu differs from the first)", i + 1);
            return NULL;
        }
    }
    gmd_merger *m = gmd_merger_new();
    for (size_t i = 0; i < n; i++) gmd_merger_add(m, ps[i], signs ? signs[i] : 1, err);
    return gmd_merger_finish(m, err);
}

gmd_profile *gmd_profile_diff(gmd_profile *base, gmd_profile *newp, gmd_err *err)
{
    gmd_profile *ps[2] = {newp, base};
    int signs[2] = {1, -1};
    return gmd_profile_merge(ps, signs, 2, err);
}
