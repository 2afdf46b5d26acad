/* The two text forms of the goroutine profile.
 *
 * debug=1 ("goroutine profile: total 57"): one group per distinct stack and
 * label set, "N @ 0x.. 0x..", an optional "# labels: {...}" line and "#"
 * frame lines, as in the heap text.
 *
 * debug=2: the runtime's own traceback text (runtime.Stack(buf, true), also
 * what a panic, fatal error or SIGQUIT prints):
 *
 *   goroutine 71 [sync.Mutex.Lock, 3 minutes]:
 *   sync.(*Mutex).Lock(...)
 *   	/usr/local/go/src/sync/mutex.go:46
 *   main.main.func1()
 *   	/tmp/gt/main.go:36 +0x34
 *   created by main.main in goroutine 1
 *   	/tmp/gt/main.go:36 +0x11f
 *
 * Each goroutine becomes one sample of value 1 labelled with its state, and
 * one gmd_goroutine with what the header and "created by" say. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "formats/pprof_text.h"
#include "gmd/u64tab.h"
#include "gmd/xalloc.h"

static void set_count_types(gmd_profile *p, const char *type, size_t n)
{
    const char *t = text_intern(p, type, n), *count = gmd_intern_str(&p->strings, "count");
    p->nsample_types = 1;
    p->sample_types = gmd_arena_alloc(&p->arena, sizeof *p->sample_types);
    p->sample_types[0].type = t;
    p->sample_types[0].unit = count;
    p->period_type.type = t;
    p->period_type.unit = count;
    p->period = 1;
}

static size_t skip_sp(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return i;
}

/* ---- debug=1 ---- */

typedef struct text1_state {
    gmd_profile *p;
    gmd_builder *b;
    bool in_record;
    int64_t count;
    uint64_t *addrs; size_t naddrs, capaddrs;
    text_frame_line *frames; size_t nframes, capframes;
    gmd_label *labels; size_t nlabels, caplabels;
    text_stacks stacks;
    char *scratch; size_t capscratch;
} text1_state;

static int text1_flush(text1_state *st, gmd_err *err)
{
    if (!st->in_record) return 0;
    st->in_record = false;
    if (text_build_locations(&st->stacks, st->b, st->p, st->addrs, st->naddrs, st->frames, st->nframes, err) < 0)
        return -1;
    gmd_builder_sample(st->b, st->stacks.locs, (uint32_t)st->naddrs, &st->count, st->labels, (uint32_t)st->nlabels, false);
    return 0;
}

static char *scratch_for(char **buf, size_t *cap, size_t n)
{
    if (n + 1 > *cap) {
        *cap = n + 1 > 256 ? n + 1 : 256;
        *buf = gmd_xrealloc(*buf, *cap);
    }
    return *buf;
}

/* Labels as the profile writers print them: {"k":"v", "k2":"v2"} in debug=1
 * and {"k": "v", "k2": "v2"} in a traceback header. Keys and values are
 * Go-quoted. s[*i] is just after the '{'; on return *i is after the '}'. */
static int parse_label_set(gmd_profile *p, const char *s, size_t n, size_t *i, size_t base_off,
                           gmd_label **labels, size_t *nlabels, size_t *caplabels,
                           char **scratch, size_t *capscratch, gmd_err *err)
{
    char *buf = scratch_for(scratch, capscratch, 2 * n);
    size_t j = skip_sp(s, n, *i);
    if (j < n && s[j] == '}') {
        *i = j + 1;
        return 0;
    }
    for (;;) {
        j = skip_sp(s, n, j);
        size_t at = j;
        long kn = text_go_unquote(s, n, &j, buf);
        if (kn < 0) return gmd_err_at(err, (int64_t)(base_off + at), "labels: expected a quoted key");
        j = skip_sp(s, n, j);
        if (j >= n || s[j] != ':') return gmd_err_at(err, (int64_t)(base_off + j), "labels: expected ':' after the key");
        j = skip_sp(s, n, j + 1);
        at = j;
        long vn = text_go_unquote(s, n, &j, buf + kn);
        if (vn < 0) return gmd_err_at(err, (int64_t)(base_off + at), "labels: expected a quoted value");
        gmd_label lab = {text_intern(p, buf, (size_t)kn), text_intern(p, buf + kn, (size_t)vn), 0, ""};
        GMD_VEC_PUSH(*labels, *nlabels, *caplabels, lab);
        j = skip_sp(s, n, j);
        if (j < n && s[j] == ',') {
            j++;
            continue;
        }
        if (j < n && s[j] == '}') {
            *i = j + 1;
            return 0;
        }
        return gmd_err_at(err, (int64_t)(base_off + j), "labels: expected ',' or '}'");
    }
}

