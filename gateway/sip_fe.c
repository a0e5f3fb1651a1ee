/* sip_fe.c - SIP front end: the Sofia-SIP thread, the two bounded queues between it and main, counters */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/select.h>

#include "common/log.h"
#include "gateway/sip_priv.h"

/* Threads and memory (docs/architecture.md, "Event loops"):
 * - Sofia runs in its own thread in su_root_run(); main runs osmo_select_main().
 * - SIP -> main: osmo_it_q of struct sip_pending. They are malloc'd by the SIP thread and free'd
 *   by main after the callback: talloc is not thread safe and the two threads share no talloc
 *   tree. The queue is therefore never flushed with osmo_it_q_flush() (it would talloc_free);
 *   sip_fe_stop() drains it by hand.
 * - main -> SIP: su_msg to the root's task, one allocation per command (Sofia's malloc).
 * - Counters: atomics written by the SIP thread, copied into the rate_ctr_group by main. */

static const struct rate_ctr_desc sip_ctr_desc[] = {
	[SIP_CTR_RX_INVITE] = { "rx:invite", "INVITE requests received" },
	[SIP_CTR_RX_ACK] = { "rx:ack", "ACK requests received" },
	[SIP_CTR_RX_BYE] = { "rx:bye", "BYE requests received" },
	[SIP_CTR_RX_CANCEL] = { "rx:cancel", "CANCEL requests received" },
	[SIP_CTR_RX_OPTIONS] = { "rx:options", "OPTIONS requests received" },
	[SIP_CTR_RX_UPDATE] = { "rx:update", "UPDATE requests received" },
	[SIP_CTR_RX_PRACK] = { "rx:prack", "PRACK requests received" },
	[SIP_CTR_RX_OTHER] = { "rx:other", "other requests received" },
	[SIP_CTR_RX_RESPONSE] = { "rx:response", "responses received" },
	[SIP_CTR_TX_1XX] = { "tx:1xx", "provisional responses sent" },
	[SIP_CTR_TX_2XX] = { "tx:2xx", "2xx responses sent" },
	[SIP_CTR_TX_3XX] = { "tx:3xx", "3xx responses sent" },
	[SIP_CTR_TX_4XX] = { "tx:4xx", "4xx responses sent" },
	[SIP_CTR_TX_5XX] = { "tx:5xx", "5xx responses sent" },
	[SIP_CTR_TX_6XX] = { "tx:6xx", "6xx responses sent" },
	[SIP_CTR_TX_REQUEST] = { "tx:request", "requests sent" },
	[SIP_CTR_REFUSED_UNTRUSTED] = { "refused:untrusted", "stateless 403 to untrusted sources" },
	[SIP_CTR_REFUSED_ADMISSION] = { "refused:admission", "INVITEs refused by admission" },
	[SIP_CTR_REFUSED_QUEUE_FULL] = { "refused:queue-full", "INVITEs refused, event queue full" },
	[SIP_CTR_REFUSED_DIALOGS] = { "refused:dialogs", "INVITEs refused, dialog table full" },
	[SIP_CTR_REDIRECTED] = { "redirected", "INVITEs redirected (302) by admission" },
	[SIP_CTR_FORWARDED] = { "forwarded", "INVITEs forwarded statelessly by admission" },
	[SIP_CTR_MALFORMED] = { "malformed", "malformed requests (400)" },
	[SIP_CTR_DIALOGS_CREATED] = { "dialogs:created", "dialogs created" },
	[SIP_CTR_DIALOGS_FREED] = { "dialogs:freed", "dialogs freed" },
	[SIP_CTR_SESSION_EXPIRED] = { "session:expired", "calls released by session timer" },
	[SIP_CTR_EVQ_OVERFLOW] = { "evq:overflow", "events parked because the queue was full" },
	[SIP_CTR_CMD_REFUSED] = { "cmd:refused", "commands refused, command queue full" },
	[SIP_CTR_RX_RESPONSE_STRAY] = { "rx:response:stray", "responses whose top Via is not ours, dropped" },
};
osmo_static_assert(ARRAY_SIZE(sip_ctr_desc) == _NUM_SIP_CTR, sip_ctr_desc_complete);

