/* Run bundles (see gmd/bundle.h): writing as artifacts arrive, and reading
 * back for `gmd report`.
 *
 * Writing survives faults: whole files (profiles, meta.json, report.html)
 * go to NAME.tmp and are renamed over NAME only once complete, and the
 * journals (index.jsonl, proc.jsonl, gctrace.log) grow by complete lines:
 * each line is built in the stream's buffer and flushed with one write();
 * if that fails (a full disk, a file-size limit), the file is cut back to
 * its last complete line and the writer stops, remembering why, so the run
 * can still judge what was saved.
 *
 * Reading tolerates what a crash, a full disk or a careless copy leaves:
 * bad lines are skipped and counted, files are read only if they are
 * regular files inside the bundle (never through a link), and a missing or
 * broken meta.json means defaults, not a refused bundle. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gmd/bundle.h"
#include "gmd/input.h"
#include "gmd/json.h"
#include "gmd/xalloc.h"

#define MAX_INDEX_ENTRIES 10000000u
#define MAX_STRING 4096
#define MAX_JOURNAL_BYTES (1ull << 30)    /* index.jsonl, proc.jsonl, gctrace.log */
#define MAX_META_BYTES (1u << 20)
#define JOURNAL_BUF (128u << 10)          /* a line up to this size goes out in one write() */

/* ------------------------------------------------------- atomic files */

int gmd_atomic_open(gmd_atomic_file *a, const char *path, gmd_err *err)
{
    memset(a, 0, sizeof *a);
    if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path)
        return gmd_errf(err, "%.200s...: path too long", path);
    /* Only a regular file (or none) is replaced by a rename; a device or a
     * FIFO the user named (--html /dev/stdout) is written in place. */
    struct stat st;
    bool direct = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    if (direct) a->tmp[0] = '\0';
    else snprintf(a->tmp, sizeof a->tmp, "%s.tmp", path);
    a->f = fopen(direct ? path : a->tmp, "wb");
    if (!a->f) {
        a->error = errno;
        return gmd_errf(err, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

int gmd_atomic_commit(gmd_atomic_file *a, gmd_err *err)
{
    if (!a->f) return gmd_errf(err, "%s: not open", a->path);
    int e = 0;
    if (fflush(a->f) != 0 || ferror(a->f)) e = errno ? errno : EIO;
    if (fclose(a->f) != 0 && !e) e = errno;
    a->f = NULL;
    if (!e && a->tmp[0] && rename(a->tmp, a->path) != 0) e = errno;
    if (e) {
        if (a->tmp[0]) unlink(a->tmp);
        a->error = e;
        return gmd_errf(err, "%s: write failed: %s", a->path, strerror(e));
    }
    return 0;
}

void gmd_atomic_abort(gmd_atomic_file *a)
{
    if (a->f) {
        __fpurge(a->f);
        fclose(a->f);
        a->f = NULL;
    }
    if (a->tmp[0]) unlink(a->tmp);
}

bool gmd_errno_is_disk_full(int e)
{
    return e == ENOSPC || e == EFBIG || e == EDQUOT;
}

/* ---------------------------------------------------------------- writing */

static int mkdir_p(const char *dir, gmd_err *err)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) return gmd_errf(err, "%s: bad bundle directory name", dir);
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) < 0 && errno != EEXIST)
            return gmd_errf(err, "%s: cannot create directory: %s", path, strerror(errno));
        path[i] = c;
    }
    return 0;
}

static bool dir_is_empty(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/index.jsonl", dir);
    return access(path, F_OK) != 0;
}

