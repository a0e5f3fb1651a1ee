/* sim_config.c - PSTN simulator options, config file and called-number rules */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <osmocom/core/utils.h>

#include "sigtran/mtp3.h"
#include "tools/pstn-sim/sim.h"

static const struct value_string action_names[] = {
	{ SIM_ACT_ANSWER, "answer" },
	{ SIM_ACT_RING, "ring" },
	{ SIM_ACT_REJECT, "reject" },
	{ SIM_ACT_CPG, "cpg" },
	{ SIM_ACT_NEVER, "never" },
	{ SIM_ACT_SLOW, "slow" },
	{ 0, NULL }
};

const char *sim_action_name(enum sim_action act)
{
	return get_value_string(action_names, act);
}

void sim_cfg_defaults(struct sim_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	OSMO_STRLCPY_ARRAY(cfg->listen_ip, "127.0.0.1");
	cfg->port = 2905;
	cfg->local_pc = 2;
	cfg->remote_pc = 1;
	cfg->ni = 2;
	cfg->cic_first = 1;
	cfg->cic_last = 31;
	cfg->orig_cpc = 10;
	cfg->orig_nai = 3;
	cfg->orig_hold_ms = 1000;
	cfg->orig_max_outstanding = 32;
	OSMO_STRLCPY_ARRAY(cfg->orig_called, "1000");
	cfg->log_level = -1;
}

/* Unsigned decimal within [min, max]; the whole string must be the number. */
static int parse_u32(uint32_t *out, const char *s, uint32_t min, uint32_t max)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool digits_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

int sim_rule_parse(struct sim_rule *rule, const char *text, const char **why)
{
	char buf[128];
	char *f[4] = { NULL };
	unsigned n = 0;
	char *save = NULL, *tok;
	int rc;

	memset(rule, 0, sizeof(*rule));
	if (strlen(text) >= sizeof(buf)) {
		*why = "rule too long";
		return -EINVAL;
	}
	OSMO_STRLCPY_ARRAY(buf, text);
	/* strtok would merge an empty prefix away; split by hand */
	tok = buf;
	while (tok && n < ARRAY_SIZE(f)) {
		f[n++] = tok;
		save = strchr(tok, ':');
		if (save)
			*save++ = '\0';
		tok = save;
	}
	if (tok || n < 2) {
		*why = "expected PREFIX:ACTION[:ARGS]";
		return -EINVAL;
	}
	if (!strcmp(f[0], "default") || !strcmp(f[0], "*"))
		rule->prefix[0] = '\0';
	else if (!f[0][0] || !digits_ok(f[0], SIM_MAX_PREFIX)) {
		*why = "prefix must be digits (or 'default')";
		return -EINVAL;
	} else
		OSMO_STRLCPY_ARRAY(rule->prefix, f[0]);

	rc = get_string_value(action_names, f[1]);
	if (rc < 0) {
		*why = "unknown action (answer, ring, reject, cpg, never, slow)";
		return -EINVAL;
	}
	rule->action = rc;

	switch (rule->action) {
	case SIM_ACT_ANSWER:
		if (n < 3 || parse_u32(&rule->delay_ms, f[2], 0, 3600000)) {
			*why = "answer:DELAY_MS[:HOLD_MS]";
			return -EINVAL;
		}
		if (n == 4 && parse_u32(&rule->hold_ms, f[3], 1, 86400000)) {
			*why = "answer:DELAY_MS[:HOLD_MS], HOLD_MS >= 1";
			return -EINVAL;
		}
		break;
	case SIM_ACT_RING:
	case SIM_ACT_NEVER:
		if (n != 2) {
			*why = "ring and never take no arguments";
			return -EINVAL;
		}
		break;
	case SIM_ACT_REJECT: {
		uint32_t cause;
		if (n != 3 || parse_u32(&cause, f[2], 1, 127)) {
			*why = "reject:CAUSE (1..127)";
			return -EINVAL;
		}
		rule->cause = cause;
		break;
	}
	case SIM_ACT_CPG:
	case SIM_ACT_SLOW:
		if (n != 3 || parse_u32(&rule->delay_ms, f[2], 0, 3600000)) {
			*why = "cpg:DELAY_MS / slow:MS";
			return -EINVAL;
		}
		break;
	}
	return 0;
}

