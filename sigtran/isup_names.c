/* isup_names.c - names of ISUP message types, parameters and causes (Q.763 Tables 4, 5; Q.850) */
#include <stdarg.h>
#include <stdio.h>

#include <osmocom/core/utils.h>

#include "sigtran/isup.h"

static const struct value_string msg_type_names[] = {
	{ ISUP_MSGT_IAM, "IAM" },
	{ ISUP_MSGT_SAM, "SAM" },
	{ ISUP_MSGT_INR, "INR" },
	{ ISUP_MSGT_INF, "INF" },
	{ ISUP_MSGT_COT, "COT" },
	{ ISUP_MSGT_ACM, "ACM" },
	{ ISUP_MSGT_CON, "CON" },
	{ ISUP_MSGT_FOT, "FOT" },
	{ ISUP_MSGT_ANM, "ANM" },
	{ ISUP_MSGT_REL, "REL" },
	{ ISUP_MSGT_SUS, "SUS" },
	{ ISUP_MSGT_RES, "RES" },
	{ ISUP_MSGT_RLC, "RLC" },
	{ ISUP_MSGT_CCR, "CCR" },
	{ ISUP_MSGT_RSC, "RSC" },
	{ ISUP_MSGT_BLO, "BLO" },
	{ ISUP_MSGT_UBL, "UBL" },
	{ ISUP_MSGT_BLA, "BLA" },
	{ ISUP_MSGT_UBA, "UBA" },
	{ ISUP_MSGT_GRS, "GRS" },
	{ ISUP_MSGT_CGB, "CGB" },
	{ ISUP_MSGT_CGU, "CGU" },
	{ ISUP_MSGT_CGBA, "CGBA" },
	{ ISUP_MSGT_CGUA, "CGUA" },
	{ ISUP_MSGT_GRA, "GRA" },
	{ ISUP_MSGT_CPG, "CPG" },
	{ ISUP_MSGT_UCIC, "UCIC" },
	{ ISUP_MSGT_CFN, "CFN" },
	{ ISUP_MSGT_FAC, "FAC" },
	{ ISUP_MSGT_UPT, "UPT" },
	{ ISUP_MSGT_UPA, "UPA" },
	{ ISUP_MSGT_APM, "APM" },
	{ 0, NULL }
};

static const struct value_string param_names[] = {
	{ ISUP_PAR_END_OF_OPTIONAL, "end of optional parameters" },
	{ ISUP_PAR_TRANSMISSION_MEDIUM_REQ, "transmission medium requirement" },
	{ ISUP_PAR_ACCESS_TRANSPORT, "access transport" },
	{ ISUP_PAR_CALLED_PARTY_NUMBER, "called party number" },
	{ ISUP_PAR_SUBSEQUENT_NUMBER, "subsequent number" },
	{ ISUP_PAR_NATURE_OF_CONN_IND, "nature of connection indicators" },
	{ ISUP_PAR_FORWARD_CALL_IND, "forward call indicators" },
	{ ISUP_PAR_CALLING_PARTY_CATEGORY, "calling party's category" },
	{ ISUP_PAR_CALLING_PARTY_NUMBER, "calling party number" },
	{ ISUP_PAR_REDIRECTING_NUMBER, "redirecting number" },
	{ ISUP_PAR_BACKWARD_CALL_IND, "backward call indicators" },
	{ ISUP_PAR_CAUSE_IND, "cause indicators" },
	{ ISUP_PAR_REDIRECTION_INFO, "redirection information" },
	{ ISUP_PAR_CGS_MSG_TYPE, "circuit group supervision message type" },
	{ ISUP_PAR_RANGE_AND_STATUS, "range and status" },
	{ ISUP_PAR_USER_SERVICE_INFO, "user service information" },
	{ ISUP_PAR_CONNECTED_NUMBER, "connected number" },
	{ ISUP_PAR_SUSPEND_RESUME_IND, "suspend/resume indicators" },
	{ ISUP_PAR_EVENT_INFO, "event information" },
	{ ISUP_PAR_AUTO_CONGESTION_LEVEL, "automatic congestion level" },
	{ ISUP_PAR_ORIGINAL_CALLED_NUMBER, "original called number" },
	{ ISUP_PAR_OPT_BACKWARD_CALL_IND, "optional backward call indicators" },
	{ ISUP_PAR_PARAM_COMPAT_INFO, "parameter compatibility information" },
	{ ISUP_PAR_HOP_COUNTER, "hop counter" },
	{ ISUP_PAR_GENERIC_NUMBER, "generic number" },
	{ 0, NULL }
};

