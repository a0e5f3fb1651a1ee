/* test_peer.c - peer site health FSM, probe timing and selection for shedding (RFC 7339 feedback) */
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
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>

#include "common/log.h"
#include "admission/peer.h"

/* counter indexes, as listed in peer.c */
enum { C_SENT, C_OK, C_FAIL, C_TIMEOUT, C_SEND_ERR, C_LATE, C_DOWN };

static void *ctx;
static unsigned int probes;
static struct peer *last_probed;
static int probe_rc;

static int send_probe(void *priv, struct peer *p)
{
	ck_assert_ptr_eq(priv, &probes);
	probes++;
	last_probed = p;
	return probe_rc;
}

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	probes = 0;
	last_probed = NULL;
	probe_rc = 0;
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1000 };
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

static uint64_t ctr(struct peer *p, int i)
{
	return rate_ctr_group_get_ctr(peer_ctrg(p), i)->current;
}

static struct peer *mk_peer(struct peer_set *set, const char *name, unsigned int weight)
{
	struct peer_cfg cfg = peer_cfg_default;
	struct peer *p;
	int err = -1;

	p = peer_alloc(set, name, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(err, 0);
	cfg.weight = weight;
	OSMO_STRLCPY_ARRAY(cfg.addr, "127.0.0.1");
	ck_assert_int_eq(peer_configure(p, &cfg), 0);
	return p;
}

/* One probe answered with status and optional oc. */
static void probe(struct peer *p, int status, int oc)
{
	struct peer_feedback fb = { .present = oc >= 0, .oc = oc < 0 ? 0 : oc, .validity_ms = 500 };

	peer_probe_sent(p);
	peer_probe_result(p, status, oc >= 0 ? &fb : NULL);
}

START_TEST(test_fsm_hysteresis)
{
	struct peer_set *set = peer_set_alloc(ctx, 4, send_probe, &probes);
	struct peer *p = mk_peer(set, "paris", 1);

	/* starts DOWN, up-after 2 */
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DOWN);
	probe(p, 200, -1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DOWN);
	probe(p, 503, -1);					/* breaks the run */
	probe(p, 200, -1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DOWN);
	probe(p, 200, -1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_UP);

	/* feedback asking for reduction -> DEGRADED, none -> UP */
	probe(p, 200, 30);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DEGRADED);
	ck_assert_uint_eq(peer_get_oc(p), 30);
	probe(p, 200, 0);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_UP);
	ck_assert_uint_eq(peer_get_oc(p), 0);
	probe(p, 404, -1);					/* alive though it refuses OPTIONS */
	ck_assert_int_eq(peer_get_state(p), PEER_ST_UP);

	/* down-after 3: two failures and a success keep it up */
	probe(p, 500, -1);
	probe(p, 0, -1);
	probe(p, 200, -1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_UP);
	probe(p, 408, -1);
	probe(p, 503, -1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_UP);
	probe(p, 603, -1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DOWN);
	/* DEGRADED -> DOWN the same way, and DOWN -> DEGRADED directly */
	probe(p, 200, 80);
	probe(p, 200, 80);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DEGRADED);
	probe(p, 0, -1);
	probe(p, 0, -1);
	probe(p, 0, -1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DOWN);
	ck_assert_uint_eq(peer_get_oc(p), 0);

	/* an answer with no probe outstanding is late: ignored, counted */
	peer_probe_result(p, 200, NULL);
	ck_assert_uint_eq(ctr(p, C_LATE), 1);
	ck_assert_uint_eq(ctr(p, C_SENT), 18);
	ck_assert_uint_eq(ctr(p, C_OK), 9);
	ck_assert_uint_eq(ctr(p, C_FAIL), 5);
	ck_assert_uint_eq(ctr(p, C_DOWN), 2);
	peer_set_free(set);
}
END_TEST

