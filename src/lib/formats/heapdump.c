/* Heap dump reader (runtime/debug.WriteHeapDump).
 *
 * The layout follows src/runtime/heapdump.go, checked against the Go 1.26.8
 * runtime on the build machine and against dumps it wrote. Notes on releases:
 *  - The header has been "go1.7 heap dump\n" since Go 1.7 (1.3-1.6 had their
 *    own headers and layouts; we reject them by header).
 *  - Go 1.7-1.16 wrote GOEXPERIMENT as the params' second string; 1.17+ write
 *    the runtime version ("go1.26.8"). Both are just a string here.
 *  - Field kinds: only 1 (pointer) has been emitted since Go 1.5; 2 and 3
 *    (iface/eface) are rejected.
 *  - Go 1.22+ small objects above 512 bytes that hold pointers start with a
 *    malloc header (the type descriptor address) that the field list skips.
 *  - Go 1.26 adds G statuses 10 (leaked) and 11 (deadextra); the dumper skips
 *    deadextra and would throw on leaked, so only 1, 3 and 4 appear.
 *  - tag 2 (other root) has had no writer since Go 1.4 but is still parsed.
 * There is no per-record length, so every record kind must be understood. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gmd/heapdump.h"

static const char *const tag_names[GMD_HD_NTAGS] = {
    "EOF", "object", "other root", "type", "goroutine", "stack frame", "params", "finalizer",
    "itab", "OS thread", "memstats", "queued finalizer", "data segment", "bss segment",
    "defer", "panic", "memprof bucket", "alloc sample",
};

const char *gmd_hd_tag_name(gmd_hd_tag tag)
{
    return (unsigned)tag < GMD_HD_NTAGS ? tag_names[tag] : "unknown";
}

/* Parsing state for one record; errors carry the offset of the bad field. */
typedef struct cursor {
    const uint8_t *base, *p, *end;
    gmd_hd_record *rec;
    gmd_err *err;
    bool failed;
} cursor;

static uint64_t off_of(const cursor *c) { return (uint64_t)(c->p - c->base); }

static int fail(cursor *c, const char *what)
{
    if (!c->failed)
        gmd_err_at(c->err, (int64_t)off_of(c), "%s record at byte %llu: %s", gmd_hd_tag_name(c->rec->tag),
                   (unsigned long long)c->rec->offset, what);
    c->failed = true;
    return -1;
}

static uint64_t uv_slow(cursor *c, const char *what)
{
    if (c->failed) return 0;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end) {
            char msg[160];
            snprintf(msg, sizeof msg, "truncated in %s", what);
            fail(c, msg);
            return 0;
        }
        uint8_t b = *c->p++;
        if (shift == 63 && b > 1) break;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "varint overflows 64 bits in %s", what);
    fail(c, msg);
    return 0;
}

/* Varints are read inline while ten bytes remain (none can run past the
 * end); near the end, and on overflow, with every check. */
static inline uint64_t uv(cursor *c, const char *what)
{
    const uint8_t *p = c->p;
    if (__builtin_expect(!c->failed && c->end - p >= 10, 1)) {
        uint64_t v = 0;
        for (unsigned shift = 0; shift < 63; shift += 7) {   /* nine bytes; a tenth is checked below */
            uint8_t b = *p++;
            v |= (uint64_t)(b & 0x7f) << shift;
            if (!(b & 0x80)) {
                c->p = p;
                return v;
            }
        }
    }
    return uv_slow(c, what);
}

static bool boolean(cursor *c, const char *what)
{
    uint64_t v = uv(c, what);
    if (v > 1) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s is %llu, not a bool", what, (unsigned long long)v);
        fail(c, msg);
    }
    return v == 1;
}

static gmd_hd_bytes bytes(cursor *c, const char *what)
{
    gmd_hd_bytes b = {NULL, 0};
    uint64_t n = uv(c, what);
    if (c->failed) return b;
    if (n > (uint64_t)(c->end - c->p)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s length %llu runs past the end of the dump (%llu bytes left)", what,
                 (unsigned long long)n, (unsigned long long)(c->end - c->p));
        fail(c, msg);
        return b;
    }
    b.p = c->p;
    b.len = n;
    c->p += n;
    return b;
}

