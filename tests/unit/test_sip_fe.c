/* test_sip_fe.c - SIP front end over loopback UDP: stateless refusals, call info, events, no leak */
#include <check.h>
#include <limits.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
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
#include <sofia-sip/sip_header.h>

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
	struct sip_oc oc;	/* of the last SIP_EV_OPTIONS_RESULT */
	int options_status;
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
	if (ev->type == SIP_EV_OPTIONS_RESULT) {
		s->oc = ev->oc;
		s->options_status = ev->status;
	}
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

/* Send buf as is (no port substitution) from fd to the front end */
static void send_raw(int fd, const char *buf)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(FE_PORT) };
	size_t n = strlen(buf);

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	ck_assert_int_eq(sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)n);
}

/* Copy header line "\r\nname: ..." of req into out (with CRLF); extra is appended to its value */
static void copy_hdr(char *out, size_t len, const char *req, const char *name, const char *extra)
{
	const char *h = strstr(req, name), *e;

	ck_assert_ptr_nonnull(h);
	h += 2;
	e = strstr(h, "\r\n");
	ck_assert_ptr_nonnull(e);
	snprintf(out + strlen(out), len - strlen(out), "%.*s%s\r\n", (int)(e - h), h, extra);
}

/* Answer the OPTIONS the front end sent to fd with 200 and the given parameters on its Via */
static void answer_probe(int fd, struct seen *s, const char *via_params)
{
	char req[4096], resp[4096] = "SIP/2.0 200 OK\r\n";
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(FE_PORT) };
	int n0 = s->n[SIP_EV_OPTIONS_RESULT];

	ck_assert_int_gt(recv_resp(fd, req, sizeof(req)), 0);
	ck_assert_msg(!strncmp(req, "OPTIONS ", 8), "%s", req);
	copy_hdr(resp, sizeof(resp), req, "\r\nVia:", via_params);
	copy_hdr(resp, sizeof(resp), req, "\r\nFrom:", "");
	copy_hdr(resp, sizeof(resp), req, "\r\nTo:", ";tag=peer");
	copy_hdr(resp, sizeof(resp), req, "\r\nCall-ID:", "");
	copy_hdr(resp, sizeof(resp), req, "\r\nCSeq:", "");
	strcat(resp, "Content-Length: 0\r\n\r\n");
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	ck_assert_int_gt(sendto(fd, resp, strlen(resp), 0, (struct sockaddr *)&to, sizeof(to)), 0);
	run_until(s, SIP_EV_OPTIONS_RESULT, n0 + 1);
	ck_assert_int_eq(s->n[SIP_EV_OPTIONS_RESULT], n0 + 1);
}

static struct sip_fe *start_fe(void *ctx, struct seen *s)
{
	struct sip_fe_cfg cfg;
	struct sip_fe *fe;

	sip_fe_cfg_defaults(&cfg);
	cfg.listen[0].port = FE_PORT;
	cfg.max_dialogs = 16;
	cfg.event_reserve = 64;
	cfg.overload = overload;
	fe = sip_fe_start(ctx, &cfg, admit, s, event_cb, s);
	ck_assert_ptr_nonnull(fe);
	return fe;
}

/* A response to no transaction of ours goes on to its next Via only when the top Via is ours
 * (RFC 3261 16.11); otherwise anyone could bounce responses off us to any address */
START_TEST(test_stray_response)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe = start_fe(ctx, &s);
	char buf[4096];
	int fd = udp_sock("127.0.0.1"), victim = udp_sock("127.0.0.1");

	snprintf(buf, sizeof(buf), "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bKstray1\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKvictim1\r\n"
		 "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: stray1\r\n"
		 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", sock_port(victim));
	send_raw(fd, buf);
	ck_assert_int_eq(recv_resp(victim, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_RX_RESPONSE), 1);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_RX_RESPONSE_STRAY), 1);

	/* ours on top: a response to an INVITE we forwarded statelessly, passed on */
	snprintf(buf, sizeof(buf), "SIP/2.0 180 Ringing\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKours1\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKvictim2\r\n"
		 "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: fwd1\r\n"
		 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", FE_PORT, sock_port(victim));
	send_raw(fd, buf);
	ck_assert_int_gt(recv_resp(victim, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 180", 11), "%s", buf);
	ck_assert_msg(!strstr(buf, "z9hG4bKours1"), "%s", buf);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_RX_RESPONSE), 2);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_RX_RESPONSE_STRAY), 1);

	sip_fe_stop(fe);
	close(fd);
	close(victim);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* Absurd numbers from the peer: Max-Forwards above INT_MAX, a Session-Expires that wrapped the
 * timer arithmetic; the call is still up when the front end stops */
