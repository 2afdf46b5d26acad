#include <stdlib.h>
#include <string.h>
#include "gmd/hashmap.h"
#include "gmd/u64tab.h"
#include "gmd/xalloc.h"

void gmd_u64tab_init(gmd_u64tab *t, size_t value_size)
{
    memset(t, 0, sizeof *t);
    t->vsize = value_size ? value_size : 1;
}

void gmd_u64tab_free(gmd_u64tab *t)
{
    free(t->keys);
    free(t->used);
    free(t->vals);
    size_t vs = t->vsize;
    memset(t, 0, sizeof *t);
    t->vsize = vs;
}

void gmd_u64tab_clear(gmd_u64tab *t)
{
    if (t->cap) memset(t->used, 0, t->cap);
    t->count = 0;
}

static size_t home(const gmd_u64tab *t, uint64_t key) { return gmd_mix64(key) & (t->cap - 1); }

static void grow(gmd_u64tab *t)
{
    gmd_u64tab n = {.vsize = t->vsize, .cap = t->cap ? t->cap * 2 : 64};
    n.keys = gmd_xmalloc(n.cap * sizeof *n.keys);
    n.used = gmd_xcalloc(n.cap, 1);
    n.vals = gmd_xmalloc(n.cap * n.vsize);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->used[i]) continue;
        size_t j = home(&n, t->keys[i]);
        while (n.used[j]) j = (j + 1) & (n.cap - 1);
        n.used[j] = 1;
        n.keys[j] = t->keys[i];
        memcpy(n.vals + j * n.vsize, t->vals + i * t->vsize, t->vsize);
    }
    n.count = t->count;
    free(t->keys);
    free(t->used);
    free(t->vals);
    *t = n;
}

void *gmd_u64tab_put(gmd_u64tab *t, uint64_t key, bool *existed)
{
    void *v = gmd_u64tab_get(t, key);
    if (existed) *existed = v != NULL;
    if (v) return v;
    if ((t->count + 1) * 4 >= t->cap * 3) grow(t);
    size_t j = home(t, key);
    while (t->used[j]) j = (j + 1) & (t->cap - 1);
    t->used[j] = 1;
    t->keys[j] = key;
    t->count++;
    v = t->vals + j * t->vsize;
    memset(v, 0, t->vsize);
    return v;
}

bool gmd_u64tab_del(gmd_u64tab *t, uint64_t key)
{
    if (!t->cap) return false;
    size_t mask = t->cap - 1, j = home(t, key);
    for (;; j = (j + 1) & mask) {
        if (!t->used[j]) return false;
        if (t->keys[j] == key) break;
    }
    /* Backward-shift: move later members of the probe run into the hole so
     * lookups never need tombstones. */
    size_t hole = j;
    for (size_t k = (j + 1) & mask; t->used[k]; k = (k + 1) & mask) {
        size_t h = home(t, t->keys[k]);
        bool movable = hole <= k ? (h <= hole || h > k) : (h <= hole && h > k);
        if (!movable) continue;
        t->keys[hole] = t->keys[k];
        memcpy(t->vals + hole * t->vsize, t->vals + k * t->vsize, t->vsize);
        hole = k;
    }
    t->used[hole] = 0;
    t->count--;
    return true;
}
