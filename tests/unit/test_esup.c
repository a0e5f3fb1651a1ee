/* test_esup.c - emergency supervision: sliding windows, alarm conditions and timing, bounds, VTY */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>
#include <osmocom/vty/logging.h>

#include "common/log.h"
#include "gateway/emergency.h"
#include "gateway/esup.h"
#include "tests/unit/vty_helper.h"

static void *ctx;

static void setup(void)
{
	/* real time unless a test takes the clock (tests may share one process: CK_FORK=no) */
	osmo_clock_override_enable(CLOCK_MONOTONIC, false);
	osmo_gettimeofday_override = false;
	ctx = talloc_named_const(NULL, 0, "test");
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

/* t = 1000 s: a multiple of every bucket width used here, so bucket edges fall on whole steps. */
static void clock_start(void)
{
	struct timespec *ts;

	osmo_clock_override_enable(CLOCK_MONOTONIC, true);
	ts = osmo_clock_override_gettimespec(CLOCK_MONOTONIC);
	ts->tv_sec = 1000;
	ts->tv_nsec = 0;
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1800000000 };
}

/* What the main loop does with its timers, one second at a time, with no traffic. */
static void step(unsigned int seconds)
{
	while (seconds--) {
		osmo_clock_override_add(CLOCK_MONOTONIC, 1, 0);
		osmo_gettimeofday_override_add(1, 0);
		osmo_timers_update();
	}
}

static uint64_t ctr(struct rate_ctr_group *g, int idx)
{
	return rate_ctr_group_get_ctr(g, idx)->current;
}

static struct esup_stats stats(struct esup *es, enum alarm_subject type, const char *name)
{
	struct esup_stats st;

	ck_assert_msg(esup_stats(es, type, name, &st) == 0, "%s not supervised", name);
	return st;
}

static enum alarm_state astate(struct esup *es, enum alarm_subject type, const char *name, enum alarm_kind k)
{
	return stats(es, type, name).alarm[k];
}

static int32_t gauge_raised(struct esup *es)
{
	return osmo_stat_item_get_last(osmo_stat_item_group_get_item(alarm_registry_stats(esup_alarms(es)),
								     ALARM_STAT_RAISED));
}

static void fail_call(struct esup *es, const char *number, const char *route, int cause)
{
	esup_attempt(es, number, route);
	esup_failure(es, number, route, cause);
}

static void ok_call(struct esup *es, const char *number, const char *route)
{
	esup_attempt(es, number, route);
	esup_success(es, number, route);
}

