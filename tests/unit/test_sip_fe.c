/* test_sip_fe.c - SIP front end over loopback UDP: stateless refusals, call info, events, no leak */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/talloc.h>

#include "common/log.h"
#include "gateway/sip.h"

#define FE_PORT 25060

static void *log_ctx;

struct seen {
	int n[_NUM_SIP_EV];
	uint32_t ref;
	char ruri_user[32], from_user[32], from_display[32], pai_user[32], cpc[32], rp[32], src_ip[32];
	int privacy_id, privacy_header, user_phone, sos, max_forwards, shed;
	char sdp[256];
	int admit_calls;
	int admit_shed;
};

static enum sip_admit admit(void *priv, const struct sip_call_info *ci, struct sip_refusal *ref)
{
	struct seen *s = priv;

	s->admit_calls++;
	s->admit_shed = ci->already_shed;
	if (ci->ruri_user[0] != '3')
		return SIP_ADMIT_ACCEPT;
	ref->status = 503;
	ref->retry_after = 17;
	ref->oc.present = 1;
	ref->oc.oc = 35;
	ref->oc.validity_ms = 2000;
	ref->oc.seq = 42123;
	strcpy(ref->oc.algo, "loss");
	return SIP_ADMIT_REJECT;
}

static void overload(void *priv, struct sip_oc *oc)
{
	oc->present = 1;
	oc->oc = 5;
	oc->validity_ms = 100;
	oc->seq = 7000;
	strcpy(oc->algo, "loss");
}

static void event_cb(void *priv, const struct sip_event *ev)
{
	struct seen *s = priv;

	s->n[ev->type]++;
	if (ev->type != SIP_EV_INVITE)
		return;
	s->ref = ev->call_ref;
	snprintf(s->ruri_user, sizeof(s->ruri_user), "%s", ev->ci.ruri_user);
	snprintf(s->from_user, sizeof(s->from_user), "%s", ev->ci.from_user);
	snprintf(s->from_display, sizeof(s->from_display), "%s", ev->ci.from_display);
	snprintf(s->pai_user, sizeof(s->pai_user), "%s", ev->ci.pai_user);
	snprintf(s->cpc, sizeof(s->cpc), "%s", ev->ci.cpc);
	snprintf(s->rp, sizeof(s->rp), "%s", ev->ci.resource_priority);
	snprintf(s->src_ip, sizeof(s->src_ip), "%s", ev->ci.src_ip);
	snprintf(s->sdp, sizeof(s->sdp), "%.*s", (int)ev->ci.sdp_len, ev->ci.sdp);
	s->privacy_id = ev->ci.privacy_id;
	s->privacy_header = ev->ci.privacy_header;
	s->user_phone = ev->ci.ruri_user_phone;
	s->sos = ev->ci.ruri_sos;
	s->max_forwards = ev->ci.max_forwards;
	s->shed = ev->ci.already_shed;
}

static int udp_sock(const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, ip, &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static int sock_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

static void send_req(int fd, const char *fmt_with_port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(FE_PORT) };
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), fmt_with_port, sock_port(fd));

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	ck_assert_int_eq(sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)), n);
}

/* Run the main loop until a response arrives on fd (or 2 s pass) */
static int recv_resp(int fd, char *buf, size_t len)
{
	struct timespec t0, t;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (poll(&p, 1, 10) == 1) {
			n = recv(fd, buf, len - 1, 0);
			ck_assert_int_gt(n, 0);
			buf[n] = '\0';
			return n;
		}
		osmo_select_main(1);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 2)
			return 0;
	}
}

static void run_until(struct seen *s, enum sip_event_type type, int count)
{
	int i;

	for (i = 0; i < 200 && s->n[type] < count; i++) {
		osmo_select_main(1);
		usleep(10000);
	}
}

