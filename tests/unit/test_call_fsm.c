/* test_call_fsm.c - call FSM ladders: SIP <-> ISUP through the real circuits and a fake MTP and SIP
 * front end (RFC 3398, ITU-T Q.1912.5, Q.764 2.1-2.3) */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/application.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>

#include "admission/adm.h"
#include "common/log.h"
#include "gateway/call.h"
#include "gateway/gw.h"
#include "gateway/route.h"
#include "gateway/sip.h"
#include "sigtran/cic.h"
#include "sigtran/isup.h"
#include "sigtran/isup_up.h"
#include "sigtran/mtp3.h"
#include "sigtran/mtp_user.h"

#define OUR_PC		100
#define PEER_PC		200
#define LADDER_MAX	8192
#define REF_IN		(SIP_REF_INCOMING | 1)	/* the SIP thread's ref of the first INVITE */

static void *ctx;
static struct gw *gw;
static size_t gw_baseline;	/* talloc blocks under gw with no call */

/* The ladder: one line per message that crossed either side, in order. */
static char ladder[LADDER_MAX];
static bool recording;
static uint32_t last_invite_ref;	/* ref of the last INVITE the call layer sent */

static void step(const char *fmt, ...)
{
	size_t len = strlen(ladder);
	va_list ap;

	if (!recording)
		return;
	va_start(ap, fmt);
	vsnprintf(ladder + len, sizeof(ladder) - len, fmt, ap);
	va_end(ap);
	len = strlen(ladder);
	ck_assert_uint_lt(len + 1, sizeof(ladder));
	ladder[len] = '\n';
	ladder[len + 1] = '\0';
}

/* One line for an ISUP message: type, CIC and the parameters the call layer decides. */
static void isup_line(const char *dir, const struct isup_msg *m)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s %s %u", dir, isup_msg_type_name(m->type), m->cic);

	if (ISUP_HAS(m, ISUP_P_CALLED))
		n += snprintf(buf + n, sizeof(buf) - n, " called=%s/%u", m->called.digits, m->called.nai);
	if (ISUP_HAS(m, ISUP_P_CALLING))
		n += snprintf(buf + n, sizeof(buf) - n, " calling=%s/%u/pres%u", m->calling.digits,
			      m->calling.nai, m->calling.pres);
	if (ISUP_HAS(m, ISUP_P_CPC) && m->type == ISUP_MSGT_IAM)
		n += snprintf(buf + n, sizeof(buf) - n, " cpc=%u", m->cpc);
	if (ISUP_HAS(m, ISUP_P_OBCI) && m->obci.inband)
		n += snprintf(buf + n, sizeof(buf) - n, " inband");
	if (ISUP_HAS(m, ISUP_P_EVENT))
		n += snprintf(buf + n, sizeof(buf) - n, " event=%u", m->event.event);
	if (ISUP_HAS(m, ISUP_P_CAUSE))
		n += snprintf(buf + n, sizeof(buf) - n, " cause=%u", m->cause.value);
	if (ISUP_HAS(m, ISUP_P_ACL))
		n += snprintf(buf + n, sizeof(buf) - n, " acl=%u", m->acl);
	if (m->type == ISUP_MSGT_GRS || m->type == ISUP_MSGT_GRA)
		n += snprintf(buf + n, sizeof(buf) - n, " range=%u", m->rs.range);
	step("%s", buf);
}

/* --- fake MTP below the real user part ------------------------------------------------------ */

#define MAX_PENDING 64
static struct {
	uint16_t grs_cic[MAX_PENDING];
	uint8_t grs_range[MAX_PENDING];
	unsigned n_grs;
	unsigned n_tx;
} mtp;

static int fake_transfer_req(void *priv, const struct mtp_transfer *x)
{
	struct isup_err err = {};
	struct isup_msg *msg = NULL;

	ck_assert_uint_eq(x->si, MTP3_SI_ISUP);
	ck_assert_uint_eq(x->opc, OUR_PC);
	ck_assert_uint_eq(x->dpc, PEER_PC);
	ck_assert_int_eq(isup_decode(ctx, x->data, x->len, &msg, &err), 0);
	mtp.n_tx++;
	if (msg->type == ISUP_MSGT_GRS && mtp.n_grs < MAX_PENDING) {
		mtp.grs_cic[mtp.n_grs] = msg->cic;
		mtp.grs_range[mtp.n_grs++] = msg->rs.range;
	}
	isup_line("isup>", msg);
	talloc_free(msg);
	return 0;
}

static const struct isup_up_mtp_ops fake_mtp_ops = { .transfer_req = fake_transfer_req };

/* The peer's message, encoded and handed to the user part as MTP-TRANSFER. */
static void isup_in(struct isup_msg *msg)
{
	uint8_t buf[300];
	int len = isup_encode(msg, buf, sizeof(buf));
	struct mtp_transfer x = { .opc = PEER_PC, .dpc = OUR_PC, .si = MTP3_SI_ISUP,
				  .ni = MTP3_NI_NATIONAL, .sls = msg->cic & 0xf, .data = buf };

	ck_assert_int_gt(len, 0);
	x.len = len;
	isup_line("isup<", msg);
	isup_up_transfer_ind(gw->up, &x);
	talloc_free(msg);
}

/* Bytes the decoder is expected to refuse, as the peer sent them. */
static void isup_in_raw(const char *what, const uint8_t *data, size_t len)
{
	struct mtp_transfer x = { .opc = PEER_PC, .dpc = OUR_PC, .si = MTP3_SI_ISUP, .ni = MTP3_NI_NATIONAL,
				  .sls = data[0] & 0xf, .data = data, .len = len };

	step("isup< %s", what);
	isup_up_transfer_ind(gw->up, &x);
}

static void isup_in_simple(uint8_t type, uint16_t cic)
{
	isup_in(isup_msg_simple(ctx, type, cic));
}

static void isup_in_susres(uint8_t type, uint16_t cic)
{
	struct isup_msg *m = isup_msg_alloc(ctx, type, cic);

	m->susres = 1;	/* network initiated */
	ISUP_SET(m, ISUP_P_SUSRES);
	isup_in(m);
}

static void isup_in_rel(uint16_t cic, uint8_t cause)
{
	isup_in(isup_msg_rel(ctx, cic, cause, 0));
}

static void isup_in_acm(uint16_t cic, bool inband)
{
	struct isup_msg *m = isup_msg_acm(ctx, cic, NULL);

	if (inband) {
		m->obci.inband = 1;
		ISUP_SET(m, ISUP_P_OBCI);
	}
	isup_in(m);
}

