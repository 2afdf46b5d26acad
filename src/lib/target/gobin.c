/* A Go executable (linux/amd64 ELF, Go 1.20+ tables; tested on 1.22-1.26):
 * build info, symbols, and the pclntab that maps PCs to functions, files,
 * lines and inlined calls. libelf reads the ELF; the pclntab and build info
 * are Go-specific, so they are decoded here (layouts from the Go sources:
 * runtime/symtab.go, runtime/symtabinl.go, cmd/link/internal/ld/pcln.go).
 *
 * Every offset read from the file is bounds-checked: a corrupt table gives
 * an error at open or "not found" later, never a read outside the file.
 * Names are NUL-terminated strings inside the mapped file, so they cost
 * nothing until used; frames of a PC are cached after the first lookup. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gmd/hashmap.h"
#include "gmd/intern.h"
#include "gmd/xalloc.h"
#include "target/gobin_int.h"

#define PCLN_MAGIC_120 0xfffffff1u   /* Go 1.20 and later */
#define PCLN_HDR 72                  /* magic+pads, 8 words */
#define FUNC_FIXED 44                /* _func without its pcdata/funcdata arrays (1.20+) */
#define PCDATA_INLTREE 2
#define FUNCDATA_INLTREE 3
#define INLCALL_SIZE 16
#define FLAG_TOPFRAME 1
#define FLAG_SPWRITE 2
#define MD_TEXT 22                   /* moduledata words (1.20+) */
#define MD_GOFUNC 40
#define MAX_FRAMES 128               /* inline depth we expand */
#define CACHE_FRAMES_MAX (1u << 22)  /* frames kept by the PC cache */

typedef struct seg {
    uint64_t addr, filesz, off;
    bool exec, write;
} seg;

typedef struct gsym {
    uint64_t addr, size;
    const char *name;
} gsym;

typedef struct gfunc {        /* a decoded _func record */
    const uint8_t *p;         /* the record; pcdata then funcdata follow the fixed part */
    uint64_t entry, end;
    int32_t nameoff, startline;
    uint32_t pcsp, pcfile, pcln, npcdata, cuoff;
    uint8_t funcid, flag, nfuncdata;
} gfunc;

typedef struct centry {
    uint32_t start, n;
} centry;

struct gmd_gobin {
    char *path;
    void *map;                /* our mmap of the file, or NULL */
    size_t maplen;
    const uint8_t *raw;
    size_t len;
    Elf *elf;
    bool pie;
    uint64_t entry;
    char version[64];
    int major, minor;
    char buildid[160];

    seg *segs;
    uint32_t nsegs;
    /* Elf64_Rela entries of SHT_RELA sections, for PIE pointer words */
    struct { const uint8_t *p; size_t n; } relas[8];
    uint32_t nrelas;

    gsym *syms;
    uint32_t nsyms;
    gmd_index symidx;
    bool has_symtab;

    /* pclntab: sub-tables as (pointer, length) into the mapped file */
    uint64_t pcln_addr;
    const uint8_t *pcln;
    size_t pcln_len;
    uint32_t nfunc;
    const uint8_t *funcnametab, *cutab, *filetab, *pctab, *functab;
    size_t funcnametab_len, cutab_len, filetab_len, pctab_len, functab_len;
    uint64_t text;            /* textStart: function entries are offsets from it */
    uint64_t gofunc;          /* funcdata base; 0 when unknown (no inline expansion) */
    int wrapper_id;           /* FuncIDWrapper of this release; -2 not computed yet */

    /* PC -> frames cache */
    gmd_u64map fcache;
    centry *centries;
    uint32_t ncentries, capcentries;
    gmd_goframe *cframes;
    uint32_t ncframes, capcframes;

    struct gmd_dwindex *dw;
    Elf *dwelf;               /* over dwcopy, for DWARF from bytes given by the caller */
    char *dwcopy;
    bool dw_tried;
};

/* ------------------------------------------------------------ bytes */

