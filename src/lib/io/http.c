/* Fetching a profile from a net/http/pprof endpoint with libcurl. The
 * errors are written for the person who typed the URL: which host refused,
 * what the server said, and what to try next.
 *
 * libcurl is loaded on the first fetch (see gmd/lazylib.h), so commands on
 * files do not pay for loading it and its TLS stack. */
#define CURL_DISABLE_TYPECHECK   /* its checks are macros on the real names */
#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "gmd/input.h"
#include "gmd/lazylib.h"
#include "gmd/xalloc.h"

static struct curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *c, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *c);
    const char *(*easy_strerror)(CURLcode code);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *u);
    CURLUcode (*url_get)(const CURLU *u, CURLUPart what, char **part, unsigned int flags);
    CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
    void (*free)(void *p);
} api;

static int load_curl(gmd_err *err)
{
    static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", NULL};
    static const char *const symbols[] = {
        "curl_global_init", "curl_easy_init", "curl_easy_setopt", "curl_easy_perform", "curl_easy_getinfo",
        "curl_easy_cleanup", "curl_easy_strerror", "curl_url", "curl_url_cleanup", "curl_url_get", "curl_url_set",
        "curl_free", NULL};
    static void *fn[sizeof symbols / sizeof *symbols];
    static gmd_lazylib lib = {"libcurl", sonames, symbols, fn, NULL, false, false, ""};
    if (lib.tried) return lib.ok ? 0 : gmd_errf(err, "cannot fetch URLs: %s", lib.why);
    if (!gmd_lazylib_load(&lib)) return gmd_errf(err, "cannot fetch URLs: %s", lib.why);
    /* dlsym gives object pointers; POSIX guarantees they convert. */
    api.global_init = (CURLcode (*)(long))fn[0];
    api.easy_init = (CURL * (*)(void)) fn[1];
    api.easy_setopt = (CURLcode (*)(CURL *, CURLoption, ...))fn[2];
    api.easy_perform = (CURLcode (*)(CURL *))fn[3];
    api.easy_getinfo = (CURLcode (*)(CURL *, CURLINFO, ...))fn[4];
    api.easy_cleanup = (void (*)(CURL *))fn[5];
    api.easy_strerror = (const char *(*)(CURLcode))fn[6];
    api.url = (CURLU * (*)(void)) fn[7];
    api.url_cleanup = (void (*)(CURLU *))fn[8];
    api.url_get = (CURLUcode (*)(const CURLU *, CURLUPart, char **, unsigned int))fn[9];
    api.url_set = (CURLUcode (*)(CURLU *, CURLUPart, const char *, unsigned int))fn[10];
    api.free = (void (*)(void *))fn[11];
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        lib.ok = false;
        snprintf(lib.why, sizeof lib.why, "libcurl failed to initialise");
        return gmd_errf(err, "cannot fetch URLs: %s", lib.why);
    }
    return 0;
}

struct gmd_http_stream;
struct head_state;
static bool stream_begin(struct gmd_http_stream *st, CURL *c, const struct head_state *h);
static bool stream_write(struct gmd_http_stream *st, const char *p, size_t n);

typedef struct body_buf {
    uint8_t *data;
    size_t len, cap;
    uint64_t max;
    bool too_big;
    /* Streaming (gmd_http_stream_open): a 200 response with no encoding goes
     * to the stream as it arrives instead of into data. */
    struct gmd_http_stream *stream;
    CURL *curl;
    const struct head_state *head;
    bool decided, streaming;
    uint64_t streamed;
} body_buf;

