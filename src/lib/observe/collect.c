/* The sampling loop of `gmd run` / `gmd watch` (see gmd/collect.h). The
 * loop polls the child's stdout and stderr pipes, a self-pipe the signal
 * handlers write to, a --gctrace FIFO or device, and the pipe on which the
 * fetch threads say a result is ready, with the next sampling round (or
 * the next look at the process tree) as the timeout. Nothing in it waits
 * on the network: libcurl runs on two threads (profiles, traces) that only
 * fetch into memory; the loop alone writes the bundle. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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
#include "gmd/gctrace.h"
#include "gmd/input.h"
#include "gmd/profile.h"
#include "gmd/proctree.h"
#include "gmd/trace.h"
#include "gmd/xalloc.h"

extern char **environ;

#define LINE_BUF (64 << 10)          /* longest line kept whole; longer ones are written in pieces */
#define MAX_PROFILE_BYTES (256ull << 20)
#define STOP_GRACE_SEC 5.0
#define SCAN_FAST_SEC 0.05      /* tree scans while no Go program is found */
#define SCAN_SETTLE_SEC 0.25    /* ... and while the tree settles after one is */
#define SETTLE_SEC 3.0          /* a newer Go program replaces the observed one this long */
#define ORIGIN_SLACK_SEC 0.02   /* gctrace @T is printed to the ms; start times are in ticks */
#define MAX_HELD_LINES 4096     /* gctrace lines held until the program is found */
#define MAX_TREE 256
#define MAX_TRACE_BYTES (256ull << 20)
#define FINAL_WAIT_SEC 5.0      /* the last round's fetches may finish this long after the end */
#define TRACE_WAIT_SEC 2.0      /* ... and a trace in flight this long */
#define GCLOG_CHUNK (64 << 10)  /* --gctrace: bytes per read */
#define GCLOG_READS 16          /* ... reads of a regular file per wake-up */

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

/* Only whole lines of the runtime's own forms count: the program's output
 * (passed through) may well start with "gc 3 @" or "scan: " too. */
bool gmd_is_gctrace_line(const char *line, size_t len)
{
    if (len >= 5 && !memcmp(line, "gc ", 3)) {
        gmd_gc_cycle c;
        return gmd_gctrace_parse_gc_line(line, len, &c) == 1;
    }
    if (len == 9 && !memcmp(line, "GC forced", 9)) return true;
    /* Green Tea's gctrace=2 scan statistics (runtime.dumpScanStats). */
    static const char spans[] = " spans";
    return len >= 12 && (!memcmp(line, "scan: total ", 12) || !memcmp(line, "scan: class ", 12)) &&
           len > sizeof spans && !memcmp(line + len - (sizeof spans - 1), spans, sizeof spans - 1);
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

long gmd_godebug_memprofilerate(const char *godebug)
{
    long rate = -1;
    const char *p = godebug ? godebug : "";
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n > 15 && !memcmp(p, "memprofilerate=", 15)) {
            char *end;
            long v = strtol(p + 15, &end, 10);
            if (end == p + n && v >= 0) rate = v;
        }
        p += n + (comma ? 1 : 0);
    }
    return rate;
}

bool gmd_gctrace_cycle(const char *line, size_t len, uint64_t *n, double *t)
{
    if (!gmd_is_gctrace_line(line, len) || line[0] != 'g') return false;
    size_t i = 3;
    uint64_t v = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9' && v < UINT64_MAX / 10) v = v * 10 + (uint64_t)(line[i++] - '0');
    if (i + 2 >= len || line[i] != ' ' || line[i + 1] != '@') return false;
    i += 2;
    /* "@12.345s": integer and fraction, by hand (no locale, no overrun). */
    double sec = 0, scale = 1;
    bool digits = false, frac = false;
    for (; i < len; i++) {
        char c = line[i];
        if (c >= '0' && c <= '9') {
            digits = true;
            if (frac) sec += (c - '0') * (scale /= 10);
            else sec = sec * 10 + (c - '0');
        } else if (c == '.' && !frac) {
            frac = true;
        } else {
            break;
        }
    }
    if (!digits || i >= len || line[i] != 's') return false;
    *n = v;
    *t = sec;
    return true;
}

/* ------------------------------------------------------------------ signals */

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
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
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
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

/* fork+exec with stdout/stderr on pipes, in a process group of its own. An
 * exec failure comes back through a close-on-exec pipe, so "no such
 * program" is our error, not the child's. */
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
    bool tty_in = isatty(STDIN_FILENO);
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
        /* Its own group, so the whole tree can be signalled at the end. A
         * background group reading the terminal would be stopped (SIGTTIN):
         * it reads /dev/null instead. */
        setpgid(0, 0);
        if (tty_in) {
            int fd = open("/dev/null", O_RDONLY);
            if (fd >= 0) dup2(fd, STDIN_FILENO);
        }
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);   /* gmd died before prctl */
        dup2(outp[1], STDOUT_FILENO);
        dup2(errp[1], STDERR_FILENO);
        execvpe(argv[0], argv, env);
        int e = errno;
        (void)!write(execp[1], &e, sizeof e);
        _exit(127);
    }
    setpgid(p, p);   /* also here: whichever runs first, the group exists before exec */
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

/* ------------------------------------------------------------ fetch threads */

/* libcurl blocks for as long as an endpoint takes, or until its timeout when
 * the endpoint hangs; the loop must not. So each lane (profiles: a round's
 * requests in order; traces: seconds long each) is a thread working through
 * its queue. A finished job goes on the done list and a byte on the notify
 * pipe wakes the loop. At the end the loop abandons whatever still runs: the
 * thread finishes or times out on its own, drops the result, and the last
 * holder of the shared state frees it. */

enum { LANE_PROFILE, LANE_TRACE, NLANES };

/* io/http.c: set, every transfer still running aborts within a second. */
extern _Atomic int gmd_http_abort;
/* Lane threads not yet ended (see gmd_collect_quiesce). */
static _Atomic int lanes_running;

typedef struct job {
    struct job *next;
    int lane;
    char url[1400];
    char name[32];
    int debug;
    bool forced_gc;
    uint32_t round;
    double timeout;
    uint64_t max_bytes;
    /* Filled in by the thread (a trace's body grows under the fetcher's
     * lock, so what has arrived can be kept when collection ends). */
    double t0, t1;               /* run clock: request sent, body complete */
    double t_last;               /* a trace: when its last bytes arrived */
    uint8_t *body;
    size_t len, cap;
    int rc;
    char msg[1200];
} job;

typedef struct fetcher {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;                    /* the loop and each running thread */
    bool stop;
    double start;                /* the session's monotonic start */
    job *head[NLANES], *tail[NLANES];
    job *running[NLANES];        /* the job each lane's thread is fetching */
    job *done, *done_tail;
    int notify[2];
} fetcher;

typedef struct lane_arg {
    fetcher *f;
    int lane;
} lane_arg;

static void free_jobs(job *j)
{
    while (j) {
        job *next = j->next;
        free(j->body);
        free(j);
        j = next;
    }
}

