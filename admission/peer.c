/* peer.c - the set of peer sites: probe scheduling and least-loaded selection for shed calls (RFC 7339 loss feedback) */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>
#include "common/log.h"
#include "admission/peer_internal.h"

/* Calls-sent figures are halved for every peer when one passes this, keeping the ratios. */
#define PEER_SENT_DECAY (1ULL << 20)

const struct peer_cfg peer_cfg_default = {
	.addr = "",
	.port = 5060,
	.transport = PEER_TRANSPORT_UDP,
	.probe_interval_ms = 2000,
	.probe_timeout_ms = 1000,
	.up_after = 2,
	.down_after = 3,
	.weight = 1,
};

const struct value_string peer_state_names[] = {
	{ PEER_ST_DOWN, "down" },
	{ PEER_ST_UP, "up" },
	{ PEER_ST_DEGRADED, "degraded" },
	{ 0, NULL }
};

const struct value_string peer_transport_names[] = {
	{ PEER_TRANSPORT_UDP, "udp" },
	{ PEER_TRANSPORT_TCP, "tcp" },
	{ 0, NULL }
};

static const struct rate_ctr_desc peer_ctr_desc[] = {
	[PEER_CTR_PROBE_SENT] = { "probe:sent", "OPTIONS probes sent" },
	[PEER_CTR_PROBE_OK] = { "probe:ok", "Probes answered alive" },
	[PEER_CTR_PROBE_FAIL] = { "probe:fail", "Probes answered with a failure" },
	[PEER_CTR_PROBE_TIMEOUT] = { "probe:timeout", "Probes not answered in time" },
	[PEER_CTR_PROBE_SEND_ERR] = { "probe:send-error", "Probes that could not be sent" },
	[PEER_CTR_PROBE_LATE] = { "probe:late", "Answers with no probe outstanding" },
	[PEER_CTR_DOWN] = { "state:down", "Transitions to DOWN" },
};

static const struct rate_ctr_group_desc peer_ctrg_desc = {
	.group_name_prefix = "peer",
	.group_description = "Peer site",
	.class_id = OSMO_STATS_CLASS_PEER,
	.num_ctr = ARRAY_SIZE(peer_ctr_desc),
	.ctr_desc = peer_ctr_desc,
};

static void ctr_inc(struct peer *p, enum peer_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(p->ctrg, c));
}

static int peer_set_free_cb(struct peer_set *set)
{
	struct peer *p, *n;

	llist_for_each_entry_safe(p, n, &set->peers, list)
		peer_free(p);
	pthread_mutex_destroy(&set->lock);
	return 0;
}

struct peer_set *peer_set_alloc(void *ctx, unsigned int max_peers,
				int (*send_probe)(void *priv, struct peer *p), void *priv)
{
	struct peer_set *set;

	if (!max_peers || !send_probe)
		return NULL;
	set = talloc_zero(ctx, struct peer_set);
	if (!set)
		return NULL;
	peer_fsm_register();
	INIT_LLIST_HEAD(&set->peers);
	pthread_mutex_init(&set->lock, NULL);
	set->max = max_peers;
	set->send_probe = send_probe;
	set->priv = priv;
	talloc_set_destructor(set, peer_set_free_cb);
	return set;
}

void peer_set_free(struct peer_set *set)
{
	talloc_free(set);
}

void peer_set_start(struct peer_set *set)
{
	struct peer *p;

	set->running = true;
	llist_for_each_entry(p, &set->peers, list)
		peer_schedule_probe(p, 0);
}

unsigned int peer_set_count(const struct peer_set *set)
{
	return set->count;
}

struct peer *peer_set_next(struct peer_set *set, struct peer *prev)
{
	struct llist_head *next = prev ? prev->list.next : set->peers.next;

	return next == &set->peers ? NULL : llist_entry(next, struct peer, list);
}

struct peer *peer_find(struct peer_set *set, const char *name)
{
	struct peer *p;

