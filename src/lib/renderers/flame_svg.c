/* Flame graphs as one self-contained SVG.
 *
 * The tree of frames (a node per distinct path of function names from the
 * outermost frame) is built depth-first from the stacks sorted by their name
 * sequence: a node is finished once the sorted stacks leave its prefix, and
 * a finished node narrower than MIN_FRACTION of the total is dropped with its
 * subtree, which is then the tail of the node array. Memory is bounded by
 * the frames drawn (plus one open path), so a profile with millions of
 * distinct paths still makes a small file quickly; the footer says how many
 * frames were left out.
 *
 * The SVG carries its own CSS and script (hover, click to zoom, regex
 * search), so it works when opened from disk and needs nothing from the
 * network. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/arena.h"
#include "gmd/flame.h"
#include "gmd/markup.h"
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/units.h"
#include "gmd/xalloc.h"

#define MIN_FRACTION 0.001   /* narrower frames are elided: 1.2px at the default width */
#define MAX_FRAMES 12000     /* about 5 MB of SVG; beyond it the threshold rises */
#define MAX_FRACTION 0.05    /* ... but not past this: then deep stacks are cut instead */
#define PAD 10.0             /* left/right margin */
#define FRAME_H 18           /* row pitch; the rectangle is one pixel less */
#define FRAMES_TOP 96        /* first row below title, subtitle and controls */
#define CHAR_W 6.6           /* 11px monospace advance; the script re-measures */

typedef struct fnode {
    const char *name;            /* interned in the flame's own table */
    uint32_t rank;               /* the name's place in alphabetical order */
    uint32_t parent, depth;
    int64_t cur_abs, cur_net;    /* sum of |value| and of value in cur */
    int64_t base_abs, base_net;  /* the same in base */
    int64_t children_cur;        /* sum of the children's cur_abs, for "self" */
    double x, w;                 /* left edge and width in value units */
    double children_w;           /* all children's widths */
    double kept_w;               /* drawn children's widths: where the next child starts */
    double merged_w;             /* elided children's widths, drawn as one hatched box */
    uint32_t merged_n;
} fnode;

/* A stack as a sequence of name ranks, outermost first. key holds the
 * first ranks packed (rank + 1, so a shorter stack sorts first), compared
 * before seq: most comparisons then end without reaching into the pool. */
#define KEY_WORDS 2
typedef struct fstack {
    uint64_t key[KEY_WORDS];
    const uint32_t *seq;
    uint32_t n;
    bool is_base;
    int64_t value;
} fstack;

typedef struct flame {
    gmd_arena arena;
    gmd_intern names;            /* shared by cur and base so equal names compare by pointer */
    const char **by_id;          /* distinct names in order of first use */
    uint32_t nids, capids;
    gmd_u64map id_of;            /* interned pointer -> id */
    uint32_t *rank_of_id, *id_of_rank;
    fnode *nodes;
    uint32_t n, cap;
    double thr;                  /* narrowest width drawn */
    double fraction;             /* thr as a share of the total, for the footer */
    uint32_t elided;             /* tree nodes not drawn */
    uint32_t maxdepth;
    uint32_t cut_depth;          /* frames deeper than this are not drawn (0: none cut) */
    uint32_t cut;                /* how many */
} flame;

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t abs64(int64_t v) { return v < 0 ? (v == INT64_MIN ? INT64_MAX : -v) : v; }
static int64_t neg64(int64_t v) { return v == INT64_MIN ? INT64_MAX : -v; }

static uint32_t name_id(flame *f, const char *interned)
{
    uint32_t id = gmd_u64map_get(&f->id_of, (uint64_t)(uintptr_t)interned);
    if (id != UINT32_MAX) return id;
    id = f->nids;
    GMD_VEC_PUSH(f->by_id, f->nids, f->capids, interned);
    gmd_u64map_put(&f->id_of, (uint64_t)(uintptr_t)interned, id);
    return id;
}

/* A stack's frames, counted through the per-location tables: the stack set
 * may have been built without per-stack frame lists (location_frames_only),
 * which for large profiles are its biggest allocation. */
static size_t stack_nframes(const gmd_stackset *s, const gmd_stack *st)
{
    const gmd_sample *sm = &s->profile->samples[st->sample];
    size_t n = 0;
    for (uint32_t k = 0; k < sm->nlocations; k++) n += s->loc_nframes[sm->locations[k]];
    return n;
}

/* Turn each stack of `s` into a sequence of name ids (outermost first) in
 * `pool`, resolving names once per function or unsymbolized location. */
static void flame_collect(flame *f, const gmd_stackset *s, bool is_base, uint32_t *pool, size_t *npool,
                          fstack *stacks, size_t *nstacks)
{
    const gmd_profile *p = s->profile;
    uint32_t *fn_id = gmd_xmalloc((p->nfunctions ? p->nfunctions : 1) * sizeof *fn_id);
    uint32_t *loc_id = gmd_xmalloc((p->nlocations ? p->nlocations : 1) * sizeof *loc_id);
    memset(fn_id, 0xff, (p->nfunctions ? p->nfunctions : 1) * sizeof *fn_id);
    memset(loc_id, 0xff, (p->nlocations ? p->nlocations : 1) * sizeof *loc_id);
    for (uint32_t i = 0; i < s->nstacks; i++) {
        const gmd_stack *st = &s->stacks[i];
        const gmd_sample *sm = &p->samples[st->sample];
        fstack *fs = &stacks[(*nstacks)++];
        fs->seq = pool + *npool;
        fs->is_base = is_base;
        fs->value = st->value;
        size_t start = *npool;
        /* The frames are the locations' frames in order, leaf first: walk
         * both backwards for the outermost first. */
        for (uint32_t k = sm->nlocations; k-- > 0;) {
            uint32_t loc = sm->locations[k];
            const gmd_frame *lf = s->loc_frames + s->loc_first[loc];
            for (uint32_t j = s->loc_nframes[loc]; j-- > 0;) {
                const gmd_frame *fr = &lf[j];
                uint32_t *slot = fr->function != GMD_NONE ? &fn_id[fr->function] : &loc_id[fr->location];
                if (*slot == UINT32_MAX) {
                    char buf[32];
                    *slot = name_id(f, gmd_intern_str(&f->names, gmd_frame_name(s, fr, buf, sizeof buf)));
                }
                pool[(*npool)++] = *slot;
            }
        }
        fs->n = (uint32_t)(*npool - start);
    }
    free(fn_id);
    free(loc_id);
}