static const char invite_fmt[] =
	"INVITE sip:%s@127.0.0.1:25060;user=phone%s SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:%%d;branch=z9hG4bK%s\r\n"
	"From: \"Alice A\" <sip:+33111@127.0.0.1>;tag=a1\r\n"
	"To: <sip:%s@127.0.0.1>\r\n"
	"Call-ID: %s@test\r\n"
	"CSeq: 1 INVITE\r\n"
	"Max-Forwards: 42\r\n"
	"Contact: <sip:a@127.0.0.1:%%d>\r\n"
	"P-Asserted-Identity: <tel:+33122;cpc=emergency>\r\n"
	"Privacy: id;header\r\n"
	"Resource-Priority: esnet.0\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 10\r\n\r\n"
	"v=0\r\ns=-\r\n";

static void make_invite(char *buf, size_t len, const char *user, const char *params, const char *id)
{
	snprintf(buf, len, invite_fmt, user, params, id, user, id);
}

/* the format has %d twice for our port */
static void send_invite_p(int fd, const char *user, const char *params, const char *id)
{
	char fmt[2048], buf[2048];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(FE_PORT) };
	int n;

	make_invite(fmt, sizeof(fmt), user, params, id);
	n = snprintf(buf, sizeof(buf), fmt, sock_port(fd), sock_port(fd));
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	ck_assert_int_eq(sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)), n);
}

static void send_invite(int fd, const char *user, const char *id)
{
	send_invite_p(fd, user, "", id);
}

START_TEST(test_cidr_parse)
{
	static const struct {
		const char *s;
		int rc;
		uint32_t net, mask;
	} v[] = {
		{ "10.0.0.0/8", 0, 0x0a000000, 0xff000000 },
		{ "10.1.2.3", 0, 0x0a010203, 0xffffffff },
		{ "192.168.1.77/24", 0, 0xc0a80100, 0xffffff00 },
		{ "0.0.0.0/0", 0, 0, 0 },
		{ "10.0.0.0/33", -EINVAL },
		{ "10.0.0.0/", -EINVAL },
		{ "10.0.0/8", -EINVAL },
		{ "foo", -EINVAL },
		{ "1.2.3.4/8x", -EINVAL },
	};
	unsigned i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sip_cidr c;
		ck_assert_int_eq(sip_cidr_parse(v[i].s, &c), v[i].rc);
		if (v[i].rc == 0) {
			ck_assert_uint_eq(c.net, v[i].net);
			ck_assert_uint_eq(c.mask, v[i].mask);
		}
	}
}
END_TEST

