/* GODEBUG=gctrace=1 output: a streaming line parser.
 *
 * The runtime prints one line per GC cycle on stderr (src/runtime/mgc.go,
 * gcMarkTermination):
 *
 *   gc N @T s U%[ (checking for goroutine leaks)]: c1+c2+c3 ms clock,
 *      p1+p2/p3/p4+p5 ms cpu, h0->h1->h2 MB, G MB goal[, S MB stacks,
 *      H MB globals], P P[ (forced)]
 *
 * plus "GC forced" (periodic 2-minute GC, proc.go), "scav ..." lines
 * (GODEBUG=scavtrace=1, mgcscavenge.go; Go 1.14-1.20 and 1.21+ forms), the
 * "scvg" lines gctrace=1 printed in Go <= 1.13, and,
 * under gctrace=2 (Go 1.25+), "scan: ..." lines. Real stderr interleaves the
 * program's own output, so anything that is not one of these is skipped and
 * counted; a line that starts like gctrace but does not follow the grammar to
 * its end (cut by a crash, interleaved by another writer) is skipped and
 * counted as malformed, never half-parsed.
 *
 * Lines may carry a log-collector prefix: an RFC 3339 timestamp (docker logs
 * -t, kubectl logs --timestamps, CRI "stderr F", journalctl -o short-iso) or a
 * syslog one ("May 01 12:34:56 host app[1]: ", journalctl's default). The
 * prefix's time becomes the cycle's wall clock. A gctrace line that starts in
 * the middle of a foreign line (another writer's unterminated output) is
 * found too.
 *
 * Feed bytes in chunks of any size; only an incomplete last line is copied
 * (bounded), so an mmap'd file is parsed in place. */
#ifndef GMD_GCTRACE_H
#define GMD_GCTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One GC cycle. Sizes are MiB as printed (the runtime truncates: >>20). */
typedef struct gmd_gc_cycle {
    uint64_t offset;          /* byte offset of the line in the input */
    uint32_t num;             /* cycle number N (MemStats.NumGC) */
    uint32_t run;             /* 0 for the first process; +1 each time N restarts */
    double t;                 /* seconds from process start to the cycle's start (@T) */
    double wall;              /* Unix seconds of the cycle, NAN when unknown */
    int cpu_pct;              /* GC share of CPU since process start (U%) */
    int procs;                /* GOMAXPROCS */
    bool forced;              /* "(forced)": runtime.GC() or debug.FreeOSMemory() */
    bool periodic;            /* preceded by "GC forced": the 2-minute periodic GC */
    bool leak_check;          /* "(checking for goroutine leaks)", Go 1.26 */
    uint8_t nclock;           /* 3 (Go 1.6+) or 5 (Go 1.5) */
    double stw_ms;            /* stop-the-world wall time: sweep termination + mark termination */
    double mark_ms;           /* concurrent mark wall time */
    double clock_ms[5];       /* the clock phases as printed */
    double cpu_ms[7];         /* the cpu values as printed (5 since Go 1.6) */
    uint8_t ncpu;
    double gc_cpu_ms;         /* all GC CPU time of the cycle: STW + assist + background + idle */
    double assist_ms;         /* mark assist CPU time */
    int64_t heap_start_mb;    /* h0: heap in use when the cycle started */
    int64_t heap_term_mb;     /* h1: at mark termination */
    int64_t live_mb;          /* h2: marked live: the number to trend */
    int64_t goal_mb;          /* heap goal */
    int64_t stacks_mb;        /* -1 before Go 1.18 */
    int64_t globals_mb;       /* -1 before Go 1.18 */
    int64_t released_kib;     /* "KiB now" of the scav line after this cycle, -1 if none */
} gmd_gc_cycle;

typedef struct gmd_gctrace_counts {
    uint64_t bytes;           /* input bytes consumed */
    uint64_t lines;           /* all lines */
    uint64_t gc_lines;        /* per-cycle lines parsed */
    uint64_t gc_midline;      /* of which found after foreign text on the same line */
    uint64_t forced_lines;    /* "GC forced" */
    uint64_t scav_lines;      /* scavenger lines parsed */
    uint64_t scan_lines;      /* gctrace=2 "scan:" lines */
    uint64_t other_runtime;   /* pacer:, checkfinalizers: recognised, not used */
    uint64_t malformed;       /* looked like gctrace but did not parse: cut or interleaved */
    uint64_t foreign;         /* the program's own lines, skipped */
    uint64_t long_lines;      /* lines longer than the line buffer (streaming only), skipped */
    uint64_t restarts;        /* cycle numbers went backwards: a new process in the same log */
    uint64_t timestamped;     /* gctrace lines that carried a wall-clock prefix */
    uint64_t first_malformed; /* offset of the first malformed line (valid if malformed > 0) */
    uint64_t implausible;     /* followed the grammar but with values no process reaches: skipped */
    uint64_t first_implausible;      /* offset of the first (valid if implausible > 0) */
    uint64_t first_implausible_line; /* its line number, from 1 */
} gmd_gctrace_counts;

/* The scavenger, from its last line. */
typedef struct gmd_gc_scav {
    int64_t released_kib;     /* returned to the OS now ("KiB now"/"KiB total") */
    int64_t util_pct;         /* heap in use / heap retained */
    int64_t work_kib_total;   /* sum of the work fields over all lines */
    bool seen;
} gmd_gc_scav;

typedef struct gmd_gctrace {
    gmd_gc_cycle *cycles;
    size_t ncycles, cap;
    gmd_gctrace_counts counts;
    gmd_gc_scav scav;
    double start_wall;        /* --start anchor: Unix seconds of process start, NAN if none */
    /* private: streaming state */
    char *carry;
    size_t carry_len;
    uint64_t carry_offset;
    bool carry_overflow;
    bool pending_periodic;
    uint32_t last_num;
    int year;                 /* for syslog prefixes, which have none */
} gmd_gctrace;

/* start_wall: Unix seconds at which the process started, or NAN. */
void gmd_gctrace_init(gmd_gctrace *p, double start_wall);
void gmd_gctrace_free(gmd_gctrace *p);
/* Parse the complete lines in data[0..len); an incomplete last line is kept
 * (up to GMD_GCTRACE_MAX_LINE bytes) for the next call. */
void gmd_gctrace_feed(gmd_gctrace *p, const char *data, size_t len);
/* End of input: parse a last line that had no newline. */
void gmd_gctrace_finish(gmd_gctrace *p);

#define GMD_GCTRACE_MAX_LINE 65536

/* Parse one line (without its newline) as a per-cycle line. Returns 1 and
 * fills *c on success, 0 if the line is not a gc line, -1 if it starts like
 * one but does not follow the grammar, -2 if it does but a value is one no
 * process reaches (a heap over 1 PiB, a phase over a year). */
int gmd_gctrace_parse_gc_line(const char *s, size_t len, gmd_gc_cycle *c);

/* Parse a wall-clock prefix at the start of a line: RFC 3339 or syslog
 * "Mon DD HH:MM:SS". Returns the number of bytes of the timestamp (0 if
 * none) and its Unix time in *when. `year` fills in the syslog form. */
size_t gmd_gctrace_parse_timestamp(const char *s, size_t len, int year, double *when);

/* Parse a --start argument: RFC 3339 ("2024-05-01T12:00:00Z", local time
 * when no zone is given), or Unix seconds. Returns 0 or -1. */
int gmd_parse_wall_time(const char *s, double *when);

#endif