static const flame *sort_flame;   /* qsort has no context argument */
static uint32_t key_bits, key_per_word;   /* bits per packed rank, ranks per key word */

static int cmp_id_by_name(const void *a, const void *b)
{
    return strcmp(sort_flame->by_id[*(const uint32_t *)a], sort_flame->by_id[*(const uint32_t *)b]);
}

/* Pack the first ranks of st into its key, most significant first. */
static void stack_key(fstack *st)
{
    uint32_t k = 0;
    for (uint32_t w = 0; w < KEY_WORDS; w++) {
        uint64_t v = 0;
        for (uint32_t j = 0; j < key_per_word; j++, k++)
            v = (v << key_bits) | (k < st->n ? (uint64_t)st->seq[k] + 1 : 0);
        st->key[w] = v;
    }
}

static int cmp_stack(const void *a, const void *b)
{
    const fstack *x = a, *y = b;
    for (uint32_t w = 0; w < KEY_WORDS; w++)
        if (x->key[w] != y->key[w]) return x->key[w] < y->key[w] ? -1 : 1;
    /* Equal keys: the packed ranks are equal (and so are both lengths if
     * either ended inside them); compare what follows. */
    uint32_t n = x->n < y->n ? x->n : y->n;
    for (uint32_t i = key_per_word * KEY_WORDS; i < n; i++)
        if (x->seq[i] != y->seq[i]) return x->seq[i] < y->seq[i] ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

static uint32_t node_open(flame *f, uint32_t parent, uint32_t rank)
{
    GMD_VEC_RESERVE1(f->nodes, f->n, f->cap);
    uint32_t i = f->n++;
    fnode *nd = &f->nodes[i];
    memset(nd, 0, sizeof *nd);
    nd->parent = parent;
    nd->rank = rank;
    if (parent != UINT32_MAX) {
        fnode *p = &f->nodes[parent];
        nd->name = f->by_id[f->id_of_rank[rank]];
        nd->depth = p->depth + 1;
        /* Earlier siblings are finished: the drawn ones are packed to the left. */
        nd->x = p->x + p->kept_w;
    }
    return i;
}

/* Finish node i: its width is its own value (cur, or base for a frame only
 * in base) and never less than its children together (which only the
 * base-only frames of a diff can cause). Too narrow: drop it and its
 * subtree, which are the tail of the array. */
static void node_close(flame *f, uint32_t i)
{
    fnode *nd = &f->nodes[i];
    double own = (double)(nd->cur_abs ? nd->cur_abs : nd->base_abs);
    nd->w = own > nd->children_w ? own : nd->children_w;
    if (nd->parent == UINT32_MAX) return;
    fnode *p = &f->nodes[nd->parent];
    /* A stack's value is added to its deepest node only; each node hands
     * its sums to its parent when it closes (after all its children). */
    p->cur_abs = sat_add(p->cur_abs, nd->cur_abs);
    p->cur_net = sat_add(p->cur_net, nd->cur_net);
    p->base_abs = sat_add(p->base_abs, nd->base_abs);
    p->base_net = sat_add(p->base_net, nd->base_net);
    p->children_w += nd->w;
    p->children_cur = sat_add(p->children_cur, nd->cur_abs);
    if (nd->w >= f->thr && nd->w > 0) {
        p->kept_w += nd->w;
        if (nd->depth > f->maxdepth) f->maxdepth = nd->depth;
        if (nd->merged_w >= f->thr && nd->merged_n && nd->depth + 1 > f->maxdepth) f->maxdepth = nd->depth + 1;
    } else {
        p->merged_w += nd->w;
        p->merged_n++;
        f->elided += f->n - i;
        f->n = i;
    }
}

static void node_add(fnode *nd, int64_t v, bool is_base)
{
    if (is_base) {
        nd->base_abs = sat_add(nd->base_abs, abs64(v));
        nd->base_net = sat_add(nd->base_net, v);
    } else {
        nd->cur_abs = sat_add(nd->cur_abs, abs64(v));
        nd->cur_net = sat_add(nd->cur_net, v);
    }
}

/* Build the pruned tree from cur (and base). */
static void flame_build(flame *f, const gmd_stackset *cur, const gmd_stackset *base)
{
    size_t nframes = 0, nst = cur->nstacks + (base ? base->nstacks : 0);
    int64_t cur_abs = 0, base_abs = 0;
    for (uint32_t k = 0; k < cur->nstacks; k++) {
        nframes += stack_nframes(cur, &cur->stacks[k]);
        cur_abs = sat_add(cur_abs, abs64(cur->stacks[k].value));
    }
    for (uint32_t k = 0; base && k < base->nstacks; k++) {
        nframes += stack_nframes(base, &base->stacks[k]);
        base_abs = sat_add(base_abs, abs64(base->stacks[k].value));
    }
    uint32_t *pool = gmd_xmalloc((nframes ? nframes : 1) * sizeof *pool);
    fstack *stacks = gmd_xmalloc((nst ? nst : 1) * sizeof *stacks);
    size_t npool = 0, nstacks = 0;
    flame_collect(f, cur, false, pool, &npool, stacks, &nstacks);
    if (base) flame_collect(f, base, true, pool, &npool, stacks, &nstacks);

    /* Ids -> alphabetical ranks, so sorting stacks by rank sequence also
     * puts every node's children in name order. */
    f->id_of_rank = gmd_xmalloc((f->nids ? f->nids : 1) * sizeof *f->id_of_rank);
    f->rank_of_id = gmd_xmalloc((f->nids ? f->nids : 1) * sizeof *f->rank_of_id);
    for (uint32_t i = 0; i < f->nids; i++) f->id_of_rank[i] = i;
    sort_flame = f;
    qsort(f->id_of_rank, f->nids, sizeof *f->id_of_rank, cmp_id_by_name);
    for (uint32_t r = 0; r < f->nids; r++) f->rank_of_id[f->id_of_rank[r]] = r;
    for (size_t i = 0; i < npool; i++) pool[i] = f->rank_of_id[pool[i]];
    /* rank + 1 in key_bits bits (0 marks a stack's end). */
    key_bits = 1;
    while (key_bits < 32 && ((uint64_t)f->nids + 1) >> key_bits) key_bits++;
    key_per_word = 64 / key_bits;
    for (size_t i = 0; i < nstacks; i++) stack_key(&stacks[i]);
    qsort(stacks, nstacks, sizeof *stacks, cmp_stack);

    /* The root's own value is a lower bound of the final width, so the
     * threshold never hides a frame wider than MIN_FRACTION of it. */
    f->fraction = MIN_FRACTION;
    f->thr = MIN_FRACTION * (double)(cur_abs ? cur_abs : base_abs);
    uint32_t root = node_open(f, UINT32_MAX, UINT32_MAX);
    f->nodes[root].name = gmd_intern_str(&f->names, "root");
    uint32_t *path = NULL;   /* open nodes: path[d] at depth d */
    size_t plen = 0, pcap = 0;
    GMD_VEC_PUSH(path, plen, pcap, root);
    for (size_t i = 0; i < nstacks; i++) {
        const fstack *st = &stacks[i];
        size_t d = 0;
        while (d + 1 < plen && d < st->n && f->nodes[path[d + 1]].rank == st->seq[d]) d++;
        while (plen > d + 1) node_close(f, path[--plen]);
        for (size_t j = d; j < st->n; j++) {
            uint32_t c = node_open(f, path[plen - 1], st->seq[j]);
            GMD_VEC_PUSH(path, plen, pcap, c);
        }
        node_add(&f->nodes[path[plen - 1]], st->value, st->is_base);
    }
    while (plen > 0) node_close(f, path[--plen]);
    free(path);
    free(pool);
    free(stacks);
}

/* Drop the drawn frames narrower than f->thr (raised since the build). The
 * array is in depth-first order, parents before children and siblings left
 * to right, so one pass compacts it in place and re-packs the left edges. A
 * child is never wider than its parent, so what stays keeps its ancestors. */
static void flame_prune(flame *f)
{
    uint32_t *new_index = gmd_xmalloc(f->n * sizeof *new_index);
    uint32_t m = 1;
    new_index[0] = 0;
    f->nodes[0].kept_w = 0;
    f->maxdepth = 0;
    for (uint32_t i = 1; i < f->n; i++) {
        fnode nd = f->nodes[i];
        uint32_t p = new_index[nd.parent];
        new_index[i] = UINT32_MAX;
        if (p == UINT32_MAX) {
            f->elided++;
            continue;
        }
        fnode *parent = &f->nodes[p];
        if (nd.w < f->thr) {
            parent->merged_w += nd.w;
            parent->merged_n++;
            f->elided++;
            continue;
        }
        nd.parent = p;
        nd.x = parent->x + parent->kept_w;
        parent->kept_w += nd.w;
        nd.kept_w = 0;
        f->nodes[m] = nd;
        new_index[i] = m++;
    }
    f->n = m;
    for (uint32_t i = 0; i < m; i++) {
        const fnode *nd = &f->nodes[i];
        if (nd->depth > f->maxdepth) f->maxdepth = nd->depth;
        if (nd->merged_n && nd->merged_w >= f->thr && nd->depth + 1 > f->maxdepth) f->maxdepth = nd->depth + 1;
    }
    free(new_index);
}

/* A few very deep stacks (a recursion 100,000 frames deep) are too many
 * frames however wide each is: keep the shallowest levels that fit in
 * MAX_FRAMES and say where the stacks were cut. */
static void flame_cut_depth(flame *f)
{
    uint32_t *at = gmd_xcalloc((size_t)f->maxdepth + 2, sizeof *at);
    for (uint32_t i = 0; i < f->n; i++) at[f->nodes[i].depth]++;
    uint32_t keep = 0;   /* levels 0 .. keep-1 are kept */
    size_t sum = 0;
    while (keep <= f->maxdepth && sum + at[keep] <= MAX_FRAMES) sum += at[keep++];
    free(at);
    if (keep < 2) keep = 2;   /* the root and its children at least */
    uint32_t *new_index = gmd_xmalloc(f->n * sizeof *new_index);
    uint32_t m = 0;
    for (uint32_t i = 0; i < f->n; i++) {
        fnode nd = f->nodes[i];
        new_index[i] = UINT32_MAX;
        if (nd.depth >= keep) {
            f->cut++;
            continue;
        }
        if (i > 0) nd.parent = new_index[nd.parent];   /* a parent is shallower: kept */
        if (nd.depth == keep - 1) nd.merged_n = 0, nd.merged_w = 0;
        f->nodes[m] = nd;
        new_index[i] = m++;
    }
    free(new_index);
    f->n = m;
    f->cut_depth = keep - 1;
    f->maxdepth = 0;
    for (uint32_t i = 0; i < m; i++) {
        const fnode *nd = &f->nodes[i];
        if (nd->depth > f->maxdepth) f->maxdepth = nd->depth;
        if (nd->merged_n && nd->merged_w >= f->thr && nd->depth + 1 > f->maxdepth) f->maxdepth = nd->depth + 1;
    }
}

static void flame_free(flame *f)
{
    free(f->nodes);
    free(f->by_id);
    free(f->rank_of_id);
    free(f->id_of_rank);
    gmd_u64map_free(&f->id_of);
    gmd_intern_free(&f->names);
    gmd_arena_free(&f->arena);
}

/* ---- text helpers ---- */

/* Where the package path of a Go symbol ends and where its short name (what
 * pprof shows: "pkg.(*T).M", no directory) starts. The scan stops at '(' or
 * '[' because receiver and type-argument lists may contain slashes and dots. */
static void go_name_parts(const char *name, size_t *short_start, size_t *pkg_end)
{
    size_t i, slash = 0;
    for (i = 0; name[i] && name[i] != '(' && name[i] != '['; i++)
        if (name[i] == '/') slash = i + 1;
    size_t end = slash;
    while (end < i && name[end] != '.') end++;
    *short_start = slash;
    *pkg_end = end;
}

/* Label that fits in `px` pixels: whole, or cut with an ellipsis, or nothing. */
static void put_label(FILE *out, const char *label, double px)
{
    long fit = (long)floor((px - 6) / CHAR_W);
    if (fit < 3) return;
    size_t n = strlen(label), bytes = 0;
    long chars = 0;
    const unsigned char *u = (const unsigned char *)label;
    while (bytes < n && chars < fit) {
        size_t l = gmd_utf8_len(u + bytes, n - bytes);
        bytes += l ? l : 1;
        chars++;
    }
    if (bytes >= n) {
        gmd_put_xml(out, label, n);
        return;
    }
    /* Too long: keep fit-1 characters and add "…". */
    bytes = 0;
    for (long c = 0; c < fit - 1 && bytes < n; c++) {
        size_t l = gmd_utf8_len(u + bytes, n - bytes);
        bytes += l ? l : 1;
    }
    gmd_put_xml(out, label, bytes);
    fputs("\xe2\x80\xa6", out);
}

/* Coordinates with three decimals (zooming magnifies small frames a
 * thousandfold) but no trailing zeros. */
static const char *num(char *buf, double v)
{
    snprintf(buf, 32, "%.3f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0') *e-- = '\0';
        if (e == dot) *e = '\0';
    }
    return buf;
}

static const char *pct_str(int64_t v, int64_t total, char *buf, size_t size)
{
    const char *p = gmd_fmt_percent(v, total, buf, size);
    while (*p == ' ') p++;
    return p;
}

/* ---- colours ---- */

typedef struct rgb { int r, g, b; } rgb;

static rgb hsl(double h, double s, double l)
{
    double c = (1 - fabs(2 * l - 1)) * s, hp = fmod(h, 360) / 60, x = c * (1 - fabs(fmod(hp, 2) - 1));
    double r = 0, g = 0, b = 0;
    if (hp < 1) r = c, g = x;
    else if (hp < 2) r = x, g = c;
    else if (hp < 3) g = c, b = x;
    else if (hp < 4) g = x, b = c;
    else if (hp < 5) r = x, b = c;
    else r = c, b = x;
    double m = l - c / 2;
    rgb out = {(int)lround((r + m) * 255), (int)lround((g + m) * 255), (int)lround((b + m) * 255)};
    return out;
}

/* Warm colour from the package name: the same package always gets the same
 * colour, in this graph and the next one. */
static rgb package_colour(const char *name)
{
    if (name[0] == '0' && name[1] == 'x') return (rgb){196, 184, 170};   /* unsymbolized */
    size_t short_start, pkg_end;
    go_name_parts(name, &short_start, &pkg_end);
    uint64_t h = gmd_hash_bytes(name, pkg_end);
    double hue = 6 + (double)(h % 44);                  /* red-orange .. amber */
    double sat = 0.70 + (double)((h >> 16) % 20) / 100;
    double lig = 0.56 + (double)((h >> 32) % 12) / 100;
    return hsl(hue, sat, lig);
}

/* Red for growth, blue for shrinkage; t in [0,1] is the change relative to
 * the largest one. A faint tint marks even the smallest change. */
static rgb change_colour(int64_t delta, double t)
{
    if (delta == 0) return (rgb){222, 222, 222};
    t = 0.12 + 0.88 * (t > 1 ? 1 : t);
    double lig = 0.93 - 0.43 * t;
    return delta > 0 ? hsl(2, 0.82, lig) : hsl(216, 0.78, lig);
}

/* ---- the document ---- */

static const char css[] =
    "svg{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
    "#bg{fill:#fcfcfb}\n"
    "#title{font-size:17px;font-weight:600;fill:#1f2328}\n"
    "#subtitle{font-size:12px;fill:#59636e}\n"
    "#status{font-size:12px;fill:#1f2328;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace}\n"
    "#footer{font-size:11px;fill:#818b98}\n"
    "#matched{font-size:12px;fill:#8a2be2;font-weight:600}\n"
    "#frames text{font-size:11px;fill:#1b1b1b;pointer-events:none;"
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace}\n"
    "#frames g{cursor:pointer}\n"
    "#frames rect{rx:2px;ry:2px}\n"
    "#frames g:hover rect{stroke:#1f2328;stroke-width:0.8px}\n"
    "#frames .anc rect{opacity:0.55}\n"
    "#frames .dk text{fill:#fff}\n"
    "#frames .gone rect{stroke:#2f5fa8;stroke-dasharray:3 2;stroke-width:0.8px}\n"
    "#frames .gone text{font-style:italic}\n"
    "#frames .m rect{fill:url(#hatch)}\n"
    "#frames .m text{fill:#59636e}\n"
    "#reset{cursor:pointer}\n"
    "#reset rect{fill:#f0f1f3;stroke:#c8ccd1}\n"
    "#reset:hover rect{fill:#e4e6e9}\n"
    "#reset text{font-size:12px;fill:#1f2328}\n"
    ".hidden{display:none}\n"
    ".legend{font-size:11px;fill:#59636e}\n"
    "input{box-sizing:border-box;width:100%;height:24px;font:12px system-ui,sans-serif;padding:2px 8px;"
    "border:1px solid #c8ccd1;border-radius:4px;background:#fff;color:#1f2328;outline:none}\n"
    "input:focus{border-color:#8a2be2;box-shadow:0 0 0 2px rgba(138,43,226,.18)}\n"
    "input.bad{border-color:#d1242f}\n";

