/* adm_jemalloc.c - call-caused memory measured from jemalloc stats.allocated, correcting the per-call estimate */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include "common/log.h"
#include "admission/adm_internal.h"
#ifdef HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* The per-call estimate is corrected only from this many calls in progress: below it the
 * baseline's noise would dominate the quotient. */
#define ADM_COST_MIN_CALLS 32
/* EWMA weight of a new sample: 1/8, so one odd sample moves the estimate little. */
#define ADM_COST_EWMA_SHIFT 3
/* The corrected estimate stays within [configured / 8, configured * 64]: a baseline that
 * drifted cannot make calls look free, nor one burst of lingering state stop all calls. */
#define ADM_COST_MIN_DIV 8
#define ADM_COST_MAX_MUL 64

bool adm_have_jemalloc(void)
{
#ifdef HAVE_JEMALLOC
	return true;
#else
	return false;
#endif
}

int adm_jemalloc_allocated(uint64_t *out)
{
#ifdef HAVE_JEMALLOC
	uint64_t epoch = 1;
	size_t allocated, len = sizeof(allocated), elen = sizeof(epoch);

	/* stats are cached per epoch: bump it so the read is current */
	if (mallctl("epoch", &epoch, &elen, &epoch, elen))
		return -EIO;
	if (mallctl("stats.allocated", &allocated, &len, NULL, 0))
		return -EIO;
	*out = allocated;
	return 0;
#else
	*out = 0;
	return -ENOTSUP;
#endif
}

uint64_t adm_baseline(const struct adm *adm)
{
	return adm->baseline;
}

uint64_t adm_measured(const struct adm *adm)
{
	return atomic_load(&adm->measured);
}

/* Lingering SIP transactions (finished calls whose transactions live until RFC 3261 timer J)
 * hold no ticket: they are what measured - charged captures as "unattributed" memory, so
 * `used` follows the truth at every sample. The per-call estimate, which reserves room for
 * calls admitted between two samples, is measured / (calls in progress + calls released
 * within the linger window): lingering state belongs to the calls that left it, and divided
 * by the calls in progress alone it would make each new call look as costly as all the
 * finished ones together, and shed a steady load whose memory is nowhere near the budget. */
void adm_apply_measurement(struct adm *adm, uint64_t measured)
{
	uint64_t calls = 0, charged = atomic_load(&adm->charged), cost, sample;
	uint64_t lo = adm->cfg.call_cost_estimate / ADM_COST_MIN_DIV;
	uint64_t hi = adm->cfg.call_cost_estimate * ADM_COST_MAX_MUL;

	for (int c = 0; c < _NUM_ADM_CLASS; c++)
		calls += atomic_load(&adm->cls_calls[c]);
	calls += adm_lingering_calls(adm);
	atomic_store(&adm->measured, measured);
	atomic_store(&adm->unattributed, measured > charged ? measured - charged : 0);
	adm->samples++;
	if (calls >= ADM_COST_MIN_CALLS) {
		sample = measured / calls;
		cost = atomic_load(&adm->cost);
		cost = cost - (cost >> ADM_COST_EWMA_SHIFT) + (sample >> ADM_COST_EWMA_SHIFT);
		if (cost < lo)
			cost = lo;
		if (cost > hi)
			cost = hi;
		atomic_store(&adm->cost, cost);
	}
	adm_update_state(adm);
}

int adm_sample(struct adm *adm)
{
	uint64_t allocated;
	int rc = adm_jemalloc_allocated(&allocated);

	if (rc)
		return rc;
	adm_apply_measurement(adm, allocated > adm->baseline ? allocated - adm->baseline : 0);
	return 0;
}

int adm_baseline_reset(struct adm *adm)
{
	uint64_t allocated;
	int rc = adm_jemalloc_allocated(&allocated);

	if (rc)
		return rc;
	adm->baseline = allocated;
	LOGP(DADM, LOGL_INFO, "admission: jemalloc baseline %" PRIu64 " bytes\n", allocated);
	return 0;
}

static void adm_sample_cb(void *data)
{
	struct adm *adm = data;

	adm_sample(adm);
	adm_expire_reservations(adm);
	adm_stats_flush(adm);
	osmo_timer_schedule(&adm->sample_timer, adm->cfg.sample_interval_ms / 1000,
			    (adm->cfg.sample_interval_ms % 1000) * 1000);
}

int adm_jemalloc_start(struct adm *adm)
{
	int rc = adm_baseline_reset(adm);

	osmo_timer_setup(&adm->sample_timer, adm_sample_cb, adm);
	adm->sampling = true;
	/* Without jemalloc the timer still flushes counters and gauges. */
	osmo_timer_schedule(&adm->sample_timer, adm->cfg.sample_interval_ms / 1000,
			    (adm->cfg.sample_interval_ms % 1000) * 1000);
	if (rc == -ENOTSUP)
		LOGP(DADM, LOGL_NOTICE, "admission: built without jemalloc, using the per-call "
		     "estimate alone\n");
	return rc;
}

void adm_jemalloc_stop(struct adm *adm)
{
	if (!adm->sampling)
		return;
	osmo_timer_del(&adm->sample_timer);
	adm->sampling = false;
}
