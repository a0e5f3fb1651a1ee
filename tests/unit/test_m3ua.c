/* test_m3ua.c - M3UA codec: RFC 4666 section 3 vectors, round trips, error codes, malformed corpus */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/msgb.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/m3ua.h"
#include "sigtran/mtp_user.h"

/* The byte vectors below are built by hand from the RFC 4666 formats; framed in SCTP DATA chunks
 * (PPID 3) they decode in Wireshark/tshark 4.0 to the same classes, types and parameter values. */

static void *ctx;
static size_t base_blocks;

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	msgb_talloc_ctx_init(ctx, 0);
	base_blocks = talloc_total_blocks(ctx);
}

static void teardown(void)
{
	ck_assert_uint_eq(talloc_total_blocks(ctx), base_blocks);
	talloc_free(ctx);
}

static void check_bytes(struct msgb *msg, const uint8_t *want, size_t len)
{
	ck_assert_uint_eq(msgb_length(msg), len);
	if (memcmp(msgb_data(msg), want, len)) {
		fprintf(stderr, "got  %s\n", osmo_hexdump(msgb_data(msg), msgb_length(msg)));
		fprintf(stderr, "want %s\n", osmo_hexdump(want, len));
	}
	ck_assert_mem_eq(msgb_data(msg), want, len);
}

static int decode_msgb(struct m3ua_msg *m, struct msgb *msg, struct m3ua_decode_err *err)
{
	return m3ua_decode(m, msgb_data(msg), msgb_length(msg), err);
}

/* RFC 4666 3.5.1 ASPUP with ASP Identifier 1 */
START_TEST(test_vector_aspup)
{
	static const uint8_t want[] = { 0x01, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x10,
					0x00, 0x11, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01 };
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_ASPSM, M3UA_ASPSM_UP);
	struct m3ua_decode_err err;
	struct m3ua_msg m;
	uint32_t v;

	m3ua_msgb_put_u32(msg, M3UA_IEI_ASP_ID, 1);
	ck_assert_int_eq(m3ua_msgb_finish(msg), 0);
	check_bytes(msg, want, sizeof(want));
	ck_assert_int_eq(m3ua_decode(&m, want, sizeof(want), &err), 0);
	ck_assert_uint_eq(m.msg_class, M3UA_CLS_ASPSM);
	ck_assert_uint_eq(m.msg_type, M3UA_ASPSM_UP);
	ck_assert_int_eq(m3ua_msg_get_u32(&m, M3UA_IEI_ASP_ID, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_str_eq(m3ua_msg_name(m.msg_class, m.msg_type), "ASPUP");
	msgb_free(msg);
}
END_TEST

/* RFC 4666 3.5.5 BEAT, Heartbeat Data "abc" padded to 4 octets, length excludes padding */
START_TEST(test_vector_beat_padding)
{
	static const uint8_t want[] = { 0x01, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00, 0x10,
					0x00, 0x09, 0x00, 0x07, 'a', 'b', 'c', 0x00 };
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT);
	struct m3ua_decode_err err;
	struct m3ua_msg m;

	m3ua_msgb_put(msg, M3UA_IEI_HEARTBT_DATA, 3, "abc");
	m3ua_msgb_finish(msg);
	check_bytes(msg, want, sizeof(want));
	ck_assert_int_eq(m3ua_decode(&m, want, sizeof(want), &err), 0);
	ck_assert_uint_eq(m.num_params, 1);
	ck_assert_uint_eq(m.params[0].len, 3);
	ck_assert_mem_eq(m.params[0].val, "abc", 3);
	msgb_free(msg);
}
END_TEST