/* The script works on what the C side wrote: each frame is a <g> whose
 * <title> starts with the full function name and whose <rect> holds the
 * unzoomed geometry; rows are told apart by y (the root is the lowest). */
static const char script[] =
    "(function(){\n"
    "'use strict';\n"
    "var doc=document,svg=doc.documentElement,W=+svg.getAttribute('width'),PAD=10,CW=6.6;\n"
    "var HL='rgb(200,80,225)',frames=[],zoomed=null,status,hint,matched,reset,search,timer=0;\n"
    "function shortName(n){var i,s=0;for(i=0;i<n.length&&n[i]!=='('&&n[i]!=='[';i++)if(n[i]==='/')s=i+1;return n.slice(s);}\n"
    "function fit(label,w){var n=Math.floor((w-6)/CW);if(n<3)return '';var a=Array.from(label);"
    "return a.length<=n?label:a.slice(0,n-1).join('')+'\\u2026';}\n"
    "function place(f,x,w){f.rect.setAttribute('x',x.toFixed(3));f.rect.setAttribute('width',w.toFixed(3));"
    "f.text.setAttribute('x',(x+3).toFixed(3));var t=fit(f.label,w);if(f.text.textContent!==t)f.text.textContent=t;}\n"
    "function show(f,on){f.g.style.display=on?'':'none';}\n"
    "function zoom(z){zoomed=z;var r=(W-2*PAD)/z.w,e=1e-6;\n"
    " frames.forEach(function(f){var anc=false,vis;\n"
    "  if(f.y>z.y){anc=f.x<=z.x+e&&f.x+f.w>=z.x+z.w-e;vis=anc;if(anc)place(f,PAD,W-2*PAD);}\n"
    "  else{vis=f.x>=z.x-e&&f.x+f.w<=z.x+z.w+e;if(vis)place(f,PAD+(f.x-z.x)*r,f.w*r);}\n"
    "  f.g.classList.toggle('anc',anc&&f!==z);show(f,vis);});\n"
    " reset.classList.remove('hidden');}\n"
    "function unzoom(){zoomed=null;frames.forEach(function(f){place(f,f.x,f.w);f.g.classList.remove('anc');show(f,true);});"
    "reset.classList.add('hidden');}\n"
    "function find(term){var re=null;search.classList.remove('bad');\n"
    " if(term){try{re=new RegExp(term);}catch(err){search.classList.add('bad');matched.textContent='invalid regular expression';return;}}\n"
    " var iv=[];frames.forEach(function(f){var m=re!==null&&!f.merged&&re.test(f.name);\n"
    "  f.rect.setAttribute('fill',m?HL:f.fill);if(m)iv.push([f.x,f.x+f.w]);});\n"
    " if(!re){matched.textContent='';return;}\n"
    " iv.sort(function(a,b){return a[0]-b[0];});var sum=0,end=-1;\n"
    " iv.forEach(function(v){if(v[0]>=end){sum+=v[1]-v[0];end=v[1];}else if(v[1]>end){sum+=v[1]-end;end=v[1];}});\n"
    " var p=100*sum/(W-2*PAD);matched.textContent='Matched: '+(p>99.995?'100':p.toFixed(2))+'%';}\n"
    "function frameOf(t){while(t&&t!==svg){if(t.__f)return t.__f;t=t.parentNode;}return null;}\n"
    "function init(){status=doc.getElementById('status');hint=status.textContent;matched=doc.getElementById('matched');\n"
    " reset=doc.getElementById('reset');search=doc.getElementById('search');\n"
    " var probe=doc.getElementById('probe');try{var m=probe.getComputedTextLength()/probe.textContent.length;if(m>2&&m<20)CW=m;}catch(err){}\n"
    " var gs=doc.getElementById('frames').children;\n"
    " for(var i=0;i<gs.length;i++){var g=gs[i],rect=g.getElementsByTagName('rect')[0],text=g.getElementsByTagName('text')[0],title=g.getElementsByTagName('title')[0];\n"
    "  var name=title.textContent.split('\\n')[0],f={g:g,rect:rect,text:text,name:name,label:g.classList.contains('m')?name:shortName(name),\n"
    "   x:+rect.getAttribute('x'),w:+rect.getAttribute('width'),y:+rect.getAttribute('y'),fill:rect.getAttribute('fill'),merged:g.classList.contains('m'),tip:title.textContent.replace(/\\n/g,'   \\u00b7   ')};\n"
    "  g.__f=f;frames.push(f);if(CW!==6.6)place(f,f.x,f.w);}\n"
    " var fg=doc.getElementById('frames');\n"
    " fg.addEventListener('mouseover',function(e){var f=frameOf(e.target);if(f)status.textContent=f.tip;});\n"
    " fg.addEventListener('mouseout',function(){status.textContent=hint;});\n"
    " fg.addEventListener('click',function(e){var f=frameOf(e.target);if(!f)return;if(f.y===frames[0].y&&zoomed)unzoom();else zoom(f);});\n"
    " reset.addEventListener('click',unzoom);\n"
    " search.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(function(){find(search.value);},120);});\n"
    " search.addEventListener('keydown',function(e){if(e.key==='Enter'){clearTimeout(timer);find(search.value);}"
    "else if(e.key==='Escape'){search.value='';find('');search.blur();}});\n"
    " window.addEventListener('keydown',function(e){if((e.ctrlKey||e.metaKey)&&(e.key==='f'||e.key==='F')){e.preventDefault();search.focus();search.select();}"
    "else if(e.key==='Escape'&&doc.activeElement!==search&&zoomed)unzoom();});}\n"
    "if(doc.readyState==='loading')doc.addEventListener('DOMContentLoaded',init);else init();\n"
    "})();\n";

