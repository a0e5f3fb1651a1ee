/* test_cic_common.h - fake MTP, fake call control and a stepped clock for the circuit tests (Q.764) */
#pragma once
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/application.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/cic.h"
#include "sigtran/isup.h"
#include "sigtran/isup_up.h"
#include "sigtran/mtp3.h"
#include "sigtran/mtp_user.h"

#define OUR_PC		100
#define PEER_PC		200
#define MAX_CAPTURE	1024

/* What crossed the wire towards the peer, decoded again with isup_decode. */
struct fake_mtp {
	struct isup_msg *msg[MAX_CAPTURE];
	uint32_t dpc[MAX_CAPTURE];
	unsigned n;		/* captured so far */
	unsigned seen;		/* consumed by take() */
	int fail_rc;		/* non-zero: refuse sends with this */
	uint32_t opc;
	uint32_t expect_dpc;	/* take() checks the DPC against it */
};

struct fake_user {
	int iam_cause;		/* what rx_iam answers */
	unsigned n_iam, n_call_msg, n_lost;
	uint8_t last_call_type;
	int last_lost_cause;
	struct cic *last_lost, *last_iam_cic;
	char owner;		/* its address is the owner pointer */
};

static void *ctx;
static struct fake_mtp mtp;
static struct fake_user user;

static int fake_transfer_req(void *priv, const struct mtp_transfer *x)
{
	struct fake_mtp *m = priv;
	struct isup_err err = {};
	struct isup_msg *msg = NULL;

	if (m->fail_rc)
		return m->fail_rc;
	ck_assert_uint_eq(x->si, MTP3_SI_ISUP);
	ck_assert_uint_eq(x->opc, m->opc);
	ck_assert_int_eq(isup_decode(ctx, x->data, x->len, &msg, &err), 0);
	ck_assert_uint_eq(x->sls, msg->cic & 0x0f);
	ck_assert_uint_lt(m->n, MAX_CAPTURE);
	m->dpc[m->n] = x->dpc;
	m->msg[m->n++] = msg;
	return 0;
}

static const struct isup_up_mtp_ops fake_mtp_ops = { .transfer_req = fake_transfer_req };

static int user_rx_iam(void *priv, struct cic *cic, const struct isup_msg *iam)
{
	struct fake_user *u = priv;

	u->n_iam++;
	u->last_iam_cic = cic;
	if (u->iam_cause)
		return u->iam_cause;
	cic_set_owner(cic, &u->owner);
	return 0;
}

static void user_rx_call_msg(void *owner, struct cic *cic, const struct isup_msg *msg)
{
	ck_assert_ptr_eq(owner, &user.owner);
	user.n_call_msg++;
	user.last_call_type = msg->type;
}

static void user_lost(void *owner, struct cic *cic, int cause)
{
	ck_assert_ptr_eq(owner, &user.owner);
	user.n_lost++;
	user.last_lost_cause = cause;
	user.last_lost = cic;
}

static const struct cic_user_ops user_ops = {
	.rx_iam = user_rx_iam,
	.rx_call_msg = user_rx_call_msg,
	.lost = user_lost,
};

static inline struct isup_up *up_new(uint32_t opc)
{
	struct isup_up *up = isup_up_alloc(ctx, opc, MTP3_NI_NATIONAL, &fake_mtp_ops, &mtp);

	ck_assert_ptr_nonnull(up);
	mtp.opc = opc;
	isup_up_set_user(up, &user_ops, &user);
	return up;
}

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	memset(&mtp, 0, sizeof(mtp));
	memset(&user, 0, sizeof(user));
	mtp.expect_dpc = PEER_PC;
	/* osmo timers run on osmo_gettimeofday, the circuit procedures measure elapsed time on
	 * CLOCK_MONOTONIC: both are overridden and stepped together */
	osmo_clock_override_enable(CLOCK_MONOTONIC, true);
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1000 };
}