/* RFC 4666 3.7.1 ASPAC, loadshare, RC 7 */
START_TEST(test_vector_aspac)
{
	static const uint8_t want[] = { 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x18,
					0x00, 0x0b, 0x00, 0x08, 0x00, 0x00, 0x00, 0x02,
					0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07 };
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_ASPTM, M3UA_ASPTM_ACTIVE);
	struct m3ua_decode_err err;
	struct m3ua_msg m;
	uint32_t v;

	m3ua_msgb_put_u32(msg, M3UA_IEI_TRAF_MODE_TYPE, M3UA_TMT_LOADSHARE);
	m3ua_msgb_put_u32(msg, M3UA_IEI_ROUTE_CTX, 7);
	m3ua_msgb_finish(msg);
	check_bytes(msg, want, sizeof(want));
	ck_assert_int_eq(m3ua_decode(&m, want, sizeof(want), &err), 0);
	ck_assert_int_eq(m3ua_msg_get_u32(&m, M3UA_IEI_TRAF_MODE_TYPE, &v), 0);
	ck_assert_uint_eq(v, M3UA_TMT_LOADSHARE);
	ck_assert_int_eq(m3ua_msg_get_u32(&m, M3UA_IEI_ROUTE_CTX, &v), 0);
	ck_assert_uint_eq(v, 7);
	msgb_free(msg);
}
END_TEST

/* RFC 4666 3.3.1 DATA: NA 2, RC 7, Protocol Data OPC 1 DPC 2 SI 5 NI 2 MP 0 SLS 3, 5 octets */
START_TEST(test_vector_data)
{
	static const uint8_t want[] = {
		0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x30,
		0x02, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07,
		0x02, 0x10, 0x00, 0x15, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
		0x05, 0x02, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00 };
	static const uint8_t ud[] = { 1, 2, 3, 4, 5 };
	struct mtp_transfer x = { .opc = 1, .dpc = 2, .si = 5, .ni = 2, .mp = 0, .sls = 3, .data = ud, .len = 5 }, y;
	uint32_t rc = 7, na = 2;
	struct msgb *msg = m3ua_build_data(&x, &rc, &na);
	struct m3ua_decode_err err;
	struct m3ua_msg m;

	check_bytes(msg, want, sizeof(want));
	ck_assert_int_eq(m3ua_decode(&m, want, sizeof(want), &err), 0);
	ck_assert_int_eq(m3ua_msg_get_pdata(&m, &y), 0);
	ck_assert_uint_eq(y.opc, 1);
	ck_assert_uint_eq(y.dpc, 2);
	ck_assert_uint_eq(y.si, 5);
	ck_assert_uint_eq(y.ni, 2);
	ck_assert_uint_eq(y.mp, 0);
	ck_assert_uint_eq(y.sls, 3);
	ck_assert_uint_eq(y.len, 5);
	ck_assert_mem_eq(y.data, ud, 5);
	msgb_free(msg);
}
END_TEST

/* RFC 4666 3.8.2 NTFY AS-ACTIVE with RC 7; 3.8.1 ERR Unexpected Message with diagnostic */
START_TEST(test_vector_ntfy_err)
{
	static const uint8_t ntfy[] = { 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x18,
					0x00, 0x0d, 0x00, 0x08, 0x00, 0x01, 0x00, 0x03,
					0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07 };
	static const uint8_t errm[] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18,
					0x00, 0x0c, 0x00, 0x08, 0x00, 0x00, 0x00, 0x06,
					0x00, 0x07, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t diag[] = { 0xde, 0xad, 0xbe, 0xef };
	uint32_t rc = 7, v;
	struct msgb *msg = m3ua_build_ntfy(M3UA_NTFY_T_STATCHG, M3UA_NTFY_I_AS_ACT, &rc);
	struct m3ua_decode_err err;
	struct m3ua_msg m;

	check_bytes(msg, ntfy, sizeof(ntfy));
	msgb_free(msg);
	msg = m3ua_build_err(M3UA_ERR_UNEXPECTED_MSG, diag, sizeof(diag));
	check_bytes(msg, errm, sizeof(errm));
	msgb_free(msg);
	ck_assert_int_eq(m3ua_decode(&m, errm, sizeof(errm), &err), 0);
	ck_assert_int_eq(m3ua_msg_get_u32(&m, M3UA_IEI_ERR_CODE, &v), 0);
	ck_assert_uint_eq(v, M3UA_ERR_UNEXPECTED_MSG);
	ck_assert_str_eq(m3ua_err_name(v), "Unexpected Message");
}
END_TEST

