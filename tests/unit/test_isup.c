/* test_isup.c - ISUP codec: Q.763 hex vectors, round trips, errors, compatibility (Q.763, Q.764 2.9.5.3) */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/isup.h"

static void *ctx;

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

/* Parse "11 00 0c" into bytes. */
static size_t hex(uint8_t *out, size_t size, const char *s)
{
	int rc = osmo_hexparse(s, out, size);

	ck_assert_int_ge(rc, 0);
	return rc;
}

static struct isup_msg *decode_ok(const uint8_t *b, size_t len)
{
	struct isup_err err = { 0 };
	struct isup_msg *m = NULL;
	int rc = isup_decode(ctx, b, len, &m, &err);

	ck_assert_msg(rc == 0, "decode failed: %s param %d at %zu: %s", isup_msg_type_name(err.msg_type),
		      err.param, err.offset, err.reason);
	ck_assert_ptr_nonnull(m);
	return m;
}

static void encode_eq(const struct isup_msg *m, const uint8_t *want, size_t want_len)
{
	uint8_t buf[512];
	int rc = isup_encode(m, buf, sizeof(buf));

	ck_assert_int_eq(rc, want_len);
	if (memcmp(buf, want, want_len))
		ck_abort_msg("encoded %s, want %s", osmo_hexdump_nospc(buf, rc),
			     osmo_hexdump_nospc(want, want_len));
}

/* Q.763 Table 32 IAM: NCI 0, FCI national/ISUP all the way/ISDN access,
 * CPC 10 ordinary, TMR speech, called 0123456789 national E.164, optional
 * calling 4912345 national, presentation restricted, network provided. */
static const char iam_hex[] =
	"110001" "00" "2001" "0a" "00" "02" "09"
	"07" "03" "10" "1032547698"
	"0a" "06" "83" "17" "94214305" "00";

START_TEST(test_iam_vector)
{
	struct isup_number called, calling;
	uint8_t want[64];
	size_t n = hex(want, sizeof(want), iam_hex);
	struct isup_msg *m;

	ck_assert_int_eq(isup_number_set(&called, ISUP_NAI_NATIONAL, "0123456789"), 0);
	ck_assert_int_eq(isup_number_set(&calling, ISUP_NAI_NATIONAL, "4912345"), 0);
	calling.pres = ISUP_PRES_RESTRICTED;
	calling.screen = 3;
	m = isup_msg_iam(ctx, 17, &called, &calling, 10, 0);
	ck_assert_ptr_nonnull(m);
	encode_eq(m, want, n);
	talloc_free(m);

	m = decode_ok(want, n);
	ck_assert_uint_eq(m->cic, 17);
	ck_assert_uint_eq(m->type, ISUP_MSGT_IAM);
	ck_assert(ISUP_HAS(m, ISUP_P_CALLED) && ISUP_HAS(m, ISUP_P_CALLING));
	ck_assert_str_eq(m->called.digits, "0123456789");
	ck_assert_uint_eq(m->called.nai, ISUP_NAI_NATIONAL);
	ck_assert_uint_eq(m->called.npi, 1);
	ck_assert_uint_eq(m->called.inn, 0);
	ck_assert(!m->called.odd);
	ck_assert_str_eq(m->calling.digits, "4912345");
	ck_assert(m->calling.odd);
	ck_assert_uint_eq(m->calling.pres, ISUP_PRES_RESTRICTED);
	ck_assert_uint_eq(m->calling.screen, 3);
	ck_assert_uint_eq(m->cpc, 10);
	ck_assert_uint_eq(m->tmr, 0);
	ck_assert_uint_eq(m->fci.isup_used, 1);
	ck_assert_uint_eq(m->fci.isdn_access, 1);
	ck_assert_uint_eq(m->fci.intl, 0);
	ck_assert_uint_eq(m->n_unknown, 0);
	encode_eq(m, want, n);
	talloc_free(m);
}
END_TEST

struct vector {
	const char *name;
	const char *hex;
	struct isup_msg *(*build)(void);
	void (*check)(const struct isup_msg *m);
};

static struct isup_msg *b_rel(void) { return isup_msg_rel(ctx, 17, 16, ISUP_LOC_PUB_LOCAL); }
static void c_rel(const struct isup_msg *m)
{
	ck_assert_uint_eq(m->cause.value, 16);
	ck_assert_uint_eq(m->cause.location, ISUP_LOC_PUB_LOCAL);
	ck_assert_uint_eq(m->cause.coding, 0);
	ck_assert_uint_eq(m->cause.diag_len, 0);
}

static struct isup_msg *b_grs(void) { return isup_msg_grs(ctx, 1, 31); }
static void c_grs(const struct isup_msg *m)
{
	ck_assert_uint_eq(m->rs.range, 31);
	ck_assert(!m->rs.has_status);
}