static uint32_t u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t u64(const uint8_t *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

/* File bytes at link-time address a, n long (all inside one segment's file
 * part), or NULL. */
static const uint8_t *at(const gmd_gobin *b, uint64_t a, uint64_t n)
{
    for (uint32_t i = 0; i < b->nsegs; i++) {
        const seg *s = &b->segs[i];
        if (a >= s->addr && a - s->addr < s->filesz && s->filesz - (a - s->addr) >= n)
            return b->raw + s->off + (a - s->addr);
    }
    return NULL;
}

/* A pointer word at link address a as the loader would leave it: in a PIE
 * the file holds 0 and an R_X86_64_RELATIVE relocation holds the value. */
static bool read_ptr(const gmd_gobin *b, uint64_t a, uint64_t *v)
{
    for (uint32_t r = 0; r < b->nrelas; r++)
        for (size_t i = 0; i < b->relas[r].n; i++) {
            const uint8_t *e = b->relas[r].p + i * 24;
            if (u64(e) == a && (u64(e + 8) & 0xffffffff) == R_X86_64_RELATIVE) {
                *v = u64(e + 16);
                return true;
            }
        }
    const uint8_t *p = at(b, a, 8);
    if (!p) return false;
    *v = u64(p);
    return true;
}

/* The NUL-terminated string at tab[off], or NULL when it runs off the table. */
static const char *cstr(const uint8_t *tab, size_t len, uint64_t off)
{
    if (!tab || off >= len || !memchr(tab + off, 0, len - off)) return NULL;
    return (const char *)tab + off;
}

/* ------------------------------------------------------------ open */

static const char *sec_name(Elf *elf, size_t shstrndx, const GElf_Shdr *sh)
{
    const char *n = elf_strptr(elf, shstrndx, sh->sh_name);
    return n ? n : "";
}

/* File bytes of a section, bounds-checked; NULL for NOBITS or bad offsets. */
static const uint8_t *sec_bytes(const gmd_gobin *b, const GElf_Shdr *sh)
{
    if (sh->sh_type == SHT_NOBITS || sh->sh_offset > b->len || sh->sh_size > b->len - sh->sh_offset) return NULL;
    return b->raw + sh->sh_offset;
}

static bool sym_eq(const void *ctx, uint32_t i)
{
    const void *const *c = ctx;
    const gmd_gobin *b = c[0];
    return strcmp(b->syms[i].name, c[1]) == 0;
}

static const gsym *find_sym(const gmd_gobin *b, const char *name)
{
    if (!b->nsyms) return NULL;
    const void *ctx[2] = {b, name};
    uint32_t i = gmd_index_find(&b->symidx, gmd_hash_bytes(name, strlen(name)), sym_eq, ctx);
    return i == UINT32_MAX ? NULL : &b->syms[i];
}

static void load_symtab(gmd_gobin *b, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || sh->sh_entsize != sizeof(Elf64_Sym)) return;
    size_t n = d->d_size / sizeof(Elf64_Sym);
    uint32_t cap = 0;
    for (size_t i = 1; i < n && i < UINT32_MAX; i++) {
        GElf_Sym es;
        if (!gelf_getsym(d, (int)i, &es)) continue;
        const char *name = elf_strptr(b->elf, sh->sh_link, es.st_name);
        if (!name || !*name) continue;
        GMD_VEC_PUSH(b->syms, b->nsyms, cap, ((gsym){es.st_value, es.st_size, name}));
    }
    for (uint32_t i = 0; i < b->nsyms; i++) {
        const char *nm = b->syms[i].name;
        uint64_t h = gmd_hash_bytes(nm, strlen(nm));
        const void *ctx[2] = {b, nm};
        /* the first definition wins (Go emits no duplicate globals; locals may repeat) */
        if (gmd_index_find(&b->symidx, h, sym_eq, ctx) == UINT32_MAX) gmd_index_insert(&b->symidx, h, i);
    }
    b->has_symtab = b->nsyms > 0;
}

static uint64_t uvarint(const uint8_t **p, const uint8_t *end, bool *ok)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    *ok = false;
    return 0;
}

/* Build info (runtime/debug.BuildInfo's source): "\xff Go buildinf:", a
 * pointer-size byte and a flags byte; with flag 2 (Go 1.18+) the Go version
 * follows at offset 32 as a uvarint length and bytes. */
static void parse_buildinfo(gmd_gobin *b, const uint8_t *p, size_t n)
{
    static const char magic[] = "\xff Go buildinf:";
    if (n < 33 || memcmp(p, magic, 14) != 0 || !(p[15] & 2)) return;
    const uint8_t *q = p + 32, *end = p + n;
    bool ok = true;
    uint64_t len = uvarint(&q, end, &ok);
    if (!ok || len == 0 || len >= sizeof b->version || len > (uint64_t)(end - q)) return;
    for (uint64_t i = 0; i < len; i++)
        if (q[i] < 0x20 || q[i] > 0x7e) return;
    memcpy(b->version, q, len);
    b->version[len] = 0;
    const char *v = strstr(b->version, "go1.");   /* "go1.26.8", "devel go1.27-abc" */
    if (!v) return;
    char *e;
    long minor = strtol(v + 4, &e, 10);
    if (e == v + 4 || minor < 0 || minor > 1000) return;
    b->major = 1;
    b->minor = (int)minor;
}

