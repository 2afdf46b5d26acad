/* A buffer whose bytes arrive over time: one thread writes it from the
 * start to a length known in advance and publishes how far it got; another
 * reads the prefix already published. This lets a parser work on a profile
 * while the other core is still decompressing it. */
#ifndef GMD_PROGRESSIVE_H
#define GMD_PROGRESSIVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gmd_progressive {
    const uint8_t *data;
    size_t len;                 /* the final length, once every byte is there */
    _Atomic size_t avail;       /* bytes published so far */
    _Atomic int state;          /* GMD_PROGRESSIVE_* */
    _Atomic bool cancelled;     /* the reader gave up: the writer may stop */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} gmd_progressive;

enum { GMD_PROGRESSIVE_RUNNING, GMD_PROGRESSIVE_DONE, GMD_PROGRESSIVE_FAILED };

void gmd_progressive_init(gmd_progressive *pr, const uint8_t *data, size_t len);
void gmd_progressive_destroy(gmd_progressive *pr);

/* Writer side. publish() says the first `avail` bytes are final; end() says
 * no more will come (ok: all `len` bytes are there). */
void gmd_progressive_publish(gmd_progressive *pr, size_t avail);
void gmd_progressive_end(gmd_progressive *pr, bool ok);

/* Reader side. Blocks until at least min(need, len) bytes are published or
 * the writer failed; returns the bytes published (less than asked only on
 * failure). cancel() tells the writer to stop early. */
size_t gmd_progressive_wait(gmd_progressive *pr, size_t need);
void gmd_progressive_cancel(gmd_progressive *pr);

#endif
