/* See bundle_out.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bundle_out.h"
#include "cli.h"

void bundle_print_notes(const gmd_bundle *b, const char *cmd)
{
    char who[64] = "gmd";
    if (cmd) snprintf(who, sizeof who, "gmd %s", cmd);
    for (uint32_t i = 0; i < b->nnotes; i++) fprintf(stderr, "%s: warning: %s/%s\n", who, b->dir, b->notes[i]);
    if (b->skipped_lines || b->skipped_files)
        fprintf(stderr, "%s: %s: skipped %u bad line%s and %u unreadable file%s; the verdict uses the rest\n", who,
                b->dir, b->skipped_lines, b->skipped_lines == 1 ? "" : "s", b->skipped_files,
                b->skipped_files == 1 ? "" : "s");
}

void bundle_print_write_failure(const gmd_bundle_writer *w, const char *cmd)
{
    double stopped_at = w->fail_t;
    size_t n = strlen(w->fail_path);
    if (n >= 10 && !strcmp(w->fail_path + n - 10, "/meta.json")) {
        fprintf(stderr, "gmd %s: %s writing %s: the run's description was not saved (defaults are used)\n", cmd,
                gmd_errno_is_disk_full(w->fail_errno) ? "disk full" : strerror(w->fail_errno), w->fail_path);
        return;
    }
    fprintf(stderr, "gmd %s: %s writing %s: collection stopped at %.1f s; the verdict below uses what was saved\n",
            cmd, gmd_errno_is_disk_full(w->fail_errno) ? "disk full" : strerror(w->fail_errno), w->fail_path,
            stopped_at);
}

static int write_to(const char *path, const gmd_leak_result *r, gmd_leak_report_info *info, gmd_err *err)
{
    gmd_atomic_file a;
    if (gmd_atomic_open(&a, path, err) < 0) return -1;
    info->html = path;
    if (gmd_leak_write_html(a.f, r, info, err) < 0) {
        if (!err->source[0]) gmd_err_set_source(err, path);
        gmd_atomic_abort(&a);
        info->html = NULL;
        return -1;
    }
    if (gmd_atomic_commit(&a, err) < 0) {
        info->html = NULL;
        return -1;
    }
    return 0;
}

int bundle_write_html(const char *dir, const char *html_path, const gmd_leak_result *r,
                      gmd_leak_report_info *info, char *where, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    if (html_path) {   /* asked for: that place or an error */
        snprintf(where, size, "%s", html_path);
        if (write_to(where, r, info, &err) == 0) return 0;
        cli_error(&err);
        return -1;
    }
    snprintf(where, size, "%s/report.html", dir);
    /* The bundle's own page is replaced only if it is a plain file: a link
     * or a device planted there is not written through. */
    struct stat st;
    if (lstat(where, &st) == 0 && !S_ISREG(st.st_mode))
        gmd_errf(&err, "%s: not a regular file", where);
    else if (write_to(where, r, info, &err) == 0)
        return 0;
    /* A read-only or full bundle still gets its page, elsewhere. */
    char first[1100];
    gmd_err_str(&err, first, sizeof first);
    const char *tmpdir = getenv("TMPDIR");
    snprintf(where, size, "%s/gmd-report-XXXXXX.html", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(where, 5);
    if (fd >= 0) {
        close(fd);
        gmd_err_clear(&err);
        if (write_to(where, r, info, &err) == 0) {
            fprintf(stderr, "gmd: %s; the HTML report is at %s instead\n", first, where);
            return 0;
        }
        unlink(where);
    }
    fprintf(stderr, "gmd: %s; no HTML report written (none could be written in %s either)\n", first,
            tmpdir && *tmpdir ? tmpdir : "/tmp");
    return -1;
}
