/* Memory sources: the address space of a live process, read without
 * stopping it, or of an ELF core file.
 *
 * Live: process_vm_readv, falling back to pread on /proc/PID/mem where a
 * seccomp policy refuses the syscall (Docker's default profile does without
 * CAP_SYS_PTRACE). Both only read; nothing here ptrace-attaches or signals.
 *
 * Core: the file is mmap'd and its ELF header, program headers and notes
 * parsed by hand (it is untrusted input and we need only a few fixed
 * records, so every offset is checked here rather than trusting a general
 * parser). Kernels and gcore leave read-only file-backed mappings (the
 * executable's text and rodata) out of cores, or keep only their first
 * page; those bytes are read from the executable file through the NT_FILE
 * note's mapping table. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "gmd/target.h"

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif
#define MAX_THREADS (1u << 20)

typedef struct core_seg {
    uint64_t vaddr, memsz;    /* where it lives in the process */
    uint64_t offset, filesz;  /* where its dumped bytes are in the core */
} core_seg;

typedef struct core_file {
    uint64_t start, end;      /* mapped range */
    uint64_t file_off;        /* offset in the file (NT_FILE page index * page size) */
    const char *name;         /* into the core's bytes (NUL-terminated there) */
    bool is_exe;
} core_file;

enum { LIVE_VM_READV, LIVE_PROC_MEM };

struct gmd_memsrc {
    bool live;
    int pid;
    char name[96];            /* "pid:4242" or the core's name, for errors */
    char exe[4096];
    uint64_t *auxv;           /* (type, value) pairs */
    size_t nauxv;
    uint64_t reads, bytes;

    /* live */
    int how;                  /* LIVE_VM_READV or LIVE_PROC_MEM */
    int memfd;                /* /proc/PID/mem, when used */

    /* core */
    const uint8_t *data;
    size_t len;
    void *map;                /* our mmap of the core file, or NULL */
    size_t maplen;
    core_seg *segs;           /* sorted by vaddr */
    size_t nsegs;
    core_file *files;         /* NT_FILE entries */
    size_t nfiles;
    gmd_thread_regs *threads; /* NT_PRSTATUS notes, in the core's order */
    size_t nthreads, capthreads;
    int sig_signo, sig_code;  /* NT_SIGINFO; signo 0 = none */
    uint64_t sig_addr;
    /* The executable, for bytes the core left out. */
    const uint8_t *exe_data;
    size_t exe_len;
    bool exe_mapped;          /* exe_data is our mmap */
    bool exe_tried;           /* opened (or failed to) already */
    char exe_err[300];
};

/* ------------------------------------------------------------------ common */

static int read_whole(const char *path, uint8_t **out, size_t *outlen, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) { close(fd); errno = ENOMEM; return -1; }
    for (;;) {
        if (n == cap) {
            if (cap >= max) break;
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); close(fd); errno = ENOMEM; return -1; }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    *out = buf;
    *outlen = n;
    return 0;
}

bool gmd_memsrc_is_live(const gmd_memsrc *m) { return m->live; }
int gmd_memsrc_pid(const gmd_memsrc *m) { return m->pid; }
const char *gmd_memsrc_exe_path(const gmd_memsrc *m) { return m->exe; }
uint64_t gmd_memsrc_reads(const gmd_memsrc *m) { return m->reads; }
uint64_t gmd_memsrc_bytes_read(const gmd_memsrc *m) { return m->bytes; }

bool gmd_memsrc_auxv(const gmd_memsrc *m, uint64_t type, uint64_t *value)
{
    for (size_t i = 0; i < m->nauxv; i++) {
        if (m->auxv[2 * i] == AT_NULL) break;
        if (m->auxv[2 * i] == type) {
            if (value) *value = m->auxv[2 * i + 1];
            return true;
        }
    }
    return false;
}

/* Keep the (type, value) pairs of an auxv blob, up to AT_NULL. */
static int set_auxv(gmd_memsrc *m, const uint8_t *p, size_t len)
{
    size_t n = len / 16;
    free(m->auxv);
    m->auxv = NULL;
    m->nauxv = 0;
    if (!n) return 0;
    m->auxv = malloc(n * 16);
    if (!m->auxv) return -1;
    memcpy(m->auxv, p, n * 16);
    m->nauxv = n;
    return 0;
}

