/* Where a process's resident memory lives, by kind of mapping, from
 * /proc/PID/smaps: what tells off-heap growth (mmap'd regions, the C heap,
 * thread stacks) from the Go heap, which smaps_rollup cannot. */
#ifndef GMD_SMAPS_H
#define GMD_SMAPS_H

#include <stddef.h>
#include <stdint.h>

/* Resident bytes (Rss) per class; -1 when smaps could not be read. */
typedef struct gmd_smaps_classes {
    int64_t anon;        /* anonymous mappings (the Go heap and goroutine stacks live here too) */
    int64_t anon_maps;   /* how many anonymous mappings (a count): mmap leaks add mappings */
    int64_t brk_heap;    /* [heap]: the C heap's brk area (malloc through cgo) */
    int64_t stack;       /* [stack]: the main thread's stack */
    int64_t file;        /* file-backed mappings (binary, libraries, mmap'd files) */
} gmd_smaps_classes;

void gmd_smaps_clear(gmd_smaps_classes *c);
/* Parse smaps text. Feed it in pieces with gmd_smaps_feed (lines may span
 * pieces); the parser keeps state in `st`. Unknown lines are skipped. */
typedef struct gmd_smaps_parser {
    gmd_smaps_classes *out;
    int cls;             /* class of the current mapping, -1 before the first */
    char line[512];      /* a line cut by a piece boundary */
    size_t nline;
    int64_t nmaps;
} gmd_smaps_parser;
void gmd_smaps_begin(gmd_smaps_parser *st, gmd_smaps_classes *out);
void gmd_smaps_feed(gmd_smaps_parser *st, const char *text, size_t len);
void gmd_smaps_end(gmd_smaps_parser *st);
/* Read /proc/PID/smaps (at most 64 MiB of it); 0, or -1 (errno set) when it
 * cannot be opened: smaps needs ptrace-read access, like smaps_rollup. */
int gmd_smaps_read(int pid, gmd_smaps_classes *out);

#endif
