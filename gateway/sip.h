/* sip.h - SIP front end: Sofia-SIP NTA in its own thread, calls by uint32 ref (RFC 3261, 3262, 4028, 7339) */
#pragma once
#include <time.h>
#include <stdint.h>
#include <stddef.h>

struct sip_fe;
struct rate_ctr_group;

#define SIP_FE_MAX_LISTEN	8
#define SIP_FE_MAX_TRUSTED	64

/* Call refs chosen by the SIP thread for incoming calls have this bit set; refs chosen by the
 * call layer for outgoing calls (sip_fe_invite) must have it clear. */
#define SIP_REF_INCOMING	0x80000000u

enum sip_transport {
	SIP_TP_UDP,
	SIP_TP_TCP,
};

struct sip_listen {
	enum sip_transport tp;
	char host[64];		/* numeric IPv4 address */
	uint16_t port;
};

/* IPv4 network in host byte order */
struct sip_cidr {
	uint32_t net;
	uint32_t mask;
};

enum sip_100rel {
	SIP_100REL_NEVER,	/* provisionals unreliable unless the peer requires 100rel (then 420) */
	SIP_100REL_IF_REQUIRED,	/* reliable when the INVITE has Require: 100rel */
	SIP_100REL_IF_SUPPORTED,	/* reliable when the INVITE has Supported or Require: 100rel */
};

/* RFC 7339 overload control values, as carried on the Via */
struct sip_oc {
	int present;		/* 0: no oc parameters */
	unsigned oc;		/* loss percentage 0..100 */
	unsigned validity_ms;	/* oc-validity */
	uint64_t seq;		/* oc-seq */
	char algo[16];		/* oc-algo, "loss" */
};

/* Called in the SIP thread for OPTIONS and refusals: current own overload values. Thread-safe. */
typedef void (*sip_overload_fn)(void *admit_priv, struct sip_oc *oc);

struct sip_fe_cfg {
	struct sip_listen listen[SIP_FE_MAX_LISTEN];
	unsigned num_listen;
	struct sip_cidr trusted[SIP_FE_MAX_TRUSTED];
	unsigned num_trusted;		/* requests from other sources get a stateless 403 */
	unsigned max_dialogs;		/* incoming + outgoing calls held by the SIP thread */
	unsigned event_queue_len;	/* SIP -> main events that may create state (INVITE) */
	unsigned event_reserve;		/* extra room only for events of existing calls */
	unsigned cmd_queue_len;		/* main -> SIP commands that create state (INVITE, OPTIONS) */
	unsigned session_expires;	/* s, RFC 4028 Session-Expires we ask for / grant; 0 = off */
	unsigned min_se;		/* s, smallest Session-Expires accepted (422 below) */
	enum sip_100rel rel100;
	unsigned sip_t1x64_ms;		/* 0 = RFC 3261 default (32 s) */
	unsigned sock_buf;		/* UDP socket buffers, bytes */
	sip_overload_fn overload;	/* may be NULL: OPTIONS then carry no oc values */
};

enum sip_admit {
	SIP_ADMIT_ACCEPT,
	SIP_ADMIT_REJECT,	/* stateless response, status from sip_refusal (503 etc) */
	SIP_ADMIT_REDIRECT,	/* stateless 302 to sip_refusal.contact, shed_mark added to it */
	SIP_ADMIT_FORWARD,	/* stateless forward to sip_refusal.next_hop, shed_mark on the Request-URI */
};

/* Filled by the admission hook when it does not accept */
struct sip_refusal {
	int status;		/* default 503 */
	char reason[64];	/* default phrase for status when empty */
	unsigned retry_after;	/* s; 0 = no Retry-After */
	struct sip_oc oc;	/* put on the top Via of the response */
	char contact[256];	/* 302 target URI */
	char next_hop[256];	/* stateless forward: sip:host:port;transport=... */
	int q850_cause;		/* >0: Reason: Q.850;cause=N */
	char shed_mark[64];	/* redirect/forward: "x-gw-shed=<site>" (adm_shed_mark()); "" = "x-gw-shed" */
};

/* Strings point into the event (valid until the callback returns) or, for the admission hook,
 * into the request (valid during the call). Absent strings are "". */
