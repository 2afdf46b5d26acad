/* Memory sources and targets on real processes: liveprog (tests/target-
 * fixtures/) started by the test, read live and through a gcore core of it,
 * checked against the executable file and `go tool nm`; dead and forbidden
 * pids; truncated and shrunk cores. The children get a stdin pipe from us and
 * PR_SET_PDEATHSIG, so they end with the test whatever happens to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "gmd/target.h"

typedef struct prog {
    pid_t pid;
    int in;                 /* its stdin: closing it ends the program */
    char path[PATH_MAX];    /* realpath of the binary */
} prog;

static prog plain, pie;
static char tmpdir[1024];

static const char *fixtures(void)
{
    const char *d = getenv("FIXTURES");
    return d ? d : "build/fixtures";
}

/* Start `bin -nohttp` and wait (up to 100 s: it polls its goroutines for up
 * to a minute itself) for its "ready" line. */
static int start_in(prog *p, const char *name, const char *crash_dir);

static int start(prog *p, const char *name)
{
    return start_in(p, name, NULL);
}

/* With crash_dir: run there with GOTRACEBACK=crash and no core size limit,
 * so a SIGABRT leaves a kernel core. */
static int start_in(prog *p, const char *name, const char *crash_dir)
{
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/target/%s", fixtures(), name);
    if (!realpath(bin, p->path)) return -1;
    int in[2], out[2];
    if (pipe(in) < 0 || pipe(out) < 0) return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        /* Let gcore attach under Yama ptrace_scope 1 (it is not our parent). */
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
        if (crash_dir) {
            struct rlimit rl;
            if (getrlimit(RLIMIT_CORE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;   /* as much as we may; 0 means no core: skipped */
                setrlimit(RLIMIT_CORE, &rl);
            }
            if (chdir(crash_dir) < 0) _exit(126);
            int err = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);   /* the crash's traceback */
            if (err >= 0) dup2(err, 2);
            setenv("GOTRACEBACK", "crash", 1);
        }
        execl(p->path, p->path, "-nohttp", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->pid = pid;
    p->in = in[1];
    char line[64] = "";
    size_t n = 0;
    struct pollfd pfd = { out[0], POLLIN, 0 };
    while (n < sizeof line - 1 && !memchr(line, '\n', n)) {
        if (poll(&pfd, 1, 100000) <= 0) break;
        ssize_t r = read(out[0], line + n, sizeof line - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
        line[n] = '\0';
    }
    close(out[0]);
    return strncmp(line, "ready\n", 6) ? -1 : 0;
}

static void stop(prog *p)
{
    if (p->pid <= 0) return;
    close(p->in);
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    p->pid = 0;
}

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TESTTMP");
    snprintf(tmpdir, sizeof tmpdir, "%.1000s/memsrc", t ? t : "/tmp");
    mkdir(t ? t : "/tmp", 0755);
    mkdir(tmpdir, 0755);
    if (start(&plain, "liveprog") < 0 || start(&pie, "liveprog-pie") < 0) {
        fprintf(stderr, "test_memsrc: cannot start liveprog from %s/target\n", fixtures());
        stop(&plain);
        stop(&pie);
        return -1;
    }
    return 0;
}

static char cores[2][1200];   /* removed at the end even when a check failed */

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++)
        if (cores[i][0]) unlink(cores[i]);
    stop(&plain);
    stop(&pie);
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static uint64_t file_entry(const char *path)
{
    size_t len;
    uint8_t *b = slurp(path, &len);
    assert_non_null(b);
    Elf64_Ehdr eh;
    memcpy(&eh, b, sizeof eh);
    free(b);
    return eh.e_entry;
}

/* The program header at file offset 0 (the text) and the end of the last
 * read-only PT_LOAD, link-time: bytes that cannot change while it runs. */
