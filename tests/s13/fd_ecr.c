/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* fd_ecr: a freeDiameter extension acting as an MME on S13 for tests/s13/freediameter.sh. Once its peer (the
 * EIR) is OPEN it sends one ME-Identity-Check-Request (ECR) after the other, checks each answer (ECA) and
 * writes one "ok - ..." or "not ok - ..." line per ECR to a result file, then "done N M" (N ECRs sent, M of
 * them answered as expected).
 *
 * Build (no sanitizer: it is loaded into freeDiameterd):
 *   gcc -shared -fPIC -o fd_ecr.fdx fd_ecr.c -lfdcore -lfdproto -lpthread
 * Load after dict_nasreq, dict_dcca and dict_dcca_3gpp (Terminal-Information, IMEI, Software-Version,
 * Equipment-Status); the S13 application and command 324 are added to the dictionary here when missing:
 *   LoadExtension = "/path/fd_ecr.fdx" : "/path/fd_ecr.conf";
 *
 * Configuration file, one item a line ('#' starts a comment):
 *   result PATH            where the result lines go (required)
 *   peer DIAMETER-ID       the EIR to wait for (default eir.example.org)
 *   dest-realm REALM       Destination-Realm of the ECRs (default example.org; must differ from our own realm)
 *   dest-host DIAMETER-ID  also send Destination-Host (default: none)
 *   wait SECONDS           how long to wait for the peer to become OPEN (default 30)
 *   IMEI[/SV] [IMSI] EXPECTED
 *                          one ECR: IMEI AVP (and Software-Version SV), User-Name IMSI if given; EXPECTED is
 *                          the Equipment-Status (0 WHITELISTED, 1 BLACKLISTED, 2 GREYLISTED: Result-Code 2001
 *                          wanted) or 5422 (Experimental-Result {10415, 5422}, no Result-Code/Equipment-Status)
 */

#include <freeDiameter/extension.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VENDOR_3GPP 10415
#define APP_S13 16777252
#define CMD_ECR 324
#define MAX_ECR 256
#define ANSWER_TIMEOUT_SEC 5

struct ecr_item {
	char imei[20];
	char sv[4];
	char imsi[20];
	int expected;
};

static struct {
	char result[1024];
	char peer[256];
	char dest_realm[256];
	char dest_host[256];
	int wait_sec;
	struct ecr_item items[MAX_ECR];
	int n;
} cfg;

/* dictionary objects */
static struct dict_object *d_vendor, *d_app, *d_ecr, *d_eca;
static struct dict_object *a_session_id, *a_auth_session_state, *a_dest_realm, *a_dest_host, *a_vsai,
	*a_vendor_id, *a_auth_app_id, *a_user_name, *a_term_info, *a_imei, *a_sv;

/* the sender thread and the answer it waits for */
static pthread_t sender;
static int sender_started;
static volatile int stopping;
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

struct pending {
	int idx;
	char sid[256];
	int finished;
	int ok;
	char text[768];
};

static FILE *out;
static int n_sent, n_ok;