/* Probes on the timer, with the monotonic clock under test control. */
START_TEST(test_probe_timer)
{
	struct peer_set *set = peer_set_alloc(ctx, 4, send_probe, &probes);
	struct peer *p = mk_peer(set, "lyon", 1);
	struct peer_cfg cfg = *peer_get_cfg(p);

	cfg.probe_interval_ms = 1000;
	cfg.probe_timeout_ms = 300;
	cfg.up_after = 1;
	cfg.down_after = 2;
	ck_assert_int_eq(peer_configure(p, &cfg), 0);
	peer_set_start(set);
	osmo_timers_update();
	ck_assert_uint_eq(probes, 1);
	ck_assert_ptr_eq(last_probed, p);
	peer_probe_result(p, 200, NULL);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_UP);

	/* next probe after the interval, not before */
	osmo_gettimeofday_override_add(0, 999 * 1000);
	osmo_timers_update();
	ck_assert_uint_eq(probes, 1);
	osmo_gettimeofday_override_add(0, 1000);
	osmo_timers_update();
	ck_assert_uint_eq(probes, 2);
	/* unanswered: timeout after 300 ms counts as a failure */
	osmo_gettimeofday_override_add(0, 300 * 1000);
	osmo_timers_update();
	ck_assert_uint_eq(ctr(p, C_TIMEOUT), 1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_UP);
	/* the answer arriving after its timeout is late */
	peer_probe_result(p, 200, NULL);
	ck_assert_uint_eq(ctr(p, C_LATE), 1);
	/* a probe that cannot be sent is a failure too: second one in a row -> DOWN */
	probe_rc = -ENETUNREACH;
	osmo_gettimeofday_override_add(0, 700 * 1000);
	osmo_timers_update();
	ck_assert_uint_eq(probes, 3);
	ck_assert_uint_eq(ctr(p, C_SEND_ERR), 1);
	ck_assert_int_eq(peer_get_state(p), PEER_ST_DOWN);
	peer_set_free(set);
}
END_TEST

START_TEST(test_select_order)
{
	struct peer_set *set = peer_set_alloc(ctx, 8, send_probe, &probes);
	struct peer *a = mk_peer(set, "a", 1), *b = mk_peer(set, "b", 2), *c = mk_peer(set, "c", 1);
	struct peer *d = mk_peer(set, "d", 5);
	unsigned int got[4] = { 0 };

	/* all DOWN: nobody has room */
	ck_assert_ptr_null(peer_select(set, NULL));
	for (int i = 0; i < 2; i++) {
		probe(a, 200, -1);
		probe(b, 200, -1);
		probe(c, 200, 50);	/* DEGRADED */
	}
	ck_assert_int_eq(peer_get_state(c), PEER_ST_DEGRADED);
	/* UP peers share by weight, 1:2, first configured wins ties */
	ck_assert_ptr_eq(peer_select(set, NULL), a);
	ck_assert_ptr_eq(peer_select(set, NULL), b);
	ck_assert_ptr_eq(peer_select(set, NULL), b);
	ck_assert_ptr_eq(peer_select(set, NULL), a);
	for (int i = 0; i < 296; i++) {
		struct peer *p = peer_select(set, NULL);

		got[p == a ? 0 : p == b ? 1 : p == c ? 2 : 3]++;
	}
	ck_assert_uint_eq(got[0], 98);
	ck_assert_uint_eq(got[1], 198);
	ck_assert_uint_eq(got[2], 0);	/* DEGRADED only when no UP peer has room */
	ck_assert_uint_eq(peer_selected_count(a), 100);
	/* excluding one leaves the other */
	ck_assert_ptr_eq(peer_select(set, b), a);
	{
		struct peer_target tg;

		ck_assert_int_eq(peer_select_target(set, "a", &tg), 0);
		ck_assert_str_eq(tg.name, "b");
		ck_assert_str_eq(tg.addr, "127.0.0.1");
		ck_assert_uint_eq(tg.port, 5060);
		ck_assert_int_eq(tg.transport, PEER_TRANSPORT_UDP);
		/* a 101 of weight 1, b 201 of weight 2: b is the less loaded */
		ck_assert_ptr_eq(peer_select(set, NULL), b);
	}
	/* the UP peers go down: the DEGRADED one takes it, DOWN never */
	for (int i = 0; i < 3; i++) {
		probe(a, 0, -1);
		probe(b, 503, -1);
	}
	ck_assert_ptr_eq(peer_select(set, NULL), c);
	ck_assert_ptr_null(peer_select(set, c));
	/* a peer reporting oc 100 has no room */
	probe(c, 200, 100);
	ck_assert_ptr_null(peer_select(set, NULL));
	{
		struct peer_target tg;

		ck_assert_int_eq(peer_select_target(set, NULL, &tg), -ENOENT);
	}
	/* a peer joining starts level with the others: d (weight 5) does not take everything */
	probe(a, 200, -1);
	probe(a, 200, -1);
	probe(d, 200, -1);
	probe(d, 200, -1);
	memset(got, 0, sizeof(got));
	for (int i = 0; i < 60; i++) {
		struct peer *p = peer_select(set, NULL);

		got[p == a ? 0 : p == b ? 1 : p == c ? 2 : 3]++;
	}
	ck_assert_uint_eq(got[0], 10);
	ck_assert_uint_eq(got[3], 50);
	peer_set_free(set);
}
END_TEST

