/* gmd_bundle_open on a bundle made from the input: the bytes up to each NUL
 * become index.jsonl, proc.jsonl, gctrace.log and meta.json in turn (a
 * fixed directory, rewritten per input). The reader must skip what is bad,
 * never fail on a line, and keep only entries whose file is a regular file
 * of the bundle (here only those four exist). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gmd/bundle.h"

static char dir[64];
static const char *const names[4] = {"index.jsonl", "proc.jsonl", "gctrace.log", "meta.json"};

static void remove_dir(void)
{
    char path[128];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void put(const char *name, const uint8_t *data, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (len) fwrite(data, 1, len, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        /* In memory when possible: four files are rewritten per input. */
        snprintf(dir, sizeof dir, "/dev/shm/gmd-fuzz-bundle-XXXXXX");
        if (!mkdtemp(dir)) {
            snprintf(dir, sizeof dir, "/tmp/gmd-fuzz-bundle-XXXXXX");
            if (!mkdtemp(dir)) abort();
        }
        atexit(remove_dir);
    }
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        if (at >= size) {
            put(names[i], data, 0);
            continue;
        }
        const uint8_t *nul = memchr(data + at, 0, size - at);
        size_t n = nul ? (size_t)(nul - (data + at)) : size - at;
        put(names[i], data + at, n);
        at += n + 1;
    }
    gmd_err err;
    gmd_err_clear(&err);
    gmd_bundle b;
    if (gmd_bundle_open(dir, &b, &err) == 0) {
        for (uint32_t i = 0; i < b.nentries; i++) {
            const gmd_bundle_entry *e = &b.entries[i];
            if (!strcmp(e->kind, "gctrace") || !strcmp(e->kind, "proc")) continue;
            char path[4300];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, e->file);
            if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) abort();   /* kept a file it must not read */
        }
    }
    gmd_bundle_free(&b);
    return 0;
}
