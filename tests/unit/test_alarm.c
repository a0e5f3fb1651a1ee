/* test_alarm.c - alarm objects (raise/clear hysteresis), registry bounds, JSON, CTRL TRAP, escalation command */
#define _GNU_SOURCE	/* memmem */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>
#include <osmocom/ctrl/control_if.h>

#include "common/log.h"
#include "gateway/alarm.h"
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

/* Deterministic time: the monotonic osmo clock drives the FSM timers, the wall clock the stamps. */
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

/* The main loop's timer work, one second at a time. */
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

static int32_t gauge(struct osmo_stat_item_group *g, int idx)
{
	return osmo_stat_item_get_last(osmo_stat_item_group_get_item(g, idx));
}

START_TEST(test_raise_clear_hysteresis)
{
	struct alarm_registry *reg;
	struct alarm *slot = NULL;
	const struct alarm_info *h;

	clock_start();
	reg = alarm_registry_alloc(ctx, NULL, NULL);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(reg), ALARM_T_CLEAR_AFTER, 5, OSMO_TDEF_S), 0);

	/* condition off and no alarm: nothing is created */
	ck_assert_int_eq(alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu", false, NULL), 0);
	ck_assert_ptr_null(slot);

	ck_assert_int_eq(alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu", true,
				      "down"), 0);
	ck_assert_ptr_nonnull(slot);
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_RAISED);
	ck_assert_uint_eq(alarm_get_info(slot)->id, 1);
	ck_assert_int_eq(alarm_get_info(slot)->severity, ALARM_SEV_MAJOR);
	ck_assert_int_eq(alarm_get_info(slot)->raised_at, 1800000000);
	ck_assert_str_eq(alarm_get_info(slot)->detail, "down");
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(reg), ALARM_CTR_RAISED), 1);
	ck_assert_int_eq(gauge(alarm_registry_stats(reg), ALARM_STAT_RAISED), 1);
	ck_assert_int_eq(gauge(alarm_registry_stats(reg), ALARM_STAT_CRITICAL), 0);

	/* gone for 4 s, back: still the same raised alarm, nothing announced again */
	alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu", false, NULL);
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_CLEARING);
	step(4);
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_CLEARING);
	alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu", true, "down again");
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_RAISED);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(reg), ALARM_CTR_RAISED), 1);
	step(10);
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_RAISED);

	/* gone for the whole clear-after: cleared, the object is gone, the history has it */
	alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu", false, NULL);
	step(4);
	ck_assert_ptr_nonnull(slot);
	ck_assert_uint_eq(alarm_registry_active_count(reg), 1);
	step(1);
	ck_assert_ptr_null(slot);
	ck_assert_uint_eq(alarm_registry_active_count(reg), 0);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(reg), ALARM_CTR_CLEARED), 1);
	ck_assert_int_eq(gauge(alarm_registry_stats(reg), ALARM_STAT_RAISED), 0);
	ck_assert_uint_eq(alarm_registry_history_count(reg), 1);
	h = alarm_registry_history_at(reg, 0);
	ck_assert_int_eq(h->state, ALARM_ST_CLEARED);
	ck_assert_int_eq(h->raised_at, 1800000000);
	ck_assert_int_eq(h->cleared_at, 1800000000 + 19);
	ck_assert_str_eq(h->detail, "down again");
	ck_assert_ptr_null(alarm_registry_history_at(reg, 1));

	/* a new onset is a new alarm */
	alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu", true, "x");
	ck_assert_uint_eq(alarm_get_info(slot)->id, 2);
	alarm_registry_free(reg);
}
END_TEST

