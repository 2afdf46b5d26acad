/* Open file descriptors and RLIMIT_NOFILE of a live process (gmd/procfds.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "gmd/procfds.h"

int64_t gmd_proc_parse_nofile_limit(const char *text, size_t len)
{
    static const char key[] = "Max open files";
    size_t k = sizeof key - 1;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (end - at > k && !memcmp(text + at, key, k)) {
            size_t p = at + k;
            while (p < end && text[p] == ' ') p++;
            if (end - p >= 9 && !memcmp(text + p, "unlimited", 9)) return INT64_MAX;
            int64_t v = 0;
            size_t digits = 0;
            for (; p < end && text[p] >= '0' && text[p] <= '9' && digits < 18; p++, digits++)
                v = v * 10 + (text[p] - '0');
            return digits ? v : -1;
        }
        at = end + 1;
    }
    return -1;
}

int gmd_proc_fds_near_limit(const gmd_proc_fds *f)
{
    return f->open >= 0 && f->limit > 0 && f->limit != INT64_MAX && f->open * 5 > f->limit * 4;
}

int gmd_proc_fds_read(int pid, gmd_proc_fds *out, gmd_err *err)
{
    char path[64];
    out->open = out->limit = -1;
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT) return gmd_errf(err, "/proc/%d: the process is gone", pid);
    } else {
        int64_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') n++;
        closedir(d);
        out->open = n;
    }
    /* /proc/PID/limits is a short table (about 1.3 KB). */
    snprintf(path, sizeof path, "/proc/%d/limits", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[4096];
        size_t len = 0;
        ssize_t r;
        while (len < sizeof buf && (r = read(fd, buf + len, sizeof buf - len)) > 0) len += (size_t)r;
        close(fd);
        out->limit = gmd_proc_parse_nofile_limit(buf, len);
    }
    return 0;
}
