/* test_cic.c - circuits: hunting, call seizure and release, T1/T5, IAM accept/reject, dual seizure, pause (Q.764 2.9) */
#include "test_cic_common.h"

static void seize_codes(struct cic_group *grp, const uint16_t *want, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct cic *cic = NULL;

		ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
		ck_assert_msg(cic_code(cic) == want[i], "hunt %u: got CIC %u, want %u", i, cic_code(cic), want[i]);
		ck_assert_str_eq(cic_state_name(cic), "OUTGOING_BUSY");
		ck_assert_ptr_eq(cic_owner(cic), &user.owner);
	}
}

/* Give circuit back and complete the release with RLC from the peer. */
static void release_rlc(struct isup_up *up, struct cic *cic)
{
	struct isup_msg *rel;

	cic_release(cic, 16);
	rel = take(ISUP_MSGT_REL, cic_code(cic));
	ck_assert(ISUP_HAS(rel, ISUP_P_CAUSE));
	ck_assert_uint_eq(rel->cause.value, 16);
	inject_simple(up, ISUP_MSGT_RLC, cic_code(cic));
	ck_assert(cic_is_idle(cic));
}

/* Point code and MTP set after allocation, as the daemon does after reading its config. */
START_TEST(test_set_opc_and_mtp_later)
{
	static const struct isup_up_mtp_ops none = { .transfer_req = NULL };
	struct isup_up *up = up_new(0);
	struct cic_group *grp = group_new(up, "g", 1, 2);
	struct cic *cic = NULL;

	ck_assert_int_eq(isup_up_set_opc(up, MTP3_PC_MAX + 1, MTP3_NI_NATIONAL), -EINVAL);
	ck_assert_int_eq(isup_up_set_mtp(up, &none, &mtp), -EINVAL);
	ck_assert_int_eq(isup_up_set_opc(up, OUR_PC, MTP3_NI_NATIONAL), 0);
	ck_assert_int_eq(isup_up_set_mtp(up, &fake_mtp_ops, &mtp), 0);
	ck_assert_uint_eq(isup_up_opc(up), OUR_PC);
	mtp.opc = OUR_PC;	/* the fake MTP asserts every message carries this OPC */
	bring_up(up, grp);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	release_rlc(up, cic);
	isup_up_free(up);
}
END_TEST

START_TEST(test_hunting_orders)
{
	static const struct {
		enum cic_hunting h;
		uint16_t order[6];
	} cases[] = {
		{ CIC_HUNT_ASCENDING, { 1, 2, 3, 4, 5, 6 } },
		{ CIC_HUNT_DESCENDING, { 6, 5, 4, 3, 2, 1 } },
		{ CIC_HUNT_ODD, { 1, 3, 5, 2, 4, 6 } },
		{ CIC_HUNT_EVEN, { 2, 4, 6, 1, 3, 5 } },
	};
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 6);
	struct cic *cic = NULL;
	unsigned i, c;

	bring_up(up, grp);
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		cic_group_set_hunting(grp, cases[c].h);
		seize_codes(grp, cases[c].order, 6);
		/* exhaustion */
		ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
		for (i = 0; i < 6; i++)
			release_rlc(up, cic_group_circuit(grp, i));
	}
	ck_assert_uint_eq(ctr(grp, CIC_CTR_REL_OUT), 24);
	isup_up_free(up);
}
END_TEST