typedef enum colour_mode { COLOUR_PACKAGE, COLOUR_DIFF, COLOUR_SIGN } colour_mode;

typedef struct writer {
    FILE *out;
    const flame *f;
    const gmd_stackset *cur, *base;
    colour_mode mode;
    double scale;       /* pixels per value unit */
    int width;
    double max_change;  /* largest |delta| (diff) or |net| (sign mode) */
} writer;

static double row_y(const writer *w, uint32_t depth)
{
    return FRAMES_TOP + (double)(w->f->maxdepth - depth) * FRAME_H;
}

static void put_value(FILE *out, int64_t v, const char *unit, bool sign)
{
    char buf[64];
    if (sign && v > 0) fputc('+', out);
    gmd_put_xml_str(out, gmd_fmt_value(v, unit, buf, sizeof buf));
}

static void write_frame(writer *w, uint32_t i)
{
    const fnode *nd = &w->f->nodes[i];
    const char *unit = w->cur->value_type.unit;
    FILE *out = w->out;
    char a[32], b[32], c[32], pbuf[32];
    double px = nd->w * w->scale;
    double x = PAD + nd->x * w->scale, y = row_y(w, nd->depth);
    bool gone = w->mode == COLOUR_DIFF && nd->cur_abs == 0 && nd->base_abs != 0;

    rgb col;
    if (w->mode == COLOUR_DIFF) {
        int64_t d = sat_add(nd->cur_net, neg64(nd->base_net));
        col = change_colour(d, w->max_change > 0 ? fabs((double)d) / w->max_change : 0);
    } else if (w->mode == COLOUR_SIGN) {
        col = change_colour(nd->cur_net, w->max_change > 0 ? fabs((double)nd->cur_net) / w->max_change : 0);
    } else {
        col = i == 0 ? (rgb){214, 200, 186} : package_colour(nd->name);
    }

    /* Light text on the strong diff colours, where dark text would drown. */
    bool dark = 0.2126 * col.r + 0.7152 * col.g + 0.0722 * col.b < 0.45 * 255;
    if (gone || dark) fprintf(out, "<g class=\"%s%s%s\"><title>", gone ? "gone" : "", gone && dark ? " " : "", dark ? "dk" : "");
    else fputs("<g><title>", out);
    gmd_put_xml_str(out, nd->name);
    fputc('\n', out);
    int64_t self = sat_add(nd->cur_abs, neg64(nd->children_cur));
    if (w->mode == COLOUR_DIFF) {
        const char *bunit = w->base->value_type.unit;
        fputs("before ", out);
        put_value(out, nd->base_net, bunit, false);
        fprintf(out, " (%s)", pct_str(nd->base_abs, w->base->total, pbuf, sizeof pbuf));
        fputs(" \xe2\x86\x92 after ", out);
        put_value(out, nd->cur_net, unit, false);
        fprintf(out, " (%s)\nchange ", pct_str(nd->cur_abs, w->cur->total, pbuf, sizeof pbuf));
        int64_t d = sat_add(nd->cur_net, neg64(nd->base_net));
        put_value(out, d, unit, true);
        if (nd->base_net > 0) fprintf(out, " (%+.1f%%)", 100.0 * (double)d / (double)nd->base_net);
        else if (nd->cur_net && !nd->base_net) fputs(" (new)", out);
        if (gone) fputs("\nonly in the base profile", out);
    } else {
        put_value(out, w->mode == COLOUR_SIGN ? nd->cur_net : nd->cur_abs, unit, w->mode == COLOUR_SIGN);
        fprintf(out, " (%s of total)", pct_str(nd->cur_abs, w->cur->total, pbuf, sizeof pbuf));
        if (i && self > 0) {
            fputs(", self ", out);
            put_value(out, self, unit, false);
        }
    }
    fprintf(out, "</title><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%d\" fill=\"rgb(%d,%d,%d)\"/>",
            num(a, x), num(b, y), num(c, px), FRAME_H - 1, col.r, col.g, col.b);
    fprintf(out, "<text x=\"%s\" y=\"%s\">", num(a, x + 3), num(b, y + 12.5));
    size_t short_start, pkg_end;
    go_name_parts(nd->name, &short_start, &pkg_end);
    put_label(out, nd->name + short_start, px);
    fputs("</text></g>\n", out);
}