/* Validate a field list against the contents it describes. */
static gmd_hd_fields fields(cursor *c, gmd_hd_bytes contents, unsigned ptr_size)
{
    gmd_hd_fields f = {c->p, c->p};
    /* The common case in one tight loop: kind 1 and an offset of up to three
     * bytes inside the contents; anything else (the end, an error) is left
     * to the careful loop below, from where it was seen. */
    if (!c->failed && contents.len >= ptr_size) {
        const uint8_t *p = c->p;
        uint64_t last = contents.len - ptr_size;
        while (c->end - p >= 4 && p[0] == 1) {
            uint64_t off = p[1];
            unsigned n = 2;
            if (off & 0x80) {
                if (p[2] & 0x80) {
                    if (p[3] & 0x80) break;
                    off = (off & 0x7f) | (uint64_t)(p[2] & 0x7f) << 7 | (uint64_t)p[3] << 14;
                    n = 4;
                } else {
                    off = (off & 0x7f) | (uint64_t)p[2] << 7;
                    n = 3;
                }
            }
            if (off > last) break;
            p += n;
        }
        c->p = f.end = p;
    }
    while (!c->failed) {
        const uint8_t *at = c->p;
        uint64_t kind = uv(c, "field kind");
        if (c->failed || kind == 0) break;
        if (kind != 1 || at[0] != 1) {
            c->p = at;
            char msg[160];
            snprintf(msg, sizeof msg, "field kind %llu (only 1 = pointer is written since Go 1.5)",
                     (unsigned long long)kind);
            fail(c, msg);
            break;
        }
        uint64_t off = uv(c, "field offset");
        if (!c->failed && (off > contents.len || contents.len - off < ptr_size)) {
            char msg[200];
            snprintf(msg, sizeof msg, "pointer field at offset %llu lies outside its %llu bytes of contents",
                     (unsigned long long)off, (unsigned long long)contents.len);
            fail(c, msg);
        }
        f.end = c->p;
    }
    return f;
}

