/* gmd trace's reports: text and JSON for each view, and the SVG timeline. */
#ifndef GMD_TRACE_REPORT_H
#define GMD_TRACE_REPORT_H
#include <stdbool.h>
#include <stdio.h>
#include "gmd/trace_analysis.h"

typedef struct gmd_trace_report_opts {
    const char *source;       /* what was read, for headings */
    bool json;
    unsigned top;             /* rows per table (0 = default 20) */
    unsigned frames;          /* stack frames shown per row (0 = default 6) */
} gmd_trace_report_opts;

void gmd_trace_report_summary(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o);
void gmd_trace_report_goroutines(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o);
void gmd_trace_report_blocking(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o);
void gmd_trace_report_gc(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o);
/* A self-contained SVG: goroutines by state, heap live and goal, GC cycles
 * and stop-the-world pauses on one time axis. */
void gmd_trace_write_svg(FILE *out, const gmd_trace_analysis *a, const char *source);

#endif
