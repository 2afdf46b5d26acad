/* Loading a profile: bytes from a file, stdin or URL, gunzip, parse.
 *
 * A large gzip'd protobuf takes the overlapped path: one thread inflates
 * (gmd_gunzip_start) while this one decodes the samples already inflated
 * (gmd_pprof_proto_parse_progressive). When that path declines, for any
 * reason, the plain path runs on the complete bytes and gives the result
 * or the exact error, so both paths behave the same to the user. */
#include <stdlib.h>
#include <string.h>
#include "gmd/profile.h"
#include "gmd/xalloc.h"

/* The overlapped path, or NULL to fall back. When the inflating went well
 * but the bytes were not parsed on the way (a text profile), the blob takes
 * the inflated bytes, so they are not inflated twice. */
static gmd_profile *load_overlapped(gmd_blob *b, const gmd_load_opts *opts)
{
    gmd_gunzip_job *job = gmd_gunzip_start(b->data, b->len, opts ? opts->max_gzip_ratio : 0,
                                           opts ? opts->max_input_bytes : 0);
    if (!job) return NULL;
    gmd_progressive *out = gmd_gunzip_job_output(job);
    gmd_profile *p = NULL;
    size_t head = gmd_progressive_wait(out, 64);
    if ((head >= 64 || head == out->len) && gmd_profile_detect(out->data, head) == GMD_FMT_PROTO) {
        p = gmd_pprof_proto_parse_progressive(out);
        /* Declined: bad data, most likely; the plain path will say where. */
        if (!p) gmd_progressive_cancel(out);
    }
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    if (!gmd_gunzip_finish(job, &plain, &plain_len)) {
        /* A stream can turn out bad at its very end (the checksum): the
         * plain path reports it. */
        gmd_profile_free(p);
        return NULL;
    }
    if (p) {
        gmd_xfree_recycle(plain, plain_len);   /* the profile keeps nothing of them: strings are interned */
        gmd_profile_demangle(p);
        return p;
    }
    gmd_blob_set_inflated(b, plain, plain_len);
    return NULL;
}

gmd_profile *gmd_profile_from_blob(gmd_blob *b, const gmd_load_opts *opts, gmd_err *err)
{
    if (gmd_blob_is_gzip(b)) {
        gmd_profile *p = load_overlapped(b, opts);
        if (p) return p;
        if (gmd_blob_gunzip(b, opts, err) < 0) return NULL;
    }
    gmd_profile *p = gmd_profile_parse(b->data, b->len, err);
    if (!p && b->was_gzip && err->offset >= 0) {
        /* Offsets of a gzip input refer to the decompressed bytes; say so. */
        static const char note[] = " (offset in the decompressed data)";
        size_t n = strlen(err->msg);
        if (n + sizeof note <= sizeof err->msg) memcpy(err->msg + n, note, sizeof note);
    }
    return p;
}

gmd_profile *gmd_profile_load(const char *spec, const gmd_load_opts *opts, gmd_err *err)
{
    gmd_load_opts o;
    if (opts) o = *opts;
    else memset(&o, 0, sizeof o);
    o.keep_gzip = true;
    gmd_blob b;
    if (gmd_blob_load(spec, &o, &b, err) < 0) return NULL;
    gmd_profile *p = gmd_profile_from_blob(&b, opts, err);
    if (!p) gmd_err_set_source(err, spec);
    gmd_blob_free(&b);
    return p;
}
