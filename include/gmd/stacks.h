/* Stack sets: a profile reduced to what reports draw from — one value per
 * sample (the chosen sample index) and its call stack as logical frames
 * (inlined calls expanded), after focus/ignore/hide/show filtering with
 * pprof's semantics. top, peek, tree, traces, list, flame and dot all start
 * from here. */
#ifndef GMD_STACKS_H
#define GMD_STACKS_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include "gmd/err.h"
#include "gmd/profile.h"

typedef struct gmd_select_opts {
    const char *sample_index;   /* type name or number; NULL/"" = the profile's default */
    /* POSIX extended regexes, unanchored, matched against a frame's function
     * name, its file name and its mapping's file (as pprof does). NULL = off. */
    const char *focus;          /* keep samples with at least one matching frame */
    const char *ignore;         /* drop samples with any matching frame */
    const char *hide;           /* remove matching frames from stacks */
    const char *show;           /* keep only matching frames */
    /* The caller walks frames through the per-location tables only (the
     * call graph does): skip building each stack's own frame list, which
     * for large profiles is the biggest allocation of all. */
    bool location_frames_only;
} gmd_select_opts;

typedef struct gmd_frame {
    uint32_t function;          /* index into profile->functions; GMD_NONE if the location has no lines */
    uint32_t location;          /* index into profile->locations */
    int64_t line;
} gmd_frame;

typedef struct gmd_stack {
    uint32_t sample;            /* index into profile->samples */
    uint32_t nframes;           /* with location_frames_only and no hide/show: the
                                   number of locations (frames are not counted) */
    gmd_frame *frames;          /* leaf first; NULL with location_frames_only */
    int64_t value;
} gmd_stack;

typedef struct gmd_stackset {
    const gmd_profile *profile;
    int value_index;
    gmd_value_type value_type;
    gmd_stack *stacks;
    uint32_t nstacks;
    gmd_frame *frame_pool;
    /* Per location, the frames it contributes after hide/show: its kept
     * lines, innermost first (one frame without a function for an
     * unsymbolized location). A stack's frames are, in order, the frames of
     * its sample's locations. loc_line[i] is the index in the location's
     * lines of loc_frames[i] (UINT32_MAX when unsymbolized). */
    uint32_t *loc_first, *loc_nframes;   /* per location */
    gmd_frame *loc_frames;
    uint32_t *loc_line;
    int64_t total;              /* sum of |value| over the kept stacks (pprof's total) */
    int64_t total_unfiltered;   /* the same before focus/ignore */
    bool focus_matched, ignore_matched, hide_matched, show_matched;
} gmd_stackset;

int gmd_stackset_build(const gmd_profile *p, const gmd_select_opts *o, gmd_stackset *out, gmd_err *err);
void gmd_stackset_free(gmd_stackset *s);

/* Display name of a frame's function ("0x4b798d" for an unsymbolized location). */
const char *gmd_frame_name(const gmd_stackset *s, const gmd_frame *f, char *buf, size_t size);

/* Compile a user regex; a bad one is an error naming the flag. */
int gmd_regex_compile(regex_t *re, const char *pattern, const char *flag, gmd_err *err);

#endif
