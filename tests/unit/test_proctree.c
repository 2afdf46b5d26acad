/* Process trees, Go executables and listening sockets (gmd/proctree.h), and
 * the collector's small parsers: gctrace cycle lines and GODEBUG's
 * memprofilerate. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "gmd/collect.h"
#include "gmd/proctree.h"

static void test_stat_parse(void **state)
{
    (void)state;
    /* The command holds spaces and ')': fields count from the last ')'. */
    const char *line = "4242 (a b) c) S 17 4242 4242 0 -1 4194560 10 0 0 0 3 4 0 0 20 0 5 0 987654 2496094208 225 "
                       "18446744073709551615\n";
    gmd_proc_ident id;
    assert_int_equal(gmd_proc_ident_parse(line, strlen(line), &id), 0);
    assert_int_equal(id.pid, 4242);
    assert_int_equal(id.ppid, 17);
    assert_int_equal(id.pgid, 4242);
    assert_int_equal(id.start_ticks, 987654);
    /* A zombie is recognised (1), a cut line is an error. */
    const char *zombie = "5 (z) Z 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0 0\n";
    assert_int_equal(gmd_proc_ident_parse(zombie, strlen(zombie), &id), 1);
    const char *cut = "5 (z) S 1 5 5 0";
    assert_int_equal(gmd_proc_ident_parse(cut, strlen(cut), &id), -1);
    assert_int_equal(gmd_proc_ident_parse("no paren", 8, &id), -1);
    assert_int_equal(gmd_proc_ident_parse("", 0, &id), -1);
}

static void test_stat_self(void **state)
{
    (void)state;
    gmd_proc_ident id;
    assert_int_equal(gmd_proc_ident_read(getpid(), &id), 0);
    assert_int_equal(id.pid, getpid());
    assert_int_equal(id.ppid, getppid());
    assert_int_equal(id.pgid, getpgrp());
    assert_true(gmd_proc_start_sec(id.start_ticks) <= gmd_boot_now() + 0.02);
}

/* A child that forks a grandchild: both are found below us, and through
 * the child's process group. */
static void test_tree(void **state)
{
    (void)state;
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        setpgid(0, 0);
        pid_t g = fork();
        if (g == 0) {
            close(ready[0]);
            (void)!write(ready[1], "g", 1);
            pause();
            _exit(0);
        }
        pause();
        _exit(0);
    }
    setpgid(child, child);
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);   /* the grandchild runs */
    close(ready[0]);
    gmd_proc_ident tree[64];
    size_t n = gmd_proc_tree(getpid(), 0, tree, 64);
    bool saw_child = false, saw_grandchild = false, saw_self = false;
    for (size_t i = 0; i < n && i < 64; i++) {
        if (tree[i].pid == child) saw_child = true;
        else if (tree[i].ppid == child) saw_grandchild = true;
        if (tree[i].pid == getpid()) saw_self = true;
    }
    /* From the group alone (ancestor 0 matches nothing): the same two. */
    size_t ngroup = gmd_proc_tree(0, child, tree, 64);
    /* Stop them before asserting: a failed assertion must not leave them. */
    kill(-child, SIGKILL);
    assert_int_equal(waitpid(child, NULL, 0), child);
    assert_true(saw_child && saw_grandchild);
    assert_false(saw_self);
    assert_int_equal(ngroup, 2);
}

static void test_sockets(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    int port = ntohs(a.sin_port);
    uint64_t inodes[4];
    size_t n = gmd_tcp_listeners(port, inodes, 4);
    assert_int_equal(n, 1);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(inodes[0], (uint64_t)st.st_ino);
    assert_true(gmd_proc_has_socket(getpid(), inodes[0]));
    assert_int_equal(gmd_socket_owner(inodes[0]), getpid());
    close(fd);
    assert_int_equal(gmd_tcp_listeners(port, inodes, 4), 0);
}

