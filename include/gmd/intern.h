/* String interning: equal strings get the same pointer, so models compare
 * function names and files by pointer and hash them by address. */
#ifndef GMD_INTERN_H
#define GMD_INTERN_H

#include <stddef.h>
#include <stdint.h>
#include "gmd/arena.h"

typedef struct gmd_intern {
    gmd_arena *arena;
    const char **slots;
    uint32_t *hashes;
    size_t cap, count;
} gmd_intern;

void gmd_intern_init(gmd_intern *t, gmd_arena *arena);
void gmd_intern_free(gmd_intern *t);   /* frees the table, not the strings (they are in the arena) */
const char *gmd_intern_n(gmd_intern *t, const char *s, size_t len);
const char *gmd_intern_str(gmd_intern *t, const char *s);
uint64_t gmd_hash_bytes(const void *p, size_t len);

#endif
