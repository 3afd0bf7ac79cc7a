/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What every thread of osmo-eir shares (the threading pattern is written down in src/eir/history_writer.c): the
 * osmo_it_q that hands results back to the select loop, with libosmocore 1.7's quirks handled, and a lower priority. */
#pragma once

#include <stdbool.h>
#include <osmocom/core/it_q.h>

/*! An osmo_it_q read by the select loop: read_cb gets each item there. \returns NULL when out of memory. */
struct osmo_it_q *eir_itq_alloc(void *ctx, const char *name, unsigned int max_length,
				void (*read_cb)(struct osmo_it_q *q, struct llist_head *item), void *data);
/*! After the thread was joined (nobody enqueues any more): hand what the loop has not read yet to read_cb. */
void eir_itq_drain(struct osmo_it_q *q);
/*! On a thread: lower its own priority by nice (per thread on Linux). \returns false when refused (seccomp). */
bool eir_thread_nice(int nice);
