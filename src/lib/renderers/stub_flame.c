/* Temporary stand-in until flame_svg.c lands; delete then. */
#include "gmd/flame.h"
int gmd_flame_write_svg(FILE *out, const gmd_stackset *cur, const gmd_stackset *base, const gmd_flame_opts *o, gmd_err *err)
{ (void)out; (void)cur; (void)base; (void)o; return gmd_errf(err, "flame graphs not built"); }
