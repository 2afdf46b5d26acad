/* The sampling loop of `gmd run` / `gmd watch` (see gmd/collect.h). One
 * thread: poll() on the child's stdout and stderr pipes and a self-pipe the
 * signal handlers write to, with the next sampling round as the timeout.
 * Fetches block the loop briefly, so the pipes are enlarged to keep the
 * child (whose runtime writes gctrace synchronously) from stalling. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "gmd/collect.h"
#include "gmd/input.h"
#include "gmd/xalloc.h"

extern char **environ;

#define LINE_BUF (64 << 10)          /* longest line kept whole; longer ones are written in pieces */
#define MAX_PROFILE_BYTES (256ull << 20)
#define STOP_GRACE_SEC 5.0

/* ------------------------------------------------------------ small helpers */

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;   /* EPIPE and the like: the reader went away; keep collecting */
        }
        p += w;
        n -= (size_t)w;
    }
}

void gmd_pprof_base(const char *url, char *buf, size_t size)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') n--;
    static const char suffix[] = "/debug/pprof";
    size_t s = sizeof suffix - 1;
    if (n >= s && !memcmp(url + n - s, suffix, s))
        snprintf(buf, size, "%.*s", (int)n, url);
    else
        snprintf(buf, size, "%.*s%s", (int)n, url, suffix);
}

bool gmd_is_gctrace_line(const char *line, size_t len)
{
    if (len >= 5 && !memcmp(line, "gc ", 3) && line[3] >= '0' && line[3] <= '9') {
        size_t i = 3;
        while (i < len && line[i] >= '0' && line[i] <= '9') i++;
        return i + 2 < len && line[i] == ' ' && line[i + 1] == '@';
    }
    if (len >= 9 && !memcmp(line, "GC forced", 9)) return true;
    return len >= 6 && !memcmp(line, "scan: ", 6);
}

void gmd_godebug_with_gctrace(const char *current, char *buf, size_t size, bool *had_gctrace)
{
    *had_gctrace = false;
    size_t o = 0;
    buf[0] = '\0';
    /* Copy every setting but gctrace; a later setting wins in the runtime, so
     * ours goes last (the user's level is kept when it is already >= 1). */
    const char *level = "1";
    char user_level[16] = "";
    const char *p = current ? current : "";
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n > 8 && !memcmp(p, "gctrace=", 8)) {
            size_t v = n - 8;
            if (v < sizeof user_level) {
                memcpy(user_level, p + 8, v);
                user_level[v] = '\0';
            }
        } else if (n > 0 && o + n + 2 < size) {
            if (o) buf[o++] = ',';
            memcpy(buf + o, p, n);
            o += n;
            buf[o] = '\0';
        }
        p += n + (comma ? 1 : 0);
    }
    if (user_level[0] && atoi(user_level) >= 1) {
        *had_gctrace = true;
        level = user_level;
    }
    snprintf(buf + o, size - o, "%sgctrace=%s", o ? "," : "", level);
}

/* ------------------------------------------------------------------ signals */

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t sigint_from_tty;

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    int saved = errno;
    /* A terminal's Ctrl-C goes to the whole foreground process group, so the
     * child has it already; only a kill(2) aimed at gmd must be forwarded. */
    if (sig == SIGINT) sigint_from_tty = info && info->si_code == SI_KERNEL;
    unsigned char b = (unsigned char)sig;
    if (sig_pipe[1] >= 0) (void)!write(sig_pipe[1], &b, 1);
    errno = saved;
}

typedef struct saved_signals {
    struct sigaction old[4];
    struct sigaction old_pipe;
} saved_signals;

static const int handled[4] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};

static int install_signals(saved_signals *s, gmd_err *err)
{
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return gmd_errf(err, "pipe: %s", strerror(errno));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; i++) sigaction(handled[i], &sa, &s->old[i]);
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &s->old_pipe);
    return 0;
}

