/* sip_fe_harness.c - the SIP front end with a trivial call layer in the main loop, driven by SIPp in tests */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/application.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "gateway/sip.h"

/* What the harness call layer does, by the first digit of the called number:
 * 1xxx: 180 then 200 (SDP echo) after answer_ms      2xxx: 486 with Q.850 cause 17
 * 3xxx: refused by the admission hook (503, Retry-After, oc on the Via)
 * 4xxx: 200 at once, then BYE from us after bye_ms    5xxx: 180 only (the peer cancels)
 * 6xxx: shed by a 302 to -R URI                        7xxx: shed by stateless forward to -F URI
 * 8xxx: the call layer redirects the admitted call (sip_fe_redirect, 302 with a Contact)
 * A call marked as shed once already is refused (503), never shed again. */

enum hx_ctr {
	HX_EV_INVITE, HX_EV_ACK, HX_EV_CANCEL, HX_EV_BYE, HX_EV_PROGRESS, HX_EV_ANSWER, HX_EV_FAILURE,
	HX_EV_SESSION_EXPIRED, HX_EV_OPTIONS, HX_EV_TERMINATED, HX_BYE_SENT, HX_OUT_PLACED, HX_UNKNOWN_REF,
	_NUM_HX
};
static const char *const hx_name[] = {
	"ev:invite", "ev:ack", "ev:cancel", "ev:bye", "ev:progress", "ev:answer", "ev:failure",
	"ev:session-expired", "ev:options-result", "ev:terminated", "harness:bye-sent", "harness:out-placed",
	"harness:unknown-ref",
};
static unsigned long hx[_NUM_HX];
static int last_options_status = -1;
static int last_options_oc = -1;
static int last_failure_status = -1;

struct hcall {
	struct llist_head list;
	uint32_t ref;
	struct osmo_timer_list timer;
	int action;		/* first digit */
	char *sdp;
};

static void *ctx;
static struct sip_fe *fe;
static LLIST_HEAD(calls);
static unsigned answer_ms = 20, bye_ms = 200, hold_ms = 500, cancel_ms;
static volatile sig_atomic_t want_dump, want_quit;
static uint32_t next_out_ref = 1;
static const char *out_uri;
static unsigned out_calls;

static struct hcall *hcall_find(uint32_t ref)
{
	struct hcall *c;

	llist_for_each_entry(c, &calls, list)
		if (c->ref == ref)
			return c;
	return NULL;
}

static void hcall_free(struct hcall *c)
{
	osmo_timer_del(&c->timer);
	llist_del(&c->list);
	talloc_free(c);
}

static void hcall_timer_cb(void *data)
{
	struct hcall *c = data;

	switch (c->action) {
	case 1:
		sip_fe_respond(fe, c->ref, 200, NULL, c->sdp, 0);
		break;
	case 8:
		/* outgoing call given up before the answer */
		sip_fe_cancel(fe, c->ref, 19);
		break;
	default:
		/* 4xxx and our outgoing calls: release from this side */
		sip_fe_bye(fe, c->ref, 16);
		hx[HX_BYE_SENT]++;
		break;
	}
}

static const char *called(const struct sip_call_info *ci)
{
	return ci->ruri_user[0] ? ci->ruri_user : ci->to_user;
}

static const char *redirect_uri = "sip:peer@127.0.0.1:5999";
static const char *forward_uri;

static enum sip_admit admit_cb(void *priv, const struct sip_call_info *ci, struct sip_refusal *ref)
{
	char d = called(ci)[0];

	if (d == '6' && !ci->already_shed) {
		snprintf(ref->contact, sizeof(ref->contact), "%s", redirect_uri);
		strcpy(ref->shed_mark, "x-gw-shed=harness");
		return SIP_ADMIT_REDIRECT;
	}
	if (d == '7' && forward_uri && !ci->already_shed) {
		snprintf(ref->next_hop, sizeof(ref->next_hop), "%s", forward_uri);
		strcpy(ref->shed_mark, "x-gw-shed=harness");
		return SIP_ADMIT_FORWARD;
	}
	if (d != '3' && d != '6' && d != '7')
		return SIP_ADMIT_ACCEPT;
	ref->status = 503;
	ref->retry_after = 30;
	ref->oc.present = 1;
	ref->oc.oc = 20;
	ref->oc.validity_ms = 500;
	ref->oc.seq = 1282321615782ull;
	strcpy(ref->oc.algo, "loss");
	return SIP_ADMIT_REJECT;
}