START_TEST(test_hunting_lru_and_blocked)
{
	static const uint16_t lru_order[] = { 3, 1, 2 };
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 3);
	struct cic *cic = NULL, *c[3];
	unsigned i;

	bring_up(up, grp);
	cic_group_set_hunting(grp, CIC_HUNT_LRU);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(cic_hunt(grp, &user.owner, &c[i]), 0);
	/* released 3, 1, 2: the longest idle comes first */
	release_rlc(up, c[2]);
	release_rlc(up, c[0]);
	release_rlc(up, c[1]);
	seize_codes(grp, lru_order, 3);
	for (i = 0; i < 3; i++)
		release_rlc(up, cic_group_circuit(grp, i));

	/* peer blocks CIC 1 and 2: only 3 is left; then 3 too: -EACCES */
	inject_simple(up, ISUP_MSGT_BLO, 1);
	take(ISUP_MSGT_BLA, 1);
	inject_simple(up, ISUP_MSGT_BLO, 2);
	take(ISUP_MSGT_BLA, 2);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_uint_eq(cic_code(cic), 3);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
	release_rlc(up, cic);
	ck_assert_int_eq(cic_block(cic_group_circuit(grp, 2)), 0);
	take(ISUP_MSGT_BLO, 3);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EACCES);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_BLO_IN), 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_BLO_OUT), 1);
	isup_up_free(up);
}
END_TEST

START_TEST(test_outgoing_call_release)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct cic *cic = NULL;
	struct isup_msg *m;

	bring_up(up, grp);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_int_eq(send_free(cic, iam_msg(0)), 0);
	m = take(ISUP_MSGT_IAM, 1);
	ck_assert_str_eq(m->called.digits, "0123456789");
	ck_assert_uint_eq(ctr(grp, CIC_CTR_IAM_OUT), 1);
	/* circuit procedures are not the owner's to send */
	ck_assert_int_eq(send_free(cic, isup_msg_simple(ctx, ISUP_MSGT_RLC, 1)), -EINVAL);

	inject(up, isup_msg_acm(ctx, 1, NULL));
	ck_assert_uint_eq(user.n_call_msg, 1);
	ck_assert_uint_eq(user.last_call_type, ISUP_MSGT_ACM);
	inject(up, isup_msg_anm(ctx, 1));
	ck_assert_uint_eq(user.last_call_type, ISUP_MSGT_ANM);

	cic_release(cic, 16);
	ck_assert_ptr_null(cic_owner(cic));
	ck_assert_str_eq(cic_state_name(cic), "WAIT_RLC");
	m = take(ISUP_MSGT_REL, 1);
	ck_assert_uint_eq(m->cause.value, 16);
	/* a late call message goes nowhere */
	inject(up, isup_msg_cpg(ctx, 1, ISUP_EVENT_PROGRESS));
	ck_assert_uint_eq(user.n_call_msg, 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UNEXPECTED), 1);
	inject_simple(up, ISUP_MSGT_RLC, 1);
	ck_assert(cic_is_idle(cic));
	nothing_sent();
	/* RLC on an idle circuit: discarded (Q.764 2.9.5.1) */
	inject_simple(up, ISUP_MSGT_RLC, 1);
	nothing_sent();
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UNEXPECTED), 2);
	/* REL on an idle circuit: RLC */
	inject(up, isup_msg_rel(ctx, 1, 16, ISUP_LOC_PUB_REMOTE));
	take(ISUP_MSGT_RLC, 1);
	isup_up_free(up);
}
END_TEST

START_TEST(test_t1_t5)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 2);
	struct cic *cic = NULL;
	unsigned i;

	bring_up(up, grp);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_int_eq(send_free(cic, iam_msg(0)), 0);
	take(ISUP_MSGT_IAM, 1);
	cic_release(cic, 31);
	take(ISUP_MSGT_REL, 1);
	advance_ms(14900);
	nothing_sent();
	/* T1 (15 s) repeats REL with the same cause until T5 (300 s) */
	advance_ms(100);
	ck_assert_uint_eq(take(ISUP_MSGT_REL, 1)->cause.value, 31);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T1_EXPIRY), 1);
	for (i = 2; i < 20; i++) {
		advance_ms(15000);
		take(ISUP_MSGT_REL, 1);
	}
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T1_EXPIRY), 19);
	/* 285 s gone; T5 at 300 s: RSC, no more REL */
	advance_ms(15000);
	take(ISUP_MSGT_RSC, 1);
	nothing_sent();
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T5_EXPIRY), 1);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_RSC_OUT), 1);
	ck_assert_str_eq(cic_state_name(cic), "WAIT_RSC_RLC");
	/* Q.764 2.9.6: after T5 the RSC is repeated at T17 intervals only */
	advance_ms(299900);
	nothing_sent();
	advance_ms(100);
	take(ISUP_MSGT_RSC, 1);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T17_EXPIRY), 1);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T16_EXPIRY), 0);
	inject_simple(up, ISUP_MSGT_RLC, 1);
	ck_assert(cic_is_idle(cic));
	advance_ms(600000);
	nothing_sent();
	isup_up_free(up);
}
END_TEST

