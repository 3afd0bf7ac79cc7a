/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The pieces every thread of osmo-eir shares (include/osmocom/eir/thread.h). */

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <osmocom/core/select.h>

#include <osmocom/eir/thread.h>

struct osmo_it_q *eir_itq_alloc(void *ctx, const char *name, unsigned int max_length,
				void (*read_cb)(struct osmo_it_q *q, struct llist_head *item), void *data)
{
	struct osmo_it_q *q = osmo_it_q_alloc(ctx, name, max_length, read_cb, data);

	if (!q)
		return NULL;
	/* libosmocore 1.7 leaves registering the queue's eventfd to the user (osmo_it_q_destroy() closes it) */
	if (osmo_fd_register(&q->event_ofd)) {
		osmo_it_q_destroy(q);
		return NULL;
	}
	return q;
}

void eir_itq_drain(struct osmo_it_q *q)
{
	struct llist_head *l;

	/* libosmocore 1.7's dequeue returns the list head itself on an empty queue: look first (no other thread is
	 * left to race with) */
	while (!llist_empty(&q->list) && (l = _osmo_it_q_dequeue(q)))
		q->read_cb(q, l);
}

bool eir_thread_nice(int nice)
{
	return setpriority(PRIO_PROCESS, syscall(SYS_gettid), nice) == 0;
}
