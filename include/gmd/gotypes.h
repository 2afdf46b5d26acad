/* Go types of an executable, from its DWARF (via libdw), reduced to what a
 * walk over memory needs: each type's size and the flattened list of its
 * pointer-bearing slots (pointers, slices, strings, interfaces, maps,
 * channels), plus global variables and the runtime type descriptor each
 * type has. Element types behind pointers are resolved on first use, so
 * loading costs one pass over the top-level DIEs. */
#ifndef GMD_GOTYPES_H
#define GMD_GOTYPES_H

#include <stdbool.h>
#include <stdint.h>
#include "gmd/err.h"
#include "gmd/target.h"

#define GMD_GT_NONE UINT32_MAX

typedef enum gmd_gt_kind {
    GMD_GT_PLAIN,      /* nothing gmd follows: numbers, func values, unsafe.Pointer */
    GMD_GT_STRUCT,
    GMD_GT_ARRAY,      /* fixed array: elem x count */
    GMD_GT_PTR,        /* *elem */
    GMD_GT_SLICE,      /* array pointer, len, cap */
    GMD_GT_STRING,     /* data pointer, len */
    GMD_GT_IFACE,      /* itab, data */
    GMD_GT_EFACE,      /* type, data */
    GMD_GT_MAP,        /* pointer to the map header; elem is the header struct */
    GMD_GT_CHAN,       /* pointer to the hchan; elem is the hchan struct */
    GMD_GT_FUNC,       /* func value: nil, a static funcval, or a closure object whose first word is the code */
} gmd_gt_kind;

typedef enum gmd_gt_special {
    GMD_GT_ORDINARY,
    GMD_GT_MAPHDR,     /* internal/runtime/maps.Map: dirPtr is a group (dirLen 0) or a table directory */
    GMD_GT_HCHAN,      /* runtime.hchan: buf holds dataqsiz elements */
    GMD_GT_CLOSURE,    /* a closure object: the size is the code pointer only, never an array of them */
    GMD_GT_SYNCNODE,   /* internal/sync.node[K,V] (sync.Map): the head of an entry[K,V] (`group`)
                        * when its first byte (isEntry) is set, else of an indirect[K,V] (`dirent`) */
} gmd_gt_special;

typedef struct gmd_gotype {
    const char *name;
    uint64_t size;
    uint64_t count;              /* ARRAY */
    uint8_t kind, special;
    uint32_t first_slot, nslots; /* STRUCT, ARRAY: pointer-bearing slots, flattened */
    /* MAPHDR: offsets of dirPtr, dirLen; group and directory-entry (*table) types.
     * HCHAN: offsets of buf, dataqsiz; elem type (in `group`). SYNCNODE: see above. */
    uint64_t off_a, off_b;
    uint32_t group, dirent;
    uint32_t first_member, nmembers;   /* STRUCT: its members, in order (for display) */
} gmd_gotype;

typedef struct gmd_gomember {
    const char *name;
    uint64_t off;
    uint32_t type;
} gmd_gomember;

/* A slot at `off` of a value, of type `type` (a PTR, SLICE, STRING, IFACE,
 * EFACE, MAP, CHAN, or an ARRAY too long to unroll). */
typedef struct gmd_goslot {
    uint64_t off;
    uint32_t type;
} gmd_goslot;

typedef struct gmd_govar {
    const char *name;
    uint64_t addr, size;         /* link-time address */
    uint32_t type;               /* GMD_GT_NONE when unknown */
} gmd_govar;

typedef struct gmd_gotypes gmd_gotypes;

/* NULL (err set) when the binary has no DWARF. */
gmd_gotypes *gmd_gotypes_load(gmd_gobin *bin, gmd_err *err);
void gmd_gotypes_free(gmd_gotypes *t);

const gmd_gotype *gmd_gotypes_get(const gmd_gotypes *t, uint32_t id);
/* The element of a PTR, SLICE, ARRAY, MAP or CHAN, resolved on first use. */
uint32_t gmd_gotypes_elem(gmd_gotypes *t, uint32_t id);
const gmd_goslot *gmd_gotypes_slots(const gmd_gotypes *t, uint32_t id);
const gmd_gomember *gmd_gotypes_members(const gmd_gotypes *t, uint32_t id);
/* The base kind of a PLAIN type for display: 'i' signed, 'u' unsigned, 'f'
 * float, 'b' bool, 0 other. */
char gmd_gotypes_number(const gmd_gotypes *t, uint32_t id);
/* The type whose runtime descriptor is at link-time address `addr`. */
uint32_t gmd_gotypes_by_rtype(gmd_gotypes *t, uint64_t addr);
/* Global variables with a static address, sorted by address. */
uint32_t gmd_gotypes_nvars(const gmd_gotypes *t);
const gmd_govar *gmd_gotypes_var(gmd_gotypes *t, uint32_t i);
/* Where part of a local variable or argument lives at a PC: `size` bytes
 * (0 = the whole value) from byte `piece` of the value, at CFA + cfa_off.
 * Pieces in registers are left out. */
typedef struct gmd_goframevar {
    uint32_t type;
    int64_t cfa_off;
    uint64_t piece, size;
} gmd_goframevar;
/* The in-memory pieces of the variables of the function at link-time `pc`,
 * including those of functions inlined there; returns how many (at most max).
 * `ret`: pc is a return address. Scopes are then taken at the call (pc - 1)
 * but locations after it, at pc: no register survives a Go call, so the
 * location lists place the values that live across it in the frame there. */
uint32_t gmd_gotypes_frame_vars(gmd_gotypes *t, uint64_t pc, bool ret, gmd_goframevar *out, uint32_t max);

/* A type for closure objects of the function containing link-time `pc`
 * ("closure main.build.func1": the captured variables are not in DWARF by
 * function); GMD_GT_NONE when pc is in no function. */
uint32_t gmd_gotypes_closure(gmd_gotypes *t, uint64_t pc, uint64_t ptr_size);
/* The same, only when `pc` is the entry of a function the compiler names as
 * a closure body ("f.func1", "f.gowrap1", "T.M-fm"): a value starting with
 * that address is its closure object. */
uint32_t gmd_gotypes_closure_entry(gmd_gotypes *t, uint64_t pc, uint64_t ptr_size);

/* A pointer-shaped type: an interface holding it keeps the value in its data word. */
bool gmd_gotypes_direct(gmd_gotypes *t, uint32_t id);

#endif
