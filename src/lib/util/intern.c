#include <stdlib.h>
#include <string.h>
#include "gmd/intern.h"
#include "gmd/xalloc.h"

/* FNV-1a, 64-bit: short keys (function names, files) dominate. */
uint64_t gmd_hash_bytes(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

void gmd_intern_init(gmd_intern *t, gmd_arena *arena)
{
    memset(t, 0, sizeof *t);
    t->arena = arena;
}

void gmd_intern_free(gmd_intern *t)
{
    free(t->slots);
    free(t->hashes);
    t->slots = NULL;
    t->hashes = NULL;
    t->cap = t->count = 0;
}

static void grow(gmd_intern *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    const char **slots = gmd_xcalloc(ncap, sizeof *slots);
    uint32_t *hashes = gmd_xcalloc(ncap, sizeof *hashes);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i]) continue;
        size_t j = t->hashes[i] & (ncap - 1);
        while (slots[j]) j = (j + 1) & (ncap - 1);
        slots[j] = t->slots[i];
        hashes[j] = t->hashes[i];
    }
    free(t->slots);
    free(t->hashes);
    t->slots = slots;
    t->hashes = hashes;
    t->cap = ncap;
}

const char *gmd_intern_n(gmd_intern *t, const char *s, size_t len)
{
    if (len == 0) return "";
    if ((t->count + 1) * 4 >= t->cap * 3) grow(t);
    uint32_t h = (uint32_t)gmd_hash_bytes(s, len);
    size_t j = h & (t->cap - 1);
    while (t->slots[j]) {
        /* strnlen first: a key may contain NUL bytes (proto strings can). */
        if (t->hashes[j] == h && strnlen(t->slots[j], len + 1) == len && memcmp(t->slots[j], s, len) == 0)
            return t->slots[j];
        j = (j + 1) & (t->cap - 1);
    }
    const char *d = gmd_arena_strndup(t->arena, s, len);
    t->slots[j] = d;
    t->hashes[j] = h;
    t->count++;
    return d;
}

const char *gmd_intern_str(gmd_intern *t, const char *s)
{
    return gmd_intern_n(t, s, strlen(s));
}