static struct isup_msg *b_gra(void) { return isup_msg_gra(ctx, 1, 31, 0x80000003); }
static void c_gra(const struct isup_msg *m)
{
	ck_assert_uint_eq(m->rs.range, 31);
	ck_assert(m->rs.has_status);
	ck_assert_uint_eq(m->rs.status, 0x80000003);
}

static struct isup_msg *b_cgb(void)
{
	return isup_msg_cg(ctx, ISUP_MSGT_CGB, 1, ISUP_CGSMT_MAINTENANCE, 7, 0xa5);
}
static void c_cgb(const struct isup_msg *m)
{
	ck_assert_uint_eq(m->cgsmt, ISUP_CGSMT_MAINTENANCE);
	ck_assert_uint_eq(m->rs.range, 7);
	ck_assert_uint_eq(m->rs.status, 0xa5);
}

static struct isup_msg *b_cgua(void)
{
	return isup_msg_cg(ctx, ISUP_MSGT_CGUA, 40, ISUP_CGSMT_HW_FAILURE, 8, 0x1ff);
}
static void c_cgua(const struct isup_msg *m)
{
	ck_assert_uint_eq(m->cic, 40);
	ck_assert_uint_eq(m->cgsmt, ISUP_CGSMT_HW_FAILURE);
	ck_assert_uint_eq(m->rs.range, 8);
	ck_assert_uint_eq(m->rs.status, 0x1ff);
}

static struct isup_msg *b_acm(void)
{
	struct isup_msg *m = isup_msg_acm(ctx, 17, NULL);

	m->obci.inband = 1;
	ISUP_SET(m, ISUP_P_OBCI);
	return m;
}
static void c_acm(const struct isup_msg *m)
{
	ck_assert_uint_eq(m->bci.charge, 2);
	ck_assert_uint_eq(m->bci.called_status, 1);
	ck_assert_uint_eq(m->bci.called_category, 1);
	ck_assert_uint_eq(m->bci.isup_used, 1);
	ck_assert_uint_eq(m->bci.isdn_access, 1);
	ck_assert(ISUP_HAS(m, ISUP_P_OBCI));
	ck_assert_uint_eq(m->obci.inband, 1);
}

static struct isup_msg *b_cpg(void) { return isup_msg_cpg(ctx, 17, ISUP_EVENT_ALERTING); }
static void c_cpg(const struct isup_msg *m) { ck_assert_uint_eq(m->event.event, 1); }
static struct isup_msg *b_anm(void) { return isup_msg_anm(ctx, 17); }
static struct isup_msg *b_rlc(void) { return isup_msg_simple(ctx, ISUP_MSGT_RLC, 17); }
static struct isup_msg *b_rsc(void) { return isup_msg_simple(ctx, ISUP_MSGT_RSC, 0xfff); }
static void c_rsc(const struct isup_msg *m) { ck_assert_uint_eq(m->cic, 0xfff); }
static struct isup_msg *b_blo(void) { return isup_msg_simple(ctx, ISUP_MSGT_BLO, 17); }
static struct isup_msg *b_cfn(void)
{
	struct isup_msg *m = isup_msg_cfn(ctx, 17, 99, ISUP_LOC_PUB_LOCAL);

	m->cause.diag_len = 1;
	m->cause.diag[0] = 0xfe;
	return m;
}
static void c_cfn(const struct isup_msg *m)
{
	ck_assert_uint_eq(m->cause.value, 99);
	ck_assert_uint_eq(m->cause.diag_len, 1);
	ck_assert_uint_eq(m->cause.diag[0], 0xfe);
}

/* Octets laid out by hand from the Q.763 message format tables. */
static const struct vector vectors[] = {
	/* Table 34 REL: pointer to cause (2), no optional part, cause ITU LN 16 */
	{ "REL", "11000c" "0200" "02" "8290", b_rel, c_rel },
	/* Table 39 GRS: pointer, range 31, no status */
	{ "GRS", "010017" "01" "01" "1f", b_grs, c_grs },
	/* Table 39 GRA: range 31 with 32 status bits */
	{ "GRA", "010029" "01" "05" "1f" "03000080", b_gra, c_gra },
	/* Table 40 CGB: maintenance, range 7, status 10100101 */
	{ "CGB", "010018" "00" "01" "02" "07a5", b_cgb, c_cgb },
	/* CGUA: hardware failure, range 8: two status octets */
	{ "CGUA", "28001b" "01" "01" "03" "08ff01", b_cgua, c_cgua },
	/* Table 21 ACM: BCI charge/free/ordinary, ISUP, ISDN access; OBCI in-band */
	{ "ACM", "110006" "1614" "01" "290101" "00", b_acm, c_acm },
	/* Table 33 CPG: alerting, no optional part */
	{ "CPG", "11002c" "01" "00", b_cpg, c_cpg },
	{ "ANM", "110009" "00", b_anm, NULL },
	{ "RLC", "110010" "00", b_rlc, NULL },
	/* Table 51: RSC is the message type alone; CIC 4095 */
	{ "RSC", "ff0f12", b_rsc, c_rsc },
	{ "BLO", "110013", b_blo, NULL },
	/* Table 26 CFN: cause 99 with the unrecognised parameter as diagnostic */
	{ "CFN", "11002f" "0200" "03" "82e3fe", b_cfn, c_cfn },
};