static const struct rate_ctr_group_desc sip_ctrg_desc = {
	.group_name_prefix = "sip",
	.group_description = "SIP front end",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = _NUM_SIP_CTR,
	.ctr_desc = sip_ctr_desc,
};

static const struct osmo_stat_item_desc sip_stat_desc[] = {
	[SIP_STAT_DIALOGS] = { "dialogs", "dialogs held by the SIP thread", "", 16, 0 },
	[SIP_STAT_EVQ_LEN] = { "evq:length", "events waiting for the main thread", "", 16, 0 },
};
osmo_static_assert(ARRAY_SIZE(sip_stat_desc) == _NUM_SIP_STAT, sip_stat_desc_complete);

static const struct osmo_stat_item_group_desc sip_statg_desc = {
	.group_name_prefix = "sip",
	.group_description = "SIP front end",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = _NUM_SIP_STAT,
	.item_desc = sip_stat_desc,
};

void sip_ctr_tx_status(struct sip_fe *fe, int status)
{
	static const enum sip_ctr by_class[] = {
		[1] = SIP_CTR_TX_1XX, [2] = SIP_CTR_TX_2XX, [3] = SIP_CTR_TX_3XX,
		[4] = SIP_CTR_TX_4XX, [5] = SIP_CTR_TX_5XX, [6] = SIP_CTR_TX_6XX,
	};
	int cls = status / 100;

	if (cls >= 1 && cls <= 6)
		sip_ctr_inc(fe, by_class[cls]);
}

void sip_fe_cfg_defaults(struct sip_fe_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen[0] = (struct sip_listen){ .tp = SIP_TP_UDP, .host = "127.0.0.1", .port = 5060 };
	cfg->num_listen = 1;
	sip_cidr_parse("127.0.0.0/8", &cfg->trusted[0]);
	cfg->num_trusted = 1;
	cfg->max_dialogs = 10000;
	cfg->event_queue_len = 1000;
	/* Every call can have at most a few events of its own in flight (ACK, CANCEL/BYE,
	 * expiry, TERMINATED): four per dialog means the reserve never runs out. */
	cfg->event_reserve = 4 * cfg->max_dialogs;
	cfg->cmd_queue_len = 1000;
	cfg->session_expires = 1800;
	cfg->min_se = 90;
	cfg->rel100 = SIP_100REL_IF_REQUIRED;
	cfg->sock_buf = 4 * 1024 * 1024;
}