/* One hatched rectangle standing for a drawn frame's elided children, when
 * together they are wide enough to see. */
static void write_merged(writer *w, uint32_t i)
{
    const fnode *nd = &w->f->nodes[i];
    if (!nd->merged_n || nd->merged_w < w->f->thr) return;
    double x = PAD + (nd->x + nd->kept_w) * w->scale, px = nd->merged_w * w->scale;
    double y = row_y(w, nd->depth + 1);
    char a[32], b[32], c[32], vbuf[64], pbuf[32];
    FILE *out = w->out;
    int64_t v = (int64_t)nd->merged_w;
    fprintf(out, "<g class=\"m\"><title>%" PRIu32 " small frame%s\n%s (%s of total), each under %.2g%% of the total</title>",
            nd->merged_n, nd->merged_n == 1 ? "" : "s", gmd_fmt_value(v, w->cur->value_type.unit, vbuf, sizeof vbuf),
            pct_str(v, (int64_t)w->f->nodes[0].w, pbuf, sizeof pbuf), w->f->fraction * 100);
    fprintf(out, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%d\" fill=\"rgb(221,221,221)\"/>", num(a, x), num(b, y), num(c, px),
            FRAME_H - 1);
    fprintf(out, "<text x=\"%s\" y=\"%s\">", num(a, x + 3), num(b, y + 12.5));
    char label[48];
    snprintf(label, sizeof label, "%" PRIu32 " small frame%s", nd->merged_n, nd->merged_n == 1 ? "" : "s");
    put_label(out, label, px);
    fputs("</text></g>\n", out);
}