static void find_buildinfo(gmd_gobin *b, const uint8_t *sec, size_t n)
{
    if (sec) {
        parse_buildinfo(b, sec, n);
        return;
    }
    /* No section header: the linker puts it at the start of the data
     * segment, 16-byte aligned; look through the first 64 KiB of each
     * writable segment. */
    for (uint32_t i = 0; i < b->nsegs && !b->version[0]; i++) {
        const seg *s = &b->segs[i];
        if (!s->write) continue;
        uint64_t lim = s->filesz < 65536 ? s->filesz : 65536;
        for (uint64_t o = (16 - s->addr % 16) % 16; o + 32 < lim && !b->version[0]; o += 16)
            if (b->raw[s->off + o] == 0xff && !memcmp(b->raw + s->off + o, "\xff Go buildinf:", 14))
                parse_buildinfo(b, b->raw + s->off + o, s->filesz - o);
    }
}

static void parse_notes(gmd_gobin *b, Elf_Scn *scn)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d) return;
    GElf_Nhdr nh;
    size_t off = 0, noff, doff;
    while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
        const uint8_t *desc = (const uint8_t *)d->d_buf + doff;
        const char *name = (const char *)d->d_buf + noff;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(name, "GNU", 4) && nh.n_descsz <= 64) {
            for (size_t i = 0; i < nh.n_descsz; i++) snprintf(b->buildid + 2 * i, 3, "%02x", desc[i]);
        } else if (nh.n_type == 4 && (nh.n_namesz == 3 || nh.n_namesz == 4) && !memcmp(name, "Go", 3) && !b->buildid[0] &&
                   nh.n_descsz < sizeof b->buildid) {
            size_t k = 0;
            for (; k < nh.n_descsz && desc[k] >= 0x20 && desc[k] < 0x7f; k++) b->buildid[k] = (char)desc[k];
            b->buildid[k] = 0;
        }
    }
}

/* Check a pclntab header at p (n bytes to the end of its table) and set the
 * sub-tables; message in err when it does not hold. */
static int set_pclntab(gmd_gobin *b, uint64_t addr, const uint8_t *p, size_t n, gmd_err *err)
{
    int64_t foff = (int64_t)(p - b->raw);
    if (n < PCLN_HDR) return gmd_err_at(err, foff, "truncated Go pclntab header");
    uint32_t magic = u32(p);
    if (magic == 0xfffffff0u || magic == 0xfffffffau || magic == 0xfffffffbu)
        return gmd_err_at(err, foff, "Go pclntab of a release before Go 1.20 (magic 0x%08x): not supported", magic);
    if (magic != PCLN_MAGIC_120 || p[4] || p[5] || p[6] != 1 || p[7] != 8)
        return gmd_err_at(err, foff, "not a Go 1.20+ amd64 pclntab header (magic 0x%08x)", magic);
    uint64_t nfunc = u64(p + 8), o[5];
    for (int i = 0; i < 5; i++) o[i] = u64(p + 32 + 8 * i);
    /* funcnametab, cutab, filetab, pctab, functab follow one another */
    if (o[0] < PCLN_HDR || o[0] > o[1] || o[1] > o[2] || o[2] > o[3] || o[3] > o[4] || o[4] > n)
        return gmd_err_at(err, foff + 32, "Go pclntab header has sub-table offsets out of order or past its end");
    b->pcln_addr = addr;
    b->pcln = p;
    b->pcln_len = n;
    b->funcnametab = p + o[0], b->funcnametab_len = o[1] - o[0];
    b->cutab = p + o[1], b->cutab_len = o[2] - o[1];
    b->filetab = p + o[2], b->filetab_len = o[3] - o[2];
    b->pctab = p + o[3], b->pctab_len = o[4] - o[3];
    b->functab = p + o[4], b->functab_len = n - o[4];
    if (b->functab_len < 4 || nfunc > (b->functab_len - 4) / 8)
        return gmd_err_at(err, foff + 8, "Go pclntab: %llu functions do not fit in its function table",
                          (unsigned long long)nfunc);
    b->nfunc = (uint32_t)nfunc;
    return 0;
}

/* The pclntab: its section, else the runtime.pclntab symbol, else a scan
 * of non-executable segments for the header (a stripped file without
 * section headers). */
