/* What run, watch and report say about a bundle's faults: what opening it
 * skipped, a write that stopped collection, and where report.html went. */
#ifndef GMD_CLI_BUNDLE_OUT_H
#define GMD_CLI_BUNDLE_OUT_H

#include <stddef.h>
#include "gmd/bundle.h"
#include "gmd/leak.h"
#include "gmd/leak_report.h"

/* Each note of gmd_bundle_open, then one line counting what was skipped
 * (prefixed "gmd CMD:", or "gmd:" when cmd is NULL). */
void bundle_print_notes(const gmd_bundle *b, const char *cmd);
/* After a failed bundle write: what stopped collection, when, and that the
 * verdict uses what was saved. */
void bundle_print_write_failure(const gmd_bundle_writer *w, const char *cmd);
/* Write report.html: to html_path if given, else into the bundle; when the
 * bundle cannot take it (read-only, full), to a temp file elsewhere, saying
 * where. Sets info->html to where it went (path kept in where). Returns -1
 * (message printed) when no page could be written. */
int bundle_write_html(const char *dir, const char *html_path, const gmd_leak_result *r,
                      gmd_leak_report_info *info, char *where, size_t size);

#endif
