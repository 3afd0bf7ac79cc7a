/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The edit writer (src/eir/edit_writer.c): a thread that applies list edits handed to it by the select loop, the
 * edits waiting together in one write transaction and one durable commit (group commit), each edit's result handed
 * back to the loop once that commit is done. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/edit.h>

/* edits waiting for the writer at most; more are refused at once (eir_edit_writer_submit() -ENOBUFS) */
#define EIR_EDIT_QUEUE_MAX 4096
/* edits in one transaction at most (a CTRL connection's write queue holds 100 replies) */
#define EIR_EDIT_BATCH_MAX 64

/*! One edit's outcome, on the loop. */
struct eir_edit_done {
	struct eir_edit *ed;		/*!< the edit as submitted (its strings are the writer's copies) */
	struct eir_audit *au;		/*!< the audit record written (filled as by eir_edit_apply()) */
	int rc;				/*!< eir_edit_apply()'s result: 0 only once the commit holding it is durable */
	const char *err;		/*!< the store's message when rc is neither 0 nor -ENOENT */
	bool commit;			/*!< the first edit of a committed transaction (one per commit) */
	void *data;			/*!< as given to eir_edit_writer_submit() */
};
typedef void (*eir_edit_done_cb)(void *cb_data, const struct eir_edit_done *d);

struct eir_edit_writer;
/*! On the loop: a writer of the local part of db (whose owner is the loop: the thread takes a thread handle). */
struct eir_edit_writer *eir_edit_writer_alloc(void *ctx, struct eir_db *db, eir_edit_done_cb cb, void *cb_data);
int eir_edit_writer_start(struct eir_edit_writer *w);
/*! On the loop, never blocks: queue a copy of ed (its strings too); cb gets its outcome later, on the loop.
 *  \returns 0, -ENOBUFS (EIR_EDIT_QUEUE_MAX edits waiting) or -ENOMEM. */
int eir_edit_writer_submit(struct eir_edit_writer *w, const struct eir_edit *ed, void *data);
/*! On the loop: take no more batches (pause), waiting for the one under way, or go on again. Edits submitted
 *  meanwhile wait (bounded by EIR_EDIT_QUEUE_MAX). */
void eir_edit_writer_pause(struct eir_edit_writer *w, bool pause);
/*! Stop: the thread applies what is queued, commits and ends; the outcomes not handed yet go to cb; then freed. */
void eir_edit_writer_stop(struct eir_edit_writer *w);
/*! Counted by the thread: transactions committed, edits applied in them, map growths asked of the loop. */
void eir_edit_writer_counts(const struct eir_edit_writer *w, uint64_t *commits, uint64_t *edits, uint64_t *grows);
