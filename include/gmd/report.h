/* Text and JSON reports in `go tool pprof`'s layouts: top (-top), peek
 * (-peek), tree (-tree), traces (-traces) and list (-list). Headers,
 * columns, sort orders, percentages (of the total before filtering, as
 * pprof) and number formatting (one unit per report, chosen like pprof's
 * "minimum" unit) follow pprof's internal/report so users can compare
 * output line by line. */
#ifndef GMD_REPORT_H
#define GMD_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "gmd/err.h"
#include "gmd/graph.h"
#include "gmd/stacks.h"

typedef struct gmd_report_opts {
    gmd_granularity granularity;
    bool cum;                   /* sort by cum (top, tree) */
    int nodecount;              /* -1 = the report's default: top all, tree 80; peek/list never trim */
    double nodefraction;        /* <0 = 0.005 (top, tree) */
    const char *symbol;         /* peek, list: POSIX extended regex on function names */
    const char *source_path;    /* list: colon-separated directories to search for sources */
    const gmd_select_opts *select;  /* for the "Active filters:" header; may be NULL */
    bool json;                  /* top, traces: JSON instead of text */
} gmd_report_opts;

/* Each returns 0, or -1 with err set (bad regex, nothing matched). */
int gmd_report_top(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err);
int gmd_report_peek(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err);
int gmd_report_tree(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err);
int gmd_report_traces(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err);
int gmd_report_list(FILE *out, const gmd_stackset *s, const gmd_report_opts *o, gmd_err *err);

/* pprof's profile header lines (File, Build ID, comments, Type, Doc, Time,
 * Duration), each ending in a newline. The "Total samples" value is in
 * out_unit, the report's unit (gmd_report_output_unit), as pprof prints
 * it; NULL scales it on its own (traces). */
void gmd_report_profile_labels(FILE *out, const gmd_stackset *s, const char *out_unit);

/* The unit pprof would print a graph's values in (NULL = plain numbers). */
const char *gmd_report_output_unit(const gmd_graph *g);

#endif
