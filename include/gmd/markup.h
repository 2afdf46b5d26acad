/* Text into markup: XML/HTML character data and attribute values that stay
 * well-formed whatever bytes a profile or log put in a name. */
#ifndef GMD_MARKUP_H
#define GMD_MARKUP_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
size_t gmd_utf8_len(const unsigned char *s, size_t n);
/* n bytes of s as XML/HTML text or attribute value: markup and quotes
 * escaped, control bytes ('?') and invalid UTF-8 (U+FFFD) replaced. */
void gmd_put_xml(FILE *out, const char *s, size_t n);
void gmd_put_xml_str(FILE *out, const char *s);

#endif
