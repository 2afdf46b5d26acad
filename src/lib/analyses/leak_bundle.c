/* Feeding the leak tracker from raw artifacts: live from the collector, or
 * offline from a bundle directory. Both go through the same parse, so
 * `gmd report` reaches the verdict `gmd run` printed. */
#include <string.h>
#include "gmd/bundle.h"
#include "gmd/input.h"
#include "gmd/leak.h"

int gmd_leak_add_profile_bytes(gmd_leak_tracker *tr, double t, const char *kind, int debug,
                               const uint8_t *data, size_t len, gmd_err *err)
{
    bool heap = !strcmp(kind, "heap"), gor = !strcmp(kind, "goroutine");
    if (!strcmp(kind, "memstats")) {
        gmd_leak_add_memstats(tr, t, (const char *)data, len);
        return 0;
    }
    if (!heap && !gor) return 0;
    gmd_blob blob;
    if (gmd_blob_from_memory(data, len, "", NULL, &blob, err) < 0) return -1;
    gmd_profile *p = gmd_profile_parse(blob.data, blob.len, err);
    gmd_blob_free(&blob);
    if (!p) return -1;
    if (heap) return gmd_leak_add_heap(tr, t, p, err);
    if (debug == 2) return gmd_leak_add_goroutine_text(tr, t, p, err);
    return gmd_leak_add_goroutine(tr, t, p, err);
}

int gmd_leak_add_bundle(gmd_leak_tracker *tr, const gmd_bundle *b, gmd_leak_warn_fn warn, void *ctx, gmd_err *err)
{
    for (uint32_t i = 0; i < b->nentries; i++) {
        const gmd_bundle_entry *e = &b->entries[i];
        if (!strcmp(e->kind, "gctrace")) {
            if (e->text) gmd_leak_add_gcline(tr, e->t, e->text, e->text_len);
            continue;
        }
        if (!strcmp(e->kind, "proc")) {
            gmd_leak_add_proc(tr, e->t, &e->proc);
            continue;
        }
        if (strcmp(e->kind, "heap") && strcmp(e->kind, "goroutine") && strcmp(e->kind, "memstats") &&
            strcmp(e->kind, "trace"))
            continue;
        char path[4200];
        gmd_bundle_path(b, e->file, path, sizeof path);
        if (!strcmp(e->kind, "trace")) {
            /* A bad or cut-off trace is never fatal: what it holds is used
             * (the result's notes count it), or when nothing can be read it
             * is left out, counted and passed to warn. */
            gmd_err_clear(err);
            if (gmd_leak_add_trace_file(tr, e->t, e->t_end, path, err) < 0 && warn) {
                gmd_err_set_source(err, path);
                warn(ctx, err);
            }
            continue;
        }
        if (!strcmp(e->kind, "memstats")) {
            gmd_blob ms;
            gmd_err_clear(err);
            if (gmd_blob_load(path, NULL, &ms, err) == 0) {
                gmd_leak_add_memstats(tr, e->t, (const char *)ms.data, ms.len);
                gmd_blob_free(&ms);
            } else if (warn) {
                gmd_err_set_source(err, path);
                warn(ctx, err);
            }
            continue;
        }
        gmd_blob blob;
        gmd_err_clear(err);
        int rc = gmd_blob_load(path, NULL, &blob, err);
        if (rc == 0) {
            gmd_profile *p = gmd_profile_parse(blob.data, blob.len, err);
            gmd_blob_free(&blob);
            if (!p) rc = -1;
            else if (!strcmp(e->kind, "heap")) {
                rc = gmd_leak_add_heap(tr, e->t, p, err);
                if (rc == 0 && e->forced_gc) gmd_leak_mark_forced(tr);
            }
            else if (e->debug == 2) rc = gmd_leak_add_goroutine_text(tr, e->t, p, err);
            else rc = gmd_leak_add_goroutine(tr, e->t, p, err);
        }
        if (rc < 0) {
            gmd_err_set_source(err, path);
            if (!warn) return -1;
            warn(ctx, err);
        }
    }
    gmd_err_clear(err);
    return 0;
}
