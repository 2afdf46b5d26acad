#include <stdlib.h>
#include <string.h>
#include "gmd/hashmap.h"
#include "gmd/xalloc.h"

void gmd_index_init(gmd_index *m) { memset(m, 0, sizeof *m); }

void gmd_index_free(gmd_index *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

uint32_t gmd_index_find(const gmd_index *m, uint64_t h, gmd_index_eq eq, const void *ctx)
{
    if (!m->cap) return UINT32_MAX;
    size_t mask = m->cap - 1;
    uint32_t lo = (uint32_t)h;
    for (size_t j = lo & mask;; j = (j + 1) & mask) {
        const gmd_index_slot *s = &m->slot[j];
        if (!s->element) return UINT32_MAX;
        if (s->hash == lo && eq(ctx, s->element - 1)) return s->element - 1;
    }
}

static void index_grow(gmd_index *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    gmd_index_slot *slot = gmd_xcalloc(ncap, sizeof *slot);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slot[i].element) continue;
        size_t j = m->slot[i].hash & (ncap - 1);
        while (slot[j].element) j = (j + 1) & (ncap - 1);
        slot[j] = m->slot[i];
    }
    free(m->slot);
    m->slot = slot;
    m->cap = ncap;
}

void gmd_index_insert(gmd_index *m, uint64_t h, uint32_t element)
{
    if ((m->count + 1) * 4 >= m->cap * 3) index_grow(m);
    size_t mask = m->cap - 1;
    size_t j = (uint32_t)h & mask;
    while (m->slot[j].element) j = (j + 1) & mask;
    m->slot[j].element = element + 1;
    m->slot[j].hash = (uint32_t)h;
    m->count++;
}

void gmd_u64map_init(gmd_u64map *m) { memset(m, 0, sizeof *m); }

void gmd_u64map_free(gmd_u64map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

uint32_t gmd_u64map_get(const gmd_u64map *m, uint64_t key)
{
    if (!m->cap) return UINT32_MAX;
    size_t mask = m->cap - 1;
    for (size_t j = gmd_mix64(key) & mask;; j = (j + 1) & mask) {
        if (!m->vals[j]) return UINT32_MAX;
        if (m->keys[j] == key) return m->vals[j] - 1;
    }
}

static void u64map_grow(gmd_u64map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    uint64_t *keys = gmd_xmalloc(ncap * sizeof *keys);
    uint32_t *vals = gmd_xcalloc(ncap, sizeof *vals);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->vals[i]) continue;
        size_t j = gmd_mix64(m->keys[i]) & (ncap - 1);
        while (vals[j]) j = (j + 1) & (ncap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = ncap;
}

bool gmd_u64map_put(gmd_u64map *m, uint64_t key, uint32_t val)
{
    if ((m->count + 1) * 4 >= m->cap * 3) u64map_grow(m);
    size_t mask = m->cap - 1;
    size_t j = gmd_mix64(key) & mask;
    for (; m->vals[j]; j = (j + 1) & mask)
        if (m->keys[j] == key) return false;
    m->keys[j] = key;
    m->vals[j] = val + 1;
    m->count++;
    return true;
}
