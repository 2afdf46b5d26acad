/* Sampling a Go program through its memory for `gmd run` / `gmd watch`
 * without --pprof: each round, the heap profile from the runtime's buckets
 * (as profile.proto) and the goroutines (as debug=2 text, with states,
 * waits and creators), handed to the collector like fetched profiles.
 * Nothing is ever written to or signalled in the process. */
#ifndef GMD_MEMSAMPLE_H
#define GMD_MEMSAMPLE_H

#include <stdbool.h>
#include "gmd/collect.h"

typedef struct gmd_memsampler gmd_memsampler;

/* `binary` may be NULL (the process's own executable). */
gmd_memsampler *gmd_memsampler_new(const char *binary);
/* Only the runtime's statistics (GC count, live heap after GC), not the
 * heap profile or goroutines: for when --pprof serves those. */
void gmd_memsampler_stats_only(gmd_memsampler *s);
void gmd_memsampler_free(gmd_memsampler *s);
/* A gmd_collect_memory_fn: pass it as opts.sample_memory with the sampler as opts.memory_ctx. */
int gmd_memsampler_sample(void *sampler, int pid, double t, gmd_collect_fn emit, void *emit_ctx);
/* What could not be read, once per kind (e.g. heap profiling compiled out);
 * "" when everything worked. */
const char *gmd_memsampler_problem(const gmd_memsampler *s);
/* Rounds in which the heap / goroutines were read. */
unsigned gmd_memsampler_heaps(const gmd_memsampler *s);
unsigned gmd_memsampler_goroutine_reads(const gmd_memsampler *s);

#endif
