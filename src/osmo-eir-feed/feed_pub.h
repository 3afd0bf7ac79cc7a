/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What osmo-eir-feed's commands share (feed_dir.c): the feed directory and key, messages, and the feed's indexes
 * (RUNS, SHA256SUMS and its signature), so that publish_dirbs.c adds runs the way osmo-eir-feed.c does. */
#pragma once

#include <stdbool.h>
#include <osmocom/eir/feed.h>
#include <osmocom/eir/tool.h>

extern void *ctx;
extern const char *dir;		/* the feed's directory */
extern const char *key_path;	/* its Ed25519 private key */

char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int copy_file(const char *from, const char *to);
int load_runs(struct feed_runs *runs, struct feed_sums *sums);
int write_indexes(const struct feed_runs *runs, const struct feed_sums *old);
void run_add_file(struct feed_run *r, const char *name);

/* publish_dirbs.c */
int cmd_publish_dirbs(const char *src);