START_TEST(test_front_end_loopback)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe_cfg cfg;
	struct sip_fe *fe;
	char buf[4096];
	int fd, fd2;

	sip_fe_cfg_defaults(&cfg);
	cfg.listen[0].port = FE_PORT;
	cfg.num_trusted = 0;
	ck_assert_int_eq(sip_cidr_parse("127.0.0.1/32", &cfg.trusted[cfg.num_trusted++]), 0);
	cfg.max_dialogs = 16;
	cfg.event_reserve = 64;
	cfg.overload = overload;
	fe = sip_fe_start(ctx, &cfg, admit, &s, event_cb, &s);
	ck_assert_ptr_nonnull(fe);
	fd = udp_sock("127.0.0.1");
	fd2 = udp_sock("127.0.0.2");

	/* OPTIONS: stateless 200 with our overload values on the Via */
	send_req(fd, "OPTIONS sip:127.0.0.1:25060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKo1\r\n"
		     "From: <sip:p@127.0.0.1>;tag=o\r\nTo: <sip:127.0.0.1>\r\nCall-ID: o1@test\r\nCSeq: 1 OPTIONS\r\n"
		     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 200", 11), "%s", buf);
	ck_assert_msg(strstr(buf, ";oc=5;oc-validity=100;oc-seq=7.000;oc-algo=\"loss\""), "%s", buf);

	/* untrusted source: 403, the admission hook is not even asked */
	send_invite(fd2, "1000", "u1");
	ck_assert_int_gt(recv_resp(fd2, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 403", 11), "%s", buf);
	ck_assert_int_eq(s.admit_calls, 0);

	/* admission refusal: 503, Retry-After, oc on the Via, no dialog */
	send_invite(fd, "3000", "r1");
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 503", 11), "%s", buf);
	ck_assert_msg(strstr(buf, "Retry-After: 17"), "%s", buf);
	ck_assert_msg(strstr(buf, ";oc=35;oc-validity=2000;oc-seq=42.123;oc-algo=\"loss\""), "%s", buf);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 0);
	ck_assert_int_eq(s.admit_shed, 0);

	/* a call another site shed already is marked on its Request-URI */
	send_invite_p(fd, "3001", ";x-gw-shed=paris", "r2");
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 503", 11), "%s", buf);
	ck_assert_int_eq(s.admit_shed, 1);

	/* accepted: 100 at once, the call info reaches main, then our 486 with Reason */
	send_invite(fd, "1000", "c1");
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 100", 11), "%s", buf);
	run_until(&s, SIP_EV_INVITE, 1);
	ck_assert_int_eq(s.n[SIP_EV_INVITE], 1);
	ck_assert(s.ref & SIP_REF_INCOMING);
	ck_assert_str_eq(s.ruri_user, "1000");
	ck_assert_int_eq(s.user_phone, 1);
	ck_assert_int_eq(s.sos, 0);
	ck_assert_str_eq(s.from_user, "+33111");
	ck_assert_str_eq(s.from_display, "Alice A");
	ck_assert_str_eq(s.pai_user, "+33122");
	ck_assert_str_eq(s.cpc, "emergency");
	ck_assert_str_eq(s.rp, "esnet.0");
	ck_assert_str_eq(s.src_ip, "127.0.0.1");
	ck_assert_int_eq(s.privacy_id, 1);
	ck_assert_int_eq(s.privacy_header, 1);
	ck_assert_int_eq(s.max_forwards, 42);
	ck_assert_int_eq(s.shed, 0);
	ck_assert_str_eq(s.sdp, "v=0\r\ns=-\r\n");
	ck_assert_uint_eq(sip_fe_dialogs(fe), 1);
	sip_fe_ctr_sync(fe);
	ck_assert_int_eq(osmo_stat_item_get_last(osmo_stat_item_group_get_item(sip_fe_statg(fe), SIP_STAT_DIALOGS)), 1);

	ck_assert_int_eq(sip_fe_respond(fe, s.ref, 486, NULL, NULL, 17), 0);
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 486", 11), "%s", buf);
	ck_assert_msg(strstr(buf, "Reason: Q.850;cause=17"), "%s", buf);
	run_until(&s, SIP_EV_TERMINATED, 1);
	ck_assert_int_eq(s.n[SIP_EV_TERMINATED], 1);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 0);

	/* commands with bad arguments are refused locally */
	ck_assert_int_eq(sip_fe_respond(fe, s.ref, 99, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(sip_fe_invite(fe, SIP_REF_INCOMING | 1, &(struct sip_invite_req){
		.target_uri = "sip:a@127.0.0.1", .from_uri = "sip:b@127.0.0.1" }), -EINVAL);

	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_REFUSED_UNTRUSTED), 1);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_REFUSED_ADMISSION), 2);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_RX_INVITE), 4);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_RX_OPTIONS), 1);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_DIALOGS_CREATED), 1);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_DIALOGS_FREED), 1);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_TX_4XX), 2);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_TX_5XX), 2);

	sip_fe_stop(fe);
	close(fd);
	close(fd2);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sip_fe");
	TCase *tc = tcase_create("sip_fe");
	SRunner *sr;
	int failed;

	log_ctx = talloc_named_const(NULL, 0, "log");
	osmo_init_logging2(log_ctx, &gw_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_ERROR);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_cidr_parse);
	tcase_add_test(tc, test_front_end_loopback);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* the front end runs a thread: no fork per test */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
