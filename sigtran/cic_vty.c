/* cic_vty.c - circuit-group config node, show cic, cic maintenance commands (ITU-T Q.764 2.8, 2.10) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include "common/vty_nodes.h"
#include "sigtran/cic_priv.h"
#include "sigtran/mtp3.h"

static struct isup_up *g_up;

static struct cmd_node cic_group_node = {
	CIC_GROUP_NODE,
	"%s(config-circuit-group)# ",
	1,
};

#define TIMER_NAMES "(T1|T5|T12|T13|T14|T15|T16|T17|T18|T19|T20|T21|T22|T23)"
#define TIMER_DOCS \
	"REL repeat (15-60 s)\n" "REL give up: RSC + alarm (5-15 min)\n" \
	"BLO repeat\n" "BLO alarm\n" "UBL repeat\n" "UBL alarm\n" \
	"RSC repeat\n" "RSC alarm\n" "CGB repeat\n" "CGB alarm\n" \
	"CGU repeat\n" "CGU alarm\n" "GRS repeat\n" "GRS alarm\n"

static const char *blk_str(uint8_t blk)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "%s%s%s%s", blk & CIC_BLK_LOCAL_MAINT ? "LM " : "",
		 blk & CIC_BLK_REMOTE_MAINT ? "RM " : "", blk & CIC_BLK_LOCAL_HW ? "LH " : "",
		 blk & CIC_BLK_REMOTE_HW ? "RH " : "");
	return blk ? buf : "-";
}

static int config_write_cic_group(struct vty *vty)
{
	struct cic_group *grp;
	char pc[32];
	unsigned code;
	struct osmo_tdef *t;

	if (!g_up)
		return CMD_SUCCESS;
	llist_for_each_entry(grp, &g_up->groups, entry) {
		vty_out(vty, "circuit-group %s%s", grp->name, VTY_NEWLINE);
		if (grp->dpc_set)
			vty_out(vty, " dpc %s%s", mtp3_pc_str(pc, sizeof(pc), grp->dpc), VTY_NEWLINE);
		if (grp->range_set)
			vty_out(vty, " cic %u %u%s", grp->first, grp->last, VTY_NEWLINE);
		vty_out(vty, " hunting %s%s", cic_hunting_name(grp->hunting), VTY_NEWLINE);
		vty_out(vty, " %sreset-on-resume%s", grp->reset_on_resume ? "" : "no ", VTY_NEWLINE);
		vty_out(vty, " grs-outstanding %u%s", grp->grs_outstanding_max, VTY_NEWLINE);
		vty_out(vty, " grs-pacing %u%s", grp->grs_pacing_ms, VTY_NEWLINE);
		vty_out(vty, " emergency-reserve %u%s", grp->emergency_reserve, VTY_NEWLINE);
		osmo_tdef_for_each(t, grp->tdefs) {
			if (t->val != t->default_val)
				vty_out(vty, " timer T%d %lu%s", t->T, t->val, VTY_NEWLINE);
		}
		for (code = 0; code <= CIC_CODE_MAX; code++) {
			if (grp->cfg_blocked[code / 32] & (1u << (code % 32)))
				vty_out(vty, " block %u%s", code, VTY_NEWLINE);
		}
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_cic_group, cfg_cic_group_cmd,
      "circuit-group NAME",
      "Configure an ISUP circuit group\n" "Name of the group\n")
{
	struct cic_group *grp = cic_group_find(g_up, argv[0]);

	if (!grp)
		grp = cic_group_alloc(g_up, argv[0]);
	if (!grp) {
		vty_out(vty, "%% cannot create circuit-group %s (bad name or %u groups exist)%s",
			argv[0], CIC_MAX_GROUPS, VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty->index = grp;
	vty->node = CIC_GROUP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_no_cic_group, cfg_no_cic_group_cmd,
      "no circuit-group NAME",
      NO_STR "Remove an ISUP circuit group (calls on it are lost)\n" "Name of the group\n")
{
	struct cic_group *grp = cic_group_find(g_up, argv[0]);

	if (!grp) {
		vty_out(vty, "%% no circuit-group %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	cic_group_free(grp);
	return CMD_SUCCESS;
}

static const char *rc_str(int rc)
{
	switch (rc) {
	case -EBUSY: return "a circuit of the group is busy";
	case -EEXIST: return "overlaps another group towards the same DPC";
	case -ENOSPC: return "too many DPCs";
	case -ERANGE: return "outside the group's CIC range";
	case -ENOTCONN: return "DPC paused (MTP-PAUSE)";
	default: return strerror(-rc);
	}
}

DEFUN(cfg_grp_dpc, cfg_grp_dpc_cmd,
      "dpc PC",
      "Destination point code of the circuits\n" "Point code, 3-8-3 (1.2.3) or decimal\n")
{
	uint32_t pc;
	int rc;

	if (mtp3_pc_parse(&pc, argv[0]) < 0) {
		vty_out(vty, "%% bad point code %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	rc = cic_group_set_dpc(vty->index, pc);
	if (rc < 0) {
		vty_out(vty, "%% dpc %s: %s%s", argv[0], rc_str(rc), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_cic, cfg_grp_cic_cmd,
      "cic <0-4095> <0-4095>",
      "CIC range of the group\n" "First CIC\n" "Last CIC\n")
{
	int rc = cic_group_set_range(vty->index, atoi(argv[0]), atoi(argv[1]));

	if (rc < 0) {
		vty_out(vty, "%% cic %s %s: %s%s", argv[0], argv[1], rc_str(rc), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_hunting, cfg_grp_hunting_cmd,
      "hunting (ascending|descending|odd|even|lru)",
      "Order in which idle circuits are seized for outgoing calls\n"
      "Lowest CIC first\n" "Highest CIC first\n" "Odd CICs first\n" "Even CICs first\n"
      "The circuit idle for longest\n")
{
	static const struct value_string names[] = {
		{ CIC_HUNT_ASCENDING, "ascending" }, { CIC_HUNT_DESCENDING, "descending" },
		{ CIC_HUNT_ODD, "odd" }, { CIC_HUNT_EVEN, "even" }, { CIC_HUNT_LRU, "lru" }, {}
	};

	cic_group_set_hunting(vty->index, get_string_value(names, argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_timer, cfg_grp_timer_cmd,
      "timer " TIMER_NAMES " <1-900>",
      "Q.764 timer\n" TIMER_DOCS "Seconds\n")
{
	struct cic_group *grp = vty->index;
	int T = atoi(argv[0] + 1);

	if (osmo_tdef_set(grp->tdefs, T, atoi(argv[1]), OSMO_TDEF_S) < 0) {
		vty_out(vty, "%% T%d: value %s out of range%s", T, argv[1], VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_reset_on_resume, cfg_grp_reset_on_resume_cmd,
      "reset-on-resume",
      "Send GRS for all circuits whenever the DPC becomes available (MTP-RESUME)\n")
{
	cic_group_set_reset_on_resume(vty->index, true);
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_no_reset_on_resume, cfg_grp_no_reset_on_resume_cmd,
      "no reset-on-resume",
      NO_STR "Reset on MTP-RESUME only while the circuit states are in doubt\n")
{
	cic_group_set_reset_on_resume(vty->index, false);
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_grs_outstanding, cfg_grp_grs_outstanding_cmd,
      "grs-outstanding <1-64>",
      "GRS messages unacknowledged at once\n" "Count\n")
{
	cic_group_set_grs_outstanding(vty->index, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_grs_pacing, cfg_grp_grs_pacing_cmd,
      "grs-pacing <1-60000>",
      "Interval between two GRS messages\n" "Milliseconds\n")
{
	cic_group_set_grs_pacing_ms(vty->index, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_emerg_reserve, cfg_grp_emerg_reserve_cmd,
      "emergency-reserve <0-4095>",
      "Circuits kept for emergency calls: other calls get none while this many or fewer could "
      "be seized\n" "Circuits\n")
{
	cic_group_set_emergency_reserve(vty->index, atoi(argv[0]));
	return CMD_SUCCESS;
}

static int cfg_block(struct vty *vty, const char *arg, bool blocked)
{
	struct cic_group *grp = vty->index;
	uint16_t code = atoi(arg);
	struct cic *cic;
	int rc = cic_group_cfg_block(grp, code, blocked);

	if (rc < 0) {
		vty_out(vty, "%% block %s: %s%s", arg, rc_str(rc), VTY_NEWLINE);
		return CMD_WARNING;
	}
	cic = cic_lookup(g_up, grp->dpc, code);
	if (!cic)
		return CMD_SUCCESS;
	if (grp->dpce && !grp->dpce->paused) {
		if (blocked)
			cic_block(cic);
		else
			cic_unblock(cic);
	} else if (blocked) {
		/* BLO follows the reset on the next MTP-RESUME (Q.764 2.10.3.2) */
		cic->blk |= CIC_BLK_LOCAL_MAINT;
	} else {
		cic->blk &= ~CIC_BLK_LOCAL_MAINT;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_grp_block, cfg_grp_block_cmd,
      "block <0-4095>",
      "Keep a circuit locally maintenance blocked (BLO) from start\n" "CIC\n")
{
	return cfg_block(vty, argv[0], true);
}

