/* route_vty.c - "route PREFIX" config node, route-advance causes and "show routes" */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include "common/vty_nodes.h"
#include "gateway/route.h"
#include "sigtran/mtp3.h"

static struct route_table *g_routes;

static bool installed;

static struct cmd_node route_node = {
	ROUTE_NODE,
	"%s(config-route)# ",
	1,
};

static const char *prefix_arg(const char *arg)
{
	return strcmp(arg, "default") == 0 ? "" : arg;
}

static const char *prefix_str(const struct route *r)
{
	return r->prefix[0] ? r->prefix : "default";
}

static int errno_warn(struct vty *vty, int rc, const char *what)
{
	static const struct value_string errs[] = {
		{ EINVAL, "invalid value" },
		{ EEXIST, "already present" },
		{ ENOSPC, "limit reached" },
		{ ENOENT, "not found" },
		{ E2BIG, "too long" },
		{ ENOMEM, "out of memory" },
		{ 0, NULL }
	};

	vty_out(vty, "%% %s: %s%s", what, get_value_string(errs, -rc), VTY_NEWLINE);
	return CMD_WARNING;
}

DEFUN(cfg_route, cfg_route_cmd,
      "route PREFIX",
      "Configure a route\n"
      "Called number prefix (digits), or 'default' for numbers no other prefix matches\n")
{
	struct route *r;
	int rc = route_add(g_routes, prefix_arg(argv[0]), &r);

	if (rc < 0 && rc != -EEXIST)
		return errno_warn(vty, rc, "route");
	vty->index = r;
	vty->node = ROUTE_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_no_route, cfg_no_route_cmd,
      "no route PREFIX",
      NO_STR "Remove a route\n" "Called number prefix, or 'default'\n")
{
	int rc = route_del(g_routes, prefix_arg(argv[0]));

	return rc < 0 ? errno_warn(vty, rc, "route") : CMD_SUCCESS;
}