START_TEST(test_absurd_numbers)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe = start_fe(ctx, &s);
	char buf[4096];
	int fd = udp_sock("127.0.0.1");
	int p;

	p = sock_port(fd);
	snprintf(buf, sizeof(buf), "INVITE sip:1000@127.0.0.1:25060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKabs1\r\n"
		 "From: <sip:+33111@127.0.0.1>;tag=a1\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: abs1@test\r\n"
		 "CSeq: 1 INVITE\r\nMax-Forwards: 4294967295\r\nContact: <sip:a@127.0.0.1:%d>\r\n"
		 "Supported: timer\r\nSession-Expires: 4294968;refresher=uac\r\nContent-Length: 0\r\n\r\n", p, p);
	send_raw(fd, buf);
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 100", 11), "%s", buf);
	run_until(&s, SIP_EV_INVITE, 1);
	ck_assert_int_eq(s.n[SIP_EV_INVITE], 1);
	ck_assert_int_eq(s.max_forwards, INT_MAX);

	ck_assert_int_eq(sip_fe_respond(fe, s.ref, 200, NULL, "v=0\r\n", 0), 0);
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 200", 11), "%s", buf);
	ck_assert_msg(strstr(buf, "Session-Expires: 86400;refresher=uac"), "%s", buf);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 1);

	sip_fe_stop(fe);
	close(fd);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* RFC 7339 oc is a percentage: what a peer puts there is clamped or ignored */
START_TEST(test_probe_oc_values)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe = start_fe(ctx, &s);
	char target[64];
	int fd = udp_sock("127.0.0.1");

	snprintf(target, sizeof(target), "sip:127.0.0.1:%d", sock_port(fd));
	ck_assert_int_eq(sip_fe_options(fe, 7, target), 0);
	answer_probe(fd, &s, ";oc=250;oc-validity=1000;oc-seq=3.5;oc-algo=\"loss\"");
	ck_assert_int_eq(s.options_status, 200);
	ck_assert_int_eq(s.oc.present, 1);
	ck_assert_uint_eq(s.oc.oc, 100);
	ck_assert_uint_eq(s.oc.validity_ms, 1000);
	ck_assert_str_eq(s.oc.algo, "loss");

	ck_assert_int_eq(sip_fe_options(fe, 8, target), 0);
	answer_probe(fd, &s, ";oc=-5;oc-validity=1000");
	ck_assert_int_eq(s.options_status, 200);
	ck_assert_int_eq(s.oc.present, 0);
	ck_assert_uint_eq(s.oc.oc, 0);

	sip_fe_stop(fe);
	close(fd);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* Wait up to ms for a datagram on fd, running the main loop meanwhile; 0 when none came */
static int recv_within(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int i;

	for (i = 0; i < ms / 10; i++) {
		if (poll(&p, 1, 10) == 1) {
			n = recv(fd, buf, len - 1, 0);
			ck_assert_int_gt(n, 0);
			buf[n] = '\0';
			return n;
		}
		osmo_select_main(1);
	}
	return 0;
}

/* Answer request req (received on fd) with a bodiless final response */
static void answer_req(int fd, const char *req, const char *status_line)
{
	char resp[4096];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(FE_PORT) };

	snprintf(resp, sizeof(resp), "%s\r\n", status_line);
	copy_hdr(resp, sizeof(resp), req, "\r\nVia:", "");
	copy_hdr(resp, sizeof(resp), req, "\r\nFrom:", "");
	copy_hdr(resp, sizeof(resp), req, "\r\nTo:", "");
	copy_hdr(resp, sizeof(resp), req, "\r\nCall-ID:", "");
	copy_hdr(resp, sizeof(resp), req, "\r\nCSeq:", "");
	strcat(resp, "Content-Length: 0\r\n\r\n");
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	ck_assert_int_gt(sendto(fd, resp, strlen(resp), 0, (struct sockaddr *)&to, sizeof(to)), 0);
}

