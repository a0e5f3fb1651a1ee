/* alarm_vty.c - "alarms" config node (supervision thresholds, hysteresis, escalation), show alarms/emergency */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/tdef.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include "common/vty_nodes.h"
#include "gateway/esup.h"

static struct esup *g_es;
static bool installed;

static struct cmd_node alarm_node = {
	ALARM_NODE,
	"%s(config-alarms)# ",
	1,
};

#define KIND_ARGS "(success-ratio|consecutive-failures|route-unavailable|refused)"
#define KIND_HELP "Success ratio below threshold\n" "Consecutive failures\n" \
	"Route to an answering centre unavailable\n" "Emergency calls refused or shed locally\n"
#define SEV_ARGS "(critical|major|minor|warning)"
#define SEV_HELP "Critical\n" "Major\n" "Minor\n" "Warning\n"

static int rc_warn(struct vty *vty, int rc, const char *what)
{
	if (rc >= 0)
		return CMD_SUCCESS;
	vty_out(vty, "%% %s: invalid value%s", what, VTY_NEWLINE);
	return CMD_WARNING;
}

DEFUN(cfg_alarms, cfg_alarms_cmd,
      "alarms", "Emergency supervision and alarm escalation\n")
{
	vty->index = g_es;
	vty->node = ALARM_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_al_ratio, cfg_al_ratio_cmd,
      "success-ratio-threshold <0-100> min-attempts <1-100000>",
      "Raise success-ratio when fewer attempts than this succeed in the window (0 = off)\n" "Percent\n"
      "Only with at least this many attempts with an outcome in the window\n" "Attempts\n")
{
	return rc_warn(vty, esup_set_ratio(g_es, atoi(argv[0]), atoi(argv[1])), "success-ratio-threshold");
}

DEFUN(cfg_al_consec, cfg_al_consec_cmd,
      "consecutive-failures <0-100000>",
      "Raise consecutive-failures after this many failures in a row (0 = off)\n" "Failures\n")
{
	return rc_warn(vty, esup_set_consecutive(g_es, atoi(argv[0])), "consecutive-failures");
}

DEFUN(cfg_al_window, cfg_al_window_cmd,
      "window <1-3600> buckets <1-60>",
      "Sliding window of the supervision\n" "Seconds (a multiple of the buckets)\n"
      "Buckets the window advances by\n" "Buckets\n")
{
	return rc_warn(vty, esup_set_window(g_es, atoi(argv[0]), atoi(argv[1])), "window");
}

DEFUN(cfg_al_raise_after, cfg_al_raise_after_cmd,
      "raise-after <0-10>",
      "Raise only when the condition has held this long\n" "Seconds\n")
{
	return rc_warn(vty, osmo_tdef_set(alarm_registry_tdefs(esup_alarms(g_es)), ALARM_T_RAISE_AFTER,
					  atoi(argv[0]), OSMO_TDEF_S), "raise-after");
}

DEFUN(cfg_al_clear_after, cfg_al_clear_after_cmd,
      "clear-after <0-86400>",
      "Clear when the condition has been gone this long\n" "Seconds\n")
{
	return rc_warn(vty, osmo_tdef_set(alarm_registry_tdefs(esup_alarms(g_es)), ALARM_T_CLEAR_AFTER,
					  atoi(argv[0]), OSMO_TDEF_S), "clear-after");
}

DEFUN(cfg_al_severity, cfg_al_severity_cmd,
      "severity " KIND_ARGS " " SEV_ARGS,
      "Severity an alarm kind is raised with\n" KIND_HELP SEV_HELP)
{
	int kind = get_string_value(alarm_kind_names, argv[0]);
	int sev = get_string_value(alarm_severity_names, argv[1]);

	if (kind < 0 || sev < 0)
		return rc_warn(vty, -EINVAL, "severity");
	alarm_registry_cfg(esup_alarms(g_es))->severity[kind] = sev;
	return CMD_SUCCESS;
}