static int text1_record(text1_state *st, const text_line *l, gmd_err *err)
{
    const char *s = l->s;
    size_t n = l->n, i = 0;
    if (!text_parse_i64(s, n, &i, &st->count) || st->count < 0 || (i = skip_sp(s, n, i)) >= n || s[i] != '@')
        return gmd_err_at(err, (int64_t)l->off, "%.40s profile: expected a group 'N @ 0x...', a '#' line or a blank line",
                          st->p->sample_types[0].type);
    i++;
    st->naddrs = st->nframes = st->nlabels = 0;
    for (;;) {
        i = skip_sp(s, n, i);
        if (i >= n) break;
        uint64_t a;
        size_t at = i;
        /* 0x0 is allowed: Go's threadcreate text pads stacks with it. */
        if (!text_parse_hex(s, n, &i, &a) || (i < n && s[i] != ' ' && s[i] != '\t'))
            return gmd_err_at(err, (int64_t)(l->off + at), "%.40s profile: bad stack address",
                              st->p->sample_types[0].type);
        GMD_VEC_PUSH(st->addrs, st->naddrs, st->capaddrs, a);
    }
    st->in_record = true;
    return 0;
}

gmd_profile *gmd_pprof_goroutine_text1_parse(const uint8_t *data, size_t len, gmd_err *err)
{
    text_reader r = {(const char *)data, len, 0, 0};
    text_line l;
    bool got;
    while ((got = text_next_line(&r, &l)) && (text_is_blank(&l) || l.s[0] == '#')) {}
    static const char marker[] = " profile: total ";
    size_t name_n = 0;
    while (got && name_n < l.n && l.s[name_n] != ' ' && l.s[name_n] != '\t') name_n++;
    size_t k = name_n + sizeof marker - 1;
    int64_t total;
    if (!got || name_n == 0 || l.n < k || memcmp(l.s + name_n, marker, sizeof marker - 1) ||
        !text_parse_i64(l.s, l.n, &k, &total) || skip_sp(l.s, l.n, k) != l.n) {
        gmd_err_at(err, got ? (int64_t)l.off : 0, "not a goroutine profile: expected 'goroutine profile: total N'");
        return NULL;
    }
    text1_state st;
    memset(&st, 0, sizeof st);
    st.p = gmd_profile_new();
    set_count_types(st.p, l.s, name_n);
    st.p->format = strcmp(st.p->sample_types[0].type, "goroutine") ? GMD_FMT_COUNT_TEXT : GMD_FMT_GOROUTINE_TEXT1;
    st.b = gmd_builder_new(st.p);
    while (text_next_line(&r, &l)) {
        if (text_is_frame_line(&l)) {
            if (!st.in_record)
                { gmd_err_at(err, (int64_t)l.off, "frame line outside a group (no '@' line above it)"); goto fail; }
            text_frame_line f;
            if (text_read_frame(&l, &f, err) < 0) goto fail;
            GMD_VEC_PUSH(st.frames, st.nframes, st.capframes, f);
            continue;
        }
        if (text_has_prefix(&l, "# labels: {")) {
            if (!st.in_record || st.nframes || st.nlabels) {
                if (text_check_frames(st.frames, st.nframes, err) == 0)   /* a bad frame line above goes first */
                    gmd_err_at(err, (int64_t)l.off, "labels line must follow a group's '@' line");
                goto fail;
            }
            size_t i = strlen("# labels: {");
            if (parse_label_set(st.p, l.s, l.n, &i, l.off, &st.labels, &st.nlabels, &st.caplabels,
                                &st.scratch, &st.capscratch, err) < 0)
                goto fail;
            if (skip_sp(l.s, l.n, i) != l.n)
                { gmd_err_at(err, (int64_t)(l.off + i), "labels: unexpected text after '}'"); goto fail; }
            continue;
        }
        if (l.n && l.s[0] == '#') continue;   /* other comments */
        if (text1_flush(&st, err) < 0) goto fail;
        text_release_before(&r, l.off);
        if (text_is_blank(&l)) continue;
        if (text_has_prefix(&l, "---")) break;   /* pprof stops at a "---" section too */
        if (text1_record(&st, &l, err) < 0) goto fail;
    }
    if (text1_flush(&st, err) < 0) goto fail;
    gmd_builder_finish(st.b);
    free(st.addrs); free(st.frames); free(st.labels); text_stacks_free(&st.stacks); free(st.scratch);
    return st.p;
fail:
    gmd_builder_finish(st.b);
    free(st.addrs); free(st.frames); free(st.labels); text_stacks_free(&st.stacks); free(st.scratch);
    gmd_profile_free(st.p);
    return NULL;
}

