/* test_isup_tshark.c - ISUP codec and pcap trace cross-checked by Wireshark's dissectors (Q.763, RFC 4666) */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/isup.h"
#include "sigtran/pcap_trace.h"

#define OPC 1001
#define DPC 2002

static void *ctx;
static char dir[64];

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	strcpy(dir, "/tmp/isup-tshark-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* M3UA DATA (RFC 4666 3.3.1) built here by hand so that the check does not
 * depend on the M3UA codec: common header version 1, class 1 type 1, then
 * the Protocol Data parameter (tag 0x0210) padded to 4 octets. */
static size_t m3ua_wrap(uint8_t *out, const uint8_t *isup, size_t n, uint8_t sls)
{
	size_t plen = 4 + 12 + n, pad = (4 - (plen & 3)) & 3, tot = 8 + plen + pad;

	memset(out, 0, tot);
	out[0] = 1;
	out[2] = 1;
	out[3] = 1;
	out[4] = tot >> 24;
	out[5] = tot >> 16;
	out[6] = tot >> 8;
	out[7] = tot;
	out[8] = 0x02;
	out[9] = 0x10;
	out[10] = plen >> 8;
	out[11] = plen;
	out[12] = OPC >> 24;
	out[13] = OPC >> 16;
	out[14] = OPC >> 8;
	out[15] = OPC & 0xff;
	out[16] = DPC >> 24;
	out[17] = DPC >> 16;
	out[18] = DPC >> 8;
	out[19] = DPC & 0xff;
	out[20] = 5;		/* SI = ISUP */
	out[21] = 2;		/* NI = national */
	out[22] = 0;		/* MP */
	out[23] = sls;
	memcpy(out + 24, isup, n);
	return tot;
}

static struct isup_msg *mk_iam(void)
{
	struct isup_number called, calling;

	isup_number_set(&called, ISUP_NAI_NATIONAL, "0123456789");
	isup_number_set(&calling, ISUP_NAI_NATIONAL, "4912345");
	calling.pres = ISUP_PRES_RESTRICTED;
	calling.screen = 3;
	return isup_msg_iam(ctx, 17, &called, &calling, 10, 0);
}

static struct isup_msg *mk_acm(void) { return isup_msg_acm(ctx, 17, NULL); }
static struct isup_msg *mk_cpg(void) { return isup_msg_cpg(ctx, 17, ISUP_EVENT_ALERTING); }
static struct isup_msg *mk_anm(void) { return isup_msg_anm(ctx, 17); }
static struct isup_msg *mk_rel(void) { return isup_msg_rel(ctx, 17, 16, ISUP_LOC_PUB_LOCAL); }
static struct isup_msg *mk_rlc(void) { return isup_msg_simple(ctx, ISUP_MSGT_RLC, 17); }
static struct isup_msg *mk_grs(void) { return isup_msg_grs(ctx, 33, 31); }
static struct isup_msg *mk_gra(void) { return isup_msg_gra(ctx, 33, 7, 0x81); }
static struct isup_msg *mk_cgb(void)
{
	return isup_msg_cg(ctx, ISUP_MSGT_CGB, 4095, ISUP_CGSMT_MAINTENANCE, 7, 0xa5);
}
static struct isup_msg *mk_cgba(void)
{
	return isup_msg_cg(ctx, ISUP_MSGT_CGBA, 4095, ISUP_CGSMT_HW_FAILURE, 4, 0x15);
}

/* tshark -T fields output, one column per field. */
enum col {
	C_TYPE, C_CIC, C_CALLED, C_CALLED_NAI, C_INN, C_CALLING, C_CALLING_NAI, C_PRES, C_SCREEN,
	C_CPC, C_FCI_ISUP, C_CHARGE, C_CALLED_STATUS, C_CALLED_CAT, C_BCI_ACCESS, C_EVENT, C_CAUSE,
	C_CAUSE_LOC, C_CGSMT, C_RANGE, C_STATUS, C_OPC, C_DPC, C_SI, C_SID, C_CKSUM, C_MALFORMED,
	_NUM_C
};

static const char *const fields[_NUM_C] = {
	[C_TYPE] = "isup.message_type",
	[C_CIC] = "isup.cic",
	[C_CALLED] = "isup.called",
	[C_CALLED_NAI] = "isup.called_party_nature_of_address_indicator",
	[C_INN] = "isup.inn_indicator",
	[C_CALLING] = "isup.calling",
	[C_CALLING_NAI] = "isup.calling_party_nature_of_address_indicator",
	[C_PRES] = "isup.address_presentation_restricted_indicator",
	[C_SCREEN] = "isup.screening_indicator",
	[C_CPC] = "isup.calling_partys_category",
	[C_FCI_ISUP] = "isup.forw_call_isdn_user_part_indicator",
	[C_CHARGE] = "isup.charge_indicator",
	[C_CALLED_STATUS] = "isup.called_partys_status_indicator",
	[C_CALLED_CAT] = "isup.called_partys_category_indicator",
	[C_BCI_ACCESS] = "isup.backw_call_isdn_access_indicator",
	[C_EVENT] = "isup.event_ind",
	[C_CAUSE] = "isup.cause_indicator",
	[C_CAUSE_LOC] = "q931.cause_location",
	[C_CGSMT] = "isup.cgs_message_type",
	[C_RANGE] = "isup.range_indicator",
	[C_STATUS] = "isup.bitbucket",
	[C_OPC] = "m3ua.protocol_data_opc",
	[C_DPC] = "m3ua.protocol_data_dpc",
	[C_SI] = "m3ua.protocol_data_si",
	[C_SID] = "sctp.data_sid",
	[C_CKSUM] = "sctp.checksum.status",
	[C_MALFORMED] = "_ws.malformed",
};

#define MAX_COLS 32

struct expect {
	struct isup_msg *(*build)(void);
	const char *v[MAX_COLS];	/* NULL: tshark must print nothing */
};

osmo_static_assert(_NUM_C <= MAX_COLS, cols_fit);

/* Every frame: M3UA label as built, SCTP stream 1, CRC32c good. */
#define WRAP [C_OPC] = "1001", [C_DPC] = "2002", [C_SI] = "5", [C_SID] = "0x0001", [C_CKSUM] = "1"

/* Wireshark prints the range as a circuit count (range + 1) and the status
 * bits only for up to 8 circuits, as one number. */
static const struct expect expects[] = {
	{ mk_iam, { [C_TYPE] = "1", [C_CIC] = "17", [C_CALLED] = "0123456789", [C_CALLED_NAI] = "3",
		    [C_INN] = "0", [C_CALLING] = "4912345", [C_CALLING_NAI] = "3", [C_PRES] = "1",
		    [C_SCREEN] = "3", [C_CPC] = "0x0a", [C_FCI_ISUP] = "1", WRAP } },
	{ mk_acm, { [C_TYPE] = "6", [C_CIC] = "17", [C_CHARGE] = "0x0002",
		    [C_CALLED_STATUS] = "0x0001", [C_CALLED_CAT] = "0x0001", [C_BCI_ACCESS] = "1",
		    WRAP } },
	{ mk_cpg, { [C_TYPE] = "44", [C_CIC] = "17", [C_EVENT] = "1", WRAP } },
	{ mk_anm, { [C_TYPE] = "9", [C_CIC] = "17", WRAP } },
	{ mk_rel, { [C_TYPE] = "12", [C_CIC] = "17", [C_CAUSE] = "16", [C_CAUSE_LOC] = "2", WRAP } },
	{ mk_rlc, { [C_TYPE] = "16", [C_CIC] = "17", WRAP } },
	{ mk_grs, { [C_TYPE] = "23", [C_CIC] = "33", [C_RANGE] = "32", WRAP } },
	{ mk_gra, { [C_TYPE] = "41", [C_CIC] = "33", [C_RANGE] = "8", [C_STATUS] = "129", WRAP } },
	{ mk_cgb, { [C_TYPE] = "24", [C_CIC] = "4095", [C_CGSMT] = "0", [C_RANGE] = "8",
		    [C_STATUS] = "165", WRAP } },
	{ mk_cgba, { [C_TYPE] = "26", [C_CIC] = "4095", [C_CGSMT] = "1", [C_RANGE] = "5",
		     [C_STATUS] = "21", WRAP } },
};

/* Split one tshark line at '|' and compare column by column. */
static void check_line(size_t frame, char *line, const char *const *fields, size_t n_fields,
		       const struct expect *e)
{
	char *tok = line;
	size_t c;

	for (c = 0; c < n_fields; c++) {
		char *bar = strchr(tok, '|');
		const char *want = e->v[c] ? e->v[c] : "";

		if (bar)
			*bar = '\0';
		ck_assert_msg(strcmp(tok, want) == 0, "frame %zu: %s = '%s', want '%s'", frame,
			      fields[c], tok, want);
		ck_assert_msg(bar || c == n_fields - 1, "frame %zu: only %zu columns", frame, c + 1);
		if (bar)
			tok = bar + 1;
	}
}

static int tshark_present(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "HOME='%s' tshark --version >/dev/null 2>&1", dir);
	return system(cmd) == 0;
}

