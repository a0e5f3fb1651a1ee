/* main.c - pstn-sim: a PSTN switch simulator terminating M3UA (RFC 4666) and ISUP (Q.764) */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/mtp3.h"
#include "tools/pstn-sim/sim.h"

static volatile sig_atomic_t got_term, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void print_help(void)
{
	printf(
"Usage: pstn-sim [OPTIONS]\n"
"A PSTN switch simulator: the signalling-gateway side of M3UA over TCP (or SCTP),\n"
"terminating and originating ISUP calls, with fault injection.\n"
"\n"
"  -h, --help                 this text\n"
"  -c, --config FILE          read options from FILE, one 'option value' per line\n"
"                             ('#' comments; options as below without the dashes)\n"
"M3UA:\n"
"      --listen IP            listen address (default 127.0.0.1)\n"
"      --port PORT            listen port (default 2905; 0 = any, printed at start)\n"
"      --transport tcp|sctp   transport (default tcp)\n"
"      --local-pc PC          our point code, \"z.a.b\" or decimal (default 2)\n"
"      --remote-pc PC         the gateway's point code (default 1)\n"
"      --ni N                 network indicator 0..3 (default 2, national)\n"
"      --routing-context RC   routing context to check and send (default none)\n"
"ISUP:\n"
"      --cics FIRST-LAST      circuits terminated here (default 1-31, at most 4096)\n"
"      --rule PREFIX:ACTION[:ARGS]\n"
"                             what to do with an IAM whose called number starts with\n"
"                             PREFIX ('default' for all others; longest prefix wins):\n"
"                               answer:DELAY_MS[:HOLD_MS]  ACM at once, ANM after DELAY,\n"
"                                                          REL (cause 16) after HOLD if given\n"
"                               ring                       ACM, never answer\n"
"                               reject:CAUSE               REL with CAUSE\n"
"                               cpg:DELAY_MS               ACM, CPG alerting after DELAY,\n"
"                                                          ANM after another DELAY\n"
"                               never                      no ACM at all (the gateway's T7 fires)\n"
"                               slow:MS                    ACM after MS, ANM after another MS\n"
"                             repeatable, at most %u rules; without a default rule,\n"
"                             other numbers are answered at once\n"
"      --timer TN:MS          set Q.764 timer T1, T7 or T9 in milliseconds\n"
"                             (defaults T1:15000 T7:20000 T9:90000)\n"
"Origination (calls towards the gateway):\n"
"      --originate RATE       calls per second (decimal allowed; 0 = off, default)\n"
"      --called NUM           called number (default 1000)\n"
"      --calling NUM          calling number (default none)\n"
"      --cpc N                calling party's category (default 10, ordinary)\n"
"      --nai N                nature of address of both numbers (default 3, national)\n"
"      --hold MS              release answered calls after MS (default 1000; 0 = at once)\n"
"      --count N              stop after N calls (default 0 = no limit)\n"
"      --max-outstanding N    originated calls not yet back to idle (default 32, max %u)\n"
"Faults and control:\n"
"      --control-port PORT    UDP control socket on 127.0.0.1 (default none); one command\n"
"                             per datagram, the reply comes back to the sender\n"
"      --fault-at SECONDS:COMMAND\n"
"                             run COMMAND SECONDS after start (repeatable, max %u)\n"
"      Commands: drop | flap N INTERVAL_MS | beat off|on | grs-storm N |\n"
"                block FIRST LAST | unblock [FIRST LAST] | slow MS | malformed N |\n"
"                duna PC | dava PC | scon PC LEVEL | summary\n"
"Output:\n"
"      --log-level N          DSIM log level (1 debug .. 8 fatal; default notice)\n"
"On SIGUSR1 and at exit (SIGTERM, SIGINT) a summary is printed on stdout as lines\n"
"'pstn-sim: KEY VALUE', the last one 'pstn-sim: end'.\n",
	       SIM_MAX_RULES, SIM_MAX_OUTSTANDING, SIM_MAX_FAULT_AT);
}

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 0 },
	{ "port", required_argument, NULL, 0 },
	{ "transport", required_argument, NULL, 0 },
	{ "local-pc", required_argument, NULL, 0 },
	{ "remote-pc", required_argument, NULL, 0 },
	{ "ni", required_argument, NULL, 0 },
	{ "routing-context", required_argument, NULL, 0 },
	{ "cics", required_argument, NULL, 0 },
	{ "rule", required_argument, NULL, 0 },
	{ "timer", required_argument, NULL, 0 },
	{ "originate", required_argument, NULL, 0 },
	{ "called", required_argument, NULL, 0 },
	{ "calling", required_argument, NULL, 0 },
	{ "cpc", required_argument, NULL, 0 },
	{ "nai", required_argument, NULL, 0 },
	{ "hold", required_argument, NULL, 0 },
	{ "count", required_argument, NULL, 0 },
	{ "max-outstanding", required_argument, NULL, 0 },
	{ "control-port", required_argument, NULL, 0 },
	{ "fault-at", required_argument, NULL, 0 },
	{ "log-level", required_argument, NULL, 0 },
	{ NULL, 0, NULL, 0 }
};