static void fetcher_free(fetcher *f)
{
    for (int i = 0; i < NLANES; i++) free_jobs(f->head[i]);
    free_jobs(f->done);
    close(f->notify[0]);
    close(f->notify[1]);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* Drop one reference (with the lock held); unlocks. */
static void fetcher_release(fetcher *f)
{
    bool last = --f->refs == 0;
    pthread_mutex_unlock(&f->mu);
    if (last) fetcher_free(f);
}

/* A trace is read as a stream, appended to j->body under the lock as it
 * arrives: a download cut off (the program exits, collection ends) keeps
 * the bytes that arrived, and the loop can copy them while it still runs. */
static int fetch_trace(fetcher *f, job *j, gmd_err *e)
{
    int fd;
    gmd_http_stream *st = gmd_http_stream_open(j->url, j->timeout, j->max_bytes, &fd, e);
    if (!st) return -1;
    uint8_t *buf = gmd_xmalloc(64 << 10);
    for (;;) {
        ssize_t n = read(fd, buf, 64 << 10);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pthread_mutex_lock(&f->mu);
        if (j->len + (size_t)n > j->cap) {
            j->cap = (j->len + (size_t)n) * 2;
            j->body = gmd_xrealloc(j->body, j->cap);
        }
        memcpy(j->body + j->len, buf, (size_t)n);
        j->len += (size_t)n;
        j->t_last = now_mono() - f->start;
        pthread_mutex_unlock(&f->mu);
    }
    free(buf);
    int rc = gmd_http_stream_close(st, e);
    if (rc == 0 && !j->body) j->body = gmd_xmalloc(1);
    return rc;
}

static void *lane_main(void *arg)
{
    lane_arg a = *(lane_arg *)arg;
    free(arg);
    fetcher *f = a.f;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->stop && !f->head[a.lane]) pthread_cond_wait(&f->cv, &f->mu);
        if (f->stop) break;
        job *j = f->head[a.lane];
        f->head[a.lane] = j->next;
        if (!f->head[a.lane]) f->tail[a.lane] = NULL;
        j->next = NULL;
        j->t0 = now_mono() - f->start;
        f->running[a.lane] = j;
        pthread_mutex_unlock(&f->mu);

        gmd_err e;
        gmd_err_clear(&e);
        if (a.lane == LANE_TRACE) j->rc = fetch_trace(f, j, &e);
        else j->rc = gmd_http_get(j->url, j->timeout, j->max_bytes, &j->body, &j->len, NULL, 0, &e);
        j->t1 = now_mono() - f->start;
        if (j->rc < 0) {
            gmd_err_set_source(&e, j->url);
            gmd_err_str(&e, j->msg, sizeof j->msg);
        }

        pthread_mutex_lock(&f->mu);
        f->running[a.lane] = NULL;
        if (f->stop) {   /* abandoned meanwhile: nobody wants it */
            free_jobs(j);
            break;
        }
        if (f->done_tail) f->done_tail->next = j;
        else f->done = j;
        f->done_tail = j;
        (void)!write(f->notify[1], "", 1);
    }
    fetcher_release(f);
    lanes_running--;
    return NULL;
}