/* Encode each message, trace it as M3UA DATA, have tshark print the
 * fields and compare them with the expectations. */
static void run_tshark(const char *const *fields, size_t n_fields, const struct expect *exp,
		       size_t n_exp)
{
	struct pcap_trace *t;
	char path[128], cmd[2048], line[1024];
	size_t off, i;
	FILE *p;

	ck_assert_msg(tshark_present(),
		      "tshark is not installed: this cross-check needs it (setup.sh installs it)");
	snprintf(path, sizeof(path), "%s/isup.pcap", dir);
	t = pcap_trace_open(ctx, path);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n_exp; i++) {
		struct isup_msg *m = exp[i].build();
		struct timeval tv = { .tv_sec = 1700000000 + i, .tv_usec = 1000 * i };
		uint8_t isup[272], m3ua[300];
		int n;

		ck_assert_ptr_nonnull(m);
		n = isup_encode(m, isup, sizeof(isup));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(pcap_trace_m3ua(t, &tv, 0x7f000001, 2905, 0x7f000002, 2905, 1, m3ua,
						 m3ua_wrap(m3ua, isup, n, i & 15)), 0);
		talloc_free(m);
	}
	ck_assert_uint_eq(pcap_trace_written(t), n_exp);
	ck_assert_uint_eq(pcap_trace_dropped(t), 0);
	pcap_trace_close(t);

	off = snprintf(cmd, sizeof(cmd),
		       "HOME='%s' tshark -n -r '%s' -o sctp.checksum:CRC-32C -T fields "
		       "-E separator='|' -E occurrence=a -E aggregator=',' ", dir, path);
	for (i = 0; i < n_fields; i++)
		off += snprintf(cmd + off, sizeof(cmd) - off, "-e %s ", fields[i]);
	ck_assert_uint_lt(off, sizeof(cmd) - 16);
	snprintf(cmd + off, sizeof(cmd) - off, "2>/dev/null");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n_exp; i++) {
		size_t l;

		ck_assert_msg(fgets(line, sizeof(line), p) != NULL, "tshark printed %zu lines, want %zu",
			      i, n_exp);
		l = strlen(line);
		if (l && line[l - 1] == '\n')
			line[l - 1] = '\0';
		check_line(i + 1, line, fields, n_fields, &exp[i]);
	}
	ck_assert_ptr_null(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
}

