/* peer_fsm.c - peer site health: UP / DEGRADED / DOWN from OPTIONS probes and RFC 7339 feedback, with hysteresis */
#include <osmocom/core/fsm.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/utils.h>
#include "common/log.h"
#include "admission/peer_internal.h"

#define S(x) (1 << (x))

static const struct value_string peer_fsm_event_names[] = {
	{ PEER_EV_PROBE_OK, "PROBE_OK" },
	{ PEER_EV_PROBE_FAIL, "PROBE_FAIL" },
	{ 0, NULL }
};

/* A good answer with feedback asking for reduction means alive but loaded. */
static enum peer_fsm_state healthy_state(const struct peer_feedback *fb)
{
	return fb && fb->present && fb->oc > 0 ? PEER_ST_DEGRADED : PEER_ST_UP;
}

static void store_oc(struct peer *p, const struct peer_feedback *fb)
{
	atomic_store(&p->oc, fb && fb->present ? (fb->oc > 100 ? 100 : fb->oc) : 0);
}

static void peer_st_down(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct peer *p = fi->priv;

	switch (event) {
	case PEER_EV_PROBE_OK:
		p->fail_in_row = 0;
		store_oc(p, data);
		if (++p->ok_in_row >= p->cfg.up_after)
			osmo_fsm_inst_state_chg(fi, healthy_state(data), 0, 0);
		break;
	case PEER_EV_PROBE_FAIL:
		p->ok_in_row = 0;
		p->fail_in_row++;
		break;
	}
}

/* UP and DEGRADED differ only in what the last feedback said. */
static void peer_st_alive(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct peer *p = fi->priv;
	enum peer_fsm_state next;

	switch (event) {
	case PEER_EV_PROBE_OK:
		p->fail_in_row = 0;
		p->ok_in_row++;
		store_oc(p, data);
		next = healthy_state(data);
		if (next != fi->state)
			osmo_fsm_inst_state_chg(fi, next, 0, 0);
		break;
	case PEER_EV_PROBE_FAIL:
		p->ok_in_row = 0;
		if (++p->fail_in_row >= p->cfg.down_after)
			osmo_fsm_inst_state_chg(fi, PEER_ST_DOWN, 0, 0);
		break;
	}
}

static void peer_enter(struct osmo_fsm_inst *fi, uint32_t prev_state)
{
	struct peer *p = fi->priv;

	atomic_store(&p->state, fi->state);
	if (fi->state == PEER_ST_DOWN) {
		atomic_store(&p->oc, 0);
		rate_ctr_inc(rate_ctr_group_get_ctr(p->ctrg, PEER_CTR_DOWN));
		LOGPFSML(fi, LOGL_NOTICE, "peer %s down after %u failed probes\n", p->name,
			 p->fail_in_row);
	} else if (prev_state == PEER_ST_DOWN) {
		peer_rebalance_joined(p);
		LOGPFSML(fi, LOGL_NOTICE, "peer %s usable (oc %u)\n", p->name, atomic_load(&p->oc));
	}
}

static const struct osmo_fsm_state peer_fsm_states[] = {
	[PEER_ST_DOWN] = {
		.name = "DOWN",
		.in_event_mask = S(PEER_EV_PROBE_OK) | S(PEER_EV_PROBE_FAIL),
		.out_state_mask = S(PEER_ST_UP) | S(PEER_ST_DEGRADED),
		.action = peer_st_down,
		.onenter = peer_enter,
	},
	[PEER_ST_UP] = {
		.name = "UP",
		.in_event_mask = S(PEER_EV_PROBE_OK) | S(PEER_EV_PROBE_FAIL),
		.out_state_mask = S(PEER_ST_DEGRADED) | S(PEER_ST_DOWN),
		.action = peer_st_alive,
		.onenter = peer_enter,
	},
	[PEER_ST_DEGRADED] = {
		.name = "DEGRADED",
		.in_event_mask = S(PEER_EV_PROBE_OK) | S(PEER_EV_PROBE_FAIL),
		.out_state_mask = S(PEER_ST_UP) | S(PEER_ST_DOWN),
		.action = peer_st_alive,
		.onenter = peer_enter,
	},
};

struct osmo_fsm peer_fsm = {
	.name = "peer",
	.states = peer_fsm_states,
	.num_states = ARRAY_SIZE(peer_fsm_states),
	.log_subsys = DPEER,
	.event_names = peer_fsm_event_names,
};

void peer_fsm_register(void)
{
	if (!osmo_fsm_find_by_name(peer_fsm.name))
		OSMO_ASSERT(osmo_fsm_register(&peer_fsm) == 0);
}