/* Q.850 Table 1 */
static const struct value_string cause_names[] = {
	{ 1, "Unallocated (unassigned) number" },
	{ 2, "No route to specified transit network" },
	{ 3, "No route to destination" },
	{ 4, "Send special information tone" },
	{ 5, "Misdialled trunk prefix" },
	{ 6, "Channel unacceptable" },
	{ 7, "Call awarded and being delivered in an established channel" },
	{ 8, "Preemption" },
	{ 9, "Preemption - circuit reserved for reuse" },
	{ 14, "QoR: ported number" },
	{ 16, "Normal call clearing" },
	{ 17, "User busy" },
	{ 18, "No user responding" },
	{ 19, "No answer from user (user alerted)" },
	{ 20, "Subscriber absent" },
	{ 21, "Call rejected" },
	{ 22, "Number changed" },
	{ 23, "Redirection to new destination" },
	{ 25, "Exchange routing error" },
	{ 26, "Non-selected user clearing" },
	{ 27, "Destination out of order" },
	{ 28, "Invalid number format (address incomplete)" },
	{ 29, "Facility rejected" },
	{ 30, "Response to STATUS ENQUIRY" },
	{ 31, "Normal, unspecified" },
	{ 34, "No circuit/channel available" },
	{ 38, "Network out of order" },
	{ 39, "Permanent frame mode connection out of service" },
	{ 40, "Permanent frame mode connection operational" },
	{ 41, "Temporary failure" },
	{ 42, "Switching equipment congestion" },
	{ 43, "Access information discarded" },
	{ 44, "Requested circuit/channel not available" },
	{ 46, "Precedence call blocked" },
	{ 47, "Resource unavailable, unspecified" },
	{ 49, "Quality of service not available" },
	{ 50, "Requested facility not subscribed" },
	{ 53, "Outgoing calls barred within CUG" },
	{ 55, "Incoming calls barred within CUG" },
	{ 57, "Bearer capability not authorized" },
	{ 58, "Bearer capability not presently available" },
	{ 62, "Inconsistency in designated outgoing access information and subscriber class" },
	{ 63, "Service or option not available, unspecified" },
	{ 65, "Bearer capability not implemented" },
	{ 66, "Channel type not implemented" },
	{ 69, "Requested facility not implemented" },
	{ 70, "Only restricted digital information bearer capability is available" },
	{ 79, "Service or option not implemented, unspecified" },
	{ 81, "Invalid call reference value" },
	{ 82, "Identified channel does not exist" },
	{ 83, "A suspended call exists, but this call identity does not" },
	{ 84, "Call identity in use" },
	{ 85, "No call suspended" },
	{ 86, "Call having the requested call identity has been cleared" },
	{ 87, "User not member of CUG" },
	{ 88, "Incompatible destination" },
	{ 90, "Non-existent CUG" },
	{ 91, "Invalid transit network selection" },
	{ 95, "Invalid message, unspecified" },
	{ 96, "Mandatory information element is missing" },
	{ 97, "Message type non-existent or not implemented" },
	{ 98, "Message not compatible with call state or message type non-existent or not implemented" },
	{ 99, "Information element/parameter non-existent or not implemented" },
	{ 100, "Invalid information element contents" },
	{ 101, "Message not compatible with call state" },
	{ 102, "Recovery on timer expiry" },
	{ 103, "Parameter non-existent or not implemented, passed on" },
	{ 110, "Message with unrecognized parameter, discarded" },
	{ 111, "Protocol error, unspecified" },
	{ 127, "Interworking, unspecified" },
	{ 0, NULL }
};

/* Q.850 2.2.5 */
static const struct value_string cause_loc_names[] = {
	{ ISUP_LOC_USER, "U" },
	{ ISUP_LOC_PRIV_LOCAL, "LPN" },
	{ ISUP_LOC_PUB_LOCAL, "LN" },
	{ ISUP_LOC_TRANSIT, "TN" },
	{ ISUP_LOC_PUB_REMOTE, "RLN" },
	{ ISUP_LOC_PRIV_REMOTE, "RPN" },
	{ ISUP_LOC_INTERNATIONAL, "INTL" },
	{ ISUP_LOC_BEYOND_IWP, "BI" },
	{ 0, NULL }
};