static void isup_in_iam(uint16_t cic, const char *called, uint8_t nai, const char *calling, uint8_t pres,
			uint8_t cpc)
{
	struct isup_number cd = {}, cg = {};

	ck_assert_int_eq(isup_number_set(&cd, nai, called), 0);
	if (calling) {
		/* isup_number_set clears the indicators: set them after it */
		ck_assert_int_eq(isup_number_set(&cg, ISUP_NAI_NATIONAL, calling), 0);
		cg.pres = pres;
		cg.screen = 3;
	}
	isup_in(isup_msg_iam(ctx, cic, &cd, calling ? &cg : NULL, cpc, 0));
}

/* --- fake SIP front end: the linker takes these instead of gateway/sip_fe.c ------------------- */

void sip_fe_cfg_defaults(struct sip_fe_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

struct sip_fe *sip_fe_start(void *c, const struct sip_fe_cfg *cfg, sip_admit_fn admit, void *admit_priv,
			    sip_event_fn event_cb, void *priv)
{
	ck_abort_msg("the call tests never start the SIP thread");
	return NULL;
}

void sip_fe_stop(struct sip_fe *fe)
{
}

int sip_fe_cpu_clock(struct sip_fe *fe, clockid_t *clk)
{
	return -ENOTSUP;
}

int sip_fe_respond(struct sip_fe *fe, uint32_t call_ref, int status, const char *reason, const char *sdp,
		   int q850_cause)
{
	char c[32] = "";

	if (q850_cause)
		snprintf(c, sizeof(c), " cause=%d", q850_cause);
	step("sip> %d%s%s ref=%x", status, c, sdp && sdp[0] ? " sdp" : "", call_ref);
	return 0;
}

int sip_fe_redirect(struct sip_fe *fe, uint32_t call_ref, const char *contact, int q850_cause)
{
	step("sip> 302 %s ref=%x", contact, call_ref);
	return 0;
}

int sip_fe_bye(struct sip_fe *fe, uint32_t call_ref, int q850_cause)
{
	step("sip> BYE cause=%d ref=%x", q850_cause, call_ref);
	return 0;
}

int sip_fe_cancel(struct sip_fe *fe, uint32_t call_ref, int q850_cause)
{
	step("sip> CANCEL cause=%d ref=%x", q850_cause, call_ref);
	return 0;
}

static int invite_rc;	/* what the next sip_fe_invite returns */

int sip_fe_invite(struct sip_fe *fe, uint32_t call_ref, const struct sip_invite_req *req)
{
	ck_assert_uint_eq(call_ref & SIP_REF_INCOMING, 0);
	ck_assert_ptr_nonnull(req->sdp);
	last_invite_ref = call_ref;
	step("sip> INVITE %s from=%s pai=%s%s%s%s sdp", req->target_uri, req->from_uri,
	     req->pai_uri ? req->pai_uri : "-", req->privacy_id ? " privacy=id" : "",
	     req->cpc ? " cpc=" : "", req->cpc ? req->cpc : "");
	return invite_rc;
}

int sip_fe_options(struct sip_fe *fe, uint32_t probe_ref, const char *target_uri)
{
	step("sip> OPTIONS %s", target_uri);
	return 0;
}

/* --- SIP events as the SIP thread delivers them (gw_sip_event) ------------------------------- */

static const char *sip_ev_name[_NUM_SIP_EV] = {
	[SIP_EV_INVITE] = "INVITE", [SIP_EV_ACK] = "ACK", [SIP_EV_CANCEL] = "CANCEL", [SIP_EV_BYE] = "BYE",
	[SIP_EV_PROGRESS] = "PROGRESS", [SIP_EV_ANSWER] = "ANSWER", [SIP_EV_FAILURE] = "FAILURE",
	[SIP_EV_SESSION_EXPIRED] = "SESSION_EXPIRED", [SIP_EV_OPTIONS_RESULT] = "OPTIONS_RESULT",
	[SIP_EV_TERMINATED] = "TERMINATED",
};

static void sip_deliver(const struct sip_event *ev)
{
	struct call *call;

	if (ev->type == SIP_EV_INVITE) {
		step("sip< INVITE %s ref=%x", ev->ci.ruri_user, ev->call_ref);
		call = call_from_sip(gw, ev);
		/* the call that goes on, or NULL when it was refused at once */
		ck_assert_ptr_eq(call, call_by_sip_ref(gw, ev->call_ref));
		return;
	}
	step("sip< %s %d%s ref=%x", sip_ev_name[ev->type], ev->status, ev->sdp_len ? " sdp" : "", ev->call_ref);
	call = call_by_sip_ref(gw, ev->call_ref);
	if (call)
		call_rx_sip(call, ev);
}

static void sip_in(enum sip_event_type type, uint32_t ref, int status, int cause, const char *sdp)
{
	struct sip_event ev = { .type = type, .call_ref = ref, .status = status, .q850_cause = cause,
				.sdp = sdp ? sdp : "", .sdp_len = sdp ? strlen(sdp) : 0 };

	sip_deliver(&ev);
}

static const char offer[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
			    "m=audio 4000 RTP/AVP 8 0\r\n";

/* An INVITE from a trusted peer: user part of the Request-URI, From, optional PAI. */
static bool invite_shed;	/* the next INVITE carries our shed marker */

static void sip_in_invite(uint32_t ref, const char *ruri_user, const char *from_user, const char *pai_user,
			  bool privacy, const char *cpc)
{
	struct sip_event ev = { .type = SIP_EV_INVITE, .call_ref = ref, .sdp = "", .sdp_len = 0 };
	struct sip_call_info *ci = &ev.ci;

	ci->ruri_user = ruri_user;
	ci->ruri_host = "192.0.2.99";
	ci->ruri = "sip:x@192.0.2.99";
	ci->ruri_user_phone = 1;
	ci->to_user = ruri_user;
	ci->from_user = from_user;
	ci->from_display = "";
	ci->pai_user = pai_user ? pai_user : "";
	ci->privacy_id = privacy;
	ci->cpc = cpc ? cpc : "";
	ci->resource_priority = "";
	ci->sdp = offer;
	ci->sdp_len = strlen(offer);
	ci->src_ip = "192.0.2.1";
	ci->src_port = 5060;
	ci->call_id = "c1@192.0.2.1";
	ci->max_forwards = 70;
	ci->already_shed = invite_shed;
	sip_deliver(&ev);
}

/* --- clock ---------------------------------------------------------------------------------- */

/* Advance both clocks in steps of at most 100 ms, firing timers as they fall due. */
static void advance_ms(unsigned long ms)
{
	while (ms) {
		unsigned long st = ms > 100 ? 100 : ms;

		osmo_clock_override_add(CLOCK_MONOTONIC, 0, st * 1000000);
		osmo_gettimeofday_override_add(0, st * 1000);
		osmo_timers_prepare();
		osmo_timers_update();
		ms -= st;
	}
}

static void advance_s(unsigned s)
{
	step("... %u s", s);
	advance_ms(s * 1000ul);
}

/* The call layer hunts again a moment after it lost its circuit (timer X4, 10 ms). */
static void rehunt(void)
{
	step("... X4");
	advance_ms(100);
}

/* --- the gateway under test ------------------------------------------------------------------ */

static uint64_t cctr(const char *name)
{
	const struct rate_ctr_group_desc *d = gw->call_ctrs->desc;
	unsigned i;

	for (i = 0; i < d->num_ctr; i++)
		if (!strcmp(d->ctr_desc[i].name, name))
			return rate_ctr_group_get_ctr(gw->call_ctrs, i)->current;
	ck_abort_msg("no call counter %s", name);
	return 0;
}

static struct cic_group *grp_a, *grp_b;
static struct route *rt_a, *rt_b, *rt_sip;

static struct cic_group *group(const char *name, uint16_t first, uint16_t last)
{
	struct cic_group *grp = cic_group_alloc(gw->up, name);

	ck_assert_ptr_nonnull(grp);
	ck_assert_int_eq(cic_group_set_dpc(grp, PEER_PC), 0);
	ck_assert_int_eq(cic_group_set_range(grp, first, last), 0);
	return grp;
}

static struct route *route(const char *prefix, const char *name)
{
	struct route *r;

	ck_assert_int_eq(route_add(gw->routes, prefix, &r), 0);
	ck_assert_int_eq(route_set_name(r, name), 0);
	return r;
}

/* MTP-RESUME: each group is reset with GRS, which the peer acknowledges. */
static void bring_up(void)
{
	unsigned rounds, i;

	isup_up_resume(gw->up, PEER_PC);
	for (rounds = 0; rounds < 100; rounds++) {
		for (i = 0; i < mtp.n_grs; i++)
			isup_in(isup_msg_gra(ctx, mtp.grs_cic[i], mtp.grs_range[i], 0));
		mtp.n_grs = 0;
		if (!cic_group_grs_queued(grp_a) && !cic_group_gprocs(grp_a)
		    && !cic_group_grs_queued(grp_b) && !cic_group_gprocs(grp_b))
			break;
		advance_ms(1000);
	}
	ck_assert_uint_eq(cic_group_gprocs(grp_a) + cic_group_gprocs(grp_b), 0);
}

/* Routes: 0123 (A, circuits 1-4, national prefix 0 stripped) falls back to B (circuits 11-14),
 * which sends 0123... as 0456...; 800 (ISUP -> SIP) goes to a SIP peer. */
static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	memset(&mtp, 0, sizeof(mtp));
	ladder[0] = '\0';
	recording = false;
	invite_rc = 0;
	invite_shed = false;
	osmo_clock_override_enable(CLOCK_MONOTONIC, true);
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1000 };

	gw = gw_alloc(ctx);
	ck_assert_int_eq(isup_up_set_opc(gw->up, OUR_PC, MTP3_NI_NATIONAL), 0);
	ck_assert_int_eq(isup_up_set_mtp(gw->up, &fake_mtp_ops, NULL), 0);
	OSMO_STRLCPY_ARRAY(gw->sip_domain, "gw.example");
	grp_a = group("A", 1, 4);
	grp_b = group("B", 11, 14);

	rt_a = route("0123", "A");
	ck_assert_int_eq(route_set_isup(rt_a, PEER_PC, "A"), 0);
	OSMO_STRLCPY_ARRAY(rt_a->plan.natl_prefix, "0");
	ck_assert_int_eq(route_add_fallback(rt_a, "B"), 0);
	rt_b = route("0999", "B");
	ck_assert_int_eq(route_set_isup(rt_b, PEER_PC, "B"), 0);
	ck_assert_int_eq(route_add_xlat(rt_b, "0123", "0456", false), 0);
	OSMO_STRLCPY_ARRAY(rt_b->plan.natl_prefix, "0");
	rt_sip = route("800", "S");
	ck_assert_int_eq(route_set_sip(rt_sip, "192.0.2.10", 5060), 0);
	OSMO_STRLCPY_ARRAY(rt_sip->plan.natl_prefix, "0");

	bring_up();
	gw_baseline = talloc_total_blocks(gw);
	recording = true;
}