DEFUN(cfg_al_cmd, cfg_al_cmd_cmd,
      "escalation-command .CMD",
      "Command run by /bin/sh -c on each raise and clear, the alarm as JSON on stdin\n"
      "Command line\n")
{
	char *cmd = argv_concat(argv, argc, 0);
	int rc;

	if (!cmd)
		return CMD_WARNING;
	rc = alarm_escalator_set_command(esup_escalator(g_es), cmd);
	talloc_free(cmd);
	return rc_warn(vty, rc, "escalation-command");
}

DEFUN(cfg_al_no_cmd, cfg_al_no_cmd_cmd,
      "no escalation-command",
      NO_STR "Run no command on alarms\n")
{
	alarm_escalator_set_command(esup_escalator(g_es), NULL);
	return CMD_SUCCESS;
}

DEFUN(cfg_al_timeout, cfg_al_timeout_cmd,
      "escalation-timeout <1-300>",
      "Kill the escalation command after this long\n" "Seconds\n")
{
	return rc_warn(vty, alarm_escalator_set_timeout(esup_escalator(g_es), atoi(argv[0])),
		       "escalation-timeout");
}

DEFUN(cfg_al_max_running, cfg_al_max_running_cmd,
      "max-running <1-16>",
      "Escalation commands running at once; more are dropped and counted\n" "Commands\n")
{
	return rc_warn(vty, alarm_escalator_set_max_running(esup_escalator(g_es), atoi(argv[0])),
		       "max-running");
}

static int config_write_alarms(struct vty *vty)
{
	const struct esup_cfg *cfg = esup_get_cfg(g_es);
	const struct alarm_cfg *acfg = alarm_registry_cfg(esup_alarms(g_es));
	const struct osmo_tdef *tdefs = alarm_registry_tdefs(esup_alarms(g_es));
	struct alarm_escalator *esc = esup_escalator(g_es);
	unsigned int k;

	vty_out(vty, "alarms%s", VTY_NEWLINE);
	vty_out(vty, " success-ratio-threshold %u min-attempts %u%s", cfg->ratio_threshold_pct,
		cfg->ratio_min_attempts, VTY_NEWLINE);
	vty_out(vty, " consecutive-failures %u%s", cfg->consecutive_failures, VTY_NEWLINE);
	vty_out(vty, " window %u buckets %u%s", cfg->window_s, cfg->buckets, VTY_NEWLINE);
	vty_out(vty, " raise-after %lu%s", osmo_tdef_get(tdefs, ALARM_T_RAISE_AFTER, OSMO_TDEF_S, -1), VTY_NEWLINE);
	vty_out(vty, " clear-after %lu%s", osmo_tdef_get(tdefs, ALARM_T_CLEAR_AFTER, OSMO_TDEF_S, -1), VTY_NEWLINE);
	for (k = 0; k < _NUM_ALARM_KIND; k++)
		vty_out(vty, " severity %s %s%s", get_value_string(alarm_kind_names, k),
			get_value_string(alarm_severity_names, acfg->severity[k]), VTY_NEWLINE);
	if (alarm_escalator_command(esc)[0])
		vty_out(vty, " escalation-command %s%s", alarm_escalator_command(esc), VTY_NEWLINE);
	vty_out(vty, " escalation-timeout %u%s", alarm_escalator_timeout(esc), VTY_NEWLINE);
	vty_out(vty, " max-running %u%s", alarm_escalator_max_running(esc), VTY_NEWLINE);
	return CMD_SUCCESS;
}

static const char *fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		return "-";
	return buf;
}

