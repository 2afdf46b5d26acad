/* gmd gc reports: text (verdict first), JSON, CSV and the live status line. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "gmd/gcanalysis.h"
#include "gmd/json.h"

/* "57 MB", "1.4 GB": the runtime's MB are MiB. */
static const char *mb(double v, char *buf, size_t size)
{
    if (isnan(v)) snprintf(buf, size, "?");
    else if (fabs(v) >= 1024) snprintf(buf, size, "%.1f GB", v / 1024);
    else if (fabs(v) >= 10 || v == floor(v)) snprintf(buf, size, "%.0f MB", v);
    else snprintf(buf, size, "%.1f MB", v);
    return buf;
}

/* Durations: "850ms", "4.1s", "3m20s", "2h05m", "3.2 days". */
static const char *dur(double s, char *buf, size_t size)
{
    if (isnan(s) || isinf(s)) snprintf(buf, size, "?");
    else if (s < 1) snprintf(buf, size, "%.0fms", s * 1000);
    else if (s < 60) snprintf(buf, size, "%.1fs", s);
    else if (s < 3600) snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else if (s < 72 * 3600) snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else snprintf(buf, size, "%.1f days", s / 86400);
    return buf;
}

static const char *ms(double v, char *buf, size_t size)
{
    if (isnan(v)) snprintf(buf, size, "?");
    else if (v >= 100) snprintf(buf, size, "%.0f ms", v);
    else if (v >= 1) snprintf(buf, size, "%.1f ms", v);
    else snprintf(buf, size, "%.3f ms", v);
    return buf;
}

/* A point of the run: wall clock when known, else time since start. */
static const char *when(const gmd_gc_analysis *a, double t, double wall_of_first, char *buf, size_t size)
{
    if (!isnan(wall_of_first)) {
        time_t w = (time_t)(wall_of_first + (t - a->t_first));
        struct tm tm;
        gmtime_r(&w, &tm);
        strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm);
    } else {
        char d[32];
        snprintf(buf, size, "%s after start", dur(t, d, sizeof d));
    }
    return buf;
}

#define MAXW 8
typedef struct warnings { char text[MAXW][480]; int n; } warnings;

static void collect_warnings(const gmd_gc_analysis *a, warnings *w)
{
    char b1[32], b2[32], b3[32];
    w->n = 0;
    if (a->n == 0) return;
    if (a->thrash_cpu)
        snprintf(w->text[w->n++], sizeof w->text[0],
                 "GC thrash: the GC uses %d%% of the CPU (runtime, since start; %.0f%% over this log). "
                 "The heap is small for the allocation rate: raise GOGC, give the heap a GOMEMLIMIT with "
                 "GOGC=off, or allocate less (see gmd pprof top -i alloc_space).",
                 a->cpu_pct_runtime, a->cpu_frac_window * 100);
    if (a->memlimit)
        snprintf(w->text[w->n++], sizeof w->text[0],
                 "memory limit pressure: the heap goal is held at ~%s while the live heap is %s; the "
                 "effective GOGC fell from %.0f to %.0f. GOMEMLIMIT is binding: RSS looks flat but the GC "
                 "runs more and more often, and when the live heap reaches the limit the program thrashes.",
                 mb((double)a->goal_last, b1, sizeof b1), mb((double)a->live_last, b2, sizeof b2),
                 isnan(a->gogc_est) ? 0 : a->gogc_est, a->gogc_late);
    if (a->early_trigger && !a->memlimit)
        snprintf(w->text[w->n++], sizeof w->text[0],
                 "cycles start early: a typical cycle begins when the heap has used only %.0f%% of the room "
                 "its goal allows above the live heap. Something other than heap growth triggers GC: a memory "
                 "limit, or runtime.GC()/debug.FreeOSMemory() calls.",
                 a->headroom_use * 100);
    if (a->many_forced)
        snprintf(w->text[w->n++], sizeof w->text[0],
                 "%zu of %zu cycles were forced by runtime.GC() or debug.FreeOSMemory(): explicit GC calls "
                 "cost a full cycle each and rarely help.", a->forced, a->n);
    if (a->cycles_per_min > 600 && a->cpu_frac_window >= 0.10 && !a->thrash_cpu)
        snprintf(w->text[w->n++], sizeof w->text[0],
                 "GC runs %.0f times a second and takes %.0f%% of the CPU: consider a larger GOGC.",
                 a->cycles_per_min / 60, a->cpu_frac_window * 100);
    if (a->runs > 1)
        snprintf(w->text[w->n++], sizeof w->text[0],
                 "the log holds %u process runs (cycle numbers restart); only the last one (%zu cycles) is "
                 "analysed.", a->runs, a->n);
    if (a->pause_max >= 10)
        snprintf(w->text[w->n++], sizeof w->text[0],
                 "a stop-the-world pause reached %s: long STW phases usually mean many goroutines, huge "
                 "stacks, or a CPU-starved process (GOMAXPROCS above the CPU quota).",
                 ms(a->pause_max, b3, sizeof b3));
}