/* Every scenario ends with no call, no admission charge and the gateway's memory as before. */
static void no_call_left(void)
{
	unsigned c;

	ck_assert_uint_eq(gw->num_calls, 0);
	ck_assert(llist_empty(&gw->calls));
	for (c = 0; c < _NUM_ADM_CLASS; c++)
		ck_assert_uint_eq(adm_class_calls(gw->adm, c), 0);
	ck_assert_uint_eq(adm_charged(gw->adm), 0);
	ck_assert_uint_eq(talloc_total_blocks(gw), gw_baseline);
}

static void teardown(void)
{
	no_call_left();
	isup_up_free(gw->up);
	gw->up = NULL;
	talloc_free(gw);
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

static void ladder_is(const char *expect)
{
	ck_assert_msg(!strcmp(ladder, expect), "ladder:\n%s\nexpected:\n%s", ladder, expect);
	ladder[0] = '\0';
}

/* --- SIP -> ISUP ------------------------------------------------------------------------------ */

START_TEST(test_sip_isup_answered)
{
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_acm(1, false);
	isup_in_simple(ISUP_MSGT_ANM, 1);
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	ck_assert_str_eq(call_state_name(call_by_sip_ref(gw, REF_IN)), "ACTIVE");
	ck_assert_uint_eq(adm_class_calls(gw->adm, ADM_CLASS_ORDINARY), 1);
	sip_in(SIP_EV_BYE, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< ACM 1\n"
		  "sip> 180 ref=80000001\n"
		  "isup< ANM 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "sip< BYE 0 ref=80000001\n"
		  "isup> REL 1 cause=16\n"
		  "isup< RLC 1\n");
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 1)));
	ck_assert_uint_eq(cctr("calls:sip-in"), 1);
	ck_assert_uint_eq(cctr("calls:answered"), 1);
	ck_assert_uint_eq(cctr("release:by-sip"), 1);
	ck_assert_uint_eq(cctr("calls:failed"), 0);
}
END_TEST

START_TEST(test_sip_isup_inband_con)
{
	/* ACM with in-band information: 183 with SDP; then CON-less ANM gives 200 */
	sip_in_invite(REF_IN, "0123456789", "0611111111", "0622222222", true, "payphone");
	isup_in_acm(1, true);
	isup_in(isup_msg_cpg(ctx, 1, ISUP_EVENT_ALERTING));
	isup_in_simple(ISUP_MSGT_ANM, 1);
	/* the peer releases after answer: BYE with its cause */
	isup_in_rel(1, 16);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=622222222/3/pres1 cpc=15\n"
		  "isup< ACM 1 inband\n"
		  "sip> 183 sdp ref=80000001\n"
		  "isup< CPG 1 event=1\n"
		  "sip> 180 ref=80000001\n"
		  "isup< ANM 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "isup< REL 1 cause=16\n"
		  "isup> RLC 1\n"
		  "sip> BYE cause=16 ref=80000001\n");
	ck_assert_uint_eq(cctr("release:by-isup"), 1);
	ck_assert_uint_eq(cctr("calls:answered"), 1);
}
END_TEST

