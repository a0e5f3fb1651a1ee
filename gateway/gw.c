/* gw.c - the gateway object: wires the SIP front end, admission, routes and the ISUP side
 * to the call FSM */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/fsm.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer_compat.h>
#include <osmocom/core/utils.h>

#include "admission/adm.h"
#include "admission/peer.h"
#include "common/log.h"
#include "gateway/call.h"
#include "gateway/alarm.h"
#include "gateway/emergency.h"
#include "gateway/esup.h"
#include "gateway/gw.h"
#include "gateway/route.h"
#include "gateway/sip.h"
#include "sigtran/cic.h"
#include "sigtran/isup.h"
#include "sigtran/isup_up.h"
#include "sigtran/m3ua_as.h"
#include "sigtran/m3ua_asp.h"
#include "sigtran/pcap_trace.h"
#include "sigtran/m3ua_vty.h"

extern const struct rate_ctr_group_desc call_ctrg_desc;

/* Refs of peer probes: apart from call refs (which the call layer numbers from 1 up) */
#define GW_PROBE_REF	0x40000000u

/* --- the call table by SIP ref -------------------------------------------------------------- */

static unsigned ref_hash(uint32_t ref)
{
	return (ref * 2654435761u) & (GW_CALL_HASH - 1);
}

void gw_call_hash_add(struct gw *gw, struct call *call)
{
	unsigned h = ref_hash(call->sip_ref);

	call->hnext = gw->call_hash[h];
	gw->call_hash[h] = call;
}

void gw_call_hash_del(struct gw *gw, struct call *call)
{
	struct call **pp;

	for (pp = &gw->call_hash[ref_hash(call->sip_ref)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == call) {
			*pp = call->hnext;
			return;
		}
	}
}

struct call *call_by_sip_ref(struct gw *gw, uint32_t ref)
{
	struct call *c;

	for (c = gw->call_hash[ref_hash(ref)]; c; c = c->hnext)
		if (c->sip_ref == ref)
			return c;
	return NULL;
}

uint32_t gw_new_sip_ref(struct gw *gw)
{
	/* outgoing refs have SIP_REF_INCOMING and GW_PROBE_REF clear; skip refs still in use */
	do {
		gw->next_sip_ref = (gw->next_sip_ref + 1) & ~(SIP_REF_INCOMING | GW_PROBE_REF);
	} while (!gw->next_sip_ref || call_by_sip_ref(gw, gw->next_sip_ref));
	return gw->next_sip_ref;
}

/* --- classification ------------------------------------------------------------------------ */

const char *gw_privacy_str(const struct sip_call_info *ci)
{
	if (ci->privacy_id)
		return "id";
	if (ci->privacy_header)
		return "header";
	return NULL;
}

static void sip_emergency_info(struct emergency_call_info *in, const struct sip_call_info *ci)
{
	in->called_digits = ci->ruri_user;
	in->request_uri = ci->ruri;
	in->resource_priority = ci->resource_priority;
	in->isup_cpc = -1;
	in->sip_cpc = ci->cpc[0] ? ci->cpc : NULL;
}

enum gw_call_class gw_classify_sip(struct gw *gw, const struct sip_call_info *ci)
{
	struct emergency_call_info in;

	sip_emergency_info(&in, ci);
	return emergency_classify(gw->emerg, &in, NULL);
}

enum gw_call_class gw_classify_isup(struct gw *gw, const struct isup_msg *iam)
{
	struct emergency_call_info in = {
		.called_digits = ISUP_HAS(iam, ISUP_P_CALLED) ? iam->called.digits : NULL,
		.isup_cpc = ISUP_HAS(iam, ISUP_P_CPC) ? iam->cpc : -1,
	};

	return emergency_classify(gw->emerg, &in, NULL);
}

/* urn:service:sos carries no digits: the call goes to the number configured for it. */
int gw_emergency_number_for_urn(struct gw *gw, const struct sip_call_info *ci, struct number *out)
{
	memset(out, 0, sizeof(*out));
	if (!gw->sos_number[0])
		return -ENOENT;
	OSMO_STRLCPY_ARRAY(out->digits, gw->sos_number);
	out->nai = NUMBER_NAI_UNKNOWN;
	return 0;
}