/* RFC 4666 3.4.1 DUNA, two affected point codes, the second wildcarded with mask 8 */
START_TEST(test_vector_duna)
{
	static const uint8_t want[] = { 0x01, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x14,
					0x00, 0x12, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x10 };
	static const uint8_t apc[] = { 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x10 };
	struct msgb *msg = m3ua_msgb_alloc(M3UA_CLS_SSNM, M3UA_SSNM_DUNA);
	struct m3ua_decode_err err;
	struct m3ua_msg m;
	uint32_t out[4];

	m3ua_msgb_put(msg, M3UA_IEI_AFFECTED_PC, sizeof(apc), apc);
	m3ua_msgb_finish(msg);
	check_bytes(msg, want, sizeof(want));
	msgb_free(msg);
	ck_assert_int_eq(m3ua_decode(&m, want, sizeof(want), &err), 0);
	ck_assert_int_eq(m3ua_msg_get_apc(&m, out, 4), 2);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(out[1], (8u << 24) | 0x10);
}
END_TEST

/* One minimal valid parameter set per message of RFC 4666 section 3. */
struct rt_param {
	uint16_t tag;
	uint8_t len;
	uint8_t val[24];
};

struct rt_case {
	uint8_t cls, type;
	const char *name;
	struct rt_param p[4];
};

#define U32(x)	4, { 0, 0, 0, x }
static const struct rt_case rt_cases[] = {
	{ 0, 0, "ERR", { { M3UA_IEI_ERR_CODE, U32(0x16) }, { M3UA_IEI_DIAG_INFO, 3, { 1, 2, 3 } } } },
	{ 0, 1, "NTFY", { { M3UA_IEI_STATUS, 4, { 0, 2, 0, 2 } }, { M3UA_IEI_ASP_ID, U32(9) },
			  { M3UA_IEI_INFO_STRING, 2, { 'h', 'i' } } } },
	{ 1, 1, "DATA", { { M3UA_IEI_ROUTE_CTX, U32(1) }, { M3UA_IEI_PROT_DATA, 13, { 0, 0, 0, 1, 0, 0, 0, 2, 5, 2, 0, 3, 0x42 } },
			  { M3UA_IEI_CORR_ID, U32(4) } } },
	{ 2, 1, "DUNA", { { M3UA_IEI_NET_APPEAR, U32(2) }, { M3UA_IEI_AFFECTED_PC, U32(5) } } },
	{ 2, 2, "DAVA", { { M3UA_IEI_AFFECTED_PC, U32(5) }, { M3UA_IEI_INFO_STRING, 1, { 'x' } } } },
	{ 2, 3, "DAUD", { { M3UA_IEI_AFFECTED_PC, 8, { 0, 0, 0, 5, 0, 0, 0, 6 } } } },
	{ 2, 4, "SCON", { { M3UA_IEI_AFFECTED_PC, U32(5) }, { M3UA_IEI_CONC_DEST, U32(7) }, { M3UA_IEI_CONG_IND, U32(2) } } },
	{ 2, 5, "DUPU", { { M3UA_IEI_AFFECTED_PC, U32(5) }, { M3UA_IEI_USER_CAUSE, 4, { 0, 2, 0, 5 } } } },
	{ 2, 6, "DRST", { { M3UA_IEI_AFFECTED_PC, U32(5) } } },
	{ 3, 1, "ASPUP", { { M3UA_IEI_ASP_ID, U32(3) } } },
	{ 3, 2, "ASPDN", { { M3UA_IEI_INFO_STRING, 3, { 'b', 'y', 'e' } } } },
	{ 3, 3, "BEAT", { { M3UA_IEI_HEARTBT_DATA, 5, { 1, 2, 3, 4, 5 } } } },
	{ 3, 4, "ASPUP_ACK", { { M3UA_IEI_ASP_ID, U32(3) } } },
	{ 3, 5, "ASPDN_ACK", { { 0 } } },
	{ 3, 6, "BEAT_ACK", { { M3UA_IEI_HEARTBT_DATA, 5, { 1, 2, 3, 4, 5 } } } },
	{ 4, 1, "ASPAC", { { M3UA_IEI_TRAF_MODE_TYPE, U32(1) }, { M3UA_IEI_ROUTE_CTX, 8, { 0, 0, 0, 1, 0, 0, 0, 2 } } } },
	{ 4, 2, "ASPIA", { { M3UA_IEI_ROUTE_CTX, U32(1) } } },
	{ 4, 3, "ASPAC_ACK", { { M3UA_IEI_TRAF_MODE_TYPE, U32(2) }, { M3UA_IEI_ROUTE_CTX, U32(1) } } },
	{ 4, 4, "ASPIA_ACK", { { M3UA_IEI_ROUTE_CTX, U32(1) } } },
	{ 9, 1, "REG_REQ", { { M3UA_IEI_ROUT_KEY, 16, { 0x02, 0x0a, 0, 8, 0, 0, 0, 1, 0x02, 0x0b, 0, 8, 0, 0, 0, 9 } } } },
	{ 9, 2, "REG_RSP", { { M3UA_IEI_REG_RESULT, 24, { 0x02, 0x0a, 0, 8, 0, 0, 0, 1, 0x02, 0x12, 0, 8, 0, 0, 0, 0,
							    0x00, 0x06, 0, 8, 0, 0, 0, 7 } } } },
	{ 9, 3, "DEREG_REQ", { { M3UA_IEI_ROUTE_CTX, U32(7) } } },
	{ 9, 4, "DEREG_RSP", { { M3UA_IEI_DEREG_RESULT, 16, { 0x00, 0x06, 0, 8, 0, 0, 0, 7, 0x02, 0x13, 0, 8, 0, 0, 0, 0 } } } },
};

