/* A hash table from 64-bit keys to fixed-size values stored inline, with
 * deletion (linear probing, backward-shift delete). For per-goroutine,
 * per-thread and per-proc state of the trace reader and its analyses, where
 * ids come and go and the table must not grow with the ids ever seen.
 * Value pointers stay valid only until the next put. */
#ifndef GMD_U64TAB_H
#define GMD_U64TAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/hashmap.h"

typedef struct gmd_u64tab {
    uint64_t *keys;
    uint8_t *used;
    unsigned char *vals;
    size_t vsize, cap, count;
} gmd_u64tab;

void gmd_u64tab_init(gmd_u64tab *t, size_t value_size);
void gmd_u64tab_free(gmd_u64tab *t);
void gmd_u64tab_clear(gmd_u64tab *t);
/* The value for key, or NULL. Inline: the trace reader looks up several
 * ids per event. */
static inline void *gmd_u64tab_get(const gmd_u64tab *t, uint64_t key)
{
    if (!t->cap) return NULL;
    size_t mask = t->cap - 1;
    for (size_t j = gmd_mix64(key) & mask;; j = (j + 1) & mask) {
        if (!t->used[j]) return NULL;
        if (t->keys[j] == key) return t->vals + j * t->vsize;
    }
}
/* The value for key, inserted zeroed if absent (*existed says which). */
void *gmd_u64tab_put(gmd_u64tab *t, uint64_t key, bool *existed);
bool gmd_u64tab_del(gmd_u64tab *t, uint64_t key);
/* Iteration: slots 0..cap-1; gmd_u64tab_at gives NULL for empty ones. */
static inline void *gmd_u64tab_at(const gmd_u64tab *t, size_t slot, uint64_t *key)
{
    if (!t->used[slot]) return NULL;
    if (key) *key = t->keys[slot];
    return t->vals + slot * t->vsize;
}
#endif