/* The toolchain, a Go program and a shell, when the suite's Go is known. */
static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(gmd_exe_classify("/bin/sh"), GMD_EXE_NOT_GO);
    assert_int_equal(gmd_exe_classify("/nonexistent/gmd-test"), GMD_EXE_UNKNOWN);
    const char *go = getenv("GO");
    if (go && go[0] == '/') assert_int_equal(gmd_exe_classify(go), GMD_EXE_GO_TOOL);
    const char *fixtures = getenv("FIXTURES");
    if (fixtures) {
        char path[1024];
        snprintf(path, sizeof path, "%s/heapprog", fixtures);
        assert_int_equal(gmd_exe_classify(path), GMD_EXE_GO_PROGRAM);
        snprintf(path, sizeof path, "%s/liveprog-stripped", fixtures);
        if (access(path, R_OK) == 0) assert_int_equal(gmd_exe_classify(path), GMD_EXE_GO_PROGRAM);
    }
    /* A minimal ELF whose .go.buildinfo names cmd/go (the fuzz corpus's). */
    const char *src = getenv("SRCDIR");
    if (src) {
        char path[1024];
        snprintf(path, sizeof path, "%s/fuzz/corpus/proctree/gotool.elf", src);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static char elf[4096];
        size_t len = fread(elf, 1, sizeof elf, f);
        fclose(f);
        assert_int_equal(gmd_exe_classify_memory(elf, len), GMD_EXE_GO_TOOL);
        /* Cut anywhere, it is never misread as a Go program. */
        for (size_t cut = 0; cut < len; cut += 7) assert_int_not_equal(gmd_exe_classify_memory(elf, cut), GMD_EXE_GO_PROGRAM);
    }
    /* Not ELF at all. */
    static const char junk[] = "#!/bin/sh\necho hi\n";
    assert_int_equal(gmd_exe_classify_memory(junk, sizeof junk - 1), GMD_EXE_NOT_GO);
}

static void test_gctrace_cycle(void **state)
{
    (void)state;
    uint64_t n;
    double t;
    const char *l = "gc 12 @3.456s 1%: 0.1+2+0.01 ms clock, 0.2+0/1/2+0.02 ms cpu, 4->5->3 MB, 5 MB goal, 2 P";
    assert_true(gmd_gctrace_cycle(l, strlen(l), &n, &t));
    assert_int_equal(n, 12);
    assert_true(t > 3.4559 && t < 3.4561);
    const char *l2 = "gc 1 @0.005s 6%: 0.010+0.5+0.002 ms clock, 0.02+0.1/0.2/0+0.004 ms cpu, 3->3->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)";
    assert_true(gmd_gctrace_cycle(l2, strlen(l2), &n, &t));
    assert_int_equal(n, 1);
    assert_true(t > 0.0049 && t < 0.0051);
    assert_false(gmd_gctrace_cycle("GC forced", 9, &n, &t));
    assert_false(gmd_gctrace_cycle("gc 3 @", 6, &n, &t));
    assert_false(gmd_gctrace_cycle("gc 3 @x.5s 1%", 13, &n, &t));
    assert_false(gmd_gctrace_cycle("hello", 5, &n, &t));
}

static void test_memprofilerate(void **state)
{
    (void)state;
    assert_int_equal(gmd_godebug_memprofilerate(NULL), -1);
    assert_int_equal(gmd_godebug_memprofilerate("gctrace=1"), -1);
    assert_int_equal(gmd_godebug_memprofilerate("a=1,memprofilerate=4096,b=2"), 4096);
    assert_int_equal(gmd_godebug_memprofilerate("memprofilerate=1,memprofilerate=0"), 0);   /* the last wins */
    assert_int_equal(gmd_godebug_memprofilerate("memprofilerate=x"), -1);
    assert_int_equal(gmd_godebug_memprofilerate("memprofilerate=-5"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat_parse),    cmocka_unit_test(test_stat_self),
        cmocka_unit_test(test_tree),          cmocka_unit_test(test_sockets),
        cmocka_unit_test(test_classify),      cmocka_unit_test(test_gctrace_cycle),
        cmocka_unit_test(test_memprofilerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