int sip_cidr_parse(const char *s, struct sip_cidr *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	unsigned bits = 32;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	if (slash) {
		char *end;
		unsigned long b = strtoul(slash + 1, &end, 10);
		if (*end || end == slash + 1 || b > 32)
			return -EINVAL;
		bits = b;
		buf[slash - s] = '\0';
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	out->mask = bits ? 0xffffffffu << (32 - bits) : 0;
	out->net = ntohl(a.s_addr) & out->mask;
	return 0;
}

/* --- SIP thread -> main --- */

struct sip_pending *sip_ev_alloc(enum sip_event_type type, uint32_t ref, size_t strings_len)
{
	struct sip_pending *p = calloc(1, sizeof(*p) + strings_len);

	if (!p)
		return NULL;
	p->ev.type = type;
	p->ev.call_ref = ref;
	p->ev.sdp = "";
	return p;
}

static void overflow_retry(struct sip_stack *stk);

static void overflow_timer_cb(su_root_magic_t *magic, su_timer_t *t, struct sip_call *unused)
{
	overflow_retry(magic);
}

/* Park an event the full queue did not take; retried every 10 ms, in order */
static void overflow_park(struct sip_stack *stk, struct sip_pending *p)
{
	p->next = NULL;
	if (stk->overflow_tail)
		stk->overflow_tail->next = p;
	else
		stk->overflow_head = p;
	stk->overflow_tail = p;
	sip_ctr_inc(stk->fe, SIP_CTR_EVQ_OVERFLOW);
	if (!su_timer_is_set(stk->overflow_timer))
		su_timer_set(stk->overflow_timer, overflow_timer_cb, NULL);
}

static int evq_put(struct sip_fe *fe, struct sip_pending *p)
{
	int rc;

	atomic_fetch_add(&fe->evq_len, 1);
	rc = osmo_it_q_enqueue(fe->evq, p, list);
	if (rc < 0)
		atomic_fetch_sub(&fe->evq_len, 1);
	return rc;
}

static void overflow_retry(struct sip_stack *stk)
{
	struct sip_pending *p;

	while ((p = stk->overflow_head)) {
		if (evq_put(stk->fe, p) < 0)
			break;
		stk->overflow_head = p->next;
		if (!stk->overflow_head)
			stk->overflow_tail = NULL;
	}
	if (stk->overflow_head)
		su_timer_set(stk->overflow_timer, overflow_timer_cb, NULL);
}

/* Events of existing calls are never dropped: reserve first, then the overflow list. A new call
 * (SIP_EV_INVITE) gets -ENOSPC when the non-reserved part is full; the caller refuses the INVITE. */
int sip_ev_send(struct sip_stack *stk, struct sip_pending *p)
{
	struct sip_fe *fe = stk->fe;

	if (p->ev.type == SIP_EV_INVITE) {
		if (atomic_load(&fe->evq_len) >= fe->cfg.event_queue_len || stk->overflow_head)
			return -ENOSPC;
		return evq_put(fe, p);
	}
	if (stk->overflow_head || evq_put(fe, p) < 0)
		overflow_park(stk, p);
	return 0;
}

void sip_ev_simple(struct sip_stack *stk, enum sip_event_type type, uint32_t ref, int status, int q850,
		   const char *sdp, size_t sdp_len)
{
	struct sip_pending *p;

	if (!sdp)
		sdp_len = 0;
	p = sip_ev_alloc(type, ref, sdp_len + 1);
	if (!p) {
		LOGP(DSIP, LOGL_ERROR, "call %08x: no memory for event %d\n", ref, type);
		return;
	}
	p->ev.status = status;
	p->ev.q850_cause = q850;
	if (sdp_len) {
		memcpy(p->strings, sdp, sdp_len);
		p->ev.sdp = p->strings;
		p->ev.sdp_len = sdp_len;
	}
	sip_ev_send(stk, p);
}

/* main thread: one queued event */
static void evq_read_cb(struct osmo_it_q *q, struct llist_head *item)
{
	struct sip_fe *fe = q->data;
	struct sip_pending *p = llist_entry(item, struct sip_pending, list);

	atomic_fetch_sub(&fe->evq_len, 1);
	if (p->ev.type == SIP_EV_INVITE)
		p->ev.sdp = p->ev.ci.sdp;
	fe->event_cb(fe->priv, &p->ev);
	free(p);
}

/* --- main -> SIP thread --- */

static void sip_cmd_wakeup(struct sip_stack *stk, su_msg_r msg, struct sip_cmd *cmd)
{
	struct sip_fe *fe = stk->fe;
	struct sip_call *call;

	if (cmd->creates_state)
		atomic_fetch_sub(&fe->cmd_len, 1);

	switch (cmd->type) {
	case SIP_CMD_RESPOND:
		sip_uas_respond(stk, cmd);
		break;
	case SIP_CMD_BYE:
		call = sip_call_find(stk, cmd->ref);
		if (call)
			sip_call_send_bye(call, cmd->q850_cause);
		break;
	case SIP_CMD_INVITE:
		sip_uac_invite(stk, cmd);
		break;
	case SIP_CMD_CANCEL:
		sip_uac_cancel(stk, cmd);
		break;
	case SIP_CMD_OPTIONS:
		sip_uac_options(stk, cmd);
		break;
	case SIP_CMD_STOP:
		su_root_break(stk->root);
		break;
	}
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *spack(char **pos, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = *pos;
	strcpy(d, s);
	*pos += strlen(s) + 1;
	return d;
}

/* Commands that create state count against cmd_queue_len; the others (answers, releases) always go */
static int cmd_send(struct sip_fe *fe, const struct sip_cmd *tmpl, size_t strings_len)
{
	su_msg_r m = SU_MSG_R_INIT;
	struct sip_cmd *cmd;
	char *pos;

	if (tmpl->creates_state) {
		if (atomic_fetch_add(&fe->cmd_len, 1) >= fe->cfg.cmd_queue_len) {
			atomic_fetch_sub(&fe->cmd_len, 1);
			sip_ctr_inc(fe, SIP_CTR_CMD_REFUSED);
			return -ENOSPC;
		}
	}
	if (su_msg_create(m, su_root_task(fe->root), su_task_null, sip_cmd_wakeup,
			  sizeof(*cmd) + strings_len) < 0)
		goto nomem;
	cmd = su_msg_data(m);
	*cmd = *tmpl;
	pos = cmd->strings;
	cmd->reason = spack(&pos, tmpl->reason);
	cmd->sdp = spack(&pos, tmpl->sdp);
	cmd->target_uri = spack(&pos, tmpl->target_uri);
	cmd->next_hop = spack(&pos, tmpl->next_hop);
	cmd->from_uri = spack(&pos, tmpl->from_uri);
	cmd->from_display = spack(&pos, tmpl->from_display);
	cmd->pai_uri = spack(&pos, tmpl->pai_uri);
	cmd->cpc = spack(&pos, tmpl->cpc);
	if (su_msg_send(m) < 0)
		goto nomem;
	return 0;
nomem:
	su_msg_destroy(m);
	if (tmpl->creates_state)
		atomic_fetch_sub(&fe->cmd_len, 1);
	return -ENOMEM;
}

static size_t cmd_strings_len(const struct sip_cmd *c)
{
	return slen(c->reason) + slen(c->sdp) + slen(c->target_uri) + slen(c->next_hop) + slen(c->from_uri)
	       + slen(c->from_display) + slen(c->pai_uri) + slen(c->cpc);
}

int sip_fe_respond(struct sip_fe *fe, uint32_t call_ref, int status, const char *reason, const char *sdp,
		   int q850_cause)
{
	struct sip_cmd c = { .type = SIP_CMD_RESPOND, .ref = call_ref, .status = status, .reason = reason,
			     .sdp = sdp, .q850_cause = q850_cause };

	if (status < 100 || status > 699)
		return -EINVAL;
	return cmd_send(fe, &c, cmd_strings_len(&c));
}

int sip_fe_redirect(struct sip_fe *fe, uint32_t call_ref, const char *contact, int q850_cause)
{
	struct sip_cmd c = { .type = SIP_CMD_RESPOND, .ref = call_ref, .status = 302,
			     .target_uri = contact, .q850_cause = q850_cause };

	if (!contact || !*contact)
		return -EINVAL;
	return cmd_send(fe, &c, cmd_strings_len(&c));
}

int sip_fe_bye(struct sip_fe *fe, uint32_t call_ref, int q850_cause)
{
	struct sip_cmd c = { .type = SIP_CMD_BYE, .ref = call_ref, .q850_cause = q850_cause };

	return cmd_send(fe, &c, 0);
}

int sip_fe_cancel(struct sip_fe *fe, uint32_t call_ref, int q850_cause)
{
	struct sip_cmd c = { .type = SIP_CMD_CANCEL, .ref = call_ref, .q850_cause = q850_cause };

	return cmd_send(fe, &c, 0);
}

int sip_fe_invite(struct sip_fe *fe, uint32_t call_ref, const struct sip_invite_req *req)
{
	struct sip_cmd c = { .type = SIP_CMD_INVITE, .ref = call_ref, .creates_state = true,
			     .target_uri = req->target_uri, .next_hop = req->next_hop,
			     .from_uri = req->from_uri, .from_display = req->from_display,
			     .pai_uri = req->pai_uri, .cpc = req->cpc, .sdp = req->sdp,
			     .privacy_id = req->privacy_id };

	if ((call_ref & SIP_REF_INCOMING) || !req->target_uri || !req->from_uri)
		return -EINVAL;
	return cmd_send(fe, &c, cmd_strings_len(&c));
}

int sip_fe_options(struct sip_fe *fe, uint32_t probe_ref, const char *target_uri)
{
	struct sip_cmd c = { .type = SIP_CMD_OPTIONS, .ref = probe_ref, .creates_state = true,
			     .target_uri = target_uri };

	if (!target_uri)
		return -EINVAL;
	return cmd_send(fe, &c, cmd_strings_len(&c));
}

/* --- the SIP thread --- */

static int agent_cb(struct sip_stack *stk, nta_agent_t *agent, msg_t *msg, sip_t *sip)
{
	return sip_uas_agent_cb(stk, agent, msg, sip);
}

/* NTA answers unparsable requests with 400 itself, before our callback: take its count */
static void stats_timer_cb(su_root_magic_t *stk, su_timer_t *t, struct sip_call *unused)
{
	usize_t bad = 0;

	nta_agent_get_stats(stk->agent, NTATAG_S_BAD_REQUEST_REF(bad), TAG_END());
	atomic_store(&stk->fe->ctr[SIP_CTR_MALFORMED], bad);
}

/* What one read from a TCP connection may hold. Sofia reads everything waiting on the socket
 * into one message buffer and splits it afterwards, so NTATAG_MAXSIZE bounds that read, not a
 * single message: at 64 KB the backlog of a busy trunk (4,000 calls/s over one connection)
 * was taken for an oversized message, answered 413 and the connection closed, failing every
 * call on it. The TCP receive buffer is capped below it (SIP_TCP_RCVBUF, inherited by the
 * accepted connections), so a backlog can never reach it and the kernel pushes back on the
 * sender instead; a single message over it still gets 413. Sofia's own default is 2 MB per
 * connection, held before our callback can see whether the source is trusted. */
#define SIP_MSG_MAX (512 * 1024)
/* SO_RCVBUF of the TCP listeners (the kernel doubles it for its bookkeeping). */
#define SIP_TCP_RCVBUF (128 * 1024)

/* The listening socket Sofia opened for host:port over TCP, found among our descriptors (tport
 * has no public accessor): its receive buffer is what the accepted connections inherit. */
static int tcp_listener_cap_rcvbuf(const char *host, unsigned port)
{
	struct sockaddr_in want = { .sin_family = AF_INET, .sin_port = htons(port) };
	DIR *d;
	struct dirent *e;
	int found = -ENOENT;

	if (inet_pton(AF_INET, host, &want.sin_addr) != 1)
		return -EINVAL;
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);
		int fd = atoi(e->d_name), type = 0, acc = 0, v = SIP_TCP_RCVBUF;
		socklen_t ol = sizeof(type), al = sizeof(acc);

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ol) || type != SOCK_STREAM)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) || !acc)
			continue;
		if (getsockname(fd, (struct sockaddr *)&sa, &len) || sa.sin_family != AF_INET
		    || sa.sin_port != want.sin_port
		    || (want.sin_addr.s_addr != INADDR_ANY && sa.sin_addr.s_addr != want.sin_addr.s_addr))
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)))
			found = -errno;
		else
			found = 0;
	}
	closedir(d);
	return found;
}

