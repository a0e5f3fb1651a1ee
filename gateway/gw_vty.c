/* gw_vty.c - config nodes "gateway" and "sip", and show calls */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/fsm.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/tdef_vty.h>
#include <osmocom/vty/vty.h>

#include "admission/adm.h"
#include "admission/peer.h"
#include "common/vty_nodes.h"
#include "gateway/alarm.h"
#include "gateway/call.h"
#include "gateway/emergency.h"
#include "gateway/gw.h"
#include "gateway/route.h"
#include "gateway/sip.h"
#include "sigtran/cic.h"
#include "sigtran/isup_up.h"
#include "sigtran/m3ua_vty.h"
#include "sigtran/mtp3.h"

static struct gw *g_gw;

static struct osmo_tdef_group gw_tdef_groups[] = {
	{ .name = "call", .desc = "call interworking (Q.764 T7, T9 and our own)", .tdefs = call_tdefs },
	{}
};

/* --- gateway node -------------------------------------------------------------------------- */

static struct cmd_node gw_node = { GW_NODE, "%s(config-gateway)# ", 1 };

DEFUN(cfg_gateway, cfg_gateway_cmd, "gateway", "Configure the gateway: point code, media, site\n")
{
	vty->node = GW_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_pc, cfg_gw_pc_cmd, "point-code PC",
      "Our signalling point code\n" "3-8-3 (e.g. 0.2.1) or decimal\n")
{
	uint32_t pc;

	if (mtp3_pc_parse(&pc, argv[0]) < 0) {
		vty_out(vty, "%% invalid point code '%s'%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	g_gw->opc = pc;
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_ni, cfg_gw_ni_cmd, "network-indicator (international|national)",
      "MTP network indicator of sent messages\n" "International network\n" "National network\n")
{
	g_gw->ni = argv[0][0] == 'i' ? 0 : 2;
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_site, cfg_gw_site_cmd, "site-name NAME",
      "This site's name, put in the marker of calls it sheds\n" "Name\n")
{
	if (strlen(argv[0]) >= sizeof(g_gw->site_name) || strpbrk(argv[0], ";,= \t")) {
		vty_out(vty, "%% site name too long or with a separator%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	OSMO_STRLCPY_ARRAY(g_gw->site_name, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_domain, cfg_gw_domain_cmd, "sip-domain HOST",
      "Host part of the From and P-Asserted-Identity URIs this gateway writes\n" "Host name or address\n")
{
	if (strlen(argv[0]) >= sizeof(g_gw->sip_domain)) {
		vty_out(vty, "%% too long%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	OSMO_STRLCPY_ARRAY(g_gw->sip_domain, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_sos, cfg_gw_sos_cmd, "sos-number DIGITS",
      "Number that routes calls to urn:service:sos (RFC 5031)\n" "Digits\n")
{
	if (strlen(argv[0]) >= sizeof(g_gw->sos_number) || strspn(argv[0], "0123456789") != strlen(argv[0])) {
		vty_out(vty, "%% digits only%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	OSMO_STRLCPY_ARRAY(g_gw->sos_number, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_media, cfg_gw_media_cmd, "media-gateway A.B.C.D <1024-65000>",
      "Where the media of the circuits go: the SDP this gateway offers and answers\n"
      "Media gateway address\n" "RTP port of CIC 0; CIC n uses this + 2n\n")
{
	OSMO_STRLCPY_ARRAY(g_gw->media.ip, argv[0]);
	g_gw->media.rtp_base = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_ctrl_port, cfg_gw_ctrl_port_cmd, "ctrl-port <1-65535>",
      "TCP port of the CTRL interface (its address is set by 'ctrl' / 'bind')\n" "Port\n")
{
	g_gw->ctrl_port = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_dest, cfg_gw_dest_cmd, "destination PC as NAME",
      "Carry the traffic for a destination point code over one AS (else the first AS)\n"
      "Point code, 3-8-3 or decimal\n" "The application server\n" "Its name (an 'as' node)\n")
{
	struct gw_dest *d;
	uint32_t pc;
	unsigned i;

	if (mtp3_pc_parse(&pc, argv[0]) < 0 || strlen(argv[1]) >= sizeof(d->as_name)) {
		vty_out(vty, "%% invalid point code or AS name%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	for (i = 0; i < g_gw->num_dests; i++)
		if (g_gw->dests[i].dpc == pc)
			break;
	if (i == g_gw->num_dests) {
		if (g_gw->num_dests >= GW_MAX_DESTS) {
			vty_out(vty, "%% at most %u destination lines%s", GW_MAX_DESTS, VTY_NEWLINE);
			return CMD_WARNING;
		}
		g_gw->num_dests++;
	}
	d = &g_gw->dests[i];
	d->dpc = pc;
	OSMO_STRLCPY_ARRAY(d->as_name, argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_trace, cfg_gw_trace_cmd, "trace-pcap FILE",
      "Write every M3UA message to a pcap file (SCTP framing, for Wireshark)\n" "File name\n")
{
	osmo_talloc_replace_string(g_gw, &g_gw->trace_path, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_no_trace, cfg_gw_no_trace_cmd, "no trace-pcap",
      NO_STR "No signalling trace\n")
{
	TALLOC_FREE(g_gw->trace_path);
	return CMD_SUCCESS;
}

static int config_write_gw(struct vty *vty)
{
	char pc[16];
	unsigned i;

	vty_out(vty, "gateway%s", VTY_NEWLINE);
	vty_out(vty, " point-code %s%s", mtp3_pc_str(pc, sizeof(pc), g_gw->opc), VTY_NEWLINE);
	vty_out(vty, " network-indicator %s%s", g_gw->ni == 0 ? "international" : "national", VTY_NEWLINE);
	vty_out(vty, " site-name %s%s", g_gw->site_name, VTY_NEWLINE);
	vty_out(vty, " sip-domain %s%s", g_gw->sip_domain, VTY_NEWLINE);
	if (g_gw->sos_number[0])
		vty_out(vty, " sos-number %s%s", g_gw->sos_number, VTY_NEWLINE);
	vty_out(vty, " media-gateway %s %u%s", g_gw->media.ip, g_gw->media.rtp_base, VTY_NEWLINE);
	vty_out(vty, " ctrl-port %u%s", g_gw->ctrl_port, VTY_NEWLINE);
	if (g_gw->trace_path)
		vty_out(vty, " trace-pcap %s%s", g_gw->trace_path, VTY_NEWLINE);
	osmo_tdef_vty_groups_write(vty, " ");
	for (i = 0; i < g_gw->num_dests; i++)
		vty_out(vty, " destination %s as %s%s", mtp3_pc_str(pc, sizeof(pc), g_gw->dests[i].dpc),
			g_gw->dests[i].as_name, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* --- sip node ------------------------------------------------------------------------------ */

static struct cmd_node sip_node = { SIP_NODE, "%s(config-sip)# ", 1 };

DEFUN(cfg_sip, cfg_sip_cmd, "sip", "Configure the SIP front end\n")
{
	vty->node = SIP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_sip_listen, cfg_sip_listen_cmd, "listen (udp|tcp) A.B.C.D <1-65535>",
      "Listen for SIP (repeat for several)\n" "UDP\n" "TCP\n" "Local address\n" "Port\n")
{
	struct sip_fe_cfg *c = &g_gw->sip_cfg;
	struct sip_listen *l;

	if (c->num_listen >= SIP_FE_MAX_LISTEN) {
		vty_out(vty, "%% at most %u listen lines%s", SIP_FE_MAX_LISTEN, VTY_NEWLINE);
		return CMD_WARNING;
	}
	l = &c->listen[c->num_listen++];
	l->tp = argv[0][0] == 'u' ? SIP_TP_UDP : SIP_TP_TCP;
	OSMO_STRLCPY_ARRAY(l->host, argv[1]);
	l->port = atoi(argv[2]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sip_trusted, cfg_sip_trusted_cmd, "trusted NET",
      "A source allowed to place calls (others get 403)\n" "Address or network, e.g. 10.0.0.0/8\n")
{
	struct sip_fe_cfg *c = &g_gw->sip_cfg;

	if (c->num_trusted >= SIP_FE_MAX_TRUSTED) {
		vty_out(vty, "%% at most %u trusted lines%s", SIP_FE_MAX_TRUSTED, VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (sip_cidr_parse(argv[0], &c->trusted[c->num_trusted]) < 0) {
		vty_out(vty, "%% invalid network '%s'%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	c->num_trusted++;
	return CMD_SUCCESS;
}

DEFUN(cfg_sip_max_dialogs, cfg_sip_max_dialogs_cmd, "max-dialogs <1-10000000>",
      "Calls the SIP front end holds at most\n" "Count\n")
{
	g_gw->sip_cfg.max_dialogs = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sip_queues, cfg_sip_queues_cmd, "queue-length <16-1000000> reserve <16-1000000> commands <16-1000000>",
      "Bounds of the queues between the SIP thread and the main thread\n"
      "Events that create calls\n" "Count\n" "Extra room for events of existing calls\n" "Count\n"
      "Commands that create state\n" "Count\n")
{
	g_gw->sip_cfg.event_queue_len = atoi(argv[0]);
	g_gw->sip_cfg.event_reserve = atoi(argv[1]);
	g_gw->sip_cfg.cmd_queue_len = atoi(argv[2]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sip_timers, cfg_sip_timers_cmd, "session-expires <0-86400> min-se <90-86400>",
      "RFC 4028 session timer (0: off)\n" "Seconds\n" "Smallest Session-Expires accepted\n" "Seconds\n")
{
	g_gw->sip_cfg.session_expires = atoi(argv[0]);
	g_gw->sip_cfg.min_se = atoi(argv[1]);
	return CMD_SUCCESS;
}

static const struct value_string rel100_names[] = {
	{ SIP_100REL_NEVER, "never" },
	{ SIP_100REL_IF_REQUIRED, "if-required" },
	{ SIP_100REL_IF_SUPPORTED, "if-supported" },
	{}
};

DEFUN(cfg_sip_100rel, cfg_sip_100rel_cmd, "100rel (never|if-required|if-supported)",
      "Reliable provisional responses (RFC 3262)\n" "Never (420 if required)\n"
      "When the INVITE requires it\n" "When the INVITE supports it\n")
{
	g_gw->sip_cfg.rel100 = get_string_value(rel100_names, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sip_t1x64, cfg_sip_t1x64_cmd, "transaction-linger <0-32000>",
      "Time finished transactions are kept (RFC 3261 64*T1; 0: the RFC default of 32 s)\n"
      "Milliseconds\n")
{
	g_gw->sip_cfg.sip_t1x64_ms = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sip_sockbuf, cfg_sip_sockbuf_cmd, "socket-buffer <65536-67108864>",
      "UDP socket buffer size\n" "Bytes\n")
{
	g_gw->sip_cfg.sock_buf = atoi(argv[0]);
	return CMD_SUCCESS;
}

static int config_write_sip(struct vty *vty)
{
	const struct sip_fe_cfg *c = &g_gw->sip_cfg;
	unsigned i;

	vty_out(vty, "sip%s", VTY_NEWLINE);
	for (i = 0; i < c->num_listen; i++)
		vty_out(vty, " listen %s %s %u%s", c->listen[i].tp == SIP_TP_UDP ? "udp" : "tcp",
			c->listen[i].host, c->listen[i].port, VTY_NEWLINE);
	for (i = 0; i < c->num_trusted; i++) {
		struct in_addr a = { .s_addr = htonl(c->trusted[i].net) };
		unsigned bits = __builtin_popcount(c->trusted[i].mask);

		vty_out(vty, " trusted %s/%u%s", inet_ntoa(a), bits, VTY_NEWLINE);
	}
	vty_out(vty, " max-dialogs %u%s", c->max_dialogs, VTY_NEWLINE);
	vty_out(vty, " queue-length %u reserve %u commands %u%s", c->event_queue_len, c->event_reserve,
		c->cmd_queue_len, VTY_NEWLINE);
	vty_out(vty, " session-expires %u min-se %u%s", c->session_expires, c->min_se, VTY_NEWLINE);
	vty_out(vty, " 100rel %s%s", get_value_string(rel100_names, c->rel100), VTY_NEWLINE);
	vty_out(vty, " transaction-linger %u%s", c->sip_t1x64_ms, VTY_NEWLINE);
	vty_out(vty, " socket-buffer %u%s", c->sock_buf, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* --- show ---------------------------------------------------------------------------------- */

#define SHOW_CALLS_MAX 200

DEFUN(show_calls, show_calls_cmd, "show calls",
      SHOW_STR "Calls in progress (the first 200 and the totals)\n")
{
	struct call *call;
	unsigned n = 0;

	vty_out(vty, "%u calls in progress%s", g_gw->num_calls, VTY_NEWLINE);
	llist_for_each_entry(call, &g_gw->calls, list) {
		if (++n > SHOW_CALLS_MAX)
			break;
		vty_out(vty, " c%-8u %-4s %-9s %-18s class %-9s to %-20s cic %u sip-ref 0x%08x%s",
			call->id, call->dir == CALL_DIR_SIP_TO_ISUP ? "sip" : "isup",
			call->dir == CALL_DIR_SIP_TO_ISUP ? "->isup" : "->sip", call_state_name(call),
			get_value_string(adm_class_names, call->cls), call->called.digits, call->cic_no,
			call->sip_ref, VTY_NEWLINE);
	}
	if (g_gw->sip)
		vty_out(vty, "SIP front end: %u dialogs, %u events queued%s", sip_fe_dialogs(g_gw->sip),
			sip_fe_evq_len(g_gw->sip), VTY_NEWLINE);
	return CMD_SUCCESS;
}

void gw_vty_init(struct gw *gw)
{
	g_gw = gw;

	install_node(&gw_node, config_write_gw);
	install_element(CONFIG_NODE, &cfg_gateway_cmd);
	install_element(GW_NODE, &cfg_gw_pc_cmd);
	install_element(GW_NODE, &cfg_gw_ni_cmd);
	install_element(GW_NODE, &cfg_gw_site_cmd);
	install_element(GW_NODE, &cfg_gw_domain_cmd);
	install_element(GW_NODE, &cfg_gw_sos_cmd);
	install_element(GW_NODE, &cfg_gw_media_cmd);
	install_element(GW_NODE, &cfg_gw_ctrl_port_cmd);
	install_element(GW_NODE, &cfg_gw_dest_cmd);
	install_element(GW_NODE, &cfg_gw_trace_cmd);
	install_element(GW_NODE, &cfg_gw_no_trace_cmd);

	install_node(&sip_node, config_write_sip);
	install_element(CONFIG_NODE, &cfg_sip_cmd);
	install_element(SIP_NODE, &cfg_sip_listen_cmd);
	install_element(SIP_NODE, &cfg_sip_trusted_cmd);
	install_element(SIP_NODE, &cfg_sip_max_dialogs_cmd);
	install_element(SIP_NODE, &cfg_sip_queues_cmd);
	install_element(SIP_NODE, &cfg_sip_timers_cmd);
	install_element(SIP_NODE, &cfg_sip_100rel_cmd);
	install_element(SIP_NODE, &cfg_sip_t1x64_cmd);
	install_element(SIP_NODE, &cfg_sip_sockbuf_cmd);

	install_element_ve(&show_calls_cmd);
	osmo_tdef_vty_groups_init(GW_NODE, gw_tdef_groups);

	m3ua_vty_init(gw);
	cic_vty_init(gw->up);
	route_vty_init(gw->routes);
	emergency_vty_init(gw->emerg);
	adm_vty_init(gw->adm);
	peer_vty_init(gw->peers);
	alarm_vty_init(gw->esup);
}