static size_t on_body(char *chunk, size_t size, size_t n, void *arg)
{
    body_buf *b = arg;
    size_t add = size * n;
    if (b->stream && !b->decided) {
        b->decided = true;
        b->streaming = stream_begin(b->stream, b->curl, b->head);
    }
    if (b->streaming) {
        if (b->streamed + add > b->max) {
            b->too_big = true;
            return 0;
        }
        b->streamed += add;
        return stream_write(b->stream, chunk, add) ? add : 0;
    }
    /* What is kept in memory stays under the endpoint limit even when a
     * stream may be longer. */
    uint64_t keep = b->stream && b->max > GMD_DEFAULT_MAX_FETCH ? gmd_max_fetch(0) : b->max;
    if ((uint64_t)b->len + add > keep) {
        b->too_big = true;
        return 0;   /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (b->len + add > b->cap) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (cap < b->len + add) cap *= 2;
        b->data = gmd_xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, chunk, add);
    b->len += add;
    return add;
}

/* Set to abort every transfer still running (gmd run/watch set it when they
 * abandon fetches at the end of collection): libcurl calls this at least
 * once a second, even while the server sends nothing. */
_Atomic int gmd_http_abort;   /* atomic: set on one thread, read on the fetching ones */
static bool stream_aborted(const struct gmd_http_stream *st);
static int on_progress(void *p, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return gmd_http_abort || (p && stream_aborted(p)) ? 1 : 0;
}

/* Response headers are counted and capped here, below libcurl's own limits,
 * so that a flood of headers gets a clear message rather than libcurl's
 * "Out of memory"; the Content-Encoding is kept to be undone by gmd itself. */
#define MAX_HEADER_BYTES (64 * 1024)

typedef struct head_state {
    size_t bytes;
    bool too_big;
    char encoding[64];
} head_state;

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
    head_state *h = arg;
    size_t len = size * n;
    if (len >= 5 && !strncmp(line, "HTTP/", 5)) h->encoding[0] = '\0';   /* a new response */
    h->bytes += len;
    if (h->bytes > MAX_HEADER_BYTES) {
        h->too_big = true;
        return 0;
    }
    static const char key[] = "content-encoding:";
    if (len > sizeof key - 1 && !strncasecmp(line, key, sizeof key - 1)) {
        const char *v = line + sizeof key - 1, *e = line + len;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t')) e--;
        size_t k = (size_t)(e - v) < sizeof h->encoding - 1 ? (size_t)(e - v) : sizeof h->encoding - 1;
        for (size_t i = 0; i < k; i++) h->encoding[i] = (char)tolower((unsigned char)v[i]);
        h->encoding[k] = '\0';
    }
    return len;
}