START_TEST(test_sip_isup_con)
{
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_con(ctx, 1, NULL));
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	sip_in(SIP_EV_SESSION_EXPIRED, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CON 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "sip< SESSION_EXPIRED 0 ref=80000001\n"
		  "isup> REL 1 cause=102\n"
		  "isup< RLC 1\n");
}
END_TEST

START_TEST(test_sip_isup_busy)
{
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_rel(1, 17);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< REL 1 cause=17\n"
		  "isup> RLC 1\n"
		  "sip> 486 cause=17 ref=80000001\n");
	ck_assert_uint_eq(cctr("calls:failed"), 1);
	ck_assert_uint_eq(cctr("route:advance"), 0);
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 1)));
}
END_TEST

START_TEST(test_sip_isup_route_advance)
{
	/* REL 34 on route A: the fallback B gets the IAM with its translated number */
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_rel(1, 34);
	isup_in_acm(11, false);
	isup_in_simple(ISUP_MSGT_ANM, 11);
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	sip_in(SIP_EV_BYE, REF_IN, 0, 31, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 11);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< REL 1 cause=34\n"
		  "isup> RLC 1\n"
		  "isup> IAM 11 called=456456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< ACM 11\n"
		  "sip> 180 ref=80000001\n"
		  "isup< ANM 11\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "sip< BYE 0 ref=80000001\n"
		  "isup> REL 11 cause=31\n"
		  "isup< RLC 11\n");
	ck_assert_uint_eq(cctr("route:advance"), 1);
	ck_assert_uint_eq(cctr("calls:answered"), 1);
}
END_TEST

START_TEST(test_sip_isup_attempt_limit)
{
	/* X2 = 3: at most three IAMs for one call, over A, its fallback B and B's fallback C */
	struct route *c = route("0888", "C");

	ck_assert_int_eq(route_set_isup(c, PEER_PC, "A"), 0);
	ck_assert_int_eq(route_add_fallback(rt_b, "C"), 0);
	osmo_tdef_set(call_tdefs, -2, 3, OSMO_TDEF_CUSTOM);
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_rel(1, 34);
	isup_in_rel(11, 34);
	isup_in_rel(1, 34);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< REL 1 cause=34\n"
		  "isup> RLC 1\n"
		  "isup> IAM 11 called=456456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< REL 11 cause=34\n"
		  "isup> RLC 11\n"
		  "isup> IAM 1 called=0123456789/2 calling=611111111/3/pres0 cpc=10\n"
		  "isup< REL 1 cause=34\n"
		  "isup> RLC 1\n"
		  "sip> 503 cause=34 ref=80000001\n");
	ck_assert_uint_eq(cctr("route:advance"), 2);
	osmo_tdef_set(call_tdefs, -2, 4, OSMO_TDEF_CUSTOM);
	ck_assert_int_eq(route_del_fallback(rt_b, "C"), 0);
	ck_assert_int_eq(route_del(gw->routes, "0888"), 0);
}
END_TEST

START_TEST(test_sip_isup_t7)
{
	/* T7 on A: REL 102, IAM on B; T7 on B, no fallback left: 504 with cause 102 */
	osmo_tdef_set(call_tdefs, -3, 60, OSMO_TDEF_S);
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	advance_s(25);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	advance_s(25);
	isup_in_simple(ISUP_MSGT_RLC, 11);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "... 25 s\n"
		  "isup> REL 1 cause=102\n"
		  "isup> IAM 11 called=456456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< RLC 1\n"
		  "... 25 s\n"
		  "isup> REL 11 cause=102\n"
		  "sip> 504 cause=102 ref=80000001\n"
		  "isup< RLC 11\n");
	ck_assert_uint_eq(cctr("timer:t7"), 2);
	ck_assert_uint_eq(cctr("route:advance"), 1);
	ck_assert_uint_eq(cctr("calls:failed"), 1);
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 1)));
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 11)));
	osmo_tdef_set(call_tdefs, -3, 30, OSMO_TDEF_S);
}
END_TEST

START_TEST(test_sip_isup_x3)
{
	/* the whole set-up is bounded by X3 (30 s): T7 moved the call to B, X3 ends it there */
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	advance_s(25);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	advance_s(5);
	isup_in_simple(ISUP_MSGT_RLC, 11);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "... 25 s\n"
		  "isup> REL 1 cause=102\n"
		  "isup> IAM 11 called=456456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< RLC 1\n"
		  "... 5 s\n"
		  "isup> REL 11 cause=102\n"
		  "sip> 504 cause=102 ref=80000001\n"
		  "isup< RLC 11\n");
	ck_assert_uint_eq(cctr("timer:t7"), 1);
	ck_assert_uint_eq(cctr("timer:x3"), 1);
}
END_TEST

START_TEST(test_sip_isup_t9)
{
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_acm(1, false);
	advance_s(119);
	advance_s(1);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< ACM 1\n"
		  "sip> 180 ref=80000001\n"
		  "... 119 s\n"
		  "... 1 s\n"
		  "isup> REL 1 cause=19\n"
		  "sip> 480 cause=19 ref=80000001\n"
		  "isup< RLC 1\n");
	ck_assert_uint_eq(cctr("timer:t9"), 1);
}
END_TEST

START_TEST(test_sip_isup_cancel)
{
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_acm(1, false);
	sip_in(SIP_EV_CANCEL, REF_IN, 0, 0, NULL);
	/* the peer's late answer crosses our REL: the circuit layer discards it */
	isup_in_simple(ISUP_MSGT_ANM, 1);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	/* the SIP thread frees the leg */
	sip_in(SIP_EV_TERMINATED, REF_IN, 0, 0, NULL);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< ACM 1\n"
		  "sip> 180 ref=80000001\n"
		  "sip< CANCEL 0 ref=80000001\n"
		  "isup> REL 1 cause=16\n"
		  "isup< ANM 1\n"
		  "isup< RLC 1\n"
		  "sip< TERMINATED 0 ref=80000001\n");
	ck_assert_uint_eq(cctr("release:by-sip"), 1);
	ck_assert_uint_eq(cctr("calls:failed"), 1);
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 1)));
}
END_TEST