static void print_verdict(FILE *out, const gmd_gc_analysis *a)
{
    char b1[48], b2[48], b3[48], b4[48];
    double wall0 = a->wall_first;
    switch (a->verdict) {
    case GMD_GC_INSUFFICIENT:
        if (a->n == 0)
            fprintf(out, "verdict: insufficient data - no gctrace lines found\n");
        else
            fprintf(out, "verdict: insufficient data - %zu GC cycles over %s; need at least %d after the warm-up\n",
                    a->n, dur(a->duration_s, b1, sizeof b1), GMD_GC_MIN_CYCLES);
        return;
    case GMD_GC_GROWING:
        fprintf(out, "verdict: GROWING - the live heap grows %+.2f MB/min: a leak is likely (confidence %s)\n",
                a->slope_mb_min, a->confidence);
        fprintf(out, "         live heap after GC went %s -> %s (fitted) from %s to %s, %zu cycles, Kendall tau %.2f\n",
                mb(fmax(a->fit_y0, 0), b1, sizeof b1), mb(a->fit_y1, b2, sizeof b2), when(a, a->fit_t0, wall0, b3, sizeof b3),
                when(a, a->fit_t1, wall0, b4, sizeof b4), a->fit_n, a->tau);
        if (!isnan(a->warmup_end_t))
            fprintf(out, "         (warm-up ignored: before %s)\n", when(a, a->warmup_end_t, wall0, b1, sizeof b1));
        if (a->memlimit && a->slope_mb_min > 0 && (double)a->goal_last > a->fit_y1)
            fprintf(out, "         at this rate the live heap reaches the goal ceiling the memory limit sets (~%s) in %s;\n"
                         "         from there the GC runs back to back (thrash) and the program fails to allocate\n",
                    mb((double)a->goal_last, b1, sizeof b1),
                    dur(((double)a->goal_last - a->fit_y1) / a->slope_mb_min * 60, b2, sizeof b2));
        else if (!isnan(a->hours_to_double))
            fprintf(out, "         at this rate the live heap reaches %s in %s, and the heap goal (what RSS follows) %s\n",
                    mb(2 * fmax(a->fit_y1, 1), b1, sizeof b1), dur(a->hours_to_double * 3600, b2, sizeof b2),
                    mb(2 * fmax(a->fit_y1, 1) * (1 + (isnan(a->gogc_est) ? 100 : a->gogc_est) / 100), b3, sizeof b3));
        if (!isnan(a->hours_to_limit))
            fprintf(out, "         it reaches the %s limit in %s; the heap goal reaches it in %s\n",
                    mb(a->limit_mb, b1, sizeof b1), dur(a->hours_to_limit * 3600, b2, sizeof b2),
                    dur(a->hours_goal_to_limit * 3600, b3, sizeof b3));
        return;
    case GMD_GC_STABLE:
        if (a->plateau)
            fprintf(out, "verdict: stable - the live heap grew during a warm-up, then held at ~%s (plateau; confidence %s)\n",
                    mb(a->fit_y1, b1, sizeof b1), a->confidence);
        else
            fprintf(out, "verdict: stable - the live heap holds at ~%s (confidence %s)\n",
                    mb(a->fit_y1, b1, sizeof b1), a->confidence);
        fprintf(out, "         trend %+.2f MB/min from %s to %s, %zu cycles, Kendall tau %.2f\n", a->slope_mb_min,
                when(a, a->fit_t0, wall0, b1, sizeof b1), when(a, a->fit_t1, wall0, b2, sizeof b2), a->fit_n, a->tau);
        if (a->plateau && !isnan(a->warmup_end_t))
            fprintf(out, "         warm-up ended %s\n", when(a, a->warmup_end_t, wall0, b1, sizeof b1));
        return;
    }
}