START_TEST(test_rsc_t16_t17)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 2);
	struct cic *cic = cic_group_circuit(grp, 1);
	struct osmo_tdef *t = cic_group_tdefs(grp);

	ck_assert_int_eq(osmo_tdef_set(t, 16, 20, OSMO_TDEF_S), 0);
	ck_assert_int_eq(osmo_tdef_set(t, 17, 60, OSMO_TDEF_S), 0);
	bring_up(up, grp);
	cic_reset(cic);
	take(ISUP_MSGT_RSC, 2);
	advance_ms(20000);
	take(ISUP_MSGT_RSC, 2);
	advance_ms(20000);
	take(ISUP_MSGT_RSC, 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T16_EXPIRY), 2);
	/* T17 runs from the first RSC: 60 s */
	advance_ms(19900);
	nothing_sent();
	advance_ms(100);
	take(ISUP_MSGT_RSC, 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T17_EXPIRY), 1);
	advance_ms(60000);
	take(ISUP_MSGT_RSC, 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T16_EXPIRY), 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_T17_EXPIRY), 2);
	/* REL in answer to RSC: RLC, idle (Q.764 2.10.3.1) */
	inject(up, isup_msg_rel(ctx, 2, 41, ISUP_LOC_PUB_REMOTE));
	take(ISUP_MSGT_RLC, 2);
	ck_assert(cic_is_idle(cic));
	isup_up_free(up);
}
END_TEST

START_TEST(test_incoming_accept_reject)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct cic *cic = cic_group_circuit(grp, 2);
	struct isup_msg *m;

	bring_up(up, grp);
	inject(up, iam_msg(3));
	ck_assert_uint_eq(user.n_iam, 1);
	ck_assert_ptr_eq(user.last_iam_cic, cic);
	ck_assert_str_eq(cic_state_name(cic), "INCOMING_BUSY");
	ck_assert_ptr_eq(cic_owner(cic), &user.owner);
	ck_assert_int_eq(send_free(cic, isup_msg_acm(ctx, 0, NULL)), 0);
	take(ISUP_MSGT_ACM, 3);
	/* hunting skips the busy circuit */
	cic_group_set_hunting(grp, CIC_HUNT_DESCENDING);
	{
		struct cic *o = NULL;

		ck_assert_int_eq(cic_hunt(grp, &user.owner, &o), 0);
		ck_assert_uint_eq(cic_code(o), 4);
		cic_release(o, 16);
		take(ISUP_MSGT_REL, 4);
		inject_simple(up, ISUP_MSGT_RLC, 4);
	}
	/* the peer releases: owner told, RLC only when the owner confirms */
	inject(up, isup_msg_rel(ctx, 3, 16, ISUP_LOC_PUB_REMOTE));
	ck_assert_uint_eq(user.last_call_type, ISUP_MSGT_REL);
	nothing_sent();
	cic_release_complete(cic);
	take(ISUP_MSGT_RLC, 3);
	ck_assert(cic_is_idle(cic));

	/* reject with 42: REL 42 with the automatic congestion level */
	user.iam_cause = 42;
	inject(up, iam_msg(3));
	m = take(ISUP_MSGT_REL, 3);
	ck_assert_uint_eq(m->cause.value, 42);
	ck_assert(ISUP_HAS(m, ISUP_P_ACL));
	ck_assert_uint_eq(m->acl, 1);
	ck_assert_ptr_null(cic_owner(cic));
	ck_assert_str_eq(cic_state_name(cic), "WAIT_RLC");
	inject_simple(up, ISUP_MSGT_RLC, 3);
	ck_assert(cic_is_idle(cic));
	/* reject with another cause: no ACL */
	user.iam_cause = 34;
	inject(up, iam_msg(3));
	m = take(ISUP_MSGT_REL, 3);
	ck_assert_uint_eq(m->cause.value, 34);
	ck_assert(!ISUP_HAS(m, ISUP_P_ACL));
	ck_assert_uint_eq(ctr(grp, CIC_CTR_IAM_IN), 3);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_IAM_REJECTED), 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_REL_IN), 1);
	isup_up_free(up);
}
END_TEST