/* We refresh (RFC 4028 refresher=uas) and our UPDATE is unanswered when main releases the call:
 * the UPDATE is let go with the call, else its callback runs on the freed call when its
 * transaction times out (and reports a session expiry for a ref main already let go) */
START_TEST(test_bye_during_refresh)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe_cfg cfg;
	struct sip_fe *fe;
	char buf[4096], ack[2048], to[256];
	const char *t;
	int fd = udp_sock("127.0.0.1");
	int p = sock_port(fd), i, updates = 0;

	sip_fe_cfg_defaults(&cfg);
	cfg.listen[0].port = FE_PORT;
	cfg.max_dialogs = 16;
	cfg.event_reserve = 64;
	cfg.min_se = 2;
	cfg.sip_t1x64_ms = 3000;
	fe = sip_fe_start(ctx, &cfg, admit, &s, event_cb, &s);
	ck_assert_ptr_nonnull(fe);

	snprintf(buf, sizeof(buf), "INVITE sip:1000@127.0.0.1:25060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKref1\r\n"
		 "From: <sip:+33111@127.0.0.1>;tag=a1\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: ref1@test\r\n"
		 "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:a@127.0.0.1:%d>\r\n"
		 "Supported: timer\r\nSession-Expires: 2;refresher=uas\r\nContent-Length: 0\r\n\r\n", p, p);
	send_raw(fd, buf);
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	run_until(&s, SIP_EV_INVITE, 1);
	ck_assert_int_eq(s.n[SIP_EV_INVITE], 1);
	ck_assert_int_eq(sip_fe_respond(fe, s.ref, 200, NULL, "v=0\r\n", 0), 0);
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "Session-Expires: 2;refresher=uas"), "%s", buf);
	t = strstr(buf, "\r\nTo: ");
	ck_assert_ptr_nonnull(t);
	snprintf(to, sizeof(to), "%.*s", (int)strcspn(t + 2, "\r"), t + 2);
	snprintf(ack, sizeof(ack), "ACK sip:127.0.0.1:25060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKref1ack\r\n"
		 "From: <sip:+33111@127.0.0.1>;tag=a1\r\n%s\r\nCall-ID: ref1@test\r\n"
		 "CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", p, to);
	send_raw(fd, ack);
	run_until(&s, SIP_EV_ACK, 1);
	ck_assert_int_eq(s.n[SIP_EV_ACK], 1);

	/* at half the interval our UPDATE comes; we do not answer it */
	ck_assert_int_gt(recv_within(fd, buf, sizeof(buf), 3000), 0);
	ck_assert_msg(!strncmp(buf, "UPDATE ", 7), "%s", buf);
	ck_assert_int_eq(sip_fe_bye(fe, s.ref, 16), 0);
	for (i = 0; i < 10; i++) {
		ck_assert_int_gt(recv_within(fd, buf, sizeof(buf), 2000), 0);
		if (!strncmp(buf, "BYE ", 4))
			break;
	}
	ck_assert_msg(!strncmp(buf, "BYE ", 4), "%s", buf);
	answer_req(fd, buf, "SIP/2.0 200 OK");
	run_until(&s, SIP_EV_TERMINATED, 1);
	ck_assert_int_eq(s.n[SIP_EV_TERMINATED], 1);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 0);

	/* NTA runs the UPDATE transaction to its end (timer F) but tells no one: nothing happens to a
	 * call that is gone, no session expiry for its ref */
	while (recv_within(fd, buf, sizeof(buf), 3500) > 0)
		updates += !strncmp(buf, "UPDATE ", 7);
	ck_assert_int_gt(updates, 0);
	ck_assert_int_eq(s.n[SIP_EV_SESSION_EXPIRED], 0);
	ck_assert_int_eq(s.n[SIP_EV_TERMINATED], 1);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_SESSION_EXPIRED), 0);

	sip_fe_stop(fe);
	close(fd);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* The extended message class (PAI, Privacy) is Sofia's process-wide default: installed once, not
 * cloned anew (and leaked, and swapped under a running front end) on every start */
