/* test_adm.c - admission arithmetic: watermarks, reserve, refusals, rate buckets, tickets, config (RFC 7339, Q.764 2.11) */
#include "config.h"
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <osmocom/vty/command.h>

#include "common/log.h"
#include "admission/adm.h"

static void *ctx;
static uint64_t fake_now;

static uint64_t fake_clock(void *priv)
{
	return *(uint64_t *)priv;
}

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	fake_now = 0;
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

/* budget 1,000,000: reserve 10 % -> full mark 900,000; shed 80 % -> 800,000; hysteresis
 * 5 % -> 50,000; 10,000 bytes per call. */
static struct adm *mk_adm(void)
{
	struct adm_cfg cfg = adm_cfg_default;
	struct adm *adm;

	cfg.budget = 1000000;
	cfg.emergency_reserve_pct = 10;
	cfg.shed_pct = 80;
	cfg.hysteresis_pct = 5;
	cfg.call_cost_estimate = 10000;
	adm = adm_alloc(ctx, &cfg);
	ck_assert_ptr_nonnull(adm);
	adm_set_clock(adm, fake_clock, &fake_now);
	adm_set_seed(adm, 42);
	return adm;
}

/* Move the budget's use to exactly `used` with one ordinary ticket (dropping the shares
 * that admissions without a ticket reserved). */
static void set_used(struct adm *adm, struct adm_ticket *t, size_t used)
{
	adm_expire_reservations(adm);
	if (!t->charged)
		ck_assert_int_eq(adm_call_charge(adm, t, ADM_CLASS_ORDINARY, used), 0);
	else
		ck_assert_int_eq(adm_call_adjust(adm, t, used), 0);
	ck_assert_uint_eq(adm_used(adm), used);
}

START_TEST(test_watermarks_edges)
{
	struct adm *adm = mk_adm();
	struct adm_ticket t = { 0 };

	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);
	set_used(adm, &t, 800000);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);	/* at the mark, not above */
	set_used(adm, &t, 800001);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_SHEDDING);
	set_used(adm, &t, 750000);				/* 750,000 + 50,000 is not below */
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_SHEDDING);
	set_used(adm, &t, 749999);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);

	set_used(adm, &t, 899999);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_SHEDDING);
	set_used(adm, &t, 900000);				/* budget - reserve */
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_FULL);
	set_used(adm, &t, 850000);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_FULL);
	set_used(adm, &t, 849999);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_SHEDDING);
	set_used(adm, &t, 950000);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_FULL);
	set_used(adm, &t, 100);					/* straight down to NORMAL */
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);
	set_used(adm, &t, 900000);				/* straight up to FULL */
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_FULL);

	adm_call_release(adm, &t);
	ck_assert_uint_eq(adm_used(adm), 0);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);
	adm_free(adm);
}
END_TEST

/* A burst admitted before any ticket is charged (the SIP thread admits, main charges later)
 * stays within the budget: each admission reserves the cost per call until it is charged. */
START_TEST(test_admit_reserves)
{
	struct adm *adm = mk_adm();
	struct adm_ticket t[100] = { 0 };
	struct adm_refusal why;
	unsigned int n = 0;

	/* emergency: up to the budget, 1,000,000 / 10,000 = 100 calls */
	while (adm_admit(adm, ADM_CLASS_EMERGENCY, NULL, &why) == ADM_ADMIT)
		ck_assert_uint_le(++n, 100);
	ck_assert_uint_eq(n, 100);
	ck_assert_int_eq(why.reason, ADM_R_HARD_LIMIT);
	ck_assert_uint_eq(adm_inflight(adm), 1000000);
	ck_assert_uint_eq(adm_used(adm), 1000000);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_FULL);
	/* the tickets take the reservations over: used does not count them twice */
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(adm_call_charge(adm, &t[i], ADM_CLASS_EMERGENCY, 0), 0);
	ck_assert_uint_eq(adm_inflight(adm), 0);
	ck_assert_uint_eq(adm_used(adm), 1000000);
	for (unsigned int i = 0; i < n; i++)
		adm_call_release(adm, &t[i]);
	ck_assert_uint_eq(adm_used(adm), 0);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);

	/* ordinary: the burst's own reservations move the state past the shed mark (800,000) */
	n = 0;
	while (adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why) == ADM_ADMIT)
		ck_assert_uint_le(++n, 100);
	ck_assert_uint_eq(n, 81);
	ck_assert_int_eq(why.reason, ADM_R_MEMORY);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_SHEDDING);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_ADMIT, ADM_R_NONE), 81);
	/* admitted calls dropped before their charge: cleared by the next sample */
	adm_expire_reservations(adm);
	ck_assert_uint_eq(adm_used(adm), 0);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_ADMIT);
	ck_assert_uint_eq(adm_inflight(adm), 10000);
	/* a charge with nothing reserved takes nothing from others */
	adm_expire_reservations(adm);
	ck_assert_int_eq(adm_call_charge(adm, &t[0], ADM_CLASS_ORDINARY, 0), 0);
	ck_assert_uint_eq(adm_inflight(adm), 0);
	ck_assert_uint_eq(adm_used(adm), 10000);
	adm_call_release(adm, &t[0]);
	adm_free(adm);
}
END_TEST