static void write_title(writer *w, const gmd_flame_opts *o, bool negative)
{
    FILE *out = w->out;
    const gmd_value_type *vt = &w->cur->value_type;
    char t1[64], t2[64], t3[64];
    fprintf(out, "<text id=\"title\" x=\"%d\" y=\"28\" text-anchor=\"middle\">", w->width / 2);
    if (o && o->title && *o->title) {
        gmd_put_xml_str(out, o->title);
    } else if (w->mode == COLOUR_DIFF) {
        fputs("Diff flame graph: ", out);
        gmd_put_xml_str(out, vt->type);
    } else {
        fputs("Flame graph: ", out);
        gmd_put_xml_str(out, vt->type);
    }
    if (negative) fputs(" (widths are absolute values: the profile has negative values)", out);
    fputs("</text>\n", out);

    fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"48\" text-anchor=\"middle\">", w->width / 2);
    if (w->mode == COLOUR_DIFF) {
        int64_t bt = 0, ct = 0;
        for (uint32_t k = 0; k < w->base->nstacks; k++) bt = sat_add(bt, w->base->stacks[k].value);
        for (uint32_t k = 0; k < w->cur->nstacks; k++) ct = sat_add(ct, w->cur->stacks[k].value);
        fprintf(out, "%s: before %s \xe2\x86\x92 after %s (", vt->type, gmd_fmt_value(bt, vt->unit, t1, sizeof t1),
                gmd_fmt_value(ct, vt->unit, t2, sizeof t2));
        put_value(out, sat_add(ct, neg64(bt)), vt->unit, true);
        fputs(") \xc2\xb7 width: after \xc2\xb7 red grew, blue shrank \xc2\xb7 dashed: only in the base", out);
    } else {
        fprintf(out, "total %s", gmd_fmt_value(w->cur->total, vt->unit, t1, sizeof t1));
        if (w->cur->total != w->cur->total_unfiltered)
            fprintf(out, " of %s (%s after filters)", gmd_fmt_value(w->cur->total_unfiltered, vt->unit, t3, sizeof t3),
                    pct_str(w->cur->total, w->cur->total_unfiltered, t2, sizeof t2));
        fprintf(out, " \xc2\xb7 %" PRIu32 " sample%s", w->cur->nstacks, w->cur->nstacks == 1 ? "" : "s");
        if (w->mode == COLOUR_SIGN) fputs(" \xc2\xb7 red grew, blue shrank", out);
    }
    fputs("</text>\n", out);
}

