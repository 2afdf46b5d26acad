/* A small streaming JSON writer: commas and nesting are tracked so callers
 * only say what comes next. Output is compact unless `pretty`. */
#ifndef GMD_JSON_H
#define GMD_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define GMD_JSON_MAX_DEPTH 64

typedef struct gmd_json {
    FILE *out;
    bool pretty;
    int depth;
    bool need_comma[GMD_JSON_MAX_DEPTH];
    bool after_key;
} gmd_json;

void gmd_json_init(gmd_json *j, FILE *out, bool pretty);
void gmd_json_object_begin(gmd_json *j);
void gmd_json_object_end(gmd_json *j);
void gmd_json_array_begin(gmd_json *j);
void gmd_json_array_end(gmd_json *j);
void gmd_json_key(gmd_json *j, const char *key);
void gmd_json_string(gmd_json *j, const char *s);
void gmd_json_string_n(gmd_json *j, const char *s, size_t n);
void gmd_json_int(gmd_json *j, int64_t v);
void gmd_json_uint(gmd_json *j, uint64_t v);
void gmd_json_double(gmd_json *j, double v);   /* NaN/Inf become null */
void gmd_json_bool(gmd_json *j, bool v);
void gmd_json_null(gmd_json *j);
/* Ends the document with a newline. */
void gmd_json_finish(gmd_json *j);

#endif
