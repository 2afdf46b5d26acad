/* "pid:N" / "core:FILE" as profile sources (see gmd/goruntime.h). */
#include <stdlib.h>
#include <string.h>
#include "gmd/goruntime.h"
#include "gmd/xalloc.h"

static const char *kind_suffix(const char *spec, size_t *base_len)
{
    const char *h = strrchr(spec, '#');
    if (h && (!strcmp(h, "#heap") || !strcmp(h, "#goroutine"))) {
        *base_len = (size_t)(h - spec);
        return h + 1;
    }
    *base_len = strlen(spec);
    return NULL;
}

bool gmd_target_source(const char *spec)
{
    size_t n;
    kind_suffix(spec, &n);
    char *base = gmd_xstrdup(spec);
    base[n] = '\0';
    bool yes = gmd_target_spec(base, NULL, NULL);
    free(base);
    return yes;
}

gmd_profile *gmd_target_load_profile(const char *spec, const char *kind, const char *binary, gmd_err *err)
{
    size_t n;
    const char *k = kind_suffix(spec, &n);
    if (k) kind = k;
    if (!kind) kind = "heap";
    char *base = gmd_xstrdup(spec);
    base[n] = '\0';
    int pid = 0;
    const char *core = NULL;
    gmd_profile *p = NULL;
    if (!gmd_target_spec(base, &pid, &core)) {
        gmd_errf(err, "not a pid:N or core:FILE source");
        gmd_err_set_source(err, spec);
        free(base);
        return NULL;
    }
    gmd_target *t = core ? gmd_target_open_core(core, binary, err) : gmd_target_open_pid(pid, binary, err);
    if (t) {
        gmd_goruntime *rt = gmd_goruntime_open(t, err);
        if (rt) {
            p = !strcmp(kind, "goroutine") ? gmd_goruntime_goroutines(rt, NULL, err) : gmd_goruntime_heap(rt, err);
            gmd_goruntime_close(rt);
        }
        gmd_target_close(t);
    }
    free(base);
    return p;
}