	llist_for_each_entry(p, &set->peers, list)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static void peer_timeout_cb(void *data)
{
	struct peer *p = data;

	ctr_inc(p, PEER_CTR_PROBE_TIMEOUT);
	peer_probe_result(p, 0, NULL);
}

static void peer_probe_cb(void *data)
{
	struct peer *p = data;
	int rc;

	peer_schedule_probe(p, p->cfg.probe_interval_ms);
	/* one probe at a time: a slow peer is judged by its timeout, not flooded */
	if (p->probe_outstanding)
		return;
	rc = p->set->send_probe(p->set->priv, p);
	if (rc == 0) {
		peer_probe_sent(p);
		return;
	}
	ctr_inc(p, PEER_CTR_PROBE_SEND_ERR);
	LOGPFSML(p->fi, LOGL_INFO, "probe to %s not sent (%d)\n", p->name, rc);
	osmo_fsm_inst_dispatch(p->fi, PEER_EV_PROBE_FAIL, &(int){ 0 });
}

void peer_schedule_probe(struct peer *p, unsigned int ms)
{
	osmo_timer_schedule(&p->probe_timer, ms / 1000, (ms % 1000) * 1000);
}

static int peer_free_cb(struct peer *p)
{
	osmo_timer_del(&p->probe_timer);
	osmo_timer_del(&p->timeout_timer);
	pthread_mutex_lock(&p->set->lock);
	llist_del(&p->list);
	p->set->count--;
	pthread_mutex_unlock(&p->set->lock);
	if (p->fi)
		osmo_fsm_inst_free(p->fi);
	rate_ctr_group_free(p->ctrg);
	return 0;
}

struct peer *peer_alloc(struct peer_set *set, const char *name, int *err)
{
	struct peer *p;
	int rc = -ENOMEM;

	if (!name || !*name || strlen(name) > 32 || osmo_identifier_valid(name) == false) {
		rc = -EINVAL;
		goto fail;
	}
	if (peer_find(set, name)) {
		rc = -EEXIST;
		goto fail;
	}
	/* bounded by config: a full set refuses, it never grows */
	if (set->count >= set->max) {
		rc = -ENOSPC;
		goto fail;
	}
	p = talloc_zero(set, struct peer);
	if (!p)
		goto fail;
	p->set = set;
	p->cfg = peer_cfg_default;
	p->name = talloc_strdup(p, name);
	p->fi = osmo_fsm_inst_alloc(&peer_fsm, p, p, LOGL_INFO, name);
	p->ctrg = rate_ctr_group_alloc(p, &peer_ctrg_desc, set->count);
	if (!p->name || !p->fi || !p->ctrg) {
		if (p->fi)
			osmo_fsm_inst_free(p->fi);
		rate_ctr_group_free(p->ctrg);
		talloc_free(p);
		goto fail;
	}
	rate_ctr_group_set_name(p->ctrg, name);
	atomic_store(&p->state, PEER_ST_DOWN);
	osmo_timer_setup(&p->probe_timer, peer_probe_cb, p);
	osmo_timer_setup(&p->timeout_timer, peer_timeout_cb, p);
	pthread_mutex_lock(&set->lock);
	llist_add_tail(&p->list, &set->peers);
	set->count++;
	pthread_mutex_unlock(&set->lock);
	talloc_set_destructor(p, peer_free_cb);
	if (set->running)
		peer_schedule_probe(p, 0);
	if (err)
		*err = 0;
	return p;
fail:
	if (err)
		*err = rc;
	return NULL;
}

void peer_free(struct peer *p)
{
	talloc_free(p);
}

int peer_configure(struct peer *p, const struct peer_cfg *cfg)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (cfg->addr[0] && inet_pton(AF_INET, cfg->addr, &a4) != 1
	    && inet_pton(AF_INET6, cfg->addr, &a6) != 1)
		return -EINVAL;
	if (!cfg->port || !cfg->probe_interval_ms || !cfg->probe_timeout_ms || !cfg->up_after
	    || !cfg->down_after || !cfg->weight || cfg->transport > PEER_TRANSPORT_TCP)
		return -EINVAL;
	pthread_mutex_lock(&p->set->lock);
	p->cfg = *cfg;
	pthread_mutex_unlock(&p->set->lock);
	return 0;
}

const struct peer_cfg *peer_get_cfg(const struct peer *p)
{
	return &p->cfg;
}

const char *peer_name(const struct peer *p)
{
	return p->name;
}

enum peer_fsm_state peer_get_state(const struct peer *p)
{
	return atomic_load(&p->state);
}

uint8_t peer_get_oc(const struct peer *p)
{
	return atomic_load(&p->oc);
}

uint64_t peer_selected_count(const struct peer *p)
{
	return atomic_load(&p->selected);
}

struct rate_ctr_group *peer_ctrg(struct peer *p)
{
	return p->ctrg;
}

void peer_probe_sent(struct peer *p)
{
	ctr_inc(p, PEER_CTR_PROBE_SENT);
	p->probe_outstanding = true;
	osmo_timer_schedule(&p->timeout_timer, p->cfg.probe_timeout_ms / 1000,
			    (p->cfg.probe_timeout_ms % 1000) * 1000);
}

