/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* fd_responder: a freeDiameter extension that answers every S13 ME-Identity-Check-Request (ECR, command 324,
 * application 16777252, vendor 10415) with an ECA carrying Result-Code 2001 (DIAMETER_SUCCESS) and
 * Equipment-Status 0 (WHITELISTED), without looking anything up. It is the reference osmo-eir is compared
 * against in the S13 benchmark (contrib/bench/run-s13-bench.sh, through contrib/bench/fd-responder.sh): what a
 * freeDiameter-based EIR costs for the Diameter part alone.
 *
 * Build: gcc -O2 -shared -fPIC -o fd_responder.fdx fd_responder.c -lfdcore -lfdproto -lpthread
 * Load after dict_nasreq, dict_dcca and dict_dcca_3gpp (Terminal-Information, IMEI, Software-Version,
 * Equipment-Status); the S13 application and command 324 are added to the dictionary here when missing, with
 * the TS 29.272 grammar, so freeDiameter checks each ECR as a real S13 server would. No configuration file.
 */

#include <freeDiameter/extension.h>

#include <errno.h>

#define VENDOR_3GPP 10415
#define APP_S13 16777252
#define CMD_ECR 324

static struct dict_object *d_vendor, *d_app, *d_ecr, *d_eca;
static struct dict_object *a_auth_session_state, *a_eq_status;
static struct disp_hdl *hdl;

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
	LOG_N("fd_responder: the dictionary has no %s (%u, vendor %u): adding it", name, code, VENDOR_3GPP);
	if (type_name)
		CHECK_FCT(fd_dict_search(dict, DICT_TYPE, TYPE_BY_NAME, type_name, &type, ENOENT));
	CHECK_FCT(fd_dict_new(dict, DICT_AVP, &data, type, obj));
	return 0;
}

static int rule(struct dict_object *parent, const char *name, struct dict_object *avp, enum rule_position pos,
		int max)
{
	struct dict_rule_data r = {
		.rule_avp = avp, .rule_position = pos, .rule_order = pos == RULE_FIXED_HEAD ? 1 : 0,
		.rule_min = -1, .rule_max = max,
	};

	if (!r.rule_avp)
		CHECK_FCT(find_avp(name, &r.rule_avp));
	return fd_dict_new(fd_g_config->cnf_dict, DICT_RULE, &r, parent, NULL);
}