static FILE *open_in(const char *dir, const char *name, const char *mode, gmd_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, mode);
    if (!f) gmd_errf(err, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

FILE *gmd_bundle_open_file(const char *dir, const char *name, gmd_err *err)
{
    return open_in(dir, name, "wb", err);
}

/* The first write error ends the bundle: remember where and why. */
static int writer_fail(gmd_bundle_writer *w, const char *name, int e, gmd_err *err)
{
    if (!e) e = EIO;
    if (!w->failed) {
        w->failed = true;
        w->fail_errno = e;
        snprintf(w->fail_path, sizeof w->fail_path, "%s/%s", w->dir ? w->dir : ".", name);
    }
    return gmd_errf(err, "%s/%s: write failed: %s", w->dir ? w->dir : ".", name, strerror(e));
}

static int writer_stopped(gmd_bundle_writer *w, gmd_err *err)
{
    return gmd_errf(err, "%s: not written after the earlier failure (%s)", w->fail_path, strerror(w->fail_errno));
}

/* A journal opened for appending whole lines: fully buffered, so a line is
 * assembled in the buffer and leaves in one write() at the flush. */
static FILE *journal_open(gmd_bundle_writer *w, const char *name, gmd_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", w->dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        writer_fail(w, name, errno, NULL);
        gmd_errf(err, "%s: cannot write: %s", path, strerror(w->fail_errno));
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, JOURNAL_BUF);
    return f;
}

/* Flush the line just built; on failure cut the file back to its last
 * complete line (good) and drop what the buffer still holds. */
static int journal_commit(gmd_bundle_writer *w, FILE *f, off_t *good, const char *name, gmd_err *err)
{
    errno = 0;
    if (fflush(f) == 0 && !ferror(f)) {
        off_t pos = ftello(f);
        if (pos >= 0) *good = pos;
        return 0;
    }
    int e = errno ? errno : EIO;
    __fpurge(f);
    clearerr(f);
    if (ftruncate(fileno(f), *good) == 0) lseek(fileno(f), *good, SEEK_SET);
    return writer_fail(w, name, e, err);
}

int gmd_bundle_create(gmd_bundle_writer *w, const char *dir, gmd_err *err)
{
    memset(w, 0, sizeof *w);
    /* A file-size limit (ulimit -f) must fail a write with EFBIG, which the
     * writer handles like a full disk, not kill gmd with SIGXFSZ and lose the run. */
    signal(SIGXFSZ, SIG_IGN);
    if (mkdir_p(dir, err) < 0) return -1;
    if (!dir_is_empty(dir))
        return gmd_errf(err, "%s: already holds a bundle; choose another --out", dir);
    w->dir = gmd_xstrdup(dir);
    if (!(w->index = journal_open(w, "index.jsonl", err))) goto fail;
    return 0;
fail:
    gmd_bundle_close(w, NULL);
    return -1;
}

static void index_begin(gmd_json *j, FILE *f, double t, int64_t wall_ns, const char *kind)
{
    gmd_json_init(j, f, false);
    gmd_json_object_begin(j);
    gmd_json_key(j, "t");
    gmd_json_double(j, round(t * 1e6) / 1e6);
    gmd_json_key(j, "wall");
    gmd_json_int(j, wall_ns);
    gmd_json_key(j, "kind");
    gmd_json_string(j, kind);
}

static int index_end(gmd_bundle_writer *w, gmd_json *j, gmd_err *err)
{
    gmd_json_object_end(j);
    gmd_json_finish(j);
    return journal_commit(w, w->index, &w->index_len, "index.jsonl", err);
}

static uint32_t next_seq(gmd_bundle_writer *w, const char *kind)
{
    for (uint32_t i = 0; i < w->nseq; i++)
        if (!strcmp(w->seq[i].kind, kind)) return ++w->seq[i].count;
    if (w->nseq < sizeof w->seq / sizeof *w->seq) {
        snprintf(w->seq[w->nseq].kind, sizeof w->seq[0].kind, "%s", kind);
        w->seq[w->nseq].count = 1;
        w->nseq++;
        return 1;
    }
    return 0;
}

static bool kind_ok(const char *kind)
{
    size_t n = strlen(kind);
    if (n == 0 || n >= 32) return false;
    for (size_t i = 0; i < n; i++)
        if (!((kind[i] >= 'a' && kind[i] <= 'z') || (kind[i] >= '0' && kind[i] <= '9') || kind[i] == '_'))
            return false;
    return true;
}

/* dir/name written whole: NAME.tmp, then renamed. */
static int write_whole(gmd_bundle_writer *w, const char *name, const uint8_t *data, size_t len, gmd_err *err)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s", w->dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return writer_fail(w, name, errno, err);
    size_t off = 0;
    int e = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            break;
        }
        off += (size_t)n;
    }
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        return writer_fail(w, name, e, err);
    }
    return 0;
}