START_TEST(test_sip_isup_reset_after_answer)
{
	/* RSC from the peer with the call up: RLC, and the SIP leg gets BYE with cause 41 */
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_acm(1, false);
	isup_in_simple(ISUP_MSGT_ANM, 1);
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RSC, 1);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< ACM 1\n"
		  "sip> 180 ref=80000001\n"
		  "isup< ANM 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "isup< RSC 1\n"
		  "sip> BYE cause=41 ref=80000001\n"
		  "isup> RLC 1\n");
	ck_assert_uint_eq(cctr("cic:lost"), 1);
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 1)));
}
END_TEST

START_TEST(test_sip_isup_grs_before_acm)
{
	/* GRS from the peer before any backward message: the call hunts again */
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_grs(ctx, 1, 3));
	rehunt();
	isup_in_acm(1, false);
	isup_in_rel(1, 16);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< GRS 1 range=3\n"
		  "isup> GRA 1 range=3\n"
		  "... X4\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< ACM 1\n"
		  "sip> 180 ref=80000001\n"
		  "isup< REL 1 cause=16\n"
		  "isup> RLC 1\n"
		  "sip> 480 cause=16 ref=80000001\n");
	ck_assert_uint_eq(cctr("cic:lost"), 1);
}
END_TEST

START_TEST(test_sip_isup_dual_seizure)
{
	/* OUR_PC 100 < PEER_PC 200: the peer controls even circuits. Our IAM on 2 crosses the
	 * peer's IAM on 2: we back off, hunt 4, and the peer's call goes to SIP. */
	cic_group_set_hunting(grp_a, CIC_HUNT_EVEN);
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in_iam(2, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	rehunt();
	isup_in_acm(4, false);
	sip_in(SIP_EV_CANCEL, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 4);
	isup_in_rel(2, 16);
	ck_assert_uint_ne(last_invite_ref, 0);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 2 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< IAM 2 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "... X4\n"
		  "isup> IAM 4 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< ACM 4\n"
		  "sip> 180 ref=80000001\n"
		  "sip< CANCEL 0 ref=80000001\n"
		  "isup> REL 4 cause=16\n"
		  "isup< RLC 4\n"
		  "isup< REL 2 cause=16\n"
		  "isup> RLC 2\n"
		  "sip> CANCEL cause=16 ref=1\n");
	ck_assert_uint_eq(cctr("cic:lost"), 1);
	ck_assert_uint_eq(cctr("calls:isup-in"), 1);
	ck_assert_uint_eq(rate_ctr_group_get_ctr(cic_group_ctrs(grp_a), CIC_CTR_DUAL_SEIZURE)->current, 1);
}
END_TEST

START_TEST(test_sip_isup_no_route)
{
	sip_in_invite(REF_IN, "0777", "0611111111", NULL, false, NULL);
	sip_in_invite(REF_IN + 1, "01a3", "0611111111", NULL, false, NULL);
	ladder_is("sip< INVITE 0777 ref=80000001\n"
		  "sip> 404 cause=1 ref=80000001\n"
		  "sip< INVITE 01a3 ref=80000002\n"
		  "sip> 484 cause=28 ref=80000002\n");
	ck_assert_uint_eq(cctr("calls:no-route"), 1);
	ck_assert_uint_eq(cctr("refused:bad-number"), 1);
	ck_assert_uint_eq(cctr("calls:failed"), 2);
}
END_TEST

START_TEST(test_sip_redirect)
{
	/* a SIP route for a SIP caller: 302 to the peer site, marked; a call shed once already
	 * is not sent on again */
	sip_in_invite(REF_IN, "800123456", "0611111111", NULL, false, NULL);
	invite_shed = true;
	sip_in_invite(REF_IN + 1, "800123456", "0611111111", NULL, false, NULL);
	ladder_is("sip< INVITE 800123456 ref=80000001\n"
		  "sip> 302 sip:800123456@192.0.2.10:5060;x-gw-shed=gw ref=80000001\n"
		  "sip< INVITE 800123456 ref=80000002\n"
		  "sip> 404 cause=3 ref=80000002\n");
	ck_assert_uint_eq(cctr("route:redirected"), 1);
}
END_TEST

START_TEST(test_sip_isup_all_busy)
{
	/* no idle circuit on A or B: 503 with cause 34 (no circuit available) */
	unsigned i;

	recording = false;
	for (i = 0; i < 8; i++)
		sip_in_invite(REF_IN + i, "0123456789", "0611111111", NULL, false, NULL);
	recording = true;
	sip_in_invite(REF_IN + 8, "0123456789", "0611111111", NULL, false, NULL);
	ladder_is("sip< INVITE 0123456789 ref=80000009\n"
		  "sip> 503 cause=34 ref=80000009\n");
	recording = false;
	for (i = 0; i < 8; i++) {
		sip_in(SIP_EV_CANCEL, REF_IN + i, 0, 0, NULL);
		isup_in_simple(ISUP_MSGT_RLC, i < 4 ? 1 + i : 11 + i - 4);
	}
	ck_assert_uint_eq(gw->num_calls, 0);
}
END_TEST

/* --- ISUP -> SIP ------------------------------------------------------------------------------ */

START_TEST(test_isup_sip_answered)
{
	/* restricted presentation: From anonymous, the number in PAI with Privacy: id; payphone cpc */
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 1, 15);
	sip_in(SIP_EV_PROGRESS, 1, 180, 0, NULL);
	sip_in(SIP_EV_ANSWER, 1, 200, 0, offer);
	isup_in_susres(ISUP_MSGT_SUS, 3);
	isup_in_susres(ISUP_MSGT_RES, 3);
	isup_in_rel(3, 16);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres1 cpc=15\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:anonymous@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone privacy=id cpc=payphone sdp\n"
		  "sip< PROGRESS 180 ref=1\n"
		  "isup> ACM 3\n"
		  "sip< ANSWER 200 sdp ref=1\n"
		  "isup> ANM 3\n"
		  "isup< SUS 3\n"
		  "isup< RES 3\n"
		  "isup< REL 3 cause=16\n"
		  "isup> RLC 3\n"
		  "sip> BYE cause=16 ref=1\n");
	ck_assert_uint_eq(cctr("calls:isup-in"), 1);
	ck_assert_uint_eq(cctr("calls:answered"), 1);
	ck_assert_uint_eq(cctr("release:by-isup"), 1);
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 3)));
}
END_TEST

START_TEST(test_isup_sip_183_then_180_bye)
{
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	sip_in(SIP_EV_PROGRESS, 1, 183, 0, offer);
	sip_in(SIP_EV_PROGRESS, 1, 180, 0, NULL);
	sip_in(SIP_EV_ANSWER, 1, 200, 0, offer);
	sip_in(SIP_EV_BYE, 1, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "sip< PROGRESS 183 sdp ref=1\n"
		  "isup> ACM 3 inband\n"
		  "sip< PROGRESS 180 ref=1\n"
		  "isup> CPG 3 event=1\n"
		  "sip< ANSWER 200 sdp ref=1\n"
		  "isup> ANM 3\n"
		  "sip< BYE 0 ref=1\n"
		  "isup> REL 3 cause=16\n"
		  "isup< RLC 3\n");
}
END_TEST