void gmd_memsrc_close(gmd_memsrc *m)
{
    if (!m) return;
    if (m->memfd >= 0) close(m->memfd);
    if (m->map) munmap(m->map, m->maplen);
    if (m->exe_mapped) munmap((void *)m->exe_data, m->exe_len);
    free(m->auxv);
    free(m->segs);
    free(m->files);
    free(m->threads);
    free(m);
}

static gmd_memsrc *new_memsrc(void)
{
    gmd_memsrc *m = calloc(1, sizeof *m);
    if (m) m->memfd = -1;
    return m;
}

/* -------------------------------------------------------------------- live */

static int ptrace_scope(void)
{
    char buf[16] = "";
    int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    return r > 0 ? atoi(buf) : -1;
}

/* One line saying why we may not read the process and how to be allowed. */
static int perm_error(int pid, gmd_err *err)
{
    int scope = ptrace_scope();
    char why[160] = "";
    if (scope == 3)
        snprintf(why, sizeof why, " (/proc/sys/kernel/yama/ptrace_scope is 3: no process may read another's memory until reboot)");
    else if (scope == 2)
        snprintf(why, sizeof why, " (/proc/sys/kernel/yama/ptrace_scope is 2: only CAP_SYS_PTRACE may)");
    else if (scope == 1)
        snprintf(why, sizeof why, " (/proc/sys/kernel/yama/ptrace_scope is 1: only for gmd's own children, or set it to 0)");
    return gmd_errf(err, "pid %d: permission denied reading its memory%s: run gmd as the process's user "
                    "with ptrace_scope 0 or 1, or give gmd CAP_SYS_PTRACE (sudo setcap cap_sys_ptrace+ep "
                    "$(which gmd); in a container --cap-add SYS_PTRACE and a shared pid namespace)",
                    pid, why);
}

static bool pid_alive(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    return access(path, F_OK) == 0;
}

/* Largest piece per syscall: a failure names the address within a MiB. */
#define LIVE_CHUNK (1u << 20)

/* Read exactly n bytes; returns 0, or an errno (EFAULT for unmapped). */
static int live_read(gmd_memsrc *m, uint64_t addr, void *buf, size_t n, uint64_t *bad)
{
    size_t done = 0;
    while (done < n) {
        size_t want = n - done < LIVE_CHUNK ? n - done : LIVE_CHUNK;
        ssize_t r;
        if (m->how == LIVE_VM_READV) {
            struct iovec local = { (char *)buf + done, want };
            struct iovec remote = { (void *)(uintptr_t)(addr + done), want };
            r = process_vm_readv(m->pid, &local, 1, &remote, 1, 0);
        } else {
            r = pread(m->memfd, (char *)buf + done, want, (off_t)(addr + done));
        }
        if (r < 0) {
            if (errno == EINTR) continue;
            *bad = addr + done;
            /* /proc/PID/mem says EIO for unmapped addresses. */
            return errno == EIO ? EFAULT : errno;
        }
        if (r == 0) {
            /* /proc/PID/mem reads 0 bytes once the process has gone. */
            *bad = addr + done;
            return pid_alive(m->pid) ? EFAULT : ESRCH;
        }
        /* A short read stops at the first unreadable page: retry from
         * there, which fails with its errno. */
        done += (size_t)r;
    }
    return 0;
}

static int live_error(gmd_memsrc *m, int e, uint64_t addr, size_t n, uint64_t bad, gmd_err *err)
{
    gmd_err_set_source(err, m->name);
    if (e == ESRCH || (e != EFAULT && !pid_alive(m->pid)))
        return gmd_errf(err, "pid %d: the process has exited", m->pid);
    if (e == EPERM || e == EACCES) return perm_error(m->pid, err);
    if (e == EFAULT && bad != addr)
        return gmd_errf(err, "address 0x%llx (%zu bytes): 0x%llx on is not mapped in pid %d",
                        (unsigned long long)addr, n, (unsigned long long)bad, m->pid);
    if (e == EFAULT)
        return gmd_errf(err, "address 0x%llx (%zu bytes): not mapped in pid %d",
                        (unsigned long long)addr, n, m->pid);
    return gmd_errf(err, "address 0x%llx (%zu bytes): %s", (unsigned long long)addr, n, strerror(e));
}