int gmd_bundle_add_profile(gmd_bundle_writer *w, double t, int64_t wall_ns, const char *kind,
                           int debug, const uint8_t *data, size_t len, gmd_err *err)
{
    return gmd_bundle_add_profile_gc(w, t, wall_ns, kind, debug, false, data, len, err);
}

int gmd_bundle_add_profile_gc(gmd_bundle_writer *w, double t, int64_t wall_ns, const char *kind,
                              int debug, bool forced_gc, const uint8_t *data, size_t len, gmd_err *err)
{
    if (w->failed) return writer_stopped(w, err);
    if (!kind_ok(kind)) return gmd_errf(err, "bad profile name '%s'", kind);
    uint32_t seq = next_seq(w, kind);
    if (!seq) return gmd_errf(err, "too many profile kinds in one bundle");
    char sub[4200], file[128];
    snprintf(sub, sizeof sub, "%s/%s", w->dir, kind);
    if (mkdir(sub, 0777) < 0 && errno != EEXIST) return writer_fail(w, kind, errno, err);
    /* The proto form is gzipped on the wire; text forms are stored as text. */
    bool gz = len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    snprintf(file, sizeof file, "%s/%04u%s", kind, seq,
             debug ? ".txt" : gz ? ".pb.gz" : ".pb");
    if (write_whole(w, file, data, len, err) < 0) return -1;
    gmd_json j;
    index_begin(&j, w->index, t, wall_ns, kind);
    gmd_json_key(&j, "file");
    gmd_json_string(&j, file);
    if (debug) {
        gmd_json_key(&j, "debug");
        gmd_json_int(&j, debug);
    }
    if (forced_gc) {
        gmd_json_key(&j, "gc");
        gmd_json_bool(&j, true);
    }
    return index_end(w, &j, err);
}

int gmd_bundle_add_gcline(gmd_bundle_writer *w, double t, int64_t wall_ns, const char *line,
                          size_t len, gmd_err *err)
{
    if (w->failed) return writer_stopped(w, err);
    if (!w->gclog && !(w->gclog = journal_open(w, "gctrace.log", err))) return -1;
    fwrite(line, 1, len, w->gclog);
    fputc('\n', w->gclog);
    if (journal_commit(w, w->gclog, &w->gclog_len, "gctrace.log", err) < 0) return -1;
    gmd_json j;
    index_begin(&j, w->index, t, wall_ns, "gctrace");
    gmd_json_key(&j, "file");
    gmd_json_string(&j, "gctrace.log");
    gmd_json_key(&j, "line");
    gmd_json_int(&j, ++w->gclines);
    return index_end(w, &j, err);
}

static void proc_fields(gmd_json *j, const gmd_proc_stats *s)
{
    const struct { const char *k; int64_t v; } f[] = {
        {"rss", s->rss}, {"rss_anon", s->rss_anon}, {"rss_file", s->rss_file}, {"hwm", s->hwm},
        {"vm_size", s->vm_size}, {"swap", s->swap}, {"threads", s->threads}, {"pss", s->pss},
        {"private_dirty", s->private_dirty}, {"smaps_anon", s->smaps_anon},
        {"smaps_anon_maps", s->smaps_anon_maps}, {"smaps_brk", s->smaps_brk}, {"smaps_stack", s->smaps_stack},
        {"smaps_file", s->smaps_file},
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        if (f[i].v < 0) continue;
        gmd_json_key(j, f[i].k);
        gmd_json_int(j, f[i].v);
    }
}

int gmd_bundle_add_proc(gmd_bundle_writer *w, double t, int64_t wall_ns, const gmd_proc_stats *s,
                        gmd_err *err)
{
    if (w->failed) return writer_stopped(w, err);
    if (!w->proc && !(w->proc = journal_open(w, "proc.jsonl", err))) return -1;
    gmd_json j;
    index_begin(&j, w->proc, t, wall_ns, "proc");
    proc_fields(&j, s);
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
    if (journal_commit(w, w->proc, &w->proc_len, "proc.jsonl", err) < 0) return -1;
    index_begin(&j, w->index, t, wall_ns, "proc");
    gmd_json_key(&j, "file");
    gmd_json_string(&j, "proc.jsonl");
    gmd_json_key(&j, "line");
    gmd_json_int(&j, ++w->proclines);
    return index_end(w, &j, err);
}