/* "host:port" of the URL, for messages; falls back to the URL itself. */
static void url_host_port(const char *url, char *out, size_t size)
{
    snprintf(out, size, "%s", url);
    CURLU *u = api.url();
    if (!u) return;
    char *host = NULL, *port = NULL;
    if (api.url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        api.url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        api.url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(out, size, "%s:%s", host, port);
    api.free(host);
    api.free(port);
    api.url_cleanup(u);
}

/* "scheme://host:port" of a URL, "" when it does not parse: a redirect is
 * followed only when this stays the same. */
static void url_origin(const char *url, char *out, size_t size)
{
    out[0] = '\0';
    CURLU *u = api.url();
    if (!u) return;
    char *scheme = NULL, *host = NULL, *port = NULL;
    if (api.url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        api.url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        api.url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        api.url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(out, size, "%s://%s:%s", scheme, host, port);
    api.free(scheme);
    api.free(host);
    api.free(port);
    api.url_cleanup(u);
}

static const char *status_text(long code)
{
    switch (code) {
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

/* ?seconds=N in the URL, 0 when absent. */
static long url_seconds(const char *url)
{
    const char *q = strchr(url, '?');
    for (const char *p = q; p; p = strchr(p + 1, '&'))
        if (!strncmp(p + 1, "seconds=", 8)) return strtol(p + 9, NULL, 10);
    return 0;
}

#define MAX_REDIRECTS 10

static int http_fetch(const char *url, double timeout_sec, uint64_t max_bytes, struct gmd_http_stream *stream,
                      uint8_t **body, size_t *body_len, char *content_type, size_t ct_size, gmd_err *err)
{
    *body = NULL;
    *body_len = 0;
    if (content_type && ct_size) content_type[0] = '\0';
    if (load_curl(err) < 0) return -1;
    max_bytes = gmd_max_fetch(max_bytes);
    if (timeout_sec <= 0) timeout_sec = 60.0 + (double)url_seconds(url);

    CURL *c = api.easy_init();
    if (!c) return gmd_errf(err, "cannot initialise libcurl");
    head_state h = {0};
    body_buf b = {.max = max_bytes, .stream = stream, .curl = c, .head = &h};
    char curl_msg[CURL_ERROR_SIZE] = "";
    /* Redirects are followed here, not by libcurl, to refuse the ones that
     * leave the host and port the user named. */
    char *cur = gmd_xstrdup(url);
    api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    api.easy_setopt(c, CURLOPT_USERAGENT, "gmd/" GMD_VERSION);
    /* gzip is accepted but undone by gmd_gunzip below, under the ratio cap;
     * libcurl's own decoding has no cap. */
    api.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    api.easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    api.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_sec * 1000.0));
    api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    api.easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stream);
    api.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    api.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    api.easy_setopt(c, CURLOPT_WRITEDATA, &b);
    api.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    api.easy_setopt(c, CURLOPT_HEADERDATA, &h);
    api.easy_setopt(c, CURLOPT_ERRORBUFFER, curl_msg);
    api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");

    char where[300], via[700] = "";
    int ret = -1;
    long status = 0;
    for (int hops = 0;; hops++) {
        api.easy_setopt(c, CURLOPT_URL, cur);
        b.len = 0;
        b.too_big = false;
        b.decided = b.streaming = false;
        h.bytes = 0;
        h.too_big = false;
        h.encoding[0] = '\0';
        curl_msg[0] = '\0';
        CURLcode rc = api.easy_perform(c);
        if (rc != CURLE_OK) {
            url_host_port(cur, where, sizeof where);
            switch (rc) {
            case CURLE_COULDNT_CONNECT:
                gmd_errf(err, "could not connect to %s%s: connection refused — is the program serving net/http/pprof?",
                         where, via);
                break;
            case CURLE_COULDNT_RESOLVE_HOST:
                if (!gmd_is_url(where) && strrchr(where, ':')) *strrchr(where, ':') = '\0';   /* drop the port */
                gmd_errf(err, "could not resolve the host name '%s'%s (is the URL right? is DNS reachable?)", where, via);
                break;
            case CURLE_OPERATION_TIMEDOUT:
                if (b.streaming)
                    gmd_errf(err, "timed out after %g s with %llu bytes of the body received%s", timeout_sec,
                             (unsigned long long)b.streamed, via);
                else if (h.bytes == 0)
                    gmd_errf(err, "no response after %g s%s (for ?seconds=N profiles use a longer --timeout)",
                             timeout_sec, via);
                else
                    gmd_errf(err, "timed out after %g s with %zu bytes of the body received%s: the server sends "
                                  "too slowly (for ?seconds=N profiles use a longer --timeout)",
                             timeout_sec, b.len, via);
                break;
            case CURLE_WRITE_ERROR:
                if (b.too_big) {
                    gmd_errf(err, "response is larger than the limit of %llu bytes; raise it with GMD_MAX_INPUT=BYTES",
                             (unsigned long long)max_bytes);
                    break;
                }
                if (h.too_big) {
                    gmd_errf(err, "the response's headers from %s%s exceed %d KiB: not a profile endpoint?", where, via,
                             MAX_HEADER_BYTES / 1024);
                    break;
                }
                goto other;
            case CURLE_OUT_OF_MEMORY:
            case CURLE_RECV_ERROR:
                /* libcurl refuses one header line over its own limit this way. */
                if (b.len == 0 && h.bytes > 0) {
                    gmd_errf(err, "the response's headers from %s%s could not be read: a header line over "
                                  "libcurl's limit (100 KiB)? not a profile endpoint?", where, via);
                    break;
                }
                goto other;
            default:
            other:
                gmd_errf(err, "fetching from %s%s failed: %s", where, via, curl_msg[0] ? curl_msg : api.easy_strerror(rc));
            }
            goto out;
        }
        status = 0;
        api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        char *next = NULL;
        if (status < 300 || status > 399 || api.easy_getinfo(c, CURLINFO_REDIRECT_URL, &next) != CURLE_OK || !next)
            break;
        char from[300], to[300];
        url_origin(cur, from, sizeof from);
        url_origin(next, to, sizeof to);
        if (!from[0] || strcmp(from, to)) {
            gmd_errf(err, "redirected (HTTP %ld) to %s, another host, port or scheme: not followed (fetch that URL "
                          "directly if it is right)", status, next);
            goto out;
        }
        if (hops == MAX_REDIRECTS) {
            gmd_errf(err, "more than %d redirects (the last to %s)", MAX_REDIRECTS, next);
            goto out;
        }
        char *n2 = gmd_xstrdup(next);   /* owned by the handle until the next perform */
        free(cur);
        cur = n2;
        snprintf(via, sizeof via, " (redirected to %.600s)", cur);
    }
    if (status != 200) {
        /* net/http/pprof writes the reason as plain text ("Unknown profile",
         * "Could not enable CPU profiling: ..."); show its first line. */
        size_t n = 0;
        while (n < b.len && n < 200 && b.data[n] != '\n' && b.data[n] != '\r') n++;
        char first[208];
        size_t k = 0;
        for (size_t i = 0; i < n; i++) first[k++] = (b.data[i] >= 0x20 && b.data[i] < 0x7f) ? (char)b.data[i] : '?';
        first[k] = '\0';
        const char *text = status_text(status);
        gmd_errf(err, "HTTP %ld%s%s%s%s%s", status, text[0] ? " " : "", text, k ? ": " : "", first, via);
        goto out;
    }
    if (h.encoding[0] && strcmp(h.encoding, "identity")) {
        if (strcmp(h.encoding, "gzip") && strcmp(h.encoding, "x-gzip")) {
            gmd_errf(err, "the response has Content-Encoding '%s', which gmd does not read (only gzip)", h.encoding);
            goto out;
        }
        uint8_t *plain;
        size_t plain_len;
        if (gmd_gunzip(b.data ? b.data : (const uint8_t *)"", b.len, 0, max_bytes, &plain, &plain_len, err) < 0) {
            char inner[sizeof err->msg];
            snprintf(inner, sizeof inner, "%s", err->msg);
            gmd_errf(err, "Content-Encoding gzip: %s", inner);
            goto out;
        }
        free(b.data);
        b.data = plain;
        b.len = plain_len;
    }
    if (content_type && ct_size) {
        char *ct = NULL;
        if (api.easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
            snprintf(content_type, ct_size, "%s", ct);
    }
    *body = b.data ? b.data : gmd_xmalloc(1);
    *body_len = b.len;
    b.data = NULL;
    ret = 0;
out:
    free(b.data);
    free(cur);
    api.easy_cleanup(c);
    return ret;
}

int gmd_http_get(const char *url, double timeout_sec, uint64_t max_bytes,
                 uint8_t **body, size_t *body_len, char *content_type, size_t ct_size,
                 gmd_err *err)
{
    return http_fetch(url, timeout_sec, max_bytes, NULL, body, body_len, content_type, ct_size, err);
}

/* ------------------------------------------------------------- streaming */

/* The transfer runs on a thread of its own and writes the body into one end
 * of a socket pair as it arrives; the caller reads the other end like any
 * stream. Open waits until the response is known to be a 200 (or failed),
 * so "connection refused" or "HTTP 404" stay errors of the open. */
struct gmd_http_stream {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wfd, rfd;
    char *url;
    double timeout;
    uint64_t max;
    enum { ST_WAITING, ST_STREAMING, ST_FAILED } state;
    bool done;
    _Atomic int abort;
    gmd_err err;                 /* how the transfer ended (valid when done) */
    int rc;
};

static bool stream_aborted(const struct gmd_http_stream *st) { return st->abort != 0; }

static void stream_set_state(struct gmd_http_stream *st, int state)
{
    pthread_mutex_lock(&st->mu);
    if (st->state == ST_WAITING) st->state = state;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

/* The first body bytes: stream only a plain 200 (an error page, a redirect's
 * body or a gzip encoding is buffered and handled as gmd_http_get does). */
static bool stream_begin(struct gmd_http_stream *st, CURL *c, const struct head_state *h)
{
    long status = 0;
    api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || (h->encoding[0] && strcmp(h->encoding, "identity"))) return false;
    stream_set_state(st, ST_STREAMING);
    return true;
}

/* False when the reader went away (its end closed): the transfer stops. */
static bool stream_write(struct gmd_http_stream *st, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(st->wfd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void *stream_main(void *arg)
{
    struct gmd_http_stream *st = arg;
    uint8_t *body = NULL;
    size_t len = 0;
    gmd_err e;
    gmd_err_clear(&e);
    int rc = http_fetch(st->url, st->timeout, st->max, st, &body, &len, NULL, 0, &e);
    /* A body that was not streamed (gzip-encoded, say) is written whole now. */
    if (rc == 0 && len > 0) {
        stream_set_state(st, ST_STREAMING);
        stream_write(st, (const char *)body, len);
    }
    free(body);
    pthread_mutex_lock(&st->mu);
    st->rc = rc;
    st->err = e;
    st->done = true;
    if (st->state == ST_WAITING) st->state = rc < 0 ? ST_FAILED : ST_STREAMING;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    shutdown(st->wfd, SHUT_WR);   /* the reader sees the end */
    return NULL;
}

gmd_http_stream *gmd_http_stream_open(const char *url, double timeout_sec, uint64_t max_bytes, int *fd, gmd_err *err)
{
    *fd = -1;
    if (load_curl(err) < 0) return NULL;   /* here, not on the thread: loading is not thread-safe */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        gmd_errf(err, "socketpair: %s", strerror(errno));
        return NULL;
    }
    struct gmd_http_stream *st = gmd_xcalloc(1, sizeof *st);
    st->rfd = sv[0];
    st->wfd = sv[1];
    st->url = gmd_xstrdup(url);
    st->timeout = timeout_sec;
    st->max = gmd_max_fetch(max_bytes);
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    int prc = pthread_create(&st->thread, NULL, stream_main, st);
    if (prc != 0) {
        gmd_errf(err, "cannot start a thread for %s: %s", url, strerror(prc));
        close(sv[0]), close(sv[1]);
        pthread_mutex_destroy(&st->mu);
        pthread_cond_destroy(&st->cv);
        free(st->url);
        free(st);
        return NULL;
    }
    pthread_mutex_lock(&st->mu);
    while (st->state == ST_WAITING) pthread_cond_wait(&st->cv, &st->mu);
    bool failed = st->state == ST_FAILED;
    if (failed) *err = st->err;
    pthread_mutex_unlock(&st->mu);
    if (failed) {
        gmd_http_stream_close(st, NULL);
        return NULL;
    }
    *fd = st->rfd;
    return st;
}

int gmd_http_stream_result(gmd_http_stream *st, gmd_err *err)
{
    pthread_mutex_lock(&st->mu);
    int rc = st->done ? st->rc : 0;
    if (rc < 0 && err) *err = st->err;
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int gmd_http_stream_close(gmd_http_stream *st, gmd_err *err)
{
    if (!st) return 0;
    st->abort = 1;
    close(st->rfd);   /* a send() blocked on a full socket fails now */
    pthread_join(st->thread, NULL);
    int rc = st->rc;
    if (rc < 0 && err) *err = st->err;
    close(st->wfd);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    free(st->url);
    free(st);
    return rc;
}
