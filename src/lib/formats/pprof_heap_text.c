/* The legacy text heap profile that net/http/pprof serves for /heap?debug=1
 * and /allocs?debug=1:
 *
 *   heap profile: 14: 50272 [49: 3777632] @ heap/1048576
 *   12: 49152 [12: 49152] @ 0x47c36c 0x47f2e9 0x4dc289 0x4dc38d 0x484121
 *   #	0x4dc288	main.inlined+0x28	/tmp/gt/main.go:18
 *   ...
 *   # runtime.MemStats
 *   # Alloc = 4225648
 *
 * The profile built is the one pprof's legacy parser builds (sample types,
 * period, scaled values, a "bytes" label per sample, addresses minus one),
 * and in addition the locations are symbolized from the "#" lines, which
 * pprof ignores. Also home of the helpers shared with the goroutine readers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "formats/pprof_text.h"
#include "gmd/input.h"
#include "gmd/xalloc.h"

/* ---- shared helpers ---- */

bool text_next_line(text_reader *r, text_line *l)
{
    if (r->pos >= r->len) return false;
    const char *start = r->data + r->pos;
    const char *nl = memchr(start, '\n', r->len - r->pos);
    size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
    l->s = start;
    l->off = r->pos;
    r->pos += n + (nl ? 1 : 0);
    if (n > 0 && start[n - 1] == '\r') n--;
    l->n = n;
    return true;
}

void text_release_before(text_reader *r, size_t upto)
{
    if (upto - r->released < ((size_t)2 << 20)) return;
    gmd_input_release(r->data + r->released, upto - r->released);
    r->released = upto;
}

bool text_is_blank(const text_line *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->s[i] != ' ' && l->s[i] != '\t' && l->s[i] != '\r') return false;
    return true;
}

/* Digit value + 1, 0 for a non-hex byte: addresses are most of a profile's
 * numbers, and a table keeps their loop to one load per digit. */