static const struct value_string event_names[] = {
	{ ISUP_EVENT_ALERTING, "alerting" },
	{ ISUP_EVENT_PROGRESS, "progress" },
	{ ISUP_EVENT_INBAND, "in-band information available" },
	{ ISUP_EVENT_FWD_ON_BUSY, "call forwarded on busy" },
	{ ISUP_EVENT_FWD_ON_NO_REPLY, "call forwarded on no reply" },
	{ ISUP_EVENT_FWD_UNCONDITIONAL, "call forwarded unconditional" },
	{ 0, NULL }
};

static const struct value_string unrec_action_names[] = {
	{ ISUP_UNREC_PASS_ON, "pass on" },
	{ ISUP_UNREC_DISCARD_PARAM, "discard parameter" },
	{ ISUP_UNREC_DISCARD_MSG, "discard message" },
	{ ISUP_UNREC_RELEASE_CALL, "release call" },
	{ 0, NULL }
};

const char *isup_msg_type_name(uint8_t type)
{
	return get_value_string(msg_type_names, type);
}

/* A constant string even for unknown codes: struct isup_err keeps it. */
const char *isup_param_name(uint8_t code)
{
	const char *name = get_value_string_or_null(param_names, code);

	return name ? name : "unrecognised parameter";
}

const char *isup_cause_name(uint8_t cause)
{
	return get_value_string(cause_names, cause);
}

const char *isup_cause_loc_name(uint8_t loc)
{
	return get_value_string(cause_loc_names, loc);
}

const char *isup_event_name(uint8_t event)
{
	return get_value_string(event_names, event);
}

const char *isup_unrec_action_name(enum isup_unrec_action a)
{
	return get_value_string(unrec_action_names, a);
}

struct strbuf {
	char *buf;
	size_t size, len;
};

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->len >= sb->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += n;
}

static void sb_number(struct strbuf *sb, const char *what, const struct isup_number *n,
		      bool with_pres)
{
	sb_printf(sb, " %s=%s(nai=%u", what, n->digits, n->nai);
	if (with_pres)
		sb_printf(sb, ",pres=%u", n->pres);
	sb_printf(sb, ")");
}

char *isup_msg_str(char *buf, size_t size, const struct isup_msg *m)
{
	struct strbuf sb = { buf, size, 0 };

	if (!size)
		return buf;
	buf[0] = '\0';
	sb_printf(&sb, "%s cic=%u", isup_msg_type_name(m->type), m->cic);
	if (!isup_msg_type_known(m->type)) {
		sb_printf(&sb, " raw=%zu octets", m->raw_len);
		return buf;
	}
	if (ISUP_HAS(m, ISUP_P_CALLED))
		sb_number(&sb, "called", &m->called, false);
	if (ISUP_HAS(m, ISUP_P_SUBSEQUENT))
		sb_printf(&sb, " subsequent=%s", m->subsequent.digits);
	if (ISUP_HAS(m, ISUP_P_CALLING))
		sb_number(&sb, "calling", &m->calling, true);
	if (ISUP_HAS(m, ISUP_P_CPC))
		sb_printf(&sb, " cpc=%u", m->cpc);
	if (ISUP_HAS(m, ISUP_P_CONNECTED))
		sb_number(&sb, "connected", &m->connected, true);
	if (ISUP_HAS(m, ISUP_P_BCI))
		sb_printf(&sb, " bci(charge=%u,status=%u)", m->bci.charge, m->bci.called_status);
	if (ISUP_HAS(m, ISUP_P_EVENT))
		sb_printf(&sb, " event=%s", isup_event_name(m->event.event));
	if (ISUP_HAS(m, ISUP_P_CAUSE))
		sb_printf(&sb, " cause=%u(%s) loc=%s", m->cause.value, isup_cause_name(m->cause.value),
			  isup_cause_loc_name(m->cause.location));
	if (ISUP_HAS(m, ISUP_P_CGSMT))
		sb_printf(&sb, " cgsmt=%u", m->cgsmt & 3);
	if (ISUP_HAS(m, ISUP_P_RANGE_STATUS)) {
		sb_printf(&sb, " range=%u", m->rs.range);
		if (m->rs.has_status)
			sb_printf(&sb, " status=0x%08x", m->rs.status);
	}
	if (m->n_unknown)
		sb_printf(&sb, " unrecognised=%u", m->n_unknown);
	return buf;
}