/* Seize a circuit outgoing and send its IAM; the peer's IAM crosses it. */
static struct cic *seize_code(struct cic_group *grp, uint16_t code)
{
	struct cic *cic = NULL;

	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_uint_eq(cic_code(cic), code);
	ck_assert_int_eq(send_free(cic, iam_msg(0)), 0);
	take(ISUP_MSGT_IAM, code);
	return cic;
}

START_TEST(test_dual_seizure_lower_pc)
{
	/* OUR_PC 100 < PEER_PC 200: the peer controls even CICs, we the odd ones */
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct cic *odd, *even;

	bring_up(up, grp);
	odd = seize_code(grp, 1);
	even = seize_code(grp, 2);
	inject(up, iam_msg(1));
	ck_assert_uint_eq(user.n_iam, 0);
	ck_assert_uint_eq(user.n_lost, 0);
	ck_assert_str_eq(cic_state_name(odd), "OUTGOING_BUSY");
	nothing_sent();
	inject(up, iam_msg(2));
	ck_assert_uint_eq(user.n_lost, 1);
	ck_assert_int_eq(user.last_lost_cause, CIC_LOST_DUAL_SEIZURE);
	ck_assert_ptr_eq(user.last_lost, even);
	ck_assert_uint_eq(user.n_iam, 1);
	ck_assert_str_eq(cic_state_name(even), "INCOMING_BUSY");
	ck_assert_uint_eq(ctr(grp, CIC_CTR_DUAL_SEIZURE), 2);
	/* after a backward message the window is closed: an IAM is just unexpected */
	inject(up, isup_msg_acm(ctx, 1, NULL));
	inject(up, iam_msg(1));
	ck_assert_uint_eq(ctr(grp, CIC_CTR_DUAL_SEIZURE), 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UNEXPECTED), 1);
	isup_up_free(up);
}
END_TEST

START_TEST(test_dual_seizure_higher_pc)
{
	/* 300 > PEER_PC 200: we control even CICs */
	struct isup_up *up = up_new(300);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct cic *odd, *even;

	bring_up(up, grp);
	odd = seize_code(grp, 1);
	even = seize_code(grp, 2);
	inject(up, iam_msg(2));
	ck_assert_uint_eq(user.n_lost, 0);
	ck_assert_str_eq(cic_state_name(even), "OUTGOING_BUSY");
	inject(up, iam_msg(1));
	ck_assert_uint_eq(user.n_lost, 1);
	ck_assert_ptr_eq(user.last_lost, odd);
	ck_assert_int_eq(user.last_lost_cause, CIC_LOST_DUAL_SEIZURE);
	ck_assert_str_eq(cic_state_name(odd), "INCOMING_BUSY");
	ck_assert_uint_eq(ctr(grp, CIC_CTR_DUAL_SEIZURE), 2);
	isup_up_free(up);
}
END_TEST

