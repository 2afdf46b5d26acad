#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/arena.h"
#include "gmd/xalloc.h"

struct gmd_arena_block {
    gmd_arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

struct gmd_arena_adopted {
    gmd_arena_adopted *next;
    void *p;
};

void gmd_arena_init(gmd_arena *a, size_t block_size)
{
    a->head = NULL;
    a->adopted = NULL;
    a->block_size = block_size ? block_size : (1u << 20);
    a->total = 0;
}

void gmd_arena_free(gmd_arena *a)
{
    for (gmd_arena_adopted *x = a->adopted; x; x = x->next) free(x->p);
    a->adopted = NULL;
    gmd_arena_block *b = a->head;
    while (b) {
        gmd_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

static gmd_arena_block *new_block(size_t size)
{
    gmd_arena_block *b = gmd_xmalloc(sizeof *b + size);
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

static void *arena_alloc(gmd_arena *a, size_t size, int zero);

void *gmd_arena_alloc(gmd_arena *a, size_t size) { return arena_alloc(a, size, 1); }
void *gmd_arena_alloc_raw(gmd_arena *a, size_t size) { return arena_alloc(a, size, 0); }

static void *arena_alloc(gmd_arena *a, size_t size, int zero)
{
    size = (size + 7) & ~(size_t)7;
    if (size == 0) size = 8;
    gmd_arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        if (size > a->block_size / 4) {
            /* Large request: own block, linked behind the current one so the
             * current block's free space is not wasted. */
            gmd_arena_block *big = new_block(size);
            big->used = size;
            if (b) {
                big->next = b->next;
                b->next = big;
            } else {
                a->head = big;
            }
            a->total += size;
            if (zero) memset(big->data, 0, size);
            return big->data;
        }
        b = new_block(a->block_size);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    if (zero) memset(p, 0, size);
    return p;
}

void gmd_arena_adopt(gmd_arena *a, void *malloced)
{
    gmd_arena_adopted *x = gmd_arena_alloc(a, sizeof *x);
    x->p = malloced;
    x->next = a->adopted;
    a->adopted = x;
}

void *gmd_arena_memdup(gmd_arena *a, const void *p, size_t size)
{
    void *d = gmd_arena_alloc(a, size);
    if (size) memcpy(d, p, size);
    return d;
}

char *gmd_arena_strndup(gmd_arena *a, const char *s, size_t len)
{
    char *d = gmd_arena_alloc(a, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *gmd_arena_strdup(gmd_arena *a, const char *s)
{
    return gmd_arena_strndup(a, s, strlen(s));
}

char *gmd_arena_printf(gmd_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *d = gmd_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}