static const uint8_t hex_digit[256] = {
    ['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1,
    ['5'] = 5 + 1, ['6'] = 6 + 1, ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1,
    ['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1,
    ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
};

static int hexval(char c)
{
    return (int)hex_digit[(unsigned char)c] - 1;
}

bool text_parse_hex(const char *s, size_t n, size_t *i, uint64_t *out)
{
    size_t j = *i;
    if (j + 2 > n || s[j] != '0' || (s[j + 1] != 'x' && s[j + 1] != 'X')) return false;
    j += 2;
    uint64_t v = 0;
    size_t start = j;
    for (unsigned d; j < n && (d = hex_digit[(unsigned char)s[j]]) != 0; j++) {
        if (v >> 60) return false;
        v = v << 4 | (d - 1);
    }
    if (j == start) return false;
    *i = j;
    *out = v;
    return true;
}

bool text_parse_u64(const char *s, size_t n, size_t *i, uint64_t *out)
{
    size_t j = *i;
    if (j + 1 < n && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X')) return text_parse_hex(s, n, i, out);
    uint64_t v = 0;
    size_t start = j;
    for (; j < n && s[j] >= '0' && s[j] <= '9'; j++) {
        unsigned d = (unsigned)(s[j] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (j == start) return false;
    *i = j;
    *out = v;
    return true;
}

bool text_parse_i64(const char *s, size_t n, size_t *i, int64_t *out)
{
    size_t j = *i;
    bool neg = j < n && s[j] == '-';
    if (neg) j++;
    uint64_t v;
    if (!text_parse_u64(s, n, &j, &v)) return false;
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    *i = j;
    return true;
}

static size_t put_utf8(char *out, uint32_t r)
{
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
    if (r < 0x80) { out[0] = (char)r; return 1; }
    if (r < 0x800) { out[0] = (char)(0xC0 | r >> 6); out[1] = (char)(0x80 | (r & 0x3F)); return 2; }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | r >> 12);
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | r >> 18);
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

long text_go_unquote(const char *s, size_t n, size_t *i, char *out)
{
    size_t j = *i, o = 0;
    if (j >= n || s[j] != '"') return -1;
    for (j++; j < n; j++) {
        char c = s[j];
        if (c == '"') {
            *i = j + 1;
            return (long)o;
        }
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (++j >= n) return -1;
        int digits = 0;
        switch (s[j]) {
        case 'a': out[o++] = '\a'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'v': out[o++] = '\v'; break;
        case '\\': case '"': case '\'': out[o++] = s[j]; break;
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        case 'U': digits = 8; break;
        default:
            if (s[j] >= '0' && s[j] <= '7') {
                if (j + 3 > n) return -1;
                unsigned v = 0;
                for (int k = 0; k < 3; k++) {
                    if (s[j + k] < '0' || s[j + k] > '7') return -1;
                    v = v * 8 + (unsigned)(s[j + k] - '0');
                }
                if (v > 255) return -1;
                out[o++] = (char)v;
                j += 2;
                break;
            }
            return -1;
        }
        if (digits) {
            if (j + (size_t)digits >= n) return -1;
            uint32_t v = 0;
            for (int k = 1; k <= digits; k++) {
                int h = hexval(s[j + (size_t)k]);
                if (h < 0) return -1;
                v = v << 4 | (uint32_t)h;
            }
            j += (size_t)digits;
            if (digits == 2) out[o++] = (char)v;   /* \x is a byte, not a rune */
            else o += put_utf8(out + o, v);
        }
    }
    return -1;
}

uint64_t text_hash(const char *s, size_t n)
{
    const uint64_t m = 0x9E3779B97F4A7C15ull;
    uint64_t h = n * m, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * m;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * m;
    return h ^ h >> 32;
}

const char *text_intern(gmd_profile *p, const char *s, size_t n)
{
    return gmd_intern_n(&p->strings, s, n);
}

bool text_is_frame_line(const text_line *l)
{
    return l->n >= 2 && l->s[0] == '#' && l->s[1] == '\t';
}

static size_t skip_tabs(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] == '\t') i++;
    return i;
}

int text_parse_frame(const text_line *l, text_frame *f, gmd_err *err)
{
    const char *s = l->s;
    size_t n = l->n, i = skip_tabs(s, n, 1);
    memset(f, 0, sizeof *f);
    f->off = l->off;
    if (!text_parse_hex(s, n, &i, &f->addr))
        return gmd_err_at(err, (int64_t)(l->off + i), "frame line: expected a 0x address after '#'");
    i = skip_tabs(s, n, i);
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (i >= n) return 0;   /* "#\t0x4b798d": the runtime had no name for this PC */
    /* Function: up to the next tab; "+0x12d" (offset from entry) dropped. */
    size_t fs = i;
    while (i < n && s[i] != '\t') i++;
    size_t fe = i;
    for (size_t k = fe; k > fs; k--)
        if (s[k - 1] == '+') {
            fe = k - 1;
            break;
        }
    if (fe == fs) return gmd_err_at(err, (int64_t)(l->off + fs), "frame line: empty function name");
    i = skip_tabs(s, n, i);
    /* file:line — the file may contain ':' (Windows drives), so split at the last one. */
    size_t colon = n;
    while (colon > i && s[colon - 1] != ':') colon--;
    if (i >= n || colon <= i + 1)
        return gmd_err_at(err, (int64_t)(l->off + i), "frame line: expected file:line after the function");
    size_t k = colon;
    int64_t line;
    if (!text_parse_i64(s, n, &k, &line) || k != n || line < 0)
        return gmd_err_at(err, (int64_t)(l->off + colon), "frame line: bad line number");
    f->has_func = true;
    f->func = s + fs;
    f->func_n = fe - fs;
    f->file = s + i;
    f->file_n = colon - 1 - i;
    f->line = line;
    return 0;
}

int text_read_frame(const text_line *l, text_frame_line *f, gmd_err *err)
{
    size_t i = skip_tabs(l->s, l->n, 1);
    if (!text_parse_hex(l->s, l->n, &i, &f->addr))
        return gmd_err_at(err, (int64_t)(l->off + i), "frame line: expected a 0x address after '#'");
    f->s = l->s;
    f->n = l->n;
    f->off = l->off;
    return 0;
}

static int parse_frame_line(const text_frame_line *fl, text_frame *f, gmd_err *err)
{
    text_line l = {fl->s, fl->n, fl->off};
    return text_parse_frame(&l, f, err);
}

int text_check_frames(const text_frame_line *frames, size_t n, gmd_err *err)
{
    text_frame f;
    for (size_t i = 0; i < n; i++)
        if (parse_frame_line(&frames[i], &f, err) < 0) return -1;
    return 0;
}

static size_t loc_slot(const text_stacks *ts, uint64_t addr)
{
    size_t mask = ts->cap - 1, i = (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (ts->tab[i].loc != UINT32_MAX && ts->tab[i].addr != addr) i = (i + 1) & mask;
    return i;
}

static void loc_table_grow(text_stacks *ts)
{
    text_loc_ent *old = ts->tab;
    size_t oldcap = ts->cap;
    ts->cap = oldcap ? oldcap * 2 : 1024;
    ts->tab = gmd_xmalloc(ts->cap * sizeof *ts->tab);
    for (size_t i = 0; i < ts->cap; i++) ts->tab[i].loc = UINT32_MAX;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].loc != UINT32_MAX) ts->tab[loc_slot(ts, old[i].addr)] = old[i];
    free(old);
}

int text_build_locations(text_stacks *ts, gmd_builder *b, gmd_profile *p, const uint64_t *addrs, size_t naddrs,
                         const text_frame_line *frames, size_t nframes, gmd_err *err)
{
    if (naddrs > ts->capout) {   /* one location per address */
        ts->capout = naddrs;
        ts->locs = gmd_xrealloc(ts->locs, ts->capout * sizeof *ts->locs);
        ts->named = gmd_xrealloc(ts->named, ts->capout * sizeof *ts->named);
    }
    size_t j = 0, per = 0;
    for (size_t i = 0; i < naddrs; i++) {
        uint64_t pc = addrs[i] - 1;   /* return address -> inside the call, as pprof does */
        /* A 0x0 padding address (threadcreate) has a "#\t0x0" line, not 0x0 - 1. */
        uint64_t shown = addrs[i] ? pc : 0;
        size_t j0 = j;
        if (i == 0 || addrs[i - 1] != addrs[i]) {
            /* A run of one address (recursion through one call site) has the
             * frame lines of each in turn: share them out evenly, or give
             * all to the first when they do not divide. */
            size_t r = 1, k = j;
            while (i + r < naddrs && addrs[i + r] == addrs[i]) r++;
            while (k < nframes && frames[k].addr == shown) k++;
            per = (k - j) % r == 0 ? (k - j) / r : k - j;
        }
        for (size_t t = 0; t < per && j < nframes && frames[j].addr == shown; t++) j++;
        const char *text = j > j0 ? frames[j0].s : NULL;
        size_t text_n = j > j0 ? (size_t)(frames[j - 1].s + frames[j - 1].n - text) : 0;
        if (2 * (ts->count + 1) > ts->cap) loc_table_grow(ts);
        text_loc_ent *e = &ts->tab[loc_slot(ts, addrs[i])];
        if (e->loc != UINT32_MAX && e->text_n == text_n && (text_n == 0 || memcmp(ts->pool + e->text_at, text, text_n) == 0)) {
            ts->locs[i] = e->loc;
            ts->named[i] = e->named;
            continue;
        }
        /* New to this profile (or, oddly, with other frame lines than
         * before: the builder dedups it against the earlier one). */
        size_t nl = 0;
        for (size_t k = j0; k < j; k++) {
            text_frame f;
            if (parse_frame_line(&frames[k], &f, err) < 0) return -1;
            if (!f.has_func) continue;
            if (nl >= ts->caplines) {
                ts->caplines = ts->caplines ? ts->caplines * 2 : 16;
                ts->lines = gmd_xrealloc(ts->lines, ts->caplines * sizeof *ts->lines);
            }
            const char *name = text_intern(p, f.func, f.func_n);
            const char *file = text_intern(p, f.file, f.file_n);
            gmd_line ln = {gmd_builder_function(b, name, name, file, 0), f.line, 0};
            ts->lines[nl++] = ln;
        }
        uint32_t loc = gmd_builder_location(b, GMD_NONE, pc, ts->lines, (uint32_t)nl);
        if (e->loc == UINT32_MAX) ts->count++;
        if (ts->npool + text_n > ts->cappool) {
            ts->cappool = ts->npool + text_n > 2 * ts->cappool ? ts->npool + text_n : 2 * ts->cappool;
            ts->pool = gmd_xrealloc(ts->pool, ts->cappool);
        }
        if (text_n) memcpy(ts->pool + ts->npool, text, text_n);
        *e = (text_loc_ent){addrs[i], ts->npool, text_n, loc, nl > 0};
        ts->npool += text_n;
        ts->locs[i] = loc;
        ts->named[i] = nl > 0;
    }
    if (j < nframes) {
        /* The reader used to parse each frame line as it came: a bad one
         * before this still goes first. */
        if (text_check_frames(frames + j, nframes - j, err) < 0) return -1;
        return gmd_err_at(err, (int64_t)frames[j].off,
                          "frame address 0x%llx is not in the record's @ list (or out of order)",
                          (unsigned long long)frames[j].addr);
    }
    return 0;
}

void text_stacks_free(text_stacks *ts)
{
    free(ts->tab);
    free(ts->pool);
    free(ts->locs);
    free(ts->named);
    free(ts->lines);
    memset(ts, 0, sizeof *ts);
}

/* ---- heap profile ---- */

typedef struct span { const char *s; size_t n; } span;

static bool span_eq(span a, span b) { return a.n == b.n && memcmp(a.s, b.s, a.n) == 0; }
static bool span_is(span a, const char *z) { return a.n == strlen(z) && memcmp(a.s, z, a.n) == 0; }

static size_t skip_spaces(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return i;
}

static bool expect(const char *s, size_t n, size_t *i, char c)
{
    *i = skip_spaces(s, n, *i);
    if (*i >= n || s[*i] != c) return false;
    (*i)++;
    return true;
}

static bool digits(const char *s, size_t n, size_t *i, span *out, bool allow_minus)
{
    size_t j = skip_spaces(s, n, *i), start = j;
    if (allow_minus && j < n && s[j] == '-') j++;
    size_t d = j;
    while (j < n && s[j] >= '0' && s[j] <= '9') j++;
    if (j == d) return false;
    out->s = s + start;
    out->n = j - start;
    *i = j;
    return true;
}

/* "A: B [C: D]" — the four numbers of the header and of every record. */
static bool four_numbers(const char *s, size_t n, size_t *i, span v[4], bool allow_minus)
{
    return digits(s, n, i, &v[0], allow_minus) && expect(s, n, i, ':') &&
           digits(s, n, i, &v[1], allow_minus) && expect(s, n, i, '[') &&
           digits(s, n, i, &v[2], false) && expect(s, n, i, ':') && digits(s, n, i, &v[3], false) &&
           expect(s, n, i, ']');
}

static bool span_i64(span v, int64_t *out)
{
    size_t i = 0;
    return text_parse_i64(v.s, v.n, &i, out) && i == v.n;
}

/* pprof's estimate of the unsampled totals: a record of `count` objects of
 * average size s was sampled with probability 1 - exp(-s/rate). */
static void scale_heap_sample(int64_t *count, int64_t *size, int64_t rate)
{
    if (*count == 0 || *size == 0) {
        *count = *size = 0;
        return;
    }
    if (rate <= 1) return;
    double avg = (double)*size / (double)*count;
    double scale = 1 / (1 - exp(-avg / (double)rate));
    double c = (double)*count * scale, sz = (double)*size * scale;
    /* Bounded: the conversion of an out-of-range double is undefined. */
    *count = c >= 9.2e18 ? INT64_MAX : c <= -9.2e18 ? INT64_MIN : (int64_t)c;
    *size = sz >= 9.2e18 ? INT64_MAX : sz <= -9.2e18 ? INT64_MIN : (int64_t)sz;
}

typedef struct heap_state {
    gmd_profile *p;
    gmd_builder *b;
    bool has_alloc, scale;
    int64_t rate;
    /* The record being read: values and addresses from its header line, then frames. */
    bool in_record;
    size_t rec_off;
    int64_t values[4];
    int64_t blocksize;
    uint64_t *addrs; size_t naddrs, capaddrs;
    text_frame_line *frames; size_t nframes, capframes;
    text_stacks stacks;
    const char *bytes_key;   /* "bytes", the label of every sample */
    gmd_memstat *memstats; size_t nmemstats, capmemstats;
} heap_state;

static int flush_record(heap_state *st, gmd_err *err)
{
    if (!st->in_record) return 0;
    st->in_record = false;
    text_stacks *ts = &st->stacks;
    if (text_build_locations(ts, st->b, st->p, st->addrs, st->naddrs, st->frames, st->nframes, err) < 0)
        return -1;
    /* Leading addresses with no named '#' line are the malloc internals the
     * runtime hides; pprof symbolizing with the binary drops them too (its
     * legacy drop_frames), so the leaf is the first named frame, as in the
     * proto form. A record with no named frame at all keeps everything. */
    size_t lead = 0;
    while (lead < st->naddrs && !ts->named[lead]) lead++;
    size_t end = st->naddrs;
    if (lead == st->naddrs) {
        lead = 0;
    } else {
        /* Likewise the root: runtime.goexit is never shown. */
        while (end > lead + 1 && !ts->named[end - 1]) end--;
    }
    gmd_label lab = {st->bytes_key, "", st->blocksize, ""};
    gmd_builder_sample(st->b, st->naddrs ? ts->locs + lead : NULL, (uint32_t)(end - lead), st->values, &lab, 1, false);
    return 0;
}

/* One (count, bytes) pair of a record, as pprof's parser checks and scales it. */
static int add_values(heap_state *st, span cs, span ss, int *nv, const char *what, size_t off, gmd_err *err)
{
    int64_t count, size;
    if (!span_i64(cs, &count) || !span_i64(ss, &size))
        return gmd_err_at(err, (int64_t)off, "heap record: number out of range");
    if (count == 0 && size != 0)
        return gmd_err_at(err, (int64_t)off, "heap record: %s count is 0 but %s bytes is %lld", what, what,
                          (long long)size);
    if (count != 0) {
        st->blocksize = size / count;
        if (st->scale) scale_heap_sample(&count, &size, st->rate);
    }
    st->values[(*nv)++] = count;
    st->values[(*nv)++] = size;
    return 0;
}

static int parse_record(heap_state *st, const text_line *l, gmd_err *err)
{
    const char *s = l->s;
    size_t n = l->n, i = 0;
    span v[4];
    if (!four_numbers(s, n, &i, v, true) || !expect(s, n, &i, '@'))
        return gmd_err_at(err, (int64_t)l->off,
                          "heap profile: expected a record 'N: N [N: N] @ 0x...', a '#' line or a blank line");
    int nv = 0;
    st->blocksize = 0;
    if (st->has_alloc && add_values(st, v[2], v[3], &nv, "allocation", l->off, err) < 0) return -1;
    if (add_values(st, v[0], v[1], &nv, "inuse", l->off, err) < 0) return -1;
    st->naddrs = 0;
    st->nframes = 0;
    for (;;) {
        i = skip_spaces(s, n, i);
        if (i >= n) break;
        uint64_t a;
        size_t at = i;
        if (!text_parse_hex(s, n, &i, &a) || (i < n && s[i] != ' ' && s[i] != '\t'))
            return gmd_err_at(err, (int64_t)(l->off + at), "heap record: bad stack address");
        if (a == 0) return gmd_err_at(err, (int64_t)(l->off + at), "heap record: zero stack address");
        GMD_VEC_PUSH(st->addrs, st->naddrs, st->capaddrs, a);
    }
    st->in_record = true;
    st->rec_off = l->off;
    return 0;
}

/* "# Name = value" of the runtime.MemStats trailer. */
static int parse_memstat(heap_state *st, const text_line *l, gmd_err *err)
{
    const char *s = l->s;
    size_t n = l->n, i = skip_spaces(s, n, 1), ns = i;
    while (i < n && s[i] != ' ' && s[i] != '=') i++;
    size_t ne = i;
    i = skip_spaces(s, n, i);
    if (ne == ns || i >= n || s[i] != '=')
        return gmd_err_at(err, (int64_t)l->off, "MemStats trailer: expected '# Name = value'");
    i = skip_spaces(s, n, i + 1);
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    gmd_memstat m = {text_intern(st->p, s + ns, ne - ns), text_intern(st->p, s + i, n - i)};
    GMD_VEC_PUSH(st->memstats, st->nmemstats, st->capmemstats, m);
    return 0;
}

static int parse_header(heap_state *st, const text_line *l, gmd_err *err)
{
    const char *s = l->s;
    size_t n = l->n, i = strlen("heap profile:");
    span v[4];
    if (!four_numbers(s, n, &i, v, false) || !expect(s, n, &i, '@'))
        return gmd_err_at(err, (int64_t)l->off, "heap profile header: expected 'heap profile: N: N [N: N] @ heap/RATE'");
    i = skip_spaces(s, n, i);
    size_t ks = i;
    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) i++;
    span kind = {s + ks, i - ks};
    int64_t rate = 0;
    if (i < n && s[i] == '/') i++;
    size_t rs = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i > rs) {
        size_t k = rs;
        if (!text_parse_i64(s, i, &k, &rate))
            return gmd_err_at(err, (int64_t)(l->off + rs), "heap profile header: sampling rate out of range");
    }
    /* Like pprof: a separate alloc pair unless it repeats the in-use pair
     * (the runtime adds 1 to alloc bytes to keep them apart). */
    st->has_alloc = (!span_eq(v[2], v[0]) && !span_is(v[2], "0")) || (!span_eq(v[3], v[1]) && !span_is(v[3], "0"));
    if (span_is(kind, "heap")) {
        st->scale = true;
        rate /= 2;   /* the runtime prints 2*MemProfileRate for historic reasons */
    } else if (span_is(kind, "heap_v2") || span_is(kind, "heapz_v2")) {
        st->scale = true;
    } else if (span_is(kind, "heapprofile")) {
        st->scale = false;
        rate = 1;
    } else {
        return gmd_err_at(err, (int64_t)(l->off + ks), "heap profile header: unknown sampling '%.*s'",
                          (int)(kind.n > 40 ? 40 : kind.n), kind.s);
    }
    st->rate = rate;
    gmd_profile *p = st->p;
    static const char *const types4[] = {"alloc_objects", "count", "alloc_space", "bytes",
                                          "inuse_objects", "count", "inuse_space", "bytes"};
    static const char *const types2[] = {"objects", "count", "space", "bytes"};
    const char *const *t = st->has_alloc ? types4 : types2;
    p->nsample_types = st->has_alloc ? 4 : 2;
    p->sample_types = gmd_arena_alloc(&p->arena, p->nsample_types * sizeof *p->sample_types);
    for (uint32_t k = 0; k < p->nsample_types; k++) {
        p->sample_types[k].type = gmd_intern_str(&p->strings, t[2 * k]);
        p->sample_types[k].unit = gmd_intern_str(&p->strings, t[2 * k + 1]);
    }
    p->period_type.type = gmd_intern_str(&p->strings, "space");
    p->period_type.unit = gmd_intern_str(&p->strings, "bytes");
    p->period = rate;
    return 0;
}

