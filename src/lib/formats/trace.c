/* Go execution trace reader (Go 1.22+ "v2" format: headers 22, 23, 25, 26).
 *
 * Hand-written because the format is Go-specific (no C library reads it) and
 * hot (a busy program writes tens of MB per second of trace). Learned from
 * Go's internal/trace (batch.go, generation.go, batchcursor.go, order.go,
 * tracev2/events.go) and runtime/trace*.go.
 *
 * Layout: a 16-byte header "go 1.NN trace\0\0\0", then batches. A batch is
 * kind byte 1 (or 0x31 + experiment byte), uvarints gen, M, base timestamp,
 * size, then `size` bytes. Batches of one generation come together; its
 * string, stack, CPU-sample and frequency/sync batches are tables, the rest
 * are per-thread (M) event streams of [type byte, uvarint dt, uvarint args].
 * Go 1.26 ends each generation with a lone 0x34 byte; before, a generation
 * ends where a batch of the next one starts.
 *
 * Ordering (the hard part): per M, events are in order; across Ms the reader
 * repeatedly takes the M whose next event is earliest and applies it to a
 * model of the scheduler (goroutine, proc, thread states and the
 * per-generation sequence numbers carried by GoStart, GoUnblock, ProcStart,
 * ProcSteal, GoSyscallBegin and the GC's sequence). An event whose sequence
 * number is not the next one, or whose goroutine/proc is not yet in the
 * right state, waits; the other Ms are tried in timestamp order. This is
 * what Go's reader does, so both produce the same stream. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "gmd/input.h"
#include "gmd/trace.h"
#include "gmd/u64tab.h"
#include "gmd/xalloc.h"

#define MAX_BATCH (64u << 10)
#define MAX_FRAMES 128
#define MAX_STRING 1024
#define NONE GMD_TRACE_NONE
#define NO_BATCH UINT32_MAX
#define NO_M UINT32_MAX

enum { EV_BATCH = 1, EV_STACKS = 2, EV_STACK = 3, EV_STRINGS = 4, EV_STRING = 5,
       EV_CPU_SAMPLES = 6, EV_CPU_SAMPLE = 7, EV_FREQUENCY = 8, EV_EXP_BATCH = 49,
       EV_SYNC = 50, EV_CLOCK_SNAPSHOT = 51, EV_END_OF_GEN = 52 };

/* Per event type: number of arguments after dt (-1: not a timed event that
 * may appear in an event batch), index of the stack argument (-1: none),
 * and the first header version that has it. */
typedef struct spec { const char *name; int8_t nargs, stack; uint8_t since; } spec;
static const spec specs[256] = {
    [9] = {"ProcsChange", 2, 1, 22},      [10] = {"ProcStart", 2, -1, 22},
    [11] = {"ProcStop", 0, -1, 22},       [12] = {"ProcSteal", 3, -1, 22},
    [13] = {"ProcStatus", 2, -1, 22},     [14] = {"GoCreate", 3, 2, 22},
    [15] = {"GoCreateSyscall", 1, -1, 22}, [16] = {"GoStart", 2, -1, 22},
    [17] = {"GoDestroy", 0, -1, 22},      [18] = {"GoDestroySyscall", 0, -1, 22},
    [19] = {"GoStop", 2, 1, 22},          [20] = {"GoBlock", 2, 1, 22},
    [21] = {"GoUnblock", 3, 2, 22},       [22] = {"GoSyscallBegin", 2, 1, 22},
    [23] = {"GoSyscallEnd", 0, -1, 22},   [24] = {"GoSyscallEndBlocked", 0, -1, 22},
    [25] = {"GoStatus", 3, -1, 22},       [26] = {"STWBegin", 2, 1, 22},
    [27] = {"STWEnd", 0, -1, 22},         [28] = {"GCActive", 1, -1, 22},
    [29] = {"GCBegin", 2, 1, 22},         [30] = {"GCEnd", 1, -1, 22},
    [31] = {"GCSweepActive", 1, -1, 22},  [32] = {"GCSweepBegin", 1, 0, 22},
    [33] = {"GCSweepEnd", 2, -1, 22},     [34] = {"GCMarkAssistActive", 1, -1, 22},
    [35] = {"GCMarkAssistBegin", 1, 0, 22}, [36] = {"GCMarkAssistEnd", 0, -1, 22},
    [37] = {"HeapAlloc", 1, -1, 22},      [38] = {"HeapGoal", 1, -1, 22},
    [39] = {"GoLabel", 1, -1, 22},        [40] = {"UserTaskBegin", 4, 3, 22},
    [41] = {"UserTaskEnd", 2, 1, 22},     [42] = {"UserRegionBegin", 3, 2, 22},
    [43] = {"UserRegionEnd", 3, 2, 22},   [44] = {"UserLog", 4, 3, 22},
    [45] = {"GoSwitch", 2, -1, 23},       [46] = {"GoSwitchDestroy", 2, -1, 23},
    [47] = {"GoCreateBlocked", 3, 2, 23}, [48] = {"GoStatusStack", 4, 3, 23},
    /* Experimental (AllocFree) events may sit in ordinary batches. */
    [128] = {"Span", 3, -1, 23},          [129] = {"SpanAlloc", 3, -1, 23},
    [130] = {"SpanFree", 1, -1, 23},      [131] = {"HeapObject", 2, -1, 23},
    [132] = {"HeapObjectAlloc", 2, -1, 23}, [133] = {"HeapObjectFree", 1, -1, 23},
    [134] = {"GoroutineStack", 2, -1, 23}, [135] = {"GoroutineStackAlloc", 2, -1, 23},
    [136] = {"GoroutineStackFree", 1, -1, 23},
};

const char *gmd_trace_event_name(int type)
{
    if (type == GMD_TEV_CPU_SAMPLE) return "CPUSample";
    if (type == GMD_TEV_SYNC) return "Sync";
    if (type >= 0 && type < 256 && specs[type].name) return specs[type].name;
    return "?";
}

typedef struct batch {
    uint64_t m, time;         /* thread, base timestamp (ticks) */
    uint64_t off;             /* input offset of the data */
    uint32_t len, next;       /* data length; next batch of the same M */
} batch;

typedef struct cursor {
    uint64_t m;
    uint32_t bi;              /* the batch being read */
    bool fresh;               /* batch bi is yet to be entered */
    const uint8_t *p, *end, *base;   /* next event, end and start of batch bi's data */
    uint64_t boff;            /* input offset of base */
    uint32_t tail;            /* the M's last batch so far (while indexing) */
    uint32_t mi;              /* the M's state in mst, NO_M until its first event */
    int64_t last;             /* time of the previous event (ns) */
    /* the current (unapplied) event */
    uint8_t typ;
    uint64_t args[4];
    int64_t time, off;
} cursor;

typedef struct strent { uint32_t off, len; } strent;
typedef struct stkent { uint32_t first, n; } stkent;
typedef struct rawframe { uint64_t pc, func, file, line; } rawframe;
typedef struct sample { int64_t time; uint64_t m, p, g, stack; int64_t off; } sample;

/* One generation's string and stack tables. Two sets, so a generation can
 * be loaded while the consumer still resolves ids of the one before. */
typedef struct gentab {
    gmd_u64tab strs;          /* id -> strent */
    char *strbuf; size_t strlen_, strcap;
    gmd_u64tab stks;          /* id -> stkent */
    gmd_trace_frame *frames; uint32_t capframes;
} gentab;

/* Events handed from the reading thread to the consumer. */
#define CHUNK 4096
#define NCHUNKS 4
typedef struct chunk {
    uint32_t n;
    int end;                  /* after the events: 0 more follow, 1 the end, -1 err */
    gmd_err err;
    gmd_trace_event ev[CHUNK];
} chunk;

typedef struct gstate {
    uint8_t status;           /* wire GoStatus */
    uint8_t ranges;           /* bit 0 STW in flight, bit 1 mark assist */
    uint8_t used;             /* (gtab's slot flag) */
    uint32_t slot;            /* dense number while it exists (gmd_trace_event.gslot) */
    uint64_t seq_gen, seq, stw_kind;
} gstate;

/* Goroutine states by id: the reader's busiest table (a lookup or two per
 * event, an insert and a delete per goroutine), so a specialised one: id and
 * state in one slot (one cache line per probe), ids (mostly consecutive)
 * spread by one multiply, at most half full. Linear probing with
 * backward-shift deletion: it never grows with the ids ever seen. Pointers
 * stay valid until the next put or delete. */
typedef struct gslot { uint64_t id; gstate st; } gslot;
typedef struct gtab {
    gslot *s; size_t cap, count; unsigned shift;
    uint32_t *free, nfree, capfree, nextslot;   /* dense numbers of ended goroutines, to reuse */
} gtab;

static inline size_t g_home(const gtab *t, uint64_t id) { return (size_t)((id * 0x9E3779B97F4A7C15ull) >> t->shift); }

static inline gstate *g_get(const gtab *t, uint64_t id)
{
    if (!t->cap) return NULL;
    size_t mask = t->cap - 1;
    for (size_t j = g_home(t, id);; j = (j + 1) & mask) {
        gslot *s = &t->s[j];
        if (!s->st.used) return NULL;
        if (s->id == id) return &s->st;
    }
}

static void g_grow(gtab *t)
{
    gtab n = *t;
    n.cap = t->cap ? t->cap * 2 : 64;
    n.shift = t->cap ? t->shift - 1 : 58;
    n.s = gmd_xcalloc(n.cap, sizeof *n.s);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->s[i].st.used) continue;
        size_t j = g_home(&n, t->s[i].id);
        while (n.s[j].st.used) j = (j + 1) & (n.cap - 1);
        n.s[j] = t->s[i];
    }
    free(t->s);
    *t = n;
}

