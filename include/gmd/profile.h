/* The profile model: what every pprof reader produces and every analysis
 * consumes. It mirrors profile.proto, but resolved: references are array
 * indices (not proto ids), strings are interned pointers (never NULL; "" when
 * unset), and everything lives in the profile's arena. */
#ifndef GMD_PROFILE_H
#define GMD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/arena.h"
#include "gmd/err.h"
#include "gmd/input.h"
#include "gmd/intern.h"

#define GMD_NONE UINT32_MAX   /* "no index" (e.g. a location without a mapping) */

typedef struct gmd_value_type {
    const char *type;        /* e.g. "inuse_space" */
    const char *unit;        /* e.g. "bytes", "count" */
} gmd_value_type;

typedef struct gmd_label {
    const char *key;
    const char *str;         /* "" for numeric labels */
    int64_t num;
    const char *num_unit;
} gmd_label;

typedef struct gmd_mapping {
    uint64_t id;
    uint64_t memory_start, memory_limit, file_offset;
    const char *filename, *build_id;
    bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
} gmd_mapping;

typedef struct gmd_function {
    uint64_t id;
    const char *name;         /* e.g. "main.(*T).m" */
    const char *system_name;
    const char *filename;
    int64_t start_line;
} gmd_function;

typedef struct gmd_line {
    uint32_t function;        /* index into profile->functions */
    int64_t line;
    int64_t column;
} gmd_line;

typedef struct gmd_location {
    uint64_t id;
    uint32_t mapping;         /* index into profile->mappings, or GMD_NONE */
    uint64_t address;
    gmd_line *lines;          /* innermost (inlined) first; the last is the physical frame */
    uint32_t nlines;
    bool is_folded;
} gmd_location;

typedef struct gmd_sample {
    uint32_t *locations;      /* indices into profile->locations; leaf first */
    uint32_t nlocations;
    uint32_t nlabels;
    int64_t *values;          /* profile->nsample_types values */
    gmd_label *labels;
} gmd_sample;

/* Goroutine text profiles (debug=2) and goroutines read from memory carry per-goroutine facts that the proto
 * form lacks. Each goroutine is also one sample (value 1) whose labels hold
 * "state" (and "wait_minutes" when present). */
typedef struct gmd_goroutine {
    int64_t id;
    const char *state;        /* wait reason or status, e.g. "chan receive", "running" */
    int64_t wait_minutes;     /* -1 when not printed */
    bool locked_to_thread;
    const char *created_by;   /* function name, "" when absent */
    const char *created_file; /* file of the go statement, "" when absent */
    int64_t created_line;
    int64_t parent_id;        /* "in goroutine N", -1 when absent */
    uint32_t sample;          /* index into profile->samples */
    bool frames_elided;       /* "...N frames elided..." seen */
} gmd_goroutine;

/* What a traceback text says beyond its goroutines (debug=2 text only): why
 * the program stopped and which of the text's dumps this is. A log can hold
 * several dumps (one per crash or runtime.Stack call); the last is read
 * unless one is asked for (gmd_pprof_goroutine_text2_parse_dump). */
typedef struct gmd_traceback {
    const char *reason;       /* "panic: boom [recovered]", "fatal error: ...", "SIGQUIT: quit"; "" when none */
    int64_t goroutine;        /* the goroutine that panicked or hit the fatal error; -1 when none is named */
    uint64_t offset;          /* byte offset of the dump (its first preamble line) in the text */
    uint32_t index, count;    /* dump `index` (0-based) of `count` in the text; count 0 for other formats */
} gmd_traceback;

typedef enum gmd_profile_format {
    GMD_FMT_UNKNOWN = 0,
    GMD_FMT_PROTO,            /* profile.proto (gzip or raw) */
    GMD_FMT_HEAP_TEXT,        /* legacy "heap profile: ..." (debug=1) */
    GMD_FMT_GOROUTINE_TEXT1,  /* "goroutine profile: total N" (debug=1) */
    GMD_FMT_GOROUTINE_TEXT2,  /* runtime.Stack traceback text (debug=2) */
    GMD_FMT_MEMORY_GOROUTINES,/* read from a process's or core's memory (gmd/goruntime.h) */
    GMD_FMT_COUNT_TEXT,       /* "threadcreate profile: total N" (debug=1), any count profile but goroutine */
    GMD_FMT_CONTENTION_TEXT,  /* "--- contention:" / "--- mutex:" block and mutex text (debug=1) */
} gmd_profile_format;

typedef struct gmd_memstat {
    const char *name;         /* e.g. "HeapAlloc" */
    const char *value;        /* as printed, e.g. "1157488" or "229376 / 229376" */
} gmd_memstat;

