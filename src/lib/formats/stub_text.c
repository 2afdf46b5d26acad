/* Temporary stand-in until the text readers land; delete then. */
#include "gmd/profile.h"
gmd_profile *gmd_pprof_heap_text_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "heap text reader not built"); return NULL; }
gmd_profile *gmd_pprof_goroutine_text1_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "goroutine text reader not built"); return NULL; }
gmd_profile *gmd_pprof_goroutine_text2_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "goroutine text reader not built"); return NULL; }
