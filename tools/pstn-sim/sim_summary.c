/* sim_summary.c - PSTN simulator counters and the parseable "pstn-sim: key value" summary */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/isup.h"
#include "sigtran/m3ua.h"
#include "tools/pstn-sim/sim.h"

/* Names use ':' (rate_ctr mangles '.'); the summary prints them with '.'. */
static const struct rate_ctr_desc sim_ctr_desc[] = {
	[SIM_CTR_CALLS_IN] = { "calls:in", "IAMs received on an idle circuit" },
	[SIM_CTR_CALLS_OUT] = { "calls:out", "IAMs sent by the originator" },
	[SIM_CTR_CALLS_ANSWERED] = { "calls:answered", "calls answered, both directions" },
	[SIM_CTR_CALLS_ANSWERED_IN] = { "calls:answered:in", "incoming calls we answered (ANM sent)" },
	[SIM_CTR_CALLS_ANSWERED_OUT] = { "calls:answered:out", "originated calls answered (ANM/CON received)" },
	[SIM_CTR_CALLS_REJECTED] = { "calls:rejected", "incoming calls we released before answer" },
	[SIM_CTR_CALLS_FAILED] = { "calls:failed", "originated calls released by the gateway before answer" },
	[SIM_CTR_CALLS_ABANDONED] = { "calls:abandoned", "incoming calls released by the gateway before answer" },
	[SIM_CTR_CALLS_TIMEOUT] = { "calls:timeout", "originated calls cleared at T7/T9 expiry" },
	[SIM_CTR_CALLS_COMPLETED] = { "calls:completed", "answered calls cleared normally" },
	[SIM_CTR_CALLS_RESET] = { "calls:reset", "calls torn down by RSC/GRS" },
	[SIM_CTR_CALLS_NO_CIRCUIT] = { "calls:no_circuit", "originations without an idle circuit" },
	[SIM_CTR_CALLS_DUAL_SEIZURE] = { "calls:dual_seizure", "dual seizures (Q.764 2.10.1.4)" },
	[SIM_CTR_CALLS_REFUSED_BLOCKED] = { "calls:refused_blocked", "IAMs on a circuit we blocked" },
	[SIM_CTR_ORIG_THROTTLED] = { "orig:throttled", "originations deferred: outstanding bound reached" },
	[SIM_CTR_REL_RETX] = { "rel:retransmit", "REL repeated at T1 expiry" },
	[SIM_CTR_ERR_ISUP_DECODE] = { "errors:isup_decode", "ISUP messages that failed to decode" },
	[SIM_CTR_ERR_UNKNOWN_CIC] = { "errors:unknown_cic", "ISUP messages for a CIC not configured" },
	[SIM_CTR_ERR_UNEXPECTED] = { "errors:unexpected", "ISUP messages unexpected in the circuit state" },
	[SIM_CTR_ERR_WRONG_DPC] = { "errors:wrong_dpc", "DATA not addressed to our point code" },
	[SIM_CTR_ERR_WRONG_OPC] = { "errors:wrong_opc", "DATA from a point code other than the gateway's" },
	[SIM_CTR_ERR_NOT_ISUP] = { "errors:not_isup", "DATA for a service indicator other than ISUP" },
	[SIM_CTR_ERR_NO_ASP] = { "errors:no_asp", "messages not sent: no active ASP" },
	[SIM_CTR_ERR_TX] = { "errors:tx", "messages the transport refused" },
	[SIM_CTR_FAULT_DROP] = { "faults:drop", "connections dropped on command" },
	[SIM_CTR_FAULT_FLAP] = { "faults:flap", "flap cycles run" },
	[SIM_CTR_FAULT_GRS_STORM] = { "faults:grs", "GRS sent by grs-storm" },
	[SIM_CTR_FAULT_BLOCK] = { "faults:block", "CGB sent on command" },
	[SIM_CTR_FAULT_UNBLOCK] = { "faults:unblock", "CGU sent on command" },
	[SIM_CTR_FAULT_MALFORMED] = { "faults:malformed", "malformed messages sent" },
	[SIM_CTR_FAULT_DUNA] = { "faults:duna", "DUNA sent on command" },
	[SIM_CTR_FAULT_DAVA] = { "faults:dava", "DAVA sent on command" },
	[SIM_CTR_FAULT_SCON] = { "faults:scon", "SCON sent on command" },
	[SIM_CTR_FAULT_SLOW] = { "faults:slow", "slow commands" },
	[SIM_CTR_FAULT_BEAT] = { "faults:beat", "beat on/off commands" },
	[SIM_CTR_CTL_COMMANDS] = { "control:commands", "control commands run" },
	[SIM_CTR_CTL_BAD] = { "control:bad", "control commands refused" },
};