static void restore_signals(saved_signals *s)
{
    for (int i = 0; i < 4; i++) sigaction(handled[i], &s->old[i], NULL);
    /* SIGPIPE stays ignored: gmd writes to pipes whose readers may be gone. */
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    sig_pipe[0] = sig_pipe[1] = -1;
}

/* -------------------------------------------------------------------- child */

static char **child_env(const char *godebug)
{
    size_t n = 0;
    while (environ[n]) n++;
    char **env = gmd_xcalloc(n + 2, sizeof *env);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "GODEBUG=", 8)) env[o++] = environ[i];
    size_t len = strlen(godebug) + 9;
    env[o] = gmd_xmalloc(len);
    snprintf(env[o], len, "GODEBUG=%s", godebug);
    return env;
}

/* fork+exec with stdout/stderr on pipes. An exec failure comes back through
 * a close-on-exec pipe, so "no such program" is our error, not the child's. */
static int spawn(char *const *argv, char **env, int *out_fd, int *err_fd, pid_t *pid, gmd_err *err)
{
    int outp[2], errp[2], execp[2];
    if (pipe2(outp, O_CLOEXEC) < 0) return gmd_errf(err, "pipe: %s", strerror(errno));
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(outp[0]), close(outp[1]);
        return gmd_errf(err, "pipe: %s", strerror(errno));
    }
    if (pipe2(execp, O_CLOEXEC) < 0) {
        close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]);
        return gmd_errf(err, "pipe: %s", strerror(errno));
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t p = fork();
    if (p < 0) {
        close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]), close(execp[0]), close(execp[1]);
        return gmd_errf(err, "fork: %s", strerror(errno));
    }
    if (p == 0) {
        /* Back to default dispositions: exec keeps ignored signals ignored. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int i = 0; i < 4; i++) sigaction(handled[i], &dfl, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);   /* gmd died before prctl */
        dup2(outp[1], STDOUT_FILENO);
        dup2(errp[1], STDERR_FILENO);
        execvpe(argv[0], argv, env);
        int e = errno;
        (void)!write(execp[1], &e, sizeof e);
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    close(execp[1]);
    int e = 0;
    ssize_t r;
    do r = read(execp[0], &e, sizeof e); while (r < 0 && errno == EINTR);
    close(execp[0]);
    if (r == (ssize_t)sizeof e) {
        waitpid(p, NULL, 0);
        close(outp[0]);
        close(errp[0]);
        return gmd_errf(err, "cannot run '%s': %s", argv[0], strerror(e));
    }
    /* Room for bursts while a fetch blocks the loop (best effort). */
    fcntl(outp[0], F_SETPIPE_SZ, 1 << 20);
    fcntl(errp[0], F_SETPIPE_SZ, 1 << 20);
    *out_fd = outp[0];
    *err_fd = errp[0];
    *pid = p;
    return 0;
}

/* ------------------------------------------------------------- the session */

typedef struct stream {
    int fd;              /* -1 when closed */
    bool is_stderr;
    char *buf;
    size_t len;
} stream;

typedef struct session {
    const gmd_collect_opts *o;
    gmd_bundle_writer *w;
    gmd_collect_result *r;
    gmd_err *err;
    double start;
    char base[1024];
    stream out, errs;
    pid_t child;
    bool child_alive;
    FILE *gclog;                  /* watch --gctrace */
    char *gcbuf;
    size_t gclen;
    bool failed;                  /* a bundle write failed: stop */
} session;

static double elapsed(const session *s) { return now_mono() - s->start; }

static void emit(session *s, gmd_collect_event *ev)
{
    ev->t = elapsed(s);
    if (s->o->on_event) s->o->on_event(s->o->ctx, ev);
}

static void gcline(session *s, const char *line, size_t len)
{
    double t = elapsed(s);
    if (gmd_bundle_add_gcline(s->w, t, now_wall_ns(), line, len, s->err) < 0) {
        s->failed = true;
        return;
    }
    s->r->ngclines++;
    gmd_collect_event ev = {.kind = GMD_EV_GCLINE, .data = (const uint8_t *)line, .len = len};
    emit(s, &ev);
}