gmd_memsrc *gmd_memsrc_open_pid(int pid, gmd_err *err)
{
    char name[96], path[64];
    snprintf(name, sizeof name, "pid:%d", pid);
    gmd_err_set_source(err, name);
    if (pid <= 0) {
        gmd_errf(err, "not a process id: %d", pid);
        return NULL;
    }
    if (!pid_alive(pid)) {
        gmd_errf(err, "pid %d: no such process", pid);
        return NULL;
    }
    gmd_memsrc *m = new_memsrc();
    if (!m) {
        gmd_errf(err, "out of memory");
        return NULL;
    }
    m->live = true;
    m->pid = pid;
    snprintf(m->name, sizeof m->name, "%s", name);

    /* The executable's path; a replaced or removed file reads "X (deleted)". */
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t r = readlink(path, m->exe, sizeof m->exe - 1);
    if (r > 0) {
        m->exe[r] = '\0';
        size_t l = (size_t)r;
        if (l > 10 && !strcmp(m->exe + l - 10, " (deleted)")) m->exe[l - 10] = '\0';
    } else {
        m->exe[0] = '\0';
    }

    /* auxv needs the same permission as the memory: its failure is the
     * first sign of EPERM. */
    snprintf(path, sizeof path, "/proc/%d/auxv", pid);
    uint8_t *aux;
    size_t auxlen;
    if (read_whole(path, &aux, &auxlen, 1 << 16) < 0) {
        int e = errno;
        if (e == EPERM || e == EACCES) perm_error(pid, err);
        else if (e == ENOENT || e == ESRCH) gmd_errf(err, "pid %d: the process has exited", pid);
        else gmd_errf(err, "%s: %s", path, strerror(e));
        gmd_memsrc_close(m);
        return NULL;
    }
    int rc = set_auxv(m, aux, auxlen);
    free(aux);
    if (rc < 0) {
        gmd_errf(err, "out of memory");
        gmd_memsrc_close(m);
        return NULL;
    }

    /* Probe one word at the program headers (always mapped) to choose the
     * way of reading: the syscall unless it is missing or refused. */
    uint64_t probe_at = 0, word, bad;
    if (!gmd_memsrc_auxv(m, AT_PHDR, &probe_at)) gmd_memsrc_auxv(m, AT_ENTRY, &probe_at);
    m->how = LIVE_VM_READV;
    int e = probe_at ? live_read(m, probe_at, &word, sizeof word, &bad) : 0;
    /* GMD_MEMSRC_PROC_MEM=1 takes the fallback even where the syscall works,
     * so the tests cover it. */
    const char *force = getenv("GMD_MEMSRC_PROC_MEM");
    if (e == ENOSYS || e == EPERM || (force && !strcmp(force, "1"))) {
        snprintf(path, sizeof path, "/proc/%d/mem", pid);
        m->memfd = open(path, O_RDONLY | O_CLOEXEC);
        if (m->memfd < 0) {
            e = errno;
        } else {
            m->how = LIVE_PROC_MEM;
            e = live_read(m, probe_at, &word, sizeof word, &bad);
        }
    }
    if (e) {
        live_error(m, e, probe_at, sizeof word, bad, err);
        gmd_memsrc_close(m);
        return NULL;
    }
    return m;
}

/* -------------------------------------------------------------------- core */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int cmp_seg(const void *a, const void *b)
{
    const core_seg *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* NT_FILE: count, page size, count x (start, end, page index), then count
 * NUL-terminated names. */
static int parse_nt_file(gmd_memsrc *m, const uint8_t *d, size_t n, size_t at, gmd_err *err)
{
    if (m->files) return 0;          /* only the first */
    if (n < 16) return gmd_err_at(err, (int64_t)at, "NT_FILE note of %zu bytes is too short", n);
    uint64_t count = rd64(d), page = rd64(d + 8);
    if (count > (n - 16) / 24)
        return gmd_err_at(err, (int64_t)at, "NT_FILE note claims %llu mappings in %zu bytes",
                          (unsigned long long)count, n);
    if (!count) return 0;
    m->files = calloc(count, sizeof *m->files);
    if (!m->files) return gmd_errf(err, "out of memory");
    const uint8_t *names = d + 16 + count * 24, *end = d + n;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *e = d + 16 + i * 24;
        const uint8_t *nul = names < end ? memchr(names, '\0', (size_t)(end - names)) : NULL;
        if (!nul)
            return gmd_err_at(err, (int64_t)(at + (size_t)(names - d)),
                              "NT_FILE note: name %llu of %llu is missing or unterminated",
                              (unsigned long long)i + 1, (unsigned long long)count);
        core_file *f = &m->files[m->nfiles++];
        f->start = rd64(e);
        f->end = rd64(e + 8);
        uint64_t pg = rd64(e + 16);
        f->file_off = page && pg <= UINT64_MAX / page ? pg * page : UINT64_MAX;
        f->name = (const char *)names;
        names = nul + 1;
    }
    return 0;
}

