/* Gzip decompression on a thread of its own, publishing its output as it
 * grows (see gmd/progressive.h), so that a parser can run on the other core
 * while the profile is still being inflated. A profile's single gzip member
 * cannot be split across cores, and inflating it is about half of a large
 * `gmd pprof top`; overlapping the two is the one way to hide it.
 *
 * libdeflate (gmd_gunzip) only inflates whole buffers, so this uses ISA-L's
 * streaming inflater, which is as fast. Only the plain case is taken here:
 * one member whose trailer size is the whole output. Anything else (several
 * members, padding, damage, a size over the cap) makes the job fail, and the
 * caller redoes the work with gmd_gunzip, whose error messages are the ones
 * users see. */
#include <isa-l.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/input.h"
#include "gmd/xalloc.h"

/* Output published per step: small enough that the parser starts early,
 * big enough that publishing costs nothing. */
#define STEP ((size_t)256 << 10)
/* Below this the thread costs more than it hides. */
#define MIN_OUTPUT ((size_t)1 << 20)

struct gmd_gunzip_job {
    const uint8_t *in;
    size_t in_len;
    uint8_t *out;
    gmd_progressive progress;
    pthread_t thread;
    bool ok;
};

static bool inflate_all(gmd_gunzip_job *j)
{
    struct inflate_state *s = gmd_xmalloc(sizeof *s);
    isal_inflate_init(s);
    s->crc_flag = ISAL_GZIP;   /* parse the header, check CRC-32 and size */
    const uint8_t *in = j->in;
    size_t in_left = j->in_len, pos = 0, total = j->progress.len;
    bool ok = false;
    for (;;) {
        if (atomic_load_explicit(&j->progress.cancelled, memory_order_relaxed)) break;
        if (s->avail_in == 0 && in_left) {
            /* avail_in is 32 bits: feed big inputs in pieces. */
            uint32_t n = in_left > (1u << 30) ? (1u << 30) : (uint32_t)in_left;
            s->next_in = (uint8_t *)in;
            s->avail_in = n;
            in += n;
            in_left -= n;
        }
        size_t room = total - pos;
        s->next_out = j->out + pos;
        s->avail_out = (uint32_t)(room < STEP ? room : STEP);
        uint32_t before_in = s->avail_in;
        int r = isal_inflate(s);
        if (r != ISAL_DECOMP_OK) break;   /* bad data or checksum */
        size_t now = (size_t)(s->next_out - j->out);
        if (now != pos) gmd_progressive_publish(&j->progress, now);
        bool progressed = now != pos || s->avail_in != before_in;
        pos = now;
        if (s->block_state == ISAL_BLOCK_FINISH) {
            /* The whole output, and nothing after the member. */
            ok = pos == total && s->avail_in == 0 && in_left == 0;
            break;
        }
        if (!progressed && !(s->avail_in == 0 && in_left)) break;   /* truncated, or more than the trailer said */
    }
    free(s);
    return ok;
}

static void *job_main(void *arg)
{
    gmd_gunzip_job *j = arg;
    j->ok = inflate_all(j);
    gmd_progressive_end(&j->progress, j->ok);
    return NULL;
}

gmd_gunzip_job *gmd_gunzip_start(const uint8_t *in, size_t len, uint64_t max_ratio, uint64_t max_out)
{
    if (len < 18 || in[0] != 0x1f || in[1] != 0x8b) return NULL;
    max_ratio = gmd_gzip_ratio(max_ratio);
    max_out = gmd_max_input(max_out);
    uint64_t cap = len > max_out / max_ratio ? max_out : (uint64_t)len * max_ratio;
    /* ISIZE: the size of the last member mod 4 GiB; for a single member
     * under 4 GiB, the size of the output. A wrong guess makes the job fail. */
    size_t size = (size_t)in[len - 4] | (size_t)in[len - 3] << 8 | (size_t)in[len - 2] << 16 | (size_t)in[len - 1] << 24;
    if (size < MIN_OUTPUT || size > cap || size < len / 2) return NULL;
    gmd_gunzip_job *j = gmd_xcalloc(1, sizeof *j);
    j->in = in;
    j->in_len = len;
    j->out = gmd_xmalloc(size);
    gmd_progressive_init(&j->progress, j->out, size);
    if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
        gmd_progressive_destroy(&j->progress);
        free(j->out);
        free(j);
        return NULL;
    }
    return j;
}

gmd_progressive *gmd_gunzip_job_output(gmd_gunzip_job *j)
{
    return &j->progress;
}

bool gmd_gunzip_finish(gmd_gunzip_job *j, uint8_t **out, size_t *out_len)
{
    pthread_join(j->thread, NULL);
    bool ok = j->ok && !atomic_load(&j->progress.cancelled);
    if (ok && out) {
        *out = j->out;
        *out_len = j->progress.len;
    } else {
        free(j->out);
    }
    gmd_progressive_destroy(&j->progress);
    free(j);
    return ok;
}