static int listen_add(struct sip_stack *stk, const struct sip_listen *l, bool first)
{
	char url[128];
	unsigned buf = stk->fe->cfg.sock_buf;

	snprintf(url, sizeof(url), "sip:%s:%u;transport=%s", l->host, l->port,
		 l->tp == SIP_TP_TCP ? "tcp" : "udp");
	if (first) {
		const struct sip_fe_cfg *cfg = &stk->fe->cfg;
		stk->agent = nta_agent_create(stk->root, sip_url_str(url), agent_cb, stk,
					      NTATAG_UA(1),
					      NTATAG_SERVER_RPORT(1),
					      NTATAG_CANCEL_487(1),
					      NTATAG_REL100(0),
					      NTATAG_MAX_PROCEEDING(cfg->max_dialogs),
					      NTATAG_MAXSIZE(SIP_MSG_MAX),
					      TAG_IF(cfg->sip_t1x64_ms, NTATAG_SIP_T1X64(cfg->sip_t1x64_ms)),
					      TAG_IF(buf, TPTAG_UDP_RMEM(buf)),
					      TAG_IF(buf, TPTAG_UDP_WMEM(buf)),
					      TAG_END());
		if (!stk->agent)
			return -EADDRNOTAVAIL;
		snprintf(stk->contact, sizeof(stk->contact), "<sip:%s:%u;transport=%s>", l->host, l->port,
			 l->tp == SIP_TP_TCP ? "tcp" : "udp");
		return 0;
	}
	if (nta_agent_add_tport(stk->agent, sip_url_str(url), TAG_IF(buf, TPTAG_UDP_RMEM(buf)),
				TAG_IF(buf, TPTAG_UDP_WMEM(buf)), TAG_END()) < 0)
		return -EADDRNOTAVAIL;
	return 0;
}

