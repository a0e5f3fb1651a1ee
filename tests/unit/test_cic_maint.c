/* test_cic_maint.c - circuit maintenance: RSC, GRS, paced GRS, BLO/UBL, CGB/CGU both ways (Q.764 2.8, 2.10) */
#include "test_cic_common.h"

/* An outgoing call with IAM sent and ACM received on the next hunted circuit. */
static struct cic *call_up(struct isup_up *up, struct cic_group *grp)
{
	struct cic *cic = NULL;

	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_int_eq(send_free(cic, iam_msg(0)), 0);
	take(ISUP_MSGT_IAM, cic_code(cic));
	inject(up, isup_msg_acm(ctx, cic_code(cic), NULL));
	return cic;
}

START_TEST(test_rsc_from_peer)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct cic *cic;

	bring_up(up, grp);
	cic = call_up(up, grp);
	inject_simple(up, ISUP_MSGT_RSC, 1);
	take(ISUP_MSGT_RLC, 1);
	nothing_sent();
	ck_assert_uint_eq(user.n_lost, 1);
	ck_assert_int_eq(user.last_lost_cause, CIC_LOST_RESET);
	ck_assert_ptr_null(cic_owner(cic));
	ck_assert(cic_is_idle(cic));
	ck_assert_uint_eq(ctr(grp, CIC_CTR_RSC_IN), 1);

	/* RSC removes the remote block; on a locally blocked circuit BLO follows the RLC */
	inject_simple(up, ISUP_MSGT_BLO, 2);
	take(ISUP_MSGT_BLA, 2);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 1)), CIC_BLK_REMOTE_MAINT);
	inject_simple(up, ISUP_MSGT_RSC, 2);
	take(ISUP_MSGT_RLC, 2);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 1)), 0);
	cic_block(cic_group_circuit(grp, 2));
	take(ISUP_MSGT_BLO, 3);
	inject_simple(up, ISUP_MSGT_BLA, 3);
	inject_simple(up, ISUP_MSGT_RSC, 3);
	take(ISUP_MSGT_RLC, 3);
	take(ISUP_MSGT_BLO, 3);
	inject_simple(up, ISUP_MSGT_BLA, 3);
	nothing_sent();
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 2)), CIC_BLK_LOCAL_MAINT);
	isup_up_free(up);
}
END_TEST

START_TEST(test_grs_from_peer)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 8);
	struct cic *a, *b;
	struct isup_msg *gra;
	unsigned i;

	bring_up(up, grp);
	a = call_up(up, grp);
	b = call_up(up, grp);
	cic_block(cic_group_circuit(grp, 4));
	take(ISUP_MSGT_BLO, 5);
	inject_simple(up, ISUP_MSGT_BLA, 5);
	inject_simple(up, ISUP_MSGT_BLO, 7);
	take(ISUP_MSGT_BLA, 7);

	inject(up, isup_msg_grs(ctx, 1, 7));
	gra = take(ISUP_MSGT_GRA, 1);
	ck_assert_uint_eq(gra->rs.range, 7);
	ck_assert(gra->rs.has_status);
	/* status: our maintenance blocks, CIC 5 = bit 4 */
	ck_assert_uint_eq(gra->rs.status, 1u << 4);
	nothing_sent();
	ck_assert_uint_eq(user.n_lost, 2);
	ck_assert(cic_is_idle(a) && cic_is_idle(b));
	for (i = 0; i < 8; i++)
		ck_assert(cic_is_idle(cic_group_circuit(grp, i)));
	/* the remote block of CIC 7 is gone, our block of CIC 5 stays */
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 6)), 0);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 4)), CIC_BLK_LOCAL_MAINT);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_GRS_IN), 1);

	/* a GRS reaching past our range: GRA covers the whole range, unequipped bits 0 */
	inject(up, isup_msg_grs(ctx, 5, 9));
	gra = take(ISUP_MSGT_GRA, 5);
	ck_assert_uint_eq(gra->rs.range, 9);
	ck_assert_uint_eq(gra->rs.status, 1);
	isup_up_free(up);
}
END_TEST