START_TEST(test_class_decisions)
{
	struct adm *adm = mk_adm();
	struct adm_ticket t = { 0 };
	struct adm_refusal why;

	/* NORMAL: everyone */
	for (int c = 0; c < _NUM_ADM_CLASS; c++)
		ck_assert_int_eq(adm_admit(adm, c, NULL, &why), ADM_ADMIT);
	ck_assert_int_eq(why.reason, ADM_R_NONE);

	/* SHEDDING: ordinary shed, priority admitted while it fits under budget - reserve */
	set_used(adm, &t, 800001);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_SHED);
	ck_assert_int_eq(why.reason, ADM_R_MEMORY);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_PRIORITY, NULL, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_EMERGENCY, NULL, &why), ADM_ADMIT);
	set_used(adm, &t, 890000);				/* + 10,000 = 900,000: fits */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_PRIORITY, NULL, &why), ADM_ADMIT);
	set_used(adm, &t, 890001);				/* would eat the reserve */
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_SHEDDING);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_PRIORITY, NULL, &why), ADM_SHED);
	ck_assert_int_eq(why.reason, ADM_R_MEMORY);

	/* FULL: the reserve is for emergency calls only, up to the budget */
	set_used(adm, &t, 900000);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_FULL);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_PRIORITY, NULL, &why), ADM_SHED);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_SHED);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_EMERGENCY, NULL, &why), ADM_ADMIT);
	set_used(adm, &t, 990000);				/* + 10,000 = budget: fits */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_EMERGENCY, NULL, &why), ADM_ADMIT);
	set_used(adm, &t, 990001);				/* hard limit */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_EMERGENCY, NULL, &why), ADM_SHED);
	ck_assert_int_eq(why.reason, ADM_R_HARD_LIMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_SHED);
	ck_assert_int_eq(why.reason, ADM_R_HARD_LIMIT);

	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_EMERGENCY, ADM_ADMIT, ADM_R_NONE), 4);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_EMERGENCY, ADM_SHED, ADM_R_HARD_LIMIT), 1);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_PRIORITY, ADM_ADMIT, ADM_R_NONE), 3);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_PRIORITY, ADM_SHED, ADM_R_MEMORY), 2);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_ADMIT, ADM_R_NONE), 1);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_SHED, ADM_R_MEMORY), 2);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_SHED, ADM_R_HARD_LIMIT), 1);

	/* the rate_ctr_groups see the same figures after a flush */
	adm_stats_flush(adm);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(adm_class_ctrg(adm, ADM_CLASS_PRIORITY), 1)->current, 2);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(adm_class_ctrg(adm, ADM_CLASS_EMERGENCY), 0)->current, 4);
	adm_stats_flush(adm);	/* a second flush adds nothing */
	ck_assert_uint_eq(rate_ctr_group_get_ctr(adm_class_ctrg(adm, ADM_CLASS_EMERGENCY), 0)->current, 4);

	adm_call_release(adm, &t);
	adm_free(adm);
}
END_TEST

START_TEST(test_refusal_contents)
{
	struct adm *adm = mk_adm();
	struct adm_ticket t = { 0 };
	struct adm_refusal why;
	struct peer_feedback fb;
	unsigned int lo = 1000, hi = 0;
	uint64_t seq;

	adm_overload_feedback(adm, &fb);
	ck_assert(fb.present);
	ck_assert_uint_eq(fb.oc, 0);
	ck_assert_uint_eq(fb.validity_ms, 2000);
	ck_assert_str_eq(fb.algo, "loss");
	seq = fb.seq;

	/* just past the shed mark: the least reduction; ACL 1 */
	set_used(adm, &t, 800001);
	for (int i = 0; i < 2000; i++) {
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_SHED);
		ck_assert_uint_ge(why.retry_after_s, 5);
		ck_assert_uint_le(why.retry_after_s, 30);
		lo = why.retry_after_s < lo ? why.retry_after_s : lo;
		hi = why.retry_after_s > hi ? why.retry_after_s : hi;
	}
	/* jittered over the whole range (26 values, 2000 draws) */
	ck_assert_uint_eq(lo, 5);
	ck_assert_uint_eq(hi, 30);
	ck_assert_uint_eq(why.oc.oc, 10);
	ck_assert_uint_eq(why.oc.validity_ms, 2000);
	ck_assert_str_eq(why.oc.algo, "loss");
	ck_assert_uint_eq(why.oc.seq, seq + 1);			/* one state change */
	ck_assert_uint_eq(why.isup_acl, 1);

	/* half-way between the shed and the full mark: 10 + 40 */
	set_used(adm, &t, 850000);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_SHED);
	ck_assert_uint_eq(why.oc.oc, 50);

	/* FULL: drop everything non-exempt, ACL 2 */
	set_used(adm, &t, 900000);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_PRIORITY, NULL, &why), ADM_SHED);
	ck_assert_uint_eq(why.oc.oc, 100);
	ck_assert_uint_eq(why.oc.seq, seq + 2);
	ck_assert_uint_eq(why.isup_acl, 2);

	/* fixed Retry-After when min == max */
	adm_call_release(adm, &t);
	{
		struct adm_cfg cfg = *adm_get_cfg(adm);

		cfg.retry_after_min_s = cfg.retry_after_max_s = 7;
		cfg.rate_global_cps = 1;
		ck_assert_int_eq(adm_configure(adm, &cfg), 0);
		cfg.retry_after_min_s = 8;
		ck_assert_int_eq(adm_configure(adm, &cfg), -EINVAL);
	}
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_REFUSE);
	ck_assert_int_eq(why.reason, ADM_R_RATE_GLOBAL);
	ck_assert_uint_eq(why.retry_after_s, 7);
	ck_assert_uint_eq(why.oc.oc, 50);			/* rate refusals ask to halve */
	ck_assert_uint_eq(why.isup_acl, 1);

	/* no peer had room for a shed call */
	adm_refuse_no_peer(adm, ADM_CLASS_PRIORITY, &why);
	ck_assert_int_eq(why.reason, ADM_R_NO_PEER);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_PRIORITY, ADM_REFUSE, ADM_R_NO_PEER), 1);
	adm_free(adm);
}
END_TEST