static void started(struct sip_fe *fe, int rc)
{
	pthread_mutex_lock(&fe->start_mtx);
	fe->start_rc = rc;
	pthread_cond_signal(&fe->start_cond);
	pthread_mutex_unlock(&fe->start_mtx);
}

static void stack_free(struct sip_stack *stk)
{
	struct sip_pending *p;

	sip_call_free_all(stk);
	sip_uac_free_probes(stk);
	if (stk->stats_timer)
		su_timer_destroy(stk->stats_timer);
	if (stk->overflow_timer)
		su_timer_destroy(stk->overflow_timer);
	/* main no longer reads the queue: parked events go nowhere */
	while ((p = stk->overflow_head)) {
		stk->overflow_head = p->next;
		free(p);
	}
	if (stk->agent)
		nta_agent_destroy(stk->agent);
	if (stk->root)
		su_root_destroy(stk->root);
	free(stk->hash);
	su_home_deinit(stk->home);
	free(stk);
	su_deinit();
}

static void sip_thread_run(struct sip_fe *fe)
{
	struct sip_stack *stk;
	unsigned i, n;
	int rc;

	if (su_init() != 0) {
		started(fe, -ENOMEM);
		return;
	}
	stk = calloc(1, sizeof(*stk));
	if (!stk) {
		su_deinit();
		started(fe, -ENOMEM);
		return;
	}
	stk->fe = fe;
	INIT_LLIST_HEAD(&stk->probes);
	su_home_init(stk->home);
	for (n = 16; n < 2 * fe->cfg.max_dialogs; n <<= 1)
		;
	stk->hash = calloc(n, sizeof(*stk->hash));
	stk->hash_mask = n - 1;
	stk->next_ref = 1;
	stk->root = su_root_create(stk);
	if (!stk->hash || !stk->root) {
		stack_free(stk);
		started(fe, -ENOMEM);
		return;
	}
	su_root_threading(stk->root, 0);
	for (i = 0; i < fe->cfg.num_listen; i++) {
		const struct sip_listen *l = &fe->cfg.listen[i];

		rc = listen_add(stk, l, i == 0);
		if (rc < 0) {
			LOGP(DSIP, LOGL_ERROR, "cannot listen on %s:%u\n", l->host, l->port);
			stack_free(stk);
			started(fe, rc);
			return;
		}
		if (l->tp == SIP_TP_TCP && (rc = tcp_listener_cap_rcvbuf(l->host, l->port)) < 0)
			LOGP(DSIP, LOGL_ERROR, "TCP %s:%u: receive buffer not capped (%s): a backlog over "
			     "%u KB would close the connection\n", l->host, l->port, strerror(-rc),
			     SIP_MSG_MAX / 1024);
	}
	stk->stats_timer = su_timer_create(su_root_task(stk->root), 500);
	stk->overflow_timer = su_timer_create(su_root_task(stk->root), 10);
	if (!stk->stats_timer || !stk->overflow_timer) {
		stack_free(stk);
		started(fe, -ENOMEM);
		return;
	}
	su_timer_set_for_ever(stk->stats_timer, stats_timer_cb, NULL);

	fe->stk = stk;
	fe->root = stk->root;
	started(fe, 1);

	su_root_run(stk->root);

	stack_free(stk);
}

