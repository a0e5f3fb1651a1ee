/* decode_m3ua.c - sigtran-decode: M3UA message as text, every parameter named (RFC 4666 section 3) */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include <osmocom/core/utils.h>

#include "sigtran/m3ua.h"
#include "sigtran/mtp3.h"
#include "sigtran/mtp_user.h"
#include "tools/decode.h"

static const struct value_string class_names[] = {
	{ M3UA_CLS_MGMT, "Management" },
	{ M3UA_CLS_XFER, "Transfer" },
	{ M3UA_CLS_SSNM, "SS7 Signalling Network Management" },
	{ M3UA_CLS_ASPSM, "ASP State Maintenance" },
	{ M3UA_CLS_ASPTM, "ASP Traffic Maintenance" },
	{ M3UA_CLS_RKM, "Routing Key Management" },
	{ 0, NULL }
};
static const struct value_string tmt_names[] = {
	{ M3UA_TMT_OVERRIDE, "Override" },
	{ M3UA_TMT_LOADSHARE, "Loadshare" },
	{ M3UA_TMT_BROADCAST, "Broadcast" },
	{ 0, NULL }
};
static const struct value_string status_type_names[] = {
	{ M3UA_NTFY_T_STATCHG, "AS State Change" },
	{ M3UA_NTFY_T_OTHER, "Other" },
	{ 0, NULL }
};
static const struct value_string statchg_names[] = {
	{ M3UA_NTFY_I_AS_INACT, "AS-INACTIVE" },
	{ M3UA_NTFY_I_AS_ACT, "AS-ACTIVE" },
	{ M3UA_NTFY_I_AS_PEND, "AS-PENDING" },
	{ 0, NULL }
};
static const struct value_string other_names[] = {
	{ M3UA_NTFY_I_INSUFF_ASP_RES, "Insufficient ASP resources active in AS" },
	{ M3UA_NTFY_I_ALT_ASP_ACT, "Alternate ASP Active" },
	{ M3UA_NTFY_I_ASP_FAILURE, "ASP Failure" },
	{ 0, NULL }
};
static const struct value_string upu_cause_names[] = {
	{ M3UA_UPU_UNKNOWN, "Unknown" },
	{ M3UA_UPU_UNEQUIPPED, "Unequipped Remote User" },
	{ M3UA_UPU_INACCESSIBLE, "Inaccessible Remote User" },
	{ 0, NULL }
};
/* Q.704 14.2.1 service indicator */
static const struct value_string si_names[] = {
	{ MTP3_SI_SNM, "SNM" },
	{ MTP3_SI_SNTM, "SNTM" },
	{ MTP3_SI_SCCP, "SCCP" },
	{ MTP3_SI_TUP, "TUP" },
	{ MTP3_SI_ISUP, "ISUP" },
	{ 6, "DUP call and circuit" },
	{ 7, "DUP facility" },
	{ 8, "MTP testing user part" },
	{ 9, "B-ISUP" },
	{ 10, "satellite ISUP" },
	{ 0, NULL }
};
static const struct value_string ni_names[] = {
	{ MTP3_NI_INTERNATIONAL, "international" },
	{ MTP3_NI_INTERNATIONAL_SPARE, "international spare" },
	{ MTP3_NI_NATIONAL, "national" },
	{ MTP3_NI_NATIONAL_SPARE, "national spare" },
	{ 0, NULL }
};
static const struct value_string cong_names[] = {
	{ 0, "no congestion or undefined" },
	{ 1, "congestion level 1" },
	{ 2, "congestion level 2" },
	{ 3, "congestion level 3" },
	{ 0, NULL }
};
/* RFC 4666 3.6.2 */
static const struct value_string reg_status_names[] = {
	{ 0, "Successfully Registered" },
	{ 1, "Error - Unknown" },
	{ 2, "Error - Invalid DPC" },
	{ 3, "Error - Invalid Network Appearance" },
	{ 4, "Error - Invalid Routing Key" },
	{ 5, "Error - Permission Denied" },
	{ 6, "Error - Cannot Support Unique Routing" },
	{ 7, "Error - Routing Key not Currently Provisioned" },
	{ 8, "Error - Insufficient Resources" },
	{ 9, "Error - Unsupported RK parameter Field" },
	{ 10, "Error - Unsupported/Invalid Traffic Handling Mode" },
	{ 11, "Error - Routing Key Change Refused" },
	{ 12, "Error - Routing Key Already Registered" },
	{ 0, NULL }
};
/* RFC 4666 3.6.4 */
static const struct value_string dereg_status_names[] = {
	{ 0, "Successfully Deregistered" },
	{ 1, "Error - Unknown" },
	{ 2, "Error - Invalid Routing Context" },
	{ 3, "Error - Permission Denied" },
	{ 4, "Error - Not Registered" },
	{ 5, "Error - ASP Currently Active for Routing Context" },
	{ 0, NULL }
};

