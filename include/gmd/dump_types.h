/* Types for a heap dump's objects, propagated from typed roots through
 * typed pointers (src/lib/analyses/dump_types.c). */
#ifndef GMD_DUMP_TYPES_H
#define GMD_DUMP_TYPES_H

#include "gmd/gotypes.h"
#include "gmd/objgraph.h"

/* Fill g->obj_type from the binary's DWARF types `t`: `bias` is the dump's
 * address of the binary's link-time address 0 (non-zero for a PIE). */
void gmd_dump_types(gmd_objgraph *g, gmd_gotypes *t, uint64_t bias);

/* Reachable objects and bytes whose type is known (after the dominators). */
void gmd_dump_typed(const gmd_objgraph *g, uint64_t *objects, uint64_t *bytes);

#endif
