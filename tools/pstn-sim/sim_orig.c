/* sim_orig.c - PSTN simulator: calls originated towards the gateway at a set rate (Q.764 2.1.1) */
#include <time.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "tools/pstn-sim/sim.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool done(const struct sim *sim)
{
	return sim->cfg.orig_count && sim->orig_sent >= sim->cfg.orig_count;
}

/* An idle circuit that neither side has blocked, searched downwards from the last one used:
 * the gateway usually seizes from the bottom, so this keeps dual seizure rare. */
static struct sim_cic *pick_cic(struct sim *sim)
{
	for (unsigned n = 0; n < sim->num_cics; n++) {
		unsigned i = (sim->orig_cursor + sim->num_cics - n) % sim->num_cics;
		struct sim_cic *c = &sim->cics[i];

		if (sim_cic_idle(c) && !c->local_blocked && !c->remote_blocked) {
			sim->orig_cursor = (i + sim->num_cics - 1) % sim->num_cics;
			return c;
		}
	}
	return NULL;
}

static void orig_tick(void *data)
{
	struct sim *sim = data;
	uint64_t now = now_ms();
	uint32_t interval = OSMO_MAX(1, OSMO_MIN(1000, (uint32_t)(1000.0 / sim->cfg.orig_rate)));

	if (sim_sg_active(sim)) {
		sim->orig_credit += (now - sim->orig_last_ms) * sim->cfg.orig_rate / 1000.0;
		/* a stall must not turn into a burst larger than the outstanding bound */
		if (sim->orig_credit > sim->cfg.orig_max_outstanding)
			sim->orig_credit = sim->cfg.orig_max_outstanding;
	} else {
		sim->orig_credit = 0;
	}
	sim->orig_last_ms = now;

	while (sim->orig_credit >= 1.0 && !done(sim)) {
		struct sim_cic *c;

		if (sim->orig_outstanding >= sim->cfg.orig_max_outstanding) {
			sim_ctr_inc(sim, SIM_CTR_ORIG_THROTTLED);
			break;
		}
		c = pick_cic(sim);
		if (!c) {
			sim_ctr_inc(sim, SIM_CTR_CALLS_NO_CIRCUIT);
			break;
		}
		sim_cic_dispatch(c, SIM_CIC_EV_ORIGINATE, NULL);
		if (sim_cic_idle(c))
			break;	/* the IAM could not be sent; try again next tick */
		sim->orig_sent++;
		sim->orig_credit -= 1.0;
	}
	if (done(sim)) {
		LOGP(DSIM, LOGL_NOTICE, "originated %u calls, done\n", sim->orig_sent);
		sim->orig_running = false;
		return;
	}
	osmo_timer_schedule(&sim->orig_timer, interval / 1000, (interval % 1000) * 1000);
}

void sim_orig_start(struct sim *sim)
{
	if (sim->cfg.orig_rate <= 0 || sim->orig_running || done(sim))
		return;
	sim->orig_running = true;
	if (!sim->orig_sent)
		sim->orig_cursor = sim->num_cics - 1;
	sim->orig_last_ms = now_ms();
	/* the first call goes out at once */
	sim->orig_credit = 1.0;
	osmo_timer_setup(&sim->orig_timer, orig_tick, sim);
	osmo_timer_schedule(&sim->orig_timer, 0, 0);
}

void sim_orig_stop(struct sim *sim)
{
	osmo_timer_del(&sim->orig_timer);
	sim->orig_running = false;
}

void sim_orig_done(struct sim *sim)
{
	if (sim->orig_outstanding)
		sim->orig_outstanding--;
}