/* ---- debug=2 ----
 *
 * The text is often not a clean dump: a panic comes with the program's own
 * output around it, go test adds "--- FAIL:" and "FAIL pkg 0.01s", a log can
 * hold several dumps, and text copied from a web page has spaces for tabs.
 * So the reader first finds the dumps in the text (find_dumps), then reads
 * one of them (the last by default), where a goroutine block ends at the
 * first line that is not part of a traceback. */

/* Trailing blanks are not part of a line (pasted text often has them). */
static text_line rtrim(const text_line *l)
{
    text_line t = *l;
    while (t.n && (t.s[t.n - 1] == ' ' || t.s[t.n - 1] == '\t')) t.n--;
    return t;
}

static bool is_indented(const text_line *l)
{
    return l->n && (l->s[0] == ' ' || l->s[0] == '\t');
}

static bool is_header(const text_line *l)
{
    return l->n > 12 && memcmp(l->s, "goroutine ", 10) == 0 && l->s[10] >= '0' && l->s[10] <= '9' &&
           l->s[l->n - 2] == ']' && l->s[l->n - 1] == ':' && memchr(l->s, '[', l->n);
}

static bool span_is(const char *s, size_t n, const char *z)
{
    return n == strlen(z) && memcmp(s, z, n) == 0;
}

/* How a line outside the goroutines says why the program stopped:
 * 2 "panic: ..." or "fatal error: ...", 1 a signal ("SIGQUIT: quit",
 * "SIGSEGV: segmentation violation") or "unexpected fault address", else 0. */
static int reason_rank(const text_line *l)
{
    if (text_has_prefix(l, "panic: ") || text_has_prefix(l, "fatal error: ")) return 2;
    if (text_has_prefix(l, "unexpected fault address")) return 1;
    if (l->n > 5 && memcmp(l->s, "SIG", 3) == 0) {
        size_t i = 3;
        while (i < l->n && l->s[i] >= 'A' && l->s[i] <= 'Z') i++;
        if (i > 3 && i + 1 < l->n && l->s[i] == ':' && l->s[i + 1] == ' ') return 1;
    }
    return 0;
}

typedef struct tb_dump {
    size_t start, end;        /* byte range of the dump, preamble included */
    size_t reason_off;        /* the line saying why, or SIZE_MAX */
    int rank;                 /* its reason_rank */
} tb_dump;

/* Split the text into dumps. A new dump starts at a goroutine header when,
 * since the previous header, a panic/fatal error/signal line was seen, or
 * when the goroutine's id was already seen in the current dump (a log of
 * runtime.Stack calls). Not after "-----": with GOTRACEBACK=crash each
 * thread adds its own "SIGQUIT: quit" section to the same dump, and a panic
 * under GOTRACEBACK=crash may end with the runtime's own "SIGABRT: abort".
 * Goroutine 0 (a thread's system stack) repeats within one dump. */
static size_t find_dumps(const char *s, size_t len, tb_dump **out)
{
    text_reader r = {s, len, 0, 0};
    text_line l;
    tb_dump *d = NULL;
    size_t nd = 0, cap = 0;
    gmd_u64tab ids;
    gmd_u64tab_init(&ids, 1);
    size_t pend_start = SIZE_MAX, pend_reason = SIZE_MAX;
    int pend_rank = 0;
    bool cont = false, abort_after_panic = false;
    bool sections = false;   /* the current dump has had a thread's section: ids repeat in it */
    while (text_next_line(&r, &l)) {
        text_line t = rtrim(&l);
        if (is_header(&t)) {
            text_release_before(&r, t.off);
            size_t i = 10;
            int64_t id = -1;
            text_parse_i64(t.s, t.n, &i, &id);
            bool fresh = nd == 0;
            if (cont || abort_after_panic) sections = true;
            else if (!fresh)
                fresh = pend_rank > 0 || (!sections && id != 0 && gmd_u64tab_get(&ids, (uint64_t)id));
            if (fresh) {
                size_t start = pend_start != SIZE_MAX ? pend_start : t.off;
                if (nd) d[nd - 1].end = start;
                tb_dump nw = {start, len, pend_reason, pend_rank};
                GMD_VEC_PUSH(d, nd, cap, nw);
                gmd_u64tab_free(&ids);   /* not clear: a big table must not be wiped once per small dump */
                sections = false;
            }
            bool existed;
            gmd_u64tab_put(&ids, (uint64_t)id, &existed);
            pend_start = pend_reason = SIZE_MAX;
            pend_rank = 0;
            cont = abort_after_panic = false;
            continue;
        }
        if (nd && span_is(t.s, t.n, "-----")) {
            cont = true;
            continue;
        }
        int rank = reason_rank(&t);
        if (!rank) continue;
        if (nd && pend_rank == 0 && d[nd - 1].rank == 2 && text_has_prefix(&t, "SIGABRT: "))
            abort_after_panic = true;
        if (pend_start == SIZE_MAX) pend_start = t.off;
        if (rank > pend_rank) {
            pend_rank = rank;
            pend_reason = t.off;
        }
    }
    gmd_u64tab_free(&ids);
    *out = d;
    return nd;
}

