/* Program images: a Go executable (ELF symbols, build info, pclntab, DWARF
 * struct layouts) plus a memory source (a live process read without stopping
 * it, or an ELF core file). The runtime readers built on them (goroutines,
 * the heap profile's buckets, memory statistics) are in gmd/goruntime.h.
 *
 * Addresses: the executable answers in link-time addresses; a PIE loaded at
 * another base is related to it by the target's load bias
 * (runtime address = link-time address + bias). */
#ifndef GMD_TARGET_H
#define GMD_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/err.h"

/* ------------------------------------------------------------ executable */

typedef struct gmd_gobin gmd_gobin;

/* Open a Go ELF executable (linux/amd64). Fails with a one-line error for a
 * file that is not ELF, not amd64, or has no Go pclntab. */
gmd_gobin *gmd_gobin_open(const char *path, gmd_err *err);
/* The same over bytes already in memory (fuzzing, tests); `data` must outlive it. */
gmd_gobin *gmd_gobin_open_memory(const void *data, size_t len, const char *name, gmd_err *err);
void gmd_gobin_close(gmd_gobin *b);

const char *gmd_gobin_path(const gmd_gobin *b);
/* "go1.26.8" from the build info, "" when absent. */
const char *gmd_gobin_go_version(const gmd_gobin *b);
/* Major.minor of that version (e.g. 1, 26); 0, 0 when unknown. */
void gmd_gobin_go_release(const gmd_gobin *b, int *major, int *minor);
bool gmd_gobin_is_pie(const gmd_gobin *b);      /* ELF type ET_DYN */
uint64_t gmd_gobin_entry(const gmd_gobin *b);   /* e_entry (link-time) */
bool gmd_gobin_has_symtab(const gmd_gobin *b);
bool gmd_gobin_has_dwarf(const gmd_gobin *b);
/* The 20-byte-or-so GNU build id as hex, or the Go build id; "" when none. */
const char *gmd_gobin_build_id(const gmd_gobin *b);

/* A symbol of .symtab (or, failing that, a global variable of DWARF):
 * link-time address and size. false when absent. */
bool gmd_gobin_symbol(const gmd_gobin *b, const char *name, uint64_t *addr, uint64_t *size);

/* An allocated section's link-time address and size (section headers
 * survive -ldflags=-s -w). false when absent. */
bool gmd_gobin_section(const gmd_gobin *b, const char *name, uint64_t *addr, uint64_t *size);
/* The file's bytes at link-time [addr, addr+n) (code, initialised data), or
 * NULL when they are not all in the file. */
const uint8_t *gmd_gobin_bytes(const gmd_gobin *b, uint64_t addr, uint64_t n);
/* A function's link-time entry and end by its name in the pclntab (works
 * without a symbol table; a linear search, for a few lookups). */
bool gmd_gobin_func_by_name(const gmd_gobin *b, const char *name, uint64_t *entry, uint64_t *end);

/* pclntab. */
typedef struct gmd_gofunc {
    const char *name;         /* owned by the gobin */
    uint64_t entry;           /* link-time entry PC */
    uint64_t end;             /* first PC past the function */
    int64_t start_line;       /* line of the func keyword; 0 when unknown */
    const char *start_file;   /* file of the entry PC */
    bool top_frame;           /* runtime.goexit, mstart, ...: a stack ends here */
    bool sp_write;            /* changes SP arbitrarily: unwinding past it is unsafe */
} gmd_gofunc;

/* The function containing link-time `pc`; false when pc is not Go code. */
bool gmd_gobin_func(const gmd_gobin *b, uint64_t pc, gmd_gofunc *out);
/* Bytes the function has pushed below its entry SP at `pc` (the pcsp table,
 * return address excluded); -1 when unknown. */
int64_t gmd_gobin_sp_delta(const gmd_gobin *b, uint64_t pc);

typedef struct gmd_goframe {
    const char *function;     /* owned by the gobin */
    const char *file;
    int64_t line;
    int64_t start_line;       /* of `function` (inlined ones too, 1.20+); 0 when unknown */
    bool inlined;             /* an inlined call inside the next frame */
} gmd_goframe;

/* The logical frames at link-time `pc`, innermost (inlined) first, the
 * physical function last; at most `max`. When `pc` is a return address
 * (every frame but the innermost), the lookup uses pc - 1, as the runtime
 * does. Returns the number of frames, 0 when pc is not Go code. */
int gmd_gobin_frames(const gmd_gobin *b, uint64_t pc, bool return_address,
                     gmd_goframe *out, int max);

/* DWARF layouts. `type` is a Go type name ("runtime.g"); `field` a member
 * name, or a dotted path through nested structs ("sched.sp",
 * "atomicstatus.value"). false when the binary has no DWARF or no such
 * type/field. */
bool gmd_gobin_dwarf_size(gmd_gobin *b, const char *type, uint64_t *size);
bool gmd_gobin_dwarf_offset(gmd_gobin *b, const char *type, const char *field, uint64_t *offset);
/* Size in bytes of a field (following typedefs), e.g. to tell int32 from int64. */
bool gmd_gobin_dwarf_field_size(gmd_gobin *b, const char *type, const char *field, uint64_t *size);
/* A global variable from DWARF: runtime address at link time and byte size
 * (e.g. runtime.waitReasonStrings: size / 16 strings). */
