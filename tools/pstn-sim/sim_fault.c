/* sim_fault.c - PSTN simulator: fault injection commands, UDP control socket and schedules */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/m3ua.h"
#include "sigtran/mtp3.h"
#include "tools/pstn-sim/sim.h"

#define MAX_ARGS	4
#define REPLY_MAX	61440	/* one UDP datagram holds the whole summary, even the largest */
#define REPLY_LAST	128	/* kept free for the truncation note and the last line */
#define STORM_MAX	1000	/* bound of grs-storm and malformed repetitions */
#define FLAP_MAX	100

typedef int (*cmd_fn)(struct sim *sim, char **argv, const char **why);

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || *end || *out > max) ? -EINVAL : 0;
}

/* Why a send-based command failed, for its reply. */
static const char *send_why(int rc)
{
	return rc == -ENOSPC ? "send queue full" : "no active ASP";
}

static int cmd_drop(struct sim *sim, char **argv, const char **why)
{
	sim_ctr_inc(sim, SIM_CTR_FAULT_DROP);
	sim_sg_drop_all(sim);
	return 0;
}

static void flap_tick(void *data)
{
	struct sim *sim = data;

	if (!sim->flap_left)
		return;
	sim->flap_left--;
	sim_ctr_inc(sim, SIM_CTR_FAULT_FLAP);
	sim_sg_drop_all(sim);
	if (sim->flap_left)
		osmo_timer_schedule(&sim->flap_timer, sim->flap_interval_ms / 1000,
				    (sim->flap_interval_ms % 1000) * 1000);
}

/* flap N INTERVAL_MS: drop every connection N times, INTERVAL_MS apart (the gateway reconnects). */
static int cmd_flap(struct sim *sim, char **argv, const char **why)
{
	unsigned long n, ms;

	if (parse_num(argv[1], FLAP_MAX, &n) || !n || parse_num(argv[2], 3600000, &ms) || !ms) {
		*why = "flap N(1.." OSMO_STRINGIFY_VAL(FLAP_MAX) ") INTERVAL_MS(>0)";
		return -EINVAL;
	}
	sim->flap_left = n;
	sim->flap_interval_ms = ms;
	osmo_timer_del(&sim->flap_timer);
	flap_tick(sim);
	return 0;
}

static int cmd_beat(struct sim *sim, char **argv, const char **why)
{
	if (!strcmp(argv[1], "off"))
		sim_sg_beat(sim, false);
	else if (!strcmp(argv[1], "on"))
		sim_sg_beat(sim, true);
	else {
		*why = "beat off|on";
		return -EINVAL;
	}
	sim_ctr_inc(sim, SIM_CTR_FAULT_BEAT);
	return 0;
}

static int cmd_grs_storm(struct sim *sim, char **argv, const char **why)
{
	unsigned long n;
	int rc;

	if (parse_num(argv[1], STORM_MAX, &n) || !n) {
		*why = "grs-storm N(1.." OSMO_STRINGIFY_VAL(STORM_MAX) ")";
		return -EINVAL;
	}
	rc = sim_isup_grs_storm(sim, n);
	if (rc < 0)
		*why = send_why(rc);
	return rc < 0 ? rc : 0;
}

static int parse_range(struct sim *sim, char **argv, uint16_t *first, uint16_t *last)
{
	unsigned long a, b;

	if (!argv[1]) {
		*first = sim->cfg.cic_first;
		*last = sim->cfg.cic_last;
		return 0;
	}
	if (!argv[2] || parse_num(argv[1], 4095, &a) || parse_num(argv[2], 4095, &b) || a > b ||
	    !sim_cic_lookup(sim, a) || !sim_cic_lookup(sim, b))
		return -EINVAL;
	*first = a;
	*last = b;
	return 0;
}

static int cmd_block(struct sim *sim, char **argv, const char **why, bool block)
{
	uint16_t first, last;
	int rc;

	if ((block && !argv[1]) || parse_range(sim, argv, &first, &last)) {
		*why = "block FIRST LAST / unblock [FIRST LAST], within the configured CICs";
		return -EINVAL;
	}
	rc = sim_isup_block(sim, first, last, block);
	if (rc < 0)
		*why = send_why(rc);
	return rc < 0 ? rc : 0;
}

static int cmd_cgb(struct sim *sim, char **argv, const char **why)
{
	return cmd_block(sim, argv, why, true);
}

static int cmd_cgu(struct sim *sim, char **argv, const char **why)
{
	return cmd_block(sim, argv, why, false);
}