START_TEST(test_mclass_once)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe;
	const msg_mclass_t *mc;

	fe = start_fe(ctx, &s);
	mc = sip_default_mclass();
	sip_fe_stop(fe);
	fe = start_fe(ctx, &s);
	ck_assert_ptr_eq(sip_default_mclass(), mc);
	sip_fe_stop(fe);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* Stopping with everything in flight: an OPTIONS probe nobody answers and an INVITE main has not
 * answered yet. Nothing of them may outlive the front end (the sanitizer build checks the heap). */
START_TEST(test_stop_in_flight)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe = start_fe(ctx, &s);
	char target[64], buf[4096];
	int fd = udp_sock("127.0.0.1");

	snprintf(target, sizeof(target), "sip:127.0.0.1:%d", sock_port(fd));
	ck_assert_int_eq(sip_fe_options(fe, 9, target), 0);
	ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(!strncmp(buf, "OPTIONS ", 8), "%s", buf);
	send_invite(fd, "1000", "inflight1");
	run_until(&s, SIP_EV_INVITE, 1);
	ck_assert_int_eq(s.n[SIP_EV_INVITE], 1);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 1);
	ck_assert_int_eq(s.n[SIP_EV_OPTIONS_RESULT], 0);

	sip_fe_stop(fe);
	close(fd);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* A huge message over TCP (over 512 KB) is refused (413 or the connection closed) before it
 * reaches us: Sofia would otherwise buffer up to 2 MB per connection, for untrusted sources too
 * (trust is judged on the parsed message) */