START_TEST(test_window_arithmetic)
{
	struct esup *es;
	struct esup_stats st;

	clock_start();
	es = esup_alloc(ctx, NULL);
	ck_assert_int_eq(esup_set_window(es, 60, 7), -EINVAL);
	ck_assert_int_eq(esup_set_window(es, 0, 1), -EINVAL);
	ck_assert_int_eq(esup_set_window(es, 3601, 1), -EINVAL);
	ck_assert_int_eq(esup_set_window(es, 120, 61), -EINVAL);
	ck_assert_int_eq(esup_set_window(es, 60, 6), 0);	/* 10 s buckets; t=1000 opens one */

	/* bucket [1000, 1010) */
	esup_attempt(es, "112", "samu");
	esup_attempt(es, "112", "samu");
	esup_failure(es, "112", "samu", 34);
	esup_success(es, "112", "samu");
	step(9);
	esup_attempt(es, "112", "samu");
	st = stats(es, ALARM_SUBJ_NUMBER, "112");
	ck_assert_uint_eq(st.attempts, 3);
	/* bucket [1010, 1020) */
	step(1);
	esup_attempt(es, "112", "samu");
	esup_failure(es, "112", "samu", 41);
	st = stats(es, ALARM_SUBJ_ROUTE, "samu");
	ck_assert_uint_eq(st.attempts, 4);
	ck_assert_uint_eq(st.failures, 2);
	ck_assert_uint_eq(st.successes, 1);
	/* t=1059: the window still spans [1000, 1060) */
	step(49);
	st = stats(es, ALARM_SUBJ_NUMBER, "112");
	ck_assert_uint_eq(st.attempts, 4);
	ck_assert_uint_eq(st.num_causes, 2);
	/* t=1060: [1000, 1010) aged out, [1010, 1020) is still in */
	step(1);
	st = stats(es, ALARM_SUBJ_NUMBER, "112");
	ck_assert_uint_eq(st.attempts, 1);
	ck_assert_uint_eq(st.successes, 0);
	ck_assert_uint_eq(st.failures, 1);
	ck_assert_uint_eq(st.num_causes, 1);
	ck_assert_uint_eq(st.causes[0].cause, 41);
	ck_assert_uint_eq(st.causes[0].count, 1);
	/* the consecutive count is not windowed */
	ck_assert_uint_eq(st.consecutive, 1);
	ck_assert_int_eq(st.last_cause, 41);
	step(9);
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "112").attempts, 1);
	step(1);
	st = stats(es, ALARM_SUBJ_NUMBER, "112");
	ck_assert_uint_eq(st.attempts + st.failures + st.successes, 0);

	/* a long silence empties everything at once; the ring keeps working after it */
	esup_attempt(es, "112", "samu");
	step(1000);
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "112").attempts, 0);
	esup_attempt(es, "112", "samu");
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "112").attempts, 1);

	/* causes: ESUP_BUCKET_CAUSES per bucket, merged across buckets, most frequent first */
	ck_assert_int_eq(esup_set_window(es, 20, 2), 0);
	esup_failure(es, "18", NULL, 34);
	esup_failure(es, "18", NULL, 34);
	esup_failure(es, "18", NULL, 1);
	esup_failure(es, "18", NULL, 2);
	esup_failure(es, "18", NULL, 3);
	esup_failure(es, "18", NULL, 17);	/* fifth distinct cause in the bucket: other */
	esup_failure(es, "18", NULL, 300);	/* not a Q.850 value: other */
	step(10);
	esup_failure(es, "18", NULL, 17);
	esup_failure(es, "18", NULL, 17);
	esup_failure(es, "18", NULL, 17);
	st = stats(es, ALARM_SUBJ_NUMBER, "18");
	ck_assert_uint_eq(st.failures, 10);
	ck_assert_uint_eq(st.num_causes, 5);
	ck_assert_uint_eq(st.causes[0].cause, 17);
	ck_assert_uint_eq(st.causes[0].count, 3);
	ck_assert_uint_eq(st.causes[1].cause, 34);
	ck_assert_uint_eq(st.causes[1].count, 2);
	ck_assert_uint_eq(st.other_causes, 2);
	/* no route was named: only the number is supervised */
	ck_assert_uint_eq(esup_count(es, ALARM_SUBJ_ROUTE), 1);
	ck_assert_uint_eq(ctr(esup_ctrs(es), ESUP_CTR_FAILURE), 12);
	esup_free(es);
}
END_TEST

START_TEST(test_ratio_needs_min_attempts)
{
	struct esup *es;
	unsigned int i;

	clock_start();
	es = esup_alloc(ctx, NULL);
	ck_assert_int_eq(esup_set_consecutive(es, 0), 0);	/* only the ratio alarm here */
	ck_assert_int_eq(esup_set_ratio(es, 80, 10), 0);
	ck_assert_int_eq(esup_set_ratio(es, 101, 10), -EINVAL);
	ck_assert_int_eq(esup_set_ratio(es, 80, 0), -EINVAL);

	for (i = 0; i < 9; i++)
		fail_call(es, "112", "samu", 34);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_CLEARED);
	ck_assert_uint_eq(alarm_registry_active_count(esup_alarms(es)), 0);
	fail_call(es, "112", "samu", 34);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_RAISED);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_ROUTE, "samu", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_RAISED);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_CLEARED);
	ck_assert_str_eq(alarm_registry_active_at(esup_alarms(es), 0)->detail, "success 0/10 (0%) < 80% in 60 s");

	/* at the threshold is not below it; one success less is */
	for (i = 0; i < 8; i++)
		ok_call(es, "15", "samu-15");
	for (i = 0; i < 2; i++)
		fail_call(es, "15", "samu-15", 41);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "15", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_CLEARED);
	fail_call(es, "15", "samu-15", 41);	/* 8/11 = 72% */
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "15", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_RAISED);

	/* attempts still in progress are not outcomes: 20 attempts, 9 outcomes, no alarm */
	for (i = 0; i < 20; i++)
		esup_attempt(es, "17", "police");
	for (i = 0; i < 9; i++)
		esup_failure(es, "17", "police", 34);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "17", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_CLEARED);
	esup_free(es);
}
END_TEST