/* Q.764 2.10.3.2 with pacing: 200 circuits, at most 3 GRS unacknowledged, one per 100 ms. */
START_TEST(test_paced_grs)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "big", 1, 200);
	uint8_t covered[201] = {};
	unsigned step, outstanding = 0, max_outstanding = 0, n_grs = 0, i;
	uint16_t pending[16];
	unsigned n_pending = 0;

	ck_assert_int_eq(cic_group_set_grs_outstanding(grp, 3), 0);
	ck_assert_int_eq(cic_group_set_grs_pacing_ms(grp, 100), 0);
	isup_up_resume(up, PEER_PC);
	for (step = 0; step < 200 && (cic_group_grs_queued(grp) || cic_group_gprocs(grp)); step++) {
		while (mtp.seen < mtp.n) {
			struct isup_msg *m = take(ISUP_MSGT_GRS, mtp.msg[mtp.seen]->cic);

			ck_assert_uint_ge(m->rs.range, 1);
			ck_assert_uint_le(m->rs.range, 31);
			ck_assert_uint_le(m->cic + m->rs.range, 200);
			for (i = m->cic; i <= m->cic + m->rs.range; i++) {
				ck_assert_msg(!covered[i], "CIC %u reset twice", i);
				covered[i] = 1;
				ck_assert_str_eq(cic_state_name(cic_group_circuit(grp, i - 1)), "WAIT_GRA");
			}
			pending[n_pending++] = m->cic;
			outstanding++;
			n_grs++;
		}
		if (outstanding > max_outstanding)
			max_outstanding = outstanding;
		ck_assert_uint_le(outstanding, 3);
		/* the peer answers slowly: one GRA every third tick */
		if (step % 3 == 2 && n_pending) {
			struct isup_msg *grs = NULL;

			for (i = 0; i < mtp.n; i++) {
				if (mtp.msg[i]->type == ISUP_MSGT_GRS && mtp.msg[i]->cic == pending[0])
					grs = mtp.msg[i];
			}
			ck_assert_ptr_nonnull(grs);
			inject(up, isup_msg_gra(ctx, grs->cic, grs->rs.range, 0));
			memmove(pending, pending + 1, --n_pending * sizeof(pending[0]));
			outstanding--;
		}
		advance_ms(100);
	}
	ck_assert_uint_eq(max_outstanding, 3);
	ck_assert_uint_eq(cic_group_grs_queued(grp), 0);
	ck_assert_uint_eq(cic_group_gprocs(grp), 0);
	for (i = 1; i <= 200; i++) {
		ck_assert(covered[i]);
		ck_assert(cic_is_idle(cic_group_circuit(grp, i - 1)));
	}
	/* 200 = 6 x 32 + 8 */
	ck_assert_uint_eq(n_grs, 7);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_GRS_OUT), 7);
	isup_up_free(up);
}
END_TEST

/* Hunting skips circuits still queued for the paced start-up GRS: a call seized on one would
 * be cleared by the GRS that reaches it (cause 41) moments later. */
START_TEST(test_hunt_skips_grs_queue)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "big", 1, 100);
	struct cic *cic = NULL;
	struct isup_msg *grs;
	unsigned i;

	ck_assert_int_eq(cic_group_set_grs_outstanding(grp, 1), 0);
	ck_assert_int_eq(cic_group_set_grs_pacing_ms(grp, 100), 0);
	isup_up_resume(up, PEER_PC);
	/* 1-32 wait for their GRA, 33-100 are queued: nothing to hunt */
	grs = take(ISUP_MSGT_GRS, 1);
	ck_assert_uint_eq(grs->rs.range, 31);
	ck_assert_uint_eq(cic_group_grs_queued(grp), 68);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
	/* GRA for 1-32: those 32 and only those can be seized */
	inject(up, isup_msg_gra(ctx, 1, 31, 0));
	for (i = 1; i <= 32; i++) {
		ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
		ck_assert_uint_eq(cic_code(cic), i);
	}
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
	/* the next GRS goes out for 33-64 (not one of the seized circuits) */
	advance_ms(100);
	grs = take(ISUP_MSGT_GRS, 33);
	ck_assert_uint_eq(grs->rs.range, 31);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
	inject(up, isup_msg_gra(ctx, 33, 31, 0));
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_uint_eq(cic_code(cic), 33);
	ck_assert_uint_eq(cic_group_grs_queued(grp), 36);
	/* LRU hunting skips the queue too */
	cic_group_set_hunting(grp, CIC_HUNT_LRU);
	for (i = 34; i <= 64; i++) {
		ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
		ck_assert_uint_le(cic_code(cic), 64);
	}
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
	isup_up_free(up);
}
END_TEST

