/* gmd run/report text output: the verdict first, then each suspect with
 * its stack and numbers, then the whole-process evidence. */
#include <math.h>
#include <string.h>
#include "gmd/leak_report.h"
#include "gmd/units.h"

static const char *amount(const char *unit, double v, char *buf, size_t size)
{
    if (!strcmp(unit, "bytes")) return gmd_fmt_bytes_iec(v, buf, size);
    snprintf(buf, size, "%.0f", v);
    return buf;
}

static const char *rate(const char *unit, double v, char *buf, size_t size)
{
    char a[64];
    if (!strcmp(unit, "bytes"))
        snprintf(buf, size, "%s%s/s", v < 0 ? "-" : "+", gmd_fmt_bytes_iec(fabs(v), a, sizeof a));
    else
        snprintf(buf, size, "%+.1f goroutines/s", v);
    return buf;
}

static void trend_line(FILE *out, const char *label, const gmd_leak_trend *t, const char *unit, const char *extra)
{
    char a[64], b[64], c[64];
    if (!t->have) {
        fprintf(out, "  %-28s (none collected)\n", label);
        return;
    }
    fprintf(out, "  %-28s %s -> %s, %s (tau %.2f, %u points)%s\n", label, amount(unit, t->first, a, sizeof a),
            amount(unit, t->last, b, sizeof b), rate(unit, t->slope, c, sizeof c), t->tau, t->n, extra);
}

void gmd_leak_write_text(FILE *out, const gmd_leak_result *r, const gmd_leak_report_info *info)
{
    char a[64], b[64], c[64];
    if (r->leak && r->nsuspects) {
        const gmd_leak_suspect *s = &r->suspects[0];
        const char *what = s->kind == GMD_LEAK_HEAP ? (strcmp(s->site, "(unresolved)") ? "heap allocated in" : "heap growth")
                         : s->kind == GMD_LEAK_GOROUTINE ? "goroutines blocked in" : "off-heap memory:";
        fprintf(out, "LEAK: %s %s grows %s (now %s); %u suspect%s over %.1f s\n", what, s->site,
                rate(s->unit, s->growth_per_sec, a, sizeof a), amount(s->unit, s->current, b, sizeof b),
                r->nsuspects, r->nsuspects == 1 ? "" : "s", r->duration);
    } else if (r->verdict == GMD_VERDICT_INCONCLUSIVE) {
        fprintf(out, "INCONCLUSIVE over %.1f s: %s\n", r->duration, r->verdict_reason);
    } else if (r->verdict_reason && r->verdict_reason[0]) {
        fprintf(out, "No leak found over %.1f s: %s\n", r->duration, r->verdict_reason);
    } else {
        fprintf(out, "No leak found over %.1f s: no allocation site, goroutine stack or off-heap memory grows steadily "
                "beyond sampling noise to the end.\n", r->duration);
    }
    if (info && info->incomplete)
        fprintf(out, "INCOMPLETE BUNDLE: %s; the verdict uses what was saved before\n", info->incomplete);
    fprintf(out, "Snapshots: %u heap, %u goroutine, %u GC cycles, %u /proc samples", r->nheap, r->ngoroutine,
            r->ngc, r->nproc);
    if (r->ntraces) {
        double secs = 0;
        for (uint32_t i = 0; i < r->ntraces; i++) secs += r->traces[i].t_end - r->traces[i].t;
        fprintf(out, ", %u execution trace%s (%.1f s)", r->ntraces, r->ntraces == 1 ? "" : "s", secs);
    }
    fputc('\n', out);

    for (uint32_t i = 0; i < r->nsuspects; i++) {
        const gmd_leak_suspect *s = &r->suspects[i];
        char line[32] = "";
        if (s->line > 0) snprintf(line, sizeof line, ":%lld", (long long)s->line);
        fprintf(out, "\n#%u %-9s %s%s  %s  now %s  score %.2f (confidence %.2f, impact %.2f)\n", i + 1,
                gmd_leak_kind_name(s->kind), s->site, line, rate(s->unit, s->growth_per_sec, a, sizeof a),
                amount(s->unit, s->current, b, sizeof b), s->score, s->confidence, s->impact);
        if (s->nstack) {
            fprintf(out, "   stack%s:\n", s->npaths > 1 ? " (the path with the most growth)" : "");
            for (uint32_t f = 0; f < s->nstack; f++) fprintf(out, "     %s\n", s->stack[f]);
        }
        fprintf(out, "   evidence:\n");
        for (uint32_t e = 0; e < s->nevidence; e++) fprintf(out, "     - %s\n", s->evidence[e]);
    }

    if (r->ndismissed) {
        fprintf(out, "\nGrew but not counted:\n");
        for (uint32_t i = 0; i < r->ndismissed; i++) {
            const gmd_leak_dismissed *d = &r->dismissed[i];
            const char *unit = d->kind == GMD_LEAK_GOROUTINE ? "goroutines" : "bytes";
            fprintf(out, "  %-9s %s: %s -> peak %s -> %s: %s\n", gmd_leak_kind_name(d->kind),
                    d->site, amount(unit, d->first, a, sizeof a), amount(unit, d->peak, b, sizeof b),
                    amount(unit, d->current, c, sizeof c), d->why);
        }
    }

    fprintf(out, "\nWhole process:\n");
    char extra[256] = "";
    if (r->gc_verdict && r->gc_verdict[0] && r->gc_verdict_window && r->gc_verdict_window[0])
        snprintf(extra, sizeof extra, " over the run; gctrace verdict over %s: %s", r->gc_verdict_window, r->gc_verdict);
    else if (r->gc_verdict && r->gc_verdict[0])
        snprintf(extra, sizeof extra, "; gctrace verdict: %s", r->gc_verdict);
    trend_line(out, "live heap after GC", &r->live_heap, "bytes", extra);
    trend_line(out, "heap in use (profiles)", &r->heap_inuse, "bytes", "");
    trend_line(out, "goroutines", &r->goroutines, "goroutines", "");
    trend_line(out, "RSS (/proc)", &r->rss, "bytes", "");
    if (r->gc_pause_ms.n) {
        double total = 0, max = 0;
        for (uint32_t i = 0; i < r->gc_pause_ms.n; i++) {
            total += r->gc_pause_ms.v[i];
            if (r->gc_pause_ms.v[i] > max) max = r->gc_pause_ms.v[i];
        }
        fprintf(out, "  %-28s %u cycles, stop-the-world total %.2f ms, max %.3f ms\n", "GC pauses", r->gc_pause_ms.n,
                total, max);
    }
    for (uint32_t i = 0; i < r->nnotes; i++) fprintf(out, "note: %s\n", r->notes[i]);
    if (info && info->bundle) {
        fprintf(out, "\nBundle: %s", info->bundle);
        if (info->html) fprintf(out, "  (report: %s)", info->html);
        fputc('\n', out);
    }
    if (info && info->exit_status >= 0)
        fprintf(out, "Program exit status: %d%s\n", info->exit_status,
                info->interrupted ? " (interrupted)" : info->exit_status == 130 ? " (stopped by gmd with SIGINT at the end)" : "");
}