static int find_pclntab(gmd_gobin *b, const GElf_Shdr *sec, gmd_err *err)
{
    if (sec) {
        const uint8_t *p = sec_bytes(b, sec);
        if (!p) return gmd_err_at(err, (int64_t)sec->sh_offset, "the .gopclntab section lies outside the file");
        return set_pclntab(b, sec->sh_addr, p, sec->sh_size, err);
    }
    const gsym *s = find_sym(b, "runtime.pclntab"), *e = find_sym(b, "runtime.epclntab");
    if (s && e && e->addr > s->addr) {
        const uint8_t *p = at(b, s->addr, e->addr - s->addr);
        if (p) return set_pclntab(b, s->addr, p, e->addr - s->addr, err);
    }
    for (uint32_t i = 0; i < b->nsegs; i++) {
        const seg *sg = &b->segs[i];
        if (sg->exec) continue;
        for (uint64_t o = (8 - sg->addr % 8) % 8; o + PCLN_HDR <= sg->filesz; o += 8) {
            const uint8_t *p = b->raw + sg->off + o;
            if (p[0] != 0xf1 || u32(p) != PCLN_MAGIC_120) continue;
            gmd_err tmp;
            gmd_err_clear(&tmp);
            if (set_pclntab(b, sg->addr + o, p, sg->filesz - o, &tmp) == 0) return 0;
        }
    }
    return gmd_errf(err, "not a Go program: no Go pclntab (.gopclntab section, runtime.pclntab symbol or table header)");
}

/* moduledata (runtime.firstmoduledata): its symbol, the .go.module section
 * (Go 1.26), else a search for a word pair {pcHeader, funcnametab} in the
 * data segments or in PIE relocations. 0 when not found. */
static uint64_t find_moduledata(gmd_gobin *b, uint64_t gomodule_sec)
{
    uint64_t want = b->pcln_addr + (uint64_t)(b->funcnametab - b->pcln), v;
    uint64_t cand[2] = {0, gomodule_sec};
    const gsym *s = find_sym(b, "runtime.firstmoduledata");
    if (s) cand[0] = s->addr;
    for (int i = 0; i < 2; i++)
        if (cand[i] && read_ptr(b, cand[i] + 8, &v) && v == want) return cand[i];
    for (uint32_t r = 0; r < b->nrelas; r++)
        for (size_t i = 0; i < b->relas[r].n; i++) {
            const uint8_t *e = b->relas[r].p + i * 24;
            if (u64(e + 16) == want && (u64(e + 8) & 0xffffffff) == R_X86_64_RELATIVE && u64(e) >= 8) return u64(e) - 8;
        }
    for (uint32_t i = 0; i < b->nsegs; i++) {
        const seg *sg = &b->segs[i];
        if (!sg->write) continue;
        for (uint64_t o = (8 - sg->addr % 8) % 8 + 8; o + 8 <= sg->filesz; o += 8) {
            const uint8_t *p = b->raw + sg->off + o;
            if (u64(p) == want && (u64(p - 8) == b->pcln_addr || u64(p - 8) == 0)) return sg->addr + o - 8;
        }
    }
    return 0;
}

/* textStart and the funcdata base (see the file comment of pcln.go): Go 1.26
 * no longer stores textStart in the header. */
static void find_text_gofunc(gmd_gobin *b, uint64_t gomodule_sec, uint64_t text_sec)
{
    const gsym *t = find_sym(b, "runtime.text"), *g = find_sym(b, "go:func.*");
    uint64_t md = 0, v;
    bool md_done = false;
    if (t) b->text = t->addr;
    else if (read_ptr(b, b->pcln_addr + 24, &v) && v) b->text = v;   /* 1.20-1.25 header */
    else {
        md = find_moduledata(b, gomodule_sec), md_done = true;
        if (md && read_ptr(b, md + 8 * MD_TEXT, &v) && v) b->text = v;
        else b->text = text_sec;
    }
    if (g) b->gofunc = g->addr;
    else {
        if (!md_done) md = find_moduledata(b, gomodule_sec);
        if (md && read_ptr(b, md + 8 * MD_GOFUNC, &v) && at(b, v, 1)) b->gofunc = v;
    }
}