void peer_probe_result(struct peer *p, int status_code, const struct peer_feedback *oc)
{
	/* An answer after its timeout was already judged a failure: it must not count twice. */
	if (!p->probe_outstanding) {
		ctr_inc(p, PEER_CTR_PROBE_LATE);
		return;
	}
	p->probe_outstanding = false;
	osmo_timer_del(&p->timeout_timer);
	/* RFC 3261 11: any final answer to OPTIONS shows the peer alive, except a timeout (408)
	 * and server or global failures that say it cannot take calls. */
	if (status_code >= 200 && status_code < 500 && status_code != 408) {
		ctr_inc(p, PEER_CTR_PROBE_OK);
		osmo_fsm_inst_dispatch(p->fi, PEER_EV_PROBE_OK, (void *)oc);
		return;
	}
	if (status_code > 0)
		ctr_inc(p, PEER_CTR_PROBE_FAIL);
	osmo_fsm_inst_dispatch(p->fi, PEER_EV_PROBE_FAIL, &status_code);
}

/* Capacity share: weight scaled by what the peer still accepts (100 - oc). */
static uint64_t eff_weight(const struct peer *p)
{
	unsigned int oc = atomic_load(&p->oc);

	return (uint64_t)p->cfg.weight * (oc >= 100 ? 0 : 100 - oc);
}

static bool has_room(const struct peer *p, const struct peer *exclude)
{
	return p != exclude && atomic_load(&p->state) != PEER_ST_DOWN && eff_weight(p) > 0;
}

/* A peer joining (back) starts level with the least loaded of the others, so it is not
 * handed every shed call until its counter catches up. */
void peer_rebalance_joined(struct peer *p)
{
	struct peer *q;
	uint64_t ew = eff_weight(p), level = 0;
	bool any = false;

	pthread_mutex_lock(&p->set->lock);
	llist_for_each_entry(q, &p->set->peers, list) {
		uint64_t s;

		if (q == p || !has_room(q, NULL))
			continue;
		s = q->sent * ew / eff_weight(q);
		if (!any || s < level)
			level = s;
		any = true;
	}
	p->sent = level;
	pthread_mutex_unlock(&p->set->lock);
}

/* Load comparison weight: a peer reporting oc 100 still competes (at weight 1) for the calls
 * allowed to reach it (max_oc 100: emergency calls, which a full site takes from its reserve). */
static uint64_t sel_weight(const struct peer *p)
{
	uint64_t w = eff_weight(p);

	return w ? w : 1;
}

/* Called with set->lock held. Only peers whose reported oc is at most max_oc are candidates. */
static struct peer *select_locked(struct peer_set *set, const struct peer *exclude,
				  const char *exclude_name, unsigned int max_oc)
{
	struct peer *p, *best = NULL;
	int best_tier = 0;

	llist_for_each_entry(p, &set->peers, list) {
		unsigned int oc = atomic_load(&p->oc);
		int tier;

		if (p == exclude || atomic_load(&p->state) == PEER_ST_DOWN || oc > max_oc
		    || (oc >= 100 && max_oc < 100) || (exclude_name && !strcmp(p->name, exclude_name)))
			continue;
		tier = oc >= 100 ? 2 : atomic_load(&p->state) == PEER_ST_UP ? 0 : 1;
		if (best && tier > best_tier)
			continue;
		/* sent / weight compared by cross-multiplying: no division, no rounding */
		if (!best || tier < best_tier
		    || p->sent * sel_weight(best) < best->sent * sel_weight(p)) {
			best = p;
			best_tier = tier;
		}
	}
	if (best && ++best->sent >= PEER_SENT_DECAY)
		llist_for_each_entry(p, &set->peers, list)
			p->sent /= 2;
	if (best)
		atomic_fetch_add(&best->selected, 1);
	return best;
}

struct peer *peer_select(struct peer_set *set, const struct peer *exclude)
{
	struct peer *best;

	pthread_mutex_lock(&set->lock);
	best = select_locked(set, exclude, NULL, 99);
	pthread_mutex_unlock(&set->lock);
	return best;
}

int peer_select_target(struct peer_set *set, const char *exclude_name, struct peer_target *out)
{
	return peer_select_target_oc(set, exclude_name, 99, out);
}

int peer_select_target_oc(struct peer_set *set, const char *exclude_name, unsigned int max_oc,
			  struct peer_target *out)
{
	struct peer *best;

	pthread_mutex_lock(&set->lock);
	best = select_locked(set, NULL, exclude_name, max_oc);
	if (best) {
		OSMO_STRLCPY_ARRAY(out->name, best->name);
		OSMO_STRLCPY_ARRAY(out->addr, best->cfg.addr);
		out->port = best->cfg.port;
		out->transport = best->cfg.transport;
	}
	pthread_mutex_unlock(&set->lock);
	return best ? 0 : -ENOENT;
}
