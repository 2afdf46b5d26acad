/* gctrace analysis: stats, the live-heap trend and the verdict. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/gcanalysis.h"
#include "gmd/xalloc.h"

const char *gmd_gc_verdict_name(gmd_gc_verdict v)
{
    switch (v) {
    case GMD_GC_GROWING: return "growing";
    case GMD_GC_STABLE: return "stable";
    default: return "insufficient data";
    }
}

/* The k-th smallest of v[0..n) (0-based), reordering v: quickselect, O(n),
 * so medians and percentiles of hundreds of thousands of cycles stay cheap. */
static double kth(double *v, size_t n, size_t k)
{
    long lo = 0, hi = (long)n - 1, kk = (long)k;
    while (lo < hi) {
        double a = v[lo], b = v[(lo + hi) / 2], c = v[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (kk <= j) hi = j;
        else if (kk >= i) lo = i;
        else break;
    }
    return v[k];
}

/* Percentile of v[0..n) by nearest rank; reorders v. */
static double pct(double *v, size_t n, double q)
{
    if (n == 0) return NAN;
    size_t i = (size_t)ceil(q * (double)n);
    if (i > 0) i--;
    if (i >= n) i = n - 1;
    return kth(v, n, i);
}

static double median_inplace(double *v, size_t n)
{
    if (n == 0) return NAN;
    double hi = kth(v, n, n / 2);
    if (n % 2) return hi;
    double lo = v[0];   /* after kth, v[0..n/2) holds the smaller half */
    for (size_t i = 1; i < n / 2; i++)
        if (v[i] > lo) lo = v[i];
    return (lo + hi) / 2;
}

typedef struct point { double x, y; } point;

/* Reduce cycles[first..first+n) to points for the fit: equal slices of
 * time, each giving its middle time and the lowest live heap among its
 * cycles. Time slices, so a burst of cycles (GC runs more often when the heap
 * is tight) does not outweigh the rest of the run; the lowest, because "live
 * after GC" also counts garbage allocated while marking (the runtime marks
 * new objects live), which adds upward noise only: the floor of the live heap
 * is what a leak lifts. At most GMD_GC_FIT_POINTS slices, so the fit costs
 * the same for any log size. */
static size_t fit_points(const gmd_gc_cycle *c, size_t n, point *pts)
{
    size_t slices = n >= 30 ? n / 3 : n;
    if (slices > GMD_GC_FIT_POINTS) slices = GMD_GC_FIT_POINTS;
    double t0 = c[0].t, span = c[n - 1].t - t0;
    size_t m = 0, cur = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        /* Clamped: a damaged log can have times out of order. */
        double r = span > 0 ? (c[i].t - t0) / span : 0;
        if (r < 0) r = 0;
        size_t b = span > 0 ? (size_t)(fmin(r, 1.0) * (double)slices) : i * slices / n;
        if (b >= slices) b = slices - 1;
        if (b != cur) {
            cur = b;
            pts[m].x = t0 + ((double)b + 0.5) * (span > 0 ? span / (double)slices : 0);
            pts[m].y = (double)c[i].live_mb;
            m++;
        } else if ((double)c[i].live_mb < pts[m - 1].y) {
            pts[m - 1].y = (double)c[i].live_mb;
        }
    }
    return m;
}

typedef struct fit {
    double slope;      /* MiB per second */
    double intercept;  /* at x = 0 */
    double tau;
    double median_y;
} fit;

/* Theil-Sen slope and Kendall's tau-a; O(m^2) on m <= GMD_GC_FIT_POINTS. */
static void theil_sen(const point *p, size_t m, fit *f, double *slopes)
{
    size_t ns = 0;
    long conc = 0, disc = 0, pairs = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            double dx = p[j].x - p[i].x, dy = p[j].y - p[i].y;
            pairs++;
            if (dx > 0) slopes[ns++] = dy / dx;
            if (dx != 0 && dy != 0) {
                if ((dx > 0) == (dy > 0)) conc++;
                else disc++;
            }
        }
    f->slope = ns ? median_inplace(slopes, ns) : 0;
    f->tau = pairs ? (double)(conc - disc) / (double)pairs : 0;
    double *r = slopes;   /* reuse for the intercept: median of y - slope x */
    for (size_t i = 0; i < m; i++) r[i] = p[i].y - f->slope * p[i].x;
    f->intercept = median_inplace(r, m);
    for (size_t i = 0; i < m; i++) r[i] = p[i].y;
    f->median_y = median_inplace(r, m);
}

