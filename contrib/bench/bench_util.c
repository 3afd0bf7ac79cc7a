/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-bench: the run's shared state, the latency histogram, small helpers, and the IMEI list (read from a file or
 * generated). */

#include "bench.h"

/* the run's state, at the bottom: the connections (bench_conn.c) and the main loop (osmo-eir-bench.c) share it */
const char *const bench_verdict_names[_V_COUNT] = { "WHITELISTED", "BLACKLISTED", "GREYLISTED", "UNKNOWN" };
struct bench bench_g;

/* --- latency histogram: log-linear, 128 buckets per power of two (< 0.8 % error), in ns --- */


uint64_t bench_hist[HIST_BUCKETS];
uint64_t bench_hist_n, bench_hist_max;

void bench_hist_add(uint64_t v)
{
	unsigned idx, e;

	if (v < HIST_SUB) {
		idx = (unsigned)v;
	} else {
		e = 63u - (unsigned)__builtin_clzll(v);
		idx = ((e - HIST_SUB_BITS + 1) << HIST_SUB_BITS) + (unsigned)((v >> (e - HIST_SUB_BITS)) - HIST_SUB);
	}
	bench_hist[idx]++;
	bench_hist_n++;
	if (v > bench_hist_max)
		bench_hist_max = v;
}

/* the middle of a bucket */
static uint64_t hist_value(unsigned idx)
{
	unsigned b = idx >> HIST_SUB_BITS;
	uint64_t m = idx & (HIST_SUB - 1);

	if (b == 0)
		return m;
	return ((m + HIST_SUB) << (b - 1)) + ((1ULL << (b - 1)) >> 1);
}

/*! \returns the latency in ns below which a fraction p of the samples lie */
uint64_t bench_hist_pct(double p)
{
	uint64_t rank, sum = 0;
	unsigned i;

	if (!bench_hist_n)
		return 0;
	rank = (uint64_t)(p * (double)bench_hist_n + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		sum += bench_hist[i];
		if (sum >= rank)
			return OSMO_MIN(hist_value(i), bench_hist_max);
	}
	return bench_hist_max;
}

/* --- helpers --- */


void bench_report_error(const char *fmt, ...)
{
	va_list ap;

	if (bench_g.n_err_reported++ >= REPORT_MAX) {
		if (bench_g.n_err_reported == REPORT_MAX + 1)
			fputs("osmo-eir-bench: more errors not shown\n", stderr);
		return;
	}
	fputs("osmo-eir-bench: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t bench_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		eir_die(2, "%s: expected a number from %" PRIu64 " to %" PRIu64 ", got '%s'", what, min, max, s);
	return v;
}

double bench_parse_double(const char *s, double min, double max, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		eir_die(2, "%s: expected a number from %g to %g, got '%s'", what, min, max, s);
	return v;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static int verdict_parse(const char *s)
{
	static const struct {
		const char *name;
		enum verdict v;
	} names[] = {
		{ "WHITELISTED", V_WHITE }, { "WHITE", V_WHITE },
		{ "BLACKLISTED", V_BLACK }, { "BLACK", V_BLACK },
		{ "GREYLISTED", V_GREY }, { "GREY", V_GREY },
		{ "UNKNOWN", V_UNKNOWN },
	};
	unsigned i;

	if (!*s)
		return V_NONE;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].v;
	return -2;
}

/* --- the IMEI list --- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

/* room for one more query (plain realloc: a list of millions is beyond talloc's 256 MiB limit) */
static void query_add(size_t *alloc)
{
	if (bench_g.nq == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4096;
		bench_g.q = realloc(bench_g.q, *alloc * sizeof(*bench_g.q));
		if (!bench_g.q)
			eir_die(2, "out of memory");
	}
}

/*! Parse "imei[,imsi][,expected]"; \returns NULL or why the line is bad. */
static const char *query_parse(char *line, struct query *q)
{
	char *f[4] = { NULL };
	unsigned n = 0;
	char *p = line, *imsi = NULL, *exp = NULL;
	size_t len;
	int v;

	while (n < 4) {
		f[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = 0;
	}
	if (p)
		return "more than three fields";
	memset(q, 0, sizeof(*q));
	f[0] = trim(f[0]);
	len = strlen(f[0]);
	if (!all_digits(f[0], len) || len < 14 || len > 16)
		return "IMEI must be 14 or 15 digits, or an IMEISV of 16";
	if (len == 16) {
		memcpy(q->imei, f[0], 14);
		q->imei_len = 14;
		memcpy(q->sv, f[0] + 14, 2);
		q->has_sv = true;
	} else {
		memcpy(q->imei, f[0], len);
		q->imei_len = (uint8_t)len;
	}
	if (n == 3) {
		imsi = trim(f[1]);
		exp = trim(f[2]);
	} else if (n == 2) {
		/* "imei,imsi" or "imei,expected" */
		f[1] = trim(f[1]);
		if (all_digits(f[1], strlen(f[1])))
			imsi = f[1];
		else
			exp = f[1];
	}
	if (imsi && *imsi) {
		len = strlen(imsi);
		if (!all_digits(imsi, len) || len < 5 || len > 15)
			return "IMSI must be 5 to 15 digits";
		memcpy(q->imsi, imsi, len);
		q->imsi_len = (uint8_t)len;
	}
	v = exp ? verdict_parse(exp) : V_NONE;
	if (v == -2)
		return "expected verdict must be WHITELISTED, GREYLISTED, BLACKLISTED, UNKNOWN or empty";
	q->expect = (int8_t)v;
	return NULL;
}

void bench_queries_load(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *s;
	size_t cap = 0, alloc = 0;
	unsigned long lineno = 0;
	const char *why;

	if (!f)
		eir_die(2, "%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		/* a header row */
		if (lineno == 1 && (*s < '0' || *s > '9'))
			continue;
		query_add(&alloc);
		why = query_parse(s, &bench_g.q[bench_g.nq]);
		if (why)
			eir_die(2, "%s:%lu: %s", path, lineno, why);
		if (bench_g.q[bench_g.nq].expect != V_NONE)
			bench_g.nq_checked++;
		bench_g.nq++;
	}
	free(line);
	if (ferror(f))
		eir_die(2, "%s: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	if (!bench_g.nq)
		eir_die(2, "%s: no IMEIs", path);
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* N random 14-digit IMEIs (first digit not 0), no expected verdict; written to -o as "imei,," */
void bench_queries_generate(void)
{
	uint64_t s = bench_g.seed;
	size_t alloc = 0, i;
	FILE *f = NULL;
	char buf[16];

	if (bench_g.out_file && !(f = fopen(bench_g.out_file, "w")))
		eir_die(2, "%s: %s", bench_g.out_file, strerror(errno));
	for (i = 0; i < bench_g.gen; i++) {
		uint64_t imei = 10000000000000ULL + splitmix64(&s) % 90000000000000ULL;

		query_add(&alloc);
		memset(&bench_g.q[bench_g.nq], 0, sizeof(bench_g.q[bench_g.nq]));
		snprintf(buf, sizeof(buf), "%014" PRIu64, imei);
		memcpy(bench_g.q[bench_g.nq].imei, buf, 14);
		bench_g.q[bench_g.nq].imei_len = 14;
		bench_g.q[bench_g.nq].expect = V_NONE;
		bench_g.nq++;
		if (f)
			fprintf(f, "%s,,\n", buf);
	}
	if (f && (fflush(f) || ferror(f) || fclose(f)))
		eir_die(2, "%s: write failed", bench_g.out_file);
}

