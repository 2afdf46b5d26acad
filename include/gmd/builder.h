/* Building a profile piece by piece (text readers, merge, diff). Functions,
 * locations and samples are deduplicated by content, so two identical stacks
 * become one sample whose values are summed. */
#ifndef GMD_BUILDER_H
#define GMD_BUILDER_H

#include "gmd/profile.h"

typedef struct gmd_builder gmd_builder;

/* Start building into `p` (fresh from gmd_profile_new, with sample_types set
 * before the first sample is added). */
gmd_builder *gmd_builder_new(gmd_profile *p);
/* Strings passed in need not be interned; the builder interns them. */
uint32_t gmd_builder_mapping(gmd_builder *b, const gmd_mapping *m);
uint32_t gmd_builder_function(gmd_builder *b, const char *name, const char *system_name,
                              const char *filename, int64_t start_line);
/* Lines innermost first. Deduplicated on (mapping, address, lines). */
uint32_t gmd_builder_location(gmd_builder *b, uint32_t mapping, uint64_t address,
                              const gmd_line *lines, uint32_t nlines);
/* Values: p->nsample_types of them. With `merge`, a sample with the same
 * locations and labels as an earlier one adds to it; without, each call
 * makes a new sample. Returns the sample's index. */
uint32_t gmd_builder_sample(gmd_builder *b, const uint32_t *locations, uint32_t nlocations,
                            const int64_t *values, const gmd_label *labels, uint32_t nlabels,
                            bool merge);

/* The same in steps, for merging many samples (gmd_merger). Labels become
 * a label set number (0 for none), equal sets the same number; a sample's
 * hash is computed once; and the two reads that find it are started ahead
 * of use: prefetch_slot some samples ahead, prefetch_sample (after its
 * slot has arrived) fewer, then merge_sample. Random reads were most of a
 * merge's time otherwise. reserve() makes room for n samples of nlocations
 * locations in all. */
uint32_t gmd_builder_label_set(gmd_builder *b, const gmd_label *labels, uint32_t nlabels);
uint64_t gmd_builder_sample_hash(const uint32_t *locations, uint32_t nlocations, uint32_t label_set);
void gmd_builder_reserve(gmd_builder *b, size_t nsamples, size_t nlocations);
void gmd_builder_prefetch_slot(gmd_builder *b, uint64_t h);
void gmd_builder_prefetch_sample(gmd_builder *b, uint64_t h);
uint32_t gmd_builder_merge_sample(gmd_builder *b, uint64_t h, const uint32_t *locations, uint32_t nlocations,
                                  const int64_t *values, uint32_t label_set);
/* Copy everything into the profile's arena and free the builder. */
void gmd_builder_finish(gmd_builder *b);

#endif
