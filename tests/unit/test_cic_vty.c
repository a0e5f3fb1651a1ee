/* test_cic_vty.c - circuit-group config round trip, show cic, cic maintenance commands (Q.764 timers) */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <osmocom/vty/buffer.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>

#include "test_cic_common.h"

static const char cfg_text[] =
	"circuit-group east\n"
	" dpc 0.25.0\n"
	" cic 1 64\n"
	" hunting odd\n"
	" no reset-on-resume\n"
	" grs-outstanding 2\n"
	" grs-pacing 250\n"
	" emergency-reserve 4\n"
	" timer T1 30\n"
	" timer T23 600\n"
	" block 5\n"
	" block 7\n"
	"circuit-group west\n"
	" dpc 0.37.4\n"
	" cic 100 131\n"
	" hunting lru\n"
	" reset-on-resume\n"
	" grs-outstanding 4\n"
	" grs-pacing 100\n"
	" emergency-reserve 0\n";

static void *vty_ctx;
static struct vty_app_info vty_info = { .name = "test_cic_vty", .version = "0" };

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	fclose(f);
}

static char *read_file(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static struct isup_up *vty_up(void)
{
	struct isup_up *up = up_new(OUR_PC);

	vty_ctx = talloc_named_const(NULL, 0, "vty");
	vty_info.tall_ctx = vty_ctx;
	vty_init(&vty_info);
	cic_vty_init(up);
	return up;
}

START_TEST(test_config_round_trip)
{
	char in[] = "/tmp/test_cic_vty_in.XXXXXX", out[] = "/tmp/test_cic_vty_out.XXXXXX";
	char out2[] = "/tmp/test_cic_vty_out2.XXXXXX";
	struct isup_up *up = vty_up();
	struct cic_group *east, *west;
	char *text, *first;

	ck_assert_int_ge(mkstemp(in), 0);
	ck_assert_int_ge(mkstemp(out), 0);
	ck_assert_int_ge(mkstemp(out2), 0);
	write_file(in, cfg_text);
	ck_assert_int_eq(vty_read_config_file(in, NULL), 0);

	east = cic_group_find(up, "east");
	west = cic_group_find(up, "west");
	ck_assert_ptr_nonnull(east);
	ck_assert_ptr_nonnull(west);
	ck_assert_uint_eq(cic_group_dpc(east), PEER_PC);
	ck_assert_uint_eq(cic_group_size(east), 64);
	ck_assert_uint_eq(cic_group_dpc(west), 300);
	ck_assert_uint_eq(cic_group_size(west), 32);
	ck_assert_uint_eq(cic_group_emergency_reserve(east), 4);
	ck_assert_uint_eq(cic_group_emergency_reserve(west), 0);
	ck_assert_uint_eq(osmo_tdef_get(cic_group_tdefs(east), 1, OSMO_TDEF_S, -1), 30);
	ck_assert_uint_eq(osmo_tdef_get(cic_group_tdefs(east), 23, OSMO_TDEF_S, -1), 600);
	ck_assert_uint_eq(osmo_tdef_get(cic_group_tdefs(east), 5, OSMO_TDEF_S, -1), 300);
	ck_assert_uint_eq(cic_block_bits(cic_lookup(up, PEER_PC, 5)), CIC_BLK_LOCAL_MAINT);
	ck_assert_uint_eq(cic_block_bits(cic_lookup(up, PEER_PC, 6)), 0);
	ck_assert_uint_eq(cic_block_bits(cic_lookup(up, PEER_PC, 7)), CIC_BLK_LOCAL_MAINT);

	ck_assert_int_eq(osmo_vty_write_config_file(out), 0);
	text = read_file(out);
	ck_assert_msg(strstr(text, cfg_text), "written config lacks the input:\n%s", text);
	first = strdup(text);

	/* reload what was written into fresh groups: the same text comes out */
	cic_group_free(east);
	cic_group_free(west);
	ck_assert_int_eq(vty_read_config_file(out, NULL), 0);
	ck_assert_int_eq(osmo_vty_write_config_file(out2), 0);
	ck_assert_str_eq(read_file(out2), first);
	free(first);

	/* bad input is refused with the reason, the group is unchanged */
	write_file(in, "circuit-group east\n cic 64 1\n");
	ck_assert_int_lt(vty_read_config_file(in, NULL), 0);
	ck_assert_uint_eq(cic_group_size(cic_group_find(up, "east")), 64);
	write_file(in, "circuit-group east\n timer T1 0\n");
	ck_assert_int_lt(vty_read_config_file(in, NULL), 0);
	write_file(in, "circuit-group east\n dpc 8.0.0\n");
	ck_assert_int_lt(vty_read_config_file(in, NULL), 0);
	ck_assert_uint_eq(osmo_tdef_get(cic_group_tdefs(cic_group_find(up, "east")), 1, OSMO_TDEF_S, -1), 30);

	unlink(in);
	unlink(out);
	unlink(out2);
	isup_up_free(up);
	talloc_free(vty_ctx);
}
END_TEST

/* Run one command on a telnet vty and return what it printed. */
static const char *run(struct vty *vty, int peer_fd, const char *cmd, int want_rc)
{
	static char buf[65536];
	vector v = cmd_make_strvec(cmd);
	ssize_t n, total = 0;
	int rc;

	rc = cmd_execute_command(v, vty, NULL, 0);
	cmd_free_strvec(v);
	ck_assert_msg(rc == want_rc, "%s: rc %d, want %d", cmd, rc, want_rc);
	buffer_flush_all(vty->obuf, vty->fd);
	while ((n = read(peer_fd, buf + total, sizeof(buf) - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	return buf;
}

START_TEST(test_show_and_maintenance)
{
	struct isup_up *up = vty_up();
	char in[] = "/tmp/test_cic_vty_in.XXXXXX";
	struct cic_group *east;
	struct vty *vty;
	const char *o;
	int sv[2];

	ck_assert_int_ge(mkstemp(in), 0);
	write_file(in, "circuit-group east\n dpc 0.25.0\n cic 1 8\n block 2\n");
	ck_assert_int_eq(vty_read_config_file(in, NULL), 0);
	unlink(in);
	east = cic_group_find(up, "east");
	bring_up(up, east);
	/* the configured block is said after the reset */
	ck_assert_uint_eq(ctr(east, CIC_CTR_BLO_OUT), 1);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	vty = vty_create(sv[0], NULL);
	ck_assert_ptr_nonnull(vty);
	run(vty, sv[1], "enable", CMD_SUCCESS);

	o = run(vty, sv[1], "show cic east", CMD_SUCCESS);
	ck_assert_msg(strstr(o, "circuit-group east dpc 0.25.0 cic 1-8 hunting ascending, DPC available"), "%s", o);
	ck_assert_msg(strstr(o, "CIC    2 IDLE           block LM"), "%s", o);
	ck_assert_msg(strstr(o, "CIC    3 IDLE           block -"), "%s", o);

	run(vty, sv[1], "cic east block 3", CMD_SUCCESS);
	take(ISUP_MSGT_BLO, 3);
	run(vty, sv[1], "cic east unblock 2", CMD_SUCCESS);
	take(ISUP_MSGT_UBL, 2);
	run(vty, sv[1], "cic east reset 4", CMD_SUCCESS);
	take(ISUP_MSGT_RSC, 4);
	run(vty, sv[1], "cic east block 5 8", CMD_SUCCESS);
	ck_assert_uint_eq(take(ISUP_MSGT_CGB, 5)->rs.range, 3);
	run(vty, sv[1], "cic east unblock 5 8", CMD_SUCCESS);
	ck_assert_uint_eq(take(ISUP_MSGT_CGU, 5)->rs.status, 0xf);
	run(vty, sv[1], "cic east reset 1 8", CMD_SUCCESS);
	ck_assert_uint_eq(take(ISUP_MSGT_GRS, 1)->rs.range, 7);
	o = run(vty, sv[1], "cic east block 9", CMD_WARNING);
	ck_assert_msg(strstr(o, "outside the group's CIC range"), "%s", o);
	o = run(vty, sv[1], "cic nowhere reset 1", CMD_WARNING);
	ck_assert_msg(strstr(o, "no circuit-group nowhere"), "%s", o);
	nothing_sent();

	o = run(vty, sv[1], "show cic summary", CMD_SUCCESS);
	ck_assert_msg(strstr(o, "circuits 8: idle 0, outgoing 0, incoming 0, wait-rlc 0, wait-rsc-rlc 0, "
			     "wait-gra 8, blocked 1"), "%s", o);
	ck_assert_msg(!strstr(o, "CIC    1"), "%s", o);

	vty_close(vty);
	close(sv[1]);
	isup_up_free(up);
	talloc_free(vty_ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cic_vty");
	TCase *tc = tcase_create("vty");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_round_trip);
	tcase_add_test(tc, test_show_and_maintenance);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
