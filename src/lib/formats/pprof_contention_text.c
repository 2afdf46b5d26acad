/* The contention text that net/http/pprof serves for /block?debug=1
 * ("--- contention:") and /mutex?debug=1 ("--- mutex:"):
 *
 *   --- mutex:
 *   cycles/second=2596143714
 *   sampling period=5
 *   176341204 3 @ 0x6ab5f1 0x6ab5f0 0x6ab6df
 *   #	0x6ab5f0	sync.(*Mutex).Unlock+0xb0	/usr/local/go/src/sync/mutex.go:65
 *   ...
 *
 * Each record is "CYCLES COUNT @ PCS". It is read as pprof reads it (its
 * legacy parser), so values agree with go tool pprof on the same text:
 * sample types contentions/count and delay/nanoseconds, period type
 * contentions/count with the sampling period (1 when absent); contentions
 * = COUNT * period, delay = CYCLES * period / (cycles per second / 1e9),
 * computed in double and truncated as pprof does. Function names come from
 * the "#" lines (pprof without the binary prints "<unknown>"). */
#include <stdlib.h>
#include <string.h>
#include "formats/pprof_text.h"
#include "gmd/xalloc.h"

static size_t skip_sp(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return i;
}

static bool span_is(const char *s, size_t n, const char *z)
{
    return n == strlen(z) && memcmp(s, z, n) == 0;
}

typedef struct cont_state {
    gmd_profile *p;
    gmd_builder *b;
    bool in_record;
    int64_t values[2];
    uint64_t *addrs; size_t naddrs, capaddrs;
    text_frame_line *frames; size_t nframes, capframes;
    text_stacks stacks;
} cont_state;

static int flush(cont_state *st, gmd_err *err)
{
    if (!st->in_record) return 0;
    st->in_record = false;
    if (text_build_locations(&st->stacks, st->b, st->p, st->addrs, st->naddrs, st->frames, st->nframes, err) < 0)
        return -1;
    gmd_builder_sample(st->b, st->stacks.locs, (uint32_t)st->naddrs, st->values, NULL, 0, false);
    return 0;
}

/* "CYCLES COUNT @ 0x.. 0x.." */
static int record(cont_state *st, const text_line *l, int64_t cpu_hz, gmd_err *err)
{
    const char *s = l->s;
    size_t n = l->n, i = 0;
    int64_t cycles, count;
    if (!text_parse_i64(s, n, &i, &cycles) || cycles < 0 || (i = skip_sp(s, n, i)) >= n ||
        !text_parse_i64(s, n, &i, &count) || count < 0 || (i = skip_sp(s, n, i)) >= n || s[i] != '@')
        return gmd_err_at(err, (int64_t)l->off, "contention profile: expected a record 'CYCLES COUNT @ 0x...'");
    i++;
    /* Unsampled as pprof does it: delays via cycles to nanoseconds. */
    int64_t period = st->p->period;
    if (period > 0) {
        if (cpu_hz > 0) {
            double ns = (double)cycles * (double)period / ((double)cpu_hz / 1e9);
            if (!(ns < 9.2e18)) return gmd_err_at(err, (int64_t)l->off, "contention profile: delay out of range");
            cycles = (int64_t)ns;
        }
        if (__builtin_mul_overflow(count, period, &count))
            return gmd_err_at(err, (int64_t)l->off, "contention profile: count times sampling period out of range");
    }
    st->values[0] = count;
    st->values[1] = cycles;
    st->naddrs = st->nframes = 0;
    for (;;) {
        i = skip_sp(s, n, i);
        if (i >= n) break;
        uint64_t a;
        size_t at = i;
        if (!text_parse_hex(s, n, &i, &a) || (i < n && s[i] != ' ' && s[i] != '\t'))
            return gmd_err_at(err, (int64_t)(l->off + at), "contention profile: bad stack address");
        GMD_VEC_PUSH(st->addrs, st->naddrs, st->capaddrs, a);
    }
    st->in_record = true;
    return 0;
}

bool gmd_pprof_contention_text_detect(const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) i++;
    static const char *const banners[] = {"--- contention:", "--- mutex:", "--- contentionz "};
    for (size_t k = 0; k < sizeof banners / sizeof *banners; k++) {
        size_t m = strlen(banners[k]);
        if (len - i >= m && memcmp(data + i, banners[k], m) == 0) return true;
    }
    return false;
}

