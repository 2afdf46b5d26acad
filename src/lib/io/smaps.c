/* /proc/PID/smaps by class of mapping (gmd/smaps.h). The file is one header
 * line per mapping ("start-end perms offset dev inode [path]") followed by
 * "Key: N kB" lines; only Rss is summed. Read in pieces: a big process has
 * thousands of mappings. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "gmd/smaps.h"

enum { C_ANON, C_BRK, C_STACK, C_FILE, C_OTHER };

void gmd_smaps_clear(gmd_smaps_classes *c)
{
    c->anon = c->anon_maps = c->brk_heap = c->stack = c->file = -1;
}

void gmd_smaps_begin(gmd_smaps_parser *st, gmd_smaps_classes *out)
{
    memset(st, 0, sizeof *st);
    st->out = out;
    st->cls = -1;
    out->anon = out->anon_maps = out->brk_heap = out->stack = out->file = 0;
}

static int is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* A header line starts "hex-hex "; returns its class, or -1 if not a header. */
static int header_class(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_hex(p[i])) i++;
    if (i == 0 || i >= n || p[i] != '-') return -1;
    size_t j = ++i;
    while (i < n && is_hex(p[i])) i++;
    if (i == j || i >= n || p[i] != ' ') return -1;
    /* Skip perms, offset, dev, inode: four fields. */
    for (int f = 0; f < 4; f++) {
        while (i < n && p[i] == ' ') i++;
        while (i < n && p[i] != ' ') i++;
    }
    while (i < n && p[i] == ' ') i++;
    const char *path = p + i;
    size_t plen = n - i;
    if (plen == 0) return C_ANON;
    if (plen == 6 && !memcmp(path, "[heap]", 6)) return C_BRK;
    if (plen == 7 && !memcmp(path, "[stack]", 7)) return C_STACK;
    if (path[0] == '/') return C_FILE;
    /* [anon:name] (named anonymous memory, Linux 5.17+) is anonymous too. */
    if (plen > 6 && !memcmp(path, "[anon:", 6)) return C_ANON;
    return C_OTHER;
}

static void line(gmd_smaps_parser *st, const char *p, size_t n)
{
    int cls = header_class(p, n);
    if (cls >= 0) {
        st->cls = cls;
        if (cls == C_ANON) st->out->anon_maps++;
        return;
    }
    if (st->cls < 0 || n < 4 || memcmp(p, "Rss:", 4)) return;
    size_t i = 4;
    while (i < n && p[i] == ' ') i++;
    int64_t v = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (v > (INT64_MAX / 1024 - 9) / 10) return;
        v = v * 10 + (p[i] - '0');
    }
    v *= 1024;   /* always kB */
    int64_t *slot = st->cls == C_ANON ? &st->out->anon : st->cls == C_BRK ? &st->out->brk_heap
                  : st->cls == C_STACK ? &st->out->stack : st->cls == C_FILE ? &st->out->file : NULL;
    if (slot && *slot <= INT64_MAX - v) *slot += v;
}

void gmd_smaps_feed(gmd_smaps_parser *st, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!nl) {
            /* Keep the cut line for the next piece; a line longer than the
             * buffer is only ever a long path, whose tail does not matter. */
            size_t room = sizeof st->line - st->nline;
            size_t k = n < room ? n : room;
            memcpy(st->line + st->nline, p, k);
            st->nline += k;
            return;
        }
        if (st->nline) {
            size_t room = sizeof st->line - st->nline;
            size_t k = n < room ? n : room;
            memcpy(st->line + st->nline, p, k);
            line(st, st->line, st->nline + k);
            st->nline = 0;
        } else {
            line(st, p, n);
        }
        p += n + 1;
    }
}

void gmd_smaps_end(gmd_smaps_parser *st)
{
    if (st->nline) line(st, st->line, st->nline);
    st->nline = 0;
}

int gmd_smaps_read(int pid, gmd_smaps_classes *out)
{
    char path[64], buf[65536];
    gmd_smaps_clear(out);
    snprintf(path, sizeof path, "/proc/%d/smaps", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    gmd_smaps_parser st;
    gmd_smaps_begin(&st, out);
    size_t total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            gmd_smaps_clear(out);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        gmd_smaps_feed(&st, buf, (size_t)r);
        total += (size_t)r;
        if (total >= (64u << 20)) break;   /* bounded: a pathological map count costs no more */
    }
    gmd_smaps_end(&st);
    close(fd);
    return 0;
}
