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
        w->fail_t = w->last_t;
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
    struct stat st;
    bool existed = stat(dir, &st) == 0;
    if (mkdir_p(dir, err) < 0) return -1;
    w->made_dir = !existed;
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
    w->last_t = t;
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
    w->last_t = t;
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

/* An execution trace fetched in the background (helper A's): written whole
 * (temp + rename, like every profile), then its index line (t and t_end:
 * when the request was sent and the body was complete). */
static int add_trace(gmd_bundle_writer *w, double t_start, int64_t wall_start_ns, double t_end,
                     const uint8_t *data, size_t len, bool partial, gmd_err *err)
{
    w->last_t = t_start;
    if (w->failed) return writer_stopped(w, err);
    uint32_t seq = next_seq(w, "trace");
    if (!seq) return gmd_errf(err, "too many profile kinds in one bundle");
    char sub[4200], file[64];
    snprintf(sub, sizeof sub, "%s/trace", w->dir);
    if (mkdir(sub, 0777) < 0 && errno != EEXIST) return writer_fail(w, "trace", errno, err);
    snprintf(file, sizeof file, "trace/%04u.trace", seq);
    if (write_whole(w, file, data, len, err) < 0) return -1;
    gmd_json j;
    index_begin(&j, w->index, t_start, wall_start_ns, "trace");
    gmd_json_key(&j, "file");
    gmd_json_string(&j, file);
    gmd_json_key(&j, "t_end");
    gmd_json_double(&j, round(t_end * 1e6) / 1e6);
    if (partial) {
        gmd_json_key(&j, "partial");
        gmd_json_bool(&j, true);
    }
    return index_end(w, &j, err);
}

int gmd_bundle_add_trace(gmd_bundle_writer *w, double t_start, int64_t wall_start_ns, double t_end,
                         const uint8_t *data, size_t len, gmd_err *err)
{
    return add_trace(w, t_start, wall_start_ns, t_end, data, len, false, err);
}