static void overload_cb(void *priv, struct sip_oc *oc)
{
	oc->present = 1;
	oc->oc = 10;
	oc->validity_ms = 1000;
	oc->seq = 1000;
	strcpy(oc->algo, "loss");
}

static void place_outgoing(void)
{
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
				  "t=0 0\r\nm=audio 6000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
	struct sip_invite_req req = {
		.target_uri = out_uri, .from_uri = "sip:+33100000001@127.0.0.1", .from_display = "Harness",
		.pai_uri = "<tel:+33100000001>", .cpc = "ordinary", .sdp = sdp,
	};
	struct hcall *c = talloc_zero(ctx, struct hcall);

	c->ref = next_out_ref++;
	c->action = cancel_ms ? 8 : 9;
	osmo_timer_setup(&c->timer, hcall_timer_cb, c);
	llist_add_tail(&c->list, &calls);
	if (sip_fe_invite(fe, c->ref, &req) < 0) {
		hcall_free(c);
		return;
	}
	if (cancel_ms)
		osmo_timer_schedule(&c->timer, cancel_ms / 1000, (cancel_ms % 1000) * 1000);
	hx[HX_OUT_PLACED]++;
}

static void on_invite(const struct sip_event *ev)
{
	struct hcall *c = talloc_zero(ctx, struct hcall);

	c->ref = ev->call_ref;
	c->action = called(&ev->ci)[0] - '0';
	c->sdp = talloc_strndup(c, ev->ci.sdp, ev->ci.sdp_len);
	osmo_timer_setup(&c->timer, hcall_timer_cb, c);
	llist_add_tail(&c->list, &calls);
	switch (c->action) {
	case 1:
		sip_fe_respond(fe, c->ref, 180, NULL, NULL, 0);
		osmo_timer_schedule(&c->timer, answer_ms / 1000, (answer_ms % 1000) * 1000);
		break;
	case 2:
		sip_fe_respond(fe, c->ref, 486, NULL, NULL, 17);
		break;
	case 4:
		sip_fe_respond(fe, c->ref, 200, NULL, c->sdp, 0);
		osmo_timer_schedule(&c->timer, bye_ms / 1000, (bye_ms % 1000) * 1000);
		break;
	case 5:
		sip_fe_respond(fe, c->ref, 180, NULL, NULL, 0);
		break;
	case 8:
		sip_fe_redirect(fe, c->ref, "sip:8000@127.0.0.1:5998;x-gw-shed=harness-call", 0);
		break;
	default:
		sip_fe_respond(fe, c->ref, 404, NULL, NULL, 1);
		break;
	}
}

static void event_cb(void *priv, const struct sip_event *ev)
{
	struct hcall *c = ev->type == SIP_EV_INVITE ? NULL : hcall_find(ev->call_ref);

	switch (ev->type) {
	case SIP_EV_INVITE:
		hx[HX_EV_INVITE]++;
		on_invite(ev);
		return;
	case SIP_EV_ACK:
		hx[HX_EV_ACK]++;
		break;
	case SIP_EV_CANCEL:
		hx[HX_EV_CANCEL]++;
		break;
	case SIP_EV_BYE:
		hx[HX_EV_BYE]++;
		break;
	case SIP_EV_PROGRESS:
		hx[HX_EV_PROGRESS]++;
		break;
	case SIP_EV_ANSWER:
		hx[HX_EV_ANSWER]++;
		if (c) {
			c->action = 9;
			osmo_timer_del(&c->timer);
		}
		if (c)
			osmo_timer_schedule(&c->timer, hold_ms / 1000, (hold_ms % 1000) * 1000);
		break;
	case SIP_EV_FAILURE:
		hx[HX_EV_FAILURE]++;
		last_failure_status = ev->status;
		break;
	case SIP_EV_SESSION_EXPIRED:
		hx[HX_EV_SESSION_EXPIRED]++;
		break;
	case SIP_EV_OPTIONS_RESULT:
		hx[HX_EV_OPTIONS]++;
		last_options_status = ev->status;
		last_options_oc = ev->oc.present ? (int)ev->oc.oc : -1;
		return;
	case SIP_EV_TERMINATED:
		hx[HX_EV_TERMINATED]++;
		if (c)
			hcall_free(c);
		else
			hx[HX_UNKNOWN_REF]++;
		return;
	default:
		return;
	}
	if (!c)
		hx[HX_UNKNOWN_REF]++;
}

