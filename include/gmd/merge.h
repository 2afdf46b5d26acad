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

/* The same, one profile at a time, so each input can be freed once added:
 * gmd_merger_add checks the sample types against the first profile added
 * (-1 and err on a mismatch, the merger still usable to free);
 * gmd_merger_finish returns the merged profile (NULL if nothing was added)
 * and frees the merger; gmd_merger_free abandons it. */
typedef struct gmd_merger gmd_merger;
gmd_merger *gmd_merger_new(void);
int gmd_merger_add(gmd_merger *m, const gmd_profile *p, int sign, gmd_err *err);
gmd_profile *gmd_merger_finish(gmd_merger *m, gmd_err *err);
void gmd_merger_free(gmd_merger *m);

/* new - base. */
gmd_profile *gmd_profile_diff(gmd_profile *base, gmd_profile *newp, gmd_err *err);

#endif