static void *sip_thread(void *arg)
{
	/* logging from this thread needs libosmocore's per-thread context */
	osmo_ctx_init("sip");
	sip_thread_run(arg);
	talloc_free(osmo_ctx);
	return NULL;
}

/* --- main thread --- */

/* P-Asserted-Identity and Privacy are parsed only by the extended message class. Sofia keeps the
 * default class in a global: it is installed once per process, before any SIP thread parses with
 * it. Each sip_extend_mclass(NULL) clones the class anew, so installing it per start would leak a
 * clone every time and swap the global under another front end's thread. */
static pthread_once_t mclass_once = PTHREAD_ONCE_INIT;

static void mclass_install(void)
{
	sip_update_default_mclass(sip_extend_mclass(NULL));
}

static void sync_timer_cb(void *data)
{
	struct sip_fe *fe = data;

	sip_fe_ctr_sync(fe);
	osmo_timer_schedule(&fe->sync_timer, 1, 0);
}

static int fe_destructor(struct sip_fe *fe)
{
	if (fe->statg)
		osmo_stat_item_group_free(fe->statg);
	if (fe->ctrg)
		rate_ctr_group_free(fe->ctrg);
	pthread_mutex_destroy(&fe->start_mtx);
	pthread_cond_destroy(&fe->start_cond);
	return 0;
}

