#include <dlfcn.h>
#include <stdio.h>
#include "gmd/lazylib.h"

bool gmd_lazylib_load(gmd_lazylib *l)
{
    if (l->tried) return l->ok;
    l->tried = true;
    for (size_t i = 0; l->sonames[i] && !l->handle; i++) l->handle = dlopen(l->sonames[i], RTLD_NOW | RTLD_LOCAL);
    if (!l->handle) {
        snprintf(l->why, sizeof l->why, "%s (%s) is not installed or cannot be loaded", l->what, l->sonames[0]);
        return false;
    }
    for (size_t i = 0; l->symbols[i]; i++) {
        l->slots[i] = dlsym(l->handle, l->symbols[i]);
        if (!l->slots[i]) {
            snprintf(l->why, sizeof l->why, "%s lacks %s (too old a version?)", l->what, l->symbols[i]);
            return false;
        }
    }
    l->ok = true;
    return true;
}