static void ro_range(const char *path, uint64_t *first, uint64_t *ro_end)
{
    size_t len;
    uint8_t *b = slurp(path, &len);
    assert_non_null(b);
    Elf64_Ehdr eh;
    memcpy(&eh, b, sizeof eh);
    *first = *ro_end = 0;
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, b + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD) continue;
        if (ph.p_offset == 0) *first = ph.p_vaddr;
        if (!(ph.p_flags & PF_W) && ph.p_vaddr + ph.p_memsz > *ro_end) *ro_end = ph.p_vaddr + ph.p_memsz;
    }
    free(b);
}

/* Link-time address of a symbol from `go tool nm`. */
static uint64_t nm(const char *bin, const char *sym)
{
    const char *go = getenv("GO");
    char cmd[PATH_MAX * 2], line[512];
    snprintf(cmd, sizeof cmd, "'%s' tool nm '%s'", go ? go : "go", bin);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    uint64_t addr = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long a;
        char type, name[400];
        if (sscanf(line, "%llx %c %399s", &a, &type, name) == 3 && !strcmp(name, sym)) addr = a;
    }
    pclose(f);
    if (!addr) fail_msg("%s: no symbol %s in go tool nm", bin, sym);
    return addr;
}

/* "go1.26.8", as `go version BINARY` reports it. */
static void go_version(const char *bin, char *out, size_t size)
{
    const char *go = getenv("GO");
    char cmd[PATH_MAX * 2], line[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "'%s' version '%s'", go ? go : "go", bin);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    pclose(f);
    char *v = strstr(line, ": go");
    assert_non_null(v);
    snprintf(out, size, "%s", v + 2);
    out[strcspn(out, " \n")] = '\0';
}

/* Where /proc/PID/maps maps file offset 0 of the executable. */
static uint64_t load_address(pid_t pid, const char *path)
{
    char maps[64], line[PATH_MAX + 128];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(maps, "r");
    assert_non_null(f);
    uint64_t addr = 0;
    while (fgets(line, sizeof line, f) && !addr) {
        unsigned long long lo, hi, off;
        int name_at = 0;
        if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi, &off, &name_at) >= 3 && name_at &&
            off == 0 && !strncmp(line + name_at, path, strlen(path)) && line[name_at + strlen(path)] == '\n')
            addr = lo;
    }
    fclose(f);
    assert_true(addr != 0);
    return addr;
}

/* The end of a mapping that no other mapping follows directly. */
static uint64_t mapping_end_before_gap(pid_t pid)
{
    char maps[64], line[PATH_MAX + 128];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(maps, "r");
    assert_non_null(f);
    unsigned long long lo, hi, prev_hi = 0, found = 0;
    char perms[8], prev_perms[8] = "";
    while (fgets(line, sizeof line, f) && !found) {
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3) continue;
        if (prev_hi && lo > prev_hi && prev_perms[0] == 'r') found = prev_hi;
        prev_hi = hi;
        memcpy(prev_perms, perms, sizeof perms);
    }
    fclose(f);
    assert_true(found != 0);
    return found;
}

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* runtime.buildVersion (a Go string: pointer, length) read through m. */
static void read_build_version(gmd_memsrc *m, uint64_t addr, char *out, size_t size)
{
    gmd_err err;
    gmd_err_clear(&err);
    uint8_t hdr[16];
    if (gmd_memsrc_read(m, addr, hdr, sizeof hdr, &err) < 0) fail_msg("%s: %s", err.source, err.msg);
    uint64_t ptr = le64(hdr), len = le64(hdr + 8);
    assert_true(len > 0 && len < size);
    if (gmd_memsrc_read(m, ptr, out, (size_t)len, &err) < 0) fail_msg("%s: %s", err.source, err.msg);
    out[len] = '\0';
}

/* ------------------------------------------------------------- live reads */

