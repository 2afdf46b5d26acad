/* Errors: every library call that can fail takes a gmd_err* and returns -1
 * (or NULL) after filling it. Nothing in libgmd prints; the CLI renders the
 * error as one line: "gmd: <source>: byte <offset>: <message>". */
#ifndef GMD_ERR_H
#define GMD_ERR_H

#include <stdint.h>

typedef struct gmd_err {
    char source[256];   /* file name, "-" or URL; "" when not tied to an input */
    int64_t offset;     /* byte offset in the input, -1 when not meaningful */
    char msg[512];
} gmd_err;

void gmd_err_clear(gmd_err *e);
/* Set the message (printf-style); returns -1 so callers can `return gmd_errf(...)`. */
int gmd_errf(gmd_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with the byte offset where the problem was found. */
int gmd_err_at(gmd_err *e, int64_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void gmd_err_set_source(gmd_err *e, const char *source);
/* One-line rendering without the "gmd: " prefix. */
const char *gmd_err_str(const gmd_err *e, char *buf, unsigned size);

#endif