static int parse(gmd_hd_reader *r, gmd_hd_record *rec, const uint8_t *start, gmd_err *err)
{
    cursor c = {r->data, start, r->data + r->len, rec, err, false};
    memset(rec, 0, sizeof *rec);
    rec->offset = (uint64_t)(start - r->data);
    uint64_t tag = uv(&c, "record tag");
    if (c.failed) return -1;
    rec->tag = (gmd_hd_tag)(tag < GMD_HD_NTAGS ? tag : GMD_HD_NTAGS);
    if (tag >= GMD_HD_NTAGS) {
        c.p = start;
        return gmd_err_at(err, (int64_t)rec->offset,
                          "unknown record tag %llu (not a go1.7 heap dump, or corrupt)", (unsigned long long)tag);
    }
    if (!r->seen_params && tag != GMD_HD_PARAMS && tag != GMD_HD_EOF) {
        /* Pointer size and byte order come from params; the runtime writes it first. */
        return gmd_err_at(err, (int64_t)rec->offset, "%s record before the params record",
                          gmd_hd_tag_name(rec->tag));
    }
    switch (rec->tag) {
    case GMD_HD_EOF: break;
    case GMD_HD_OBJECT:
    case GMD_HD_DATA:
    case GMD_HD_BSS:
        rec->u.obj.addr = uv(&c, "address");
        rec->u.obj.contents = bytes(&c, "contents");
        rec->u.obj.fields = fields(&c, rec->u.obj.contents, r->ptr_size);
        break;
    case GMD_HD_OTHERROOT:
        rec->u.otherroot.description = bytes(&c, "description");
        rec->u.otherroot.ptr = uv(&c, "pointer");
        break;
    case GMD_HD_TYPE:
        rec->u.type.addr = uv(&c, "type address");
        rec->u.type.size = uv(&c, "type size");
        rec->u.type.name = bytes(&c, "type name");
        rec->u.type.indirect = boolean(&c, "indirect flag");
        break;
    case GMD_HD_GOROUTINE:
        rec->u.goroutine.addr = uv(&c, "G address");
        rec->u.goroutine.sp = uv(&c, "stack pointer");
        rec->u.goroutine.goid = uv(&c, "goroutine id");
        rec->u.goroutine.gopc = uv(&c, "creator PC");
        rec->u.goroutine.status = uv(&c, "status");
        rec->u.goroutine.system = boolean(&c, "system flag");
        rec->u.goroutine.background = boolean(&c, "background flag");
        rec->u.goroutine.waitsince = uv(&c, "wait since");
        rec->u.goroutine.waitreason = bytes(&c, "wait reason");
        rec->u.goroutine.ctxt = uv(&c, "context");
        rec->u.goroutine.m = uv(&c, "M address");
        rec->u.goroutine.defer = uv(&c, "defer");
        rec->u.goroutine.panic = uv(&c, "panic");
        break;
    case GMD_HD_FRAME:
        rec->u.frame.sp = uv(&c, "frame sp");
        rec->u.frame.depth = uv(&c, "depth");
        rec->u.frame.child_sp = uv(&c, "child sp");
        rec->u.frame.contents = bytes(&c, "frame contents");
        rec->u.frame.entry = uv(&c, "entry PC");
        rec->u.frame.pc = uv(&c, "PC");
        rec->u.frame.continpc = uv(&c, "continuation PC");
        rec->u.frame.name = bytes(&c, "function name");
        rec->u.frame.fields = fields(&c, rec->u.frame.contents, r->ptr_size);
        break;
    case GMD_HD_PARAMS: {
        rec->u.params.big_endian = boolean(&c, "byte order");
        rec->u.params.ptr_size = uv(&c, "pointer size");
        rec->u.params.arena_start = uv(&c, "arena start");
        rec->u.params.arena_end = uv(&c, "arena end");
        rec->u.params.goarch = bytes(&c, "GOARCH");
        rec->u.params.goversion = bytes(&c, "Go version");
        rec->u.params.ncpu = uv(&c, "CPU count");
        if (c.failed) break;
        if (rec->u.params.ptr_size != 4 && rec->u.params.ptr_size != 8) {
            fail(&c, "pointer size is neither 4 nor 8");
            break;
        }
        if (r->seen_params) {
            fail(&c, "second params record");
            break;
        }
        r->seen_params = true;
        r->ptr_size = (unsigned)rec->u.params.ptr_size;
        r->big_endian = rec->u.params.big_endian;
        break;
    }
    case GMD_HD_FINALIZER:
    case GMD_HD_QFINALIZER:
        rec->u.finalizer.obj = uv(&c, "object");
        rec->u.finalizer.fn = uv(&c, "closure");
        rec->u.finalizer.fn_pc = uv(&c, "function PC");
        rec->u.finalizer.fint = uv(&c, "argument type");
        rec->u.finalizer.ot = uv(&c, "object type");
        break;
    case GMD_HD_ITAB:
        rec->u.itab.addr = uv(&c, "itab address");
        rec->u.itab.type = uv(&c, "itab type");
        break;
    case GMD_HD_OSTHREAD:
        rec->u.osthread.addr = uv(&c, "M address");
        rec->u.osthread.id = uv(&c, "M id");
        rec->u.osthread.procid = uv(&c, "OS thread id");
        break;
    case GMD_HD_MEMSTATS:
        for (int i = 0; i < GMD_HD_NMEMSTATS; i++) r->memstats[i] = uv(&c, "memstats value");
        rec->u.memstats.v = r->memstats;
        break;
    case GMD_HD_DEFER:
        rec->u.defer.addr = uv(&c, "defer address");
        rec->u.defer.g = uv(&c, "G address");
        rec->u.defer.sp = uv(&c, "sp");
        rec->u.defer.pc = uv(&c, "pc");
        rec->u.defer.fn = uv(&c, "closure");
        rec->u.defer.fn_pc = uv(&c, "function PC");
        rec->u.defer.link = uv(&c, "next defer");
        break;
    case GMD_HD_PANIC:
        rec->u.panic.addr = uv(&c, "panic address");
        rec->u.panic.g = uv(&c, "G address");
        rec->u.panic.type = uv(&c, "value type");
        rec->u.panic.data = uv(&c, "value data");
        rec->u.panic.defer = uv(&c, "defer");
        rec->u.panic.link = uv(&c, "next panic");
        break;
    case GMD_HD_MEMPROF: {
        rec->u.memprof.bucket = uv(&c, "bucket id");
        rec->u.memprof.size = uv(&c, "allocation size");
        uint64_t n = uv(&c, "frame count");
        if (c.failed) break;
        /* Each frame takes at least 3 bytes: a bound before walking them. */
        if (n > (uint64_t)(c.end - c.p) / 3) {
            fail(&c, "frame count larger than the rest of the dump can hold");
            break;
        }
        rec->u.memprof.frames.p = c.p;
        rec->u.memprof.frames.n = n;
        for (uint64_t i = 0; i < n && !c.failed; i++) {
            bytes(&c, "frame function");
            bytes(&c, "frame file");
            uv(&c, "frame line");
        }
        rec->u.memprof.frames.end = c.p;
        rec->u.memprof.allocs = uv(&c, "allocation count");
        rec->u.memprof.frees = uv(&c, "free count");
        break;
    }
    case GMD_HD_ALLOCSAMPLE:
        rec->u.allocsample.addr = uv(&c, "object address");
        rec->u.allocsample.bucket = uv(&c, "bucket id");
        break;
    case GMD_HD_NTAGS: break;
    }
    if (c.failed) return -1;
    r->pos = off_of(&c);
    return 0;
}