typedef struct text2_state {
    gmd_profile *p;
    gmd_builder *b;
    bool in_block;       /* after a goroutine header, before its blank line */
    bool skipping;       /* inside an "[originating from goroutine N]:" block */
    bool after_created;  /* "created by" seen: only ancestors may follow */
    bool duplicate;      /* a goroutine already read (a crashing thread's second look) */
    gmd_goroutine g;
    gmd_label *labels; size_t nlabels, caplabels;
    uint32_t *locs; size_t nlocs, caplocs;
    gmd_line *pending; size_t npending, cappending;   /* frames of the current physical frame */
    gmd_goroutine *gs; size_t ngs, capgs;
    char *scratch; size_t capscratch;
    gmd_u64tab ids;
    const char *state_key, *wait_key, *minutes;
    /* (function, file) as printed -> function: a dump prints the same few
     * thousand of them over and over, and interning both names each time
     * was most of the reading. */
    struct text2_fn { uint64_t h; size_t at; uint32_t name_n, file_n, fn; } *fns;
    size_t capfns, nfns;
    char *pool; size_t npool, cappool;
} text2_state;

static size_t text2_fn_slot(const text2_state *st, uint64_t h, const char *name, size_t name_n,
                            const char *file, size_t file_n)
{
    size_t mask = st->capfns - 1, i = (size_t)(h >> 20) & mask;
    for (;; i = (i + 1) & mask) {
        const struct text2_fn *e = &st->fns[i];
        if (e->fn == UINT32_MAX) return i;
        if (e->h == h && e->name_n == name_n && e->file_n == file_n && memcmp(st->pool + e->at, name, name_n) == 0 &&
            memcmp(st->pool + e->at + name_n, file, file_n) == 0)
            return i;
    }
}

static uint32_t text2_function(text2_state *st, const char *name, size_t name_n, const char *file, size_t file_n)
{
    if (2 * (st->nfns + 1) > st->capfns) {
        struct text2_fn *old = st->fns;
        size_t oldcap = st->capfns;
        st->capfns = oldcap ? 2 * oldcap : 1024;
        st->fns = gmd_xmalloc(st->capfns * sizeof *st->fns);
        for (size_t i = 0; i < st->capfns; i++) st->fns[i].fn = UINT32_MAX;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].fn != UINT32_MAX) {
                size_t mask = st->capfns - 1, j = (size_t)(old[i].h >> 20) & mask;
                while (st->fns[j].fn != UINT32_MAX) j = (j + 1) & mask;
                st->fns[j] = old[i];
            }
        free(old);
    }
    uint64_t h = text_hash(name, name_n) ^ (text_hash(file, file_n) * 31);
    size_t i = text2_fn_slot(st, h, name, name_n, file, file_n);
    if (st->fns[i].fn != UINT32_MAX) return st->fns[i].fn;
    gmd_profile *p = st->p;
    /* The traceback prints runtime.gopanic as "panic"; use the real name like the proto form. */
    const char *nm = span_is(name, name_n, "panic") ? gmd_intern_str(&p->strings, "runtime.gopanic")
                                                   : text_intern(p, name, name_n);
    uint32_t fn = gmd_builder_function(st->b, nm, nm, text_intern(p, file, file_n), 0);
    if (st->npool + name_n + file_n > st->cappool) {
        st->cappool = 2 * st->cappool > st->npool + name_n + file_n ? 2 * st->cappool : st->npool + name_n + file_n;
        st->pool = gmd_xrealloc(st->pool, st->cappool);
    }
    memcpy(st->pool + st->npool, name, name_n);
    memcpy(st->pool + st->npool + name_n, file, file_n);
    st->fns[i] = (struct text2_fn){h, st->npool, (uint32_t)name_n, (uint32_t)file_n, fn};
    st->npool += name_n + file_n;
    st->nfns++;
    return fn;
}