START_TEST(test_shed_once)
{
	struct adm *adm = mk_adm();
	struct adm_ticket t = { 0 };
	struct adm_source src = { .kind = ADM_SRC_IPV4, .port = 5060, .already_shed = true };
	struct adm_refusal why;

	inet_pton(AF_INET, "192.0.2.1", &src.addr.v4);
	/* an already shed call is admitted normally when there is room */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &src, &why), ADM_ADMIT);
	set_used(adm, &t, 850000);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &src, &why), ADM_REFUSE);
	ck_assert_int_eq(why.reason, ADM_R_ALREADY_SHED);
	src.already_shed = false;
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &src, &why), ADM_SHED);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_REFUSE, ADM_R_ALREADY_SHED), 1);
	adm_call_release(adm, &t);
	adm_free(adm);
}
END_TEST

START_TEST(test_shed_marker)
{
	char buf[64];
	const char via[] = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;x-gw-shed=paris";
	const char uri[] = "sip:112@192.0.2.9;X-GW-SHED=lyon>";
	const char noterm[4] = { 'x', '-', 'g', 'w' };

	ck_assert_int_eq(adm_shed_mark(buf, sizeof(buf), "paris"), 15);
	ck_assert_str_eq(buf, "x-gw-shed=paris");
	ck_assert_int_eq(adm_shed_mark(buf, 10, "paris"), -ENOSPC);
	ck_assert_int_eq(adm_shed_mark(buf, sizeof(buf), "a;b"), -EINVAL);
	ck_assert_int_eq(adm_shed_mark(buf, sizeof(buf), ""), -EINVAL);

	ck_assert(adm_shed_marked(via, strlen(via)));
	ck_assert(adm_shed_marked(uri, strlen(uri)));
	ck_assert(adm_shed_marked(";x-gw-shed", 10));
	ck_assert(!adm_shed_marked(via, strlen(via) - 12));	/* cut before the marker */
	ck_assert(!adm_shed_marked(";xx-gw-shed=a", 13));	/* another parameter */
	ck_assert(!adm_shed_marked(";x-gw-shedding=a", 16));
	ck_assert(!adm_shed_marked(noterm, sizeof(noterm)));
	ck_assert(!adm_shed_marked(NULL, 10));
}
END_TEST

START_TEST(test_rate_global)
{
	struct adm *adm = mk_adm();
	struct adm_cfg cfg = *adm_get_cfg(adm);
	struct adm_refusal why;

	cfg.rate_global_cps = 10;	/* burst: one second's worth */
	ck_assert_int_eq(adm_configure(adm, &cfg), 0);
	fake_now = 5000000000ULL;
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_REFUSE);
	ck_assert_int_eq(why.reason, ADM_R_RATE_GLOBAL);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_PRIORITY, NULL, &why), ADM_REFUSE);
	/* emergency calls pass, counted as exempt */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_EMERGENCY, NULL, &why), ADM_ADMIT);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_EMERGENCY, ADM_ADMIT, ADM_R_NONE), 1);
	fake_now += 99999999;		/* 1 ns short of one interval */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_REFUSE);
	fake_now += 1;
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_REFUSE);
	fake_now += 10000000000ULL;	/* a long pause refills to the burst, not beyond */
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_REFUSE);

	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_ADMIT, ADM_R_NONE), 21);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_REFUSE, ADM_R_RATE_GLOBAL), 4);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_PRIORITY, ADM_REFUSE, ADM_R_RATE_GLOBAL), 1);
	adm_stats_flush(adm);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(adm_class_ctrg(adm, ADM_CLASS_EMERGENCY), 7)->current, 1);
	adm_free(adm);
}
END_TEST

static struct adm_source v4src(const char *ip, uint16_t port)
{
	struct adm_source s = { .kind = ADM_SRC_IPV4, .port = port };

	ck_assert_int_eq(inet_pton(AF_INET, ip, &s.addr.v4), 1);
	return s;
}

START_TEST(test_rate_source)
{
	struct adm *adm = mk_adm();
	struct adm_cfg cfg = *adm_get_cfg(adm);
	struct adm_source a = v4src("192.0.2.1", 5060), b = v4src("192.0.2.2", 5060);
	struct adm_source a2 = v4src("192.0.2.1", 5061);
	struct adm_source opc = { .kind = ADM_SRC_ISUP_OPC, .addr.opc = 0xc0 };
	struct adm_source v6 = { .kind = ADM_SRC_IPV6, .port = 5060 };
	struct adm_refusal why;

	inet_pton(AF_INET6, "2001:db8::1", &v6.addr.v6);
	cfg.rate_source_cps = 2;
	cfg.rate_source_burst = 3;
	ck_assert_int_eq(adm_configure(adm, &cfg), 0);
	fake_now = 1000000000ULL;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &a, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &a, &why), ADM_REFUSE);
	ck_assert_int_eq(why.reason, ADM_R_RATE_SOURCE);
	ck_assert_uint_eq(why.oc.oc, 50);
	/* other sources have their own buckets; port is part of the key */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &b, &why), ADM_ADMIT);
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &a2, &why), ADM_ADMIT);
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &opc, &why), ADM_ADMIT);
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &v6, &why), ADM_ADMIT);
	}
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &opc, &why), ADM_REFUSE);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &v6, &why), ADM_REFUSE);
	ck_assert_uint_eq(adm_src_entries(adm), 5);
	/* emergency: not limited per source, counted */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_EMERGENCY, &a, &why), ADM_ADMIT);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_EMERGENCY, ADM_ADMIT, ADM_R_NONE), 1);
	/* 2 cps: one call every 500 ms */
	fake_now += 499999999;
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &a, &why), ADM_REFUSE);
	fake_now += 1;
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &a, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &a, &why), ADM_REFUSE);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_REFUSE, ADM_R_RATE_SOURCE), 5);
	adm_free(adm);
}
END_TEST

