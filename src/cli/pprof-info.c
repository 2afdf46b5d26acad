/* gmd pprof info: what a profile holds, before deciding how to look at it.
 * One block (or JSON object) per PROFILE argument; --base applies to each. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "gmd/json.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"
#include "pprof.h"

static const char *iso_time(int64_t nanos, char *buf, size_t size)
{
    time_t secs = (time_t)(nanos / 1000000000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm)) snprintf(buf, size, "%" PRId64 "ns", nanos);
    return buf;
}

/* Net total per sample type (a --base diff can be negative). */
static int64_t *totals(const gmd_profile *p)
{
    int64_t *t = gmd_xcalloc(p->nsample_types ? p->nsample_types : 1, sizeof *t);
    for (uint32_t s = 0; s < p->nsamples; s++)
        for (uint32_t i = 0; i < p->nsample_types; i++) t[i] += p->samples[s].values[i];
    return t;
}

static void print_text(FILE *out, const char *name, const gmd_profile *p)
{
    char buf[64], tbuf[64];
    int def = gmd_profile_sample_index(p, NULL);
    int64_t *tot = totals(p);
    fprintf(out, "%s\n", name);
    fprintf(out, "  format:        %s\n", gmd_profile_format_name(p->format));
    fprintf(out, "  sample types: ");
    for (uint32_t i = 0; i < p->nsample_types; i++)
        fprintf(out, " %s/%s%s%s", p->sample_types[i].type, p->sample_types[i].unit, (int)i == def ? " (default)" : "",
                i + 1 < p->nsample_types ? "," : "");
    fputc('\n', out);
    if (p->period_type.type[0] || p->period)
        fprintf(out, "  period:        %" PRId64 " %s/%s\n", p->period, p->period_type.type, p->period_type.unit);
    if (p->time_nanos) fprintf(out, "  time:          %s\n", iso_time(p->time_nanos, tbuf, sizeof tbuf));
    if (p->duration_nanos) fprintf(out, "  duration:      %s\n", gmd_fmt_value(p->duration_nanos, "nanoseconds", buf, sizeof buf));
    fprintf(out, "  samples:       %u\n", p->nsamples);
    fprintf(out, "  locations:     %u\n", p->nlocations);
    fprintf(out, "  functions:     %u\n", p->nfunctions);
    fprintf(out, "  mappings:      %u\n", p->nmappings);
    if ((p->format == GMD_FMT_GOROUTINE_TEXT2 || p->format == GMD_FMT_MEMORY_GOROUTINES)) fprintf(out, "  goroutines:    %u\n", p->ngoroutines);
    for (uint32_t i = 0; i < p->nsample_types; i++)
        fprintf(out, "  total %-15s %s\n", p->sample_types[i].type,
                gmd_fmt_value(tot[i], p->sample_types[i].unit, buf, sizeof buf));
    if (p->nmappings) {
        const gmd_mapping *m = &p->mappings[0];
        fprintf(out, "  main binary:   %s", m->filename[0] ? m->filename : "(unnamed)");
        if (m->build_id[0]) fprintf(out, " (build id %s)", m->build_id);
        fputc('\n', out);
    }
    if (p->nmemstats) {
        fprintf(out, "  memstats:     ");
        for (uint32_t i = 0; i < p->nmemstats; i++)
            fprintf(out, " %s%s", p->memstats[i].name, i + 1 < p->nmemstats ? "," : "");
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < p->ncomments; i++) fprintf(out, "  comment:       %s\n", p->comments[i]);
    if (p->drop_frames[0]) fprintf(out, "  drop frames:   %s\n", p->drop_frames);
    if (p->keep_frames[0]) fprintf(out, "  keep frames:   %s\n", p->keep_frames);
    if (p->doc_url[0]) fprintf(out, "  doc url:       %s\n", p->doc_url);
    free(tot);
}

