#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/stacks.h"
#include "gmd/xalloc.h"

int gmd_regex_compile(regex_t *re, const char *pattern, const char *flag, gmd_err *err)
{
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[256];
        regerror(rc, re, msg, sizeof msg);
        return gmd_errf(err, "bad regular expression for %s '%s': %s", flag, pattern, msg);
    }
    return 0;
}

static bool re_matches(const regex_t *re, const char *s) { return regexec(re, s, 0, NULL, 0) == 0; }

/* Per-location filter verdicts, computed once per location, not per sample. */
enum { LOC_NEUTRAL = 0, LOC_FOCUS = 1, LOC_IGNORE = 2 };

static bool fn_matches(const gmd_profile *p, const gmd_line *ln, const regex_t *re)
{
    const gmd_function *f = &p->functions[ln->function];
    return re_matches(re, f->name) || re_matches(re, f->filename);
}

static bool map_matches(const gmd_profile *p, const gmd_location *l, const regex_t *re)
{
    return l->mapping != GMD_NONE && re_matches(re, p->mappings[l->mapping].filename);
}

int gmd_stackset_build(const gmd_profile *p, const gmd_select_opts *o, gmd_stackset *out, gmd_err *err)
{
    memset(out, 0, sizeof *out);
    out->profile = p;
    const char *want = o ? o->sample_index : NULL;
    int vi = gmd_profile_sample_index(p, want);
    if (vi < 0) {
        char types[512] = "";
        size_t n = 0;
        for (uint32_t i = 0; i < p->nsample_types && n < sizeof types - 64; i++)
            n += (size_t)snprintf(types + n, sizeof types - n, "%s%s", i ? ", " : "", p->sample_types[i].type);
        return gmd_errf(err, "no sample type '%s' in this profile (it has: %s)", want ? want : "", types);
    }
    out->value_index = vi;
    out->value_type = p->sample_types[vi];

    regex_t re_focus, re_ignore, re_hide, re_show;
    const char *pf = o ? o->focus : NULL, *pi = o ? o->ignore : NULL;
    const char *ph = o ? o->hide : NULL, *ps = o ? o->show : NULL;
    bool has_f = pf && *pf, has_i = pi && *pi, has_h = ph && *ph, has_s = ps && *ps;
    int ncompiled = 0;
    regex_t *compiled[4];
    if (has_f) { if (gmd_regex_compile(&re_focus, pf, "--focus", err) < 0) goto fail; compiled[ncompiled++] = &re_focus; }
    if (has_i) { if (gmd_regex_compile(&re_ignore, pi, "--ignore", err) < 0) goto fail; compiled[ncompiled++] = &re_ignore; }
    if (has_h) { if (gmd_regex_compile(&re_hide, ph, "--hide", err) < 0) goto fail; compiled[ncompiled++] = &re_hide; }
    if (has_s) { if (gmd_regex_compile(&re_show, ps, "--show", err) < 0) goto fail; compiled[ncompiled++] = &re_show; }

    /* Which lines of each location survive hide/show, as frames. */
    uint8_t *focus_state = gmd_xcalloc(p->nlocations ? p->nlocations : 1, 1);
    uint32_t nl = p->nlocations ? p->nlocations : 1;
    out->loc_first = gmd_xmalloc(nl * sizeof *out->loc_first);
    out->loc_nframes = gmd_xmalloc(nl * sizeof *out->loc_nframes);
    size_t nlinesall = 0;
    for (uint32_t i = 0; i < p->nlocations; i++) nlinesall += p->locations[i].nlines ? p->locations[i].nlines : 1;
    out->loc_frames = gmd_xmalloc((nlinesall ? nlinesall : 1) * sizeof *out->loc_frames);
    out->loc_line = gmd_xmalloc((nlinesall ? nlinesall : 1) * sizeof *out->loc_line);
    size_t nkeep = 0;
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const gmd_location *l = &p->locations[i];
        if (has_i || has_f) {
            bool ign = false, foc = false;
            if (has_i) {
                for (uint32_t j = 0; j < l->nlines && !ign; j++) ign = fn_matches(p, &l->lines[j], &re_ignore);
                ign = ign || map_matches(p, l, &re_ignore);
            }
            if (ign) {
                focus_state[i] = LOC_IGNORE;
                out->ignore_matched = true;
            } else {
                if (has_f) {
                    for (uint32_t j = 0; j < l->nlines && !foc; j++) foc = fn_matches(p, &l->lines[j], &re_focus);
                    foc = foc || map_matches(p, l, &re_focus);
                } else {
                    foc = true;
                }
                if (foc) {
                    focus_state[i] = LOC_FOCUS;
                    out->focus_matched = true;
                }
            }
        }
        out->loc_first[i] = (uint32_t)nkeep;
        bool map_hidden = has_h && map_matches(p, l, &re_hide);
        bool map_shown = has_s && map_matches(p, l, &re_show);
        if (map_hidden) out->hide_matched = true;
        if (l->nlines == 0) {
            /* An unsymbolized location is one frame, named by its address. */
            if (!map_hidden && (!has_s || map_shown)) {
                out->loc_frames[nkeep] = (gmd_frame){GMD_NONE, i, 0};
                out->loc_line[nkeep++] = UINT32_MAX;
            }
        } else {
            for (uint32_t j = 0; j < l->nlines && !map_hidden; j++) {
                if (has_h && fn_matches(p, &l->lines[j], &re_hide)) {
                    out->hide_matched = true;
                    continue;
                }
                if (has_s && !map_shown && !fn_matches(p, &l->lines[j], &re_show)) continue;
                out->loc_frames[nkeep] = (gmd_frame){l->lines[j].function, i, l->lines[j].line};
                out->loc_line[nkeep++] = j;
            }
        }
        out->loc_nframes[i] = (uint32_t)(nkeep - out->loc_first[i]);
        if (has_s && out->loc_nframes[i]) out->show_matched = true;
    }

    /* Count frames first so the pool is one allocation (when wanted). */
    bool want_frames = !(o && o->location_frames_only);
    size_t nframes = 0;
    if (want_frames)
        for (uint32_t s = 0; s < p->nsamples; s++)
            for (uint32_t k = 0; k < p->samples[s].nlocations; k++)
                nframes += out->loc_nframes[p->samples[s].locations[k]];
    out->frame_pool = want_frames ? gmd_xmalloc((nframes ? nframes : 1) * sizeof *out->frame_pool) : NULL;
    out->stacks = gmd_xmalloc((p->nsamples ? p->nsamples : 1) * sizeof *out->stacks);
    size_t fi = 0;
    for (uint32_t s = 0; s < p->nsamples; s++) {
        const gmd_sample *sm = &p->samples[s];
        int64_t v = sm->values[vi];
        int64_t av = v < 0 ? -v : v;
        out->total_unfiltered += av;
        if (has_f || has_i) {
            bool focused = false, ignored = false;
            for (uint32_t k = 0; k < sm->nlocations && !ignored; k++) {
                uint8_t st = focus_state[sm->locations[k]];
                if (st == LOC_IGNORE) ignored = true;
                else if (st == LOC_FOCUS) focused = true;
            }
            if (ignored || !focused) continue;
        }
        gmd_stack *st = &out->stacks[out->nstacks];
        st->sample = s;
        st->value = v;
        st->frames = want_frames ? out->frame_pool + fi : NULL;
        uint32_t n = 0;
        if (want_frames || has_h || has_s) {
            for (uint32_t k = 0; k < sm->nlocations; k++) {
                uint32_t loc = sm->locations[k];
                uint32_t c = out->loc_nframes[loc];
                if (want_frames) memcpy(out->frame_pool + fi + n, out->loc_frames + out->loc_first[loc], c * sizeof(gmd_frame));
                n += c;
            }
        } else {
            n = sm->nlocations;   /* a lower bound; nothing was hidden, and only the tables are read */
        }
        st->nframes = n;
        if (n == 0 && (has_h || has_s)) continue;   /* pprof drops samples left with no frames */
        fi += n;
        out->total += av;
        out->nstacks++;
    }
    free(focus_state);
    for (int i = 0; i < ncompiled; i++) regfree(compiled[i]);
    return 0;
fail:
    for (int i = 0; i < ncompiled; i++) regfree(compiled[i]);
    return -1;
}

void gmd_stackset_free(gmd_stackset *s)
{
    free(s->stacks);
    free(s->frame_pool);
    free(s->loc_first);
    free(s->loc_nframes);
    free(s->loc_frames);
    free(s->loc_line);
    memset(s, 0, sizeof *s);
}

const char *gmd_frame_name(const gmd_stackset *s, const gmd_frame *f, char *buf, size_t size)
{
    if (f->function != GMD_NONE) return s->profile->functions[f->function].name;
    snprintf(buf, size, "0x%" PRIx64, s->profile->locations[f->location].address);
    return buf;
}
