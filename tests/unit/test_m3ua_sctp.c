/* test_m3ua_sctp.c - M3UA over kernel SCTP (RFC 4666 1.3.1): skipped with its reason where the kernel
 * lacks SCTP, after checking that the transport refuses cleanly with -EPROTONOSUPPORT */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <osmocom/core/application.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>

#include "common/log.h"
#include "sigtran/m3ua.h"
#include "sigtran/m3ua_as.h"
#include "sigtran/m3ua_asp.h"
#include "sigtran/m3ua_sg.h"
#include "sigtran/m3ua_transport.h"

#define EXIT_SKIP	77

static void *ctx;
static size_t base_blocks;
static unsigned sg_rx, as_rx;
static uint8_t sg_sls;

static void sg_transfer_ind(void *priv, const struct mtp_transfer *x) { sg_rx++; sg_sls = x->sls; }
static void as_transfer_ind(void *priv, const struct mtp_transfer *x) { as_rx++; }
static const struct mtp_user_ops sg_ops = { .transfer_ind = sg_transfer_ind };
static const struct mtp_user_ops as_ops = { .transfer_ind = as_transfer_ind };

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool run_until(bool (*cond)(void *), void *arg, long timeout_ms)
{
	long end = now_ms() + timeout_ms;
	unsigned iter;

	for (iter = 0; iter < 100000 && now_ms() < end && !cond(arg); iter++) {
		struct timespec ts = { 0, 500000 };

		osmo_select_main(1);
		nanosleep(&ts, NULL);
	}
	return cond(arg);
}

static bool asp_active(void *arg)
{
	return m3ua_asp_get_state(arg) == M3UA_ASP_ST_ACTIVE;
}

static bool got(void *arg)
{
	return *(unsigned *)arg > 0;
}

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	msgb_talloc_ctx_init(ctx, 0);
	base_blocks = talloc_total_blocks(ctx);
	sg_rx = as_rx = 0;
}

static void teardown(void)
{
	ck_assert_uint_eq(talloc_total_blocks(ctx), base_blocks);
	talloc_free(ctx);
}

/* Only run where the kernel has SCTP: activation and DATA both ways on SCTP streams. */
START_TEST(test_sctp_up_active_data)
{
	static const uint8_t ud[] = { 1, 2, 3 };
	struct mtp_transfer x = { .opc = 1, .dpc = 2, .si = 5, .ni = 2, .sls = 9, .data = ud, .len = 3 };
	struct m3ua_sg_cfg scfg;
	struct m3ua_asp_cfg acfg;
	struct m3ua_as_cfg ascfg;
	struct m3ua_sg *sg;
	struct m3ua_as *as;
	struct m3ua_asp *asp;

	m3ua_sg_cfg_init(&scfg);
	scfg.port = 0;
	ck_assert_int_eq(m3ua_sg_start(&sg, ctx, &scfg, &sg_ops, NULL), 0);
	m3ua_as_cfg_init(&ascfg, "as0");
	as = m3ua_as_alloc(ctx, &ascfg, &as_ops, NULL);
	m3ua_asp_cfg_init(&acfg, "asp0");
	acfg.remote_port = m3ua_sg_port(sg);
	asp = m3ua_asp_alloc(ctx, &acfg);
	ck_assert_int_eq(m3ua_as_add_asp(as, asp), 0);
	m3ua_as_start(as);
	ck_assert(run_until(asp_active, asp, 3000));
	ck_assert_int_eq(m3ua_as_transfer(as, &x), 0);
	ck_assert(run_until(got, &sg_rx, 2000));
	ck_assert_uint_eq(sg_sls, 9);
	ck_assert_int_eq(m3ua_sg_transfer(sg, &x), 0);
	ck_assert(run_until(got, &as_rx, 2000));
	m3ua_as_free(as);
	m3ua_sg_free(sg);
}
END_TEST

/* Without kernel SCTP, every SCTP entry point fails with -EPROTONOSUPPORT and allocates nothing. */
static int check_refusal(void)
{
	struct m3ua_conn *conn = NULL;
	struct m3ua_server *srv = NULL;
	struct m3ua_sg *sg = NULL;
	struct m3ua_sg_cfg scfg;
	void *c = talloc_named_const(NULL, 0, "refusal");
	int rc, bad = 0;

	msgb_talloc_ctx_init(c, 0);
	rc = m3ua_conn_connect(&conn, c, M3UA_PROTO_SCTP, NULL, 0, "127.0.0.1", 2905, 0, NULL, NULL);
	bad |= rc != -EPROTONOSUPPORT || conn;
	rc = m3ua_server_listen(&srv, c, M3UA_PROTO_SCTP, "127.0.0.1", 0, 0, NULL, NULL);
	bad |= rc != -EPROTONOSUPPORT || srv;
	m3ua_sg_cfg_init(&scfg);
	scfg.port = 0;
	rc = m3ua_sg_start(&sg, c, &scfg, NULL, NULL);
	bad |= rc != -EPROTONOSUPPORT || sg;
	bad |= talloc_total_blocks(c) != 2;	/* the context and the msgb context under it */
	talloc_free(c);
	return bad;
}

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed, fd;

	osmo_init_logging2(log_ctx, &gw_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_FATAL);
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0 && errno == EPROTONOSUPPORT) {
		if (check_refusal()) {
			printf("FAIL: SCTP transport did not refuse with -EPROTONOSUPPORT\n");
			return EXIT_FAILURE;
		}
		printf("SCTP transport refuses cleanly with -EPROTONOSUPPORT (connect, listen, SG start)\n");
		printf("skipped: kernel lacks SCTP (EPROTONOSUPPORT)\n");
		talloc_free(log_ctx);
		return EXIT_SKIP;
	}
	if (fd >= 0)
		close(fd);

	s = suite_create("m3ua_sctp");
	tc = tcase_create("sctp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sctp_up_active_data);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	talloc_free(log_ctx);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