static void check_live(prog *p, bool is_pie)
{
    gmd_err err;
    gmd_err_clear(&err);
    gmd_memsrc *m = gmd_memsrc_open_pid(p->pid, &err);
    if (!m) fail_msg("%s: %s", err.source, err.msg);
    assert_true(gmd_memsrc_is_live(m));
    assert_int_equal(gmd_memsrc_pid(m), p->pid);
    assert_string_equal(gmd_memsrc_exe_path(m), p->path);

    uint64_t at_entry = 0, e_entry = file_entry(p->path);
    assert_true(gmd_memsrc_auxv(m, AT_ENTRY, &at_entry));
    assert_false(gmd_memsrc_auxv(m, 0x7fffffff, NULL));
    uint64_t bias = at_entry - e_entry;
    if (is_pie) {
        assert_true(bias != 0);
        assert_int_equal(bias & 0xfff, 0);
    } else {
        assert_int_equal(bias, 0);
    }

    /* The ELF header and the first 3 MiB (text) at the load address are the
     * file's bytes; 3 MiB takes several chunks. */
    size_t flen;
    uint8_t *file = slurp(p->path, &flen);
    assert_non_null(file);
    uint64_t base = load_address(p->pid, p->path);
    uint64_t first, ro_end;
    ro_range(p->path, &first, &ro_end);
    assert_int_equal(base, first + bias);
    size_t n = 3u << 20;
    uint8_t *buf = malloc(n);
    uint64_t reads0 = gmd_memsrc_reads(m), bytes0 = gmd_memsrc_bytes_read(m);
    assert_int_equal(gmd_memsrc_read(m, base, buf, 64, &err), 0);
    assert_memory_equal(buf, file, 64);
    /* How far offset 0 maps: the text segment's file size. */
    Elf64_Ehdr eh;
    memcpy(&eh, file, sizeof eh);
    Elf64_Phdr ph;
    uint64_t text = 0;
    for (int i = 0; i < eh.e_phnum; i++) {
        memcpy(&ph, file + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD && ph.p_offset == 0) text = ph.p_filesz & ~0xfffull;
    }
    if (text < n) n = (size_t)text;
    assert_true(n > (1u << 20));
    if (gmd_memsrc_read(m, base, buf, n, &err) < 0) fail_msg("%s: %s", err.source, err.msg);
    assert_memory_equal(buf, file, n);
    assert_int_equal(gmd_memsrc_reads(m) - reads0, 2);
    assert_int_equal(gmd_memsrc_bytes_read(m) - bytes0, 64 + n);

    /* runtime.buildVersion: a link-time address moved by the bias, pointing
     * at a string in rodata. */
    char want[64], got[64];
    go_version(p->path, want, sizeof want);
    read_build_version(m, nm(p->path, "runtime.buildVersion") + bias, got, sizeof got);
    assert_string_equal(got, want);

    /* Unmapped memory fails, whole: never a partial read. */
    assert_int_equal(gmd_memsrc_read(m, 8, buf, 8, &err), -1);
    assert_non_null(strstr(err.msg, "0x8"));
    assert_non_null(strstr(err.msg, "not mapped"));
    uint64_t end = mapping_end_before_gap(p->pid);
    assert_int_equal(gmd_memsrc_read(m, end - 16, buf, 16, &err), 0);
    gmd_err_clear(&err);
    assert_int_equal(gmd_memsrc_read(m, end - 16, buf, 32, &err), -1);
    assert_non_null(strstr(err.msg, "not mapped"));
    assert_int_equal(strncmp(err.source, "pid:", 4), 0);
    assert_int_equal(gmd_memsrc_read(m, UINT64_MAX - 3, buf, 8, &err), -1);
    free(buf);
    free(file);
    gmd_memsrc_close(m);
}

static void test_live_plain(void **state)
{
    (void)state;
    check_live(&plain, false);
}

static void test_live_pie(void **state)
{
    (void)state;
    check_live(&pie, true);
}

/* The same reads through /proc/PID/mem, the fallback for where seccomp
 * refuses process_vm_readv. */
static void test_live_proc_mem(void **state)
{
    (void)state;
    setenv("GMD_MEMSRC_PROC_MEM", "1", 1);
    check_live(&plain, false);
    check_live(&pie, true);
    unsetenv("GMD_MEMSRC_PROC_MEM");
}

/* ---------------------------------------------------------------- targets */