static int dict_init(void)
{
	struct dictionary *dict = fd_g_config->cnf_dict;
	vendor_id_t vid = VENDOR_3GPP;
	application_id_t aid = APP_S13;
	command_code_t code = CMD_ECR;
	struct dict_vendor_data vdata = { .vendor_id = VENDOR_3GPP, .vendor_name = "3GPP" };
	struct dict_application_data adata = { .application_id = APP_S13, .application_name = "3GPP S13/S13'" };
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
	struct dict_object *term_info, *imei, *sv;

	CHECK_FCT(fd_dict_search(dict, DICT_VENDOR, VENDOR_BY_ID, &vid, &d_vendor, 0));
	if (!d_vendor)
		CHECK_FCT(fd_dict_new(dict, DICT_VENDOR, &vdata, NULL, &d_vendor));
	CHECK_FCT(fd_dict_search(dict, DICT_APPLICATION, APPLICATION_BY_ID, &aid, &d_app, 0));
	if (!d_app)
		CHECK_FCT(fd_dict_new(dict, DICT_APPLICATION, &adata, d_vendor, &d_app));
	CHECK_FCT(find_avp("Auth-Session-State", &a_auth_session_state));
	CHECK_FCT(find_or_add_3gpp_avp(1401, "Terminal-Information", AVP_TYPE_GROUPED, NULL, &term_info));
	CHECK_FCT(find_or_add_3gpp_avp(1402, "IMEI", AVP_TYPE_OCTETSTRING, "UTF8String", &imei));
	CHECK_FCT(find_or_add_3gpp_avp(1403, "Software-Version", AVP_TYPE_OCTETSTRING, "UTF8String", &sv));
	CHECK_FCT(find_or_add_3gpp_avp(1445, "Equipment-Status", AVP_TYPE_INTEGER32, NULL, &a_eq_status));

	CHECK_FCT(fd_dict_search(dict, DICT_COMMAND, CMD_BY_CODE_R, &code, &d_ecr, 0));
	if (d_ecr)
		return fd_dict_search(dict, DICT_COMMAND, CMD_ANSWER, d_ecr, &d_eca, ENOENT);
	LOG_N("fd_responder: the dictionary has no command %u: adding ME-Identity-Check-Request/Answer", CMD_ECR);
	/* TS 29.272 §7.2.19 */
	CHECK_FCT(fd_dict_new(dict, DICT_COMMAND, &ecr, d_app, &d_ecr));
	CHECK_FCT(rule(d_ecr, "Session-Id", NULL, RULE_FIXED_HEAD, 1));
	CHECK_FCT(rule(d_ecr, "Vendor-Specific-Application-Id", NULL, RULE_OPTIONAL, 1));
	CHECK_FCT(rule(d_ecr, "Auth-Session-State", NULL, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_ecr, "Origin-Host", NULL, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_ecr, "Origin-Realm", NULL, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_ecr, "Destination-Host", NULL, RULE_OPTIONAL, 1));
	CHECK_FCT(rule(d_ecr, "Destination-Realm", NULL, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_ecr, NULL, term_info, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_ecr, "User-Name", NULL, RULE_OPTIONAL, 1));
	CHECK_FCT(rule(d_ecr, "Proxy-Info", NULL, RULE_OPTIONAL, -1));
	CHECK_FCT(rule(d_ecr, "Route-Record", NULL, RULE_OPTIONAL, -1));
	/* TS 29.272 §7.2.20 */
	CHECK_FCT(fd_dict_new(dict, DICT_COMMAND, &eca, d_app, &d_eca));
	CHECK_FCT(rule(d_eca, "Session-Id", NULL, RULE_FIXED_HEAD, 1));
	CHECK_FCT(rule(d_eca, "Vendor-Specific-Application-Id", NULL, RULE_OPTIONAL, 1));
	CHECK_FCT(rule(d_eca, "Result-Code", NULL, RULE_OPTIONAL, 1));
	CHECK_FCT(rule(d_eca, "Experimental-Result", NULL, RULE_OPTIONAL, 1));
	CHECK_FCT(rule(d_eca, "Auth-Session-State", NULL, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_eca, "Origin-Host", NULL, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_eca, "Origin-Realm", NULL, RULE_REQUIRED, 1));
	CHECK_FCT(rule(d_eca, NULL, a_eq_status, RULE_OPTIONAL, 1));
	CHECK_FCT(rule(d_eca, "Failed-AVP", NULL, RULE_OPTIONAL, -1));
	CHECK_FCT(rule(d_eca, "Proxy-Info", NULL, RULE_OPTIONAL, -1));
	CHECK_FCT(rule(d_eca, "Route-Record", NULL, RULE_OPTIONAL, -1));
	return 0;
}

static int add_i32(struct msg *m, struct dict_object *model, int32_t v)
{
	struct avp *a;
	union avp_value val = { .i32 = v };

	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT(fd_msg_avp_setvalue(a, &val));
	CHECK_FCT(fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, a));
	return 0;
}

/* ECR in, ECA out: Session-Id (copied by freeDiameter), Auth-Session-State NO_STATE_MAINTAINED, Result-Code
 * DIAMETER_SUCCESS, Origin-Host, Origin-Realm, Equipment-Status WHITELISTED */
static int ecr_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque, enum disp_action *act)
{
	struct msg *ans;
	(void)avp;
	(void)sess;
	(void)opaque;

	if (!msg || !*msg)
		return EINVAL;
	CHECK_FCT(fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0));
	ans = *msg;
	CHECK_FCT(add_i32(ans, a_auth_session_state, 1));
	CHECK_FCT(fd_msg_rescode_set(ans, "DIAMETER_SUCCESS", NULL, NULL, 1));
	CHECK_FCT(add_i32(ans, a_eq_status, 0));
	*act = DISP_ACT_SEND;
	return 0;
}

static int fd_responder_init(char *conffile)
{
	struct disp_when when = { 0 };
	(void)conffile;

	CHECK_FCT(dict_init());
	when.app = d_app;
	when.command = d_ecr;
	CHECK_FCT(fd_disp_register(ecr_cb, DISP_HOW_CC, &when, NULL, &hdl));
	/* advertise Vendor-Specific-Application-Id {10415, 16777252} in the CEA */
	CHECK_FCT(fd_disp_app_support(d_app, d_vendor, 1, 0));
	LOG_N("fd_responder: answering every ECR with Result-Code 2001, Equipment-Status 0 (WHITELISTED)");
	return 0;
}

void fd_ext_fini(void)
{
	if (hdl)
		fd_disp_unregister(&hdl, NULL);
}

EXTENSION_ENTRY("fd_responder", fd_responder_init);
