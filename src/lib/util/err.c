#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "gmd/err.h"

void gmd_err_clear(gmd_err *e)
{
    if (!e) return;
    e->source[0] = '\0';
    e->offset = -1;
    e->msg[0] = '\0';
}

static void set_msg(gmd_err *e, const char *fmt, va_list ap)
{
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    /* Keep errors on one line whatever the input put in them. */
    for (char *c = e->msg; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
}

int gmd_errf(gmd_err *e, const char *fmt, ...)
{
    if (!e) return -1;
    va_list ap;
    va_start(ap, fmt);
    set_msg(e, fmt, ap);
    va_end(ap);
    e->offset = -1;
    return -1;
}

int gmd_err_at(gmd_err *e, int64_t offset, const char *fmt, ...)
{
    if (!e) return -1;
    va_list ap;
    va_start(ap, fmt);
    set_msg(e, fmt, ap);
    va_end(ap);
    e->offset = offset;
    return -1;
}

void gmd_err_set_source(gmd_err *e, const char *source)
{
    if (!e) return;
    snprintf(e->source, sizeof e->source, "%s", source ? source : "");
}

const char *gmd_err_str(const gmd_err *e, char *buf, unsigned size)
{
    char where[320] = "";
    if (e->source[0] && e->offset >= 0)
        snprintf(where, sizeof where, "%s: byte %lld: ", e->source, (long long)e->offset);
    else if (e->source[0])
        snprintf(where, sizeof where, "%s: ", e->source);
    else if (e->offset >= 0)
        snprintf(where, sizeof where, "byte %lld: ", (long long)e->offset);
    snprintf(buf, size, "%s%s", where, e->msg[0] ? e->msg : "unknown error");
    return buf;
}