START_TEST(test_source_table_bound)
{
	struct adm *adm = mk_adm();
	struct adm_cfg cfg = *adm_get_cfg(adm);
	struct adm_source s[6];
	struct adm_refusal why;
	char ip[32];

	cfg.rate_source_cps = 1;
	cfg.rate_source_burst = 1;
	cfg.source_table_size = 4;	/* == the probe window: one window, fully deterministic */
	ck_assert_int_eq(adm_configure(adm, &cfg), 0);
	for (int i = 0; i < 6; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		s[i] = v4src(ip, 5060);
	}
	fake_now = 1000;
	/* four sources fill the table, each now in debt for one second */
	for (int i = 0; i < 4; i++, fake_now++)
		ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &s[i], &why), ADM_ADMIT);
	ck_assert_uint_eq(adm_src_entries(adm), 4);
	ck_assert_uint_eq(adm_src_evictions(adm), 0);
	/* a fifth evicts the least recently seen (s0) and the table does not grow */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &s[4], &why), ADM_ADMIT);
	fake_now++;
	ck_assert_uint_eq(adm_src_entries(adm), 4);
	ck_assert_uint_eq(adm_src_evictions(adm), 1);
	/* s1 is still known: refused */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &s[1], &why), ADM_REFUSE);
	fake_now++;
	/* s0 was forgotten: a fresh bucket, and s2 (now least recently seen) goes */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &s[0], &why), ADM_ADMIT);
	fake_now++;
	ck_assert_uint_eq(adm_src_evictions(adm), 2);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &s[3], &why), ADM_REFUSE);
	fake_now++;
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &s[2], &why), ADM_ADMIT);
	ck_assert_uint_eq(adm_src_evictions(adm), 3);
	/* once buckets refill, a new source reuses an idle slot: no eviction counted */
	fake_now += 2000000000ULL;
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, &s[5], &why), ADM_ADMIT);
	ck_assert_uint_eq(adm_src_evictions(adm), 3);
	ck_assert_uint_eq(adm_src_entries(adm), 4);
	adm_free(adm);
}
END_TEST

START_TEST(test_tickets)
{
	struct adm *adm = mk_adm();
	struct adm_ticket e = { 0 }, p = { 0 }, o = { 0 }, o2 = { 0 };

	ck_assert_int_eq(adm_call_charge(adm, &e, ADM_CLASS_EMERGENCY, 3000), 0);
	ck_assert_int_eq(adm_call_charge(adm, &p, ADM_CLASS_PRIORITY, 5000), 0);
	ck_assert_int_eq(adm_call_charge(adm, &o, ADM_CLASS_ORDINARY, 0), 0);	/* the estimate */
	ck_assert_int_eq(adm_call_charge(adm, &o2, ADM_CLASS_ORDINARY, 1), 0);
	ck_assert_int_eq(adm_call_charge(adm, &o, ADM_CLASS_ORDINARY, 7), -EALREADY);
	ck_assert_uint_eq(o.bytes, 10000);
	ck_assert_uint_eq(adm_charged(adm), 18001);
	ck_assert_uint_eq(adm_class_bytes(adm, ADM_CLASS_ORDINARY), 10001);
	ck_assert_uint_eq(adm_class_calls(adm, ADM_CLASS_ORDINARY), 2);
	ck_assert_uint_eq(adm_class_calls(adm, ADM_CLASS_EMERGENCY), 1);

	ck_assert_int_eq(adm_call_adjust(adm, &p, 9000), 0);
	ck_assert_int_eq(adm_call_adjust(adm, &e, 1000), 0);
	ck_assert_uint_eq(adm_charged(adm), 20001);
	ck_assert_uint_eq(adm_class_bytes(adm, ADM_CLASS_PRIORITY), 9000);
	ck_assert_uint_eq(adm_class_bytes(adm, ADM_CLASS_EMERGENCY), 1000);

	adm_call_release(adm, &p);
	adm_call_release(adm, &p);		/* twice: harmless */
	ck_assert_int_eq(adm_call_adjust(adm, &p, 5), -EINVAL);
	adm_call_release(adm, &e);
	adm_call_release(adm, &o);
	adm_call_release(adm, &o2);
	ck_assert_uint_eq(adm_charged(adm), 0);
	ck_assert_uint_eq(adm_used(adm), 0);
	for (int c = 0; c < _NUM_ADM_CLASS; c++) {
		ck_assert_uint_eq(adm_class_bytes(adm, c), 0);
		ck_assert_uint_eq(adm_class_calls(adm, c), 0);
	}
	ck_assert_int_eq(adm_call_charge(adm, &o, _NUM_ADM_CLASS, 1), -EINVAL);
	adm_free(adm);
}
END_TEST

struct hammer {
	struct adm *adm;
	enum adm_class cls;
	unsigned int admitted;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	struct adm_refusal why;

	for (int i = 0; i < 50000; i++) {
		struct adm_ticket t = { 0 };

		if (adm_admit(h->adm, h->cls, NULL, &why) != ADM_ADMIT)
			continue;
		h->admitted++;
		adm_call_charge(h->adm, &t, h->cls, 0);
		adm_call_adjust(h->adm, &t, 12345);
		adm_call_release(h->adm, &t);
	}
	return NULL;
}

/* The SIP thread and the main thread admit and release at once: nothing is lost. */
START_TEST(test_two_threads)
{
	struct adm *adm = mk_adm();
	struct hammer h[2] = { { adm, ADM_CLASS_ORDINARY, 0 }, { adm, ADM_CLASS_PRIORITY, 0 } };
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(h[0].admitted, 50000);
	ck_assert_uint_eq(h[1].admitted, 50000);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_ADMIT, ADM_R_NONE), 50000);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_PRIORITY, ADM_ADMIT, ADM_R_NONE), 50000);
	ck_assert_uint_eq(adm_charged(adm), 0);
	ck_assert_uint_eq(adm_class_calls(adm, ADM_CLASS_ORDINARY), 0);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);
	adm_free(adm);
}
END_TEST