START_TEST(test_roundtrip_all)
{
	unsigned i, j, np;

	for (i = 0; i < ARRAY_SIZE(rt_cases); i++) {
		const struct rt_case *c = &rt_cases[i];
		struct msgb *msg = m3ua_msgb_alloc(c->cls, c->type);
		struct m3ua_decode_err err;
		struct m3ua_msg m;
		int rc;

		for (np = 0; np < ARRAY_SIZE(c->p) && c->p[np].tag; np++)
			ck_assert_int_eq(m3ua_msgb_put(msg, c->p[np].tag, c->p[np].len, c->p[np].val), 0);
		m3ua_msgb_finish(msg);
		ck_assert_uint_eq(msgb_length(msg) % 4, 0);
		rc = decode_msgb(&m, msg, &err);
		if (rc)
			fprintf(stderr, "%s: %s\n", c->name, err.what);
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(m3ua_msg_name(m.msg_class, m.msg_type), c->name);
		ck_assert_uint_eq(m.len, msgb_length(msg));
		ck_assert_uint_eq(m.num_params, np);
		for (j = 0; j < np; j++) {
			ck_assert_uint_eq(m.params[j].tag, c->p[j].tag);
			ck_assert_uint_eq(m.params[j].len, c->p[j].len);
			ck_assert_mem_eq(m.params[j].val, c->p[j].val, c->p[j].len);
		}
		msgb_free(msg);
	}
}
END_TEST

/* Each malformed input with the RFC 4666 3.8.1 error code the receiver must send. */
struct err_case {
	const char *name;
	const char *hex;
	enum m3ua_err_code code;
	uint16_t tag;
};

