/* Field offsets of the Go runtime structs gmd reads (internal to libgmd). */
#ifndef GMD_TARGET_GOLAYOUT_H
#define GMD_TARGET_GOLAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include "gmd/target.h"

#define GMD_GO_MIN_MINOR 22
#define GMD_GO_MAX_MINOR 26

enum {
    GL_G_SIZE, GL_G_STACK_LO, GL_G_STACK_HI, GL_G_SCHED_SP, GL_G_SCHED_PC, GL_G_SCHED_BP,
    GL_G_SYSCALLSP, GL_G_SYSCALLPC, GL_G_STATUS, GL_G_GOID, GL_G_WAITSINCE, GL_G_WAITREASON,
    GL_G_LOCKEDM, GL_G_PARENTGOID, GL_G_GOPC, GL_G_STARTPC,
    GL_BUCKET_SIZE, GL_BUCKET_ALLNEXT, GL_BUCKET_TYP, GL_BUCKET_OBJSIZE, GL_BUCKET_NSTK,
    GL_MEMRECORD_SIZE,
    GL_MS_STACKS_SYS, GL_MS_MSPAN_SYS, GL_MS_MCACHE_SYS, GL_MS_BUCKHASH_SYS, GL_MS_GCMISC_SYS,
    GL_MS_OTHER_SYS, GL_MS_LAST_GC_UNIX, GL_MS_PAUSE_TOTAL, GL_MS_NUMGC, GL_MS_NUMFORCEDGC,
    GL_MS_GC_CPU_FRACTION, GL_MS_LAST_GC_NANOTIME, GL_MS_HEAPSTATS,
    GL_HSD_SIZE, GL_HSD_INSTACKS, GL_HSD_INWORKBUFS, GL_HSD_TINYALLOCCOUNT, GL_HSD_LARGEALLOC,
    GL_HSD_LARGEALLOCCOUNT, GL_HSD_SMALLALLOCCOUNT, GL_HSD_LARGEFREE, GL_HSD_LARGEFREECOUNT,
    GL_HSD_SMALLFREECOUNT,
    GL_GC_PERCENT, GL_GC_MEMORYLIMIT, GL_GC_HEAPMARKED, GL_GC_HEAPLIVE, GL_GC_HEAPINUSE,
    GL_GC_HEAPFREE, GL_GC_HEAPRELEASED, GL_GC_PERCENTHEAPGOAL,
    GL_G_PANIC, GL_PANIC_ARG,
    GL_NFIELDS
};

typedef struct gmd_golayout_field {
    const char *type;      /* DWARF type name */
    const char *field;     /* dotted member path; NULL = the type's size */
    bool required;
} gmd_golayout_field;

extern const gmd_golayout_field gmd_golayout_fields[GL_NFIELDS];

/* The table's offsets for Go 1.<minor>; false for a release it lacks. */
bool gmd_golayout_table(int minor, int64_t out[GL_NFIELDS]);
/* Offsets from DWARF; -1 when a required field is absent (*missing names it). */
int gmd_golayout_dwarf(gmd_gobin *b, int64_t out[GL_NFIELDS], const char **missing);

/* The offsets fit their structs and the readers' buffers. */
bool gmd_golayout_sane(const int64_t off[GL_NFIELDS]);

#endif