static void show_alarm_line(struct vty *vty, const struct alarm_info *a)
{
	char t1[32], t2[32];

	vty_out(vty, " %-5u %-8s %-8s %-20s %-6s %-12s %-19s %-19s %s%s", a->id,
		get_value_string(alarm_state_names, a->state), get_value_string(alarm_severity_names, a->severity),
		get_value_string(alarm_kind_names, a->kind), get_value_string(alarm_subject_names, a->subject_type),
		a->subject, fmt_time(a->raised_at, t1, sizeof(t1)), fmt_time(a->cleared_at, t2, sizeof(t2)),
		a->detail, VTY_NEWLINE);
}

static uint64_t ctr_get(struct rate_ctr_group *g, unsigned int idx)
{
	return rate_ctr_group_get_ctr(g, idx)->current;
}

DEFUN(show_alarms, show_alarms_cmd,
      "show emergency alarms",
      SHOW_STR "Emergency supervision\n" "Active alarms and recent history\n")
{
	struct alarm_registry *reg = esup_alarms(g_es);
	struct alarm_escalator *esc = esup_escalator(g_es);
	struct rate_ctr_group *ac = alarm_registry_ctrs(reg), *ec = alarm_escalator_ctrs(esc);
	static const char hdr[] = " ID    STATE    SEVERITY KIND                 ON     SUBJECT      "
				  "RAISED (UTC)        CLEARED (UTC)       DETAIL";
	const struct alarm_info *a;
	unsigned int i;

	vty_out(vty, "Alarms active %u/%u (raised %" PRIu64 ", cleared %" PRIu64 ", table full %" PRIu64 ")%s",
		alarm_registry_active_count(reg), ALARM_ACTIVE_MAX, ctr_get(ac, ALARM_CTR_RAISED),
		ctr_get(ac, ALARM_CTR_CLEARED), ctr_get(ac, ALARM_CTR_TABLE_FULL), VTY_NEWLINE);
	vty_out(vty, "%s%s", hdr, VTY_NEWLINE);
	for (i = 0; (a = alarm_registry_active_at(reg, i)); i++)
		show_alarm_line(vty, a);
	vty_out(vty, "History %u/%u, newest first%s", alarm_registry_history_count(reg), ALARM_HISTORY_MAX,
		VTY_NEWLINE);
	for (i = 0; (a = alarm_registry_history_at(reg, i)); i++)
		show_alarm_line(vty, a);
	vty_out(vty, "Escalation: %s%s%s, timeout %u s, running %u/%u, started %" PRIu64 ", ok %" PRIu64
		", failed %" PRIu64 ", killed %" PRIu64 ", dropped %" PRIu64 "%s",
		alarm_escalator_command(esc)[0] ? "command \"" : "no command",
		alarm_escalator_command(esc), alarm_escalator_command(esc)[0] ? "\"" : "",
		alarm_escalator_timeout(esc), alarm_escalator_running(esc), alarm_escalator_max_running(esc),
		ctr_get(ec, ALARM_ESC_CTR_STARTED), ctr_get(ec, ALARM_ESC_CTR_EXIT_OK),
		ctr_get(ec, ALARM_ESC_CTR_EXIT_FAILED), ctr_get(ec, ALARM_ESC_CTR_KILLED),
		ctr_get(ec, ALARM_ESC_CTR_DROPPED_BUSY), VTY_NEWLINE);
	return CMD_SUCCESS;
}