typedef struct gmd_profile {
    gmd_arena arena;          /* owns all memory of the profile */
    gmd_intern strings;

    gmd_profile_format format;
    gmd_value_type *sample_types;
    uint32_t nsample_types;
    int32_t default_sample_type;  /* index into sample_types; -1 when the proto names none */
    gmd_value_type period_type;
    int64_t period;
    int64_t time_nanos, duration_nanos;
    const char *drop_frames, *keep_frames, *doc_url;
    const char **comments;
    uint32_t ncomments;

    gmd_mapping *mappings;    uint32_t nmappings;
    gmd_function *functions;  uint32_t nfunctions;
    gmd_location *locations;  uint32_t nlocations;
    gmd_sample *samples;      uint32_t nsamples;

    gmd_goroutine *goroutines; uint32_t ngoroutines;   /* debug=2 only */
    gmd_memstat *memstats;     uint32_t nmemstats;     /* heap text trailer only */
    gmd_traceback traceback;                           /* debug=2 text only */
} gmd_profile;

/* An empty profile with its arena and intern table ready. */
gmd_profile *gmd_profile_new(void);
/* An empty heap profile as Go writes one: alloc_objects, alloc_space,
 * inuse_objects and inuse_space, period "space/bytes" = MemProfileRate. */
gmd_profile *gmd_profile_new_heap(int64_t rate);
void gmd_profile_free(gmd_profile *p);
const char *gmd_profile_format_name(gmd_profile_format f);

/* Detect the format from the (already decompressed) bytes and parse.
 * `name` is only for error messages. */
gmd_profile_format gmd_profile_detect(const uint8_t *data, size_t len);
gmd_profile *gmd_profile_parse(const uint8_t *data, size_t len, gmd_err *err);

/* The individual readers (src/lib/formats/). */
gmd_profile *gmd_pprof_proto_parse(const uint8_t *data, size_t len, gmd_err *err);
gmd_profile *gmd_pprof_heap_text_parse(const uint8_t *data, size_t len, gmd_err *err);
gmd_profile *gmd_pprof_goroutine_text1_parse(const uint8_t *data, size_t len, gmd_err *err);
gmd_profile *gmd_pprof_goroutine_text2_parse(const uint8_t *data, size_t len, gmd_err *err);
gmd_profile *gmd_pprof_contention_text_parse(const uint8_t *data, size_t len, gmd_err *err);
bool gmd_pprof_contention_text_detect(const uint8_t *data, size_t len);
/* A text holding several goroutine dumps (a log): how many, and dump `index`
 * of them (text2_parse reads the last). */
uint32_t gmd_goroutine_text_count_dumps(const uint8_t *data, size_t len);
gmd_profile *gmd_pprof_goroutine_text2_parse_dump(const uint8_t *data, size_t len, uint32_t index, gmd_err *err);
/* profile.proto from a buffer still being filled (see progressive.h),
 * decoding samples as they arrive. NULL means "could not": the caller then
 * parses the complete bytes with gmd_pprof_proto_parse, which names errors. */
gmd_profile *gmd_pprof_proto_parse_progressive(gmd_progressive *src);

/* Load and parse a profile from a file, "-" or an http(s) URL. A large
 * gzip'd protobuf is inflated on one core while the other parses it. */
gmd_profile *gmd_profile_load(const char *spec, const gmd_load_opts *opts, gmd_err *err);
/* The same for a blob loaded with opts->keep_gzip; the blob stays the caller's. */
gmd_profile *gmd_profile_from_blob(gmd_blob *b, const gmd_load_opts *opts, gmd_err *err);

/* C++ names (_ZN...) demangled and simplified as pprof shows them by
 * default ("__tsan::ThreadFree"); the mangled name stays the system name.
 * gmd_profile_parse and gmd_profile_load do this already. */
void gmd_profile_demangle(gmd_profile *p);

/* Serialize as profile.proto (uncompressed); gzip it with gmd_gzip. */
int gmd_pprof_proto_write(const gmd_profile *p, uint8_t **out, size_t *out_len, gmd_err *err);
/* The same gzipped (ISA-L's fast level, gmd_gzip_fast), compressed piece by
 * piece on a second thread while the rest is serialized. */
int gmd_pprof_proto_write_gzip(const gmd_profile *p, uint8_t **out, size_t *out_len, gmd_err *err);

/* Index of the sample type called `name` ("inuse_space", ...), or of the
 * profile's default when name is NULL or "" (the proto's default_sample_type,
 * else the last one, as pprof does). -1 when there is no such type. */
int gmd_profile_sample_index(const gmd_profile *p, const char *name);

/* Whether a function belongs to the program rather than to Go's standard
 * library or runtime: package main, or a package path whose first element
 * has a dot (github.com/..., example.org/...); the standard library has
 * neither. */
bool gmd_function_is_user_code(const char *name);

#endif
