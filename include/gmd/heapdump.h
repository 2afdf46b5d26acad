/* Reader for heap dumps written by runtime/debug.WriteHeapDump (header
 * "go1.7 heap dump\n", the format of every Go release from 1.7 to 1.26).
 * It streams records out of an mmap'd (or in-memory) byte range without
 * copying: byte fields point into the input. Every length, count and field
 * offset is checked against the input and the record it belongs to, so a
 * record that gmd_hd_next returns is safe to use. */
#ifndef GMD_HEAPDUMP_H
#define GMD_HEAPDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/err.h"

#define GMD_HD_HEADER "go1.7 heap dump\n"
#define GMD_HD_NMEMSTATS 281   /* uvarints in a memstats record */

typedef enum gmd_hd_tag {
    GMD_HD_EOF = 0,
    GMD_HD_OBJECT = 1,
    GMD_HD_OTHERROOT = 2,
    GMD_HD_TYPE = 3,
    GMD_HD_GOROUTINE = 4,
    GMD_HD_FRAME = 5,
    GMD_HD_PARAMS = 6,
    GMD_HD_FINALIZER = 7,
    GMD_HD_ITAB = 8,
    GMD_HD_OSTHREAD = 9,
    GMD_HD_MEMSTATS = 10,
    GMD_HD_QFINALIZER = 11,
    GMD_HD_DATA = 12,
    GMD_HD_BSS = 13,
    GMD_HD_DEFER = 14,
    GMD_HD_PANIC = 15,
    GMD_HD_MEMPROF = 16,
    GMD_HD_ALLOCSAMPLE = 17,
    GMD_HD_NTAGS
} gmd_hd_tag;

/* Raw bytes inside the dump: object contents, names, frame memory. */
typedef struct gmd_hd_bytes {
    const uint8_t *p;
    uint64_t len;
} gmd_hd_bytes;

/* A field list (pointer slots of an object, frame or segment), already
 * validated: every slot lies inside the record's contents. */
typedef struct gmd_hd_fields {
    const uint8_t *p, *end;
} gmd_hd_fields;

/* Memprof bucket frames (leaf first), validated; walk with gmd_hd_memprof_frame. */
typedef struct gmd_hd_frames {
    const uint8_t *p, *end;
    uint64_t n;
} gmd_hd_frames;

typedef struct gmd_hd_record {
    gmd_hd_tag tag;
    uint64_t offset;                 /* byte offset of the tag in the dump */
    union {
        /* GMD_HD_OBJECT, GMD_HD_DATA, GMD_HD_BSS: addr is the object or segment start. */
        struct { uint64_t addr; gmd_hd_bytes contents; gmd_hd_fields fields; } obj;
        struct { gmd_hd_bytes description; uint64_t ptr; } otherroot;
        struct { uint64_t addr, size; gmd_hd_bytes name; bool indirect; } type;
        struct {
            uint64_t addr, sp, goid, gopc, status;
            bool system, background;
            uint64_t waitsince;       /* nanotime(), not Unix time; 0 when unknown */
            gmd_hd_bytes waitreason;
            uint64_t ctxt, m, defer, panic;
        } goroutine;
        struct {
            uint64_t sp, depth, child_sp;
            gmd_hd_bytes contents;    /* [sp, fp) */
            uint64_t entry, pc, continpc;
            gmd_hd_bytes name;
            gmd_hd_fields fields;     /* offsets from sp */
        } frame;
        struct {
            bool big_endian;
            uint64_t ptr_size, arena_start, arena_end;
            gmd_hd_bytes goarch, goversion;
            uint64_t ncpu;
        } params;
        /* GMD_HD_FINALIZER and GMD_HD_QFINALIZER */
        struct { uint64_t obj, fn, fn_pc, fint, ot; } finalizer;
        struct { uint64_t addr, type; } itab;
        struct { uint64_t addr, id, procid; } osthread;
        struct { const uint64_t *v; } memstats;   /* GMD_HD_NMEMSTATS values, owned by the reader */
        struct { uint64_t addr, g, sp, pc, fn, fn_pc, link; } defer;
        struct { uint64_t addr, g, type, data, defer, link; } panic;
        struct { uint64_t bucket, size; gmd_hd_frames frames; uint64_t allocs, frees; } memprof;
        struct { uint64_t addr, bucket; } allocsample;
    } u;
} gmd_hd_record;