const struct sim_rule *sim_rule_match(const struct sim_cfg *cfg, const char *digits)
{
	const struct sim_rule *best = NULL;
	size_t best_len = 0;

	for (unsigned i = 0; i < cfg->num_rules; i++) {
		const struct sim_rule *r = &cfg->rules[i];
		size_t len = strlen(r->prefix);

		if (strncmp(digits, r->prefix, len))
			continue;
		if (!best || len > best_len) {
			best = r;
			best_len = len;
		}
	}
	return best;
}

static int parse_cics(struct sim_cfg *cfg, const char *val)
{
	char buf[32];
	char *dash;
	uint32_t a, b;

	if (strlen(val) >= sizeof(buf))
		return -EINVAL;
	OSMO_STRLCPY_ARRAY(buf, val);
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash++ = '\0';
	if (parse_u32(&a, buf, 0, 4095) || parse_u32(&b, dash, a, 4095))
		return -EINVAL;
	if (b - a + 1 > SIM_MAX_CICS)
		return -EINVAL;
	cfg->cic_first = a;
	cfg->cic_last = b;
	return 0;
}

static int parse_fault_at(struct sim_cfg *cfg, const char *val)
{
	const char *colon = strchr(val, ':');
	char secs[32];
	char *end;
	double s;
	struct sim_fault_at *f;

	if (!colon || colon == val || (size_t)(colon - val) >= sizeof(secs) || !colon[1])
		return -EINVAL;
	if (cfg->num_fault_at >= SIM_MAX_FAULT_AT || strlen(colon + 1) > SIM_MAX_CMD)
		return -ENOSPC;
	memcpy(secs, val, colon - val);
	secs[colon - val] = '\0';
	s = strtod(secs, &end);
	if (*end || s < 0 || s > 86400)
		return -EINVAL;
	f = &cfg->fault_at[cfg->num_fault_at++];
	f->at_ms = (uint32_t)(s * 1000.0 + 0.5);
	OSMO_STRLCPY_ARRAY(f->cmd, colon + 1);
	return 0;
}