struct sip_fe *sip_fe_start(void *ctx, const struct sip_fe_cfg *cfg, sip_admit_fn admit, void *admit_priv,
			    sip_event_fn event_cb, void *priv)
{
	static unsigned instance;
	struct sip_fe *fe;
	char qname[32];
	sigset_t all, old;
	int rc;

	if (!cfg->num_listen || cfg->num_listen > SIP_FE_MAX_LISTEN || cfg->num_trusted > SIP_FE_MAX_TRUSTED
	    || !cfg->max_dialogs || !cfg->event_queue_len || !cfg->cmd_queue_len || !admit || !event_cb)
		return NULL;
	fe = talloc_zero(ctx, struct sip_fe);
	if (!fe)
		return NULL;
	fe->cfg = *cfg;
	fe->admit = admit;
	fe->admit_priv = admit_priv;
	fe->event_cb = event_cb;
	fe->priv = priv;
	pthread_mutex_init(&fe->start_mtx, NULL);
	pthread_cond_init(&fe->start_cond, NULL);
	talloc_set_destructor(fe, fe_destructor);

	fe->ctrg = rate_ctr_group_alloc(fe, &sip_ctrg_desc, instance);
	fe->statg = osmo_stat_item_group_alloc(fe, &sip_statg_desc, instance);
	snprintf(qname, sizeof(qname), "sip_ev%u", instance++);
	fe->evq = osmo_it_q_alloc(fe, qname, cfg->event_queue_len + cfg->event_reserve, evq_read_cb, fe);
	if (!fe->ctrg || !fe->statg || !fe->evq)
		goto fail;
	if (osmo_fd_register(&fe->evq->event_ofd) < 0)
		goto fail;

	pthread_once(&mclass_once, mclass_install);
	/* signals go to the main thread: its poll() must see them (quit, dumps) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&fe->thread, NULL, sip_thread, fe);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		goto fail_fd;
	pthread_mutex_lock(&fe->start_mtx);
	while (fe->start_rc == 0)
		pthread_cond_wait(&fe->start_cond, &fe->start_mtx);
	pthread_mutex_unlock(&fe->start_mtx);
	if (fe->start_rc < 0) {
		pthread_join(fe->thread, NULL);
		goto fail_fd;
	}
	osmo_timer_setup(&fe->sync_timer, sync_timer_cb, fe);
	osmo_timer_schedule(&fe->sync_timer, 1, 0);
	LOGP(DSIP, LOGL_NOTICE, "SIP front end up: %u listeners, max %u dialogs, queues %u+%u / %u\n",
	     cfg->num_listen, cfg->max_dialogs, cfg->event_queue_len, cfg->event_reserve, cfg->cmd_queue_len);
	return fe;

fail_fd:
	osmo_fd_unregister(&fe->evq->event_ofd);
fail:
	if (fe->evq)
		osmo_it_q_destroy(fe->evq);
	talloc_free(fe);
	return NULL;
}

int sip_fe_cpu_clock(struct sip_fe *fe, clockid_t *clk)
{
	return fe ? -pthread_getcpuclockid(fe->thread, clk) : -EINVAL;
}

void sip_fe_stop(struct sip_fe *fe)
{
	struct sip_cmd c = { .type = SIP_CMD_STOP };
	struct llist_head *item;

	if (!fe)
		return;
	/* The SIP thread sleeps in epoll: the command wakes it, su_root_break ends su_root_run */
	if (cmd_send(fe, &c, 0) == 0)
		pthread_join(fe->thread, NULL);
	osmo_timer_del(&fe->sync_timer);
	osmo_fd_unregister(&fe->evq->event_ofd);
	/* the thread is gone, nobody else touches the queue; libosmocore 1.7's dequeue must not be
	 * called on an empty queue (it does not return NULL then), hence the length check */
	while (fe->evq->current_length > 0) {
		item = _osmo_it_q_dequeue(fe->evq);
		free(llist_entry(item, struct sip_pending, list));
	}
	osmo_it_q_destroy(fe->evq);
	talloc_free(fe);
}