START_TEST(test_vectors)
{
	const struct vector *v = &vectors[_i];
	uint8_t want[64];
	size_t n = hex(want, sizeof(want), v->hex);
	struct isup_msg *m = v->build();

	ck_assert_msg(m != NULL, "%s: constructor failed", v->name);
	encode_eq(m, want, n);
	talloc_free(m);
	m = decode_ok(want, n);
	ck_assert_str_eq(isup_msg_type_name(m->type), v->name);
	if (v->check)
		v->check(m);
	encode_eq(m, want, n);
	talloc_free(m);
}
END_TEST

/* Build every supported message type, with optional parameters where the
 * format allows, and check encode -> decode -> encode is stable. */
static struct isup_msg *build_full(uint8_t type)
{
	struct isup_number n;
	struct isup_msg *m;

	switch (type) {
	case ISUP_MSGT_IAM:
		isup_number_set(&n, ISUP_NAI_INTERNATIONAL, "33123456789F");
		m = isup_msg_iam(ctx, 100, &n, NULL, 224, 3);
		m->nci.echo_dev = 1;
		m->fci.intl = 1;
		m->fci.isup_pref = 2;
		isup_number_set(&m->calling, ISUP_NAI_UNKNOWN, "");
		m->calling.pres = ISUP_PRES_NOT_AVAILABLE;
		ISUP_SET(m, ISUP_P_CALLING);
		isup_number_set(&m->redirecting, ISUP_NAI_NATIONAL, "0140");
		ISUP_SET(m, ISUP_P_REDIRECTING);
		isup_number_set(&m->orig_called, ISUP_NAI_NATIONAL, "01401");
		ISUP_SET(m, ISUP_P_ORIG_CALLED);
		m->redir_info.indicator = 3;
		m->redir_info.counter = 1;
		m->redir_info.reason = 2;
		ISUP_SET(m, ISUP_P_REDIR_INFO);
		isup_number_set(&m->generic_number[0], ISUP_NAI_NATIONAL, "612345678");
		m->generic_number[0].nqi = 6;
		isup_number_set(&m->generic_number[1], ISUP_NAI_NATIONAL, "BC");
		m->generic_number[1].nqi = 0;
		m->n_generic_number = 2;
		ISUP_SET(m, ISUP_P_GENERIC_NUMBER);
		m->usi.len = 3;
		m->usi.data = (const uint8_t *)"\x80\x90\xa3";
		ISUP_SET(m, ISUP_P_USI);
		m->access_transport.len = 4;
		m->access_transport.data = (const uint8_t *)"\x7c\x02\x80\x90";
		ISUP_SET(m, ISUP_P_ACCESS_TRANSPORT);
		m->hop_counter = 31;
		ISUP_SET(m, ISUP_P_HOP_COUNTER);
		return m;
	case ISUP_MSGT_SAM:
		m = isup_msg_alloc(ctx, type, 100);
		strcpy(m->subsequent.digits, "123F");
		ISUP_SET(m, ISUP_P_SUBSEQUENT);
		return m;
	case ISUP_MSGT_ACM:
	case ISUP_MSGT_CON:
		m = type == ISUP_MSGT_ACM ? isup_msg_acm(ctx, 100, NULL) : isup_msg_con(ctx, 100, NULL);
		m->bci.echo_dev = 1;
		m->bci.sccp_method = 3;
		isup_number_set(&m->connected, ISUP_NAI_NATIONAL, "0299");
		m->connected.pres = ISUP_PRES_RESTRICTED;
		ISUP_SET(m, ISUP_P_CONNECTED);
		m->obci.diversion = 1;
		ISUP_SET(m, ISUP_P_OBCI);
		return m;
	case ISUP_MSGT_CPG:
		m = isup_msg_cpg(ctx, 100, ISUP_EVENT_PROGRESS);
		m->event.pres_restricted = 1;
		m->obci.inband = 1;
		ISUP_SET(m, ISUP_P_OBCI);
		return m;
	case ISUP_MSGT_ANM:
		m = isup_msg_anm(ctx, 100);
		m->bci.charge = 1;
		ISUP_SET(m, ISUP_P_BCI);
		return m;
	case ISUP_MSGT_REL:
	case ISUP_MSGT_CFN:
		m = type == ISUP_MSGT_REL ? isup_msg_rel(ctx, 100, 34, ISUP_LOC_TRANSIT)
					  : isup_msg_cfn(ctx, 100, 97, ISUP_LOC_PUB_LOCAL);
		m->cause.has_recommendation = true;
		m->cause.recommendation = 4;
		m->acl = 2;
		ISUP_SET(m, ISUP_P_ACL);
		return m;
	case ISUP_MSGT_SUS:
	case ISUP_MSGT_RES:
		m = isup_msg_alloc(ctx, type, 100);
		m->susres = 1;
		ISUP_SET(m, ISUP_P_SUSRES);
		return m;
	case ISUP_MSGT_GRS:
		return isup_msg_grs(ctx, 100, 5);
	case ISUP_MSGT_GRA:
		return isup_msg_gra(ctx, 100, 9, 0x2ff);
	case ISUP_MSGT_CGB:
	case ISUP_MSGT_CGBA:
	case ISUP_MSGT_CGU:
	case ISUP_MSGT_CGUA:
		return isup_msg_cg(ctx, type, 100, ISUP_CGSMT_HW_FAILURE, 23, 0xabcdef);
	case ISUP_MSGT_UPT:
	case ISUP_MSGT_UPA:
		m = isup_msg_simple(ctx, type, 100);
		m->pci.n = 1;
		m->pci.e[0].param = 0xf0;
		m->pci.e[0].instr = ISUP_PCI_DISCARD_PARAM;
		ISUP_SET(m, ISUP_P_PCI);
		return m;
	default:
		return isup_msg_simple(ctx, type, 100);
	}
}