START_TEST(test_raise_after_and_blip)
{
	struct alarm_registry *reg;
	struct alarm *slot = NULL;

	clock_start();
	reg = alarm_registry_alloc(ctx, NULL, NULL);
	/* issue 7: raised within 10 s of the onset, so raise-after cannot be set past that */
	ck_assert_int_lt(osmo_tdef_set(alarm_registry_tdefs(reg), ALARM_T_RAISE_AFTER, 11, OSMO_TDEF_S), 0);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(reg), ALARM_T_RAISE_AFTER, 3, OSMO_TDEF_S), 0);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(reg), ALARM_T_CLEAR_AFTER, 0, OSMO_TDEF_S), 0);

	/* a blip shorter than raise-after is never announced */
	alarm_update(reg, &slot, ALARM_KIND_REFUSED, ALARM_SUBJ_NUMBER, "112", true, "1 refused");
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_PENDING);
	ck_assert_int_eq(gauge(alarm_registry_stats(reg), ALARM_STAT_PENDING), 1);
	step(2);
	alarm_update(reg, &slot, ALARM_KIND_REFUSED, ALARM_SUBJ_NUMBER, "112", false, NULL);
	ck_assert_ptr_null(slot);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(reg), ALARM_CTR_RAISED), 0);
	ck_assert_int_eq(gauge(alarm_registry_stats(reg), ALARM_STAT_PENDING), 0);

	/* held: raised raise-after seconds after the onset, with no further report */
	alarm_update(reg, &slot, ALARM_KIND_REFUSED, ALARM_SUBJ_NUMBER, "112", true, "1 refused");
	step(2);
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_PENDING);
	step(1);
	ck_assert_int_eq(alarm_get_info(slot)->state, ALARM_ST_RAISED);
	ck_assert_int_eq(alarm_get_info(slot)->severity, ALARM_SEV_CRITICAL);
	ck_assert_int_eq(alarm_get_info(slot)->raised_at - alarm_get_info(slot)->onset_at, 3);
	ck_assert_int_eq(gauge(alarm_registry_stats(reg), ALARM_STAT_CRITICAL), 1);

	/* clear-after 0: cleared at once */
	alarm_update(reg, &slot, ALARM_KIND_REFUSED, ALARM_SUBJ_NUMBER, "112", false, NULL);
	ck_assert_ptr_null(slot);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(reg), ALARM_CTR_CLEARED), 1);
	alarm_registry_free(reg);
}
END_TEST

START_TEST(test_registry_bounds)
{
	struct alarm_registry *reg = alarm_registry_alloc(ctx, NULL, NULL);
	struct alarm **slots = talloc_zero_array(ctx, struct alarm *, ALARM_ACTIVE_MAX + 1);
	struct alarm *extra = NULL;
	char subj[16];
	unsigned int i;

	clock_start();
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(reg), ALARM_T_CLEAR_AFTER, 0, OSMO_TDEF_S), 0);
	for (i = 0; i < ALARM_ACTIVE_MAX; i++) {
		snprintf(subj, sizeof(subj), "r%u", i);
		ck_assert_int_eq(alarm_update(reg, &slots[i], ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE,
					      subj, true, NULL), 0);
	}
	ck_assert_int_eq(alarm_update(reg, &extra, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "more", true,
				      NULL), -ENOSPC);
	ck_assert_int_eq(alarm_update(reg, &extra, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "more", true,
				      NULL), -ENOSPC);
	ck_assert_ptr_null(extra);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(reg), ALARM_CTR_TABLE_FULL), 2);
	ck_assert_uint_eq(alarm_registry_active_count(reg), ALARM_ACTIVE_MAX);
	ck_assert_uint_eq(alarm_registry_active_at(reg, 5)->id, 6);	/* id order */
	ck_assert_ptr_null(alarm_registry_active_at(reg, ALARM_ACTIVE_MAX));

	/* clearing them all: the history keeps the last ALARM_HISTORY_MAX, newest first */
	for (i = 0; i < ALARM_ACTIVE_MAX; i++) {
		snprintf(subj, sizeof(subj), "r%u", i);
		alarm_update(reg, &slots[i], ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, subj, false, NULL);
		ck_assert_ptr_null(slots[i]);
	}
	ck_assert_uint_eq(alarm_registry_history_count(reg), ALARM_HISTORY_MAX);
	ck_assert_uint_eq(alarm_registry_history_at(reg, 0)->id, ALARM_ACTIVE_MAX);
	ck_assert_uint_eq(alarm_registry_history_at(reg, ALARM_HISTORY_MAX - 1)->id,
			  ALARM_ACTIVE_MAX - ALARM_HISTORY_MAX + 1);
	ck_assert_int_eq(alarm_update(reg, &extra, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "more", true,
				      NULL), 0);

	/* a subject longer than the bound is refused, not truncated */
	ck_assert_int_eq(alarm_update(reg, &slots[0], ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE,
				      "0123456789012345678901234567890123456789", true, NULL), -EINVAL);
	/* freeing the registry with a live alarm releases the caller's handle */
	alarm_registry_free(reg);
	ck_assert_ptr_null(extra);
	talloc_free(slots);
}
END_TEST

