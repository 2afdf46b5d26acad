/* Fetching a profile from a net/http/pprof endpoint with libcurl. The
 * errors are written for the person who typed the URL: which host refused,
 * what the server said, and what to try next. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/input.h"
#include "gmd/xalloc.h"

typedef struct body_buf {
    uint8_t *data;
    size_t len, cap;
    uint64_t max;
    bool too_big;
} body_buf;

static size_t on_body(char *chunk, size_t size, size_t n, void *arg)
{
    body_buf *b = arg;
    size_t add = size * n;
    if ((uint64_t)b->len + add > b->max) {
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

/* "host:port" of the URL, for messages; falls back to the URL itself. */
static void url_host_port(const char *url, char *out, size_t size)
{
    snprintf(out, size, "%s", url);
    CURLU *u = curl_url();
    if (!u) return;
    char *host = NULL, *port = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(out, size, "%s:%s", host, port);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
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

int gmd_http_get(const char *url, double timeout_sec, uint64_t max_bytes,
                 uint8_t **body, size_t *body_len, char *content_type, size_t ct_size,
                 gmd_err *err)
{
    static bool curl_ready;
    *body = NULL;
    *body_len = 0;
    if (content_type && ct_size) content_type[0] = '\0';
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return gmd_errf(err, "cannot initialise libcurl");
        curl_ready = true;
    }
    if (!max_bytes) max_bytes = GMD_DEFAULT_MAX_INPUT;
    if (timeout_sec <= 0) timeout_sec = 60.0 + (double)url_seconds(url);

    CURL *c = curl_easy_init();
    if (!c) return gmd_errf(err, "cannot initialise libcurl");
    body_buf b = {.max = max_bytes};
    char curl_msg[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "gmd/" GMD_VERSION);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");   /* any encoding curl can decode */
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_sec * 1000.0));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");

    CURLcode rc = curl_easy_perform(c);
    char where[300];
    int ret = -1;
    if (rc != CURLE_OK) {
        url_host_port(url, where, sizeof where);
        switch (rc) {
        case CURLE_COULDNT_CONNECT:
            gmd_errf(err, "could not connect to %s: connection refused — is the program serving net/http/pprof?", where);
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
            if (!gmd_is_url(where) && strrchr(where, ':')) *strrchr(where, ':') = '\0';   /* drop the port */
            gmd_errf(err, "could not resolve the host name '%s' (is the URL right? is DNS reachable?)", where);
            break;
        case CURLE_OPERATION_TIMEDOUT:
            gmd_errf(err, "no response after %g s (for ?seconds=N profiles use a longer --timeout)", timeout_sec);
            break;
        case CURLE_WRITE_ERROR:
            if (b.too_big) {
                gmd_errf(err, "response is larger than the limit of %llu bytes; raise it with GMD_MAX_INPUT=BYTES",
                         (unsigned long long)max_bytes);
                break;
            }
            /* fall through */
        default:
            gmd_errf(err, "fetching from %s failed: %s", where, curl_msg[0] ? curl_msg : curl_easy_strerror(rc));
        }
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
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
        gmd_errf(err, "HTTP %ld%s%s%s%s", status, text[0] ? " " : "", text, k ? ": " : "", first);
        goto out;
    }
    if (content_type && ct_size) {
        char *ct = NULL;
        if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
            snprintf(content_type, ct_size, "%s", ct);
    }
    *body = b.data ? b.data : gmd_xmalloc(1);
    *body_len = b.len;
    b.data = NULL;
    ret = 0;
out:
    free(b.data);
    curl_easy_cleanup(c);
    return ret;
}
