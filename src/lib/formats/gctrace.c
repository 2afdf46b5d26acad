/* GODEBUG=gctrace=1 parser. See include/gmd/gctrace.h for the grammar.
 *
 * Speed: in a real log gctrace lines are a few percent of all lines, so a
 * foreign line must cost almost nothing: memchr finds its end, one switch on
 * its first byte rejects it, and one memchr for '@' (every gc line has " @")
 * looks for a gc line that another writer's unterminated output pushed into
 * the middle of the line. Only candidate lines are parsed, by hand: no
 * strtod, no sscanf, no allocation per line. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gmd/gctrace.h"
#include "gmd/xalloc.h"

typedef struct cursor {
    const char *p, *end;
} cursor;

static bool lit(cursor *c, const char *s, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0) return false;
    c->p += n;
    return true;
}
#define LIT(c, s) lit((c), (s), sizeof(s) - 1)

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* Unsigned decimal integer, 1 to 18 digits (so it cannot overflow). */
static bool uint_field(cursor *c, int64_t *out)
{
    const char *s = c->p;
    int64_t v = 0;
    while (c->p < c->end && is_digit(*c->p) && c->p - s < 18) v = v * 10 + (*c->p++ - '0');
    if (c->p == s || (c->p < c->end && is_digit(*c->p))) return false;
    *out = v;
    return true;
}

/* Decimal number with an optional fraction, as fmtNSAsMS and itoaDiv print:
 * "0", "12", "0.007", "1.3". At most 18 digits in all. */
static bool dec_field(cursor *c, double *out)
{
    const char *s = c->p;
    int64_t ip = 0;
    int digits = 0;
    while (c->p < c->end && is_digit(*c->p)) {
        if (++digits > 18) return false;
        ip = ip * 10 + (*c->p++ - '0');
    }
    if (c->p == s) return false;
    double v = (double)ip;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        int64_t fp = 0;
        double scale = 1;
        const char *f = c->p;
        while (c->p < c->end && is_digit(*c->p)) {
            if (++digits > 18) return false;
            fp = fp * 10 + (*c->p++ - '0');
            scale *= 10;
        }
        if (c->p == f) return false;
        v += (double)fp / scale;
    }
    *out = v;
    return true;
}

/* "a+b+c" or "a+b/c/d+e": values and the separators between them. */
static int num_list(cursor *c, double *vals, int max, char *seps)
{
    int n = 0;
    for (;;) {
        if (n == max || !dec_field(c, &vals[n])) return -1;
        n++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '/')) {
            seps[n - 1] = *c->p++;
            continue;
        }
        seps[n - 1] = 0;
        return n;
    }
}

static bool seps_are(const char *seps, const char *want)
{
    return strcmp(seps, want) == 0;
}

/* Bounds no real process reaches: a heap of 1 PiB (in MiB), a GC phase of a
 * year, a process older than a century. A line past them is damage (or a
 * hostile log), not data: skipped and counted apart from cut lines (-2), so
 * that charts and trends never see "931 PiB". */
#define MAX_MB        (1ll << 30)
#define MAX_PHASE_MS  (366.0 * 86400 * 1000)
#define MAX_UPTIME_S  (100 * 366.0 * 86400)

static bool plausible(const gmd_gc_cycle *y)
{
    if (y->t > MAX_UPTIME_S) return false;
    if (y->heap_start_mb > MAX_MB || y->heap_term_mb > MAX_MB || y->live_mb > MAX_MB || y->goal_mb > MAX_MB ||
        y->stacks_mb > MAX_MB || y->globals_mb > MAX_MB)
        return false;
    for (int i = 0; i < y->nclock; i++)
        if (y->clock_ms[i] > MAX_PHASE_MS) return false;
    for (int i = 0; i < y->ncpu; i++)
        if (y->cpu_ms[i] > MAX_PHASE_MS) return false;
    return true;
}