static void dump(void)
{
	struct rate_ctr_group *g = sip_fe_ctrg(fe);
	unsigned i;

	sip_fe_ctr_sync(fe);
	for (i = 0; i < g->desc->num_ctr; i++)
		printf("%s %" PRIu64 "\n", g->desc->ctr_desc[i].name, rate_ctr_group_get_ctr(g, i)->current);
	for (i = 0; i < _NUM_HX; i++)
		printf("%s %lu\n", hx_name[i], hx[i]);
	printf("gauge:dialogs %u\n", sip_fe_dialogs(fe));
	printf("harness:calls %u\n", (unsigned)llist_count(&calls));
	printf("options:status %d\n", last_options_status);
	printf("options:oc %d\n", last_options_oc);
	printf("failure:status %d\n", last_failure_status);
	printf("--\n");
	fflush(stdout);
}

static void sig(int s)
{
	if (s == SIGUSR1)
		want_dump = 1;
	else
		want_quit = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: sip_fe_harness -p PORT [-t CIDR]... [-a ANSWER_MS] [-b BYE_MS] [-H HOLD_MS]\n"
			"       [-o OUT_URI -n N [-C CANCEL_MS]] [-P OPTIONS_URI] [-e SESSION_EXPIRES] [-m MIN_SE] [-r never|required|supported]\n"
			"       [-d MAX_DIALOGS] [-q EVQ_LEN] [-R REDIRECT_URI] [-F FORWARD_URI]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sip_fe_cfg cfg;
	const char *options_uri = NULL;
	unsigned port = 5060;
	bool trusted_given = false;
	int opt;

	sip_fe_cfg_defaults(&cfg);
	cfg.session_expires = 0;
	cfg.overload = overload_cb;
	while ((opt = getopt(argc, argv, "p:t:a:b:H:o:n:C:P:e:m:r:d:q:R:F:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			if (!trusted_given)
				cfg.num_trusted = 0;
			trusted_given = true;
			if (cfg.num_trusted >= SIP_FE_MAX_TRUSTED
			    || sip_cidr_parse(optarg, &cfg.trusted[cfg.num_trusted]) < 0)
				usage();
			cfg.num_trusted++;
			break;
		case 'a':
			answer_ms = atoi(optarg);
			break;
		case 'b':
			bye_ms = atoi(optarg);
			break;
		case 'H':
			hold_ms = atoi(optarg);
			break;
		case 'o':
			out_uri = optarg;
			break;
		case 'n':
			out_calls = atoi(optarg);
			break;
		case 'C':
			cancel_ms = atoi(optarg);
			break;
		case 'P':
			options_uri = optarg;
			break;
		case 'e':
			cfg.session_expires = atoi(optarg);
			break;
		case 'm':
			cfg.min_se = atoi(optarg);
			break;
		case 'r':
			cfg.rel100 = !strcmp(optarg, "never") ? SIP_100REL_NEVER
				     : !strcmp(optarg, "supported") ? SIP_100REL_IF_SUPPORTED : SIP_100REL_IF_REQUIRED;
			break;
		case 'd':
			cfg.max_dialogs = atoi(optarg);
			cfg.event_reserve = 4 * cfg.max_dialogs;
			break;
		case 'q':
			cfg.event_queue_len = atoi(optarg);
			break;
		case 'R':
			redirect_uri = optarg;
			break;
		case 'F':
			forward_uri = optarg;
			break;
		default:
			usage();
		}
	}
	cfg.listen[0] = (struct sip_listen){ .tp = SIP_TP_UDP, .host = "127.0.0.1", .port = port };
	cfg.listen[1] = (struct sip_listen){ .tp = SIP_TP_TCP, .host = "127.0.0.1", .port = port };
	cfg.num_listen = 2;

	ctx = talloc_named_const(NULL, 0, "harness");
	osmo_init_logging2(ctx, &gw_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_log_level(osmo_stderr_target, LOGL_NOTICE);

	signal(SIGUSR1, sig);
	signal(SIGTERM, sig);
	signal(SIGINT, sig);

	fe = sip_fe_start(ctx, &cfg, admit_cb, NULL, event_cb, NULL);
	if (!fe) {
		fprintf(stderr, "cannot start the SIP front end on port %u\n", port);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	if (options_uri)
		sip_fe_options(fe, 4242, options_uri);
	if (out_uri) {
		unsigned i;
		if (!out_calls)
			out_calls = 1;
		for (i = 0; i < out_calls; i++)
			place_outgoing();
	}

	while (!want_quit) {
		osmo_select_main(0);
		if (want_dump) {
			want_dump = 0;
			dump();
		}
	}
	dump();
	sip_fe_stop(fe);
	while (!llist_empty(&calls))
		hcall_free(llist_first_entry(&calls, struct hcall, list));
	return 0;
}
