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

void *gmd_xmalloc(size_t n)
{
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