/* Trunk reservation: with emergency-reserve 3, calls that are not emergency calls get no
 * circuit once only 3 could still be seized (counted hunt:reserved); emergency calls take
 * those 3; cic_hunt (no class) is not limited. */
START_TEST(test_emergency_reserve)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 10);
	struct cic *cic = NULL, *c[10];
	unsigned i;

	isup_up_resume(up, PEER_PC);
	inject(up, isup_msg_gra(ctx, take(ISUP_MSGT_GRS, 1)->cic, 9, 0));
	ck_assert_int_eq(cic_group_set_emergency_reserve(grp, 4096), -EINVAL);
	ck_assert_int_eq(cic_group_set_emergency_reserve(grp, 3), 0);
	ck_assert_int_eq(cic_block(cic_group_circuit(grp, 9)), 0);	/* 9 usable */
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(cic_hunt_call(grp, &user.owner, false, &c[i]), 0);
		ck_assert_uint_eq(cic_code(c[i]), i + 1);
	}
	ck_assert_int_eq(cic_hunt_call(grp, &user.owner, false, &cic), -EBUSY);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_HUNT_RESERVED), 1);
	for (i = 6; i < 9; i++) {
		ck_assert_int_eq(cic_hunt_call(grp, &user.owner, true, &c[i]), 0);
		ck_assert_uint_eq(cic_code(c[i]), i + 1);
	}
	ck_assert_int_eq(cic_hunt_call(grp, &user.owner, true, &cic), -EBUSY);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_HUNT_RESERVED), 1);	/* none left at all: no reserve */
	isup_up_free(up);
}
END_TEST

START_TEST(test_grs_t22_t23)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct isup_msg *m;

	ck_assert_int_eq(osmo_tdef_set(cic_group_tdefs(grp), 22, 10, OSMO_TDEF_S), 0);
	ck_assert_int_eq(osmo_tdef_set(cic_group_tdefs(grp), 23, 30, OSMO_TDEF_S), 0);
	cic_block(cic_group_circuit(grp, 1));
	isup_up_resume(up, PEER_PC);
	m = take(ISUP_MSGT_GRS, 1);
	ck_assert_uint_eq(m->rs.range, 3);
	advance_ms(10000);
	take(ISUP_MSGT_GRS, 1);
	advance_ms(10000);
	take(ISUP_MSGT_GRS, 1);
	/* T23 (30 s from the first GRS): alert and repeat every T23 */
	advance_ms(10000);
	take(ISUP_MSGT_GRS, 1);
	advance_ms(29900);
	nothing_sent();
	advance_ms(100);
	take(ISUP_MSGT_GRS, 1);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_GRS_OUT), 5);
	/* GRA: CIC 3 blocked at the peer; our block of CIC 2 is said again with BLO */
	inject(up, isup_msg_gra(ctx, 1, 3, 1u << 2));
	take(ISUP_MSGT_BLO, 2);
	nothing_sent();
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 2)), CIC_BLK_REMOTE_MAINT);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 1)), CIC_BLK_LOCAL_MAINT);
	ck_assert(cic_is_idle(cic_group_circuit(grp, 0)));
	/* a second GRA is unexpected and changes nothing */
	inject(up, isup_msg_gra(ctx, 1, 3, 0));
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UNEXPECTED), 1);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 2)), CIC_BLK_REMOTE_MAINT);
	/* T12 (15 s by default) repeats it until BLA */
	advance_ms(15000);
	take(ISUP_MSGT_BLO, 2);
	nothing_sent();
	ck_assert_uint_eq(ctr(grp, CIC_CTR_TX_FAILED), 0);
	isup_up_free(up);
}
END_TEST