START_TEST(test_parse_bytes)
{
	static const struct { const char *in; int rc; uint64_t v; } vec[] = {
		{ "1024", 0, 1024 }, { "64K", 0, 65536 }, { "64k", 0, 65536 },
		{ "512M", 0, 512ULL << 20 }, { "2G", 0, 2ULL << 30 }, { "0", 0, 0 },
		{ "", -EINVAL, 0 }, { "K", -EINVAL, 0 }, { "1T", -EINVAL, 0 },
		{ "12KB", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { " 1", -EINVAL, 0 },
		{ "99999999999999999999", -EINVAL, 0 }, { "17179869184G", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		uint64_t v = 12345;

		ck_assert_msg(adm_parse_bytes(vec[i].in, &v) == vec[i].rc, "'%s'", vec[i].in);
		if (!vec[i].rc)
			ck_assert_uint_eq(v, vec[i].v);
	}
}
END_TEST

/* Measurement correction, fed directly: the arithmetic does not need jemalloc. */
START_TEST(test_estimate_correction)
{
	struct adm *adm = mk_adm();
	struct adm_ticket t[40];
	uint64_t cost;

	memset(t, 0, sizeof(t));
	ck_assert_uint_eq(adm_call_ceiling(adm), 100);		/* 1,000,000 / 10,000 */
	/* too few calls: memory above the tickets is unattributed, the estimate stays */
	for (int i = 0; i < 10; i++)
		adm_call_charge(adm, &t[i], ADM_CLASS_ORDINARY, 0);
	adm_apply_measurement(adm, 300000);
	ck_assert_uint_eq(adm_cost_per_call(adm), 10000);
	ck_assert_uint_eq(adm_measured(adm), 300000);
	ck_assert_uint_eq(adm_used(adm), 300000);		/* 100,000 charged + 200,000 */
	/* 40 calls measured at 20,000 each: the estimate moves 1/8 of the way */
	for (int i = 10; i < 40; i++)
		adm_call_charge(adm, &t[i], ADM_CLASS_ORDINARY, 0);
	adm_apply_measurement(adm, 800000);
	cost = 10000 - 10000 / 8 + 20000 / 8;
	ck_assert_uint_eq(adm_cost_per_call(adm), cost);
	ck_assert_uint_eq(adm_used(adm), 800000);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_NORMAL);	/* at the shed mark */
	ck_assert_uint_eq(adm_call_ceiling(adm), 1000000 / cost);
	/* bounded: a huge figure cannot push the estimate past 64 x configured */
	for (int i = 0; i < 100; i++)
		adm_apply_measurement(adm, 40ULL << 30);
	ck_assert_uint_eq(adm_cost_per_call(adm), 640000);
	ck_assert_int_eq(adm_get_state(adm), ADM_ST_FULL);
	/* memory back below the tickets: used is the tickets again */
	adm_apply_measurement(adm, 0);
	ck_assert_uint_eq(adm_used(adm), adm_charged(adm));
	ck_assert_uint_ge(adm_cost_per_call(adm), 10000 / 8);
	for (int i = 0; i < 40; i++)
		adm_call_release(adm, &t[i]);
	adm_log_ceiling(adm);
	adm_free(adm);
}
END_TEST

/* Calls that finished within the linger window still hold their transactions: the estimate
 * divides by them too, so a steady call rate with much lingering memory does not make each
 * new call look as costly as all the finished ones (which shed a load far below the budget). */
START_TEST(test_estimate_linger)
{
	struct adm *adm = mk_adm();	/* budget 1,000,000, estimate 10,000 */
	struct adm_ticket t[100];

	memset(t, 0, sizeof(t));
	adm_set_linger(adm, 5000);
	ck_assert_uint_eq(adm_lingering_calls(adm), 0);
	fake_now = 10000000000ULL;			/* t = 10 s */
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(adm_call_charge(adm, &t[i], ADM_CLASS_ORDINARY, 1000), 0);
	for (int i = 0; i < 60; i++)
		adm_call_release(adm, &t[i]);		/* 60 finished at t = 10 s */
	fake_now += 1500000000ULL;			/* t = 11.5 s */
	for (int i = 60; i < 80; i++)
		adm_call_release(adm, &t[i]);		/* 20 more at t = 11.5 s */
	ck_assert_uint_eq(adm_lingering_calls(adm), 80);
	ck_assert_uint_eq(adm_charged(adm), 20 * 1000);
	/* 20 calls in progress + 80 lingering measured at 10,000 each: the estimate stays.
	 * Divided by the 20 calls in progress it would have been 50,000 a call. */
	for (int i = 0; i < 40; i++)
		adm_apply_measurement(adm, 100 * 10000);
	ck_assert_uint_eq(adm_cost_per_call(adm), 10000);
	ck_assert_uint_eq(adm_used(adm), 1000000);
	/* t = 15.2 s: the first 60 left the window (released at second 10, window 5 s) */
	fake_now = 15200000000ULL;
	ck_assert_uint_eq(adm_lingering_calls(adm), 20);
	/* t = 17 s: all gone; what is still measured now is charged to the calls in progress */
	fake_now = 17000000000ULL;
	ck_assert_uint_eq(adm_lingering_calls(adm), 0);
	for (int i = 80; i < 100; i++)
		adm_call_charge(adm, &t[i - 80], ADM_CLASS_ORDINARY, 1000);	/* 40 in progress */
	adm_apply_measurement(adm, 40 * 20000);
	ck_assert_uint_eq(adm_cost_per_call(adm), 10000 - 10000 / 8 + 20000 / 8);
	/* a slot is reused when its second comes round again (64 s later) */
	fake_now += 64000000000ULL;
	adm_call_release(adm, &t[80]);
	ck_assert_uint_eq(adm_lingering_calls(adm), 1);
	/* no linger window (TCP only): nothing counts */
	adm_set_linger(adm, 0);
	ck_assert_uint_eq(adm_lingering_calls(adm), 0);
	/* windows past the history kept are capped, not wrapped */
	adm_set_linger(adm, 1000000);
	ck_assert_uint_eq(adm_lingering_calls(adm), 1);
	for (int i = 0; i < 100; i++)
		adm_call_release(adm, &t[i]);
	adm_free(adm);
}
END_TEST

/* Admit n ordinary calls (reservations dropped, so memory never decides); how many passed. */
static int admit_n(struct adm *adm, int n, enum adm_reason *last)
{
	struct adm_refusal why;
	int ok = 0;

	for (int i = 0; i < n; i++) {
		if (adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why) == ADM_ADMIT)
			ok++;
		else if (last)
			*last = why.reason;
		adm_expire_reservations(adm);
	}
	return ok;
}