static const uint8_t all_types[] = {
	ISUP_MSGT_IAM, ISUP_MSGT_SAM, ISUP_MSGT_ACM, ISUP_MSGT_CPG, ISUP_MSGT_ANM, ISUP_MSGT_CON,
	ISUP_MSGT_REL, ISUP_MSGT_RLC, ISUP_MSGT_SUS, ISUP_MSGT_RES, ISUP_MSGT_RSC, ISUP_MSGT_GRS,
	ISUP_MSGT_GRA, ISUP_MSGT_BLO, ISUP_MSGT_BLA, ISUP_MSGT_UBL, ISUP_MSGT_UBA, ISUP_MSGT_CGB,
	ISUP_MSGT_CGBA, ISUP_MSGT_CGU, ISUP_MSGT_CGUA, ISUP_MSGT_CFN, ISUP_MSGT_UCIC, ISUP_MSGT_UPT,
	ISUP_MSGT_UPA,
};

START_TEST(test_round_trip)
{
	uint8_t type = all_types[_i];
	struct isup_msg *m = build_full(type), *d;
	uint8_t b1[512], b2[512];
	int n1, n2;

	ck_assert_msg(m != NULL, "no constructor for %s", isup_msg_type_name(type));
	ck_assert(isup_msg_type_known(type));
	n1 = isup_encode(m, b1, sizeof(b1));
	ck_assert_msg(n1 > 0, "%s: encode %d", isup_msg_type_name(type), n1);
	d = decode_ok(b1, n1);
	ck_assert_uint_eq(d->type, type);
	ck_assert_uint_eq(d->cic, 100);
	ck_assert_msg(d->present == m->present, "%s: present %llx != %llx", isup_msg_type_name(type),
		      (unsigned long long)d->present, (unsigned long long)m->present);
	n2 = isup_encode(d, b2, sizeof(b2));
	ck_assert_int_eq(n1, n2);
	ck_assert(memcmp(b1, b2, n1) == 0);

	if (type == ISUP_MSGT_IAM) {
		ck_assert_str_eq(d->called.digits, "33123456789F");
		ck_assert_uint_eq(d->called.nai, ISUP_NAI_INTERNATIONAL);
		ck_assert_str_eq(d->calling.digits, "");
		ck_assert_uint_eq(d->calling.pres, ISUP_PRES_NOT_AVAILABLE);
		ck_assert_uint_eq(d->n_generic_number, 2);
		ck_assert_str_eq(d->generic_number[0].digits, "612345678");
		ck_assert_uint_eq(d->generic_number[0].nqi, 6);
		ck_assert_str_eq(d->generic_number[1].digits, "BC");
		ck_assert_str_eq(d->redirecting.digits, "0140");
		ck_assert_str_eq(d->orig_called.digits, "01401");
		ck_assert_uint_eq(d->redir_info.reason, 2);
		ck_assert_uint_eq(d->usi.len, 3);
		ck_assert(memcmp(d->usi.data, "\x80\x90\xa3", 3) == 0);
		ck_assert_uint_eq(d->access_transport.len, 4);
		ck_assert_uint_eq(d->hop_counter, 31);
		ck_assert_uint_eq(d->cpc, 224);
		ck_assert_uint_eq(d->tmr, 3);
		ck_assert_uint_eq(d->fci.isup_pref, 2);
	} else if (type == ISUP_MSGT_SAM) {
		ck_assert_str_eq(d->subsequent.digits, "123F");
	} else if (type == ISUP_MSGT_REL) {
		ck_assert(d->cause.has_recommendation);
		ck_assert_uint_eq(d->cause.recommendation, 4);
		ck_assert_uint_eq(d->cause.value, 34);
		ck_assert_uint_eq(d->acl, 2);
	} else if (type == ISUP_MSGT_CGB) {
		ck_assert_uint_eq(d->rs.range, 23);
		ck_assert_uint_eq(d->rs.status, 0xabcdef);
	} else if (type == ISUP_MSGT_ACM) {
		ck_assert_str_eq(d->connected.digits, "0299");
		ck_assert_uint_eq(d->connected.pres, ISUP_PRES_RESTRICTED);
		ck_assert_uint_eq(d->bci.sccp_method, 3);
	} else if (type == ISUP_MSGT_UPT) {
		ck_assert_uint_eq(d->pci.n, 1);
		ck_assert_uint_eq(d->pci.e[0].param, 0xf0);
	}
	talloc_free(d);
	talloc_free(m);
}
END_TEST

