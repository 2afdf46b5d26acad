/* Goroutine profiles grouped by stack, and the difference of two of them.
 * A stack is its logical frames, leaf first, each a function name and line
 * (an unsymbolized location is its address), so groups from a proto, a
 * debug=1 and a debug=2 profile of the same program line up. */
#include <stdlib.h>
#include <string.h>
#include "gmd/goroutines.h"
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"

bool gmd_profile_is_goroutine(const gmd_profile *p)
{
    if (p->format == GMD_FMT_GOROUTINE_TEXT1 || p->format == GMD_FMT_GOROUTINE_TEXT2 ||
        p->format == GMD_FMT_MEMORY_GOROUTINES) return true;
    return p->nsample_types == 1 && strcmp(p->sample_types[0].type, "goroutine") == 0 &&
           strcmp(p->sample_types[0].unit, "count") == 0;
}

/* Walks a sample's logical frames, leaf first. */
typedef struct frame_cursor {
    const gmd_profile *p;
    const gmd_sample *s;
    uint32_t loc, line;
} frame_cursor;

typedef struct logical_frame {
    const char *name;   /* NULL for an unsymbolized location */
    int64_t line;
    uint64_t address;
} logical_frame;

static bool cursor_next(frame_cursor *c, logical_frame *f)
{
    while (c->loc < c->s->nlocations) {
        const gmd_location *l = &c->p->locations[c->s->locations[c->loc]];
        if (l->nlines == 0) {
            c->loc++;
            c->line = 0;
            f->name = NULL;
            f->line = 0;
            f->address = l->address;
            return true;
        }
        if (c->line < l->nlines) {
            const gmd_line *ln = &l->lines[c->line++];
            f->name = c->p->functions[ln->function].name;
            f->line = ln->line;
            f->address = 0;
            return true;
        }
        c->loc++;
        c->line = 0;
    }
    return false;
}

static bool stacks_equal(const gmd_profile *pa, const gmd_sample *sa, const gmd_profile *pb, const gmd_sample *sb)
{
    frame_cursor a = {pa, sa, 0, 0}, b = {pb, sb, 0, 0};
    logical_frame fa = {0}, fb = {0};   /* zeroed: -O3 cannot see cursor_next always sets them */
    for (;;) {
        bool ha = cursor_next(&a, &fa), hb = cursor_next(&b, &fb);
        if (ha != hb) return false;
        if (!ha) return true;
        if (fa.line != fb.line || fa.address != fb.address || !fa.name != !fb.name) return false;
        /* Interned within one profile: pointers compare; across profiles, bytes. */
        if (fa.name && fa.name != fb.name && (pa == pb || strcmp(fa.name, fb.name) != 0)) return false;
    }
}

/* Content hash of a stack, equal across profiles for equal stacks.
 * fhash caches the hash of each function name (NULL: compute it). */
static uint64_t stack_hash(const gmd_profile *p, const gmd_sample *s, const uint64_t *fhash)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (uint32_t i = 0; i < s->nlocations; i++) {
        const gmd_location *l = &p->locations[s->locations[i]];
        if (l->nlines == 0) h = gmd_mix64(h ^ l->address ^ 0x5bd1e995ull);
        for (uint32_t j = 0; j < l->nlines; j++) {
            uint32_t fn = l->lines[j].function;
            uint64_t nh = fhash ? fhash[fn] : gmd_hash_bytes(p->functions[fn].name, strlen(p->functions[fn].name));
            h = gmd_mix64(h ^ nh ^ ((uint64_t)l->lines[j].line << 1));
        }
    }
    return h;
}

typedef struct group_key_ctx {
    const gmd_profile *p;
    const gmd_sample *s;
    const gmd_goroutine_group *groups;
} group_key_ctx;

static bool group_eq(const void *ctx, uint32_t g)
{
    const group_key_ctx *k = ctx;
    const gmd_goroutine_group *gr = &k->groups[g];
    return stacks_equal(k->p, k->s, gr->profile, &gr->profile->samples[gr->sample]);
}

typedef struct state_entry {
    uint32_t group;
    const char *state;
    int64_t count;
} state_entry;

typedef struct state_key_ctx {
    const state_entry *entries;
    uint32_t group;
    const char *state;
} state_key_ctx;

static bool state_eq(const void *ctx, uint32_t i)
{
    const state_key_ctx *k = ctx;
    return k->entries[i].group == k->group && k->entries[i].state == k->state;
}

static const gmd_goroutine_group *sort_groups_base;
static int by_count_desc(const void *a, const void *b)
{
    const gmd_goroutine_group *x = &sort_groups_base[*(const uint32_t *)a];
    const gmd_goroutine_group *y = &sort_groups_base[*(const uint32_t *)b];
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;   /* stable: first seen first */
    return i < j ? -1 : i > j;
}