/* --- configuration --- */

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int parse_conf(const char *path)
{
	FILE *f;
	char line[1200];
	int lineno = 0;

	snprintf(cfg.peer, sizeof(cfg.peer), "eir.example.org");
	snprintf(cfg.dest_realm, sizeof(cfg.dest_realm), "example.org");
	cfg.wait_sec = 30;
	if (!path) {
		LOG_E("fd_ecr: a configuration file is required");
		return EINVAL;
	}
	f = fopen(path, "r");
	if (!f) {
		LOG_E("fd_ecr: cannot open %s: %s", path, strerror(errno));
		return errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tok[4] = { NULL };
		int nt = 0;
		char *p, *save = NULL;

		lineno++;
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = strtok_r(line, " \t\r\n", &save); p && nt < 4; p = strtok_r(NULL, " \t\r\n", &save))
			tok[nt++] = p;
		if (nt == 0)
			continue;
		if (nt == 2 && !strcmp(tok[0], "result")) {
			snprintf(cfg.result, sizeof(cfg.result), "%s", tok[1]);
		} else if (nt == 2 && !strcmp(tok[0], "peer")) {
			snprintf(cfg.peer, sizeof(cfg.peer), "%s", tok[1]);
		} else if (nt == 2 && !strcmp(tok[0], "dest-realm")) {
			snprintf(cfg.dest_realm, sizeof(cfg.dest_realm), "%s", tok[1]);
		} else if (nt == 2 && !strcmp(tok[0], "dest-host")) {
			snprintf(cfg.dest_host, sizeof(cfg.dest_host), "%s", tok[1]);
		} else if (nt == 2 && !strcmp(tok[0], "wait") && all_digits(tok[1])) {
			cfg.wait_sec = atoi(tok[1]);
		} else if ((nt == 2 || nt == 3) && isdigit((unsigned char)tok[0][0])) {
			struct ecr_item *it;
			char *sv = strchr(tok[0], '/');
			const char *exp = tok[nt - 1];

			if (cfg.n >= MAX_ECR) {
				LOG_E("fd_ecr: %s:%d: more than %d ECRs", path, lineno, MAX_ECR);
				goto bad;
			}
			it = &cfg.items[cfg.n];
			if (sv)
				*sv++ = '\0';
			if (!all_digits(tok[0]) || strlen(tok[0]) >= sizeof(it->imei) ||
			    (sv && (!all_digits(sv) || strlen(sv) >= sizeof(it->sv))) ||
			    (nt == 3 && (!all_digits(tok[1]) || strlen(tok[1]) >= sizeof(it->imsi))) ||
			    !all_digits(exp)) {
				LOG_E("fd_ecr: %s:%d: expected IMEI[/SV] [IMSI] EXPECTED", path, lineno);
				goto bad;
			}
			snprintf(it->imei, sizeof(it->imei), "%s", tok[0]);
			if (sv)
				snprintf(it->sv, sizeof(it->sv), "%s", sv);
			if (nt == 3)
				snprintf(it->imsi, sizeof(it->imsi), "%s", tok[1]);
			it->expected = atoi(exp);
			if (it->expected != 0 && it->expected != 1 && it->expected != 2 && it->expected != 5422) {
				LOG_E("fd_ecr: %s:%d: EXPECTED must be 0, 1, 2 or 5422", path, lineno);
				goto bad;
			}
			cfg.n++;
		} else {
			LOG_E("fd_ecr: %s:%d: cannot parse this line", path, lineno);
			goto bad;
		}
	}
	fclose(f);
	if (!cfg.result[0]) {
		LOG_E("fd_ecr: %s: no 'result PATH' line", path);
		return EINVAL;
	}
	return 0;
bad:
	fclose(f);
	return EINVAL;
}

/* --- dictionary --- */

static int find_avp(const char *name, struct dict_object **obj)
{
	return fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME, name, obj, ENOENT);
}

/* a 3GPP AVP by code; defined here (flags V,M) when the loaded dictionaries lack it */
static int find_or_add_3gpp_avp(avp_code_t code, const char *name, enum dict_avp_basetype base,
				const char *type_name, struct dict_object **obj)
{
	struct dictionary *dict = fd_g_config->cnf_dict;
	struct dict_avp_request req = { .avp_vendor = VENDOR_3GPP, .avp_code = code };
	struct dict_avp_data data = {
		.avp_code = code,
		.avp_vendor = VENDOR_3GPP,
		.avp_name = (char *)name,
		.avp_flag_mask = AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY,
		.avp_flag_val = AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY,
		.avp_basetype = base,
	};
	struct dict_object *type = NULL;

	CHECK_FCT(fd_dict_search(dict, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &req, obj, 0));
	if (*obj)
		return 0;
	LOG_N("fd_ecr: the dictionary has no %s (%u, vendor %u): adding it", name, code, VENDOR_3GPP);
	if (type_name)
		CHECK_FCT(fd_dict_search(dict, DICT_TYPE, TYPE_BY_NAME, type_name, &type, ENOENT));
	CHECK_FCT(fd_dict_new(dict, DICT_AVP, &data, type, obj));
	return 0;
}

static int add_rule(struct dict_object *parent, struct dict_object *avp, enum rule_position pos, int order,
		    int min, int max)
{
	struct dict_rule_data r = {
		.rule_avp = avp, .rule_position = pos, .rule_order = order, .rule_min = min, .rule_max = max,
	};

	return fd_dict_new(fd_g_config->cnf_dict, DICT_RULE, &r, parent, NULL);
}

