#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gmd/procenv.h"

#define ENVIRON_MAX (1u << 20)

bool gmd_proc_getenv(int pid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char *env = malloc(ENVIRON_MAX);
    size_t n = 0;
    ssize_t r;
    while (env && n < ENVIRON_MAX && (r = read(fd, env + n, ENVIRON_MAX - n)) > 0) n += (size_t)r;
    close(fd);
    if (!env) return false;
    size_t nl = strlen(name);
    bool found = false;
    for (size_t i = 0; i < n;) {
        size_t len = strnlen(env + i, n - i);
        if (len > nl && !memcmp(env + i, name, nl) && env[i + nl] == '=') {
            size_t v = len - nl - 1;
            if (size) {
                if (v >= size) v = size - 1;
                memcpy(buf, env + i + nl + 1, v);
                buf[v] = '\0';
            }
            found = true;
            break;
        }
        i += len + 1;
    }
    free(env);
    return found;
}
