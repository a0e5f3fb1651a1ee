/* m3ua_vty.c - VTY config (asp/as nodes, round-tripping config_write) and show asp / show as */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include "common/vty_nodes.h"
#include "sigtran/m3ua_as.h"
#include "sigtran/m3ua_asp.h"
#include "sigtran/m3ua_transport.h"
#include "sigtran/m3ua_vty.h"

static void *vty_ctx;
static struct m3ua_asp *asps[M3UA_VTY_MAX_ASP];
static unsigned num_asps;
static struct m3ua_as *ases[M3UA_VTY_MAX_AS];
static unsigned num_ases;

/* Timer keywords of the asp node, in the order written by config_write. */
static const struct value_string timer_names[] = {
	{ M3UA_T_BEAT, "beat" },
	{ M3UA_T_BEAT_MISS, "beat-miss" },
	{ M3UA_T_ACK, "ack" },
	{ M3UA_T_RECONN_MIN, "reconnect-min" },
	{ M3UA_T_RECONN_MAX, "reconnect-max" },
	{ M3UA_T_CONNECT, "connect" },
	{ 0, NULL }
};

static const struct value_string tmt_names[] = {
	{ M3UA_TMT_OVERRIDE, "override" },
	{ M3UA_TMT_LOADSHARE, "loadshare" },
	{ 0, NULL }
};

static struct cmd_node asp_node = { M3UA_ASP_NODE, "%s(config-m3ua-asp)# ", 1 };
static struct cmd_node as_node = { M3UA_AS_NODE, "%s(config-m3ua-as)# ", 1 };

struct m3ua_asp *m3ua_vty_asp_find(const char *name)
{
	unsigned i;

	for (i = 0; i < num_asps; i++)
		if (!strcmp(m3ua_asp_name(asps[i]), name))
			return asps[i];
	return NULL;
}

struct m3ua_as *m3ua_vty_as_find(const char *name)
{
	unsigned i;

	for (i = 0; i < num_ases; i++)
		if (!strcmp(m3ua_as_name(ases[i]), name))
			return ases[i];
	return NULL;
}

struct m3ua_as *m3ua_vty_as(unsigned idx)
{
	return idx < num_ases ? ases[idx] : NULL;
}

static bool asp_attached(const struct m3ua_asp *asp)
{
	unsigned i, j;

	for (i = 0; i < num_ases; i++)
		for (j = 0; j < m3ua_as_num_asp(ases[i]); j++)
			if (m3ua_as_asp(ases[i], j) == asp)
				return true;
	return false;
}

void m3ua_vty_free_all(void)
{
	unsigned i;

	/* An AS frees its ASPs; the ones not in any AS are freed here. */
	for (i = 0; i < num_asps; i++)
		if (!asp_attached(asps[i]))
			m3ua_asp_free(asps[i]);
	for (i = 0; i < num_ases; i++)
		m3ua_as_free(ases[i]);
	num_asps = num_ases = 0;
}

DEFUN(cfg_asp, cfg_asp_cmd, "asp NAME",
      "Configure an M3UA ASP (one SG connection)\n" "Name of the ASP\n")
{
	struct m3ua_asp *asp = m3ua_vty_asp_find(argv[0]);

	if (!asp) {
		struct m3ua_asp_cfg cfg;

		if (num_asps >= M3UA_VTY_MAX_ASP || strlen(argv[0]) >= sizeof(cfg.name)) {
			vty_out(vty, "%% Cannot add ASP %s (limit %u, name length)%s", argv[0], M3UA_VTY_MAX_ASP,
				VTY_NEWLINE);
			return CMD_WARNING;
		}
		m3ua_asp_cfg_init(&cfg, argv[0]);
		asp = m3ua_asp_alloc(vty_ctx, &cfg);
		if (!asp)
			return CMD_WARNING;
		asps[num_asps++] = asp;
	}
	vty->node = M3UA_ASP_NODE;
	vty->index = asp;
	return CMD_SUCCESS;
}

#define ASP_CFG	m3ua_asp_cfg_rw((struct m3ua_asp *)vty->index)

