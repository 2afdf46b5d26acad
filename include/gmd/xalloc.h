/* Allocation helpers that abort on out-of-memory (bounded inputs make OOM a
 * bug, not a condition to recover from), and a growable-array macro. */
#ifndef GMD_XALLOC_H
#define GMD_XALLOC_H

#include <stddef.h>

void *gmd_xmalloc(size_t n);
void *gmd_xcalloc(size_t n, size_t size);
void *gmd_xrealloc(void *p, size_t n);
char *gmd_xstrdup(const char *s);
/* free() for a big buffer (n bytes) whose pages were touched: one such
 * buffer is kept and handed to the next big gmd_xmalloc instead of fresh
 * memory (see xalloc.c). Anything else is simply freed. */
void gmd_xfree_recycle(void *p, size_t n);

/* Grow `arr` (with element count `n` and capacity `cap`) to hold at least one more. */
#define GMD_VEC_RESERVE1(arr, n, cap)                                             \
    do {                                                                          \
        if ((n) >= (cap)) {                                                       \
            (cap) = (cap) ? (cap) * 2 : 16;                                       \
            (arr) = gmd_xrealloc((arr), (size_t)(cap) * sizeof(*(arr)));          \
        }                                                                         \
    } while (0)
#define GMD_VEC_PUSH(arr, n, cap, val)                                            \
    do {                                                                          \
        GMD_VEC_RESERVE1(arr, n, cap);                                            \
        (arr)[(n)++] = (val);                                                     \
    } while (0)

#endif
