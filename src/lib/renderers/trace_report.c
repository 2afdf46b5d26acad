/* gmd trace's text and JSON reports. */
#include <stdio.h>
#include <string.h>
#include "gmd/json.h"
#include "gmd/trace_report.h"
#include "gmd/units.h"

static unsigned top_of(const gmd_trace_report_opts *o) { return o->top ? o->top : 20; }
static unsigned frames_of(const gmd_trace_report_opts *o) { return o->frames ? o->frames : 6; }

static const char *dur(int64_t ns, char *b, size_t n) { return gmd_fmt_value(ns, "nanoseconds", b, n); }
static const char *bytes(double v, char *b, size_t n) { return gmd_fmt_value((int64_t)v, "bytes", b, n); }
static double secs(const gmd_trace_analysis *a) { return a->end > a->start ? (double)(a->end - a->start) / 1e9 : 0; }

static void json_stack(gmd_json *j, const gmd_trace_analysis *a, uint32_t s)
{
    gmd_json_array_begin(j);
    if (s != GMD_TNONE)
        for (uint32_t i = 0; i < a->stacks[s].n; i++) {
            const gmd_tframe *f = &a->frames[a->frame_of[a->stacks[s].first + i]];
            gmd_json_object_begin(j);
            gmd_json_key(j, "function");
            gmd_json_string(j, f->func);
            gmd_json_key(j, "file");
            gmd_json_string(j, f->file);
            gmd_json_key(j, "line");
            gmd_json_uint(j, f->line);
            gmd_json_object_end(j);
        }
    gmd_json_array_end(j);
}

static void text_stack(FILE *out, const gmd_trace_analysis *a, uint32_t s, unsigned max, const char *indent)
{
    if (s == GMD_TNONE) return;
    uint32_t n = a->stacks[s].n;
    for (uint32_t i = 0; i < n && i < max; i++) {
        const gmd_tframe *f = &a->frames[a->frame_of[a->stacks[s].first + i]];
        const char *file = strrchr(f->file, '/');
        fprintf(out, "%s%s  %s:%llu\n", indent, f->func, file ? file + 1 : f->file, (unsigned long long)f->line);
    }
    if (n > max) fprintf(out, "%s... %u more frames\n", indent, n - max);
}

static void json_meta(gmd_json *j, const gmd_trace_analysis *a, const gmd_trace_report_opts *o)
{
    gmd_json_key(j, "source");
    gmd_json_string(j, o->source ? o->source : "");
    gmd_json_key(j, "go_version");
    char v[16];
    snprintf(v, sizeof v, "1.%d", a->version);
    gmd_json_string(j, v);
    gmd_json_key(j, "duration_ns");
    gmd_json_int(j, a->end - a->start);
    gmd_json_key(j, "events");
    gmd_json_uint(j, a->events);
    gmd_json_key(j, "generations");
    gmd_json_uint(j, a->generations);
    gmd_json_key(j, "truncated");
    if (a->truncated) gmd_json_string(j, a->truncated);
    else gmd_json_null(j);
}

/* Every view's JSON object starts the same: the trace's description. */
static void json_open(gmd_json *j, FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o)
{
    gmd_json_init(j, out, false);
    gmd_json_object_begin(j);
    json_meta(j, a, o);
}

static void text_meta(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o)
{
    char b[32];
    fprintf(out, "trace: %s (go 1.%d format), %s, %llu events in %llu generations\n", o->source ? o->source : "",
            a->version, dur(a->end - a->start, b, sizeof b), (unsigned long long)a->events, (unsigned long long)a->generations);
    if (a->truncated) fprintf(out, "warning: %s\n", a->truncated);
}

/* ---- goroutines ---- */

static void site_name(FILE *out, const gmd_trace_site *s)
{
    fprintf(out, "%s", *s->start_function ? s->start_function : "(unknown start function)");
    if (*s->created_by) fprintf(out, " created by %s", s->created_by);
    else fprintf(out, " (existed when the trace started)");
    if (s->tracer_own) fprintf(out, " [the trace's own]");
}