DEFUN(cfg_route_advance, cfg_route_advance_cmd,
      "route-advance cause <1-127>",
      "Causes that make a call try the next fallback route\n"
      "Q.850 cause value\n" "Cause\n")
{
	cause_set_add(route_table_advance_causes(g_routes), atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_no_route_advance, cfg_no_route_advance_cmd,
      "no route-advance cause <1-127>",
      NO_STR "Causes that make a call try the next fallback route\n"
      "Q.850 cause value\n" "Cause\n")
{
	cause_set_del(route_table_advance_causes(g_routes), atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_route_name, cfg_route_name_cmd,
      "name NAME",
      "Name of the route, used by fallback\n" "Name\n")
{
	int rc = route_set_name(vty->index, argv[0]);

	return rc < 0 ? errno_warn(vty, rc, "name") : CMD_SUCCESS;
}

DEFUN(cfg_route_isup, cfg_route_isup_cmd,
      "isup dpc PC circuit-group NAME",
      "Route to the PSTN over ISUP\n" "Destination point code\n" "Point code (z.a.b or decimal)\n"
      "Circuit group to seize a circuit from\n" "Circuit group name\n")
{
	uint32_t pc;
	int rc = mtp3_pc_parse(&pc, argv[0]);

	if (rc < 0)
		return errno_warn(vty, rc, "dpc");
	rc = route_set_isup(vty->index, pc, argv[1]);
	return rc < 0 ? errno_warn(vty, rc, "circuit-group") : CMD_SUCCESS;
}

DEFUN(cfg_route_sip, cfg_route_sip_cmd,
      "sip target HOST <1-65535>",
      "Route to a SIP peer\n" "Where to send the INVITE\n" "Host name or IP address\n" "Port\n")
{
	int rc = route_set_sip(vty->index, argv[0], atoi(argv[1]));

	return rc < 0 ? errno_warn(vty, rc, "sip target") : CMD_SUCCESS;
}

DEFUN(cfg_route_fallback, cfg_route_fallback_cmd,
      "fallback NAME",
      "Add a fallback route, tried in the order given on a route-advance cause\n" "Route name\n")
{
	int rc = route_add_fallback(vty->index, argv[0]);

	return rc < 0 ? errno_warn(vty, rc, "fallback") : CMD_SUCCESS;
}

DEFUN(cfg_route_no_fallback, cfg_route_no_fallback_cmd,
      "no fallback NAME",
      NO_STR "Remove a fallback route\n" "Route name\n")
{
	int rc = route_del_fallback(vty->index, argv[0]);

	return rc < 0 ? errno_warn(vty, rc, "fallback") : CMD_SUCCESS;
}

DEFUN(cfg_route_translate, cfg_route_translate_cmd,
      "translate FROM TO [exact]",
      "Rewrite called numbers starting with FROM\n" "Digits to match\n" "Digits to put instead\n"
      "Only the number FROM itself, not longer numbers\n")
{
	int rc = route_add_xlat(vty->index, argv[0], argv[1], argc > 2);

	return rc < 0 ? errno_warn(vty, rc, "translate") : CMD_SUCCESS;
}

DEFUN(cfg_route_no_translate, cfg_route_no_translate_cmd,
      "no translate FROM",
      NO_STR "Remove a translation\n" "Digits it matches\n")
{
	int rc = route_del_xlat(vty->index, argv[0]);

	return rc < 0 ? errno_warn(vty, rc, "translate") : CMD_SUCCESS;
}

static int set_prefix(struct vty *vty, char *dst, size_t len, const char *digits)
{
	size_t n = strlen(digits);

	if (n >= len || strspn(digits, "0123456789") != n)
		return errno_warn(vty, -EINVAL, "prefix");
	memcpy(dst, digits, n + 1);
	return CMD_SUCCESS;
}

#define NAI_STR "Nature of address rules of the peer behind this route\n"

DEFUN(cfg_route_nai_intl, cfg_route_nai_intl_cmd,
      "nai international-prefix DIGITS",
      NAI_STR "Prefix of international numbers: stripped, NAI international\n" "Digits, e.g. 00\n")
{
	struct route *r = vty->index;

	return set_prefix(vty, r->plan.intl_prefix, sizeof(r->plan.intl_prefix), argv[0]);
}

DEFUN(cfg_route_nai_natl, cfg_route_nai_natl_cmd,
      "nai national-prefix DIGITS",
      NAI_STR "Prefix of national numbers: stripped, NAI national\n" "Digits, e.g. 0\n")
{
	struct route *r = vty->index;

	return set_prefix(vty, r->plan.natl_prefix, sizeof(r->plan.natl_prefix), argv[0]);
}

DEFUN(cfg_route_nai_cc, cfg_route_nai_cc_cmd,
      "nai country-code DIGITS",
      NAI_STR "Own country code, for national numbers written +CC towards SIP\n" "Digits, e.g. 33\n")
{
	struct route *r = vty->index;

	return set_prefix(vty, r->plan.country_code, sizeof(r->plan.country_code), argv[0]);
}

DEFUN(cfg_route_no_nai_prefix, cfg_route_no_nai_prefix_cmd,
      "no nai (international-prefix|national-prefix|country-code)",
      NO_STR NAI_STR "International prefix\n" "National prefix\n" "Country code\n")
{
	struct route *r = vty->index;

	if (argv[0][0] == 'i')
		r->plan.intl_prefix[0] = '\0';
	else if (argv[0][0] == 'n')
		r->plan.natl_prefix[0] = '\0';
	else
		r->plan.country_code[0] = '\0';
	return CMD_SUCCESS;
}

DEFUN(cfg_route_nai_default, cfg_route_nai_default_cmd,
      "nai default (subscriber|unknown)",
      NAI_STR "NAI of numbers that match no prefix\n" "Subscriber number\n" "Unknown\n")
{
	struct route *r = vty->index;

	r->plan.default_nai = argv[0][0] == 's' ? NUMBER_NAI_SUBSCRIBER : NUMBER_NAI_UNKNOWN;
	return CMD_SUCCESS;
}

DEFUN(cfg_route_nai_to_sip, cfg_route_nai_to_sip_cmd,
      "nai national-to-sip (prefix|e164)",
      NAI_STR "How national numbers from ISUP are written towards SIP\n"
      "National prefix then the number\n" "+, country code, then the number\n")
{
	struct route *r = vty->index;

	r->plan.natl_to_e164 = argv[0][0] == 'e';
	return CMD_SUCCESS;
}

DEFUN(cfg_route_emergency, cfg_route_emergency_cmd,
      "emergency", "This route carries emergency calls (supervised)\n")
{
	((struct route *)vty->index)->emergency = true;
	return CMD_SUCCESS;
}

DEFUN(cfg_route_no_emergency, cfg_route_no_emergency_cmd,
      "no emergency", NO_STR "This route carries emergency calls (supervised)\n")
{
	((struct route *)vty->index)->emergency = false;
	return CMD_SUCCESS;
}

DEFUN(cfg_route_media, cfg_route_media_cmd, "media-gateway A.B.C.D <1024-65000>",
      "Media gateway of this route's circuits (else the gateway node's)\n"
      "Media gateway address\n" "RTP port of CIC 0; CIC n uses this + 2n\n")
{
	struct route *r = vty->index;

	OSMO_STRLCPY_ARRAY(r->media_ip, argv[0]);
	r->media_rtp_base = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_route_no_media, cfg_route_no_media_cmd, "no media-gateway",
      NO_STR "Media gateway of this route's circuits (else the gateway node's)\n")
{
	struct route *r = vty->index;

	r->media_ip[0] = '\0';
	r->media_rtp_base = 0;
	return CMD_SUCCESS;
}

DEFUN(cfg_route_shutdown, cfg_route_shutdown_cmd,
      "shutdown", "Take the route out of service: calls go to its fallbacks\n")
{
	((struct route *)vty->index)->admin_down = true;
	return CMD_SUCCESS;
}

DEFUN(cfg_route_no_shutdown, cfg_route_no_shutdown_cmd,
      "no shutdown", NO_STR "Take the route out of service\n")
{
	((struct route *)vty->index)->admin_down = false;
	return CMD_SUCCESS;
}

static const char *route_target_str(char *buf, size_t len, const struct route *r)
{
	char pc[16];

	switch (r->type) {
	case ROUTE_TYPE_ISUP:
		snprintf(buf, len, "isup dpc %s circuit-group %s",
			 mtp3_pc_str(pc, sizeof(pc), r->isup_dpc), r->isup_group);
		break;
	case ROUTE_TYPE_SIP:
		snprintf(buf, len, "sip target %s %u", r->sip_host, r->sip_port);
		break;
	default:
		snprintf(buf, len, "none");
		break;
	}
	return buf;
}

/* Prints exactly the commands the nodes parse, so that write and reload round-trip. */
static int config_write_route(struct vty *vty)
{
	struct cause_set def;
	unsigned int i;
	char buf[160];
	int c;

	cause_set_route_advance_default(&def);
	for (c = CAUSE_Q850_MIN; c <= CAUSE_Q850_MAX; c++) {
		bool want = route_advance_cause(g_routes, c);

		if (want != cause_set_has(&def, c))
			vty_out(vty, "%sroute-advance cause %d%s", want ? "" : "no ", c, VTY_NEWLINE);
	}
	for (i = 0; i < route_table_count(g_routes); i++) {
		const struct route *r = route_table_at(g_routes, i);
		unsigned int k;

		vty_out(vty, "route %s%s", prefix_str(r), VTY_NEWLINE);
		if (r->name[0])
			vty_out(vty, " name %s%s", r->name, VTY_NEWLINE);
		if (r->type != ROUTE_TYPE_NONE)
			vty_out(vty, " %s%s", route_target_str(buf, sizeof(buf), r), VTY_NEWLINE);
		if (r->plan.intl_prefix[0])
			vty_out(vty, " nai international-prefix %s%s", r->plan.intl_prefix, VTY_NEWLINE);
		if (r->plan.natl_prefix[0])
			vty_out(vty, " nai national-prefix %s%s", r->plan.natl_prefix, VTY_NEWLINE);
		if (r->plan.country_code[0])
			vty_out(vty, " nai country-code %s%s", r->plan.country_code, VTY_NEWLINE);
		if (r->plan.default_nai == NUMBER_NAI_SUBSCRIBER)
			vty_out(vty, " nai default subscriber%s", VTY_NEWLINE);
		if (r->plan.natl_to_e164)
			vty_out(vty, " nai national-to-sip e164%s", VTY_NEWLINE);
		for (k = 0; k < r->num_xlat; k++)
			vty_out(vty, " translate %s %s%s%s", r->xlat[k].from, r->xlat[k].to,
				r->xlat[k].exact ? " exact" : "", VTY_NEWLINE);
		for (k = 0; k < r->num_fallback; k++)
			vty_out(vty, " fallback %s%s", r->fallback[k], VTY_NEWLINE);
		if (r->emergency)
			vty_out(vty, " emergency%s", VTY_NEWLINE);
		if (r->media_ip[0])
			vty_out(vty, " media-gateway %s %u%s", r->media_ip, r->media_rtp_base, VTY_NEWLINE);
		if (r->admin_down)
			vty_out(vty, " shutdown%s", VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

DEFUN(show_routes, show_routes_cmd,
      "show routes",
      SHOW_STR "Routing table\n")
{
	struct rate_ctr_group *ctrs = route_table_ctrs(g_routes);
	unsigned int i;
	char buf[160];

	vty_out(vty, "Routes %u/%u, trie nodes %u/%u, lookups %" PRIu64 " (miss %" PRIu64
		"), fallbacks %" PRIu64 " (exhausted %" PRIu64 ")%s",
		route_table_count(g_routes), route_table_routes_max(g_routes),
		route_table_nodes_used(g_routes), route_table_nodes_max(g_routes),
		rate_ctr_group_get_ctr(ctrs, ROUTE_CTR_LOOKUP)->current,
		rate_ctr_group_get_ctr(ctrs, ROUTE_CTR_LOOKUP_MISS)->current,
		rate_ctr_group_get_ctr(ctrs, ROUTE_CTR_FALLBACK)->current,
		rate_ctr_group_get_ctr(ctrs, ROUTE_CTR_FALLBACK_EXHAUSTED)->current, VTY_NEWLINE);
	vty_out(vty, "Route-advance causes:");
	for (i = CAUSE_Q850_MIN; i <= CAUSE_Q850_MAX; i++)
		if (route_advance_cause(g_routes, i))
			vty_out(vty, " %u", i);
	vty_out(vty, "%s", VTY_NEWLINE);
	vty_out(vty, "%-12s %-16s %-5s %-9s %s%s", "prefix", "name", "state", "flags", "target", VTY_NEWLINE);
	for (i = 0; i < route_table_count(g_routes); i++) {
		const struct route *r = route_table_at(g_routes, i);
		unsigned int k;

		vty_out(vty, "%-12s %-16s %-5s %-9s %s%s", prefix_str(r), r->name[0] ? r->name : "-",
			r->admin_down ? "admin" : (r->oper_down ? "down" : "up"),
			r->emergency ? "emergency" : "-", route_target_str(buf, sizeof(buf), r), VTY_NEWLINE);
		for (k = 0; k < r->num_fallback; k++) {
			const struct route *fb = route_find_name(g_routes, r->fallback[k]);

			vty_out(vty, "%-12s   fallback %u: %s (%s)%s", "", k + 1, r->fallback[k],
				!fb ? "unknown" : (route_is_down(fb) ? "down" : "up"), VTY_NEWLINE);
		}
	}
	return CMD_SUCCESS;
}

void route_vty_init(struct route_table *t)
{
	g_routes = t;
	/* a second call only points the commands at another table (reload, tests) */
	if (installed)
		return;
	installed = true;
	install_element(CONFIG_NODE, &cfg_route_cmd);
	install_element(CONFIG_NODE, &cfg_no_route_cmd);
	install_element(CONFIG_NODE, &cfg_route_advance_cmd);
	install_element(CONFIG_NODE, &cfg_no_route_advance_cmd);
	install_node(&route_node, config_write_route);
	install_element(ROUTE_NODE, &cfg_route_name_cmd);
	install_element(ROUTE_NODE, &cfg_route_isup_cmd);
	install_element(ROUTE_NODE, &cfg_route_sip_cmd);
	install_element(ROUTE_NODE, &cfg_route_fallback_cmd);
	install_element(ROUTE_NODE, &cfg_route_no_fallback_cmd);
	install_element(ROUTE_NODE, &cfg_route_translate_cmd);
	install_element(ROUTE_NODE, &cfg_route_no_translate_cmd);
	install_element(ROUTE_NODE, &cfg_route_nai_intl_cmd);
	install_element(ROUTE_NODE, &cfg_route_nai_natl_cmd);
	install_element(ROUTE_NODE, &cfg_route_nai_cc_cmd);
	install_element(ROUTE_NODE, &cfg_route_no_nai_prefix_cmd);
	install_element(ROUTE_NODE, &cfg_route_nai_default_cmd);
	install_element(ROUTE_NODE, &cfg_route_nai_to_sip_cmd);
	install_element(ROUTE_NODE, &cfg_route_emergency_cmd);
	install_element(ROUTE_NODE, &cfg_route_media_cmd);
	install_element(ROUTE_NODE, &cfg_route_no_media_cmd);
	install_element(ROUTE_NODE, &cfg_route_no_emergency_cmd);
	install_element(ROUTE_NODE, &cfg_route_shutdown_cmd);
	install_element(ROUTE_NODE, &cfg_route_no_shutdown_cmd);
	install_element_ve(&show_routes_cmd);
}