static void write_controls(writer *w)
{
    FILE *out = w->out;
    int right = w->width - (int)PAD;
    fputs("<g id=\"reset\" class=\"hidden\"><rect x=\"10\" y=\"62\" width=\"86\" height=\"24\" rx=\"4\"/>"
          "<text x=\"53\" y=\"78\" text-anchor=\"middle\">Reset zoom</text></g>\n", out);
    if (w->mode != COLOUR_PACKAGE) {
        /* A small key: shrank .. unchanged .. grew. */
        int x = 110;
        static const int64_t steps[] = {-4, -2, -1, 0, 1, 2, 4};
        fprintf(out, "<text class=\"legend\" x=\"%d\" y=\"78\" text-anchor=\"end\">%s</text>\n", x + 44, "shrank");
        for (int k = 0; k < 7; k++) {
            rgb c = change_colour(steps[k], fabs((double)steps[k]) / 4);
            fprintf(out, "<rect x=\"%d\" y=\"66\" width=\"18\" height=\"16\" fill=\"rgb(%d,%d,%d)\"/>\n", x + 50 + k * 18, c.r,
                    c.g, c.b);
        }
        fprintf(out, "<text class=\"legend\" x=\"%d\" y=\"78\">grew</text>\n", x + 50 + 7 * 18 + 6);
    }
    fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"78\" text-anchor=\"end\"></text>\n", right - 270);
    fprintf(out,
            "<foreignObject x=\"%d\" y=\"62\" width=\"260\" height=\"26\">"
            "<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"text\" spellcheck=\"false\" "
            "placeholder=\"Search functions (regex)  Ctrl-F\"/></foreignObject>\n",
            right - 260);
}