void gmd_trace_report_goroutines(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o)
{
    double d = secs(a);
    if (o->json) {
        gmd_json j;
        json_open(&j, out, a, o);
        gmd_json_key(&j, "goroutines");
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "at_start"); gmd_json_uint(&j, a->goroutines_at_start);
        gmd_json_key(&j, "created"); gmd_json_uint(&j, a->created);
        gmd_json_key(&j, "ended"); gmd_json_uint(&j, a->ended);
        gmd_json_key(&j, "alive_at_end"); gmd_json_uint(&j, a->alive_at_end);
        gmd_json_object_end(&j);
        gmd_json_key(&j, "sites");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < a->nsites; i++) {
            const gmd_trace_site *s = &a->sites[i];
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "start_function"); gmd_json_string(&j, s->start_function);
            gmd_json_key(&j, "created_by"); gmd_json_string(&j, s->created_by);
            gmd_json_key(&j, "created"); gmd_json_uint(&j, s->created);
            gmd_json_key(&j, "ended"); gmd_json_uint(&j, s->ended);
            gmd_json_key(&j, "alive_at_end"); gmd_json_uint(&j, s->alive_at_end);
            gmd_json_key(&j, "existed_at_start"); gmd_json_uint(&j, s->existed_at_start);
            gmd_json_key(&j, "created_and_alive"); gmd_json_uint(&j, s->created_alive);
            gmd_json_key(&j, "tracer_own"); gmd_json_bool(&j, s->tracer_own);
            gmd_json_key(&j, "created_per_s"); gmd_json_double(&j, d > 0 ? (double)s->created / d : 0);
            gmd_json_key(&j, "ended_per_s"); gmd_json_double(&j, d > 0 ? (double)s->ended / d : 0);
            gmd_json_key(&j, "states");
            gmd_json_array_begin(&j);
            for (uint32_t k = 0; k < s->nstates; k++) {
                gmd_json_object_begin(&j);
                gmd_json_key(&j, "state"); gmd_json_string(&j, s->states[k].state);
                gmd_json_key(&j, "count"); gmd_json_uint(&j, s->states[k].count);
                gmd_json_key(&j, "longest_ns"); gmd_json_int(&j, s->states[k].longest_ns);
                gmd_json_object_end(&j);
            }
            gmd_json_array_end(&j);
            gmd_json_key(&j, "creation_stack"); json_stack(&j, a, s->create_stack);
            gmd_json_key(&j, "wait_stack"); json_stack(&j, a, s->wait_stack);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        return;
    }
    text_meta(out, a, o);
    fprintf(out, "goroutines: %llu at start, %llu created, %llu ended, %llu alive at the end\n\n",
            (unsigned long long)a->goroutines_at_start, (unsigned long long)a->created, (unsigned long long)a->ended,
            (unsigned long long)a->alive_at_end);
    fprintf(out, "%9s %9s %9s %9s  site (start function, created by); alive ones: state\n", "created", "ended", "alive", "leaking");
    unsigned shown = 0;
    for (uint32_t i = 0; i < a->nsites && shown < top_of(o); i++, shown++) {
        const gmd_trace_site *s = &a->sites[i];
        fprintf(out, "%9llu %9llu %9llu %9llu  ", (unsigned long long)s->created, (unsigned long long)s->ended,
                (unsigned long long)s->alive_at_end, (unsigned long long)s->created_alive);
        site_name(out, s);
        fputc('\n', out);
        for (uint32_t k = 0; k < s->nstates && k < 4; k++) {
            char b[32];
            fprintf(out, "%40s %llu %s (longest %s)\n", "", (unsigned long long)s->states[k].count, s->states[k].state,
                    dur(s->states[k].longest_ns, b, sizeof b));
        }
    }
    if (a->nsites > shown) fprintf(out, "... %u more sites (--top N)\n", a->nsites - shown);
    if (a->nsites && a->sites[0].created_alive && !a->sites[0].tracer_own) {
        const gmd_trace_site *s = &a->sites[0];
        fprintf(out, "\nleak signal: %llu goroutines of ", (unsigned long long)s->created_alive);
        site_name(out, s);
        fprintf(out, " were created during the trace and never ended (%.1f created/s, %.1f ended/s)\n",
                d > 0 ? (double)s->created / d : 0, d > 0 ? (double)s->ended / d : 0);
        if (s->create_stack != GMD_TNONE) {
            fprintf(out, "  created at:\n");
            text_stack(out, a, s->create_stack, frames_of(o), "    ");
        }
        if (s->wait_stack != GMD_TNONE) {
            fprintf(out, "  waiting at:\n");
            text_stack(out, a, s->wait_stack, frames_of(o), "    ");
        }
    }
}

/* ---- blocking ---- */

