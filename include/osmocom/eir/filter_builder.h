/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The filter builder (src/eir/filter_builder.c): a thread that builds the store's lookup filters (db.h) when the
 * select loop finds one missing, behind another process's write (first trying to bring it on from the key log), or
 * full; the loop frees the one it replaces. */
#pragma once

#include <stdbool.h>
#include <osmocom/eir/db.h>

/*! One build's outcome, on the loop. */
struct eir_filter_built {
	enum eir_db_part part;
	bool dropped;		/*!< taken away (eir_filter_builder_tick() with off), not built */
	bool caught_up;		/*!< brought on from the key log (eir_db_filter_catch_up()), not built */
	uint64_t keys;		/*!< the keys it took from the log then */
	int rc;			/*!< eir_db_filter_catch_up()'s or eir_db_filter_build()'s result */
	const char *err;	/*!< its message when rc != 0 */
	double secs;		/*!< how long it took */
	struct eir_db_filter_info info;	/*!< the new filter's state (rc == 0) */
};
typedef void (*eir_filter_built_cb)(void *cb_data, const struct eir_filter_built *b);

struct eir_filter_builder;
/*! On the loop: a builder for the filters of db, whose owner is the loop. */
struct eir_filter_builder *eir_filter_builder_alloc(void *ctx, struct eir_db *db, eir_filter_built_cb cb,
						    void *cb_data);
int eir_filter_builder_start(struct eir_filter_builder *b);
/*! The period of eir_filter_builder_tick(): a filter stays behind another process's commit one or two of these. */
#define EIR_FILTER_TICK_MS 100
/*! On the loop, every EIR_FILTER_TICK_MS: ask for the catch-ups and builds that are due; with off, for the filters to
 *  be taken away. */
void eir_filter_builder_tick(struct eir_filter_builder *b, bool off);
/*! On the loop: stop the thread (a build under way ends after its current read transaction) and free the builder.
 *  NULL is ignored. */
void eir_filter_builder_stop(struct eir_filter_builder *b);
