/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-db export-dump: the DIRBS operator data dump written from the device history (db_dump.c). */
#pragma once

/* exit codes besides 0 (written) and 1 (bad arguments: usage, dates, operator, PLMN, MSISDN file) */
#define DUMP_EXIT_HISTORY 3	/*!< no history, unreadable, or no pair rows in it (full history off) */
#define DUMP_EXIT_SPOOL 4	/*!< the spool directory cannot be written (missing, permissions, disk full) */

/*! export-dump OPTIONS (argv after the command's name); db_dir: the store, for the default history. \returns the
 *  exit code */
int db_export_dump(void *ctx, const char *db_dir, int argc, char **argv);