/* --- SIP side ------------------------------------------------------------------------------ */

/* A Request-URI user part we may copy into a URI we write: non-empty, bounded, and only the
 * characters RFC 3261 25.1 allows there (unreserved, escaped, user-unreserved). */
bool gw_sip_user_ok(const char *user)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				      "-_.!~*'()%&=+$,;?/";
	size_t n;

	if (!user)
		return false;
	n = strlen(user);
	return n > 0 && n <= 64 && strspn(user, allowed) == n;
}

/* The SIP thread asks before any state exists: O(1), thread-safe (admission is atomic,
 * classification reads config only, peer selection copies under the peer set's lock). */
static enum sip_admit gw_sip_admit(void *priv, const struct sip_call_info *ci, struct sip_refusal *ref)
{
	struct gw *gw = priv;
	struct adm_source src = { .kind = ADM_SRC_IPV4, .port = ci->src_port,
				  .already_shed = ci->already_shed };
	struct emergency_call_info in;
	struct adm_refusal why;
	struct peer_target tgt;
	enum gw_call_class cls;
	enum adm_shed_mode mode;

	if (inet_pton(AF_INET, ci->src_ip, &src.addr.v4) != 1)
		src.kind = ADM_SRC_NONE;
	sip_emergency_info(&in, ci);
	cls = emergency_classify_pure(gw->emerg, &in, NULL);

	switch (adm_admit(gw->adm, (enum adm_class)cls, &src, &why)) {
	case ADM_ADMIT:
		return SIP_ADMIT_ACCEPT;
	case ADM_SHED:
		mode = adm_get_cfg(gw->adm)->shed_mode[cls];
		if (mode == ADM_SHED_REJECT)
			break;
		if (peer_select_target_oc(gw->peers, NULL, adm_peer_max_oc((enum adm_class)cls),
					  &tgt) < 0) {
			adm_refuse_no_peer(gw->adm, (enum adm_class)cls, &why);
			break;
		}
		/* the SIP layer puts the mark on the 302 Contact or the forwarded Request-URI */
		if (adm_shed_mark(ref->shed_mark, sizeof(ref->shed_mark), gw->site_name) < 0)
			break;
		if (mode == ADM_SHED_REDIRECT) {
			if (gw_sip_user_ok(ci->ruri_user))
				snprintf(ref->contact, sizeof(ref->contact), "sip:%s@%s:%u", ci->ruri_user,
					 tgt.addr, tgt.port);
			else	/* never copy what could break out of the Contact header */
				snprintf(ref->contact, sizeof(ref->contact), "sip:%s:%u", tgt.addr, tgt.port);
			return SIP_ADMIT_REDIRECT;
		}
		snprintf(ref->next_hop, sizeof(ref->next_hop), "sip:%s:%u;transport=%s", tgt.addr, tgt.port,
			 tgt.transport == PEER_TRANSPORT_TCP ? "tcp" : "udp");
		return SIP_ADMIT_FORWARD;
	case ADM_REFUSE:
		break;
	}
	ref->status = 503;
	ref->retry_after = why.retry_after_s;
	ref->q850_cause = 42;
	ref->oc.present = why.oc.present;
	ref->oc.oc = why.oc.oc;
	ref->oc.validity_ms = why.oc.validity_ms;
	ref->oc.seq = why.oc.seq;
	OSMO_STRLCPY_ARRAY(ref->oc.algo, why.oc.algo[0] ? why.oc.algo : "loss");
	return SIP_ADMIT_REJECT;
}

/* Our own load in OPTIONS answers and refusals (SIP thread). */
static void gw_sip_overload(void *priv, struct sip_oc *oc)
{
	struct gw *gw = priv;
	struct peer_feedback fb;

	adm_overload_feedback(gw->adm, &fb);
	oc->present = fb.present;
	oc->oc = fb.oc;
	oc->validity_ms = fb.validity_ms;
	oc->seq = fb.seq;
	OSMO_STRLCPY_ARRAY(oc->algo, fb.algo[0] ? fb.algo : "loss");
}