static gmd_gobin *open_elf(gmd_gobin *b, gmd_err *err)
{
    gmd_err_set_source(err, b->path);
    if (elf_version(EV_CURRENT) == EV_NONE) {
        gmd_errf(err, "libelf: %s", elf_errmsg(-1));
        goto fail;
    }
    if (b->len < EI_NIDENT || memcmp(b->raw, ELFMAG, SELFMAG) != 0) {
        gmd_err_at(err, 0, "not an ELF file");
        goto fail;
    }
    b->elf = elf_memory((char *)(uintptr_t)b->raw, b->len);
    GElf_Ehdr eh;
    if (!b->elf || elf_kind(b->elf) != ELF_K_ELF || !gelf_getehdr(b->elf, &eh)) {
        gmd_err_at(err, 0, "cannot read the ELF header: %s", elf_errmsg(-1));
        goto fail;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
        gmd_err_at(err, 18, "not an x86-64 ELF file (machine %u, class %u)", eh.e_machine, eh.e_ident[EI_CLASS]);
        goto fail;
    }
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
        gmd_err_at(err, 16, "not an executable (ELF type %u)", eh.e_type);
        goto fail;
    }
    b->pie = eh.e_type == ET_DYN;
    b->entry = eh.e_entry;
    b->wrapper_id = -2;

    uint32_t capseg = 0;
    size_t nph = 0;
    if (elf_getphdrnum(b->elf, &nph) != 0) nph = 0;
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(b->elf, (int)i, &ph) || ph.p_type != PT_LOAD) continue;
        if (ph.p_offset > b->len) continue;
        uint64_t fs = ph.p_filesz < b->len - ph.p_offset ? ph.p_filesz : b->len - ph.p_offset;
        GMD_VEC_PUSH(b->segs, b->nsegs, capseg,
                     ((seg){ph.p_vaddr, fs, ph.p_offset, (ph.p_flags & PF_X) != 0, (ph.p_flags & PF_W) != 0}));
    }

    size_t shstrndx = 0;
    if (elf_getshdrstrndx(b->elf, &shstrndx) != 0) shstrndx = 0;
    GElf_Shdr pcln_sh = {0}, bi_sh = {0};
    bool have_pcln = false, have_bi = false, no_phdrs = b->nsegs == 0;
    uint64_t gomodule = 0, text_sec = 0;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(b->elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        const char *name = sec_name(b->elf, shstrndx, &sh);
        if (sh.sh_type == SHT_SYMTAB && !b->nsyms) load_symtab(b, scn, &sh);
        else if (sh.sh_type == SHT_NOTE) parse_notes(b, scn);
        else if (sh.sh_type == SHT_RELA && sh.sh_entsize == 24 && b->nrelas < 8) {
            const uint8_t *p = sec_bytes(b, &sh);
            if (p) b->relas[b->nrelas].p = p, b->relas[b->nrelas++].n = sh.sh_size / 24;
        }
        if (!strcmp(name, ".gopclntab") || !strcmp(name, ".data.rel.ro.gopclntab")) pcln_sh = sh, have_pcln = true;
        else if (!strcmp(name, ".go.buildinfo")) bi_sh = sh, have_bi = true;
        else if (!strcmp(name, ".go.module")) gomodule = sh.sh_addr;
        else if (!strcmp(name, ".text")) text_sec = sh.sh_addr;
        /* no program headers (a file cut down by a tool): map by sections */
        if (no_phdrs && sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_ALLOC) && sec_bytes(b, &sh))
            GMD_VEC_PUSH(b->segs, b->nsegs, capseg,
                         ((seg){sh.sh_addr, sh.sh_size, sh.sh_offset, (sh.sh_flags & SHF_EXECINSTR) != 0,
                                (sh.sh_flags & SHF_WRITE) != 0}));
    }
    find_buildinfo(b, have_bi ? sec_bytes(b, &bi_sh) : NULL, have_bi ? bi_sh.sh_size : 0);
    if (find_pclntab(b, have_pcln ? &pcln_sh : NULL, err) < 0) goto fail;
    find_text_gofunc(b, gomodule, text_sec);
    gmd_u64map_init(&b->fcache);
    return b;
fail:
    gmd_gobin_close(b);
    return NULL;
}

gmd_gobin *gmd_gobin_open_memory(const void *data, size_t len, const char *name, gmd_err *err)
{
    gmd_gobin *b = gmd_xcalloc(1, sizeof *b);
    gmd_index_init(&b->symidx);
    b->path = gmd_xstrdup(name ? name : "(memory)");
    b->raw = data;
    b->len = len;
    return open_elf(b, err);
}

gmd_gobin *gmd_gobin_open(const char *path, gmd_err *err)
{
    gmd_err_set_source(err, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        gmd_errf(err, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        gmd_errf(err, "not a regular, non-empty file");
        return NULL;
    }
    /* writable but private: libelf inflates DWARF sections in place (copy on write) */
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        gmd_errf(err, "cannot map: %s", strerror(errno));
        return NULL;
    }
    gmd_gobin *b = gmd_xcalloc(1, sizeof *b);
    gmd_index_init(&b->symidx);
    b->path = gmd_xstrdup(path);
    b->map = m;
    b->maplen = (size_t)st.st_size;
    b->raw = m;
    b->len = (size_t)st.st_size;
    return open_elf(b, err);
}

void gmd_gobin_close(gmd_gobin *b)
{
    if (!b) return;
    gmd_gobin_dwarf_close(b->dw);
    if (b->dwelf) elf_end(b->dwelf);
    free(b->dwcopy);
    if (b->elf) elf_end(b->elf);
    if (b->map) munmap(b->map, b->maplen);
    gmd_index_free(&b->symidx);
    gmd_u64map_free(&b->fcache);
    free(b->centries);
    free(b->cframes);
    free(b->syms);
    free(b->segs);
    free(b->path);
    free(b);
}

