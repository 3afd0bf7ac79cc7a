/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The CTRL interface of osmo-eir, for scripts and OSS systems: a verdict with its why, the local entries
 * (GET, SET, SET "none" removes), and the summary figures. Edits are audited like the VTY's.
 *
 *   GET equipment.imei.IMEI.verdict             WHITELISTED,<why>   (everything after the first comma)
 *   GET equipment.imei.IMEI.imsi.IMSI.verdict   the same, as asked for that subscriber
 *   GET/SET equipment.imei.IMEI.local           "black,Reason text" | "black" | "none" (SET none: remove)
 *   GET/SET equipment.imei.IMEI.imsi.IMSI.local the (IMEI, IMSI) pair exception
 *   GET/SET equipment.tac.TAC.local             a whole TAC
 *   GET/SET equipment.range.FIRST.LAST.local    a range (SET none removes the range FIRST..LAST)
 *   GET equipment.summary                       key=value,... figures of 'show equipment summary'
 *
 * A SET of a local entry is applied by the edit writer thread: its reply comes once the change is durable, the
 * changes waiting together sharing one commit (lists.c, src/eir/edit_writer.c); the loop answers meanwhile.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/select.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/write_queue.h>
#include <osmocom/core/utils.h>
#include <osmocom/ctrl/control_cmd.h>
#include <osmocom/ctrl/control_if.h>
#include <osmocom/ctrl/control_vty.h>
#include <osmocom/vty/command.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/edit.h>
#include <osmocom/eir/eir.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/ratelimit.h>
#include <osmocom/eir/sock.h>
#include "lists.h"

enum {
	CTRL_NODE_EIR_IMEI = _LAST_CTRL_NODE,	/* equipment.imei.IMEI. */
	CTRL_NODE_EIR_PAIR,			/* equipment.imei.IMEI.imsi.IMSI. */
	CTRL_NODE_EIR_RANGE,			/* equipment.tac.TAC. and equipment.range.FIRST.LAST. */
	_LAST_CTRL_NODE_EIR
};

/* what the lookup found in the variable name; commands are handled one at a time, so one static key serves */
struct ctrl_key {
	enum eir_edit_kind kind;
	char a[24], b[24];
};
static struct ctrl_key g_key;

static int eir_ctrl_lookup(void *data, vector vline, int *node_type, void **node_data, int *i)
{
	const char *tok = vector_slot(vline, *i);
	int n = vector_active(vline);

	if (*node_type == CTRL_NODE_ROOT && !strcmp(tok, "equipment") && *i + 2 < n) {
		const char *what = vector_slot(vline, *i + 1);
		const char *a = vector_slot(vline, *i + 2);

		memset(&g_key, 0, sizeof(g_key));
		if (!strcmp(what, "imei")) {
			g_key.kind = EIR_EDIT_IMEI;
			*node_type = CTRL_NODE_EIR_IMEI;
		} else if (!strcmp(what, "tac")) {
			g_key.kind = EIR_EDIT_TAC;
			*node_type = CTRL_NODE_EIR_RANGE;
		} else if (!strcmp(what, "range") && *i + 3 < n) {
			g_key.kind = EIR_EDIT_RANGE;
			*node_type = CTRL_NODE_EIR_RANGE;
			osmo_strlcpy(g_key.b, vector_slot(vline, *i + 3), sizeof(g_key.b));
			(*i)++;
		} else {
			return 0;
		}
		osmo_strlcpy(g_key.a, a, sizeof(g_key.a));
		*node_data = &g_key;
		*i += 2;
		return 1;
	}
	if (*node_type == CTRL_NODE_EIR_IMEI && !strcmp(tok, "imsi") && *i + 1 < n) {
		g_key.kind = EIR_EDIT_PAIR;
		osmo_strlcpy(g_key.b, vector_slot(vline, *i + 1), sizeof(g_key.b));
		*node_type = CTRL_NODE_EIR_PAIR;
		*i += 1;
		return 1;
	}
	return 0;
}

/* the key of the node as an edit; on a bad key the CTRL error says why */
static int key_edit(struct ctrl_cmd *cmd, struct eir_edit *ed)
{
	const struct ctrl_key *k = cmd->node;
	char err[256];

	if (eir_edit_key(ed, k->kind, k->a, k->b[0] ? k->b : NULL, err, sizeof(err))) {
		cmd->reply = talloc_strdup(cmd, err);
		return -EINVAL;
	}
	return 0;
}

/* --- verdict --- */

