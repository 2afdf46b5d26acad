/* Loading an input: a file (mmap'd when it is a regular file), standard
 * input ("-"), or an http(s) URL; then gzip is undone transparently. Every
 * size is bounded: max_input_bytes for what is read, and for gzip the
 * smaller of that and max_gzip_ratio x the compressed size. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gmd/input.h"
#include "gmd/xalloc.h"

static const uint8_t empty_input[1];

/* The files mapped now, for gmd_input_release: only their pages may be
 * dropped (a private read-only file page comes back from the file when
 * touched again; an anonymous one would come back zeroed). */
static struct { const uint8_t *p; size_t n; } mapped[16];
static pthread_mutex_t mapped_mu = PTHREAD_MUTEX_INITIALIZER;

static void mapped_set(const void *p, size_t n, const void *old)
{
    pthread_mutex_lock(&mapped_mu);
    for (size_t i = 0; i < sizeof mapped / sizeof *mapped; i++)
        if (mapped[i].p == old) {
            mapped[i].p = p;
            mapped[i].n = n;
            break;
        }
    pthread_mutex_unlock(&mapped_mu);
}

void gmd_input_release(const void *p, size_t n)
{
    const uint8_t *s = p;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    pthread_mutex_lock(&mapped_mu);
    for (size_t i = 0; i < sizeof mapped / sizeof *mapped; i++)
        if (mapped[i].p && mapped[i].p <= s && n <= mapped[i].n && (size_t)(s - mapped[i].p) <= mapped[i].n - n) {
            uintptr_t a = ((uintptr_t)s + page - 1) & ~(uintptr_t)(page - 1);
            uintptr_t e = ((uintptr_t)s + n) & ~(uintptr_t)(page - 1);
            if (e > a) madvise((void *)a, e - a, MADV_DONTNEED);
            break;
        }
    pthread_mutex_unlock(&mapped_mu);
}

bool gmd_is_url(const char *spec)
{
    return !strncmp(spec, "http://", 7) || !strncmp(spec, "https://", 8);
}

/* Limits: GMD_MAX_INPUT / GMD_GZIP_RATIO from the environment (the
 * documented way to change them), else the options, else the defaults. */
static uint64_t env_limit(const char *env)
{
    const char *s = getenv(env);
    if (s && *s) {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (!*end && v > 0) return v;
    }
    return 0;
}

/* The environment wins over a caller's own default, so that the knob every
 * "too large" error names always works (bundles ask for 1 GiB per file, run
 * and watch for 256 MiB per fetch). */
uint64_t gmd_max_input(uint64_t given)
{
    uint64_t v = env_limit("GMD_MAX_INPUT");
    if (!v) v = given;
    return v ? v : GMD_DEFAULT_MAX_INPUT;
}

uint64_t gmd_gzip_ratio(uint64_t given)
{
    uint64_t v = env_limit("GMD_GZIP_RATIO");
    if (!v) v = given;
    return v ? v : GMD_DEFAULT_GZIP_RATIO;
}

uint64_t gmd_max_fetch(uint64_t dflt)
{
    uint64_t v = env_limit("GMD_MAX_INPUT");
    if (!v) v = dflt;
    return v ? v : GMD_DEFAULT_MAX_FETCH;
}

static uint64_t max_input(const gmd_load_opts *o)
{
    return gmd_max_input(o ? o->max_input_bytes : 0);
}

static uint64_t gzip_ratio(const gmd_load_opts *o)
{
    return gmd_gzip_ratio(o ? o->max_gzip_ratio : 0);
}

static int too_large(gmd_err *err, const char *what, uint64_t max)
{
    return gmd_errf(err, "%s is larger than the limit of %llu bytes; raise it with GMD_MAX_INPUT=BYTES",
                    what, (unsigned long long)max);
}

/* Read a non-seekable descriptor (pipe, terminal, /dev/stdin) to the end. */
static int read_all(int fd, const char *what, uint64_t max, gmd_blob *out, gmd_err *err)
{
    size_t cap = 256 * 1024, len = 0;
    uint8_t *buf = gmd_xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                /* Full at the cap: one more byte means the input is over it. */
                uint8_t probe;
                ssize_t n;
                do n = read(fd, &probe, 1); while (n < 0 && errno == EINTR);
                if (n == 0) break;
                free(buf);
                return too_large(err, what, max);
            }
            cap = cap * 2 > max ? (size_t)max : cap * 2;
            buf = gmd_xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            return gmd_err_at(err, (int64_t)len, "read failed: %s", strerror(e));
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    out->owned = buf;
    out->data = buf;
    out->len = len;
    return 0;
}