START_TEST(test_blo_ubl_both_ways)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 2);
	struct cic *c1 = cic_group_circuit(grp, 0), *c2 = cic_group_circuit(grp, 1), *cic = NULL;

	ck_assert_int_eq(osmo_tdef_set(cic_group_tdefs(grp), 12, 20, OSMO_TDEF_S), 0);
	ck_assert_int_eq(osmo_tdef_set(cic_group_tdefs(grp), 13, 60, OSMO_TDEF_S), 0);
	bring_up(up, grp);
	/* a call in progress continues when the peer blocks (Q.764 2.8.2.1) */
	cic = call_up(up, grp);
	inject_simple(up, ISUP_MSGT_BLO, 1);
	take(ISUP_MSGT_BLA, 1);
	ck_assert_str_eq(cic_state_name(cic), "OUTGOING_BUSY");
	ck_assert_ptr_eq(cic_owner(cic), &user.owner);
	ck_assert_uint_eq(cic_block_bits(c1), CIC_BLK_REMOTE_MAINT);
	cic_release(cic, 16);
	take(ISUP_MSGT_REL, 1);
	inject_simple(up, ISUP_MSGT_RLC, 1);
	/* no new outgoing call on it */
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_ptr_eq(cic, c2);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
	inject_simple(up, ISUP_MSGT_UBL, 1);
	take(ISUP_MSGT_UBA, 1);
	ck_assert_uint_eq(cic_block_bits(c1), 0);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_ptr_eq(cic, c1);
	cic_release(c1, 16);
	take(ISUP_MSGT_REL, 1);
	inject_simple(up, ISUP_MSGT_RLC, 1);
	cic_release(c2, 16);
	take(ISUP_MSGT_REL, 2);
	inject_simple(up, ISUP_MSGT_RLC, 2);

	/* our block: BLO, T12 repeats, T13 alarms and repeats every T13; BLA stops it */
	ck_assert_int_eq(cic_block(c2), 0);
	take(ISUP_MSGT_BLO, 2);
	ck_assert_int_eq(cic_block(c2), 0);
	nothing_sent();
	advance_ms(20000);
	take(ISUP_MSGT_BLO, 2);
	advance_ms(20000);
	take(ISUP_MSGT_BLO, 2);
	advance_ms(20000);
	take(ISUP_MSGT_BLO, 2);
	advance_ms(59900);
	nothing_sent();
	advance_ms(100);
	take(ISUP_MSGT_BLO, 2);
	inject_simple(up, ISUP_MSGT_BLA, 2);
	advance_ms(120000);
	nothing_sent();
	ck_assert_uint_eq(ctr(grp, CIC_CTR_BLO_OUT), 5);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_ptr_eq(cic, c1);
	cic_release(c1, 16);
	take(ISUP_MSGT_REL, 1);
	inject_simple(up, ISUP_MSGT_RLC, 1);
	/* an IAM on our blocked circuit: discarded, BLO said again */
	inject(up, iam_msg(2));
	take(ISUP_MSGT_BLO, 2);
	ck_assert_uint_eq(user.n_iam, 0);
	inject_simple(up, ISUP_MSGT_BLA, 2);
	/* unblock: UBL, UBA */
	ck_assert_int_eq(cic_unblock(c2), 0);
	take(ISUP_MSGT_UBL, 2);
	inject_simple(up, ISUP_MSGT_UBA, 2);
	advance_ms(60000);
	nothing_sent();
	ck_assert_uint_eq(cic_block_bits(c2), 0);
	/* an unexpected UBA on an unblocked circuit changes nothing; BLA there gets UBL */
	inject_simple(up, ISUP_MSGT_UBA, 2);
	nothing_sent();
	inject_simple(up, ISUP_MSGT_BLA, 2);
	take(ISUP_MSGT_UBL, 2);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_BLO_IN), 1);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UBL_IN), 1);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UBL_OUT), 2);
	isup_up_free(up);
}
END_TEST