int gmd_gctrace_parse_gc_line(const char *s, size_t len, gmd_gc_cycle *out)
{
    cursor c = {s, s + len};
    if (!LIT(&c, "gc ") || c.p == c.end || !is_digit(*c.p)) return 0;

    gmd_gc_cycle y;
    memset(&y, 0, sizeof y);
    y.wall = NAN;
    y.released_kib = -1;
    int64_t v;
    if (!uint_field(&c, &v) || v > UINT32_MAX) return -1;
    y.num = (uint32_t)v;
    if (!LIT(&c, " @") || !dec_field(&c, &y.t) || !LIT(&c, "s ")) return -1;
    if (!uint_field(&c, &v) || v > 100000 || !LIT(&c, "%")) return -1;
    y.cpu_pct = (int)v;
    if (LIT(&c, " (checking for goroutine leaks)")) y.leak_check = true;
    if (!LIT(&c, ": ")) return -1;

    char seps[8];
    int n = num_list(&c, y.clock_ms, 5, seps);
    if (n == 3 && seps_are(seps, "++")) {
        y.stw_ms = y.clock_ms[0] + y.clock_ms[2];
        y.mark_ms = y.clock_ms[1];
    } else if (n == 5 && seps_are(seps, "++++")) {
        /* Go 1.5: sweep term, scan, install WB, mark, mark term; 1, 3, 5 are STW. */
        y.stw_ms = y.clock_ms[0] + y.clock_ms[2] + y.clock_ms[4];
        y.mark_ms = y.clock_ms[1] + y.clock_ms[3];
    } else {
        return -1;
    }
    y.nclock = (uint8_t)n;
    if (!LIT(&c, " ms clock, ")) return -1;

    n = num_list(&c, y.cpu_ms, 7, seps);
    if (n == 5 && seps_are(seps, "+//+")) {
        y.assist_ms = y.cpu_ms[1];
    } else if (n == 7 && seps_are(seps, "+++//+")) {   /* Go 1.5 */
        y.assist_ms = y.cpu_ms[3];
    } else {
        return -1;
    }
    y.ncpu = (uint8_t)n;
    for (int i = 0; i < n; i++) y.gc_cpu_ms += y.cpu_ms[i];
    if (!LIT(&c, " ms cpu, ")) return -1;

    if (!uint_field(&c, &y.heap_start_mb) || !LIT(&c, "->") || !uint_field(&c, &y.heap_term_mb) ||
        !LIT(&c, "->") || !uint_field(&c, &y.live_mb) || !LIT(&c, " MB, ") ||
        !uint_field(&c, &y.goal_mb) || !LIT(&c, " MB goal, "))
        return -1;
    if (!uint_field(&c, &v)) return -1;
    if (LIT(&c, " MB stacks, ")) {   /* Go 1.18+ */
        y.stacks_mb = v;
        if (!uint_field(&c, &y.globals_mb) || !LIT(&c, " MB globals, ") || !uint_field(&c, &v)) return -1;
    } else {
        y.stacks_mb = y.globals_mb = -1;
    }
    if (v < 1 || v > 1000000 || !LIT(&c, " P")) return -1;
    y.procs = (int)v;
    if (LIT(&c, " (forced)")) y.forced = true;
    if (c.p != c.end) return -1;
    if (!plausible(&y)) return -2;
    *out = y;
    return 1;
}

/* "scav 0 KiB work (bg), 0 KiB work (eager), 3472 KiB now, 53% util" (Go
 * 1.21+) or "scav 0 KiB work, 3472 KiB total, 53% util" (Go 1.14-1.20), each
 * optionally followed by " (forced)" or " [controller reset]". */
