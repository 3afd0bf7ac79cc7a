/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The agents' config file reader (include/osmocom/eir/cfgfile.h). */

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/eir/cfgfile.h>
#include <osmocom/eir/tool.h>

static bool excluded(const struct option *o, const char *not_in_file)
{
	/* strchr() would find the terminating NUL for a long-only option's value (256 and up, as a char 0) */
	return o->val > 0 && o->val < 128 && strchr(not_in_file, o->val);
}

int eir_cfgfile_read(const char *path, const struct option *opts, const char *not_in_file, int code,
		     eir_cfgfile_take take, eir_cfgfile_set set, void *data)
{
	char line[4096], *name, *val, *e;
	unsigned long no = 0;
	const struct option *o;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f)
		return eir_fail(code, "cannot read the config file %s: %s", path, strerror(errno));
	while (!rc && fgets(line, sizeof(line), f)) {
		no++;
		if ((e = strchr(line, '#')))
			*e = '\0';
		for (name = line; isspace((unsigned char)*name); name++)
			;
		/* trailing blanks, before a comment too ("poll 60 # a minute"): one at a time */
		for (e = name + strlen(name); e > name && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (!*name)
			continue;
		for (val = name; *val && !isspace((unsigned char)*val); val++)
			;
		if (*val) {
			*val++ = '\0';
			while (isspace((unsigned char)*val))
				val++;
		}
		for (o = opts; o->name && strcmp(o->name, name); o++)
			;
		if (take && !take(o->name ? o : NULL))
			continue;
		if (!o->name || excluded(o, not_in_file)) {
			rc = eir_fail(code, "%s:%lu: unknown setting '%s'", path, no, name);
			break;
		}
		if (o->has_arg && !*val) {
			rc = eir_fail(code, "%s:%lu: '%s' needs a value", path, no, name);
			break;
		}
		rc = set(data, o, *val ? val : NULL);
		if (rc)
			fprintf(stderr, "%s: (%s:%lu)\n", program_invocation_short_name, path, no);
	}
	fclose(f);
	return rc;
}
