/* Internals shared by gobin.c (ELF, build info, symbols, pclntab) and
 * gobin_dwarf.c (struct layouts and variables from DWARF). */
#ifndef GMD_GOBIN_INT_H
#define GMD_GOBIN_INT_H

#include <libelf.h>
#include "gmd/target.h"

struct gmd_dwindex;

/* The DWARF half: opened on first use over the gobin's Elf. */
struct gmd_dwindex *gmd_gobin_dwarf_open(Elf *elf);
void gmd_gobin_dwarf_close(struct gmd_dwindex *d);
bool gmd_gobin_dwarf_present(Elf *elf);
Elf *gmd_gobin_elf(const gmd_gobin *b);
struct gmd_dwindex **gmd_gobin_dwslot(gmd_gobin *b);
/* libdw's handle on the binary's DWARF (opened on first use), or NULL. */
typedef struct Dwarf Dwarf;
Dwarf *gmd_gobin_dwarf_handle(gmd_gobin *b);

#endif
