/* test_pstn_sim.c - pstn-sim rules, options, config file and control commands (tools/pstn-sim) */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/talloc.h>

#include "common/log.h"
#include "tools/pstn-sim/sim.h"

static void *ctx;

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
}

static void teardown(void)
{
	ck_assert_int_eq(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
}

struct rule_vector {
	const char *text;
	int rc;
	const char *prefix;
	enum sim_action action;
	uint32_t delay_ms, hold_ms;
	uint8_t cause;
};

static const struct rule_vector rule_vectors[] = {
	{ "default:answer:100", 0, "", SIM_ACT_ANSWER, 100, 0, 0 },
	{ "*:ring", 0, "", SIM_ACT_RING, 0, 0, 0 },
	{ "4930:answer:0:5000", 0, "4930", SIM_ACT_ANSWER, 0, 5000, 0 },
	{ "17:reject:17", 0, "17", SIM_ACT_REJECT, 0, 0, 17 },
	{ "0101:reject:1", 0, "0101", SIM_ACT_REJECT, 0, 0, 1 },
	{ "6:never", 0, "6", SIM_ACT_NEVER, 0, 0, 0 },
	{ "7:cpg:150", 0, "7", SIM_ACT_CPG, 150, 0, 0 },
	{ "8:slow:300", 0, "8", SIM_ACT_SLOW, 300, 0, 0 },
	{ "12B:ring", 0, "12B", SIM_ACT_RING, 0, 0, 0 },
	{ "12", -EINVAL },			/* no action */
	{ "12:explode", -EINVAL },		/* unknown action */
	{ ":ring", -EINVAL },			/* empty prefix */
	{ "1x:ring", -EINVAL },			/* not a digit */
	{ "1:answer", -EINVAL },		/* delay missing */
	{ "1:answer:-5", -EINVAL },
	{ "1:answer:10:0", -EINVAL },		/* hold 0 */
	{ "1:answer:1:2:3", -EINVAL },		/* too many fields */
	{ "1:reject:0", -EINVAL },
	{ "1:reject:128", -EINVAL },
	{ "1:reject", -EINVAL },
	{ "1:ring:5", -EINVAL },
	{ "1:never:5", -EINVAL },
	{ "1:cpg", -EINVAL },
	{ "1:slow:x", -EINVAL },
	{ "123456789012345678901234567890123:ring", -EINVAL },	/* prefix of 33 digits */
};

START_TEST(test_rule_parse)
{
	for (unsigned i = 0; i < sizeof(rule_vectors) / sizeof(rule_vectors[0]); i++) {
		const struct rule_vector *v = &rule_vectors[i];
		struct sim_rule r;
		const char *why = NULL;
		int rc = sim_rule_parse(&r, v->text, &why);

		ck_assert_msg(rc == v->rc, "%s: rc %d, expected %d", v->text, rc, v->rc);
		if (rc) {
			ck_assert_msg(why && *why, "%s: no reason given", v->text);
			continue;
		}
		ck_assert_str_eq(r.prefix, v->prefix);
		ck_assert_int_eq(r.action, v->action);
		ck_assert_uint_eq(r.delay_ms, v->delay_ms);
		ck_assert_uint_eq(r.hold_ms, v->hold_ms);
		ck_assert_uint_eq(r.cause, v->cause);
	}
}
END_TEST

static void opt_ok(struct sim_cfg *cfg, const char *name, const char *val)
{
	const char *why = NULL;
	int rc = sim_cfg_option(cfg, name, val, &why);

	ck_assert_msg(rc == 0, "%s %s: %d %s", name, val, rc, why ? why : "");
}

static void opt_bad(struct sim_cfg *cfg, const char *name, const char *val, int want)
{
	const char *why = NULL;
	int rc = sim_cfg_option(cfg, name, val, &why);

	ck_assert_msg(rc == want, "%s %s: %d, expected %d", name, val ? val : "(null)", rc, want);
	ck_assert(why && *why);
}

START_TEST(test_longest_prefix)
{
	struct sim_cfg cfg;
	const char *why;

	sim_cfg_defaults(&cfg);
	opt_ok(&cfg, "rule", "17:reject:17");
	opt_ok(&cfg, "rule", "170:reject:1");
	opt_ok(&cfg, "rule", "1:ring");
	ck_assert_ptr_null(sim_rule_match(&cfg, "2000"));	/* no default yet */
	ck_assert_int_eq(sim_cfg_finish(&cfg, &why), 0);
	ck_assert_uint_eq(cfg.num_rules, 4);			/* answer:0 default added */

	ck_assert_uint_eq(sim_rule_match(&cfg, "17012")->cause, 1);
	ck_assert_uint_eq(sim_rule_match(&cfg, "1799")->cause, 17);
	ck_assert_int_eq(sim_rule_match(&cfg, "17")->action, SIM_ACT_REJECT);
	ck_assert_int_eq(sim_rule_match(&cfg, "1")->action, SIM_ACT_RING);
	ck_assert_int_eq(sim_rule_match(&cfg, "2000")->action, SIM_ACT_ANSWER);
	ck_assert_uint_eq(sim_rule_match(&cfg, "2000")->delay_ms, 0);
	ck_assert_int_eq(sim_rule_match(&cfg, "")->action, SIM_ACT_ANSWER);

	/* an explicit default is kept, not doubled */
	sim_cfg_defaults(&cfg);
	opt_ok(&cfg, "rule", "default:never");
	ck_assert_int_eq(sim_cfg_finish(&cfg, &why), 0);
	ck_assert_uint_eq(cfg.num_rules, 1);
	ck_assert_int_eq(sim_rule_match(&cfg, "999")->action, SIM_ACT_NEVER);
}
END_TEST

START_TEST(test_options)
{
	struct sim_cfg cfg;
	const char *why;
	char rule[32];

	sim_cfg_defaults(&cfg);
	ck_assert_uint_eq(cfg.port, 2905);
	ck_assert_uint_eq(cfg.cic_first, 1);
	ck_assert_uint_eq(cfg.cic_last, 31);

	opt_ok(&cfg, "cics", "0-4095");
	ck_assert_uint_eq(cfg.cic_last - cfg.cic_first + 1, SIM_MAX_CICS);
	opt_bad(&cfg, "cics", "0-4096", -EINVAL);
	opt_bad(&cfg, "cics", "5-4", -EINVAL);
	opt_bad(&cfg, "cics", "5", -EINVAL);
	opt_ok(&cfg, "local-pc", "1.1.2");
	ck_assert_uint_eq(cfg.local_pc, (1 << 11) | (1 << 3) | 2);
	opt_bad(&cfg, "local-pc", "8.0.0", -EINVAL);
	opt_bad(&cfg, "port", "65536", -EINVAL);
	opt_bad(&cfg, "port", "-1", -EINVAL);
	opt_bad(&cfg, "transport", "udp", -EINVAL);
	opt_bad(&cfg, "ni", "4", -EINVAL);
	opt_bad(&cfg, "originate", "-1", -EINVAL);
	opt_bad(&cfg, "called", "12a4x", -EINVAL);
	opt_bad(&cfg, "max-outstanding", "0", -EINVAL);
	opt_bad(&cfg, "max-outstanding", "1025", -EINVAL);
	opt_bad(&cfg, "no-such-option", "1", -EINVAL);
	opt_bad(&cfg, "port", NULL, -EINVAL);

	opt_ok(&cfg, "timer", "T7:500");
	ck_assert_uint_eq(cfg.num_timers, 1);
	ck_assert_int_eq(cfg.timers[0].T, 7);
	ck_assert_uint_eq(cfg.timers[0].ms, 500);
	opt_bad(&cfg, "timer", "T8:500", -EINVAL);
	opt_bad(&cfg, "timer", "T7", -EINVAL);
	opt_bad(&cfg, "timer", "7:500", -EINVAL);
	opt_bad(&cfg, "timer", "T7:0", -EINVAL);

	opt_ok(&cfg, "fault-at", "1.5:scon 1.2.3 2");
	ck_assert_uint_eq(cfg.fault_at[0].at_ms, 1500);
	ck_assert_str_eq(cfg.fault_at[0].cmd, "scon 1.2.3 2");
	opt_bad(&cfg, "fault-at", "x:drop", -EINVAL);
	opt_bad(&cfg, "fault-at", "1:", -EINVAL);
	opt_bad(&cfg, "fault-at", ":drop", -EINVAL);

	/* the rule table is bounded */
	sim_cfg_defaults(&cfg);
	for (unsigned i = 0; i < SIM_MAX_RULES; i++) {
		snprintf(rule, sizeof(rule), "%u:ring", 100 + i);
		opt_ok(&cfg, "rule", rule);
	}
	opt_bad(&cfg, "rule", "99:ring", -ENOSPC);
	ck_assert_int_eq(sim_cfg_finish(&cfg, &why), -ENOSPC);

	sim_cfg_defaults(&cfg);
	opt_ok(&cfg, "remote-pc", "2");
	ck_assert_int_eq(sim_cfg_finish(&cfg, &why), -EINVAL);
}
END_TEST

START_TEST(test_config_file)
{
	char path[64];
	struct sim_cfg cfg;
	const char *why = NULL;
	unsigned line;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/test_pstn_sim_%d.cfg", (int)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# comment\n\n  ! also a comment\ncics 1-62\n\trule 17:reject:17\nport   3000\n", f);
	fclose(f);
	sim_cfg_defaults(&cfg);
	ck_assert_int_eq(sim_cfg_load(&cfg, path, &line, &why), 0);
	ck_assert_uint_eq(cfg.cic_last, 62);
	ck_assert_uint_eq(cfg.port, 3000);
	ck_assert_uint_eq(cfg.num_rules, 1);

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("cics 1-62\nport 1\nrule 12:answer\nport 2\n", f);
	fclose(f);
	sim_cfg_defaults(&cfg);
	ck_assert_int_eq(sim_cfg_load(&cfg, path, &line, &why), -EINVAL);
	ck_assert_uint_eq(line, 3);
	ck_assert_uint_eq(cfg.port, 1);		/* nothing after the bad line applied */
	unlink(path);

	ck_assert_int_eq(sim_cfg_load(&cfg, path, &line, &why), -ENOENT);
}
END_TEST

