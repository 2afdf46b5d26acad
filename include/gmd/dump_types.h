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

/* One field of an object, for `gmd dump show`: struct members flattened
 * ("User.Name"), array elements as "[k]" (the first few). */
typedef enum gmd_dump_field_kind {
    GMD_DF_INT, GMD_DF_UINT, GMD_DF_FLOAT, GMD_DF_BOOL,
    GMD_DF_PTR,        /* pointers, maps, channels: value is the address */
    GMD_DF_STRING,     /* value: data pointer; len; text: its first bytes */
    GMD_DF_SLICE,      /* value: array pointer; len, cap */
    GMD_DF_IFACE,      /* dyn: dynamic type name (NULL unknown); value: data word */
    GMD_DF_OTHER,      /* func values, unsafe.Pointer, arrays left unexpanded: value is the first word */
} gmd_dump_field_kind;

typedef struct gmd_dump_field {
    char name[128];
    const char *type;
    uint64_t off, size;
    gmd_dump_field_kind kind;
    uint64_t value, len, cap;
    char text[72];
    uint32_t text_len;   /* bytes in text (<= 64); the string may be longer */
    bool text_ok;        /* the data was found in the dump */
    const char *dyn;
} gmd_dump_field;

/* The fields of object `obj` by its propagated type; returns how many (at
 * most max), 0 when its type is unknown. `t` must be the table the types were
 * propagated with. */
uint32_t gmd_dump_fields(gmd_objgraph *g, gmd_gotypes *t, uint64_t bias, uint32_t obj, gmd_dump_field *out, uint32_t max);

#endif