START_TEST(test_cgb_cgu_from_peer)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 4);
	struct cic *cic = NULL;
	struct isup_msg *m;

	bring_up(up, grp);
	/* maintenance CGB for CIC 1, 2, 4 (status 1011) */
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGB, 1, ISUP_CGSMT_MAINTENANCE, 3, 0xb));
	m = take(ISUP_MSGT_CGBA, 1);
	ck_assert_uint_eq(m->rs.range, 3);
	ck_assert_uint_eq(m->rs.status, 0xb);
	ck_assert_uint_eq(m->cgsmt & 3, ISUP_CGSMT_MAINTENANCE);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 0)), CIC_BLK_REMOTE_MAINT);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 2)), 0);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_uint_eq(cic_code(cic), 3);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EBUSY);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_CGB_IN), 1);

	/* hardware failure CGB of CIC 3 and 4: the call on 3 is cleared without REL */
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGB, 3, ISUP_CGSMT_HW_FAILURE, 1, 0x3));
	m = take(ISUP_MSGT_CGBA, 3);
	ck_assert_uint_eq(m->cgsmt & 3, ISUP_CGSMT_HW_FAILURE);
	ck_assert_uint_eq(m->rs.status, 0x3);
	nothing_sent();
	ck_assert_uint_eq(user.n_lost, 1);
	ck_assert(cic_is_idle(cic));
	ck_assert_uint_eq(cic_block_bits(cic), CIC_BLK_REMOTE_HW);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EACCES);

	/* CGU maintenance of all four: CGUA acknowledges; the hardware blocks stay */
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGU, 1, ISUP_CGSMT_MAINTENANCE, 3, 0xf));
	m = take(ISUP_MSGT_CGUA, 1);
	ck_assert_uint_eq(m->rs.status, 0xf);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 0)), 0);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 3)), CIC_BLK_REMOTE_HW);
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGU, 3, ISUP_CGSMT_HW_FAILURE, 1, 0x3));
	take(ISUP_MSGT_CGUA, 3);
	ck_assert_uint_eq(cic_block_bits(cic_group_circuit(grp, 3)), 0);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_CGU_IN), 2);
	isup_up_free(up);
}
END_TEST