static int cmd_slow(struct sim *sim, char **argv, const char **why)
{
	unsigned long ms;

	if (parse_num(argv[1], 3600000, &ms)) {
		*why = "slow MS (0 = off)";
		return -EINVAL;
	}
	sim->slow_ms = ms;
	sim_ctr_inc(sim, SIM_CTR_FAULT_SLOW);
	return 0;
}

static int cmd_malformed(struct sim *sim, char **argv, const char **why)
{
	unsigned long n;
	int rc;

	if (parse_num(argv[1], STORM_MAX, &n) || !n) {
		*why = "malformed N(1.." OSMO_STRINGIFY_VAL(STORM_MAX) ")";
		return -EINVAL;
	}
	rc = sim_isup_send_malformed(sim, n);
	if (rc < 0)
		*why = send_why(rc);
	return rc < 0 ? rc : 0;
}

static int ssnm(struct sim *sim, char **argv, const char **why, uint8_t type, enum sim_ctr ctr)
{
	uint32_t pc;
	unsigned long level = 0;
	int rc;

	if (mtp3_pc_parse(&pc, argv[1]) || pc > MTP3_PC_MAX) {
		*why = "bad point code";
		return -EINVAL;
	}
	if (type == M3UA_SSNM_SCON && parse_num(argv[2], 3, &level)) {
		*why = "scon PC LEVEL(0..3)";
		return -EINVAL;
	}
	rc = sim_sg_send_ssnm(sim, type, pc, type == M3UA_SSNM_SCON ? (int)level : -1);
	if (rc <= 0) {
		*why = "no ASP up";
		return rc < 0 ? rc : -ENOTCONN;
	}
	sim_ctr_inc(sim, ctr);
	return 0;
}

static int cmd_duna(struct sim *sim, char **argv, const char **why)
{
	return ssnm(sim, argv, why, M3UA_SSNM_DUNA, SIM_CTR_FAULT_DUNA);
}

static int cmd_dava(struct sim *sim, char **argv, const char **why)
{
	return ssnm(sim, argv, why, M3UA_SSNM_DAVA, SIM_CTR_FAULT_DAVA);
}

static int cmd_scon(struct sim *sim, char **argv, const char **why)
{
	return ssnm(sim, argv, why, M3UA_SSNM_SCON, SIM_CTR_FAULT_SCON);
}

struct cmd {
	const char *name;
	unsigned min_args, max_args;	/* after the command word */
	cmd_fn fn;
};

/* "summary" is handled by sim_fault_cmd itself: it produces lines, not a status. */
static const struct cmd cmds[] = {
	{ "drop", 0, 0, cmd_drop },
	{ "flap", 2, 2, cmd_flap },
	{ "beat", 1, 1, cmd_beat },
	{ "grs-storm", 1, 1, cmd_grs_storm },
	{ "block", 2, 2, cmd_cgb },
	{ "unblock", 0, 2, cmd_cgu },
	{ "slow", 1, 1, cmd_slow },
	{ "malformed", 1, 1, cmd_malformed },
	{ "duna", 1, 1, cmd_duna },
	{ "dava", 1, 1, cmd_dava },
	{ "scon", 2, 2, cmd_scon },
};

int sim_fault_cmd(struct sim *sim, const char *line, void (*out)(void *priv, const char *line), void *priv)
{
	char buf[SIM_MAX_CMD + 1];
	char *argv[MAX_ARGS + 2] = { NULL };
	unsigned argc = 0;
	char *save = NULL, *tok;
	const char *why = "unknown command";
	char reply[SIM_MAX_CMD + 64];
	int rc = -EINVAL;

	if (strlen(line) > SIM_MAX_CMD) {
		sim_ctr_inc(sim, SIM_CTR_CTL_BAD);
		out(priv, "error: command too long");
		return -EINVAL;
	}
	OSMO_STRLCPY_ARRAY(buf, line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc > MAX_ARGS) {
			why = "too many arguments";
			goto bad;
		}
		argv[argc++] = tok;
	}
	if (!argc) {
		why = "empty command";
		goto bad;
	}
	if (!strcmp(argv[0], "summary") && argc == 1) {
		sim_ctr_inc(sim, SIM_CTR_CTL_COMMANDS);
		sim_summary_print(sim, out, priv);
		return 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(cmds); i++) {
		const struct cmd *c = &cmds[i];
		if (strcmp(argv[0], c->name))
			continue;
		if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
			why = "wrong number of arguments";
			goto bad;
		}
		rc = c->fn(sim, argv, &why);
		if (rc < 0)
			goto bad;
		sim_ctr_inc(sim, SIM_CTR_CTL_COMMANDS);
		LOGP(DSIM, LOGL_NOTICE, "command: %s\n", line);
		out(priv, "ok");
		return 0;
	}