static int parse_scav_line(const char *s, size_t len, gmd_gc_scav *sc)
{
    cursor c = {s, s + len};
    int64_t a, b = 0, now, util;
    if (!LIT(&c, "scav ") || c.p == c.end || !is_digit(*c.p)) return 0;
    if (!uint_field(&c, &a)) return -1;
    if (LIT(&c, " KiB work (bg), ")) {
        if (!uint_field(&c, &b) || !LIT(&c, " KiB work (eager), ") || !uint_field(&c, &now) || !LIT(&c, " KiB now, "))
            return -1;
    } else if (LIT(&c, " KiB work, ")) {
        if (!uint_field(&c, &now) || !LIT(&c, " KiB total, ")) return -1;
    } else {
        return -1;
    }
    if (!uint_field(&c, &util) || !LIT(&c, "% util")) return -1;
    if (!LIT(&c, " (forced)")) LIT(&c, " [controller reset]");
    if (c.p != c.end) return -1;
    if (a > MAX_MB << 10 || b > MAX_MB << 10 || now > MAX_MB << 10) return -2;   /* KiB over 1 PiB */
    sc->seen = true;
    sc->released_kib = now;
    sc->util_pct = util;
    sc->work_kib_total += a + b;
    return 1;
}

/* The scavenger of Go <= 1.13 (no scavtrace): "scvg: 8 KB released" or
 * "scvg3: 1 MB released", and "scvg: inuse: 3, idle: 60, sys: 63, released:
 * 57, consumed: 6 (MB)"; "forced scvg: ..." after debug.FreeOSMemory.
 * Read into the same figures as the newer "scav" lines: released is what
 * was returned, util is in use over retained (sys - released). */
static int parse_scvg_line(const char *s, size_t len, gmd_gc_scav *sc)
{
    cursor c = {s, s + len};
    LIT(&c, "forced ");
    if (!LIT(&c, "scvg")) return 0;
    LIT(&c, "-");
    while (c.p < c.end && is_digit(*c.p)) c.p++;
    if (!LIT(&c, ": ")) return -1;
    int64_t inuse, idle, sys, released, consumed, n;
    if (LIT(&c, "inuse: ")) {
        if (!uint_field(&c, &inuse) || !LIT(&c, ", idle: ") || !uint_field(&c, &idle) || !LIT(&c, ", sys: ") ||
            !uint_field(&c, &sys) || !LIT(&c, ", released: ") || !uint_field(&c, &released) ||
            !LIT(&c, ", consumed: ") || !uint_field(&c, &consumed) || !LIT(&c, " (MB)") || c.p != c.end)
            return -1;
        if (inuse > MAX_MB || sys > MAX_MB || released > MAX_MB || consumed > MAX_MB) return -2;
        (void)idle;
        sc->seen = true;
        sc->released_kib = released << 10;
        sc->util_pct = consumed > 0 ? inuse * 100 / consumed : 0;
        return 2;
    }
    if (!uint_field(&c, &n)) return -1;
    if (LIT(&c, " MB released")) n <<= 10;
    else if (!LIT(&c, " KB released")) return -1;
    if (c.p != c.end) return -1;
    if (n > MAX_MB << 10) return -2;
    sc->work_kib_total += n;
    return 1;
}

static bool starts(const char *s, size_t len, const char *pre, size_t n)
{
    return len >= n && memcmp(s, pre, n) == 0;
}
#define STARTS(s, len, pre) starts((s), (len), (pre), sizeof(pre) - 1)

static void add_cycle(gmd_gctrace *p, gmd_gc_cycle *y, uint64_t offset, double ts)
{
    y->offset = offset;
    if (p->ncycles > 0 && y->num <= p->last_num) p->counts.restarts++;
    y->run = (uint32_t)p->counts.restarts;
    p->last_num = y->num;
    if (p->pending_periodic) y->periodic = true;
    p->pending_periodic = false;
    if (!isnan(ts)) {
        y->wall = ts;
        p->counts.timestamped++;
    } else if (!isnan(p->start_wall) && p->counts.restarts == 0) {
        y->wall = p->start_wall + y->t;
    }
    GMD_VEC_PUSH(p->cycles, p->ncycles, p->cap, *y);
    p->counts.gc_lines++;
}

