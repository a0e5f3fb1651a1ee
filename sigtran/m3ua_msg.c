/* m3ua_msg.c - M3UA message codec: header, parameters, per-message rules (RFC 4666 section 3) */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <osmocom/core/msgb.h>
#include <osmocom/core/utils.h>

#include "sigtran/m3ua.h"
#include "sigtran/mtp_user.h"

#define PDATA_FIXED_LEN	12	/* OPC, DPC, SI, NI, MP, SLS (RFC 4666 3.3.1) */

/* Parameters we know, as bit positions for the per-message rules below. */
enum pbit {
	P_INFO, P_RC, P_DIAG, P_HBDATA, P_TMT, P_ERRC, P_STATUS, P_ASPID, P_APC, P_CORR,
	P_NA, P_UCAUSE, P_CONG, P_CDEST, P_RKEY, P_REGRES, P_DEREGRES, P_LRKID, P_DPC,
	P_SI, P_OPCL, P_PDATA, P_REGST, P_DEREGST,
	_NUM_PBIT
};
#define B(x)	(1u << (x))

/* Value-length rules per tag (RFC 4666 3.2, 3.3, 3.4, 3.6). multiple 0: any length in range. */
struct param_rule {
	uint16_t tag;
	uint16_t min, max, multiple;
	bool may_repeat;
	const char *name;
};

static const struct param_rule param_rules[_NUM_PBIT] = {
	[P_INFO]	= { M3UA_IEI_INFO_STRING, 1, 255, 0, false, "INFO String" },
	[P_RC]		= { M3UA_IEI_ROUTE_CTX, 4, 4 * 64, 4, false, "Routing Context" },
	[P_DIAG]	= { M3UA_IEI_DIAG_INFO, 0, M3UA_MAX_BODY, 0, false, "Diagnostic Information" },
	[P_HBDATA]	= { M3UA_IEI_HEARTBT_DATA, 0, M3UA_MAX_BODY, 0, false, "Heartbeat Data" },
	[P_TMT]		= { M3UA_IEI_TRAF_MODE_TYPE, 4, 4, 4, false, "Traffic Mode Type" },
	[P_ERRC]	= { M3UA_IEI_ERR_CODE, 4, 4, 4, false, "Error Code" },
	[P_STATUS]	= { M3UA_IEI_STATUS, 4, 4, 4, false, "Status" },
	[P_ASPID]	= { M3UA_IEI_ASP_ID, 4, 4, 4, false, "ASP Identifier" },
	[P_APC]		= { M3UA_IEI_AFFECTED_PC, 4, 4 * 64, 4, false, "Affected Point Code" },
	[P_CORR]	= { M3UA_IEI_CORR_ID, 4, 4, 4, false, "Correlation ID" },
	[P_NA]		= { M3UA_IEI_NET_APPEAR, 4, 4, 4, false, "Network Appearance" },
	[P_UCAUSE]	= { M3UA_IEI_USER_CAUSE, 4, 4, 4, false, "User/Cause" },
	[P_CONG]	= { M3UA_IEI_CONG_IND, 4, 4, 4, false, "Congestion Indications" },
	[P_CDEST]	= { M3UA_IEI_CONC_DEST, 4, 4, 4, false, "Concerned Destination" },
	[P_RKEY]	= { M3UA_IEI_ROUT_KEY, 8, M3UA_MAX_BODY, 0, true, "Routing Key" },
	[P_REGRES]	= { M3UA_IEI_REG_RESULT, 8, M3UA_MAX_BODY, 0, true, "Registration Result" },
	[P_DEREGRES]	= { M3UA_IEI_DEREG_RESULT, 8, M3UA_MAX_BODY, 0, true, "Deregistration Result" },
	[P_LRKID]	= { M3UA_IEI_LOC_RKEY_ID, 4, 4, 4, false, "Local Routing Key Identifier" },
	[P_DPC]		= { M3UA_IEI_DEST_PC, 4, 4, 4, false, "Destination Point Code" },
	[P_SI]		= { M3UA_IEI_SVC_IND, 1, 64, 0, false, "Service Indicators" },
	[P_OPCL]	= { M3UA_IEI_ORIG_PC_LIST, 4, 4 * 64, 4, false, "Originating Point Code List" },
	[P_PDATA]	= { M3UA_IEI_PROT_DATA, PDATA_FIXED_LEN, M3UA_MAX_BODY, 0, false, "Protocol Data" },
	[P_REGST]	= { M3UA_IEI_REG_STATUS, 4, 4, 4, false, "Registration Status" },
	[P_DEREGST]	= { M3UA_IEI_DEREG_STATUS, 4, 4, 4, false, "Deregistration Status" },
};

