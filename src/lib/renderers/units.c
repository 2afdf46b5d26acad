#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "gmd/units.h"

typedef struct unit_def { const char *name; const char *aliases[4]; double factor; } unit_def;

static const unit_def mem_units[] = {
    {"B", {"b", "byte"}, 1},
    {"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
    {"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
    {"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
    {"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
    {"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0},
};
static const unit_def time_units[] = {
    {"ns", {"ns", "nanosecond"}, 1},
    {"us", {"us", "microsecond"}, 1e3},
    {"ms", {"ms", "millisecond"}, 1e6},
    {"s", {"s", "sec", "second"}, 1e9},
    {"hrs", {"hour", "hr"}, 3600e9},
};

/* Find `unit` among a family's aliases: case-insensitive, a plural 's'
 * dropped when the name is longer than two letters ("bytes" -> "byte"). */
static const unit_def *sniff(const unit_def *units, size_t n, const char *unit)
{
    char u[32];
    size_t len = strlen(unit);
    if (len >= sizeof u) return NULL;
    for (size_t i = 0; i <= len; i++) u[i] = (char)((unit[i] >= 'A' && unit[i] <= 'Z') ? unit[i] + 32 : unit[i]);
    if (len > 2 && u[len - 1] == 's') u[len - 1] = '\0';
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < 4 && units[i].aliases[j]; j++)
            if (!strcmp(units[i].aliases[j], u)) return &units[i];
    return NULL;
}

static int autoscale(const unit_def *units, size_t n, const char *unit, int64_t value, double *out, const char **uname)
{
    const unit_def *from = sniff(units, n, unit);
    if (!from) return 0;
    double v = (double)value * from->factor;
    double av = fabs(v), f = 0;
    const char *name = NULL;
    for (size_t i = 0; i < n; i++)
        if (units[i].factor >= f && av / units[i].factor >= 1.0) {
            f = units[i].factor;
            name = units[i].name;
        }
    if (!name) { /* below the smallest unit: use the family's base unit */
        f = units == time_units ? 1e9 : 1;
        name = units == time_units ? "s" : "B";
    }
    *out = v / f;
    *uname = name;
    return 1;
}

const char *gmd_fmt_value(int64_t value, const char *unit, char *buf, size_t size)
{
    double v;
    const char *u;
    if (!autoscale(mem_units, sizeof mem_units / sizeof *mem_units, unit, value, &v, &u) &&
        !autoscale(time_units, sizeof time_units / sizeof *time_units, unit, value, &v, &u)) {
        snprintf(buf, size, "%lld", (long long)value);
        return buf;
    }
    char num[64];
    snprintf(num, sizeof num, "%.2f", v);
    size_t len = strlen(num);
    if (len > 3 && !strcmp(num + len - 3, ".00")) num[len - 3] = '\0';
    if (!strcmp(num, "0") || !strcmp(num, "-0")) {
        snprintf(buf, size, "0");
        return buf;
    }
    snprintf(buf, size, "%s%s", num, u);
    return buf;
}

static const unit_def *family_of(const char *unit, const unit_def **units, size_t *n)
{
    static const struct { const unit_def *u; size_t n; } fams[] = {
        {mem_units, sizeof mem_units / sizeof *mem_units},
        {time_units, sizeof time_units / sizeof *time_units},
    };
    for (size_t i = 0; i < 2; i++) {
        const unit_def *d = sniff(fams[i].u, fams[i].n, unit);
        if (d) {
            *units = fams[i].u;
            *n = fams[i].n;
            return d;
        }
    }
    return NULL;
}

const char *gmd_unit_autoscale(int64_t value, const char *unit)
{
    double v;
    const char *u;
    if (autoscale(mem_units, sizeof mem_units / sizeof *mem_units, unit, value, &v, &u) ||
        autoscale(time_units, sizeof time_units / sizeof *time_units, unit, value, &v, &u))
        return u;
    return NULL;
}

const char *gmd_fmt_value_in(int64_t value, const char *unit, const char *to_unit, char *buf, size_t size)
{
    const unit_def *units;
    size_t n;
    const unit_def *from = to_unit ? family_of(unit, &units, &n) : NULL;
    if (!from) return gmd_fmt_value(value, unit, buf, size);
    const unit_def *to = sniff(units, n, to_unit);
    if (!to) to = units == time_units ? &time_units[3] : &mem_units[0];
    char num[64];
    snprintf(num, sizeof num, "%.2f", (double)value * from->factor / to->factor);
    size_t len = strlen(num);
    if (len > 3 && !strcmp(num + len - 3, ".00")) num[len - 3] = '\0';
    if (!strcmp(num, "0") || !strcmp(num, "-0")) snprintf(buf, size, "0");
    else snprintf(buf, size, "%s%s", num, to->name);
    return buf;
}

const char *gmd_fmt_percent(int64_t value, int64_t total, char *buf, size_t size)
{
    double r = total ? fabs((double)value / (double)total) * 100.0 : 0;
    if (r >= 99.95 && r <= 100.05) snprintf(buf, size, "  100%%");
    else if (r >= 1.0) snprintf(buf, size, "%5.2f%%", r);
    else snprintf(buf, size, "%5.2g%%", r);
    return buf;
}

const char *gmd_fmt_bytes_iec(double bytes, char *buf, size_t size)
{
    static const char *names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int i = 0;
    while (fabs(v) >= 1024 && i < 5) {
        v /= 1024;
        i++;
    }
    if (i == 0) snprintf(buf, size, "%.0f B", v);
    else snprintf(buf, size, "%.1f %s", v, names[i]);
    return buf;
}