DEFUN(cfg_asp_remote_ip, cfg_asp_remote_ip_cmd, "remote-ip A.B.C.D",
      "Address of the SGP\n" "IPv4 address\n")
{
	OSMO_STRLCPY_ARRAY(ASP_CFG->remote_ip, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_asp_remote_port, cfg_asp_remote_port_cmd, "remote-port <1-65535>",
      "Port of the SGP\n" "Port number (M3UA: 2905)\n")
{
	ASP_CFG->remote_port = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_asp_local_ip, cfg_asp_local_ip_cmd, "local-ip A.B.C.D",
      "Local address to bind\n" "IPv4 address\n")
{
	OSMO_STRLCPY_ARRAY(ASP_CFG->local_ip, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_asp_local_port, cfg_asp_local_port_cmd, "local-port <0-65535>",
      "Local port to bind\n" "Port number, 0 for any\n")
{
	ASP_CFG->local_port = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_asp_transport, cfg_asp_transport_cmd, "transport (sctp|tcp)",
      "Transport of the association\n" "Kernel SCTP, PPID 3 (production)\n"
      "TCP framed by the M3UA length\n")
{
	ASP_CFG->proto = !strcmp(argv[0], "tcp") ? M3UA_PROTO_TCP : M3UA_PROTO_SCTP;
	return CMD_SUCCESS;
}

DEFUN(cfg_asp_asp_id, cfg_asp_asp_id_cmd, "asp-identifier <0-4294967295>",
      "ASP Identifier sent in ASPUP\n" "Identifier\n")
{
	ASP_CFG->asp_id_present = true;
	ASP_CFG->asp_id = strtoul(argv[0], NULL, 10);
	return CMD_SUCCESS;
}

DEFUN(cfg_asp_queue, cfg_asp_queue_cmd, "send-queue <1-65535>",
      "Bound of the send queue\n" "Messages\n")
{
	ASP_CFG->wqueue_max = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_asp_timer, cfg_asp_timer_cmd,
      "timer (beat|beat-miss|ack|reconnect-min|reconnect-max|connect) <0-3600000>",
      "ASP timers\n" "BEAT interval, ms (0: off)\n" "Missed BEAT_ACKs that declare peer loss\n"
      "Wait for ASPSM/ASPTM acks, ms\n" "First reconnect delay, ms\n" "Reconnect delay ceiling, ms\n"
      "Transport connect timeout, ms\n" "Value\n")
{
	struct osmo_tdef *t = m3ua_asp_tdefs(vty->index);
	int T = get_string_value(timer_names, argv[0]);

	osmo_tdef_set(t, T, strtoul(argv[1], NULL, 10), osmo_tdef_get_entry(t, T)->unit);
	return CMD_SUCCESS;
}

DEFUN(cfg_as, cfg_as_cmd, "as NAME",
      "Configure an M3UA Application Server\n" "Name of the AS\n")
{
	struct m3ua_as *as = m3ua_vty_as_find(argv[0]);

	if (!as) {
		struct m3ua_as_cfg cfg;

		if (num_ases >= M3UA_VTY_MAX_AS || strlen(argv[0]) >= sizeof(cfg.name)) {
			vty_out(vty, "%% Cannot add AS %s (limit %u, name length)%s", argv[0], M3UA_VTY_MAX_AS,
				VTY_NEWLINE);
			return CMD_WARNING;
		}
		m3ua_as_cfg_init(&cfg, argv[0]);
		as = m3ua_as_alloc(vty_ctx, &cfg, NULL, NULL);
		if (!as)
			return CMD_WARNING;
		ases[num_ases++] = as;
	}
	vty->node = M3UA_AS_NODE;
	vty->index = as;
	return CMD_SUCCESS;
}

#define AS_CFG	m3ua_as_cfg_rw((struct m3ua_as *)vty->index)

DEFUN(cfg_as_rc, cfg_as_rc_cmd, "routing-context <0-4294967295>",
      "Routing Context of the AS\n" "Value\n")
{
	AS_CFG->rc_present = true;
	AS_CFG->rc = strtoul(argv[0], NULL, 10);
	return CMD_SUCCESS;
}

DEFUN(cfg_as_no_rc, cfg_as_no_rc_cmd, "no routing-context",
      NO_STR "Send no Routing Context\n")
{
	AS_CFG->rc_present = false;
	return CMD_SUCCESS;
}

DEFUN(cfg_as_na, cfg_as_na_cmd, "network-appearance <0-4294967295>",
      "Network Appearance of the AS\n" "Value\n")
{
	AS_CFG->na_present = true;
	AS_CFG->na = strtoul(argv[0], NULL, 10);
	return CMD_SUCCESS;
}

DEFUN(cfg_as_no_na, cfg_as_no_na_cmd, "no network-appearance",
      NO_STR "Send no Network Appearance\n")
{
	AS_CFG->na_present = false;
	return CMD_SUCCESS;
}

DEFUN(cfg_as_tmt, cfg_as_tmt_cmd, "traffic-mode (override|loadshare)",
      "Traffic mode over the ASPs\n" "One ASP carries all traffic, the others stand by\n"
      "Traffic spread over active ASPs by SLS\n")
{
	AS_CFG->mode = get_string_value(tmt_names, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_as_asp, cfg_as_asp_cmd, "asp NAME",
      "Add an ASP (an SG connection) to the AS\n" "Name of a configured asp\n")
{
	struct m3ua_asp *asp = m3ua_vty_asp_find(argv[0]);
	int rc;

	if (!asp) {
		vty_out(vty, "%% No asp %s configured%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	rc = m3ua_as_add_asp(vty->index, asp);
	if (rc == -EBUSY && asp_attached(asp)) {
		unsigned i;

		for (i = 0; i < m3ua_as_num_asp(vty->index); i++)
			if (m3ua_as_asp(vty->index, i) == asp)
				return CMD_SUCCESS;
	}
	if (rc < 0) {
		vty_out(vty, "%% Cannot add asp %s: %s%s", argv[0], strerror(-rc), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

static int config_write_asp(struct vty *vty)
{
	unsigned i;
	const struct value_string *tn;

	for (i = 0; i < num_asps; i++) {
		const struct m3ua_asp_cfg *c = m3ua_asp_cfg(asps[i]);
		struct osmo_tdef *t = m3ua_asp_tdefs(asps[i]);

		vty_out(vty, "asp %s%s", c->name, VTY_NEWLINE);
		vty_out(vty, " transport %s%s", m3ua_proto_name(c->proto), VTY_NEWLINE);
		vty_out(vty, " remote-ip %s%s", c->remote_ip, VTY_NEWLINE);
		vty_out(vty, " remote-port %u%s", c->remote_port, VTY_NEWLINE);
		if (c->local_ip[0])
			vty_out(vty, " local-ip %s%s", c->local_ip, VTY_NEWLINE);
		if (c->local_port)
			vty_out(vty, " local-port %u%s", c->local_port, VTY_NEWLINE);
		if (c->asp_id_present)
			vty_out(vty, " asp-identifier %u%s", c->asp_id, VTY_NEWLINE);
		if (c->wqueue_max)
			vty_out(vty, " send-queue %u%s", c->wqueue_max, VTY_NEWLINE);
		for (tn = timer_names; tn->str; tn++) {
			struct osmo_tdef *e = osmo_tdef_get_entry(t, tn->value);

			if (e && e->val != e->default_val)
				vty_out(vty, " timer %s %lu%s", tn->str, e->val, VTY_NEWLINE);
		}
	}
	return CMD_SUCCESS;
}

static int config_write_as(struct vty *vty)
{
	unsigned i, j;

	for (i = 0; i < num_ases; i++) {
		const struct m3ua_as_cfg *c = m3ua_as_cfg(ases[i]);

		vty_out(vty, "as %s%s", c->name, VTY_NEWLINE);
		vty_out(vty, " traffic-mode %s%s", get_value_string(tmt_names, c->mode), VTY_NEWLINE);
		if (c->rc_present)
			vty_out(vty, " routing-context %u%s", c->rc, VTY_NEWLINE);
		if (c->na_present)
			vty_out(vty, " network-appearance %u%s", c->na, VTY_NEWLINE);
		for (j = 0; j < m3ua_as_num_asp(ases[i]); j++)
			vty_out(vty, " asp %s%s", m3ua_asp_name(m3ua_as_asp(ases[i], j)), VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

static void show_one_asp(struct vty *vty, struct m3ua_asp *asp)
{
	const struct m3ua_asp_cfg *c = m3ua_asp_cfg(asp);
	const struct m3ua_conn_stats *st = m3ua_asp_conn_stats(asp);

	vty_out(vty, "asp %s: %s, %s %s:%u, rx err %" PRIu64 ", tx err %" PRIu64 ", reconnects %" PRIu64
		", peer lost %" PRIu64 ", queue full %" PRIu64 "%s", c->name,
		m3ua_asp_state_name(m3ua_asp_get_state(asp)), m3ua_proto_name(c->proto), c->remote_ip,
		c->remote_port, m3ua_asp_ctr(asp, M3UA_ASP_CTR_RX_ERR), m3ua_asp_ctr(asp, M3UA_ASP_CTR_TX_ERR),
		m3ua_asp_ctr(asp, M3UA_ASP_CTR_RECONNECT), m3ua_asp_ctr(asp, M3UA_ASP_CTR_PEER_LOST),
		m3ua_asp_ctr(asp, M3UA_ASP_CTR_TX_QUEUE_FULL), VTY_NEWLINE);
	if (st)
		vty_out(vty, "  association: rx %" PRIu64 " tx %" PRIu64 " msgs, send queue bound %u%s",
			st->rx_msgs, st->tx_msgs, c->wqueue_max ? c->wqueue_max : M3UA_WQUEUE_DEFAULT, VTY_NEWLINE);
}

DEFUN(show_asp, show_asp_cmd, "show asp [NAME]",
      SHOW_STR "M3UA ASPs\n" "Only this ASP\n")
{
	unsigned i;

	for (i = 0; i < num_asps; i++)
		if (argc == 0 || !strcmp(argv[0], m3ua_asp_name(asps[i])))
			show_one_asp(vty, asps[i]);
	return CMD_SUCCESS;
}

DEFUN(show_as, show_as_cmd, "show as [NAME]",
      SHOW_STR "M3UA Application Servers\n" "Only this AS\n")
{
	unsigned i, j;

	for (i = 0; i < num_ases; i++) {
		struct m3ua_as *as = ases[i];
		const struct m3ua_as_cfg *c = m3ua_as_cfg(as);

		if (argc > 0 && strcmp(argv[0], c->name))
			continue;
		vty_out(vty, "as %s: %s, traffic-mode %s, destinations %u/%u, tx data %" PRIu64
			", rx data %" PRIu64 ", no active %" PRIu64 "%s", c->name,
			m3ua_as_is_active(as) ? "ACTIVE" : "INACTIVE", get_value_string(tmt_names, c->mode),
			m3ua_as_num_dests(as), c->max_dests ? c->max_dests : M3UA_AS_DESTS_DEFAULT,
			m3ua_as_ctr(as, M3UA_AS_CTR_TX_DATA), m3ua_as_ctr(as, M3UA_AS_CTR_RX_DATA),
			m3ua_as_ctr(as, M3UA_AS_CTR_TX_NO_ACTIVE), VTY_NEWLINE);
		for (j = 0; j < m3ua_as_num_asp(as); j++)
			vty_out(vty, "  asp %s: %s%s", m3ua_asp_name(m3ua_as_asp(as, j)),
				m3ua_asp_state_name(m3ua_asp_get_state(m3ua_as_asp(as, j))), VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

void m3ua_vty_init(void *ctx)
{
	vty_ctx = ctx;
	install_node(&asp_node, config_write_asp);
	install_element(CONFIG_NODE, &cfg_asp_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_remote_ip_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_remote_port_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_local_ip_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_local_port_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_transport_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_asp_id_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_queue_cmd);
	install_element(M3UA_ASP_NODE, &cfg_asp_timer_cmd);
	install_node(&as_node, config_write_as);
	install_element(CONFIG_NODE, &cfg_as_cmd);
	install_element(M3UA_AS_NODE, &cfg_as_rc_cmd);
	install_element(M3UA_AS_NODE, &cfg_as_no_rc_cmd);
	install_element(M3UA_AS_NODE, &cfg_as_na_cmd);
	install_element(M3UA_AS_NODE, &cfg_as_no_na_cmd);
	install_element(M3UA_AS_NODE, &cfg_as_tmt_cmd);
	install_element(M3UA_AS_NODE, &cfg_as_asp_cmd);
	install_element_ve(&show_asp_cmd);
	install_element_ve(&show_as_cmd);
}