START_TEST(test_json)
{
	struct alarm_info a = {
		.id = 42,
		.kind = ALARM_KIND_CONSECUTIVE_FAILURES,
		.subject_type = ALARM_SUBJ_NUMBER,
		.subject = "112",
		.severity = ALARM_SEV_CRITICAL,
		.state = ALARM_ST_RAISED,
		.onset_at = 1800000000,
		.raised_at = 1800000003,
		.detail = "3 consecutive failures, last cause 34",
	};
	char buf[ALARM_JSON_MAX];
	int n;

	n = alarm_info_json(&a, buf, sizeof(buf));
	ck_assert_int_eq(n, strlen(buf));
	ck_assert_str_eq(buf, "{\"id\":42,\"event\":\"raised\",\"kind\":\"consecutive-failures\","
			 "\"subject_type\":\"number\",\"subject\":\"112\",\"severity\":\"critical\","
			 "\"onset_at\":1800000000,\"raised_at\":1800000003,\"cleared_at\":null,"
			 "\"detail\":\"3 consecutive failures, last cause 34\"}");

	a.state = ALARM_ST_CLEARED;
	a.cleared_at = 1800000100;
	a.subject_type = ALARM_SUBJ_ROUTE;
	OSMO_STRLCPY_ARRAY(a.subject, "a\"b\\c");
	OSMO_STRLCPY_ARRAY(a.detail, "tab\there");
	n = alarm_info_json(&a, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"event\":\"cleared\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"subject_type\":\"route\",\"subject\":\"a\\\"b\\\\c\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"cleared_at\":1800000100"));
	ck_assert_ptr_nonnull(strstr(buf, "\"detail\":\"tab\\u0009here\"}"));

	/* the worst case fits ALARM_JSON_MAX: every character of subject and detail escaped as \u00XX,
	 * every number at its longest */
	a.id = UINT32_MAX;
	a.onset_at = a.raised_at = a.cleared_at = INT64_MIN;
	a.kind = ALARM_KIND_CONSECUTIVE_FAILURES;
	memset(a.subject, 0x01, sizeof(a.subject) - 1);
	a.subject[sizeof(a.subject) - 1] = '\0';
	memset(a.detail, 0x1f, sizeof(a.detail) - 1);
	a.detail[sizeof(a.detail) - 1] = '\0';
	n = alarm_info_json(&a, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, ALARM_JSON_MAX - 1);	/* room for the newline the escalation adds */

	/* too small: refused, never overrun (the canary past the given length stays) */
	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(alarm_info_json(&a, buf, 40), -ENOSPC);
	ck_assert_int_eq(buf[40], 'Z');
	ck_assert_int_lt(strlen(buf), 40);
}
END_TEST

/* Minimal CTRL client: connect to the handle's port, collect what it sends. */
static int ctrl_connect(struct ctrl_handle *ctrl)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd;

	ck_assert_int_eq(getsockname(ctrl->listen_fd.fd, (struct sockaddr *)&sa, &len), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Run the loop until `needle` arrived on fd (bounded: 2 s). */
static bool ctrl_wait_for(int fd, const char *needle, char *buf, size_t len)
{
	size_t got = 0;
	int i;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 200; i++) {
		ssize_t rc;

		osmo_select_main(1);
		rc = read(fd, buf + got, len - 1 - got);
		if (rc > 0)
			got += rc;
		buf[got] = '\0';
		if (memmem(buf, got, needle, strlen(needle)))
			return true;
		usleep(10000);
	}
	return false;
}

