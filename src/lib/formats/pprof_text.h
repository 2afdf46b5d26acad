/* Pieces shared by the Go text profile readers (heap debug=1, goroutine
 * debug=1 and debug=2): line splitting with byte offsets, numbers, Go-quoted
 * strings, and the "#\t0xPC\tfunc+0xOFF\tfile:line" frame lines of the
 * debug=1 forms. Private to src/lib/formats. */
#ifndef GMD_FORMATS_PPROF_TEXT_H
#define GMD_FORMATS_PPROF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "gmd/builder.h"
#include "gmd/err.h"
#include "gmd/profile.h"

typedef struct text_reader {
    const char *data;
    size_t len, pos;
    size_t released;   /* bytes before this were handed to gmd_input_release */
} text_reader;

/* One line without its "\n" or "\r\n"; off is its byte offset. */
typedef struct text_line {
    const char *s;
    size_t n, off;
} text_line;

bool text_next_line(text_reader *r, text_line *l);
/* Done with everything before offset `upto` (a record boundary): let the
 * input's pages go every few MiB, so a big mapped text file is not held
 * in memory whole (see gmd_input_release). */
void text_release_before(text_reader *r, size_t upto);
/* Inline, so that the length of a literal prefix is a constant and most
 * lines are told apart by their first byte. */
static inline bool text_has_prefix(const text_line *l, const char *prefix)
{
    size_t n = __builtin_strlen(prefix);
    return l->n >= n && (n == 0 || l->s[0] == prefix[0]) && __builtin_memcmp(l->s, prefix, n) == 0;
}
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

/* A frame line as first read: its address, and the line itself for
 * text_parse_frame later, when the address turns out to be new. A large
 * profile repeats the same few thousand PCs in every record; parsing and
 * interning their names once is most of what makes the readers fast. */
typedef struct text_frame_line {
    uint64_t addr;
    const char *s;
    size_t n, off;
} text_frame_line;

int text_read_frame(const text_line *l, text_frame_line *f, gmd_err *err);
/* Fully parse frames[0..n): the first error, as the reader would have met it. */
int text_check_frames(const text_frame_line *frames, size_t n, gmd_err *err);

/* What the stacks of one profile share: address -> location, keyed on the
 * address and checked against the exact bytes of its frame lines (the
 * same bytes make the same location, so a hit is exact), and the output
 * arrays of text_build_locations. Zero-initialise; text_stacks_free. */
typedef struct text_loc_ent {
    uint64_t addr;
    size_t text_at, text_n;   /* its frame lines, first to last, copied to pool */
    uint32_t loc;             /* UINT32_MAX: an empty slot */
    bool named;
} text_loc_ent;

typedef struct text_stacks {
    text_loc_ent *tab; size_t cap, count;
    char *pool; size_t npool, cappool;   /* copies: the input behind may be released */
    uint32_t *locs; bool *named; size_t capout;   /* one per address of the last stack */
    gmd_line *lines; size_t caplines;
} text_stacks;

/* Make one location per stack address (address - 1, as pprof does) and
 * attach the frame lines whose PC is that address - 1; several frames for
 * one address are its inlined calls, innermost first. Frames must follow
 * the order of the addresses. ts->locs receives naddrs location indices,
 * ts->named whether each has a named frame. */
int text_build_locations(text_stacks *ts, gmd_builder *b, gmd_profile *p, const uint64_t *addrs, size_t naddrs,
                         const text_frame_line *frames, size_t nframes, gmd_err *err);
void text_stacks_free(text_stacks *ts);

/* A hash of s[0..n), eight bytes a step: for the readers' own caches of
 * text they meet again and again (gmd_hash_bytes goes a byte a step). */
uint64_t text_hash(const char *s, size_t n);

/* Intern s[0..n) in the profile's table. */
const char *text_intern(gmd_profile *p, const char *s, size_t n);

#endif
