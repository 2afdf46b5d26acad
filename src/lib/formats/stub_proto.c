/* Temporary stand-in until pprof_proto.c and pprof_proto_write.c land; delete then. */
#include "gmd/profile.h"
gmd_profile *gmd_pprof_proto_parse(const uint8_t *d, size_t n, gmd_err *e) { (void)d; (void)n; gmd_errf(e, "proto reader not built"); return NULL; }
int gmd_pprof_proto_write(const gmd_profile *p, uint8_t **o, size_t *n, gmd_err *e) { (void)p; (void)o; (void)n; return gmd_errf(e, "proto writer not built"); }