static int get_verdict(struct ctrl_cmd *cmd, void *data)
{
	const struct ctrl_key *k = cmd->node;
	struct eir_result res;
	struct eir_imei im;
	uint8_t imsi[8];
	const char *why;
	char buf[768];

	if (eir_imei_parse(k->a, &im, &why)) {
		cmd->reply = talloc_asprintf(cmd, "invalid IMEI '%s': %s", k->a, why);
		return CTRL_CMD_ERROR;
	}
	if (k->kind == EIR_EDIT_PAIR && eir_imsi_pack(k->b, imsi, &why)) {
		cmd->reply = talloc_asprintf(cmd, "invalid IMSI '%s': %s", k->b, why);
		return CTRL_CMD_ERROR;
	}
	eir_lists_ctr_inc(EIR_LISTS_CTR_QUERY);
	/* EIR_CHECK_ALL: the deciding entry in full (a notification's row, not just its IMEI) */
	if (eir_check(g_eir->db, &g_eir->policy, im.key, im.sv, k->kind == EIR_EDIT_PAIR ? imsi : NULL, EIR_CHECK_ALL,
		      &res)) {
		cmd->reply = talloc_asprintf(cmd, "cannot read the store: %s", eir_db_errstr(g_eir->db));
		return CTRL_CMD_ERROR;
	}
	cmd->reply = talloc_asprintf(cmd, "%s,%s", eir_verdict_name(res.verdict),
				     eir_match_str(buf, sizeof(buf), g_eir->db, &res.why));
	return CTRL_CMD_REPLY;
}
CTRL_CMD_DEFINE_RO(verdict, "verdict");
/* libosmoctrl keeps its parsed name in the element: one element per node it is installed in */
static struct ctrl_cmd_element cmd_verdict_pair = {
	.name = "verdict", .get = get_verdict, .set = set_verdict, .verify = verify_verdict,
};

/* --- local entries --- */

static int get_local(struct ctrl_cmd *cmd, void *data)
{
	struct eir_edit ed = { .lookup = true };	/* a GET takes any form of the IMEI */
	enum eir_db_table t;
	struct eir_entry e;
	char reason[512];
	int rc;

	if (key_edit(cmd, &ed))
		return CTRL_CMD_ERROR;
	t = ed.kind == EIR_EDIT_IMEI ? EIR_T_IMEI : ed.kind == EIR_EDIT_PAIR ? EIR_T_PAIR : EIR_T_RANGE;
	e = ed.e;
	rc = eir_db_read_begin(g_eir->db);
	if (!rc) {
		rc = eir_db_get(g_eir->db, EIR_DB_LOCAL, t, &e);
		if (!rc)
			rc = eir_db_reason(g_eir->db, EIR_DB_LOCAL, e.reason_id, reason, sizeof(reason));
		eir_db_read_end(g_eir->db);
	}
	/* a range answers only for exactly its bounds */
	if (rc == -ENOENT || (!rc && (e.list == EIR_LIST_NONE || (t == EIR_T_RANGE && e.last != ed.e.last)))) {
		cmd->reply = "none";
		return CTRL_CMD_REPLY;
	}
	if (rc) {
		cmd->reply = talloc_asprintf(cmd, "cannot read the store: %s", eir_db_errstr(g_eir->db));
		return CTRL_CMD_ERROR;
	}
	cmd->reply = talloc_asprintf(cmd, "%s%s%s", eir_list_name(e.list), reason[0] ? "," : "", reason);
	return CTRL_CMD_REPLY;
}

static int verify_local(struct ctrl_cmd *cmd, const char *value, void *data)
{
	const char *comma = strchr(value, ',');
	char list[16];
	int l;

	if (!strcmp(value, "none"))
		return 0;
	osmo_strlcpy(list, value, OSMO_MIN(sizeof(list), comma ? (size_t)(comma - value) + 1 : sizeof(list)));
	l = eir_list_parse(list);
	if (l <= 0) {
		cmd->reply = talloc_asprintf(cmd, "unknown list '%s': white, grey or black, then optionally ,REASON; "
					     "or none to remove", list);
		return 1;
	}
	return 0;
}

/* SETs of one connection waiting for their commit at most: then the connection is not read until replies went out.
 * A pipelining client is slowed down, never loses a reply (libosmoctrl's write queue holds 100 and drops beyond). */
#define CTRL_DEFERRED_MAX 32

