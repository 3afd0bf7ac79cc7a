/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* JSON text built in a caller's buffer, with strings escaped to plain ASCII: the N5g-eir answers and the history
 * events (src/eir/history_json.c) share it, so that there is one escaping. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*! The buffer: each piece goes in whole or not at all; overflow says something did not fit (the text so far stays
 *  NUL-terminated). */
struct eir_jbuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

void eir_jb_printf(struct eir_jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*! prefix then s as one JSON string: '"' and '\\' escaped, control characters and every non-ASCII character as
 *  \uXXXX (UTF-8 decoded, surrogate pairs above U+FFFF), a byte that is not valid UTF-8 read as Latin-1 (\u00XX:
 *  none is lost). prefix is trusted text, inside the string (no escaping). */
void eir_jb_str(struct eir_jbuf *b, const char *prefix, const char *s);