static void test_target_spec(void **state)
{
    (void)state;
    int pid = -1;
    const char *core = "x";
    assert_true(gmd_target_spec("pid:4242", &pid, &core));
    assert_int_equal(pid, 4242);
    assert_null(core);
    assert_true(gmd_target_spec("core:/tmp/core.1", &pid, &core));
    assert_string_equal(core, "/tmp/core.1");
    assert_int_equal(pid, 0);
    const char *bad[] = { "pid:", "pid:0", "pid:-1", "pid:12a", "pid:99999999999", "core:", "4242",
                          "heap.pb.gz", "", "PID:1" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_false(gmd_target_spec(bad[i], NULL, NULL));
}

static void test_target_pid(void **state)
{
    (void)state;
    gmd_err err;
    gmd_err_clear(&err);
    gmd_target *t = gmd_target_open_pid(plain.pid, NULL, &err);
    if (!t) fail_msg("%s: %s", err.source, err.msg);
    char name[32];
    snprintf(name, sizeof name, "pid:%d", plain.pid);
    assert_string_equal(t->name, name);
    assert_int_equal(t->bias, 0);
    assert_string_equal(gmd_gobin_path(t->bin), plain.path);
    uint64_t v;
    assert_int_equal(gmd_target_read_u64(t, load_address(plain.pid, plain.path), &v, &err), 0);
    assert_int_equal(v & 0xffffffff, 0x464c457f);   /* "\x7fELF" */
    uint32_t w;
    assert_int_equal(gmd_target_read_u32(t, load_address(plain.pid, plain.path), &w, &err), 0);
    assert_int_equal(w, 0x464c457f);
    assert_int_equal(gmd_target_read_u32(t, 16, &w, &err), -1);
    gmd_target_close(t);

    t = gmd_target_open_pid(pie.pid, NULL, &err);
    if (!t) fail_msg("%s: %s", err.source, err.msg);
    uint64_t first, ro_end;
    ro_range(pie.path, &first, &ro_end);
    assert_int_equal(t->bias, load_address(pie.pid, pie.path) - first);
    assert_true(t->bias != 0);
    char want[64], got[64];
    go_version(pie.path, want, sizeof want);
    uint64_t addr;
    uint64_t size;
    if (gmd_gobin_symbol(t->bin, "runtime.buildVersion", &addr, &size)) {
        read_build_version(t->mem, addr + t->bias, got, sizeof got);
        assert_string_equal(got, want);
    }
    gmd_target_close(t);

    /* An explicit binary: the same file, and one that does not match. */
    t = gmd_target_open_pid(plain.pid, plain.path, &err);
    if (!t) fail_msg("%s: %s", err.source, err.msg);
    gmd_target_close(t);
    char other[PATH_MAX];
    snprintf(other, sizeof other, "%s/target/liveprog-go122", fixtures());
    if (access(other, R_OK) == 0 && file_entry(other) != file_entry(plain.path)) {
        gmd_err_clear(&err);
        assert_null(gmd_target_open_pid(plain.pid, other, &err));
        assert_non_null(strstr(err.msg, "does not match"));
    }
}

/* ------------------------------------------------------- failures of pids */

static pid_t fork_idle(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        for (;;) pause();
    }
    return pid;
}

