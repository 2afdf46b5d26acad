#include <math.h>
#include <string.h>
#include "gmd/json.h"

void gmd_json_init(gmd_json *j, FILE *out, bool pretty)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
}

static void indent(gmd_json *j)
{
    if (!j->pretty) return;
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->out);
}

/* Before any value: a comma if needed, unless it follows a key. */
static void pre_value(gmd_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth]) fputc(',', j->out);
        j->need_comma[j->depth] = true;
        indent(j);
    }
}

static void open(gmd_json *j, char c)
{
    pre_value(j);
    fputc(c, j->out);
    if (j->depth < GMD_JSON_MAX_DEPTH - 1) j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(gmd_json *j, char c)
{
    bool had = j->need_comma[j->depth];
    if (j->depth > 0) j->depth--;
    if (had) indent(j);
    fputc(c, j->out);
}

void gmd_json_object_begin(gmd_json *j) { open(j, '{'); }
void gmd_json_object_end(gmd_json *j) { close_(j, '}'); }
void gmd_json_array_begin(gmd_json *j) { open(j, '['); }
void gmd_json_array_end(gmd_json *j) { close_(j, ']'); }

static void write_string(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c < 0x20 || c == 0x7f) fprintf(out, "\\u%04x", c);
            else fputc(c, out);
        }
    }
    fputc('"', out);
}

void gmd_json_key(gmd_json *j, const char *key)
{
    pre_value(j);
    write_string(j->out, key, strlen(key));
    fputs(j->pretty ? ": " : ":", j->out);
    j->after_key = true;
}

void gmd_json_string(gmd_json *j, const char *s) { gmd_json_string_n(j, s ? s : "", s ? strlen(s) : 0); }
void gmd_json_string_n(gmd_json *j, const char *s, size_t n) { pre_value(j); write_string(j->out, s, n); }
void gmd_json_int(gmd_json *j, int64_t v) { pre_value(j); fprintf(j->out, "%lld", (long long)v); }
void gmd_json_uint(gmd_json *j, uint64_t v) { pre_value(j); fprintf(j->out, "%llu", (unsigned long long)v); }
void gmd_json_bool(gmd_json *j, bool v) { pre_value(j); fputs(v ? "true" : "false", j->out); }
void gmd_json_null(gmd_json *j) { pre_value(j); fputs("null", j->out); }

void gmd_json_double(gmd_json *j, double v)
{
    pre_value(j);
    if (isnan(v) || isinf(v)) fputs("null", j->out);
    else if (v == (double)(int64_t)v && fabs(v) < 1e15) fprintf(j->out, "%lld", (long long)v);
    else fprintf(j->out, "%.12g", v);
}

void gmd_json_finish(gmd_json *j) { fputc('\n', j->out); }