static const char *vname(const struct value_string *vs, unsigned v)
{
	const char *n = get_value_string_or_null(vs, v);

	return n ? n : "unknown";
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
	return ((uint16_t)p[0] << 8) | p[1];
}

/* "0.1.1 (9)"; M3UA carries 24 bits, ITU point codes have 14 */
static void print_pc(struct dec *d, uint32_t pc)
{
	char buf[16];

	if (pc > MTP3_PC_MAX)
		fprintf(d->out, "%u (beyond 14 bits)", pc);
	else
		fprintf(d->out, "%s (%u)", mtp3_pc_str(buf, sizeof(buf), pc), pc);
}

/* Parameter value printers. The codec validated the lengths of the known tags; the printers
 * still read only within len. */
static void print_params(struct dec *d, const uint8_t *buf, size_t len, int indent);

static void v_u32_list(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	unsigned i;

	for (i = 0; i + 4 <= len; i += 4)
		fprintf(d->out, "%s%u", i ? ", " : "", rd32(v + i));
	fputc('\n', d->out);
}

static void v_text(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	unsigned i;

	fputc('"', d->out);
	for (i = 0; i < len; i++) {
		if (isprint(v[i]) && v[i] != '"' && v[i] != '\\')
			fputc(v[i], d->out);
		else
			fprintf(d->out, "\\x%02x", v[i]);
	}
	fprintf(d->out, "\"\n");
}

static void v_hex(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fprintf(d->out, "%u octets\n", len);
	dec_hex(d, indent + 2, v, len);
}

static void v_tmt(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fprintf(d->out, "%u (%s)\n", rd32(v), vname(tmt_names, rd32(v)));
}

static void v_errc(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fprintf(d->out, "0x%02x (%s)\n", rd32(v), m3ua_err_name(rd32(v)));
}

static void v_status(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	uint16_t type = rd16(v), info = rd16(v + 2);

	fprintf(d->out, "type %u (%s), info %u (%s)\n", type, vname(status_type_names, type), info,
		vname(type == M3UA_NTFY_T_STATCHG ? statchg_names : other_names, info));
}

/* Affected point codes and the originating point code list: mask in the top octet. */
static void v_pc_list(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	unsigned i;

	fputc('\n', d->out);
	for (i = 0; i + 4 <= len; i += 4) {
		fprintf(d->out, "%*smask %u, PC ", indent + 2, "", v[i]);
		print_pc(d, rd32(v + i) & 0xffffff);
		fputc('\n', d->out);
	}
}

static void v_pc(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	if (v[0])
		fprintf(d->out, "mask %u, ", v[0]);
	print_pc(d, rd32(v) & 0xffffff);
	fputc('\n', d->out);
}

static void v_ucause(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	uint16_t cause = rd16(v), user = rd16(v + 2);

	fprintf(d->out, "cause %u (%s), user %u (%s)\n", cause, vname(upu_cause_names, cause), user,
		vname(si_names, user));
}

static void v_cong(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fprintf(d->out, "%u (%s)\n", v[3], vname(cong_names, v[3]));
}

static void v_si_list(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	unsigned i;

	for (i = 0; i < len; i++)
		if (v[i] || i == 0)
			fprintf(d->out, "%s%u (%s)", i ? ", " : "", v[i], vname(si_names, v[i]));
	fputc('\n', d->out);
}

