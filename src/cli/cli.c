#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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
    FILE *f = fopen(path, "wb");
    if (!f) cli_fail("%s: cannot write: %s", path, strerror(errno));
    return f;
}

int cli_close_output(FILE *f, const char *path)
{
    if (f == stdout) return fflush(f) == 0 ? 0 : -1;
    if (fclose(f) != 0) {
        cli_fail("%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