/* A probe's ref names the peer through a small ring of outstanding probes, so a peer removed
 * from the config meanwhile is simply not found. */
static void gw_probe_result(struct gw *gw, const struct sip_event *ev)
{
	struct gw_probe *pr = &gw->probes[ev->call_ref % GW_MAX_PROBES];
	struct peer_feedback fb = {
		.present = ev->oc.present, .oc = ev->oc.oc, .validity_ms = ev->oc.validity_ms,
		.seq = ev->oc.seq,
	};
	struct peer *p;

	if (pr->ref != ev->call_ref)
		return;
	pr->ref = 0;
	OSMO_STRLCPY_ARRAY(fb.algo, ev->oc.algo);
	p = peer_find(gw->peers, pr->peer);
	if (p)
		peer_probe_result(p, ev->status, &fb);
}

static void gw_sip_event(void *priv, const struct sip_event *ev)
{
	struct gw *gw = priv;
	struct call *call;

	switch (ev->type) {
	case SIP_EV_INVITE:
		call_from_sip(gw, ev);
		return;
	case SIP_EV_OPTIONS_RESULT:
		gw_probe_result(gw, ev);
		return;
	default:
		call = call_by_sip_ref(gw, ev->call_ref);
		if (call)
			call_rx_sip(call, ev);
		return;
	}
}

static int gw_send_probe(void *priv, struct peer *p)
{
	struct gw *gw = priv;
	const struct peer_cfg *cfg = peer_get_cfg(p);
	struct gw_probe *pr;
	char uri[128];

	if (!gw->sip)
		return -ENOTCONN;
	gw->probe_seq = (gw->probe_seq + 1) & 0xffff;
	pr = &gw->probes[(GW_PROBE_REF | gw->probe_seq) % GW_MAX_PROBES];
	pr->ref = GW_PROBE_REF | gw->probe_seq;
	OSMO_STRLCPY_ARRAY(pr->peer, peer_name(p));
	snprintf(uri, sizeof(uri), "sip:%s:%u;transport=%s", cfg->addr, cfg->port,
		 cfg->transport == PEER_TRANSPORT_TCP ? "tcp" : "udp");
	return sip_fe_options(gw->sip, pr->ref, uri);
}

/* --- ISUP side ----------------------------------------------------------------------------- */

static int gw_rx_iam(void *priv, struct cic *cic, const struct isup_msg *iam, uint8_t *acl)
{
	return call_from_isup(priv, cic, iam, acl);
}

static void gw_rx_call_msg(void *owner, struct cic *cic, const struct isup_msg *msg)
{
	call_rx_isup(owner, msg);
}

static void gw_cic_lost(void *owner, struct cic *cic, int cause)
{
	call_cic_lost(owner, cause);
}

static const struct cic_user_ops gw_cic_ops = {
	.rx_iam = gw_rx_iam,
	.rx_call_msg = gw_rx_call_msg,
	.lost = gw_cic_lost,
};

/* MTP-PAUSE / MTP-RESUME: the user part stops or resumes hunting on the DPC; routes towards it
 * are marked down so that calls take their fallbacks at once. */
static void gw_mark_routes(struct gw *gw, uint32_t dpc, bool down)
{
	unsigned i;

	for (i = 0; i < route_table_count(gw->routes); i++) {
		struct route *r = route_table_at(gw->routes, i);

		if (r->type != ROUTE_TYPE_ISUP || r->isup_dpc != dpc)
			continue;
		route_set_oper_down(r, down);
		if (r->emergency)
			esup_route_state(gw->esup, r->name[0] ? r->name : r->prefix, !down);
	}
}

/* The AS that carries traffic for a DPC: the one a destination line names, else the first. */
static struct m3ua_as *gw_as_for_dpc(struct gw *gw, uint32_t dpc)
{
	unsigned i, j;

	for (i = 0; i < gw->num_dests; i++) {
		if (gw->dests[i].dpc != dpc)
			continue;
		for (j = 0; j < gw->num_as; j++)
			if (!strcmp(m3ua_as_name(gw->as_bind[j].as), gw->dests[i].as_name))
				return gw->as_bind[j].as;
	}
	return gw->num_as ? gw->as_bind[0].as : NULL;
}

