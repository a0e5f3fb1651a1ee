/* adm_cpu.c - CPU guard: an adaptive new-call rate that keeps the gateway's threads below a set CPU occupancy */
#include "config.h"
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include "common/log.h"
#include "admission/adm_internal.h"

/* Weight of a new occupancy reading: 1/4, so that bursts of a tenth of a second do not cut
 * the rate, while saturation is seen within a few hundred ms (two full intervals from 85 %). */
#define ADM_CPU_EWMA 0.25
/* Below the limit, the allowed rate grows by this share an interval (1.05^10 = 1.6 a second). */
#define ADM_CPU_RAISE 0.05
/* Never below this many new calls a second: the guard thins traffic, it does not stop it. */
#define ADM_CPU_FLOOR_CPS 10.0
/* The guard engages only while at least this many new calls a second are admitted. */
#define ADM_CPU_ENGAGE_CPS 50.0
/* The limit is lifted once it is this many times what was admitted and the CPU has room. */
#define ADM_CPU_LIFT 2.0

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t admitted_non_emergency(const struct adm *adm)
{
	return atomic_load(&adm->ctr[ADM_CLASS_ORDINARY][ADM_CTR_ADMITTED])
	       + atomic_load(&adm->ctr[ADM_CLASS_PRIORITY][ADM_CTR_ADMITTED]);
}

/* The GCRA of the allowed rate, with a tenth of a second's worth of burst. */
static void adm_cpu_set_rate(struct adm *adm, double cps)
{
	uint64_t iv = 0, tau = 0;

	if (cps > 0) {
		iv = (uint64_t)(1e9 / cps);
		tau = cps >= 10 ? (uint64_t)(cps / 10) * iv : iv;
	}
	atomic_store(&adm->c_interval_ns, iv);
	atomic_store(&adm->c_tau_ns, tau);
	atomic_store(&adm->c_limit_cps, (unsigned int)(cps + 0.5));
}

void adm_cpu_apply(struct adm *adm, unsigned int occ_pct, uint64_t dt_ns)
{
	uint64_t admitted = admitted_non_emergency(adm);
	double rate, limit_pct = adm->cfg.cpu_limit_pct, next, carry;

	rate = dt_ns ? (double)(admitted - adm->cpu.last_admitted) * 1e9 / (double)dt_ns : 0;
	adm->cpu.last_admitted = admitted;
	adm->cpu.occ = adm->cpu.occ * (1 - ADM_CPU_EWMA) + occ_pct * ADM_CPU_EWMA;
	atomic_store(&adm->c_occ_pct, (unsigned int)(adm->cpu.occ + 0.5));
	if (!adm->cfg.cpu_limit_pct || !dt_ns) {
		if (adm->cpu.limit > 0)
			adm_cpu_set_rate(adm, 0);
		adm->cpu.limit = 0;
		return;
	}
	/* What the CPU would carry at the limit, if calls cost what they cost in this interval. */
	carry = adm->cpu.occ > 0 ? rate * limit_pct / adm->cpu.occ : 0;
	next = adm->cpu.limit;
	if (adm->cpu.occ > limit_pct) {
		/* Busy with few new calls (start-up, a burst of releases, management): limiting
		 * calls would not free the CPU, and a limit set now would throttle the first calls
		 * that come. Engage only while calls are what the CPU is doing. */
		if (adm->cpu.limit == 0 && rate < ADM_CPU_ENGAGE_CPS)
			return;
		/* Cut in proportion: what was admitted, scaled to the occupancy we want. The
		 * rate already allowed bounds it, so a burst of refusals cannot raise it. */
		next = carry;
		if (adm->cpu.limit > 0 && next > adm->cpu.limit)
			next = adm->cpu.limit;
		if (next < ADM_CPU_FLOOR_CPS)
			next = ADM_CPU_FLOOR_CPS;
		if (adm->cpu.limit == 0)
			LOGP(DADM, LOGL_NOTICE, "admission: CPU at %.0f %% (limit %u %%): new calls "
			     "limited to %.0f a second\n", adm->cpu.occ, adm->cfg.cpu_limit_pct, next);
	} else if (adm->cpu.limit > 0) {
		/* Room: up by 5 %, or at once to what the CPU would carry, at most doubling. */
		next = adm->cpu.limit * (1 + ADM_CPU_RAISE) + 1;
		if (carry > next)
			next = carry;
		if (next > 2 * adm->cpu.limit)
			next = 2 * adm->cpu.limit;
		if (next > rate * ADM_CPU_LIFT && adm->cpu.occ < limit_pct * 0.9) {
			LOGP(DADM, LOGL_NOTICE, "admission: CPU at %.0f %%: new-call limit lifted\n",
			     adm->cpu.occ);
			next = 0;
		}
	}
	if (next != adm->cpu.limit)
		adm_cpu_set_rate(adm, next);
	adm->cpu.limit = next;
}