/* ME-Identity-Check-Request/Answer (TS 29.272 §7.2.19/20), when no loaded dictionary defines command 324 */
static int add_commands(void)
{
	struct dictionary *dict = fd_g_config->cnf_dict;
	command_code_t code = CMD_ECR;
	struct dict_cmd_data ecr = {
		.cmd_code = CMD_ECR,
		.cmd_name = "ME-Identity-Check-Request",
		.cmd_flag_mask = CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE,
		.cmd_flag_val = CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE,
	};
	struct dict_cmd_data eca = {
		.cmd_code = CMD_ECR,
		.cmd_name = "ME-Identity-Check-Answer",
		.cmd_flag_mask = CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE,
		.cmd_flag_val = CMD_FLAG_PROXIABLE,
	};
	struct dict_object *origin_host, *origin_realm, *result_code, *exp_result, *eq_status, *failed_avp,
		*proxy_info, *route_record;

	CHECK_FCT(fd_dict_search(dict, DICT_COMMAND, CMD_BY_CODE_R, &code, &d_ecr, 0));
	if (d_ecr) {
		CHECK_FCT(fd_dict_search(dict, DICT_COMMAND, CMD_ANSWER, d_ecr, &d_eca, ENOENT));
		return 0;
	}
	LOG_N("fd_ecr: the dictionary has no command %u: adding ME-Identity-Check-Request/Answer", CMD_ECR);
	CHECK_FCT(find_avp("Origin-Host", &origin_host));
	CHECK_FCT(find_avp("Origin-Realm", &origin_realm));
	CHECK_FCT(find_avp("Result-Code", &result_code));
	CHECK_FCT(find_avp("Experimental-Result", &exp_result));
	CHECK_FCT(find_avp("Failed-AVP", &failed_avp));
	CHECK_FCT(find_avp("Proxy-Info", &proxy_info));
	CHECK_FCT(find_avp("Route-Record", &route_record));
	CHECK_FCT(find_or_add_3gpp_avp(1445, "Equipment-Status", AVP_TYPE_INTEGER32, NULL, &eq_status));

	CHECK_FCT(fd_dict_new(dict, DICT_COMMAND, &ecr, d_app, &d_ecr));
	CHECK_FCT(add_rule(d_ecr, a_session_id, RULE_FIXED_HEAD, 1, -1, 1));
	CHECK_FCT(add_rule(d_ecr, a_vsai, RULE_OPTIONAL, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, a_auth_session_state, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, origin_host, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, origin_realm, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, a_dest_host, RULE_OPTIONAL, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, a_dest_realm, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, a_term_info, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, a_user_name, RULE_OPTIONAL, 0, -1, 1));
	CHECK_FCT(add_rule(d_ecr, proxy_info, RULE_OPTIONAL, 0, -1, -1));
	CHECK_FCT(add_rule(d_ecr, route_record, RULE_OPTIONAL, 0, -1, -1));

	/* the answer's grammar: freeDiameter checks every ECA against it and drops one that breaks it */
	CHECK_FCT(fd_dict_new(dict, DICT_COMMAND, &eca, d_app, &d_eca));
	CHECK_FCT(add_rule(d_eca, a_session_id, RULE_FIXED_HEAD, 1, -1, 1));
	CHECK_FCT(add_rule(d_eca, a_vsai, RULE_OPTIONAL, 0, -1, 1));
	CHECK_FCT(add_rule(d_eca, result_code, RULE_OPTIONAL, 0, -1, 1));
	CHECK_FCT(add_rule(d_eca, exp_result, RULE_OPTIONAL, 0, -1, 1));
	CHECK_FCT(add_rule(d_eca, a_auth_session_state, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_eca, origin_host, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_eca, origin_realm, RULE_REQUIRED, 0, -1, 1));
	CHECK_FCT(add_rule(d_eca, eq_status, RULE_OPTIONAL, 0, -1, 1));
	CHECK_FCT(add_rule(d_eca, failed_avp, RULE_OPTIONAL, 0, -1, -1));
	CHECK_FCT(add_rule(d_eca, proxy_info, RULE_OPTIONAL, 0, -1, -1));
	CHECK_FCT(add_rule(d_eca, route_record, RULE_OPTIONAL, 0, -1, -1));
	return 0;
}