/* Every CTRL connection reads and writes through the callbacks below, put in at accept (ctrl_accept()); the commands
 * themselves still go through libosmoctrl (ctrl_handle_msg()).
 *
 * Writing: the replies of one commit reach the loop together (the edit writer hands a batch back as one item), and
 * libosmocore's write queue writes one message per poll round: the queued replies go out in one writev() (the client
 * then reads them in one go too). A full socket keeps them queued; any other failure goes to libosmoctrl's own
 * callback, which closes the connection or logs as before. */
static int (*ctrl_write_orig)(struct osmo_fd *bfd, struct msgb *msg);

static int ctrl_write_joined(struct osmo_fd *bfd, struct msgb *msg)
{
	struct osmo_wqueue *q = container_of(bfd, struct osmo_wqueue, bfd);
	unsigned len = msg->len;
	ssize_t rc;

	if (llist_empty(&q->msg_queue))
		return ctrl_write_orig(bfd, msg);
	rc = eir_wqueue_writev(bfd->fd, q, msg);
	if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (rc <= 0)
		return ctrl_write_orig(bfd, msg);
	/* -EAGAIN: the queue puts msg's rest back at its head */
	return rc < len ? -EAGAIN : 0;
}

static int (*ctrl_read_orig)(struct osmo_fd *bfd);

/* Closing is libosmoctrl's: its control_close_conn() is static, called by its read callback at the end of the
 * stream. The replies already queued are sent first, as far as the socket takes them without waiting (a client that
 * shut down its side, or sent a bad frame behind good ones, still gets the answers to those); then the socket is shut
 * down and what is left in it read away, and that callback reads the end (it logs the close). Deferred SETs become
 * zombies as ever. \returns -EBADF once closed, for the write queue */
static int ctrl_close(struct osmo_fd *bfd, struct ctrl_connection *ccon, const char *why)
{
	uint8_t sink[EIR_IPA_READ_PEEK];
	struct msgb *m;
	unsigned i;

	if (why)
		LOGP(DCTRLIF, LOGL_NOTICE, "CTRL connection %s: %s, closing it\n", osmo_sock_get_name2(bfd->fd), why);
	llist_for_each_entry(m, &ccon->write_queue.msg_queue, list) {
		if (send(bfd->fd, m->data, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) != m->len)
			break;
	}
	shutdown(bfd->fd, SHUT_RDWR);
	for (i = 0; i < 64 && recv(bfd->fd, sink, sizeof(sink), MSG_DONTWAIT) != 0; i++)
		;
	msgb_free(ccon->pending_msg);
	ccon->pending_msg = NULL;
	return ctrl_read_orig(bfd);
}

/* one whole frame through libosmoctrl's handling, from a copy with a byte of room: its parser ends the text with a
 * NUL, and libosmoctrl 1.7's own read leaves none after a frame of EIR_IPA_FRAME_MAX bytes (the daemon aborts).
 * \returns 1 when libosmoctrl refuses it, -ENOMEM when there is no memory for the copy (the connection is then closed:
 * a command dropped without its reply would leave the client waiting on an open connection) */
static int ctrl_frame(void *data, const uint8_t *p, size_t len)
{
	struct ctrl_connection *ccon = data;
	struct msgb *msg = msgb_alloc(len + 1, "CTRL command");
	int rc;

	if (!msg)
		return -ENOMEM;
	memcpy(msgb_put(msg, len), p, len);
	msg->l2h = msg->data + EIR_IPA_HDR_LEN;
	rc = ctrl_handle_msg(ccon->write_queue.bfd.data, ccon, msg);
	msgb_free(msg);
	return rc ? 1 : 0;
}

/* Reading: libosmoctrl reads one command per poll round, with two recv() (header, then body). Here a round takes
 * the whole frames that have arrived in one recv() (eir_ipa_read(), src/core/sock.c) and runs each: at most as many
 * as leave the connection's queued replies and waiting SETs within CTRL_DEFERRED_MAX (one at least, as
 * libosmoctrl); a frame arriving in parts is kept in ccon->pending_msg (whose only other user, libosmoctrl's own
 * read callback, no longer runs; libosmoctrl frees it when the connection closes). A frame that cannot be taken
 * closes the connection. */
