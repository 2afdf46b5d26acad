/* Arena allocator: parsed models live in one arena and are freed at once.
 * Allocation is a pointer bump; big requests get their own block. */
#ifndef GMD_ARENA_H
#define GMD_ARENA_H

#include <stddef.h>

typedef struct gmd_arena_block gmd_arena_block;
typedef struct gmd_arena_adopted gmd_arena_adopted;
typedef struct gmd_arena {
    gmd_arena_block *head;
    gmd_arena_adopted *adopted;   /* malloc'd buffers freed with the arena */
    size_t block_size;
    size_t total;       /* bytes handed out, for reporting */
} gmd_arena;

void gmd_arena_init(gmd_arena *a, size_t block_size);
void gmd_arena_free(gmd_arena *a);
/* Returns 8-byte aligned zeroed memory; aborts on out-of-memory like xmalloc. */
void *gmd_arena_alloc(gmd_arena *a, size_t size);
/* Like gmd_arena_alloc without zeroing, for big arrays the caller fills
 * completely (zeroing them first costs as much as filling). */
void *gmd_arena_alloc_raw(gmd_arena *a, size_t size);
/* Free `malloced` (from malloc or gmd_xmalloc) with the arena: for an array
 * grown by realloc that becomes part of a model, without copying it. */
void gmd_arena_adopt(gmd_arena *a, void *malloced);
void *gmd_arena_memdup(gmd_arena *a, const void *p, size_t size);
char *gmd_arena_strndup(gmd_arena *a, const char *s, size_t len);
char *gmd_arena_strdup(gmd_arena *a, const char *s);
char *gmd_arena_printf(gmd_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