gmd_profile *gmd_pprof_contention_text_parse(const uint8_t *data, size_t len, gmd_err *err)
{
    text_reader r = {(const char *)data, len, 0, 0};
    text_line l;
    bool got;
    while ((got = text_next_line(&r, &l)) && text_is_blank(&l)) {}
    if (!got || !gmd_pprof_contention_text_detect((const uint8_t *)l.s, l.n)) {
        gmd_err_at(err, got ? (int64_t)l.off : 0, "not a contention profile: expected '--- contention:' or '--- mutex:'");
        return NULL;
    }
    cont_state st;
    memset(&st, 0, sizeof st);
    st.p = gmd_profile_new();
    gmd_profile *p = st.p;
    p->format = GMD_FMT_CONTENTION_TEXT;
    p->nsample_types = 2;
    p->sample_types = gmd_arena_alloc(&p->arena, 2 * sizeof *p->sample_types);
    p->sample_types[0].type = gmd_intern_str(&p->strings, "contentions");
    p->sample_types[0].unit = gmd_intern_str(&p->strings, "count");
    p->sample_types[1].type = gmd_intern_str(&p->strings, "delay");
    p->sample_types[1].unit = gmd_intern_str(&p->strings, "nanoseconds");
    p->period_type = p->sample_types[0];
    p->period = 1;
    st.b = gmd_builder_new(p);

    /* "key = value" attributes before the records. */
    int64_t cpu_hz = 0;
    bool have = false;
    while ((have = text_next_line(&r, &l))) {
        if (text_is_blank(&l) || l.s[0] == '#') continue;
        const char *eq = memchr(l.s, '=', l.n);
        if (!eq || text_has_prefix(&l, "---")) break;
        size_t kb = skip_sp(l.s, l.n, 0), ke = (size_t)(eq - l.s);
        while (ke > kb && (l.s[ke - 1] == ' ' || l.s[ke - 1] == '\t')) ke--;
        size_t vi = skip_sp(l.s, l.n, (size_t)(eq - l.s) + 1);
        int64_t v;
        bool num = text_parse_i64(l.s, l.n, &vi, &v) && skip_sp(l.s, l.n, vi) == l.n;
        const char *key = l.s + kb;
        size_t kn = ke - kb;
        if (span_is(key, kn, "discarded samples")) continue;
        if (!num || v < 0) {
            gmd_err_at(err, (int64_t)l.off, "contention profile: attribute '%.*s' needs a number", (int)(kn > 40 ? 40 : kn), key);
            goto fail;
        }
        if (span_is(key, kn, "cycles/second")) cpu_hz = v;
        else if (span_is(key, kn, "sampling period")) p->period = v;
        else if (span_is(key, kn, "ms since reset")) {
            if (__builtin_mul_overflow(v, (int64_t)1000000, &p->duration_nanos)) {
                gmd_err_at(err, (int64_t)l.off, "contention profile: 'ms since reset' out of range");
                goto fail;
            }
        } else {
            gmd_err_at(err, (int64_t)l.off, "contention profile: unknown attribute '%.*s'", (int)(kn > 40 ? 40 : kn), key);
            goto fail;
        }
    }
    for (; have; have = text_next_line(&r, &l)) {
        if (text_is_frame_line(&l)) {
            if (!st.in_record) {
                gmd_err_at(err, (int64_t)l.off, "frame line outside a record (no '@' line above it)");
                goto fail;
            }
            text_frame_line f;
            if (text_read_frame(&l, &f, err) < 0) goto fail;
            GMD_VEC_PUSH(st.frames, st.nframes, st.capframes, f);
            continue;
        }
        if (l.n && l.s[0] == '#') continue;
        if (flush(&st, err) < 0) goto fail;
        text_release_before(&r, l.off);
        if (text_is_blank(&l)) continue;
        if (text_has_prefix(&l, "---")) break;   /* pprof stops at the next section */
        if (record(&st, &l, cpu_hz, err) < 0) goto fail;
    }
    if (flush(&st, err) < 0) goto fail;
    gmd_builder_finish(st.b);
    free(st.addrs); free(st.frames); text_stacks_free(&st.stacks);
    return p;
fail:
    gmd_builder_finish(st.b);
    free(st.addrs); free(st.frames); text_stacks_free(&st.stacks);
    gmd_profile_free(p);
    return NULL;
}
