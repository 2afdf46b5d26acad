/* Run bundles: what `gmd run` and `gmd watch` collect, on one clock, in a
 * directory another tool can read without gmd:
 *
 *   index.jsonl      one line per artifact, in arrival order:
 *                    {"t": seconds since start, "wall": unix ns, "kind": K, "file": F, ...}
 *                    K is "heap", "goroutine", "gctrace", "proc" or another
 *                    profile's name ("allocs", "mutex", ...); profiles carry
 *                    "debug" when not the proto form; gctrace and proc
 *                    entries carry "line", a 1-based line of their file; a heap
 *                    profile fetched with ?gc=1 carries "gc": true (the fetch
 *                    forced a GC cycle: `gmd gc` does not blame the program for it)
 *   meta.json        how the run was made: command, pprof URL, interval, pid,
 *                    start time, exit status; observed_pid and observed_exe (the
 *                    Go program sampled, e.g. the one `go run` started),
 *                    memprofilerate (GODEBUG's rate for the program, 524288 =
 *                    Go's default; 0 = unknown, e.g. watch), gc_forced (GC
 *                    cycles gmd forced), and trace_every / trace_seconds when
 *                    execution traces were asked for
 *   heap/NNNN.pb.gz, goroutine/NNNN.pb.gz, ...   profiles exactly as received
 *   gctrace.log      the program's GODEBUG=gctrace=1 lines exactly as printed
 *   proc.jsonl       /proc samples: {"t","wall","rss","rss_anon",...} (bytes)
 */
#ifndef GMD_BUNDLE_H
#define GMD_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "gmd/arena.h"
#include "gmd/err.h"
#include "gmd/proc.h"

typedef struct gmd_bundle_meta {
    const char *tool;            /* "run" or "watch" */
    char *const *command;        /* run: argv, NULL-terminated; NULL for watch */
    const char *pprof_url;       /* "" when none */
    double interval_sec;
    int pid;                     /* 0 when unknown */
    int64_t start_wall_ns;
    double duration_sec;         /* how long collection ran */
    int exit_status;             /* run: the program's exit code, 128+signal; -1 = still running / n.a. */
    bool interrupted;            /* stopped by Ctrl-C */
    int stopped_by;              /* 1: gmd stopped the program (at --duration); 2: it exited by itself; 0 = n.a. */
    int observed_pid;            /* the process sampled; 0 = unknown */
    const char *observed_exe;    /* its executable; NULL = unknown */
    long memprofilerate;         /* the program's MemProfileRate per GODEBUG; 0 = unknown */
    uint32_t gc_forced;          /* heap fetches with ?gc=1 */
    double trace_every_sec;      /* execution traces asked for this often; 0 = none */
    double trace_seconds;        /* ... each this long */
    uint32_t traces_partial;     /* traces kept cut off (still downloading when collection ended) */
} gmd_bundle_meta;

/* --- writing --------------------------------------------------------- */

/* A whole file written to PATH.tmp and renamed over PATH once complete, so a
 * full disk or a crash never leaves a partial one (a PATH that exists and is
 * not a regular file, e.g. /dev/stdout, is written in place). */
typedef struct gmd_atomic_file {
    FILE *f;
    int error;                   /* errno of a failure, 0 if none */
    char path[4096], tmp[4104];
} gmd_atomic_file;
int gmd_atomic_open(gmd_atomic_file *a, const char *path, gmd_err *err);
/* Flush, close and rename; on failure the temp file is removed. */
int gmd_atomic_commit(gmd_atomic_file *a, gmd_err *err);
void gmd_atomic_abort(gmd_atomic_file *a);
/* ENOSPC, EFBIG (a file-size limit) or EDQUOT. */
bool gmd_errno_is_disk_full(int e);

typedef struct gmd_bundle_writer {
    char *dir;
    bool made_dir;               /* gmd_bundle_create made the directory itself */
    FILE *index, *gclog, *proc;  /* journals: each line flushed whole */
    off_t index_len, gclog_len, proc_len;   /* their lengths up to the last complete line */
    int64_t gclines, proclines;
    struct { char kind[32]; uint32_t count; } seq[16];
    uint32_t nseq;
    /* The first write that failed (full disk, file-size limit, I/O error):
     * nothing is written after it; still set after gmd_bundle_close. */
    bool failed;
    int fail_errno;
    char fail_path[1024];
    double fail_t;               /* the run-clock time of the record that failed */
    double last_t;               /* the time of the record being written */
} gmd_bundle_writer;

/* Create `dir` (and missing parents). An existing non-empty directory is an
 * error: a bundle is never mixed with another. */
int gmd_bundle_create(gmd_bundle_writer *w, const char *dir, gmd_err *err);
/* Store a profile's bytes as received under KIND/NNNN.EXT and index it.
 * `debug` is the ?debug= form fetched (0 = proto). */
int gmd_bundle_add_profile(gmd_bundle_writer *w, double t, int64_t wall_ns, const char *kind,
                           int debug, const uint8_t *data, size_t len, gmd_err *err);