static gstate *g_put(gtab *t, uint64_t id, bool *existed)
{
    gstate *v = g_get(t, id);
    if (existed) *existed = v != NULL;
    if (v) return v;
    if ((t->count + 1) * 2 > t->cap) g_grow(t);
    size_t j = g_home(t, id);
    while (t->s[j].st.used) j = (j + 1) & (t->cap - 1);
    t->s[j].id = id;
    t->s[j].st = (gstate){.used = 1, .slot = t->nfree ? t->free[--t->nfree] : t->nextslot++};
    t->count++;
    return &t->s[j].st;
}

static void g_del(gtab *t, uint64_t id)
{
    if (!t->cap) return;
    size_t mask = t->cap - 1, j = g_home(t, id);
    for (;; j = (j + 1) & mask) {
        if (!t->s[j].st.used) return;
        if (t->s[j].id == id) break;
    }
    GMD_VEC_PUSH(t->free, t->nfree, t->capfree, t->s[j].st.slot);
    size_t hole = j;
    for (size_t k = (j + 1) & mask; t->s[k].st.used; k = (k + 1) & mask) {
        size_t h = g_home(t, t->s[k].id);
        bool movable = hole <= k ? (h <= hole || h > k) : (h <= hole && h > k);
        if (!movable) continue;
        t->s[hole] = t->s[k];
        hole = k;
    }
    t->s[hole].st.used = 0;
    t->count--;
}
typedef struct pstate { uint8_t status, sweeping; uint64_t seq_gen, seq; } pstate;
typedef struct mstate { uint64_t id, g, p; } mstate;

enum { P_BAD, P_RUNNING, P_IDLE, P_SYSCALL, P_SYSCALL_ABANDONED };
enum { GC_UNDETERMINED, GC_NOT_RUNNING, GC_RUNNING };

struct gmd_trace_reader {
    char *name;
    int version;
    int8_t nargs[256];        /* per event type: arguments, -1 not valid in this version */
    /* input window: buf[0..avail) holds input bytes [base, base+avail) */
    const uint8_t *buf;
    uint64_t base, avail;
    bool eof, release;
    int fd;
    uint8_t *own;
    size_t owncap;
    const uint8_t *map;       /* for release */
    size_t maplen;
    uintptr_t released;       /* mapping dropped up to here */
    gmd_blob blob;            /* when opened by spec */
    bool has_blob;
    gmd_http_stream *http;    /* a URL, read as it downloads */

    /* the current generation */
    uint64_t gen_off, next_gen_off, gen, min_ts;
    double freq;              /* ns per tick */
    uint64_t ifreq, ifreq_max;   /* freq when a whole number (64 on Linux), ticks below ifreq_max convert exactly */
    bool has_freq, has_snapshot, loaded, done;
    batch *batches; uint32_t nbatches, capbatches;
    gmd_u64tab mcur;          /* M -> cursor index */
    cursor *cursors; uint32_t ncursors, capcursors;
    cursor **frontier; uint32_t nfrontier, capfrontier;
    gentab tabs[2];           /* generation k's tables are tabs[k & 1] */
    gentab *pt, *ct;          /* the ones being loaded; the consumer's (see gmd_trace_next) */
    rawframe *raw; uint32_t nraw, capraw;
    sample *samples; uint32_t nsamples, capsamples, nextsample;
    int64_t sample_time;      /* samples[nextsample]'s time, INT64_MAX when none is left */

    /* scheduler model */
    gtab gs;
    gmd_u64tab ps;
    gmd_u64tab mix;           /* M -> index in mst */
    mstate *mst; uint32_t nmst, capmst;   /* never removed: each cursor keeps its M's index */
    uint64_t gc_seq, initial_gen;
    int gc_state;

    /* the reading thread (see producer()) */
    bool threaded, started, stop;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv_prod, cv_cons;   /* the producer waits on cv_prod, the consumer on cv_cons */
    chunk *chunks;            /* ring of NCHUNKS */
    uint64_t ph, ch;          /* chunks published, consumed */
    chunk *cur;               /* the consumer's */
    uint32_t cpos;
    uint64_t cgens;           /* Sync events handed to the consumer */

    gmd_trace_event q[4];
    unsigned qhead, qn;
    gmd_trace_event *direct;  /* where the next push goes instead of q (see produce) */
    gmd_trace_event *lastpush;
    int64_t last_time;
    uint64_t ngens;
    uint64_t peak_gen_bytes;
    char truncated[256];
};

/* ---- input window ---- */

/* Make input bytes [abs, abs+n) available. 0 ok, 1 the input ends first,
 * -1 read error. */
static int ensure(gmd_trace_reader *r, uint64_t abs, uint64_t n, gmd_err *err)
{
    while (abs + n > r->base + r->avail) {
        if (r->eof) return 1;
        uint64_t need = abs + n - r->base;
        if (need > r->owncap || r->avail == r->owncap) {
            size_t nc = r->owncap ? r->owncap * 2 : 1 << 20;
            while (nc < need) nc *= 2;
            r->own = gmd_xrealloc(r->own, nc);
            r->owncap = nc;
            r->buf = r->own;
        }
        ssize_t got = read(r->fd, r->own + r->avail, r->owncap - r->avail);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return gmd_err_at(err, (int64_t)(r->base + r->avail), "read failed: %s", strerror(errno));
        if (got == 0) r->eof = true;
        r->avail += (uint64_t)got;
    }
    return 0;
}

static inline const uint8_t *at(const gmd_trace_reader *r, uint64_t abs) { return r->buf + (abs - r->base); }

/* Drop input before `abs`: the consumed generations. */
static void forget_before(gmd_trace_reader *r, uint64_t abs)
{
    if (r->own && abs > r->base) {
        uint64_t drop = abs - r->base;
        if (drop > r->avail) drop = r->avail;
        memmove(r->own, r->own + drop, r->avail - drop);
        r->base += drop;
        r->avail -= drop;
    } else if (r->release && r->map) {
        /* Pages of a read-only file mapping: dropped, they would only be
         * read again from the file. Only the ones not dropped before. */
        uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t start = r->released ? r->released : (uintptr_t)r->map & ~(pg - 1);
        uintptr_t end = ((uintptr_t)r->map + abs) & ~(pg - 1);
        if (end > start) {
            madvise((void *)start, end - start, MADV_DONTNEED);
            r->released = end;
        }
    }
}

/* Go's uvarint: up to 10 bytes, padded (non-minimal) forms allowed. Bytes
 * used, or 0 when the data ends first, or -1 on overflow. */
static inline int uvar(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    /* Fast paths: most values take one or two bytes; timestamps deltas
     * three or four; and most values are not near the end of a batch. */
    if (p + 2 <= end) {
        if (p[0] < 0x80) { *v = p[0]; return 1; }
        if (p[1] < 0x80) { *v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7; return 2; }
    }
    if (end - p >= 10) {
        uint64_t x = (uint64_t)(p[0] & 0x7f) | (uint64_t)(p[1] & 0x7f) << 7;
        for (int i = 2; i < 10; i++) {
            uint8_t b = p[i];
            x |= (uint64_t)(b & 0x7f) << (7 * i);
            if (b < 0x80) {
                if (i == 9 && b > 1) return -1;
                *v = x;
                return i + 1;
            }
        }
        return -1;
    }
    uint64_t x = 0;
    unsigned s = 0;
    for (int i = 0; i < 10; i++) {
        if (p + i >= end) return 0;
        uint8_t b = p[i];
        if (b < 0x80) {
            if (i == 9 && b > 1) return -1;
            *v = x | (uint64_t)b << s;
            return i + 1;
        }
        x |= (uint64_t)(b & 0x7f) << s;
        s += 7;
    }
    return -1;
}

/* ---- time ---- */

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    return a + b;
}

/* Ticks to nanoseconds the way Go's reader does (float64 multiply), so both
 * give the same times. */
static inline int64_t ticks_ns(const gmd_trace_reader *r, uint64_t t)
{
    /* Integer fast path: the same value as the double product below while
     * that is exact (< 2^53), without a uint64-to-double conversion. */
    if (t < r->ifreq_max) return (int64_t)(t * r->ifreq);
    double x = (double)t * r->freq;
    if (!(x < 9.2e18)) return INT64_MAX / 2;
    return (int64_t)x;
}

/* ---- generation tables ---- */

static const char *str_of(const gentab *t, uint64_t id)
{
    const strent *s = gmd_u64tab_get(&t->strs, id);
    return s ? t->strbuf + s->off : "";
}

const char *gmd_trace_string(const gmd_trace_reader *r, uint64_t id) { return str_of(r->ct, id); }

const gmd_trace_frame *gmd_trace_stack(const gmd_trace_reader *r, uint64_t id, size_t *n)
{
    const stkent *s = id ? gmd_u64tab_get(&r->ct->stks, id) : NULL;
    *n = s ? s->n : 0;
    return s ? r->ct->frames + s->first : NULL;
}

