/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* JSON text in a caller's buffer (include/osmocom/eir/json.h): the one string escaping of the project. */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <osmocom/eir/json.h>

void eir_jb_printf(struct eir_jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		b->p[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

/* one UTF-8 character at s: its code point and length, or 0 for a byte that starts no valid sequence (overlong
 * forms, surrogates and values above U+10FFFF are not valid) */
static unsigned utf8_dec(const unsigned char *s, uint32_t *cp)
{
	unsigned n, i;
	uint32_t c;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	c = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

void eir_jb_str(struct eir_jbuf *b, const char *prefix, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	eir_jb_printf(b, "\"%s", prefix);
	while (*p) {
		uint32_t cp;
		unsigned n;

		if (*p == '"' || *p == '\\') {
			eir_jb_printf(b, "\\%c", *p++);
		} else if (*p >= 0x20 && *p < 0x7f) {
			eir_jb_printf(b, "%c", *p++);
		} else if (*p < 0x80) {
			eir_jb_printf(b, "\\u%04x", *p++);
		} else if ((n = utf8_dec(p, &cp))) {
			if (cp >= 0x10000)
				eir_jb_printf(b, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
					      0xdc00 + ((cp - 0x10000) & 0x3ff));
			else
				eir_jb_printf(b, "\\u%04x", cp);
			p += n;
		} else {
			/* not UTF-8: the byte read as Latin-1, so that none is lost and the text is still valid JSON */
			eir_jb_printf(b, "\\u%04x", *p++);
		}
	}
	eir_jb_printf(b, "\"");
}
