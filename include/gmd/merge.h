/* Merging profiles (several snapshots into one) and diffing (what pprof's
 * -base does: the base's values are subtracted; negative values are kept). */
#ifndef GMD_MERGE_H
#define GMD_MERGE_H

#include "gmd/profile.h"

/* Merge n profiles, multiplying profile i's values by signs[i] (+1 or -1;
 * NULL = all +1). All must have the same sample types (type and unit).
 * Functions, locations and identical samples (same stack and labels) are
 * combined. The result is a new profile; the inputs are untouched. */
gmd_profile *gmd_profile_merge(gmd_profile *const *ps, const int *signs, size_t n, gmd_err *err);

/* new - base. */
gmd_profile *gmd_profile_diff(gmd_profile *base, gmd_profile *newp, gmd_err *err);

#endif