START_TEST(test_ucic)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);

	bring_up(up, grp);
	inject(up, isup_msg_acm(ctx, 99, NULL));
	take(ISUP_MSGT_UCIC, 99);
	inject(up, iam_msg(5));
	take(ISUP_MSGT_UCIC, 5);
	/* never UCIC for UCIC */
	inject_simple(up, ISUP_MSGT_UCIC, 77);
	nothing_sent();
	/* a GRS entirely outside our circuits */
	inject(up, isup_msg_grs(ctx, 100, 3));
	take(ISUP_MSGT_UCIC, 100);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UCIC), 3);
	ck_assert_uint_eq(up_ctr(up, ISUP_UP_CTR_RX_UNEQUIPPED), 3);
	/* the peer says our CIC 2 is unequipped: taken out of service */
	inject_simple(up, ISUP_MSGT_UCIC, 2);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 1)), CIC_BLK_LOCAL_MAINT);
	/* another DPC with no circuits at all */
	inject_from(up, 333, isup_msg_simple(ctx, ISUP_MSGT_RSC, 1));
	ck_assert_uint_eq(up_ctr(up, ISUP_UP_CTR_RX_UNEQUIPPED), 4);
	mtp.expect_dpc = 333;
	take(ISUP_MSGT_UCIC, 1);
	ck_assert_uint_eq(up_ctr(up, ISUP_UP_CTR_TX_FAILED), 0);
	isup_up_free(up);
}
END_TEST

START_TEST(test_pause_resume)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct cic *cic = NULL, *other = NULL;

	/* before the first MTP-RESUME nothing may be seized */
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -ENETUNREACH);
	cic_group_set_reset_on_resume(grp, false);
	bring_up(up, grp);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_GRS_OUT), 1);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_int_eq(send_free(cic, iam_msg(0)), 0);
	take(ISUP_MSGT_IAM, 1);
	inject(up, isup_msg_acm(ctx, 1, NULL));

	isup_up_pause(up, PEER_PC);
	ck_assert(!isup_up_dpc_available(up, PEER_PC));
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &other), -ENETUNREACH);
	ck_assert_str_eq(cic_state_name(cic), "OUTGOING_BUSY");
	ck_assert_ptr_eq(cic_owner(cic), &user.owner);
	ck_assert_uint_eq(user.n_lost, 0);
	ck_assert_int_eq(send_free(cic, isup_msg_cpg(ctx, 0, ISUP_EVENT_PROGRESS)), -ENOTCONN);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_TX_FAILED), 1);

	/* no reset-on-resume and states not in doubt: carry on, no GRS */
	isup_up_resume(up, PEER_PC);
	nothing_sent();
	ck_assert_str_eq(cic_state_name(cic), "OUTGOING_BUSY");
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &other), 0);
	ck_assert_uint_eq(cic_code(other), 2);
	/* with reset-on-resume the next resume resets the group and the calls are lost */
	cic_group_set_reset_on_resume(grp, true);
	isup_up_pause(up, PEER_PC);
	isup_up_resume(up, PEER_PC);
	take(ISUP_MSGT_GRS, 1);
	ck_assert_uint_eq(user.n_lost, 2);
	ck_assert_int_eq(user.last_lost_cause, CIC_LOST_RESET);
	ck_assert_str_eq(cic_state_name(cic), "WAIT_GRA");
	inject(up, isup_msg_gra(ctx, 1, 3, 0));
	ck_assert(cic_is_idle(cic));
	isup_up_free(up);
}
END_TEST

