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
/* Bytes with binary units for prose ("1.5 MiB"). */
const char *gmd_fmt_bytes_iec(double bytes, char *buf, size_t size);

#endif
