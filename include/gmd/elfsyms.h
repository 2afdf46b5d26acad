/* Names from the dumped program's ELF binary (via elfutils' libelf): global
 * variables for data/bss roots, and Go type names for type descriptor
 * addresses (abi.Type.Str, an offset into the binary's types section). */
#ifndef GMD_ELFSYMS_H
#define GMD_ELFSYMS_H

#include <stdbool.h>
#include <stdint.h>
#include "gmd/err.h"

typedef struct gmd_elfsyms gmd_elfsyms;

gmd_elfsyms *gmd_elfsyms_open(const char *path, gmd_err *err);
void gmd_elfsyms_close(gmd_elfsyms *s);
/* Relate the binary to the dump: `data_addr`/`data_len` are the dump's data
 * segment. Sets the load bias of a PIE binary; fails when they do not match
 * (a binary of another program or build). */
int gmd_elfsyms_match(void *s, uint64_t data_addr, uint64_t data_len, gmd_err *err);
/* gmd_symbolize_fn: the global variable containing `addr`, or NULL. */
const char *gmd_elfsyms_global(void *s, uint64_t addr, uint64_t *sym_start);
/* gmd_gap_fn: when `addr` lies between symbols (an unnamed static block, such
 * as the struct of `var r = &T{...}`), the gap's bounds and the symbol before it. */
bool gmd_elfsyms_gap(void *s, uint64_t addr, uint64_t *start, uint64_t *end, const char **prev, uint64_t *prev_start);
/* gmd_typename_fn: the Go type name of the descriptor at `type_addr`, or NULL. */
const char *gmd_elfsyms_type_name(void *s, uint64_t type_addr);

#endif