static void teardown(void)
{
	unsigned i;

	for (i = 0; i < mtp.n; i++)
		talloc_free(mtp.msg[i]);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

/* Advance both clocks in 100 ms steps, firing timers as they fall due. */
static inline void advance_ms(unsigned long ms)
{
	while (ms) {
		unsigned long step = ms > 100 ? 100 : ms;

		osmo_clock_override_add(CLOCK_MONOTONIC, step / 1000, (step % 1000) * 1000000);
		osmo_gettimeofday_override_add(step / 1000, (step % 1000) * 1000);
		osmo_timers_prepare();
		osmo_timers_update();
		ms -= step;
	}
}

/* Next captured message, which must be of this type and CIC. */
static inline struct isup_msg *take(uint8_t type, uint16_t cic)
{
	struct isup_msg *m;

	ck_assert_msg(mtp.seen < mtp.n, "expected %s CIC %u, nothing sent", isup_msg_type_name(type), cic);
	m = mtp.msg[mtp.seen++];
	ck_assert_uint_eq(mtp.dpc[mtp.seen - 1], mtp.expect_dpc);
	ck_assert_msg(m->type == type && m->cic == cic, "expected %s CIC %u, got %s CIC %u",
		      isup_msg_type_name(type), cic, isup_msg_type_name(m->type), m->cic);
	return m;
}

/* cic_send does not take the message: free it after. */
static inline int send_free(struct cic *cic, struct isup_msg *msg)
{
	int rc = cic_send(cic, msg);

	talloc_free(msg);
	return rc;
}

static void nothing_sent(void)
{
	ck_assert_msg(mtp.seen == mtp.n, "unexpected %s CIC %u", isup_msg_type_name(mtp.msg[mtp.seen]->type),
		      mtp.msg[mtp.seen]->cic);
}

static inline void inject_from(struct isup_up *up, uint32_t opc, struct isup_msg *msg)
{
	uint8_t buf[300];
	int len = isup_encode(msg, buf, sizeof(buf));
	struct mtp_transfer x = { .opc = opc, .dpc = isup_up_opc(up), .si = MTP3_SI_ISUP,
				  .ni = MTP3_NI_NATIONAL, .sls = msg->cic & 0xf, .data = buf };

	ck_assert_int_gt(len, 0);
	x.len = len;
	isup_up_transfer_ind(up, &x);
	talloc_free(msg);
}

static inline void inject(struct isup_up *up, struct isup_msg *msg)
{
	inject_from(up, PEER_PC, msg);
}

static inline void inject_simple(struct isup_up *up, uint8_t type, uint16_t cic)
{
	inject(up, isup_msg_simple(ctx, type, cic));
}

static inline struct isup_msg *iam_msg(uint16_t cic)
{
	struct isup_number called;

	ck_assert_int_eq(isup_number_set(&called, ISUP_NAI_NATIONAL, "0123456789"), 0);
	return isup_msg_iam(ctx, cic, &called, NULL, 10, 0);
}

static inline uint64_t ctr(struct cic_group *grp, enum cic_group_ctr idx)
{
	return rate_ctr_group_get_ctr(cic_group_ctrs(grp), idx)->current;
}

static inline uint64_t up_ctr(struct isup_up *up, enum isup_up_ctr idx)
{
	return rate_ctr_group_get_ctr(isup_up_ctrs(up), idx)->current;
}

static inline struct cic_group *group_new(struct isup_up *up, const char *name, uint16_t first, uint16_t last)
{
	struct cic_group *grp = cic_group_alloc(up, name);

	ck_assert_ptr_nonnull(grp);
	ck_assert_int_eq(cic_group_set_dpc(grp, PEER_PC), 0);
	ck_assert_int_eq(cic_group_set_range(grp, first, last), 0);
	ck_assert_uint_eq(cic_group_size(grp), last - first + 1);
	return grp;
}

/* MTP-RESUME, then answer every GRS (and RSC for a lone circuit) until the group is reset. */
static inline void bring_up(struct isup_up *up, struct cic_group *grp)
{
	unsigned rounds;

	isup_up_resume(up, PEER_PC);
	for (rounds = 0; rounds < 1000; rounds++) {
		while (mtp.seen < mtp.n) {
			struct isup_msg *m = mtp.msg[mtp.seen++];

			if (m->type == ISUP_MSGT_GRS)
				inject(up, isup_msg_gra(ctx, m->cic, m->rs.range, 0));
			else if (m->type == ISUP_MSGT_RSC)
				inject_simple(up, ISUP_MSGT_RLC, m->cic);
		}
		if (!cic_group_grs_queued(grp) && !cic_group_gprocs(grp))
			break;
		advance_ms(100);
	}
	ck_assert_uint_eq(cic_group_gprocs(grp), 0);
	nothing_sent();
}

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	int failed;

	osmo_init_logging2(log_ctx, &gw_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_log_level(osmo_stderr_target, LOGL_ERROR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