static const uint32_t *sort_rank;
static int by_group_then_count(const void *a, const void *b)
{
    const state_entry *x = a, *y = b;
    if (x->group != y->group) return sort_rank[x->group] < sort_rank[y->group] ? -1 : 1;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->state, y->state);
}

int gmd_goroutine_groups_build(const gmd_profile *p, gmd_goroutine_groups *out, gmd_err *err)
{
    memset(out, 0, sizeof *out);
    if (p->nsample_types == 0) return gmd_errf(err, "profile has no sample types");
    if (!gmd_profile_is_goroutine(p))
        return gmd_errf(err, "not a goroutine profile (%s, sample type %s/%s): read it with gmd pprof top",
                        gmd_profile_format_name(p->format), p->sample_types[0].type, p->sample_types[0].unit);
    uint64_t *fhash = gmd_xmalloc((p->nfunctions + 1) * sizeof *fhash);
    for (uint32_t i = 0; i < p->nfunctions; i++)
        fhash[i] = gmd_hash_bytes(p->functions[i].name, strlen(p->functions[i].name));
    /* debug=2: the per-goroutine facts, found from the sample. */
    uint32_t *gor = NULL;
    if (p->ngoroutines) {
        gor = gmd_xmalloc((p->nsamples + 1) * sizeof *gor);
        for (uint32_t i = 0; i < p->nsamples; i++) gor[i] = UINT32_MAX;
        for (uint32_t i = 0; i < p->ngoroutines; i++)
            if (p->goroutines[i].sample < p->nsamples) gor[p->goroutines[i].sample] = i;
    }
    static const char empty[] = "";   /* the one "unknown state" key: others are interned */
    gmd_goroutine_group *groups = NULL;
    size_t ngroups = 0, capgroups = 0;
    state_entry *entries = NULL;
    size_t nentries = 0, capentries = 0;
    gmd_index gix, six;
    gmd_index_init(&gix);
    gmd_index_init(&six);
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const gmd_sample *s = &p->samples[i];
        int64_t v = s->values[0];
        if (v == 0) continue;
        out->total += v;
        uint64_t h = stack_hash(p, s, fhash);
        group_key_ctx k = {p, s, groups};
        uint32_t g = gmd_index_find(&gix, h, group_eq, &k);
        if (g == UINT32_MAX) {
            gmd_goroutine_group ng = {0};
            ng.profile = p;
            ng.sample = i;
            ng.max_wait_minutes = -1;
            ng.created_by = ng.created_file = "";
            GMD_VEC_PUSH(groups, ngroups, capgroups, ng);
            g = (uint32_t)(ngroups - 1);
            gmd_index_insert(&gix, h, g);
        }
        gmd_goroutine_group *gr = &groups[g];
        gr->count += v;
        const char *state = empty;
        for (uint32_t j = 0; j < s->nlabels; j++) {
            const gmd_label *l = &s->labels[j];
            if (!strcmp(l->key, "state") && l->str[0]) state = l->str;
            else if (!strcmp(l->key, "wait_minutes") && !l->str[0] && l->num > gr->max_wait_minutes)
                gr->max_wait_minutes = l->num;
        }
        if (gor && gor[i] != UINT32_MAX && !gr->created_by[0]) {
            const gmd_goroutine *go = &p->goroutines[gor[i]];
            gr->created_by = go->created_by;
            gr->created_file = go->created_file;
            gr->created_line = go->created_line;
        }
        uint64_t sh = gmd_mix64(((uint64_t)g << 32) ^ (uintptr_t)state);
        state_key_ctx sk = {entries, g, state};
        uint32_t e = gmd_index_find(&six, sh, state_eq, &sk);
        if (e == UINT32_MAX) {
            state_entry ne = {g, state, 0};
            GMD_VEC_PUSH(entries, nentries, capentries, ne);
            e = (uint32_t)(nentries - 1);
            gmd_index_insert(&six, sh, e);
        }
        entries[e].count += v;
    }
    gmd_index_free(&gix);
    gmd_index_free(&six);
    free(fhash);
    free(gor);

    /* Largest first; states of each group in that order, largest first. */
    uint32_t *order = gmd_xmalloc((ngroups + 1) * sizeof *order);
    uint32_t *rank = gmd_xmalloc((ngroups + 1) * sizeof *rank);
    for (uint32_t i = 0; i < ngroups; i++) order[i] = i;
    sort_groups_base = groups;
    if (ngroups > 1) qsort(order, ngroups, sizeof *order, by_count_desc);
    for (uint32_t i = 0; i < ngroups; i++) rank[order[i]] = i;
    sort_rank = rank;
    if (nentries > 1) qsort(entries, nentries, sizeof *entries, by_group_then_count);
    gmd_goroutine_state_count *pool = gmd_xmalloc((nentries + 1) * sizeof *pool);
    gmd_goroutine_group *sorted = gmd_xmalloc((ngroups + 1) * sizeof *sorted);
    for (uint32_t i = 0; i < ngroups; i++) sorted[i] = groups[order[i]];
    for (size_t e = 0; e < nentries; e++) {
        gmd_goroutine_group *gr = &sorted[rank[entries[e].group]];
        if (!gr->states) gr->states = &pool[e];
        gr->nstates++;
        pool[e].state = entries[e].state;
        pool[e].count = entries[e].count;
    }
    out->state_pool = pool;
    free(order);
    free(rank);
    free(groups);
    free(entries);
    out->groups = sorted;
    out->ngroups = (uint32_t)ngroups;
    return 0;
}