/* Written whole even after a failed write: it is small, a little space may
 * have come back, and without it the bundle still reads (with defaults). */
int gmd_bundle_write_meta(gmd_bundle_writer *w, const gmd_bundle_meta *m, gmd_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/meta.json", w->dir);
    gmd_atomic_file a;
    if (gmd_atomic_open(&a, path, err) < 0) {
        writer_fail(w, "meta.json", a.error, NULL);
        return -1;
    }
    FILE *f = a.f;
    gmd_json j;
    gmd_json_init(&j, f, true);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "format");
    gmd_json_string(&j, "gmd-bundle-1");
    gmd_json_key(&j, "tool");
    gmd_json_string(&j, m->tool ? m->tool : "");
    gmd_json_key(&j, "command");
    gmd_json_array_begin(&j);
    for (char *const *arg = m->command; arg && *arg; arg++) gmd_json_string(&j, *arg);
    gmd_json_array_end(&j);
    gmd_json_key(&j, "pprof_url");
    gmd_json_string(&j, m->pprof_url ? m->pprof_url : "");
    gmd_json_key(&j, "interval_sec");
    gmd_json_double(&j, m->interval_sec);
    gmd_json_key(&j, "pid");
    gmd_json_int(&j, m->pid);
    gmd_json_key(&j, "start_wall");
    gmd_json_int(&j, m->start_wall_ns);
    gmd_json_key(&j, "duration_sec");
    gmd_json_double(&j, round(m->duration_sec * 1e3) / 1e3);
    gmd_json_key(&j, "exit_status");
    gmd_json_int(&j, m->exit_status);
    gmd_json_key(&j, "interrupted");
    gmd_json_bool(&j, m->interrupted);
    if (m->stopped_by) {
        gmd_json_key(&j, "ended");
        gmd_json_string(&j, m->stopped_by == 1 ? "stopped by gmd" : "exited by itself");
    }
    if (m->observed_pid > 0) {
        gmd_json_key(&j, "observed_pid");
        gmd_json_int(&j, m->observed_pid);
    }
    if (m->observed_exe && m->observed_exe[0]) {
        gmd_json_key(&j, "observed_exe");
        gmd_json_string(&j, m->observed_exe);
    }
    if (m->memprofilerate > 0) {
        gmd_json_key(&j, "memprofilerate");
        gmd_json_int(&j, m->memprofilerate);
    }
    gmd_json_key(&j, "gc_forced");
    gmd_json_int(&j, m->gc_forced);
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
    if (gmd_atomic_commit(&a, err) < 0) {
        writer_fail(w, "meta.json", a.error, NULL);
        return -1;
    }
    return 0;
}

int gmd_bundle_close(gmd_bundle_writer *w, gmd_err *err)
{
    int rc = 0;
    FILE **files[] = {&w->index, &w->gclog, &w->proc};
    for (size_t i = 0; i < 3; i++) {
        /* Every line was flushed whole; after a failure nothing may follow it. */
        if (*files[i] && w->failed) __fpurge(*files[i]);
        if (*files[i] && fclose(*files[i]) != 0 && rc == 0) {
            if (err) gmd_errf(err, "%s: write failed: %s", w->dir, strerror(errno));
            rc = -1;
        }
        *files[i] = NULL;
    }
    free(w->dir);
    w->dir = NULL;
    return rc;
}

/* ---------------------------------------------------------------- reading */

typedef struct jparser {
    const char *s;
    size_t len, pos;
    gmd_err *err;
} jparser;