DEFUN(cfg_grp_no_block, cfg_grp_no_block_cmd,
      "no block <0-4095>",
      NO_STR "Remove the configured block (UBL)\n" "CIC\n")
{
	return cfg_block(vty, argv[0], false);
}

static void show_group(struct vty *vty, struct cic_group *grp, bool circuits)
{
	unsigned counts[CIC_ST_WAIT_GRA + 1] = {}, blocked = 0, i;
	char pc[32];

	for (i = 0; i < grp->n; i++) {
		counts[grp->cics[i].fi->state]++;
		if (grp->cics[i].blk)
			blocked++;
	}
	vty_out(vty, "circuit-group %s dpc %s cic %u-%u hunting %s, DPC %s%s", grp->name,
		grp->dpc_set ? mtp3_pc_str(pc, sizeof(pc), grp->dpc) : "-", grp->first, grp->last,
		cic_hunting_name(grp->hunting), grp->dpce && !grp->dpce->paused ? "available" : "paused",
		VTY_NEWLINE);
	vty_out(vty, " circuits %u: idle %u, outgoing %u, incoming %u, wait-rlc %u, wait-rsc-rlc %u, "
		"wait-gra %u, blocked %u%s", grp->n, counts[CIC_ST_IDLE], counts[CIC_ST_OUTGOING_BUSY],
		counts[CIC_ST_INCOMING_BUSY], counts[CIC_ST_WAIT_RLC], counts[CIC_ST_WAIT_RSC_RLC],
		counts[CIC_ST_WAIT_GRA], blocked, VTY_NEWLINE);
	vty_out(vty, " group procedures %u/%u, GRS queued %u circuits%s", grp->n_gprocs, CIC_GPROC_MAX,
		cic_group_grs_queued(grp), VTY_NEWLINE);
	if (!circuits)
		return;
	for (i = 0; i < grp->n; i++) {
		struct cic *cic = &grp->cics[i];

		vty_out(vty, "  CIC %4u %-14s block %-12s%s%s", cic->code, osmo_fsm_inst_state_name(cic->fi),
			blk_str(cic->blk), cic->owner ? " call" : "", VTY_NEWLINE);
	}
}

