/* gmd attach / gmd core as a page of text and as JSON (see gmd/attach.h). */
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "gmd/attach.h"
#include "gmd/json.h"
#include "gmd/units.h"

static const char *iec(int64_t v, char *buf, size_t n) { return gmd_fmt_bytes_iec((double)v, buf, n); }

/* A group is named by where its goroutines wait (the innermost frame of the
 * program's own code, else the innermost shown frame) and, when different,
 * the function they run. */
static void group_names(const gmd_profile *p, const gmd_goroutine_group *g, const char **wait, const char **entry)
{
    const gmd_sample *s = &p->samples[g->sample];
    *wait = *entry = "(no frames)";
    if (!s->nlocations) return;
    const gmd_location *outer = &p->locations[s->locations[s->nlocations - 1]];
    if (outer->nlines) *entry = p->functions[outer->lines[outer->nlines - 1].function].name;
    const char *first = NULL;
    for (uint32_t k = 0; k < s->nlocations; k++) {
        const gmd_location *l = &p->locations[s->locations[k]];
        for (uint32_t m = 0; m < l->nlines; m++) {
            const char *fn = p->functions[l->lines[m].function].name;
            if (!first) first = fn;
            if (gmd_function_is_user_code(fn)) {
                *wait = fn;
                return;
            }
        }
    }
    *wait = first ? first : *entry;
}

static void group_line(FILE *out, const gmd_profile *p, const gmd_goroutine_group *g)
{
    const char *wait, *entry;
    group_names(p, g, &wait, &entry);
    const char *state = g->nstates ? g->states[0].state : "";
    fprintf(out, "  %6" PRId64 "  %-22s %s", g->count, state && state[0] ? state : "-", wait);
    if (strcmp(wait, entry)) fprintf(out, " (in %s)", entry);
    if (g->max_wait_minutes > 0) fprintf(out, "  (up to %" PRId64 " min)", g->max_wait_minutes);
    if (g->created_by && g->created_by[0]) {
        const char *f = strrchr(g->created_file, '/');
        fprintf(out, "  created by %s at %s:%" PRId64, g->created_by, f ? f + 1 : g->created_file, g->created_line);
    }
    fputc('\n', out);
}

/* A core's goroutines that were running, with the stacks unwound from its
 * threads' registers: what a crash core is opened for. */
static void running_stacks(FILE *out, const gmd_attach_report *r)
{
    const gmd_profile *p = r->goroutines;
    if (r->live || !r->gstats.running_stacks) return;
    fprintf(out, "Running goroutines (stacks from the core's thread registers):\n");
    for (uint32_t i = 0; i < p->ngoroutines; i++) {
        const gmd_goroutine *g = &p->goroutines[i];
        if (strcmp(g->state, "running")) continue;
        fprintf(out, "  goroutine %" PRId64 " [running]%s:\n", g->id,
                r->crashed && r->crash.panic_goid == g->id ? " (panicking)" : "");
        const gmd_sample *s = &p->samples[g->sample];
        for (uint32_t k = 0; k < s->nlocations; k++) {
            const gmd_location *l = &p->locations[s->locations[k]];
            for (uint32_t m = 0; m < l->nlines; m++) {
                const gmd_function *f = &p->functions[l->lines[m].function];
                fprintf(out, "    %s  %s:%" PRId64 "\n", f->name, f->filename, l->lines[m].line);
            }
        }
    }
    fputc('\n', out);
}

