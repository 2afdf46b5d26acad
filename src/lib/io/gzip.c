/* Gzip in both directions with libdeflate. Decompression handles several
 * members back to back (as `cat a.gz b.gz` makes) and never produces more
 * than a cap, so a small "gzip bomb" cannot exhaust memory. */
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/input.h"
#include "gmd/xalloc.h"

#define GZ_FTEXT    0x01
#define GZ_FHCRC    0x02
#define GZ_FEXTRA   0x04
#define GZ_FNAME    0x08
#define GZ_FCOMMENT 0x10
#define GZ_FRESERVED 0xe0

/* Check one member's header starting at `pos`, so that a damaged header is
 * reported where it is rather than as a vague "bad data". Returns 0 or -1. */
static int check_header(const uint8_t *in, size_t len, size_t pos, gmd_err *err)
{
    if (len - pos < 10)
        return gmd_err_at(err, (int64_t)len, "gzip stream truncated: the header of the member at byte %zu is cut off", pos);
    if (in[pos] != 0x1f || in[pos + 1] != 0x8b)
        return gmd_err_at(err, (int64_t)pos, "not a gzip member (bytes %02x %02x, expected 1f 8b)", in[pos], in[pos + 1]);
    if (in[pos + 2] != 8)
        return gmd_err_at(err, (int64_t)pos + 2, "corrupt gzip: compression method %u is not deflate (8)", in[pos + 2]);
    uint8_t flags = in[pos + 3];
    if (flags & GZ_FRESERVED)
        return gmd_err_at(err, (int64_t)pos + 3, "corrupt gzip: reserved header flag bits are set (0x%02x)", flags);
    size_t p = pos + 10;
    if (flags & GZ_FEXTRA) {
        if (len - p < 2) return gmd_err_at(err, (int64_t)len, "gzip stream truncated inside a header");
        size_t xlen = (size_t)in[p] | (size_t)in[p + 1] << 8;
        p += 2;
        if (len - p < xlen) return gmd_err_at(err, (int64_t)len, "gzip stream truncated inside a header");
        p += xlen;
    }
    for (int f = 0; f < 2; f++) {
        if (!(flags & (f ? GZ_FCOMMENT : GZ_FNAME))) continue;
        const uint8_t *nul = memchr(in + p, 0, len - p);
        if (!nul) return gmd_err_at(err, (int64_t)len, "gzip stream truncated inside a header");
        p = (size_t)(nul - in) + 1;
    }
    if (flags & GZ_FHCRC) {
        if (len - p < 2) return gmd_err_at(err, (int64_t)len, "gzip stream truncated inside a header");
        p += 2;
    }
    if (len - p < 8)   /* at least an empty deflate block and the trailer */
        return gmd_err_at(err, (int64_t)len, "gzip stream truncated: the member at byte %zu ends after its header", pos);
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Explain a member that libdeflate rejected. A member whose deflate data
 * decodes but whose 8-byte trailer is missing is truncated at the end of the
 * input; bad deflate data is either a cut-off download (the usual case) or
 * damage, and libdeflate cannot tell which, so the message says both. */
static int explain_bad_member(struct libdeflate_decompressor *d, const uint8_t *in, size_t len,
                              size_t pos, uint8_t *scratch, size_t scratch_len, gmd_err *err)
{
    /* Skip the header again to reach the raw deflate data. */
    uint8_t flags = in[pos + 3];
    size_t p = pos + 10;
    if (flags & GZ_FEXTRA) p += 2 + ((size_t)in[p] | (size_t)in[p + 1] << 8);
    for (int f = 0; f < 2; f++)
        if (flags & (f ? GZ_FCOMMENT : GZ_FNAME)) p = (size_t)((const uint8_t *)memchr(in + p, 0, len - p) - in) + 1;
    if (flags & GZ_FHCRC) p += 2;

    size_t used = 0, produced = 0;
    enum libdeflate_result r = libdeflate_deflate_decompress_ex(d, in + p, len - p, scratch, scratch_len, &used, &produced);
    if (r == LIBDEFLATE_SUCCESS) {
        size_t trailer = p + used;
        if (len - trailer < 8)
            return gmd_err_at(err, (int64_t)len, "gzip stream truncated: the member at byte %zu lacks its 8-byte trailer", pos);
        return gmd_err_at(err, (int64_t)trailer,
                          "corrupt gzip: checksum or length in the trailer of the member at byte %zu does not match its data", pos);
    }
    return gmd_err_at(err, (int64_t)len,
                      "gzip stream truncated or corrupt: the compressed data of the member at byte %zu "
                      "does not decode up to the end of the input (was the download or copy cut off?)", pos);
}

int gmd_gunzip(const uint8_t *in, size_t len, uint64_t max_ratio, uint64_t max_out,
               uint8_t **out, size_t *out_len, gmd_err *err)
{
    *out = NULL;
    *out_len = 0;
    max_ratio = gmd_gzip_ratio(max_ratio);
    max_out = gmd_max_input(max_out);
    uint64_t cap = len > max_out / max_ratio ? max_out : (uint64_t)len * max_ratio;
    if (cap > SIZE_MAX / 2) cap = SIZE_MAX / 2;
    if (check_header(in, len, 0, err) < 0) return -1;

    /* ISIZE of the last member is the whole size for the usual single-member
     * file (mod 4 GiB), so one allocation is normally enough. */
    size_t size = le32(in + len - 4);
    if (size < 64) size = 64;
    if (size > cap) size = (size_t)cap;
    if (size < len) size = len < cap ? len : (size_t)cap;
    uint8_t *buf = gmd_xmalloc(size ? size : 1);

    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d) {
        free(buf);
        return gmd_errf(err, "out of memory allocating the gzip decompressor");
    }
    size_t pos = 0, outpos = 0;
    int rc = -1;
    while (pos < len) {
        /* Zero padding after a complete member is common (tar, dd): ignore it. */
        if (pos > 0 && in[pos] == 0) {
            size_t q = pos;
            while (q < len && in[q] == 0) q++;
            if (q == len) break;
        }
        if (check_header(in, len, pos, err) < 0) goto out;
        size_t used = 0, produced = 0;
        enum libdeflate_result r;
        for (;;) {
            r = libdeflate_gzip_decompress_ex(d, in + pos, len - pos, buf + outpos, size - outpos, &used, &produced);
            if (r != LIBDEFLATE_INSUFFICIENT_SPACE) break;
            if (size >= cap) {
                gmd_errf(err,
                         "decompressed data exceeds the cap of %llu bytes (%llu x the %zu-byte compressed size, "
                         "at most %llu); if the profile really is that large, raise it with GMD_GZIP_RATIO=N or "
                         "GMD_MAX_INPUT=BYTES",
                         (unsigned long long)cap, (unsigned long long)max_ratio, len, (unsigned long long)max_out);
                goto out;
            }
            size = size > cap / 2 ? (size_t)cap : size * 2;
            buf = gmd_xrealloc(buf, size);
        }
        if (r != LIBDEFLATE_SUCCESS) {
            explain_bad_member(d, in, len, pos, buf + outpos, size - outpos, err);
            goto out;
        }
        pos += used;
        outpos += produced;
    }
    *out = buf;
    *out_len = outpos;
    buf = NULL;
    rc = 0;
out:
    libdeflate_free_decompressor(d);
    free(buf);
    return rc;
}

int gmd_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, gmd_err *err)
{
    /* Level 6 is a good size/speed balance; Go itself writes BestSpeed. */
    return gmd_gzip_level(in, len, 6, out, out_len, err);
}

int gmd_gzip_level(const uint8_t *in, size_t len, int level, uint8_t **out, size_t *out_len, gmd_err *err)
{
    *out = NULL;
    *out_len = 0;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    if (!c) return gmd_errf(err, "out of memory allocating the gzip compressor");
    size_t bound = libdeflate_gzip_compress_bound(c, len);
    uint8_t *buf = gmd_xmalloc(bound);
    size_t n = libdeflate_gzip_compress(c, in, len, buf, bound);
    libdeflate_free_compressor(c);
    if (!n) {
        free(buf);
        return gmd_errf(err, "gzip compression failed");
    }
    *out = buf;
    *out_len = n;
    return 0;
}