unsigned int adm_cpu_occupancy(const struct adm *adm)
{
	return atomic_load(&adm->c_occ_pct);
}

unsigned int adm_cpu_limit_cps(const struct adm *adm)
{
	return atomic_load(&adm->c_limit_cps);
}

int adm_cpu_watch(struct adm *adm, clockid_t clk)
{
	if (adm->cpu.nclk >= ADM_CPU_THREADS)
		return -ENOSPC;
	adm->cpu.clk[adm->cpu.nclk] = clk;
	adm->cpu.last_thr[adm->cpu.nclk] = clock_ns(clk);
	adm->cpu.nclk++;
	return 0;
}

/* Occupancy in percent of one CPU: the process's CPU time over the CPUs it may run on, or
 * the busiest watched thread's, whichever is higher (one saturated thread is saturation). */
static void adm_cpu_tick(void *data)
{
	struct adm *adm = data;
	uint64_t wall = clock_ns(CLOCK_MONOTONIC), proc = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t dt = wall - adm->cpu.last_wall;
	double occ = 0;

	if (dt) {
		occ = (double)(proc - adm->cpu.last_proc) * 100.0 / (double)dt / adm->cpu.ncpu;
		for (unsigned int i = 0; i < adm->cpu.nclk; i++) {
			uint64_t t = clock_ns(adm->cpu.clk[i]);
			double o;

			if (!t || t < adm->cpu.last_thr[i])	/* the thread has gone */
				continue;
			o = (double)(t - adm->cpu.last_thr[i]) * 100.0 / (double)dt;
			if (o > occ)
				occ = o;
			adm->cpu.last_thr[i] = t;
		}
	}
	adm->cpu.last_wall = wall;
	adm->cpu.last_proc = proc;
	adm_cpu_apply(adm, occ > 100 ? 100 : (unsigned int)occ, dt);
	osmo_timer_schedule(&adm->cpu.timer, 0, ADM_CPU_TICK_MS * 1000);
}

int adm_cpu_start(struct adm *adm)
{
	cpu_set_t set;
	clockid_t self;

	if (adm->cpu.running)
		return 0;
	adm->cpu.ncpu = 1;
	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		adm->cpu.ncpu = CPU_COUNT(&set);
	if (!pthread_getcpuclockid(pthread_self(), &self))
		adm_cpu_watch(adm, self);
	adm->cpu.last_wall = clock_ns(CLOCK_MONOTONIC);
	adm->cpu.last_proc = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	adm->cpu.last_admitted = admitted_non_emergency(adm);
	osmo_timer_setup(&adm->cpu.timer, adm_cpu_tick, adm);
	osmo_timer_schedule(&adm->cpu.timer, 0, ADM_CPU_TICK_MS * 1000);
	adm->cpu.running = true;
	LOGP(DADM, LOGL_INFO, "admission: CPU guard at %u %% over %u CPU(s), %u thread(s)\n",
	     adm->cfg.cpu_limit_pct, adm->cpu.ncpu, adm->cpu.nclk);
	return 0;
}

void adm_cpu_stop(struct adm *adm)
{
	if (!adm->cpu.running)
		return;
	osmo_timer_del(&adm->cpu.timer);
	adm->cpu.running = false;
}