typedef struct window {
    size_t first, n;   /* relative to the run */
    fit f;
    double t0, t1, growth;
    bool growing;      /* clearly: mostly monotonic and above rounding and noise */
    bool weak;         /* some growth, noisier */
} window;

static void fit_window(const gmd_gc_cycle *c, size_t first, size_t n, window *w, point *pts, double *scratch)
{
    w->first = first;
    w->n = n;
    size_t m = fit_points(c + first, n, pts);
    theil_sen(pts, m, &w->f, scratch);
    w->t0 = c[first].t;
    w->t1 = c[first + n - 1].t;
    w->growth = w->f.slope * (w->t1 - w->t0);
    /* Growing: mostly monotonic, and more than MiB rounding and noise. */
    double floor_mb = fmax(2.0, 0.05 * fmax(w->f.median_y, 4.0));
    w->growing = w->f.tau >= 0.5 && w->growth >= floor_mb;
    /* Noisier growth (tau 0.3-0.5) counts only when it is large against the
     * heap: the live heap of a plateau wobbles with floating garbage (objects
     * allocated during marking), more so when the machine is busy and marking
     * takes longer; a cache fixture at a steady 32 MB read 32 -> 36 MB with
     * tau 0.40 on 3 runs in 80. */
    w->weak = w->f.tau >= 0.3 && w->growth >= floor_mb && w->growth >= 0.25 * w->f.median_y;
}

static void heap_stats(const gmd_gc_cycle *c, size_t n, gmd_gc_analysis *a, double *scratch)
{
    a->live_first = c[0].live_mb;
    a->live_last = c[n - 1].live_mb;
    a->live_min = a->live_max = c[0].live_mb;
    a->start_max = c[0].heap_start_mb;
    a->goal_min = a->goal_max = c[0].goal_mb;
    a->stacks_max = c[0].stacks_mb;
    for (size_t i = 0; i < n; i++) {
        if (c[i].live_mb < a->live_min) a->live_min = c[i].live_mb;
        if (c[i].live_mb > a->live_max) a->live_max = c[i].live_mb;
        if (c[i].heap_start_mb > a->start_max) a->start_max = c[i].heap_start_mb;
        if (c[i].goal_mb > a->goal_max) a->goal_max = c[i].goal_mb;
        if (c[i].goal_mb < a->goal_min) a->goal_min = c[i].goal_mb;
        if (c[i].stacks_mb > a->stacks_max) a->stacks_max = c[i].stacks_mb;
    }
    a->goal_last = c[n - 1].goal_mb;
    a->stacks_last = c[n - 1].stacks_mb;
    a->globals_last = c[n - 1].globals_mb;
    for (size_t i = 0; i < n; i++) scratch[i] = (double)c[i].live_mb;
    a->live_median = median_inplace(scratch, n);
    for (size_t i = 0; i < n; i++) scratch[i] = (double)c[i].heap_start_mb;
    a->start_median = (int64_t)median_inplace(scratch, n);
}

/* Effective GOGC of cycles [lo, hi): the runtime sets goal = live +
 * (live + stacks + globals) * GOGC/100 from the previous cycle's live heap.
 * Small heaps are skipped: MiB rounding and the 4 MB minimum heap dominate. */
static double gogc_between(const gmd_gc_cycle *c, size_t lo, size_t hi, double *scratch)
{
    size_t k = 0;
    for (size_t i = lo > 0 ? lo : 1; i < hi; i++) {
        double live = (double)c[i - 1].live_mb;
        if (live < 8) continue;
        double roots = live + (c[i].stacks_mb > 0 ? (double)c[i].stacks_mb : 0) +
                       (c[i].globals_mb > 0 ? (double)c[i].globals_mb : 0);
        scratch[k++] = ((double)c[i].goal_mb - live) / roots * 100.0;
    }
    return k >= 3 ? median_inplace(scratch, k) : NAN;
}