START_TEST(test_malformed)
{
	static const uint8_t short_msg[] = { 0x01, 0x00 };
	/* IAM on CIC 1 cut after the fixed part */
	static const uint8_t cut_iam[] = { 0x01, 0x00, 0x01, 0x00, 0x20 };
	/* unknown type 0xe0, optional part pointer 0: no compatibility information */
	static const uint8_t unknown_type[] = { 0x02, 0x00, 0xe0, 0x00 };
	/* unknown type 0xe1 whose compatibility information says: discard, no notification */
	static const uint8_t unknown_discard[] = { 0x02, 0x00, 0xe1, 0x01, 0x38, 0x01, 0x88, 0x00 };
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct mtp_transfer x = { .opc = PEER_PC, .dpc = OUR_PC, .si = MTP3_SI_ISUP };
	struct isup_msg *m;

	bring_up(up, grp);
	x.data = short_msg;
	x.len = sizeof(short_msg);
	isup_up_transfer_ind(up, &x);
	x.data = cut_iam;
	x.len = sizeof(cut_iam);
	isup_up_transfer_ind(up, &x);
	nothing_sent();
	ck_assert_uint_eq(up_ctr(up, ISUP_UP_CTR_RX_MALFORMED), 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_MALFORMED), 1);
	ck_assert(cic_is_idle(cic_group_circuit(grp, 0)));

	x.data = unknown_type;
	x.len = sizeof(unknown_type);
	isup_up_transfer_ind(up, &x);
	m = take(ISUP_MSGT_CFN, 2);
	ck_assert_uint_eq(m->cause.value, 97);
	x.data = unknown_discard;
	x.len = sizeof(unknown_discard);
	isup_up_transfer_ind(up, &x);
	nothing_sent();
	ck_assert_uint_eq(up_ctr(up, ISUP_UP_CTR_RX_UNRECOGNISED), 2);
	ck_assert_uint_eq(up_ctr(up, ISUP_UP_CTR_CFN_OUT), 1);

	/* another service indicator */
	x.si = MTP3_SI_SCCP;
	isup_up_transfer_ind(up, &x);
	ck_assert_uint_eq(up_ctr(up, ISUP_UP_CTR_RX_NOT_ISUP), 1);
	isup_up_free(up);
}
END_TEST

START_TEST(test_group_config_errors)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *a = group_new(up, "a", 1, 10), *b;
	struct cic *cic = NULL;

	ck_assert_ptr_null(cic_group_alloc(up, "a"));
	ck_assert_ptr_null(cic_group_alloc(up, "bad name"));
	b = cic_group_alloc(up, "b");
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(cic_group_set_dpc(b, PEER_PC), 0);
	ck_assert_int_eq(cic_group_set_range(b, 10, 20), -EEXIST);
	ck_assert_int_eq(cic_group_set_range(b, 11, 20), 0);
	ck_assert_int_eq(cic_group_set_range(b, 20, 11), -EINVAL);
	ck_assert_int_eq(cic_group_set_range(b, 11, 4096), -EINVAL);
	ck_assert_ptr_eq(cic_group_of(cic_lookup(up, PEER_PC, 11)), b);
	ck_assert_ptr_eq(cic_group_of(cic_lookup(up, PEER_PC, 10)), a);
	ck_assert_ptr_null(cic_lookup(up, PEER_PC, 21));
	ck_assert_ptr_null(cic_lookup(up, 1, 10));
	bring_up(up, a);
	ck_assert_int_eq(cic_hunt(a, &user.owner, &cic), 0);
	ck_assert_int_eq(cic_group_set_range(a, 1, 5), -EBUSY);
	ck_assert_int_eq(cic_group_cfg_block(a, 11, true), -ERANGE);
	/* a group removed with a call up tells the owner */
	cic_group_free(a);
	ck_assert_uint_eq(user.n_lost, 1);
	ck_assert_ptr_null(cic_lookup(up, PEER_PC, 10));
	isup_up_free(up);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cic");
	TCase *tc = tcase_create("calls");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_set_opc_and_mtp_later);
	tcase_add_test(tc, test_hunting_orders);
	tcase_add_test(tc, test_hunting_lru_and_blocked);
	tcase_add_test(tc, test_outgoing_call_release);
	tcase_add_test(tc, test_t1_t5);
	tcase_add_test(tc, test_rsc_t16_t17);
	tcase_add_test(tc, test_incoming_accept_reject);
	tcase_add_test(tc, test_dual_seizure_lower_pc);
	tcase_add_test(tc, test_dual_seizure_higher_pc);
	tcase_add_test(tc, test_ucic);
	tcase_add_test(tc, test_pause_resume);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_group_config_errors);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