/* Which parameters a message carries (RFC 4666 3.3 - 3.8): mandatory ones and all allowed ones.
 * Conditional parameters are allowed, not mandatory; the ASP/SG logic checks them in context. */
struct msg_rule {
	bool known;
	const char *name;
	uint32_t mandatory, allowed;
};

#define MSG(n, m, o)	{ true, n, (m), (m) | (o) }
#define SSNM_OPT	(B(P_NA) | B(P_RC) | B(P_INFO))

static const struct msg_rule mgmt_rules[] = {
	[M3UA_MGMT_ERR]	= MSG("ERR", B(P_ERRC), B(P_RC) | B(P_NA) | B(P_APC) | B(P_DIAG)),
	[M3UA_MGMT_NTFY] = MSG("NTFY", B(P_STATUS), B(P_ASPID) | B(P_RC) | B(P_INFO)),
};
static const struct msg_rule xfer_rules[] = {
	[M3UA_XFER_DATA] = MSG("DATA", B(P_PDATA), B(P_NA) | B(P_RC) | B(P_CORR)),
};
static const struct msg_rule ssnm_rules[] = {
	[M3UA_SSNM_DUNA] = MSG("DUNA", B(P_APC), SSNM_OPT),
	[M3UA_SSNM_DAVA] = MSG("DAVA", B(P_APC), SSNM_OPT),
	[M3UA_SSNM_DAUD] = MSG("DAUD", B(P_APC), SSNM_OPT),
	[M3UA_SSNM_SCON] = MSG("SCON", B(P_APC), SSNM_OPT | B(P_CDEST) | B(P_CONG)),
	[M3UA_SSNM_DUPU] = MSG("DUPU", B(P_APC) | B(P_UCAUSE), SSNM_OPT),
	[M3UA_SSNM_DRST] = MSG("DRST", B(P_APC), SSNM_OPT),
};
static const struct msg_rule aspsm_rules[] = {
	[M3UA_ASPSM_UP]		= MSG("ASPUP", 0, B(P_ASPID) | B(P_INFO)),
	[M3UA_ASPSM_DOWN]	= MSG("ASPDN", 0, B(P_INFO)),
	[M3UA_ASPSM_BEAT]	= MSG("BEAT", 0, B(P_HBDATA)),
	[M3UA_ASPSM_UP_ACK]	= MSG("ASPUP_ACK", 0, B(P_ASPID) | B(P_INFO)),
	[M3UA_ASPSM_DOWN_ACK]	= MSG("ASPDN_ACK", 0, B(P_INFO)),
	[M3UA_ASPSM_BEAT_ACK]	= MSG("BEAT_ACK", 0, B(P_HBDATA)),
};
static const struct msg_rule asptm_rules[] = {
	[M3UA_ASPTM_ACTIVE]	  = MSG("ASPAC", 0, B(P_TMT) | B(P_RC) | B(P_INFO)),
	[M3UA_ASPTM_INACTIVE]	  = MSG("ASPIA", 0, B(P_RC) | B(P_INFO)),
	[M3UA_ASPTM_ACTIVE_ACK]	  = MSG("ASPAC_ACK", 0, B(P_TMT) | B(P_RC) | B(P_INFO)),
	[M3UA_ASPTM_INACTIVE_ACK] = MSG("ASPIA_ACK", 0, B(P_RC) | B(P_INFO)),
};
static const struct msg_rule rkm_rules[] = {
	[M3UA_RKM_REG_REQ]	= MSG("REG_REQ", B(P_RKEY), 0),
	[M3UA_RKM_REG_RSP]	= MSG("REG_RSP", B(P_REGRES), 0),
	[M3UA_RKM_DEREG_REQ]	= MSG("DEREG_REQ", B(P_RC), 0),
	[M3UA_RKM_DEREG_RSP]	= MSG("DEREG_RSP", B(P_DEREGRES), 0),
};

