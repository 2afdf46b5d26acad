/* Memory of a live process from /proc: what `ps` and `top` show (RSS) plus
 * the finer split /proc/PID/status and /proc/PID/smaps_rollup give. */
#ifndef GMD_PROC_H
#define GMD_PROC_H

#include <stddef.h>
#include <stdint.h>
#include "gmd/err.h"

/* All sizes in bytes; -1 when the kernel did not report the field. */
typedef struct gmd_proc_stats {
    int64_t rss;            /* VmRSS: resident memory, what the OOM killer sees */
    int64_t rss_anon;       /* RssAnon: resident anonymous memory (the Go heap lives here) */
    int64_t rss_file;       /* RssFile */
    int64_t hwm;            /* VmHWM: peak RSS */
    int64_t vm_size;        /* VmSize */
    int64_t swap;           /* VmSwap */
    int64_t threads;        /* Threads (a count, not bytes) */
    int64_t pss;            /* smaps_rollup Pss: RSS with shared pages divided among sharers */
    int64_t private_dirty;  /* smaps_rollup Private_Dirty */
    /* /proc/PID/smaps by class (gmd/smaps.h), resident bytes: */
    int64_t smaps_anon;     /* anonymous mappings (Go heap and mmap'd memory alike) */
    int64_t smaps_anon_maps;/* how many anonymous mappings (a count) */
    int64_t smaps_brk;      /* [heap]: the C heap */
    int64_t smaps_stack;    /* [stack] */
    int64_t smaps_file;     /* file-backed mappings */
} gmd_proc_stats;

void gmd_proc_stats_clear(gmd_proc_stats *s);
/* Fill from /proc/PID/status and, where readable, /proc/PID/smaps_rollup.
 * Fails (with the errno text) when the process is gone. */
int gmd_proc_read(int pid, gmd_proc_stats *out, gmd_err *err);
/* The parsers behind it, for text already read (tests, fuzzing). Unknown
 * lines are skipped; numbers are bounded. */
void gmd_proc_parse_status(const char *text, size_t len, gmd_proc_stats *out);
void gmd_proc_parse_smaps_rollup(const char *text, size_t len, gmd_proc_stats *out);

#endif
