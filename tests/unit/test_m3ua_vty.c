/* test_m3ua_vty.c - asp/as config nodes: parse, write back identically, show asp / show as */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/application.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>

#include "common/log.h"
#include "sigtran/m3ua_as.h"
#include "sigtran/m3ua_asp.h"
#include "sigtran/m3ua_vty.h"

/* Written exactly the way config_write prints it, so that the round trip compares equal. */
static const char cfg_text[] =
	"asp sgp-a\n"
	" transport sctp\n"
	" remote-ip 10.0.0.1\n"
	" remote-port 2905\n"
	" local-ip 10.0.0.9\n"
	" local-port 2906\n"
	" asp-identifier 17\n"
	" timer beat 5000\n"
	" timer reconnect-max 60000\n"
	"asp sgp-b\n"
	" transport tcp\n"
	" remote-ip 10.0.0.2\n"
	" remote-port 3000\n"
	" send-queue 128\n"
	"as isup\n"
	" traffic-mode loadshare\n"
	" routing-context 7\n"
	" network-appearance 2\n"
	" asp sgp-a\n"
	" asp sgp-b\n";

static void *ctx;

static struct vty_app_info app_info = {
	.name = "test_m3ua_vty",
	.version = "0",
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Run one command on a shell-type vty whose output (stdout) goes to a file; return the output. */
static char *run_cmd(const char *cmd)
{
	char path[] = "/tmp/test_m3ua_vty_outXXXXXX";
	int fd = mkstemp(path), saved = dup(1), rc;
	struct vty *vty = vty_new();
	vector v = cmd_make_strvec(cmd);
	char *out;

	vty->type = VTY_SHELL;
	vty->node = ENABLE_NODE;
	fflush(stdout);
	dup2(fd, 1);
	rc = cmd_execute_command(v, vty, NULL, 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	cmd_free_strvec(v);
	vty_close(vty);
	ck_assert_int_eq(rc, CMD_SUCCESS);
	out = slurp(path);
	unlink(path);
	return out;
}

START_TEST(test_config_roundtrip_and_show)
{
	char in[] = "/tmp/test_m3ua_vty_inXXXXXX", out[] = "/tmp/test_m3ua_vty_wrXXXXXX";
	size_t base = talloc_total_blocks(ctx);
	struct m3ua_as *as;
	struct m3ua_asp *a, *b;
	char *written, *show;
	int fd;

	fd = mkstemp(in);
	ck_assert_int_eq(write(fd, cfg_text, strlen(cfg_text)), (int)strlen(cfg_text));
	close(fd);
	ck_assert_int_eq(vty_read_config_file(in, NULL), 0);
	unlink(in);

	a = m3ua_vty_asp_find("sgp-a");
	b = m3ua_vty_asp_find("sgp-b");
	as = m3ua_vty_as_find("isup");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(as);
	ck_assert_int_eq(m3ua_asp_cfg(a)->proto, M3UA_PROTO_SCTP);
	ck_assert_str_eq(m3ua_asp_cfg(a)->remote_ip, "10.0.0.1");
	ck_assert_uint_eq(m3ua_asp_cfg(a)->local_port, 2906);
	ck_assert_uint_eq(m3ua_asp_cfg(a)->asp_id, 17);
	ck_assert_uint_eq(osmo_tdef_get(m3ua_asp_tdefs(a), M3UA_T_BEAT, OSMO_TDEF_MS, -1), 5000);
	ck_assert_int_eq(m3ua_asp_cfg(b)->proto, M3UA_PROTO_TCP);
	ck_assert_uint_eq(m3ua_asp_cfg(b)->remote_port, 3000);
	ck_assert_uint_eq(m3ua_asp_cfg(b)->wqueue_max, 128);
	ck_assert_int_eq(m3ua_as_cfg(as)->mode, M3UA_TMT_LOADSHARE);
	ck_assert(m3ua_as_cfg(as)->rc_present);
	ck_assert_uint_eq(m3ua_as_cfg(as)->rc, 7);
	ck_assert_uint_eq(m3ua_as_cfg(as)->na, 2);
	ck_assert_uint_eq(m3ua_as_num_asp(as), 2);
	ck_assert_ptr_eq(m3ua_as_asp(as, 0), a);
	ck_assert_ptr_eq(m3ua_as_asp(as, 1), b);

	fd = mkstemp(out);
	close(fd);
	ck_assert_int_eq(osmo_vty_write_config_file(out), 0);
	written = slurp(out);
	unlink(out);
	if (!strstr(written, cfg_text))
		fprintf(stderr, "written:\n%s\n", written);
	ck_assert_ptr_nonnull(strstr(written, cfg_text));
	free(written);

	show = run_cmd("show asp");
	ck_assert_ptr_nonnull(strstr(show, "asp sgp-a: DOWN, sctp 10.0.0.1:2905"));
	ck_assert_ptr_nonnull(strstr(show, "asp sgp-b: DOWN, tcp 10.0.0.2:3000"));
	free(show);
	show = run_cmd("show as");
	ck_assert_ptr_nonnull(strstr(show, "as isup: INACTIVE, traffic-mode loadshare, destinations 0/64"));
	ck_assert_ptr_nonnull(strstr(show, "  asp sgp-b: DOWN"));
	free(show);

	m3ua_vty_free_all();
	ck_assert_ptr_null(m3ua_vty_as_find("isup"));
	ck_assert_uint_eq(talloc_total_blocks(ctx), base);
}
END_TEST

/* One AS per switch behind the gateway: M3UA_VTY_MAX_AS (32) are taken, the next is refused,
 * and the names, routing contexts and order survive. */
START_TEST(test_as_limit)
{
	char in[] = "/tmp/test_m3ua_vty_inXXXXXX";
	char *text = calloc(1, 65536);
	size_t len = 0;
	int fd;

	for (int i = 0; i <= M3UA_VTY_MAX_AS; i++)
		len += snprintf(text + len, 65536 - len, "asp sg%d\n transport tcp\n remote-ip 127.0.0.1\n"
				" remote-port %d\nas pstn%d\n routing-context %d\n asp sg%d\n",
				i, 3000 + i, i, i + 1, i);
	fd = mkstemp(in);
	ck_assert_int_eq(write(fd, text, len), (int)len);
	close(fd);
	/* the 33rd AS is refused: the file does not read cleanly */
	ck_assert_int_ne(vty_read_config_file(in, NULL), 0);
	unlink(in);
	free(text);
	ck_assert_uint_eq(M3UA_VTY_MAX_AS, 32);
	for (int i = 0; i < M3UA_VTY_MAX_AS; i++) {
		char name[16];
		struct m3ua_as *as;

		snprintf(name, sizeof(name), "pstn%d", i);
		as = m3ua_vty_as_find(name);
		ck_assert_ptr_nonnull(as);
		ck_assert_ptr_eq(m3ua_vty_as(i), as);
		ck_assert_uint_eq(m3ua_as_cfg(as)->rc, i + 1);
	}
	ck_assert_ptr_null(m3ua_vty_as_find("pstn32"));
	ck_assert_ptr_null(m3ua_vty_as(M3UA_VTY_MAX_AS));
	m3ua_vty_free_all();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("m3ua_vty");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	ctx = talloc_named_const(NULL, 0, "test");
	msgb_talloc_ctx_init(ctx, 0);
	osmo_init_logging2(ctx, &gw_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_ERROR);
	vty_init(&app_info);
	m3ua_vty_init(ctx);
	tcase_add_test(tc, test_config_roundtrip_and_show);
	tcase_add_test(tc, test_as_limit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