static int dict_init(void)
{
	struct dictionary *dict = fd_g_config->cnf_dict;
	vendor_id_t vid = VENDOR_3GPP;
	application_id_t aid = APP_S13;
	struct dict_vendor_data vdata = { .vendor_id = VENDOR_3GPP, .vendor_name = "3GPP" };
	struct dict_application_data adata = { .application_id = APP_S13, .application_name = "3GPP S13/S13'" };

	CHECK_FCT(fd_dict_search(dict, DICT_VENDOR, VENDOR_BY_ID, &vid, &d_vendor, 0));
	if (!d_vendor) {
		LOG_N("fd_ecr: the dictionary has no vendor %u: adding it", VENDOR_3GPP);
		CHECK_FCT(fd_dict_new(dict, DICT_VENDOR, &vdata, NULL, &d_vendor));
	}
	CHECK_FCT(fd_dict_search(dict, DICT_APPLICATION, APPLICATION_BY_ID, &aid, &d_app, 0));
	if (!d_app) {
		LOG_N("fd_ecr: the dictionary has no application %u: adding it", APP_S13);
		CHECK_FCT(fd_dict_new(dict, DICT_APPLICATION, &adata, d_vendor, &d_app));
	}
	CHECK_FCT(find_avp("Session-Id", &a_session_id));
	CHECK_FCT(find_avp("Auth-Session-State", &a_auth_session_state));
	CHECK_FCT(find_avp("Destination-Realm", &a_dest_realm));
	CHECK_FCT(find_avp("Destination-Host", &a_dest_host));
	CHECK_FCT(find_avp("Vendor-Specific-Application-Id", &a_vsai));
	CHECK_FCT(find_avp("Vendor-Id", &a_vendor_id));
	CHECK_FCT(find_avp("Auth-Application-Id", &a_auth_app_id));
	CHECK_FCT(find_avp("User-Name", &a_user_name));
	CHECK_FCT(find_or_add_3gpp_avp(1401, "Terminal-Information", AVP_TYPE_GROUPED, NULL, &a_term_info));
	CHECK_FCT(find_or_add_3gpp_avp(1402, "IMEI", AVP_TYPE_OCTETSTRING, "UTF8String", &a_imei));
	CHECK_FCT(find_or_add_3gpp_avp(1403, "Software-Version", AVP_TYPE_OCTETSTRING, "UTF8String", &a_sv));
	CHECK_FCT(add_commands());
	/* advertise S13 in our CER: Vendor-Specific-Application-Id {10415, 16777252} */
	CHECK_FCT(fd_disp_app_support(d_app, d_vendor, 1, 0));
	return 0;
}

/* --- building the ECR --- */

static int add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t v)
{
	struct avp *a;
	union avp_value val = { .u32 = v };

	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT(fd_msg_avp_setvalue(a, &val));
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a));
	return 0;
}

static int add_str(msg_or_avp *parent, struct dict_object *model, const char *s)
{
	struct avp *a;
	union avp_value val;

	val.os.data = (uint8_t *)s;
	val.os.len = strlen(s);
	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT(fd_msg_avp_setvalue(a, &val));
	CHECK_FCT(fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a));
	return 0;
}

