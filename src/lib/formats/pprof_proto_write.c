/* profile.proto writer: the model back to the wire format, uncompressed
 * or gzipped as it is written (the pieces compressed on a second thread).
 *
 * Ids are renumbered 1..n from array positions, repeated numbers are packed,
 * and a fresh string table (index 0 = "") is built as strings are met and
 * written last, as Go does. Strings are interned in the profile, so the
 * table is keyed by pointer; that makes each lookup one hash probe. */
#include <stdlib.h>
#include <string.h>
#include "gmd/hashmap.h"
#include "gmd/input.h"
#include "gmd/profile.h"
#include "gmd/xalloc.h"

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void buf_reserve(buf *b, size_t more)
{
    if (b->cap - b->n >= more) return;
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap - b->n < more) ncap *= 2;
    b->p = gmd_xrealloc(b->p, ncap);
    b->cap = ncap;
}

static inline void put_varint(buf *b, uint64_t v)
{
    buf_reserve(b, 10);
    uint8_t *q = b->p + b->n;
    while (v >= 0x80) {
        *q++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *q++ = (uint8_t)v;
    b->n = (size_t)(q - b->p);
}

static inline size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void put_bytes(buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
}

static inline void put_key(buf *b, unsigned field, unsigned wire) { put_varint(b, (uint64_t)field << 3 | wire); }

/* Proto3: zero values are left out. */
static inline void put_uint(buf *b, unsigned field, uint64_t v)
{
    if (!v) return;
    put_key(b, field, 0);
    put_varint(b, v);
}

static void put_msg(buf *b, unsigned field, const buf *body)
{
    put_key(b, field, 2);
    put_varint(b, body->n);
    put_bytes(b, body->p, body->n);
}

typedef struct writer {
    buf strtab;              /* the string_table fields, appended as strings are met */
    gmd_u64map str_ix;       /* string pointer -> index */
    uint32_t nstrings;
    gmd_gzip_stream *z;      /* when gzipping: takes the output in pieces */
} writer;

/* Pieces of about this size go to the compressor as the output grows. */
#define PIECE ((size_t)1 << 20)

static inline void flush_piece(writer *w, buf *o)
{
    if (w->z && o->n >= PIECE) {
        o->p = gmd_gzip_stream_put(w->z, o->p, o->n, &o->cap);
        o->n = 0;
    }
}

static uint64_t str_index(writer *w, const char *s)
{
    if (!s || !*s) return 0;
    uint32_t i = gmd_u64map_get(&w->str_ix, (uintptr_t)s);
    if (i != UINT32_MAX) return i;
    i = w->nstrings++;
    gmd_u64map_put(&w->str_ix, (uintptr_t)s, i);
    size_t len = strlen(s);
    put_key(&w->strtab, 6, 2);
    put_varint(&w->strtab, len);
    put_bytes(&w->strtab, s, len);
    return i;
}

static void put_str(writer *w, buf *b, unsigned field, const char *s) { put_uint(b, field, str_index(w, s)); }

static void put_value_type(writer *w, buf *out, unsigned field, const gmd_value_type *vt, buf *tmp)
{
    tmp->n = 0;
    put_str(w, tmp, 1, vt->type);
    put_str(w, tmp, 2, vt->unit);
    put_msg(out, field, tmp);
}

/* Serialize into *out, handing full pieces to z when there is one (*out
 * then holds the last piece). */
static void write_profile(const gmd_profile *p, gmd_gzip_stream *z, buf *out)
{
    writer w;
    memset(&w, 0, sizeof w);
    w.z = z;
    buf o = {0};
    gmd_u64map_init(&w.str_ix);
    put_key(&w.strtab, 6, 2);   /* string 0: "" */
    put_varint(&w.strtab, 0);
    w.nstrings = 1;

    buf tmp = {0}, sub = {0};
    for (uint32_t i = 0; i < p->nsample_types; i++) put_value_type(&w, &o, 1, &p->sample_types[i], &tmp);

    for (uint32_t i = 0; i < p->nsamples; i++) {
        const gmd_sample *s = &p->samples[i];
        tmp.n = 0;
        if (s->nlocations) {
            size_t n = 0;
            for (uint32_t k = 0; k < s->nlocations; k++) n += varint_size((uint64_t)s->locations[k] + 1);
            put_key(&tmp, 1, 2);
            put_varint(&tmp, n);
            for (uint32_t k = 0; k < s->nlocations; k++) put_varint(&tmp, (uint64_t)s->locations[k] + 1);
        }
        if (p->nsample_types) {
            size_t n = 0;
            for (uint32_t k = 0; k < p->nsample_types; k++) n += varint_size((uint64_t)s->values[k]);
            put_key(&tmp, 2, 2);
            put_varint(&tmp, n);
            for (uint32_t k = 0; k < p->nsample_types; k++) put_varint(&tmp, (uint64_t)s->values[k]);
        }
        for (uint32_t k = 0; k < s->nlabels; k++) {
            const gmd_label *l = &s->labels[k];
            sub.n = 0;
            put_str(&w, &sub, 1, l->key);
            if (l->str && *l->str) {
                put_str(&w, &sub, 2, l->str);
            } else {
                put_uint(&sub, 3, (uint64_t)l->num);
                put_str(&w, &sub, 4, l->num_unit);
            }
            put_msg(&tmp, 3, &sub);
        }
        put_msg(&o, 2, &tmp);
        flush_piece(&w, &o);
    }

    for (uint32_t i = 0; i < p->nmappings; i++) {
        const gmd_mapping *m = &p->mappings[i];
        tmp.n = 0;
        put_uint(&tmp, 1, (uint64_t)i + 1);
        put_uint(&tmp, 2, m->memory_start);
        put_uint(&tmp, 3, m->memory_limit);
        put_uint(&tmp, 4, m->file_offset);
        put_str(&w, &tmp, 5, m->filename);
        put_str(&w, &tmp, 6, m->build_id);
        put_uint(&tmp, 7, m->has_functions);
        put_uint(&tmp, 8, m->has_filenames);
        put_uint(&tmp, 9, m->has_line_numbers);
        put_uint(&tmp, 10, m->has_inline_frames);
        put_msg(&o, 3, &tmp);
    }

    for (uint32_t i = 0; i < p->nlocations; i++) {
        const gmd_location *l = &p->locations[i];
        tmp.n = 0;
        put_uint(&tmp, 1, (uint64_t)i + 1);
        if (l->mapping != GMD_NONE) put_uint(&tmp, 2, (uint64_t)l->mapping + 1);
        put_uint(&tmp, 3, l->address);
        for (uint32_t j = 0; j < l->nlines; j++) {
            sub.n = 0;
            put_uint(&sub, 1, (uint64_t)l->lines[j].function + 1);
            put_uint(&sub, 2, (uint64_t)l->lines[j].line);
            put_uint(&sub, 3, (uint64_t)l->lines[j].column);
            put_msg(&tmp, 4, &sub);
        }
        put_uint(&tmp, 5, l->is_folded);
        put_msg(&o, 4, &tmp);
        flush_piece(&w, &o);
    }

    for (uint32_t i = 0; i < p->nfunctions; i++) {
        const gmd_function *f = &p->functions[i];
        tmp.n = 0;
        put_uint(&tmp, 1, (uint64_t)i + 1);
        put_str(&w, &tmp, 2, f->name);
        put_str(&w, &tmp, 3, f->system_name);
        put_str(&w, &tmp, 4, f->filename);
        put_uint(&tmp, 5, (uint64_t)f->start_line);
        put_msg(&o, 5, &tmp);
        flush_piece(&w, &o);
    }

    put_str(&w, &o, 7, p->drop_frames);
    put_str(&w, &o, 8, p->keep_frames);
    put_uint(&o, 9, (uint64_t)p->time_nanos);
    put_uint(&o, 10, (uint64_t)p->duration_nanos);
    if (p->period_type.type[0] || p->period_type.unit[0]) put_value_type(&w, &o, 11, &p->period_type, &tmp);
    put_uint(&o, 12, (uint64_t)p->period);
    for (uint32_t i = 0; i < p->ncomments; i++) {
        /* Unpacked: an empty comment still needs its (zero) index written. */
        put_key(&o, 13, 0);
        put_varint(&o, str_index(&w, p->comments[i]));
    }
    if (p->default_sample_type >= 0 && (uint32_t)p->default_sample_type < p->nsample_types)
        put_str(&w, &o, 14, p->sample_types[p->default_sample_type].type);
    put_str(&w, &o, 15, p->doc_url);

    put_bytes(&o, w.strtab.p, w.strtab.n);
    free(w.strtab.p);
    free(tmp.p);
    free(sub.p);
    gmd_u64map_free(&w.str_ix);
    if (!o.p) buf_reserve(&o, 1);
    *out = o;
}

int gmd_pprof_proto_write(const gmd_profile *p, uint8_t **out, size_t *out_len, gmd_err *err)
{
    (void)err;   /* cannot fail: the model is valid by construction */
    buf o;
    write_profile(p, NULL, &o);
    *out = o.p;
    *out_len = o.n;
    return 0;
}

int gmd_pprof_proto_write_gzip(const gmd_profile *p, uint8_t **out, size_t *out_len, gmd_err *err)
{
    gmd_gzip_stream *z = gmd_gzip_stream_new(true);
    buf o;
    write_profile(p, z, &o);
    int rc = gmd_gzip_stream_finish(z, o.p, o.n, out, out_len, err);
    free(o.p);
    return rc;
}