struct sip_call_info {
	const char *ruri_user;
	int ruri_is_tel;
	int ruri_user_phone;	/* ;user=phone */
	const char *ruri_host;
	int ruri_sos;		/* urn:service:sos or urn:service:sos.* */
	const char *ruri;	/* whole Request-URI */
	const char *to_user;
	const char *from_user, *from_display;
	const char *pai_user;	/* first P-Asserted-Identity */
	int privacy_id;		/* Privacy: id */
	int privacy_header;	/* Privacy: header */
	const char *cpc;	/* cpc= of the PAI or From URI */
	const char *resource_priority;
	const char *sdp;
	size_t sdp_len;
	const char *src_ip;
	uint16_t src_port;
	enum sip_transport src_tp;
	const char *call_id;
	int max_forwards;	/* -1 when absent */
	int already_shed;	/* x-gw-shed parameter on the Request-URI or a Via: shed once already */
	int rel100_required;	/* Require: 100rel */
};

/* ISUP -> SIP: an outgoing INVITE */
struct sip_invite_req {
	const char *target_uri;	/* Request-URI and To, e.g. sip:+331234@10.0.0.1:5060 */
	const char *next_hop;	/* optional outbound proxy URI, NULL = target */
	const char *from_uri;
	const char *from_display;	/* NULL = none */
	const char *pai_uri;	/* NULL = no P-Asserted-Identity */
	int privacy_id;		/* adds Privacy: id */
	const char *cpc;	/* NULL or appended to From as ;cpc= */
	const char *sdp;	/* offer */
};

enum sip_event_type {
	SIP_EV_INVITE,		/* new incoming call: ci */
	SIP_EV_ACK,		/* ACK to our 2xx */
	SIP_EV_CANCEL,		/* peer cancelled before answer; 487 already sent (status 504: a
				 * reliable provisional was never PRACKed) */
	SIP_EV_BYE,		/* peer released; q850_cause from Reason (0 = none); 200 already sent.
				 * status 408: no ACK came for our 2xx, we sent the BYE ourselves */
	SIP_EV_PROGRESS,	/* 18x to our INVITE: status, sdp (may be empty) */
	SIP_EV_ANSWER,		/* 2xx to our INVITE, ACK sent: sdp */
	SIP_EV_FAILURE,		/* final >= 300 to our INVITE (or 408/503 locally): status, q850_cause */
	SIP_EV_SESSION_EXPIRED,	/* RFC 4028 refresh missed: BYE sent */
	SIP_EV_OPTIONS_RESULT,	/* probe answered: call_ref = probe_ref, status, oc */
	SIP_EV_TERMINATED,	/* everything for call_ref freed in the SIP thread; ref may be reused */
	_NUM_SIP_EV
};

struct sip_event {
	enum sip_event_type type;
	uint32_t call_ref;
	int status;
	int q850_cause;
	struct sip_oc oc;
	const char *sdp;	/* "" when none */
	size_t sdp_len;
	struct sip_call_info ci;	/* SIP_EV_INVITE only */
};

typedef enum sip_admit (*sip_admit_fn)(void *priv, const struct sip_call_info *ci, struct sip_refusal *ref);
typedef void (*sip_event_fn)(void *priv, const struct sip_event *ev);

/* Counters of the "sip" rate_ctr_group, in this order */
enum sip_ctr {
	SIP_CTR_RX_INVITE,
	SIP_CTR_RX_ACK,
	SIP_CTR_RX_BYE,
	SIP_CTR_RX_CANCEL,
	SIP_CTR_RX_OPTIONS,
	SIP_CTR_RX_UPDATE,
	SIP_CTR_RX_PRACK,
	SIP_CTR_RX_OTHER,
	SIP_CTR_RX_RESPONSE,
	SIP_CTR_TX_1XX,
	SIP_CTR_TX_2XX,
	SIP_CTR_TX_3XX,
	SIP_CTR_TX_4XX,
	SIP_CTR_TX_5XX,
	SIP_CTR_TX_6XX,
	SIP_CTR_TX_REQUEST,
	SIP_CTR_REFUSED_UNTRUSTED,
	SIP_CTR_REFUSED_ADMISSION,
	SIP_CTR_REFUSED_QUEUE_FULL,
	SIP_CTR_REFUSED_DIALOGS,
	SIP_CTR_REDIRECTED,
	SIP_CTR_FORWARDED,
	SIP_CTR_MALFORMED,
	SIP_CTR_DIALOGS_CREATED,
	SIP_CTR_DIALOGS_FREED,
	SIP_CTR_SESSION_EXPIRED,
	SIP_CTR_EVQ_OVERFLOW,
	SIP_CTR_CMD_REFUSED,
	SIP_CTR_RX_RESPONSE_STRAY,
	_NUM_SIP_CTR
};