static void heap_state_free(heap_state *st)
{
    free(st->addrs);
    free(st->frames);
    text_stacks_free(&st->stacks);
    free(st->memstats);
}

/* ---- the memory map of a legacy C++ heap profile ----
 *
 * gperftools' heap profiles end in "MAPPED_LIBRARIES:" (or "--- Memory
 * map: ---") and a copy of /proc/self/maps. pprof turns its executable
 * entries into the profile's mappings, each location into the mapping
 * holding its address, and names the main binary's ("File:"). Read the
 * same way here: the /proc/maps form and pprof's brief form
 * "0x40000-0x80000 /path/binary (@ff00) buildid". */

static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static bool hex_token(const char *s, size_t n, uint64_t *v)
{
    if (n == 0 || n > 16) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_hex(s[i])) return false;
        x = x << 4 | (uint64_t)(s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
    }
    *v = x;
    return true;
}

/* One maps line into *m; false for lines that are not an executable
 * mapping (pprof skips those too). */
static bool parse_maps_line(gmd_profile *p, const text_line *l, gmd_mapping *m)
{
    const char *s = l->s;
    size_t n = l->n, i = skip_spaces(s, n, 0), j;
    uint64_t start, end;
    if (i + 2 <= n && s[i] == '0' && (s[i + 1] | 0x20) == 'x') i += 2;
    for (j = i; j < n && is_hex(s[j]); j++) {}
    if (!hex_token(s + i, j - i, &start) || j >= n || s[j] != '-') return false;
    i = j + 1;
    if (i + 2 <= n && s[i] == '0' && (s[i + 1] | 0x20) == 'x') i += 2;
    for (j = i; j < n && is_hex(s[j]); j++) {}
    if (!hex_token(s + i, j - i, &end) || end <= start) return false;
    i = j < n && s[j] == ':' ? j + 1 : j;
    span t[6];
    int nt = 0;
    while (nt < 6) {
        i = skip_spaces(s, n, i);
        if (i >= n) break;
        for (j = i; j < n && s[j] != ' ' && s[j] != '\t'; j++) {}
        t[nt++] = (span){s + i, j - i};
        i = j;
    }
    memset(m, 0, sizeof *m);
    m->memory_start = start;
    m->memory_limit = end;
    m->filename = m->build_id = "";
    int k = 0;
    size_t perm = 0;   /* t[] point into the text: not NUL-terminated */
    while (k < nt && perm < t[k].n && memchr("-rwxp", t[k].s[perm], 5)) perm++;
    if (k < nt && perm == t[k].n) {
        if (!memchr(t[k].s, 'x', t[k].n)) return false;   /* not executable */
        k++;
    }
    const char *colon = k + 1 < nt ? memchr(t[k + 1].s, ':', t[k + 1].n) : NULL;
    uint64_t v;
    if (colon && hex_token(t[k].s, t[k].n, &v)) {
        /* /proc/maps: offset dev inode [file] */
        m->file_offset = v;
        k += 3;
        if (k < nt) m->filename = text_intern(p, t[k].s, t[k].n);
        return true;
    }
    /* brief: [file] [(@offset)] [buildid] */
    if (k < nt && t[k].s[0] != '(') m->filename = text_intern(p, t[k].s, t[k].n), k++;
    if (k < nt && t[k].n > 3 && t[k].s[0] == '(' && t[k].s[1] == '@' && t[k].s[t[k].n - 1] == ')') {
        if (hex_token(t[k].s + 2, t[k].n - 3, &v)) m->file_offset = v;
        k++;
    }
    if (k < nt) m->build_id = text_intern(p, t[k].s, t[k].n);
    return true;
}

