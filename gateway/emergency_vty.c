/* emergency_vty.c - "emergency" config node (numbers, Resource-Priority, CPC) and its show command */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include "common/vty_nodes.h"
#include "gateway/emergency.h"

static struct emergency_cfg *g_emerg;

static bool installed;

static struct cmd_node emergency_node = {
	EMERGENCY_NODE,
	"%s(config-emergency)# ",
	1,
};

static const char *class_name(enum gw_call_class cls)
{
	return cls == GW_CALL_CLASS_EMERGENCY ? "emergency" : "priority";
}

static enum gw_call_class class_arg(const char *arg)
{
	return arg[0] == 'e' ? GW_CALL_CLASS_EMERGENCY : GW_CALL_CLASS_PRIORITY;
}

static int rc_warn(struct vty *vty, int rc, const char *what)
{
	if (rc >= 0)
		return CMD_SUCCESS;
	vty_out(vty, "%% %s: %s%s", what, rc == -ENOSPC ? "table full" :
		(rc == -ENOENT ? "not found" : "invalid value"), VTY_NEWLINE);
	return CMD_WARNING;
}

DEFUN(cfg_emergency, cfg_emergency_cmd,
      "emergency", "Emergency call classification\n")
{
	vty->index = g_emerg;
	vty->node = EMERGENCY_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_em_number, cfg_em_number_cmd,
      "number DIGITS",
      "Emergency short number (called digits as received)\n" "Digits\n")
{
	return rc_warn(vty, emergency_number_add(g_emerg, argv[0], NULL), "number");
}

DEFUN(cfg_em_number_region, cfg_em_number_region_cmd,
      "number DIGITS region NAME",
      "Emergency short number (called digits as received)\n" "Digits\n"
      "Region or answering centre the number belongs to\n" "Region name\n")
{
	return rc_warn(vty, emergency_number_add(g_emerg, argv[0], argv[1]), "number");
}

DEFUN(cfg_em_no_number, cfg_em_no_number_cmd,
      "no number DIGITS",
      NO_STR "Emergency short number\n" "Digits\n")
{
	return rc_warn(vty, emergency_number_del(g_emerg, argv[0]), "number");
}

DEFUN(cfg_em_rph, cfg_em_rph_cmd,
      "resource-priority RVALUE (emergency|priority)",
      "Resource-Priority r-value (RFC 4412)\n" "namespace.* or namespace.priority\n"
      "Calls carrying it are emergency calls\n" "Calls carrying it are priority calls\n")
{
	return rc_warn(vty, emergency_rph_add(g_emerg, argv[0], class_arg(argv[1])), "resource-priority");
}

DEFUN(cfg_em_no_rph, cfg_em_no_rph_cmd,
      "no resource-priority RVALUE",
      NO_STR "Resource-Priority r-value (RFC 4412)\n" "namespace.* or namespace.priority\n")
{
	return rc_warn(vty, emergency_rph_del(g_emerg, argv[0]), "resource-priority");
}

DEFUN(cfg_em_cpc, cfg_em_cpc_cmd,
      "cpc <0-255> (emergency|priority)",
      "Calling party's category (Q.763 3.11; SIP cpc= is mapped to it)\n" "Category value\n"
      "Calls with it are emergency calls\n" "Calls with it are priority calls\n")
{
	return rc_warn(vty, emergency_cpc_add(g_emerg, atoi(argv[0]), class_arg(argv[1])), "cpc");
}

DEFUN(cfg_em_no_cpc, cfg_em_no_cpc_cmd,
      "no cpc <0-255>",
      NO_STR "Calling party's category\n" "Category value\n")
{
	return rc_warn(vty, emergency_cpc_del(g_emerg, atoi(argv[0])), "cpc");
}

/* The node starts from the defaults: removed defaults are written as "no ...", then the rest. */
static int config_write_emergency(struct vty *vty)
{
	const char *digits, *region, *pattern;
	enum gw_call_class cls;
	unsigned int i;
	uint8_t cpc;

	vty_out(vty, "emergency%s", VTY_NEWLINE);
	for (i = 0; i < emergency_default_numbers_len; i++)
		if (!emergency_number_is(g_emerg, emergency_default_numbers[i], NULL))
			vty_out(vty, " no number %s%s", emergency_default_numbers[i], VTY_NEWLINE);
	for (i = 0; emergency_number_at(g_emerg, i, &digits, &region) == 0; i++) {
		if (region[0])
			vty_out(vty, " number %s region %s%s", digits, region, VTY_NEWLINE);
		else
			vty_out(vty, " number %s%s", digits, VTY_NEWLINE);
	}
	for (i = 0; i < emergency_default_rph_len; i++) {
		unsigned int k;
		bool kept = false;

		for (k = 0; emergency_rph_at(g_emerg, k, &pattern, &cls) == 0; k++)
			kept |= strcasecmp(pattern, emergency_default_rph[i].pattern) == 0;
		if (!kept)
			vty_out(vty, " no resource-priority %s%s", emergency_default_rph[i].pattern, VTY_NEWLINE);
	}
	for (i = 0; emergency_rph_at(g_emerg, i, &pattern, &cls) == 0; i++)
		vty_out(vty, " resource-priority %s %s%s", pattern, class_name(cls), VTY_NEWLINE);
	for (i = 0; i < emergency_default_cpc_len; i++) {
		unsigned int k;
		bool kept = false;

		for (k = 0; emergency_cpc_at(g_emerg, k, &cpc, &cls) == 0; k++)
			kept |= cpc == emergency_default_cpc[i].cpc;
		if (!kept)
			vty_out(vty, " no cpc %u%s", emergency_default_cpc[i].cpc, VTY_NEWLINE);
	}
	for (i = 0; emergency_cpc_at(g_emerg, i, &cpc, &cls) == 0; i++)
		vty_out(vty, " cpc %u %s%s", cpc, class_name(cls), VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_emergency_numbers, show_emergency_numbers_cmd,
      "show emergency numbers",
      SHOW_STR "Emergency call classification\n" "Emergency short numbers\n")
{
	const char *digits, *region;
	unsigned int i;

	vty_out(vty, "Emergency numbers %u/%u%s", emergency_number_count(g_emerg), EMERGENCY_NUMBERS_MAX,
		VTY_NEWLINE);
	for (i = 0; emergency_number_at(g_emerg, i, &digits, &region) == 0; i++)
		vty_out(vty, " %-12s %s%s", digits, region[0] ? region : "-", VTY_NEWLINE);
	return CMD_SUCCESS;
}

void emergency_vty_init(struct emergency_cfg *cfg)
{
	g_emerg = cfg;
	/* a second call only points the commands at another table (reload, tests) */
	if (installed)
		return;
	installed = true;
	install_element(CONFIG_NODE, &cfg_emergency_cmd);
	install_node(&emergency_node, config_write_emergency);
	install_element(EMERGENCY_NODE, &cfg_em_number_cmd);
	install_element(EMERGENCY_NODE, &cfg_em_number_region_cmd);
	install_element(EMERGENCY_NODE, &cfg_em_no_number_cmd);
	install_element(EMERGENCY_NODE, &cfg_em_rph_cmd);
	install_element(EMERGENCY_NODE, &cfg_em_no_rph_cmd);
	install_element(EMERGENCY_NODE, &cfg_em_cpc_cmd);
	install_element(EMERGENCY_NODE, &cfg_em_no_cpc_cmd);
	install_element_ve(&show_emergency_numbers_cmd);
}