static void pause_stats(const gmd_gc_cycle *c, size_t n, gmd_gc_analysis *a, double *scratch)
{
    a->pause_total_ms = 0;
    for (size_t i = 0; i < n; i++) {
        scratch[i] = c[i].stw_ms;
        a->pause_total_ms += c[i].stw_ms;
    }
    a->pause_p50 = pct(scratch, n, 0.50);
    a->pause_p90 = pct(scratch, n, 0.90);
    a->pause_p99 = pct(scratch, n, 0.99);
    a->pause_max = 0;
    for (size_t i = 0; i < n; i++) a->pause_max = fmax(a->pause_max, c[i].stw_ms);
    a->mark_max_ms = 0;
    for (size_t i = 0; i < n; i++) {
        scratch[i] = c[i].mark_ms;
        a->mark_max_ms = fmax(a->mark_max_ms, c[i].mark_ms);
    }
    a->mark_p50_ms = pct(scratch, n, 0.50);
}

static void cpu_stats(const gmd_gc_cycle *c, size_t n, gmd_gc_analysis *a)
{
    double busy = 0, assist = 0;
    for (size_t i = 0; i < n; i++) {
        double idle = c[i].ncpu == 5 ? c[i].cpu_ms[3] : c[i].ncpu == 7 ? c[i].cpu_ms[5] : 0;
        busy += c[i].gc_cpu_ms - idle;
        assist += c[i].assist_ms;
    }
    a->cpu_pct_runtime = c[n - 1].cpu_pct;
    a->procs = c[n - 1].procs;
    double avail = a->duration_s * 1000.0 * (a->procs > 0 ? a->procs : 1);
    a->cpu_frac_window = avail > 0 ? busy / avail : NAN;
    a->assist_frac = busy > 0 ? assist / busy : 0;
}

static void trigger_stats(const gmd_gc_cycle *c, size_t n, gmd_gc_analysis *a, double *scratch)
{
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        if (c[i].forced || c[i].periodic) continue;
        double prev = (double)c[i - 1].live_mb, room = (double)c[i].goal_mb - prev;
        if (room < 4) continue;
        scratch[k++] = ((double)c[i].heap_start_mb - prev) / room;
    }
    a->headroom_use = k >= 5 ? median_inplace(scratch, k) : NAN;
    a->early_trigger = k >= 5 && a->headroom_use < 0.5;
}

/* Memory-limit pressure: late in the run the goal sits far lower above the
 * live heap than GOGC put it earlier, and the goal stays flat while the live
 * heap moves: the runtime caps the goal at GOMEMLIMIT. */
static void memlimit_stats(const gmd_gc_cycle *c, size_t n, gmd_gc_analysis *a, double *scratch)
{
    a->gogc_est = gogc_between(c, 0, n / 2 + 1, scratch);
    size_t late = n - n / 4;
    a->gogc_late = gogc_between(c, late, n, scratch);
    if (n < 2 * GMD_GC_MIN_CYCLES || isnan(a->gogc_late)) return;
    int64_t gmin = c[late].goal_mb, gmax = gmin, lmin = c[late].live_mb, lmax = lmin;
    for (size_t i = late; i < n; i++) {
        if (c[i].goal_mb < gmin) gmin = c[i].goal_mb;
        if (c[i].goal_mb > gmax) gmax = c[i].goal_mb;
        if (c[i].live_mb < lmin) lmin = c[i].live_mb;
        if (c[i].live_mb > lmax) lmax = c[i].live_mb;
    }
    bool goal_flat = (double)(gmax - gmin) <= 0.05 * (double)gmax + 1;
    bool live_moves = (double)(lmax - lmin) >= 0.08 * (double)lmax && lmax - lmin >= 2;
    /* Under plain GOGC the effective GOGC stays put as the heap grows; a
     * collapse to a fraction of it means a limit caps the goal. */
    bool squeezed = !isnan(a->gogc_est) && a->gogc_late < 0.5 * a->gogc_est && a->gogc_late < 50;
    a->memlimit = squeezed || (goal_flat && live_moves && a->gogc_late < 80);
}