/* A line (or the rest of one after a prefix) that starts with a runtime
 * message. 1 = recognised, -1 = malformed gctrace, 0 = not ours. */
static int dispatch(gmd_gctrace *p, const char *s, size_t len, uint64_t offset, double ts)
{
    if (len == 0) return 0;
    gmd_gc_cycle y;
    int r;
    switch (s[0]) {
    case 'g':
        r = gmd_gctrace_parse_gc_line(s, len, &y);
        if (r == 1) add_cycle(p, &y, offset, ts);
        return r;
    case 'G':
        if (len == 9 && memcmp(s, "GC forced", 9) == 0) {
            p->pending_periodic = true;
            p->counts.forced_lines++;
            return 1;
        }
        return 0;
    case 's':
        if (STARTS(s, len, "scan: ")) {
            p->counts.scan_lines++;
            return 1;
        }
        if (STARTS(s, len, "scvg")) goto scvg;   /* Go <= 1.13 scavenger */
        r = parse_scav_line(s, len, &p->scav);
        if (r == 1) {
            p->counts.scav_lines++;
            if (p->ncycles) p->cycles[p->ncycles - 1].released_kib = p->scav.released_kib;
        }
        return r;
    case 'p':
        if (STARTS(s, len, "pacer: ")) {
            p->counts.other_runtime++;
            return 1;
        }
        return 0;
    case 'c':
        if (STARTS(s, len, "checkfinalizers: ")) {
            p->counts.other_runtime++;
            return 1;
        }
        return 0;
    case 'f':
        if (STARTS(s, len, "forced scvg")) goto scvg;
        return 0;
    scvg:
        r = parse_scvg_line(s, len, &p->scav);
        if (r < 1) return r;
        p->counts.scav_lines++;
        if (r == 2 && p->ncycles) p->cycles[p->ncycles - 1].released_kib = p->scav.released_kib;
        return 1;
    default:
        return 0;
    }
}

/* Look for "gc <digits> @" after foreign text on the same line. */
static int find_midline(gmd_gctrace *p, const char *s, size_t len, uint64_t offset, double ts)
{
    const char *end = s + len, *at = s;
    while ((at = memchr(at, '@', (size_t)(end - at))) != NULL) {
        const char *q = at - 1;
        if (q > s && *q == ' ') {
            const char *d = q;
            while (d > s && is_digit(d[-1])) d--;
            if (d < q && d - s >= 3 && d[-1] == ' ' && d[-2] == 'c' && d[-3] == 'g') {
                const char *start = d - 3;
                gmd_gc_cycle y;
                int r = gmd_gctrace_parse_gc_line(start, (size_t)(end - start), &y);
                if (r == 1) {
                    add_cycle(p, &y, offset + (uint64_t)(start - s), ts);
                    p->counts.gc_midline++;
                }
                return r ? r : 0;
            }
        }
        at++;
    }
    return 0;
}

static int two(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }
static bool digits_at(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!is_digit(s[i])) return false;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's method). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long local_utc_offset(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm)) return 0;
    return tm.tm_gmtoff;
}

/* HH:MM:SS[.frac] at s; returns bytes used or 0. */
static size_t clock_time(const char *s, size_t len, double *secs)
{
    if (len < 8 || !digits_at(s, 2) || s[2] != ':' || !digits_at(s + 3, 2) || s[5] != ':' || !digits_at(s + 6, 2))
        return 0;
    int hh = two(s), mm = two(s + 3), ss = two(s + 6);
    if (hh > 23 || mm > 59 || ss > 60) return 0;
    size_t i = 8;
    double frac = 0, scale = 0.1;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        size_t f = ++i;
        while (i < len && is_digit(s[i]) && i - f < 12) {
            frac += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == f) return 0;
    }
    *secs = hh * 3600.0 + mm * 60.0 + ss + frac;
    return i;
}

