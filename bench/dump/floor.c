/* The floor for `gmd dump`: one pass over a heap dump's records with gmd's
 * own record parser (gmd_hd_next), counting objects and pointer fields and
 * nothing else. What gmd dump spends beyond this is the graph, the types,
 * the dominators and the report.
 * Build: cc -O2 -Iinclude bench/dump/floor.c BUILD/libgmd.a -o floor  (bench/dump/run.sh does it) */
#include <stdio.h>
#include "gmd/heapdump.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor DUMP\n");
        return 2;
    }
    gmd_hd_file f;
    gmd_hd_reader r;
    gmd_hd_record rec;
    gmd_err err;
    if (gmd_hd_file_open(&f, argv[1], &err) < 0 || gmd_hd_open(&r, f.data, f.len, &err) < 0) {
        fprintf(stderr, "floor: %s: %s\n", argv[1], err.msg);
        return 1;
    }
    unsigned long long objects = 0, bytes = 0, pointers = 0;
    int rc;
    while ((rc = gmd_hd_next(&r, &rec, &err)) > 0) {
        if (rec.tag != GMD_HD_OBJECT) continue;
        objects++;
        bytes += rec.u.obj.contents.len;
        gmd_hd_fields fl = rec.u.obj.fields;
        uint64_t off;
        while (gmd_hd_field_next(&fl, &off)) pointers++;
    }
    if (rc < 0) {
        fprintf(stderr, "floor: %s: %s\n", argv[1], err.msg);
        return 1;
    }
    printf("%llu objects, %llu bytes, %llu pointer fields\n", objects, bytes, pointers);
    gmd_hd_file_close(&f);
    return 0;
}
