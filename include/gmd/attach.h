/* One look at a Go program through its memory (gmd attach PID, gmd core
 * FILE): its Go version, where its RSS goes, its goroutines by state and
 * creation site, and its heap profile's top sites — all read without
 * stopping it (gmd/goruntime.h), joined with /proc for a live process. */
#ifndef GMD_ATTACH_H
#define GMD_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "gmd/err.h"
#include "gmd/goroutines.h"
#include "gmd/goruntime.h"
#include "gmd/proc.h"
#include "gmd/procfds.h"
#include "gmd/profile.h"
#include "gmd/target.h"

typedef struct gmd_rss_part {
    const char *name;        /* "Go heap in use", ... */
    int64_t bytes;           /* resident bytes (estimated where noted) */
    const char *note;        /* why it is there / what to do, "" when none */
    bool in_rss;             /* false for lines shown for context (released heap) */
} gmd_rss_part;

typedef struct gmd_heap_site {
    const char *function;    /* leaf function after pprof's runtime trimming */
    int64_t inuse_space, inuse_objects, alloc_space;
} gmd_heap_site;

typedef struct gmd_attach_report {
    char target[128];        /* "pid:4242" / "core:FILE" */
    int pid;
    bool live;
    const char *exe, *go_version;
    char layout[64];         /* where the runtime's layouts came from: "dwarf", "table go1.26", ... */
    double read_seconds;

    bool have_memstats;
    gmd_gomemstats ms;
    char memstats_error[256];
    bool have_proc;          /* live: /proc/PID/status and smaps */
    gmd_proc_stats proc;
    bool have_fds;           /* live: /proc/PID/fd and limits */
    gmd_proc_fds fds;
    gmd_rss_part parts[12];
    uint32_t nparts;

    gmd_profile *goroutines; /* NULL when they could not be read (goroutine_error says why) */
    gmd_goroutine_groups groups;
    gmd_goroutine_read_stats gstats;
    char goroutine_error[256];
    bool crashed;            /* a core written by a crash signal or with a panic under way */
    gmd_gocrash crash;

    gmd_profile *heap;       /* NULL when it could not be read (heap_error says why) */
    gmd_heap_site *sites; uint32_t nsites;   /* by in-use bytes, largest first */
    int64_t heap_inuse_total, heap_inuse_objects;
    char heap_error[512];
} gmd_attach_report;

/* Read everything; parts that fail are noted in the report, not fatal.
 * Fails only when nothing can be read (the runtime cannot be resolved). */
int gmd_attach_collect(gmd_target *t, gmd_attach_report *r, gmd_err *err);
void gmd_attach_report_free(gmd_attach_report *r);

/* Renderers (src/lib/renderers/attach_report.c). */
void gmd_attach_render_text(FILE *out, const gmd_attach_report *r, int max_rows);
void gmd_attach_render_json(FILE *out, const gmd_attach_report *r, int max_rows);

#endif
