/* Open file descriptors of a live process and its limit: a service out of
 * descriptors fails every accept and open with EMFILE, which no memory
 * figure shows. */
#ifndef GMD_PROCFDS_H
#define GMD_PROCFDS_H

#include <stddef.h>
#include <stdint.h>
#include "gmd/err.h"

typedef struct gmd_proc_fds {
    int64_t open;           /* entries of /proc/PID/fd; -1 when not readable */
    int64_t limit;          /* soft RLIMIT_NOFILE ("Max open files"); -1 unknown, INT64_MAX unlimited */
} gmd_proc_fds;

/* Fill from /proc/PID/fd and /proc/PID/limits; fields that cannot be read
 * stay -1. Fails only when the process is gone. */
int gmd_proc_fds_read(int pid, gmd_proc_fds *out, gmd_err *err);
/* The soft "Max open files" limit in /proc/PID/limits text: -1 when absent
 * or malformed, INT64_MAX for "unlimited". */
int64_t gmd_proc_parse_nofile_limit(const char *text, size_t len);
/* open is above 80% of a finite limit. */
int gmd_proc_fds_near_limit(const gmd_proc_fds *f);

#endif
