/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Diameter dictionary: every AVP osmo-eir understands, with its code, vendor, type and the flags it is sent
 * with (RFC 6733 §4.5, TS 29.272 §7.3). The codec and the S13 handler work from this table. */

#include <osmocom/core/utils.h>
#include <osmocom/eir/diameter/msg.h>

#define V3 DIAM_VENDOR_3GPP
#define M DIAM_AVP_M
#define VM (DIAM_AVP_V | DIAM_AVP_M)

const struct diam_avp_def diam_dict[_DA_COUNT] = {
	[DA_USER_NAME] = { 1, 0, DIAM_T_UTF8, M, "User-Name" },
	[DA_PROXY_STATE] = { 33, 0, DIAM_T_OCTETS, M, "Proxy-State" },
	[DA_HOST_IP_ADDRESS] = { 257, 0, DIAM_T_ADDRESS, M, "Host-IP-Address" },
	[DA_AUTH_APP_ID] = { 258, 0, DIAM_T_U32, M, "Auth-Application-Id" },
	[DA_ACCT_APP_ID] = { 259, 0, DIAM_T_U32, M, "Acct-Application-Id" },
	[DA_VSAI] = { 260, 0, DIAM_T_GROUPED, M, "Vendor-Specific-Application-Id" },
	[DA_SESSION_ID] = { 263, 0, DIAM_T_UTF8, M, "Session-Id" },
	[DA_ORIGIN_HOST] = { 264, 0, DIAM_T_IDENT, M, "Origin-Host" },
	[DA_SUPPORTED_VENDOR_ID] = { 265, 0, DIAM_T_U32, M, "Supported-Vendor-Id" },
	[DA_VENDOR_ID] = { 266, 0, DIAM_T_U32, M, "Vendor-Id" },
	[DA_FIRMWARE_REVISION] = { 267, 0, DIAM_T_U32, 0, "Firmware-Revision" },
	[DA_RESULT_CODE] = { 268, 0, DIAM_T_U32, M, "Result-Code" },
	[DA_PRODUCT_NAME] = { 269, 0, DIAM_T_UTF8, 0, "Product-Name" },
	[DA_DISCONNECT_CAUSE] = { 273, 0, DIAM_T_ENUM, M, "Disconnect-Cause" },
	[DA_AUTH_SESSION_STATE] = { 277, 0, DIAM_T_ENUM, M, "Auth-Session-State" },
	[DA_ORIGIN_STATE_ID] = { 278, 0, DIAM_T_U32, M, "Origin-State-Id" },
	[DA_FAILED_AVP] = { 279, 0, DIAM_T_GROUPED, M, "Failed-AVP" },
	[DA_PROXY_HOST] = { 280, 0, DIAM_T_IDENT, M, "Proxy-Host" },
	[DA_ERROR_MESSAGE] = { 281, 0, DIAM_T_UTF8, 0, "Error-Message" },
	[DA_ROUTE_RECORD] = { 282, 0, DIAM_T_IDENT, M, "Route-Record" },
	[DA_DESTINATION_REALM] = { 283, 0, DIAM_T_IDENT, M, "Destination-Realm" },
	[DA_PROXY_INFO] = { 284, 0, DIAM_T_GROUPED, M, "Proxy-Info" },
	[DA_DESTINATION_HOST] = { 293, 0, DIAM_T_IDENT, M, "Destination-Host" },
	[DA_ERROR_REPORTING_HOST] = { 294, 0, DIAM_T_IDENT, 0, "Error-Reporting-Host" },
	[DA_ORIGIN_REALM] = { 296, 0, DIAM_T_IDENT, M, "Origin-Realm" },
	[DA_EXPERIMENTAL_RESULT] = { 297, 0, DIAM_T_GROUPED, M, "Experimental-Result" },
	[DA_EXPERIMENTAL_RESULT_CODE] = { 298, 0, DIAM_T_U32, M, "Experimental-Result-Code" },
	[DA_INBAND_SECURITY_ID] = { 299, 0, DIAM_T_U32, M, "Inband-Security-Id" },
	[DA_DRMP] = { 301, 0, DIAM_T_ENUM, 0, "DRMP" },
	[DA_TERMINAL_INFORMATION] = { 1401, V3, DIAM_T_GROUPED, VM, "Terminal-Information" },
	[DA_IMEI] = { 1402, V3, DIAM_T_UTF8, VM, "IMEI" },
	[DA_SOFTWARE_VERSION] = { 1403, V3, DIAM_T_UTF8, VM, "Software-Version" },
	[DA_3GPP2_MEID] = { 1471, V3, DIAM_T_OCTETS, VM, "3GPP2-MEID" },
	[DA_EQUIPMENT_STATUS] = { 1445, V3, DIAM_T_ENUM, VM, "Equipment-Status" },
	[DA_SUPPORTED_FEATURES] = { 628, V3, DIAM_T_GROUPED, DIAM_AVP_V, "Supported-Features" },
	[DA_FEATURE_LIST_ID] = { 629, V3, DIAM_T_U32, DIAM_AVP_V, "Feature-List-ID" },
	[DA_FEATURE_LIST] = { 630, V3, DIAM_T_U32, DIAM_AVP_V, "Feature-List" },
};

/*! \returns the enum diam_avp_id of (code, vendor), or -1 */
int diam_dict_lookup(uint32_t code, uint32_t vendor)
{
	int lo = 0, hi = _DA_COUNT - 1;
	unsigned i;

	/* codes of vendor 0 are in ascending order up to DRMP: binary search those, scan the few 3GPP ones */
	if (vendor == 0) {
		hi = DA_DRMP;
		while (lo <= hi) {
			int mid = (lo + hi) / 2;

			if (diam_dict[mid].code == code)
				return mid;
			if (diam_dict[mid].code < code)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
		return -1;
	}
	for (i = DA_TERMINAL_INFORMATION; i < _DA_COUNT; i++)
		if (diam_dict[i].code == code && diam_dict[i].vendor == vendor)
			return (int)i;
	return -1;
}
