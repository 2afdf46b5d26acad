/* Inputs: the bytes of a file (mmap'd), of stdin ("-"), or of an http(s) URL
 * (fetched with libcurl), and transparent gzip decompression with a cap. */
#ifndef GMD_INPUT_H
#define GMD_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "gmd/err.h"
#include "gmd/progressive.h"

typedef struct gmd_blob {
    const uint8_t *data;
    size_t len;
    char *name;          /* what the user typed: path, "-" or URL */
    void *mapping;       /* mmap base when mmapped, else NULL */
    size_t mapping_len;
    uint8_t *owned;      /* heap buffer to free, else NULL */
    bool was_gzip;       /* data is the decompressed form of a gzip input */
} gmd_blob;

typedef struct gmd_load_opts {
    double timeout_sec;            /* URL fetch timeout; 0 means the default (60 s + ?seconds=N) */
    uint64_t max_input_bytes;      /* GMD_MAX_INPUT overrides; 0: 4 GiB (512 MiB for URLs) */
    uint64_t max_gzip_ratio;       /* inflated/compressed cap; GMD_GZIP_RATIO overrides; 0: 256 */
    bool keep_gzip;                /* leave gzip data compressed (gmd_blob_gunzip does it later) */
} gmd_load_opts;

#define GMD_DEFAULT_MAX_INPUT   (4ull << 30)
#define GMD_DEFAULT_MAX_FETCH   (512ull << 20)   /* for URLs: a profile endpoint sends megabytes */
#define GMD_DEFAULT_GZIP_RATIO  256u

/* The limits in force: GMD_MAX_INPUT or GMD_GZIP_RATIO from the environment
 * when set, else `given` when non-zero, else the default. */
uint64_t gmd_max_input(uint64_t given);
uint64_t gmd_gzip_ratio(uint64_t given);
/* The limit of one fetched response: GMD_MAX_INPUT when set (so that the
 * knob named in the error always works), else `dflt`, else
 * GMD_DEFAULT_MAX_FETCH. */
uint64_t gmd_max_fetch(uint64_t dflt);

bool gmd_is_url(const char *spec);
/* Load `spec` (path, "-", or URL) and decompress it if it is gzip. */
int gmd_blob_load(const char *spec, const gmd_load_opts *opts, gmd_blob *out, gmd_err *err);
/* Take ownership of an in-memory buffer (copied), decompressing if gzip. For tests and fuzzers. */
int gmd_blob_from_memory(const void *data, size_t len, const char *name,
                         const gmd_load_opts *opts, gmd_blob *out, gmd_err *err);
void gmd_blob_free(gmd_blob *b);
/* A reader that went through [p, p+n) of its input front to back and only
 * rarely looks back: when those bytes are a mapped file, drop their pages
 * from memory (touching them again reads them back), so a big text input
 * costs no more memory than what is built from it. A no-op otherwise. */
void gmd_input_release(const void *p, size_t n);
/* Whether the blob's bytes are (still) gzip, and decompress them in place. */
bool gmd_blob_is_gzip(const gmd_blob *b);
int gmd_blob_gunzip(gmd_blob *b, const gmd_load_opts *opts, gmd_err *err);
/* Replace a gzip blob's bytes with their inflated form (malloc'd, now owned). */
void gmd_blob_set_inflated(gmd_blob *b, uint8_t *plain, size_t len);

/* Decompress a (possibly multi-member) gzip stream. The output is capped at
 * min(max_ratio * len, max_out); going past it is an error naming the cap. */
int gmd_gunzip(const uint8_t *in, size_t len, uint64_t max_ratio, uint64_t max_out,
               uint8_t **out, size_t *out_len, gmd_err *err);
/* Decompress a single-member gzip stream on a thread of its own, publishing
 * the output as it grows so that a parser can start before the end. NULL
 * when the input does not qualify (small, or its trailer's size is over the
 * cap); then use gmd_gunzip. finish() waits for the thread and frees the job;
 * it returns true when the output is complete and checked (CRC-32, size,
 * nothing after the member), and then *out owns it. On false, redo the work
 * with gmd_gunzip for the error message. To stop early, call
 * gmd_progressive_cancel() on the output first. */
typedef struct gmd_gunzip_job gmd_gunzip_job;
gmd_gunzip_job *gmd_gunzip_start(const uint8_t *in, size_t len, uint64_t max_ratio, uint64_t max_out);
gmd_progressive *gmd_gunzip_job_output(gmd_gunzip_job *j);
bool gmd_gunzip_finish(gmd_gunzip_job *j, uint8_t **out, size_t *out_len);

/* Compress to a single gzip member (for writing pprof files). */
int gmd_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, gmd_err *err);
/* The same at libdeflate's level 1 (fastest) to 12 (smallest); gmd_gzip is 6. */
int gmd_gzip_level(const uint8_t *in, size_t len, int level, uint8_t **out, size_t *out_len, gmd_err *err);
/* The fastest: ISA-L's level 2 (src/lib/io/gzip_fast.c), output about 5% larger than libdeflate's level 1. */
int gmd_gzip_fast(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, gmd_err *err);
/* The same in pieces, compressed as they come (on a second thread when
 * `threaded`). put() hands over a malloc'd piece of n bytes with capacity
 * *cap and returns a buffer to fill next (its capacity in *cap); finish()
 * adds the last bytes (still the caller's) and frees the stream. */
typedef struct gmd_gzip_stream gmd_gzip_stream;
gmd_gzip_stream *gmd_gzip_stream_new(bool threaded);
uint8_t *gmd_gzip_stream_put(gmd_gzip_stream *z, uint8_t *piece, size_t n, size_t *cap);
int gmd_gzip_stream_finish(gmd_gzip_stream *z, const uint8_t *last, size_t n, uint8_t **out, size_t *out_len,
                           gmd_err *err);

/* Fetch a URL into memory. HTTP errors, refused connections, timeouts and
 * oversize bodies become errors; `content_type` receives the response's type.
 * `max_bytes` is the caller's default limit (see gmd_max_fetch). Redirects
 * are followed only within the same scheme, host and port; a gzip
 * Content-Encoding is undone here under the ratio cap, others are refused. */
int gmd_http_get(const char *url, double timeout_sec, uint64_t max_bytes,
                 uint8_t **body, size_t *body_len, char *content_type, size_t ct_size,
                 gmd_err *err);

/* Fetch a URL as a stream (an execution trace of any length in bounded
 * memory): the transfer runs on a thread of its own and the body arrives on
 * *fd as it comes. Returns NULL with err when the request fails before the
 * body (refused, HTTP error, redirect elsewhere). An end of the stream before
 * the whole body (timeout, reset) is told by gmd_http_stream_result once *fd
 * has reached its end: 0, or -1 with err. Close aborts a transfer still
 * running, closes *fd and returns the same. */
typedef struct gmd_http_stream gmd_http_stream;
gmd_http_stream *gmd_http_stream_open(const char *url, double timeout_sec, uint64_t max_bytes, int *fd, gmd_err *err);
int gmd_http_stream_result(gmd_http_stream *st, gmd_err *err);
int gmd_http_stream_close(gmd_http_stream *st, gmd_err *err);

#endif