/* An unrecognised optional parameter sits between known ones: kept in
 * order and re-encoded byte-exact. */
START_TEST(test_unknown_param)
{
	uint8_t in[64], out[64];
	size_t n = hex(in, sizeof(in), "110009" "01" "290101" "fe03aabbcc" "3d0105" "f100" "00");
	struct isup_msg *m = decode_ok(in, n);
	int rc;

	ck_assert_uint_eq(m->n_unknown, 2);
	ck_assert_uint_eq(m->unknown[0].code, 0xfe);
	ck_assert_uint_eq(m->unknown[0].len, 3);
	ck_assert(memcmp(m->unknown[0].data, "\xaa\xbb\xcc", 3) == 0);
	ck_assert_uint_eq(m->unknown[1].code, 0xf1);
	ck_assert_uint_eq(m->unknown[1].len, 0);
	ck_assert_uint_eq(m->hop_counter, 5);
	ck_assert(m->obci.inband);
	rc = isup_encode(m, out, sizeof(out));
	ck_assert_int_eq(rc, n);
	ck_assert(memcmp(in, out, n) == 0);

	/* removing a known one keeps the rest in order */
	ISUP_CLEAR(m, ISUP_P_HOP_COUNTER);
	rc = isup_encode(m, out, sizeof(out));
	ck_assert_int_eq(rc, n - 3);
	ck_assert_str_eq(osmo_hexdump_nospc(out, rc), "1100090129010" "1fe03aabbccf10000");
	talloc_free(m);
}
END_TEST

/* Message types without a format table pass through after the CIC. */
START_TEST(test_passthrough)
{
	static const char *const vec[] = { "110080deadbeef", "2a0f0501", "110041", "1100ff00" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vec); i++) {
		uint8_t in[32], out[32];
		size_t n = hex(in, sizeof(in), vec[i]);
		struct isup_msg *m = decode_ok(in, n);

		ck_assert(!isup_msg_type_known(m->type));
		ck_assert_uint_eq(m->raw_len, n - 3);
		ck_assert_uint_eq(m->cic, (in[0] | (in[1] << 8)) & 0xfff);
		ck_assert_int_eq(isup_encode(m, out, sizeof(out)), n);
		ck_assert(memcmp(in, out, n) == 0);
		talloc_free(m);
	}
}
END_TEST

struct bad {
	const char *hex;
	int param;
	const char *reason;
	size_t offset;
};

static const struct bad bads[] = {
	{ "1100", -1, "shorter than CIC", 0 },
	{ "11", -1, "shorter than CIC", 0 },
	{ "", -1, "shorter than CIC", 0 },
	{ "11000100", ISUP_PAR_FORWARD_CALL_IND, "fixed parameter truncated", 4 },
	{ "11000100200100", ISUP_PAR_TRANSMISSION_MEDIUM_REQ, "truncated", 7 },
	{ "1100010020010a00", ISUP_PAR_CALLED_PARTY_NUMBER, "pointer missing", 8 },
	{ "1100010020010a000000", ISUP_PAR_CALLED_PARTY_NUMBER, "zero pointer", 8 },
	{ "1100010020010a000200", ISUP_PAR_CALLED_PARTY_NUMBER, "past end", 8 },
	{ "1100010020010a0001000203", ISUP_PAR_CALLED_PARTY_NUMBER, "pointer area", 8 },
	{ "1100010020010a0002000903101032", ISUP_PAR_CALLED_PARTY_NUMBER, "runs past end", 10 },
	{ "1100010020010a000200028310", ISUP_PAR_CALLED_PARTY_NUMBER, "odd indicator", 10 },
	{ "1100010020010a0002001303100000000000000000000000000000000000", ISUP_PAR_CALLED_PARTY_NUMBER,
	  "too many", 10 },
	{ "1100010020010a000209020310", -1, "optional pointer past end", 9 },
	{ "11000c02000182", ISUP_PAR_CAUSE_IND, "too short", 5 },
	{ "11000c0200020290", ISUP_PAR_CAUSE_IND, "cause value missing", 5 },
	{ "11000901290101", -1, "without end of optional", 7 },
	{ "1100090129", ISUP_PAR_OPT_BACKWARD_CALL_IND, "length missing", 4 },
	{ "110009012905", ISUP_PAR_OPT_BACKWARD_CALL_IND, "runs past end", 4 },
	{ "110009012902010100", ISUP_PAR_OPT_BACKWARD_CALL_IND, "too long", 4 },
	{ "11000901290101290101" "00", ISUP_PAR_OPT_BACKWARD_CALL_IND, "duplicate", 7 },
	{ "11000901" "3902c001" "00", ISUP_PAR_PARAM_COMPAT_INFO, "not terminated", 4 },
	/* REL: optional part inside the cause indicators */
	{ "11000c" "0202" "043d010500", -1, "overlaps", 6 },
	{ "11000c" "0204" "028290" "020501", ISUP_PAR_TRANSMISSION_MEDIUM_REQ, "runs past end", 8 },
	/* SAM: optional part inside the subsequent number */
	{ "110002" "0202" "043d010500", -1, "overlaps", 6 },
	{ "010017010100", ISUP_PAR_RANGE_AND_STATUS, "range outside", 4 },
	{ "0100170101c8", ISUP_PAR_RANGE_AND_STATUS, "range outside", 4 },
	{ "01001701021fff", ISUP_PAR_RANGE_AND_STATUS, "status present in GRS", 4 },
	{ "010018000103" "07a500", ISUP_PAR_RANGE_AND_STATUS, "status length", 5 },
	{ "0100290101" "07", ISUP_PAR_RANGE_AND_STATUS, "status length", 4 },
	{ "010018", ISUP_PAR_CGS_MSG_TYPE, "truncated", 3 },
	{ "01001800", ISUP_PAR_RANGE_AND_STATUS, "pointer missing", 4 },
	{ "11002c01" "01" "c0020000" "00", ISUP_PAR_GENERIC_NUMBER, "too short", 5 },
	/* unrecognised parameter 0xfe whose length runs past the end */
	{ "11000901" "290101" "fe09aa" "00", 0xfe, "runs past end", 7 },
};

