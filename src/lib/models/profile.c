#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/profile.h"
#include "gmd/xalloc.h"

gmd_profile *gmd_profile_new(void)
{
    gmd_profile *p = gmd_xcalloc(1, sizeof *p);
    gmd_arena_init(&p->arena, 1u << 20);
    gmd_intern_init(&p->strings, &p->arena);
    p->default_sample_type = -1;
    p->period_type.type = p->period_type.unit = "";
    p->drop_frames = p->keep_frames = p->doc_url = "";
    p->traceback.reason = "";
    p->traceback.goroutine = -1;
    return p;
}

gmd_profile *gmd_profile_new_heap(int64_t rate)
{
    static const char *const types[4][2] = {
        {"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
    gmd_profile *p = gmd_profile_new();
    p->format = GMD_FMT_PROTO;
    p->nsample_types = 4;
    p->sample_types = gmd_arena_alloc(&p->arena, 4 * sizeof *p->sample_types);
    for (int k = 0; k < 4; k++) {
        p->sample_types[k].type = gmd_intern_str(&p->strings, types[k][0]);
        p->sample_types[k].unit = gmd_intern_str(&p->strings, types[k][1]);
    }
    p->period_type.type = gmd_intern_str(&p->strings, "space");
    p->period_type.unit = gmd_intern_str(&p->strings, "bytes");
    p->period = rate;
    return p;
}

void gmd_profile_free(gmd_profile *p)
{
    if (!p) return;
    gmd_intern_free(&p->strings);
    gmd_arena_free(&p->arena);
    free(p);
}

const char *gmd_profile_format_name(gmd_profile_format f)
{
    switch (f) {
    case GMD_FMT_PROTO: return "protobuf";
    case GMD_FMT_HEAP_TEXT: return "heap text (debug=1)";
    case GMD_FMT_GOROUTINE_TEXT1: return "goroutine text (debug=1)";
    case GMD_FMT_GOROUTINE_TEXT2: return "goroutine text (debug=2)";
    case GMD_FMT_MEMORY_GOROUTINES: return "read from memory";
    case GMD_FMT_COUNT_TEXT: return "count profile text (debug=1)";
    case GMD_FMT_CONTENTION_TEXT: return "contention text (debug=1)";
    default: return "unknown";
    }
}

int gmd_profile_sample_index(const gmd_profile *p, const char *name)
{
    if (p->nsample_types == 0) return -1;
    if (!name || !*name) {
        if (p->default_sample_type >= 0 && (uint32_t)p->default_sample_type < p->nsample_types)
            return p->default_sample_type;
        return (int)p->nsample_types - 1;
    }
    for (uint32_t i = 0; i < p->nsample_types; i++)
        if (strcmp(p->sample_types[i].type, name) == 0) return (int)i;
    /* pprof accepts a numeric index too. */
    char *end;
    long v = strtol(name, &end, 10);
    if (*end == '\0' && v >= 0 && (uint32_t)v < p->nsample_types) return (int)v;
    return -1;
}

static int starts_with(const uint8_t *d, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(d, prefix, n) == 0;
}

/* Text, not bytes: within the first 4 KiB no control character but tab, CR,
 * LF, FF, VT and ESC (colour codes in CI logs), and valid UTF-8. A
 * profile.proto message has small varints and lengths (bytes below 0x20)
 * in its first few bytes, so text is sniffed before protobuf: a traceback
 * starting with "ready" is not read as field 14 of a Profile. */
static bool looks_like_text(const uint8_t *d, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i < n;) {
        uint8_t c = d[i];
        if (c < 0x20) {
            if (c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b) return false;
            i++;
        } else if (c < 0x7f) {
            i++;
        } else if (c == 0x7f) {
            return false;
        } else {
            size_t k = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
            if (!k) return false;
            for (size_t j = 1; j <= k; j++)
                if (i + j < n && (d[i + j] & 0xc0) != 0x80) return false;
            i += k + 1;
        }
    }
    return n > 0;
}

/* A line "goroutine N [...]:" anywhere: a traceback with text around it. */
static bool has_goroutine_header(const uint8_t *d, size_t len)
{
    static const char g[] = "goroutine ";
    const uint8_t *p = d, *end = d + len;
    while ((p = memmem(p, (size_t)(end - p), g, sizeof g - 1)) != NULL) {
        const uint8_t *q = p + sizeof g - 1;
        if ((p == d || p[-1] == '\n') && q < end && *q >= '0' && *q <= '9') {
            const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
            const uint8_t *e = nl ? nl : end;
            while (e > q && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
            if (e - q >= 3 && e[-2] == ']' && e[-1] == ':' && memchr(q, '[', (size_t)(e - q))) return true;
        }
        p = q;
    }
    return false;
}

gmd_profile_format gmd_profile_detect(const uint8_t *d, size_t len)
{
    /* Text forms start with a fixed banner; skip leading blank space. */
    size_t i = 0;
    while (i < len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t')) i++;
    const uint8_t *t = d + i;
    size_t n = len - i;
    if (starts_with(t, n, "heap profile:")) return GMD_FMT_HEAP_TEXT;
    if (starts_with(t, n, "goroutine profile:")) return GMD_FMT_GOROUTINE_TEXT1;
    if (starts_with(t, n, "threadcreate profile:")) return GMD_FMT_COUNT_TEXT;
    if (gmd_pprof_contention_text_detect(t, n)) return GMD_FMT_CONTENTION_TEXT;
    if (starts_with(t, n, "goroutine ") && n > 10 && t[10] >= '0' && t[10] <= '9')
        return GMD_FMT_GOROUTINE_TEXT2;
    if (looks_like_text(d, len))
        return has_goroutine_header(d, len) ? GMD_FMT_GOROUTINE_TEXT2 : GMD_FMT_UNKNOWN;
    /* A crash dump (panic, fatal error, SIGQUIT): a preamble, then goroutines. */
    static const char *const crash[] = {"panic: ", "fatal error: ", "SIG", "unexpected fault", "runtime: "};
    for (size_t k = 0; k < sizeof crash / sizeof *crash; k++)
        if (starts_with(t, n, crash[k]) && memmem(t, n < (1u << 20) ? n : (1u << 20), "\ngoroutine ", 11))
            return GMD_FMT_GOROUTINE_TEXT2;
    /* A Profile message begins with a field key; Go writes sample_type (1, LEN)
     * or time_nanos (9, VARINT) first, but any valid key of fields 1..15 is
     * accepted: the proto reader then validates everything. */
    if (len > 0) {
        unsigned key = d[0];
        unsigned field = key >> 3, wire = key & 7;
        if (field >= 1 && field <= 15 && (wire == 0 || wire == 2)) return GMD_FMT_PROTO;
    }
    return GMD_FMT_UNKNOWN;
}

static uint64_t word(const uint8_t *d, size_t size, bool big)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) v |= (uint64_t)d[big ? size - 1 - i : i] << (8 * i);
    return v;
}

/* The legacy binary CPU profile (gperftools, Go before 1.9): machine words
 * 0, 3, 0, period, 0, of 4 or 8 bytes, either byte order. */
static bool is_legacy_cpu(const uint8_t *d, size_t len)
{
    for (size_t size = 4; size <= 8; size += 4)
        for (int big = 0; big < 2; big++)
            if (len >= 5 * size && word(d, size, big) == 0 && word(d + size, size, big) == 3 &&
                word(d + 2 * size, size, big) == 0 && word(d + 3 * size, size, big) != 0 &&
                word(d + 4 * size, size, big) == 0)
                return true;
    return false;
}

/* A line "gc N @..." of GODEBUG=gctrace=1 in the first 64 KiB. */
static bool has_gctrace_line(const uint8_t *d, size_t len)
{
    size_t n = len < 65536 ? len : 65536;
    for (size_t i = 0; i + 5 < n; i++)
        if ((i == 0 || d[i - 1] == '\n') && memcmp(d + i, "gc ", 3) == 0 && d[i + 3] >= '0' && d[i + 3] <= '9') {
            size_t j = i + 3;
            while (j < n && d[j] >= '0' && d[j] <= '9') j++;
            if (j + 2 < n && d[j] == ' ' && d[j + 1] == '@') return true;
        }
    return false;
}

/* Name what a file that is no profile gmd reads is, and what reads it. */
static void refuse(const uint8_t *d, size_t len, gmd_err *err)
{
    size_t i = 0;
    while (i < len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t')) i++;
    const uint8_t *t = d + i;
    size_t n = len - i;
    bool text = looks_like_text(d, len);
    const char *what = NULL;
    if (starts_with(d, len, "go 1.") && memmem(d, len < 16 ? len : 16, " trace", 6))
        what = "a Go execution trace (runtime/trace, /debug/pprof/trace): read it with gmd trace";
    else if (starts_with(d, len, "\x7f" "ELF") && len >= 18) {
        unsigned type = d[5] == 2 ? (unsigned)d[16] << 8 | d[17] : (unsigned)d[17] << 8 | d[16];
        what = type == 4 ? "an ELF core file: read it with gmd core FILE, or give core:FILE as the profile"
                         : "an ELF binary (a program, not a profile of it): for a running program use pid:N or gmd attach";
    } else if (starts_with(d, len, "go1.") && memmem(d, len < 32 ? len : 32, " heap dump\n", 11))
        what = "a Go heap dump (debug.WriteHeapDump): read it with gmd dump";
    else if (is_legacy_cpu(d, len))
        what = "a legacy binary CPU profile (Go before 1.9, gperftools), which gmd does not read: "
               "convert it with go tool pprof -proto";
    else if (n && t[0] == '<') {
        gmd_err_at(err, (int64_t)i, "got HTML where a profile was expected (an index page or an error page?)");
        return;
    } else if (text && n && (t[0] == '{' || t[0] == '['))
        what = "JSON (a report or an API answer?), not a profile";
    else if (text && has_gctrace_line(d, len))
        what = "a GODEBUG=gctrace=1 log: read it with gmd gc";
    else if (text)
        what = "text without a Go profile or traceback in it (no 'goroutine N [status]:' line, "
               "no 'heap profile:' or 'goroutine profile:' banner)";
    if (what) {
        gmd_err_at(err, text ? (int64_t)i : 0, "not a pprof profile: %s", what);
        return;
    }
    gmd_err_at(err, 0, "not a pprof profile: neither gzip/protobuf nor a Go text profile (first byte 0x%02x)", d[0]);
}

gmd_profile *gmd_profile_parse(const uint8_t *data, size_t len, gmd_err *err)
{
    if (len == 0) {
        gmd_err_at(err, 0, "empty input: expected a pprof profile");
        return NULL;
    }
    gmd_profile *p = NULL;
    switch (gmd_profile_detect(data, len)) {
    case GMD_FMT_PROTO: p = gmd_pprof_proto_parse(data, len, err); break;
    case GMD_FMT_HEAP_TEXT: p = gmd_pprof_heap_text_parse(data, len, err); break;
    case GMD_FMT_GOROUTINE_TEXT1:
    case GMD_FMT_COUNT_TEXT: p = gmd_pprof_goroutine_text1_parse(data, len, err); break;
    case GMD_FMT_CONTENTION_TEXT: p = gmd_pprof_contention_text_parse(data, len, err); break;
    case GMD_FMT_GOROUTINE_TEXT2: p = gmd_pprof_goroutine_text2_parse(data, len, err); break;
    default:
        refuse(data, len, err);
        return NULL;
    }
    if (p) gmd_profile_demangle(p);   /* as pprof, on whatever it reads */
    return p;
}

bool gmd_function_is_user_code(const char *fn)
{
    if (!strncmp(fn, "main.", 5)) return true;
    const char *slash = strchr(fn, '/');
    const char *dot = strchr(fn, '.');
    return slash && dot && dot < slash;
}
