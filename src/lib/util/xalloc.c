#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "gmd/xalloc.h"

/* Big buffers (a decompressed profile, its sample pools, stack sets) are
 * filled once from start to end. With 4 KiB pages that is one page fault
 * per 4 KiB, a large share of a big report's time; asking for transparent
 * huge pages (where the system allows them) makes it one per 2 MiB. A hint
 * only: nothing depends on it being honoured. */
#define HUGE_MIN ((size_t)8 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

static void want_huge_pages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (n < HUGE_MIN) return;
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

static void oom(size_t n)
{
    fprintf(stderr, "gmd: out of memory allocating %zu bytes\n", n);
    abort();
}

/* One big buffer given back by gmd_xfree_recycle, for the next big
 * gmd_xmalloc. On a virtual machine the first touch of fresh memory is
 * most of what a large report costs (the host backs the pages lazily), so
 * the decompressed profile, no longer needed once parsed, becomes the
 * stack set rather than going back to the system. */
#define RECYCLE_MIN ((size_t)1 << 20)
static _Atomic(void *) recycled;
static _Atomic size_t recycled_size;

void gmd_xfree_recycle(void *p, size_t n)
{
    if (!p) return;
    if (n < RECYCLE_MIN) {
        free(p);
        return;
    }
    /* Keep the bigger of the two. */
    void *old = atomic_exchange(&recycled, NULL);
    size_t old_n = atomic_load(&recycled_size);
    if (old && old_n >= n) {
        free(p);
        p = old;
        n = old_n;
    } else {
        free(old);
    }
    atomic_store(&recycled_size, n);
    atomic_store(&recycled, p);
}

static void *take_recycled(size_t n)
{
    if (n < RECYCLE_MIN || !atomic_load(&recycled)) return NULL;
    size_t have = atomic_load(&recycled_size);
    if (have < n || have / 4 > n) return NULL;   /* too small, or far too big to tie up */
    return atomic_exchange(&recycled, NULL);
}

void *gmd_xmalloc(size_t n)
{
    void *r = take_recycled(n);
    if (r) return r;
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    want_huge_pages(p, n);
    return p;
}

void *gmd_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *gmd_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    want_huge_pages(q, n);
    return q;
}

char *gmd_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = gmd_xmalloc(n);
    memcpy(d, s, n);
    return d;
}