static void text2_close_frame(text2_state *st)
{
    if (!st->npending) return;
    uint32_t loc = gmd_builder_location(st->b, GMD_NONE, 0, st->pending, (uint32_t)st->npending);
    GMD_VEC_PUSH(st->locs, st->nlocs, st->caplocs, loc);
    st->npending = 0;
}

static void text2_flush(text2_state *st)
{
    if (!st->in_block) return;
    text2_close_frame(st);
    st->in_block = st->skipping = st->after_created = false;
    if (st->duplicate) return;
    int64_t one = 1;
    st->g.sample = gmd_builder_sample(st->b, st->locs, (uint32_t)st->nlocs, &one, st->labels,
                                      (uint32_t)st->nlabels, false);
    GMD_VEC_PUSH(st->gs, st->ngs, st->capgs, st->g);
}

/* goroutine 8 [chan receive, 12 minutes, locked to thread labels:{"k": "v"}]:
 * (crash dumps add " gp=0x.. m=0 mp=0x.." before the bracket). */
static int text2_header(text2_state *st, const text_line *l, gmd_err *err)
{
    gmd_profile *p = st->p;
    const char *s = l->s;
    size_t n = l->n - 2, i = 10;   /* n: before the final "]:" */
    memset(&st->g, 0, sizeof st->g);
    st->g.wait_minutes = -1;
    st->g.parent_id = -1;
    st->g.created_by = st->g.created_file = "";
    st->nlabels = st->nlocs = st->npending = 0;
    if (!text_parse_i64(s, n, &i, &st->g.id) || st->g.id < 0 || i >= n || s[i] != ' ')
        return gmd_err_at(err, (int64_t)(l->off + 10), "goroutine header: bad goroutine id");
    bool existed;
    gmd_u64tab_put(&st->ids, (uint64_t)st->g.id, &existed);
    st->duplicate = existed;
    const char *br = memchr(s + i, '[', n - i);
    if (!br) return gmd_err_at(err, (int64_t)(l->off + i), "goroutine header: expected '[status]:'");
    size_t b = (size_t)(br - s) + 1, e = n;
    /* Labels (GODEBUG=tracebacklabels=1) come last, after a space. */
    static const char labkey[] = " labels:{";
    for (size_t k = b; k + sizeof labkey - 1 <= n; k++) {
        if (s[k] == ' ' && memcmp(s + k, labkey, sizeof labkey - 1) == 0) {
            size_t j = k + sizeof labkey - 1;
            if (parse_label_set(p, s, n, &j, l->off, &st->labels, &st->nlabels, &st->caplabels,
                                &st->scratch, &st->capscratch, err) < 0)
                return -1;
            if (j != n) return gmd_err_at(err, (int64_t)(l->off + j), "goroutine header: text after the labels");
            e = k;
            break;
        }
    }
    /* "status[ (scan)], N minutes, locked to thread, synctest bubble N" */
    size_t part = b;
    bool first = true;
    while (part <= e) {
        const char *comma = part < e ? memchr(s + part, ',', e - part) : NULL;
        size_t pe = comma ? (size_t)(comma - s) : e;
        size_t ps = part;
        if (first) {
            size_t se = pe;
            if (se - ps >= 7 && memcmp(s + se - 7, " (scan)", 7) == 0) se -= 7;   /* a GC detail, not a state */
            if (se == ps) return gmd_err_at(err, (int64_t)(l->off + ps), "goroutine header: empty status");
            st->g.state = text_intern(p, s + ps, se - ps);
            first = false;
        } else {
            ps = skip_sp(s, pe, ps);
            size_t j = ps;
            int64_t v;
            if (text_parse_i64(s, pe, &j, &v) && span_is(s + j, pe - j, " minutes") && v >= 0) {
                st->g.wait_minutes = v;
            } else if (span_is(s + ps, pe - ps, "locked to thread")) {
                st->g.locked_to_thread = true;
            }
            /* Anything else (synctest bubble, later additions) is kept out of the state. */
        }
        if (!comma) break;
        part = pe + 1;
    }
    gmd_label state = {st->state_key, st->g.state, 0, ""};
    GMD_VEC_PUSH(st->labels, st->nlabels, st->caplabels, state);
    if (st->g.wait_minutes >= 0) {
        gmd_label w = {st->wait_key, "", st->g.wait_minutes, st->minutes};
        GMD_VEC_PUSH(st->labels, st->nlabels, st->caplabels, w);
    }
    st->in_block = true;
    return 0;
}