struct class_rule {
	const struct msg_rule *types;
	unsigned num_types;
};

#define CLS(t)	{ t, ARRAY_SIZE(t) }
static const struct class_rule class_rules[] = {
	[M3UA_CLS_MGMT]		= CLS(mgmt_rules),
	[M3UA_CLS_XFER]		= CLS(xfer_rules),
	[M3UA_CLS_SSNM]		= CLS(ssnm_rules),
	[M3UA_CLS_ASPSM]	= CLS(aspsm_rules),
	[M3UA_CLS_ASPTM]	= CLS(asptm_rules),
	[M3UA_CLS_RKM]		= CLS(rkm_rules),
};

/* Nested parameters of the RKM container parameters (RFC 4666 3.6.1 - 3.6.4). */
static const struct msg_rule nested_rules[_NUM_PBIT] = {
	[P_RKEY]	= MSG("Routing Key", B(P_LRKID) | B(P_DPC),
			      B(P_RC) | B(P_TMT) | B(P_NA) | B(P_SI) | B(P_OPCL)),
	[P_REGRES]	= MSG("Registration Result", B(P_LRKID) | B(P_REGST) | B(P_RC), 0),
	[P_DEREGRES]	= MSG("Deregistration Result", B(P_RC) | B(P_DEREGST), 0),
};

static inline uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint16_t rd16(const uint8_t *p)
{
	return ((uint16_t)p[0] << 8) | p[1];
}

static int fail(struct m3ua_decode_err *err, enum m3ua_err_code code, const char *what,
		uint16_t tag, uint32_t offset)
{
	err->code = code;
	err->what = what;
	err->tag = tag;
	err->offset = offset;
	return -EBADMSG;
}

static const struct msg_rule *msg_rule(uint8_t cls, uint8_t type)
{
	if (cls >= ARRAY_SIZE(class_rules) || !class_rules[cls].types)
		return NULL;
	if (type >= class_rules[cls].num_types || !class_rules[cls].types[type].known)
		return NULL;
	return &class_rules[cls].types[type];
}

static int pbit_of(uint16_t tag)
{
	unsigned i;

	for (i = 0; i < _NUM_PBIT; i++)
		if (param_rules[i].tag == tag)
			return i;
	return -1;
}