void gmd_attach_render_text(FILE *out, const gmd_attach_report *r, int max_rows)
{
    char b1[64], b2[64], b3[64];
    if (max_rows <= 0) max_rows = 1 << 30;
    fprintf(out, "%s  %s  (%s, runtime layout from %s)\n", r->target, r->exe, r->go_version[0] ? r->go_version : "Go ?",
            r->layout);
    if (r->live) fprintf(out, "read in %.0f ms from the process's memory, without stopping it\n\n", r->read_seconds * 1000);
    else fprintf(out, "read in %.0f ms from the core file\n\n", r->read_seconds * 1000);
    if (r->crashed) {
        const gmd_gocrash *c = &r->crash;
        const char *v = c->panic[0] ? c->panic : "(its value could not be read)";
        if (c->has_signal && c->panic_goid)
            fprintf(out, "Crash: %s; goroutine %" PRId64 " panicked: %s\n\n", c->signal, c->panic_goid, v);
        else if (c->has_signal)
            fprintf(out, "Crash: %s\n\n", c->signal);
        else
            fprintf(out, "Panic under way: goroutine %" PRId64 " panicked: %s (no crash signal: the core was copied "
                    "from the running program)\n\n", c->panic_goid, v);
    }

    if (r->have_memstats) {
        const gmd_gomemstats *m = &r->ms;
        if (r->have_proc && r->proc.rss >= 0)
            fprintf(out, "Memory: RSS %s (peak %s)\n", iec(r->proc.rss, b1, sizeof b1), iec(r->proc.hwm, b2, sizeof b2));
        else
            fprintf(out, "Memory: the runtime has %s mapped (Sys); RSS is not known for a core\n",
                    iec((int64_t)m->sys, b1, sizeof b1));
        for (uint32_t i = 0; i < r->nparts; i++) {
            const gmd_rss_part *p = &r->parts[i];
            fprintf(out, "  %-24s %10s", p->name, iec(p->bytes, b1, sizeof b1));
            if (p->note[0]) fprintf(out, "   %s", p->note);
            fputc('\n', out);
        }
        fprintf(out, "  live heap after the last GC %s, heap goal %s, GOGC ", iec((int64_t)m->heap_marked, b1, sizeof b1),
                iec((int64_t)m->next_gc, b2, sizeof b2));
        if (m->gogc < 0) fputs("off", out);
        else fprintf(out, "%" PRId64, m->gogc);
        fputs(", GOMEMLIMIT ", out);
        if (m->memory_limit <= 0 || m->memory_limit == INT64_MAX) fputs("none", out);
        else fputs(iec(m->memory_limit, b3, sizeof b3), out);
        fputc('\n', out);
        fprintf(out, "GC: %u cycles (%u forced), pauses %.1f ms in all, %.1f%% of CPU", m->numgc, m->numforcedgc,
                (double)m->pause_total_ns / 1e6, m->gc_cpu_fraction * 100);
        if (m->gomaxprocs > 0) fprintf(out, "; GOMAXPROCS %d", m->gomaxprocs);
        fprintf(out, "; heap objects %" PRIu64 "\n\n", m->mallocs - m->frees);
    } else {
        fprintf(out, "Memory: not read: %s\n\n", r->memstats_error);
    }
    if (r->have_fds) {
        const gmd_proc_fds *f = &r->fds;
        fprintf(out, "Files: %" PRId64 " open file descriptors", f->open);
        if (f->limit == INT64_MAX) fputs(", no limit (RLIMIT_NOFILE unlimited)", out);
        else if (f->limit > 0)
            fprintf(out, " of %" PRId64 " allowed (soft RLIMIT_NOFILE), %.0f%%", f->limit,
                    100.0 * (double)f->open / (double)f->limit);
        fputc('\n', out);
        if (gmd_proc_fds_near_limit(f))
            fputs("  WARNING: near the open-file limit: at the limit every accept, dial and open fails with EMFILE "
                  "(\"too many open files\"); leaked connections or unclosed response bodies hold descriptors\n", out);
        fputc('\n', out);
    }

    if (r->goroutines) {
        const gmd_goroutine_read_stats *g = &r->gstats;
        fprintf(out, "Goroutines: %u", g->user);
        if (g->system) fprintf(out, " (+%u of the runtime's own)", g->system);
        if (g->running > g->running_stacks)
            fprintf(out, "; %u running (a stack needs a stop: shown by entry function)", g->running - g->running_stacks);
        if (g->running_stacks) fprintf(out, "; %u running (stacks below)", g->running_stacks);
        if (g->torn) fprintf(out, "; %u changed while read and were skipped", g->torn);
        fprintf(out, ", in %u groups\n", r->groups.ngroups);
        for (uint32_t i = 0; i < r->groups.ngroups && (int)i < max_rows; i++)
            group_line(out, r->goroutines, &r->groups.groups[i]);
        if (r->groups.ngroups > (uint32_t)max_rows)
            fprintf(out, "  ... %u more groups ('gmd pprof goroutines %s' shows them with stacks)\n",
                    r->groups.ngroups - (uint32_t)max_rows, r->target);
        fputc('\n', out);
        running_stacks(out, r);
    } else {
        fprintf(out, "Goroutines: not read: %s\n\n", r->goroutine_error);
    }

    if (r->heap) {
        fprintf(out, "Heap profile: %s in use in %" PRId64 " objects as of the last GC (sampled every %s)\n",
                iec(r->heap_inuse_total, b1, sizeof b1), r->heap_inuse_objects,
                r->heap->period <= 1 ? "allocation" : iec(r->heap->period, b2, sizeof b2));
        for (uint32_t i = 0; i < r->nsites && (int)i < max_rows; i++) {
            const gmd_heap_site *s = &r->sites[i];
            if (s->inuse_space <= 0) break;
            fprintf(out, "  %10s %6s  %s\n", iec(s->inuse_space, b1, sizeof b1),
                    gmd_fmt_percent(s->inuse_space, r->heap_inuse_total, b2, sizeof b2), s->function);
        }
        fprintf(out, "  ('gmd pprof top %s' and the other pprof commands read it too)\n", r->target);
    } else {
        fprintf(out, "Heap profile: not read: %s\n", r->heap_error);
    }
}