/* The same, noting whether fetching it forced a GC cycle (heap?gc=1). */
int gmd_bundle_add_profile_gc(gmd_bundle_writer *w, double t, int64_t wall_ns, const char *kind,
                              int debug, bool forced_gc, const uint8_t *data, size_t len, gmd_err *err);
/* One gctrace line (without its newline). */
int gmd_bundle_add_gcline(gmd_bundle_writer *w, double t, int64_t wall_ns, const char *line,
                          size_t len, gmd_err *err);
/* An execution trace (trace/NNNN.trace, written whole then renamed) fetched
 * from t_start to t_end; indexed as
 * {"t":T_START,"wall":WALL_START_NS,"kind":"trace","file":"trace/NNNN.trace","t_end":T_END}. */
int gmd_bundle_add_trace(gmd_bundle_writer *w, double t_start, int64_t wall_start_ns, double t_end,
                         const uint8_t *data, size_t len, gmd_err *err);
/* The same for a download cut off (the bytes that had arrived), indexed with
 * "partial":true after t_end. */
int gmd_bundle_add_trace_partial(gmd_bundle_writer *w, double t_start, int64_t wall_start_ns, double t_end,
                                 const uint8_t *data, size_t len, gmd_err *err);
int gmd_bundle_add_proc(gmd_bundle_writer *w, double t, int64_t wall_ns, const gmd_proc_stats *s,
                        gmd_err *err);
int gmd_bundle_write_meta(gmd_bundle_writer *w, const gmd_bundle_meta *m, gmd_err *err);
/* Write a whole extra file into the bundle (e.g. report.html); not indexed. */
FILE *gmd_bundle_open_file(const char *dir, const char *name, gmd_err *err);
int gmd_bundle_close(gmd_bundle_writer *w, gmd_err *err);

/* Remove a closed bundle that holds no sample (the program never started):
 * the files a writer makes before any sample, then the directory when the
 * writer made it and that leaves it empty. Anything else in it stays. */
void gmd_bundle_discard(const gmd_bundle_writer *w, const char *dir);

/* --- reading --------------------------------------------------------- */

typedef struct gmd_bundle_entry {
    double t;
    int64_t wall_ns;
    const char *kind;
    const char *file;            /* relative to the bundle directory */
    int64_t line;                /* gctrace/proc: 1-based line; else 0 */
    int debug;
    bool forced_gc;              /* "gc": true — this fetch forced a GC cycle */
    double t_end;                /* trace: when the trace window ended (run clock); else 0 */
    /* Resolved while opening: */
    const char *text;            /* gctrace: the line; else NULL */
    size_t text_len;
    gmd_proc_stats proc;         /* proc: the sample */
} gmd_bundle_entry;

typedef struct gmd_bundle {
    gmd_arena arena;
    char *dir;
    gmd_bundle_entry *entries;
    uint32_t nentries, entries_cap;
    /* From meta.json (defaults when absent). */
    char *tool, *pprof_url, *command;   /* command: argv joined by spaces */
    double interval_sec, duration_sec;
    int pid, exit_status;
    int64_t start_wall_ns;
    bool interrupted;
    int stopped_by;              /* as in gmd_bundle_meta; 0 when absent (older bundles) */
    int observed_pid;            /* 0 when absent (older bundles: use pid) */
    char *observed_exe;          /* "" when absent */
    long memprofilerate;         /* 0 when absent or unknown */
    uint32_t gc_forced;          /* GC cycles gmd forced (count of "gc": true entries) */
    /* What opening skipped (a crash or a full disk cuts lines; copies break links): */
    uint32_t skipped_lines;      /* bad lines of index.jsonl/proc.jsonl, records without their line */
    uint32_t skipped_files;      /* artifacts missing, not regular files, links, or outside the bundle */
    const char *notes[8];        /* the first problems (and a missing/broken meta.json), one line each */
    uint32_t nnotes;
} gmd_bundle;

/* Read index.jsonl, meta.json, gctrace.log and proc.jsonl, tolerantly: bad
 * lines are skipped, artifacts that are not regular files inside the bundle
 * (links, FIFOs, devices, missing) are dropped, a missing or broken
 * meta.json means defaults; each is counted and noted. Only files are read,
 * never through a link. Fails only without a readable index.jsonl. Profiles
 * are not read here (their entries are checked to be regular files). */
int gmd_bundle_open(const char *dir, gmd_bundle *b, gmd_err *err);
void gmd_bundle_free(gmd_bundle *b);
/* dir/file into buf. */
const char *gmd_bundle_path(const gmd_bundle *b, const char *file, char *buf, size_t size);

/* A flat JSON object parser for the index lines (string, number, bool and
 * null values; nested values are skipped). Exposed for tests and fuzzing.
 * Calls `field` for each key; returns 0, or -1 with the byte offset. */
typedef void (*gmd_jsonl_field_fn)(void *ctx, const char *key, const char *str, double num,
                                   bool is_string);
int gmd_jsonl_parse_object(const char *s, size_t len, gmd_jsonl_field_fn field, void *ctx,
                           gmd_err *err);

#endif