static int ctrl_read_joined(struct osmo_fd *bfd)
{
	struct osmo_wqueue *q = container_of(bfd, struct osmo_wqueue, bfd);
	struct ctrl_connection *ccon = container_of(q, struct ctrl_connection, write_queue);
	size_t busy = q->current_length + llist_count(&ccon->def_cmds);
	int rc;

	rc = eir_ipa_read(bfd->fd, &ccon->pending_msg, busy < CTRL_DEFERRED_MAX ? CTRL_DEFERRED_MAX - busy : 1,
			  ctrl_frame, ccon);
	switch (rc) {
	case 0:
		return 0;
	case -ENOMEM:
		/* what could not be taken stays in the socket, which poll() would report again in every round */
		return ctrl_close(bfd, ccon, "out of memory");
	case -EPIPE:
		return ctrl_close(bfd, ccon, NULL);
	case -EPROTO:
		return ctrl_close(bfd, ccon, "a frame of another protocol");
	case -EMSGSIZE:
		return ctrl_close(bfd, ccon, "a frame longer than " OSMO_STRINGIFY_VAL(EIR_IPA_FRAME_MAX) " bytes");
	case -EIO:
		return ctrl_close(bfd, ccon, "a short read of what was there");
	default:
		return ctrl_close(bfd, ccon, "a command it could not take");
	}
}

/* the connections open, ccon (closing, maybe still listed) left out */
static unsigned ctrl_sessions(struct ctrl_handle *h, struct ctrl_connection *ccon)
{
	struct ctrl_connection *c;
	unsigned n = 0;

	llist_for_each_entry(c, &h->ccon_list, list_entry)
		n += c != ccon;
	return n;
}

/* who each open connection is, for the audit records of its edits ("ctrl 127.0.0.1:40112"): named once, when it
 * is accepted, not with a getpeername() for every SET. By descriptor; an entry is its connection's while ccon
 * matches. */
struct ctrl_peer {
	const struct ctrl_connection *ccon;
	char who[72];
};
static struct ctrl_peer *peers;
static unsigned n_peers;

static void peer_name(const struct ctrl_connection *ccon)
{
	int fd = ccon->write_queue.bfd.fd;

	if (fd < 0)
		return;
	if ((unsigned)fd >= n_peers) {
		unsigned n = OSMO_MAX((unsigned)fd + 1, 2 * n_peers);
		struct ctrl_peer *p = talloc_realloc(g_eir, peers, struct ctrl_peer, n);

		if (!p)
			return; /* (named at each edit instead) */
		memset(p + n_peers, 0, (n - n_peers) * sizeof(*p));
		peers = p;
		n_peers = n;
	}
	peers[fd].ccon = ccon;
	eir_lists_who(peers[fd].who, sizeof(peers[fd].who), "ctrl", fd);
}

static void ctrl_who(char *buf, size_t len, const struct ctrl_connection *ccon)
{
	int fd = ccon ? ccon->write_queue.bfd.fd : -1;

	if (fd >= 0 && (unsigned)fd < n_peers && peers[fd].ccon == ccon)
		osmo_strlcpy(buf, peers[fd].who, len);
	else
		eir_lists_who(buf, len, "ctrl", fd);
}

static void ctrl_closed(struct ctrl_connection *ccon)
{
	unsigned i;

	/* by the connection, not its descriptor, which libosmoctrl closed already (the next connection may have the
	 * same address; it is named when accepted, should it not be, it must not find this one's name) */
	for (i = 0; i < n_peers; i++)
		if (peers[i].ccon == ccon)
			peers[i].ccon = NULL;
	eir_oam_stat_set(EIR_OAM_STAT_CTRL_SESSIONS, ctrl_sessions(eir_ctrl_handle, ccon));
}

/* libosmoctrl's accept, then the new connection (the head of ccon_list) gets the callbacks above; beyond 'eir' /
 * 'ctrl max-sessions' open, a new connection is closed at once (CTRL has no greeting to say why in), counted */
static int (*ctrl_accept_orig)(struct osmo_fd *bfd, unsigned int what);
static struct eir_ratelimit refuse_rl;

