/* Goroutine profiles grouped by stack: counts, states and wait times, and
 * the difference between two snapshots (which stacks grew). Works on any
 * goroutine profile form; states and wait times come from debug=2. */
#ifndef GMD_GOROUTINES_H
#define GMD_GOROUTINES_H

#include <stdbool.h>
#include <stdio.h>
#include "gmd/err.h"
#include "gmd/profile.h"
#include "gmd/stacks.h"

typedef struct gmd_goroutine_state_count {
    const char *state;          /* "chan receive", ...; "" when unknown (proto/debug=1) */
    int64_t count;
} gmd_goroutine_state_count;

typedef struct gmd_goroutine_group {
    const gmd_profile *profile;
    uint32_t sample;            /* a representative sample: its stack is the group's */
    int64_t count;
    gmd_goroutine_state_count *states; uint32_t nstates;
    int64_t max_wait_minutes;   /* -1 when unknown */
    const char *created_by;     /* "" when unknown */
    const char *created_file;
    int64_t created_line;
} gmd_goroutine_group;

typedef struct gmd_goroutine_groups {
    gmd_goroutine_group *groups; uint32_t ngroups;   /* largest count first */
    int64_t total;
    gmd_goroutine_state_count *state_pool;           /* every group's states */
} gmd_goroutine_groups;

bool gmd_profile_is_goroutine(const gmd_profile *p);
int gmd_goroutine_groups_build(const gmd_profile *p, gmd_goroutine_groups *out, gmd_err *err);
void gmd_goroutine_groups_free(gmd_goroutine_groups *g);
/* Keep the groups whose stack passes sel's --focus and --ignore (as pprof
 * filters samples); the total becomes theirs. --hide and --show would change
 * the stacks themselves, which group identity rests on: they are an error. */
int gmd_goroutine_groups_filter(gmd_goroutine_groups *g, const gmd_profile *p, const gmd_select_opts *sel,
                                gmd_err *err);

typedef struct gmd_goroutine_delta {
    const gmd_goroutine_group *base;   /* NULL when the stack is new */
    const gmd_goroutine_group *cur;    /* NULL when the stack is gone */
    int64_t delta;                     /* cur count - base count */
} gmd_goroutine_delta;

/* Match groups by stack (function names and lines, leaf first); sorted by
 * delta, largest growth first. */
int gmd_goroutine_diff(const gmd_goroutine_groups *base, const gmd_goroutine_groups *cur,
                       gmd_goroutine_delta **out, uint32_t *n, gmd_err *err);

#endif