static int add_strings(gmd_trace_reader *r, const batch *b, gmd_err *err)
{
    const uint8_t *p = at(r, b->off) + 1, *end = at(r, b->off) + b->len;
    while (p < end) {
        int64_t off = (int64_t)(b->off + (uint64_t)(p - at(r, b->off)));
        if (*p != EV_STRING) return gmd_err_at(err, off, "expected a string (5) in a string batch, got byte %u", *p);
        p++;
        uint64_t id, len;
        int k = uvar(p, end, &id);
        if (k <= 0) return gmd_err_at(err, off, "bad string id");
        p += k;
        k = uvar(p, end, &len);
        if (k <= 0) return gmd_err_at(err, off, "bad string length");
        p += k;
        if (len > MAX_STRING) return gmd_err_at(err, off, "string of %llu bytes, the maximum is %u", (unsigned long long)len, MAX_STRING);
        if (len > (uint64_t)(end - p)) return gmd_err_at(err, off, "string runs past its batch");
        bool existed;
        gentab *t = r->pt;
        strent *s = gmd_u64tab_put(&t->strs, id, &existed);
        if (existed) return gmd_err_at(err, off, "string id %llu defined twice in generation %llu", (unsigned long long)id, (unsigned long long)r->gen);
        while (t->strlen_ + len + 1 > t->strcap) {
            t->strcap = t->strcap ? t->strcap * 2 : 64 << 10;
            t->strbuf = gmd_xrealloc(t->strbuf, t->strcap);
        }
        s->off = (uint32_t)t->strlen_;
        s->len = (uint32_t)len;
        memcpy(t->strbuf + t->strlen_, p, len);
        t->strbuf[t->strlen_ + len] = 0;
        t->strlen_ += len + 1;
        p += len;
    }
    return 0;
}

static int add_stacks(gmd_trace_reader *r, const batch *b, gmd_err *err)
{
    const uint8_t *p = at(r, b->off) + 1, *end = at(r, b->off) + b->len;
    while (p < end) {
        int64_t off = (int64_t)(b->off + (uint64_t)(p - at(r, b->off)));
        if (*p != EV_STACK) return gmd_err_at(err, off, "expected a stack (3) in a stack batch, got byte %u", *p);
        p++;
        uint64_t id, n;
        int k = uvar(p, end, &id);
        if (k <= 0) return gmd_err_at(err, off, "bad stack id");
        p += k;
        k = uvar(p, end, &n);
        if (k <= 0) return gmd_err_at(err, off, "bad stack frame count");
        p += k;
        if (n > MAX_FRAMES) return gmd_err_at(err, off, "stack of %llu frames, the maximum is %d", (unsigned long long)n, MAX_FRAMES);
        bool existed;
        stkent *s = gmd_u64tab_put(&r->pt->stks, id, &existed);
        if (existed) return gmd_err_at(err, off, "stack id %llu defined twice in generation %llu", (unsigned long long)id, (unsigned long long)r->gen);
        s->first = r->nraw;
        s->n = (uint32_t)n;
        for (uint64_t i = 0; i < n; i++) {
            rawframe f;
            uint64_t *v[4] = {&f.pc, &f.func, &f.file, &f.line};
            for (int j = 0; j < 4; j++) {
                k = uvar(p, end, v[j]);
                if (k <= 0) return gmd_err_at(err, off, "bad frame %llu of stack %llu", (unsigned long long)i, (unsigned long long)id);
                p += k;
            }
            GMD_VEC_PUSH(r->raw, r->nraw, r->capraw, f);
        }
    }
    return 0;
}

static int add_samples(gmd_trace_reader *r, const batch *b, gmd_err *err)
{
    const uint8_t *p = at(r, b->off) + 1, *end = at(r, b->off) + b->len;
    while (p < end) {
        int64_t off = (int64_t)(b->off + (uint64_t)(p - at(r, b->off)));
        if (*p != EV_CPU_SAMPLE) return gmd_err_at(err, off, "expected a CPU sample (7), got byte %u", *p);
        p++;
        uint64_t v[5];
        for (int j = 0; j < 5; j++) {
            int k = uvar(p, end, &v[j]);
            if (k <= 0) return gmd_err_at(err, off, "bad CPU sample");
            p += k;
        }
        sample s = {.time = (int64_t)(v[0] & INT64_MAX), .m = v[1], .p = v[2], .g = v[3] ? v[3] : NONE, .stack = v[4], .off = off};
        GMD_VEC_PUSH(r->samples, r->nsamples, r->capsamples, s);
    }
    return 0;
}

static int set_sync(gmd_trace_reader *r, const batch *b, gmd_err *err)
{
    const uint8_t *p = at(r, b->off), *end = p + b->len;
    if (r->version >= 25) p++;   /* the Sync byte */
    while (p < end) {
        int64_t off = (int64_t)(b->off + (uint64_t)(p - at(r, b->off)));
        uint8_t t = *p++;
        uint64_t v[4];
        int nv = t == EV_FREQUENCY ? 1 : (t == EV_CLOCK_SNAPSHOT && r->version >= 25) ? 4 : 0;
        if (!nv) return gmd_err_at(err, off, "expected a frequency or clock snapshot, got byte %u", t);
        for (int j = 0; j < nv; j++) {
            int k = uvar(p, end, &v[j]);
            if (k <= 0) return gmd_err_at(err, off, "bad %s event", t == EV_FREQUENCY ? "frequency" : "clock snapshot");
            p += k;
        }
        if (t == EV_FREQUENCY) {
            if (r->has_freq) return gmd_err_at(err, off, "two frequency events in generation %llu", (unsigned long long)r->gen);
            if (v[0] == 0) return gmd_err_at(err, off, "trace clock frequency is 0");
            r->freq = 1.0 / ((double)v[0] / 1e9);
            r->has_freq = true;
            if (r->freq >= 1 && r->freq <= 1e6 && r->freq == (double)(uint64_t)r->freq) {
                r->ifreq = (uint64_t)r->freq;
                r->ifreq_max = (UINT64_C(1) << 53) / r->ifreq;
            }
        } else {
            if (r->has_snapshot) return gmd_err_at(err, off, "two clock snapshots in generation %llu", (unsigned long long)r->gen);
            r->has_snapshot = true;
        }
    }
    return 0;
}

/* ---- cursors and the frontier (a min-heap on the next event's time) ---- */

/* Decode the cursor's next event: 1, 0 when its M has no more, -1 bad.
 * The batch's bytes stay put for the generation (see load_generation), so
 * the cursor keeps pointers into them. */
__attribute__((always_inline)) static inline int cursor_next(gmd_trace_reader *r, cursor *c, gmd_err *err)
{
    for (;;) {
        if (c->fresh) {
            if (c->bi == NO_BATCH) return 0;
            const batch *b = &r->batches[c->bi];
            c->base = c->p = at(r, b->off);
            c->end = c->p + b->len;
            c->boff = b->off;
            c->last = ticks_ns(r, b->time);
            c->fresh = false;
        }
        if (c->p < c->end) break;
        c->bi = r->batches[c->bi].next;
        c->fresh = true;
    }
    const uint8_t *p = c->p, *end = c->end;
    int64_t off = (int64_t)(c->boff + (uint64_t)(p - c->base));
    uint8_t t = *p++;
    int nargs = r->nargs[t];
    if (nargs < 0) return gmd_err_at(err, off, "invalid event type %u for a go 1.%d trace", t, r->version);
    uint64_t dt;
    int k = uvar(p, end, &dt);
    if (k <= 0) return gmd_err_at(err, off, "%s event: bad timestamp", specs[t].name);
    p += k;
    c->args[0] = c->args[1] = c->args[2] = c->args[3] = 0;
    for (int i = 0; i < nargs; i++) {
        k = uvar(p, end, &c->args[i]);
        if (k <= 0) return gmd_err_at(err, off, "%s event: bad or missing argument %d", specs[t].name, i + 1);
        p += k;
    }
    c->typ = t;
    c->off = off;
    c->time = sat_add(ticks_ns(r, dt), c->last);
    c->last = c->time;
    c->p = p;
    return 1;
}

static void heap_swap(cursor **h, uint32_t i, uint32_t j) { cursor *t = h[i]; h[i] = h[j]; h[j] = t; }

