/* Open-addressing hash index: maps a 64-bit hash to the index of an element
 * kept elsewhere (an array). The caller supplies equality, so one structure
 * serves functions, locations, samples and graph nodes. Also a u64->u32 map
 * for proto ids. Neither ever shrinks; both are O(1) expected. */
#ifndef GMD_HASHMAP_H
#define GMD_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slot holds the element and the low 32 bits of its hash side by side, so
 * a probe touches one cache line (the table is at most 2^32 slots, so those
 * bits also give the position). */
typedef struct gmd_index_slot {
    uint32_t element;   /* element index + 1; 0 = empty */
    uint32_t hash;      /* low 32 bits of the hash */
} gmd_index_slot;

typedef struct gmd_index {
    gmd_index_slot *slot;
    size_t cap, count;
} gmd_index;

typedef bool (*gmd_index_eq)(const void *ctx, uint32_t element);

void gmd_index_init(gmd_index *m);
void gmd_index_free(gmd_index *m);
/* Element index whose hash is h and for which eq(ctx, element) holds, or UINT32_MAX. */
uint32_t gmd_index_find(const gmd_index *m, uint64_t h, gmd_index_eq eq, const void *ctx);
void gmd_index_insert(gmd_index *m, uint64_t h, uint32_t element);

typedef struct gmd_u64map {
    uint64_t *keys;
    uint32_t *vals;     /* value + 1; 0 = empty */
    size_t cap, count;
} gmd_u64map;

void gmd_u64map_init(gmd_u64map *m);
void gmd_u64map_free(gmd_u64map *m);
/* UINT32_MAX when absent. */
uint32_t gmd_u64map_get(const gmd_u64map *m, uint64_t key);
/* Returns false (and changes nothing) when the key is already present. */
bool gmd_u64map_put(gmd_u64map *m, uint64_t key, uint32_t val);

static inline uint64_t gmd_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

#endif