static void pass_through(session *s, const stream *st, const char *p, size_t n)
{
    gmd_collect_event ev = {.kind = GMD_EV_OUTPUT};
    emit(s, &ev);
    write_all(st->is_stderr ? s->o->err_fd : s->o->out_fd, p, n);
}

/* Hand over complete lines; keep a partial one unless the buffer is full. */
static void consume_lines(session *s, stream *st, bool flush_partial)
{
    size_t start = 0;
    for (;;) {
        char *nl = memchr(st->buf + start, '\n', st->len - start);
        if (!nl) break;
        size_t n = (size_t)(nl - (st->buf + start));
        const char *line = st->buf + start;
        if (st->is_stderr && gmd_is_gctrace_line(line, n)) {
            gcline(s, line, n);
            if (s->r->user_gctrace) pass_through(s, st, line, n + 1);
        } else {
            pass_through(s, st, line, n + 1);
        }
        start += n + 1;
    }
    if (start < st->len && (flush_partial || (start == 0 && st->len == LINE_BUF))) {
        pass_through(s, st, st->buf + start, st->len - start);
        start = st->len;
    }
    memmove(st->buf, st->buf + start, st->len - start);
    st->len -= start;
}

static void read_stream(session *s, stream *st)
{
    if (st->fd < 0) return;
    ssize_t r;
    do r = read(st->fd, st->buf + st->len, LINE_BUF - st->len); while (r < 0 && errno == EINTR);
    if (r <= 0) {
        if (r < 0 && errno == EAGAIN) return;
        close(st->fd);
        st->fd = -1;
        consume_lines(s, st, true);
        return;
    }
    st->len += (size_t)r;
    consume_lines(s, st, false);
}

/* watch --gctrace FILE: read what was appended since the last call. */
static void follow_gclog(session *s)
{
    if (!s->gclog) return;
    char chunk[8192];
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, s->gclog);
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) {
            if (chunk[i] == '\n') {
                if (gmd_is_gctrace_line(s->gcbuf, s->gclen)) gcline(s, s->gcbuf, s->gclen);
                s->gclen = 0;
            } else if (s->gclen < LINE_BUF - 1) {
                s->gcbuf[s->gclen++] = chunk[i];
            }
        }
    }
    clearerr(s->gclog);   /* at EOF: the writer may append more */
}

