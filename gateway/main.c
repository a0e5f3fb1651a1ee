/* main.c - the sipisup-gw daemon: parse arguments, read the config, run the loop */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/ctrl/control_if.h>
#include <osmocom/ctrl/control_vty.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/logging.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/stats.h>
#include <osmocom/vty/telnet_interface.h>
#include <osmocom/vty/vty.h>

#include "config.h"
#include "common/log.h"
#include "gateway/esup.h"
#include "gateway/gw.h"

static const char *config_file = "sipisup-gw.cfg";
static volatile sig_atomic_t quit_signal;

static struct vty_app_info vty_info = {
	.name = "sipisup-gw",
	.version = PACKAGE_VERSION,
	.copyright = "Copyright the sipisup-gw authors. License: GNU AGPLv3+.\r\n",
};

static void print_help(void)
{
	printf("Usage: sipisup-gw [-c CONFIG] [-h] [-V]\n"
	       "  -c, --config-file FILE  read FILE (default sipisup-gw.cfg)\n"
	       "  -h, --help              this text\n"
	       "  -V, --version           print the version\n"
	       "Telnet VTY on 127.0.0.1:%d, CTRL on 127.0.0.1:%d unless the config says otherwise\n"
	       "('line vty' / 'bind ADDR PORT'; 'ctrl' / 'bind ADDR' and 'gateway' / 'ctrl-port PORT').\n",
	       GW_VTY_PORT, GW_CTRL_PORT);
}

static void handle_options(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "config-file", 1, 0, 'c' },
		{ "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' },
		{ 0, 0, 0, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_file = optarg;
			break;
		case 'h':
			print_help();
			exit(0);
		case 'V':
			print_version(1);
			exit(0);
		default:
			print_help();
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		exit(2);
	}
}

static void signal_handler(int signum)
{
	quit_signal = signum;
}

int main(int argc, char **argv)
{
	void *tall_ctx = talloc_named_const(NULL, 1, "sipisup-gw");
	struct ctrl_handle *ctrl;
	struct gw *gw;
	int rc;

	msgb_talloc_ctx_init(tall_ctx, 0);
	osmo_init_logging2(tall_ctx, &gw_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_print_category_hex(osmo_stderr_target, 0);
	log_set_print_level(osmo_stderr_target, 1);
	osmo_stats_init(tall_ctx);

	vty_info.tall_ctx = tall_ctx;
	vty_init(&vty_info);
	logging_vty_add_cmds();
	osmo_talloc_vty_add_cmds();
	osmo_stats_vty_add_cmds();
	osmo_fsm_vty_add_cmds();
	ctrl_vty_init(tall_ctx);

	gw = gw_alloc(tall_ctx);
	gw_vty_init(gw);

	handle_options(argc, argv);

	rc = vty_read_config_file(config_file, NULL);
	if (rc < 0) {
		fprintf(stderr, "failed to read config file '%s': %s\n", config_file, strerror(-rc));
		return 1;
	}

	rc = telnet_init_default(tall_ctx, gw, GW_VTY_PORT);
	if (rc < 0) {
		fprintf(stderr, "cannot open the telnet VTY: %s\n", strerror(-rc));
		return 1;
	}
	ctrl = ctrl_interface_setup_dynip2(gw, ctrl_vty_get_bind_addr(), gw->ctrl_port, NULL, 0);
	if (!ctrl) {
		fprintf(stderr, "cannot open the CTRL interface\n");
		return 1;
	}
	gw->ctrl = ctrl;
	esup_set_ctrl(gw->esup, ctrl);

	rc = gw_start(gw);
	if (rc < 0) {
		fprintf(stderr, "start-up failed: %s\n", strerror(-rc));
		return 1;
	}

	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);
	signal(SIGPIPE, SIG_IGN);

	while (!quit_signal)
		osmo_select_main_ctx(0);

	LOGP(DCALL, LOGL_NOTICE, "signal %d: shutting down\n", quit_signal);
	gw_stop(gw);
	talloc_free(gw);
	return 0;
}