size_t gmd_gctrace_parse_timestamp(const char *s, size_t len, int year, double *when)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    double secs;
    if (len >= 19 && digits_at(s, 4) && s[4] == '-' && digits_at(s + 5, 2) && s[7] == '-' &&
        digits_at(s + 8, 2) && (s[10] == 'T' || s[10] == ' ')) {
        int y = two(s) * 100 + two(s + 2), mo = two(s + 5), d = two(s + 8);
        if (mo < 1 || mo > 12 || d < 1 || d > 31) return 0;
        size_t i = 11, n = clock_time(s + 11, len - 11, &secs);
        if (!n) return 0;
        i += n;
        double t = (double)days_from_civil(y, mo, d) * 86400.0 + secs;
        if (i < len && s[i] == 'Z') {
            i++;
        } else if (i + 5 <= len && (s[i] == '+' || s[i] == '-') && digits_at(s + i + 1, 2)) {
            /* +HH:MM or +HHMM */
            int sign = s[i] == '-' ? -1 : 1, oh = two(s + i + 1), om;
            if (s[i + 3] == ':' && i + 6 <= len && digits_at(s + i + 4, 2)) {
                om = two(s + i + 4);
                i += 6;
            } else if (digits_at(s + i + 3, 2)) {
                om = two(s + i + 3);
                i += 5;
            } else {
                return 0;
            }
            t -= sign * (oh * 3600.0 + om * 60.0);
        } else {
            t -= (double)local_utc_offset();
        }
        *when = t;
        return i;
    }
    /* syslog: "May  1 12:34:56" / "May 01 12:34:56.123456" */
    if (len >= 15 && s[3] == ' ') {
        const char *m = NULL;
        for (int i = 0; i < 12; i++)
            if (memcmp(s, months + 3 * i, 3) == 0) m = months + 3 * i;
        if (!m) return 0;
        int mo = (int)((m - months) / 3) + 1;
        int d;
        if (s[4] == ' ' && is_digit(s[5])) d = s[5] - '0';
        else if (digits_at(s + 4, 2)) d = two(s + 4);
        else return 0;
        if (d < 1 || d > 31 || s[6] != ' ') return 0;
        size_t n = clock_time(s + 7, len - 7, &secs);
        if (!n) return 0;
        *when = (double)days_from_civil(year, mo, d) * 86400.0 + secs - (double)local_utc_offset();
        return 7 + n;
    }
    return 0;
}

int gmd_parse_wall_time(const char *s, double *when)
{
    size_t len = strlen(s);
    size_t n = gmd_gctrace_parse_timestamp(s, len, 1970, when);
    if (n && n == len) return 0;
    char *end;
    double v = strtod(s, &end);
    if (*s && !*end && v >= 0 && v < 1e11) {
        *when = v;
        return 0;
    }
    return -1;
}