/* struct elf_prstatus on amd64: pr_cursig (u16) at 12, pr_pid at 32 (the
 * thread's LWP id), pr_reg at 112: user_regs_struct, 27 words with rbp at
 * 4, rip at 16, rsp at 19, fs_base at 21. */
static int add_thread(gmd_memsrc *m, const uint8_t *desc, size_t descsz)
{
    if (m->nthreads >= MAX_THREADS) return 0;
    if (m->nthreads == m->capthreads) {
        size_t cap = m->capthreads ? m->capthreads * 2 : 16;
        gmd_thread_regs *t = realloc(m->threads, cap * sizeof *t);
        if (!t) return -1;
        m->threads = t;
        m->capthreads = cap;
    }
    gmd_thread_regs *t = &m->threads[m->nthreads++];
    memset(t, 0, sizeof *t);
    t->tid = (int)rd32(desc + 32);
    t->signo = rd16(desc + 12);
    if (descsz >= 112 + 27 * 8) {
        const uint8_t *r = desc + 112;
        t->bp = rd64(r + 4 * 8);
        t->pc = rd64(r + 16 * 8);
        t->sp = rd64(r + 19 * 8);
        t->fs_base = rd64(r + 21 * 8);
        t->has_regs = true;
    }
    return 0;
}

size_t gmd_memsrc_threads(const gmd_memsrc *m, const gmd_thread_regs **out)
{
    *out = m->threads;
    return m->live ? 0 : m->nthreads;
}

bool gmd_memsrc_signal(const gmd_memsrc *m, int *signo, int *code, uint64_t *addr)
{
    if (m->live) return false;
    if (m->sig_signo) {
        *signo = m->sig_signo, *code = m->sig_code, *addr = m->sig_addr;
        return true;
    }
    /* No NT_SIGINFO (older writers): the first thread's pr_cursig. */
    if (m->nthreads && m->threads[0].signo) {
        *signo = m->threads[0].signo, *code = 0, *addr = 0;
        return true;
    }
    return false;
}

static int parse_notes(gmd_memsrc *m, size_t off, size_t size, gmd_err *err)
{
    const uint8_t *d = m->data;
    size_t p = off, end = off + size;
    while (end - p >= 12) {
        uint32_t namesz = rd32(d + p), descsz = rd32(d + p + 4), type = rd32(d + p + 8);
        size_t name_at = p + 12;
        size_t nalign = ((size_t)namesz + 3) & ~(size_t)3;
        size_t dalign = ((size_t)descsz + 3) & ~(size_t)3;
        if (nalign > end - name_at || dalign > end - name_at - nalign)
            return gmd_err_at(err, (int64_t)p, "note of %u+%u bytes runs past its PT_NOTE segment (ends at byte %zu)",
                              namesz, descsz, end);
        size_t desc_at = name_at + nalign;
        const uint8_t *desc = d + desc_at;
        bool core = namesz == 5 && !memcmp(d + name_at, "CORE", 5);
        if (core && type == NT_PRPSINFO && descsz >= 56) {
            /* struct elf_prpsinfo on amd64: pr_pid at 24, pr_fname[16] at 40. */
            int pid = (int)rd32(desc + 24);
            if (pid > 0) m->pid = pid;
        } else if (core && type == NT_PRSTATUS && descsz >= 36) {
            if (!m->pid) m->pid = (int)rd32(desc + 32);   /* struct elf_prstatus: pr_pid */
            if (add_thread(m, desc, descsz) < 0) return gmd_errf(err, "out of memory");
        } else if (core && type == NT_SIGINFO && descsz >= 24 && !m->sig_signo) {
            /* siginfo_t: si_signo, si_errno, si_code, then (for faults) si_addr at 16. */
            m->sig_signo = (int)rd32(desc);
            m->sig_code = (int)rd32(desc + 8);
            m->sig_addr = rd64(desc + 16);
        } else if (core && type == NT_AUXV && !m->auxv) {
            if (set_auxv(m, desc, descsz) < 0) return gmd_errf(err, "out of memory");
        } else if (core && type == NT_FILE) {
            if (parse_nt_file(m, desc, descsz, desc_at, err) < 0) return -1;
        }
        p = desc_at + dalign;
    }
    return 0;
}