/* ------------------------------------------------------------ accessors */

const char *gmd_gobin_path(const gmd_gobin *b) { return b->path; }
const char *gmd_gobin_go_version(const gmd_gobin *b) { return b->version; }
bool gmd_gobin_is_pie(const gmd_gobin *b) { return b->pie; }
uint64_t gmd_gobin_entry(const gmd_gobin *b) { return b->entry; }
bool gmd_gobin_has_symtab(const gmd_gobin *b) { return b->has_symtab; }
const char *gmd_gobin_build_id(const gmd_gobin *b) { return b->buildid; }
Elf *gmd_gobin_elf(const gmd_gobin *b) { return b->elf; }
struct gmd_dwindex **gmd_gobin_dwslot(gmd_gobin *b)
{
    if (!b->dw_tried) {
        b->dw_tried = true;
        /* libelf inflates compressed sections in place: our mmap is a
         * private writable one; bytes from a caller get a private copy. */
        Elf *elf = b->elf;
        if (!b->map && gmd_gobin_dwarf_present(b->elf)) {
            b->dwcopy = gmd_xmalloc(b->len ? b->len : 1);
            memcpy(b->dwcopy, b->raw, b->len);
            elf = b->dwelf = elf_memory(b->dwcopy, b->len);
        }
        b->dw = gmd_gobin_dwarf_open(elf);
    }
    return &b->dw;
}
bool gmd_gobin_has_dwarf(const gmd_gobin *b) { return gmd_gobin_dwarf_present(b->elf); }

void gmd_gobin_go_release(const gmd_gobin *b, int *major, int *minor)
{
    *major = b->major;
    *minor = b->minor;
}

bool gmd_gobin_symbol(const gmd_gobin *b, const char *name, uint64_t *addr, uint64_t *size)
{
    const gsym *s = find_sym(b, name);
    if (s) {
        *addr = s->addr;
        *size = s->size;
        return true;
    }
    /* The DWARF index is built on first use; it is a cache, not state the
     * caller sees, hence the cast. */
    if (b->has_symtab) return false;
    return gmd_gobin_dwarf_var((gmd_gobin *)(uintptr_t)b, name, addr, size);
}

/* ------------------------------------------------------------ pclntab */

/* The function table's entry i: entry offset and record offset. */
static uint32_t ft_entry(const gmd_gobin *b, uint32_t i) { return u32(b->functab + 8 * (size_t)i); }

static bool decode_func(const gmd_gobin *b, uint32_t i, gfunc *f)
{
    uint64_t fo = u32(b->functab + 8 * (size_t)i + 4);
    if (fo > b->functab_len || b->functab_len - fo < FUNC_FIXED) return false;
    const uint8_t *p = b->functab + fo;
    f->p = p;
    f->entry = b->text + ft_entry(b, i);
    f->end = b->text + ft_entry(b, i + 1);   /* the entry after the last is the end offset */
    f->nameoff = (int32_t)u32(p + 4);
    f->pcsp = u32(p + 16);
    f->pcfile = u32(p + 20);
    f->pcln = u32(p + 24);
    f->npcdata = u32(p + 28);
    f->cuoff = u32(p + 32);
    f->startline = (int32_t)u32(p + 36);
    f->funcid = p[40];
    f->flag = p[41];
    f->nfuncdata = p[43];
    if (f->npcdata > (b->functab_len - fo - FUNC_FIXED) / 4 ||
        f->npcdata + (uint64_t)f->nfuncdata > (b->functab_len - fo - FUNC_FIXED) / 4)
        return false;
    return true;
}

/* Index of the function containing pc, or -1. */
static int64_t func_index(const gmd_gobin *b, uint64_t pc)
{
    if (!b->nfunc || pc < b->text || pc - b->text >= UINT32_MAX) return -1;
    uint32_t off = (uint32_t)(pc - b->text);
    if (off < ft_entry(b, 0) || off >= ft_entry(b, b->nfunc)) return -1;
    uint32_t lo = 0, hi = b->nfunc;   /* last entry <= off */
    while (hi - lo > 1) {
        uint32_t m = lo + (hi - lo) / 2;
        if (ft_entry(b, m) <= off) lo = m;
        else hi = m;
    }
    return lo;
}

static bool find_func(const gmd_gobin *b, uint64_t pc, gfunc *f)
{
    int64_t i = func_index(b, pc);
    return i >= 0 && decode_func(b, (uint32_t)i, f) && pc >= f->entry && pc < f->end;
}