typedef struct gmd_hd_reader {
    const uint8_t *data;
    uint64_t len;
    uint64_t pos;                    /* offset of the next record */
    unsigned ptr_size;               /* 8 until the params record says otherwise */
    bool big_endian;
    bool seen_params, seen_eof;
    uint64_t memstats[GMD_HD_NMEMSTATS];
} gmd_hd_reader;

/* Names of record kinds, for reports ("object", "stack frame", ...). */
const char *gmd_hd_tag_name(gmd_hd_tag tag);

/* Check the header and position the reader on the first record. */
int gmd_hd_open(gmd_hd_reader *r, const uint8_t *data, uint64_t len, gmd_err *err);
/* Read the next record: 1 when one was read, 0 after the EOF record, -1 on
 * error (err names the byte offset). Data after EOF is an error. */
int gmd_hd_next(gmd_hd_reader *r, gmd_hd_record *rec, gmd_err *err);
/* Read the record at a byte offset previously reported in rec->offset. */
int gmd_hd_read_at(gmd_hd_reader *r, uint64_t offset, gmd_hd_record *rec, gmd_err *err);

/* The contents and pointer fields of the object (or data/bss) record at
 * `offset`, which gmd_hd_next already returned from these same bytes (so
 * it is whole and valid): only its head is decoded again, and the field
 * list is walked up to its end marker. The graph's later passes read every
 * object again; checking each field list twice cost a fifth of them.
 * -1 when no such record starts there. */
int gmd_hd_object_at(const gmd_hd_reader *r, uint64_t offset, gmd_hd_bytes *contents, gmd_hd_fields *fields);

/* Next pointer slot of a validated field list: its byte offset in the record's contents. */
static inline bool gmd_hd_field_next(gmd_hd_fields *f, uint64_t *offset)
{
    /* Every checked field starts with the byte 1; the end marker (a zero,
     * in any varint encoding: gmd_hd_object_at stops there) never does. */
    if (f->p >= f->end || *f->p != 1) return false;
    const uint8_t *p = f->p + 1;   /* kind byte (always 1, a single-byte varint) */
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    f->p = p;
    *offset = v;
    return true;
}

/* The pointer-sized word at `offset` in `b` (offset + ptr_size <= b.len). */
static inline uint64_t gmd_hd_word(const gmd_hd_reader *r, gmd_hd_bytes b, uint64_t offset)
{
    const uint8_t *p = b.p + offset;
    uint64_t v = 0;
    if (r->big_endian) {
        for (unsigned i = 0; i < r->ptr_size; i++) v = v << 8 | p[i];
    } else {
        for (unsigned i = r->ptr_size; i-- > 0;) v = v << 8 | p[i];
    }
    return v;
}

/* Next frame of a memprof bucket (leaf first). */
bool gmd_hd_memprof_frame(gmd_hd_frames *f, gmd_hd_bytes *func, gmd_hd_bytes *file, uint64_t *line);

/* A dump file mapped read-only. The reader uses it; gmd_hd_file_drop tells
 * the kernel the pages of [from, to) are not needed again soon, so a
 * multi-gigabyte dump is not all resident at once. */
typedef struct gmd_hd_file {
    const uint8_t *data;
    uint64_t len;
    void *map;
    size_t map_len;
} gmd_hd_file;

int gmd_hd_file_open(gmd_hd_file *f, const char *path, gmd_err *err);
void gmd_hd_file_drop(const gmd_hd_file *f, uint64_t from, uint64_t to);
void gmd_hd_file_close(gmd_hd_file *f);

#endif