static void skip_ws(jparser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
        p->pos++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode a string at p->pos (on the opening quote) into out (NUL-terminated,
 * truncated at size-1). */
static int parse_string(jparser *p, char *out, size_t size)
{
    size_t n = 0;
    p->pos++;
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c == '"') {
            out[n < size ? n : size - 1] = '\0';
            return 0;
        }
        if (c < 0x20) return gmd_err_at(p->err, (int64_t)p->pos - 1, "control character in a string");
        if (c == '\\') {
            if (p->pos >= p->len) break;
            char e = p->s[p->pos++];
            switch (e) {
            case '"': case '\\': case '/': c = (unsigned char)e; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                if (p->len - p->pos < 4) return gmd_err_at(p->err, (int64_t)p->pos, "short \\u escape");
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = hexval(p->s[p->pos + (size_t)i]);
                    if (h < 0) return gmd_err_at(p->err, (int64_t)p->pos, "bad \\u escape");
                    v = v * 16 + (unsigned)h;
                }
                p->pos += 4;
                /* Only what our writer emits (control characters) matters; others become '?'. */
                c = v < 0x80 ? (unsigned char)v : '?';
                break;
            }
            default: return gmd_err_at(p->err, (int64_t)p->pos - 1, "bad escape '\\%c'", e);
            }
        }
        if (n + 1 < size) out[n] = (char)c;
        n++;
    }
    return gmd_err_at(p->err, (int64_t)p->len, "unterminated string");
}

/* Skip any JSON value (nested ones included), bounded depth. */
static int skip_value(jparser *p, int depth)
{
    char tmp[8];
    if (depth > 32) return gmd_err_at(p->err, (int64_t)p->pos, "nested too deep");
    skip_ws(p);
    if (p->pos >= p->len) return gmd_err_at(p->err, (int64_t)p->pos, "value expected");
    char c = p->s[p->pos];
    if (c == '"') return parse_string(p, tmp, sizeof tmp);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        p->pos++;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                skip_ws(p);
                if (p->pos >= p->len || p->s[p->pos] != '"') return gmd_err_at(p->err, (int64_t)p->pos, "key expected");
                if (parse_string(p, tmp, sizeof tmp) < 0) return -1;
                skip_ws(p);
                if (p->pos >= p->len || p->s[p->pos] != ':') return gmd_err_at(p->err, (int64_t)p->pos, "':' expected");
                p->pos++;
            }
            if (skip_value(p, depth + 1) < 0) return -1;
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') { p->pos++; continue; }
            if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; return 0; }
            return gmd_err_at(p->err, (int64_t)p->pos, "',' or '%c' expected", close);
        }
    }
    size_t start = p->pos;
    while (p->pos < p->len && strchr("+-.0123456789eEtruefalsn", p->s[p->pos])) p->pos++;
    if (p->pos == start) return gmd_err_at(p->err, (int64_t)start, "unexpected '%c'", c);
    return 0;
}

int gmd_jsonl_parse_object(const char *s, size_t len, gmd_jsonl_field_fn field, void *ctx, gmd_err *err)
{
    jparser p = {s, len, 0, err};
    char key[64], str[MAX_STRING];
    skip_ws(&p);
    if (p.pos >= len || s[p.pos] != '{') return gmd_err_at(err, (int64_t)p.pos, "'{' expected");
    p.pos++;
    skip_ws(&p);
    if (p.pos < len && s[p.pos] == '}') { p.pos++; goto tail; }
    for (;;) {
        skip_ws(&p);
        if (p.pos >= len || s[p.pos] != '"') return gmd_err_at(err, (int64_t)p.pos, "key expected");
        if (parse_string(&p, key, sizeof key) < 0) return -1;
        skip_ws(&p);
        if (p.pos >= len || s[p.pos] != ':') return gmd_err_at(err, (int64_t)p.pos, "':' expected");
        p.pos++;
        skip_ws(&p);
        if (p.pos >= len) return gmd_err_at(err, (int64_t)p.pos, "value expected");
        char c = s[p.pos];
        if (c == '"') {
            if (parse_string(&p, str, sizeof str) < 0) return -1;
            field(ctx, key, str, 0, true);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            char num[64];
            size_t start = p.pos;
            while (p.pos < len && strchr("+-.0123456789eE", s[p.pos])) p.pos++;
            size_t n = p.pos - start;
            if (n >= sizeof num) return gmd_err_at(err, (int64_t)start, "number too long");
            memcpy(num, s + start, n);
            num[n] = '\0';
            char *end;
            double v = strtod(num, &end);
            if (*end || !isfinite(v)) return gmd_err_at(err, (int64_t)start, "bad number '%s'", num);
            field(ctx, key, NULL, v, false);
        } else if (len - p.pos >= 4 && !memcmp(s + p.pos, "true", 4)) {
            p.pos += 4;
            field(ctx, key, NULL, 1, false);
        } else if (len - p.pos >= 5 && !memcmp(s + p.pos, "false", 5)) {
            p.pos += 5;
            field(ctx, key, NULL, 0, false);
        } else if (len - p.pos >= 4 && !memcmp(s + p.pos, "null", 4)) {
            p.pos += 4;
        } else if (c == '{' || c == '[') {
            if (skip_value(&p, 1) < 0) return -1;
        } else {
            return gmd_err_at(err, (int64_t)p.pos, "unexpected '%c'", c);
        }
        skip_ws(&p);
        if (p.pos < len && s[p.pos] == ',') { p.pos++; continue; }
        if (p.pos < len && s[p.pos] == '}') { p.pos++; break; }
        return gmd_err_at(err, (int64_t)p.pos, "',' or '}' expected");
    }
tail:
    skip_ws(&p);
    if (p.pos != len) return gmd_err_at(err, (int64_t)p.pos, "trailing bytes after the object");
    return 0;
}

