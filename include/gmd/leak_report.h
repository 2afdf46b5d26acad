/* Rendering a leak analysis (gmd/leak.h): a text summary for people, one
 * JSON object for scripts (its shape is documented in the README and fixed),
 * and report.html, a self-contained page with charts on one time axis. */
#ifndef GMD_LEAK_REPORT_H
#define GMD_LEAK_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "gmd/err.h"
#include "gmd/leak.h"

typedef struct gmd_leak_report_info {
    const char *bundle;          /* bundle directory */
    const char *command;         /* what was run ("" for watch) */
    const char *pprof_url;
    double interval_sec;
    int exit_status;             /* -1 when unknown or still running */
    bool interrupted;
    const char *html;            /* path of report.html, NULL if none */
    const char *incomplete;      /* why collection stopped early (a full disk), NULL if it did not */
} gmd_leak_report_info;

void gmd_leak_write_text(FILE *out, const gmd_leak_result *r, const gmd_leak_report_info *info);
void gmd_leak_write_json(FILE *out, const gmd_leak_result *r, const gmd_leak_report_info *info);
int gmd_leak_write_html(FILE *out, const gmd_leak_result *r, const gmd_leak_report_info *info, gmd_err *err);

#endif