/* MTP-TRANSFER request from the ISUP user part: to the AS that carries the DPC. */
static int gw_mtp_transfer_req(void *priv, const struct mtp_transfer *xfer)
{
	struct gw *gw = priv;
	struct m3ua_as *as = gw_as_for_dpc(gw, xfer->dpc);

	return as ? m3ua_as_transfer(as, xfer) : -ENOTCONN;
}

static const struct isup_up_mtp_ops gw_isup_mtp_ops = {
	.transfer_req = gw_mtp_transfer_req,
};

static void gw_mtp_transfer_ind(void *priv, const struct mtp_transfer *xfer)
{
	struct gw_as_bind *b = priv;

	isup_up_transfer_ind(b->gw->up, xfer);
}

/* An AS speaks for the DPCs it carries only: another AS losing its SG does not pause a DPC
 * reached through this one. */
static bool gw_as_carries(const struct gw_as_bind *b, uint32_t dpc)
{
	return gw_as_for_dpc(b->gw, dpc) == b->as;
}

static void gw_mtp_pause(void *priv, uint32_t dpc)
{
	struct gw_as_bind *b = priv;

	if (!gw_as_carries(b, dpc))
		return;
	LOGP(DCIC, LOGL_NOTICE, "MTP-PAUSE for DPC %u (as %s): routes towards it down\n", dpc,
	     m3ua_as_name(b->as));
	isup_up_pause(b->gw->up, dpc);
	gw_mark_routes(b->gw, dpc, true);
}

static void gw_mtp_resume(void *priv, uint32_t dpc)
{
	struct gw_as_bind *b = priv;

	if (!gw_as_carries(b, dpc))
		return;
	LOGP(DCIC, LOGL_NOTICE, "MTP-RESUME for DPC %u (as %s)\n", dpc, m3ua_as_name(b->as));
	gw_mark_routes(b->gw, dpc, false);
	isup_up_resume(b->gw->up, dpc);
}

static void gw_mtp_status(void *priv, uint32_t dpc, int cause, int cong_level)
{
	LOGP(DCIC, LOGL_NOTICE, "MTP-STATUS for DPC %u: cause %d, level %d\n", dpc, cause, cong_level);
}

static const struct mtp_user_ops gw_mtp_ops = {
	.transfer_ind = gw_mtp_transfer_ind,
	.pause_ind = gw_mtp_pause,
	.resume_ind = gw_mtp_resume,
	.status_ind = gw_mtp_status,
};

struct cic_group *gw_route_cic_group(struct gw *gw, const struct route *rt)
{
	return cic_group_find(gw->up, rt->isup_group);
}

/* Emergency calls refused or shed by admission (in the SIP thread or for an IAM) are counted
 * there atomically; once a second the main thread reports the new ones to the supervision. */
static void gw_adm_poll_cb(void *data)
{
	static const enum adm_verdict verdicts[2] = { ADM_SHED, ADM_REFUSE };
	struct gw *gw = data;
	unsigned v, r;

	for (v = 0; v < 2; v++) {
		for (r = ADM_R_NONE + 1; r < _NUM_ADM_REASON && r < 16; r++) {
			uint64_t now = adm_count(gw->adm, ADM_CLASS_EMERGENCY, verdicts[v], r);
			uint64_t n = now - gw->emerg_refused_seen[v][r];

			/* the window counts them; a burst beyond a second's worth changes no alarm */
			if (n > 1000)
				n = 1000;
			while (n--)
				esup_refused(gw->esup, "any", r);
			gw->emerg_refused_seen[v][r] = now;
		}
	}
	osmo_timer_schedule(&gw->adm_poll, 1, 0);
}

/* The signalling trace: each M3UA message as an SCTP DATA chunk between the association's
 * addresses (ports as configured, 0 where the kernel chose), so Wireshark decodes it as is. */
static uint32_t ipv4_host(const char *s)
{
	struct in_addr a;

	return s && inet_pton(AF_INET, s, &a) == 1 ? ntohl(a.s_addr) : 0;
}