static uint32_t sift_up(cursor **h, uint32_t i)
{
    while (i > 0 && h[(i - 1) / 2]->time > h[i]->time) {
        heap_swap(h, (i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    return i;
}

__attribute__((always_inline)) static inline void sift_down(cursor **h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t m = i, a = 2 * i + 1, b = 2 * i + 2;
        if (a < n && h[a]->time < h[m]->time) m = a;
        if (b < n && h[b]->time < h[m]->time) m = b;
        if (m == i) return;
        heap_swap(h, i, m);
        i = m;
    }
}

static void heap_remove(gmd_trace_reader *r, uint32_t i)
{
    cursor **h = r->frontier;
    while (i > 0) {
        heap_swap(h, (i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    heap_swap(h, 0, r->nfrontier - 1);
    r->nfrontier--;
    sift_down(h, r->nfrontier, 0);
}

static int cmp_cursor(const void *a, const void *b)
{
    int64_t x = (*(cursor *const *)a)->time, y = (*(cursor *const *)b)->time;
    return x < y ? -1 : x > y;
}

static int cmp_sample(const void *a, const void *b)
{
    int64_t x = ((const sample *)a)->time, y = ((const sample *)b)->time;
    return x < y ? -1 : x > y;
}

/* ---- reading one generation ---- */

static void reset_generation(gmd_trace_reader *r)
{
    r->nbatches = r->ncursors = r->nfrontier = r->nraw = r->nsamples = r->nextsample = 0;
    r->sample_time = INT64_MAX;
    gmd_u64tab_clear(&r->mcur);
    r->pt = &r->tabs[r->ngens & 1];
    gmd_u64tab_clear(&r->pt->strs);
    gmd_u64tab_clear(&r->pt->stks);
    r->pt->strlen_ = 0;
    r->gen = r->min_ts = 0;
    r->has_freq = r->has_snapshot = false;
    r->freq = 0;
    r->ifreq = r->ifreq_max = 0;
}

static void set_truncated(gmd_trace_reader *r, uint64_t cut)
{
    if (!r->gen) {
        snprintf(r->truncated, sizeof r->truncated, "trace cut off at byte %llu, inside the header of a batch of the next generation",
                 (unsigned long long)cut);
    } else {
        snprintf(r->truncated, sizeof r->truncated,
                 "trace cut off at byte %llu: generation %llu (from byte %llu, %u batches) was incomplete and is left out",
                 (unsigned long long)cut, (unsigned long long)r->gen, (unsigned long long)r->gen_off, r->nbatches);
    }
    /* A download that ended early says why (its stream has reached its end). */
    gmd_err e;
    if (r->http && gmd_http_stream_result(r->http, &e) < 0) {
        size_t n = strlen(r->truncated);
        snprintf(r->truncated + n, sizeof r->truncated - n, " (the download ended: %s)", e.msg);
    }
}

/* 1 loaded, 0 no more generations, -1 error. Not inlined: once per
 * generation, and inlined its set-up would run for every event. */
__attribute__((noinline)) static int load_generation(gmd_trace_reader *r, gmd_err *err)
{
    forget_before(r, r->next_gen_off);
    reset_generation(r);
    uint64_t pos = r->gen_off = r->next_gen_off;
    bool any = false;
    for (;;) {
        uint64_t bstart = pos;
        int e = ensure(r, pos, 1, err);
        if (e < 0) return -1;
        if (e > 0) {   /* end of input at a batch boundary */
            if (!any) return 0;
            if (r->version >= 26) { set_truncated(r, pos); return 0; }
            break;
        }
        uint8_t kind = *at(r, pos);
        if (kind == EV_END_OF_GEN && r->version >= 26) {
            pos++;
            if (!any) return gmd_err_at(err, (int64_t)bstart, "empty generation (end-of-generation marker without batches)");
            break;
        }
        if (kind != EV_BATCH && kind != EV_EXP_BATCH)
            return gmd_err_at(err, (int64_t)bstart, "expected a batch (1 or 49), got byte %u", kind);
        /* The header: at most 2 + 4*10 bytes; it may end early only at EOF. */
        e = ensure(r, pos, 42, err);
        if (e < 0) return -1;
        const uint8_t *p = at(r, pos), *end = at(r, r->base + r->avail);
        uint64_t h[4];
        size_t hp = kind == EV_EXP_BATCH ? 2 : 1;
        if (p + hp > end) { set_truncated(r, bstart); return 0; }
        bool cut = false;
        for (int j = 0; j < 4; j++) {
            int k = uvar(p + hp, end, &h[j]);
            if (k == 0) {
                /* A header cut short. Before Go 1.26, a batch of the next
                 * generation is what ends this one: if its generation can
                 * be read, this one is complete. */
                if (j > 0 && any && r->version < 26 && h[0] == r->gen + 1) { cut = true; break; }
                set_truncated(r, bstart);
                return 0;
            }
            if (k < 0) return gmd_err_at(err, (int64_t)(pos + hp), "bad batch header");
            hp += (size_t)k;
        }
        if (cut) break;   /* the next load finds the cut and reports it */
        uint64_t gen = h[0], size = h[3];
        if (gen == 0) return gmd_err_at(err, (int64_t)bstart, "invalid generation number 0");
        if (size > MAX_BATCH) return gmd_err_at(err, (int64_t)bstart, "batch of %llu bytes, the maximum is %u", (unsigned long long)size, MAX_BATCH);
        if (!any) r->gen = gen;
        else if (gen != r->gen) {
            if (r->version < 26 && gen == r->gen + 1) break;   /* the next generation starts here */
            return gmd_err_at(err, (int64_t)bstart, r->version >= 26 ? "batch of generation %llu inside generation %llu (missing end-of-generation marker?)"
                                                                     : "generations out of order: %llu after %llu",
                              (unsigned long long)gen, (unsigned long long)r->gen);
        }
        uint64_t data = pos + hp;
        e = ensure(r, data, size, err);
        if (e < 0) return -1;
        if (e > 0) { if (!any) r->gen = gen; set_truncated(r, bstart); return 0; }
        pos = data + size;
        any = true;
        if (r->min_ts == 0 || h[2] < r->min_ts) r->min_ts = h[2];
        if (kind == EV_EXP_BATCH) continue;   /* experiment-private tables: not needed */
        batch b = {.m = h[1], .time = h[2], .off = data, .len = (uint32_t)size, .next = NO_BATCH};
        uint8_t first = size ? *at(r, data) : 0;
        int rc = 0;
        if (size && first == EV_STRINGS) rc = add_strings(r, &b, err);
        else if (size && first == EV_STACKS) rc = add_stacks(r, &b, err);
        else if (size && first == EV_CPU_SAMPLES) rc = add_samples(r, &b, err);
        else if (size && ((first == EV_FREQUENCY && r->version < 25) || (first == EV_SYNC && r->version >= 25))) rc = set_sync(r, &b, err);
        else {
            GMD_VEC_PUSH(r->batches, r->nbatches, r->capbatches, b);
            bool existed;
            uint32_t *ci = gmd_u64tab_put(&r->mcur, b.m, &existed);
            if (!existed) {
                GMD_VEC_RESERVE1(r->cursors, r->ncursors, r->capcursors);
                r->cursors[r->ncursors] = (cursor){.m = b.m, .bi = r->nbatches - 1, .fresh = true, .mi = NO_M};
                *ci = r->ncursors++;
            } else {
                /* chain: find the M's last batch through its cursor's tail */
                r->batches[r->cursors[*ci].tail].next = r->nbatches - 1;
            }
            r->cursors[*ci].tail = r->nbatches - 1;
        }
        if (rc < 0) return -1;
    }
    r->next_gen_off = pos;
    if (!r->has_freq) {
        if (r->version < 26 && pos >= r->base + r->avail && r->eof) { set_truncated(r, pos); return 0; }
        return gmd_err_at(err, (int64_t)r->gen_off, "generation %llu has no frequency event", (unsigned long long)r->gen);
    }
    if (r->version >= 25 && !r->has_snapshot)
        return gmd_err_at(err, (int64_t)r->gen_off, "generation %llu has no clock snapshot", (unsigned long long)r->gen);

    /* Resolve frames to strings now that all string batches are in. */
    gentab *pt = r->pt;
    if (r->nraw > pt->capframes) {
        pt->capframes = r->nraw;
        pt->frames = gmd_xrealloc(pt->frames, (size_t)pt->capframes * sizeof *pt->frames);
    }
    for (uint32_t i = 0; i < r->nraw; i++)
        pt->frames[i] = (gmd_trace_frame){r->raw[i].pc, str_of(pt, r->raw[i].func), str_of(pt, r->raw[i].file), r->raw[i].line};
    for (uint32_t i = 0; i < r->nsamples; i++) r->samples[i].time = ticks_ns(r, (uint64_t)r->samples[i].time);
    if (r->nsamples > 1) qsort(r->samples, r->nsamples, sizeof *r->samples, cmp_sample);
    r->sample_time = r->nsamples ? r->samples[0].time : INT64_MAX;

    if (r->ncursors > r->capfrontier) {
        r->capfrontier = r->ncursors;
        r->frontier = gmd_xrealloc(r->frontier, (size_t)r->capfrontier * sizeof *r->frontier);
    }
    for (uint32_t i = 0; i < r->ncursors; i++) {
        cursor *c = &r->cursors[i];
        int rc = cursor_next(r, c, err);
        if (rc < 0) return -1;
        if (rc == 0) continue;
        r->frontier[r->nfrontier] = c;
        sift_up(r->frontier, r->nfrontier++);
    }
    uint64_t held = r->nbatches * sizeof(batch) + r->ncursors * sizeof(cursor) + pt->strcap + r->nraw * (sizeof(rawframe) + sizeof(gmd_trace_frame)) +
                    r->nsamples * sizeof(sample) + (pt->strs.cap + pt->stks.cap + r->mcur.cap) * 16 + r->owncap;
    if (held > r->peak_gen_bytes) r->peak_gen_bytes = held;
    r->ngens++;
    if (!r->initial_gen) r->initial_gen = r->gen;
    return 1;
}

/* ---- the scheduler model (what each event needs and changes) ---- */

typedef struct ctx { uint64_t g, p, m; } ctx;

static void push(gmd_trace_reader *r, const cursor *c, ctx cx, int typ, const uint64_t *args)
{
    gmd_trace_event *e = r->direct;
    if (e) r->direct = NULL;
    else e = &r->q[(r->qhead + r->qn++) & 3];
    r->lastpush = e;
    e->type = (uint8_t)typ;
    e->old_state = 0;
    e->gslot = UINT32_MAX;
    e->time = c->time;
    e->g = cx.g;
    e->p = cx.p;
    e->m = cx.m;
    e->gen = r->gen;
    e->offset = typ == c->typ ? c->off : -1;
    if (args) memcpy(e->args, args, sizeof e->args);
    else memset(e->args, 0, sizeof e->args);
    int si = specs[typ].stack;
    e->stack = si >= 0 && typ == c->typ ? e->args[si] : 0;
}

static bool seq_next(uint64_t gen, uint64_t seq, uint64_t have_gen, uint64_t have_seq)
{
    return gen == have_gen && seq == have_seq + 1;
}

#define FAIL(...) (gmd_err_at(err, c->off, __VA_ARGS__), -1)

/* 1 applied (events queued, *nc the new context), 0 not yet, -1 broken. */
static int need(const cursor *c, ctx cx, int m, int p, int g, gmd_err *err)
{
    /* 2 must have, 1 may have, 0 must not have */
    const char *what = NULL;
    if (m == 2 && cx.m == NONE) what = "a thread";
    else if (p == 2 && cx.p == NONE) what = "a proc";
    else if (p == 0 && cx.p != NONE) what = "no proc";
    else if (g == 2 && cx.g == NONE) what = "a goroutine";
    else if (g == 0 && cx.g != NONE) what = "no goroutine";
    if (what) return FAIL("%s event needs %s in its context", specs[c->typ].name, what);
    return 0;
}
#define NEED(M, P, G) do { if (need(c, cx, M, P, G, err) < 0) return -1; } while (0)

/* Thread states: found by id once, then by the index each cursor keeps (a
 * hash lookup per event is a good part of the reader's time). */
static mstate *m_get(gmd_trace_reader *r, uint64_t mid)
{
    uint32_t *ix = gmd_u64tab_get(&r->mix, mid);
    return ix ? &r->mst[*ix] : NULL;
}

static uint32_t m_put(gmd_trace_reader *r, uint64_t mid, bool *existed)
{
    uint32_t *ix = gmd_u64tab_put(&r->mix, mid, existed);
    if (!*existed) {
        GMD_VEC_PUSH(r->mst, r->nmst, r->capmst, ((mstate){mid, NONE, NONE}));
        *ix = r->nmst - 1;
    }
    return *ix;
}

static int advance(gmd_trace_reader *r, cursor *c, gmd_err *err)
{
    uint64_t gen = r->gen;
    ctx cx = {NONE, NONE, c->m};
    mstate *ms = NULL;
    if (c->m != NONE) {
        if (c->mi == NO_M) {
            bool existed;
            c->mi = m_put(r, c->m, &existed);
        }
        ms = &r->mst[c->mi];
        cx.g = ms->g;
        cx.p = ms->p;
    }
    ctx nc = cx;
    uint64_t a[4];
    memcpy(a, c->args, sizeof a);
    int t = c->typ;
    gstate *gs;
    pstate *ps;
    uint32_t slot;
    switch (t) {
    case GMD_TEV_PROC_STATUS: {
        uint64_t pid = a[0], st = a[1];
        if (st > P_SYSCALL_ABANDONED) return FAIL("invalid status %llu for proc %llu", (unsigned long long)st, (unsigned long long)pid);
        bool existed;
        ps = gmd_u64tab_put(&r->ps, pid, &existed);
        bool was_running = false;
        if (existed) {
            if (st == P_SYSCALL_ABANDONED && ps->status == P_SYSCALL) { a[1] = P_SYSCALL; was_running = true; }
            else if (st == P_SYSCALL_ABANDONED && ps->status == P_SYSCALL_ABANDONED) {}
            else if (ps->status != st) return FAIL("inconsistent status for proc %llu: %u then %llu", (unsigned long long)pid, ps->status, (unsigned long long)st);
        } else ps->status = (uint8_t)st;
        ps->seq_gen = gen;
        ps->seq = 0;
        if (st == P_RUNNING || st == P_SYSCALL) nc.p = pid;
        if (st == P_SYSCALL_ABANDONED && was_running) {
            bool found = false;
            for (uint32_t i = 0; i < r->nmst; i++) {
                const mstate *o = &r->mst[i];
                if (o->p == pid) { cx = (ctx){o->g, pid, o->id}; found = true; }
            }
            if (!found) return FAIL("no thread holds proc %llu, which is about to be stolen", (unsigned long long)pid);
        }
        push(r, c, cx, t, a);
        break;
    }
    case GMD_TEV_PROC_START:
        ps = gmd_u64tab_get(&r->ps, a[0]);
        if (!ps || ps->status != P_IDLE || !seq_next(gen, a[1], ps->seq_gen, ps->seq) || cx.p != NONE) return 0;
        NEED(2, 0, 1);
        ps->status = P_RUNNING;
        ps->seq_gen = gen;
        ps->seq = a[1];
        nc.p = a[0];
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_PROC_STOP:
        ps = gmd_u64tab_get(&r->ps, cx.p);
        if (!ps) return FAIL("ProcStop for a proc that does not exist");
        if (ps->status != P_RUNNING && ps->status != P_SYSCALL) return FAIL("ProcStop for a proc that is not running");
        NEED(2, 2, 1);
        ps->status = P_IDLE;
        nc.p = NONE;
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_PROC_STEAL: {
        ps = gmd_u64tab_get(&r->ps, a[0]);
        if (!ps || (ps->status != P_SYSCALL && ps->status != P_SYSCALL_ABANDONED) || !seq_next(gen, a[1], ps->seq_gen, ps->seq)) return 0;
        NEED(2, 1, 1);
        uint8_t old = ps->status;
        ps->status = P_IDLE;
        ps->seq_gen = gen;
        ps->seq = a[1];
        a[3] = old;   /* the status before, for consumers */
        if (old == P_SYSCALL_ABANDONED) { push(r, c, cx, t, a); break; }
        uint64_t mid = a[2];
        if (mid == cx.m) {
            if (cx.p != a[0]) return FAIL("thread %llu steals proc %llu from itself but holds proc %llu", (unsigned long long)mid, (unsigned long long)a[0], (unsigned long long)cx.p);
            nc.p = NONE;
            push(r, c, cx, t, a);
            break;
        }
        mstate *o = m_get(r, mid);
        if (!o) return FAIL("proc %llu stolen from unknown thread %llu", (unsigned long long)a[0], (unsigned long long)mid);
        if (o->p != a[0]) return FAIL("proc %llu stolen from thread %llu, which holds proc %llu", (unsigned long long)a[0], (unsigned long long)mid, (unsigned long long)o->p);
        o->p = NONE;
        push(r, c, cx, t, a);
        break;
    }
    case GMD_TEV_GO_STATUS:
    case GMD_TEV_GO_STATUS_STACK: {
        uint64_t gid = a[0], mid = a[1], st = a[2];
        if (st > GMD_TGS_WAITING) return FAIL("invalid status %llu for goroutine %llu", (unsigned long long)st, (unsigned long long)gid);
        uint8_t old = (uint8_t)st;
        gs = g_get(&r->gs, gid);
        if (gs) {
            if (gs->status != st) return FAIL("inconsistent status for goroutine %llu: %u then %llu", (unsigned long long)gid, gs->status, (unsigned long long)st);
            gs->seq_gen = gen;
            gs->seq = 0;
        } else if (gen == r->initial_gen) {
            gs = g_put(&r->gs, gid, NULL);
            gs->status = (uint8_t)st;
            gs->seq_gen = gen;
            old = GMD_TGS_UNDETERMINED;
        } else return FAIL("status of goroutine %llu, never seen before, after the first generation", (unsigned long long)gid);
        if (st == GMD_TGS_RUNNING) nc.g = gid;
        else if (st == GMD_TGS_SYSCALL) {
            if (mid == NONE) return FAIL("goroutine %llu in a syscall without a thread", (unsigned long long)gid);
            if (mid == cx.m) {
                if (gen != r->initial_gen && cx.g != gid) return FAIL("goroutine %llu in a syscall on a thread running goroutine %llu", (unsigned long long)gid, (unsigned long long)cx.g);
                nc.g = gid;
            } else {
                bool existed;
                mstate *o = &r->mst[m_put(r, mid, &existed)];
                if (existed) {
                    if (o->g != gid) return FAIL("goroutine %llu in a syscall on a thread running goroutine %llu", (unsigned long long)gid, (unsigned long long)o->g);
                    cx.g = o->g;
                } else {
                    o->g = gid;
                    o->p = NONE;
                }
                cx.m = mid;
                ms = c->m != NONE ? &r->mst[c->mi] : NULL;   /* the put may have moved it */
            }
        }
        slot = gs->slot;
        push(r, c, cx, t, a);
        r->lastpush->old_state = old;
        r->lastpush->gslot = slot;
        break;
    }
    case GMD_TEV_GO_CREATE:
    case GMD_TEV_GO_CREATE_BLOCKED: {
        NEED(2, 2, 1);
        gs = g_get(&r->gs, cx.g);
        if (gs && gs->status != GMD_TGS_RUNNING) return FAIL("%s by goroutine %llu, which is not running", specs[t].name, (unsigned long long)cx.g);
        bool existed;
        gs = g_put(&r->gs, a[0], &existed);
        if (existed) return FAIL("goroutine %llu created twice", (unsigned long long)a[0]);
        gs->status = t == GMD_TEV_GO_CREATE_BLOCKED ? GMD_TGS_WAITING : GMD_TGS_RUNNABLE;
        gs->seq_gen = gen;
        push(r, c, cx, t, a);
        r->lastpush->gslot = gs->slot;
        break;
    }
    case GMD_TEV_GO_DESTROY:
    case GMD_TEV_GO_STOP:
    case GMD_TEV_GO_BLOCK:
        NEED(2, 2, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs) return FAIL("%s for goroutine %llu, which does not exist", specs[t].name, (unsigned long long)cx.g);
        if (gs->status != GMD_TGS_RUNNING) return FAIL("%s for goroutine %llu, which is not running", specs[t].name, (unsigned long long)cx.g);
        slot = gs->slot;
        if (t == GMD_TEV_GO_DESTROY) g_del(&r->gs, cx.g);
        else gs->status = t == GMD_TEV_GO_STOP ? GMD_TGS_RUNNABLE : GMD_TGS_WAITING;
        nc.g = NONE;
        push(r, c, cx, t, a);
        r->lastpush->gslot = slot;
        break;
    case GMD_TEV_GO_START:
        gs = g_get(&r->gs, a[0]);
        if (!gs || gs->status != GMD_TGS_RUNNABLE || !seq_next(gen, a[1], gs->seq_gen, gs->seq)) return 0;
        NEED(2, 2, 0);
        gs->status = GMD_TGS_RUNNING;
        gs->seq_gen = gen;
        gs->seq = a[1];
        nc.g = a[0];
        push(r, c, cx, t, a);
        r->lastpush->gslot = gs->slot;
        break;
    case GMD_TEV_GO_UNBLOCK:
        gs = g_get(&r->gs, a[0]);
        if (!gs || gs->status != GMD_TGS_WAITING || !seq_next(gen, a[1], gs->seq_gen, gs->seq)) return 0;
        gs->status = GMD_TGS_RUNNABLE;
        gs->seq_gen = gen;
        gs->seq = a[1];
        push(r, c, cx, t, a);
        r->lastpush->gslot = gs->slot;
        break;
    case GMD_TEV_GO_SWITCH:
    case GMD_TEV_GO_SWITCH_DESTROY: {
        NEED(2, 2, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs) return FAIL("%s for goroutine %llu, which does not exist", specs[t].name, (unsigned long long)cx.g);
        if (gs->status != GMD_TGS_RUNNING) return FAIL("%s for goroutine %llu, which is not running", specs[t].name, (unsigned long long)cx.g);
        gstate *next = g_get(&r->gs, a[0]);
        if (!next || next->status != GMD_TGS_WAITING || !seq_next(gen, a[1], next->seq_gen, next->seq)) return 0;
        /* Surfaces as: the target unblocked, the current goroutine blocked
         * (or gone), the target started (as Go's reader has it). */
        slot = gs->slot;
        uint32_t nslot = next->slot;
        push(r, c, cx, t, a);
        r->lastpush->gslot = nslot;
        if (t == GMD_TEV_GO_SWITCH) {
            gs->status = GMD_TGS_WAITING;
            push(r, c, cx, GMD_TEV_GO_BLOCK, NULL);
        } else {
            g_del(&r->gs, cx.g);
            push(r, c, cx, GMD_TEV_GO_DESTROY, NULL);
        }
        r->lastpush->gslot = slot;
        next = g_get(&r->gs, a[0]);
        next->status = GMD_TGS_RUNNING;
        next->seq_gen = gen;
        next->seq = a[1];
        nc.g = a[0];
        ctx sc = cx;
        sc.g = NONE;
        uint64_t sa[4] = {a[0], a[1], 0, 0};
        push(r, c, sc, GMD_TEV_GO_START, sa);
        r->lastpush->gslot = nslot;
        break;
    }
    case GMD_TEV_GO_SYSCALL_BEGIN:
        NEED(2, 2, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs) return FAIL("GoSyscallBegin for goroutine %llu, which does not exist", (unsigned long long)cx.g);
        if (gs->status != GMD_TGS_RUNNING) return FAIL("GoSyscallBegin for goroutine %llu, which is not running", (unsigned long long)cx.g);
        ps = gmd_u64tab_get(&r->ps, cx.p);
        if (!ps) return FAIL("GoSyscallBegin on unknown proc %llu", (unsigned long long)cx.p);
        if (!seq_next(gen, a[0], ps->seq_gen, ps->seq)) return FAIL("GoSyscallBegin: proc %llu sequence %llu does not follow %llu", (unsigned long long)cx.p, (unsigned long long)a[0], (unsigned long long)ps->seq);
        gs->status = GMD_TGS_SYSCALL;
        ps->status = P_SYSCALL;
        ps->seq = a[0];
        push(r, c, cx, t, a);
        r->lastpush->gslot = gs->slot;
        break;
    case GMD_TEV_GO_SYSCALL_END:
        NEED(2, 2, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs || gs->status != GMD_TGS_SYSCALL) return FAIL("GoSyscallEnd for goroutine %llu, which is not in a syscall", (unsigned long long)cx.g);
        ps = gmd_u64tab_get(&r->ps, cx.p);
        if (!ps || ps->status != P_SYSCALL) return FAIL("GoSyscallEnd on proc %llu, which is not in a syscall", (unsigned long long)cx.p);
        gs->status = GMD_TGS_RUNNING;
        ps->status = P_RUNNING;
        push(r, c, cx, t, a);
        r->lastpush->gslot = gs->slot;
        break;
    case GMD_TEV_GO_SYSCALL_END_BLOCKED:
        if (cx.p != NONE) {
            ps = gmd_u64tab_get(&r->ps, cx.p);
            if (!ps) return FAIL("GoSyscallEndBlocked on unknown proc %llu", (unsigned long long)cx.p);
            if (ps->status == P_SYSCALL) return 0;   /* wait for the steal */
        }
        NEED(2, 1, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs || gs->status != GMD_TGS_SYSCALL) return FAIL("GoSyscallEndBlocked for goroutine %llu, which is not in a syscall", (unsigned long long)cx.g);
        gs->status = GMD_TGS_RUNNABLE;
        nc.g = NONE;
        push(r, c, cx, t, a);
        r->lastpush->gslot = gs->slot;
        break;
    case GMD_TEV_GO_CREATE_SYSCALL: {
        NEED(2, 1, 0);
        bool existed;
        gs = g_put(&r->gs, a[0], &existed);
        if (existed) return FAIL("goroutine %llu created twice", (unsigned long long)a[0]);
        gs->status = GMD_TGS_SYSCALL;
        gs->seq_gen = gen;
        nc.g = a[0];
        push(r, c, cx, t, a);
        r->lastpush->gslot = gs->slot;
        break;
    }
    case GMD_TEV_GO_DESTROY_SYSCALL:
        NEED(2, 1, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs || gs->status != GMD_TGS_SYSCALL) return FAIL("GoDestroySyscall for goroutine %llu, which is not in a syscall", (unsigned long long)cx.g);
        slot = gs->slot;
        g_del(&r->gs, cx.g);
        nc.g = NONE;
        if (cx.p != NONE) {
            ps = gmd_u64tab_get(&r->ps, cx.p);
            if (!ps || ps->status != P_SYSCALL) return FAIL("GoDestroySyscall on proc %llu, which is not in a syscall", (unsigned long long)cx.p);
            ps->status = P_SYSCALL_ABANDONED;
            nc.p = NONE;
            uint64_t sa[4] = {cx.p, 0, 0, P_SYSCALL};
            push(r, c, cx, GMD_TEV_PROC_STEAL, sa);
        }
        push(r, c, cx, t, a);
        r->lastpush->gslot = slot;
        break;
    case GMD_TEV_GC_ACTIVE:
        if (gen == r->initial_gen) {
            if (r->gc_state != GC_UNDETERMINED) return FAIL("GCActive in the first generation is not its first GC event");
            r->gc_seq = a[0];
            r->gc_state = GC_RUNNING;
            push(r, c, cx, t, a);
            break;
        }
        if (a[0] != r->gc_seq + 1) return 0;
        if (r->gc_state != GC_RUNNING) return FAIL("GCActive while no GC runs");
        r->gc_seq = a[0];
        NEED(2, 2, 2);
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_GC_BEGIN:
        if (r->gc_state == GC_UNDETERMINED) {
            r->gc_seq = a[0];
            r->gc_state = GC_RUNNING;
            push(r, c, cx, t, a);
            break;
        }
        if (a[0] != r->gc_seq + 1) return 0;
        if (r->gc_state == GC_RUNNING) return FAIL("GCBegin while a GC runs");
        r->gc_seq = a[0];
        r->gc_state = GC_RUNNING;
        NEED(2, 2, 2);
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_GC_END:
        if (a[0] != r->gc_seq + 1) return 0;
        if (r->gc_state != GC_RUNNING) return FAIL("GCEnd while no GC runs");
        r->gc_seq = a[0];
        r->gc_state = GC_NOT_RUNNING;
        NEED(2, 2, 2);
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_HEAP_ALLOC:
    case GMD_TEV_HEAP_GOAL:
        NEED(2, 2, 1);
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_GC_SWEEP_BEGIN:
        NEED(2, 2, 1);
        ps = gmd_u64tab_get(&r->ps, cx.p);
        if (!ps) return FAIL("GCSweepBegin on unknown proc %llu", (unsigned long long)cx.p);
        if (ps->sweeping) return FAIL("GCSweepBegin while proc %llu sweeps", (unsigned long long)cx.p);
        ps->sweeping = 1;
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_GC_SWEEP_ACTIVE:
        ps = gmd_u64tab_get(&r->ps, a[0]);
        if (!ps) return FAIL("GCSweepActive for unknown proc %llu", (unsigned long long)a[0]);
        if (gen == r->initial_gen) {
            if (ps->sweeping) return FAIL("GCSweepActive twice for proc %llu", (unsigned long long)a[0]);
            ps->sweeping = 1;
        } else if (!ps->sweeping) return FAIL("GCSweepActive for proc %llu, which does not sweep", (unsigned long long)a[0]);
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_GC_SWEEP_END:
        NEED(2, 2, 1);
        ps = gmd_u64tab_get(&r->ps, cx.p);
        if (!ps || !ps->sweeping) return FAIL("GCSweepEnd without a GCSweepBegin");
        ps->sweeping = 0;
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_STW_BEGIN:
    case GMD_TEV_GC_MARK_ASSIST_BEGIN: {
        NEED(2, 2, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs) return FAIL("%s for unknown goroutine %llu", specs[t].name, (unsigned long long)cx.g);
        uint8_t bit = t == GMD_TEV_STW_BEGIN ? 1 : 2;
        if (gs->ranges & bit) return FAIL("%s while one is in flight", specs[t].name);
        gs->ranges |= bit;
        if (t == GMD_TEV_STW_BEGIN) gs->stw_kind = a[0];
        push(r, c, cx, t, a);
        break;
    }
    case GMD_TEV_GC_MARK_ASSIST_ACTIVE:
        gs = g_get(&r->gs, a[0]);
        if (!gs) return FAIL("GCMarkAssistActive for unknown goroutine %llu", (unsigned long long)a[0]);
        if (gen == r->initial_gen) {
            if (gs->ranges & 2) return FAIL("GCMarkAssistActive twice for goroutine %llu", (unsigned long long)a[0]);
            gs->ranges |= 2;
        } else if (!(gs->ranges & 2)) return FAIL("GCMarkAssistActive for goroutine %llu, which does not assist", (unsigned long long)a[0]);
        push(r, c, cx, t, a);
        break;
    case GMD_TEV_STW_END:
    case GMD_TEV_GC_MARK_ASSIST_END: {
        NEED(2, 2, 2);
        gs = g_get(&r->gs, cx.g);
        if (!gs) return FAIL("%s for unknown goroutine %llu", specs[t].name, (unsigned long long)cx.g);
        uint8_t bit = t == GMD_TEV_STW_END ? 1 : 2;
        if (!(gs->ranges & bit)) return FAIL("%s without its begin", specs[t].name);
        gs->ranges &= (uint8_t)~bit;
        if (t == GMD_TEV_STW_END) a[0] = gs->stw_kind;
        push(r, c, cx, t, a);
        break;
    }
    case GMD_TEV_USER_TASK_BEGIN:
    case GMD_TEV_USER_TASK_END:
    case GMD_TEV_USER_REGION_BEGIN:
    case GMD_TEV_USER_REGION_END:
    case GMD_TEV_USER_LOG:
    case GMD_TEV_GO_LABEL:
    case GMD_TEV_PROCS_CHANGE:
        NEED(2, 2, 2);
        if ((t == GMD_TEV_USER_REGION_BEGIN || t == GMD_TEV_USER_REGION_END) && !g_get(&r->gs, cx.g))
            return FAIL("%s for unknown goroutine %llu", specs[t].name, (unsigned long long)cx.g);
        push(r, c, cx, t, a);
        break;
    default:   /* experimental AllocFree events */
        if (t < 128) return FAIL("event type %d cannot be ordered", t);
        NEED(2, 1, 1);
        push(r, c, cx, t, a);
        break;
    }
    if (ms) {
        ms->p = nc.p;
        ms->g = nc.g;
    }
    return 1;
}

/* Apply frontier[i]'s event and move its cursor on. */
static int try_advance(gmd_trace_reader *r, uint32_t i, gmd_err *err)
{
    cursor *c = r->frontier[i];
    int rc = advance(r, c, err);
    if (rc <= 0) return rc;
    rc = cursor_next(r, c, err);
    if (rc < 0) return -1;
    if (rc) {
        if (sift_up(r->frontier, i) == i) sift_down(r->frontier, r->nfrontier, i);
    } else heap_remove(r, i);
    return 1;
}

/* Times handed out strictly increase, as Go's reader makes them. */
static inline void out_time(gmd_trace_reader *r, gmd_trace_event *ev)
{
    if (ev->time <= r->last_time) ev->time = r->last_time < INT64_MAX ? r->last_time + 1 : INT64_MAX;
    r->last_time = ev->time;
}

/* Whether the next produce() starts by loading a generation. */
static bool needs_load(const gmd_trace_reader *r)
{
    return !r->qn && !r->done && (!r->loaded || (r->nfrontier == 0 && r->nextsample == r->nsamples));
}

/* The next event in order (gmd_trace_next's contract), on whichever thread
 * reads the input. Inlined into both callers: a call level per event cost
 * ~13 instructions of register saves (callgrind). */
__attribute__((always_inline)) static inline int produce(gmd_trace_reader *r, gmd_trace_event *ev, gmd_err *err)
{
    for (;;) {
        if (r->qn) {
            *ev = r->q[r->qhead];
            r->qhead = (r->qhead + 1) & 3;
            r->qn--;
            out_time(r, ev);
            return 1;
        }
        /* The common case in one test: a thread has events and no CPU
         * sample comes before them (the checks below cost ~18 instructions
         * per event). */
        if (r->nfrontier && !r->done && r->sample_time >= r->frontier[0]->time) goto advance;
        if (r->done) return 0;
        if (!r->loaded || (r->nfrontier == 0 && r->nextsample == r->nsamples)) {
            int rc = load_generation(r, err);
            if (rc < 0) {
                gmd_err_set_source(err, r->name);
                r->done = true;
                return -1;
            }
            if (rc == 0) { r->done = true; return 0; }
            r->loaded = true;
            gmd_trace_event *e = &r->q[(r->qhead + r->qn++) & 3];
            *e = (gmd_trace_event){.type = GMD_TEV_SYNC, .gslot = UINT32_MAX, .time = ticks_ns(r, r->min_ts), .g = NONE, .p = NONE, .m = NONE,
                                   .gen = r->gen, .offset = (int64_t)r->gen_off};
            continue;
        }
        if (r->nextsample < r->nsamples && (r->nfrontier == 0 || r->samples[r->nextsample].time < r->frontier[0]->time)) {
            const sample *s = &r->samples[r->nextsample++];
            r->sample_time = r->nextsample < r->nsamples ? r->samples[r->nextsample].time : INT64_MAX;
            gmd_trace_event *e = &r->q[(r->qhead + r->qn++) & 3];
            *e = (gmd_trace_event){.type = GMD_TEV_CPU_SAMPLE, .gslot = UINT32_MAX, .time = s->time, .g = s->g, .p = s->p, .m = s->m,
                                   .stack = s->stack, .gen = r->gen, .offset = s->off};
            continue;
        }
        /* The queue is empty: the first event an advance makes goes straight
         * to *ev (most make one; copying each through the queue cost ~5%). */
    advance:
        r->direct = ev;
        int rc = try_advance(r, 0, err);
        if (rc == 0) {
            qsort(r->frontier, r->nfrontier, sizeof *r->frontier, cmp_cursor);
            for (uint32_t i = 1; i < r->nfrontier && rc == 0; i++) rc = try_advance(r, i, err);
            if (rc == 0) {
                cursor *c = r->frontier[0];
                rc = gmd_err_at(err, c->off, "broken trace: no thread's next event can happen (generation %llu; first waiting: %s on thread %lld)",
                           (unsigned long long)r->gen, specs[c->typ].name, (long long)c->m);
            }
        }
        bool used = !r->direct;
        r->direct = NULL;
        if (rc < 0) {
            gmd_err_set_source(err, r->name);
            r->done = true;
            return -1;
        }
        if (used) {
            out_time(r, ev);
            return 1;
        }
    }
}

/* ---- the reading thread (opt-in: gmd_trace_set_threaded) ----
 *
 * With the whole input at hand (a mapped file, a fetched body), a second
 * thread reads and orders the events while the caller's thread consumes
 * them (the analyses): handed over in chunks through a ring of NCHUNKS, so
 * memory stays bounded and the stream is the same event for event. The
 * string and stack tables are double-buffered: generation k is loaded into
 * tabs[k & 1] only once the consumer has reached generation k-1 (its Sync),
 * that is, is done with generation k-2. A pipe is read on the caller's
 * thread: a thread blocked in read() could not be stopped on close. */

static void publish(gmd_trace_reader *r)
{
    pthread_mutex_lock(&r->mu);
    r->ph++;
    pthread_cond_signal(&r->cv_cons);
    pthread_mutex_unlock(&r->mu);
}

static void *producer(void *arg)
{
    gmd_trace_reader *r = arg;
    chunk *k = NULL;
    for (;;) {
        /* about to load generation ngens into the tables of ngens - 2 */
        bool gen_wait = r->ngens >= 2 && needs_load(r);
        if (k && (k->n == CHUNK || (gen_wait && k->n))) {
            publish(r);
            k = NULL;
        }
        if (!k || gen_wait) {
            pthread_mutex_lock(&r->mu);
            while (!r->stop && ((!k && r->ph - r->ch >= NCHUNKS) || (gen_wait && r->cgens < r->ngens)))
                pthread_cond_wait(&r->cv_prod, &r->mu);
            bool stop = r->stop;
            pthread_mutex_unlock(&r->mu);
            if (stop) return NULL;
            if (!k) {
                k = &r->chunks[r->ph % NCHUNKS];
                k->n = 0;
                k->end = 0;
            }
        }
        int rc = produce(r, &k->ev[k->n], &k->err);
        if (rc > 0) {
            k->n++;
            continue;
        }
        k->end = rc < 0 ? -1 : 1;
        publish(r);
        return NULL;
    }
}

/* A Sync handed to the consumer: its generation's tables become current. */
static void consumed_sync(gmd_trace_reader *r)
{
    r->ct = &r->tabs[r->cgens & 1];
    if (!r->threaded) {
        r->cgens++;
        return;
    }
    pthread_mutex_lock(&r->mu);
    r->cgens++;
    pthread_cond_signal(&r->cv_prod);
    pthread_mutex_unlock(&r->mu);
}

static void start_thread(gmd_trace_reader *r)
{
    r->started = true;
    r->chunks = gmd_xmalloc(NCHUNKS * sizeof *r->chunks);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv_prod, NULL);
    pthread_cond_init(&r->cv_cons, NULL);
    if (pthread_create(&r->thread, NULL, producer, r) != 0) {
        /* no thread: read on the caller's one */
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv_prod);
        pthread_cond_destroy(&r->cv_cons);
        free(r->chunks);
        r->chunks = NULL;
        r->threaded = false;
    }
}

/* gmd_trace_next on the caller's thread. */
__attribute__((always_inline)) static inline int next_one(gmd_trace_reader *r, gmd_trace_event *ev, gmd_err *err)
{
    int rc = produce(r, ev, err);
    if (rc > 0 && ev->type == GMD_TEV_SYNC) consumed_sync(r);
    return rc;
}

/* gmd_trace_next with the reading thread: out of line, so the one-thread
 * path saves fewer registers per event. */
__attribute__((noinline)) static int next_threaded(gmd_trace_reader *r, gmd_trace_event *ev, gmd_err *err)
{
    if (!r->started) {
        start_thread(r);
        if (!r->threaded) return next_one(r, ev, err);   /* no thread could start */
    }
    for (;;) {
        chunk *k = r->cur;
        if (k) {
            if (r->cpos < k->n) {
                *ev = k->ev[r->cpos++];
                if (ev->type == GMD_TEV_SYNC) consumed_sync(r);
                return 1;
            }
            if (k->end < 0) {
                *err = k->err;
                k->end = 1;   /* as unthreaded: after an error, the end */
                return -1;
            }
            if (k->end) return 0;
            pthread_mutex_lock(&r->mu);
            r->ch++;
            pthread_cond_signal(&r->cv_prod);
            pthread_mutex_unlock(&r->mu);
            r->cur = NULL;
        }
        pthread_mutex_lock(&r->mu);
        while (r->ph == r->ch) pthread_cond_wait(&r->cv_cons, &r->mu);
        pthread_mutex_unlock(&r->mu);
        r->cur = &r->chunks[r->ch % NCHUNKS];
        r->cpos = 0;
    }
}

int gmd_trace_next(gmd_trace_reader *r, gmd_trace_event *ev, gmd_err *err)
{
    if (r->threaded) return next_threaded(r, ev, err);
    return next_one(r, ev, err);
}

void gmd_trace_set_threaded(gmd_trace_reader *r, bool on)
{
    if (!r->started) r->threaded = on && r->fd < 0;
}

bool gmd_trace_go_transition(const gmd_trace_reader *r, const gmd_trace_event *ev, gmd_trace_gotrans *o)
{
    if (!gmd_trace_go_transition_ids(ev, o)) {
        *o = (gmd_trace_gotrans){.g = ev->g, .slot = ev->gslot, .reason = ""};
        return false;
    }
    if (o->has_reason) o->reason = str_of(r->ct, o->reason_id);
    return true;
}

/* ---- opening ---- */

static gmd_trace_reader *new_reader(const char *name)
{
    gmd_trace_reader *r = gmd_xcalloc(1, sizeof *r);
    r->name = gmd_xstrdup(name ? name : "");
    r->fd = -1;
    gmd_u64tab_init(&r->mcur, sizeof(uint32_t));
    for (int i = 0; i < 2; i++) {
        gmd_u64tab_init(&r->tabs[i].strs, sizeof(strent));
        gmd_u64tab_init(&r->tabs[i].stks, sizeof(stkent));
    }
    r->pt = r->ct = &r->tabs[0];
    gmd_u64tab_init(&r->ps, sizeof(pstate));
    gmd_u64tab_init(&r->mix, sizeof(uint32_t));
    r->last_time = INT64_MIN;
    r->sample_time = INT64_MAX;
    return r;
}

static int read_header(gmd_trace_reader *r, gmd_err *err)
{
    gmd_err_set_source(err, r->name);
    int e = ensure(r, 0, 16, err);
    if (e < 0) return -1;
    const uint8_t *h = at(r, 0);
    size_t have = r->avail < 16 ? r->avail : 16;
    static const char pre[] = "go 1.";
    if (have < 16 || memcmp(h, pre, 5) != 0)
        return gmd_err_at(err, 0, "not a Go execution trace (no \"go 1.NN trace\" header)");
    int v = 0, i = 5;
    while (i < 8 && h[i] >= '0' && h[i] <= '9') v = v * 10 + (h[i++] - '0');
    if (i == 5 || memcmp(h + i, " trace", 6) != 0 || i + 6 > 16)
        return gmd_err_at(err, 0, "not a Go execution trace (bad header)");
    for (int j = i + 6; j < 16; j++)
        if (h[j]) return gmd_err_at(err, 0, "not a Go execution trace (bad header padding)");
    if (v == 11 || v == 19 || v == 21 || (v >= 5 && v < 22))
        return gmd_err_at(err, 0, "a go 1.%d trace: only the format of Go 1.22 and later is read (record it with Go 1.22+)", v);
    if (v != 22 && v != 23 && v != 25 && v != 26)
        return gmd_err_at(err, 0, "unknown trace version go 1.%d (this gmd reads 1.22, 1.23, 1.25 and 1.26 traces)", v);
    r->version = v;
    r->next_gen_off = 16;
    for (int t = 0; t < 256; t++) r->nargs[t] = specs[t].name && specs[t].since <= v ? specs[t].nargs : -1;
    return 0;
}

gmd_trace_reader *gmd_trace_open_mem(const uint8_t *data, size_t len, const char *name, bool release_mapped, gmd_err *err)
{
    gmd_trace_reader *r = new_reader(name);
    r->buf = data;
    r->avail = len;
    r->eof = true;
    r->release = release_mapped;
    r->map = data;
    r->maplen = len;
    if (read_header(r, err) < 0) {
        gmd_trace_close(r);
        return NULL;
    }
    /* A second thread pays when a core is idle for it: on a quiet 2-CPU
     * machine it took a 220 MB trace from 1.12 s to 0.93 s, but it costs
     * half again the CPU time (events handed across cores), which a busy
     * machine pays in wall time too (bench/trace). So: on for a big trace
     * when the load average leaves half a core or more idle;
     * GMD_TRACE_THREADS=0|1 decides instead. */
    const char *env = getenv("GMD_TRACE_THREADS");
    if (env && *env) {
        r->threaded = env[0] == '1';
    } else {
        double load[1];
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        r->threaded = len >= (8u << 20) && cpus >= 2 && getloadavg(load, 1) == 1 && load[0] + 0.5 < (double)cpus;
    }
    return r;
}

gmd_trace_reader *gmd_trace_open_fd(int fd, const char *name, gmd_err *err)
{
    gmd_trace_reader *r = new_reader(name);
    r->fd = fd;
    if (read_header(r, err) < 0) {
        gmd_trace_close(r);
        return NULL;
    }
    return r;
}

gmd_trace_reader *gmd_trace_open(const char *spec, gmd_err *err)
{
    if (!strcmp(spec, "-")) return gmd_trace_open_fd(0, "-", err);
    if (gmd_is_url(spec)) {
        /* Streamed as it downloads: a trace of any length in bounded memory.
         * Only GMD_MAX_INPUT, when set, caps its length. */
        int fd;
        gmd_http_stream *http = gmd_http_stream_open(spec, 0, UINT64_MAX, &fd, err);
        if (!http) return NULL;
        gmd_trace_reader *r = gmd_trace_open_fd(fd, spec, err);
        if (!r) {
            gmd_http_stream_close(http, NULL);
            return NULL;
        }
        r->http = http;
        return r;
    }
    gmd_blob blob;
    gmd_load_opts opts = {0};
    if (gmd_blob_load(spec, &opts, &blob, err) < 0) return NULL;
    gmd_trace_reader *r = gmd_trace_open_mem(blob.data, blob.len, spec, blob.mapping != NULL, err);
    if (!r) {
        gmd_blob_free(&blob);
        return NULL;
    }
    r->blob = blob;
    r->has_blob = true;
    return r;
}

void gmd_trace_close(gmd_trace_reader *r)
{
    if (!r) return;
    if (r->started) {
        pthread_mutex_lock(&r->mu);
        r->stop = true;
        pthread_cond_signal(&r->cv_prod);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv_prod);
        pthread_cond_destroy(&r->cv_cons);
        free(r->chunks);
    }
    if (r->has_blob) gmd_blob_free(&r->blob);
    gmd_http_stream_close(r->http, NULL);
    free(r->name);
    free(r->own);
    free(r->batches);
    free(r->cursors);
    free(r->frontier);
    free(r->raw);
    free(r->samples);
    gmd_u64tab_free(&r->mcur);
    for (int i = 0; i < 2; i++) {
        free(r->tabs[i].strbuf);
        free(r->tabs[i].frames);
        gmd_u64tab_free(&r->tabs[i].strs);
        gmd_u64tab_free(&r->tabs[i].stks);
    }
    free(r->gs.s);
    free(r->gs.free);
    gmd_u64tab_free(&r->ps);
    gmd_u64tab_free(&r->mix);
    free(r->mst);
    free(r);
}

int gmd_trace_version(const gmd_trace_reader *r) { return r->version; }
const char *gmd_trace_truncated(const gmd_trace_reader *r) { return r->truncated[0] ? r->truncated : NULL; }
uint64_t gmd_trace_generations(const gmd_trace_reader *r) { return r->ngens; }
uint64_t gmd_trace_bytes(const gmd_trace_reader *r) { return r->next_gen_off; }
uint64_t gmd_trace_peak_generation_bytes(const gmd_trace_reader *r) { return r->peak_gen_bytes; }