/* Value checks beyond length, where RFC 4666 defines the allowed values. */
static int check_value(int pb, const uint8_t *v, uint16_t len, struct m3ua_decode_err *err, uint32_t off)
{
	uint32_t x;

	switch (pb) {
	case P_TMT:
		x = rd32(v);
		if (x < M3UA_TMT_OVERRIDE || x > M3UA_TMT_BROADCAST)
			return fail(err, M3UA_ERR_UNSUPP_TRAF_MOD_TYP, "Traffic Mode Type value", M3UA_IEI_TRAF_MODE_TYPE, off);
		break;
	case P_STATUS:
		x = rd16(v);
		if ((x == M3UA_NTFY_T_STATCHG && (rd16(v + 2) < M3UA_NTFY_I_AS_INACT || rd16(v + 2) > M3UA_NTFY_I_AS_PEND))
		    || (x == M3UA_NTFY_T_OTHER && (rd16(v + 2) < 1 || rd16(v + 2) > 3))
		    || (x != M3UA_NTFY_T_STATCHG && x != M3UA_NTFY_T_OTHER))
			return fail(err, M3UA_ERR_INVAL_PARAM_VAL, "Status type/info", M3UA_IEI_STATUS, off);
		break;
	case P_UCAUSE:
		if (rd16(v) > M3UA_UPU_INACCESSIBLE || rd16(v + 2) > 15)
			return fail(err, M3UA_ERR_INVAL_PARAM_VAL, "User/Cause value", M3UA_IEI_USER_CAUSE, off);
		break;
	case P_CONG:
		if (v[3] > 3)
			return fail(err, M3UA_ERR_INVAL_PARAM_VAL, "Congestion level", M3UA_IEI_CONG_IND, off);
		break;
	case P_PDATA:
		/* SI is 4 bits and NI 2 bits in the MTP3 SIO (Q.704 14.2) */
		if (v[8] > 15)
			return fail(err, M3UA_ERR_INVAL_PARAM_VAL, "Protocol Data SI", M3UA_IEI_PROT_DATA, off);
		if (v[9] > 3)
			return fail(err, M3UA_ERR_INVAL_PARAM_VAL, "Protocol Data NI", M3UA_IEI_PROT_DATA, off);
		break;
	default:
		break;
	}
	(void)len;
	return 0;
}

static int decode_params(struct m3ua_msg *msg, const uint8_t *buf, size_t len, uint32_t base,
			 const struct msg_rule *rule, int depth, struct m3ua_decode_err *err);

/* Walk the TLVs of buf. msg may be NULL for nested containers (validated, not stored). */
static int decode_params(struct m3ua_msg *msg, const uint8_t *buf, size_t len, uint32_t base,
			 const struct msg_rule *rule, int depth, struct m3ua_decode_err *err)
{
	uint32_t seen = 0;
	size_t pos = 0;
	unsigned i;
	int rc;

	while (pos < len) {
		uint16_t tag, plen, vlen;
		size_t padded;
		int pb;

		if (len - pos < 4)
			return fail(err, M3UA_ERR_PARAM_FIELD_ERR, "truncated parameter header", 0, base + pos);
		tag = rd16(buf + pos);
		plen = rd16(buf + pos + 2);
		if (plen < 4 || plen > len - pos)
			return fail(err, M3UA_ERR_PARAM_FIELD_ERR, "parameter length beyond message", tag, base + pos);
		vlen = plen - 4;
		/* RFC 4666 3.2: padding to 4 octets; tolerate its absence on the last parameter only */
		padded = (plen + 3u) & ~3u;
		if (padded > len - pos) {
			if (pos + plen != len)
				return fail(err, M3UA_ERR_PARAM_FIELD_ERR, "parameter padding", tag, base + pos);
			padded = plen;
		}
		pb = pbit_of(tag);
		if (pb < 0) {
			/* Unknown parameter: skipped (RFC 4666 3.2 leaves room for extensions). */
			pos += padded;
			continue;
		}
		if (!(rule->allowed & B(pb)))
			return fail(err, M3UA_ERR_UNEXP_PARAM, "parameter not allowed in this message", tag, base + pos);
		if ((seen & B(pb)) && !param_rules[pb].may_repeat)
			return fail(err, M3UA_ERR_UNEXP_PARAM, "repeated parameter", tag, base + pos);
		if (vlen < param_rules[pb].min || vlen > param_rules[pb].max
		    || (param_rules[pb].multiple && vlen % param_rules[pb].multiple))
			return fail(err, M3UA_ERR_PARAM_FIELD_ERR, param_rules[pb].name, tag, base + pos);
		rc = check_value(pb, buf + pos + 4, vlen, err, base + pos);
		if (rc < 0)
			return rc;
		if (nested_rules[pb].known) {
			if (depth > 0)
				return fail(err, M3UA_ERR_PARAM_FIELD_ERR, "nested container", tag, base + pos);
			rc = decode_params(NULL, buf + pos + 4, vlen, base + pos + 4, &nested_rules[pb], depth + 1, err);
			if (rc < 0)
				return rc;
		}
		seen |= B(pb);
		if (msg) {
			if (msg->num_params >= M3UA_MAX_PARAMS)
				return fail(err, M3UA_ERR_PROTOCOL_ERR, "too many parameters", tag, base + pos);
			msg->params[msg->num_params++] = (struct m3ua_param){
				.tag = tag, .len = vlen, .val = buf + pos + 4,
			};
		}
		pos += padded;
	}

	for (i = 0; i < _NUM_PBIT; i++) {
		if ((rule->mandatory & B(i)) && !(seen & B(i)))
			return fail(err, M3UA_ERR_MISSING_PARAM, param_rules[i].name, param_rules[i].tag, base);
	}
	return 0;
}