/* CPU guard: the allowed rate is cut in proportion once the smoothed occupancy passes the
 * limit, emergency calls pass over it, it rises again below the limit and is lifted once
 * it no longer binds; cpu-limit 0 turns it off. */
START_TEST(test_cpu_guard)
{
	struct adm *adm = mk_adm();
	struct adm_refusal why;
	enum adm_reason last = ADM_R_NONE;
	const uint64_t tick = 100000000ULL;	/* 100 ms */
	unsigned int occ1, lim1, lim2;
	int ok;

	ck_assert_uint_eq(adm_get_cfg(adm)->cpu_limit_pct, 90);
	/* 1,000 calls a second at 85 % CPU: nothing to do */
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(admit_n(adm, 100, NULL), 100);
		adm_cpu_apply(adm, 85, tick);
		fake_now += tick;
	}
	ck_assert_uint_eq(adm_cpu_occupancy(adm), 85);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 0);
	/* one busy interval is smoothed away (a quarter of its weight): no cut */
	ck_assert_int_eq(admit_n(adm, 100, NULL), 100);
	adm_cpu_apply(adm, 100, tick);
	fake_now += tick;
	ck_assert_uint_le(adm_cpu_occupancy(adm), 90);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 0);
	/* a second one takes the smoothed figure over 90 %: cut to 1,000 x 90 / occupancy */
	ck_assert_int_eq(admit_n(adm, 100, NULL), 100);
	adm_cpu_apply(adm, 100, tick);
	occ1 = adm_cpu_occupancy(adm);
	lim1 = adm_cpu_limit_cps(adm);
	ck_assert_uint_gt(occ1, 90);
	/* (the occupancy shown is rounded: the limit comes from the unrounded figure) */
	ck_assert_uint_ge(lim1, (unsigned int)(90000 / (occ1 + 0.5)));
	ck_assert_uint_le(lim1, (unsigned int)(90000 / (occ1 - 0.5)) + 1);
	/* at one instant: the burst of a tenth of a second and one more pass */
	fake_now += 10 * tick;
	ok = admit_n(adm, 200, &last);
	ck_assert_int_ge(ok, (int)lim1 / 10);
	ck_assert_int_le(ok, (int)lim1 / 10 + 2);
	ck_assert_int_eq(last, ADM_R_CPU);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_ORDINARY, ADM_REFUSE, ADM_R_CPU), 200 - ok);
	/* a refusal asks for at least half the load off (RFC 7339 loss), ISUP ACL 1 */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_PRIORITY, NULL, &why), ADM_REFUSE);
	ck_assert_int_eq(why.reason, ADM_R_CPU);
	ck_assert_uint_ge(why.oc.oc, 50);
	ck_assert_uint_eq(why.isup_acl, 1);
	/* emergency calls pass, counted as admitted over a limit */
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_EMERGENCY, NULL, &why), ADM_ADMIT);
	ck_assert_uint_eq(adm_count(adm, ADM_CLASS_EMERGENCY, ADM_ADMIT, ADM_R_NONE), 1);
	adm_expire_reservations(adm);
	/* still over: the cut never raises the rate, whatever was admitted */
	adm_cpu_apply(adm, 100, tick);
	lim2 = adm_cpu_limit_cps(adm);
	ck_assert_uint_le(lim2, lim1);
	/* below the limit: up, at least 5 %, at most double */
	fake_now += tick;
	ck_assert_int_eq(admit_n(adm, 80, NULL), 80);	/* 800 a second, within the burst */
	for (int i = 0; i < 4; i++)
		adm_cpu_apply(adm, 50, tick);		/* 800 admitted once, then none */
	/* nothing admitted and the CPU under 90 % of the limit: the limit is lifted */
	ck_assert_uint_lt(adm_cpu_occupancy(adm), 81);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 0);
	/* the raise itself, from a fresh cut */
	for (int i = 0; i < 20 && !adm_cpu_limit_cps(adm); i++) {
		ck_assert_int_eq(admit_n(adm, 100, NULL), 100);
		adm_cpu_apply(adm, 100, tick);
		fake_now += tick;
	}
	lim1 = adm_cpu_limit_cps(adm);
	ck_assert_uint_gt(lim1, 0);
	fake_now += 10 * tick;
	ck_assert_int_eq(admit_n(adm, 50, NULL), 50);	/* 500 a second, within the burst */
	adm_cpu_apply(adm, 60, tick);
	lim2 = adm_cpu_limit_cps(adm);
	ck_assert_uint_ge(lim2, lim1 * 105 / 100);
	ck_assert_uint_le(lim2, 2 * lim1 + 1);
	for (int i = 0; i < 10 && adm_cpu_limit_cps(adm); i++)
		adm_cpu_apply(adm, 5, tick);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 0);
	/* busy without new calls (start-up, management): no limit is set */
	for (int i = 0; i < 40; i++)
		adm_cpu_apply(adm, 100, tick);
	ck_assert_uint_eq(adm_cpu_occupancy(adm), 100);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 0);
	/* ... but once calls come at 100 % CPU, it is */
	ck_assert_int_eq(admit_n(adm, 20, NULL), 20);		/* 200 a second */
	adm_cpu_apply(adm, 100, tick);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 180);
	/* over the limit and nothing admitted: never below the floor of 10 a second */
	adm_cpu_apply(adm, 100, tick);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 10);
	/* a raise at most doubles: 10 -> 20 though the CPU would carry 24 (20 x 90 / 75) */
	fake_now += 10 * tick;
	ck_assert_int_eq(admit_n(adm, 2, NULL), 2);		/* the burst of one: 1 + 1 */
	adm_cpu_apply(adm, 0, tick);				/* EWMA 75 */
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 20);
	/* the load went away: the limit is lifted once it is twice what was admitted */
	for (int i = 0; i < 5 && adm_cpu_limit_cps(adm); i++)
		adm_cpu_apply(adm, 5, tick);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 0);
	fake_now += 10 * tick;
	ck_assert_int_eq(admit_n(adm, 500, NULL), 500);
	/* off: saturation changes nothing */
	{
		struct adm_cfg cfg = *adm_get_cfg(adm);

		cfg.cpu_limit_pct = 0;
		ck_assert_int_eq(adm_configure(adm, &cfg), 0);
	}
	for (int i = 0; i < 10; i++)
		adm_cpu_apply(adm, 100, tick);
	ck_assert_uint_eq(adm_cpu_limit_cps(adm), 0);
	ck_assert_int_eq(admit_n(adm, 500, NULL), 500);
	adm_free(adm);
}
END_TEST