static const struct err_case err_cases[] = {
	{ "version 2", "0200030100000008", M3UA_ERR_INVAL_VERSION, 0 },
	{ "class 5 (IUA QPTM)", "0100050100000008", M3UA_ERR_UNSUPP_MSG_CLASS, 0 },
	{ "class 200", "0100c80100000008", M3UA_ERR_UNSUPP_MSG_CLASS, 0 },
	{ "ASPSM type 7", "0100030700000008", M3UA_ERR_UNSUPP_MSG_TYPE, 0 },
	{ "MGMT type 2", "0100000200000008", M3UA_ERR_UNSUPP_MSG_TYPE, 0 },
	{ "TRANSFER type 0", "0100010000000008", M3UA_ERR_UNSUPP_MSG_TYPE, 0 },
	{ "length 4", "0100030100000004", M3UA_ERR_PROTOCOL_ERR, 0 },
	{ "length beyond buffer", "0100030100000010", M3UA_ERR_PROTOCOL_ERR, 0 },
	{ "length above maximum", "0100030100010000", M3UA_ERR_PROTOCOL_ERR, 0 },
	{ "truncated header", "01000301", M3UA_ERR_PROTOCOL_ERR, 0 },
	{ "param len 2", "010003010000000c00110002", M3UA_ERR_PARAM_FIELD_ERR, 0x0011 },
	{ "param len past end", "01000301000000100011000c00000001", M3UA_ERR_PARAM_FIELD_ERR, 0x0011 },
	{ "truncated param header", "010003010000000a0011", M3UA_ERR_PARAM_FIELD_ERR, 0 },
	{ "DATA without Protocol Data", "010001010000001000060008" "00000001", M3UA_ERR_MISSING_PARAM, 0x0210 },
	{ "ERR without Error Code", "0100000000000008", M3UA_ERR_MISSING_PARAM, 0x000c },
	{ "NTFY without Status", "0100000100000008", M3UA_ERR_MISSING_PARAM, 0x000d },
	{ "DUPU without User/Cause", "010002050000001000120008" "00000005", M3UA_ERR_MISSING_PARAM, 0x0204 },
	{ "ASPUP with Protocol Data", "010003010000001c0210001400000001000000020502000300000000", M3UA_ERR_UNEXP_PARAM, 0x0210 },
	{ "ASPUP with Routing Context", "010003010000001000060008" "00000001", M3UA_ERR_UNEXP_PARAM, 0x0006 },
	{ "TMT 7", "0100040100000010000b0008" "00000007", M3UA_ERR_UNSUPP_TRAF_MOD_TYP, 0x000b },
	{ "Status 1/9", "0100000100000010000d0008" "00010009", M3UA_ERR_INVAL_PARAM_VAL, 0x000d },
	{ "Status type 3", "0100000100000010000d0008" "00030001", M3UA_ERR_INVAL_PARAM_VAL, 0x000d },
	{ "Protocol Data 8 octets", "01000101000000140210000c" "0000000100000002", M3UA_ERR_PARAM_FIELD_ERR, 0x0210 },
	{ "Protocol Data SI 16", "010001010000001802100010000000010000000210020003", M3UA_ERR_INVAL_PARAM_VAL, 0x0210 },
	{ "Protocol Data NI 4", "010001010000001802100010000000010000000205040003", M3UA_ERR_INVAL_PARAM_VAL, 0x0210 },
	{ "RC length 6", "01000402000000120006000a" "000000010000", M3UA_ERR_PARAM_FIELD_ERR, 0x0006 },
	{ "repeated ASP Identifier", "010003010000001800110008000000010011000800000002", M3UA_ERR_UNEXP_PARAM, 0x0011 },
	{ "empty INFO String", "010003020000000c00040004", M3UA_ERR_PARAM_FIELD_ERR, 0x0004 },
	{ "unpadded middle param", "010003030000000f000900050100aa", M3UA_ERR_PARAM_FIELD_ERR, 0x0009 },
	{ "Routing Key without DPC", "01000901000000140207000c" "020a000800000001", M3UA_ERR_MISSING_PARAM, 0x020b },
	{ "congestion level 4", "010002040000001800120008000000050205000800000004", M3UA_ERR_INVAL_PARAM_VAL, 0x0205 },
	{ "DUPU cause 3", "010002050000001800120008000000050204000800030005", M3UA_ERR_INVAL_PARAM_VAL, 0x0204 },
};

static size_t unhex(uint8_t *out, size_t max, const char *hex)
{
	int rc = osmo_hexparse(hex, out, max);

	ck_assert_int_ge(rc, 0);
	return rc;
}

