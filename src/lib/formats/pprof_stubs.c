/* Temporary: replaced by the real readers. */
#include "gmd/profile.h"
gmd_profile *gmd_pprof_proto_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "proto reader not built"); return NULL; }
gmd_profile *gmd_pprof_heap_text_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "heap text reader not built"); return NULL; }
gmd_profile *gmd_pprof_goroutine_text1_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "goroutine text reader not built"); return NULL; }
gmd_profile *gmd_pprof_goroutine_text2_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "goroutine text reader not built"); return NULL; }
int gmd_pprof_proto_write(const gmd_profile *p, uint8_t **o, size_t *n, gmd_err *e) { (void)p; (void)o; (void)n; return gmd_errf(e, "proto writer not built"); }