/* A call a minute never fills a ratio window, but three failures in a row still raise. */
START_TEST(test_consecutive_low_volume)
{
	struct esup *es;
	struct esup_stats st;
	unsigned int i;

	clock_start();
	es = esup_alloc(ctx, NULL);	/* defaults: 80% over 10, 3 consecutive, 60 s window */
	for (i = 0; i < 3; i++) {
		esup_attempt(es, "112", "samu");
		step(20);
		esup_failure(es, "112", "samu", 34);
		if (i < 2)
			ck_assert_uint_eq(alarm_registry_active_count(esup_alarms(es)), 0);
		step(40);
	}
	st = stats(es, ALARM_SUBJ_NUMBER, "112");
	ck_assert_uint_le(st.failures, 1);
	ck_assert_uint_eq(st.consecutive, 3);
	ck_assert_int_eq(st.alarm[ALARM_KIND_CONSECUTIVE_FAILURES], ALARM_ST_RAISED);
	ck_assert_int_eq(st.alarm[ALARM_KIND_SUCCESS_RATIO], ALARM_ST_CLEARED);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_ROUTE, "samu", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_RAISED);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(esup_alarms(es)), ALARM_CTR_RAISED), 2);
	/* and it stays raised through the quiet minutes: no success came */
	step(600);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_RAISED);
	esup_free(es);
}
END_TEST

/* The onset is the third failure; nothing is reported after it, yet the alarm comes within 10 s. */
START_TEST(test_raise_within_10s_without_traffic)
{
	struct esup *es;
	unsigned int t;

	clock_start();
	es = esup_alloc(ctx, NULL);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(esup_alarms(es)), ALARM_T_RAISE_AFTER, 5, OSMO_TDEF_S), 0);
	fail_call(es, "112", "samu", 34);
	fail_call(es, "112", "samu", 34);
	fail_call(es, "112", "samu", 34);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_PENDING);
	for (t = 1; t <= 10; t++) {
		step(1);
		if (astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES) == ALARM_ST_RAISED)
			break;
	}
	ck_assert_uint_eq(t, 5);
	ck_assert_uint_eq(gauge_raised(es), 2);
	esup_free(es);
}
END_TEST

START_TEST(test_clear_after)
{
	struct esup *es;
	const struct alarm_info *h;
	unsigned int i;

	clock_start();
	es = esup_alloc(ctx, NULL);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(esup_alarms(es)), ALARM_T_CLEAR_AFTER, 30, OSMO_TDEF_S), 0);

	/* consecutive failures: gone with the first success, cleared 30 s later */
	for (i = 0; i < 3; i++)
		fail_call(es, "112", "samu", 34);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_RAISED);
	ok_call(es, "112", "samu");
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_CLEARING);
	step(29);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_CLEARING);
	step(1);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_CLEARED);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_ROUTE, "samu", ALARM_KIND_CONSECUTIVE_FAILURES), ALARM_ST_CLEARED);
	h = alarm_registry_history_at(esup_alarms(es), 0);
	ck_assert_int_eq(h->cleared_at - h->raised_at, 30);

	/* success ratio: gone when the failures age out of the window (the 1 s timer sees it with no
	 * traffic), then cleared after clear-after; t=1030 now, the window ends at 1090 */
	ck_assert_int_eq(esup_set_consecutive(es, 0), 0);
	for (i = 0; i < 10; i++)
		fail_call(es, "18", "fire", 34);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "18", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_RAISED);
	step(59);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "18", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_RAISED);
	step(1);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "18", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_CLEARING);
	step(29);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "18", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_CLEARING);
	step(1);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "18", ALARM_KIND_SUCCESS_RATIO), ALARM_ST_CLEARED);
	ck_assert_uint_eq(alarm_registry_active_count(esup_alarms(es)), 0);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(esup_alarms(es)), ALARM_CTR_CLEARED), 4);
	esup_free(es);
}
END_TEST