DEFUN(show_cic, show_cic_cmd,
      "show cic [NAME]",
      SHOW_STR "ISUP circuits: state and block bits\n" "Only this circuit group\n")
{
	struct cic_group *grp;

	if (argc > 0) {
		grp = cic_group_find(g_up, argv[0]);
		if (!grp) {
			vty_out(vty, "%% no circuit-group %s%s", argv[0], VTY_NEWLINE);
			return CMD_WARNING;
		}
		show_group(vty, grp, true);
		return CMD_SUCCESS;
	}
	llist_for_each_entry(grp, &g_up->groups, entry)
		show_group(vty, grp, true);
	return CMD_SUCCESS;
}

DEFUN(show_cic_summary, show_cic_summary_cmd,
      "show cic summary",
      SHOW_STR "ISUP circuits\n" "Counts per state for each circuit group\n")
{
	struct cic_group *grp;

	llist_for_each_entry(grp, &g_up->groups, entry)
		show_group(vty, grp, false);
	return CMD_SUCCESS;
}

DEFUN(cic_maint, cic_maint_cmd,
      "cic NAME (block|unblock|reset) <0-4095> [<0-4095>]",
      "ISUP circuit maintenance\n" "Circuit group\n"
      "Local maintenance block (BLO, or CGB for a range)\n" "Unblock (UBL, or CGU for a range)\n"
      "Reset (RSC, or paced GRS for a range)\n" "First CIC\n" "Last CIC\n")
{
	struct cic_group *grp = cic_group_find(g_up, argv[0]);
	unsigned first = atoi(argv[2]), last = argc > 3 ? (unsigned)atoi(argv[3]) : first;
	struct cic *cic;
	int rc;

	if (!grp) {
		vty_out(vty, "%% no circuit-group %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (first > last || first < grp->first || last > grp->last || !grp->n) {
		vty_out(vty, "%% %u-%u: %s%s", first, last, rc_str(-ERANGE), VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (first == last) {
		cic = &grp->cics[first - grp->first];
		if (!strcmp(argv[1], "block"))
			rc = cic_block(cic);
		else if (!strcmp(argv[1], "unblock"))
			rc = cic_unblock(cic);
		else
			rc = cic_reset(cic);
	} else if (!strcmp(argv[1], "block")) {
		rc = cic_group_block(grp, first, last, false);
	} else if (!strcmp(argv[1], "unblock")) {
		rc = cic_group_unblock(grp, first, last, false);
	} else {
		rc = cic_group_reset_range(grp, first, last);
	}
	if (rc < 0) {
		vty_out(vty, "%% cic %s %s: %s%s", argv[0], argv[1], rc_str(rc), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

void cic_vty_init(struct isup_up *up)
{
	g_up = up;
	install_node(&cic_group_node, config_write_cic_group);
	install_element(CONFIG_NODE, &cfg_cic_group_cmd);
	install_element(CONFIG_NODE, &cfg_no_cic_group_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_dpc_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_cic_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_hunting_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_emerg_reserve_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_timer_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_reset_on_resume_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_no_reset_on_resume_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_grs_outstanding_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_grs_pacing_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_block_cmd);
	install_element(CIC_GROUP_NODE, &cfg_grp_no_block_cmd);
	install_element_ve(&show_cic_cmd);
	install_element_ve(&show_cic_summary_cmd);
	install_element(ENABLE_NODE, &cic_maint_cmd);
}