static void print_stdout(void *priv, const char *line)
{
	printf("%s\n", line);
}

static void summary(struct sim *sim)
{
	sim_summary_print(sim, print_stdout, NULL);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	void *ctx = talloc_named_const(NULL, 0, "pstn-sim");
	struct sim *sim = talloc_zero(ctx, struct sim);
	const char *why = NULL;
	int opt, idx, rc;

	if (!sim)
		return 1;
	osmo_init_logging2(ctx, &gw_log_info);
	log_set_print_category_hex(osmo_stderr_target, 0);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_print_level(osmo_stderr_target, 1);
	sim_cfg_defaults(&sim->cfg);
	if (sim_cic_fsm_init() < 0)
		return 1;

	/* a config file is read where it appears, so later options override it */
	while ((opt = getopt_long(argc, argv, "hc:", long_opts, &idx)) != -1) {
		switch (opt) {
		case 'h':
			print_help();
			return 0;
		case 'c': {
			unsigned line;
			rc = sim_cfg_load(&sim->cfg, optarg, &line, &why);
			if (rc) {
				fprintf(stderr, "pstn-sim: %s:%u: %s\n", optarg, line, why);
				return 2;
			}
			break;
		}
		case 0:
			rc = sim_cfg_option(&sim->cfg, long_opts[idx].name, optarg, &why);
			if (rc) {
				fprintf(stderr, "pstn-sim: --%s %s: %s\n", long_opts[idx].name, optarg, why);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "pstn-sim: see --help\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pstn-sim: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (sim_cfg_finish(&sim->cfg, &why)) {
		fprintf(stderr, "pstn-sim: %s\n", why);
		return 2;
	}
	if (sim->cfg.log_level >= 0)
		log_set_category_filter(osmo_stderr_target, DSIM, 1, sim->cfg.log_level);

	if (sim_summary_init(sim, sim) < 0 || sim_cic_alloc_all(sim, sim) < 0) {
		fprintf(stderr, "pstn-sim: cannot allocate the circuits\n");
		return 1;
	}
	rc = sim_sg_start(sim, sim);
	if (rc < 0) {
		fprintf(stderr, "pstn-sim: cannot listen on %s %s:%u: %s\n", sim->cfg.sctp ? "sctp" : "tcp",
			sim->cfg.listen_ip, sim->cfg.port, strerror(-rc));
		return 1;
	}
	rc = sim_fault_start(sim);
	if (rc < 0) {
		fprintf(stderr, "pstn-sim: cannot open control port %u: %s\n", sim->cfg.control_port,
			strerror(-rc));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGPIPE, SIG_IGN);

	{
		char lpc[32], rpc[32];
		printf("pstn-sim ready: %s %s port %u pc %s gateway %s cics %u-%u rules %u\n",
		       sim->cfg.sctp ? "sctp" : "tcp", sim->cfg.listen_ip, sim_sg_port(sim),
		       mtp3_pc_str(lpc, sizeof(lpc), sim->cfg.local_pc),
		       mtp3_pc_str(rpc, sizeof(rpc), sim->cfg.remote_pc),
		       sim->cfg.cic_first, sim->cfg.cic_last, sim->cfg.num_rules);
		fflush(stdout);
	}
	sim_summary_cpu_mark(sim);

	while (!got_term) {
		osmo_select_main(0);
		if (got_usr1) {
			got_usr1 = 0;
			summary(sim);
		}
	}
	summary(sim);
	sim_fault_stop(sim);
	sim_orig_stop(sim);
	sim_sg_stop(sim);
	sim_cic_free_all(sim);
	sim_summary_free(sim);
	talloc_free(sim);
	return 0;
}
