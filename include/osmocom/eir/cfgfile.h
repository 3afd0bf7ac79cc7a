/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The agents' config files (osmo-eir-sync, osmo-eir-push): "name value" lines named like their long options, '#'
 * comments; one reader, so that both say the same about a bad line. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

/*! Whether a line of this option is read now (o NULL: a name no option has); NULL: every line. */
typedef bool (*eir_cfgfile_take)(const struct option *o);
/*! One setting: val NULL when the line has none; it points into the line buffer (copy what is kept).
 *  \returns 0, or the exit code (the reader then adds the file and line on stderr and stops) */
typedef int (*eir_cfgfile_set)(void *data, const struct option *o, char *val);

/*! Read path. A name not in opts, or one whose short option is in not_in_file (e.g. "chV": --config, --help,
 *  --version), is an unknown setting; an option with an argument needs a value. Errors go to stderr as
 *  eir_fail(code, ...). \returns 0, code, or what set returned */
int eir_cfgfile_read(const char *path, const struct option *opts, const char *not_in_file, int code,
		     eir_cfgfile_take take, eir_cfgfile_set set, void *data);
