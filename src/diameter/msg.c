/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Diameter message codec: header, AVP iteration with length checks, and an encoder that takes each AVP's code,
 * vendor and flags from the dictionary, so no message is built from hex templates. */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <osmocom/core/bit32gen.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/diameter/msg.h>

static inline uint32_t load24(const uint8_t *p)
{
	return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static inline void store24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

void diam_hdr_parse(const uint8_t *buf, struct diam_hdr *h)
{
	h->version = buf[0];
	h->len = load24(buf + 1);
	h->flags = buf[4];
	h->cmd = load24(buf + 5);
	h->app = osmo_load32be(buf + 8);
	h->hbh = osmo_load32be(buf + 12);
	h->e2e = osmo_load32be(buf + 16);
}

void diam_avp_iter_init(struct diam_avp_iter *it, const uint8_t *data, size_t len)
{
	it->p = data;
	it->end = data + len;
}

/*! Next AVP of a span.
 *  \returns 1 with *a filled, 0 at the end, -1 for an AVP whose length is impossible (shorter than its header,
 *  or beyond the span): then *a has the code, flags and vendor, and raw/raw_len its header, for Failed-AVP. */
int diam_avp_next(struct diam_avp_iter *it, struct diam_avp *a)
{
	size_t left = (size_t)(it->end - it->p);
	uint32_t len, hlen;

	if (left == 0)
		return 0;
	memset(a, 0, sizeof(*a));
	a->id = -1;
	if (left < 8) {
		a->raw = it->p;
		a->raw_len = (uint32_t)left;
		it->p = it->end;
		return -1;
	}
	a->code = osmo_load32be(it->p);
	a->flags = it->p[4];
	len = load24(it->p + 5);
	hlen = (a->flags & DIAM_AVP_V) ? 12 : 8;
	if (hlen == 12 && left >= 12)
		a->vendor = osmo_load32be(it->p + 8);
	a->raw = it->p;
	a->raw_len = hlen <= left ? hlen : (uint32_t)left;
	if (len < hlen || len > left) {
		it->p = it->end;
		return -1;
	}
	a->data = it->p + hlen;
	a->len = len - hlen;
	a->raw_len = len;
	a->id = diam_dict_lookup(a->code, a->vendor);
	/* the padding may be missing after the last AVP of a group only if the group's length says so */
	it->p += OSMO_MIN(left, (size_t)((len + 3) & ~3u));
	return 1;
}

/*! Whether a known AVP's payload length fits its type (RFC 6733 §4.2). Unknown AVPs pass. */
bool diam_avp_len_ok(const struct diam_avp *a)
{
	if (a->id < 0)
		return true;
	switch (diam_dict[a->id].type) {
	case DIAM_T_U32:
	case DIAM_T_I32:
	case DIAM_T_ENUM:
		return a->len == 4;
	case DIAM_T_U64:
		return a->len == 8;
	case DIAM_T_ADDRESS:
		return a->len >= 2;
	case DIAM_T_IDENT:
		return a->len >= 1;
	default:
		return true;
	}
}

uint32_t diam_avp_u32(const struct diam_avp *a)
{
	return a->len >= 4 ? osmo_load32be(a->data) : 0;
}

/*! First AVP with dictionary id in a span. \returns 1 found, 0 not, -1 malformed span. */
int diam_avp_find(const uint8_t *data, size_t len, enum diam_avp_id id, struct diam_avp *out)
{
	struct diam_avp_iter it;
	int rc;

	diam_avp_iter_init(&it, data, len);
	while ((rc = diam_avp_next(&it, out)) > 0)
		if (out->id == (int)id)
			return 1;
	return rc;
}

/* --- encoder --- */

void diam_enc_init(struct diam_enc *e, uint8_t *buf, size_t size)
{
	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->size = size;
}

static uint8_t *room(struct diam_enc *e, size_t n)
{
	uint8_t *p;

	if (e->overflow || e->size - e->len < n) {
		e->overflow = true;
		return NULL;
	}
	p = e->buf + e->len;
	e->len += n;
	return p;
}

void diam_enc_hdr(struct diam_enc *e, uint8_t flags, uint32_t cmd, uint32_t app, uint32_t hbh, uint32_t e2e)
{
	uint8_t *p = room(e, DIAM_HDR_LEN);

	if (!p)
		return;
	p[0] = DIAM_VERSION;
	store24(p + 1, 0);
	p[4] = flags;
	store24(p + 5, cmd);
	osmo_store32be(app, p + 8);
	osmo_store32be(hbh, p + 12);
	osmo_store32be(e2e, p + 16);
}

/*! An AVP with explicit header fields (for Failed-AVP examples of unknown or malformed AVPs). */
void diam_enc_avp_hdr(struct diam_enc *e, uint32_t code, uint8_t flags, uint32_t vendor, const void *data,
		      size_t len)
{
	size_t hlen = (flags & DIAM_AVP_V) ? 12 : 8;
	size_t pad = (4 - ((hlen + len) & 3)) & 3;
	uint8_t *p = room(e, hlen + len + pad);

	if (!p)
		return;
	osmo_store32be(code, p);
	p[4] = flags;
	store24(p + 5, (uint32_t)(hlen + len));
	if (hlen == 12)
		osmo_store32be(vendor, p + 8);
	if (len)
		memcpy(p + hlen, data, len);
	memset(p + hlen + len, 0, pad);
}

static void enc_def(struct diam_enc *e, enum diam_avp_id id, const void *data, size_t len)
{
	const struct diam_avp_def *d = &diam_dict[id];

	diam_enc_avp_hdr(e, d->code, d->flags, d->vendor, data, len);
}

void diam_enc_u32(struct diam_enc *e, enum diam_avp_id id, uint32_t v)
{
	uint8_t b[4];

	osmo_store32be(v, b);
	enc_def(e, id, b, 4);
}

void diam_enc_u64(struct diam_enc *e, enum diam_avp_id id, uint64_t v)
{
	uint8_t b[8];

	osmo_store32be((uint32_t)(v >> 32), b);
	osmo_store32be((uint32_t)v, b + 4);
	enc_def(e, id, b, 8);
}

void diam_enc_str(struct diam_enc *e, enum diam_avp_id id, const void *s, size_t len)
{
	enc_def(e, id, s, len);
}

void diam_enc_cstr(struct diam_enc *e, enum diam_avp_id id, const char *s)
{
	enc_def(e, id, s, strlen(s));
}

/*! An Address AVP: AF_INET (IANA family 1) or AF_INET6 (2). */
void diam_enc_addr(struct diam_enc *e, enum diam_avp_id id, int family, const void *addr)
{
	uint8_t b[18];

	if (family == AF_INET6) {
		b[0] = 0;
		b[1] = 2;
		memcpy(b + 2, addr, 16);
		enc_def(e, id, b, 18);
	} else {
		b[0] = 0;
		b[1] = 1;
		memcpy(b + 2, addr, 4);
		enc_def(e, id, b, 6);
	}
}

/*! Copy a received AVP (header and payload, as diam_avp.raw), padding it. */
void diam_enc_raw(struct diam_enc *e, const uint8_t *raw, size_t len)
{
	size_t pad = (4 - (len & 3)) & 3;
	uint8_t *p = room(e, len + pad);

	if (!p)
		return;
	memcpy(p, raw, len);
	memset(p + len, 0, pad);
}

void diam_enc_group_begin(struct diam_enc *e, enum diam_avp_id id)
{
	OSMO_ASSERT(e->depth < DIAM_ENC_MAX_DEPTH);
	e->group[e->depth++] = e->len;
	enc_def(e, id, NULL, 0);
}

void diam_enc_group_end(struct diam_enc *e)
{
	size_t start;

	OSMO_ASSERT(e->depth > 0);
	start = e->group[--e->depth];
	if (!e->overflow)
		store24(e->buf + start + 5, (uint32_t)(e->len - start));
}

/*! Write the message length. \returns the length, or -ENOSPC when the buffer was too small. */
int diam_enc_finish(struct diam_enc *e)
{
	OSMO_ASSERT(e->depth == 0);
	if (e->overflow || e->len < DIAM_HDR_LEN)
		return -ENOSPC;
	store24(e->buf + 1, (uint32_t)e->len);
	return (int)e->len;
}
