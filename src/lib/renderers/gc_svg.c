/* gmd gc --svg: a static chart for an incident report. Top panel: live heap
 * after GC, heap at GC start and heap goal over time, with the fitted trend
 * and the warm-up shaded; bottom panel: stop-the-world pauses. Hand-written
 * SVG: a static chart needs no library. Long runs are drawn as a min/max
 * envelope per pixel column, so the file size does not grow with the log. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "gmd/gcanalysis.h"
#include "gmd/markup.h"

#define W 1000
#define H 640
#define PL 78            /* plot left */
#define PR 970           /* plot right */
#define HT 96            /* heap panel top */
#define HB 420           /* heap panel bottom */
#define PT 478           /* pause panel top */
#define PB 580           /* pause panel bottom */

/* 1, 2 or 5 times a power of ten, giving about `want` steps over `range`. */
static double nice_step(double range, int want)
{
    if (range <= 0) return 1;
    double raw = range / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static double time_step(double range)
{
    static const double steps[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
                                   60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
                                   172800, 604800};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (range / steps[i] <= 8) return steps[i];
    return nice_step(range, 8);
}

static void time_label(char *buf, size_t size, double t, double step, double wall0, double t0)
{
    if (!isnan(wall0)) {
        time_t w = (time_t)floor(wall0 + (t - t0));
        struct tm tm;
        gmtime_r(&w, &tm);
        strftime(buf, size, step >= 60 ? "%H:%M" : "%H:%M:%S", &tm);
    } else if (step < 1) {
        snprintf(buf, size, "%.*fs", step < 0.01 ? 3 : step < 0.1 ? 2 : 1, t);
    } else if (t < 60 || step < 60) {
        if (t >= 60) snprintf(buf, size, "%dm%02ds", (int)(t / 60), (int)fmod(t, 60));
        else snprintf(buf, size, "%.0fs", t);
    } else if (t < 3600 || step < 3600) {
        if (t >= 3600) snprintf(buf, size, "%dh%02dm", (int)(t / 3600), (int)fmod(t / 60, 60));
        else snprintf(buf, size, "%.0fm", t / 60);
    } else {
        snprintf(buf, size, "%.0fh", t / 3600);
    }
}

typedef struct scale { double lo, hi, plo, phi; } scale;
/* A pixel column as an int: absurd times (a fuzzed log) clamp instead of
 * overflowing the conversion. */
static int px(double v)
{
    if (!(v > -1e6)) return -1000000;
    if (v > 1e6) return 1000000;
    return (int)v;
}

static double sx(const scale *s, double v) { return s->plo + (v - s->lo) / (s->hi - s->lo) * (s->phi - s->plo); }

typedef int64_t (*field_fn)(const gmd_gc_cycle *);
static int64_t f_live(const gmd_gc_cycle *c) { return c->live_mb; }
static int64_t f_start(const gmd_gc_cycle *c) { return c->heap_start_mb; }
static int64_t f_goal(const gmd_gc_cycle *c) { return c->goal_mb; }

/* A series as a polyline; past two points per pixel, a min/max envelope per column. */
static void series(FILE *out, const gmd_gc_cycle *c, size_t n, field_fn f, const scale *xs, const scale *ys,
                   const char *style)
{
    fprintf(out, "<polyline fill=\"none\" %s points=\"", style);
    if (n <= 2 * (PR - PL)) {
        for (size_t i = 0; i < n; i++) fprintf(out, "%.1f,%.1f ", sx(xs, c[i].t), sx(ys, (double)f(&c[i])));
    } else {
        size_t i = 0;
        while (i < n) {
            int col = px(sx(xs, c[i].t));
            int64_t lo = f(&c[i]), hi = lo, first = lo, last = lo;
            size_t j = i + 1;
            while (j < n && px(sx(xs, c[j].t)) == col) {
                int64_t v = f(&c[j]);
                if (v < lo) lo = v;
                if (v > hi) hi = v;
                last = v;
                j++;
            }
            fprintf(out, "%d,%.1f ", col, sx(ys, (double)first));
            if (hi != lo) fprintf(out, "%d,%.1f %d,%.1f ", col, sx(ys, (double)lo), col, sx(ys, (double)hi));
            fprintf(out, "%d,%.1f ", col, sx(ys, (double)last));
            i = j;
        }
    }
    fputs("\"/>\n", out);
}

static void x_axis(FILE *out, const scale *xs, double top, double bottom, bool labels, double wall0, double t0)
{
    double step = time_step(xs->hi - xs->lo);
    for (double v = ceil(xs->lo / step) * step; v <= xs->hi + step * 1e-9; v += step) {
        double x = sx(xs, v);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", x, top, x, bottom);
        if (labels) {
            char b[32];
            time_label(b, sizeof b, v, step, wall0, t0);
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%s</text>\n", x, bottom + 16, b);
        }
    }
}

static void y_axis(FILE *out, const scale *ys, double step, const char *fmt)
{
    for (double v = ceil(ys->lo / step) * step; v <= ys->hi + step * 1e-9; v += step) {
        double y = sx(ys, v);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>\n", PL, y, PR, y);
        fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">", PL - 8, y + 4);
        fprintf(out, fmt, v);
        fputs("</text>\n", out);
    }
}

