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

gmd_profile_format gmd_profile_detect(const uint8_t *d, size_t len)
{
    /* Text forms start with a fixed banner; skip leading blank space. */
    size_t i = 0;
    while (i < len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t')) i++;
    const uint8_t *t = d + i;
    size_t n = len - i;
    if (starts_with(t, n, "heap profile:")) return GMD_FMT_HEAP_TEXT;
    if (starts_with(t, n, "goroutine profile:")) return GMD_FMT_GOROUTINE_TEXT1;
    if (starts_with(t, n, "goroutine ") && n > 10 && t[10] >= '0' && t[10] <= '9')
        return GMD_FMT_GOROUTINE_TEXT2;
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

static int looks_like_html(const uint8_t *d, size_t len)
{
    size_t i = 0;
    while (i < len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t')) i++;
    return i < len && d[i] == '<';
}

gmd_profile *gmd_profile_parse(const uint8_t *data, size_t len, gmd_err *err)
{
    if (len == 0) {
        gmd_err_at(err, 0, "empty input: expected a pprof profile");
        return NULL;
    }
    switch (gmd_profile_detect(data, len)) {
    case GMD_FMT_PROTO: return gmd_pprof_proto_parse(data, len, err);
    case GMD_FMT_HEAP_TEXT: return gmd_pprof_heap_text_parse(data, len, err);
    case GMD_FMT_GOROUTINE_TEXT1: return gmd_pprof_goroutine_text1_parse(data, len, err);
    case GMD_FMT_GOROUTINE_TEXT2: return gmd_pprof_goroutine_text2_parse(data, len, err);
    default:
        if (looks_like_html(data, len))
            gmd_err_at(err, 0, "got HTML where a profile was expected (an index page or an error page?)");
        else
            gmd_err_at(err, 0, "not a pprof profile: neither gzip/protobuf nor a Go text profile "
                               "(first byte 0x%02x)", data[0]);
        return NULL;
    }
}
