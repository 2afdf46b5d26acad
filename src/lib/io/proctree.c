/* Process trees, Go executables and listening sockets from /proc (see
 * gmd/proctree.h). Everything here only reads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "gmd/proctree.h"

/* ------------------------------------------------------ Go build info */

/* Hand-written because the format is Go's own (debug/buildinfo): the
 * .go.buildinfo section starts with a 32-byte header, "\xff Go buildinf:",
 * a pointer size and a flags byte; since Go 1.18 (flags & 2) two
 * varint-length strings follow it: the Go version and the module info,
 * whose first line is "path\t<main package>" after a 16-byte sentinel.
 * The toolchain's own binaries are built from "cmd/..." packages. */
static const char bi_magic[] = "\xff Go buildinf:";

static bool read_uvarint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Classify from the section's bytes (a prefix is enough). */
static gmd_exe_kind classify_buildinfo(const uint8_t *p, size_t len)
{
    if (len < 32 || memcmp(p, bi_magic, 14)) return GMD_EXE_NOT_GO;
    if (!(p[15] & 2)) return GMD_EXE_GO_PROGRAM;   /* before Go 1.18: no inline strings to read */
    size_t pos = 32;
    uint64_t n;
    if (!read_uvarint(p, len, &pos, &n) || n > len - pos) return GMD_EXE_GO_PROGRAM;
    pos += (size_t)n;   /* the version */
    if (!read_uvarint(p, len, &pos, &n) || n > len - pos) return GMD_EXE_GO_PROGRAM;
    const uint8_t *mod = p + pos;
    size_t mlen = (size_t)n;
    static const char key[] = "path\tcmd/";
    size_t klen = sizeof key - 1;
    /* The sentinel is 16 bytes; look a little further in case it changes. */
    for (size_t i = 0; i + klen <= mlen && i <= 32; i++)
        if (!memcmp(mod + i, key, klen)) return GMD_EXE_GO_TOOL;
    return GMD_EXE_GO_PROGRAM;
}

#define BUILDINFO_READ (64u << 10)   /* header + version + module info, with room */

static gmd_exe_kind classify_elf(Elf *e, int fd, const uint8_t *mem, size_t memlen)
{
    size_t shstrndx;
    if (elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx) != 0) return GMD_EXE_NOT_GO;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(e, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        const char *name = elf_strptr(e, shstrndx, sh.sh_name);
        if (!name || strcmp(name, ".go.buildinfo") || sh.sh_type != SHT_PROGBITS) continue;
        size_t want = sh.sh_size < BUILDINFO_READ ? (size_t)sh.sh_size : BUILDINFO_READ;
        if (mem) {
            if (sh.sh_offset > memlen || want > memlen - sh.sh_offset) return GMD_EXE_UNKNOWN;
            return classify_buildinfo(mem + sh.sh_offset, want);
        }
        uint8_t *buf = malloc(want ? want : 1);
        if (!buf) return GMD_EXE_UNKNOWN;
        ssize_t got = pread(fd, buf, want, (off_t)sh.sh_offset);
        gmd_exe_kind k = got > 0 ? classify_buildinfo(buf, (size_t)got) : GMD_EXE_UNKNOWN;
        free(buf);
        return k;
    }
    return GMD_EXE_NOT_GO;
}

gmd_exe_kind gmd_exe_classify_fd(int fd)
{
    if (elf_version(EV_CURRENT) == EV_NONE) return GMD_EXE_UNKNOWN;
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    gmd_exe_kind k = e ? classify_elf(e, fd, NULL, 0) : GMD_EXE_NOT_GO;
    if (e) elf_end(e);
    return k;
}

gmd_exe_kind gmd_exe_classify(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return GMD_EXE_UNKNOWN;
    gmd_exe_kind k = gmd_exe_classify_fd(fd);
    close(fd);
    return k;
}

gmd_exe_kind gmd_exe_classify_memory(const void *data, size_t len)
{
    if (elf_version(EV_CURRENT) == EV_NONE) return GMD_EXE_UNKNOWN;
    Elf *e = elf_memory((char *)data, len);
    if (!e) return GMD_EXE_NOT_GO;
    gmd_exe_kind k = classify_elf(e, -1, data, len);
    elf_end(e);
    return k;
}

/* -------------------------------------------------------------- /proc */

static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}

/* A bounded decimal (the text is not NUL-terminated); large values saturate. */
static int64_t decimal(const char *p, const char *end)
{
    bool neg = p < end && *p == '-';
    if (neg) p++;
    int64_t v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) v = v < INT64_MAX / 10 - 10 ? v * 10 + (*p - '0') : INT64_MAX / 10;
    return neg ? -v : v;
}

static int small_int(int64_t v) { return v > 1 << 30 ? 1 << 30 : v < -(1 << 30) ? -(1 << 30) : (int)v; }

