/* gmd run/report --json: one object whose shape is fixed (README, "gmd run
 * --json"). New fields may be added; existing ones keep their meaning. */
#include "gmd/json.h"
#include "gmd/leak_report.h"

static void trend(gmd_json *j, const char *key, const gmd_leak_trend *t)
{
    gmd_json_key(j, key);
    if (!t->have) {
        gmd_json_null(j);
        return;
    }
    gmd_json_object_begin(j);
    gmd_json_key(j, "first");
    gmd_json_double(j, t->first);
    gmd_json_key(j, "last");
    gmd_json_double(j, t->last);
    gmd_json_key(j, "max");
    gmd_json_double(j, t->max);
    gmd_json_key(j, "growth_per_sec");
    gmd_json_double(j, t->slope);
    gmd_json_key(j, "tau");
    gmd_json_double(j, t->tau);
    gmd_json_key(j, "points");
    gmd_json_uint(j, t->n);
    gmd_json_object_end(j);
}

/* A goroutine suspect's "trace" object (see the README). */
static void trace_evidence(gmd_json *j, const gmd_leak_trace_evidence *te)
{
    gmd_json_key(j, "trace");
    gmd_json_object_begin(j);
    gmd_json_key(j, "windows");
    gmd_json_uint(j, te->windows);
    gmd_json_key(j, "seconds");
    gmd_json_double(j, te->seconds);
    gmd_json_key(j, "start_function");
    gmd_json_string(j, te->start_function);
    gmd_json_key(j, "created_by");
    gmd_json_string(j, te->created_by);
    gmd_json_key(j, "created");
    gmd_json_uint(j, te->created);
    gmd_json_key(j, "ended");
    gmd_json_uint(j, te->ended);
    gmd_json_key(j, "created_alive");
    gmd_json_uint(j, te->created_alive);
    gmd_json_key(j, "created_per_sec");
    gmd_json_double(j, te->created_per_sec);
    gmd_json_key(j, "ended_per_sec");
    gmd_json_double(j, te->ended_per_sec);
    gmd_json_key(j, "against_leak");
    gmd_json_bool(j, te->against);
    gmd_json_key(j, "creation_stack");
    gmd_json_array_begin(j);
    for (uint32_t f = 0; f < te->ncreate_stack; f++) {
        gmd_json_object_begin(j);
        gmd_json_key(j, "function");
        gmd_json_string(j, te->create_stack[f].func);
        gmd_json_key(j, "file");
        gmd_json_string(j, te->create_stack[f].file);
        gmd_json_key(j, "line");
        gmd_json_int(j, te->create_stack[f].line);
        gmd_json_object_end(j);
    }
    gmd_json_array_end(j);
    gmd_json_key(j, "per_window");
    gmd_json_array_begin(j);
    for (uint32_t w = 0; w < te->windows; w++) {
        const gmd_leak_trace_count *c = &te->per_window[w];
        gmd_json_object_begin(j);
        gmd_json_key(j, "t");
        gmd_json_double(j, c->t);
        gmd_json_key(j, "t_end");
        gmd_json_double(j, c->t_end);
        gmd_json_key(j, "created");
        gmd_json_uint(j, c->created);
        gmd_json_key(j, "ended");
        gmd_json_uint(j, c->ended);
        gmd_json_key(j, "created_alive");
        gmd_json_uint(j, c->created_alive);
        gmd_json_object_end(j);
    }
    gmd_json_array_end(j);
    gmd_json_object_end(j);
}