START_TEST(test_cgb_cgu_ours)
{
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 40);
	struct cic *cic = NULL;
	struct isup_msg *m;

	ck_assert_int_eq(osmo_tdef_set(cic_group_tdefs(grp), 18, 10, OSMO_TDEF_S), 0);
	bring_up(up, grp);
	/* 1..40: two CGB, 32 + 8 circuits */
	ck_assert_int_eq(cic_group_block(grp, 1, 40, false), 0);
	m = take(ISUP_MSGT_CGB, 1);
	ck_assert_uint_eq(m->rs.range, 31);
	ck_assert_uint_eq(m->rs.status, 0xffffffff);
	ck_assert_uint_eq(m->cgsmt & 3, ISUP_CGSMT_MAINTENANCE);
	m = take(ISUP_MSGT_CGB, 33);
	ck_assert_uint_eq(m->rs.range, 7);
	ck_assert_uint_eq(m->rs.status, 0xff);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), -EACCES);
	ck_assert_uint_eq(cic_group_gprocs(grp), 2);
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGBA, 1, ISUP_CGSMT_MAINTENANCE, 31, 0xffffffff));
	ck_assert_uint_eq(cic_group_gprocs(grp), 1);
	/* T18 repeats the one not acknowledged */
	advance_ms(10000);
	take(ISUP_MSGT_CGB, 33);
	nothing_sent();
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGBA, 33, ISUP_CGSMT_MAINTENANCE, 7, 0xff));
	ck_assert_uint_eq(cic_group_gprocs(grp), 0);
	ck_assert_uint_eq(ctr(grp, CIC_CTR_CGB_OUT), 3);

	/* unblock 5..6: CGU, CGUA; the circuits can be hunted again */
	ck_assert_int_eq(cic_group_unblock(grp, 5, 6, false), 0);
	m = take(ISUP_MSGT_CGU, 5);
	ck_assert_uint_eq(m->rs.range, 1);
	ck_assert_uint_eq(m->rs.status, 0x3);
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGUA, 5, ISUP_CGSMT_MAINTENANCE, 1, 0x3));
	ck_assert_uint_eq(cic_group_gprocs(grp), 0);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_uint_eq(cic_code(cic), 5);
	/* a lone circuit in a CGU goes with its neighbour, whose status bit stays 0 */
	ck_assert_int_eq(cic_group_unblock(grp, 9, 9, false), 0);
	m = take(ISUP_MSGT_CGU, 9);
	ck_assert_uint_eq(m->rs.range, 1);
	ck_assert_uint_eq(m->rs.status, 0x1);
	/* an acknowledgement short of what we asked for is counted */
	inject(up, isup_msg_cg(ctx, ISUP_MSGT_CGUA, 9, ISUP_CGSMT_MAINTENANCE, 1, 0x0));
	ck_assert_uint_eq(ctr(grp, CIC_CTR_UNEXPECTED), 1);
	ck_assert_int_eq(cic_group_block(grp, 1, 41, false), -ERANGE);
	isup_up_free(up);
}
END_TEST

START_TEST(test_unknown_param_release)
{
	/* ACM on CIC 1 (BCI 0x1416) with unknown parameter 0xfe whose compatibility
	 * information (0x39: param 0xfe, instructions 0x82 = release call) asks to release */
	static const uint8_t acm[] = { 0x01, 0x00, 0x06, 0x16, 0x14, 0x01,
				       0xfe, 0x01, 0x55, 0x39, 0x02, 0xfe, 0x82, 0x00 };
	struct isup_up *up = up_new(OUR_PC);
	struct cic_group *grp = group_new(up, "g", 1, 2);
	struct mtp_transfer x = { .opc = PEER_PC, .dpc = OUR_PC, .si = MTP3_SI_ISUP,
				  .data = acm, .len = sizeof(acm) };
	struct cic *cic = NULL;
	struct isup_msg *m;

	bring_up(up, grp);
	ck_assert_int_eq(cic_hunt(grp, &user.owner, &cic), 0);
	ck_assert_int_eq(send_free(cic, iam_msg(0)), 0);
	take(ISUP_MSGT_IAM, 1);
	isup_up_transfer_ind(up, &x);
	ck_assert_uint_eq(user.n_call_msg, 0);
	ck_assert_uint_eq(user.n_lost, 1);
	ck_assert_int_eq(user.last_lost_cause, 99);
	m = take(ISUP_MSGT_REL, 1);
	ck_assert_uint_eq(m->cause.value, 99);
	ck_assert_str_eq(cic_state_name(cic), "WAIT_RLC");
	isup_up_free(up);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cic_maint");
	TCase *tc = tcase_create("maint");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rsc_from_peer);
	tcase_add_test(tc, test_grs_from_peer);
	tcase_add_test(tc, test_paced_grs);
	tcase_add_test(tc, test_hunt_skips_grs_queue);
	tcase_add_test(tc, test_emergency_reserve);
	tcase_add_test(tc, test_grs_t22_t23);
	tcase_add_test(tc, test_blo_ubl_both_ways);
	tcase_add_test(tc, test_cgb_cgu_from_peer);
	tcase_add_test(tc, test_cgb_cgu_ours);
	tcase_add_test(tc, test_unknown_param_release);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