/* A shed call goes only to a peer whose reported load lets it admit the call's class. */
START_TEST(test_select_max_oc)
{
	struct peer_set *set = peer_set_alloc(ctx, 8, send_probe, &probes);
	struct peer *a = mk_peer(set, "a", 1), *b = mk_peer(set, "b", 1), *c = mk_peer(set, "c", 1);
	struct peer_target tg;

	for (int i = 0; i < 2; i++) {
		probe(a, 200, 0);
		probe(b, 200, 30);	/* shedding ordinary calls */
		probe(c, 200, 100);	/* full: emergency calls only */
	}
	ck_assert_int_eq(adm_peer_max_oc(ADM_CLASS_ORDINARY), 0);
	ck_assert_int_eq(adm_peer_max_oc(ADM_CLASS_PRIORITY), 99);
	ck_assert_int_eq(adm_peer_max_oc(ADM_CLASS_EMERGENCY), 100);
	/* ordinary: only the peer reporting no reduction */
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(peer_select_target_oc(set, NULL, 0, &tg), 0);
		ck_assert_str_eq(tg.name, "a");
	}
	ck_assert_int_eq(peer_select_target_oc(set, "a", 0, &tg), -ENOENT);
	/* priority: a or b, never the full one */
	ck_assert_int_eq(peer_select_target_oc(set, "a", 99, &tg), 0);
	ck_assert_str_eq(tg.name, "b");
	ck_assert_int_eq(peer_select_target_oc(set, "b", 99, &tg), 0);
	ck_assert_str_eq(tg.name, "a");
	/* emergency: the full peer only when nothing else is left, DOWN never */
	ck_assert_int_eq(peer_select_target_oc(set, NULL, 100, &tg), 0);
	ck_assert_str_ne(tg.name, "c");
	for (int i = 0; i < 3; i++) {
		probe(a, 503, -1);
		probe(b, 0, -1);
	}
	ck_assert_int_eq(peer_select_target_oc(set, NULL, 99, &tg), -ENOENT);
	ck_assert_int_eq(peer_select_target_oc(set, NULL, 100, &tg), 0);
	ck_assert_str_eq(tg.name, "c");
	for (int i = 0; i < 3; i++)
		probe(c, 408, -1);
	ck_assert_int_eq(peer_select_target_oc(set, NULL, 100, &tg), -ENOENT);
	ck_assert_uint_eq(peer_selected_count(c), 1);
	peer_set_free(set);
}
END_TEST

