/* gmd trace timeline --svg: one self-contained SVG with a shared time axis.
 * Top: goroutines by state (running, runnable, waiting, syscall). Middle:
 * heap live and heap goal. Bottom band: GC cycles (bars) and stop-the-world
 * pauses (ticks). Series are the analysis's bucketed maxima. */
#include <stdio.h>
#include <string.h>
#include "gmd/markup.h"
#include "gmd/trace_report.h"
#include "gmd/units.h"

#define W 1000
#define L 70
#define R 20
#define PW (W - L - R)

static double xof(const gmd_trace_analysis *a, int64_t t)
{
    double span = a->end > a->start ? (double)(a->end - a->start) : 1;
    double x = L + (double)(t - a->start) / span * PW;
    return x < L ? L : x > L + PW ? L + PW : x;
}

static double series_max(const gmd_tseries *s)
{
    double m = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->have[i] && s->v[i] > m) m = s->v[i];
    return m;
}

static void polyline(FILE *out, const gmd_trace_analysis *a, const gmd_tseries *s, double top, double h, double max,
                     const char *color, const char *label)
{
    if (max <= 0) max = 1;
    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);
    for (uint32_t i = 0; i < s->n; i++)
        if (s->have[i]) fprintf(out, "%.1f,%.1f ", xof(a, s->t[i]), top + h - s->v[i] / max * h);
    fprintf(out, "\"><title>%s</title></polyline>\n", label);
}

static void panel(FILE *out, double top, double h, const char *title, const char *ymax)
{
    fprintf(out, "<rect x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n", L, top, PW, h);
    fprintf(out, "<text x=\"%d\" y=\"%.0f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n", L, top - 6, title);
    fprintf(out, "<text x=\"%d\" y=\"%.0f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n", L - 4, top + 10, ymax);
    fprintf(out, "<text x=\"%d\" y=\"%.0f\" font-size=\"11\" text-anchor=\"end\">0</text>\n", L - 4, top + h);
}

static void legend(FILE *out, double x, double y, const char *color, const char *text)
{
    fprintf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">%s</text>\n",
            x, y - 9, color, x + 14, y, text);
}

void gmd_trace_write_svg(FILE *out, const gmd_trace_analysis *a, const char *source)
{
    const int H = 560;
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
            W, H, W, H);
    fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"22\" font-size=\"15\">gmd trace: ", L);
    gmd_put_xml_str(out, source ? source : "");
    char b[32];
    fprintf(out, " (%s)</text>\n", gmd_fmt_value(a->end - a->start, "nanoseconds", b, sizeof b));

    /* goroutines */
    double gmax = series_max(&a->g_waiting);
    double m2 = series_max(&a->g_running), m3 = series_max(&a->g_runnable), m4 = series_max(&a->g_syscall);
    if (m2 > gmax) gmax = m2;
    if (m3 > gmax) gmax = m3;
    if (m4 > gmax) gmax = m4;
    snprintf(b, sizeof b, "%.0f", gmax);
    panel(out, 50, 200, "goroutines by state", b);
    polyline(out, a, &a->g_waiting, 50, 200, gmax, "#d62728", "waiting");
    polyline(out, a, &a->g_runnable, 50, 200, gmax, "#ff7f0e", "runnable");
    polyline(out, a, &a->g_running, 50, 200, gmax, "#2ca02c", "running");
    polyline(out, a, &a->g_syscall, 50, 200, gmax, "#9467bd", "syscall");
    legend(out, L + 250, 44, "#d62728", "waiting");
    legend(out, L + 330, 44, "#ff7f0e", "runnable");
    legend(out, L + 420, 44, "#2ca02c", "running");
    legend(out, L + 500, 44, "#9467bd", "syscall");

    /* heap */
    double hmax = series_max(&a->heap_alloc), gm = series_max(&a->heap_goal);
    if (gm > hmax) hmax = gm;
    panel(out, 290, 160, "heap live and goal", gmd_fmt_value((int64_t)hmax, "bytes", b, sizeof b));
    polyline(out, a, &a->heap_goal, 290, 160, hmax, "#7f7f7f", "heap goal");
    polyline(out, a, &a->heap_alloc, 290, 160, hmax, "#1f77b4", "heap live");
    legend(out, L + 250, 284, "#1f77b4", "heap live");
    legend(out, L + 340, 284, "#7f7f7f", "heap goal");

    /* GC cycles and pauses */
    panel(out, 480, 40, "GC cycles and stop-the-world pauses", "");
    for (uint32_t i = 0; i < a->ngcs; i++) {
        double x0 = xof(a, a->gcs[i].start), x1 = xof(a, a->gcs[i].end ? a->gcs[i].end : a->end);
        fprintf(out, "<rect x=\"%.1f\" y=\"482\" width=\"%.1f\" height=\"18\" fill=\"#17becf\" opacity=\"0.6\"><title>GC %llu</title></rect>\n",
                x0, x1 - x0 < 1 ? 1 : x1 - x0, (unsigned long long)a->gcs[i].seq);
    }
    for (uint32_t i = 0; i < a->nstws; i++) {
        double x = xof(a, a->stws[i].start);
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"502\" y2=\"518\" stroke=\"#000\"><title>", x, x);
        gmd_put_xml_str(out, a->stws[i].kind);
        fprintf(out, " %s</title></line>\n", gmd_fmt_value(a->stws[i].end ? a->stws[i].end - a->stws[i].start : 0, "nanoseconds", b, sizeof b));
    }
    /* time axis */
    for (int k = 0; k <= 4; k++) {
        int64_t t = a->start + (int64_t)((double)(a->end - a->start) * k / 4);
        fprintf(out, "<text x=\"%.0f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n", xof(a, t), H - 20,
                gmd_fmt_value(t - a->start, "nanoseconds", b, sizeof b));
    }
    fputs("</svg>\n", out);
}