/* The prpsinfo's pr_fname (15 chars of the executable's base name). */
static void prpsinfo_fname(const gmd_memsrc *m, size_t notes_off, size_t notes_size, char out[17])
{
    out[0] = '\0';
    const uint8_t *d = m->data;
    size_t p = notes_off, end = notes_off + notes_size;
    while (end - p >= 12) {
        uint32_t namesz = rd32(d + p), descsz = rd32(d + p + 4), type = rd32(d + p + 8);
        size_t nalign = ((size_t)namesz + 3) & ~(size_t)3, dalign = ((size_t)descsz + 3) & ~(size_t)3;
        if (nalign > end - p - 12 || dalign > end - p - 12 - nalign) return;
        if (type == NT_PRPSINFO && namesz == 5 && descsz >= 56) {
            memcpy(out, d + p + 12 + nalign + 40, 16);
            out[16] = '\0';
            return;
        }
        p += 12 + nalign + dalign;
    }
}

/* Mark the NT_FILE entries of the main executable: the file mapped at
 * AT_ENTRY, else the one named like the process (prpsinfo's pr_fname). */
static void find_exe(gmd_memsrc *m, const char *fname)
{
    const char *exe = NULL;
    uint64_t entry;
    if (gmd_memsrc_auxv(m, AT_ENTRY, &entry))
        for (size_t i = 0; i < m->nfiles && !exe; i++)
            if (entry >= m->files[i].start && entry < m->files[i].end) exe = m->files[i].name;
    if (!exe && fname[0])
        for (size_t i = 0; i < m->nfiles && !exe; i++) {
            const char *base = strrchr(m->files[i].name, '/');
            base = base ? base + 1 : m->files[i].name;
            if (!strncmp(base, fname, 15)) exe = m->files[i].name;
        }
    if (!exe) return;
    snprintf(m->exe, sizeof m->exe, "%s", exe);
    for (size_t i = 0; i < m->nfiles; i++)
        m->files[i].is_exe = !strcmp(m->files[i].name, exe);
}