/* "\t/src/app/main.go:31 +0x1b" (crash dumps append " fp=.. sp=.. pc=..");
 * the indent may be a tab, spaces (pasted text) or, for a path, nothing. */
static bool parse_file_line(const text_line *l, const char **file, size_t *file_n, int64_t *line)
{
    const char *s = l->s;
    size_t n = l->n, b = skip_sp(s, l->n, 0);
    for (;;) {
        const char *sp = n > b + 1 ? memrchr(s + b + 1, ' ', n - b - 1) : NULL;
        if (!sp) break;
        size_t k = (size_t)(sp - s) + 1;
        const char *t = s + k;
        size_t tn = n - k;
        if ((tn > 3 && memcmp(t, "+0x", 3) == 0) ||
            (tn > 3 && (!memcmp(t, "fp=", 3) || !memcmp(t, "sp=", 3) || !memcmp(t, "pc=", 3))))
            n = k - 1;
        else
            break;
    }
    const char *c = n > b + 1 ? memrchr(s + b + 1, ':', n - b - 1) : NULL;
    if (!c) return false;
    size_t colon = (size_t)(c - s) + 1, j = colon;
    if (!text_parse_i64(s, n, &j, line) || j != n || *line < 0) return false;
    *file = s + b;
    *file_n = colon - 1 - b;
    return true;
}

/* "pkg.fn(args)": a call as the traceback prints it. No space before the
 * '(' (a Go function name has none), which tells "--- FAIL: TestX (0.00s)"
 * and other text after a dump from a frame. */
static bool looks_like_call(const text_line *l)
{
    const char *s = l->s;
    size_t n = l->n;
    if (n < 3 || s[n - 1] != ')' || is_indented(l)) return false;
    const char *open = memchr(s, '(', n);
    if (!open || open == s) return false;
    for (const char *c = s; c < open; c++)
        if (*c == ' ' || *c == '\t') return false;
    return true;
}

static int text2_frame(text2_state *st, const text_line *fl, const text_line *ll, gmd_err *err)
{
    const char *s = fl->s;
    size_t n = fl->n;
    while (n && s[n - 1] == ' ') n--;
    size_t open = n;
    if (n && s[n - 1] == ')')
        while (open > 0 && s[open - 1] != '(') open--;
    if (open <= 1 || n == 0 || s[n - 1] != ')')
        return gmd_err_at(err, (int64_t)fl->off, "goroutine %lld: expected a frame 'function(args)'",
                          (long long)st->g.id);
    size_t name_n = open - 1;
    bool inlined = n - open == 4 && memcmp(s + open, "...)", 4) == 0;
    const char *file;
    size_t file_n;
    int64_t line;
    if (!parse_file_line(ll, &file, &file_n, &line))
        return gmd_err_at(err, (int64_t)ll->off, "goroutine %lld: expected '\\tfile:line' after the frame's function",
                          (long long)st->g.id);
    if (name_n > UINT32_MAX || file_n > UINT32_MAX)
        return gmd_err_at(err, (int64_t)fl->off, "goroutine %lld: frame line too long", (long long)st->g.id);
    gmd_line ln = {text2_function(st, s, name_n, file, file_n), line, 0};
    GMD_VEC_PUSH(st->pending, st->npending, st->cappending, ln);
    /* "(...)" marks a call inlined into the frame printed below it. */
    if (!inlined) text2_close_frame(st);
    return 0;
}

static int text2_created_by(text2_state *st, const text_line *cl, const text_line *ll, gmd_err *err)
{
    gmd_profile *p = st->p;
    const char *s = cl->s + 11;   /* after "created by " */
    size_t n = cl->n - 11;
    static const char ing[] = " in goroutine ";
    for (size_t k = n; k-- > 0;) {
        if (s[k] == ' ' && n - k > sizeof ing - 1 && memcmp(s + k, ing, sizeof ing - 1) == 0) {
            size_t j = k + sizeof ing - 1;
            int64_t parent;
            if (text_parse_i64(s, n, &j, &parent) && j == n && parent >= 0) {
                st->g.parent_id = parent;
                n = k;
            }
            break;
        }
    }
    if (n == 0) return gmd_err_at(err, (int64_t)cl->off, "created by: missing function name");
    const char *file;
    size_t file_n;
    int64_t line;
    if (!parse_file_line(ll, &file, &file_n, &line))
        return gmd_err_at(err, (int64_t)ll->off, "created by: expected '\\tfile:line' on the next line");
    st->g.created_by = text_intern(p, s, n);
    st->g.created_file = text_intern(p, file, file_n);
    st->g.created_line = line;
    return 0;
}