START_TEST(test_route_unavailable)
{
	struct esup *es;
	struct osmo_stat_item_group *g;

	clock_start();
	es = esup_alloc(ctx, NULL);
	g = esup_stats_group(es);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(esup_alarms(es)), ALARM_T_CLEAR_AFTER, 10, OSMO_TDEF_S), 0);

	/* a route reported healthy and never seen before takes no entry */
	esup_route_state(es, "samu-alt", true);
	ck_assert_uint_eq(esup_count(es, ALARM_SUBJ_ROUTE), 0);

	esup_route_state(es, "samu", false);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_ROUTE, "samu", ALARM_KIND_ROUTE_UNAVAILABLE), ALARM_ST_RAISED);
	ck_assert(!stats(es, ALARM_SUBJ_ROUTE, "samu").available);
	ck_assert_int_eq(osmo_stat_item_get_last(osmo_stat_item_group_get_item(g, ESUP_STAT_ROUTES_DOWN)), 1);
	ck_assert_uint_eq(ctr(esup_ctrs(es), ESUP_CTR_ROUTE_DOWN), 1);
	esup_route_state(es, "samu", false);	/* repeated: no change */
	ck_assert_uint_eq(ctr(esup_ctrs(es), ESUP_CTR_ROUTE_DOWN), 1);
	step(7);
	ck_assert_str_eq(alarm_registry_active_at(esup_alarms(es), 0)->detail, "unavailable for 7 s");

	/* flapping back inside clear-after does not clear it */
	esup_route_state(es, "samu", true);
	step(5);
	esup_route_state(es, "samu", false);
	esup_route_state(es, "samu", true);
	step(9);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_ROUTE, "samu", ALARM_KIND_ROUTE_UNAVAILABLE), ALARM_ST_CLEARING);
	step(1);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_ROUTE, "samu", ALARM_KIND_ROUTE_UNAVAILABLE), ALARM_ST_CLEARED);
	ck_assert_int_eq(osmo_stat_item_get_last(osmo_stat_item_group_get_item(g, ESUP_STAT_ROUTES_DOWN)), 0);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(esup_alarms(es)), ALARM_CTR_RAISED), 1);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(esup_alarms(es)), ALARM_CTR_CLEARED), 1);
	/* no number alarm of this kind, and the route is not a number */
	ck_assert_int_eq(esup_stats(es, ALARM_SUBJ_NUMBER, "samu", &(struct esup_stats){ 0 }), -ENOENT);
	esup_free(es);
}
END_TEST

START_TEST(test_refused)
{
	struct esup *es;
	struct esup_stats st;
	const struct alarm_info *a;

	clock_start();
	es = esup_alloc(ctx, NULL);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(esup_alarms(es)), ALARM_T_CLEAR_AFTER, 5, OSMO_TDEF_S), 0);
	esup_refused(es, "112", 2);
	st = stats(es, ALARM_SUBJ_NUMBER, "112");
	ck_assert_uint_eq(st.refused, 1);
	ck_assert_int_eq(st.last_refusal, 2);
	ck_assert_int_eq(st.alarm[ALARM_KIND_REFUSED], ALARM_ST_RAISED);
	a = alarm_registry_active_at(esup_alarms(es), 0);
	ck_assert_int_eq(a->severity, ALARM_SEV_CRITICAL);
	ck_assert_int_eq(a->subject_type, ALARM_SUBJ_NUMBER);
	ck_assert_str_eq(a->subject, "112");
	ck_assert_str_eq(a->detail, "1 refused in 60 s, last reason 2");
	ck_assert_uint_eq(esup_count(es, ALARM_SUBJ_ROUTE), 0);
	ck_assert_uint_eq(ctr(esup_ctrs(es), ESUP_CTR_REFUSED), 1);
	/* the refusal ages out with the window, then clear-after runs */
	step(59);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_REFUSED), ALARM_ST_RAISED);
	step(1);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_REFUSED), ALARM_ST_CLEARING);
	step(5);
	ck_assert_int_eq(astate(es, ALARM_SUBJ_NUMBER, "112", ALARM_KIND_REFUSED), ALARM_ST_CLEARED);
	esup_free(es);
}
END_TEST