static void v_regst(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fprintf(d->out, "%u (%s)\n", rd32(v), vname(reg_status_names, rd32(v)));
}

static void v_deregst(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fprintf(d->out, "%u (%s)\n", rd32(v), vname(dereg_status_names, rd32(v)));
}

static void v_nested(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fputc('\n', d->out);
	print_params(d, v, len, indent + 2);
}

/* RFC 4666 3.3.1: OPC, DPC, SI, NI, MP, SLS, then the user part. */
static void v_pdata(struct dec *d, const uint8_t *v, uint16_t len, int indent)
{
	fprintf(d->out, "\n%*sOPC ", indent + 2, "");
	print_pc(d, rd32(v));
	fprintf(d->out, "\n%*sDPC ", indent + 2, "");
	print_pc(d, rd32(v + 4));
	fprintf(d->out, "\n%*sSI %u (%s), NI %u (%s), MP %u, SLS %u\n", indent + 2, "", v[8], vname(si_names, v[8]),
		v[9], vname(ni_names, v[9]), v[10], v[11]);
	fprintf(d->out, "%*suser data: %u octets\n", indent + 2, "", len - 12);
}

struct par_desc {
	uint16_t tag;
	const char *name;
	uint16_t min_len;	/* what the printer reads; shorter values print as hex */
	bool block;		/* the value starts on the next line */
	void (*print)(struct dec *d, const uint8_t *v, uint16_t len, int indent);
};

static const struct par_desc par_descs[] = {
	{ M3UA_IEI_INFO_STRING, "INFO String", 0, false, v_text },
	{ M3UA_IEI_ROUTE_CTX, "Routing Context", 4, false, v_u32_list },
	{ M3UA_IEI_DIAG_INFO, "Diagnostic Information", 0, false, v_hex },
	{ M3UA_IEI_HEARTBT_DATA, "Heartbeat Data", 0, false, v_hex },
	{ M3UA_IEI_TRAF_MODE_TYPE, "Traffic Mode Type", 4, false, v_tmt },
	{ M3UA_IEI_ERR_CODE, "Error Code", 4, false, v_errc },
	{ M3UA_IEI_STATUS, "Status", 4, false, v_status },
	{ M3UA_IEI_ASP_ID, "ASP Identifier", 4, false, v_u32_list },
	{ M3UA_IEI_AFFECTED_PC, "Affected Point Code", 4, true, v_pc_list },
	{ M3UA_IEI_CORR_ID, "Correlation ID", 4, false, v_u32_list },
	{ M3UA_IEI_NET_APPEAR, "Network Appearance", 4, false, v_u32_list },
	{ M3UA_IEI_USER_CAUSE, "User/Cause", 4, false, v_ucause },
	{ M3UA_IEI_CONG_IND, "Congestion Indications", 4, false, v_cong },
	{ M3UA_IEI_CONC_DEST, "Concerned Destination", 4, false, v_pc },
	{ M3UA_IEI_ROUT_KEY, "Routing Key", 0, true, v_nested },
	{ M3UA_IEI_REG_RESULT, "Registration Result", 0, true, v_nested },
	{ M3UA_IEI_DEREG_RESULT, "Deregistration Result", 0, true, v_nested },
	{ M3UA_IEI_LOC_RKEY_ID, "Local Routing Key Identifier", 4, false, v_u32_list },
	{ M3UA_IEI_DEST_PC, "Destination Point Code", 4, false, v_pc },
	{ M3UA_IEI_SVC_IND, "Service Indicators", 1, false, v_si_list },
	{ M3UA_IEI_ORIG_PC_LIST, "Originating Point Code List", 4, true, v_pc_list },
	{ M3UA_IEI_PROT_DATA, "Protocol Data", 12, true, v_pdata },
	{ M3UA_IEI_REG_STATUS, "Registration Status", 4, false, v_regst },
	{ M3UA_IEI_DEREG_STATUS, "Deregistration Status", 4, false, v_deregst },
};

static const struct par_desc *par_desc_find(uint16_t tag)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(par_descs); i++)
		if (par_descs[i].tag == tag)
			return &par_descs[i];
	return NULL;
}

