/* Pieces shared by the Go text profile readers (heap debug=1, goroutine
 * debug=1 and debug=2): line splitting with byte offsets, numbers, Go-quoted
 * strings, and the "#\t0xPC\tfunc+0xOFF\tfile:line" frame lines of the
 * debug=1 forms. Private to src/lib/formats. */
#ifndef GMD_FORMATS_PPROF_TEXT_H
#define GMD_FORMATS_PPROF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/builder.h"
#include "gmd/err.h"
#include "gmd/profile.h"

typedef struct text_reader {
    const char *data;
    size_t len, pos;
} text_reader;

/* One line without its "\n" or "\r\n"; off is its byte offset. */
typedef struct text_line {
    const char *s;
    size_t n, off;
} text_line;

bool text_next_line(text_reader *r, text_line *l);
bool text_has_prefix(const text_line *l, const char *prefix);
bool text_is_blank(const text_line *l);

/* Parse a decimal (optionally signed) or 0x-hex number at s[*i], advancing
 * *i; false on no digits or overflow. */
bool text_parse_i64(const char *s, size_t n, size_t *i, int64_t *out);
bool text_parse_u64(const char *s, size_t n, size_t *i, uint64_t *out);
bool text_parse_hex(const char *s, size_t n, size_t *i, uint64_t *out);   /* needs the 0x */

/* Decode the Go-quoted string starting at s[*i] (a '"'), as strconv.Quote
 * and the runtime's printquoted write it, into out (which needs room for
 * n - *i bytes: decoding never grows). Returns the decoded length, or -1. */
long text_go_unquote(const char *s, size_t n, size_t *i, char *out);

/* A "#\t0x4b798d\tmain.main+0x12d\t/src/app/main.go:41" line; columns are
 * separated by runs of tabs. has_func is false for "#\t0x4b798d". */
typedef struct text_frame {
    uint64_t addr;
    bool has_func;
    const char *func; size_t func_n;
    const char *file; size_t file_n;
    int64_t line;
    size_t off;
} text_frame;

bool text_is_frame_line(const text_line *l);
int text_parse_frame(const text_line *l, text_frame *f, gmd_err *err);

/* Make one location per stack address (address - 1, as pprof does) and
 * attach the frame lines whose PC is that address - 1; several frames for
 * one address are its inlined calls, innermost first. Frames must follow
 * the order of the addresses. locs receives naddrs location indices. */
int text_build_locations(gmd_builder *b, gmd_profile *p, const uint64_t *addrs, size_t naddrs,
                         const text_frame *frames, size_t nframes, uint32_t **locs, size_t *locs_cap,
                         gmd_line **scratch, size_t *scratch_cap, gmd_err *err);

/* Intern s[0..n) in the profile's table. */
const char *text_intern(gmd_profile *p, const char *s, size_t n);

#endif