void gmd_gc_write_svg(FILE *out, const char *source, const gmd_gctrace *t, const gmd_gc_analysis *a)
{
    /* No cycles (an empty log): no array to offset into. */
    const gmd_gc_cycle *c = t->cycles ? t->cycles + a->first : NULL;
    size_t n = a->n;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
                 "<style>\n"
                 "text { font-family: 'Helvetica Neue', Helvetica, Arial, 'DejaVu Sans', sans-serif; fill: #222; }\n"
                 ".title { font-size: 18px; font-weight: 600; }\n"
                 ".sub { font-size: 13px; fill: #444; }\n"
                 ".tick { font-size: 11px; fill: #555; }\n"
                 ".axis { font-size: 12px; fill: #333; }\n"
                 ".legend { font-size: 12px; }\n"
                 ".grid { stroke: #e6e6e6; stroke-width: 1; }\n"
                 ".frame { fill: none; stroke: #999; stroke-width: 1; }\n"
                 "</style>\n"
                 "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
            W, H, W, H);

    const char *vcolor = a->verdict == GMD_GC_GROWING ? "#c62828" : a->verdict == GMD_GC_STABLE ? "#2e7d32" : "#666";
    fputs("<text x=\"20\" y=\"30\" class=\"title\">Go GC trace: ", out);
    gmd_put_xml_str(out, source);
    fputs("</text>\n", out);
    fprintf(out, "<text x=\"20\" y=\"54\" class=\"sub\"><tspan font-weight=\"700\" fill=\"%s\">", vcolor);
    if (a->verdict == GMD_GC_GROWING)
        fprintf(out, "GROWING %+.*f MB/min (leak likely, confidence %s)", fabs(a->slope_mb_min) >= 100 ? 0 : fabs(a->slope_mb_min) >= 10 ? 1 : 2,
                a->slope_mb_min, a->confidence);
    else if (a->verdict == GMD_GC_STABLE)
        fprintf(out, "STABLE%s at ~%.0f MB (confidence %s)", a->plateau ? " after warm-up" : "", a->fit_y1, a->confidence);
    else
        fputs("INSUFFICIENT DATA", out);
    char d[32];
    if (a->duration_s < 1) snprintf(d, sizeof d, "%.0f ms", a->duration_s * 1000);
    else if (a->duration_s < 120) snprintf(d, sizeof d, "%.1f s", a->duration_s);
    else if (a->duration_s < 7200) snprintf(d, sizeof d, "%.0f min", a->duration_s / 60);
    else snprintf(d, sizeof d, "%.1f h", a->duration_s / 3600);
    fprintf(out, "</tspan>  \xc2\xb7  %zu cycles in %s  \xc2\xb7  GC CPU %d%%  \xc2\xb7  STW p99 %.*f ms", n, d,
            a->cpu_pct_runtime, a->pause_p99 >= 10 ? 0 : 2, a->pause_p99);
    if (a->memlimit) fputs("  \xc2\xb7  <tspan fill=\"#c62828\">GOMEMLIMIT binding</tspan>", out);
    fputs("</text>\n", out);
    if (n == 0) {
        fputs("</svg>\n", out);
        return;
    }

    /* Scales. */
    double t0 = c[0].t, t1 = c[n - 1].t;
    if (t1 <= t0) t1 = t0 + 1;
    scale xs = {t0, t1, PL, PR};
    double ymax = 1;
    for (size_t i = 0; i < n; i++) {
        ymax = fmax(ymax, (double)c[i].goal_mb);
        ymax = fmax(ymax, (double)c[i].heap_start_mb);
    }
    double ystep = nice_step(ymax, 6);
    ymax = ceil(ymax * 1.04 / ystep) * ystep;
    scale ys = {0, ymax, HB, HT};
    double pmax = 0;
    for (size_t i = 0; i < n; i++) pmax = fmax(pmax, c[i].stw_ms);
    double pstep = nice_step(pmax > 0 ? pmax : 1, 3);
    pmax = ceil((pmax > 0 ? pmax : 1) / pstep) * pstep;
    scale ps = {0, pmax, PB, PT};
    double wall0 = c[0].wall;

    /* Heap panel. */
    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"axis\" font-weight=\"600\">Heap (MB = MiB)</text>\n", PL, HT - 12);
    if (!isnan(a->warmup_end_t) && a->warmup_end_t > t0) {
        double x = sx(&xs, a->warmup_end_t);
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f3f3f3\"/>\n", PL, HT, x - PL, HB - HT);
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\" fill=\"#888\">warm-up</text>\n",
                (PL + x) / 2, HT + 16);
    }
    y_axis(out, &ys, ystep, "%.0f");
    x_axis(out, &xs, HT, HB, false, wall0, t0);
    series(out, c, n, f_goal, &xs, &ys, "stroke=\"#ef8a17\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\"");
    series(out, c, n, f_start, &xs, &ys, "stroke=\"#8ab6e6\" stroke-width=\"1.2\"");
    series(out, c, n, f_live, &xs, &ys, "stroke=\"#1a4f9c\" stroke-width=\"2.2\" stroke-linejoin=\"round\"");
    if (n <= 300)
        for (size_t i = 0; i < n; i++)
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\" fill=\"#1a4f9c\"/>\n", sx(&xs, c[i].t), sx(&ys, (double)c[i].live_mb));
    if (a->verdict != GMD_GC_INSUFFICIENT) {
        const char *tc = a->verdict == GMD_GC_GROWING ? "#d32f2f" : "#2e7d32";
        /* Start the line where the fit crosses zero if it begins below. */
        double tz = a->fit_t0, yz = a->fit_y0;
        if (yz < 0 && a->fit_y1 > 0) {
            tz = a->fit_t0 + (0 - yz) / (a->fit_y1 - yz) * (a->fit_t1 - a->fit_t0);
            yz = 0;
        }
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\" "
                     "stroke-dasharray=\"8,4\" opacity=\"0.9\"/>\n",
                sx(&xs, tz), sx(&ys, fmax(yz, 0)), sx(&xs, a->fit_t1), sx(&ys, a->fit_y1), tc);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\" text-anchor=\"end\" fill=\"%s\" font-weight=\"600\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">%+.*f MB/min</text>\n",
                fmin(sx(&xs, a->fit_t1), PR - 4), fmax(sx(&ys, a->fit_y1) - 10, HT + 30), tc,
                fabs(a->slope_mb_min) >= 100 ? 0 : fabs(a->slope_mb_min) >= 10 ? 1 : 2, a->slope_mb_min);
    }
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n", PL, HT, PR - PL, HB - HT);
    fprintf(out, "<text transform=\"translate(22,%d) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">MB</text>\n", (HT + HB) / 2);

    /* Legend: one row above the panel, right-aligned, so it never hides data. */
    const struct { const char *label, *style; int width; } items[] = {
        {"live heap after GC", "stroke=\"#1a4f9c\" stroke-width=\"2.2\"", 150},
        {"heap at GC start", "stroke=\"#8ab6e6\" stroke-width=\"1.5\"", 138},
        {"heap goal", "stroke=\"#ef8a17\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\"", 92},
        {"trend (Theil-Sen)", a->verdict == GMD_GC_GROWING ? "stroke=\"#d32f2f\" stroke-width=\"2.5\" stroke-dasharray=\"8,4\""
                                                          : "stroke=\"#2e7d32\" stroke-width=\"2.5\" stroke-dasharray=\"8,4\"", 140},
    };
    int lx = PR;
    for (int i = 0; i < 4; i++) lx -= items[i].width;
    for (int i = 0; i < 4; i++) {
        int y = HT - 12;
        fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" %s/>\n", lx, y - 4, lx + 26, y - 4, items[i].style);
        fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>\n", lx + 32, y, items[i].label);
        lx += items[i].width;
    }

    /* Pause panel. */
    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"axis\" font-weight=\"600\">Stop-the-world pause per cycle (ms)</text>\n", PL, PT - 12);
    y_axis(out, &ps, pstep, pstep < 0.1 ? "%.2f" : pstep < 1 ? "%.1f" : "%.0f");
    x_axis(out, &xs, PT, PB, true, wall0, t0);
    fputs("<path stroke=\"#7b4fa8\" stroke-width=\"1.5\" d=\"", out);
    int lastcol = -1;
    double colmax = 0;
    for (size_t i = 0; i <= n; i++) {
        int col = i < n ? px(sx(&xs, c[i].t)) : -2;
        if (col != lastcol && lastcol >= 0 && colmax > 0)
            fprintf(out, "M%d,%d V%.1f ", lastcol, PB, sx(&ps, colmax));
        if (col != lastcol) colmax = 0;
        if (i < n) colmax = fmax(colmax, c[i].stw_ms);
        lastcol = col;
    }
    fputs("\"/>\n", out);
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n", PL, PT, PR - PL, PB - PT);
    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">%s</text>\n", (PL + PR) / 2, PB + 38,
            isnan(wall0) ? "time since process start" : "time (UTC)");
    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">gmd gc \xc2\xb7 GODEBUG=gctrace=1</text>\n", PR, H - 12);
    fputs("</svg>\n", out);
}
