/* A target: a Go executable plus the memory of a process running it (live or
 * a core), and the load bias between the two. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gmd/target.h"

bool gmd_target_spec(const char *spec, int *pid, const char **core_path)
{
    if (!spec) return false;
    if (!strncmp(spec, "pid:", 4)) {
        const char *p = spec + 4;
        long v = 0;
        if (!*p) return false;
        for (; *p; p++) {
            if (*p < '0' || *p > '9') return false;
            v = v * 10 + (*p - '0');
            if (v > 0x7fffffff) return false;
        }
        if (v <= 0) return false;
        if (pid) *pid = (int)v;
        if (core_path) *core_path = NULL;
        return true;
    }
    if (!strncmp(spec, "core:", 5) && spec[5]) {
        if (core_path) *core_path = spec + 5;
        if (pid) *pid = 0;
        return true;
    }
    return false;
}

void gmd_target_close(gmd_target *t)
{
    if (!t) return;
    if (t->bin) gmd_gobin_close(t->bin);
    if (t->mem) gmd_memsrc_close(t->mem);
    free(t);
}

/* bias = AT_ENTRY - e_entry for a PIE; 0 for a fixed-address executable,
 * whose AT_ENTRY must then be its e_entry: anything else means the binary
 * is not the one the process runs. */
static int set_bias(gmd_target *t, gmd_err *err)
{
    uint64_t at_entry = 0, e_entry = gmd_gobin_entry(t->bin);
    bool have = gmd_memsrc_auxv(t->mem, AT_ENTRY, &at_entry);
    gmd_err_set_source(err, t->name);
    if (!gmd_gobin_is_pie(t->bin)) {
        t->bias = 0;
        if (have && at_entry != e_entry)
            return gmd_errf(err, "the binary %s does not match the process: its entry point is 0x%llx, the process's 0x%llx",
                            gmd_gobin_path(t->bin), (unsigned long long)e_entry, (unsigned long long)at_entry);
        return 0;
    }
    if (!have)
        return gmd_errf(err, "no auxiliary vector (AT_ENTRY): cannot place the position-independent binary %s",
                        gmd_gobin_path(t->bin));
    t->bias = at_entry - e_entry;
    if (t->bias & 0xfff)
        return gmd_errf(err, "the binary %s does not match the process: entry 0x%llx is not a page-aligned move of 0x%llx",
                        gmd_gobin_path(t->bin), (unsigned long long)at_entry, (unsigned long long)e_entry);
    return 0;
}

static gmd_target *new_target(const char *kind, const char *what)
{
    gmd_target *t = calloc(1, sizeof *t);
    if (t) snprintf(t->name, sizeof t->name, "%s:%s", kind, what);
    return t;
}

gmd_target *gmd_target_open_pid(int pid, const char *binary, gmd_err *err)
{
    char num[16], proc_exe[64];
    snprintf(num, sizeof num, "%d", pid);
    gmd_target *t = new_target("pid", num);
    if (!t) {
        gmd_errf(err, "out of memory");
        return NULL;
    }
    t->mem = gmd_memsrc_open_pid(pid, err);
    if (!t->mem) goto fail;

    const char *path = binary;
    if (!path) {
        /* Open the file the process runs through /proc/PID/exe: that works
         * when the file was replaced or deleted. Keep the readable path for
         * messages when it names that same file. */
        snprintf(proc_exe, sizeof proc_exe, "/proc/%d/exe", pid);
        struct stat a, b;
        const char *exe = gmd_memsrc_exe_path(t->mem);
        int fd = open(proc_exe, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &a) < 0) {
            int e = errno;
            if (fd >= 0) close(fd);
            gmd_err_set_source(err, t->name);
            gmd_errf(err, "cannot open its executable (%s%s%s): %s; pass --binary with a copy of it",
                     proc_exe, exe[0] ? " -> " : "", exe, strerror(e));
            goto fail;
        }
        close(fd);
        path = exe[0] && stat(exe, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino ? exe : proc_exe;
    }
    t->bin = gmd_gobin_open(path, err);
    if (!t->bin) goto fail;
    if (set_bias(t, err) < 0) goto fail;
    return t;
fail:
    gmd_target_close(t);
    return NULL;
}

gmd_target *gmd_target_open_core(const char *core, const char *binary, gmd_err *err)
{
    gmd_target *t = new_target("core", core);
    if (!t) {
        gmd_errf(err, "out of memory");
        return NULL;
    }
    t->mem = gmd_memsrc_open_core(core, err);
    if (!t->mem) goto fail;
    const char *path = binary;
    if (path) {
        if (gmd_memsrc_core_set_exe(t->mem, path, err) < 0) goto fail;
    } else {
        path = gmd_memsrc_exe_path(t->mem);
        if (!path[0]) {
            gmd_err_set_source(err, t->name);
            gmd_errf(err, "the core does not name its executable (no NT_FILE note): pass --binary");
            goto fail;
        }
        if (access(path, R_OK) < 0) {
            gmd_err_set_source(err, t->name);
            gmd_errf(err, "cannot open its executable %s: %s; pass --binary with a copy of it",
                     path, strerror(errno));
            goto fail;
        }
    }
    t->bin = gmd_gobin_open(path, err);
    if (!t->bin) goto fail;
    if (set_bias(t, err) < 0) goto fail;
    return t;
fail:
    gmd_target_close(t);
    return NULL;
}

int gmd_target_read(gmd_target *t, uint64_t addr, void *buf, size_t n, gmd_err *err)
{
    return gmd_memsrc_read(t->mem, addr, buf, n, err);
}

int gmd_target_read_u64(gmd_target *t, uint64_t addr, uint64_t *v, gmd_err *err)
{
    uint8_t b[8];
    if (gmd_memsrc_read(t->mem, addr, b, sizeof b, err) < 0) return -1;
    *v = 0;
    for (int i = 7; i >= 0; i--) *v = *v << 8 | b[i];
    return 0;
}

int gmd_target_read_u32(gmd_target *t, uint64_t addr, uint32_t *v, gmd_err *err)
{
    uint8_t b[4];
    if (gmd_memsrc_read(t->mem, addr, b, sizeof b, err) < 0) return -1;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 0;
}
