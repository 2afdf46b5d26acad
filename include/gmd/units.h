/* Values printed the way pprof prints them, so gmd's numbers read like the
 * tool users know: bytes as B/kB/MB/GB (powers of 1024), times as
 * ns/us/ms/s/hrs, counts as plain integers; percentages as pprof does. */
#ifndef GMD_UNITS_H
#define GMD_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* e.g. (1572864, "bytes") -> "1.50MB"; (42, "count") -> "42"; 0 -> "0". */
const char *gmd_fmt_value(int64_t value, const char *unit, char *buf, size_t size);
/* e.g. (5, 10) -> "50.00%", 100% -> "  100%", small -> "%5.2g%%" form. */
const char *gmd_fmt_percent(int64_t value, int64_t total, char *buf, size_t size);
/* pprof's fixed-unit form (measurement.ScaledLabel): `value` in `unit`
 * written in `to_unit` ("kB", "ms"); to_unit NULL is gmd_fmt_value. Reports
 * print all their numbers in one unit chosen with gmd_unit_autoscale. */
const char *gmd_fmt_value_in(int64_t value, const char *unit, const char *to_unit, char *buf, size_t size);
/* The unit autoscaling picks for `value` ("kB"), or NULL for unit-less counts. */
const char *gmd_unit_autoscale(int64_t value, const char *unit);
/* Bytes with binary units for prose ("1.5 MiB"). */
const char *gmd_fmt_bytes_iec(double bytes, char *buf, size_t size);

#endif