START_TEST(test_tshark_decodes)
{
	run_tshark(fields, ARRAY_SIZE(fields), expects, ARRAY_SIZE(expects));
}
END_TEST

/* Optional parameters and the remaining message types. */
static struct isup_msg *mk_iam_full(void)
{
	struct isup_number called;
	struct isup_msg *m;

	isup_number_set(&called, ISUP_NAI_INTERNATIONAL, "33123456789");
	m = isup_msg_iam(ctx, 200, &called, NULL, 10, 3);
	isup_number_set(&m->redirecting, ISUP_NAI_NATIONAL, "0140");
	ISUP_SET(m, ISUP_P_REDIRECTING);
	isup_number_set(&m->orig_called, ISUP_NAI_NATIONAL, "01401");
	ISUP_SET(m, ISUP_P_ORIG_CALLED);
	m->redir_info.indicator = 3;
	m->redir_info.counter = 2;
	m->redir_info.reason = 1;
	ISUP_SET(m, ISUP_P_REDIR_INFO);
	isup_number_set(&m->generic_number[0], ISUP_NAI_NATIONAL, "612345678");
	m->generic_number[0].nqi = 6;
	m->n_generic_number = 1;
	ISUP_SET(m, ISUP_P_GENERIC_NUMBER);
	m->hop_counter = 20;
	ISUP_SET(m, ISUP_P_HOP_COUNTER);
	return m;
}