static const struct rate_ctr_group_desc sim_ctrg_desc = {
	.group_name_prefix = "pstn_sim",
	.group_description = "PSTN simulator",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(sim_ctr_desc),
	.ctr_desc = sim_ctr_desc,
};

/* ISUP types always printed, so that a test reads 0 rather than a missing key. */
static const uint8_t isup_always[] = {
	ISUP_MSGT_IAM, ISUP_MSGT_ACM, ISUP_MSGT_CPG, ISUP_MSGT_ANM, ISUP_MSGT_CON,
	ISUP_MSGT_REL, ISUP_MSGT_RLC, ISUP_MSGT_RSC, ISUP_MSGT_GRS, ISUP_MSGT_GRA,
	ISUP_MSGT_BLO, ISUP_MSGT_BLA, ISUP_MSGT_UBL, ISUP_MSGT_UBA,
	ISUP_MSGT_CGB, ISUP_MSGT_CGBA, ISUP_MSGT_CGU, ISUP_MSGT_CGUA,
};

static const char *const m3ua_class_names[16] = {
	[M3UA_CLS_MGMT] = "MGMT", [M3UA_CLS_XFER] = "XFER", [M3UA_CLS_SSNM] = "SSNM",
	[M3UA_CLS_ASPSM] = "ASPSM", [M3UA_CLS_ASPTM] = "ASPTM", [M3UA_CLS_RKM] = "RKM",
};

int sim_summary_init(struct sim *sim, void *ctx)
{
	sim->ctrg = rate_ctr_group_alloc(ctx, &sim_ctrg_desc, 0);
	return sim->ctrg ? 0 : -ENOMEM;
}

void sim_summary_free(struct sim *sim)
{
	rate_ctr_group_free(sim->ctrg);
	sim->ctrg = NULL;
}

void sim_ctr_inc(struct sim *sim, enum sim_ctr ctr)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(sim->ctrg, ctr));
}

void sim_count_m3ua(struct sim *sim, bool tx, uint8_t msg_class, uint8_t msg_type)
{
	/* out-of-range class/type of hostile input lands in the catch-all slot 15 */
	uint8_t c = msg_class < 15 ? msg_class : 15, t = msg_type < 15 ? msg_type : 15;

	if (tx) {
		sim->m3ua_tx[c][t]++;
		sim->m3ua_tx_class[c]++;
	} else {
		sim->m3ua_rx[c][t]++;
		sim->m3ua_rx_class[c]++;
	}
}

/* user+sys CPU of this process in microseconds, from /proc/self/stat (fields 14, 15). */
static uint64_t cpu_us(void)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;
	char *p;
	unsigned long long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces: fields count from the last ')' */
	p = strrchr(buf, ')');
	if (!p || hz <= 0)
		return 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (ut + st) * 1000000ULL / (unsigned long long)hz;
}

void sim_summary_cpu_mark(struct sim *sim)
{
	sim->cpu_base_us = cpu_us();
}

struct printer {
	void (*out)(void *priv, const char *line);
	void *priv;
};

static void print_line(void *priv, const char *key, uint64_t val)
{
	struct printer *p = priv;
	char buf[128];

	snprintf(buf, sizeof(buf), "pstn-sim: %s %" PRIu64, key, val);
	p->out(p->priv, buf);
}

static void line(void (*out)(void *, const char *), void *priv, const char *key, uint64_t val)
{
	struct printer p = { out, priv };

	print_line(&p, key, val);
}

static void causes(void (*out)(void *, const char *), void *priv, const char *what,
		   const uint64_t *tab)
{
	char key[64];

	for (unsigned c = 0; c < 128; c++) {
		if (!tab[c])
			continue;
		snprintf(key, sizeof(key), "%s.cause%u", what, c);
		line(out, priv, key, tab[c]);
	}
}