int m3ua_hdr_check(const uint8_t *hdr, size_t max_len, struct m3ua_decode_err *err)
{
	uint32_t len;

	if (hdr[0] != M3UA_VERSION)
		return fail(err, M3UA_ERR_INVAL_VERSION, "version", 0, 0);
	len = rd32(hdr + 4);
	if (len < M3UA_HDR_LEN)
		return fail(err, M3UA_ERR_PROTOCOL_ERR, "message length below header", 0, 4);
	if (len > max_len || len > M3UA_MAX_MSG)
		return fail(err, M3UA_ERR_PROTOCOL_ERR, "message length above maximum", 0, 4);
	return len;
}

int m3ua_decode(struct m3ua_msg *msg, const uint8_t *buf, size_t len, struct m3ua_decode_err *err)
{
	const struct msg_rule *rule;
	int rc;

	memset(msg, 0, sizeof(*msg));
	memset(err, 0, sizeof(*err));
	if (len < M3UA_HDR_LEN)
		return fail(err, M3UA_ERR_PROTOCOL_ERR, "message shorter than header", 0, 0);
	rc = m3ua_hdr_check(buf, len, err);
	if (rc < 0)
		return rc;
	if ((size_t)rc != len)
		return fail(err, M3UA_ERR_PROTOCOL_ERR, "message length differs from received length", 0, 4);
	msg->version = buf[0];
	msg->msg_class = buf[2];
	msg->msg_type = buf[3];
	msg->len = rc;

	if (msg->msg_class >= ARRAY_SIZE(class_rules) || !class_rules[msg->msg_class].types)
		return fail(err, M3UA_ERR_UNSUPP_MSG_CLASS, "message class", 0, 2);
	rule = msg_rule(msg->msg_class, msg->msg_type);
	if (!rule)
		return fail(err, M3UA_ERR_UNSUPP_MSG_TYPE, "message type", 0, 3);
	return decode_params(msg, buf + M3UA_HDR_LEN, len - M3UA_HDR_LEN, M3UA_HDR_LEN, rule, 0, err);
}

const struct m3ua_param *m3ua_msg_find(const struct m3ua_msg *msg, uint16_t tag)
{
	unsigned i;

	for (i = 0; i < msg->num_params; i++)
		if (msg->params[i].tag == tag)
			return &msg->params[i];
	return NULL;
}

int m3ua_msg_get_u32(const struct m3ua_msg *msg, uint16_t tag, uint32_t *val)
{
	const struct m3ua_param *p = m3ua_msg_find(msg, tag);

	if (!p || p->len < 4)
		return -ENOENT;
	*val = rd32(p->val);
	return 0;
}

int m3ua_msg_get_pdata(const struct m3ua_msg *msg, struct mtp_transfer *xfer)
{
	const struct m3ua_param *p = m3ua_msg_find(msg, M3UA_IEI_PROT_DATA);

	if (!p || p->len < PDATA_FIXED_LEN)
		return -ENOENT;
	xfer->opc = rd32(p->val);
	xfer->dpc = rd32(p->val + 4);
	xfer->si = p->val[8];
	xfer->ni = p->val[9];
	xfer->mp = p->val[10];
	xfer->sls = p->val[11];
	xfer->data = p->val + PDATA_FIXED_LEN;
	xfer->len = p->len - PDATA_FIXED_LEN;
	return 0;
}