START_TEST(test_ctrl_trap)
{
	void *cctx = talloc_named_const(NULL, 0, "ctrl");	/* the CTRL handle has no free function */
	struct ctrl_handle *ctrl = ctrl_interface_setup_dynip2(cctx, "127.0.0.1", 0, NULL, 0);
	struct alarm_registry *reg;
	struct alarm *slot = NULL;
	char buf[1024];
	int fd, i;

	ck_assert_ptr_nonnull(ctrl);
	fd = ctrl_connect(ctrl);
	for (i = 0; i < 10; i++)
		osmo_select_main(1);	/* accept */
	/* as the daemon does it: the registry exists before CTRL opens */
	reg = alarm_registry_alloc(ctx, NULL, NULL);
	alarm_registry_set_ctrl(reg, ctrl);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(reg), ALARM_T_CLEAR_AFTER, 0, OSMO_TDEF_S), 0);
	alarm_update(reg, &slot, ALARM_KIND_CONSECUTIVE_FAILURES, ALARM_SUBJ_NUMBER, "112", true, "3 failures");
	ck_assert_msg(ctrl_wait_for(fd, "TRAP 0 alarm 1 raised consecutive-failures number:112 critical", buf,
				    sizeof(buf)), "got: %s", buf + 3);
	alarm_update(reg, &slot, ALARM_KIND_CONSECUTIVE_FAILURES, ALARM_SUBJ_NUMBER, "112", false, NULL);
	ck_assert_msg(ctrl_wait_for(fd, "TRAP 0 alarm 1 cleared consecutive-failures number:112 critical", buf,
				    sizeof(buf)), "got: %s", buf + 3);
	ck_assert_uint_eq(ctr(alarm_registry_ctrs(reg), ALARM_CTR_TRAP), 2);
	close(fd);
	alarm_registry_free(reg);
}
END_TEST

/* Run the loop (real clock) until no escalation command runs, at most `ms`. */
static bool esc_wait_idle(struct alarm_escalator *esc, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 10; i++) {
		osmo_select_main(1);
		osmo_timers_update();
		if (!alarm_escalator_running(esc))
			return true;
		usleep(10000);
	}
	return false;
}

START_TEST(test_escalate_json)
{
	struct alarm_escalator *esc = alarm_escalator_alloc(ctx);
	struct alarm_registry *reg = alarm_registry_alloc(ctx, NULL, esc);
	struct alarm *slot = NULL;
	char path[] = "/tmp/alarm-esc-XXXXXX", cmd[128];
	char *out, *nl;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cat >> %s", path);
	ck_assert_int_eq(alarm_escalator_set_command(esc, cmd), 0);
	ck_assert_int_eq(osmo_tdef_set(alarm_registry_tdefs(reg), ALARM_T_CLEAR_AFTER, 0, OSMO_TDEF_S), 0);

	alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu-isup", true,
		     "unavailable for 0 s");
	ck_assert_uint_eq(alarm_escalator_running(esc), 1);
	ck_assert(esc_wait_idle(esc, 5000));
	alarm_update(reg, &slot, ALARM_KIND_ROUTE_UNAVAILABLE, ALARM_SUBJ_ROUTE, "samu-isup", false, NULL);
	ck_assert(esc_wait_idle(esc, 5000));

	out = th_slurp(ctx, path);
	unlink(path);
	ck_assert_ptr_nonnull(out);
	/* two JSON objects, one a line: the raise, then the clear */
	nl = strchr(out, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	ck_assert_ptr_nonnull(strstr(out, "{\"id\":1,\"event\":\"raised\",\"kind\":\"route-unavailable\","
				     "\"subject_type\":\"route\",\"subject\":\"samu-isup\",\"severity\":\"major\""));
	ck_assert_ptr_nonnull(strstr(out, "\"cleared_at\":null,\"detail\":\"unavailable for 0 s\"}"));
	ck_assert_ptr_nonnull(strstr(nl + 1, "{\"id\":1,\"event\":\"cleared\",\"kind\":\"route-unavailable\""));
	ck_assert_ptr_null(strstr(nl + 1, "\"cleared_at\":null"));
	ck_assert_str_eq(strchr(nl + 1, '\n'), "\n");
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_STARTED), 2);
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_EXIT_OK), 2);
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_STDIN_SHORT), 0);
	talloc_free(out);
	alarm_registry_free(reg);
	alarm_escalator_free(esc);
}
END_TEST