static bool is_elided(const text_line *l)
{
    /* "...7 frames elided..." (Go 1.21+), "...additional frames elided..." before */
    return l->n > 20 && memcmp(l->s, "...", 3) == 0 && memcmp(l->s + l->n - 17, " frames elided...", 17) == 0;
}

/* The reason line and the lines that belong to it: "\tpanic: ..." of a
 * re-panic, "[signal SIGSEGV: ...]", go test's "\trunning tests:" list;
 * joined by single spaces, at most 512 bytes. */
static const char *reason_text(gmd_profile *p, const char *s, size_t len, size_t off)
{
    char buf[512];
    size_t n = 0;
    text_reader r = {s, len, off, off};
    text_line l;
    for (bool first = true; text_next_line(&r, &l); first = false) {
        text_line t = rtrim(&l);
        if (!first && !(is_indented(&t) || text_has_prefix(&t, "[signal "))) break;
        size_t b = skip_sp(t.s, t.n, 0);
        if (b == t.n) break;
        if (!first && n < sizeof buf) buf[n++] = ' ';
        size_t k = t.n - b < sizeof buf - n ? t.n - b : sizeof buf - n;
        memcpy(buf + n, t.s + b, k);
        n += k;
    }
    return text_intern(p, buf, n);
}

static gmd_profile *parse_range(const uint8_t *data, size_t len, const tb_dump *d, uint32_t index,
                                uint32_t count, gmd_err *err)
{
    size_t start = d ? d->start : 0, end = d ? d->end : len;
    text_reader r = {(const char *)data, end, start, start};
    text2_state st;
    memset(&st, 0, sizeof st);
    gmd_u64tab_init(&st.ids, 1);
    st.p = gmd_profile_new();
    gmd_profile *p = st.p;
    p->format = GMD_FMT_GOROUTINE_TEXT2;
    set_count_types(p, "goroutine", 9);
    st.state_key = gmd_intern_str(&p->strings, "state");
    st.wait_key = gmd_intern_str(&p->strings, "wait_minutes");
    st.minutes = gmd_intern_str(&p->strings, "minutes");
    st.b = gmd_builder_new(p);
    /* The runtime cuts the text at 64 MiB, possibly mid-line: an unterminated
     * last line ends the input, and its block is dropped as incomplete. */
    bool cut = end == len && len > 0 && data[len - 1] != '\n';
    bool seen = false;
    text_line raw, raw2;
    while (text_next_line(&r, &raw)) {
        bool last = r.pos >= r.len;
        if (cut && last) break;
        text_line l = rtrim(&raw);
        if (is_header(&l)) {
            text2_flush(&st);
            text_release_before(&r, l.off);
            if (text2_header(&st, &l, err) < 0) goto fail;
            seen = true;
            continue;
        }
        if (!st.in_block) continue;   /* panic/fatal error preamble, register dumps, "exit status" */
        if (text_is_blank(&l)) {
            text2_flush(&st);
            continue;
        }
        if (st.skipping) continue;
        if (text_has_prefix(&l, "[originating from goroutine ")) {
            /* tracebackancestors: the creators' stacks, not this goroutine's. */
            text2_close_frame(&st);
            st.skipping = true;
            continue;
        }
        if (is_elided(&l)) {
            text2_close_frame(&st);
            st.g.frames_elided = true;
            continue;
        }
        if (is_indented(&l)) {
            size_t b = skip_sp(l.s, l.n, 0);
            static const char other[] = "goroutine running on other thread";
            if (l.n - b >= sizeof other - 1 && memcmp(l.s + b, other, sizeof other - 1) == 0) continue;
            gmd_err_at(err, (int64_t)l.off, "goroutine %lld: file:line without a function line above it",
                       (long long)st.g.id);
            goto fail;
        }
        if (text_has_prefix(&l, "non-Go function at pc=")) {
            size_t i = strlen("non-Go function at pc=");
            uint64_t pc;
            if (!text_parse_hex(l.s, l.n, &i, &pc)) { gmd_err_at(err, (int64_t)(l.off + i), "bad pc"); goto fail; }
            text2_close_frame(&st);
            uint32_t loc = gmd_builder_location(st.b, GMD_NONE, pc, NULL, 0);
            GMD_VEC_PUSH(st.locs, st.nlocs, st.caplocs, loc);
            continue;
        }
        /* The two-line forms: a frame or "created by" with its file:line
         * below. Any other line ends the dump's goroutine ("exit status 2",
         * "FAIL pkg 0.01s", register dumps, the program's output). */
        bool created = text_has_prefix(&l, "created by ");
        bool call = created || looks_like_call(&l);
        size_t save = r.pos;
        if (!text_next_line(&r, &raw2)) {
            if (call) break;   /* an incomplete frame at the end */
            text2_flush(&st);
            continue;
        }
        if (cut && r.pos >= r.len) break;   /* the second line must be complete */
        text_line l2 = rtrim(&raw2);
        const char *f;
        size_t fn;
        int64_t ln;
        bool fileline = is_indented(&l2) ? (call || parse_file_line(&l2, &f, &fn, &ln))
                                         : (l2.n && l2.s[0] == '/' && parse_file_line(&l2, &f, &fn, &ln));
        if (!fileline) {
            if (call) {
                gmd_err_at(err, (int64_t)l2.off, "goroutine %lld: expected '\\tfile:line' after the frame's function",
                           (long long)st.g.id);
                goto fail;
            }
            r.pos = save;
            text2_flush(&st);
            continue;
        }
        if (created) {
            text2_close_frame(&st);
            if (text2_created_by(&st, &l, &l2, err) < 0) goto fail;
            st.after_created = true;
            continue;
        }
        if (st.after_created) {
            gmd_err_at(err, (int64_t)l.off, "goroutine %lld: unexpected line after 'created by'", (long long)st.g.id);
            goto fail;
        }
        if (text2_frame(&st, &l, &l2, err) < 0) goto fail;
    }
    /* A block that ran into the end of a cut-off text is incomplete: drop it. */
    if (cut) {
        st.in_block = false;
        const char *note = "input ends mid-line (cut off, e.g. at the runtime's 64 MiB limit); "
                           "the incomplete last goroutine was left out";
        p->comments = gmd_arena_alloc(&p->arena, sizeof *p->comments);
        p->comments[0] = gmd_intern_str(&p->strings, note);
        p->ncomments = 1;
    }
    text2_flush(&st);
    if (!seen) {
        gmd_err_at(err, (int64_t)start, "no goroutine found: expected a 'goroutine N [status]:' line");
        goto fail;
    }
    gmd_builder_finish(st.b);
    p->ngoroutines = (uint32_t)st.ngs;
    p->goroutines = gmd_arena_memdup(&p->arena, st.gs, st.ngs * sizeof *st.gs);
    p->traceback.index = index;
    p->traceback.count = count;
    p->traceback.offset = start;
    if (d && d->reason_off != SIZE_MAX) {
        p->traceback.reason = reason_text(p, (const char *)data, len, d->reason_off);
        /* The goroutine printed first is the one that panicked or hit the
         * fatal error, when it was running; a deadlock or SIGQUIT names none. */
        if (st.ngs && st.gs[0].id != 0 && strncmp(st.gs[0].state, "running", 7) == 0 &&
            strncmp(p->traceback.reason, "SIGQUIT", 7) != 0)
            p->traceback.goroutine = st.gs[0].id;
    }
    free(st.labels); free(st.locs); free(st.pending); free(st.gs); free(st.scratch);
    free(st.fns); free(st.pool);
    gmd_u64tab_free(&st.ids);
    return p;
fail:
    gmd_builder_finish(st.b);
    free(st.labels); free(st.locs); free(st.pending); free(st.gs); free(st.scratch);
    free(st.fns); free(st.pool);
    gmd_u64tab_free(&st.ids);
    gmd_profile_free(p);
    return NULL;
}

uint32_t gmd_goroutine_text_count_dumps(const uint8_t *data, size_t len)
{
    tb_dump *d;
    size_t n = find_dumps((const char *)data, len, &d);
    free(d);
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

gmd_profile *gmd_pprof_goroutine_text2_parse_dump(const uint8_t *data, size_t len, uint32_t index, gmd_err *err)
{
    tb_dump *d;
    size_t n = find_dumps((const char *)data, len, &d);
    if (n == 0) {
        free(d);
        return parse_range(data, len, NULL, 0, 0, err);   /* names the error */
    }
    if (index == UINT32_MAX) index = (uint32_t)(n - 1);
    if (index >= n) {
        free(d);
        gmd_errf(err, "no goroutine dump %u: the text holds %zu", index + 1, n);
        return NULL;
    }
    gmd_profile *p = parse_range(data, len, &d[index], index, (uint32_t)n, err);
    free(d);
    return p;
}

gmd_profile *gmd_pprof_goroutine_text2_parse(const uint8_t *data, size_t len, gmd_err *err)
{
    return gmd_pprof_goroutine_text2_parse_dump(data, len, UINT32_MAX, err);
}