const char *gmd_bundle_path(const gmd_bundle *b, const char *file, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", b->dir, file);
    return buf;
}

/* Calls fn for each line (without the newline) with its byte offset. */
typedef int (*line_fn)(void *ctx, const char *line, size_t len, size_t offset, gmd_err *err);

static int for_each_line(const gmd_blob *blob, line_fn fn, void *ctx, gmd_err *err)
{
    const char *p = (const char *)blob->data, *end = p + blob->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (fn(ctx, p, n, (size_t)(p - (const char *)blob->data), err) < 0) return -1;
        p += n + 1;
    }
    return 0;
}

static int load_file(const gmd_bundle *b, const char *name, bool optional, gmd_blob *blob, gmd_err *err)
{
    char path[4200];
    gmd_bundle_path(b, name, path, sizeof path);
    memset(blob, 0, sizeof *blob);
    if (optional && access(path, F_OK) != 0) return 1;
    gmd_load_opts o = {0};
    o.max_input_bytes = 1ull << 30;
    if (gmd_blob_load(path, &o, blob, err) < 0) {
        gmd_err_set_source(err, path);
        return -1;
    }
    return 0;
}

/* index.jsonl */
typedef struct entry_ctx {
    gmd_bundle *b;
    gmd_bundle_entry e;
    bool have_t, have_kind;
} entry_ctx;

static void entry_field(void *vctx, const char *key, const char *str, double num, bool is_string)
{
    entry_ctx *c = vctx;
    if (!strcmp(key, "t") && !is_string) { c->e.t = num; c->have_t = true; }
    else if (!strcmp(key, "wall") && !is_string) c->e.wall_ns = (int64_t)num;
    else if (!strcmp(key, "kind") && is_string) { c->e.kind = gmd_arena_strdup(&c->b->arena, str); c->have_kind = true; }
    else if (!strcmp(key, "file") && is_string) c->e.file = gmd_arena_strdup(&c->b->arena, str);
    else if (!strcmp(key, "line") && !is_string && num >= 0 && num < 1e12) c->e.line = (int64_t)num;
    else if (!strcmp(key, "debug") && !is_string && num >= 0 && num < 10) c->e.debug = (int)num;
    else if (!strcmp(key, "gc") && !is_string) c->e.forced_gc = num != 0;
    else if (!strcmp(key, "t_end") && !is_string && num >= 0 && num < 1e12) c->e.t_end = num;
}