/* A shared library's name (pprof's libRx: ".so" at the end or ".so.N"). */
static bool is_shared_lib(const char *f)
{
    for (const char *q = f; (q = strstr(q, ".so")) != NULL; q += 3)
        if (q[3] == '\0' || ((q[3] == '.' || q[3] == '_') && q[4] >= '0' && q[4] <= '9')) return true;
    return false;
}

/* pprof's massageMappings and remapMappingIDs: merge a mapping split in
 * adjacent pieces, put the main binary first, and give each location the
 * mapping that holds its address. */
static void attach_mappings(gmd_profile *p, gmd_mapping *ms, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        gmd_mapping *m = &ms[i];
        if (k > 0) {
            gmd_mapping *lm = &ms[k - 1];
            bool adj = (!lm->filename[0] || !m->filename[0] || !strcmp(lm->filename, m->filename)) &&
                       (!lm->build_id[0] || !m->build_id[0] || !strcmp(lm->build_id, m->build_id)) &&
                       lm->memory_limit == m->memory_start &&
                       (!lm->file_offset || !m->file_offset ||
                        lm->file_offset + (lm->memory_limit - lm->memory_start) == m->file_offset);
            if (adj) {
                lm->memory_limit = m->memory_limit;
                if (m->filename[0]) lm->filename = m->filename;
                if (m->build_id[0]) lm->build_id = m->build_id;
                continue;
            }
        }
        ms[k++] = *m;
    }
    n = k;
    for (size_t i = 0; i < n; i++) {
        const char *f = ms[i].filename;
        while (*f == ' ') f++;
        if (!*f || !strncmp(f, "(deleted)", 9) || f[0] == '[' || is_shared_lib(f)) continue;
        gmd_mapping t = ms[0];
        ms[0] = ms[i];
        ms[i] = t;
        break;
    }
    if (n > 1 && !strncmp(ms[0].filename, "/anon_hugepage", 14) && ms[0].memory_limit == ms[1].memory_start) {
        memmove(ms, ms + 1, (n - 1) * sizeof *ms);
        n--;
    }
    if (n > 0 && ms[0].memory_start - ms[0].file_offset == 0x400000) {
        ms[0].memory_start = 0x400000;
        ms[0].file_offset = 0;
    }
    for (size_t i = 0; i < n; i++) ms[i].id = i + 1;
    p->mappings = gmd_arena_memdup(&p->arena, ms, n * sizeof *ms);
    p->nmappings = (uint32_t)n;
    for (uint32_t i = 0; i < p->nlocations; i++) {
        gmd_location *l = &p->locations[i];
        uint64_t a = l->address;
        if (l->mapping != GMD_NONE || a == 0) continue;
        for (uint32_t j = 0; j < p->nmappings; j++)
            if (p->mappings[j].memory_start <= a && a < p->mappings[j].memory_limit) {
                l->mapping = j;
                break;
            }
        if (l->mapping != GMD_NONE) continue;
        /* pprof: legacy writers leave out the first piece of a split mapping */
        for (uint32_t j = 0; j < p->nmappings; j++) {
            gmd_mapping *m = &p->mappings[j];
            if (m->file_offset && m->memory_start - m->file_offset <= a && a < m->memory_start) {
                m->memory_start -= m->file_offset;
                m->file_offset = 0;
                l->mapping = j;
                break;
            }
        }
    }
}