/* Fill cfg with defaults (UDP 127.0.0.1:5060, trust 127.0.0.0/8, 10000 dialogs, ...) */
void sip_fe_cfg_defaults(struct sip_fe_cfg *cfg);
/* "10.0.0.0/8" or "10.1.2.3" -> cidr; -EINVAL */
int sip_cidr_parse(const char *s, struct sip_cidr *out);

/* Start the SIP thread (call from the thread running osmo_select_main, it registers the event
 * queue there). admit runs in the SIP thread, event_cb in the caller's thread. NULL on failure. */
struct sip_fe *sip_fe_start(void *ctx, const struct sip_fe_cfg *cfg, sip_admit_fn admit, void *admit_priv,
			    sip_event_fn event_cb, void *priv);
/* Stop the thread, free all its state (no events are delivered after it returns) */
void sip_fe_stop(struct sip_fe *fe);
/* The CPU clock of the SIP thread (for the admission CPU guard). 0 or -errno. */
int sip_fe_cpu_clock(struct sip_fe *fe, clockid_t *clk);

/* main -> SIP thread commands. 0 or -ENOSPC (command queue full, state-creating commands only),
 * -EINVAL, -ENOMEM. Commands on unknown refs are ignored in the SIP thread.
 * respond: incoming call before the final answer: 18x (reliable when 100rel applies), 2xx with SDP
 *   (then SIP_EV_ACK), >= 300 (then SIP_EV_TERMINATED).
 * bye: established call -> BYE; unanswered incoming call -> 480; outgoing before answer -> CANCEL.
 * invite: call_ref chosen by the caller, SIP_REF_INCOMING clear; ends in ANSWER or FAILURE.
 * cancel: outgoing call before the answer (after it: BYE); the INVITE then fails with 487.
 * options: probe; SIP_EV_OPTIONS_RESULT with probe_ref as call_ref, status and the peer's oc. */
int sip_fe_respond(struct sip_fe *fe, uint32_t call_ref, int status, const char *reason, const char *sdp,
		   int q850_cause);
/* Answer an incoming call not yet answered with 302 Moved Temporarily and this Contact: the
 * caller tries the call there (a peer site). */
int sip_fe_redirect(struct sip_fe *fe, uint32_t call_ref, const char *contact, int q850_cause);
int sip_fe_bye(struct sip_fe *fe, uint32_t call_ref, int q850_cause);
int sip_fe_invite(struct sip_fe *fe, uint32_t call_ref, const struct sip_invite_req *req);
int sip_fe_cancel(struct sip_fe *fe, uint32_t call_ref, int q850_cause);
int sip_fe_options(struct sip_fe *fe, uint32_t probe_ref, const char *target_uri);

/* Counters: copy the SIP thread's atomics into the group (main thread), and read it */
struct rate_ctr_group *sip_fe_ctrg(struct sip_fe *fe);
void sip_fe_ctr_sync(struct sip_fe *fe);
uint64_t sip_fe_ctr_get(struct sip_fe *fe, enum sip_ctr ctr);
/* Gauges of the "sip" osmo_stat_item_group, set by the main thread with the counters */
enum sip_stat {
	SIP_STAT_DIALOGS,	/* "dialogs": calls held by the SIP thread */
	SIP_STAT_EVQ_LEN,	/* "evq:length": events waiting for the main thread */
	_NUM_SIP_STAT
};
struct osmo_stat_item_group;
struct osmo_stat_item_group *sip_fe_statg(struct sip_fe *fe);
/* Gauge: dialogs held by the SIP thread now */
unsigned sip_fe_dialogs(struct sip_fe *fe);
/* Events waiting in the SIP -> main queue now */
unsigned sip_fe_evq_len(struct sip_fe *fe);