START_TEST(test_errors)
{
	const struct bad *b = &bads[_i];
	struct isup_err err = { 0 };
	struct isup_msg *m = (struct isup_msg *)&err;
	uint8_t in[64];
	size_t n = hex(in, sizeof(in), b->hex);
	int rc = isup_decode(ctx, in, n, &m, &err);

	ck_assert_msg(rc == -EINVAL, "%s: rc %d", b->hex, rc);
	ck_assert_ptr_null(m);
	ck_assert_msg(err.param == b->param, "%s: param %d (%s), want %d; reason %s", b->hex,
		      err.param, err.param_name, b->param, err.reason);
	ck_assert_msg(strstr(err.reason, b->reason) != NULL, "%s: reason '%s', want '%s'", b->hex,
		      err.reason, b->reason);
	ck_assert_msg(err.offset == b->offset, "%s: offset %zu, want %zu (%s)", b->hex, err.offset,
		      b->offset, err.reason);
	if (b->param >= 0)
		ck_assert_str_eq(err.param_name, isup_param_name(b->param));
	ck_assert_uint_eq(err.msg_type, n > 2 ? in[2] : 0);
	ck_assert_int_eq(err.cic, n >= 2 ? ((in[0] | (in[1] << 8)) & 0xfff) : -1);
}
END_TEST

START_TEST(test_encode_errors)
{
	struct isup_number num;
	struct isup_msg *m;
	uint8_t buf[64];
	char many[ISUP_MAX_DIGITS + 2];
	int i;

	ck_assert_ptr_null(isup_msg_alloc(ctx, ISUP_MSGT_ANM, 0x1000));
	ck_assert_ptr_null(isup_msg_grs(ctx, 1, 0));
	ck_assert_ptr_null(isup_msg_grs(ctx, 1, 32));
	ck_assert_ptr_null(isup_msg_cg(ctx, ISUP_MSGT_GRS, 1, 0, 3, 0));
	ck_assert_ptr_null(isup_msg_simple(ctx, ISUP_MSGT_IAM, 1));
	ck_assert_int_eq(isup_number_set(&num, 3, "12X"), -EINVAL);
	for (i = 0; i < ISUP_MAX_DIGITS + 1; i++)
		many[i] = '1';
	many[i] = '\0';
	ck_assert_int_eq(isup_number_set(&num, 3, many), -EINVAL);
	many[ISUP_MAX_DIGITS] = '\0';
	ck_assert_int_eq(isup_number_set(&num, 3, many), 0);

	m = isup_msg_iam(ctx, 1, &num, NULL, 10, 0);
	ck_assert_int_eq(isup_encode(m, buf, sizeof(buf)), 3 + 5 + 2 + 1 + 2 + 16);
	ck_assert_int_eq(isup_encode(m, buf, 20), -ENOSPC);
	ck_assert_int_eq(isup_encode(m, buf, 2), -ENOSPC);
	strcpy(m->called.digits, "12*");
	ck_assert_int_eq(isup_encode(m, buf, sizeof(buf)), -EINVAL);
	strcpy(m->called.digits, "12");
	m->called.nai = 0x80;
	ck_assert_int_eq(isup_encode(m, buf, sizeof(buf)), -EINVAL);
	m->called.nai = 3;
	ISUP_CLEAR(m, ISUP_P_CALLED);
	ck_assert_int_eq(isup_encode(m, buf, sizeof(buf)), -EINVAL);
	ISUP_SET(m, ISUP_P_CALLED);
	m->hop_counter = 32;
	ISUP_SET(m, ISUP_P_HOP_COUNTER);
	ck_assert_int_eq(isup_encode(m, buf, sizeof(buf)), -EINVAL);
	talloc_free(m);

	m = isup_msg_grs(ctx, 1, 3);
	m->rs.has_status = true;
	ck_assert_int_eq(isup_encode(m, buf, sizeof(buf)), -EINVAL);
	talloc_free(m);
}
END_TEST