void gmd_collect_quiesce(double max_sec)
{
    double until = now_mono() + max_sec;
    while (lanes_running > 0 && now_mono() < until) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static fetcher *fetcher_start(double start, gmd_err *err)
{
    fetcher *f = gmd_xcalloc(1, sizeof *f);
    f->start = start;
    gmd_http_abort = 0;
    if (pipe2(f->notify, O_CLOEXEC | O_NONBLOCK) < 0) {
        gmd_errf(err, "pipe: %s", strerror(errno));
        free(f);
        return NULL;
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->refs = 1;
    /* Signals go to the loop's thread: the threads start with them blocked. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT), sigaddset(&block, SIGTERM), sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGCHLD), sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int started = 0, rc = 0;
    for (int i = 0; i < NLANES; i++) {
        lane_arg *a = gmd_xmalloc(sizeof *a);
        *a = (lane_arg){f, i};
        pthread_t th;
        pthread_mutex_lock(&f->mu);
        f->refs++;
        pthread_mutex_unlock(&f->mu);
        lanes_running++;
        if ((rc = pthread_create(&th, &attr, lane_main, a)) != 0) {
            lanes_running--;
            pthread_mutex_lock(&f->mu);
            f->refs--;
            pthread_mutex_unlock(&f->mu);
            free(a);
            break;
        }
        started++;
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started < NLANES) {
        gmd_errf(err, "cannot start a fetch thread: %s", strerror(rc));
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_broadcast(&f->cv);
        fetcher_release(f);
        return NULL;
    }
    return f;
}

static void fetcher_push(fetcher *f, job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&f->mu);
    if (f->tail[j->lane]) f->tail[j->lane]->next = j;
    else f->head[j->lane] = j;
    f->tail[j->lane] = j;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

/* The finished jobs, oldest first (the caller frees them). */
static job *fetcher_take(fetcher *f)
{
    char b[64];
    while (read(f->notify[0], b, sizeof b) > 0) {}
    pthread_mutex_lock(&f->mu);
    job *j = f->done;
    f->done = f->done_tail = NULL;
    pthread_mutex_unlock(&f->mu);
    return j;
}

/* Stop waiting for anything: queued jobs are dropped, running transfers
 * are aborted (libcurl checks within a second) and their results dropped. */
static void fetcher_abandon(fetcher *f)
{
    gmd_http_abort = 1;
    pthread_mutex_lock(&f->mu);
    f->stop = true;
    pthread_cond_broadcast(&f->cv);
    fetcher_release(f);
}

/* ------------------------------------------------------------- the session */

typedef struct stream {
    int fd;              /* -1 when closed */
    bool is_stderr;
    char *buf;
    size_t len;
} stream;

/* A gctrace line read before we know whose it is. */
typedef struct held_line {
    double t, boot;
    int64_t wall;
    char *text;
    size_t len;
} held_line;

typedef struct exe_seen {
    dev_t dev;
    ino_t ino;
    gmd_exe_kind kind;
} exe_seen;

enum { EP_UNCHECKED, EP_OK, EP_FOREIGN };

typedef struct session {
    const gmd_collect_opts *o;
    gmd_bundle_writer *w;
    gmd_collect_result *r;
    gmd_err *err;
    double start;
    char base[1024];
    stream out, errs;
    pid_t child, pgid;
    bool child_alive;
    bool subreaper;
    int gcfd;                     /* watch --gctrace; -1 = none */
    bool gc_regular;              /* a regular file (else a FIFO, device, ...: polled) */
    off_t gc_off;                 /* regular: how far it was read */
    dev_t gc_dev;                 /* ... and which file it is (a rotated log is a new one) */
    ino_t gc_ino;
    double gc_quiet_until;        /* non-regular: not polled until then (at EOF, or after a
                                   * full chunk: /dev/zero must not spin the loop) */
    bool gc_skip;                 /* dropping the rest of an overlong line */
    char *gcbuf;
    size_t gclen;
    bool failed;                  /* a bundle write failed: stop */

    /* The observed process (run: chosen from the tree; watch: --pid). */
    bool found;                   /* one is chosen; the duration counts from found_at */
    double found_at, obs_since, last_scan;
    double next;                  /* the next round, on the clock that starts at found_at */
    int obs_pid;
    uint64_t obs_ticks;
    double obs_start;             /* seconds since boot */
    gmd_exe_kind obs_kind;
    bool mixed;                   /* other Go processes write to the same stderr */
    uint64_t obs_last_n;          /* its last GC cycle number seen */
    bool last_gc_ok;              /* the last cycle line was its own */
    held_line *held;
    size_t nheld;
    held_line pending;            /* a "GC forced" line: belongs with the next cycle line */
    exe_seen seen[64];
    uint32_t nseen;

    /* The --pprof endpoint. */
    int ep_port;
    bool ep_local;
    int ep_state;
    uint32_t heap_fetches;
    uint32_t gor_rounds;          /* rounds that could take a goroutine profile */
    double gor_slow_sec;          /* GMD_GOROUTINE_SLOW_SEC or its override */

    /* Fetches (see "fetch threads"). */
    fetcher *fx;                  /* started at the first fetch */
    uint32_t busy[NLANES];        /* jobs queued or running per lane */
    double busy_since[NLANES];    /* when the lane last went from idle to busy */
    char busy_url[NLANES][1400];  /* ... its first request, for messages */
    bool curl_ready;              /* a fetch has returned: libcurl is loaded (its lazy
                                   * loading must not race between the threads) */
    bool final_queued;            /* the last round's fetches were sent */
    uint32_t round_no, last_measured;
    double next_trace;            /* active clock */
} session;

static double elapsed(const session *s) { return now_mono() - s->start; }

static void emit_at(session *s, gmd_collect_event *ev, double t)
{
    ev->t = t;
    if (s->o->on_event) s->o->on_event(s->o->ctx, ev);
}

static void emit(session *s, gmd_collect_event *ev) { emit_at(s, ev, elapsed(s)); }

static void notice(session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(session *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gmd_collect_event ev = {.kind = GMD_EV_NOTICE, .msg = msg};
    emit(s, &ev);
}

static void exe_path(int pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t n = readlink(path, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
}

static void gcline_at(session *s, double t, int64_t wall, const char *line, size_t len)
{
    if (s->failed) return;
    if (gmd_bundle_add_gcline(s->w, t, wall, line, len, s->err) < 0) {
        s->failed = true;
        return;
    }
    s->r->ngclines++;
    gmd_collect_event ev = {.kind = GMD_EV_GCLINE, .data = (const uint8_t *)line, .len = len};
    emit(s, &ev);
}

static void drop_pending(session *s)
{
    if (!s->pending.text) return;
    free(s->pending.text);
    s->pending.text = NULL;
    s->r->gclines_dropped++;
}

/* Is this line the observed process's? With one Go process in the tree all
 * are. Otherwise a cycle line "gc N @Ts" was written by a process that
 * started T seconds before it arrived (or earlier, if it waited in the
 * pipe): the compiler and the go tool started before the program, so their
 * lines look older than it, and their cycle numbers do not continue its
 * sequence. Other lines go with the cycle line around them. */
static void judge(session *s, double t, int64_t wall, double boot, const char *line, size_t len)
{
    uint64_t n;
    double T;
    bool cycle = gmd_gctrace_cycle(line, len, &n, &T);
    if (!s->mixed) {
        if (cycle && n > s->obs_last_n) s->obs_last_n = n;
        gcline_at(s, t, wall, line, len);
        return;
    }
    if (cycle) {
        bool ok = boot - T >= s->obs_start - ORIGIN_SLACK_SEC && n > s->obs_last_n;
        s->last_gc_ok = ok;
        if (ok) {
            s->obs_last_n = n;
            if (s->pending.text) {
                gcline_at(s, s->pending.t, s->pending.wall, s->pending.text, s->pending.len);
                free(s->pending.text);
                s->pending.text = NULL;
            }
            gcline_at(s, t, wall, line, len);
        } else {
            drop_pending(s);
            s->r->gclines_dropped++;
        }
        return;
    }
    if (len >= 9 && !memcmp(line, "GC forced", 9)) {
        drop_pending(s);
        s->pending = (held_line){.t = t, .boot = boot, .wall = wall, .text = gmd_xmalloc(len + 1), .len = len};
        memcpy(s->pending.text, line, len);
        return;
    }
    if (s->last_gc_ok) gcline_at(s, t, wall, line, len);
    else s->r->gclines_dropped++;
}

/* Whose lines these are cannot be told yet: no process is chosen, or the
 * chosen one is no Go program while the toolchain writes to stderr. */
static bool holding(const session *s)
{
    return s->o->argv && (!s->found || (s->mixed && s->obs_kind != GMD_EXE_GO_PROGRAM));
}

static void gcline(session *s, const char *line, size_t len)
{
    double t = elapsed(s), boot = gmd_boot_now();
    int64_t wall = now_wall_ns();
    if (!holding(s)) {
        judge(s, t, wall, boot, line, len);
        return;
    }
    if (s->nheld >= MAX_HELD_LINES) {
        s->r->gclines_dropped++;
        return;
    }
    if (!s->held) s->held = gmd_xmalloc(MAX_HELD_LINES * sizeof *s->held);
    held_line *h = &s->held[s->nheld++];
    *h = (held_line){.t = t, .boot = boot, .wall = wall, .text = gmd_xmalloc(len + 1), .len = len};
    memcpy(h->text, line, len);
}

static void release_held(session *s, bool judge_them)
{
    if (judge_them && holding(s)) return;
    for (size_t i = 0; i < s->nheld; i++) {
        held_line *h = &s->held[i];
        if (judge_them) judge(s, h->t, h->wall, h->boot, h->text, h->len);
        else s->r->gclines_dropped++;
        free(h->text);
    }
    s->nheld = 0;
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

/* --gctrace bytes into lines; a line longer than LINE_BUF is dropped whole
 * and counted (it is no gctrace line, and /dev/zero has no newlines). */
static void gclog_bytes(session *s, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        if (!s->gc_skip && s->gclen + k <= LINE_BUF) {
            memcpy(s->gcbuf + s->gclen, p, k);
            s->gclen += k;
        } else {
            if (!s->gc_skip) s->r->gclines_too_long++;
            s->gc_skip = true;
            s->gclen = 0;
        }
        if (!nl) return;
        if (!s->gc_skip && gmd_is_gctrace_line(s->gcbuf, s->gclen)) gcline_at(s, elapsed(s), now_wall_ns(), s->gcbuf, s->gclen);
        s->gc_skip = false;
        s->gclen = 0;
        p += k + 1;
        n -= k + 1;
    }
}

/* The log was rotated (FILE now names another regular file): once the old
 * one is read to its end, follow the new one from its start, as tail -F. */
static void gclog_rotated(session *s)
{
    struct stat st;
    if (stat(s->o->gctrace_file, &st) < 0 || !S_ISREG(st.st_mode) ||
        (st.st_dev == s->gc_dev && st.st_ino == s->gc_ino))
        return;
    int fd = open(s->o->gctrace_file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    close(s->gcfd);
    s->gcfd = fd;
    s->gc_dev = st.st_dev;
    s->gc_ino = st.st_ino;
    s->gc_off = 0;
    s->gclen = 0;   /* the old file's unfinished last line stays unfinished */
    s->gc_skip = false;
}

/* watch --gctrace FILE: read what arrived since the last call, in bounded
 * chunks and never blocking (the descriptor is non-blocking). A regular
 * file is read from where we were, from its start again when it shrank
 * (truncated in place), and a new file at its path after rotation; a FIFO
 * or device is read once per wake-up and rested after EOF (no writer) or a
 * full chunk (an endless source). */
static void follow_gclog(session *s, bool readable)
{
    if (s->gcfd < 0) return;
    char *chunk = gmd_xmalloc(GCLOG_CHUNK);
    if (s->gc_regular) {
        struct stat st;
        if (fstat(s->gcfd, &st) == 0 && st.st_size < s->gc_off) {
            s->gc_off = lseek(s->gcfd, 0, SEEK_SET);
            s->gclen = 0;
            s->gc_skip = false;
        }
        bool at_end = false;
        for (int i = 0; i < GCLOG_READS; i++) {
            ssize_t n = read(s->gcfd, chunk, GCLOG_CHUNK);
            if (n > 0) {
                s->gc_off += n;
                gclog_bytes(s, chunk, (size_t)n);
            }
            if (n < GCLOG_CHUNK) {
                at_end = n >= 0;
                break;
            }
        }
        if (at_end) gclog_rotated(s);
    } else if (readable) {
        /* Up to 1 MiB per wake-up, then a 50 ms rest: 20 MB/s for a busy
         * FIFO, a few percent of a CPU for /dev/zero. */
        for (int i = 0; i < GCLOG_READS; i++) {
            ssize_t n = read(s->gcfd, chunk, GCLOG_CHUNK);
            if (n > 0) gclog_bytes(s, chunk, (size_t)n);
            if (n == 0) s->gc_quiet_until = now_mono() + 0.2;
            else if (n < 0 && errno != EAGAIN && errno != EINTR) s->gc_quiet_until = now_mono() + 1.0;
            if (n < GCLOG_CHUNK) break;
            if (i == GCLOG_READS - 1) s->gc_quiet_until = now_mono() + 0.05;
        }
    }
    free(chunk);
}

static void note_exit(session *s, int status)
{
    s->child_alive = false;
    s->r->exited = true;
    s->r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

/* As the tree's subreaper we also reap its orphans. */
static void reap(session *s)
{
    if (!s->o->argv) return;
    int status;
    pid_t p;
    while ((p = waitpid(s->subreaper ? -1 : s->child, &status, WNOHANG)) > 0)
        if (p == s->child) note_exit(s, status);
}

/* ------------------------------------------------------ the process to observe */

/* Cached by the executable file, not the pid: a forked shell that then
 * execs the program keeps its pid and start time. */
static gmd_exe_kind exe_kind(session *s, const gmd_proc_ident *p)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/exe", p->pid);
    /* One open file for both the key and the bytes: the process may exec
     * between two looks at /proc/PID/exe. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return GMD_EXE_UNKNOWN;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return GMD_EXE_UNKNOWN;
    }
    for (uint32_t i = 0; i < s->nseen && i < 64; i++)
        if (s->seen[i].dev == st.st_dev && s->seen[i].ino == st.st_ino) {
            close(fd);
            return s->seen[i].kind;
        }
    gmd_exe_kind k = gmd_exe_classify_fd(fd);
    close(fd);
    if (k != GMD_EXE_UNKNOWN) s->seen[s->nseen++ % 64] = (exe_seen){st.st_dev, st.st_ino, k};
    return k;
}

static void choose(session *s, const gmd_proc_ident *p, gmd_exe_kind kind)
{
    bool change = s->found;
    double t = elapsed(s);
    s->obs_pid = p->pid;
    s->obs_ticks = p->start_ticks;
    s->obs_start = gmd_proc_start_sec(p->start_ticks);
    s->obs_kind = kind;
    s->obs_since = t;
    s->obs_last_n = 0;
    s->last_gc_ok = false;
    drop_pending(s);
    if (!s->found) {
        s->found = true;
        s->found_at = t;
        s->next = s->o->interval_sec;
    }
    s->r->observed_pid = p->pid;
    exe_path(p->pid, s->r->observed_exe, sizeof s->r->observed_exe);
    if (change) notice(s, "now observing pid %d (%s), a newer Go program of the command's process tree", p->pid,
                       s->r->observed_exe[0] ? s->r->observed_exe : "?");
    release_held(s, true);
}

/* Look at the child's tree: pick the newest Go program that is not the
 * toolchain. A tree with neither (a shell that has not started anything
 * yet, a non-Go command) is observed through the child itself until a Go
 * program appears; while the toolchain builds one, nothing is sampled and
 * the clock of --duration waits. */
static void scan_tree(session *s)
{
    double t = elapsed(s);
    s->last_scan = t;
    gmd_proc_ident tree[MAX_TREE];
    size_t n = gmd_proc_tree(getpid(), s->pgid, tree, MAX_TREE);
    if (n > MAX_TREE) n = MAX_TREE;
    int best = -1, ngo = 0, child = -1;
    bool toolchain = false, obs_alive = false;
    for (size_t i = 0; i < n; i++) {
        gmd_exe_kind k = exe_kind(s, &tree[i]);
        if (tree[i].pid == s->child) child = (int)i;
        if (s->found && tree[i].pid == s->obs_pid && tree[i].start_ticks == s->obs_ticks) obs_alive = true;
        if (k == GMD_EXE_GO_TOOL) toolchain = true;
        if (k != GMD_EXE_GO_PROGRAM) continue;
        ngo++;
        if (best < 0 || tree[i].start_ticks > tree[best].start_ticks ||
            (tree[i].start_ticks == tree[best].start_ticks && tree[i].pid > tree[best].pid))
            best = (int)i;
    }
    if (toolchain || ngo > 1) s->mixed = true;
    if (toolchain && s->found && s->obs_kind != GMD_EXE_GO_PROGRAM) s->found = false;   /* a build started */
    if (best >= 0) {
        bool newer = tree[best].pid != s->obs_pid || tree[best].start_ticks != s->obs_ticks;
        bool may_change = !s->found || s->obs_kind != GMD_EXE_GO_PROGRAM || !obs_alive || t - s->obs_since < SETTLE_SEC;
        if (newer && may_change) choose(s, &tree[best], GMD_EXE_GO_PROGRAM);
    } else if (!s->found && child >= 0 && !toolchain) {
        choose(s, &tree[child], exe_kind(s, &tree[child]));
    }
}

/* ---------------------------------------------------------- the --pprof endpoint */

static void endpoint_parse(session *s)
{
    const char *p = strstr(s->base, "://");
    p = p ? p + 3 : s->base;
    char host[256];
    size_t h = 0;
    if (*p == '[') {
        p++;
        while (*p && *p != ']' && h < sizeof host - 1) host[h++] = *p++;
        if (*p == ']') p++;
    } else {
        while (*p && *p != ':' && *p != '/' && h < sizeof host - 1) host[h++] = *p++;
    }
    host[h] = '\0';
    s->ep_port = !strncmp(s->base, "https", 5) ? 443 : 80;
    if (*p == ':') s->ep_port = atoi(p + 1);
    s->ep_local = !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1") ||
                  !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !host[0];
}

/* Is --pprof served by the process tree we observe? Its listening socket
 * (from /proc/net/tcp*) must be among the tree's descriptors; a server left
 * on the port by an earlier run would otherwise be read without a word. */
static bool endpoint_ok(session *s)
{
    if (s->ep_state == EP_OK || s->o->force_endpoint || !s->ep_local) return true;
    uint64_t inodes[16];
    size_t n = gmd_tcp_listeners(s->ep_port, inodes, 16);
    if (n > 16) n = 16;
    if (n == 0) return true;   /* nobody listens yet: the fetch fails and says so */
    gmd_proc_ident tree[MAX_TREE];
    size_t nt;
    if (s->o->argv) {
        nt = gmd_proc_tree(getpid(), s->pgid, tree, MAX_TREE);
    } else if (s->o->pid > 0) {
        tree[0].pid = s->o->pid;
        nt = 1 + gmd_proc_tree(s->o->pid, 0, tree + 1, MAX_TREE - 1);
    } else {
        return true;   /* watch without --pid: nothing to compare with */
    }
    if (nt > MAX_TREE) nt = MAX_TREE;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < nt; j++)
            if (gmd_proc_has_socket(tree[j].pid, inodes[i])) {
                s->ep_state = EP_OK;
                return true;
            }
    if (s->ep_state != EP_FOREIGN) {
        int owner = gmd_socket_owner(inodes[0]);
        char exe[256] = "";
        if (owner > 0) exe_path(owner, exe, sizeof exe);
        s->r->endpoint_foreign = true;
        s->r->endpoint_owner = owner;
        char who[400];
        if (owner > 0) snprintf(who, sizeof who, "pid %d (%s)", owner, exe[0] ? exe : "?");
        else snprintf(who, sizeof who, "a process gmd cannot see");
        notice(s, "WARNING: port %d of %s is served by %s, not by %s: not reading it (a stale server? "
                  "stop it, or pass --force to read it anyway)",
               s->ep_port, s->base, who, s->o->argv ? "the program gmd started" : "the --pid process");
    }
    s->ep_state = EP_FOREIGN;
    return false;
}

/* ------------------------------------------------------------------- sampling */

static void mark_measured(session *s, uint32_t round)
{
    if (round <= s->last_measured) return;
    s->last_measured = round;
    s->r->measured_rounds++;
}

/* Hand a request to a lane's thread. */
static void queue_fetch(session *s, int lane, const char *name, const char *query, int debug, bool forced_gc,
                        double timeout, uint64_t max_bytes)
{
    if (!s->fx && !(s->fx = fetcher_start(s->start, s->err))) {
        s->failed = true;
        return;
    }
    job *j = gmd_xcalloc(1, sizeof *j);
    j->lane = lane;
    snprintf(j->url, sizeof j->url, "%s/%s%s", s->base, name, query);
    snprintf(j->name, sizeof j->name, "%s", name);
    j->debug = debug;
    j->forced_gc = forced_gc;
    j->round = s->round_no;
    j->timeout = timeout;
    j->max_bytes = max_bytes;
    if (s->busy[lane]++ == 0) {
        s->busy_since[lane] = elapsed(s);
        snprintf(s->busy_url[lane], sizeof s->busy_url[lane], "%s", j->url);
    }
    fetcher_push(s->fx, j);
}

/* A trace download cut off (the program exited, collection ended): kept up
 * to its last complete generation when the reader accepts the bytes that
 * arrived (the analyses read it as a cut trace, "partial" in the index),
 * else dropped and counted as failed. */
static void keep_partial_trace(session *s, double t0, double t_end, const uint8_t *data, size_t len,
                               const char *why)
{
    gmd_err e;
    gmd_err_clear(&e);
    uint64_t gens = 0;
    int rc = -1;
    gmd_trace_reader *rd = len ? gmd_trace_open_mem(data, len, "trace", false, &e) : NULL;
    if (rd) {
        gmd_trace_set_threaded(rd, false);
        gmd_trace_event ev;
        while ((rc = gmd_trace_next(rd, &ev, &e)) == 1) {}
        gens = gmd_trace_generations(rd);
        gmd_trace_close(rd);
    }
    if (rc != 0 || gens == 0) {
        s->r->traces_failed++;
        snprintf(s->r->last_trace_error, sizeof s->r->last_trace_error,
                 "%.300s; the %zu bytes that arrived hold no complete generation (dropped)", why, len);
        return;
    }
    int64_t wall = s->r->start_wall_ns + (int64_t)(t0 * 1e9);
    if (gmd_bundle_add_trace_partial(s->w, t0, wall, t_end > t0 ? t_end : t0, data, len, s->err) < 0) {
        s->failed = true;
        return;
    }
    s->r->traces++;
    s->r->traces_partial++;
    gmd_collect_event ev = {.kind = GMD_EV_TRACE, .name = "trace", .data = data, .len = len};
    emit_at(s, &ev, t0);
}

/* A proto goroutine profile costs the program a walk over every goroutine's
 * stack (debug=2 one more, and text for each): with hundreds of thousands
 * the fetch outlasts the interval and whole rounds go without profiles.
 * So a slow one thins goroutine profiles to what half the interval allows;
 * the heap profile stays every round. */
static void goroutine_cost(session *s, const job *j)
{
    gmd_err e;
    gmd_err_clear(&e);
    const uint8_t *data = j->body;
    size_t len = j->len;
    uint8_t *plain = NULL;
    if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {   /* the runtime gzips its protos */
        if (gmd_gunzip(data, len, 0, MAX_PROFILE_BYTES, &plain, &len, &e) < 0) len = 0;
        data = plain;
    }
    gmd_profile *p = len ? gmd_profile_parse(data, len, &e) : NULL;
    if (p) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < p->nsamples; i++)
            if (p->nsample_types && p->samples[i].values[0] > 0) n += (uint64_t)p->samples[i].values[0];
        if (n > s->r->goroutines_max) s->r->goroutines_max = n;
        gmd_profile_free(p);
    }
    free(plain);
    double took = j->t1 - j->t0, interval = s->o->interval_sec;
    if (took > s->r->goroutine_fetch_max) s->r->goroutine_fetch_max = took;
    if (s->gor_slow_sec > 0 && (took < s->gor_slow_sec || took * 2 <= interval)) return;
    double every = ceil(took * 2 / interval);
    uint32_t k = every < 2 ? 2 : every > 60 ? 60 : (uint32_t)every;
    if (k > s->r->goroutine_every) s->r->goroutine_every = k;
}

/* A finished fetch, back on the loop's thread: into the bundle, stamped
 * with the time its request was sent (when the runtime took the profile). */
static void fetch_done(session *s, job *j)
{
    s->busy[j->lane]--;
    if (j->lane == LANE_PROFILE) s->curl_ready = true;
    if (s->failed) return;
    int64_t wall = s->r->start_wall_ns + (int64_t)(j->t0 * 1e9);
    if (j->lane == LANE_TRACE) {
        if (j->rc < 0 && j->len) {
            keep_partial_trace(s, j->t0, j->t_last, j->body, j->len, j->msg);
        } else if (j->rc < 0) {
            s->r->traces_failed++;
            snprintf(s->r->last_trace_error, sizeof s->r->last_trace_error, "%.*s",
                     (int)sizeof s->r->last_trace_error - 1, j->msg);
        } else if (gmd_bundle_add_trace(s->w, j->t0, wall, j->t1, j->body, j->len, s->err) < 0) {
            s->failed = true;
        } else {
            s->r->traces++;
            gmd_collect_event ev = {.kind = GMD_EV_TRACE, .name = "trace", .data = j->body, .len = j->len};
            emit_at(s, &ev, j->t0);
        }
        return;
    }
    if (j->rc < 0) {
        s->r->fetch_errors++;
        snprintf(s->r->last_fetch_error, sizeof s->r->last_fetch_error, "%.*s",
                 (int)sizeof s->r->last_fetch_error - 1, j->msg);
        gmd_collect_event ev = {.kind = GMD_EV_FETCH_ERROR, .name = j->name, .msg = j->msg};
        emit_at(s, &ev, j->t0);
        return;
    }
    if (gmd_bundle_add_profile_gc(s->w, j->t0, wall, j->name, j->debug, j->forced_gc, j->body, j->len, s->err) < 0) {
        s->failed = true;
        return;
    }
    s->r->nprofiles++;
    if (j->forced_gc) s->r->gc_forced++;
    if (!strcmp(j->name, "goroutine") && j->debug == 0) goroutine_cost(s, j);
    mark_measured(s, j->round);
    gmd_collect_event ev = {.kind = GMD_EV_PROFILE, .name = j->name, .debug = j->debug, .data = j->body, .len = j->len};
    emit_at(s, &ev, j->t0);
}

static void take_results(session *s)
{
    if (!s->fx) return;
    job *j = fetcher_take(s->fx);
    while (j) {
        job *next = j->next;
        fetch_done(s, j);
        free(j->body);
        free(j);
        j = next;
    }
}

/* At the end: what still runs is given up on, and said so. */
static void abandon_fetches(session *s)
{
    if (!s->fx) return;
    take_results(s);
    double t = elapsed(s);
    if (s->busy[LANE_PROFILE]) {
        s->r->fetch_errors += s->busy[LANE_PROFILE];
        snprintf(s->r->last_fetch_error, sizeof s->r->last_fetch_error,
                 "%.300s: no answer after %.1f s (abandoned when collection ended)", s->busy_url[LANE_PROFILE],
                 t - s->busy_since[LANE_PROFILE]);
    }
    if (s->busy[LANE_TRACE]) {
        /* The trace downloading now: what has arrived may be kept. */
        uint8_t *got = NULL;
        size_t n = 0;
        double t0 = 0, t_last = 0;
        pthread_mutex_lock(&s->fx->mu);
        job *j = s->fx->running[LANE_TRACE];
        if (j && j->len) {
            got = gmd_xmalloc(j->len);
            memcpy(got, j->body, j->len);
            n = j->len, t0 = j->t0, t_last = j->t_last;
        }
        pthread_mutex_unlock(&s->fx->mu);
        char why[600];
        snprintf(why, sizeof why, "%.300s: not complete after %.1f s (abandoned when collection ended)",
                 s->busy_url[LANE_TRACE], t - s->busy_since[LANE_TRACE]);
        uint32_t cut = s->busy[LANE_TRACE];
        if (got && !s->failed) {
            keep_partial_trace(s, t0, t_last, got, n, why);
            cut--;
        }
        free(got);
        if (cut) {
            s->r->traces_failed += cut;
            snprintf(s->r->last_trace_error, sizeof s->r->last_trace_error, "%.*s",
                     (int)sizeof s->r->last_trace_error - 1, why);
        }
    }
    s->busy[LANE_PROFILE] = s->busy[LANE_TRACE] = 0;
    fetcher_abandon(s->fx);
    s->fx = NULL;
}

/* What sample_memory emits goes into the bundle like a fetched profile. */
static void memory_emit(void *ctx, const gmd_collect_event *in)
{
    session *s = ctx;
    if (in->kind != GMD_EV_PROFILE || !in->name || s->failed) return;
    double t = elapsed(s);
    if (gmd_bundle_add_profile(s->w, t, s->r->start_wall_ns + (int64_t)(t * 1e9), in->name, in->debug, in->data,
                               in->len, s->err) < 0) {
        s->failed = true;
        return;
    }
    s->r->nprofiles++;
    gmd_collect_event ev = *in;
    emit(s, &ev);
}

static void sample_round(session *s, bool final)
{
    uint32_t round = ++s->round_no;
    uint32_t profiles_before = s->r->nprofiles;
    int pid = s->o->argv ? (s->found ? s->obs_pid : 0) : s->o->pid;
    if (pid > 0) {
        gmd_proc_stats st;
        gmd_err perr;
        gmd_err_clear(&perr);
        if (gmd_proc_read(pid, &st, &perr) == 0) {
            double t = elapsed(s);
            if (gmd_bundle_add_proc(s->w, t, now_wall_ns(), &st, s->err) < 0) s->failed = true;
            s->r->nproc++;
            mark_measured(s, round);
            gmd_collect_event ev = {.kind = GMD_EV_PROC, .proc = &st};
            emit(s, &ev);
        } else if (!s->o->argv) {
            /* watch --pid: the process is gone; nothing more to watch. */
            s->r->exited = s->r->exited_by_itself = true;
        }
    }
    if (s->base[0] && !s->failed && endpoint_ok(s)) {
        if (s->busy[LANE_PROFILE]) {
            /* The endpoint still answers (or hangs on) an earlier round:
             * queueing more would only pile up behind it. */
            s->r->fetches_skipped++;
        } else {
            /* A forced GC costs the program a full cycle: only on the first
             * round, the last and every Nth; the others read the profile as
             * of the last GC, which is what the runtime publishes anyway. */
            uint32_t every = s->o->heap_gc_every ? s->o->heap_gc_every : GMD_HEAP_GC_EVERY;
            bool gc = s->o->heap_gc && (final || s->heap_fetches % every == 0);
            s->heap_fetches++;
            double timeout = s->o->interval_sec * 4 > 10 ? s->o->interval_sec * 4 : 10;
            queue_fetch(s, LANE_PROFILE, "heap", gc ? "?gc=1" : "", 0, gc, timeout, MAX_PROFILE_BYTES);
            uint32_t gevery = s->r->goroutine_every > 1 ? s->r->goroutine_every : 1;
            if (final || s->gor_rounds++ % gevery == 0)
                queue_fetch(s, LANE_PROFILE, "goroutine", "", 0, false, timeout, MAX_PROFILE_BYTES);
            else
                s->r->goroutine_rounds_thinned++;
            for (uint32_t i = 0; i < s->o->nextra; i++)
                queue_fetch(s, LANE_PROFILE, s->o->extra_profiles[i], "", 0, false, timeout, MAX_PROFILE_BYTES);
            /* States and wait reasons only exist in the debug=2 text: take
             * it once, at the end, since it stops the world for every
             * goroutine; not at all when goroutines are that many or slow. */
            bool heavy = s->r->goroutine_every > 1 || s->r->goroutines_max > GMD_DEBUG2_MAX_GOROUTINES;
            if (final && heavy) s->r->debug2_skipped = true;
            if (final && !heavy)
                queue_fetch(s, LANE_PROFILE, "goroutine", "?debug=2", 2, false, timeout, MAX_PROFILE_BYTES);
            if (final) s->final_queued = true;
        }
    }
    if (s->o->sample_memory && pid > 0 && !s->failed) {
        if (s->o->sample_memory(s->o->memory_ctx, pid, elapsed(s), memory_emit, s) < 0) s->r->fetch_errors++;
    }
    if (s->r->nprofiles > profiles_before) mark_measured(s, round);
    s->r->rounds++;
    gmd_collect_event ev = {.kind = GMD_EV_ROUND, .rounds = s->r->rounds};
    emit(s, &ev);
}

static double trace_seconds(const session *s)
{
    return s->o->trace_seconds > 0 ? s->o->trace_seconds : GMD_TRACE_SECONDS;
}

/* Traces: once libcurl is loaded, one at a time, every trace_every_sec, and
 * none that would still run at --duration (it would be cut off). Returns
 * the seconds until the next one is due (a large number when none is). */
static double maybe_trace(session *s, double active)
{
    if (!s->base[0] || s->o->trace_every_sec <= 0 || !s->found || !s->curl_ready || s->failed ||
        s->busy[LANE_TRACE] || s->ep_state == EP_FOREIGN)
        return 3600;
    double secs = trace_seconds(s);
    if (s->o->duration_sec > 0 && active + secs > s->o->duration_sec) return 3600;
    if (active < s->next_trace) return s->next_trace - active;
    char query[64];
    snprintf(query, sizeof query, "?seconds=%g", secs);
    queue_fetch(s, LANE_TRACE, "trace", query, 0, false, secs + 30, MAX_TRACE_BYTES);
    s->next_trace = active + s->o->trace_every_sec;
    return s->o->trace_every_sec;
}

/* Wait up to `secs` for input, signals, the child or a fetch; returns the signal seen (0 = none). */
static int pump(session *s, double secs)
{
    struct pollfd fds[5];
    int nfds = 0;
    fds[nfds++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
    int fx = -1, gc = -1;
    if (s->fx) {
        fx = nfds;
        fds[nfds++] = (struct pollfd){.fd = s->fx->notify[0], .events = POLLIN};
    }
    if (s->gcfd >= 0 && !s->gc_regular && now_mono() >= s->gc_quiet_until) {
        gc = nfds;
        fds[nfds++] = (struct pollfd){.fd = s->gcfd, .events = POLLIN};
    }
    int io = nfds;
    if (s->out.fd >= 0) fds[nfds++] = (struct pollfd){.fd = s->out.fd, .events = POLLIN};
    if (s->errs.fd >= 0) fds[nfds++] = (struct pollfd){.fd = s->errs.fd, .events = POLLIN};
    if (s->gcfd >= 0 && secs > 0.2) secs = 0.2;   /* a regular file is read at each wake-up; a rest ends */
    int ms = secs <= 0 ? 0 : (int)(secs * 1000.0 + 0.999);
    int rc = poll(fds, (nfds_t)nfds, ms);
    int sig = 0;
    bool gc_ready = false;
    if (rc > 0) {
        if (fds[0].revents & POLLIN) {
            unsigned char b[16];
            ssize_t n = read(sig_pipe[0], b, sizeof b);
            for (ssize_t i = 0; i < n; i++)
                if (b[i] != SIGCHLD) sig = b[i];
        }
        if (fx >= 0 && fds[fx].revents) take_results(s);
        gc_ready = gc >= 0 && fds[gc].revents;
        for (int i = io; i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            read_stream(s, fds[i].fd == s->out.fd ? &s->out : &s->errs);
        }
    }
    follow_gclog(s, gc_ready);
    reap(s);
    return sig;
}

static size_t tree_count(session *s)
{
    gmd_proc_ident tree[MAX_TREE];
    return gmd_proc_tree(getpid(), s->pgid, tree, MAX_TREE);
}

/* Stop the whole tree: SIGINT to the group first (what Ctrl-C would send;
 * Go programs exit on it unless they handle it for a clean shutdown; `go
 * run` ignores it and waits for its program), then SIGTERM, then SIGKILL,
 * which also goes to any process of the tree that left the group. */
static void stop_tree(session *s, int first_signal)
{
    static const int ladder[3] = {SIGINT, SIGTERM, SIGKILL};
    int step = 0;
    while (step < 3 && ladder[step] != first_signal) step++;
    if (step == 3) step = 0;
    for (; step < 3; step++) {
        if (!s->child_alive && tree_count(s) == 0) break;
        kill(-s->pgid, ladder[step]);
        if (ladder[step] == SIGKILL) {
            gmd_proc_ident tree[MAX_TREE];
            size_t n = gmd_proc_tree(getpid(), s->pgid, tree, MAX_TREE);
            for (size_t i = 0; i < n && i < MAX_TREE; i++) kill(tree[i].pid, SIGKILL);
        }
        double deadline = now_mono() + STOP_GRACE_SEC;
        bool gone = false;
        while (!gone && now_mono() < deadline) {
            int sig = pump(s, 0.1);
            gone = !s->child_alive && tree_count(s) == 0;
            if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) break;   /* impatient user: escalate */
        }
        if (gone) break;
    }
    /* Reap the last ones; the group must be empty (kill(-pgid, 0) fails). */
    double deadline = now_mono() + 2.0;
    while ((s->child_alive || kill(-s->pgid, 0) == 0) && now_mono() < deadline) pump(s, 0.05);
    if (s->child_alive) {
        int status;
        if (waitpid(s->child, &status, 0) == s->child) note_exit(s, status);
    }
    s->r->left_running = tree_count(s) > 0;
}

/* GODEBUG for the child: gctrace, and memprofilerate unless asked not to. */
static void child_godebug(const gmd_collect_opts *o, gmd_collect_result *r, char *buf, size_t size)
{
    const char *cur = getenv("GODEBUG");
    gmd_godebug_with_gctrace(cur, buf, size, &r->user_gctrace);
    long env_rate = gmd_godebug_memprofilerate(cur);
    long set = 0;
    if (o->memprofilerate > 0) set = o->memprofilerate;
    else if (o->memprofilerate < 0 && env_rate < 0) set = GMD_DEFAULT_MEMPROFILERATE;
    if (set > 0) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, ",memprofilerate=%ld", set);   /* the last setting wins */
        r->memprofilerate = set;
    } else if (env_rate >= 0) {
        r->memprofilerate = env_rate;
        r->memprofilerate_user = true;
    } else {
        r->memprofilerate = GMD_GO_MEMPROFILERATE;
    }
}

/* watch --gctrace: opened once, non-blocking (a FIFO without a writer must
 * not hang the open), and followed from its end when it is a regular file. */
static int open_gclog(session *s, const char *path, gmd_err *err)
{
    s->gcfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (s->gcfd < 0) return gmd_errf(err, "%s: cannot read: %s", path, strerror(errno));
    struct stat st;
    if (fstat(s->gcfd, &st) < 0 || S_ISDIR(st.st_mode)) {
        int e = errno;
        close(s->gcfd);
        s->gcfd = -1;
        return gmd_errf(err, "%s: cannot read: %s", path, S_ISDIR(st.st_mode) ? "is a directory" : strerror(e));
    }
    s->gc_regular = S_ISREG(st.st_mode);
    if (s->gc_regular) s->gc_off = lseek(s->gcfd, 0, SEEK_END);   /* follow from now, like tail -f */
    s->gc_dev = st.st_dev;
    s->gc_ino = st.st_ino;
    s->gcbuf = gmd_xmalloc(LINE_BUF);
    return 0;
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
    s.gcfd = -1;
    s.out = (stream){.fd = -1};
    s.errs = (stream){.fd = -1, .is_stderr = true};
    r->goroutine_every = 1;
    s.gor_slow_sec = GMD_GOROUTINE_SLOW_SEC;
    const char *slow = getenv("GMD_GOROUTINE_SLOW_SEC");
    if (slow && *slow) {
        char *end;
        double v = strtod(slow, &end);
        if (!*end && v >= 0 && v < 1e6) s.gor_slow_sec = v;
    }
    if (o->pprof_url && o->pprof_url[0]) {
        gmd_pprof_base(o->pprof_url, s.base, sizeof s.base);
        endpoint_parse(&s);
    }
    if (o->gctrace_file && open_gclog(&s, o->gctrace_file, err) < 0) return -1;

    saved_signals saved;
    if (install_signals(&saved, err) < 0) {
        if (s.gcfd >= 0) close(s.gcfd);
        free(s.gcbuf);
        return -1;
    }
    int rc = 0;
    s.start = now_mono();
    r->start_wall_ns = now_wall_ns();
    if (o->argv) {
        char godebug[2048];
        child_godebug(o, r, godebug, sizeof godebug);
        char **env = child_env(godebug);
        s.out.buf = gmd_xmalloc(LINE_BUF);
        s.errs.buf = gmd_xmalloc(LINE_BUF);
        /* Orphans of the tree (a daemonising child, a killed `go run`)
         * become ours, so they are still found, signalled and reaped. */
        s.subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
        rc = spawn(o->argv, env, &s.out.fd, &s.errs.fd, &s.child, err);
        /* env[] borrows environ's strings; only our GODEBUG entry is ours. */
        size_t n = 0;
        while (env[n]) n++;
        free(env[n - 1]);
        free(env);
        if (rc < 0) goto out;
        s.child_alive = true;
        s.pgid = s.child;
        r->pid = s.child;
        scan_tree(&s);
    } else {
        s.found = true;
        s.next = o->interval_sec;
        s.obs_pid = o->pid;
        r->observed_pid = o->pid;
        if (o->pid > 0) exe_path(o->pid, r->observed_exe, sizeof r->observed_exe);
    }

    int stop_signal = 0;
    bool final_done = false;
    for (;;) {
        double t = elapsed(&s);
        if (o->argv) {
            double every = !s.found ? SCAN_FAST_SEC : t - s.obs_since < SETTLE_SEC ? SCAN_SETTLE_SEC : o->interval_sec;
            if (t - s.last_scan >= every) scan_tree(&s);
        }
        if (s.failed) break;
        if (o->argv && !s.child_alive) {
            r->exited_by_itself = true;
            break;
        }
        if (!o->argv && r->exited) break;
        double active = s.found ? t - s.found_at : 0;
        bool over = o->duration_sec > 0 && s.found && active >= o->duration_sec;
        /* Rounds at interval, 2 interval, ... and the last one at the
         * duration itself (not an interval before it). */
        if (s.found && (over || active >= s.next)) {
            bool final = over || (o->duration_sec > 0 && s.next >= o->duration_sec - 1e-3);
            sample_round(&s, final);
            if (final) {
                final_done = true;
                break;
            }
            s.next += o->interval_sec;
            active = elapsed(&s) - s.found_at;
            if (s.next < active) s.next = active + o->interval_sec * 0.5;   /* fell behind: don't burst */
            if (o->duration_sec > 0 && s.next > o->duration_sec) s.next = o->duration_sec;
            continue;
        }
        double wait = s.found ? s.next - active : 1.0;
        if (o->duration_sec > 0 && s.found && o->duration_sec - active < wait) wait = o->duration_sec - active;
        if (s.found) {
            double tr = maybe_trace(&s, active);
            if (tr < wait) wait = tr;
        }
        if (o->argv) {
            double every = !s.found ? SCAN_FAST_SEC : t - s.obs_since < SETTLE_SEC ? SCAN_SETTLE_SEC : o->interval_sec;
            double scan_in = s.last_scan + every - t;
            if (scan_in < wait) wait = scan_in;
        }
        int sig = pump(&s, wait);
        if (sig) {
            stop_signal = sig;
            r->interrupted = true;
            break;
        }
    }

    /* The last round's fetches, and a trace about to complete, may still
     * arrive; a hung endpoint (whose requests never left the queue) costs
     * nothing here, and Ctrl-C ends the wait. */
    if (s.fx && !r->interrupted && !s.failed) {
        double t0 = now_mono();
        for (;;) {
            double waited = now_mono() - t0;
            bool want_p = final_done && s.final_queued && s.busy[LANE_PROFILE] && waited < FINAL_WAIT_SEC;
            bool want_t = s.busy[LANE_TRACE] && waited < TRACE_WAIT_SEC;
            if (!want_p && !want_t) break;
            int sig = pump(&s, 0.1);
            if (sig) {
                stop_signal = sig;
                r->interrupted = true;
                break;
            }
        }
    }
    abandon_fetches(&s);
    if (s.failed) rc = -1;

    if (o->argv) {
        if (s.child_alive || tree_count(&s) > 0) {
            gmd_collect_event ev = {.kind = GMD_EV_STOPPING,
                                    .msg = r->interrupted ? "interrupted: stopping the program (SIGINT)"
                                                          : "collection done: stopping the program (SIGINT)"};
            emit(&s, &ev);
            stop_tree(&s, stop_signal ? stop_signal : SIGINT);
        }
        /* Drain what it wrote last; a process holding the pipes open must
         * not keep us here. */
        double deadline = now_mono() + 2.0;
        while ((s.out.fd >= 0 || s.errs.fd >= 0) && now_mono() < deadline) pump(&s, 0.1);
        consume_lines(&s, &s.out, true);
        consume_lines(&s, &s.errs, true);
        release_held(&s, false);
        drop_pending(&s);
        if (s.failed) rc = -1;
    }
out:
    abandon_fetches(&s);
    r->elapsed = elapsed(&s);
    if (s.subreaper) prctl(PR_SET_CHILD_SUBREAPER, 0);
    if (s.out.fd >= 0) close(s.out.fd);
    if (s.errs.fd >= 0) close(s.errs.fd);
    free(s.out.buf);
    free(s.errs.buf);
    free(s.held);
    if (s.gcfd >= 0) close(s.gcfd);
    free(s.gcbuf);
    restore_signals(&saved);
    return rc;
}