int gmd_bundle_add_trace_partial(gmd_bundle_writer *w, double t_start, int64_t wall_start_ns, double t_end,
                                 const uint8_t *data, size_t len, gmd_err *err)
{
    return add_trace(w, t_start, wall_start_ns, t_end, data, len, true, err);
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
    w->last_t = t;
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
    if (m->trace_every_sec > 0) {
        gmd_json_key(&j, "trace_every");
        gmd_json_double(&j, m->trace_every_sec);
        gmd_json_key(&j, "trace_seconds");
        gmd_json_double(&j, m->trace_seconds);
    }
    if (m->traces_partial) {
        gmd_json_key(&j, "traces_partial");
        gmd_json_int(&j, m->traces_partial);
    }
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

void gmd_bundle_discard(const gmd_bundle_writer *w, const char *dir)
{
    static const char *const made[] = {"index.jsonl", "meta.json", "meta.json.tmp", "proc.jsonl", "gctrace.log"};
    char path[4096];
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        if (snprintf(path, sizeof path, "%s/%s", dir, made[i]) < (int)sizeof path) unlink(path);
    }
    if (w->made_dir) rmdir(dir);   /* fails, harmlessly, when anything else is in it */
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

/* Something skipped while opening: counted, and the first few kept as notes. */
static void note(gmd_bundle *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(gmd_bundle *b, const char *fmt, ...)
{
    if (b->nnotes >= sizeof b->notes / sizeof *b->notes) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->notes[b->nnotes++] = gmd_arena_strdup(&b->arena, msg);
}

typedef struct bytes {
    char *data;
    size_t len;
} bytes;

/* Read a file of the bundle whole: only a regular file, never through a
 * symbolic link, opened non-blocking so a FIFO cannot hang the reader, and
 * no more than `max` bytes (a link to /dev/zero is refused, not read).
 * Returns 0, 1 when it does not exist, -1 with the reason in why. */
static int read_regular(const char *path, uint64_t max, bytes *out, char *why, size_t whysize)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 1;
        snprintf(why, whysize, "%s", errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, whysize, "not a regular file");
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(why, whysize, "%lld bytes, more than the %llu allowed (GMD_MAX_INPUT raises it)", (long long)st.st_size,
                 (unsigned long long)max);
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size, len = 0;
    char *data = gmd_xmalloc(cap + 1);
    while (len < cap) {
        ssize_t n = read(fd, data + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(why, whysize, "%s", strerror(errno));
            free(data);
            close(fd);
            return -1;
        }
        if (n == 0) break;   /* shrank while read: use what is there */
        len += (size_t)n;
    }
    close(fd);
    data[len] = '\0';
    out->data = data;
    out->len = len;
    return 0;
}

/* An artifact's path: relative, inside the bundle, through real directories
 * (no link anywhere), to a regular file. NULL if fine, else why not. */
static const char *artifact_problem(const gmd_bundle *b, const char *file, char *why, size_t whysize)
{
    if (!file[0]) return "no file named";
    if (file[0] == '/' || strstr(file, "..")) return "names a file outside the bundle";
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", b->dir, file) >= sizeof path) return "path too long";
    /* Each directory below the bundle's own must be a directory, not a link. */
    size_t base = strlen(b->dir) + 1;
    for (size_t i = base; path[i]; i++) {
        if (path[i] != '/') continue;
        path[i] = '\0';
        struct stat st;
        int rc = lstat(path, &st);
        path[i] = '/';
        if (rc < 0) return errno == ENOENT ? "missing" : strerror(errno);
        if (S_ISLNK(st.st_mode)) return "inside a symbolic link (not followed)";
        if (!S_ISDIR(st.st_mode)) return "not inside a directory";
    }
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT ? "missing" : strerror(errno);
    if (S_ISLNK(st.st_mode)) {
        snprintf(why, whysize, "a symbolic link (not followed)");
        return why;
    }
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    return NULL;
}

/* Calls fn for each line (without the newline) with its byte offset. */
typedef int (*line_fn)(void *ctx, const char *line, size_t len, size_t offset, gmd_err *err);

static int for_each_line(const bytes *blob, line_fn fn, void *ctx, gmd_err *err)
{
    const char *p = blob->data, *end = p + blob->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (fn(ctx, p, n, (size_t)(p - blob->data), err) < 0) return -1;
        p += n + 1;
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
    else if (!strcmp(key, "wall") && !is_string && num >= 0 && num < 9e18) c->e.wall_ns = (int64_t)num;
    else if (!strcmp(key, "kind") && is_string) { c->e.kind = gmd_arena_strdup(&c->b->arena, str); c->have_kind = true; }
    else if (!strcmp(key, "file") && is_string) c->e.file = gmd_arena_strdup(&c->b->arena, str);
    else if (!strcmp(key, "line") && !is_string && num >= 0 && num < 1e12) c->e.line = (int64_t)num;
    else if (!strcmp(key, "debug") && !is_string && num >= 0 && num < 10) c->e.debug = (int)num;
    else if (!strcmp(key, "gc") && !is_string) c->e.forced_gc = num != 0;
    else if (!strcmp(key, "t_end") && !is_string && num >= 0 && num < 1e12) c->e.t_end = num;
}

static bool is_journal_kind(const char *kind) { return !strcmp(kind, "gctrace") || !strcmp(kind, "proc"); }

/* A bad line (a crash or a full disk can cut the last one) is skipped and
 * counted, not fatal: the lines around it are as good as ever. */
static int index_line(void *vctx, const char *line, size_t len, size_t offset, gmd_err *err)
{
    gmd_bundle *b = vctx;
    if (len == 0) return 0;
    entry_ctx c;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.e.file = "";
    gmd_err lerr;
    gmd_err_clear(&lerr);
    const char *why = NULL;
    char whybuf[600];
    if (gmd_jsonl_parse_object(line, len, entry_field, &c, &lerr) < 0) {
        snprintf(whybuf, sizeof whybuf, "byte %lld: %s", (long long)(lerr.offset + (int64_t)offset), lerr.msg);
        why = whybuf;
    } else if (!c.have_t || !c.have_kind) {
        why = "an entry without \"t\" or \"kind\"";
    } else if (!isfinite(c.e.t) || c.e.t < 0 || c.e.t > 1e9) {
        why = "an entry with a bad time";
    } else if (b->nentries >= MAX_INDEX_ENTRIES) {
        return gmd_err_at(err, (int64_t)offset, "more than %u index entries", MAX_INDEX_ENTRIES);
    } else if (!is_journal_kind(c.e.kind)) {
        char lwhy[64];
        const char *p = artifact_problem(b, c.e.file, lwhy, sizeof lwhy);
        if (p) {
            b->skipped_files++;
            note(b, "%s: %s (skipped)", c.e.file[0] ? c.e.file : "index.jsonl", p);
            return 0;
        }
    }
    if (why) {
        b->skipped_lines++;
        if (why == whybuf) note(b, "index.jsonl: %s (line skipped)", why);
        else note(b, "index.jsonl: byte %zu: %s (line skipped)", offset, why);
        return 0;
    }
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

/* meta.json is pretty-printed: read it as one object; the command array is
 * picked out separately. Missing, empty or broken, it only costs the run's
 * description (defaults, and a note): the artifacts are what is judged. */
static void read_meta(gmd_bundle *b)
{
    char path[4200], why[256];
    bytes blob;
    gmd_bundle_path(b, "meta.json", path, sizeof path);
    int rc = read_regular(path, MAX_META_BYTES, &blob, why, sizeof why);
    if (rc > 0) {   /* the run did not end normally (killed, disk full) */
        note(b, "meta.json: missing; the run's description uses defaults");
        return;
    }
    if (rc < 0) {
        note(b, "meta.json: %s; the run's description uses defaults", why);
        return;
    }
    if (blob.len == 0) {
        note(b, "meta.json: empty; the run's description uses defaults");
        free(blob.data);
        return;
    }
    meta_ctx m = {b, 0};
    gmd_err merr;
    gmd_err_clear(&merr);
    if (gmd_jsonl_parse_object(blob.data, blob.len, meta_field, &m, &merr) < 0)
        note(b, "meta.json: byte %lld: %s; fields after it use defaults", (long long)merr.offset, merr.msg);
    /* "command": ["a", "b"] -> "a b" (display only). */
    const char *s = blob.data;
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
    free(blob.data);
}

/* Resolve the gctrace and proc records against their journals; a record
 * whose line is missing or bad is dropped and counted. */
static void resolve_journal(gmd_bundle *b, int which)
{
    static const char *const names[2] = {"gctrace.log", "proc.jsonl"};
    const char *kind = which == 0 ? "gctrace" : "proc";
    char path[4200], why[256];
    bytes f = {NULL, 0};
    int rc = read_regular(gmd_bundle_path(b, names[which], path, sizeof path), gmd_max_input(MAX_JOURNAL_BYTES), &f, why, sizeof why);
    if (rc < 0) note(b, "%s: %s (skipped)", names[which], why);
    line_table t = {0};
    if (rc == 0) for_each_line(&f, table_line, &t, NULL);
    uint32_t kept = 0, missing = 0;
    for (uint32_t i = 0; i < b->nentries; i++) {
        gmd_bundle_entry *e = &b->entries[i];
        bool keep = true;
        if (!strcmp(e->kind, kind)) {
            if (e->line < 1 || (size_t)e->line > t.n) {
                keep = false;
                missing++;
            } else {
                const char *line = t.start[e->line - 1];
                size_t len = t.len[e->line - 1];
                gmd_err perr;
                gmd_err_clear(&perr);
                if (which == 0) {
                    e->text = gmd_arena_strndup(&b->arena, line, len);
                    e->text_len = len;
                } else if (gmd_jsonl_parse_object(line, len, proc_field, &e->proc, &perr) < 0) {
                    keep = false;
                    b->skipped_lines++;
                    note(b, "proc.jsonl: byte %lld: %s (line skipped)", (long long)(perr.offset + (line - f.data)),
                         perr.msg);
                }
            }
        }
        if (keep) b->entries[kept++] = *e;
    }
    if (missing) {
        b->skipped_lines += missing;
        note(b, "index.jsonl: %u %s record%s without %s line (skipped)", missing, kind, missing == 1 ? "" : "s",
             rc == 0 ? "a matching" : "their");
    }
    b->nentries = kept;
    free(t.start);
    free(t.len);
    free(f.data);
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
    char path[4200], why[256];
    gmd_bundle_path(b, "index.jsonl", path, sizeof path);
    bytes blob;
    int rc = read_regular(path, gmd_max_input(MAX_JOURNAL_BYTES), &blob, why, sizeof why);
    if (rc != 0) {
        gmd_err_set_source(err, path);
        if (rc > 0) return gmd_errf(err, "missing: not a bundle directory (gmd run --out writes one)");
        return gmd_errf(err, "%s", why);
    }
    rc = for_each_line(&blob, index_line, b, err);
    free(blob.data);
    if (rc < 0) {
        gmd_err_set_source(err, path);
        return -1;
    }
    read_meta(b);
    resolve_journal(b, 0);
    resolve_journal(b, 1);
    for (uint32_t i = 0; i < b->nentries; i++) b->gc_forced += b->entries[i].forced_gc;
    return 0;
}

void gmd_bundle_free(gmd_bundle *b)
{
    free(b->entries);
    gmd_arena_free(&b->arena);
    memset(b, 0, sizeof *b);
}