int m3ua_msg_get_apc(const struct m3ua_msg *msg, uint32_t *out, unsigned max)
{
	const struct m3ua_param *p = m3ua_msg_find(msg, M3UA_IEI_AFFECTED_PC);
	unsigned i, n;

	if (!p)
		return -ENOENT;
	n = p->len / 4;
	for (i = 0; i < n && i < max; i++)
		out[i] = rd32(p->val + 4 * i);
	return i;
}

struct msgb *m3ua_msgb_alloc(uint8_t msg_class, uint8_t msg_type)
{
	struct msgb *msg = msgb_alloc_headroom(M3UA_MAX_MSG + 64, 64, "m3ua");
	uint8_t *h;

	if (!msg)
		return NULL;
	h = msgb_put(msg, M3UA_HDR_LEN);
	h[0] = M3UA_VERSION;
	h[1] = 0;
	h[2] = msg_class;
	h[3] = msg_type;
	memset(h + 4, 0, 4);
	return msg;
}

int m3ua_msgb_put(struct msgb *msg, uint16_t tag, uint16_t len, const void *val)
{
	size_t padded = (len + 4 + 3u) & ~3u;
	uint8_t *p;

	if (len > M3UA_MAX_BODY || msgb_length(msg) + padded > M3UA_MAX_MSG || msgb_tailroom(msg) < (int)padded)
		return -EMSGSIZE;
	p = msgb_put(msg, padded);
	p[0] = tag >> 8;
	p[1] = tag;
	p[2] = (len + 4) >> 8;
	p[3] = len + 4;
	if (len)
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, padded - 4 - len);
	return 0;
}

int m3ua_msgb_put_u32(struct msgb *msg, uint16_t tag, uint32_t val)
{
	uint32_t be = htonl(val);

	return m3ua_msgb_put(msg, tag, 4, &be);
}

int m3ua_msgb_put_pdata(struct msgb *msg, const struct mtp_transfer *xfer)
{
	uint8_t hdr[PDATA_FIXED_LEN];
	size_t padded = (4 + PDATA_FIXED_LEN + xfer->len + 3u) & ~3u;
	uint8_t *p;

	if (xfer->len > M3UA_MAX_BODY || msgb_length(msg) + padded > M3UA_MAX_MSG)
		return -EMSGSIZE;
	hdr[0] = xfer->opc >> 24; hdr[1] = xfer->opc >> 16; hdr[2] = xfer->opc >> 8; hdr[3] = xfer->opc;
	hdr[4] = xfer->dpc >> 24; hdr[5] = xfer->dpc >> 16; hdr[6] = xfer->dpc >> 8; hdr[7] = xfer->dpc;
	hdr[8] = xfer->si;
	hdr[9] = xfer->ni;
	hdr[10] = xfer->mp;
	hdr[11] = xfer->sls;
	p = msgb_put(msg, padded);
	p[0] = M3UA_IEI_PROT_DATA >> 8;
	p[1] = M3UA_IEI_PROT_DATA & 0xff;
	p[2] = (4 + PDATA_FIXED_LEN + xfer->len) >> 8;
	p[3] = (4 + PDATA_FIXED_LEN + xfer->len) & 0xff;
	memcpy(p + 4, hdr, PDATA_FIXED_LEN);
	if (xfer->len)
		memcpy(p + 4 + PDATA_FIXED_LEN, xfer->data, xfer->len);
	memset(p + 4 + PDATA_FIXED_LEN + xfer->len, 0, padded - 4 - PDATA_FIXED_LEN - xfer->len);
	return 0;
}

int m3ua_msgb_finish(struct msgb *msg)
{
	uint32_t len = msgb_length(msg);
	uint8_t *h = msgb_data(msg);

	if (len > M3UA_MAX_MSG)
		return -EMSGSIZE;
	h[4] = len >> 24;
	h[5] = len >> 16;
	h[6] = len >> 8;
	h[7] = len;
	return 0;
}

