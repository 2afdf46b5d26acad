/* The processes `gmd run` starts, and which of them is the Go program to
 * measure. `gmd run -- go run .` or `gmd run -- sh -c './server'` starts a
 * tool or a shell that starts the program; the one worth sampling is the
 * newest descendant that is a Go executable but not part of the Go
 * toolchain (go, compile, link, ...). All of it comes from /proc, read only. */
#ifndef GMD_PROCTREE_H
#define GMD_PROCTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gmd_exe_kind {
    GMD_EXE_UNKNOWN = 0,   /* could not be read (gone, no permission) */
    GMD_EXE_NOT_GO,        /* an executable without Go build info (a shell, a C program) */
    GMD_EXE_GO_TOOL,       /* the Go toolchain: cmd/go, cmd/compile, cmd/link, ... */
    GMD_EXE_GO_PROGRAM,    /* any other Go executable */
} gmd_exe_kind;

/* Classify an ELF executable from its Go build info (.go.buildinfo). */
gmd_exe_kind gmd_exe_classify(const char *path);
/* The same for an open file (read with pread; the offset is not moved). */
gmd_exe_kind gmd_exe_classify_fd(int fd);
/* The same over the bytes of an ELF file (tests, fuzzing). */
gmd_exe_kind gmd_exe_classify_memory(const void *data, size_t len);

typedef struct gmd_proc_ident {
    int pid, ppid, pgid;
    uint64_t start_ticks;  /* /proc/PID/stat starttime: clock ticks since boot */
} gmd_proc_ident;

/* /proc/PID/stat's identity fields. -1 when the process is gone. */
int gmd_proc_ident_read(int pid, gmd_proc_ident *out);
/* Parse a /proc/PID/stat line (the command may hold spaces and ')'). */
int gmd_proc_ident_parse(const char *text, size_t len, gmd_proc_ident *out);

/* Every live process whose ancestry reaches `ancestor` (itself excluded) or
 * whose process group is `pgid` (0 = none), at most `max`; zombies are
 * left out. Returns how many were found (may exceed max: only max stored). */
size_t gmd_proc_tree(int ancestor, int pgid, gmd_proc_ident *out, size_t max);

/* Seconds since boot when a process with this starttime started. */
double gmd_proc_start_sec(uint64_t start_ticks);
/* Now, on the same clock (CLOCK_BOOTTIME). */
double gmd_boot_now(void);

/* Listening TCP sockets on `port` (any address) from /proc/net/tcp and
 * tcp6: their inodes, at most max. Returns how many. */
size_t gmd_tcp_listeners(int port, uint64_t *inodes, size_t max);
/* Does process `pid` hold socket inode `inode` among its descriptors? */
bool gmd_proc_has_socket(int pid, uint64_t inode);
/* Any process holding `inode` (scans /proc; 0 when none can be seen). */
int gmd_socket_owner(uint64_t inode);

#endif