/* Whatever reaches the module, its tables stay bounded: full -> counted and dropped. */
START_TEST(test_tables_bounded)
{
	struct esup *es;
	char num[16];
	unsigned int i;

	clock_start();
	es = esup_alloc(ctx, NULL);
	for (i = 0; i < ESUP_NUMBERS_MAX; i++) {
		snprintf(num, sizeof(num), "9%u", i);
		ok_call(es, num, NULL);
	}
	ck_assert_uint_eq(esup_count(es, ALARM_SUBJ_NUMBER), ESUP_NUMBERS_MAX);
	fail_call(es, "0123456789", NULL, 34);
	fail_call(es, "0123456789", NULL, 34);
	ck_assert_uint_eq(esup_count(es, ALARM_SUBJ_NUMBER), ESUP_NUMBERS_MAX);
	ck_assert_uint_eq(ctr(esup_ctrs(es), ESUP_CTR_TABLE_FULL), 4);
	ck_assert_int_eq(esup_stats(es, ALARM_SUBJ_NUMBER, "0123456789", &(struct esup_stats){ 0 }), -ENOENT);
	/* known numbers still count */
	fail_call(es, "90", NULL, 34);
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "90").failures, 1);

	/* bad names are refused and counted */
	esup_attempt(es, NULL, NULL);
	esup_attempt(es, "", NULL);
	esup_attempt(es, "1 2", NULL);
	esup_attempt(es, "012345678901234567890123456789012345", NULL);
	ck_assert_uint_eq(ctr(esup_ctrs(es), ESUP_CTR_BAD_NAME), 4);

	/* a window later the quiet, healthy entries can be reused; "90" has a failure run: kept */
	step(60);
	fail_call(es, "0123456789", NULL, 34);
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "0123456789").failures, 1);
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "90").consecutive, 1);
	ck_assert_uint_eq(esup_count(es, ALARM_SUBJ_NUMBER), ESUP_NUMBERS_MAX);
	for (i = 0; i < ESUP_NUMBERS_MAX; i++) {
		snprintf(num, sizeof(num), "8%u", i);
		ok_call(es, num, NULL);
	}
	ck_assert_uint_eq(esup_count(es, ALARM_SUBJ_NUMBER), ESUP_NUMBERS_MAX);
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "90").consecutive, 1);
	ck_assert_uint_eq(stats(es, ALARM_SUBJ_NUMBER, "0123456789").failures, 1);
	esup_free(es);
}
END_TEST

static const char cfg_text[] =
	"alarms\n"
	" success-ratio-threshold 90 min-attempts 5\n"
	" consecutive-failures 2\n"
	" window 120 buckets 12\n"
	" raise-after 2\n"
	" clear-after 300\n"
	" severity success-ratio critical\n"
	" severity consecutive-failures critical\n"
	" severity route-unavailable minor\n"
	" severity refused warning\n"
	" escalation-command /usr/local/bin/page --team noc\n"
	" escalation-timeout 20\n"
	" max-running 8\n";