static void note_exit(session *s, int status)
{
    s->child_alive = false;
    s->r->exited = true;
    s->r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

static void reap(session *s)
{
    if (!s->child_alive) return;
    int status;
    pid_t p = waitpid(s->child, &status, WNOHANG);
    if (p == s->child) note_exit(s, status);
}

static void fetch(session *s, const char *name, const char *query, int debug)
{
    char url[1400];
    snprintf(url, sizeof url, "%s/%s%s", s->base, name, query);
    uint8_t *body = NULL;
    size_t len = 0;
    gmd_err ferr;
    gmd_err_clear(&ferr);
    double timeout = s->o->interval_sec * 4 > 10 ? s->o->interval_sec * 4 : 10;
    double t = elapsed(s);
    if (gmd_http_get(url, timeout, MAX_PROFILE_BYTES, &body, &len, NULL, 0, &ferr) < 0) {
        s->r->fetch_errors++;
        char msg[1200];
        gmd_err_set_source(&ferr, url);
        gmd_err_str(&ferr, msg, sizeof msg);
        snprintf(s->r->last_fetch_error, sizeof s->r->last_fetch_error, "%.*s", (int)sizeof s->r->last_fetch_error - 1, msg);
        gmd_collect_event ev = {.kind = GMD_EV_FETCH_ERROR, .name = name, .msg = msg};
        emit(s, &ev);
        return;
    }
    /* Time-stamp the profile at the request: that is when the runtime took it. */
    if (gmd_bundle_add_profile(s->w, t, s->r->start_wall_ns + (int64_t)(t * 1e9), name, debug, body, len, s->err) < 0) {
        s->failed = true;
    } else {
        s->r->nprofiles++;
        gmd_collect_event ev = {.kind = GMD_EV_PROFILE, .name = name, .debug = debug, .data = body, .len = len};
        emit(s, &ev);
    }
    free(body);
}

static void sample_round(session *s, bool final)
{
    int pid = s->o->argv ? (s->child_alive ? s->child : 0) : s->o->pid;
    if (pid > 0) {
        gmd_proc_stats st;
        gmd_err perr;
        gmd_err_clear(&perr);
        if (gmd_proc_read(pid, &st, &perr) == 0) {
            double t = elapsed(s);
            if (gmd_bundle_add_proc(s->w, t, now_wall_ns(), &st, s->err) < 0) s->failed = true;
            s->r->nproc++;
            gmd_collect_event ev = {.kind = GMD_EV_PROC, .proc = &st};
            emit(s, &ev);
        } else if (!s->o->argv) {
            /* watch --pid: the process is gone; nothing more to watch. */
            s->r->exited = s->r->exited_by_itself = true;
        }
    }
    if (s->base[0] && !s->failed) {
        fetch(s, "heap", s->o->heap_gc ? "?gc=1" : "", 0);
        fetch(s, "goroutine", "", 0);
        for (uint32_t i = 0; i < s->o->nextra && !s->failed; i++) fetch(s, s->o->extra_profiles[i], "", 0);
        /* States and wait reasons only exist in the debug=2 text: take it
         * once, at the end, since it stops the world for every goroutine. */
        if (final) fetch(s, "goroutine", "?debug=2", 2);
    }
    s->r->rounds++;
    gmd_collect_event ev = {.kind = GMD_EV_ROUND, .rounds = s->r->rounds};
    emit(s, &ev);
}

/* Wait up to `secs` for input, signals or the child; returns the signal seen (0 = none). */
static int pump(session *s, double secs)
{
    struct pollfd fds[3];
    int nfds = 0;
    fds[nfds++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
    int io = nfds;
    if (s->out.fd >= 0) fds[nfds++] = (struct pollfd){.fd = s->out.fd, .events = POLLIN};
    if (s->errs.fd >= 0) fds[nfds++] = (struct pollfd){.fd = s->errs.fd, .events = POLLIN};
    if (s->gclog && secs > 0.2) secs = 0.2;
    int ms = secs <= 0 ? 0 : (int)(secs * 1000.0 + 0.999);
    int rc = poll(fds, (nfds_t)nfds, ms);
    int sig = 0;
    if (rc > 0) {
        if (fds[0].revents & POLLIN) {
            unsigned char b[16];
            ssize_t n = read(sig_pipe[0], b, sizeof b);
            for (ssize_t i = 0; i < n; i++)
                if (b[i] != SIGCHLD) sig = b[i];
        }
        for (int i = io; i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            read_stream(s, fds[i].fd == s->out.fd ? &s->out : &s->errs);
        }
    }
    follow_gclog(s);
    reap(s);
    return sig;
}

static void stop_child(session *s, int first_signal)
{
    /* SIGINT first (what Ctrl-C would send; Go programs exit on it unless
     * they handle it for a clean shutdown), then SIGTERM, then SIGKILL. */
    static const int ladder[3] = {SIGINT, SIGTERM, SIGKILL};
    int step = 0;
    while (step < 3 && ladder[step] != first_signal) step++;
    if (step == 3) step = 0;
    bool sent_by_tty = first_signal == SIGINT && sigint_from_tty;
    for (; step < 3 && s->child_alive; step++) {
        if (!(step == 0 && sent_by_tty)) kill(s->child, ladder[step]);
        sent_by_tty = false;
        double deadline = now_mono() + STOP_GRACE_SEC;
        while (s->child_alive && now_mono() < deadline) {
            int sig = pump(s, 0.1);
            if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) break;   /* impatient user: escalate */
        }
    }
    if (s->child_alive) {
        int status;
        if (waitpid(s->child, &status, 0) == s->child) note_exit(s, status);
    }
}

int gmd_collect(const gmd_collect_opts *o, gmd_bundle_writer *w, gmd_collect_result *r, gmd_err *err)
{
    memset(r, 0, sizeof *r);
    r->exit_status = -1;
    session s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.w = w;
    s.r = r;
    s.err = err;
    s.out = (stream){.fd = -1};
    s.errs = (stream){.fd = -1, .is_stderr = true};
    if (o->pprof_url && o->pprof_url[0]) gmd_pprof_base(o->pprof_url, s.base, sizeof s.base);
    if (o->gctrace_file) {
        s.gclog = fopen(o->gctrace_file, "r");
        if (!s.gclog) return gmd_errf(err, "%s: cannot read: %s", o->gctrace_file, strerror(errno));
        fseek(s.gclog, 0, SEEK_END);   /* follow from now, like tail -f */
        s.gcbuf = gmd_xmalloc(LINE_BUF);
    }

    saved_signals saved;
    if (install_signals(&saved, err) < 0) {
        if (s.gclog) fclose(s.gclog);
        free(s.gcbuf);
        return -1;
    }
    int rc = 0;
    s.start = now_mono();
    r->start_wall_ns = now_wall_ns();
    if (o->argv) {
        char godebug[2048];
        gmd_godebug_with_gctrace(getenv("GODEBUG"), godebug, sizeof godebug, &r->user_gctrace);
        char **env = child_env(godebug);
        s.out.buf = gmd_xmalloc(LINE_BUF);
        s.errs.buf = gmd_xmalloc(LINE_BUF);
        rc = spawn(o->argv, env, &s.out.fd, &s.errs.fd, &s.child, err);
        /* env[] borrows environ's strings; only our GODEBUG entry is ours. */
        size_t n = 0;
        while (env[n]) n++;
        free(env[n - 1]);
        free(env);
        if (rc < 0) goto out;
        s.child_alive = true;
        r->pid = s.child;
    }

    double next = o->interval_sec;
    int stop_signal = 0;
    for (;;) {
        double t = elapsed(&s);
        bool over = o->duration_sec > 0 && t >= o->duration_sec;
        if (over || s.failed) break;
        if (o->argv && !s.child_alive) {
            r->exited_by_itself = true;
            break;
        }
        if (!o->argv && r->exited) break;
        if (t >= next) {
            bool final = o->duration_sec > 0 && t + o->interval_sec > o->duration_sec;
            sample_round(&s, final);
            next += o->interval_sec;
            t = elapsed(&s);
            if (next < t) next = t + o->interval_sec * 0.5;   /* fell behind: don't burst */
            if (final) {
                over = true;
                break;
            }
            continue;
        }
        double wait = next - t;
        if (o->duration_sec > 0 && o->duration_sec - t < wait) wait = o->duration_sec - t;
        int sig = pump(&s, wait);
        if (sig) {
            stop_signal = sig;
            r->interrupted = true;
            break;
        }
    }
    if (s.failed) rc = -1;

    if (o->argv) {
        if (s.child_alive) {
            gmd_collect_event ev = {.kind = GMD_EV_STOPPING,
                                    .msg = r->interrupted ? "interrupted: waiting for the program to exit"
                                                          : "collection done: stopping the program (SIGINT)"};
            emit(&s, &ev);
            stop_child(&s, stop_signal ? stop_signal : SIGINT);
        }
        /* Drain what it wrote last; a grandchild holding the pipes open
         * must not keep us here. */
        double deadline = now_mono() + 2.0;
        while ((s.out.fd >= 0 || s.errs.fd >= 0) && now_mono() < deadline) pump(&s, 0.1);
        consume_lines(&s, &s.out, true);
        consume_lines(&s, &s.errs, true);
    }
out:
    r->elapsed = elapsed(&s);
    if (s.out.fd >= 0) close(s.out.fd);
    if (s.errs.fd >= 0) close(s.errs.fd);
    free(s.out.buf);
    free(s.errs.buf);
    if (s.gclog) fclose(s.gclog);
    free(s.gcbuf);
    restore_signals(&saved);
    return rc;
}
