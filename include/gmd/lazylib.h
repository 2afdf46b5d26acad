/* Libraries that only some commands use (libcurl for URLs, Graphviz for SVG
 * call graphs) are loaded on first use rather than at start-up: with their
 * own dependencies (TLS, Kerberos, LDAP, ...) they took longer to load than
 * a large `gmd pprof top` takes to compute. */
#ifndef GMD_LAZYLIB_H
#define GMD_LAZYLIB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gmd_lazylib {
    const char *what;                 /* for messages, e.g. "libcurl" */
    const char *const *sonames;       /* tried in order, NULL-terminated */
    const char *const *symbols;       /* NULL-terminated; one slot each */
    void **slots;                     /* where each symbol's address goes */
    void *handle;
    bool tried, ok;
    char why[256];                    /* what went wrong, for the error message */
} gmd_lazylib;

/* Load the library once and resolve every symbol (into slots[i]); false,
 * with `why` set, when it or a symbol is missing. */
bool gmd_lazylib_load(gmd_lazylib *l);

#endif
