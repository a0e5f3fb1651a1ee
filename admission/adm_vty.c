/* adm_vty.c - the "admission" config node and "show admission" */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include "common/vty_nodes.h"
#include "admission/adm_internal.h"

static struct adm *g_adm;

static struct cmd_node adm_node = {
	ADMISSION_NODE,
	"%s(config-admission)# ",
	1,
};

int adm_parse_bytes(const char *s, uint64_t *out)
{
	static const struct { char suffix; unsigned int shift; } units[] = {
		{ 'K', 10 }, { 'k', 10 }, { 'M', 20 }, { 'm', 20 }, { 'G', 30 }, { 'g', 30 },
	};
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (units[i].suffix == *end)
				break;
		if (i == ARRAY_SIZE(units) || end[1])
			return -EINVAL;
		shift = units[i].shift;
	}
	if (v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

/* The largest unit that divides the figure, so "2G" is written back as "2G". */
static const char *bytes_str(char *buf, size_t len, uint64_t v)
{
	static const struct { const char *suffix; unsigned int shift; } units[] = {
		{ "G", 30 }, { "M", 20 }, { "K", 10 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (v && !(v & ((1ULL << units[i].shift) - 1))) {
			snprintf(buf, len, "%" PRIu64 "%s", v >> units[i].shift, units[i].suffix);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* Every command edits a copy and applies it whole, so the hot path never sees half a change. */
static int apply(struct vty *vty, const struct adm_cfg *cfg)
{
	int rc = adm_configure(g_adm, cfg);

	if (rc) {
		vty_out(vty, "%% admission: rejected (%s)%s", strerror(-rc), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_admission, cfg_admission_cmd, "admission",
      "Configure call admission (memory budget, reserve, shedding, rates)\n")
{
	vty->node = ADMISSION_NODE;
	vty->index = g_adm;
	return CMD_SUCCESS;
}

DEFUN(cfg_adm_budget, cfg_adm_budget_cmd, "budget BYTES",
      "Memory budget for call state\n" "Bytes, with optional K, M or G suffix (powers of 1024)\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	if (adm_parse_bytes(argv[0], &cfg.budget) || !cfg.budget) {
		vty_out(vty, "%% invalid size '%s'%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_reserve, cfg_adm_reserve_cmd, "emergency-reserve <0-100>",
      "Share of the budget only emergency calls may use\n" "Percent of the budget\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.emergency_reserve_pct = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_shed, cfg_adm_shed_cmd, "shed-watermark <0-100>",
      "Above this share of the budget ordinary calls are shed\n" "Percent of the budget\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.shed_pct = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_hyst, cfg_adm_hyst_cmd, "hysteresis <0-100>",
      "How far below a mark used must fall to leave its state\n" "Percent of the budget\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.hysteresis_pct = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_rate_global, cfg_adm_rate_global_cmd, "rate global <0-1000000>",
      "New-call rate limits\n" "All sources together (burst: one second's worth)\n"
      "Calls per second, 0 = no limit\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.rate_global_cps = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_rate_src, cfg_adm_rate_src_cmd, "rate per-source <0-1000000> <1-1000000>",
      "New-call rate limits\n" "Each source (IP address and port, or ISUP OPC)\n"
      "Calls per second, 0 = no limit\n" "Burst: calls accepted back to back\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.rate_source_cps = atoi(argv[0]);
	cfg.rate_source_burst = atoi(argv[1]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_src_table, cfg_adm_src_table_cmd, "per-source-table <1-1048576>",
      "Number of sources whose rate is tracked (fixed; least recently seen evicted)\n"
      "Entries\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.source_table_size = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_cost, cfg_adm_cost_cmd, "call-cost-estimate BYTES",
      "Initial memory per call, corrected from jemalloc when available\n"
      "Bytes, with optional K, M or G suffix\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	if (adm_parse_bytes(argv[0], &cfg.call_cost_estimate) || !cfg.call_cost_estimate) {
		vty_out(vty, "%% invalid size '%s'%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_retry, cfg_adm_retry_cmd, "retry-after <0-86400> <0-86400>",
      "Retry-After of refusals, drawn at random between the two\n" "Minimum seconds\n"
      "Maximum seconds\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.retry_after_min_s = atoi(argv[0]);
	cfg.retry_after_max_s = atoi(argv[1]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_oc_validity, cfg_adm_oc_validity_cmd, "oc-validity <0-86400000>",
      "RFC 7339 oc-validity of the overload feedback this site sends\n" "Milliseconds\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.oc_validity_ms = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_sample, cfg_adm_sample_cmd, "sample-interval <10-60000>",
      "Period of the jemalloc measurement and the counter flush\n" "Milliseconds\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.sample_interval_ms = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_cpu_limit, cfg_adm_cpu_limit_cmd, "cpu-limit <0-100>",
      "CPU guard: above this occupancy new calls (not emergency calls) are limited to what "
      "the CPU can carry\n" "Percent of the CPUs the gateway may run on, or of one thread; 0: off\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.cpu_limit_pct = atoi(argv[0]);
	return apply(vty, &cfg);
}

DEFUN(cfg_adm_shed_mode, cfg_adm_shed_mode_cmd,
      "shed-mode (emergency|priority|ordinary) (redirect|forward|reject)",
      "What to do with a call of this class that is shed\n" "Emergency calls\n"
      "Priority calls\n" "Ordinary calls\n" "302 to a healthy peer site\n"
      "Stateless forward to a healthy peer site\n" "503 with Retry-After\n")
{
	struct adm_cfg cfg = g_adm->cfg;

	cfg.shed_mode[get_string_value(adm_class_names, argv[0])] =
		get_string_value(adm_shed_mode_names, argv[1]);
	return apply(vty, &cfg);
}

static int config_write_adm(struct vty *vty)
{
	const struct adm_cfg *c;
	char buf[32];

	if (!g_adm)
		return CMD_SUCCESS;
	c = &g_adm->cfg;
	vty_out(vty, "admission%s", VTY_NEWLINE);
	vty_out(vty, " budget %s%s", bytes_str(buf, sizeof(buf), c->budget), VTY_NEWLINE);
	vty_out(vty, " emergency-reserve %u%s", c->emergency_reserve_pct, VTY_NEWLINE);
	vty_out(vty, " shed-watermark %u%s", c->shed_pct, VTY_NEWLINE);
	vty_out(vty, " hysteresis %u%s", c->hysteresis_pct, VTY_NEWLINE);
	vty_out(vty, " rate global %u%s", c->rate_global_cps, VTY_NEWLINE);
	vty_out(vty, " rate per-source %u %u%s", c->rate_source_cps, c->rate_source_burst,
		VTY_NEWLINE);
	vty_out(vty, " per-source-table %u%s", c->source_table_size, VTY_NEWLINE);
	vty_out(vty, " call-cost-estimate %s%s", bytes_str(buf, sizeof(buf), c->call_cost_estimate),
		VTY_NEWLINE);
	vty_out(vty, " retry-after %u %u%s", c->retry_after_min_s, c->retry_after_max_s,
		VTY_NEWLINE);
	vty_out(vty, " oc-validity %u%s", c->oc_validity_ms, VTY_NEWLINE);
	vty_out(vty, " sample-interval %u%s", c->sample_interval_ms, VTY_NEWLINE);
	vty_out(vty, " cpu-limit %u%s", c->cpu_limit_pct, VTY_NEWLINE);
	for (int cls = 0; cls < _NUM_ADM_CLASS; cls++)
		vty_out(vty, " shed-mode %s %s%s", get_value_string(adm_class_names, cls),
			get_value_string(adm_shed_mode_names, c->shed_mode[cls]), VTY_NEWLINE);
	return CMD_SUCCESS;
}

void adm_vty_show(struct vty *vty, struct adm *adm)
{
	static const char *const ctr_names[_NUM_ADM_CTR] = {
		[ADM_CTR_ADMITTED] = "admitted",
		[ADM_CTR_SHED_MEMORY] = "shed:memory",
		[ADM_CTR_SHED_HARD_LIMIT] = "shed:hard-limit",
		[ADM_CTR_REFUSED_RATE_GLOBAL] = "refused:rate-global",
		[ADM_CTR_REFUSED_CPU] = "refused:cpu",
		[ADM_CTR_REFUSED_RATE_SOURCE] = "refused:rate-source",
		[ADM_CTR_REFUSED_ALREADY_SHED] = "refused:already-shed",
		[ADM_CTR_REFUSED_NO_PEER] = "refused:no-peer",
		[ADM_CTR_RATE_EXEMPT] = "rate-exempt",
	};
	uint64_t budget = atomic_load(&adm->budget);

	vty_out(vty, "Admission: state %s%s", get_value_string(adm_state_names, adm_get_state(adm)),
		VTY_NEWLINE);
	vty_out(vty, " budget %" PRIu64 " bytes: shed mark %" PRIu64 ", full mark %" PRIu64
		" (reserve %" PRIu64 "), hysteresis %" PRIu64 "%s", budget,
		atomic_load(&adm->shed_mark), atomic_load(&adm->full_mark),
		budget - atomic_load(&adm->full_mark), atomic_load(&adm->hyst), VTY_NEWLINE);
	vty_out(vty, " used %" PRIu64 " bytes = charged %" PRIu64 " + unattributed %" PRIu64
		" + in flight %" PRIu64 "%s", adm_used(adm), adm_charged(adm),
		atomic_load(&adm->unattributed), adm_inflight(adm), VTY_NEWLINE);
	if (adm_have_jemalloc())
		vty_out(vty, " jemalloc: measured %" PRIu64 " bytes above baseline %" PRIu64
			" (%" PRIu64 " samples)%s", adm_measured(adm), adm->baseline, adm->samples,
			VTY_NEWLINE);
	else
		vty_out(vty, " jemalloc: not linked in this build, the per-call estimate alone "
			"is used%s", VTY_NEWLINE);
	vty_out(vty, " cost per call %" PRIu64 " bytes (%s), implied ceiling %" PRIu64 " calls%s",
		adm_cost_per_call(adm), adm->samples ? "corrected" : "configured estimate",
		adm_call_ceiling(adm), VTY_NEWLINE);
	if (adm_cpu_limit_cps(adm))
		vty_out(vty, " cpu: occupancy %u %% (limit %u %%), new calls limited to %u a second%s",
			adm_cpu_occupancy(adm), adm->cfg.cpu_limit_pct, adm_cpu_limit_cps(adm),
			VTY_NEWLINE);
	else
		vty_out(vty, " cpu: occupancy %u %% (limit %u %%), not limiting%s",
			adm_cpu_occupancy(adm), adm->cfg.cpu_limit_pct, VTY_NEWLINE);
	vty_out(vty, " finished calls whose transactions linger: %" PRIu64 " (window %u s)%s",
		adm_lingering_calls(adm), atomic_load(&adm->linger_s), VTY_NEWLINE);
	vty_out(vty, " per-source table %u of %u entries, %" PRIu64 " evictions; %" PRIu64
		" state changes%s", adm_src_entries(adm), adm->src.size, adm_src_evictions(adm),
		atomic_load(&adm->state_changes), VTY_NEWLINE);
	for (int c = 0; c < _NUM_ADM_CLASS; c++) {
		vty_out(vty, " %-9s: %" PRIu64 " calls, %" PRIu64 " bytes, shed-mode %s%s",
			get_value_string(adm_class_names, c), adm_class_calls(adm, c),
			adm_class_bytes(adm, c),
			get_value_string(adm_shed_mode_names, adm->cfg.shed_mode[c]), VTY_NEWLINE);
		vty_out(vty, "           ");
		for (int i = 0; i < _NUM_ADM_CTR; i++)
			vty_out(vty, " %s %" PRIu64, ctr_names[i], atomic_load(&adm->ctr[c][i]));
		vty_out(vty, "%s", VTY_NEWLINE);
	}
}

DEFUN(show_admission, show_admission_cmd, "show admission",
      SHOW_STR "Call admission: budget, use per class, state and counters\n")
{
	if (!g_adm)
		return CMD_WARNING;
	adm_vty_show(vty, g_adm);
	return CMD_SUCCESS;
}

void adm_vty_init(struct adm *adm)
{
	g_adm = adm;
	install_element_ve(&show_admission_cmd);
	install_element(CONFIG_NODE, &cfg_admission_cmd);
	install_node(&adm_node, config_write_adm);
	install_element(ADMISSION_NODE, &cfg_adm_budget_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_reserve_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_shed_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_hyst_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_rate_global_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_rate_src_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_src_table_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_cost_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_retry_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_oc_validity_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_sample_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_cpu_limit_cmd);
	install_element(ADMISSION_NODE, &cfg_adm_shed_mode_cmd);
}