static void show_subject(struct vty *vty, enum alarm_subject type, const char *name)
{
	struct esup_stats st;
	uint32_t decided;
	unsigned int k;
	bool any = false;

	if (esup_stats(g_es, type, name, &st) < 0)
		return;
	decided = st.successes + st.failures;
	vty_out(vty, " %-12s attempts %u success %u failure %u refused %u ratio ", name, st.attempts,
		st.successes, st.failures, st.refused);
	if (decided)
		vty_out(vty, "%u%%", (unsigned int)((uint64_t)st.successes * 100 / decided));
	else
		vty_out(vty, "-");
	vty_out(vty, " consecutive %u", st.consecutive);
	if (type == ALARM_SUBJ_ROUTE)
		vty_out(vty, " %s", st.available ? "available" : "UNAVAILABLE");
	vty_out(vty, "%s", VTY_NEWLINE);
	if (st.num_causes || st.other_causes) {
		vty_out(vty, "   causes");
		for (k = 0; k < st.num_causes; k++)
			vty_out(vty, " %u:%u", st.causes[k].cause, st.causes[k].count);
		if (st.other_causes)
			vty_out(vty, " other:%u", st.other_causes);
		vty_out(vty, "%s", VTY_NEWLINE);
	}
	for (k = 0; k < _NUM_ALARM_KIND; k++) {
		if (st.alarm[k] == ALARM_ST_CLEARED)
			continue;
		vty_out(vty, "%s %s %s", any ? "," : "   alarms", get_value_string(alarm_kind_names, k),
			get_value_string(alarm_state_names, st.alarm[k]));
		any = true;
	}
	if (any)
		vty_out(vty, "%s", VTY_NEWLINE);
}

DEFUN(show_emergency, show_emergency_cmd,
      "show emergency",
      SHOW_STR "Emergency supervision per number and per route over the window\n")
{
	const struct esup_cfg *cfg = esup_get_cfg(g_es);
	struct rate_ctr_group *c = esup_ctrs(g_es);
	static const struct {
		enum alarm_subject type;
		const char *title;
		unsigned int max;
	} tables[] = {
		{ ALARM_SUBJ_NUMBER, "Numbers", ESUP_NUMBERS_MAX },
		{ ALARM_SUBJ_ROUTE, "Routes", ESUP_ROUTES_MAX },
	};
	const char *name;
	unsigned int t, i;

	vty_out(vty, "Emergency supervision: window %u s in %u buckets of %u s; success-ratio below %u%% "
		"with %u outcomes; consecutive-failures %u%s", cfg->window_s, cfg->buckets,
		cfg->window_s / cfg->buckets, cfg->ratio_threshold_pct, cfg->ratio_min_attempts,
		cfg->consecutive_failures, VTY_NEWLINE);
	for (t = 0; t < ARRAY_SIZE(tables); t++) {
		vty_out(vty, "%s %u/%u%s", tables[t].title, esup_count(g_es, tables[t].type), tables[t].max,
			VTY_NEWLINE);
		for (i = 0; (name = esup_name_at(g_es, tables[t].type, i)); i++)
			show_subject(vty, tables[t].type, name);
	}
	vty_out(vty, "Dropped reports: table full %" PRIu64 ", bad name %" PRIu64 "%s",
		ctr_get(c, ESUP_CTR_TABLE_FULL), ctr_get(c, ESUP_CTR_BAD_NAME), VTY_NEWLINE);
	return CMD_SUCCESS;
}

void alarm_vty_init(struct esup *es)
{
	g_es = es;
	/* a second call only points the commands at another object (reload, tests) */
	if (installed)
		return;
	installed = true;
	install_element(CONFIG_NODE, &cfg_alarms_cmd);
	install_node(&alarm_node, config_write_alarms);
	install_element(ALARM_NODE, &cfg_al_ratio_cmd);
	install_element(ALARM_NODE, &cfg_al_consec_cmd);
	install_element(ALARM_NODE, &cfg_al_window_cmd);
	install_element(ALARM_NODE, &cfg_al_raise_after_cmd);
	install_element(ALARM_NODE, &cfg_al_clear_after_cmd);
	install_element(ALARM_NODE, &cfg_al_severity_cmd);
	install_element(ALARM_NODE, &cfg_al_cmd_cmd);
	install_element(ALARM_NODE, &cfg_al_no_cmd_cmd);
	install_element(ALARM_NODE, &cfg_al_timeout_cmd);
	install_element(ALARM_NODE, &cfg_al_max_running_cmd);
	install_element_ve(&show_alarms_cmd);
	install_element_ve(&show_emergency_cmd);
}