/* Digits B..F and filler: Q.763 3.9 f). */
START_TEST(test_digits)
{
	uint8_t bcd[4];
	char s[8];
	bool odd;

	ck_assert_int_eq(isup_digits_encode(bcd, sizeof(bcd), "1bcF", &odd), 4);
	ck_assert(!odd);
	ck_assert_uint_eq(bcd[0], 0xb1);
	ck_assert_uint_eq(bcd[1], 0xfc);
	ck_assert_int_eq(isup_digits_encode(bcd, sizeof(bcd), "905", &odd), 3);
	ck_assert(odd);
	ck_assert_uint_eq(bcd[1], 0x05);
	ck_assert_int_eq(isup_digits_decode(s, sizeof(s), (const uint8_t *)"\xb1\xfc", 2, false), 4);
	ck_assert_str_eq(s, "1BCF");
	ck_assert_int_eq(isup_digits_decode(s, sizeof(s), (const uint8_t *)"\x09\xf5", 2, true), 3);
	ck_assert_str_eq(s, "905");
	ck_assert_int_eq(isup_digits_decode(s, 3, (const uint8_t *)"\x09\xf5", 2, true), -EINVAL);
	ck_assert_int_eq(isup_digits_encode(bcd, 1, "905", &odd), -ENOSPC);
}
END_TEST

struct compat {
	uint8_t instr;
	enum isup_node_role role;
	enum isup_unrec_action act;
	bool notify;
};

static const struct compat compats[] = {
	{ ISUP_PCI_RELEASE_CALL, ISUP_NODE_END, ISUP_UNREC_RELEASE_CALL, false },
	{ ISUP_PCI_DISCARD_MSG | ISUP_PCI_SEND_NOTIFY, ISUP_NODE_END, ISUP_UNREC_DISCARD_MSG, true },
	{ ISUP_PCI_DISCARD_MSG, ISUP_NODE_END, ISUP_UNREC_DISCARD_MSG, false },
	{ ISUP_PCI_DISCARD_PARAM | ISUP_PCI_SEND_NOTIFY, ISUP_NODE_END, ISUP_UNREC_DISCARD_PARAM, true },
	{ ISUP_PCI_DISCARD_PARAM, ISUP_NODE_END, ISUP_UNREC_DISCARD_PARAM, false },
	{ 0, ISUP_NODE_END, ISUP_UNREC_DISCARD_PARAM, false },
	/* transit interpretation: passed on whatever B..E say */
	{ ISUP_PCI_RELEASE_CALL, ISUP_NODE_TRANSIT, ISUP_UNREC_PASS_ON, false },
	/* end node interpretation applies at a transit node too */
	{ ISUP_PCI_END_NODE | ISUP_PCI_RELEASE_CALL, ISUP_NODE_TRANSIT, ISUP_UNREC_RELEASE_CALL, false },
	{ ISUP_PCI_END_NODE, ISUP_NODE_TRANSIT, ISUP_UNREC_PASS_ON, false },
	/* pass on not possible: GF decides */
	{ 0 << 5, ISUP_NODE_TRANSIT_NO_PASS, ISUP_UNREC_RELEASE_CALL, false },
	{ (1 << 5) | ISUP_PCI_SEND_NOTIFY, ISUP_NODE_TRANSIT_NO_PASS, ISUP_UNREC_DISCARD_MSG, true },
	{ 2 << 5, ISUP_NODE_TRANSIT_NO_PASS, ISUP_UNREC_DISCARD_PARAM, false },
};

START_TEST(test_compat)
{
	const struct compat *c = &compats[_i];
	uint8_t in[32];
	size_t n;
	struct isup_msg *m;
	bool notify = !c->notify;
	char h[64];

	/* ANM carrying PCI for parameters 0xf0 (under test) and 0xf1 (release) */
	snprintf(h, sizeof(h), "110009" "01" "3904" "f0%02x" "f182" "f00101" "00", c->instr | 0x80);
	n = hex(in, sizeof(in), h);
	m = decode_ok(in, n);
	ck_assert_uint_eq(m->pci.n, 2);
	ck_assert_uint_eq(m->pci.e[0].instr, c->instr);
	ck_assert_uint_eq(m->n_unknown, 1);
	ck_assert_msg(isup_unrec_param_action(m, m->unknown[0].code, c->role, &notify) == c->act,
		      "instr %02x role %d: got %s", c->instr, c->role,
		      isup_unrec_action_name(isup_unrec_param_action(m, 0xf0, c->role, &notify)));
	ck_assert_int_eq(notify, c->notify);
	ck_assert_int_eq(isup_unrec_param_action(m, 0xf1, ISUP_NODE_END, &notify),
			 ISUP_UNREC_RELEASE_CALL);
	talloc_free(m);
}
END_TEST