START_TEST(test_isup_sip_con)
{
	/* a 2xx with no provisional before it: CON */
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, NULL, 0, 10);
	sip_in(SIP_EV_ANSWER, 1, 200, 0, offer);
	sip_in(SIP_EV_BYE, 1, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("isup< IAM 3 called=800123456/3 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:anonymous@gw.example"
		  " pai=- sdp\n"
		  "sip< ANSWER 200 sdp ref=1\n"
		  "isup> CON 3\n"
		  "sip< BYE 0 ref=1\n"
		  "isup> REL 3 cause=16\n"
		  "isup< RLC 3\n");
}
END_TEST

START_TEST(test_isup_sip_busy)
{
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	sip_in(SIP_EV_FAILURE, 1, 486, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	sip_in(SIP_EV_TERMINATED, 1, 0, 0, NULL);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "sip< FAILURE 486 ref=1\n"
		  "isup> REL 3 cause=17\n"
		  "isup< RLC 3\n"
		  "sip< TERMINATED 0 ref=1\n");
	ck_assert_uint_eq(cctr("calls:failed"), 1);
}
END_TEST

START_TEST(test_isup_sip_rel_before_answer)
{
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	sip_in(SIP_EV_PROGRESS, 1, 180, 0, NULL);
	isup_in_rel(3, 16);
	/* the SIP thread then reports the INVITE failed with 487 and frees the leg */
	sip_in(SIP_EV_FAILURE, 1, 487, 0, NULL);
	sip_in(SIP_EV_TERMINATED, 1, 0, 0, NULL);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "sip< PROGRESS 180 ref=1\n"
		  "isup> ACM 3\n"
		  "isup< REL 3 cause=16\n"
		  "isup> RLC 3\n"
		  "sip> CANCEL cause=16 ref=1\n"
		  "sip< FAILURE 487 ref=1\n"
		  "sip< TERMINATED 0 ref=1\n");
}
END_TEST

START_TEST(test_isup_sip_no_answer_timer)
{
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	sip_in(SIP_EV_PROGRESS, 1, 180, 0, NULL);
	advance_s(180);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "sip< PROGRESS 180 ref=1\n"
		  "isup> ACM 3\n"
		  "... 180 s\n"
		  "isup> REL 3 cause=19\n"
		  "sip> CANCEL cause=19 ref=1\n"
		  "isup< RLC 3\n");
}
END_TEST