int gmd_hd_open(gmd_hd_reader *r, const uint8_t *data, uint64_t len, gmd_err *err)
{
    memset(r, 0, sizeof *r);
    r->data = data;
    r->len = len;
    r->ptr_size = 8;
    size_t hlen = sizeof GMD_HD_HEADER - 1;
    if (len < hlen || memcmp(data, GMD_HD_HEADER, hlen) != 0) {
        if (len >= 5 && !memcmp(data, "go1.", 4) && memmem(data, len < 32 ? len : 32, "heap dump", 9))
            return gmd_err_at(err, 0, "heap dump from a Go release before 1.7 (only the go1.7 format is supported)");
        return gmd_err_at(err, 0, "not a Go heap dump (expected the header \"go1.7 heap dump\")");
    }
    r->pos = hlen;
    return 0;
}

int gmd_hd_next(gmd_hd_reader *r, gmd_hd_record *rec, gmd_err *err)
{
    if (r->seen_eof) return 0;
    if (r->pos >= r->len)
        return gmd_err_at(err, (int64_t)r->pos, "dump is truncated: it ends without the EOF record");
    if (parse(r, rec, r->data + r->pos, err) < 0) return -1;
    if (rec->tag == GMD_HD_EOF) {
        r->seen_eof = true;
        if (r->pos != r->len)
            return gmd_err_at(err, (int64_t)r->pos, "%llu bytes of garbage after the EOF record",
                              (unsigned long long)(r->len - r->pos));
        return 0;
    }
    return 1;
}

int gmd_hd_read_at(gmd_hd_reader *r, uint64_t offset, gmd_hd_record *rec, gmd_err *err)
{
    if (offset >= r->len) return gmd_err_at(err, (int64_t)offset, "record offset past the end of the dump");
    uint64_t saved = r->pos;
    int rc = parse(r, rec, r->data + offset, err);
    r->pos = saved;
    return rc;
}

/* A varint that must end before `end`. */
static bool bounded_uv(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    *v = 0;
    for (unsigned shift = 0; shift < 64 && p < end; shift += 7) {
        uint8_t b = *p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pp = p;
            return true;
        }
    }
    return false;
}

int gmd_hd_object_at(const gmd_hd_reader *r, uint64_t offset, gmd_hd_bytes *contents, gmd_hd_fields *fields)
{
    if (offset >= r->len) return -1;
    const uint8_t *p = r->data + offset, *end = r->data + r->len;
    uint64_t tag, addr, len;   /* varints, as the checking parser reads them (in any encoding) */
    if (!bounded_uv(&p, end, &tag) || (tag != GMD_HD_OBJECT && tag != GMD_HD_DATA && tag != GMD_HD_BSS) ||
        !bounded_uv(&p, end, &addr) || !bounded_uv(&p, end, &len) || len >= (uint64_t)(end - p))
        return -1;
    contents->p = p;
    contents->len = len;
    fields->p = p + len;
    fields->end = end;
    return 0;
}

static uint64_t raw_uv(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    *pp = p;
    return v;
}

bool gmd_hd_memprof_frame(gmd_hd_frames *f, gmd_hd_bytes *func, gmd_hd_bytes *file, uint64_t *line)
{
    if (f->p >= f->end) return false;
    const uint8_t *p = f->p;
    func->len = raw_uv(&p);
    func->p = p;
    p += func->len;
    file->len = raw_uv(&p);
    file->p = p;
    p += file->len;
    *line = raw_uv(&p);
    f->p = p;
    return true;
}

int gmd_hd_file_open(gmd_hd_file *f, const char *path, gmd_err *err)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return gmd_errf(err, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return gmd_errf(err, "not a regular file (heap dumps are read with mmap)");
    }
    if (st.st_size == 0) {
        close(fd);
        return gmd_err_at(err, 0, "empty file, not a Go heap dump");
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return gmd_errf(err, "cannot mmap: %s", strerror(errno));
    madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
    f->map = m;
    f->map_len = (size_t)st.st_size;
    f->data = m;
    f->len = (uint64_t)st.st_size;
    return 0;
}

void gmd_hd_file_drop(const gmd_hd_file *f, uint64_t from, uint64_t to)
{
    if (!f->map) return;
    long page = sysconf(_SC_PAGESIZE);
    uint64_t a = (from + (uint64_t)page - 1) / (uint64_t)page * (uint64_t)page;
    uint64_t b = to / (uint64_t)page * (uint64_t)page;
    if (b > f->map_len) b = f->map_len / (uint64_t)page * (uint64_t)page;
    /* The pages stay in the page cache; they only leave our resident set. */
    if (b > a) madvise((uint8_t *)f->map + a, (size_t)(b - a), MADV_DONTNEED);
}

void gmd_hd_file_close(gmd_hd_file *f)
{
    if (f->map) munmap(f->map, f->map_len);
    memset(f, 0, sizeof *f);
}