static const char *kind_name(const gmd_trace_block *b)
{
    return b->kind == GMD_TBLOCK_SYSCALL ? "syscall" : b->kind == GMD_TBLOCK_SCHED ? "runnable (scheduler latency)" : b->reason;
}

typedef struct tot { const char *name; uint64_t count; int64_t ns; } tot;

static uint32_t block_totals(const gmd_trace_block *bl, uint32_t nbl, tot *t, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nbl; i++) {
        const char *k = kind_name(&bl[i]);
        uint32_t x = 0;
        while (x < n && strcmp(t[x].name, k)) x++;
        if (x == n) {
            if (n == max) continue;
            t[n++] = (tot){k, 0, 0};
        }
        t[x].count += bl[i].count;
        t[x].ns = gmd_trace_ns_add(t[x].ns, bl[i].ns);
    }
    for (uint32_t x = 1; x < n; x++)
        for (uint32_t y = x; y > 0 && t[y].ns > t[y - 1].ns; y--) {
            tot s = t[y];
            t[y] = t[y - 1];
            t[y - 1] = s;
        }
    return n;
}

static uint32_t totals(const gmd_trace_analysis *a, tot *t, uint32_t max)
{
    return block_totals(a->blocks, a->nblocks, t, max);
}

/* A wait whose reason the trace does not give: it began before the trace. */
#define UNKNOWN_REASON "(reason not in the trace: blocked since before it began)"
static const char *still_name(const char *reason) { return reason[0] ? reason : UNKNOWN_REASON; }

/* Goroutines still blocked at the end: "still_blocked": {"goroutines", "ns",
 * "totals": [{"reason","class","goroutines","ns"}], "stacks": [...]}. */
static void json_still(gmd_json *j, const gmd_trace_analysis *a, const tot *t, uint32_t nt, unsigned max_stacks)
{
    uint64_t g = 0;
    int64_t ns = 0;
    for (uint32_t i = 0; i < nt; i++) g += t[i].count, ns = gmd_trace_ns_add(ns, t[i].ns);
    gmd_json_key(j, "still_blocked");
    gmd_json_object_begin(j);
    gmd_json_key(j, "goroutines"); gmd_json_uint(j, g);
    gmd_json_key(j, "ns"); gmd_json_int(j, ns);
    gmd_json_key(j, "totals");
    gmd_json_array_begin(j);
    for (uint32_t i = 0; i < nt; i++) {
        gmd_json_object_begin(j);
        gmd_json_key(j, "reason"); gmd_json_string(j, t[i].name);
        gmd_json_key(j, "class"); gmd_json_string(j, t[i].name[0] ? gmd_trace_reason_class(t[i].name) : "unknown");
        gmd_json_key(j, "goroutines"); gmd_json_uint(j, t[i].count);
        gmd_json_key(j, "ns"); gmd_json_int(j, t[i].ns);
        gmd_json_object_end(j);
    }
    gmd_json_array_end(j);
    if (max_stacks) {
        gmd_json_key(j, "stacks");
        gmd_json_array_begin(j);
        for (uint32_t i = 0; i < a->nstill && i < max_stacks; i++) {
            const gmd_trace_block *b = &a->still[i];
            gmd_json_object_begin(j);
            gmd_json_key(j, "reason"); gmd_json_string(j, b->reason);
            gmd_json_key(j, "goroutines"); gmd_json_uint(j, b->count);
            gmd_json_key(j, "ns"); gmd_json_int(j, b->ns);
            gmd_json_key(j, "stack"); json_stack(j, a, b->stack);
            gmd_json_object_end(j);
        }
        gmd_json_array_end(j);
    }
    gmd_json_object_end(j);
}