START_TEST(test_isup_sip_no_route)
{
	/* no route, and a route towards ISUP: both refused with cause 1, nothing goes to SIP */
	isup_in_iam(3, "700123", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	isup_in_iam(3, "0123456789", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("isup< IAM 3 called=700123/3 calling=612345678/3/pres0 cpc=10\n"
		  "isup> REL 3 cause=1\n"
		  "isup< RLC 3\n"
		  "isup< IAM 3 called=0123456789/3 calling=612345678/3/pres0 cpc=10\n"
		  "isup> REL 3 cause=1\n"
		  "isup< RLC 3\n");
	ck_assert_uint_eq(cctr("calls:no-route"), 2);
}
END_TEST

/* What the admission hook may copy from a Request-URI into the 302 Contact it writes. */
START_TEST(test_sip_user_ok)
{
	ck_assert(gw_sip_user_ok("0123456789"));
	ck_assert(gw_sip_user_ok("+33123456789;phone-context=example.net"));
	ck_assert(gw_sip_user_ok("alice%20b"));
	ck_assert(!gw_sip_user_ok(""));
	ck_assert(!gw_sip_user_ok(NULL));
	ck_assert(!gw_sip_user_ok("a>b"));
	ck_assert(!gw_sip_user_ok("a b"));
	ck_assert(!gw_sip_user_ok("a\"b"));
	ck_assert(!gw_sip_user_ok("a\r\nVia: x"));
	ck_assert(!gw_sip_user_ok("a@b"));
	ck_assert(!gw_sip_user_ok("01234567890123456789012345678901234567890123456789012345678901234"));
}
END_TEST

START_TEST(test_isup_sip_route_down_and_bad_calling)
{
	/* a SIP route out of service: cause 34 (the PSTN may route around it), not 1 */
	struct route *s = route_lookup(gw->routes, "800123456");

	ck_assert_int_eq(s->type, ROUTE_TYPE_SIP);
	s->admin_down = true;
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	s->admin_down = false;
	/* a calling number with code 11 cannot be a SIP user part: the call goes on with the
	 * calling party not available */
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "6123B", 0, 10);
	sip_in(SIP_EV_FAILURE, 1, 486, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "isup> REL 3 cause=34\n"
		  "isup< RLC 3\n"
		  "isup< IAM 3 called=800123456/3 calling=6123B/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:anonymous@gw.example pai=- sdp\n"
		  "sip< FAILURE 486 ref=1\n"
		  "isup> REL 3 cause=17\n"
		  "isup< RLC 3\n");
	ck_assert_uint_eq(cctr("calls:no-route"), 1);
	ck_assert_uint_eq(cctr("isup:bad-calling"), 1);
}
END_TEST

START_TEST(test_isup_sip_bad_number)
{
	/* no digits, or codes 11..14 that no SIP user part carries: REL 28, nothing to SIP even
	 * with a default route; an ST at the end is not part of the number */
	struct route *d = route("", "D");

	ck_assert_int_eq(route_set_sip(d, "192.0.2.11", 5060), 0);
	isup_in_iam(3, "", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	isup_in_iam(3, "12B4", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	isup_in_iam(3, "1234F", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	sip_in(SIP_EV_FAILURE, 1, 404, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("isup< IAM 3 called=/3 calling=612345678/3/pres0 cpc=10\n"
		  "isup> REL 3 cause=28\n"
		  "isup< RLC 3\n"
		  "isup< IAM 3 called=12B4/3 calling=612345678/3/pres0 cpc=10\n"
		  "isup> REL 3 cause=28\n"
		  "isup< RLC 3\n"
		  "isup< IAM 3 called=1234F/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:1234@192.0.2.11:5060;user=phone from=sip:612345678@gw.example"
		  " pai=sip:612345678@gw.example;user=phone sdp\n"
		  "sip< FAILURE 404 ref=1\n"
		  "isup> REL 3 cause=1\n"
		  "isup< RLC 3\n");
	ck_assert_uint_eq(cctr("refused:bad-number"), 2);
	ck_assert_int_eq(route_del(gw->routes, ""), 0);
}
END_TEST

START_TEST(test_isup_sip_reset)
{
	/* GRS from the peer with an answered call: the SIP leg gets BYE cause 41 */
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	sip_in(SIP_EV_ANSWER, 1, 200, 0, offer);
	isup_in(isup_msg_grs(ctx, 1, 3));
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "sip< ANSWER 200 sdp ref=1\n"
		  "isup> CON 3\n"
		  "isup< GRS 1 range=3\n"
		  "sip> BYE cause=41 ref=1\n"
		  "isup> GRA 1 range=3\n");
	ck_assert_uint_eq(cctr("cic:lost"), 1);
}
END_TEST

START_TEST(test_isup_sip_invite_refused)
{
	/* the SIP command queue is full: REL 42 at once, nothing left behind */
	invite_rc = -ENOSPC;
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "isup> REL 3 cause=42 acl=1\n"
		  "isup< RLC 3\n");
}
END_TEST

/* --- hostile and late input ------------------------------------------------------------------ */

START_TEST(test_unexpected_messages)
{
	/* CPG before ACM, ANM twice, ACK twice, a provisional for an incoming call, events after
	 * the call is gone */
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_cpg(ctx, 1, ISUP_EVENT_PROGRESS));
	isup_in_acm(1, false);
	isup_in_simple(ISUP_MSGT_ANM, 1);
	isup_in_simple(ISUP_MSGT_ANM, 1);
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	sip_in(SIP_EV_PROGRESS, REF_IN, 180, 0, NULL);
	isup_in_rel(1, 31);
	sip_in(SIP_EV_BYE, REF_IN, 0, 0, NULL);
	sip_in(SIP_EV_TERMINATED, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_ANM, 1);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	sip_in(SIP_EV_ANSWER, 77, 200, 0, NULL);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CPG 1 event=2\n"
		  "isup< ACM 1\n"
		  "sip> 180 ref=80000001\n"
		  "isup< ANM 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "isup< ANM 1\n"
		  "sip< ACK 0 ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "sip< PROGRESS 180 ref=80000001\n"
		  "isup< REL 1 cause=31\n"
		  "isup> RLC 1\n"
		  "sip> BYE cause=31 ref=80000001\n"
		  "sip< BYE 0 ref=80000001\n"
		  "sip< TERMINATED 0 ref=80000001\n"
		  "isup< ANM 1\n"
		  "isup> RSC 1\n"
		  "isup< RLC 1\n"
		  "sip< ANSWER 200 ref=4d\n");
	ck_assert_uint_eq(cctr("rx:unexpected"), 2);
}
END_TEST

START_TEST(test_sip_leg_dropped)
{
	/* the SIP thread frees a leg on its own (transaction timeout, dialog limit): the ISUP
	 * side is released with cause 41 and nothing more goes to SIP */
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	sip_in(SIP_EV_TERMINATED, 1, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_con(ctx, 1, NULL));
	sip_in(SIP_EV_TERMINATED, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	ladder_is("isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "sip< TERMINATED 0 ref=1\n"
		  "isup> REL 3 cause=41\n"
		  "isup< RLC 3\n"
		  "sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CON 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< TERMINATED 0 ref=80000001\n"
		  "isup> REL 1 cause=41\n"
		  "isup< RLC 1\n");
}
END_TEST

START_TEST(test_link_loss)
{
	/* MTP-PAUSE: the call in progress is kept, a new one finds no circuit on A nor B.
	 * MTP-RESUME after a link flap resets nothing (the circuits' states are known): the call
	 * survives and ends normally, and new calls go out again. */
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_con(ctx, 1, NULL));
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	step("mtp pause");
	isup_up_pause(gw->up, PEER_PC);
	sip_in_invite(REF_IN + 1, "0123456789", "0611111111", NULL, false, NULL);
	step("mtp resume");
	mtp.n_grs = 0;
	isup_up_resume(gw->up, PEER_PC);
	ck_assert_uint_eq(mtp.n_grs, 0);
	sip_in_invite(REF_IN + 2, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_con(ctx, 2, NULL));
	sip_in(SIP_EV_BYE, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	sip_in(SIP_EV_BYE, REF_IN + 2, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 2);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CON 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "mtp pause\n"
		  "sip< INVITE 0123456789 ref=80000002\n"
		  "sip> 503 cause=34 ref=80000002\n"
		  "mtp resume\n"
		  "sip< INVITE 0123456789 ref=80000003\n"
		  "isup> IAM 2 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CON 2\n"
		  "sip> 200 sdp ref=80000003\n"
		  "sip< BYE 0 ref=80000001\n"
		  "isup> REL 1 cause=16\n"
		  "isup< RLC 1\n"
		  "sip< BYE 0 ref=80000003\n"
		  "isup> REL 2 cause=16\n"
		  "isup< RLC 2\n");
	ck_assert_uint_eq(cctr("cic:lost"), 0);
	ck_assert_uint_eq(cctr("route:advance"), 1);
}
END_TEST

/* A group configured with reset-on-resume resets its circuits on every MTP-RESUME, and the
 * calls on them with it (cause 41). */
START_TEST(test_link_loss_reset_on_resume)
{
	cic_group_set_reset_on_resume(cic_group_find(gw->up, "A"), true);
	cic_group_set_reset_on_resume(cic_group_find(gw->up, "B"), true);
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_con(ctx, 1, NULL));
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	step("mtp pause");
	isup_up_pause(gw->up, PEER_PC);
	step("mtp resume");
	mtp.n_grs = 0;
	isup_up_resume(gw->up, PEER_PC);
	ck_assert_uint_eq(mtp.n_grs, 2);
	isup_in(isup_msg_gra(ctx, mtp.grs_cic[0], mtp.grs_range[0], 0));
	isup_in(isup_msg_gra(ctx, mtp.grs_cic[1], mtp.grs_range[1], 0));
	sip_in(SIP_EV_TERMINATED, REF_IN, 0, 0, NULL);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CON 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "mtp pause\n"
		  "mtp resume\n"
		  "sip> BYE cause=41 ref=80000001\n"
		  "isup> GRS 1 range=3\n"
		  "isup> GRS 11 range=3\n"
		  "isup< GRA 1 range=3\n"
		  "isup< GRA 11 range=3\n"
		  "sip< TERMINATED 0 ref=80000001\n");
	ck_assert_uint_eq(cctr("cic:lost"), 1);
}
END_TEST