static void gw_trace_cb(void *priv, struct m3ua_asp *asp, bool tx, const uint8_t *buf, size_t len,
			uint16_t stream)
{
	struct gw *gw = priv;
	const struct m3ua_asp_cfg *c = m3ua_asp_cfg(asp);
	uint32_t local = ipv4_host(c->local_ip[0] ? c->local_ip : "127.0.0.1");
	uint32_t remote = ipv4_host(c->remote_ip);
	struct timeval tv;

	osmo_gettimeofday(&tv, NULL);
	if (tx)
		pcap_trace_m3ua(gw->trace, &tv, local, c->local_port, remote, c->remote_port, stream, buf, len);
	else
		pcap_trace_m3ua(gw->trace, &tv, remote, c->remote_port, local, c->local_port, stream, buf, len);
}

static int gw_trace_start(struct gw *gw)
{
	unsigned i, j;

	if (!gw->trace_path)
		return 0;
	gw->trace = pcap_trace_open(gw, gw->trace_path);
	if (!gw->trace) {
		LOGP(DM3UA, LOGL_ERROR, "cannot open the signalling trace %s: %s\n", gw->trace_path,
		     strerror(errno));
		return -errno;
	}
	for (i = 0; i < gw->num_as; i++)
		for (j = 0; j < m3ua_as_num_asp(gw->as_bind[i].as); j++)
			m3ua_asp_set_trace(m3ua_as_asp(gw->as_bind[i].as, j), gw_trace_cb, gw);
	LOGP(DM3UA, LOGL_NOTICE, "signalling trace to %s\n", gw->trace_path);
	return 0;
}

/* --- life cycle ---------------------------------------------------------------------------- */

struct gw *gw_alloc(void *ctx)
{
	struct gw *gw = talloc_zero(ctx, struct gw);

	OSMO_ASSERT(gw);
	INIT_LLIST_HEAD(&gw->calls);
	gw->adm = adm_alloc(gw, NULL);
	gw->peers = peer_set_alloc(gw, GW_MAX_PEERS, gw_send_probe, gw);
	gw->routes = route_table_alloc(gw, 4096, 65536);
	gw->emerg = emergency_cfg_alloc(gw);
	gw->esup = esup_alloc(gw, NULL);
	gw->up = isup_up_alloc(gw, 0, 2 /* national */, &gw_isup_mtp_ops, gw);
	gw->call_ctrs = rate_ctr_group_alloc(gw, &call_ctrg_desc, 0);
	OSMO_ASSERT(gw->adm && gw->peers && gw->routes && gw->emerg && gw->esup && gw->up && gw->call_ctrs);
	isup_up_set_user(gw->up, &gw_cic_ops, gw);
	sip_fe_cfg_defaults(&gw->sip_cfg);
	gw->sip_cfg.num_listen = 0;	/* the config lists them; the default applies if it does not */
	gw->sip_cfg.num_trusted = 0;
	OSMO_STRLCPY_ARRAY(gw->sip_domain, "127.0.0.1");
	OSMO_STRLCPY_ARRAY(gw->site_name, "gw");
	OSMO_STRLCPY_ARRAY(gw->media.ip, "127.0.0.1");
	gw->media.rtp_base = 20000;
	gw->ni = 2;
	gw->ctrl_port = GW_CTRL_PORT;
	return gw;
}