START_TEST(test_errors)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *c = &err_cases[i];
		uint8_t buf[256];
		size_t len = unhex(buf, sizeof(buf), c->hex);
		struct m3ua_decode_err err;
		struct m3ua_msg m;
		int rc = m3ua_decode(&m, buf, len, &err);

		if (rc != -EBADMSG || err.code != c->code || err.tag != c->tag)
			fprintf(stderr, "%s: rc %d code 0x%02x tag 0x%04x (%s)\n", c->name, rc, err.code, err.tag,
				err.what ? err.what : "-");
		ck_assert_int_eq(rc, -EBADMSG);
		ck_assert_uint_eq(err.code, c->code);
		ck_assert_uint_eq(err.tag, c->tag);
		ck_assert_ptr_nonnull(err.what);
	}
}
END_TEST

/* Unknown parameters are skipped; an unpadded last parameter is tolerated. */
START_TEST(test_tolerated)
{
	uint8_t buf[64];
	size_t len = unhex(buf, sizeof(buf), "01000301000000180abc0008deadbeef0011000800000004");
	struct m3ua_decode_err err;
	struct m3ua_msg m;
	uint32_t v;

	ck_assert_int_eq(m3ua_decode(&m, buf, len, &err), 0);
	ck_assert_uint_eq(m.num_params, 1);
	ck_assert_int_eq(m3ua_msg_get_u32(&m, M3UA_IEI_ASP_ID, &v), 0);
	ck_assert_uint_eq(v, 4);

	len = unhex(buf, sizeof(buf), "010003030000000d0009000501");
	ck_assert_int_eq(m3ua_decode(&m, buf, len, &err), 0);
	ck_assert_uint_eq(m.params[0].len, 1);
	ck_assert_int_eq(m3ua_msg_get_u32(&m, M3UA_IEI_ASP_ID, &v), -ENOENT);
}
END_TEST

/* Bounds: the largest payload fits, one more octet does not. */
START_TEST(test_max_size)
{
	static uint8_t ud[M3UA_MAX_BODY];
	struct mtp_transfer x = { .opc = 1, .dpc = 2, .si = 5, .data = ud };
	struct m3ua_decode_err err;
	struct m3ua_msg m;
	struct msgb *msg;

	x.len = M3UA_MAX_BODY - 16;
	msg = m3ua_build_data(&x, NULL, NULL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_uint_eq(msgb_length(msg), M3UA_MAX_MSG);
	ck_assert_int_eq(decode_msgb(&m, msg, &err), 0);
	msgb_free(msg);
	x.len++;
	ck_assert_ptr_null(m3ua_build_data(&x, NULL, NULL));
}
END_TEST

/* Replay tests/corpus/m3ua: "ok-*" decode, everything else is refused; none may crash. */
START_TEST(test_corpus)
{
	DIR *d = opendir(M3UA_CORPUS);
	struct dirent *de;
	unsigned n_ok = 0, n_bad = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[512];
		uint8_t buf[M3UA_MAX_MSG + 64];
		struct m3ua_decode_err err;
		struct m3ua_msg m;
		size_t len;
		FILE *f;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", M3UA_CORPUS, de->d_name);
		f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		rc = m3ua_decode(&m, buf, len, &err);
		if (!strncmp(de->d_name, "ok-", 3)) {
			if (rc)
				fprintf(stderr, "%s: %s\n", de->d_name, err.what);
			ck_assert_int_eq(rc, 0);
			n_ok++;
		} else {
			if (!rc)
				fprintf(stderr, "%s: accepted\n", de->d_name);
			ck_assert_int_eq(rc, -EBADMSG);
			ck_assert_uint_ne(err.code, 0);
			n_bad++;
		}
	}
	closedir(d);
	ck_assert_uint_ge(n_ok, 5);
	ck_assert_uint_ge(n_bad, 20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("m3ua");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_vector_aspup);
	tcase_add_test(tc, test_vector_beat_padding);
	tcase_add_test(tc, test_vector_aspac);
	tcase_add_test(tc, test_vector_data);
	tcase_add_test(tc, test_vector_ntfy_err);
	tcase_add_test(tc, test_vector_duna);
	tcase_add_test(tc, test_roundtrip_all);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_tolerated);
	tcase_add_test(tc, test_max_size);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