void gmd_attach_render_json(FILE *out, const gmd_attach_report *r, int max_rows)
{
    if (max_rows <= 0) max_rows = 1 << 30;
    gmd_json j;
    gmd_json_init(&j, out, false);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "target"); gmd_json_string(&j, r->target);
    gmd_json_key(&j, "pid"); gmd_json_int(&j, r->pid);
    gmd_json_key(&j, "live"); gmd_json_bool(&j, r->live);
    gmd_json_key(&j, "exe"); gmd_json_string(&j, r->exe);
    gmd_json_key(&j, "go_version"); gmd_json_string(&j, r->go_version);
    gmd_json_key(&j, "layout"); gmd_json_string(&j, r->layout);
    gmd_json_key(&j, "read_seconds"); gmd_json_double(&j, r->read_seconds);

    gmd_json_key(&j, "memstats");
    if (r->have_memstats) {
        const gmd_gomemstats *m = &r->ms;
        gmd_json_object_begin(&j);
#define U(k, v) gmd_json_key(&j, k); gmd_json_uint(&j, v)
        U("heap_alloc", m->heap_alloc); U("total_alloc", m->total_alloc); U("mallocs", m->mallocs); U("frees", m->frees);
        U("heap_inuse", m->heap_inuse); U("heap_free", m->heap_free); U("heap_released", m->heap_released);
        U("heap_sys", m->heap_sys); U("heap_idle", m->heap_idle); U("stack_inuse", m->stack_inuse);
        U("stack_sys", m->stack_sys); U("mspan_sys", m->mspan_sys); U("mcache_sys", m->mcache_sys);
        U("buckhash_sys", m->buckhash_sys); U("gc_sys", m->gc_sys); U("other_sys", m->other_sys); U("sys", m->sys);
        U("heap_marked", m->heap_marked); U("heap_live", m->heap_live); U("next_gc", m->next_gc);
        U("numgc", m->numgc); U("numforcedgc", m->numforcedgc); U("pause_total_ns", m->pause_total_ns);
        U("last_gc_unix_ns", m->last_gc_unix_ns);
#undef U
        gmd_json_key(&j, "gogc"); gmd_json_int(&j, m->gogc);
        gmd_json_key(&j, "memory_limit"); gmd_json_int(&j, m->memory_limit);
        gmd_json_key(&j, "gc_cpu_fraction"); gmd_json_double(&j, m->gc_cpu_fraction);
        gmd_json_key(&j, "memprofile_rate"); gmd_json_int(&j, m->memprofile_rate);
        gmd_json_key(&j, "gomaxprocs");
        if (m->gomaxprocs > 0) gmd_json_int(&j, m->gomaxprocs);
        else gmd_json_null(&j);   /* not found (a stripped binary) */
        gmd_json_object_end(&j);
    } else {
        gmd_json_null(&j);
    }
    gmd_json_key(&j, "rss");
    if (r->have_proc && r->proc.rss >= 0) gmd_json_int(&j, r->proc.rss);
    else gmd_json_null(&j);
    gmd_json_key(&j, "fds");
    if (r->have_fds) {
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "open"); gmd_json_int(&j, r->fds.open);
        gmd_json_key(&j, "limit");
        if (r->fds.limit > 0 && r->fds.limit != INT64_MAX) gmd_json_int(&j, r->fds.limit);
        else gmd_json_null(&j);   /* unknown or unlimited */
        gmd_json_key(&j, "unlimited"); gmd_json_bool(&j, r->fds.limit == INT64_MAX);
        gmd_json_key(&j, "near_limit"); gmd_json_bool(&j, gmd_proc_fds_near_limit(&r->fds));
        gmd_json_object_end(&j);
    } else {
        gmd_json_null(&j);
    }
    gmd_json_key(&j, "rss_breakdown");
    gmd_json_array_begin(&j);
    for (uint32_t i = 0; i < r->nparts; i++) {
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "name"); gmd_json_string(&j, r->parts[i].name);
        gmd_json_key(&j, "bytes"); gmd_json_int(&j, r->parts[i].bytes);
        gmd_json_key(&j, "in_rss"); gmd_json_bool(&j, r->parts[i].in_rss);
        gmd_json_key(&j, "note"); gmd_json_string(&j, r->parts[i].note);
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);

    gmd_json_key(&j, "goroutines");
    if (r->goroutines) {
        const gmd_goroutine_read_stats *g = &r->gstats;
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "total"); gmd_json_int(&j, g->user);
        gmd_json_key(&j, "system"); gmd_json_int(&j, g->system);
        gmd_json_key(&j, "running"); gmd_json_int(&j, g->running);
        gmd_json_key(&j, "running_stacks"); gmd_json_int(&j, g->running_stacks);
        /* A core's running goroutines with their stacks (frames as function, file, line). */
        gmd_json_key(&j, "running_goroutines");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; !r->live && g->running_stacks && i < r->goroutines->ngoroutines; i++) {
            const gmd_profile *p = r->goroutines;
            const gmd_goroutine *go = &p->goroutines[i];
            if (strcmp(go->state, "running")) continue;
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "id"); gmd_json_int(&j, go->id);
            gmd_json_key(&j, "stack");
            gmd_json_array_begin(&j);
            const gmd_sample *s = &p->samples[go->sample];
            for (uint32_t k = 0; k < s->nlocations; k++) {
                const gmd_location *l = &p->locations[s->locations[k]];
                for (uint32_t m = 0; m < l->nlines; m++) {
                    const gmd_function *f = &p->functions[l->lines[m].function];
                    gmd_json_object_begin(&j);
                    gmd_json_key(&j, "function"); gmd_json_string(&j, f->name);
                    gmd_json_key(&j, "file"); gmd_json_string(&j, f->filename);
                    gmd_json_key(&j, "line"); gmd_json_int(&j, l->lines[m].line);
                    gmd_json_object_end(&j);
                }
            }
            gmd_json_array_end(&j);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_key(&j, "torn"); gmd_json_int(&j, g->torn);
        gmd_json_key(&j, "groups");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < r->groups.ngroups && (int)i < max_rows; i++) {
            const gmd_goroutine_group *gr = &r->groups.groups[i];
            const gmd_profile *p = r->goroutines;
            const gmd_sample *s = &p->samples[gr->sample];
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "count"); gmd_json_int(&j, gr->count);
            gmd_json_key(&j, "state"); gmd_json_string(&j, gr->nstates ? gr->states[0].state : "");
            const char *wait, *entry;
            group_names(p, gr, &wait, &entry);
            gmd_json_key(&j, "waits_in"); gmd_json_string(&j, wait);
            gmd_json_key(&j, "runs"); gmd_json_string(&j, entry);
            gmd_json_key(&j, "max_wait_minutes"); gmd_json_int(&j, gr->max_wait_minutes);
            gmd_json_key(&j, "created_by"); gmd_json_string(&j, gr->created_by ? gr->created_by : "");
            gmd_json_key(&j, "created_at");
            if (gr->created_by && gr->created_by[0]) {
                char at[512];
                snprintf(at, sizeof at, "%s:%" PRId64, gr->created_file, gr->created_line);
                gmd_json_string(&j, at);
            } else {
                gmd_json_null(&j);
            }
            gmd_json_key(&j, "stack");
            gmd_json_array_begin(&j);
            for (uint32_t k = 0; k < s->nlocations; k++) {
                const gmd_location *l = &p->locations[s->locations[k]];
                for (uint32_t m = 0; m < l->nlines; m++) gmd_json_string(&j, p->functions[l->lines[m].function].name);
            }
            gmd_json_array_end(&j);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
    } else {
        gmd_json_null(&j);
    }
    gmd_json_key(&j, "crash");
    if (r->crashed) {
        const gmd_gocrash *c = &r->crash;
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "signal");
        if (c->has_signal) gmd_json_string(&j, c->signal);
        else gmd_json_null(&j);
        gmd_json_key(&j, "signo"); gmd_json_int(&j, c->signo);
        gmd_json_key(&j, "fault_addr"); gmd_json_uint(&j, c->addr);
        gmd_json_key(&j, "panic_goroutine");
        if (c->panic_goid) gmd_json_int(&j, c->panic_goid);
        else gmd_json_null(&j);
        gmd_json_key(&j, "panic");
        if (c->panic_goid && c->panic[0]) gmd_json_string(&j, c->panic);
        else gmd_json_null(&j);
        gmd_json_object_end(&j);
    } else {
        gmd_json_null(&j);
    }
    gmd_json_key(&j, "goroutine_error");
    if (r->goroutines) gmd_json_null(&j);
    else gmd_json_string(&j, r->goroutine_error);

    gmd_json_key(&j, "heap");
    if (r->heap) {
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "memprofile_rate"); gmd_json_int(&j, r->heap->period);
        gmd_json_key(&j, "inuse_space"); gmd_json_int(&j, r->heap_inuse_total);
        gmd_json_key(&j, "inuse_objects"); gmd_json_int(&j, r->heap_inuse_objects);
        gmd_json_key(&j, "sites");
        gmd_json_array_begin(&j);
        for (uint32_t i = 0; i < r->nsites && (int)i < max_rows; i++) {
            gmd_json_object_begin(&j);
            gmd_json_key(&j, "function"); gmd_json_string(&j, r->sites[i].function);
            gmd_json_key(&j, "inuse_space"); gmd_json_int(&j, r->sites[i].inuse_space);
            gmd_json_key(&j, "inuse_objects"); gmd_json_int(&j, r->sites[i].inuse_objects);
            gmd_json_key(&j, "alloc_space"); gmd_json_int(&j, r->sites[i].alloc_space);
            gmd_json_object_end(&j);
        }
        gmd_json_array_end(&j);
        gmd_json_object_end(&j);
    } else {
        gmd_json_null(&j);
    }
    gmd_json_key(&j, "heap_error");
    if (r->heap) gmd_json_null(&j);
    else gmd_json_string(&j, r->heap_error);
    gmd_json_object_end(&j);
    gmd_json_finish(&j);
    fputc('\n', out);
}