/* Walk the TLVs in wire order, unknown tags included (the codec skips them; the reader should
 * see them). Stops at the first inconsistency rather than trusting a length. */
static void print_params(struct dec *d, const uint8_t *buf, size_t len, int indent)
{
	size_t pos = 0;

	while (len - pos >= 4) {
		uint16_t tag = rd16(buf + pos), plen = rd16(buf + pos + 2);
		const struct par_desc *pd = par_desc_find(tag);

		if (plen < 4 || plen > len - pos) {
			fprintf(d->out, "%*s(parameter 0x%04x: length %u does not fit)\n", indent, "", tag, plen);
			return;
		}
		fprintf(d->out, "%*s%s (0x%04x):%s", indent, "", pd ? pd->name : "unknown parameter", tag,
			pd && pd->block && plen - 4 >= pd->min_len ? "" : " ");
		if (pd && plen - 4 >= pd->min_len)
			pd->print(d, buf + pos + 4, plen - 4, indent);
		else
			v_hex(d, buf + pos + 4, plen - 4, indent);
		pos += (plen + 3u) & ~3u;
		if (pos > len)
			break;
	}
}

int dec_m3ua(struct dec *d, const uint8_t *buf, size_t len)
{
	struct m3ua_decode_err err;
	struct mtp_transfer xfer;
	struct m3ua_msg msg;
	int rc;

	/* A length mismatch is named as such here; the codec reports a longer header length than
	 * the buffer as "above maximum", which misleads when a hex line was cut short. */
	if (len >= M3UA_HDR_LEN && buf[0] == M3UA_VERSION && rd32(buf + 4) >= M3UA_HDR_LEN
	    && rd32(buf + 4) <= M3UA_MAX_MSG && rd32(buf + 4) != len) {
		fprintf(d->out, "M3UA header: version %u, class %u (%s), type %u (%s), length %u\n",
			buf[0], buf[2], vname(class_names, buf[2]), buf[3], m3ua_msg_name(buf[2], buf[3]),
			rd32(buf + 4));
		dec_error(d, "M3UA: message length: header says %u octets, %zu received at offset 4 [%s]",
			  rd32(buf + 4), len, m3ua_err_name(M3UA_ERR_PROTOCOL_ERR));
		return -EBADMSG;
	}
	rc = m3ua_decode(&msg, buf, len, &err);
	if (rc < 0) {
		const struct par_desc *pd = err.tag ? par_desc_find(err.tag) : NULL;
		char tag[64] = "";

		if (len >= M3UA_HDR_LEN)
			fprintf(d->out, "M3UA header: version %u, class %u (%s), type %u (%s), length %u\n",
				buf[0], buf[2], vname(class_names, buf[2]), buf[3], m3ua_msg_name(buf[2], buf[3]),
				rd32(buf + 4));
		if (err.tag)
			snprintf(tag, sizeof(tag), " (parameter 0x%04x %s)", err.tag, pd ? pd->name : "unknown");
		dec_error(d, "M3UA: %s%s at offset %u [%s]", err.what ? err.what : "malformed", tag,
			  err.offset, m3ua_err_name(err.code));
		return rc;
	}
	fprintf(d->out, "M3UA %s (class %u %s, type %u), length %u\n", m3ua_msg_name(msg.msg_class, msg.msg_type),
		msg.msg_class, vname(class_names, msg.msg_class), msg.msg_type, msg.len);
	print_params(d, buf + M3UA_HDR_LEN, len - M3UA_HDR_LEN, 2);

	if (msg.msg_class != M3UA_CLS_XFER || msg.msg_type != M3UA_XFER_DATA
	    || m3ua_msg_get_pdata(&msg, &xfer) < 0)
		return 0;
	if (xfer.si != MTP3_SI_ISUP) {
		fprintf(d->out, "%s user data, not decoded: %zu octets\n", vname(si_names, xfer.si), xfer.len);
		dec_hex(d, 2, xfer.data, xfer.len);
		return 0;
	}
	return dec_isup(d, xfer.data, xfer.len, (size_t)(xfer.data - buf));
}
