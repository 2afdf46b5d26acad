/* Goroutines written as the runtime's own traceback text (what
 * /debug/pprof/goroutine?debug=2 serves), so goroutines read from memory
 * are stored in bundles in a form every Go tool reads. */
#include <inttypes.h>
#include <stdio.h>
#include "gmd/goroutine_text.h"

int gmd_goroutines_write_text2(FILE *out, const gmd_profile *p)
{
    for (uint32_t i = 0; i < p->ngoroutines; i++) {
        const gmd_goroutine *g = &p->goroutines[i];
        fprintf(out, "goroutine %" PRId64 " [%s", g->id, g->state && g->state[0] ? g->state : "unknown");
        if (g->wait_minutes >= 1) fprintf(out, ", %" PRId64 " minutes", g->wait_minutes);
        if (g->locked_to_thread) fputs(", locked to thread", out);
        fputs("]:\n", out);
        if (g->sample < p->nsamples) {
            const gmd_sample *s = &p->samples[g->sample];
            for (uint32_t k = 0; k < s->nlocations; k++) {
                const gmd_location *l = &p->locations[s->locations[k]];
                for (uint32_t m = 0; m < l->nlines; m++) {
                    const gmd_function *f = &p->functions[l->lines[m].function];
                    /* "(...)" marks a call inlined into the frame below it, as the runtime prints it. */
                    fprintf(out, "%s(%s)\n\t%s:%" PRId64 "\n", f->name, m + 1 < l->nlines ? "..." : "", f->filename,
                            l->lines[m].line);
                }
            }
        }
        if (g->created_by && g->created_by[0]) {
            fprintf(out, "created by %s", g->created_by);
            if (g->parent_id > 0) fprintf(out, " in goroutine %" PRId64, g->parent_id);
            fprintf(out, "\n\t%s:%" PRId64 "\n", g->created_file, g->created_line);
        }
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}