void gmd_gc_analyse(const gmd_gctrace *t, const gmd_gc_opts *opts, gmd_gc_analysis *a)
{
    memset(a, 0, sizeof *a);
    a->verdict = GMD_GC_INSUFFICIENT;
    a->confidence = "low";
    a->warmup_end_t = a->hours_to_double = a->hours_to_limit = a->hours_goal_to_limit = NAN;
    a->gogc_est = a->gogc_late = a->headroom_use = a->cpu_frac_window = NAN;
    a->wall_first = a->wall_last = NAN;
    a->released_mb = -1;
    a->stacks_last = a->stacks_max = a->globals_last = -1;
    a->limit_mb = opts ? opts->limit_mb : 0;
    if (t->ncycles == 0) return;

    /* The last process run. */
    size_t first = t->ncycles - 1;
    while (first > 0 && t->cycles[first - 1].run == t->cycles[first].run) first--;
    a->first = first;
    a->n = t->ncycles - first;
    a->runs = t->cycles[t->ncycles - 1].run + 1;
    const gmd_gc_cycle *c = t->cycles + first;
    size_t n = a->n;

    double *scratch = gmd_xmalloc(sizeof(double) * (n > GMD_GC_FIT_POINTS * GMD_GC_FIT_POINTS
                                                        ? n : GMD_GC_FIT_POINTS * GMD_GC_FIT_POINTS));
    point *pts = gmd_xmalloc(sizeof(point) * GMD_GC_FIT_POINTS);

    a->t_first = c[0].t;
    a->t_last = c[n - 1].t;
    a->duration_s = a->t_last - a->t_first;
    a->wall_first = c[0].wall;
    a->wall_last = c[n - 1].wall;
    a->cycles_per_min = a->duration_s > 0 ? (double)(n - 1) / a->duration_s * 60.0 : NAN;
    for (size_t i = 0; i < n; i++) {
        a->forced += c[i].forced;
        a->periodic += c[i].periodic;
        a->leak_checks += c[i].leak_check;
    }
    for (size_t i = 1; i < n; i++) scratch[i - 1] = c[i].t - c[i - 1].t;
    a->median_interval_s = n > 1 ? median_inplace(scratch, n - 1) : NAN;
    for (size_t i = n; i-- > 0;)
        if (c[i].released_kib >= 0) {
            a->released_mb = c[i].released_kib >> 10;
            break;
        }

    heap_stats(c, n, a, scratch);
    pause_stats(c, n, a, scratch);
    cpu_stats(c, n, a);
    trigger_stats(c, n, a, scratch);
    memlimit_stats(c, n, a, scratch);
    a->thrash_cpu = a->cpu_pct_runtime >= 25 || (!isnan(a->cpu_frac_window) && a->cpu_frac_window >= 0.25);
    /* A run bundle's heap?gc=1 fetches each forced one cycle: those are
     * gmd's doing, not the program's runtime.GC() calls. */
    size_t by_gmd = opts ? opts->gmd_forced : 0;
    a->forced_by_gmd = by_gmd < a->forced ? by_gmd : a->forced;
    a->many_forced = n >= GMD_GC_MIN_CYCLES && (a->forced - a->forced_by_gmd) * 5 > n;

    if (n < GMD_GC_MIN_CYCLES || a->duration_s <= 0) goto done;

    /* Suffix windows starting at these fractions of the run's time span. */
    static const double fracs[] = {0.05, 0.15, 0.25, 0.35, 0.5};
    enum { NW = sizeof fracs / sizeof *fracs };
    window w[NW];
    int nw = 0;
    for (int k = 0; k < NW; k++) {
        double from = a->t_first + fracs[k] * a->duration_s;
        size_t lo = 0;
        while (lo < n && c[lo].t < from) lo++;
        if (n - lo < GMD_GC_MIN_CYCLES) break;
        if (nw > 0 && w[nw - 1].first == lo) continue;
        fit_window(c, lo, n - lo, &w[nw], pts, scratch);
        nw++;
    }
    if (nw == 0) goto done;

    /* The second half by cycle count as well as by time: a stall (a loaded
     * machine, a quiet night) stretches one phase in time but not in cycles,
     * which follow allocation. A leak grows in both views; a plateau shows
     * in at least one of them. */
    window refit, by_count;
    bool count_grows = true;
    if (n - n / 2 >= GMD_GC_MIN_CYCLES) {
        fit_window(c, n / 2, n - n / 2, &by_count, pts, scratch);
        count_grows = by_count.growing || by_count.weak;
    }
    const window *chosen;
    if ((w[nw - 1].growing || w[nw - 1].weak) && count_grows) {
        /* The longest suffix that grows all the way to the end. */
        int k = nw - 1;
        while (k > 0 && w[k].growing && w[k - 1].growing) k--;
        chosen = &w[k];
        a->verdict = GMD_GC_GROWING;
        if (k > 0) a->warmup_end_t = chosen->t0;
    } else {
        int k = 0;
        while (k < nw - 1 && (w[k].growing || w[k].weak)) k++;
        chosen = (w[k].growing || w[k].weak) && !count_grows ? &by_count : &w[k];
        a->verdict = GMD_GC_STABLE;
        /* Plateau: the heap grew early on, then held. The warm-up ends at the
         * first cycle that reaches 95% of the plateau's median. */
        const window *late = count_grows ? &w[nw - 1] : &by_count;
        size_t head = n / 10 > 0 ? n / 10 : 1;
        for (size_t i = 0; i < head; i++) scratch[i] = (double)c[i].live_mb;
        double early = median_inplace(scratch, head);
        double plateau = late->f.median_y;
        if (w[0].growing || (plateau - early >= fmax(2.0, 0.25 * plateau))) {
            a->plateau = true;
            for (size_t i = 0; i < n; i++)
                if ((double)c[i].live_mb >= 0.95 * plateau) {
                    a->warmup_end_t = c[i].t;
                    break;
                }
            /* Refit on what follows the warm-up, when enough is left. */
            size_t lo = 0;
            while (lo < n && c[lo].t < a->warmup_end_t) lo++;
            if (n - lo >= GMD_GC_MIN_CYCLES && lo > chosen->first) {
                fit_window(c, lo, n - lo, &refit, pts, scratch);
                if (!refit.growing) chosen = &refit;
            }
        }
    }
    a->fit_first = first + chosen->first;
    a->fit_n = chosen->n;
    a->tau = chosen->f.tau;
    a->slope_mb_min = chosen->f.slope * 60.0;
    a->fit_t0 = chosen->t0;
    a->fit_t1 = chosen->t1;
    a->fit_y0 = chosen->f.intercept + chosen->f.slope * chosen->t0;
    a->fit_y1 = chosen->f.intercept + chosen->f.slope * chosen->t1;
    a->growth_mb = a->fit_y1 - a->fit_y0;

    if (a->verdict == GMD_GC_GROWING) {
        a->confidence = !chosen->growing ? "low" : a->tau >= 0.8 && chosen->n >= 30 ? "high" : a->tau >= 0.6 && chosen->n >= 15 ? "medium" : "low";
        double now = fmax(a->fit_y1, 1.0), per_h = a->slope_mb_min * 60.0;
        if (per_h > 0) {
            a->hours_to_double = now / per_h;
            if (a->limit_mb > 0) {
                a->hours_to_limit = fmax(0.0, (a->limit_mb - now) / per_h);
                /* The heap (and so RSS) climbs to the goal, live x (1 + GOGC/100). */
                double g = isnan(a->gogc_est) ? 100.0 : fmax(a->gogc_est, 1.0);
                a->hours_goal_to_limit = fmax(0.0, (a->limit_mb / (1 + g / 100.0) - now) / per_h);
            }
        }
    } else {
        double rel = fabs(a->growth_mb) / fmax(chosen->f.median_y, 4.0);
        a->confidence = chosen->n >= 30 && (fabs(a->tau) < 0.3 || rel < 0.02) ? "high"
                        : chosen->n >= 15 ? "medium" : "low";
    }
done:
    free(scratch);
    free(pts);
}