#ifdef HAVE_JEMALLOC
START_TEST(test_jemalloc_sampling)
{
	struct adm *adm = mk_adm();
	/* 64 KiB blocks are above jemalloc's thread-cache limit (32 KiB): each one reaches the
	 * arena and its statistics at once. Small blocks are counted when a cache flushes. */
	enum { N = 160, SZ = 64 * 1024, SLACK = 512 * 1024 };
	void **blk = malloc(N * sizeof(void *));
	uint64_t a0, a1, up;

	ck_assert(adm_have_jemalloc());
	ck_assert_int_eq(adm_jemalloc_allocated(&a0), 0);
	ck_assert_int_eq(adm_baseline_reset(adm), 0);
	ck_assert_uint_ge(adm_baseline(adm), a0 - (a0 / 10));
	for (int i = 0; i < N; i++) {
		blk[i] = malloc(SZ);
		memset(blk[i], i, SZ);
	}
	ck_assert_int_eq(adm_jemalloc_allocated(&a1), 0);
	ck_assert_int_eq(adm_sample(adm), 0);
	up = adm_measured(adm);
	printf("jemalloc: baseline %llu, +10 MiB -> allocated %llu, measured %llu\n",
	       (unsigned long long)adm_baseline(adm), (unsigned long long)a1,
	       (unsigned long long)up);
	/* 10 MiB, give or take what thread caches hold of small blocks (not yet counted) */
	ck_assert_uint_ge(up, N * SZ - SLACK);
	ck_assert_uint_le(up, N * SZ + SLACK);
	ck_assert_uint_ge(adm_used(adm), up);
	for (int i = 0; i < N; i++)
		free(blk[i]);
	ck_assert_int_eq(adm_sample(adm), 0);
	printf("jemalloc: freed -> measured %llu\n", (unsigned long long)adm_measured(adm));
	ck_assert_uint_le(adm_measured(adm), SLACK);
	ck_assert_uint_le(adm_used(adm), SLACK);
	free(blk);
	adm_free(adm);
}
END_TEST
#else
START_TEST(test_no_jemalloc)
{
	struct adm *adm = mk_adm();
	uint64_t a = 1;

	ck_assert(!adm_have_jemalloc());
	ck_assert_int_eq(adm_jemalloc_allocated(&a), -ENOTSUP);
	ck_assert_int_eq(adm_sample(adm), -ENOTSUP);
	ck_assert_uint_eq(adm_measured(adm), 0);
	adm_free(adm);
}
END_TEST
#endif

static const char adm_config[] =
	"admission\n"
	" budget 2G\n"
	" emergency-reserve 15\n"
	" shed-watermark 70\n"
	" hysteresis 3\n"
	" rate global 5000\n"
	" rate per-source 50 100\n"
	" per-source-table 1024\n"
	" call-cost-estimate 24K\n"
	" retry-after 10 60\n"
	" oc-validity 1500\n"
	" sample-interval 500\n"
	" cpu-limit 85\n"
	" shed-mode emergency forward\n"
	" shed-mode priority redirect\n"
	" shed-mode ordinary reject\n";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(buf, 1, 65535, f), 0);
	fclose(f);
	return buf;
}

START_TEST(test_vty_roundtrip)
{
	static struct vty_app_info info = { .name = "test_adm", .version = "0" };
	struct adm *adm = mk_adm();
	const struct adm_cfg *c;
	char in[] = "/tmp/test_adm_in_XXXXXX", out[] = "/tmp/test_adm_out_XXXXXX", shown[] =
		"/tmp/test_adm_show_XXXXXX";
	int fd, saved;
	char *text;
	struct vty *vty;

	info.tall_ctx = talloc_named_const(NULL, 0, "vty");
	vty_init(&info);
	adm_vty_init(adm);
	fd = mkstemp(in);
	ck_assert_int_eq(write(fd, adm_config, strlen(adm_config)), strlen(adm_config));
	close(fd);
	ck_assert_int_eq(vty_read_config_file(in, NULL), 0);
	c = adm_get_cfg(adm);
	ck_assert_uint_eq(c->budget, 2ULL << 30);
	ck_assert_uint_eq(c->emergency_reserve_pct, 15);
	ck_assert_uint_eq(c->shed_pct, 70);
	ck_assert_uint_eq(c->rate_source_burst, 100);
	ck_assert_uint_eq(c->call_cost_estimate, 24576);
	ck_assert_uint_eq(c->cpu_limit_pct, 85);
	ck_assert_int_eq(c->shed_mode[ADM_CLASS_EMERGENCY], ADM_SHED_FORWARD);
	ck_assert_uint_eq(adm_call_ceiling(adm), (2ULL << 30) / 24576);

	fd = mkstemp(out);
	close(fd);
	ck_assert_int_eq(osmo_vty_write_config_file(out), 0);
	text = slurp(out);
	ck_assert_msg(strstr(text, adm_config), "written:\n%s", text);
	free(text);

	/* show admission goes to stdout on a shell vty */
	fd = mkstemp(shown);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	vty = vty_new();
	vty->type = VTY_SHELL;
	adm_vty_show(vty, adm);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	text = slurp(shown);
	ck_assert_msg(strstr(text, "Admission: state normal"), "%s", text);
	ck_assert_msg(strstr(text, "implied ceiling 87381 calls"), "%s", text);
	ck_assert_msg(strstr(text, adm_have_jemalloc() ? "jemalloc: measured"
			     : "jemalloc: not linked in this build"), "%s", text);
	free(text);
	unlink(in);
	unlink(out);
	unlink(shown);
	adm_free(adm);
	/* the process ends with this test (Check forks one per test) */
	talloc_free(info.tall_ctx);
}
END_TEST