bool gmd_gobin_dwarf_var(gmd_gobin *b, const char *name, uint64_t *addr, uint64_t *size);
/* The name of a global variable's type ("*main.SessionRegistry"), or NULL. */
const char *gmd_gobin_dwarf_var_type(gmd_gobin *b, const char *name);

/* ---------------------------------------------------------- memory source */

typedef struct gmd_memsrc gmd_memsrc;

/* A live process, read with process_vm_readv (falling back to
 * /proc/PID/mem). Never ptrace-stopped, signalled or written. An EPERM is a
 * one-line error saying how to get permission. */
gmd_memsrc *gmd_memsrc_open_pid(int pid, gmd_err *err);
/* An ELF core file (PT_LOAD segments; NT_FILE, NT_AUXV, NT_PRPSINFO notes). */
gmd_memsrc *gmd_memsrc_open_core(const char *path, gmd_err *err);
gmd_memsrc *gmd_memsrc_open_core_memory(const void *data, size_t len, const char *name, gmd_err *err);
/* Cores leave out read-only file-backed mappings (the executable's text and
 * rodata), or keep only their first page; reads there come from the
 * executable file at the offset the NT_FILE note gives. By default that file
 * is the note's path for the main executable, opened on first need; these
 * name another copy of it (--binary). No-ops for a live process. */
int gmd_memsrc_core_set_exe(gmd_memsrc *m, const char *path, gmd_err *err);
void gmd_memsrc_core_set_exe_memory(gmd_memsrc *m, const void *data, size_t len);
void gmd_memsrc_close(gmd_memsrc *m);

bool gmd_memsrc_is_live(const gmd_memsrc *m);
int gmd_memsrc_pid(const gmd_memsrc *m);          /* the process (or the core's) pid; 0 unknown */
/* The executable's path: /proc/PID/exe's target, or the core's NT_FILE entry
 * for the main program; "" when unknown. */
const char *gmd_memsrc_exe_path(const gmd_memsrc *m);
/* An auxv entry (AT_ENTRY, AT_PHDR, ...); false when absent. */
bool gmd_memsrc_auxv(const gmd_memsrc *m, uint64_t type, uint64_t *value);

/* A core's threads, from its NT_PRSTATUS notes in the core's order (the
 * kernel puts the thread that took the signal first). A live process has
 * none here: its registers are only readable in a stop, which gmd never makes. */
typedef struct gmd_thread_regs {
    int tid;                  /* the thread's LWP id */
    int signo;                /* pr_cursig: the signal it was handling, 0 none */
    bool has_regs;
    uint64_t pc, sp, bp, fs_base;
} gmd_thread_regs;
size_t gmd_memsrc_threads(const gmd_memsrc *m, const gmd_thread_regs **out);
/* The signal that made the core: NT_SIGINFO's number, code and fault
 * address (addr is 0 when it has none), else the first thread's pr_cursig.
 * false for a live process or a core without either. */
bool gmd_memsrc_signal(const gmd_memsrc *m, int *signo, int *code, uint64_t *addr);

/* Read exactly n bytes at runtime address addr. -1 (with err naming the
 * address) when any byte is unreadable: unmapped, not in the core, or the
 * process is gone. Never a partial success. */
int gmd_memsrc_read(gmd_memsrc *m, uint64_t addr, void *buf, size_t n, gmd_err *err);
/* count reads at once (each lens[i] bytes at addrs[i] into bufs[i]); ok[i]
 * says which succeeded; returns how many did. A live process is read with
 * few system calls. */
size_t gmd_memsrc_read_many(gmd_memsrc *m, const uint64_t *addrs, const size_t *lens, uint8_t *const *bufs,
                            size_t count, bool *ok);
/* Counters for the "torn reads" note and for benchmarks. */
uint64_t gmd_memsrc_reads(const gmd_memsrc *m);
uint64_t gmd_memsrc_bytes_read(const gmd_memsrc *m);

/* ---------------------------------------------------------------- target */

typedef struct gmd_target {
    gmd_gobin *bin;
    gmd_memsrc *mem;
    uint64_t bias;            /* runtime address - link-time address */
    char name[96];            /* "pid:4242" or "core:FILE" for messages */
} gmd_target;

/* Parse "pid:N" / "core:FILE" source specs. true when `spec` is one. */
bool gmd_target_spec(const char *spec, int *pid, const char **core_path);
/* Open a live process: its executable comes from /proc/PID/exe unless
 * `binary` is given. */
gmd_target *gmd_target_open_pid(int pid, const char *binary, gmd_err *err);
/* Open a core: the executable from `binary`, else from the core's NT_FILE. */
gmd_target *gmd_target_open_core(const char *core, const char *binary, gmd_err *err);
void gmd_target_close(gmd_target *t);

/* Reads at RUNTIME addresses, as the program's memory holds them (pointers
 * read from it are already runtime addresses): no bias is applied. Add
 * t->bias to link-time addresses from t->bin (symbols, DWARF variables,
 * pclntab PCs) before reading them. Words are little-endian. */
int gmd_target_read(gmd_target *t, uint64_t addr, void *buf, size_t n, gmd_err *err);
int gmd_target_read_u64(gmd_target *t, uint64_t addr, uint64_t *v, gmd_err *err);
int gmd_target_read_u32(gmd_target *t, uint64_t addr, uint32_t *v, gmd_err *err);

#endif
