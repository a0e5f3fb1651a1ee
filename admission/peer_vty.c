/* peer_vty.c - the "peer NAME" config node and "show peers" */
#include <stdlib.h>
#include <string.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include "common/vty_nodes.h"
#include "admission/peer_internal.h"

static struct peer_set *g_set;

static struct cmd_node peer_node = {
	PEER_NODE,
	"%s(config-peer)# ",
	1,
};

static int apply(struct vty *vty, struct peer *p, const struct peer_cfg *cfg)
{
	if (peer_configure(p, cfg)) {
		vty_out(vty, "%% peer %s: invalid setting%s", peer_name(p), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_peer, cfg_peer_cmd, "peer NAME",
      "Configure a peer site (another instance of this gateway)\n" "Name of the peer\n")
{
	struct peer *p = peer_find(g_set, argv[0]);
	int err = 0;

	if (!p)
		p = peer_alloc(g_set, argv[0], &err);
	if (!p) {
		vty_out(vty, "%% cannot create peer %s: %s%s", argv[0], strerror(-err), VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty->node = PEER_NODE;
	vty->index = p;
	return CMD_SUCCESS;
}

DEFUN(cfg_no_peer, cfg_no_peer_cmd, "no peer NAME",
      NO_STR "Remove a peer site\n" "Name of the peer\n")
{
	struct peer *p = peer_find(g_set, argv[0]);

	if (!p) {
		vty_out(vty, "%% no peer %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	peer_free(p);
	return CMD_SUCCESS;
}

DEFUN(cfg_peer_address, cfg_peer_address_cmd, "address (A.B.C.D|X:X::X:X) <1-65535>",
      "SIP address of the peer\n" "IPv4 address\n" "IPv6 address\n" "Port\n")
{
	struct peer *p = vty->index;
	struct peer_cfg cfg = *peer_get_cfg(p);

	if (strlen(argv[0]) >= sizeof(cfg.addr))
		return CMD_WARNING;
	OSMO_STRLCPY_ARRAY(cfg.addr, argv[0]);
	cfg.port = atoi(argv[1]);
	return apply(vty, p, &cfg);
}

DEFUN(cfg_peer_transport, cfg_peer_transport_cmd, "transport (udp|tcp)",
      "Transport of the probes and shed calls\n" "UDP\n" "TCP\n")
{
	struct peer *p = vty->index;
	struct peer_cfg cfg = *peer_get_cfg(p);

	cfg.transport = get_string_value(peer_transport_names, argv[0]);
	return apply(vty, p, &cfg);
}

DEFUN(cfg_peer_interval, cfg_peer_interval_cmd, "probe-interval <10-3600000>",
      "Time between OPTIONS probes\n" "Milliseconds\n")
{
	struct peer *p = vty->index;
	struct peer_cfg cfg = *peer_get_cfg(p);

	cfg.probe_interval_ms = atoi(argv[0]);
	return apply(vty, p, &cfg);
}

DEFUN(cfg_peer_timeout, cfg_peer_timeout_cmd, "probe-timeout <10-3600000>",
      "Time a probe may take before it counts as failed\n" "Milliseconds\n")
{
	struct peer *p = vty->index;
	struct peer_cfg cfg = *peer_get_cfg(p);

	cfg.probe_timeout_ms = atoi(argv[0]);
	return apply(vty, p, &cfg);
}

DEFUN(cfg_peer_up_after, cfg_peer_up_after_cmd, "up-after <1-100>",
      "Good probes in a row before a down peer is used again\n" "Probes\n")
{
	struct peer *p = vty->index;
	struct peer_cfg cfg = *peer_get_cfg(p);

	cfg.up_after = atoi(argv[0]);
	return apply(vty, p, &cfg);
}

DEFUN(cfg_peer_down_after, cfg_peer_down_after_cmd, "down-after <1-100>",
      "Failed probes in a row before a peer is declared down\n" "Probes\n")
{
	struct peer *p = vty->index;
	struct peer_cfg cfg = *peer_get_cfg(p);

	cfg.down_after = atoi(argv[0]);
	return apply(vty, p, &cfg);
}

DEFUN(cfg_peer_weight, cfg_peer_weight_cmd, "weight <1-1000>",
      "Relative share of shed calls among peers of the same health\n" "Weight\n")
{
	struct peer *p = vty->index;
	struct peer_cfg cfg = *peer_get_cfg(p);

	cfg.weight = atoi(argv[0]);
	return apply(vty, p, &cfg);
}

static int config_write_peer(struct vty *vty)
{
	struct peer *p;

	if (!g_set)
		return CMD_SUCCESS;
	for (p = peer_set_next(g_set, NULL); p; p = peer_set_next(g_set, p)) {
		const struct peer_cfg *c = peer_get_cfg(p);

		vty_out(vty, "peer %s%s", peer_name(p), VTY_NEWLINE);
		if (c->addr[0])
			vty_out(vty, " address %s %u%s", c->addr, c->port, VTY_NEWLINE);
		vty_out(vty, " transport %s%s", get_value_string(peer_transport_names, c->transport),
			VTY_NEWLINE);
		vty_out(vty, " probe-interval %u%s", c->probe_interval_ms, VTY_NEWLINE);
		vty_out(vty, " probe-timeout %u%s", c->probe_timeout_ms, VTY_NEWLINE);
		vty_out(vty, " up-after %u%s", c->up_after, VTY_NEWLINE);
		vty_out(vty, " down-after %u%s", c->down_after, VTY_NEWLINE);
		vty_out(vty, " weight %u%s", c->weight, VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

DEFUN(show_peers, show_peers_cmd, "show peers",
      SHOW_STR "Peer sites: health, reported load, calls sent\n")
{
	struct peer *p;

	vty_out(vty, "Peers: %u of at most %u%s", peer_set_count(g_set), g_set->max, VTY_NEWLINE);
	for (p = peer_set_next(g_set, NULL); p; p = peer_set_next(g_set, p)) {
		const struct peer_cfg *c = peer_get_cfg(p);

		vty_out(vty, " %-16s %s:%u/%s %-8s oc %3u%% weight %u selected %llu "
			"ok-in-row %u fail-in-row %u%s", peer_name(p), c->addr[0] ? c->addr : "-",
			c->port, get_value_string(peer_transport_names, c->transport),
			get_value_string(peer_state_names, peer_get_state(p)), peer_get_oc(p),
			c->weight, (unsigned long long)peer_selected_count(p), p->ok_in_row,
			p->fail_in_row, VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

void peer_vty_init(struct peer_set *set)
{
	g_set = set;
	install_element_ve(&show_peers_cmd);
	install_element(CONFIG_NODE, &cfg_peer_cmd);
	install_element(CONFIG_NODE, &cfg_no_peer_cmd);
	install_node(&peer_node, config_write_peer);
	install_element(PEER_NODE, &cfg_peer_address_cmd);
	install_element(PEER_NODE, &cfg_peer_transport_cmd);
	install_element(PEER_NODE, &cfg_peer_interval_cmd);
	install_element(PEER_NODE, &cfg_peer_timeout_cmd);
	install_element(PEER_NODE, &cfg_peer_up_after_cmd);
	install_element(PEER_NODE, &cfg_peer_down_after_cmd);
	install_element(PEER_NODE, &cfg_peer_weight_cmd);
}