static void test_dead_pid(void **state)
{
    (void)state;
    gmd_err err;
    gmd_err_clear(&err);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    assert_null(gmd_memsrc_open_pid(pid, &err));
    assert_non_null(strstr(err.msg, "no such process"));
    assert_null(gmd_memsrc_open_pid(0, &err));
    assert_null(gmd_memsrc_open_pid(-5, &err));

    /* Opened while alive, read after it ended. */
    pid = fork_idle();
    gmd_memsrc *m = gmd_memsrc_open_pid(pid, &err);
    if (!m) fail_msg("%s: %s", err.source, err.msg);
    uint64_t phdr;
    assert_true(gmd_memsrc_auxv(m, AT_PHDR, &phdr));
    uint8_t b[8];
    assert_int_equal(gmd_memsrc_read(m, phdr, b, sizeof b, &err), 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    gmd_err_clear(&err);
    assert_int_equal(gmd_memsrc_read(m, phdr, b, sizeof b, &err), -1);
    assert_non_null(strstr(err.msg, "exited"));
    gmd_memsrc_close(m);
}

/* Another user's process: the one-line error says how to get permission.
 * As root, drop to nobody in a child; otherwise try pid 1. */
static void test_permission(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        struct stat st;
        if (stat("/proc/1", &st) < 0 || st.st_uid == geteuid()) skip();
        gmd_err err;
        gmd_err_clear(&err);
        gmd_memsrc *m = gmd_memsrc_open_pid(1, &err);
        if (m) {   /* CAP_SYS_PTRACE */
            gmd_memsrc_close(m);
            skip();
        }
        assert_non_null(strstr(err.msg, "permission denied"));
        assert_non_null(strstr(err.msg, "CAP_SYS_PTRACE"));
        return;
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (setgid(65534) < 0 || setuid(65534) < 0) _exit(77);
        gmd_err err;
        gmd_err_clear(&err);
        gmd_memsrc *m = gmd_memsrc_open_pid(plain.pid, &err);
        if (write(fds[1], err.msg, strlen(err.msg)) < 0) _exit(3);
        _exit(m ? 1 : 0);
    }
    close(fds[1]);
    char msg[600] = "";
    size_t n = 0;
    ssize_t r;
    while (n < sizeof msg - 1 && (r = read(fds[0], msg + n, sizeof msg - 1 - n)) > 0) n += (size_t)r;
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        fprintf(stderr, "test_memsrc: SKIPPED permission check: cannot become nobody\n");
        skip();
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    char want[64];
    snprintf(want, sizeof want, "pid %d: permission denied", plain.pid);
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, "CAP_SYS_PTRACE"));
    assert_null(strchr(msg, '\n'));
}

/* ------------------------------------------------------------------ cores */

/* A copy of a core with every PT_LOAD cut to its first 64 bytes (headers
 * and notes kept): small enough for the fuzz corpus. */
static uint8_t *shrink_core(const uint8_t *d, size_t len, size_t *outlen)
{
    Elf64_Ehdr eh;
    memcpy(&eh, d, sizeof eh);
    size_t cap = len < (1u << 20) ? len : (1u << 20), n = eh.e_phoff + (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    uint8_t *out = calloc(1, cap);
    assert_non_null(out);
    memcpy(out, d, n);
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, d + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
        uint64_t keep = ph.p_type == PT_NOTE ? ph.p_filesz : ph.p_filesz < 64 ? ph.p_filesz : 64;
        assert_true(n + keep <= cap);
        memcpy(out + n, d + ph.p_offset, keep);
        ph.p_offset = n;
        ph.p_filesz = keep;
        memcpy(out + eh.e_phoff + (size_t)i * sizeof ph, &ph, sizeof ph);
        n += keep;
    }
    *outlen = n;
    return out;
}

static void make_core(prog *p, char core[1200])
{
    char prefix[1100], cmd[3000];
    snprintf(prefix, sizeof prefix, "%s/core", tmpdir);
    snprintf(core, 1200, "%s.%d", prefix, (int)p->pid);
    memcpy(cores[p == &pie], core, 1200);
    unlink(core);
    /* gcore stops the process briefly (ptrace); that is the test's doing,
     * not gmd's. */
    snprintf(cmd, sizeof cmd, "gcore -o '%s' %d >'%s/gcore.log' 2>&1", prefix, (int)p->pid, tmpdir);
    if (system(cmd) != 0 || access(core, R_OK) != 0) {
        /* Not allowed to ptrace here (Yama scope 2 or 3, seccomp): say so, skip. */
        snprintf(cmd, sizeof cmd, "grep -qi 'not permitted' '%s/gcore.log'", tmpdir);
        if (system(cmd) == 0) {
            fprintf(stderr, "test_memsrc: SKIPPED gcore core checks: gcore may not attach (see %s/gcore.log)\n", tmpdir);
            skip();
        }
        fail_msg("gcore failed: see %s/gcore.log", tmpdir);
    }
}