static int build_ecr(const struct ecr_item *it, struct msg **pmsg, char *sid, size_t sidsz)
{
	struct msg *m = NULL;
	struct msg_hdr *h;
	struct avp *g;
	struct session *sess;
	int isnew;
	os0_t s;
	size_t slen;

	CHECK_FCT(fd_msg_new(d_ecr, MSGFL_ALLOC_ETEID, &m));
	CHECK_FCT_DO(fd_msg_hdr(m, &h), goto err);
	h->msg_appl = APP_S13;
	h->msg_flags = CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE;
	CHECK_FCT_DO(fd_msg_new_session(m, (os0_t)"fd_ecr", 6), goto err);
	CHECK_FCT_DO(fd_msg_sess_get(fd_g_config->cnf_dict, m, &sess, &isnew), goto err);
	CHECK_FCT_DO(fd_sess_getsid(sess, &s, &slen), goto err);
	snprintf(sid, sidsz, "%.*s", (int)slen, (char *)s);

	CHECK_FCT_DO(fd_msg_avp_new(a_vsai, 0, &g), goto err);
	CHECK_FCT_DO(add_u32(g, a_vendor_id, VENDOR_3GPP), goto err);
	CHECK_FCT_DO(add_u32(g, a_auth_app_id, APP_S13), goto err);
	CHECK_FCT_DO(fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, g), goto err);
	CHECK_FCT_DO(add_u32(m, a_auth_session_state, 1 /* NO_STATE_MAINTAINED */), goto err);
	CHECK_FCT_DO(fd_msg_add_origin(m, 0), goto err);
	if (cfg.dest_host[0])
		CHECK_FCT_DO(add_str(m, a_dest_host, cfg.dest_host), goto err);
	CHECK_FCT_DO(add_str(m, a_dest_realm, cfg.dest_realm), goto err);
	CHECK_FCT_DO(fd_msg_avp_new(a_term_info, 0, &g), goto err);
	CHECK_FCT_DO(add_str(g, a_imei, it->imei), goto err);
	if (it->sv[0])
		CHECK_FCT_DO(add_str(g, a_sv, it->sv), goto err);
	CHECK_FCT_DO(fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, g), goto err);
	if (it->imsi[0])
		CHECK_FCT_DO(add_str(m, a_user_name, it->imsi), goto err);
	*pmsg = m;
	return 0;
err:
	fd_msg_free(m);
	return EINVAL;
}

/* --- checking the ECA --- */

static void appendf(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t sz, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l + 1 >= sz)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, sz - l, fmt, ap);
	va_end(ap);
}

