/* Text and JSON reports of `gmd dump` (src/lib/renderers/dump_report.c). */
#ifndef GMD_DUMP_REPORT_H
#define GMD_DUMP_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "gmd/dump_analyses.h"

typedef struct gmd_dump_report_opts {
    bool json;
    int rows;              /* rows per table; 0 = all */
    const char *source;    /* file name shown in headers */
    /* Optional: the function, file and line of a PC from the binary's
     * pclntab (goroutine groups: where they block, where they were created). */
    bool (*pcline)(void *ctx, uint64_t pc, bool return_address, const char **func, const char **file, uint64_t *line);
    void *pcline_ctx;
    /* Optional: the name of object obj's field holding byte `off` ("clients"),
     * from the binary's types (the holders of type suspects). */
    bool (*field)(void *ctx, uint32_t obj, uint64_t off, char *buf, size_t size);
    void *field_ctx;
} gmd_dump_report_opts;

void gmd_dump_report_summary(FILE *out, const gmd_objgraph *g, const gmd_dump_report_opts *o);
void gmd_dump_report_top(FILE *out, const gmd_objgraph *g, const gmd_dump_report_opts *o);
/* Up to npaths shortest paths to `target`, each from a different root. */
void gmd_dump_report_path(FILE *out, const gmd_objgraph *g, uint32_t target, int npaths, const gmd_dump_report_opts *o);
void gmd_dump_report_suspects(FILE *out, const gmd_objgraph *g, double threshold, const gmd_dump_report_opts *o);
/* One object: type, retained size, allocation site, fields (with types `t`
 * from the binary, or NULL) and who points at it. */
#include "gmd/dump_types.h"
void gmd_dump_report_show(FILE *out, gmd_objgraph *g, gmd_gotypes *t, uint64_t bias, uint32_t node,
                          const gmd_dump_report_opts *o);
void gmd_dump_report_histogram(FILE *out, const gmd_objgraph *g, bool by_type, const gmd_dump_report_opts *o);

/* Diff: per-key retained bytes of one dump, detached from its graph. */
typedef struct gmd_dump_keyed {
    char **names;
    uint64_t *bytes, *objects;
    uint32_t n;
} gmd_dump_keyed;
/* Roots by name; a group of goroutines by its state and blocking function
 * (named from o->pcline when set; o may be NULL). */
void gmd_dump_keyed_roots(const gmd_objgraph *g, gmd_dump_keyed *k, const gmd_dump_report_opts *o);
void gmd_dump_keyed_sites(const gmd_objgraph *g, gmd_dump_keyed *k);
/* Reachable bytes and objects per known type (none without types). */
void gmd_dump_keyed_types(const gmd_objgraph *g, gmd_dump_keyed *k);
void gmd_dump_keyed_free(gmd_dump_keyed *k);
void gmd_dump_report_diff(FILE *out, const gmd_dump_keyed *old_roots, const gmd_dump_keyed *new_roots,
                          const gmd_dump_keyed *old_sites, const gmd_dump_keyed *new_sites,
                          const gmd_dump_keyed *old_types, const gmd_dump_keyed *new_types, uint64_t old_total,
                          uint64_t new_total, const gmd_dump_report_opts *o);

#endif