static void check_core(prog *p, bool is_pie)
{
    char core[1200];
    if (system("command -v gcore >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_memsrc: SKIPPED core checks: no gcore (apt-get install gdb)\n");
        skip();
    }
    make_core(p, core);
    gmd_err err;
    gmd_err_clear(&err);
    gmd_memsrc *live = gmd_memsrc_open_pid(p->pid, &err);
    if (!live) fail_msg("%s: %s", err.source, err.msg);
    gmd_memsrc *m = gmd_memsrc_open_core(core, &err);
    if (!m) fail_msg("%s: byte %lld: %s", err.source, (long long)err.offset, err.msg);
    assert_false(gmd_memsrc_is_live(m));
    assert_int_equal(gmd_memsrc_pid(m), p->pid);
    assert_string_equal(gmd_memsrc_exe_path(m), p->path);
    uint64_t e1 = 0, e2 = 0;
    assert_true(gmd_memsrc_auxv(m, AT_ENTRY, &e1));
    assert_true(gmd_memsrc_auxv(live, AT_ENTRY, &e2));
    assert_int_equal(e1, e2);
    uint64_t bias = e1 - file_entry(p->path);

    /* The same bytes live and in the core: the ELF header and text, rodata
     * (which gcore leaves out: read from the executable through NT_FILE),
     * the build version string, and heap objects main.allocRetained kept. */
    uint64_t base = load_address(p->pid, p->path), first, ro_end;
    ro_range(p->path, &first, &ro_end);
    assert_int_equal(base, first + bias);
    size_t n = (size_t)(ro_end - first);
    assert_true(n > (2u << 20) && n < (64u << 20));
    uint8_t *a = malloc(n), *b = malloc(n);
    assert_int_equal(gmd_memsrc_read(live, base, a, n, &err), 0);
    if (gmd_memsrc_read(m, base, b, n, &err) < 0) fail_msg("%s: %s", err.source, err.msg);
    assert_memory_equal(a, b, n);

    char want[64], got[64];
    go_version(p->path, want, sizeof want);
    read_build_version(m, nm(p->path, "runtime.buildVersion") + bias, got, sizeof got);
    assert_string_equal(got, want);

    uint8_t slice[24], elem[24];
    uint64_t retained = nm(p->path, "main.retained") + bias;
    assert_int_equal(gmd_memsrc_read(live, retained, a, 24, &err), 0);
    assert_int_equal(gmd_memsrc_read(m, retained, slice, 24, &err), 0);
    assert_memory_equal(a, slice, 24);
    assert_int_equal(le64(slice + 8), 2000);
    assert_int_equal(gmd_memsrc_read(m, le64(slice) + 24 * 7, elem, 24, &err), 0);
    assert_int_equal(le64(elem + 8), 4096);
    assert_int_equal(gmd_memsrc_read(m, le64(elem), b, 4096, &err), 0);
    assert_int_equal(gmd_memsrc_read(live, le64(elem), a, 4096, &err), 0);
    assert_memory_equal(a, b, 4096);
    assert_int_equal(b[0], 7);

    assert_int_equal(gmd_memsrc_read(m, 8, a, 8, &err), -1);
    assert_non_null(strstr(err.msg, "not in the core"));
    assert_string_equal(err.source, core);

    /* The target over the core: same bias as live; an explicit binary. */
    gmd_target *t = gmd_target_open_core(core, NULL, &err);
    if (!t) fail_msg("%s: %s", err.source, err.msg);
    assert_int_equal(t->bias, bias);
    gmd_target_close(t);
    t = gmd_target_open_core(core, p->path, &err);
    if (!t) fail_msg("%s: %s", err.source, err.msg);
    assert_int_equal(gmd_target_read(t, base, b, 64, &err), 0);
    assert_memory_equal(b, "\x7f" "ELF", 4);
    gmd_target_close(t);

    /* Truncated copies fail with an error, never a crash. */
    int fd = open(core, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    size_t len = (size_t)st.st_size;
    const uint8_t *data = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    assert_true(data != MAP_FAILED);
    size_t cuts[] = { 0, 1, 4, 16, 63, 64, 64 + 56, 64 + 56 * 3 + 7, 4096, 65536, len / 2 };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        gmd_err_clear(&err);
        gmd_memsrc *c = gmd_memsrc_open_core_memory(data, cuts[i], "cut", &err);
        if (c) fail_msg("a core cut to %zu bytes of %zu opened", cuts[i], len);
        assert_true(err.msg[0] != '\0');
        assert_null(strchr(err.msg, '\n'));
    }
    gmd_err_clear(&err);
    assert_null(gmd_memsrc_open_core_memory(data, len / 2, "half", &err));
    assert_non_null(strstr(err.msg, "truncated"));
    assert_true(err.offset >= 64);

    /* A shrunk core: notes intact, segments cut to 64 bytes (the rest reads
     * as zero, or from the executable). Written for the fuzz corpus when
     * GMD_WRITE_CORE_SEED names a file. */
    size_t slen;
    uint8_t *small = shrink_core(data, len, &slen);
    gmd_memsrc *s = gmd_memsrc_open_core_memory(small, slen, "small", &err);
    if (!s) fail_msg("%s: byte %lld: %s", err.source, (long long)err.offset, err.msg);
    assert_int_equal(gmd_memsrc_pid(s), p->pid);
    assert_int_equal(gmd_memsrc_read(s, base, b, 64, &err), 0);
    assert_memory_equal(b, "\x7f" "ELF", 4);
    gmd_memsrc_close(s);
    const char *seed = getenv("GMD_WRITE_CORE_SEED");
    if (seed && !is_pie) {
        FILE *f = fopen(seed, "wb");
        assert_non_null(f);
        fwrite(small, 1, slen, f);
        fclose(f);
    }
    free(small);
    munmap((void *)data, len);
    free(a);
    free(b);
    gmd_memsrc_close(m);
    gmd_memsrc_close(live);
    unlink(core);   /* gcore writes Go's address-space reservations: ~1.5 GB */
}