/* The sampling timer flushes counters into the rate_ctr_groups every sample-interval. */
START_TEST(test_sampling_timer)
{
	struct adm *adm = mk_adm();
	struct rate_ctr_group *ctrg = adm_class_ctrg(adm, ADM_CLASS_ORDINARY);
	struct adm_refusal why;

	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1000 };
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_ADMIT);
	ck_assert_int_eq(adm_jemalloc_start(adm), adm_have_jemalloc() ? 0 : -ENOTSUP);
	if (adm_have_jemalloc())
		ck_assert_uint_gt(adm_baseline(adm), 0);
	osmo_gettimeofday_override_add(0, 999000);
	osmo_timers_update();
	ck_assert_uint_eq(rate_ctr_group_get_ctr(ctrg, 0)->current, 0);
	osmo_gettimeofday_override_add(0, 1000);
	osmo_timers_update();
	ck_assert_uint_eq(rate_ctr_group_get_ctr(ctrg, 0)->current, 1);
	ck_assert_int_eq(adm_admit(adm, ADM_CLASS_ORDINARY, NULL, &why), ADM_ADMIT);
	osmo_gettimeofday_override_add(1, 0);
	osmo_timers_update();
	ck_assert_uint_eq(rate_ctr_group_get_ctr(ctrg, 0)->current, 2);
	adm_jemalloc_stop(adm);
	adm_free(adm);
}
END_TEST

static int read_config_text(const char *text)
{
	char in[] = "/tmp/test_adm_bad_XXXXXX";
	int fd = mkstemp(in), rc;

	ck_assert_int_eq(write(fd, text, strlen(text)), strlen(text));
	close(fd);
	rc = vty_read_config_file(in, NULL);
	unlink(in);
	return rc;
}

/* A refused command leaves the running figures as they were. */
START_TEST(test_vty_bad_config)
{
	static struct vty_app_info info = { .name = "test_adm", .version = "0" };
	static const char *const bad[] = {
		"admission\n retry-after 30 10\n",
		"admission\n budget 12Q\n",
		"admission\n budget 0\n",
		"admission\n call-cost-estimate 1T\n",
		"admission\n emergency-reserve 101\n",
		"admission\n rate per-source 10 0\n",
		"admission\n shed-mode emergency drop\n",
	};
	struct adm *adm = mk_adm();

	info.tall_ctx = talloc_named_const(NULL, 0, "vty");
	vty_init(&info);
	adm_vty_init(adm);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(read_config_text(bad[i]) != 0, "accepted: %s", bad[i]);
		ck_assert_uint_eq(adm_get_cfg(adm)->budget, 1000000);
		ck_assert_uint_eq(adm_get_cfg(adm)->retry_after_min_s, 5);
		ck_assert_uint_eq(adm_get_cfg(adm)->retry_after_max_s, 30);
		ck_assert_uint_eq(adm_get_cfg(adm)->call_cost_estimate, 10000);
	}
	ck_assert_int_eq(read_config_text("admission\n budget 3M\n"), 0);
	ck_assert_uint_eq(adm_get_cfg(adm)->budget, 3 << 20);
	adm_free(adm);
	talloc_free(info.tall_ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("adm");
	TCase *tc = tcase_create("admission");
	SRunner *sr;
	int failed;

	osmo_init_logging2(talloc_named_const(NULL, 0, "log"), &gw_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_watermarks_edges);
	tcase_add_test(tc, test_class_decisions);
	tcase_add_test(tc, test_admit_reserves);
	tcase_add_test(tc, test_refusal_contents);
	tcase_add_test(tc, test_shed_once);
	tcase_add_test(tc, test_shed_marker);
	tcase_add_test(tc, test_rate_global);
	tcase_add_test(tc, test_rate_source);
	tcase_add_test(tc, test_source_table_bound);
	tcase_add_test(tc, test_tickets);
	tcase_add_test(tc, test_two_threads);
	tcase_add_test(tc, test_parse_bytes);
	tcase_add_test(tc, test_estimate_correction);
	tcase_add_test(tc, test_estimate_linger);
	tcase_add_test(tc, test_cpu_guard);
#ifdef HAVE_JEMALLOC
	tcase_add_test(tc, test_jemalloc_sampling);
#else
	tcase_add_test(tc, test_no_jemalloc);
	printf("test_jemalloc_sampling: skipped: built without jemalloc (--disable-jemalloc, "
	       "sanitizer build): stats.allocated cannot be read\n");
#endif
	tcase_add_test(tc, test_vty_roundtrip);
	tcase_add_test(tc, test_sampling_timer);
	tcase_add_test(tc, test_vty_bad_config);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