gmd_memsrc *gmd_memsrc_open_core_memory(const void *data, size_t len, const char *name, gmd_err *err)
{
    gmd_err_set_source(err, name);
    const uint8_t *d = data;
    if (len < sizeof(Elf64_Ehdr) || memcmp(d, ELFMAG, SELFMAG)) {
        gmd_err_at(err, 0, "not an ELF file");
        return NULL;
    }
    if (d[EI_CLASS] != ELFCLASS64 || d[EI_DATA] != ELFDATA2LSB) {
        gmd_err_at(err, EI_CLASS, "not a 64-bit little-endian ELF file");
        return NULL;
    }
    if (rd16(d + 16) != ET_CORE) {
        gmd_err_at(err, 16, "not a core file (ELF type %u)", rd16(d + 16));
        return NULL;
    }
    if (rd16(d + 18) != EM_X86_64) {
        gmd_err_at(err, 18, "core of machine %u, not x86-64", rd16(d + 18));
        return NULL;
    }
    uint64_t phoff = rd64(d + 32);
    uint16_t phentsize = rd16(d + 54);
    uint64_t phnum = rd16(d + 56);
    if (phnum == PN_XNUM) {
        /* More than 65534 mappings: the count is section 0's sh_info. */
        uint64_t shoff = rd64(d + 40);
        if (shoff > len || len - shoff < sizeof(Elf64_Shdr)) {
            gmd_err_at(err, 40, "section header at byte %llu is past the end (%zu bytes)",
                       (unsigned long long)shoff, len);
            return NULL;
        }
        phnum = rd32(d + shoff + 44);
    }
    if (phentsize != sizeof(Elf64_Phdr)) {
        gmd_err_at(err, 54, "program header size %u, expected %zu", phentsize, sizeof(Elf64_Phdr));
        return NULL;
    }
    if (phoff > len || phnum > (len - phoff) / sizeof(Elf64_Phdr)) {
        gmd_err_at(err, 32, "%llu program headers at byte %llu run past the end (%zu bytes)",
                   (unsigned long long)phnum, (unsigned long long)phoff, len);
        return NULL;
    }

    gmd_memsrc *m = new_memsrc();
    if (!m) {
        gmd_errf(err, "out of memory");
        return NULL;
    }
    snprintf(m->name, sizeof m->name, "%s", name ? name : "core");
    m->data = d;
    m->len = len;
    m->segs = calloc(phnum ? phnum : 1, sizeof *m->segs);
    if (!m->segs) {
        gmd_errf(err, "out of memory");
        goto fail;
    }

    size_t notes_off = 0, notes_size = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        size_t at = (size_t)(phoff + i * sizeof(Elf64_Phdr));
        const uint8_t *ph = d + at;
        uint32_t type = rd32(ph);
        uint64_t off = rd64(ph + 8), vaddr = rd64(ph + 16), filesz = rd64(ph + 32), memsz = rd64(ph + 40);
        if (type != PT_LOAD && type != PT_NOTE) continue;
        if (off > len || filesz > len - off) {
            gmd_err_at(err, (int64_t)at, "truncated core: %s segment at byte %llu needs %llu bytes, the file has %zu",
                       type == PT_LOAD ? "PT_LOAD" : "PT_NOTE", (unsigned long long)off,
                       (unsigned long long)filesz, len);
            goto fail;
        }
        if (type == PT_NOTE) {
            if (parse_notes(m, (size_t)off, (size_t)filesz, err) < 0) goto fail;
            if (!notes_size) {
                notes_off = (size_t)off;
                notes_size = (size_t)filesz;
            }
            continue;
        }
        if (memsz == 0) continue;
        if (filesz > memsz || vaddr > UINT64_MAX - memsz) {
            gmd_err_at(err, (int64_t)at, "PT_LOAD at 0x%llx: bad sizes (file %llu, memory %llu)",
                       (unsigned long long)vaddr, (unsigned long long)filesz, (unsigned long long)memsz);
            goto fail;
        }
        m->segs[m->nsegs++] = (core_seg){ vaddr, memsz, off, filesz };
    }
    qsort(m->segs, m->nsegs, sizeof *m->segs, cmp_seg);

    char fname[17];
    prpsinfo_fname(m, notes_off, notes_size, fname);
    find_exe(m, fname);
    return m;
fail:
    gmd_memsrc_close(m);
    return NULL;
}