void gmd_trace_report_blocking(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o)
{
    tot t[256], st[256];
    uint32_t nt = totals(a, t, 256);
    uint32_t nst = block_totals(a->still, a->nstill, st, 256);
    if (o->json) {
        gmd_json j;
        json_open(&j, out, a, o);
        gmd_json_key(&j, "totals");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < nt; i++) {
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "reason"); gmd_json_string(&j, t[i].name);
            gmd_json_key(&j, "class");
            gmd_json_string(&j, !strcmp(t[i].name, "syscall") ? "syscall" : !strncmp(t[i].name, "runnable", 8) ? "scheduler" : gmd_trace_reason_class(t[i].name));
            gmd_json_key(&j, "count"); gmd_json_uint(&j, t[i].count);
            gmd_json_key(&j, "ns"); gmd_json_int(&j, t[i].ns);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_key(&j, "stacks");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < a->nblocks && i < top_of(o) * 5; i++) {
            const gmd_trace_block *b = &a->blocks[i];
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "reason"); gmd_json_string(&j, kind_name(b));
            gmd_json_key(&j, "count"); gmd_json_uint(&j, b->count);
            gmd_json_key(&j, "ns"); gmd_json_int(&j, b->ns);
            gmd_json_key(&j, "stack"); json_stack(&j, a, b->stack);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        json_still(&j, a, st, nst, top_of(o) * 5);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        return;
    }
    text_meta(out, a, o);
    fprintf(out, "time goroutines spent not running, by reason (summed over goroutines):\n");
    char b1[32];
    for (uint32_t i = 0; i < nt; i++)
        fprintf(out, "  %12s %9llu times  %s\n", dur(t[i].ns, b1, sizeof b1), (unsigned long long)t[i].count, t[i].name);
    fprintf(out, "\ntop blocking stacks:\n");
    unsigned shown = 0;
    for (uint32_t i = 0; i < a->nblocks && shown < top_of(o); i++) {
        const gmd_trace_block *b = &a->blocks[i];
        if (b->kind == GMD_TBLOCK_SCHED) continue;
        shown++;
        fprintf(out, "  %s in %llu blocks: %s\n", dur(b->ns, b1, sizeof b1), (unsigned long long)b->count, kind_name(b));
        text_stack(out, a, b->stack, frames_of(o), "      ");
    }
    if (!nst) return;
    fprintf(out, "\nstill blocked at the end of the trace (waits that never ended, not counted above; time so far):\n");
    for (uint32_t i = 0; i < nst; i++)
        fprintf(out, "  %12s %9llu goroutine%s  %s\n", dur(st[i].ns, b1, sizeof b1), (unsigned long long)st[i].count,
                st[i].count == 1 ? " " : "s", still_name(st[i].name));
    fprintf(out, "\ntop stacks still blocked at the end:\n");
    for (uint32_t i = 0; i < a->nstill && i < top_of(o); i++) {
        const gmd_trace_block *b = &a->still[i];
        fprintf(out, "  %s so far in %llu goroutine%s: %s\n", dur(b->ns, b1, sizeof b1), (unsigned long long)b->count,
                b->count == 1 ? "" : "s", still_name(b->reason));
        text_stack(out, a, b->stack, frames_of(o), "      ");
    }
}

/* ---- gc ---- */