void gmd_leak_write_json(FILE *out, const gmd_leak_result *r, const gmd_leak_report_info *info)
{
    gmd_json j;
    gmd_json_init(&j, out, false);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "leak");
    gmd_json_bool(&j, r->leak);
    gmd_json_key(&j, "verdict");
    gmd_json_string(&j, gmd_leak_verdict_name(r->verdict));
    gmd_json_key(&j, "verdict_reason");
    gmd_json_string(&j, r->verdict_reason ? r->verdict_reason : "");
    gmd_json_key(&j, "suspects");
    gmd_json_array_begin(&j);
    for (uint32_t i = 0; i < r->nsuspects; i++) {
        const gmd_leak_suspect *s = &r->suspects[i];
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "kind");
        gmd_json_string(&j, gmd_leak_kind_name(s->kind));
        gmd_json_key(&j, "site");
        gmd_json_string(&j, s->site);
        gmd_json_key(&j, "line");
        gmd_json_int(&j, s->line);
        gmd_json_key(&j, "stack");
        gmd_json_array_begin(&j);
        for (uint32_t f = 0; f < s->nstack; f++) gmd_json_string(&j, s->stack[f]);
        gmd_json_array_end(&j);
        gmd_json_key(&j, "growth_per_sec");
        gmd_json_double(&j, s->growth_per_sec);
        gmd_json_key(&j, "unit");
        gmd_json_string(&j, s->unit);
        gmd_json_key(&j, "current");
        gmd_json_double(&j, s->current);
        gmd_json_key(&j, "first");
        gmd_json_double(&j, s->first);
        gmd_json_key(&j, "score");
        gmd_json_double(&j, s->score);
        gmd_json_key(&j, "confidence");
        gmd_json_double(&j, s->confidence);
        gmd_json_key(&j, "impact");
        gmd_json_double(&j, s->impact);
        gmd_json_key(&j, "tau");
        gmd_json_double(&j, s->tau);
        gmd_json_key(&j, "growth_per_sec_first_half");
        gmd_json_double(&j, s->slope_first_half);
        gmd_json_key(&j, "growth_per_sec_last_half");
        gmd_json_double(&j, s->slope_last_half);
        gmd_json_key(&j, "z");
        gmd_json_double(&j, s->z);
        gmd_json_key(&j, "sample_quantum");
        gmd_json_double(&j, s->noise);
        gmd_json_key(&j, "paths");
        gmd_json_array_begin(&j);
        for (uint32_t p = 0; p < s->npaths; p++) {
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "stack");
            gmd_json_array_begin(&j);
            for (uint32_t f = 0; f < s->paths[p].nstack; f++) gmd_json_string(&j, s->paths[p].stack[f]);
            gmd_json_array_end(&j);
            gmd_json_key(&j, "growth");
            gmd_json_double(&j, s->paths[p].growth);
            gmd_json_key(&j, "share");
            gmd_json_double(&j, s->paths[p].share);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        if (s->kind == GMD_LEAK_GOROUTINE) {
            gmd_json_key(&j, "state");
            gmd_json_string(&j, s->state);
            gmd_json_key(&j, "created_by");
            gmd_json_string(&j, s->created_by);
            if (s->trace.windows) trace_evidence(&j, &s->trace);
        }
        gmd_json_key(&j, "evidence");
        gmd_json_array_begin(&j);
        for (uint32_t e = 0; e < s->nevidence; e++) gmd_json_string(&j, s->evidence[e]);
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);
    gmd_json_key(&j, "dismissed");
    gmd_json_array_begin(&j);
    for (uint32_t i = 0; i < r->ndismissed; i++) {
        const gmd_leak_dismissed *d = &r->dismissed[i];
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "kind");
        gmd_json_string(&j, gmd_leak_kind_name(d->kind));
        gmd_json_key(&j, "site");
        gmd_json_string(&j, d->site);
        gmd_json_key(&j, "first");
        gmd_json_double(&j, d->first);
        gmd_json_key(&j, "peak");
        gmd_json_double(&j, d->peak);
        gmd_json_key(&j, "current");
        gmd_json_double(&j, d->current);
        gmd_json_key(&j, "why");
        gmd_json_string(&j, d->why);
        gmd_json_key(&j, "warming_up");
        gmd_json_bool(&j, d->warming_up);
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);
    gmd_json_key(&j, "duration_sec");
    gmd_json_double(&j, r->duration);
    gmd_json_key(&j, "snapshots");
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "heap");
    gmd_json_uint(&j, r->nheap);
    gmd_json_key(&j, "goroutine");
    gmd_json_uint(&j, r->ngoroutine);
    gmd_json_key(&j, "gc_cycles");
    gmd_json_uint(&j, r->ngc);
    gmd_json_key(&j, "proc");
    gmd_json_uint(&j, r->nproc);
    gmd_json_object_end(&j);
    trend(&j, "live_heap", &r->live_heap);
    trend(&j, "heap_inuse", &r->heap_inuse);
    trend(&j, "goroutines", &r->goroutines);
    trend(&j, "rss", &r->rss);
    gmd_json_key(&j, "gc_verdict");
    gmd_json_string(&j, r->gc_verdict ? r->gc_verdict : "");
    gmd_json_key(&j, "gc_verdict_window");
    gmd_json_string(&j, r->gc_verdict_window ? r->gc_verdict_window : "");
    gmd_json_key(&j, "memprofile_rate");
    gmd_json_int(&j, r->heap_period);
    gmd_json_key(&j, "resolvable_growth");
    gmd_json_double(&j, r->resolvable_growth);
    gmd_json_key(&j, "notes");
    gmd_json_array_begin(&j);
    for (uint32_t i = 0; i < r->nnotes; i++) gmd_json_string(&j, r->notes[i]);
    gmd_json_array_end(&j);
    if (r->ntraces || r->traces_unread) {
        /* Only with traces, so a bundle without them reads as before. */
        gmd_json_key(&j, "traces");
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "windows");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < r->ntraces; i++) {
            const gmd_leak_trace_window *w = &r->traces[i];
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "t");
            gmd_json_double(&j, w->t);
            gmd_json_key(&j, "t_end");
            gmd_json_double(&j, w->t_end);
            gmd_json_key(&j, "events");
            gmd_json_uint(&j, w->events);
            gmd_json_key(&j, "partial");
            gmd_json_bool(&j, w->partial);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_key(&j, "unread");
        gmd_json_uint(&j, r->traces_unread);
        gmd_json_object_end(&j);
    }
    if (info) {
        gmd_json_key(&j, "bundle");
        gmd_json_string(&j, info->bundle ? info->bundle : "");
        gmd_json_key(&j, "report_html");
        if (info->html) gmd_json_string(&j, info->html);
        else gmd_json_null(&j);
        gmd_json_key(&j, "exit_status");
        gmd_json_int(&j, info->exit_status);
        gmd_json_key(&j, "bundle_incomplete");
        gmd_json_bool(&j, info->incomplete != NULL);
        gmd_json_key(&j, "incomplete_reason");
        gmd_json_string(&j, info->incomplete ? info->incomplete : "");
    }
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
}
