/* Write a synthetic service log of a given size to stdout: JSON and plain
 * application lines with GODEBUG=gctrace=1 lines mixed in (about 3% of the
 * lines), a slow leak in the live heap, a few "GC forced" and scav lines, and
 * an occasional cut gc line. For bench/gc/run.sh.
 * usage: gen-log BYTES > log */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 88172645463325252ull;
static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

int main(int argc, char **argv)
{
    unsigned long long want = argc > 1 ? strtoull(argv[1], NULL, 10) : (1ull << 30), done = 0;
    static const char *paths[] = {"/api/v1/orders", "/api/v1/users/42", "/healthz", "/metrics", "/api/v2/search?q=shoes"};
    static const char *levels[] = {"info", "info", "info", "debug", "warn", "error"};
    static char buf[1 << 16];
    size_t fill = 0;
    unsigned cycle = 0;
    double t = 0.5;
    while (done < want) {
        char line[512];
        int n;
        unsigned r = next() % 100;
        t += 0.002;
        if (r < 3) {
            cycle++;
            unsigned live = 200 + cycle / 100 + next() % 8;
            unsigned start = live * 2 - next() % 20;
            if (next() % 500 == 0) {
                n = snprintf(line, sizeof line, "gc %u @%.3fs 2%%: 0.041+3.1+0.0", cycle, t);   /* cut */
                line[n++] = '\n';
            } else {
                n = snprintf(line, sizeof line,
                             "gc %u @%.3fs %u%%: 0.%03u+%u.%u+0.0%02u ms clock, 0.%03u+0.%02u/%u.%u/0.%02u+0.%03u ms cpu, "
                             "%u->%u->%u MB, %u MB goal, 1 MB stacks, 0 MB globals, 8 P%s\n",
                             cycle, t, 1 + next() % 4, next() % 1000, 1 + next() % 20, next() % 10, next() % 100,
                             next() % 1000, next() % 100, next() % 40, next() % 10, next() % 100, next() % 1000,
                             start, start + next() % 10, live, live * 2, next() % 50 == 0 ? " (forced)" : "");
            }
        } else if (r < 4 && next() % 8 == 0) {
            n = snprintf(line, sizeof line, "scav %u KiB work (bg), 0 KiB work (eager), %u KiB now, %u%% util\n",
                         next() % 4096, 10000 + next() % 5000, 80 + next() % 20);
        } else if (r < 60) {
            n = snprintf(line, sizeof line,
                         "{\"time\":\"2024-05-01T12:%02u:%02u.%06uZ\",\"level\":\"%s\",\"msg\":\"request served\","
                         "\"method\":\"GET\",\"path\":\"%s\",\"status\":200,\"bytes\":%u,\"duration_ms\":%u.%03u,"
                         "\"trace_id\":\"%08x%08x\"}\n",
                         next() % 60, next() % 60, next() % 1000000, levels[next() % 6], paths[next() % 5],
                         next() % 100000, next() % 200, next() % 1000, next(), next());
        } else {
            n = snprintf(line, sizeof line, "2024/05/01 12:%02u:%02u worker %u: processed batch %u of %u items in %ums (queue depth %u)\n",
                         next() % 60, next() % 60, next() % 64, next() % 100000, next() % 5000, next() % 900, next() % 300);
        }
        if (fill + (size_t)n > sizeof buf) {
            fwrite(buf, 1, fill, stdout);
            fill = 0;
        }
        memcpy(buf + fill, line, (size_t)n);
        fill += (size_t)n;
        done += (unsigned long long)n;
    }
    fwrite(buf, 1, fill, stdout);
    return 0;
}