void gmd_trace_report_gc(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o)
{
    int64_t stw_total = 0, stw_max = 0, gc_stw = 0;
    for (uint32_t i = 0; i < a->nstws; i++) {
        int64_t d = a->stws[i].end ? a->stws[i].end - a->stws[i].start : 0;
        stw_total = gmd_trace_ns_add(stw_total, d);
        if (d > stw_max) stw_max = d;
        if (!strncmp(a->stws[i].kind, "GC", 2)) gc_stw = gmd_trace_ns_add(gc_stw, d);
    }
    double peak_heap = 0, last_heap = 0, last_goal = 0;
    for (uint32_t i = 0; i < a->heap_alloc.n; i++)
        if (a->heap_alloc.have[i]) {
            if (a->heap_alloc.v[i] > peak_heap) peak_heap = a->heap_alloc.v[i];
            last_heap = a->heap_alloc.v[i];
        }
    for (uint32_t i = 0; i < a->heap_goal.n; i++)
        if (a->heap_goal.have[i]) last_goal = a->heap_goal.v[i];
    if (o->json) {
        gmd_json j;
        json_open(&j, out, a, o);
        gmd_json_key(&j, "gc_cycles"); gmd_json_uint(&j, a->ngcs);
        gmd_json_key(&j, "gc_running_at_start"); gmd_json_bool(&j, a->gc_active_at_start > 0);
        gmd_json_key(&j, "stw_pauses"); gmd_json_uint(&j, a->nstws);
        gmd_json_key(&j, "stw_total_ns"); gmd_json_int(&j, stw_total);
        gmd_json_key(&j, "stw_max_ns"); gmd_json_int(&j, stw_max);
        gmd_json_key(&j, "gc_stw_ns"); gmd_json_int(&j, gc_stw);
        gmd_json_key(&j, "heap_peak_bytes"); gmd_json_double(&j, peak_heap);
        gmd_json_key(&j, "heap_last_bytes"); gmd_json_double(&j, last_heap);
        gmd_json_key(&j, "heap_goal_last_bytes"); gmd_json_double(&j, last_goal);
        gmd_json_key(&j, "cycles");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < a->ngcs; i++) {
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "seq"); gmd_json_uint(&j, a->gcs[i].seq);
            gmd_json_key(&j, "start_ns"); gmd_json_int(&j, a->gcs[i].start - a->start);
            gmd_json_key(&j, "end_ns");
            if (a->gcs[i].end) gmd_json_int(&j, a->gcs[i].end - a->start);
            else gmd_json_null(&j);
            gmd_json_key(&j, "stw_ns"); gmd_json_int(&j, a->gcs[i].stw_ns);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_key(&j, "pauses");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < a->nstws; i++) {
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "kind"); gmd_json_string(&j, a->stws[i].kind);
            gmd_json_key(&j, "start_ns"); gmd_json_int(&j, a->stws[i].start - a->start);
            gmd_json_key(&j, "ns"); gmd_json_int(&j, a->stws[i].end ? a->stws[i].end - a->stws[i].start : 0);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        const gmd_tseries *ser[2] = {&a->heap_alloc, &a->heap_goal};
        const char *names[2] = {"heap_live", "heap_goal"};
        for (int k = 0; k < 2; k++) {
            gmd_json_key(&j, names[k]);
            gmd_json_array_begin(&j);
            for (uint32_t i = 0; i < ser[k]->n; i++) {
                if (!ser[k]->have[i]) continue;
                gmd_json_array_begin(&j);
                gmd_json_int(&j, ser[k]->t[i] - a->start);
                gmd_json_double(&j, ser[k]->v[i]);
                gmd_json_array_end(&j);
            }
            gmd_json_array_end(&j);
        }
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        return;
    }
    text_meta(out, a, o);
    char b1[32], b2[32], b3[32];
    double d = secs(a);
    fprintf(out, "GC cycles: %u started in the trace (%.2f/s)%s\n", a->ngcs, d > 0 ? a->ngcs / d : 0,
            a->gc_active_at_start ? ", one already running at its start" : "");
    fprintf(out, "stop-the-world: %u pauses, %s in total, longest %s (GC: %s)\n", a->nstws, dur(stw_total, b1, sizeof b1),
            dur(stw_max, b2, sizeof b2), dur(gc_stw, b3, sizeof b3));
    fprintf(out, "heap live: peak %s, last %s; heap goal: last %s\n\n", bytes(peak_heap, b1, sizeof b1), bytes(last_heap, b2, sizeof b2),
            bytes(last_goal, b3, sizeof b3));
    fprintf(out, "%6s %12s %12s %12s\n", "cycle", "start", "duration", "STW");
    unsigned shown = 0;
    for (uint32_t i = 0; i < a->ngcs && shown < top_of(o) * 5; i++, shown++) {
        char c1[32], c2[32], c3[32];
        fprintf(out, "%6llu %12s %12s %12s\n", (unsigned long long)a->gcs[i].seq, dur(a->gcs[i].start - a->start, c1, sizeof c1),
                a->gcs[i].end ? dur(a->gcs[i].end - a->gcs[i].start, c2, sizeof c2) : "(running)", dur(a->gcs[i].stw_ns, c3, sizeof c3));
    }
    if (a->ngcs > shown) fprintf(out, "... %u more cycles (--json has them all)\n", a->ngcs - shown);
}

/* ---- summary ---- */

static void json_named(gmd_json *j, const char *key, const gmd_trace_named *n, uint32_t cnt)
{
    gmd_json_key(j, key);
    gmd_json_array_begin(j);
    for (uint32_t i = 0; i < cnt; i++) {
        gmd_json_object_begin(j);
        gmd_json_key(j, "name"); gmd_json_string(j, n[i].name);
        gmd_json_key(j, "count"); gmd_json_uint(j, n[i].count);
        gmd_json_object_end(j);
    }
    gmd_json_array_end(j);
}