static int open_error(gmd_err *err, int e)
{
    switch (e) {
    case ENOENT: return gmd_errf(err, "no such file or directory");
    case EACCES: return gmd_errf(err, "permission denied");
    case EISDIR: return gmd_errf(err, "is a directory, not a profile");
    default: return gmd_errf(err, "cannot open: %s", strerror(e));
    }
}

static int load_file(const char *path, uint64_t max, gmd_blob *out, gmd_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return open_error(err, errno);
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) < 0) {
        gmd_errf(err, "cannot stat: %s", strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        open_error(err, EISDIR);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = read_all(fd, "the input", max, out, err);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        too_large(err, "the file", max);
        goto out;
    }
    if (st.st_size == 0) {   /* mmap of 0 bytes fails; the parser reports "empty" */
        out->data = empty_input;
        out->len = 0;
        rc = 0;
        goto out;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        /* Some filesystems cannot map; reading works everywhere. */
        rc = read_all(fd, "the file", max, out, err);
        goto out;
    }
    madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
    mapped_set(m, (size_t)st.st_size, NULL);
    out->mapping = m;
    out->mapping_len = (size_t)st.st_size;
    out->data = m;
    out->len = (size_t)st.st_size;
    rc = 0;
out:
    close(fd);
    return rc;
}

bool gmd_blob_is_gzip(const gmd_blob *b)
{
    return b->len >= 2 && b->data[0] == 0x1f && b->data[1] == 0x8b;
}

/* Replace the raw bytes with their decompressed form when they are gzip. */
int gmd_blob_gunzip(gmd_blob *b, const gmd_load_opts *opts, gmd_err *err)
{
    if (!gmd_blob_is_gzip(b)) return 0;
    uint8_t *plain;
    size_t plain_len;
    if (gmd_gunzip(b->data, b->len, gzip_ratio(opts), max_input(opts), &plain, &plain_len, err) < 0) return -1;
    gmd_blob_set_inflated(b, plain, plain_len);
    return 0;
}

void gmd_blob_set_inflated(gmd_blob *b, uint8_t *plain, size_t len)
{
    if (b->mapping) {
        mapped_set(NULL, 0, b->mapping);
        munmap(b->mapping, b->mapping_len);
    }
    free(b->owned);
    b->mapping = NULL;
    b->mapping_len = 0;
    b->owned = plain;
    b->data = plain;
    b->len = len;
    b->was_gzip = true;
}

int gmd_blob_load(const char *spec, const gmd_load_opts *opts, gmd_blob *out, gmd_err *err)
{
    memset(out, 0, sizeof *out);
    uint64_t max = max_input(opts);
    gmd_load_opts url_opts;
    int rc;
    if (gmd_is_url(spec)) {
        /* An endpoint has a lower default than a file, for the inflated
         * bytes too. */
        if (opts) url_opts = *opts;
        else memset(&url_opts, 0, sizeof url_opts);
        url_opts.max_input_bytes = gmd_max_fetch(url_opts.max_input_bytes);
        opts = &url_opts;
        uint8_t *body;
        size_t n;
        rc = gmd_http_get(spec, opts->timeout_sec, opts->max_input_bytes, &body, &n, NULL, 0, err);
        if (rc == 0) {
            out->owned = body;
            out->data = body;
            out->len = n;
        }
    } else if (!strcmp(spec, "-")) {
        rc = read_all(STDIN_FILENO, "standard input", max, out, err);
    } else {
        rc = load_file(spec, max, out, err);
    }
    if (rc == 0 && !(opts && opts->keep_gzip)) rc = gmd_blob_gunzip(out, opts, err);
    if (rc < 0) {
        gmd_err_set_source(err, spec);
        gmd_blob_free(out);
        return -1;
    }
    out->name = gmd_xstrdup(spec);
    return 0;
}

int gmd_blob_from_memory(const void *data, size_t len, const char *name,
                         const gmd_load_opts *opts, gmd_blob *out, gmd_err *err)
{
    memset(out, 0, sizeof *out);
    out->owned = gmd_xmalloc(len ? len : 1);
    if (len) memcpy(out->owned, data, len);
    out->data = out->owned;
    out->len = len;
    if (!(opts && opts->keep_gzip) && gmd_blob_gunzip(out, opts, err) < 0) {
        gmd_err_set_source(err, name);
        gmd_blob_free(out);
        return -1;
    }
    out->name = gmd_xstrdup(name ? name : "");
    return 0;
}

void gmd_blob_free(gmd_blob *b)
{
    if (!b) return;
    if (b->mapping) {
        mapped_set(NULL, 0, b->mapping);
        munmap(b->mapping, b->mapping_len);
    }
    free(b->owned);
    free(b->name);
    memset(b, 0, sizeof *b);
}