bad:
	sim_ctr_inc(sim, SIM_CTR_CTL_BAD);
	LOGP(DSIM, LOGL_NOTICE, "command refused: %s: %s\n", line, why);
	snprintf(reply, sizeof(reply), "error: %s", why);
	out(priv, reply);
	return rc;
}

/* Reply lines collected into one datagram. */
struct reply {
	char buf[REPLY_MAX];
	size_t len;
	unsigned dropped;	/* lines that did not fit */
};

static void reply_put(struct reply *r, const char *line)
{
	size_t n = strlen(line);

	memcpy(r->buf + r->len, line, n);
	r->len += n;
	r->buf[r->len++] = '\n';
}

/* A reply cut short still says so and ends with its last line, so a reader never takes a
 * partial summary for a whole one. */
static void reply_line(void *priv, const char *line)
{
	struct reply *r = priv;
	bool last = !strcmp(line, "pstn-sim: end");
	char note[64];

	if (last && r->dropped) {
		snprintf(note, sizeof(note), "pstn-sim: reply.truncated_lines %u", r->dropped);
		reply_put(r, note);
	}
	if (r->len + strlen(line) + 1 > sizeof(r->buf) - (last ? 0 : REPLY_LAST)) {
		r->dropped++;
		return;
	}
	reply_put(r, line);
}

static int ctl_read_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct sim *sim = ofd->data;
	char cmd[SIM_MAX_CMD + 2];
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	struct reply *r;
	ssize_t n;

	n = recvfrom(ofd->fd, cmd, sizeof(cmd) - 1, 0, (struct sockaddr *)&from, &from_len);
	if (n < 0)
		return 0;
	cmd[n] = '\0';
	r = talloc_zero(sim, struct reply);
	if (!r)
		return 0;
	if ((size_t)n > SIM_MAX_CMD) {
		sim_ctr_inc(sim, SIM_CTR_CTL_BAD);
		reply_line(r, "error: command too long");
	} else {
		sim_fault_cmd(sim, cmd, reply_line, r);
	}
	sendto(ofd->fd, r->buf, r->len, 0, (struct sockaddr *)&from, from_len);
	talloc_free(r);
	return 0;
}

static void log_line(void *priv, const char *line)
{
	LOGP(DSIM, LOGL_NOTICE, "scheduled: %s\n", line);
}

static void fault_at_cb(void *data)
{
	struct sim_fault_at *f = data;

	sim_fault_cmd(f->sim, f->cmd, log_line, NULL);
}

int sim_fault_start(struct sim *sim)
{
	int rc;

	sim->ctl_ofd.fd = -1;
	osmo_timer_setup(&sim->flap_timer, flap_tick, sim);
	for (unsigned i = 0; i < sim->cfg.num_fault_at; i++) {
		struct sim_fault_at *f = &sim->cfg.fault_at[i];
		f->sim = sim;
		osmo_timer_setup(&f->timer, fault_at_cb, f);
		osmo_timer_schedule(&f->timer, f->at_ms / 1000, (f->at_ms % 1000) * 1000);
	}
	if (!sim->cfg.control_port)
		return 0;
	/* control is local only: bound to loopback whatever the M3UA listen address */
	osmo_fd_setup(&sim->ctl_ofd, -1, OSMO_FD_READ, ctl_read_cb, sim, 0);
	rc = osmo_sock_init_ofd(&sim->ctl_ofd, AF_INET, SOCK_DGRAM, IPPROTO_UDP, "127.0.0.1",
				sim->cfg.control_port, OSMO_SOCK_F_BIND);
	return rc < 0 ? rc : 0;
}

void sim_fault_stop(struct sim *sim)
{
	for (unsigned i = 0; i < sim->cfg.num_fault_at; i++)
		osmo_timer_del(&sim->cfg.fault_at[i].timer);
	osmo_timer_del(&sim->flap_timer);
	if (sim->ctl_ofd.fd >= 0) {
		osmo_fd_unregister(&sim->ctl_ofd);
		close(sim->ctl_ofd.fd);
		sim->ctl_ofd.fd = -1;
	}
}