static int index_line(void *vctx, const char *line, size_t len, size_t offset, gmd_err *err)
{
    gmd_bundle *b = vctx;
    if (len == 0) return 0;
    entry_ctx c;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.e.file = "";
    if (gmd_jsonl_parse_object(line, len, entry_field, &c, err) < 0) {
        err->offset += (int64_t)offset;
        return -1;
    }
    if (!c.have_t || !c.have_kind) return gmd_err_at(err, (int64_t)offset, "index entry without \"t\" or \"kind\"");
    if (!isfinite(c.e.t) || c.e.t < 0 || c.e.t > 1e9) return gmd_err_at(err, (int64_t)offset, "index entry with a bad time");
    if (strstr(c.e.file, "..")) return gmd_err_at(err, (int64_t)offset, "index entry names a file outside the bundle");
    if (b->nentries >= MAX_INDEX_ENTRIES) return gmd_err_at(err, (int64_t)offset, "more than %u index entries", MAX_INDEX_ENTRIES);
    gmd_proc_stats_clear(&c.e.proc);
    GMD_VEC_PUSH(b->entries, b->nentries, b->entries_cap, c.e);
    return 0;
}

/* gctrace.log / proc.jsonl: remember each line's start for lookups. */
typedef struct line_table {
    const char **start;
    size_t *len, n, cap;
} line_table;

static int table_line(void *vctx, const char *line, size_t len, size_t offset, gmd_err *err)
{
    (void)offset;
    (void)err;
    line_table *t = vctx;
    if (t->n >= t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->start = gmd_xrealloc(t->start, t->cap * sizeof *t->start);
        t->len = gmd_xrealloc(t->len, t->cap * sizeof *t->len);
    }
    t->start[t->n] = line;
    t->len[t->n++] = len;
    return 0;
}