START_TEST(test_emergency_call)
{
	/* 112 is an emergency number: its own admission class, counted, and given back */
	struct route *e = route("112", "E");

	ck_assert_int_eq(route_set_isup(e, PEER_PC, "A"), 0);
	e->emergency = true;
	sip_in_invite(REF_IN, "112", "0611111111", NULL, false, NULL);
	ck_assert_uint_eq(adm_class_calls(gw->adm, ADM_CLASS_EMERGENCY), 1);
	isup_in_acm(1, false);
	isup_in_simple(ISUP_MSGT_ANM, 1);
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	sip_in(SIP_EV_BYE, REF_IN, 0, 0, NULL);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	ladder_is("sip< INVITE 112 ref=80000001\n"
		  "isup> IAM 1 called=112/2 calling=0611111111/2/pres0 cpc=10\n"
		  "isup< ACM 1\n"
		  "sip> 180 ref=80000001\n"
		  "isup< ANM 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "sip< BYE 0 ref=80000001\n"
		  "isup> REL 1 cause=16\n"
		  "isup< RLC 1\n");
	ck_assert_uint_eq(cctr("calls:emergency"), 1);
	ck_assert_uint_eq(adm_class_calls(gw->adm, ADM_CLASS_EMERGENCY), 0);
	ck_assert_int_eq(route_del(gw->routes, "112"), 0);
}
END_TEST

START_TEST(test_gw_stop)
{
	/* stopping the gateway releases every call on both sides */
	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_con(ctx, 1, NULL));
	isup_in_iam(3, "800123456", ISUP_NAI_NATIONAL, "612345678", 0, 10);
	ck_assert_uint_eq(gw->num_calls, 2);
	step("gw stop");
	gw_stop(gw);
	isup_in_simple(ISUP_MSGT_RLC, 1);
	isup_in_simple(ISUP_MSGT_RLC, 3);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CON 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "isup< IAM 3 called=800123456/3 calling=612345678/3/pres0 cpc=10\n"
		  "sip> INVITE sip:0800123456@192.0.2.10:5060;user=phone from=sip:0612345678@gw.example"
		  " pai=sip:0612345678@gw.example;user=phone sdp\n"
		  "gw stop\n"
		  "isup> REL 1 cause=16\n"
		  "sip> BYE cause=16 ref=80000001\n"
		  "isup> REL 3 cause=16\n"
		  "sip> CANCEL cause=16 ref=1\n"
		  "isup< RLC 1\n"
		  "isup< RLC 3\n");
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 1)));
	ck_assert(cic_is_idle(cic_lookup(gw->up, PEER_PC, 3)));
}
END_TEST

START_TEST(test_rel_without_cause)
{
	/* REL whose mandatory cause has length 0: the decoder refuses it (counted as malformed)
	 * and the call stays; the peer's T5 ends in RSC, which clears the call with cause 41 */
	static const uint8_t rel_no_cause[] = { 0x01, 0x00, ISUP_MSGT_REL, 0x02, 0x00, 0x00 };
	uint64_t malformed = rate_ctr_group_get_ctr(isup_up_ctrs(gw->up), ISUP_UP_CTR_RX_MALFORMED)->current;

	sip_in_invite(REF_IN, "0123456789", "0611111111", NULL, false, NULL);
	isup_in(isup_msg_con(ctx, 1, NULL));
	sip_in(SIP_EV_ACK, REF_IN, 0, 0, NULL);
	isup_in_raw("REL 1 without cause", rel_no_cause, sizeof(rel_no_cause));
	ck_assert_uint_eq(rate_ctr_group_get_ctr(isup_up_ctrs(gw->up), ISUP_UP_CTR_RX_MALFORMED)->current,
			  malformed + 1);
	ck_assert_str_eq(call_state_name(call_by_sip_ref(gw, REF_IN)), "ACTIVE");
	isup_in_simple(ISUP_MSGT_RSC, 1);
	ladder_is("sip< INVITE 0123456789 ref=80000001\n"
		  "isup> IAM 1 called=123456789/3 calling=611111111/3/pres0 cpc=10\n"
		  "isup< CON 1\n"
		  "sip> 200 sdp ref=80000001\n"
		  "sip< ACK 0 ref=80000001\n"
		  "isup< REL 1 without cause\n"
		  "isup< RSC 1\n"
		  "sip> BYE cause=41 ref=80000001\n"
		  "isup> RLC 1\n");
}
END_TEST

static Suite *call_fsm_suite(void)
{
	Suite *s = suite_create("call_fsm");
	TCase *tc = tcase_create("sip_to_isup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sip_isup_answered);
	tcase_add_test(tc, test_sip_isup_inband_con);
	tcase_add_test(tc, test_sip_isup_con);
	tcase_add_test(tc, test_sip_isup_busy);
	tcase_add_test(tc, test_sip_isup_route_advance);
	tcase_add_test(tc, test_sip_isup_attempt_limit);
	tcase_add_test(tc, test_sip_isup_t7);
	tcase_add_test(tc, test_sip_isup_x3);
	tcase_add_test(tc, test_sip_isup_t9);
	tcase_add_test(tc, test_sip_isup_cancel);
	tcase_add_test(tc, test_sip_isup_reset_after_answer);
	tcase_add_test(tc, test_sip_isup_grs_before_acm);
	tcase_add_test(tc, test_sip_isup_dual_seizure);
	tcase_add_test(tc, test_sip_isup_no_route);
	tcase_add_test(tc, test_sip_redirect);
	tcase_add_test(tc, test_sip_isup_all_busy);
	suite_add_tcase(s, tc);

	tc = tcase_create("isup_to_sip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_isup_sip_answered);
	tcase_add_test(tc, test_isup_sip_183_then_180_bye);
	tcase_add_test(tc, test_isup_sip_con);
	tcase_add_test(tc, test_isup_sip_busy);
	tcase_add_test(tc, test_isup_sip_rel_before_answer);
	tcase_add_test(tc, test_isup_sip_no_answer_timer);
	tcase_add_test(tc, test_isup_sip_no_route);
	tcase_add_test(tc, test_sip_user_ok);
	tcase_add_test(tc, test_isup_sip_route_down_and_bad_calling);
	tcase_add_test(tc, test_isup_sip_bad_number);
	tcase_add_test(tc, test_isup_sip_reset);
	tcase_add_test(tc, test_isup_sip_invite_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unexpected_messages);
	tcase_add_test(tc, test_sip_leg_dropped);
	tcase_add_test(tc, test_link_loss);
	tcase_add_test(tc, test_link_loss_reset_on_resume);
	tcase_add_test(tc, test_emergency_call);
	tcase_add_test(tc, test_gw_stop);
	tcase_add_test(tc, test_rel_without_cause);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(call_fsm_suite());
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	int failed;

	osmo_init_logging2(log_ctx, &gw_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_log_level(osmo_stderr_target, getenv("CALL_DEBUG") ? LOGL_DEBUG : LOGL_ERROR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	talloc_free(log_ctx);
	return failed ? 1 : 0;
}
