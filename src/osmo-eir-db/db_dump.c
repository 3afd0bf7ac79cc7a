/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-db export-dump: the DIRBS operator data dump (DIRBS-Core's operator importer, OperatorImportSchema_v2)
 * from the device history's pair rows and their days seen: <operator>_<from>_<to>.zip holding one CSV of that name,
 * date,imei,imsi,msisdn,rat, one row per (IMEI, IMSI, MSISDN) per day, written into a spool directory atomically. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>
#include <zip.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/tool.h>
#include <osmocom/eir/types.h>
#include "db_dump.h"

#define DAY_SEC 86400
#define PERIOD_MAX 366		/* the history's days bitmap holds no more */
#define PLMN_MAX 32
#define OPERATOR_MAX 16		/* DIRBS: "an ID up to 16 characters", lower case */

struct msisdn_map {
	uint8_t imsi[8];
	char msisdn[16];
};

/* the rows of one (IMEI, IMSI) being gathered: its MSISDNs, each with the days and RATs of all its pair rows */
struct group_ent {
	char msisdn[16];
	uint64_t days[(PERIOD_MAX + 63) / 64];
	uint16_t rats;
};

struct dump {
	/* options */
	const char *plmn[PLMN_MAX];
	unsigned n_plmn;
	bool all_imsis;
	struct msisdn_map *map;
	size_t n_map;
	unsigned from, to;
	/* the walk */
	FILE *out;
	bool have_group;
	uint64_t g_imei;
	uint8_t g_imsi[8];
	struct group_ent *ents;
	unsigned n_ents, max_ents;
	/* figures */
	uint64_t rows, no_msisdn, no_rat, pairs, left_out;
};

static const uint8_t zero8[8];

static int map_cmp(const void *a, const void *b)
{
	return memcmp(((const struct msisdn_map *)a)->imsi, ((const struct msisdn_map *)b)->imsi, 8);
}

/* IMSI,MSISDN per line (a header line, if any, is the first and not digits) */
static int load_msisdn_file(void *ctx, struct dump *d, const char *path)
{
	struct eir_csv *csv;
	struct eir_csv_row row;
	const char *why;
	size_t max = 0;
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (!f)
		return eir_fail(1, "cannot read the MSISDN file %s: %s", path, strerror(errno));
	csv = eir_csv_new_file(ctx, f);
	while ((rc = eir_csv_next(csv, &row)) > 0) {
		struct msisdn_map *m;

		if (row.n == 1 && !row.f[0][0])
			continue;
		if (row.line == 1 && row.n >= 1 && strspn(row.f[0], "0123456789") != strlen(row.f[0]))
			continue;
		if (row.n != 2) {
			rc = eir_fail(1, "%s:%lu: want IMSI,MSISDN (%u fields)", path, row.line, row.n);
			goto out;
		}
		if (d->n_map == max) {
			struct msisdn_map *nm;

			max = max ? 2 * max : 1024;
			nm = talloc_realloc(ctx, d->map, struct msisdn_map, max);
			if (!nm) {
				rc = eir_fail(1, "%s: out of memory", path);
				goto out;
			}
			d->map = nm;
		}
		m = &d->map[d->n_map];
		if (eir_imsi_pack(row.f[0], m->imsi, &why)) {
			rc = eir_fail(1, "%s:%lu: invalid IMSI '%s': %s", path, row.line, row.f[0], why);
			goto out;
		}
		/* DIRBS: E.164 digits only, 1 to 15 */
		if (!row.f[1][0] || strlen(row.f[1]) > 15 || strspn(row.f[1], "0123456789") != strlen(row.f[1])) {
			rc = eir_fail(1, "%s:%lu: invalid MSISDN '%s': 1 to 15 digits (E.164, no +)", path, row.line,
				      row.f[1]);
			goto out;
		}
		snprintf(m->msisdn, sizeof(m->msisdn), "%s", row.f[1]);
		d->n_map++;
	}
	if (rc < 0) {
		rc = eir_fail(1, "%s: %s", path, eir_csv_error(csv));
		goto out;
	}
	qsort(d->map, d->n_map, sizeof(*d->map), map_cmp);
	for (size_t i = 1; i < d->n_map; i++) {
		if (!map_cmp(&d->map[i - 1], &d->map[i]) && strcmp(d->map[i - 1].msisdn, d->map[i].msisdn)) {
			char imsi[16];

			rc = eir_fail(1, "%s: IMSI %s twice, with MSISDNs %s and %s", path,
				      eir_imsi_unpack(imsi, sizeof(imsi), d->map[i].imsi), d->map[i - 1].msisdn,
				      d->map[i].msisdn);
			goto out;
		}
	}
	rc = 0;
out:
	eir_csv_free(csv);
	fclose(f);
	return rc;
}

static const char *map_msisdn(const struct dump *d, const uint8_t imsi[8])
{
	struct msisdn_map key, *m;

	if (!d->n_map)
		return NULL;
	memcpy(key.imsi, imsi, 8);
	m = bsearch(&key, d->map, d->n_map, sizeof(*d->map), map_cmp);
	return m ? m->msisdn : NULL;
}

/* "YYYYMMDD" (DIRBS's date column and file names) of a day since 1970 */
static char *day_fmt(char *buf, size_t len, unsigned day)
{
	time_t t = (time_t)day * DAY_SEC;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d", &tm);
	return buf;
}

/* strictly YYYYMMDD, as DIRBS names the period */
static int day_arg(const char *opt, const char *s, unsigned *day)
{
	eir_day_t d;

	if (strlen(s) != 8 || strspn(s, "0123456789") != 8 || eir_day_parse(s, &d) || !d)
		return eir_fail(1, "invalid %s date '%s': YYYYMMDD", opt, s);
	*day = d;
	return 0;
}

static int flush_group(struct dump *d)
{
	char imei[16], imsi[16] = "", date[12], rats[64];

	if (!d->have_group)
		return 0;
	eir_imei_str(imei, sizeof(imei), d->g_imei);
	if (memcmp(d->g_imsi, zero8, 8))
		eir_imsi_unpack(imsi, sizeof(imsi), d->g_imsi);
	for (unsigned e = 0; e < d->n_ents; e++) {
		const struct group_ent *g = &d->ents[e];

		eir_rats_str(rats, sizeof(rats), g->rats);
		for (unsigned j = 0; j <= d->to - d->from; j++) {
			if (!(g->days[j / 64] & (1ULL << (j % 64))))
				continue;
			if (fprintf(d->out, "%s,%s,%s,%s,%s\n", day_fmt(date, sizeof(date), d->from + j), imei, imsi,
				    g->msisdn, rats) < 0)
				return -EIO;
			d->rows++;
			d->no_msisdn += !g->msisdn[0];
			d->no_rat += !rats[0];
		}
	}
	d->n_ents = 0;
	d->have_group = false;
	return 0;
}

static bool plmn_ours(const struct dump *d, const char *imsi)
{
	for (unsigned i = 0; i < d->n_plmn; i++)
		if (!strncmp(imsi, d->plmn[i], strlen(d->plmn[i])))
			return true;
	return false;
}

/* one pair row: into its (IMEI, IMSI) group, merged by MSISDN (the MSISDN file can give a row without one the same
 * MSISDN as a row with it: one DIRBS row per day, not two) */
static int pair_cb(void *data, const struct eir_hist_pair *p, const uint64_t *days)
{
	struct dump *d = data;
	bool have_imsi = memcmp(p->imsi, zero8, 8);
	char imsi[16] = "", msisdn[16] = "";
	struct group_ent *g = NULL;
	const char *m;
	int rc;

	if (have_imsi)
		eir_imsi_unpack(imsi, sizeof(imsi), p->imsi);
	/* ours only, unless told: other networks' subscribers are not ours to report */
	if (!d->all_imsis && (!have_imsi || !plmn_ours(d, imsi))) {
		d->left_out++;
		return 0;
	}
	if (!d->have_group || d->g_imei != p->imei || memcmp(d->g_imsi, p->imsi, 8)) {
		rc = flush_group(d);
		if (rc)
			return rc;
		d->have_group = true;
		d->g_imei = p->imei;
		memcpy(d->g_imsi, p->imsi, 8);
	}
	d->pairs++;
	if (memcmp(p->msisdn, zero8, 8))
		eir_imsi_unpack(msisdn, sizeof(msisdn), p->msisdn);
	else if (have_imsi && (m = map_msisdn(d, p->imsi)))
		snprintf(msisdn, sizeof(msisdn), "%s", m);
	for (unsigned e = 0; e < d->n_ents && !g; e++)
		if (!strcmp(d->ents[e].msisdn, msisdn))
			g = &d->ents[e];
	if (!g) {
		if (d->n_ents == d->max_ents) {
			unsigned mx = d->max_ents ? 2 * d->max_ents : 8;
			struct group_ent *ne = talloc_realloc(NULL, d->ents, struct group_ent, mx);

			if (!ne)
				return -ENOMEM;
			d->ents = ne;
			d->max_ents = mx;
		}
		g = &d->ents[d->n_ents++];
		memset(g, 0, sizeof(*g));
		snprintf(g->msisdn, sizeof(g->msisdn), "%s", msisdn);
	}
	for (unsigned w = 0; w < ARRAY_SIZE(g->days); w++)
		g->days[w] |= days[w];
	g->rats |= p->rats;
	return 0;
}

/* the zip, through temporary files in the spool that DIRBS's pick-up does not take (a leading dot, no .zip) */
static int write_zip(void *ctx, const char *spool, const char *name, const char *csv_tmp)
{
	char *zip_tmp = talloc_asprintf(ctx, "%s/.%s.zip.tmp", spool, name);
	char *zip_path = talloc_asprintf(ctx, "%s/%s.zip", spool, name);
	char *member = talloc_asprintf(ctx, "%s.csv", name);
	zip_source_t *src;
	zip_error_t ze;
	zip_t *za;
	int zerr, fd;

	za = zip_open(zip_tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!za) {
		zip_error_init_with_code(&ze, zerr);
		eir_fail(DUMP_EXIT_SPOOL, "cannot write %s: %s", zip_tmp, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return DUMP_EXIT_SPOOL;
	}
	src = zip_source_file(za, csv_tmp, 0, -1);
	if (!src || zip_file_add(za, member, src, ZIP_FL_ENC_UTF_8) < 0) {
		eir_fail(DUMP_EXIT_SPOOL, "cannot write %s: %s", zip_tmp, zip_strerror(za));
		zip_source_free(src);
		zip_discard(za);
		return DUMP_EXIT_SPOOL;
	}
	if (zip_close(za) < 0) {
		eir_fail(DUMP_EXIT_SPOOL, "cannot write %s: %s", zip_tmp, zip_strerror(za));
		zip_discard(za);
		unlink(zip_tmp);
		return DUMP_EXIT_SPOOL;
	}
	/* libzip renames its own temporary into place but does not sync: on disk before it gets its name */
	fd = open(zip_tmp, O_RDONLY);
	if (fd < 0 || fchmod(fd, 0640) || fsync(fd) || close(fd) || rename(zip_tmp, zip_path)) {
		eir_fail(DUMP_EXIT_SPOOL, "cannot write %s: %s", zip_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(zip_tmp);
		return DUMP_EXIT_SPOOL;
	}
	fd = open(spool, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

static int usage_dump(void)
{
	fprintf(stderr, "usage: osmo-eir-db [-l DIR] export-dump --operator ID --from YYYYMMDD --to YYYYMMDD\n"
			"  [--history DIR] [--spool DIR] (--plmn MCCMNC ... | --all-imsis) [--msisdn-file FILE]\n"
			"(osmo-eir-db --help lists the commands)\n");
	return 1;
}

int db_export_dump(void *ctx, const char *db_dir, int argc, char **argv)
{
	const char *op = NULL, *from_s = NULL, *to_s = NULL, *hist_dir = NULL, *spool = ".", *msisdn_file = NULL;
	struct dump d = { 0 };
	struct eir_hist *h = NULL;
	char err[512], name[64], a[12], b[12], *csv_tmp = NULL;
	uint64_t pairs, events, imeis, imsis;
	unsigned today = time(NULL) / DAY_SEC, retention;
	struct stat st;
	int rc, fd, ex;

	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--all-imsis")) {
			d.all_imsis = true;
			continue;
		}
		if (i + 1 >= argc || strncmp(o, "--", 2))
			return usage_dump();
		if (!strcmp(o, "--operator"))
			op = argv[++i];
		else if (!strcmp(o, "--from"))
			from_s = argv[++i];
		else if (!strcmp(o, "--to"))
			to_s = argv[++i];
		else if (!strcmp(o, "--history"))
			hist_dir = argv[++i];
		else if (!strcmp(o, "--spool"))
			spool = argv[++i];
		else if (!strcmp(o, "--msisdn-file"))
			msisdn_file = argv[++i];
		else if (!strcmp(o, "--plmn")) {
			const char *p = argv[++i];

			if ((strlen(p) != 5 && strlen(p) != 6) || strspn(p, "0123456789") != strlen(p))
				return eir_fail(1, "invalid --plmn '%s': MCC and MNC, 5 or 6 digits", p);
			if (d.n_plmn == PLMN_MAX)
				return eir_fail(1, "more than %u --plmn", PLMN_MAX);
			d.plmn[d.n_plmn++] = p;
		} else
			return usage_dump();
	}
	if (!op || !from_s || !to_s)
		return usage_dump();
	/* DIRBS takes the operator id lower case, up to 16 characters, and splits the file name at '_' */
	if (!*op || strlen(op) > OPERATOR_MAX || strspn(op, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(op))
		return eir_fail(1, "invalid --operator '%s': DIRBS's operator id, 1 to %u of a-z, 0-9 and '-'", op,
				OPERATOR_MAX);
	if (!d.n_plmn && !d.all_imsis)
		return eir_fail(1, "which subscribers? --plmn MCCMNC (our networks, repeatable) or --all-imsis");
	if (day_arg("--from", from_s, &d.from) || day_arg("--to", to_s, &d.to))
		return 1;
	if (d.from > d.to)
		return eir_fail(1, "the period is backwards: --from %s is after --to %s", from_s, to_s);
	/* DIRBS refuses a dump whose end date is in the future */
	if (d.to > today)
		return eir_fail(1, "--to %s is in the future (today is %s UTC)", to_s, day_fmt(a, sizeof(a), today));
	if (msisdn_file && load_msisdn_file(ctx, &d, msisdn_file))
		return 1;

	if (!hist_dir)
		hist_dir = talloc_asprintf(ctx, "%s/../history", db_dir);
	rc = eir_hist_open_ro(ctx, &h, hist_dir, err, sizeof(err));
	if (rc)
		return eir_fail(DUMP_EXIT_HISTORY, "%s", err);
	retention = eir_hist_retention(h);
	if (today - d.from >= retention) {
		eir_fail(1, "the period starts %s, before the history's retention of %u days (the first day kept is "
			 "%s)", from_s, retention, day_fmt(a, sizeof(a), today - retention + 1));
		ex = 1;
		goto out;
	}
	if (eir_hist_counts(h, &pairs, &events, &imeis, &imsis)) {
		eir_fail(DUMP_EXIT_HISTORY, "cannot read the history %s", hist_dir);
		ex = DUMP_EXIT_HISTORY;
		goto out;
	}
	if (!pairs) {
		eir_fail(DUMP_EXIT_HISTORY, "the history in %s has no (IMEI, IMSI) rows: none recorded yet, or full "
			 "history is off ('history on' in the history node)", hist_dir);
		ex = DUMP_EXIT_HISTORY;
		goto out;
	}

	if (stat(spool, &st) || !S_ISDIR(st.st_mode)) {
		eir_fail(DUMP_EXIT_SPOOL, "the spool %s is no directory: %s", spool,
			 S_ISDIR(st.st_mode) ? strerror(errno) : strerror(ENOTDIR));
		ex = DUMP_EXIT_SPOOL;
		goto out;
	}
	snprintf(name, sizeof(name), "%s_%s_%s", op, day_fmt(a, sizeof(a), d.from), day_fmt(b, sizeof(b), d.to));
	csv_tmp = talloc_asprintf(ctx, "%s/.%s.csv.XXXXXX", spool, name);
	fd = mkstemp(csv_tmp);
	if (fd < 0) {
		eir_fail(DUMP_EXIT_SPOOL, "cannot write to the spool %s: %s", spool, strerror(errno));
		ex = DUMP_EXIT_SPOOL;
		goto out;
	}
	d.out = fdopen(fd, "w");
	if (!d.out) {
		close(fd);
		eir_fail(DUMP_EXIT_SPOOL, "cannot write to the spool %s: %s", spool, strerror(errno));
		ex = DUMP_EXIT_SPOOL;
		goto fail_csv;
	}
	/* the header DIRBS's schema names (it ignores the case; we write it lower case) */
	fputs("date,imei,imsi,msisdn,rat\n", d.out);
	rc = eir_hist_pairs_days(h, d.from, d.to, pair_cb, &d);
	if (!rc)
		rc = flush_group(&d);
	if (rc == -EIO && ferror(d.out)) {
		eir_fail(DUMP_EXIT_SPOOL, "cannot write to the spool %s: %s", spool, strerror(errno));
		ex = DUMP_EXIT_SPOOL;
		goto fail_csv;
	}
	if (rc == -ENOMEM) {
		eir_fail(1, "out of memory");
		ex = 1;
		goto fail_csv;
	}
	if (rc) {
		eir_fail(DUMP_EXIT_HISTORY, "cannot read the history %s", hist_dir);
		ex = DUMP_EXIT_HISTORY;
		goto fail_csv;
	}
	if (fflush(d.out) || ferror(d.out)) {
		eir_fail(DUMP_EXIT_SPOOL, "cannot write to the spool %s: %s", spool, strerror(errno));
		ex = DUMP_EXIT_SPOOL;
		goto fail_csv;
	}
	fclose(d.out);
	d.out = NULL;
	rc = write_zip(ctx, spool, name, csv_tmp);
	unlink(csv_tmp);
	talloc_free(d.ents);
	eir_hist_close(h);
	if (rc)
		return rc;
	printf("%s/%s.zip: %llu rows from %llu (IMEI, IMSI, MSISDN), %llu without MSISDN, %llu without RAT; "
	       "%llu rows of other networks left out\n", spool, name, (unsigned long long)d.rows,
	       (unsigned long long)d.pairs, (unsigned long long)d.no_msisdn, (unsigned long long)d.no_rat,
	       (unsigned long long)d.left_out);
	/* DIRBS's default null_msisdn_threshold and null_rat_threshold: 5 % */
	if (d.rows && d.no_msisdn * 20 > d.rows)
		fprintf(stderr, "osmo-eir-db: note: %llu of %llu rows have no MSISDN: DIRBS's default import refuses "
			"more than 5 %% (import with --disable-msisdn-import, or give --msisdn-file)\n",
			(unsigned long long)d.no_msisdn, (unsigned long long)d.rows);
	if (d.rows && d.no_rat * 20 > d.rows)
		fprintf(stderr, "osmo-eir-db: note: %llu of %llu rows have no RAT: DIRBS's default import refuses "
			"more than 5 %% (raise null_rat_threshold and null_threshold in its operator_threshold)\n",
			(unsigned long long)d.no_rat, (unsigned long long)d.rows);
	return 0;

fail_csv:
	if (d.out)
		fclose(d.out);
	unlink(csv_tmp);
out:
	talloc_free(d.ents);
	eir_hist_close(h);
	return ex;
}