/* The front end on UDP and TCP at FE_PORT, and a TCP connection to it in *fd. */
static struct sip_fe *start_tcp_fe(void *ctx, struct seen *s, int *fd)
{
	struct sip_fe_cfg cfg;
	struct sip_fe *fe;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(FE_PORT) };

	sip_fe_cfg_defaults(&cfg);
	cfg.listen[0].port = FE_PORT;
	cfg.listen[1] = (struct sip_listen){ .tp = SIP_TP_TCP, .host = "127.0.0.1", .port = FE_PORT };
	cfg.num_listen = 2;
	cfg.max_dialogs = 16;
	cfg.event_reserve = 64;
	fe = sip_fe_start(ctx, &cfg, admit, s, event_cb, s);
	ck_assert_ptr_nonnull(fe);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(*fd, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(connect(*fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fe;
}

/* A busy trunk writes many requests at once: 300 OPTIONS (about 90 KB) in one write over one
 * TCP connection are all answered. Sofia reads whatever waits on the socket into one buffer, so
 * a backlog over its size limit used to be taken for an oversized message (413, connection
 * closed). */
START_TEST(test_tcp_pipelined_backlog)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe;
	const unsigned N = 300;
	size_t cap = N * 400, n = 0, off, got = 0;
	char *msg, *resp;
	unsigned ok = 0, i, spins;
	int fd;

	fe = start_tcp_fe(ctx, &s, &fd);
	msg = malloc(cap);
	resp = malloc(256 * 1024);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(resp);
	for (i = 0; i < N; i++)
		n += snprintf(msg + n, cap - n, "OPTIONS sip:127.0.0.1:25060 SIP/2.0\r\n"
			      "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKpl%u\r\n"
			      "From: <sip:p@127.0.0.1>;tag=p%u\r\nTo: <sip:127.0.0.1>\r\n"
			      "Call-ID: pipelined-%u@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
			      "Subject: %0120u\r\nContent-Length: 0\r\n\r\n", i, i, i, i);
	ck_assert_uint_gt(n, 64 * 1024);
	for (off = 0; off < n;) {
		ssize_t w = send(fd, msg + off, n - off, MSG_NOSIGNAL);

		ck_assert_int_gt(w, 0);
		off += w;
	}
	free(msg);
	for (spins = 0; spins < 500 && ok < N; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *q;

		if (poll(&p, 1, 10) == 1) {
			ssize_t r = recv(fd, resp + got, 256 * 1024 - 1 - got, 0);

			ck_assert_msg(r > 0, "connection closed after %u answers", ok);
			got += r;
			resp[got] = '\0';
			for (ok = 0, q = resp; (q = strstr(q, "SIP/2.0 200")); q++)
				ok++;
			ck_assert_msg(!strstr(resp, "SIP/2.0 413"), "413 for a pipelined backlog");
		}
	}
	ck_assert_uint_eq(ok, N);
	free(resp);
	close(fd);
	sip_fe_stop(fe);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

START_TEST(test_tcp_too_large)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe;
	size_t big = 600 * 1024, n, off;
	char *msg, resp[4096];
	int fd;

	fe = start_tcp_fe(ctx, &s, &fd);
	msg = malloc(big + 1024);
	ck_assert_ptr_nonnull(msg);
	n = snprintf(msg, 1024, "INVITE sip:3000@127.0.0.1:25060 SIP/2.0\r\n"
		     "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKbig1\r\n"
		     "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:3000@127.0.0.1>\r\nCall-ID: big1@test\r\n"
		     "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\nSubject: ");
	memset(msg + n, 'x', big);
	n += big;
	memcpy(msg + n, "\r\n\r\n", 4);
	n += 4;
	/* the other end may stop reading and close once it has seen enough */
	for (off = 0; off < n;) {
		ssize_t w = send(fd, msg + off, n - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += w;
	}
	free(msg);
	/* NTA answers 413, or the transport gives up on the connection first */
	for (off = 0, resp[0] = '\0'; off < 300; off++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10) == 1) {
			ssize_t r = recv(fd, resp, sizeof(resp) - 1, 0);
			resp[r > 0 ? r : 0] = '\0';
			break;
		}
		osmo_select_main(1);
	}
	ck_assert_msg(off < 300, "neither an answer nor a close");
	ck_assert_msg(!resp[0] || !strncmp(resp, "SIP/2.0 413", 11), "%s", resp);
	ck_assert_int_eq(s.admit_calls, 0);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 0);
	close(fd);

	/* and the front end still serves */
	fd = udp_sock("127.0.0.1");
	send_req(fd, "OPTIONS sip:127.0.0.1:25060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKo2\r\n"
		     "From: <sip:p@127.0.0.1>;tag=o\r\nTo: <sip:127.0.0.1>\r\nCall-ID: o2@test\r\nCSeq: 1 OPTIONS\r\n"
		     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_gt(recv_resp(fd, resp, sizeof(resp)), 0);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 200", 11), "%s", resp);
	close(fd);
	sip_fe_stop(fe);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* RFC 5031 service URNs: sos and its sub-services are emergency calls, a longer word is not */
START_TEST(test_sos_urn)
{
	static const struct {
		const char *ruri;
		int sos;
	} v[] = {
		{ "urn:service:sos", 1 },
		{ "urn:service:sos.police", 1 },
		{ "URN:Service:SOS.fire", 1 },
		{ "urn:service:sosfake", 0 },
		{ "urn:service:counseling", 0 },
	};
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe *fe = start_fe(ctx, &s);
	char buf[4096];
	int fd = udp_sock("127.0.0.1");
	unsigned i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(buf, sizeof(buf), "INVITE %s SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKsos%u\r\n"
			 "From: <sip:+33111@127.0.0.1>;tag=a1\r\nTo: <%s>\r\nCall-ID: sos%u@test\r\n"
			 "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:a@127.0.0.1:%d>\r\n"
			 "Content-Length: 0\r\n\r\n", v[i].ruri, sock_port(fd), i, v[i].ruri, i, sock_port(fd));
		send_raw(fd, buf);
		ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
		ck_assert_msg(!strncmp(buf, "SIP/2.0 100", 11), "%s", buf);
		run_until(&s, SIP_EV_INVITE, i + 1);
		ck_assert_int_eq(s.n[SIP_EV_INVITE], i + 1);
		ck_assert_msg(s.sos == v[i].sos, "%s: sos %d", v[i].ruri, s.sos);
		ck_assert_int_eq(sip_fe_respond(fe, s.ref, 480, NULL, NULL, 0), 0);
		ck_assert_int_gt(recv_resp(fd, buf, sizeof(buf)), 0);
		ck_assert_msg(!strncmp(buf, "SIP/2.0 480", 11), "%s", buf);
	}
	run_until(&s, SIP_EV_TERMINATED, i);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 0);

	sip_fe_stop(fe);
	close(fd);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}