START_TEST(test_vty_round_trip)
{
	struct esup *es, *es2;
	char *out, *out2;

	clock_start();
	es = esup_alloc(ctx, NULL);
	alarm_vty_init(es);
	ck_assert_int_eq(th_read_config(cfg_text), 0);
	ck_assert_uint_eq(esup_get_cfg(es)->ratio_threshold_pct, 90);
	ck_assert_uint_eq(esup_get_cfg(es)->ratio_min_attempts, 5);
	ck_assert_uint_eq(esup_get_cfg(es)->consecutive_failures, 2);
	ck_assert_uint_eq(esup_get_cfg(es)->window_s, 120);
	ck_assert_uint_eq(esup_get_cfg(es)->buckets, 12);
	ck_assert_uint_eq(osmo_tdef_get(alarm_registry_tdefs(esup_alarms(es)), ALARM_T_RAISE_AFTER, OSMO_TDEF_S, -1), 2);
	ck_assert_uint_eq(osmo_tdef_get(alarm_registry_tdefs(esup_alarms(es)), ALARM_T_CLEAR_AFTER, OSMO_TDEF_S, -1), 300);
	ck_assert_int_eq(alarm_registry_cfg(esup_alarms(es))->severity[ALARM_KIND_REFUSED], ALARM_SEV_WARNING);
	ck_assert_str_eq(alarm_escalator_command(esup_escalator(es)), "/usr/local/bin/page --team noc");
	ck_assert_uint_eq(alarm_escalator_timeout(esup_escalator(es)), 20);
	ck_assert_uint_eq(alarm_escalator_max_running(esup_escalator(es)), 8);

	out = th_write_config(ctx);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, cfg_text) != NULL, "written config:\n%s", out);

	es2 = esup_alloc(ctx, NULL);
	alarm_vty_init(es2);
	ck_assert_int_eq(th_read_config(out), 0);
	out2 = th_write_config(ctx);
	ck_assert_str_eq(out2, out);
	/* no command: the line goes away */
	ck_assert_int_eq(th_read_config("alarms\n no escalation-command\n"), 0);
	talloc_free(out2);
	out2 = th_write_config(ctx);
	ck_assert_ptr_null(strstr(out2, "escalation-command"));

	/* refused values leave the config as it was */
	ck_assert_int_ne(th_read_config("alarms\n window 60 buckets 7\n"), 0);
	ck_assert_int_ne(th_read_config("alarms\n max-running 17\n"), 0);
	ck_assert_int_ne(th_read_config("alarms\n success-ratio-threshold 101 min-attempts 5\n"), 0);
	ck_assert_int_ne(th_read_config("alarms\n raise-after 11\n"), 0);
	ck_assert_int_ne(th_read_config("alarms\n severity refused fatal\n"), 0);
	ck_assert_uint_eq(esup_get_cfg(es2)->window_s, 120);
	ck_assert_uint_eq(alarm_escalator_max_running(esup_escalator(es2)), 8);

	alarm_vty_init(es);
	esup_free(es2);
	talloc_free(out);
	talloc_free(out2);
	esup_free(es);
}
END_TEST

START_TEST(test_vty_show)
{
	struct emergency_cfg *ecfg;
	struct esup *es;
	char *out;
	int rc;

	clock_start();
	es = esup_alloc(ctx, NULL);
	ecfg = emergency_cfg_alloc(ctx);
	alarm_vty_init(es);
	emergency_vty_init(ecfg);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(esup_alarms(es)), ALARM_T_CLEAR_AFTER, 0, OSMO_TDEF_S), 0);
	fail_call(es, "112", "samu", 34);
	fail_call(es, "112", "samu", 34);
	fail_call(es, "112", "samu-alt", 41);	/* third in a row for the number: raised */
	ok_call(es, "112", "samu-alt");		/* the fallback answers: cleared (clear-after 0) */
	fail_call(es, "18", "fire", 34);
	fail_call(es, "18", "fire", 34);
	fail_call(es, "18", "fire", 34);
	ok_call(es, "18", "fire");	/* clears number 18's and route fire's alarms at once */
	esup_route_state(es, "samu", false);

	out = th_command(ctx, "show emergency", &rc);
	ck_assert_int_eq(rc, CMD_SUCCESS);
	ck_assert_str_eq(out,
		"Emergency supervision: window 60 s in 6 buckets of 10 s; success-ratio below 80% with 10 outcomes; "
		"consecutive-failures 3\n"
		"Numbers 2/64\n"
		" 112          attempts 4 success 1 failure 3 refused 0 ratio 25% consecutive 0\n"
		"   causes 34:2 41:1\n"
		" 18           attempts 4 success 1 failure 3 refused 0 ratio 25% consecutive 0\n"
		"   causes 34:3\n"
		"Routes 3/64\n"
		" samu         attempts 2 success 0 failure 2 refused 0 ratio 0% consecutive 2 UNAVAILABLE\n"
		"   causes 34:2\n"
		"   alarms route-unavailable raised\n"
		" samu-alt     attempts 2 success 1 failure 1 refused 0 ratio 50% consecutive 0 available\n"
		"   causes 41:1\n"
		" fire         attempts 4 success 1 failure 3 refused 0 ratio 25% consecutive 0 available\n"
		"   causes 34:3\n"
		"Dropped reports: table full 0, bad name 0\n");
	talloc_free(out);

	/* the classification's own show command is still reachable beside it */
	out = th_command(ctx, "show emergency numbers", &rc);
	ck_assert_int_eq(rc, CMD_SUCCESS);
	ck_assert_ptr_nonnull(strstr(out, "Emergency numbers 4/64"));
	talloc_free(out);

	out = th_command(ctx, "show emergency alarms", &rc);
	ck_assert_int_eq(rc, CMD_SUCCESS);
	ck_assert_str_eq(out,
		"Alarms active 1/128 (raised 4, cleared 3, table full 0)\n"
		" ID    STATE    SEVERITY KIND                 ON     SUBJECT      RAISED (UTC)        CLEARED (UTC)       DETAIL\n"
		" 4     raised   major    route-unavailable    route  samu         2027-01-15 08:00:00 -                   unavailable for 0 s\n"
		"History 3/32, newest first\n"
		" 3     cleared  critical consecutive-failures route  fire         2027-01-15 08:00:00 2027-01-15 08:00:00 3 consecutive failures, last cause 34\n"
		" 2     cleared  critical consecutive-failures number 18           2027-01-15 08:00:00 2027-01-15 08:00:00 3 consecutive failures, last cause 34\n"
		" 1     cleared  critical consecutive-failures number 112          2027-01-15 08:00:00 2027-01-15 08:00:00 3 consecutive failures, last cause 41\n"
		"Escalation: no command, timeout 10 s, running 0/4, started 0, ok 0, failed 0, killed 0, dropped 0\n");
	talloc_free(out);
	emergency_cfg_free(ecfg);
	esup_free(es);
}
END_TEST