static int ctrl_accept(struct osmo_fd *bfd, unsigned int what)
{
	struct ctrl_handle *h = bfd->data;
	struct ctrl_connection *head = llist_first_entry_or_null(&h->ccon_list, struct ctrl_connection, list_entry);
	struct ctrl_connection *ccon;
	unsigned open = ctrl_sessions(h, NULL);
	int rc;

	if (open >= g_eir->ctrl_max_sessions) {
		rc = eir_listen_refuse(bfd->fd, NULL);
		if (rc)
			return rc;
		eir_lists_ctr_inc(EIR_LISTS_CTR_CTRL_REFUSED);
		if (eir_ratelimit_allow(&refuse_rl, 1))
			LOGP(DCTRLIF, LOGL_NOTICE, "CTRL: %u connections open already (ctrl max-sessions): a new one "
			     "closed\n", open);
		return 0;
	}
	rc = ctrl_accept_orig(bfd, what);
	ccon = llist_first_entry_or_null(&h->ccon_list, struct ctrl_connection, list_entry);
	if (rc < 0 || !ccon || ccon == head)
		return rc;
	eir_oam_stat_set(EIR_OAM_STAT_CTRL_SESSIONS, open + 1);
	if (!ccon->closed_cb) {
		ccon->closed_cb = ctrl_closed;
		peer_name(ccon);
	}
	if (!ctrl_write_orig)
		ctrl_write_orig = ccon->write_queue.write_cb;
	/* every connection of libosmoctrl has the same callbacks; anything else is left alone */
	if (ccon->write_queue.write_cb != ctrl_write_orig)
		return rc;
	ctrl_read_orig = ccon->write_queue.read_cb;
	ccon->write_queue.write_cb = ctrl_write_joined;
	ccon->write_queue.read_cb = ctrl_read_joined;
	return rc;
}

/* on the loop, once the edit's commit is durable (or it failed): the deferred reply, as a synchronous SET's */
static void set_local_done(void *data, int rc, const char *err)
{
	struct ctrl_cmd_def *cd = data;
	struct ctrl_connection *ccon;
	struct ctrl_cmd *cmd;

	/* the client went away meanwhile: the edit stands (audited), there is nobody to tell. Not
	 * ctrl_cmd_def_is_zombie(): in libosmoctrl 1.7 it unlinks cd from the connection's list a second time, after
	 * the closing connection did (a crash on the poisoned list pointers); here the zombie is freed alone. */
	if (!cd->cmd) {
		talloc_free(cd);
		return;
	}
	cmd = cd->cmd;
	if (rc) {
		cmd->reply = talloc_strdup(cmd, err);
		cmd->type = CTRL_TYPE_ERROR;
	} else if (get_local(cmd, NULL) != CTRL_CMD_REPLY) {
		cmd->type = CTRL_TYPE_ERROR;
	}
	ccon = cmd->ccon;
	ctrl_cmd_def_send(cd);
	if (llist_count(&ccon->def_cmds) < CTRL_DEFERRED_MAX)
		osmo_fd_read_enable(&ccon->write_queue.bfd);
}

/* A SET of a local entry goes to the edit writer thread (lists.c): the reply waits for the durable commit, which it
 * shares with the other edits waiting, and the loop answers meanwhile. */
static int set_local(struct ctrl_cmd *cmd, void *data)
{
	struct eir_edit ed = { 0 };
	struct ctrl_key *k;
	struct ctrl_cmd_def *cd;
	const char *comma = strchr(cmd->value, ',');
	char list[16], err[512], who[96];

	if (key_edit(cmd, &ed))
		return CTRL_CMD_ERROR;
	ed.del = !strcmp(cmd->value, "none");
	if (!ed.del) {
		osmo_strlcpy(list, cmd->value, OSMO_MIN(sizeof(list), comma ? (size_t)(comma - cmd->value) + 1 :
							  sizeof(list)));
		ed.e.list = eir_list_parse(list);
		ed.reason = comma ? comma + 1 : NULL;
	}
	ctrl_who(who, sizeof(who), cmd->ccon);
	ed.who = who;
	/* the reply reads the entry back later, when g_key names another command's: a copy of the key of its own */
	k = talloc(cmd, struct ctrl_key);
	/* (no connection, no deferring: never for a command read from one) */
	cd = k && cmd->ccon ? ctrl_cmd_def_make(g_eir, cmd, NULL, 0) : NULL;
	if (!cd) {
		cmd->reply = "out of memory";
		return CTRL_CMD_ERROR;
	}
	*k = *(const struct ctrl_key *)cmd->node;
	cmd->node = k;
	if (eir_lists_edit_async(&ed, set_local_done, cd, err, sizeof(err))) {
		/* refused at once: an ordinary error reply, not deferred */
		llist_del(&cd->list);
		talloc_free(cd);
		cmd->defer = NULL;
		cmd->reply = talloc_strdup(cmd, err);
		return CTRL_CMD_ERROR;
	}
	if (llist_count(&cmd->ccon->def_cmds) >= CTRL_DEFERRED_MAX)
		osmo_fd_read_disable(&cmd->ccon->write_queue.bfd);
	return CTRL_CMD_HANDLED;
}
CTRL_CMD_DEFINE(local, "local");
static struct ctrl_cmd_element cmd_local_pair = {
	.name = "local", .get = get_local, .set = set_local, .verify = verify_local,
};
static struct ctrl_cmd_element cmd_local_range = {
	.name = "local", .get = get_local, .set = set_local, .verify = verify_local,
};