void gmd_trace_report_summary(FILE *out, const gmd_trace_analysis *a, const gmd_trace_report_opts *o)
{
    tot t[256], st[256];
    uint32_t nt = totals(a, t, 256);
    uint32_t nst = block_totals(a->still, a->nstill, st, 256);
    if (o->json) {
        gmd_json j;
        json_open(&j, out, a, o);
        gmd_json_key(&j, "bytes"); gmd_json_uint(&j, a->bytes);
        gmd_json_key(&j, "goroutines");
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "at_start"); gmd_json_uint(&j, a->goroutines_at_start);
        gmd_json_key(&j, "created"); gmd_json_uint(&j, a->created);
        gmd_json_key(&j, "ended"); gmd_json_uint(&j, a->ended);
        gmd_json_key(&j, "alive_at_end"); gmd_json_uint(&j, a->alive_at_end);
        gmd_json_key(&j, "sites"); gmd_json_uint(&j, a->nsites);
        gmd_json_object_end(&j);
        gmd_json_key(&j, "gc_cycles"); gmd_json_uint(&j, a->ngcs);
        gmd_json_key(&j, "stw_pauses"); gmd_json_uint(&j, a->nstws);
        gmd_json_key(&j, "blocking_ns");
        gmd_json_object_begin(&j);
        for (uint32_t i = 0; i < nt; i++) {
            gmd_json_key(&j, t[i].name);
            gmd_json_int(&j, t[i].ns);
        }
        gmd_json_object_end(&j);
        json_still(&j, a, st, nst, 0);
        gmd_json_key(&j, "tasks"); gmd_json_uint(&j, a->task_count);
        gmd_json_key(&j, "regions"); gmd_json_uint(&j, a->region_count);
        gmd_json_key(&j, "logs"); gmd_json_uint(&j, a->log_count);
        json_named(&j, "task_names", a->tasks, a->ntasks);
        json_named(&j, "region_names", a->regions, a->nregions);
        json_named(&j, "log_keys", a->logs, a->nlogs);
        gmd_json_key(&j, "cpu_samples"); gmd_json_uint(&j, a->cpu_samples);
        gmd_json_object_end(&j);
        gmd_json_finish(&j);
        return;
    }
    text_meta(out, a, o);
    char b1[32];
    fprintf(out, "goroutines: %llu at start, %llu created, %llu ended, %llu alive at the end, %u creation sites\n",
            (unsigned long long)a->goroutines_at_start, (unsigned long long)a->created, (unsigned long long)a->ended,
            (unsigned long long)a->alive_at_end, a->nsites);
    uint64_t own = 0;
    for (uint32_t i = 0; i < a->nsites; i++) own += a->sites[i].tracer_own ? a->sites[i].created_alive : 0;
    if (a->nsites && a->sites[0].created_alive && !a->sites[0].tracer_own) {
        fprintf(out, "  most created-and-never-ended: %llu of ", (unsigned long long)a->sites[0].created_alive);
        site_name(out, &a->sites[0]);
        fprintf(out, " (gmd trace goroutines)\n");
    }
    if (own)
        fprintf(out, "  %llu created-and-never-ended goroutine%s of the tracer itself (started by the capture, not by the "
                "program)\n", (unsigned long long)own, own == 1 ? "" : "s");
    fprintf(out, "GC: %u cycles, %u stop-the-world pauses (gmd trace gc)\n", a->ngcs, a->nstws);
    fprintf(out, "not running, by reason (gmd trace blocking):\n");
    for (uint32_t i = 0; i < nt && i < 8; i++) fprintf(out, "  %12s  %s\n", dur(t[i].ns, b1, sizeof b1), t[i].name);
    if (nst) {
        uint64_t g = 0;
        for (uint32_t i = 0; i < nst; i++) g += st[i].count;
        fprintf(out, "still blocked at the end of the trace: %llu goroutine%s (time so far, not counted above):\n",
                (unsigned long long)g, g == 1 ? "" : "s");
        for (uint32_t i = 0; i < nst && i < 8; i++)
            fprintf(out, "  %12s %9llu goroutine%s  %s\n", dur(st[i].ns, b1, sizeof b1), (unsigned long long)st[i].count,
                    st[i].count == 1 ? " " : "s", still_name(st[i].name));
    }
    fprintf(out, "user annotations: %llu tasks, %llu regions, %llu logs\n", (unsigned long long)a->task_count,
            (unsigned long long)a->region_count, (unsigned long long)a->log_count);
    fprintf(out, "CPU samples: %llu%s\n", (unsigned long long)a->cpu_samples, a->cpu_samples ? " (gmd trace export --pprof cpu)" : "");
}