/* End to end with the real clock: three failures of 112, the command gets the alarm as JSON. */
START_TEST(test_escalation_end_to_end)
{
	char path[] = "/tmp/esup-esc-XXXXXX", cfg[160];
	struct esup *es;
	char *json;
	int fd = mkstemp(path), i;

	ck_assert_int_ge(fd, 0);
	close(fd);
	es = esup_alloc(ctx, NULL);
	alarm_vty_init(es);
	snprintf(cfg, sizeof(cfg), "alarms\n escalation-command cat > %s\n escalation-timeout 5\n", path);
	ck_assert_int_eq(th_read_config(cfg), 0);
	fail_call(es, "112", NULL, 34);
	fail_call(es, "112", NULL, 34);
	fail_call(es, "112", NULL, 38);
	ck_assert_uint_eq(alarm_escalator_running(esup_escalator(es)), 1);
	for (i = 0; i < 500 && alarm_escalator_running(esup_escalator(es)); i++) {
		osmo_select_main(1);
		osmo_timers_update();
		usleep(10000);
	}
	ck_assert_uint_eq(alarm_escalator_running(esup_escalator(es)), 0);
	json = th_slurp(ctx, path);
	unlink(path);
	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_nonnull(strstr(json, "\"event\":\"raised\""));
	ck_assert_ptr_nonnull(strstr(json, "\"kind\":\"consecutive-failures\""));
	ck_assert_ptr_nonnull(strstr(json, "\"subject_type\":\"number\",\"subject\":\"112\""));
	ck_assert_ptr_nonnull(strstr(json, "\"severity\":\"critical\""));
	ck_assert_ptr_nonnull(strstr(json, "\"detail\":\"3 consecutive failures, last cause 38\"}\n"));
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esup_escalator(es)), ALARM_ESC_CTR_EXIT_OK), 1);
	talloc_free(json);
	esup_free(es);
}
END_TEST

static struct vty_app_info app_info = {
	.name = "test_esup",
	.version = "0",
};

int main(void)
{
	Suite *s = suite_create("esup");
	TCase *tc = tcase_create("esup");
	SRunner *sr;
	int failed;

	osmo_init_logging2(talloc_named_const(NULL, 0, "log"), &gw_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	vty_init(&app_info);
	/* the daemon's own commands are there too: ours must not collide with them */
	logging_vty_add_cmds();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_window_arithmetic);
	tcase_add_test(tc, test_ratio_needs_min_attempts);
	tcase_add_test(tc, test_consecutive_low_volume);
	tcase_add_test(tc, test_raise_within_10s_without_traffic);
	tcase_add_test(tc, test_clear_after);
	tcase_add_test(tc, test_route_unavailable);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_tables_bounded);
	tcase_add_test(tc, test_vty_round_trip);
	tcase_add_test(tc, test_vty_show);
	tcase_add_test(tc, test_escalation_end_to_end);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