void sim_summary_print(struct sim *sim, void (*out)(void *priv, const char *line), void *priv)
{
	char key[64];
	uint64_t handled, used, idle = 0, busy = 0, lblk = 0, rblk = 0;

	for (unsigned i = 0; i < sim->ctrg->desc->num_ctr; i++) {
		const struct rate_ctr *ctr = rate_ctr_group_get_ctr(sim->ctrg, i);
		OSMO_STRLCPY_ARRAY(key, sim->ctrg->desc->ctr_desc[i].name);
		for (char *p = key; *p; p++)
			if (*p == ':')
				*p = '.';
		line(out, priv, key, ctr->current);
	}
	causes(out, priv, "calls.rejected", sim->rejected_cause);
	causes(out, priv, "calls.failed", sim->failed_cause);
	causes(out, priv, "calls.abandoned", sim->abandoned_cause);
	causes(out, priv, "calls.released", sim->released_cause);

	for (unsigned t = 0; t < 256; t++) {
		bool always = memchr(isup_always, t, sizeof(isup_always)) != NULL;
		const char *name = isup_msg_type_name(t);
		if (!always && !sim->isup_rx[t] && !sim->isup_tx[t])
			continue;
		if (!name || !*name || !strncmp(name, "unknown", 7)) {
			snprintf(key, sizeof(key), "rx.type%u", t);
			line(out, priv, key, sim->isup_rx[t]);
			snprintf(key, sizeof(key), "tx.type%u", t);
			line(out, priv, key, sim->isup_tx[t]);
			continue;
		}
		snprintf(key, sizeof(key), "rx.%s", name);
		line(out, priv, key, sim->isup_rx[t]);
		snprintf(key, sizeof(key), "tx.%s", name);
		line(out, priv, key, sim->isup_tx[t]);
	}

	for (unsigned c = 0; c < 16; c++) {
		const char *cname = m3ua_class_names[c] ? m3ua_class_names[c] : NULL;
		for (int dir = 0; dir < 2; dir++) {
			const uint64_t *cls = dir ? sim->m3ua_tx_class : sim->m3ua_rx_class;
			const uint64_t (*tab)[16] = dir ? sim->m3ua_tx : sim->m3ua_rx;
			const char *d = dir ? "tx" : "rx";
			if (!cls[c])
				continue;
			if (cname)
				snprintf(key, sizeof(key), "m3ua.%s.%s", d, cname);
			else
				snprintf(key, sizeof(key), "m3ua.%s.class%u", d, c);
			line(out, priv, key, cls[c]);
			for (unsigned t = 0; t < 16; t++) {
				const char *tname;
				if (!tab[c][t])
					continue;
				tname = cname ? m3ua_msg_name(c, t) : "unknown";
				if (!strcmp(tname, "unknown"))
					snprintf(key, sizeof(key), "m3ua.%s.class%u.type%u", d, c, t);
				else
					snprintf(key, sizeof(key), "m3ua.%s.%s", d, tname);
				line(out, priv, key, tab[c][t]);
			}
		}
	}

	for (unsigned i = 0; i < sim->num_cics; i++) {
		const struct sim_cic *c = &sim->cics[i];
		if (sim_cic_idle(c))
			idle++;
		else
			busy++;
		lblk += c->local_blocked;
		rblk += c->remote_blocked;
	}
	{
		struct printer p = { out, priv };
		sim_sg_summary(sim, print_line, &p);
	}
	line(out, priv, "cics.idle", idle);
	line(out, priv, "cics.busy", busy);
	line(out, priv, "cics.local_blocked", lblk);
	line(out, priv, "cics.remote_blocked", rblk);
	line(out, priv, "orig.outstanding", sim->orig_outstanding);
	/* constant between idle moments unless something leaks */
	line(out, priv, "mem.talloc_blocks", talloc_total_blocks(sim));

	handled = rate_ctr_group_get_ctr(sim->ctrg, SIM_CTR_CALLS_IN)->current +
		  rate_ctr_group_get_ctr(sim->ctrg, SIM_CTR_CALLS_OUT)->current;
	used = cpu_us();
	used = used > sim->cpu_base_us ? used - sim->cpu_base_us : 0;
	line(out, priv, "calls.handled", handled);
	line(out, priv, "cpu_us", used);
	line(out, priv, "cpu_us_per_call", handled ? used / handled : 0);
	out(priv, "pstn-sim: end");
}