gmd_memsrc *gmd_memsrc_open_core(const char *path, gmd_err *err)
{
    gmd_err_set_source(err, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        gmd_errf(err, "%s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        gmd_errf(err, "not a regular file");
        close(fd);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (len && map == MAP_FAILED) {
        gmd_errf(err, "mmap: %s", strerror(errno));
        return NULL;
    }
    gmd_memsrc *m = gmd_memsrc_open_core_memory(len ? map : "", len, path, err);
    if (!m) {
        if (len) munmap(map, len);
        return NULL;
    }
    m->map = len ? map : NULL;
    m->maplen = len;
    return m;
}

int gmd_memsrc_core_set_exe(gmd_memsrc *m, const char *path, gmd_err *err)
{
    if (m->live) return 0;
    if (m->exe_mapped) munmap((void *)m->exe_data, m->exe_len);
    m->exe_data = NULL;
    m->exe_len = 0;
    m->exe_mapped = false;
    m->exe_tried = true;
    m->exe_err[0] = '\0';
    gmd_err_set_source(err, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(m->exe_err, sizeof m->exe_err, "%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return gmd_errf(err, "%s", strerror(errno));
    }
    size_t len = (size_t)st.st_size;
    void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (len && map == MAP_FAILED) {
        snprintf(m->exe_err, sizeof m->exe_err, "%s: mmap: %s", path, strerror(errno));
        return gmd_errf(err, "mmap: %s", strerror(errno));
    }
    m->exe_data = map;
    m->exe_len = len;
    m->exe_mapped = len != 0;
    return 0;
}

void gmd_memsrc_core_set_exe_memory(gmd_memsrc *m, const void *data, size_t len)
{
    if (m->live) return;
    if (m->exe_mapped) munmap((void *)m->exe_data, m->exe_len);
    m->exe_data = data;
    m->exe_len = len;
    m->exe_mapped = false;
    m->exe_tried = true;
    snprintf(m->exe_err, sizeof m->exe_err, "%s", data ? "" : "no executable given");
}

static const core_seg *find_seg(const gmd_memsrc *m, uint64_t addr)
{
    size_t lo = 0, hi = m->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->segs[mid].vaddr <= addr) lo = mid + 1;
        else hi = mid;
    }
    if (!lo) return NULL;
    const core_seg *s = &m->segs[lo - 1];
    return addr - s->vaddr < s->memsz ? s : NULL;
}

static const core_file *find_file(const gmd_memsrc *m, uint64_t addr)
{
    for (size_t i = 0; i < m->nfiles; i++)
        if (addr >= m->files[i].start && addr < m->files[i].end) return &m->files[i];
    return NULL;
}

/* Bytes of the executable's mapping f, from the executable file. */
static int exe_read(gmd_memsrc *m, const core_file *f, uint64_t addr, uint8_t *buf, size_t n, gmd_err *err)
{
    if (!m->exe_tried && m->exe[0]) gmd_memsrc_core_set_exe(m, m->exe, NULL);
    if (!m->exe_data)
        return gmd_errf(err, "address 0x%llx: in the executable, which the core left out, and it cannot be read (%s): give the binary",
                        (unsigned long long)addr, m->exe_err[0] ? m->exe_err : "no NT_FILE note names it");
    uint64_t off = f->file_off, rel = addr - f->start;
    if (off > m->exe_len || rel > m->exe_len - off || n > m->exe_len - off - rel)
        return gmd_errf(err, "address 0x%llx: past the end of the executable %s (%zu bytes)",
                        (unsigned long long)addr, m->exe, m->exe_len);
    memcpy(buf, m->exe_data + off + rel, n);
    return 0;
}

/* The first segment starting above addr, or UINT64_MAX. */
static uint64_t next_seg_start(const gmd_memsrc *m, uint64_t addr)
{
    size_t lo = 0, hi = m->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->segs[mid].vaddr <= addr) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->nsegs ? m->segs[lo].vaddr : UINT64_MAX;
}

/* The first NT_FILE range starting above addr, or UINT64_MAX. */
static uint64_t next_file_start(const gmd_memsrc *m, uint64_t addr)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < m->nfiles; i++)
        if (m->files[i].start > addr && m->files[i].start < next) next = m->files[i].start;
    return next;
}

static size_t min_piece(size_t n, uint64_t addr, uint64_t limit)
{
    return limit - addr < n ? (size_t)(limit - addr) : n;
}

/* Bytes [addr, addr+n) of a segment beyond its dumped part (callers keep n
 * inside the segment): from the executable file when NT_FILE maps it
 * there; zero when no file backs it (ELF's rule for memsz > filesz);
 * otherwise unreadable. */
static int core_read_tail(gmd_memsrc *m, uint64_t addr, uint8_t *buf, size_t n, gmd_err *err)
{
    while (n) {
        const core_file *f = find_file(m, addr);
        size_t piece;
        if (!f) {
            piece = min_piece(n, addr, next_file_start(m, addr));
            memset(buf, 0, piece);
        } else {
            piece = min_piece(n, addr, f->end);
            if (!f->is_exe)
                return gmd_errf(err, "address 0x%llx: in %s, which the core left out",
                                (unsigned long long)addr, f->name);
            if (exe_read(m, f, addr, buf, piece, err) < 0) return -1;
        }
        addr += piece;
        buf += piece;
        n -= piece;
    }
    return 0;
}