/* The value of the pc-value table at pctab[off] for pc (runtime.pcvalue):
 * pairs of a zig-zag value delta and a pc delta, starting at value -1 and
 * the function's entry; a zero value delta after the first pair ends it.
 * -1 when there is no table or it does not cover pc. */
static int64_t pcvalue(const gmd_gobin *b, const gfunc *f, uint32_t off, uint64_t pc)
{
    if (!off || off >= b->pctab_len) return -1;
    const uint8_t *p = b->pctab + off, *end = b->pctab + b->pctab_len;
    int64_t val = -1;
    uint64_t cur = f->entry;
    for (bool first = true;; first = false) {
        bool ok = true;
        uint64_t uv = uvarint(&p, end, &ok);
        if (!ok || (uv == 0 && !first)) return -1;
        int64_t d = (uv & 1) ? -(int64_t)(uv >> 1) - 1 : (int64_t)(uv >> 1);
        val = (int64_t)((uint64_t)val + (uint64_t)d);   /* wraps rather than overflowing on junk */
        uint64_t pcd = uvarint(&p, end, &ok);
        if (!ok) return -1;
        cur += pcd;   /* quantum 1 on amd64 */
        if (pc < cur) return val;
    }
}

static const char *func_name(const gmd_gobin *b, int32_t nameoff)
{
    const char *n = nameoff >= 0 ? cstr(b->funcnametab, b->funcnametab_len, (uint64_t)nameoff) : NULL;
    return n ? n : "?";
}

static const char *file_at(const gmd_gobin *b, const gfunc *f, uint64_t pc)
{
    int64_t k = pcvalue(b, f, f->pcfile, pc);
    if (k < 0 || f->cuoff == UINT32_MAX) return "?";
    uint64_t ix = (uint64_t)f->cuoff + (uint64_t)k;
    if (ix >= b->cutab_len / 4) return "?";
    uint32_t fo = u32(b->cutab + 4 * ix);
    const char *s = fo == UINT32_MAX ? NULL : cstr(b->filetab, b->filetab_len, fo);
    return s ? s : "?";
}

/* The line at pc; 0 when unknown, as the runtime's funcline1 says. */
static int64_t line_at(const gmd_gobin *b, const gfunc *f, uint64_t pc)
{
    int64_t l = pcvalue(b, f, f->pcln, pc);
    return l < 0 ? 0 : l;
}

static int64_t pcdata(const gmd_gobin *b, const gfunc *f, uint32_t table, uint64_t pc)
{
    if (table >= f->npcdata) return -1;
    return pcvalue(b, f, u32(f->p + FUNC_FIXED + 4 * table), pc);
}

bool gmd_gobin_func(const gmd_gobin *b, uint64_t pc, gmd_gofunc *out)
{
    gfunc f;
    if (!find_func(b, pc, &f)) return false;
    out->name = func_name(b, f.nameoff);
    out->entry = f.entry;
    out->end = f.end;
    out->start_line = f.startline > 0 ? f.startline : 0;
    out->start_file = file_at(b, &f, f.entry);
    out->top_frame = (f.flag & FLAG_TOPFRAME) != 0;
    out->sp_write = (f.flag & FLAG_SPWRITE) != 0;
    return true;
}

int64_t gmd_gobin_sp_delta(const gmd_gobin *b, uint64_t pc)
{
    gfunc f;
    if (!find_func(b, pc, &f)) return -1;
    return pcvalue(b, &f, f.pcsp, pc);
}

/* FuncIDWrapper is the last funcID of each release's list, and its number
 * moves as runtime functions get IDs (22 in 1.22, 23 in 1.26); every Go
 * program has compiler-generated wrappers (type:.eq.*, method wrappers), so
 * the largest funcID in the table is it. */
static int wrapper_id(gmd_gobin *b)
{
    if (b->wrapper_id != -2) return b->wrapper_id;
    int max = -1;
    for (uint32_t i = 0; i < b->nfunc; i++) {
        gfunc f;
        if (decode_func(b, i, &f) && f.funcid > max) max = f.funcid;
    }
    b->wrapper_id = max > 0 ? max : -1;
    return b->wrapper_id;
}

/* One 16-byte inlinedCall record (runtime/symtabinl.go) at index ix of the
 * function's inline tree; NULL when out of the file. */
static const uint8_t *inlined_call(const gmd_gobin *b, const gfunc *f, int64_t ix)
{
    if (!b->gofunc || ix < 0 || ix >= (1 << 20) || FUNCDATA_INLTREE >= f->nfuncdata) return NULL;
    uint32_t off = u32(f->p + FUNC_FIXED + 4 * ((size_t)f->npcdata + FUNCDATA_INLTREE));
    if (off == UINT32_MAX) return NULL;
    return at(b, b->gofunc + off + (uint64_t)ix * INLCALL_SIZE, INLCALL_SIZE);
}

