#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/xalloc.h"

static void oom(size_t n)
{
    fprintf(stderr, "gmd: out of memory allocating %zu bytes\n", n);
    abort();
}

void *gmd_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
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
    return q;
}

char *gmd_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = gmd_xmalloc(n);
    memcpy(d, s, n);
    return d;
}
