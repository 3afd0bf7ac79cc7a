/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-push's parts: its settings (config.c), the POST (post.c), the state file and the loop (osmo-eir-push.c),
 * and the exit codes (doc/osmo-eir-push.8). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <osmocom/eir/tool.h>

enum push_exit {
	PUSH_OK = 0,		/* stopped by SIGTERM/SIGINT, or --once with everything delivered */
	PUSH_E_USAGE = 1,	/* bad option or configuration (no URL, not https, a file that cannot be read) */
	PUSH_E_DELIVERY = 2,	/* --once: the receiver did not take every event */
	PUSH_E_STATE = 3,	/* the history or the state file cannot be read or written */
};

struct push_cfg {
	const char *config;
	const char *url;		/* https:// only; NULL: nothing is sent */
	const char *history;		/* the history directory (read only) */
	const char *db_dir;		/* the lists store, read only, for the reasons' texts */
	const char *state;		/* the state file: the last id delivered */
	const char *ca_file;		/* NULL: the system's CAs */
	const char *cert_file, *key_file;	/* the client certificate, optional */
	long connect_timeout, timeout;	/* seconds */
	long poll;			/* seconds between looks at the history when idle */
	long retry_min, retry_max;	/* the back-off after a failed POST: doubles from min up to max */
	unsigned batch;			/* events per POST at most */
	int kind;			/* enum eir_hist_kind, 0: all */
	bool once;			/* deliver what is there, then exit */
	bool verbose;
};
extern struct push_cfg g_push;

/* \returns -1 to go on, or the exit code (0 after --help or --version) */
int push_config(void *ctx, int argc, char **argv);

/* post.c */
/*! stop_flag set (SIGTERM): a POST under way is cut short, its events not delivered (sent again next time) */
int post_init(volatile int *stop_flag);
void post_fini(void);
/*! POST body (a JSON array) to the URL. \returns the HTTP status (2xx: delivered), or -1 with the reason in err. */
long post_events(const char *body, size_t len, char *err, size_t errlen);