int gmd_goroutine_groups_filter(gmd_goroutine_groups *g, const gmd_profile *p, const gmd_select_opts *sel,
                                gmd_err *err)
{
    if (!sel) return 0;
    if ((sel->hide && *sel->hide) || (sel->show && *sel->show))
        return gmd_errf(err, "--hide and --show do not apply to goroutine groups (a group is its whole stack); "
                             "use --focus and --ignore");
    if (!(sel->focus && *sel->focus) && !(sel->ignore && *sel->ignore)) return 0;
    gmd_select_opts only = {0};
    only.sample_index = sel->sample_index;
    only.focus = sel->focus;
    only.ignore = sel->ignore;
    only.location_frames_only = true;
    gmd_stackset s;
    if (gmd_stackset_build(p, &only, &s, err) < 0) return -1;
    uint8_t *kept = calloc(p->nsamples ? p->nsamples : 1, 1);
    if (!kept) abort();
    for (uint32_t i = 0; i < s.nstacks; i++) kept[s.stacks[i].sample] = 1;
    gmd_stackset_free(&s);
    /* Every member of a group has the group's stack, so the representative
     * sample decides for all of them. */
    uint32_t n = 0;
    g->total = 0;
    for (uint32_t i = 0; i < g->ngroups; i++) {
        if (!kept[g->groups[i].sample]) continue;
        g->total += g->groups[i].count;
        g->groups[n++] = g->groups[i];
    }
    g->ngroups = n;
    free(kept);
    return 0;
}

void gmd_goroutine_groups_free(gmd_goroutine_groups *g)
{
    free(g->state_pool);
    free(g->groups);
    memset(g, 0, sizeof *g);
}

static int by_delta_desc(const void *a, const void *b)
{
    const gmd_goroutine_delta *x = a, *y = b;
    if (x->delta != y->delta) return x->delta > y->delta ? -1 : 1;
    int64_t cx = x->cur ? x->cur->count : 0, cy = y->cur ? y->cur->count : 0;
    if (cx != cy) return cx > cy ? -1 : 1;
    int64_t bx = x->base ? x->base->count : 0, by = y->base ? y->base->count : 0;
    return bx < by ? 1 : bx > by ? -1 : 0;
}

int gmd_goroutine_diff(const gmd_goroutine_groups *base, const gmd_goroutine_groups *cur,
                       gmd_goroutine_delta **out, uint32_t *n, gmd_err *err)
{
    (void)err;
    *out = NULL;
    *n = 0;
    size_t cap = (size_t)base->ngroups + cur->ngroups + 1;
    gmd_goroutine_delta *d = gmd_xmalloc(cap * sizeof *d);
    bool *matched = gmd_xcalloc((size_t)base->ngroups + 1, sizeof *matched);
    gmd_index ix;
    gmd_index_init(&ix);
    for (uint32_t i = 0; i < base->ngroups; i++) {
        const gmd_goroutine_group *g = &base->groups[i];
        gmd_index_insert(&ix, stack_hash(g->profile, &g->profile->samples[g->sample], NULL), i);
    }
    size_t nd = 0;
    for (uint32_t i = 0; i < cur->ngroups; i++) {
        const gmd_goroutine_group *g = &cur->groups[i];
        const gmd_sample *s = &g->profile->samples[g->sample];
        /* Several base groups can share a hash; take the first unmatched equal one. */
        uint64_t h = stack_hash(g->profile, s, NULL);
        group_key_ctx k = {g->profile, s, base->groups};
        uint32_t b = gmd_index_find(&ix, h, group_eq, &k);
        gmd_goroutine_delta e = {NULL, g, g->count};
        if (b != UINT32_MAX && !matched[b]) {
            matched[b] = true;
            e.base = &base->groups[b];
            e.delta = g->count - e.base->count;
        }
        d[nd++] = e;
    }
    for (uint32_t i = 0; i < base->ngroups; i++)
        if (!matched[i]) d[nd++] = (gmd_goroutine_delta){&base->groups[i], NULL, -base->groups[i].count};
    gmd_index_free(&ix);
    free(matched);
    if (nd > 1) qsort(d, nd, sizeof *d, by_delta_desc);
    *out = d;
    *n = (uint32_t)nd;
    return 0;
}