static void test_core_plain(void **state)
{
    (void)state;
    check_core(&plain, false);
}

static void test_core_pie(void **state)
{
    (void)state;
    check_core(&pie, true);
}

/* A core the kernel wrote (GOTRACEBACK=crash, then SIGABRT): unlike gcore's
 * it keeps only the first page of the executable's text and none of its
 * rodata (PT_LOADs with filesz 4096 and 0), so those bytes come from the
 * file through NT_FILE. Compared with what the process held before. */
static void test_kernel_core(void **state)
{
    (void)state;
    char pattern[256] = "";
    FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
    if (f) {
        if (!fgets(pattern, sizeof pattern, f)) pattern[0] = '\0';
        fclose(f);
    }
    pattern[strcspn(pattern, "\n")] = '\0';
    if (!pattern[0] || pattern[0] == '|' || pattern[0] == '/') {
        fprintf(stderr, "test_memsrc: SKIPPED kernel core check: core_pattern '%s' does not write to the cwd\n",
                pattern);
        skip();
    }
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/kcore", tmpdir);
    mkdir(dir, 0755);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -f '%s'/core*", dir);
    assert_int_equal(system(cmd), 0);
    prog k = { 0 };
    if (start_in(&k, "liveprog", dir) < 0) {
        stop(&k);
        fail_msg("cannot start liveprog in %s", dir);
    }
    gmd_err err;
    gmd_err_clear(&err);
    gmd_memsrc *live = gmd_memsrc_open_pid(k.pid, &err);
    if (!live) {
        stop(&k);
        fail_msg("%s: %s", err.source, err.msg);
    }
    uint64_t first, ro_end, base = load_address(k.pid, k.path);
    ro_range(k.path, &first, &ro_end);
    size_t n = (size_t)(ro_end - first);
    uint8_t *a = malloc(n), *b = malloc(n);
    uint8_t slice[24], elem[24], heap_live[4096], heap_core[4096];
    uint64_t retained = nm(k.path, "main.retained");
    int rc = gmd_memsrc_read(live, base, a, n, &err);
    rc |= gmd_memsrc_read(live, retained, slice, 24, &err);
    rc |= gmd_memsrc_read(live, le64(slice) + 24 * 9, elem, 24, &err);
    rc |= gmd_memsrc_read(live, le64(elem), heap_live, sizeof heap_live, &err);
    gmd_memsrc_close(live);
    kill(k.pid, SIGABRT);    /* the test's doing: gmd never signals */
    int status;
    waitpid(k.pid, &status, 0);
    close(k.in);
    k.pid = 0;
    assert_int_equal(rc, 0);
    if (!WIFSIGNALED(status) || !WCOREDUMP(status)) {
        fprintf(stderr, "test_memsrc: SKIPPED kernel core check: no core dumped (status 0x%x)\n", status);
        free(a);
        free(b);
        skip();
    }
    char core[1400] = "";
    snprintf(cmd, sizeof cmd, "ls '%s' | grep '^core' | head -1", dir);
    FILE *ls = popen(cmd, "r");
    assert_non_null(ls);
    char name[256] = "";
    if (!fgets(name, sizeof name, ls)) name[0] = '\0';
    pclose(ls);
    name[strcspn(name, "\n")] = '\0';
    if (!name[0]) fail_msg("the core was dumped but is not in %s (core_pattern '%s')", dir, pattern);
    snprintf(core, sizeof core, "%s/%.150s", dir, name);

    gmd_memsrc *m = gmd_memsrc_open_core(core, &err);
    if (!m) fail_msg("%s: byte %lld: %s", err.source, (long long)err.offset, err.msg);
    assert_string_equal(gmd_memsrc_exe_path(m), k.path);
    if (gmd_memsrc_read(m, base, b, n, &err) < 0) fail_msg("%s: %s", err.source, err.msg);
    assert_memory_equal(a, b, n);
    assert_int_equal(gmd_memsrc_read(m, le64(elem), heap_core, sizeof heap_core, &err), 0);
    assert_memory_equal(heap_live, heap_core, sizeof heap_core);
    assert_int_equal(heap_core[0], 9);
    char want[64], got[64];
    go_version(k.path, want, sizeof want);
    read_build_version(m, nm(k.path, "runtime.buildVersion"), got, sizeof got);
    assert_string_equal(got, want);

    /* Without the executable the left-out text cannot be read: an error
     * that says so, never zeros. */
    gmd_memsrc_core_set_exe_memory(m, NULL, 0);
    gmd_err_clear(&err);
    assert_int_equal(gmd_memsrc_read(m, base + 0x2000, b, 16, &err), -1);
    assert_non_null(strstr(err.msg, "left out"));
    gmd_memsrc_close(m);
    unlink(core);
    free(a);
    free(b);
}

static void test_core_bad(void **state)
{
    (void)state;
    gmd_err err;
    gmd_err_clear(&err);
    assert_null(gmd_memsrc_open_core("/nonexistent/core", &err));
    assert_string_equal(err.source, "/nonexistent/core");
    /* An executable is ELF but not a core. */
    assert_null(gmd_memsrc_open_core(plain.path, &err));
    assert_non_null(strstr(err.msg, "not a core"));
    assert_int_equal(err.offset, 16);
    gmd_err_clear(&err);
    assert_null(gmd_target_open_core("/nonexistent/core", NULL, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_spec),
        cmocka_unit_test(test_live_plain),
        cmocka_unit_test(test_live_pie),
        cmocka_unit_test(test_live_proc_mem),
        cmocka_unit_test(test_target_pid),
        cmocka_unit_test(test_dead_pid),
        cmocka_unit_test(test_permission),
        cmocka_unit_test(test_core_bad),
        cmocka_unit_test(test_core_plain),
        cmocka_unit_test(test_core_pie),
        cmocka_unit_test(test_kernel_core),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