static struct isup_msg *mk_sam(void)
{
	struct isup_msg *m = isup_msg_alloc(ctx, ISUP_MSGT_SAM, 200);

	strcpy(m->subsequent.digits, "987F");
	ISUP_SET(m, ISUP_P_SUBSEQUENT);
	return m;
}

static struct isup_msg *mk_con(void)
{
	struct isup_msg *m = isup_msg_con(ctx, 200, NULL);

	isup_number_set(&m->connected, ISUP_NAI_NATIONAL, "0299");
	ISUP_SET(m, ISUP_P_CONNECTED);
	m->obci.inband = 1;
	ISUP_SET(m, ISUP_P_OBCI);
	return m;
}

static struct isup_msg *mk_rel_acl(void)
{
	struct isup_msg *m = isup_msg_rel(ctx, 200, 42, ISUP_LOC_TRANSIT);

	m->acl = 2;
	ISUP_SET(m, ISUP_P_ACL);
	return m;
}

static struct isup_msg *mk_sus(void)
{
	struct isup_msg *m = isup_msg_alloc(ctx, ISUP_MSGT_SUS, 200);

	m->susres = 1;
	ISUP_SET(m, ISUP_P_SUSRES);
	return m;
}

static struct isup_msg *mk_anm_unknown(void)
{
	static const uint8_t data[] = { 0xaa, 0xbb };
	struct isup_msg *m = isup_msg_anm(ctx, 200);

	m->unknown[0].code = 0xfe;
	m->unknown[0].len = sizeof(data);
	m->unknown[0].data = data;
	m->n_unknown = 1;
	return m;
}

static struct isup_msg *mk_blo(void) { return isup_msg_simple(ctx, ISUP_MSGT_BLO, 200); }
static struct isup_msg *mk_ucic(void) { return isup_msg_simple(ctx, ISUP_MSGT_UCIC, 200); }

enum col2 {
	D_TYPE, D_CIC, D_CALLED, D_REDIRECTING, D_ORIG_CALLED, D_REDIR_IND, D_REDIR_COUNTER,
	D_REDIR_REASON, D_GENERIC, D_HOP, D_TMR, D_SUBSEQUENT, D_CONNECTED, D_INBAND, D_CAUSE,
	D_ACL, D_SUSRES, D_PARAM_TYPES, D_MALFORMED, _NUM_D
};

static const char *const fields2[_NUM_D] = {
	[D_TYPE] = "isup.message_type",
	[D_CIC] = "isup.cic",
	[D_CALLED] = "isup.called",
	[D_REDIRECTING] = "isup.redirecting",
	[D_ORIG_CALLED] = "isup.original_called_number",
	[D_REDIR_IND] = "isup.redirecting_ind",
	[D_REDIR_COUNTER] = "isup.redirection_counter",
	[D_REDIR_REASON] = "isup.redirection_reason",
	[D_GENERIC] = "isup.generic_number",
	[D_HOP] = "isup.hop_counter",
	[D_TMR] = "isup.transmission_medium_requirement",
	[D_SUBSEQUENT] = "isup.subsequent_number",
	[D_CONNECTED] = "isup.connected_number",
	[D_INBAND] = "isup.inband_information_ind",
	[D_CAUSE] = "isup.cause_indicator",
	[D_ACL] = "isup.automatic_congestion_level",
	[D_SUSRES] = "isup.suspend_resume_indicator",
	[D_PARAM_TYPES] = "isup.parameter_type",
	[D_MALFORMED] = "_ws.malformed",
};

osmo_static_assert(_NUM_D <= MAX_COLS, cols2_fit);

