/* Call graphs in Graphviz DOT, laid out like `go tool pprof -dot`: a legend
 * box, one box per function (package on its own line, flat and cum values
 * with percentages; size by flat, colour by cum), edges weighted by value,
 * dashed for inlined calls and dotted where trimmed nodes were skipped. The
 * graph itself comes from gmd/graph.h. */
#ifndef GMD_DOT_H
#define GMD_DOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "gmd/err.h"
#include "gmd/graph.h"
#include "gmd/stacks.h"

typedef struct gmd_dot_opts {
    gmd_granularity granularity;
    int nodecount;              /* keep the N heaviest nodes; <0 = 80, 0 = all */
    double nodefraction;        /* <0 = 0.005 */
    double edgefraction;        /* <0 = 0.001 */
    const char *title;          /* first legend line; NULL = none (the profile's labels follow) */
    const gmd_select_opts *select;  /* filters to list in the legend; may be NULL */
} gmd_dot_opts;

/* Write the call graph of `s` as DOT. */
int gmd_dot_write(FILE *out, const gmd_stackset *s, const gmd_dot_opts *o, gmd_err *err);

/* True when this libgmd can render DOT itself (built with Graphviz's libgvc). */
bool gmd_dot_can_render(void);
/* Lay out DOT text with Graphviz's dot engine and write SVG to `out`. Fails
 * with a message saying what to do instead when built without libgvc. */
int gmd_dot_render_svg(const char *dot, size_t len, FILE *out, gmd_err *err);

#endif