static void proc_field(void *vctx, const char *key, const char *str, double num, bool is_string)
{
    (void)str;
    gmd_proc_stats *s = vctx;
    if (is_string || num < 0 || num > 9e18) return;
    const struct { const char *k; int64_t *v; } f[] = {
        {"rss", &s->rss}, {"rss_anon", &s->rss_anon}, {"rss_file", &s->rss_file}, {"hwm", &s->hwm},
        {"vm_size", &s->vm_size}, {"swap", &s->swap}, {"threads", &s->threads}, {"pss", &s->pss},
        {"private_dirty", &s->private_dirty}, {"smaps_anon", &s->smaps_anon},
        {"smaps_anon_maps", &s->smaps_anon_maps}, {"smaps_brk", &s->smaps_brk}, {"smaps_stack", &s->smaps_stack},
        {"smaps_file", &s->smaps_file},
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (!strcmp(key, f[i].k)) *f[i].v = (int64_t)num;
}

typedef struct meta_ctx {
    gmd_bundle *b;
    size_t cmdlen;
} meta_ctx;

static void meta_field(void *vctx, const char *key, const char *str, double num, bool is_string)
{
    meta_ctx *m = vctx;
    gmd_bundle *b = m->b;
    if (is_string) {
        if (!strcmp(key, "tool")) b->tool = gmd_arena_strdup(&b->arena, str);
        else if (!strcmp(key, "pprof_url")) b->pprof_url = gmd_arena_strdup(&b->arena, str);
        else if (!strcmp(key, "observed_exe")) b->observed_exe = gmd_arena_strdup(&b->arena, str);
        else if (!strcmp(key, "ended")) b->stopped_by = !strcmp(str, "stopped by gmd") ? 1 : !strcmp(str, "exited by itself") ? 2 : 0;
        return;
    }
    if (!strcmp(key, "interval_sec") && num >= 0 && num < 1e6) b->interval_sec = num;
    else if (!strcmp(key, "duration_sec") && num >= 0 && num < 1e9) b->duration_sec = num;
    else if (!strcmp(key, "pid") && num >= 0 && num < 1e9) b->pid = (int)num;
    else if (!strcmp(key, "exit_status") && num >= -1 && num < 1e6) b->exit_status = (int)num;
    else if (!strcmp(key, "start_wall") && num >= 0 && num < 9e18) b->start_wall_ns = (int64_t)num;
    else if (!strcmp(key, "interrupted")) b->interrupted = num != 0;
    else if (!strcmp(key, "observed_pid") && num >= 0 && num < 1e9) b->observed_pid = (int)num;
    else if (!strcmp(key, "memprofilerate") && num >= 0 && num < 1e12) b->memprofilerate = (long)num;
}

/* meta.json is pretty-printed: join its lines and read it as one object;
 * the command array is picked out separately. */
static int read_meta(gmd_bundle *b, gmd_err *err)
{
    gmd_blob blob;
    int rc = load_file(b, "meta.json", true, &blob, err);
    if (rc) return rc < 0 ? -1 : 0;
    meta_ctx m = {b, 0};
    if (gmd_jsonl_parse_object((const char *)blob.data, blob.len, meta_field, &m, err) < 0) {
        char path[4200];
        gmd_err_set_source(err, gmd_bundle_path(b, "meta.json", path, sizeof path));
        gmd_blob_free(&blob);
        return -1;
    }
    /* "command": ["a", "b"] -> "a b" (display only). */
    const char *s = (const char *)blob.data;
    const char *k = memmem(s, blob.len, "\"command\"", 9);
    if (k) {
        const char *open = memchr(k, '[', blob.len - (size_t)(k - s));
        const char *close = open ? memchr(open, ']', blob.len - (size_t)(open - s)) : NULL;
        if (open && close) {
            size_t n = (size_t)(close - open - 1);
            char *cmd = gmd_arena_alloc(&b->arena, n + 1);
            size_t o = 0;
            bool in = false;
            for (const char *q = open + 1; q < close; q++) {
                if (in && *q == '\\' && q + 1 < close) {
                    cmd[o++] = *++q;   /* \" and \\ (display only: \uXXXX stays as is) */
                    continue;
                }
                if (*q == '"') {
                    in = !in;
                    if (!in) cmd[o++] = ' ';
                    continue;
                }
                if (in) cmd[o++] = *q;
            }
            while (o && cmd[o - 1] == ' ') o--;
            cmd[o] = '\0';
            b->command = cmd;
        }
    }
    gmd_blob_free(&blob);
    return 0;
}

int gmd_bundle_open(const char *dir, gmd_bundle *b, gmd_err *err)
{
    memset(b, 0, sizeof *b);
    gmd_arena_init(&b->arena, 64 << 10);
    b->dir = gmd_arena_strdup(&b->arena, dir);
    b->tool = b->pprof_url = b->command = b->observed_exe = "";
    b->exit_status = -1;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        gmd_err_set_source(err, dir);
        gmd_errf(err, "not a bundle directory (gmd run --out writes one)");
        return -1;
    }
    gmd_blob blob;
    if (load_file(b, "index.jsonl", false, &blob, err) < 0) return -1;
    int rc = for_each_line(&blob, index_line, b, err);
    if (rc < 0) {
        char path[4200];
        gmd_err_set_source(err, gmd_bundle_path(b, "index.jsonl", path, sizeof path));
    }
    gmd_blob_free(&blob);
    if (rc < 0 || read_meta(b, err) < 0) return -1;
    for (uint32_t i = 0; i < b->nentries; i++) b->gc_forced += b->entries[i].forced_gc;

    /* Resolve gctrace and proc lines. */
    const char *names[2] = {"gctrace.log", "proc.jsonl"};
    for (int which = 0; which < 2; which++) {
        gmd_blob f;
        rc = load_file(b, names[which], true, &f, err);
        if (rc < 0) return -1;
        if (rc > 0) continue;
        line_table t = {0};
        for_each_line(&f, table_line, &t, err);
        const char *kind = which == 0 ? "gctrace" : "proc";
        for (uint32_t i = 0; i < b->nentries; i++) {
            gmd_bundle_entry *e = &b->entries[i];
            if (strcmp(e->kind, kind) || e->line < 1 || (size_t)e->line > t.n) continue;
            const char *line = t.start[e->line - 1];
            size_t len = t.len[e->line - 1];
            if (which == 0) {
                e->text = gmd_arena_strndup(&b->arena, line, len);
                e->text_len = len;
            } else if (gmd_jsonl_parse_object(line, len, proc_field, &e->proc, err) < 0) {
                char path[4200];
                gmd_err_set_source(err, gmd_bundle_path(b, names[which], path, sizeof path));
                err->offset += line - (const char *)f.data;
                free(t.start);
                free(t.len);
                gmd_blob_free(&f);
                return -1;
            }
        }
        free(t.start);
        free(t.len);
        gmd_blob_free(&f);
    }
    return 0;
}

void gmd_bundle_free(gmd_bundle *b)
{
    free(b->entries);
    gmd_arena_free(&b->arena);
    memset(b, 0, sizeof *b);
}
