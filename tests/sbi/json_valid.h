/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A strict JSON (RFC 8259) validator for the tests and fuzz targets of the N5g-eir answers: json_valid(s, n) says
 * whether s[0..n) is exactly one JSON value, nothing around it but white space. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct json_cur {
	const char *p, *end;
	unsigned depth;
};

static bool json_value(struct json_cur *c);

static void json_ws(struct json_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool json_lit(struct json_cur *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

static bool json_string(struct json_cur *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	for (c->p++; c->p < c->end; c->p++) {
		unsigned char ch = (unsigned char)*c->p;
		int i;

		if (ch == '"') {
			c->p++;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch != '\\')
			continue;
		if (++c->p >= c->end)
			return false;
		if (strchr("\"\\/bfnrt", *c->p) && *c->p)
			continue;
		if (*c->p != 'u')
			return false;
		for (i = 0; i < 4; i++)
			if (++c->p >= c->end || !strchr("0123456789abcdefABCDEF", *c->p) || !*c->p)
				return false;
	}
	return false;
}

static bool json_digits(struct json_cur *c)
{
	const char *s = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > s;
}

static bool json_number(struct json_cur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!json_digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!json_digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!json_digits(c))
			return false;
	}
	return true;
}

/* an object (open '{', close '}', members) or an array ('[', ']', values) */
static bool json_list(struct json_cur *c, char close, bool members)
{
	if (++c->depth > 32)
		return false;
	c->p++;
	json_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return true;
	}
	for (;;) {
		json_ws(c);
		if (members) {
			if (!json_string(c))
				return false;
			json_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return false;
			c->p++;
		}
		if (!json_value(c))
			return false;
		json_ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			c->depth--;
			return true;
		}
		if (*c->p != ',')
			return false;
		c->p++;
	}
}

static bool json_value(struct json_cur *c)
{
	json_ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
		return json_list(c, '}', true);
	case '[':
		return json_list(c, ']', false);
	case '"':
		return json_string(c);
	case 't':
		return json_lit(c, "true");
	case 'f':
		return json_lit(c, "false");
	case 'n':
		return json_lit(c, "null");
	default:
		return json_number(c);
	}
}

static inline bool json_valid(const char *s, size_t n)
{
	struct json_cur c = { .p = s, .end = s + n };

	if (!json_value(&c))
		return false;
	json_ws(&c);
	return c.p == c.end;
}