int gmd_flame_write_svg(FILE *out, const gmd_stackset *cur, const gmd_stackset *base, const gmd_flame_opts *o,
                        gmd_err *err)
{
    if (base && strcmp(cur->value_type.unit, base->value_type.unit))
        return gmd_errf(err, "cannot compare %s (%s) with a base of %s (%s)", cur->value_type.type, cur->value_type.unit,
                        base->value_type.type, base->value_type.unit);
    flame f;
    memset(&f, 0, sizeof f);
    gmd_arena_init(&f.arena, 0);
    gmd_intern_init(&f.names, &f.arena);
    gmd_u64map_init(&f.id_of);
    flame_build(&f, cur, base);
    /* Thousands of frames each over 0.1% wide (deep stacks split many ways)
     * would make a huge file: raise the threshold until it stays small. */
    while (f.n > MAX_FRAMES && f.fraction * 1.5 <= MAX_FRACTION) {
        f.thr *= 1.5;
        f.fraction *= 1.5;
        flame_prune(&f);
    }
    if (f.n > MAX_FRAMES) flame_cut_depth(&f);

    bool negative = false;
    for (uint32_t k = 0; k < cur->nstacks && !negative; k++) negative = cur->stacks[k].value < 0;

    writer w = {.out = out, .f = &f, .cur = cur, .base = base};
    w.mode = base ? COLOUR_DIFF : negative ? COLOUR_SIGN : COLOUR_PACKAGE;
    w.width = o && o->width ? o->width : 1200;
    if (w.width < 400) w.width = 400;
    if (w.width > 20000) w.width = 20000;
    double root_w = f.nodes[0].w;
    w.scale = root_w > 0 ? ((double)w.width - 2 * PAD) / root_w : 0;
    for (uint32_t i = 1; i < f.n && w.mode != COLOUR_PACKAGE; i++) {
        const fnode *nd = &f.nodes[i];
        double d = w.mode == COLOUR_DIFF ? fabs((double)nd->cur_net - (double)nd->base_net) : fabs((double)nd->cur_net);
        if (d > w.max_change) w.max_change = d;
    }

    int fb = FRAMES_TOP + (int)(f.maxdepth + 1) * FRAME_H;   /* bottom of the frames */
    int height = fb + 46;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
            w.width, height, w.width, height);
    fprintf(out, "<style>\n%s</style>\n", css);
    fputs("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e6e6e6\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#cfcfcf\" stroke-width=\"3\"/></pattern></defs>\n", out);
    fputs("<rect id=\"bg\" width=\"100%\" height=\"100%\"/>\n", out);
    write_title(&w, o, negative);
    write_controls(&w);
    fputs("<g id=\"frames\">\n", out);
    for (uint32_t i = 0; i < f.n; i++) write_frame(&w, i);   /* the root first: the script relies on it */
    for (uint32_t i = 0; i < f.n; i++) write_merged(&w, i);
    fputs("</g>\n", out);
    /* Probe text for the script to measure the label font's advance. */
    fputs("<text id=\"probe\" x=\"-1000\" y=\"-1000\" style=\"font-size:11px;font-family:ui-monospace,SFMono-Regular,"
          "Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace\">mmmmmmmmmmiiiiiiiiii</text>\n", out);
    fprintf(out, "<text id=\"status\" x=\"%d\" y=\"%d\">%s</text>\n", (int)PAD, fb + 18,
            root_w > 0 ? "Hover over a frame for details \xc2\xb7 click to zoom \xc2\xb7 Ctrl-F to search"
                       : "No samples in this profile (after filters).");
    fprintf(out, "<text id=\"footer\" x=\"%d\" y=\"%d\">", (int)PAD, fb + 36);
    if (f.elided)
        fprintf(out, "%" PRIu32 " frame%s narrower than %.2g%% of the total not drawn (%" PRIu32 " drawn) \xc2\xb7 ", f.elided,
                f.elided == 1 ? "" : "s", f.fraction * 100, f.n);
    if (f.cut)
        fprintf(out, "stacks cut at depth %" PRIu32 ": %" PRIu32 " deeper frame%s not drawn \xc2\xb7 ", f.cut_depth, f.cut,
                f.cut == 1 ? "" : "s");
    fputs("made by gmd</text>\n", out);
    fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n</svg>\n", script);

    flame_free(&f);
    if (ferror(out)) return gmd_errf(err, "write failed");
    return 0;
}