static void process_line(gmd_gctrace *p, const char *s, size_t len, uint64_t offset)
{
    p->counts.lines++;
    if (len && s[len - 1] == '\r') len--;
    if (len == 0) {
        p->counts.foreign++;
        return;
    }
    int r = 0;
    double ts = NAN;
    char ch = s[0];
    if (ch == 'g' || ch == 'G' || ch == 's' || ch == 'p' || ch == 'c' || ch == 'f') {
        r = dispatch(p, s, len, offset, ts);
    } else if (is_digit(ch) || (ch >= 'A' && ch <= 'S' && memchr("JFMASOND", ch, 8))) {
        size_t n = gmd_gctrace_parse_timestamp(s, len, p->year, &ts);
        if (n && n < len && s[n] == ' ') {
            const char *rest = s + n + 1;
            size_t rlen = len - n - 1;
            uint64_t roff = offset + n + 1;
            r = dispatch(p, rest, rlen, roff, ts);
            /* CRI log files: "<ts> stderr F <line>" */
            if (r == 0 && rlen > 9 && (STARTS(rest, rlen, "stderr ") || STARTS(rest, rlen, "stdout ")) &&
                (rest[7] == 'F' || rest[7] == 'P') && rest[8] == ' ')
                r = dispatch(p, rest + 9, rlen - 9, roff + 9, ts);
            /* syslog/journald: "<ts> host ident[pid]: <line>" */
            if (r == 0) {
                const char *colon = memchr(rest, ':', rlen < 256 ? rlen : 256);
                while (colon && colon + 1 < rest + rlen && colon[1] != ' ')
                    colon = memchr(colon + 1, ':', (size_t)(rest + (rlen < 256 ? rlen : 256) - colon - 1));
                if (colon && colon + 2 <= rest + rlen) {
                    size_t skip = (size_t)(colon + 2 - rest);
                    r = dispatch(p, rest + skip, rlen - skip, roff + skip, ts);
                }
            }
        } else {
            ts = NAN;
        }
    }
    if (r == 0) r = find_midline(p, s, len, offset, ts);
    if (r == 0) {
        p->counts.foreign++;
    } else if (r == -2) {
        if (p->counts.implausible++ == 0) {
            p->counts.first_implausible = offset;
            p->counts.first_implausible_line = p->counts.lines;
        }
    } else if (r < 0) {
        if (p->counts.malformed++ == 0) p->counts.first_malformed = offset;
    }
}

void gmd_gctrace_init(gmd_gctrace *p, double start_wall)
{
    memset(p, 0, sizeof *p);
    p->start_wall = start_wall;
    time_t now = time(NULL);
    struct tm tm;
    p->year = localtime_r(&now, &tm) ? tm.tm_year + 1900 : 1970;
}

void gmd_gctrace_free(gmd_gctrace *p)
{
    free(p->cycles);
    free(p->carry);
    p->cycles = NULL;
    p->carry = NULL;
    p->ncycles = p->cap = 0;
}

/* Keep an incomplete line for the next feed, up to the line limit. */
static void carry_append(gmd_gctrace *p, const char *s, size_t n)
{
    if (p->carry_overflow) return;
    if (p->carry_len + n > GMD_GCTRACE_MAX_LINE) {
        p->carry_overflow = true;
        return;
    }
    if (!p->carry) p->carry = gmd_xmalloc(GMD_GCTRACE_MAX_LINE);
    memcpy(p->carry + p->carry_len, s, n);
    p->carry_len += n;
}

static void carry_flush(gmd_gctrace *p)
{
    if (p->carry_overflow) {
        p->counts.lines++;
        p->counts.long_lines++;
        p->counts.foreign++;
    } else {
        process_line(p, p->carry, p->carry_len, p->carry_offset);
    }
    p->carry_len = 0;
    p->carry_overflow = false;
}

void gmd_gctrace_feed(gmd_gctrace *p, const char *data, size_t len)
{
    const char *s = data, *end = data + len;
    uint64_t base = p->counts.bytes;
    if (p->carry_len || p->carry_overflow) {
        const char *nl = memchr(s, '\n', len);
        if (!nl) {
            carry_append(p, s, len);
            p->counts.bytes += len;
            return;
        }
        carry_append(p, s, (size_t)(nl - s));
        carry_flush(p);
        s = nl + 1;
    }
    const char *nl;
    while (s < end && (nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        process_line(p, s, (size_t)(nl - s), base + (uint64_t)(s - data));
        s = nl + 1;
    }
    if (s < end) {
        p->carry_offset = base + (uint64_t)(s - data);
        carry_append(p, s, (size_t)(end - s));
    }
    p->counts.bytes += len;
}

void gmd_gctrace_finish(gmd_gctrace *p)
{
    if (p->carry_len || p->carry_overflow) carry_flush(p);
}