/* judge one answer; returns 1 when it is what the item expects, else 0 with the reasons in why */
static int judge(struct msg *ans, const struct ecr_item *it, const char *sid, char *got, size_t gotsz, char *why,
		 size_t whysz)
{
	struct msg_hdr *h;
	struct avp *a, *c;
	struct avp_hdr *ah, *ch;
	int n_rc = 0, n_er = 0, n_es = 0, n_ass = 0, n_oh = 0, n_or = 0, n_sid = 0, n_dest = 0;
	uint32_t rc = 0, erc = 0, er_vendor = 0, ass = 0;
	int32_t es = -1;
	int first = 1, sid_first = 0, sid_ok = 0, oh_ok = 0;

	if (fd_msg_hdr(ans, &h)) {
		snprintf(why, whysz, "cannot read the answer header");
		return 0;
	}
	if (fd_msg_browse(ans, MSG_BRW_FIRST_CHILD, &a, NULL))
		a = NULL;
	for (; a; first = 0) {
		if (fd_msg_avp_hdr(a, &ah))
			break;
		if (!(ah->avp_flags & AVP_FLAG_VENDOR)) {
			switch (ah->avp_code) {
			case 263: /* Session-Id */
				n_sid++;
				sid_first = first;
				sid_ok = ah->avp_value && ah->avp_value->os.len == strlen(sid) &&
					 !memcmp(ah->avp_value->os.data, sid, strlen(sid));
				break;
			case 264: /* Origin-Host */
				n_oh++;
				oh_ok = ah->avp_value && ah->avp_value->os.len == strlen(cfg.peer) &&
					!strncasecmp((char *)ah->avp_value->os.data, cfg.peer, strlen(cfg.peer));
				break;
			case 296: /* Origin-Realm */
				n_or++;
				break;
			case 283: /* Destination-Realm */
			case 293: /* Destination-Host */
				n_dest++;
				break;
			case 268: /* Result-Code */
				n_rc++;
				if (ah->avp_value)
					rc = ah->avp_value->u32;
				break;
			case 277: /* Auth-Session-State */
				n_ass++;
				if (ah->avp_value)
					ass = (uint32_t)ah->avp_value->i32;
				break;
			case 297: /* Experimental-Result */
				n_er++;
				if (fd_msg_browse(a, MSG_BRW_FIRST_CHILD, &c, NULL))
					c = NULL;
				while (c) {
					if (fd_msg_avp_hdr(c, &ch))
						break;
					if (!(ch->avp_flags & AVP_FLAG_VENDOR) && ch->avp_value) {
						if (ch->avp_code == 266)
							er_vendor = ch->avp_value->u32;
						else if (ch->avp_code == 298)
							erc = ch->avp_value->u32;
					}
					if (fd_msg_browse(c, MSG_BRW_NEXT, &c, NULL))
						break;
				}
				break;
			default:
				break;
			}
		} else if (ah->avp_vendor == VENDOR_3GPP && ah->avp_code == 1445) {
			n_es++;
			if (ah->avp_value)
				es = ah->avp_value->i32;
			if ((ah->avp_flags & (AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY)) !=
			    (AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY))
				appendf(why, whysz, "; Equipment-Status flags 0x%02x, want V,M (0xc0)", ah->avp_flags);
		}
		if (fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL))
			break;
	}

	if (n_rc)
		appendf(got, gotsz, "Result-Code %u", rc);
	if (n_er)
		appendf(got, gotsz, "%sExperimental-Result {%u, %u}", got[0] ? ", " : "", er_vendor, erc);
	if (n_es)
		appendf(got, gotsz, "%sEquipment-Status %d", got[0] ? ", " : "", es);
	if (!got[0])
		appendf(got, gotsz, "no Result-Code, no Experimental-Result");

	if (h->msg_code != CMD_ECR || h->msg_appl != APP_S13)
		appendf(why, whysz, "; answer is cmd %u app %u", h->msg_code, h->msg_appl);
	if (h->msg_flags & CMD_FLAG_REQUEST)
		appendf(why, whysz, "; R flag set in the answer");
	if (!(h->msg_flags & CMD_FLAG_PROXIABLE))
		appendf(why, whysz, "; P flag clear (the ECR had it)");
	if (h->msg_flags & CMD_FLAG_ERROR)
		appendf(why, whysz, "; E flag set");
	if (n_sid != 1 || !sid_first || !sid_ok)
		appendf(why, whysz, "; Session-Id not echoed as the first AVP (%d found)", n_sid);
	if (n_oh != 1 || !oh_ok)
		appendf(why, whysz, "; Origin-Host is not %s", cfg.peer);
	if (n_or != 1)
		appendf(why, whysz, "; %d Origin-Realm", n_or);
	if (n_dest)
		appendf(why, whysz, "; Destination-Host/-Realm in the answer");
	if (n_ass != 1 || ass != 1)
		appendf(why, whysz, "; Auth-Session-State missing or not NO_STATE_MAINTAINED (1)");
	if (n_rc && n_er)
		appendf(why, whysz, "; both Result-Code and Experimental-Result");
	if (it->expected == 5422) {
		if (n_rc || !n_er || er_vendor != VENDOR_3GPP || erc != 5422 || n_es)
			appendf(why, whysz, "; want Experimental-Result {10415, 5422} only");
	} else {
		if (n_rc != 1 || rc != 2001 || n_er)
			appendf(why, whysz, "; want Result-Code 2001");
		if (n_es != 1 || es != it->expected)
			appendf(why, whysz, "; want Equipment-Status %d", it->expected);
	}
	return why[0] == '\0';
}

static void finish_pending(struct pending *p, int ok, const char *text)
{
	pthread_mutex_lock(&mtx);
	p->ok = ok;
	snprintf(p->text, sizeof(p->text), "%s", text);
	p->finished = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mtx);
}

static void on_answer(void *data, struct msg **msg)
{
	struct pending *p = data;
	char got[256] = "", why[512] = "", text[768];
	int ok = judge(*msg, &cfg.items[p->idx], p->sid, got, sizeof(got), why, sizeof(why));

	snprintf(text, sizeof(text), "%s%s", got, why);
	fd_msg_free(*msg);
	*msg = NULL;
	finish_pending(p, ok, text);
}

static void on_expire(void *data, DiamId_t sentto, size_t senttolen, struct msg **msg)
{
	struct pending *p = data;
	char text[300];

	snprintf(text, sizeof(text), "no answer from %.*s within %d s", (int)senttolen, sentto ? sentto : "?",
		 ANSWER_TIMEOUT_SEC);
	fd_msg_free(*msg);
	*msg = NULL;
	finish_pending(p, 0, text);
}

