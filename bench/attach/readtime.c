/* readtime: the library's share of `gmd pprof goroutines pid:P` and
 * `gmd pprof top pid:P`, timed call by call (the gmd process also loads,
 * groups and renders). Built by bench/attach/run.sh against the build's
 * libgmd.a.
 *
 *   readtime PID [RUNS]    prints the median of RUNS (default 5) per step */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "gmd/goruntime.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

enum { OPEN, RUNTIME, GOROUTINES, HEAP, MEMSTATS, NSTEPS };

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: readtime PID [RUNS]\n");
        return 2;
    }
    int pid = atoi(argv[1]), runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1 || runs > 100) runs = 5;
    double t[NSTEPS][100];
    uint64_t g_reads = 0, g_bytes = 0, h_reads = 0, h_bytes = 0;
    uint32_t nbuckets = 0;
    gmd_goroutine_read_stats st = {0};
    for (int r = 0; r < runs; r++) {
        gmd_err err;
        gmd_err_clear(&err);
        double t0 = now();
        gmd_target *tg = gmd_target_open_pid(pid, NULL, &err);
        double t1 = now();
        gmd_goruntime *rt = tg ? gmd_goruntime_open(tg, &err) : NULL;
        double t2 = now();
        if (!rt) {
            fprintf(stderr, "readtime: pid %d: %s\n", pid, err.msg);
            return 1;
        }
        uint64_t r0 = gmd_memsrc_reads(tg->mem), b0 = gmd_memsrc_bytes_read(tg->mem);
        gmd_profile *g = gmd_goruntime_goroutines(rt, &st, &err);
        double t3 = now();
        uint64_t r1 = gmd_memsrc_reads(tg->mem), b1 = gmd_memsrc_bytes_read(tg->mem);
        gmd_profile *h = gmd_goruntime_heap(rt, &err);
        double t4 = now();
        uint64_t r2 = gmd_memsrc_reads(tg->mem), b2 = gmd_memsrc_bytes_read(tg->mem);
        gmd_gomemstats ms;
        gmd_goruntime_memstats(rt, &ms, &err);
        double t5 = now();
        if (!g || !h) {
            fprintf(stderr, "readtime: pid %d: %s\n", pid, err.msg);
            return 1;
        }
        nbuckets = h->nsamples;
        g_reads = r1 - r0, g_bytes = b1 - b0, h_reads = r2 - r1, h_bytes = b2 - b1;
        gmd_profile_free(g);
        gmd_profile_free(h);
        gmd_goruntime_close(rt);
        gmd_target_close(tg);
        t[OPEN][r] = t1 - t0, t[RUNTIME][r] = t2 - t1, t[GOROUTINES][r] = t3 - t2;
        t[HEAP][r] = t4 - t3, t[MEMSTATS][r] = t5 - t4;
    }
    printf("open target (executable: symbols, pclntab)  %8.1f ms\n", 1e3 * median(t[OPEN], runs));
    printf("open runtime (layouts, globals)             %8.1f ms\n", 1e3 * median(t[RUNTIME], runs));
    printf("goroutines: %u user, %u system, %u torn     %8.1f ms  (%llu reads, %.1f MB)\n", st.user, st.system,
           st.torn, 1e3 * median(t[GOROUTINES], runs), (unsigned long long)g_reads, (double)g_bytes / 1e6);
    printf("heap profile: %u buckets                    %8.1f ms  (%llu reads, %.1f MB)\n", nbuckets,
           1e3 * median(t[HEAP], runs), (unsigned long long)h_reads, (double)h_bytes / 1e6);
    printf("memory statistics                           %8.1f ms\n", 1e3 * median(t[MEMSTATS], runs));
    return 0;
}