/* No compatibility entry: Q.764 2.9.5.3.3 default. */
START_TEST(test_compat_default)
{
	struct isup_msg *m = isup_msg_anm(ctx, 1);
	bool notify = false;

	ck_assert_int_eq(isup_unrec_param_action(m, 0xf0, ISUP_NODE_END, &notify),
			 ISUP_UNREC_DISCARD_PARAM);
	ck_assert(notify);
	ck_assert_int_eq(isup_unrec_param_action(m, 0xf0, ISUP_NODE_TRANSIT, &notify),
			 ISUP_UNREC_PASS_ON);
	ck_assert(!notify);
	talloc_free(m);
}
END_TEST

/* PCI entry with extension octets round-trips. */
START_TEST(test_compat_ext)
{
	uint8_t in[32], out[32];
	size_t n = hex(in, sizeof(in), "110009" "01" "3905" "f01081" "c083" "00");
	struct isup_msg *m = decode_ok(in, n);

	ck_assert_uint_eq(m->pci.n, 2);
	ck_assert_uint_eq(m->pci.e[0].n_more, 1);
	ck_assert_uint_eq(m->pci.e[0].more[0], 0x01);
	ck_assert_uint_eq(m->pci.e[1].param, 0xc0);
	ck_assert_int_eq(isup_encode(m, out, sizeof(out)), n);
	ck_assert(memcmp(in, out, n) == 0);
	talloc_free(m);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(isup_msg_type_name(ISUP_MSGT_IAM), "IAM");
	ck_assert_str_eq(isup_msg_type_name(ISUP_MSGT_CGUA), "CGUA");
	ck_assert_str_eq(isup_cause_name(16), "Normal call clearing");
	ck_assert_str_eq(isup_cause_name(34), "No circuit/channel available");
	ck_assert_str_eq(isup_cause_loc_name(ISUP_LOC_PUB_LOCAL), "LN");
	ck_assert_str_eq(isup_param_name(ISUP_PAR_CAUSE_IND), "cause indicators");
	ck_assert_str_eq(isup_event_name(ISUP_EVENT_ALERTING), "alerting");
	ck_assert_ptr_nonnull(strstr(isup_msg_type_name(0x7e), "unknown"));
	ck_assert_str_eq(isup_param_name(0xfe), "unrecognised parameter");
}
END_TEST

START_TEST(test_msg_str)
{
	struct isup_number called, calling;
	struct isup_msg *m;
	char buf[160], small[12];

	m = isup_msg_rel(ctx, 17, 16, ISUP_LOC_PUB_LOCAL);
	ck_assert_str_eq(isup_msg_str(buf, sizeof(buf), m),
			 "REL cic=17 cause=16(Normal call clearing) loc=LN");
	ck_assert_str_eq(isup_msg_str(small, sizeof(small), m), "REL cic=17 ");
	talloc_free(m);

	isup_number_set(&called, ISUP_NAI_NATIONAL, "0123456789");
	isup_number_set(&calling, ISUP_NAI_NATIONAL, "4912345");
	calling.pres = ISUP_PRES_RESTRICTED;
	m = isup_msg_iam(ctx, 5, &called, &calling, 10, 0);
	ck_assert_str_eq(isup_msg_str(buf, sizeof(buf), m),
			 "IAM cic=5 called=0123456789(nai=3) calling=4912345(nai=3,pres=1) cpc=10");
	talloc_free(m);

	m = isup_msg_cg(ctx, ISUP_MSGT_CGB, 1, 0, 7, 0xa5);
	ck_assert_str_eq(isup_msg_str(buf, sizeof(buf), m),
			 "CGB cic=1 cgsmt=0 range=7 status=0x000000a5");
	talloc_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("isup");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_iam_vector);
	tcase_add_loop_test(tc, test_vectors, 0, ARRAY_SIZE(vectors));
	tcase_add_loop_test(tc, test_round_trip, 0, ARRAY_SIZE(all_types));
	tcase_add_test(tc, test_unknown_param);
	tcase_add_test(tc, test_passthrough);
	tcase_add_loop_test(tc, test_errors, 0, ARRAY_SIZE(bads));
	tcase_add_test(tc, test_encode_errors);
	tcase_add_test(tc, test_digits);
	tcase_add_loop_test(tc, test_compat, 0, ARRAY_SIZE(compats));
	tcase_add_test(tc, test_compat_default);
	tcase_add_test(tc, test_compat_ext);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_msg_str);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