int gw_start(struct gw *gw)
{
	struct sip_fe_cfg defaults;
	unsigned i;
	int rc;

	for (gw->num_as = 0; gw->num_as < GW_MAX_AS; gw->num_as++) {
		struct gw_as_bind *b = &gw->as_bind[gw->num_as];

		b->as = m3ua_vty_as(gw->num_as);
		if (!b->as)
			break;
		b->gw = gw;
		m3ua_as_set_user(b->as, &gw_mtp_ops, b);
	}
	if (!gw->num_as) {
		LOGP(DM3UA, LOGL_ERROR, "no 'as' in the config: no ISUP side\n");
		return -EINVAL;
	}
	for (i = 0; i < gw->num_dests; i++) {
		if (!m3ua_vty_as_find(gw->dests[i].as_name)) {
			LOGP(DM3UA, LOGL_ERROR, "destination %u: no 'as %s' in the config\n",
			     gw->dests[i].dpc, gw->dests[i].as_name);
			return -EINVAL;
		}
	}
	isup_up_set_opc(gw->up, gw->opc, gw->ni);
	isup_up_set_mtp(gw->up, &gw_isup_mtp_ops, gw);
	rc = gw_trace_start(gw);
	if (rc < 0)
		return rc;
	/* every DPC with circuits gets pause/resume indications from the AS that carries it */
	for (i = 0; i < route_table_count(gw->routes); i++) {
		struct route *r = route_table_at(gw->routes, i);
		struct cic_group *grp;

		if (r->type != ROUTE_TYPE_ISUP)
			continue;
		grp = cic_group_find(gw->up, r->isup_group);
		if (!grp) {
			LOGP(DROUTE, LOGL_ERROR, "route %s: circuit group '%s' does not exist\n",
			     r->name, r->isup_group);
			return -EINVAL;
		}
		m3ua_as_dest_add(gw_as_for_dpc(gw, cic_group_dpc(grp)), cic_group_dpc(grp));
	}

	sip_fe_cfg_defaults(&defaults);
	if (!gw->sip_cfg.num_listen) {
		memcpy(gw->sip_cfg.listen, defaults.listen, sizeof(defaults.listen));
		gw->sip_cfg.num_listen = defaults.num_listen;
	}
	if (!gw->sip_cfg.num_trusted) {
		memcpy(gw->sip_cfg.trusted, defaults.trusted, sizeof(defaults.trusted));
		gw->sip_cfg.num_trusted = defaults.num_trusted;
	}
	gw->sip_cfg.overload = gw_sip_overload;

	/* Finished calls' transactions stay for 64 x T1 (timer J over UDP): admission counts
	 * them next to the calls in progress when it corrects its per-call estimate. */
	adm_set_linger(gw->adm, gw->sip_cfg.sip_t1x64_ms ? gw->sip_cfg.sip_t1x64_ms : 32000);
	gw->sip = sip_fe_start(gw, &gw->sip_cfg, gw_sip_admit, gw, gw_sip_event, gw);
	if (!gw->sip)
		return -EIO;
	for (i = 0; i < gw->num_as; i++) {
		rc = m3ua_as_start(gw->as_bind[i].as);
		if (rc < 0)
			return rc;
	}
	/* The baseline is taken once the SIP stack and its thread are up: what they allocate to
	 * start (a few hundred KiB) is not call state and must not count against the budget. */
	rc = adm_jemalloc_start(gw->adm);
	if (rc < 0 && rc != -ENOTSUP)
		LOGP(DADM, LOGL_ERROR, "jemalloc sampling not started: %s\n", strerror(-rc));
	adm_log_ceiling(gw->adm);
	{
		clockid_t clk;

		if (!sip_fe_cpu_clock(gw->sip, &clk))
			adm_cpu_watch(gw->adm, clk);
		adm_cpu_start(gw->adm);
	}
	peer_set_start(gw->peers);
	osmo_timer_setup(&gw->adm_poll, gw_adm_poll_cb, gw);
	osmo_timer_schedule(&gw->adm_poll, 1, 0);
	LOGP(DCALL, LOGL_NOTICE, "gateway started: point code %u, %u routes\n", gw->opc,
	     route_table_count(gw->routes));
	return 0;
}

void gw_stop(struct gw *gw)
{
	struct call *call, *tmp;

	/* release every call towards both sides before the transports go */
	llist_for_each_entry_safe(call, tmp, &gw->calls, list)
		osmo_fsm_inst_term(call->fi, OSMO_FSM_TERM_REQUEST, NULL);
	/* the guard reads the SIP thread's CPU clock: stop it before the thread goes */
	adm_cpu_stop(gw->adm);
	if (gw->sip) {
		sip_fe_stop(gw->sip);
		gw->sip = NULL;
	}
	osmo_timer_del(&gw->adm_poll);
	adm_jemalloc_stop(gw->adm);
	m3ua_vty_free_all();
	if (gw->trace) {
		talloc_free(gw->trace);	/* closes the file */
		gw->trace = NULL;
	}
}