END_TEST

/* Read one datagram from fd within ms without running the main loop (main is "busy") */
static int recv_nomain(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return 0;
	n = recv(fd, buf, len - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return n;
}

/* Main does not read its queue: a new INVITE beyond event_queue_len gets a stateless 503, but
 * the CANCEL of the call already queued is answered and its events wait in the reserve */
START_TEST(test_queue_full_cancel_goes)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	struct seen s = {};
	struct sip_fe_cfg cfg;
	struct sip_fe *fe;
	char buf[4096];
	int fd = udp_sock("127.0.0.1");
	int p = sock_port(fd), got503 = 0, got200 = 0, got487 = 0, i;

	sip_fe_cfg_defaults(&cfg);
	cfg.listen[0].port = FE_PORT;
	cfg.max_dialogs = 16;
	cfg.event_queue_len = 1;
	cfg.event_reserve = 64;
	fe = sip_fe_start(ctx, &cfg, admit, &s, event_cb, &s);
	ck_assert_ptr_nonnull(fe);

	send_invite(fd, "1000", "qf1");
	ck_assert_int_gt(recv_nomain(fd, buf, sizeof(buf), 2000), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 100", 11), "%s", buf);
	send_invite(fd, "1001", "qf2");
	ck_assert_int_gt(recv_nomain(fd, buf, sizeof(buf), 2000), 0);
	ck_assert_msg(!strncmp(buf, "SIP/2.0 503", 11), "%s", buf);
	ck_assert_msg(strstr(buf, "Retry-After: 5"), "%s", buf);

	snprintf(buf, sizeof(buf), "CANCEL sip:1000@127.0.0.1:25060;user=phone SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKqf1\r\n"
		 "From: \"Alice A\" <sip:+33111@127.0.0.1>;tag=a1\r\nTo: <sip:1000@127.0.0.1>\r\n"
		 "Call-ID: qf1@test\r\nCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", p);
	send_raw(fd, buf);
	for (i = 0; i < 4 && !(got200 && got487); i++) {
		if (!recv_nomain(fd, buf, sizeof(buf), 2000))
			break;
		got503 += !strncmp(buf, "SIP/2.0 503", 11);
		got200 += !strncmp(buf, "SIP/2.0 200", 11) && strstr(buf, "CSeq: 1 CANCEL");
		got487 += !strncmp(buf, "SIP/2.0 487", 11);
	}
	ck_assert_int_eq(got200, 1);
	ck_assert_int_eq(got487, 1);
	ck_assert_int_eq(got503, 0);
	/* nothing reached main yet; the INVITE, its CANCEL and TERMINATED all wait for it (the SIP
	 * thread queues the last two just after its 487) */
	for (i = 0; i < 200 && sip_fe_evq_len(fe) < 3; i++)
		usleep(10000);
	ck_assert_int_eq(s.n[SIP_EV_INVITE], 0);
	ck_assert_uint_eq(sip_fe_evq_len(fe), 3);

	run_until(&s, SIP_EV_TERMINATED, 1);
	ck_assert_int_eq(s.n[SIP_EV_INVITE], 1);
	ck_assert_int_eq(s.n[SIP_EV_CANCEL], 1);
	ck_assert_int_eq(s.n[SIP_EV_TERMINATED], 1);
	ck_assert_uint_eq(sip_fe_dialogs(fe), 0);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_REFUSED_QUEUE_FULL), 1);
	ck_assert_uint_eq(sip_fe_ctr_get(fe, SIP_CTR_EVQ_OVERFLOW), 0);

	sip_fe_stop(fe);
	close(fd);
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
	tcase_add_test(tc, test_stray_response);
	tcase_add_test(tc, test_absurd_numbers);
	tcase_add_test(tc, test_probe_oc_values);
	tcase_add_test(tc, test_bye_during_refresh);
	tcase_add_test(tc, test_mclass_once);
	tcase_add_test(tc, test_stop_in_flight);
	tcase_add_test(tc, test_tcp_too_large);
	tcase_add_test(tc, test_tcp_pipelined_backlog);
	tcase_add_test(tc, test_sos_urn);
	tcase_add_test(tc, test_queue_full_cancel_goes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* the front end runs a thread: no fork per test */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
