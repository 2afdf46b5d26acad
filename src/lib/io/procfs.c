/* /proc readers for `gmd run` and `gmd watch --pid`. Both files are small
 * "Key:   value kB" tables; we read each whole into a stack buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "gmd/proc.h"
#include "gmd/smaps.h"

void gmd_proc_stats_clear(gmd_proc_stats *s)
{
    s->rss = s->rss_anon = s->rss_file = s->hwm = s->vm_size = s->swap = -1;
    s->threads = s->pss = s->private_dirty = -1;
    s->smaps_anon = s->smaps_anon_maps = s->smaps_brk = s->smaps_stack = s->smaps_file = -1;
}

/* Parse "Key:<spaces>NUMBER[ kB]" at the start of a line; -1 when absent. */
static int64_t field_value(const char *line, size_t len, const char *key)
{
    size_t klen = strlen(key);
    if (len <= klen || memcmp(line, key, klen) || line[klen] != ':') return -1;
    size_t i = klen + 1;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i >= len || line[i] < '0' || line[i] > '9') return -1;
    int64_t v = 0;
    for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
        if (v > (INT64_MAX - 9) / 10 / 1024) return -1;   /* keep v*1024 in range */
        v = v * 10 + (line[i] - '0');
    }
    while (i < len && line[i] == ' ') i++;
    if (i + 1 < len && line[i] == 'k' && line[i + 1] == 'B') v *= 1024;
    return v;
}

typedef struct proc_field {
    const char *key;
    size_t offset;
} proc_field;

static void parse_table(const char *text, size_t len, const proc_field *fields, size_t nfields,
                        gmd_proc_stats *out)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        for (size_t f = 0; f < nfields; f++) {
            int64_t v = field_value(p, n, fields[f].key);
            if (v >= 0) {
                *(int64_t *)((char *)out + fields[f].offset) = v;
                break;
            }
        }
        p += n + 1;
    }
}

#define FIELD(key, member) {key, offsetof(gmd_proc_stats, member)}

void gmd_proc_parse_status(const char *text, size_t len, gmd_proc_stats *out)
{
    static const proc_field fields[] = {
        FIELD("VmRSS", rss), FIELD("RssAnon", rss_anon), FIELD("RssFile", rss_file),
        FIELD("VmHWM", hwm), FIELD("VmSize", vm_size), FIELD("VmSwap", swap),
        FIELD("Threads", threads),
    };
    parse_table(text, len, fields, sizeof fields / sizeof *fields, out);
}

void gmd_proc_parse_smaps_rollup(const char *text, size_t len, gmd_proc_stats *out)
{
    static const proc_field fields[] = {
        FIELD("Pss", pss), FIELD("Private_Dirty", private_dirty),
    };
    parse_table(text, len, fields, sizeof fields / sizeof *fields, out);
}

/* Read a whole small file; returns bytes read or -1 with errno set. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}

int gmd_proc_read(int pid, gmd_proc_stats *out, gmd_err *err)
{
    char path[64], buf[8192];
    gmd_proc_stats_clear(out);
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    ssize_t n = read_small(path, buf, sizeof buf);
    if (n < 0) return gmd_errf(err, "%s: %s", path, strerror(errno));
    gmd_proc_parse_status(buf, (size_t)n, out);
    /* smaps_rollup needs Linux 4.14 and ptrace access; RSS alone is enough. */
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    n = read_small(path, buf, sizeof buf);
    if (n > 0) gmd_proc_parse_smaps_rollup(buf, (size_t)n, out);
    /* Per-mapping classes name off-heap growth (gmd/smaps.h). */
    gmd_smaps_classes c;
    if (gmd_smaps_read(pid, &c) == 0) {
        out->smaps_anon = c.anon;
        out->smaps_anon_maps = c.anon_maps;
        out->smaps_brk = c.brk_heap;
        out->smaps_stack = c.stack;
        out->smaps_file = c.file;
    }
    return 0;
}