START_TEST(test_set_bound)
{
	struct peer_set *set = peer_set_alloc(ctx, 2, send_probe, &probes);
	struct peer_cfg cfg = peer_cfg_default;
	struct peer *p;
	int err = 0;

	mk_peer(set, "one", 1);
	p = mk_peer(set, "two", 1);
	ck_assert_ptr_null(peer_alloc(set, "one", &err));
	ck_assert_int_eq(err, -EEXIST);
	ck_assert_ptr_null(peer_alloc(set, "three", &err));
	ck_assert_int_eq(err, -ENOSPC);
	ck_assert_uint_eq(peer_set_count(set), 2);
	peer_free(p);
	ck_assert_ptr_null(peer_find(set, "two"));
	ck_assert_ptr_null(peer_alloc(set, "bad name", &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_ptr_nonnull(peer_alloc(set, "three", &err));
	p = peer_find(set, "three");
	OSMO_STRLCPY_ARRAY(cfg.addr, "not-an-ip");
	ck_assert_int_eq(peer_configure(p, &cfg), -EINVAL);
	OSMO_STRLCPY_ARRAY(cfg.addr, "2001:db8::5");
	cfg.weight = 0;
	ck_assert_int_eq(peer_configure(p, &cfg), -EINVAL);
	cfg.weight = 3;
	ck_assert_int_eq(peer_configure(p, &cfg), 0);
	ck_assert_ptr_null(peer_set_alloc(ctx, 0, send_probe, NULL));
	peer_set_free(set);
}
END_TEST

static const char peer_config[] =
	"peer lyon\n"
	" address 192.0.2.10 5070\n"
	" transport tcp\n"
	" probe-interval 1500\n"
	" probe-timeout 400\n"
	" up-after 3\n"
	" down-after 4\n"
	" weight 7\n"
	"peer marseille\n"
	" address 2001:db8::7 5060\n"
	" transport udp\n"
	" probe-interval 2000\n"
	" probe-timeout 1000\n"
	" up-after 2\n"
	" down-after 3\n"
	" weight 1\n";

START_TEST(test_vty_roundtrip)
{
	static struct vty_app_info info = { .name = "test_peer", .version = "0" };
	struct peer_set *set = peer_set_alloc(ctx, 4, send_probe, &probes);
	char in[] = "/tmp/test_peer_in_XXXXXX", out[] = "/tmp/test_peer_out_XXXXXX";
	const struct peer_cfg *c;
	char *text = calloc(1, 65536);
	FILE *f;
	int fd;

	info.tall_ctx = talloc_named_const(NULL, 0, "vty");
	vty_init(&info);
	peer_vty_init(set);
	fd = mkstemp(in);
	ck_assert_int_eq(write(fd, peer_config, strlen(peer_config)), strlen(peer_config));
	close(fd);
	ck_assert_int_eq(vty_read_config_file(in, NULL), 0);
	ck_assert_uint_eq(peer_set_count(set), 2);
	c = peer_get_cfg(peer_find(set, "lyon"));
	ck_assert_str_eq(c->addr, "192.0.2.10");
	ck_assert_uint_eq(c->port, 5070);
	ck_assert_int_eq(c->transport, PEER_TRANSPORT_TCP);
	ck_assert_uint_eq(c->weight, 7);
	ck_assert_uint_eq(c->down_after, 4);

	fd = mkstemp(out);
	close(fd);
	ck_assert_int_eq(osmo_vty_write_config_file(out), 0);
	f = fopen(out, "r");
	ck_assert_uint_gt(fread(text, 1, 65535, f), 0);
	fclose(f);
	ck_assert_msg(strstr(text, peer_config), "written:\n%s", text);
	free(text);
	unlink(in);
	unlink(out);
	peer_set_free(set);
	/* the process ends with this test (Check forks one per test) */
	talloc_free(info.tall_ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("peer");
	SRunner *sr;
	int failed;

	osmo_init_logging2(talloc_named_const(NULL, 0, "log"), &gw_log_info);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fsm_hysteresis);
	tcase_add_test(tc, test_probe_timer);
	tcase_add_test(tc, test_select_order);
	tcase_add_test(tc, test_select_max_oc);
	tcase_add_test(tc, test_set_bound);
	tcase_add_test(tc, test_vty_roundtrip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
