/* Writing goroutines in the runtime's traceback text form (debug=2). */
#ifndef GMD_GOROUTINE_TEXT_H
#define GMD_GOROUTINE_TEXT_H

#include <stdio.h>
#include "gmd/profile.h"

/* p must carry per-goroutine facts (p->goroutines): a debug=2 profile or
 * goroutines read from memory. -1 on a write error. */
int gmd_goroutines_write_text2(FILE *out, const gmd_profile *p);

#endif