/* --- the sender thread --- */

static void result_line(int ok, const struct ecr_item *it, const char *text)
{
	char desc[128];

	snprintf(desc, sizeof(desc), "ECR IMEI %s%s%s%s%s want %s%d", it->imei, it->sv[0] ? " SV " : "", it->sv,
		 it->imsi[0] ? " IMSI " : "", it->imsi, it->expected == 5422 ? "Experimental-Result " :
		 "Equipment-Status ", it->expected);
	fprintf(out, "%s - %s: %s\n", ok ? "ok" : "not ok", desc, text);
	fflush(out);
	LOG_N("fd_ecr: %s - %s: %s", ok ? "ok" : "not ok", desc, text);
}

static int peer_open(void)
{
	struct peer_hdr *peer = NULL;

	if (fd_peer_getbyid(cfg.peer, strlen(cfg.peer), 1, &peer) || !peer)
		return 0;
	return fd_peer_get_state(peer) == STATE_OPEN;
}

static void *sender_main(void *arg)
{
	int i, tries;
	struct timespec ts;
	(void)arg;

	fd_core_waitstartcomplete();
	for (tries = 0; !stopping && !peer_open(); tries++) {
		if (tries >= cfg.wait_sec * 10) {
			fprintf(out, "not ok - peer %s did not become OPEN within %d s\n", cfg.peer, cfg.wait_sec);
			fprintf(out, "done 0 0\n");
			fflush(out);
			LOG_E("fd_ecr: peer %s did not become OPEN within %d s", cfg.peer, cfg.wait_sec);
			return NULL;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	}
	if (stopping)
		return NULL;
	LOG_N("fd_ecr: peer %s is OPEN: sending %d ECRs", cfg.peer, cfg.n);
	for (i = 0; i < cfg.n && !stopping; i++) {
		struct pending *p = calloc(1, sizeof(*p));
		struct msg *m = NULL;
		int rc, waited = 0;

		if (!p)
			break;
		p->idx = i;
		n_sent++;
		if (build_ecr(&cfg.items[i], &m, p->sid, sizeof(p->sid))) {
			result_line(0, &cfg.items[i], "could not build the ECR");
			free(p);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ANSWER_TIMEOUT_SEC;
		rc = fd_msg_send_timeout(&m, on_answer, p, on_expire, &ts);
		if (rc) {
			result_line(0, &cfg.items[i], "fd_msg_send_timeout failed");
			if (m)
				fd_msg_free(m);
			free(p);
			continue;
		}
		/* wait for the answer or the expiry (both bounded by ANSWER_TIMEOUT_SEC), and a little more */
		pthread_mutex_lock(&mtx);
		while (!p->finished && waited < 2 * ANSWER_TIMEOUT_SEC + 2 && !stopping) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			if (pthread_cond_timedwait(&cond, &mtx, &ts) == ETIMEDOUT)
				waited++;
		}
		pthread_mutex_unlock(&mtx);
		if (!p->finished) {
			/* the callback may still come: leave p to it (a small leak in a test tool) */
			result_line(0, &cfg.items[i], "neither answer nor expiry in time");
			continue;
		}
		if (p->ok)
			n_ok++;
		result_line(p->ok, &cfg.items[i], p->text);
		free(p);
	}
	fprintf(out, "done %d %d\n", n_sent, n_ok);
	fflush(out);
	LOG_N("fd_ecr: done %d %d", n_sent, n_ok);
	return NULL;
}

static int fd_ecr_init(char *conffile)
{
	CHECK_FCT(parse_conf(conffile));
	CHECK_FCT(dict_init());
	out = fopen(cfg.result, "w");
	if (!out) {
		LOG_E("fd_ecr: cannot write %s: %s", cfg.result, strerror(errno));
		return errno;
	}
	CHECK_POSIX(pthread_create(&sender, NULL, sender_main, NULL));
	sender_started = 1;
	return 0;
}

void fd_ext_fini(void)
{
	if (sender_started) {
		stopping = 1;
		pthread_mutex_lock(&mtx);
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&mtx);
		pthread_join(sender, NULL);
	}
	if (out)
		fclose(out);
	out = NULL;
}

EXTENSION_ENTRY("fd_ecr", fd_ecr_init);