void gmd_gc_write_text(FILE *out, const char *source, const gmd_gctrace *t, const gmd_gc_analysis *a)
{
    char b1[48], b2[48], b3[48], b4[48], b5[48];
    print_verdict(out, a);
    const gmd_gctrace_counts *k = &t->counts;
    if (a->n > 0) {
        fprintf(out, "\n");
        fprintf(out, "cycles   %zu in %s", a->n, dur(a->duration_s, b1, sizeof b1));
        if (!isnan(a->cycles_per_min) && a->cycles_per_min > 120)
            fprintf(out, " (%.1f/s, median gap %s)", a->cycles_per_min / 60, dur(a->median_interval_s, b2, sizeof b2));
        else if (!isnan(a->cycles_per_min))
            fprintf(out, " (%.1f/min, median gap %s)", a->cycles_per_min, dur(a->median_interval_s, b2, sizeof b2));
        fprintf(out, "; %zu forced (runtime.GC), %zu periodic (2-minute)", a->forced, a->periodic);
        if (a->forced_by_gmd) fprintf(out, "; %zu of the forced by gmd's heap?gc=1", a->forced_by_gmd);
        fputc('\n', out);
        if (!isnan(a->wall_first))
            fprintf(out, "         %s to %s\n", when(a, a->t_first, a->wall_first, b1, sizeof b1),
                    when(a, a->t_last, a->wall_first, b2, sizeof b2));
        fprintf(out, "pauses   stop-the-world p50 %s, p90 %s, p99 %s, max %s; total %s\n",
                ms(a->pause_p50, b1, sizeof b1), ms(a->pause_p90, b2, sizeof b2), ms(a->pause_p99, b3, sizeof b3),
                ms(a->pause_max, b4, sizeof b4), ms(a->pause_total_ms, b5, sizeof b5));
        fprintf(out, "         concurrent mark p50 %s, max %s\n", ms(a->mark_p50_ms, b1, sizeof b1), ms(a->mark_max_ms, b2, sizeof b2));
        fprintf(out, "GC CPU   %d%% since process start (runtime)", a->cpu_pct_runtime);
        if (!isnan(a->cpu_frac_window)) fprintf(out, "; %.1f%% over this log, %.0f%% of it in mark assists", a->cpu_frac_window * 100, a->assist_frac * 100);
        fprintf(out, "; GOMAXPROCS %d\n", a->procs);
        fprintf(out, "heap     live after GC   %s -> %s (min %s, median %s, max %s)\n",
                mb((double)a->live_first, b1, sizeof b1), mb((double)a->live_last, b2, sizeof b2),
                mb((double)a->live_min, b3, sizeof b3), mb(a->live_median, b4, sizeof b4), mb((double)a->live_max, b5, sizeof b5));
        fprintf(out, "         heap at GC start median %s, max %s\n", mb((double)a->start_median, b1, sizeof b1),
                mb((double)a->start_max, b2, sizeof b2));
        fprintf(out, "         goal            last %s (range %s to %s)", mb((double)a->goal_last, b1, sizeof b1),
                mb((double)a->goal_min, b2, sizeof b2), mb((double)a->goal_max, b3, sizeof b3));
        if (!isnan(a->gogc_est)) fprintf(out, ", effective GOGC ~%.0f", a->gogc_est);
        if (!isnan(a->gogc_late) && !isnan(a->gogc_est) && fabs(a->gogc_late - a->gogc_est) > 0.2 * a->gogc_est)
            fprintf(out, " (~%.0f late in the run)", a->gogc_late);
        fprintf(out, "\n");
        if (a->stacks_last >= 0)
            fprintf(out, "         stacks %s (max %s), globals %s\n", mb((double)a->stacks_last, b1, sizeof b1),
                    mb((double)a->stacks_max, b2, sizeof b2), mb((double)a->globals_last, b3, sizeof b3));
        if (a->released_mb >= 0)
            fprintf(out, "         returned to the OS: %s (scavenger, last scav line)\n", mb((double)a->released_mb, b1, sizeof b1));

        /* Why RSS is above the live heap. */
        double extra = (a->stacks_last > 0 ? (double)a->stacks_last : 0) + (a->globals_last > 0 ? (double)a->globals_last : 0);
        fprintf(out, "\nwhy RSS is above the live heap (%s):\n", mb((double)a->live_last, b1, sizeof b1));
        if (!isnan(a->gogc_est))
            fprintf(out, "  - between cycles the heap grows to its goal, live x (1 + GOGC/100): here ~%.1fx, %s\n",
                    (double)a->goal_last / fmax((double)a->live_last, 1), mb((double)a->goal_last, b1, sizeof b1));
        else
            fprintf(out, "  - between cycles the heap grows to its goal (%s), about live x (1 + GOGC/100)\n",
                    mb((double)a->goal_last, b1, sizeof b1));
        if (a->stacks_last >= 0)
            fprintf(out, "  - goroutine stacks (%s) and globals (%s) live outside the heap\n",
                    mb((double)a->stacks_last, b1, sizeof b1), mb((double)a->globals_last, b2, sizeof b2));
        if (a->released_mb >= 0)
            fprintf(out, "  - freed pages stay in RSS until the scavenger returns them (%s returned so far)\n",
                    mb((double)a->released_mb, b1, sizeof b1));
        else
            fprintf(out, "  - freed pages stay in RSS until the scavenger returns them (add scavtrace=1 to GODEBUG to see it; "
                       "Go 1.13 and older print scvg lines with gctrace=1)\n");
        fprintf(out, "  => expect RSS of about %s (goal + stacks + globals) plus a few MB of runtime metadata;\n"
                     "     much more than that is memory outside the Go heap (cgo, mmap) or not yet returned to the OS\n",
                mb((double)a->goal_last + extra, b1, sizeof b1));
    }
    warnings w;
    collect_warnings(a, &w);
    if (w.n) {
        fprintf(out, "\nwarnings:\n");
        for (int i = 0; i < w.n; i++) fprintf(out, "  ! %s\n", w.text[i]);
    }
    fprintf(out, "\ninput    %s: %llu lines, %llu gc cycles", source, (unsigned long long)k->lines,
            (unsigned long long)k->gc_lines);
    if (k->scav_lines) fprintf(out, ", %llu scav", (unsigned long long)k->scav_lines);
    if (k->forced_lines) fprintf(out, ", %llu 'GC forced'", (unsigned long long)k->forced_lines);
    if (k->scan_lines) fprintf(out, ", %llu gctrace=2 scan", (unsigned long long)k->scan_lines);
    fprintf(out, "; %llu other lines skipped", (unsigned long long)(k->foreign + k->other_runtime));
    if (k->gc_midline) fprintf(out, "; %llu gc lines found mid-line", (unsigned long long)k->gc_midline);
    if (k->malformed)
        fprintf(out, "; %llu cut or interleaved gctrace lines skipped (first at byte %llu)",
                (unsigned long long)k->malformed, (unsigned long long)k->first_malformed);
    if (k->implausible)
        fprintf(out, "; %llu line%s with impossible values skipped (first at line %llu, byte %llu)",
                (unsigned long long)k->implausible, k->implausible == 1 ? "" : "s",
                (unsigned long long)k->first_implausible_line, (unsigned long long)k->first_implausible);
    if (k->long_lines) fprintf(out, "; %llu over-long lines", (unsigned long long)k->long_lines);
    fprintf(out, "\n");
    if (a->n == 0)
        fprintf(out, "\nNo GC cycles found. Run the program with GODEBUG=gctrace=1 and capture its stderr:\n"
                     "  GODEBUG=gctrace=1 ./app 2> gc.log; gmd gc gc.log\n");
}