/* --- summary --- */

static int get_summary(struct ctrl_cmd *cmd, void *data)
{
	struct eir_summary s;
	const struct eir_db_stats *l, *n;

	if (eir_lists_summary(&s)) {
		cmd->reply = talloc_asprintf(cmd, "cannot read the store: %s", eir_db_errstr(g_eir->db));
		return CTRL_CMD_ERROR;
	}
	l = &s.st[EIR_DB_LOCAL];
	n = &s.st[EIR_DB_NATIONAL];
	cmd->reply = talloc_asprintf(cmd,
		"local.white=%llu,local.grey=%llu,local.black=%llu,local.ranges=%llu,local.pairs=%llu,"
		"national.black=%llu,national.notifications=%llu,national.exceptions=%llu,"
		"feed.name=%s,feed.run=%lld,feed.date=%s,feed.age=%lld,sync.exit=%d,sync.at=%lld,audit=%llu,"
		"map.local=%llu,map.national=%llu",
		(unsigned long long)l->imei_lists[EIR_LIST_WHITE], (unsigned long long)l->imei_lists[EIR_LIST_GREY],
		(unsigned long long)l->imei_lists[EIR_LIST_BLACK], (unsigned long long)l->t[EIR_T_RANGE].entries,
		(unsigned long long)l->t[EIR_T_PAIR].entries, (unsigned long long)n->imei_lists[EIR_LIST_BLACK],
		(unsigned long long)n->t[EIR_T_NOTIF].entries, (unsigned long long)n->t[EIR_T_EXC].entries,
		s.feed_synced ? s.feed.name : "", s.feed_synced ? (long long)s.feed.run_id : -1LL,
		s.feed_synced ? s.feed.run_date : "", (long long)s.feed_age, s.sync_known ? s.sync.exit_code : -1,
		s.sync_known ? (long long)s.sync.attempt_at : -1LL, (unsigned long long)s.audit_records,
		(unsigned long long)l->map_used, (unsigned long long)n->map_used);
	return CTRL_CMD_REPLY;
}
CTRL_CMD_DEFINE_RO(summary, "equipment summary");

/*! Open the CTRL interface on the configured address ('ctrl' / 'bind', default 127.0.0.1) and port ('eir' /
 *  'ctrl-port'; 0 leaves it off). \returns 0 or -EIO. */
struct ctrl_handle *eir_ctrl_handle;

int eir_ctrl_start(void *ctx)
{
	struct ctrl_handle *h;

	if (!g_eir->ctrl_port)
		return 0;
	h = ctrl_interface_setup_dynip2(g_eir, ctrl_vty_get_bind_addr(), g_eir->ctrl_port, eir_ctrl_lookup,
					_LAST_CTRL_NODE_EIR);
	if (!h) {
		LOGP(DMAIN, LOGL_FATAL, "cannot open the CTRL interface on %s:%u\n", ctrl_vty_get_bind_addr(),
		     g_eir->ctrl_port);
		return -EIO;
	}
	eir_listen_backlog(h->listen_fd.fd, DMAIN, "CTRL");
	ctrl_accept_orig = h->listen_fd.cb;
	h->listen_fd.cb = ctrl_accept;
	eir_ctrl_handle = h;
	/* our node numbers follow libosmoctrl's own (ctrl_interface_setup_dynip2() was told how many) */
	if (ctrl_cmd_install(CTRL_NODE_ROOT, &cmd_summary) ||
	    ctrl_cmd_install((enum ctrl_node_type)CTRL_NODE_EIR_IMEI, &cmd_verdict) ||
	    ctrl_cmd_install((enum ctrl_node_type)CTRL_NODE_EIR_PAIR, &cmd_verdict_pair) ||
	    ctrl_cmd_install((enum ctrl_node_type)CTRL_NODE_EIR_IMEI, &cmd_local) ||
	    ctrl_cmd_install((enum ctrl_node_type)CTRL_NODE_EIR_PAIR, &cmd_local_pair) ||
	    ctrl_cmd_install((enum ctrl_node_type)CTRL_NODE_EIR_RANGE, &cmd_local_range))
		return -EIO;
	LOGP(DMAIN, LOGL_NOTICE, "CTRL on %s:%u\n", ctrl_vty_get_bind_addr(), g_eir->ctrl_port);
	return 0;
}