static int core_read(gmd_memsrc *m, uint64_t addr, uint8_t *buf, size_t n, gmd_err *err)
{
    while (n) {
        const core_seg *s = find_seg(m, addr);
        size_t piece;
        if (s) {
            uint64_t rel = addr - s->vaddr;
            piece = s->memsz - rel < n ? (size_t)(s->memsz - rel) : n;
            size_t dumped = rel < s->filesz ? (size_t)(s->filesz - rel < piece ? s->filesz - rel : piece) : 0;
            if (dumped) memcpy(buf, m->data + s->offset + rel, dumped);
            if (dumped < piece && core_read_tail(m, addr + dumped, buf + dumped, piece - dumped, err) < 0)
                return -1;
        } else {
            /* gcore leaves a mapping out entirely (no PT_LOAD) when it
             * only maps a file: the executable's rodata, for one. */
            const core_file *f = find_file(m, addr);
            if (!f)
                return gmd_errf(err, "address 0x%llx: not in the core", (unsigned long long)addr);
            if (!f->is_exe)
                return gmd_errf(err, "address 0x%llx: in %s, which the core left out",
                                (unsigned long long)addr, f->name);
            piece = min_piece(min_piece(n, addr, f->end), addr, next_seg_start(m, addr));
            if (exe_read(m, f, addr, buf, piece, err) < 0) return -1;
        }
        addr += piece;
        buf += piece;
        n -= piece;
    }
    return 0;
}

int gmd_memsrc_read(gmd_memsrc *m, uint64_t addr, void *buf, size_t n, gmd_err *err)
{
    if (n && addr > UINT64_MAX - (n - 1)) {
        gmd_err_set_source(err, m->name);
        return gmd_errf(err, "address 0x%llx (%zu bytes): wraps around", (unsigned long long)addr, n);
    }
    m->reads++;
    if (m->live) {
        uint64_t bad = addr;
        int e = live_read(m, addr, buf, n, &bad);
        if (e) return live_error(m, e, addr, n, bad, err);
    } else if (core_read(m, addr, buf, n, err) < 0) {
        gmd_err_set_source(err, m->name);
        return -1;
    }
    m->bytes += n;
    return 0;
}

/* Many small reads in few system calls: process_vm_readv takes up to
 * IOV_MAX ranges at once, and a process's goroutine records and stacks are
 * thousands of small ranges. It stops at the first range it cannot read,
 * which is then read alone (to fail it or finish it) before going on. */
#define READ_MANY_BATCH 1024

size_t gmd_memsrc_read_many(gmd_memsrc *m, const uint64_t *addrs, const size_t *lens, uint8_t *const *bufs,
                            size_t count, bool *ok)
{
    size_t good = 0;
    gmd_err e;
    if (!m->live || m->how != LIVE_VM_READV) {
        for (size_t i = 0; i < count; i++) {
            ok[i] = gmd_memsrc_read(m, addrs[i], bufs[i], lens[i], &e) == 0;
            good += ok[i];
        }
        return good;
    }
    struct iovec local[READ_MANY_BATCH], remote[READ_MANY_BATCH];
    size_t i = 0;
    while (i < count) {
        size_t k = 0, total = 0;
        while (i + k < count && k < READ_MANY_BATCH && total + lens[i + k] <= LIVE_CHUNK) {
            local[k] = (struct iovec){bufs[i + k], lens[i + k]};
            remote[k] = (struct iovec){(void *)(uintptr_t)addrs[i + k], lens[i + k]};
            total += lens[i + k];
            k++;
        }
        if (k == 0) {   /* one range bigger than a chunk: the plain path */
            ok[i] = gmd_memsrc_read(m, addrs[i], bufs[i], lens[i], &e) == 0;
            good += ok[i++];
            continue;
        }
        ssize_t r = process_vm_readv(m->pid, local, (unsigned long)k, remote, (unsigned long)k, 0);
        int why = r < 0 ? errno : 0;   /* before the retry below can change errno */
        m->reads++;
        size_t got = r > 0 ? (size_t)r : 0, j = 0;
        for (; j < k && got >= lens[i + j]; j++) {
            got -= lens[i + j];
            ok[i + j] = true;
            good++;
            m->bytes += lens[i + j];
        }
        if (j < k) {
            /* The range where it stopped: alone, for its own success or failure. */
            ok[i + j] = gmd_memsrc_read(m, addrs[i + j], bufs[i + j], lens[i + j], &e) == 0;
            good += ok[i + j];
            j++;
            if (r < 0 && why != EFAULT && why != EINTR) {
                /* Gone or forbidden: the rest fails the same way. */
                for (; i + j < count; j++) ok[i + j] = false;
            }
        }
        i += j;
    }
    return good;
}