static const struct alarm_info test_alarm = {
	.id = 9,
	.kind = ALARM_KIND_REFUSED,
	.subject_type = ALARM_SUBJ_NUMBER,
	.subject = "18",
	.severity = ALARM_SEV_CRITICAL,
	.state = ALARM_ST_RAISED,
};

START_TEST(test_escalate_timeout_kills)
{
	struct alarm_escalator *esc = alarm_escalator_alloc(ctx);
	struct timespec t0, t1;
	pid_t pid;

	ck_assert_int_eq(alarm_escalator_set_timeout(esc, 1), 0);
	/* the shell forks sleep (a second command follows), so the group kill is what stops it */
	ck_assert_int_eq(alarm_escalator_set_command(esc, "sleep 30; true"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = alarm_escalate(esc, &test_alarm);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, 0), 0);
	ck_assert(esc_wait_idle(esc, 5000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_ge(t1.tv_sec - t0.tv_sec, 1);
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_KILLED), 1);
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_EXIT_OK), 0);
	alarm_escalator_free(esc);
}
END_TEST

START_TEST(test_escalate_max_running)
{
	struct alarm_escalator *esc = alarm_escalator_alloc(ctx);
	pid_t p1, p2;

	ck_assert_int_eq(alarm_escalator_set_max_running(esc, 2), 0);
	ck_assert_int_eq(alarm_escalator_set_max_running(esc, 0), -EINVAL);
	ck_assert_int_eq(alarm_escalator_set_max_running(esc, ALARM_ESC_RUNNING_MAX + 1), -EINVAL);
	ck_assert_int_eq(alarm_escalator_set_timeout(esc, 1), 0);
	ck_assert_int_eq(alarm_escalate(esc, &test_alarm), -ENOENT);	/* no command */
	ck_assert_int_eq(alarm_escalator_set_command(esc, "sleep 30"), 0);
	p1 = alarm_escalate(esc, &test_alarm);
	p2 = alarm_escalate(esc, &test_alarm);
	ck_assert_int_gt(p1, 0);
	ck_assert_int_gt(p2, 0);
	ck_assert_int_eq(alarm_escalate(esc, &test_alarm), -EBUSY);
	ck_assert_int_eq(alarm_escalate(esc, &test_alarm), -EBUSY);
	ck_assert_uint_eq(alarm_escalator_running(esc), 2);
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_DROPPED_BUSY), 2);
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_STARTED), 2);
	ck_assert(esc_wait_idle(esc, 5000));
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_KILLED), 2);
	ck_assert_int_eq(kill(p1, 0), -1);
	ck_assert_int_eq(kill(p2, 0), -1);
	/* room again */
	ck_assert_int_eq(alarm_escalator_set_command(esc, "exit 3"), 0);
	ck_assert_int_gt(alarm_escalate(esc, &test_alarm), 0);
	ck_assert(esc_wait_idle(esc, 5000));
	ck_assert_uint_eq(ctr(alarm_escalator_ctrs(esc), ALARM_ESC_CTR_EXIT_FAILED), 1);
	alarm_escalator_free(esc);
}
END_TEST

START_TEST(test_escalate_free_kills)
{
	struct alarm_escalator *esc = alarm_escalator_alloc(ctx);
	pid_t pid;

	ck_assert_int_eq(alarm_escalator_set_command(esc, "sleep 30"), 0);
	ck_assert_int_eq(alarm_escalator_set_command(esc, "two\nlines"), -EINVAL);
	ck_assert_str_eq(alarm_escalator_command(esc), "sleep 30");
	pid = alarm_escalate(esc, &test_alarm);
	ck_assert_int_gt(pid, 0);
	alarm_escalator_free(esc);
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alarm");
	TCase *tc = tcase_create("alarm");
	SRunner *sr;
	int failed;

	osmo_init_logging2(talloc_named_const(NULL, 0, "log"), &gw_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_raise_clear_hysteresis);
	tcase_add_test(tc, test_raise_after_and_blip);
	tcase_add_test(tc, test_registry_bounds);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_ctrl_trap);
	tcase_add_test(tc, test_escalate_json);
	tcase_add_test(tc, test_escalate_timeout_kills);
	tcase_add_test(tc, test_escalate_max_running);
	tcase_add_test(tc, test_escalate_free_kills);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
