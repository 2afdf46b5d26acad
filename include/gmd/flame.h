/* Flame graphs as one self-contained SVG (inline CSS and script: hover
 * details, click to zoom, search), root at the bottom like pprof's. */
#ifndef GMD_FLAME_H
#define GMD_FLAME_H

#include <stdio.h>
#include "gmd/err.h"
#include "gmd/stacks.h"

typedef struct gmd_flame_opts {
    const char *title;          /* NULL = a title made from the profile */
    int width;                  /* pixels; 0 = 1200 */
} gmd_flame_opts;

/* A flame graph of `cur`. With `base` non-NULL it is a diff flame graph:
 * frame widths from `cur`, colour from the change against `base` (red grew,
 * blue shrank), and frames only in base still drawn. */
int gmd_flame_write_svg(FILE *out, const gmd_stackset *cur, const gmd_stackset *base,
                        const gmd_flame_opts *o, gmd_err *err);

#endif