struct msgb *m3ua_build_err(uint32_t code, const uint8_t *diag, size_t diag_len)
{
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_MGMT, M3UA_MGMT_ERR);

	if (!msg)
		return NULL;
	m3ua_msgb_put_u32(msg, M3UA_IEI_ERR_CODE, code);
	/* RFC 4666 3.8.1: diagnostic carries the offending message, truncated to fit */
	if (diag && diag_len)
		m3ua_msgb_put(msg, M3UA_IEI_DIAG_INFO, diag_len > 256 ? 256 : diag_len, diag);
	m3ua_msgb_finish(msg);
	return msg;
}

struct msgb *m3ua_build_ntfy(uint16_t type, uint16_t info, const uint32_t *rc)
{
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_MGMT, M3UA_MGMT_NTFY);

	if (!msg)
		return NULL;
	m3ua_msgb_put_u32(msg, M3UA_IEI_STATUS, ((uint32_t)type << 16) | info);
	if (rc)
		m3ua_msgb_put_u32(msg, M3UA_IEI_ROUTE_CTX, *rc);
	m3ua_msgb_finish(msg);
	return msg;
}

struct msgb *m3ua_build_data(const struct mtp_transfer *xfer, const uint32_t *rc, const uint32_t *na)
{
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_XFER, M3UA_XFER_DATA);

	if (!msg)
		return NULL;
	/* RFC 4666 3.3.1 parameter order: NA, RC, Protocol Data */
	if (na)
		m3ua_msgb_put_u32(msg, M3UA_IEI_NET_APPEAR, *na);
	if (rc)
		m3ua_msgb_put_u32(msg, M3UA_IEI_ROUTE_CTX, *rc);
	if (m3ua_msgb_put_pdata(msg, xfer) < 0) {
		msgb_free(msg);
		return NULL;
	}
	m3ua_msgb_finish(msg);
	return msg;
}

const char *m3ua_msg_name(uint8_t msg_class, uint8_t msg_type)
{
	const struct msg_rule *r = msg_rule(msg_class, msg_type);

	return r ? r->name : "unknown";
}

static const struct value_string err_names[] = {
	{ M3UA_ERR_INVAL_VERSION, "Invalid Version" },
	{ M3UA_ERR_UNSUPP_MSG_CLASS, "Unsupported Message Class" },
	{ M3UA_ERR_UNSUPP_MSG_TYPE, "Unsupported Message Type" },
	{ M3UA_ERR_UNSUPP_TRAF_MOD_TYP, "Unsupported Traffic Mode Type" },
	{ M3UA_ERR_UNEXPECTED_MSG, "Unexpected Message" },
	{ M3UA_ERR_PROTOCOL_ERR, "Protocol Error" },
	{ M3UA_ERR_INVAL_STREAM_ID, "Invalid Stream Identifier" },
	{ M3UA_ERR_REFUSED_MGMT_BLOCKING, "Refused - Management Blocking" },
	{ M3UA_ERR_ASP_ID_REQD, "ASP Identifier Required" },
	{ M3UA_ERR_INVAL_ASP_ID, "Invalid ASP Identifier" },
	{ M3UA_ERR_INVAL_PARAM_VAL, "Invalid Parameter Value" },
	{ M3UA_ERR_PARAM_FIELD_ERR, "Parameter Field Error" },
	{ M3UA_ERR_UNEXP_PARAM, "Unexpected Parameter" },
	{ M3UA_ERR_DEST_STATUS_UNKN, "Destination Status Unknown" },
	{ M3UA_ERR_INVAL_NET_APPEAR, "Invalid Network Appearance" },
	{ M3UA_ERR_MISSING_PARAM, "Missing Parameter" },
	{ M3UA_ERR_INVAL_ROUT_CTX, "Invalid Routing Context" },
	{ M3UA_ERR_NO_CONFGD_AS_FOR_ASP, "No Configured AS for ASP" },
	{ 0, NULL }
};

const char *m3ua_err_name(uint32_t code)
{
	return get_value_string(err_names, code);
}