int gmd_proc_ident_parse(const char *text, size_t len, gmd_proc_ident *out)
{
    /* "pid (comm) S ppid pgrp session tty_nr tpgid flags minflt cminflt
     *  majflt cmajflt utime stime cutime cstime priority nice threads
     *  itrealvalue starttime ...": comm may hold anything, so the fields
     *  are counted from the last ')'. */
    memset(out, 0, sizeof *out);
    const char *close_paren = NULL;
    for (size_t i = len; i-- > 0;)
        if (text[i] == ')') {
            close_paren = text + i;
            break;
        }
    if (!close_paren) return -1;
    const char *p = close_paren + 1, *end = text + len;
    out->pid = small_int(decimal(text, close_paren));
    /* Fields after comm, from 0: state, ppid, pgrp, ..., 19 starttime. */
    char state = 0;
    for (int field = 0; field <= 19 && p < end; field++) {
        while (p < end && *p == ' ') p++;
        const char *f = p;
        while (p < end && *p != ' ' && *p != '\n') p++;
        if (p == f) return -1;
        if (field == 0) state = *f;
        else if (field == 1) out->ppid = small_int(decimal(f, p));
        else if (field == 2) out->pgid = small_int(decimal(f, p));
        else if (field == 19) {
            int64_t v = decimal(f, p);
            out->start_ticks = v > 0 ? (uint64_t)v : 0;
            return state == 'Z' || state == 'X' ? 1 : 0;
        }
    }
    return -1;
}

int gmd_proc_ident_read(int pid, gmd_proc_ident *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    ssize_t n = read_small(path, buf, sizeof buf - 1);
    if (n <= 0) return -1;
    return gmd_proc_ident_parse(buf, (size_t)n, out) == 0 ? 0 : -1;
}

#define MAX_SCAN 8192   /* processes looked at per scan; more are not followed */

size_t gmd_proc_tree(int ancestor, int pgid, gmd_proc_ident *out, size_t max)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    gmd_proc_ident *all = malloc(MAX_SCAN * sizeof *all);
    if (!all) {
        closedir(d);
        return 0;
    }
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < MAX_SCAN) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9') continue;
        int pid = atoi(de->d_name);
        if (gmd_proc_ident_read(pid, &all[n]) == 0) n++;
    }
    closedir(d);
    /* Mark members until nothing changes: a child may be listed before its
     * parent, and chains are short, so a few passes do. */
    bool *in = calloc(n ? n : 1, sizeof *in);
    if (!in) {
        free(all);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        in[i] = (pgid > 0 && all[i].pgid == pgid) || (ancestor > 0 && all[i].ppid == ancestor);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < n; i++) {
            if (in[i]) continue;
            for (size_t j = 0; j < n; j++)
                if (in[j] && all[j].pid == all[i].ppid) {
                    in[i] = changed = true;
                    break;
                }
        }
    }
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in[i] || all[i].pid == ancestor) continue;
        if (found < max) out[found] = all[i];
        found++;
    }
    free(in);
    free(all);
    return found;
}

double gmd_proc_start_sec(uint64_t start_ticks)
{
    static long hz;
    if (!hz) hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
    return (double)start_ticks / (double)hz;
}

double gmd_boot_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ sockets */

static size_t scan_tcp(const char *path, int port, uint64_t *inodes, size_t n, size_t max)
{
    FILE *f = fopen(path, "re");
    if (!f) return n;
    char line[512];
    if (!fgets(line, sizeof line, f)) {   /* the header */
        fclose(f);
        return n;
    }
    while (fgets(line, sizeof line, f)) {
        /* "  0: 0100007F:91AD 00000000:0000 0A ... uid timeout inode" */
        char local[80], remote[80], st[8];
        unsigned long long inode;
        unsigned uid, timeout;
        int used;
        if (sscanf(line, " %*[^:]: %79s %79s %7s %*s %*s %*s %u %u %llu%n", local, remote, st, &uid, &timeout,
                   &inode, &used) < 6)
            continue;
        char *colon = strrchr(local, ':');
        if (!colon || strcmp(st, "0A")) continue;   /* 0A = TCP_LISTEN */
        if ((int)strtol(colon + 1, NULL, 16) != port || inode == 0) continue;
        if (n < max) inodes[n] = inode;
        n++;
    }
    fclose(f);
    return n;
}

size_t gmd_tcp_listeners(int port, uint64_t *inodes, size_t max)
{
    size_t n = scan_tcp("/proc/net/tcp", port, inodes, 0, max);
    return scan_tcp("/proc/net/tcp6", port, inodes, n, max);
}

bool gmd_proc_has_socket(int pid, uint64_t inode)
{
    char path[64], want[64], link[64];
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)inode);
    DIR *d = opendir(path);
    if (!d) return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
        if (n <= 0) continue;
        link[n] = '\0';
        found = !strcmp(link, want);
    }
    closedir(d);
    return found;
}

int gmd_socket_owner(uint64_t inode)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int owner = 0;
    struct dirent *de;
    while (!owner && (de = readdir(d)) != NULL) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9') continue;
        int pid = atoi(de->d_name);
        if (gmd_proc_has_socket(pid, inode)) owner = pid;
    }
    closedir(d);
    return owner;
}