static void json_opt_double(gmd_json *j, const char *key, double v)
{
    gmd_json_key(j, key);
    gmd_json_double(j, v);
}

void gmd_gc_write_json(FILE *out, const char *source, const gmd_gctrace *t, const gmd_gc_analysis *a)
{
    gmd_json j;
    gmd_json_init(&j, out, false);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "source");
    gmd_json_string(&j, source);
    gmd_json_key(&j, "verdict");
    gmd_json_string(&j, a->verdict == GMD_GC_INSUFFICIENT ? "insufficient_data" : gmd_gc_verdict_name(a->verdict));
    gmd_json_key(&j, "plateau");
    gmd_json_bool(&j, a->plateau);
    gmd_json_key(&j, "confidence");
    gmd_json_string(&j, a->confidence);

    gmd_json_key(&j, "trend");
    gmd_json_object_begin(&j);
    json_opt_double(&j, "slope_mb_per_min", a->slope_mb_min);
    json_opt_double(&j, "kendall_tau", a->tau);
    json_opt_double(&j, "t0_s", a->fit_t0);
    json_opt_double(&j, "t1_s", a->fit_t1);
    json_opt_double(&j, "live_mb_t0", a->fit_y0);
    json_opt_double(&j, "live_mb_t1", a->fit_y1);
    gmd_json_key(&j, "cycles");
    gmd_json_uint(&j, a->fit_n);
    json_opt_double(&j, "warmup_end_s", a->warmup_end_t);
    json_opt_double(&j, "hours_to_double", a->hours_to_double);
    json_opt_double(&j, "limit_mb", a->limit_mb > 0 ? a->limit_mb : NAN);
    json_opt_double(&j, "hours_to_limit", a->hours_to_limit);
    json_opt_double(&j, "hours_goal_to_limit", a->hours_goal_to_limit);
    gmd_json_object_end(&j);

    gmd_json_key(&j, "summary");
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "cycles"); gmd_json_uint(&j, a->n);
    gmd_json_key(&j, "runs"); gmd_json_uint(&j, a->runs);
    json_opt_double(&j, "t_first_s", a->t_first);
    json_opt_double(&j, "t_last_s", a->t_last);
    json_opt_double(&j, "wall_first", a->wall_first);
    json_opt_double(&j, "wall_last", a->wall_last);
    json_opt_double(&j, "cycles_per_min", a->cycles_per_min);
    json_opt_double(&j, "median_interval_s", a->median_interval_s);
    gmd_json_key(&j, "forced"); gmd_json_uint(&j, a->forced);
    gmd_json_key(&j, "forced_by_gmd"); gmd_json_uint(&j, a->forced_by_gmd);
    gmd_json_key(&j, "periodic"); gmd_json_uint(&j, a->periodic);
    json_opt_double(&j, "pause_total_ms", a->pause_total_ms);
    json_opt_double(&j, "pause_p50_ms", a->pause_p50);
    json_opt_double(&j, "pause_p90_ms", a->pause_p90);
    json_opt_double(&j, "pause_p99_ms", a->pause_p99);
    json_opt_double(&j, "pause_max_ms", a->pause_max);
    json_opt_double(&j, "mark_p50_ms", a->mark_p50_ms);
    json_opt_double(&j, "mark_max_ms", a->mark_max_ms);
    gmd_json_key(&j, "gc_cpu_pct_runtime"); gmd_json_int(&j, a->cpu_pct_runtime);
    json_opt_double(&j, "gc_cpu_fraction", a->cpu_frac_window);
    json_opt_double(&j, "assist_fraction", a->assist_frac);
    gmd_json_key(&j, "gomaxprocs"); gmd_json_int(&j, a->procs);
    gmd_json_key(&j, "live_first_mb"); gmd_json_int(&j, a->live_first);
    gmd_json_key(&j, "live_last_mb"); gmd_json_int(&j, a->live_last);
    gmd_json_key(&j, "live_min_mb"); gmd_json_int(&j, a->live_min);
    gmd_json_key(&j, "live_max_mb"); gmd_json_int(&j, a->live_max);
    json_opt_double(&j, "live_median_mb", a->live_median);
    gmd_json_key(&j, "heap_start_median_mb"); gmd_json_int(&j, a->start_median);
    gmd_json_key(&j, "heap_start_max_mb"); gmd_json_int(&j, a->start_max);
    gmd_json_key(&j, "goal_last_mb"); gmd_json_int(&j, a->goal_last);
    gmd_json_key(&j, "goal_max_mb"); gmd_json_int(&j, a->goal_max);
    gmd_json_key(&j, "stacks_last_mb"); gmd_json_int(&j, a->stacks_last);
    gmd_json_key(&j, "globals_last_mb"); gmd_json_int(&j, a->globals_last);
    json_opt_double(&j, "gogc_effective", a->gogc_est);
    json_opt_double(&j, "gogc_effective_late", a->gogc_late);
    json_opt_double(&j, "headroom_use", a->headroom_use);
    gmd_json_key(&j, "released_mb"); gmd_json_int(&j, a->released_mb);
    gmd_json_object_end(&j);

    warnings w;
    collect_warnings(a, &w);
    gmd_json_key(&j, "flags");
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "gc_thrash"); gmd_json_bool(&j, a->thrash_cpu);
    gmd_json_key(&j, "memory_limit_pressure"); gmd_json_bool(&j, a->memlimit);
    gmd_json_key(&j, "early_trigger"); gmd_json_bool(&j, a->early_trigger);
    gmd_json_key(&j, "many_forced"); gmd_json_bool(&j, a->many_forced);
    gmd_json_object_end(&j);
    gmd_json_key(&j, "warnings");
    gmd_json_array_begin(&j);
    for (int i = 0; i < w.n; i++) gmd_json_string(&j, w.text[i]);
    gmd_json_array_end(&j);

    const gmd_gctrace_counts *k = &t->counts;
    gmd_json_key(&j, "input");
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "bytes"); gmd_json_uint(&j, k->bytes);
    gmd_json_key(&j, "lines"); gmd_json_uint(&j, k->lines);
    gmd_json_key(&j, "gc_lines"); gmd_json_uint(&j, k->gc_lines);
    gmd_json_key(&j, "gc_midline"); gmd_json_uint(&j, k->gc_midline);
    gmd_json_key(&j, "gc_forced_lines"); gmd_json_uint(&j, k->forced_lines);
    gmd_json_key(&j, "scav_lines"); gmd_json_uint(&j, k->scav_lines);
    gmd_json_key(&j, "scan_lines"); gmd_json_uint(&j, k->scan_lines);
    gmd_json_key(&j, "other_runtime_lines"); gmd_json_uint(&j, k->other_runtime);
    gmd_json_key(&j, "malformed_lines"); gmd_json_uint(&j, k->malformed);
    gmd_json_key(&j, "implausible_lines"); gmd_json_uint(&j, k->implausible);
    if (k->implausible) {
        gmd_json_key(&j, "first_implausible_line"); gmd_json_uint(&j, k->first_implausible_line);
    }
    gmd_json_key(&j, "foreign_lines"); gmd_json_uint(&j, k->foreign);
    gmd_json_key(&j, "long_lines"); gmd_json_uint(&j, k->long_lines);
    gmd_json_key(&j, "restarts"); gmd_json_uint(&j, k->restarts);
    gmd_json_key(&j, "timestamped"); gmd_json_uint(&j, k->timestamped);
    gmd_json_object_end(&j);

    gmd_json_key(&j, "cycles");
    gmd_json_array_begin(&j);
    for (size_t i = 0; i < t->ncycles; i++) {
        const gmd_gc_cycle *c = &t->cycles[i];
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "n"); gmd_json_uint(&j, c->num);
        gmd_json_key(&j, "run"); gmd_json_uint(&j, c->run);
        gmd_json_key(&j, "t"); gmd_json_double(&j, c->t);
        if (!isnan(c->wall)) { gmd_json_key(&j, "wall"); gmd_json_double(&j, c->wall); }
        gmd_json_key(&j, "cpu_pct"); gmd_json_int(&j, c->cpu_pct);
        gmd_json_key(&j, "stw_ms"); gmd_json_double(&j, c->stw_ms);
        gmd_json_key(&j, "mark_ms"); gmd_json_double(&j, c->mark_ms);
        gmd_json_key(&j, "gc_cpu_ms"); gmd_json_double(&j, c->gc_cpu_ms);
        gmd_json_key(&j, "assist_ms"); gmd_json_double(&j, c->assist_ms);
        gmd_json_key(&j, "heap_start_mb"); gmd_json_int(&j, c->heap_start_mb);
        gmd_json_key(&j, "heap_term_mb"); gmd_json_int(&j, c->heap_term_mb);
        gmd_json_key(&j, "live_mb"); gmd_json_int(&j, c->live_mb);
        gmd_json_key(&j, "goal_mb"); gmd_json_int(&j, c->goal_mb);
        gmd_json_key(&j, "stacks_mb"); gmd_json_int(&j, c->stacks_mb);
        gmd_json_key(&j, "globals_mb"); gmd_json_int(&j, c->globals_mb);
        gmd_json_key(&j, "procs"); gmd_json_int(&j, c->procs);
        gmd_json_key(&j, "forced"); gmd_json_bool(&j, c->forced);
        gmd_json_key(&j, "periodic"); gmd_json_bool(&j, c->periodic);
        if (c->released_kib >= 0) { gmd_json_key(&j, "released_kib"); gmd_json_int(&j, c->released_kib); }
        gmd_json_key(&j, "offset"); gmd_json_uint(&j, c->offset);
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
}