gmd_profile *gmd_pprof_heap_text_parse(const uint8_t *data, size_t len, gmd_err *err)
{
    text_reader r = {(const char *)data, len, 0, 0};
    text_line l;
    bool got;
    while ((got = text_next_line(&r, &l)) && text_is_blank(&l)) {}
    while (got && l.n && (l.s[0] == ' ' || l.s[0] == '\t')) l.s++, l.n--, l.off++;
    if (!got || !text_has_prefix(&l, "heap profile:")) {
        gmd_err_at(err, 0, "not a heap profile: expected 'heap profile:'");
        return NULL;
    }
    heap_state st;
    memset(&st, 0, sizeof st);
    gmd_mapping *maps = NULL;   /* a C++ profile's memory map */
    size_t nmaps = 0, capmaps = 0;
    st.p = gmd_profile_new();
    st.p->format = GMD_FMT_HEAP_TEXT;
    if (parse_header(&st, &l, err) < 0) goto fail;
    st.b = gmd_builder_new(st.p);
    st.bytes_key = text_intern(st.p, "bytes", 5);
    bool trailer = false;
    while (text_next_line(&r, &l)) {
        if (trailer) {
            if (text_is_blank(&l)) continue;
            if (l.s[0] != '#')
                { gmd_err_at(err, (int64_t)l.off, "MemStats trailer: expected '# Name = value'"); goto fail; }
            if (parse_memstat(&st, &l, err) < 0) goto fail;
            continue;
        }
        if (text_is_frame_line(&l)) {
            if (!st.in_record)
                { gmd_err_at(err, (int64_t)l.off, "frame line outside a record (no '@' line above it)"); goto fail; }
            text_frame_line f;
            if (text_read_frame(&l, &f, err) < 0) goto fail;
            GMD_VEC_PUSH(st.frames, st.nframes, st.capframes, f);
            continue;
        }
        if (flush_record(&st, err) < 0) goto fail;
        text_release_before(&r, l.off);
        if (text_is_blank(&l)) continue;
        if (text_has_prefix(&l, "# runtime.MemStats")) {
            trailer = true;
            continue;
        }
        if (l.s[0] == '#') continue;   /* other comments, skipped like pprof does */
        /* The memory map of a C++ (gperftools) profile; Go writes none. */
        if (text_has_prefix(&l, "--- Memory map:") || text_has_prefix(&l, "MAPPED_LIBRARIES:")) {
            gmd_mapping m;
            while (text_next_line(&r, &l))
                if (parse_maps_line(st.p, &l, &m)) GMD_VEC_PUSH(maps, nmaps, capmaps, m);
            break;
        }
        if (parse_record(&st, &l, err) < 0) goto fail;
    }
    if (flush_record(&st, err) < 0) goto fail;
    gmd_builder_finish(st.b);
    st.b = NULL;
    if (nmaps) attach_mappings(st.p, maps, nmaps);
    free(maps);
    st.p->nmemstats = (uint32_t)st.nmemstats;
    st.p->memstats = gmd_arena_memdup(&st.p->arena, st.memstats, st.nmemstats * sizeof *st.memstats);
    heap_state_free(&st);
    return st.p;
fail:
    free(maps);
    if (st.b) gmd_builder_finish(st.b);
    heap_state_free(&st);
    gmd_profile_free(st.p);
    return NULL;
}