/* Reply lines of a control command, kept for the checks. */
struct lines {
	char text[8192];
	unsigned n;
	char last[128];
};

static void collect(void *priv, const char *line)
{
	struct lines *l = priv;

	strncat(l->text, line, sizeof(l->text) - strlen(l->text) - 2);
	strcat(l->text, "\n");
	snprintf(l->last, sizeof(l->last), "%s", line);
	l->n++;
}

static const char *cmd(struct sim *sim, const char *line, int want_rc)
{
	static struct lines l;
	int rc;

	memset(&l, 0, sizeof(l));
	rc = sim_fault_cmd(sim, line, collect, &l);
	ck_assert_msg(rc == want_rc, "'%s': rc %d, reply %s", line, rc, l.text);
	return l.n == 1 ? l.last : l.text;
}

START_TEST(test_commands)
{
	struct sim *sim = talloc_zero(ctx, struct sim);
	const char *why, *r;

	sim_cfg_defaults(&sim->cfg);
	sim->cfg.port = 0;
	ck_assert_int_eq(sim_cfg_finish(&sim->cfg, &why), 0);
	ck_assert_int_eq(sim_summary_init(sim, sim), 0);
	ck_assert_int_eq(sim_cic_alloc_all(sim, sim), 0);
	ck_assert_int_eq(sim_sg_start(sim, sim), 0);
	ck_assert_int_eq(sim_fault_start(sim), 0);

	ck_assert_str_eq(cmd(sim, "slow 250", 0), "ok");
	ck_assert_uint_eq(sim->slow_ms, 250);
	ck_assert_str_eq(cmd(sim, "slow 0", 0), "ok");
	ck_assert_str_eq(cmd(sim, "beat off", 0), "ok");
	ck_assert_str_eq(cmd(sim, "beat on", 0), "ok");
	ck_assert_str_eq(cmd(sim, "drop", 0), "ok");
	ck_assert_str_eq(cmd(sim, "slow -1", -EINVAL), "error: slow MS (0 = off)");
	cmd(sim, "beat maybe", -EINVAL);
	cmd(sim, "flap 0 100", -EINVAL);
	cmd(sim, "flap 1", -EINVAL);
	cmd(sim, "grs-storm 1001", -EINVAL);
	cmd(sim, "block 5", -EINVAL);
	cmd(sim, "block 20 40", -EINVAL);		/* outside 1-31 */
	cmd(sim, "scon 1.2.3 4", -EINVAL);
	cmd(sim, "", -EINVAL);
	cmd(sim, "explode", -EINVAL);
	cmd(sim, "summary now", -EINVAL);
	/* no ASP: the command fails and nothing is counted as sent */
	ck_assert_str_eq(cmd(sim, "block 1 31", -ENOTCONN), "error: no active ASP");
	ck_assert_str_eq(cmd(sim, "duna 1.2.3", -ENOTCONN), "error: no ASP up");
	ck_assert_str_eq(cmd(sim, "malformed 3", -ENOTCONN), "error: no active ASP");
	ck_assert(!sim->cics[0].local_blocked);		/* the gateway was not told */

	/* 5 commands above and the summary itself; 14 refused */
	r = cmd(sim, "summary", 0);
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: control.commands 6\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: control.bad 14\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: faults.slow 2\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: faults.drop 1\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: faults.block 0\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: errors.no_asp 3\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: cics.idle 31\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: rx.IAM 0\n"));
	ck_assert_ptr_nonnull(strstr(r, "pstn-sim: cpu_us_per_call 0\n"));
	ck_assert_str_eq(r + strlen(r) - strlen("pstn-sim: end\n"), "pstn-sim: end\n");

	sim_fault_stop(sim);
	sim_orig_stop(sim);
	sim_sg_stop(sim);
	sim_cic_free_all(sim);
	sim_summary_free(sim);
	talloc_free(sim);
}
END_TEST

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	Suite *s = suite_create("pstn_sim");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	osmo_init_logging2(log_ctx, &gw_log_info);
	log_set_category_filter(osmo_stderr_target, DSIM, 1, LOGL_ERROR);
	if (sim_cic_fsm_init() < 0)
		return EXIT_FAILURE;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rule_parse);
	tcase_add_test(tc, test_longest_prefix);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_commands);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* one process: the FSM registration and log setup above are shared */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