void gmd_gc_write_csv(FILE *out, const gmd_gctrace *t)
{
    fputs("n,run,t_s,wall,cpu_pct,stw_ms,mark_ms,gc_cpu_ms,assist_ms,heap_start_mb,heap_term_mb,live_mb,"
          "goal_mb,stacks_mb,globals_mb,procs,forced,periodic,released_kib,offset\n", out);
    for (size_t i = 0; i < t->ncycles; i++) {
        const gmd_gc_cycle *c = &t->cycles[i];
        char wall[32] = "";
        if (!isnan(c->wall)) snprintf(wall, sizeof wall, "%.3f", c->wall);
        char rel[24] = "";
        if (c->released_kib >= 0) snprintf(rel, sizeof rel, "%lld", (long long)c->released_kib);
        fprintf(out, "%u,%u,%.3f,%s,%d,%.3f,%.3f,%.3f,%.3f,%lld,%lld,%lld,%lld,%lld,%lld,%d,%d,%d,%s,%llu\n",
                c->num, c->run, c->t, wall, c->cpu_pct, c->stw_ms, c->mark_ms, c->gc_cpu_ms, c->assist_ms,
                (long long)c->heap_start_mb, (long long)c->heap_term_mb, (long long)c->live_mb,
                (long long)c->goal_mb, (long long)c->stacks_mb, (long long)c->globals_mb, c->procs, c->forced,
                c->periodic, rel, (unsigned long long)c->offset);
    }
}

void gmd_gc_status_line(char *buf, size_t size, const gmd_gctrace *t, const gmd_gc_analysis *a)
{
    char b1[32], b2[32];
    if (a->n == 0) {
        snprintf(buf, size, "gmd gc: %llu lines, no GC cycles yet", (unsigned long long)t->counts.lines);
        return;
    }
    const gmd_gc_cycle *c = &t->cycles[t->ncycles - 1];
    int n = snprintf(buf, size, "gmd gc: %zu cycles | live %s goal %s | GC CPU %d%% | ", a->n,
                     mb((double)c->live_mb, b1, sizeof b1), mb((double)c->goal_mb, b2, sizeof b2), c->cpu_pct);
    if (n < 0 || (size_t)n >= size) return;
    if (a->verdict == GMD_GC_INSUFFICIENT)
        snprintf(buf + n, size - (size_t)n, "trend: need more cycles");
    else
        snprintf(buf + n, size - (size_t)n, "%+.2f MB/min | %s%s", a->slope_mb_min,
                 a->verdict == GMD_GC_GROWING ? "GROWING" : "stable", a->plateau ? " (plateau)" : "");
}
