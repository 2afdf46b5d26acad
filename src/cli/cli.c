#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include "cli.h"
#include "gmd/goruntime.h"

const char *cli_target_kind = "heap";
const char *cli_target_binary;

int cli_error(const gmd_err *e)
{
    char buf[1024];
    fprintf(stderr, "gmd: %s\n", gmd_err_str(e, buf, sizeof buf));
    return CLI_FAIL;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gmd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gmd %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "Run 'gmd %s --help' for usage.\n", cmd);
    return CLI_USAGE;
}

gmd_profile *cli_load_profile(const char *spec, const gmd_load_opts *opts)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_profile *p = gmd_target_source(spec)
                         ? gmd_target_load_profile(spec, cli_target_kind, cli_target_binary, &err)
                         : gmd_profile_load(spec, opts, &err);
    if (!p) cli_error(&err);
    return p;
}

FILE *cli_open_output(const char *path)
{
    if (!path || !strcmp(path, "-")) return stdout;
    /* A path the system cannot take is refused here, whole, never cut. */
    if (strlen(path) >= PATH_MAX) {
        cli_fail("%.60s...: cannot write: the path is longer than %d bytes", path, PATH_MAX - 1);
        return NULL;
    }
    FILE *f = fopen(path, "wb");
    if (!f) cli_fail("%s: cannot write: %s", path, strerror(errno));
    return f;
}

/* A write error is said in one line: a full disk or a closed pipe must not
 * look like a report that was written. An earlier failed write leaves the
 * stream's error flag set even when the last flush succeeds. */
int cli_close_output(FILE *f, const char *path)
{
    errno = 0;
    bool failed = fflush(f) != 0;
    int e = errno;
    failed |= ferror(f) != 0;
    if (f != stdout) failed |= fclose(f) != 0;
    if (!e) e = errno;
    if (!failed) return 0;
    if (f == stdout) cli_fail("write error on standard output: %s", e ? strerror(e) : "I/O error");
    else cli_fail("%s: write failed: %s", path, e ? strerror(e) : "I/O error");
    return -1;
}