int sim_cfg_option(struct sim_cfg *cfg, const char *name, const char *val, const char **why)
{
	uint32_t u;

	*why = "bad value";
	if (!strcmp(name, "listen")) {
		if (!val || strlen(val) >= sizeof(cfg->listen_ip))
			return -EINVAL;
		OSMO_STRLCPY_ARRAY(cfg->listen_ip, val);
	} else if (!strcmp(name, "port")) {
		if (parse_u32(&u, val, 0, 65535))
			return -EINVAL;
		cfg->port = u;
	} else if (!strcmp(name, "transport")) {
		if (!val || (strcmp(val, "tcp") && strcmp(val, "sctp"))) {
			*why = "tcp or sctp";
			return -EINVAL;
		}
		cfg->sctp = !strcmp(val, "sctp");
	} else if (!strcmp(name, "local-pc")) {
		if (!val || mtp3_pc_parse(&cfg->local_pc, val))
			return -EINVAL;
	} else if (!strcmp(name, "remote-pc")) {
		if (!val || mtp3_pc_parse(&cfg->remote_pc, val))
			return -EINVAL;
	} else if (!strcmp(name, "ni")) {
		if (parse_u32(&u, val, 0, 3))
			return -EINVAL;
		cfg->ni = u;
	} else if (!strcmp(name, "routing-context")) {
		if (parse_u32(&cfg->rc, val, 0, UINT32_MAX))
			return -EINVAL;
		cfg->has_rc = true;
	} else if (!strcmp(name, "cics")) {
		*why = "FIRST-LAST within 0-4095";
		if (!val || parse_cics(cfg, val))
			return -EINVAL;
	} else if (!strcmp(name, "rule")) {
		if (!val)
			return -EINVAL;
		if (cfg->num_rules >= SIM_MAX_RULES) {
			*why = "too many rules";
			return -ENOSPC;
		}
		if (sim_rule_parse(&cfg->rules[cfg->num_rules], val, why))
			return -EINVAL;
		cfg->num_rules++;
	} else if (!strcmp(name, "originate")) {
		char *end;
		double r;
		if (!val)
			return -EINVAL;
		r = strtod(val, &end);
		if (*end || r < 0 || r > 10000) {
			*why = "calls per second, 0..10000";
			return -EINVAL;
		}
		cfg->orig_rate = r;
	} else if (!strcmp(name, "called") || !strcmp(name, "calling")) {
		char *dst = name[4] == 'e' ? cfg->orig_called : cfg->orig_calling;
		if (!val || !*val || !digits_ok(val, SIM_MAX_PREFIX)) {
			*why = "digits";
			return -EINVAL;
		}
		osmo_strlcpy(dst, val, SIM_MAX_PREFIX + 1);
	} else if (!strcmp(name, "cpc")) {
		if (parse_u32(&u, val, 0, 255))
			return -EINVAL;
		cfg->orig_cpc = u;
	} else if (!strcmp(name, "nai")) {
		if (parse_u32(&u, val, 0, 127))
			return -EINVAL;
		cfg->orig_nai = u;
	} else if (!strcmp(name, "hold")) {
		if (parse_u32(&cfg->orig_hold_ms, val, 0, 86400000))
			return -EINVAL;
	} else if (!strcmp(name, "count")) {
		if (parse_u32(&cfg->orig_count, val, 0, UINT32_MAX))
			return -EINVAL;
	} else if (!strcmp(name, "max-outstanding")) {
		*why = "1.." OSMO_STRINGIFY_VAL(SIM_MAX_OUTSTANDING);
		if (parse_u32(&cfg->orig_max_outstanding, val, 1, SIM_MAX_OUTSTANDING))
			return -EINVAL;
	} else if (!strcmp(name, "control-port")) {
		if (parse_u32(&u, val, 0, 65535))
			return -EINVAL;
		cfg->control_port = u;
	} else if (!strcmp(name, "fault-at")) {
		int rc;
		*why = "SECONDS:COMMAND";
		if (!val)
			return -EINVAL;
		rc = parse_fault_at(cfg, val);
		if (rc == -ENOSPC)
			*why = "too many --fault-at";
		return rc;
	} else if (!strcmp(name, "timer")) {
		uint32_t t, ms;
		char buf[32], *colon;
		*why = "T1:MS, T7:MS or T9:MS";
		if (!val || val[0] != 'T' || strlen(val) >= sizeof(buf))
			return -EINVAL;
		OSMO_STRLCPY_ARRAY(buf, val + 1);
		colon = strchr(buf, ':');
		if (!colon)
			return -EINVAL;
		*colon++ = '\0';
		if (parse_u32(&t, buf, 1, 9) || (t != 1 && t != 7 && t != 9) ||
		    parse_u32(&ms, colon, 1, 3600000))
			return -EINVAL;
		if (cfg->num_timers >= SIM_MAX_TIMERS) {
			*why = "too many --timer";
			return -ENOSPC;
		}
		cfg->timers[cfg->num_timers].T = t;
		cfg->timers[cfg->num_timers++].ms = ms;
	} else if (!strcmp(name, "log-level")) {
		if (parse_u32(&u, val, 0, 8))
			return -EINVAL;
		cfg->log_level = u;
	} else {
		*why = "unknown option";
		return -EINVAL;
	}
	return 0;
}

int sim_cfg_load(struct sim_cfg *cfg, const char *path, unsigned *line_no, const char **why)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int rc = 0;

	*line_no = 0;
	if (!f) {
		*why = strerror(errno);
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *name, *val;
		size_t len;

		(*line_no)++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			*why = "line too long";
			rc = -EINVAL;
			break;
		}
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#' || *p == '!')
			continue;
		name = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p) {
			*p++ = '\0';
			while (isspace((unsigned char)*p))
				p++;
		}
		val = *p ? p : NULL;
		rc = sim_cfg_option(cfg, name, val, why);
		if (rc)
			break;
	}
	fclose(f);
	return rc;
}

int sim_cfg_finish(struct sim_cfg *cfg, const char **why)
{
	bool has_default = false;

	for (unsigned i = 0; i < cfg->num_rules; i++)
		if (!cfg->rules[i].prefix[0])
			has_default = true;
	if (!has_default) {
		if (cfg->num_rules >= SIM_MAX_RULES) {
			*why = "too many rules to add the default";
			return -ENOSPC;
		}
		/* without a default, an unmatched number is answered at once */
		cfg->rules[cfg->num_rules++] = (struct sim_rule){ .action = SIM_ACT_ANSWER };
	}
	if (cfg->local_pc > MTP3_PC_MAX || cfg->remote_pc > MTP3_PC_MAX) {
		*why = "point code out of range";
		return -EINVAL;
	}
	if (cfg->local_pc == cfg->remote_pc) {
		*why = "local and remote point codes must differ";
		return -EINVAL;
	}
	if (cfg->orig_rate > 0 && !cfg->orig_called[0]) {
		*why = "--originate needs --called";
		return -EINVAL;
	}
	return 0;
}