void sip_fe_ctr_sync(struct sip_fe *fe)
{
	unsigned i;

	for (i = 0; i < _NUM_SIP_CTR; i++) {
		struct rate_ctr *ctr = rate_ctr_group_get_ctr(fe->ctrg, i);
		uint64_t now = atomic_load_explicit(&fe->ctr[i], memory_order_relaxed);
		if (now > ctr->current)
			rate_ctr_add(ctr, now - ctr->current);
	}
	osmo_stat_item_set(osmo_stat_item_group_get_item(fe->statg, SIP_STAT_DIALOGS), atomic_load(&fe->dialogs));
	osmo_stat_item_set(osmo_stat_item_group_get_item(fe->statg, SIP_STAT_EVQ_LEN), atomic_load(&fe->evq_len));
}

struct osmo_stat_item_group *sip_fe_statg(struct sip_fe *fe)
{
	return fe->statg;
}

struct rate_ctr_group *sip_fe_ctrg(struct sip_fe *fe)
{
	return fe->ctrg;
}

uint64_t sip_fe_ctr_get(struct sip_fe *fe, enum sip_ctr ctr)
{
	sip_fe_ctr_sync(fe);
	return rate_ctr_group_get_ctr(fe->ctrg, ctr)->current;
}

unsigned sip_fe_dialogs(struct sip_fe *fe)
{
	return atomic_load(&fe->dialogs);
}

unsigned sip_fe_evq_len(struct sip_fe *fe)
{
	return atomic_load(&fe->evq_len);
}