static void print_json(gmd_json *j, const char *name, const gmd_profile *p)
{
    char tbuf[64];
    int def = gmd_profile_sample_index(p, NULL);
    int64_t *tot = totals(p);
    gmd_json_object_begin(j);
    gmd_json_key(j, "source"); gmd_json_string(j, name);
    gmd_json_key(j, "format"); gmd_json_string(j, gmd_profile_format_name(p->format));
    gmd_json_key(j, "sample_types");
    gmd_json_array_begin(j);
    for (uint32_t i = 0; i < p->nsample_types; i++) {
        gmd_json_object_begin(j);
        gmd_json_key(j, "type"); gmd_json_string(j, p->sample_types[i].type);
        gmd_json_key(j, "unit"); gmd_json_string(j, p->sample_types[i].unit);
        gmd_json_key(j, "default"); gmd_json_bool(j, (int)i == def);
        gmd_json_key(j, "total"); gmd_json_int(j, tot[i]);
        gmd_json_object_end(j);
    }
    gmd_json_array_end(j);
    gmd_json_key(j, "default_sample_type");
    if (def >= 0) gmd_json_string(j, p->sample_types[def].type);
    else gmd_json_null(j);
    gmd_json_key(j, "period_type");
    gmd_json_object_begin(j);
    gmd_json_key(j, "type"); gmd_json_string(j, p->period_type.type);
    gmd_json_key(j, "unit"); gmd_json_string(j, p->period_type.unit);
    gmd_json_object_end(j);
    gmd_json_key(j, "period"); gmd_json_int(j, p->period);
    gmd_json_key(j, "time");
    if (p->time_nanos) gmd_json_string(j, iso_time(p->time_nanos, tbuf, sizeof tbuf));
    else gmd_json_null(j);
    gmd_json_key(j, "time_nanos"); gmd_json_int(j, p->time_nanos);
    gmd_json_key(j, "duration_nanos"); gmd_json_int(j, p->duration_nanos);
    gmd_json_key(j, "samples"); gmd_json_uint(j, p->nsamples);
    gmd_json_key(j, "locations"); gmd_json_uint(j, p->nlocations);
    gmd_json_key(j, "functions"); gmd_json_uint(j, p->nfunctions);
    gmd_json_key(j, "mappings"); gmd_json_uint(j, p->nmappings);
    gmd_json_key(j, "main_mapping");
    if (p->nmappings) {
        gmd_json_object_begin(j);
        gmd_json_key(j, "file"); gmd_json_string(j, p->mappings[0].filename);
        gmd_json_key(j, "build_id"); gmd_json_string(j, p->mappings[0].build_id);
        gmd_json_object_end(j);
    } else {
        gmd_json_null(j);
    }
    if ((p->format == GMD_FMT_GOROUTINE_TEXT2 || p->format == GMD_FMT_MEMORY_GOROUTINES)) {
        gmd_json_key(j, "goroutines");
        gmd_json_uint(j, p->ngoroutines);
    }
    if (p->nmemstats) {
        gmd_json_key(j, "memstats");
        gmd_json_object_begin(j);
        for (uint32_t i = 0; i < p->nmemstats; i++) {
            gmd_json_key(j, p->memstats[i].name);
            gmd_json_string(j, p->memstats[i].value);
        }
        gmd_json_object_end(j);
    }
    gmd_json_key(j, "comments");
    gmd_json_array_begin(j);
    for (uint32_t i = 0; i < p->ncomments; i++) gmd_json_string(j, p->comments[i]);
    gmd_json_array_end(j);
    gmd_json_key(j, "doc_url"); gmd_json_string(j, p->doc_url);
    gmd_json_object_end(j);
    free(tot);
}

int pprof_info(pprof_opts *o)
{
    FILE *out = cli_open_output(o->output);
    if (!out) return CLI_FAIL;
    gmd_json j;
    if (o->json) {
        gmd_json_init(&j, out, true);
        if (o->nargs > 1) gmd_json_array_begin(&j);
    }
    int rc = CLI_OK;
    for (int i = 0; i < o->nargs; i++) {
        gmd_profile *p = pprof_load(o, &o->args[i], 1);
        if (!p) {
            rc = CLI_FAIL;
            break;
        }
        if (o->json) {
            print_json(&j, o->args[i], p);
        } else {
            if (i) fputc('\n', out);
            print_text(out, o->args[i], p);
        }
        gmd_profile_free(p);
    }
    if (o->json && rc == CLI_OK) {
        if (o->nargs > 1) gmd_json_array_end(&j);
        gmd_json_finish(&j);
    }
    if (cli_close_output(out, o->output) < 0) rc = CLI_FAIL;
    return rc;
}