static const struct expect expects2[] = {
	{ mk_iam_full, { [D_TYPE] = "1", [D_CIC] = "200", [D_CALLED] = "33123456789",
			 [D_REDIRECTING] = "0140", [D_ORIG_CALLED] = "01401", [D_REDIR_IND] = "3",
			 [D_REDIR_COUNTER] = "2", [D_REDIR_REASON] = "1", [D_GENERIC] = "612345678",
			 [D_HOP] = "20", [D_TMR] = "3",
			 [D_PARAM_TYPES] = "6,7,9,2,4,11,40,192,19,61,0" } },
	{ mk_sam, { [D_TYPE] = "2", [D_CIC] = "200", [D_SUBSEQUENT] = "987F",
		    [D_PARAM_TYPES] = "5" } },
	{ mk_con, { [D_TYPE] = "7", [D_CIC] = "200", [D_CONNECTED] = "0299", [D_INBAND] = "1",
		    [D_PARAM_TYPES] = "17,33,41,0" } },
	{ mk_rel_acl, { [D_TYPE] = "12", [D_CIC] = "200", [D_CAUSE] = "42", [D_ACL] = "2",
			[D_PARAM_TYPES] = "18,39,0" } },
	{ mk_sus, { [D_TYPE] = "13", [D_CIC] = "200", [D_SUSRES] = "1", [D_PARAM_TYPES] = "34" } },
	{ mk_anm_unknown, { [D_TYPE] = "9", [D_CIC] = "200", [D_PARAM_TYPES] = "254,0" } },
	{ mk_blo, { [D_TYPE] = "19", [D_CIC] = "200" } },
	{ mk_ucic, { [D_TYPE] = "46", [D_CIC] = "200" } },
};

START_TEST(test_tshark_optional)
{
	run_tshark(fields2, ARRAY_SIZE(fields2), expects2, ARRAY_SIZE(expects2));
}
END_TEST

/* The cap: a record that would pass it is dropped and counted; what was
 * written stays a valid file that tshark reads. */
START_TEST(test_trace_cap)
{
	static const uint8_t pdu[] = { 1, 0, 3, 1, 0, 0, 0, 8 };	/* M3UA ASPUP, header only */
	struct timeval tv = { .tv_sec = 1 };
	char path[128], cmd[512], line[64];
	struct pcap_trace *t;
	FILE *p;
	int i;

	snprintf(path, sizeof(path), "%s/cap.pcap", dir);
	t = pcap_trace_open(ctx, path);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(pcap_trace_bytes(t), 24);
	/* header 24 + 3 records of 16 + 20 + 12 + 16 + 8 */
	pcap_trace_set_max_bytes(t, 24 + 3 * 72);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(pcap_trace_m3ua(t, &tv, 1, 2, 3, 4, 0, pdu, sizeof(pdu)),
				 i < 3 ? 0 : -ENOSPC);
	ck_assert_int_eq(pcap_trace_m3ua(t, &tv, 1, 2, 3, 4, 0, pdu, 0), -EINVAL);
	ck_assert_uint_eq(pcap_trace_written(t), 3);
	ck_assert_uint_eq(pcap_trace_dropped(t), 3);
	ck_assert_uint_eq(pcap_trace_bytes(t), 24 + 3 * 72);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(pcap_trace_ctrg(t), 0)->current, 3);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(pcap_trace_ctrg(t), 1)->current, 2);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(pcap_trace_ctrg(t), 2)->current, 1);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(pcap_trace_ctrg(t), 3)->current, 0);
	ck_assert_str_eq(pcap_trace_ctrg(t)->desc->ctr_desc[1].name, "trace:dropped:full");
	pcap_trace_close(t);
	ck_assert_ptr_null(pcap_trace_open(ctx, "/nonexistent-dir/x.pcap"));

	ck_assert_msg(tshark_present(),
		      "tshark is not installed: this cross-check needs it (setup.sh installs it)");
	snprintf(cmd, sizeof(cmd), "HOME='%s' tshark -n -r '%s' -T fields -e sctp.data_tsn_raw 2>/dev/null",
		 dir, path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
		ck_assert_int_eq(atoi(line), i + 1);
	}
	ck_assert_ptr_null(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("isup_tshark");
	TCase *tc = tcase_create("wireshark");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tshark_decodes);
	tcase_add_test(tc, test_tshark_optional);
	tcase_add_test(tc, test_trace_cap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
