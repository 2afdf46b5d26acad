/* A live process's environment variable, from /proc/PID/environ (readable
 * with the same permission as its memory). */
#ifndef GMD_PROCENV_H
#define GMD_PROCENV_H

#include <stdbool.h>
#include <stddef.h>

/* Copy the value of `name` into buf (NUL-terminated, cut to size); false
 * when the process or the variable is not there. */
bool gmd_proc_getenv(int pid, const char *name, char *buf, size_t size);

#endif