/* The runtime's inlineUnwinder: the innermost inlined call first, each
 * parent at the parentPc of its child, the physical function last. Inlined
 * compiler-generated wrappers are left out, as the runtime's tracebacks do. */
static int expand(gmd_gobin *b, uint64_t pc, gmd_goframe *out, int max)
{
    gfunc f;
    if (!find_func(b, pc, &f)) return 0;
    int n = 0, wid = -1;
    uint64_t p = pc;
    for (int depth = 0; n < max && depth < MAX_FRAMES; depth++) {
        int64_t ix = pcdata(b, &f, PCDATA_INLTREE, p);
        const uint8_t *ic = ix >= 0 ? inlined_call(b, &f, ix) : NULL;
        if (!ic) {
            out[n++] = (gmd_goframe){func_name(b, f.nameoff), file_at(b, &f, p), line_at(b, &f, p),
                                     f.startline > 0 ? f.startline : 0, false};
            break;
        }
        if (wid == -1) wid = wrapper_id(b);
        if (ic[0] != wid) {
            int32_t sl = (int32_t)u32(ic + 12);
            out[n++] = (gmd_goframe){func_name(b, (int32_t)u32(ic + 4)), file_at(b, &f, p),
                                     line_at(b, &f, p), sl > 0 ? sl : 0, true};
        }
        uint64_t parent = f.entry + (uint64_t)(int64_t)(int32_t)u32(ic + 8);
        if (parent < f.entry || parent >= f.end) break;   /* corrupt: the call site must be in f */
        p = parent;
    }
    return n;
}

int gmd_gobin_frames(const gmd_gobin *cb, uint64_t pc, bool return_address, gmd_goframe *out, int max)
{
    gmd_gobin *b = (gmd_gobin *)(uintptr_t)cb;   /* the cache is not visible state */
    if (max <= 0) return 0;
    if (return_address) {
        if (pc == 0) return 0;
        pc--;
    }
    uint64_t key = pc;   /* pc-1 of a return address is its own key */
    uint32_t ci = gmd_u64map_get(&b->fcache, key);
    if (ci != UINT32_MAX) {
        const centry *c = &b->centries[ci];
        int n = (int)c->n < max ? (int)c->n : max;
        memcpy(out, b->cframes + c->start, (size_t)n * sizeof *out);
        return n;
    }
    gmd_goframe tmp[MAX_FRAMES];
    int n = expand(b, pc, tmp, MAX_FRAMES);
    if (n > 0 && b->ncframes + (uint32_t)n <= CACHE_FRAMES_MAX) {
        if (b->ncframes + (uint32_t)n > b->capcframes) {
            while (b->ncframes + (uint32_t)n > b->capcframes) b->capcframes = b->capcframes ? 2 * b->capcframes : 256;
            b->cframes = gmd_xrealloc(b->cframes, (size_t)b->capcframes * sizeof *b->cframes);
        }
        memcpy(b->cframes + b->ncframes, tmp, (size_t)n * sizeof *tmp);
        GMD_VEC_PUSH(b->centries, b->ncentries, b->capcentries, ((centry){b->ncframes, (uint32_t)n}));
        b->ncframes += (uint32_t)n;
        gmd_u64map_put(&b->fcache, key, b->ncentries - 1);
    }
    if (n > max) n = max;
    memcpy(out, tmp, (size_t)n * sizeof *out);
    return n;
}

/* --------------------------------------------------------- for stripped binaries */

bool gmd_gobin_section(const gmd_gobin *b, const char *name, uint64_t *addr, uint64_t *size)
{
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(b->elf, &shstrndx) != 0) return false;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(b->elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC)) continue;
        if (!strcmp(sec_name(b->elf, shstrndx, &sh), name)) {
            *addr = sh.sh_addr;
            *size = sh.sh_size;
            return true;
        }
    }
    return false;
}

/* A linear walk of the function table: for the few lookups by name that
 * reading a binary without a symbol table needs. */
bool gmd_gobin_func_by_name(const gmd_gobin *b, const char *name, uint64_t *entry, uint64_t *end)
{
    for (uint32_t i = 0; i < b->nfunc; i++) {
        gfunc f;
        if (!decode_func(b, i, &f)) continue;
        const char *n = func_name(b, f.nameoff);
        if (n && !strcmp(n, name)) {
            *entry = f.entry;
            *end = f.end;
            return true;
        }
    }
    return false;
}

const uint8_t *gmd_gobin_bytes(const gmd_gobin *b, uint64_t addr, uint64_t n) { return at(b, addr, n); }
