/* decode_isup.c - sigtran-decode: ISUP message as text, every parameter named (ITU-T Q.763 section 3, Q.850) */
#include <errno.h>
#include <stdbool.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/isup.h"
#include "tools/decode.h"

/* Value names of the parameter fields (Q.763 section 3). A value without a name prints as
 * "spare/national use": the codec keeps it, the reader sees it is not an ITU value. */
static const struct value_string satellite_names[] = {
	{ 0, "no satellite circuit in the connection" },
	{ 1, "one satellite circuit in the connection" },
	{ 2, "two satellite circuits in the connection" },
	{ 0, NULL }
};
static const struct value_string cont_check_names[] = {
	{ 0, "continuity check not required" },
	{ 1, "continuity check required on this circuit" },
	{ 2, "continuity check performed on a previous circuit" },
	{ 0, NULL }
};
static const struct value_string included_names[] = {
	{ 0, "not included" },
	{ 1, "included" },
	{ 0, NULL }
};
static const struct value_string natl_intl_names[] = {
	{ 0, "national call" },
	{ 1, "international call" },
	{ 0, NULL }
};
static const struct value_string e2e_method_names[] = {
	{ 0, "no end-to-end method available" },
	{ 1, "pass-along method available" },
	{ 2, "SCCP method available" },
	{ 3, "pass-along and SCCP methods available" },
	{ 0, NULL }
};
static const struct value_string interworking_names[] = {
	{ 0, "no interworking encountered" },
	{ 1, "interworking encountered" },
	{ 0, NULL }
};
static const struct value_string e2e_info_names[] = {
	{ 0, "no end-to-end information available" },
	{ 1, "end-to-end information available" },
	{ 0, NULL }
};
static const struct value_string isup_used_names[] = {
	{ 0, "ISDN user part not used all the way" },
	{ 1, "ISDN user part used all the way" },
	{ 0, NULL }
};
static const struct value_string isup_pref_names[] = {
	{ 0, "ISDN user part preferred all the way" },
	{ 1, "ISDN user part not required all the way" },
	{ 2, "ISDN user part required all the way" },
	{ 0, NULL }
};
static const struct value_string isdn_access_names[] = {
	{ 0, "non-ISDN access" },
	{ 1, "ISDN access" },
	{ 0, NULL }
};
static const struct value_string sccp_method_names[] = {
	{ 0, "no indication" },
	{ 1, "connectionless method available" },
	{ 2, "connection oriented method available" },
	{ 3, "connectionless and connection oriented methods available" },
	{ 0, NULL }
};
static const struct value_string cpc_names[] = {
	{ 0, "calling party's category unknown" },
	{ 1, "operator, language French" },
	{ 2, "operator, language English" },
	{ 3, "operator, language German" },
	{ 4, "operator, language Russian" },
	{ 5, "operator, language Spanish" },
	{ 9, "reserved (national operator)" },
	{ 10, "ordinary calling subscriber" },
	{ 11, "calling subscriber with priority" },
	{ 12, "data call (voice band data)" },
	{ 13, "test call" },
	{ 15, "payphone" },
	{ 0, NULL }
};
static const struct value_string tmr_names[] = {
	{ 0, "speech" },
	{ 2, "64 kbit/s unrestricted" },
	{ 3, "3.1 kHz audio" },
	{ 6, "64 kbit/s preferred" },
	{ 7, "2 x 64 kbit/s unrestricted" },
	{ 8, "384 kbit/s unrestricted" },
	{ 9, "1536 kbit/s unrestricted" },
	{ 10, "1920 kbit/s unrestricted" },
	{ 0, NULL }
};
static const struct value_string nai_names[] = {
	{ 1, "subscriber number" },
	{ 2, "unknown" },
	{ 3, "national (significant) number" },
	{ 4, "international number" },
	{ 5, "network-specific number" },
	{ 6, "network routing number in national (significant) number format" },
	{ 7, "network routing number in network-specific number format" },
	{ 8, "network routing number concatenated with called directory number" },
	{ 0, NULL }
};
static const struct value_string npi_names[] = {
	{ 1, "ISDN (telephony) numbering plan, E.164" },
	{ 3, "data numbering plan, X.121" },
	{ 4, "telex numbering plan, F.69" },
	{ 5, "private numbering plan" },
	{ 0, NULL }
};
static const struct value_string inn_names[] = {
	{ 0, "routing to internal network number allowed" },
	{ 1, "routing to internal network number not allowed" },
	{ 0, NULL }
};
static const struct value_string ni_names[] = {
	{ 0, "complete" },
	{ 1, "incomplete" },
	{ 0, NULL }
};
static const struct value_string pres_names[] = {
	{ 0, "presentation allowed" },
	{ 1, "presentation restricted" },
	{ 2, "address not available" },
	{ 3, "reserved for restriction by the network" },
	{ 0, NULL }
};
static const struct value_string screen_names[] = {
	{ 0, "user provided, not verified" },
	{ 1, "user provided, verified and passed" },
	{ 2, "user provided, verified and failed" },
	{ 3, "network provided" },
	{ 0, NULL }
};
static const struct value_string nqi_names[] = {
	{ 0, "reserved (dialled digits)" },
	{ 1, "additional called number" },
	{ 5, "additional connected number" },
	{ 6, "additional calling party number" },
	{ 7, "additional original called number" },
	{ 8, "additional redirecting number" },
	{ 9, "additional redirection number" },
	{ 0, NULL }
};
static const struct value_string charge_names[] = {
	{ 0, "no indication" },
	{ 1, "no charge" },
	{ 2, "charge" },
	{ 0, NULL }
};
static const struct value_string called_status_names[] = {
	{ 0, "no indication" },
	{ 1, "subscriber free" },
	{ 2, "connect when free" },
	{ 0, NULL }
};
static const struct value_string called_category_names[] = {
	{ 0, "no indication" },
	{ 1, "ordinary subscriber" },
	{ 2, "payphone" },
	{ 0, NULL }
};
static const struct value_string holding_names[] = {
	{ 0, "holding not requested" },
	{ 1, "holding requested" },
	{ 0, NULL }
};
static const struct value_string yes_no_names[] = {
	{ 0, "no" },
	{ 1, "yes" },
	{ 0, NULL }
};
static const struct value_string loc_long_names[] = {
	{ ISUP_LOC_USER, "user" },
	{ ISUP_LOC_PRIV_LOCAL, "private network serving the local user" },
	{ ISUP_LOC_PUB_LOCAL, "public network serving the local user" },
	{ ISUP_LOC_TRANSIT, "transit network" },
	{ ISUP_LOC_PUB_REMOTE, "public network serving the remote user" },
	{ ISUP_LOC_PRIV_REMOTE, "private network serving the remote user" },
	{ ISUP_LOC_INTERNATIONAL, "international network" },
	{ ISUP_LOC_BEYOND_IWP, "network beyond interworking point" },
	{ 0, NULL }
};
static const struct value_string coding_names[] = {
	{ 0, "ITU-T" },
	{ 1, "ISO/IEC" },
	{ 2, "national" },
	{ 3, "specific to location" },
	{ 0, NULL }
};
static const struct value_string cgsmt_names[] = {
	{ ISUP_CGSMT_MAINTENANCE, "maintenance oriented" },
	{ ISUP_CGSMT_HW_FAILURE, "hardware failure oriented" },
	{ 0, NULL }
};
static const struct value_string redir_ind_names[] = {
	{ 0, "no redirection" },
	{ 1, "call rerouted" },
	{ 2, "call rerouted, all redirection information presentation restricted" },
	{ 3, "call diverted" },
	{ 4, "call diverted, all redirection information presentation restricted" },
	{ 5, "call rerouted, redirection number presentation restricted" },
	{ 6, "call diversion, redirection number presentation restricted" },
	{ 0, NULL }
};
static const struct value_string redir_reason_names[] = {
	{ 0, "unknown/not available" },
	{ 1, "user busy" },
	{ 2, "no reply" },
	{ 3, "unconditional" },
	{ 4, "deflection during alerting" },
	{ 5, "deflection immediate response" },
	{ 6, "mobile subscriber not reachable" },
	{ 0, NULL }
};
static const struct value_string acl_names[] = {
	{ 1, "congestion level 1 exceeded" },
	{ 2, "congestion level 2 exceeded" },
	{ 0, NULL }
};
static const struct value_string susres_names[] = {
	{ 0, "ISDN subscriber initiated" },
	{ 1, "network initiated" },
	{ 0, NULL }
};
static const struct value_string pass_on_np_names[] = {
	{ 0, "release call" },
	{ 1, "discard message" },
	{ 2, "discard parameter" },
	{ 3, "reserved" },
	{ 0, NULL }
};

static const char *vname(const struct value_string *vs, unsigned v)
{
	const char *n = get_value_string_or_null(vs, v);

	return n ? n : "spare/national use";
}

/* "    label: value (name)" */
static void field(struct dec *d, const char *label, unsigned v, const struct value_string *vs)
{
	fprintf(d->out, "    %s: %u (%s)\n", label, v, vname(vs, v));
}

static void print_number(struct dec *d, const char *what, const struct isup_number *n,
			 bool inn, bool ni, bool pres, bool screen, bool nqi)
{
	fprintf(d->out, "  %s: %s\n", what, n->digits[0] ? n->digits : "(no digits)");
	if (nqi)
		field(d, "number qualifier", n->nqi, nqi_names);
	field(d, "nature of address", n->nai, nai_names);
	field(d, "numbering plan", n->npi, npi_names);
	if (inn)
		field(d, "internal network number", n->inn, inn_names);
	if (ni)
		field(d, "number incomplete", n->ni, ni_names);
	if (pres)
		field(d, "presentation", n->pres, pres_names);
	if (screen)
		field(d, "screening", n->screen, screen_names);
	fprintf(d->out, "    odd/even: %s\n", n->odd ? "odd" : "even");
}

static void print_octets(struct dec *d, const char *what, const uint8_t *data, size_t len)
{
	fprintf(d->out, "  %s: %zu octets\n", what, len);
	dec_hex(d, 4, data, len);
}


static void p_nci(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s:\n", isup_param_name(ISUP_PAR_NATURE_OF_CONN_IND));
	field(d, "satellite", m->nci.satellite, satellite_names);
	field(d, "continuity check", m->nci.cont_check, cont_check_names);
	field(d, "echo control device", m->nci.echo_dev, included_names);
}

static void p_fci(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s:\n", isup_param_name(ISUP_PAR_FORWARD_CALL_IND));
	field(d, "national/international call", m->fci.intl, natl_intl_names);
	field(d, "end-to-end method", m->fci.e2e_method, e2e_method_names);
	field(d, "interworking", m->fci.interworking, interworking_names);
	field(d, "end-to-end information", m->fci.e2e_info, e2e_info_names);
	field(d, "ISDN user part", m->fci.isup_used, isup_used_names);
	field(d, "ISDN user part preference", m->fci.isup_pref, isup_pref_names);
	field(d, "ISDN access", m->fci.isdn_access, isdn_access_names);
	field(d, "SCCP method", m->fci.sccp_method, sccp_method_names);
	fprintf(d->out, "    national use (bits P-L): 0x%02x\n", m->fci.natl);
}

static void p_cpc(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %u (%s)\n", isup_param_name(ISUP_PAR_CALLING_PARTY_CATEGORY), m->cpc,
		vname(cpc_names, m->cpc));
}

static void p_tmr(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %u (%s)\n", isup_param_name(ISUP_PAR_TRANSMISSION_MEDIUM_REQ), m->tmr,
		vname(tmr_names, m->tmr));
}

static void p_called(struct dec *d, const struct isup_msg *m)
{
	print_number(d, isup_param_name(ISUP_PAR_CALLED_PARTY_NUMBER), &m->called, true, false, false, false, false);
}

static void p_subsequent(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %s\n", isup_param_name(ISUP_PAR_SUBSEQUENT_NUMBER), m->subsequent.digits);
	fprintf(d->out, "    odd/even: %s\n", m->subsequent.odd ? "odd" : "even");
}

static void p_calling(struct dec *d, const struct isup_msg *m)
{
	print_number(d, isup_param_name(ISUP_PAR_CALLING_PARTY_NUMBER), &m->calling, false, true, true, true, false);
}

static void p_connected(struct dec *d, const struct isup_msg *m)
{
	print_number(d, isup_param_name(ISUP_PAR_CONNECTED_NUMBER), &m->connected, false, false, true, true, false);
}

static void p_redirecting(struct dec *d, const struct isup_msg *m)
{
	print_number(d, isup_param_name(ISUP_PAR_REDIRECTING_NUMBER), &m->redirecting, false, false, true, false, false);
}

static void p_orig_called(struct dec *d, const struct isup_msg *m)
{
	print_number(d, isup_param_name(ISUP_PAR_ORIGINAL_CALLED_NUMBER), &m->orig_called, false, false, true, false, false);
}

static void p_generic_number(struct dec *d, const struct isup_msg *m)
{
	unsigned i;

	for (i = 0; i < m->n_generic_number && i < ISUP_MAX_GENERIC_NUMBERS; i++)
		print_number(d, isup_param_name(ISUP_PAR_GENERIC_NUMBER), &m->generic_number[i],
			     false, true, true, true, true);
}

static void p_bci(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s:\n", isup_param_name(ISUP_PAR_BACKWARD_CALL_IND));
	field(d, "charge", m->bci.charge, charge_names);
	field(d, "called party's status", m->bci.called_status, called_status_names);
	field(d, "called party's category", m->bci.called_category, called_category_names);
	field(d, "end-to-end method", m->bci.e2e_method, e2e_method_names);
	field(d, "interworking", m->bci.interworking, interworking_names);
	field(d, "end-to-end information", m->bci.e2e_info, e2e_info_names);
	field(d, "ISDN user part", m->bci.isup_used, isup_used_names);
	field(d, "holding", m->bci.holding, holding_names);
	field(d, "ISDN access", m->bci.isdn_access, isdn_access_names);
	field(d, "echo control device", m->bci.echo_dev, included_names);
	field(d, "SCCP method", m->bci.sccp_method, sccp_method_names);
}

static void p_obci(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s:\n", isup_param_name(ISUP_PAR_OPT_BACKWARD_CALL_IND));
	field(d, "in-band information available", m->obci.inband, yes_no_names);
	field(d, "call diversion may occur", m->obci.diversion, yes_no_names);
	field(d, "simple segmentation", m->obci.segmentation, yes_no_names);
	field(d, "MLPP user", m->obci.mlpp_user, yes_no_names);
	fprintf(d->out, "    national use (bits H-E): 0x%x\n", m->obci.natl);
}

static void p_event(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %u (%s)\n", isup_param_name(ISUP_PAR_EVENT_INFO), m->event.event,
		isup_event_name(m->event.event));
	fprintf(d->out, "    event presentation restricted: %u (%s)\n", m->event.pres_restricted,
		m->event.pres_restricted ? "presentation restricted" : "no indication");
}

static void p_cause(struct dec *d, const struct isup_msg *m)
{
	const struct isup_cause *c = &m->cause;

	fprintf(d->out, "  %s: cause %u (%s)\n", isup_param_name(ISUP_PAR_CAUSE_IND), c->value,
		isup_cause_name(c->value));
	fprintf(d->out, "    location: %u (%s, %s)\n", c->location, isup_cause_loc_name(c->location),
		vname(loc_long_names, c->location));
	field(d, "coding standard", c->coding, coding_names);
	if (c->has_recommendation)
		fprintf(d->out, "    recommendation: %u\n", c->recommendation);
	if (c->diag_len) {
		fprintf(d->out, "    diagnostic: %u octets\n", c->diag_len);
		dec_hex(d, 6, c->diag, c->diag_len < ISUP_MAX_DIAG ? c->diag_len : ISUP_MAX_DIAG);
	}
}

static void p_cgsmt(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %u (%s)\n", isup_param_name(ISUP_PAR_CGS_MSG_TYPE), m->cgsmt & 3,
		vname(cgsmt_names, m->cgsmt & 3));
	if (m->cgsmt & ~3u)
		fprintf(d->out, "    spare bits: 0x%02x\n", m->cgsmt & ~3u);
}

static void p_range_status(struct dec *d, const struct isup_msg *m)
{
	const struct isup_range_status *rs = &m->rs;
	unsigned i, n = (unsigned)rs->range + 1;
	bool any = false;

	fprintf(d->out, "  %s: range %u (%u circuits, CIC %u..%u)\n", isup_param_name(ISUP_PAR_RANGE_AND_STATUS),
		rs->range, n, m->cic, m->cic + rs->range);
	if (!rs->has_status) {
		fprintf(d->out, "    status: absent\n");
		return;
	}
	fprintf(d->out, "    status bits (first = CIC %u): ", m->cic);
	for (i = 0; i < n && i < 32; i++)
		fputc((rs->status >> i) & 1 ? '1' : '0', d->out);
	fprintf(d->out, "\n    status set for CIC:");
	for (i = 0; i < n && i < 32; i++) {
		if ((rs->status >> i) & 1) {
			fprintf(d->out, " %u", m->cic + i);
			any = true;
		}
	}
	fprintf(d->out, "%s\n", any ? "" : " none");
}

static void p_redir_info(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s:\n", isup_param_name(ISUP_PAR_REDIRECTION_INFO));
	field(d, "redirecting indicator", m->redir_info.indicator, redir_ind_names);
	field(d, "original redirection reason", m->redir_info.orig_reason, redir_reason_names);
	fprintf(d->out, "    redirection counter: %u\n", m->redir_info.counter);
	field(d, "redirecting reason", m->redir_info.reason, redir_reason_names);
}

static void p_usi(struct dec *d, const struct isup_msg *m)
{
	print_octets(d, isup_param_name(ISUP_PAR_USER_SERVICE_INFO), m->usi.data, m->usi.data ? m->usi.len : 0);
}

static void p_access_transport(struct dec *d, const struct isup_msg *m)
{
	print_octets(d, isup_param_name(ISUP_PAR_ACCESS_TRANSPORT), m->access_transport.data,
		     m->access_transport.data ? m->access_transport.len : 0);
}

static void p_acl(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %u (%s)\n", isup_param_name(ISUP_PAR_AUTO_CONGESTION_LEVEL), m->acl,
		vname(acl_names, m->acl));
}

static void p_hop_counter(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %u\n", isup_param_name(ISUP_PAR_HOP_COUNTER), m->hop_counter);
}

static void p_pci(struct dec *d, const struct isup_msg *m)
{
	unsigned i;

	fprintf(d->out, "  %s: %u entries\n", isup_param_name(ISUP_PAR_PARAM_COMPAT_INFO), m->pci.n);
	for (i = 0; i < m->pci.n && i < ISUP_MAX_PCI; i++) {
		const struct isup_pci_entry *e = &m->pci.e[i];

		fprintf(d->out, "    parameter 0x%02x (%s): instructions 0x%02x: %s end node, release call %u, "
			"send notification %u, discard message %u, discard parameter %u, "
			"pass on not possible: %s\n",
			e->param, isup_param_name(e->param), e->instr,
			(e->instr & ISUP_PCI_END_NODE) ? "end" : "transit",
			!!(e->instr & ISUP_PCI_RELEASE_CALL), !!(e->instr & ISUP_PCI_SEND_NOTIFY),
			!!(e->instr & ISUP_PCI_DISCARD_MSG), !!(e->instr & ISUP_PCI_DISCARD_PARAM),
			vname(pass_on_np_names, ISUP_PCI_PASS_ON_NP(e->instr)));
	}
}

static void p_susres(struct dec *d, const struct isup_msg *m)
{
	fprintf(d->out, "  %s: %u (%s)\n", isup_param_name(ISUP_PAR_SUSPEND_RESUME_IND), m->susres,
		vname(susres_names, m->susres));
}

/* One printer per typed parameter of struct isup_msg, in the order of enum isup_par_bit. */
static void (*const par_printers[_NUM_ISUP_P])(struct dec *d, const struct isup_msg *m) = {
	[ISUP_P_NCI] = p_nci,
	[ISUP_P_FCI] = p_fci,
	[ISUP_P_CPC] = p_cpc,
	[ISUP_P_TMR] = p_tmr,
	[ISUP_P_CALLED] = p_called,
	[ISUP_P_SUBSEQUENT] = p_subsequent,
	[ISUP_P_CALLING] = p_calling,
	[ISUP_P_CONNECTED] = p_connected,
	[ISUP_P_REDIRECTING] = p_redirecting,
	[ISUP_P_ORIG_CALLED] = p_orig_called,
	[ISUP_P_GENERIC_NUMBER] = p_generic_number,
	[ISUP_P_BCI] = p_bci,
	[ISUP_P_OBCI] = p_obci,
	[ISUP_P_EVENT] = p_event,
	[ISUP_P_CAUSE] = p_cause,
	[ISUP_P_CGSMT] = p_cgsmt,
	[ISUP_P_RANGE_STATUS] = p_range_status,
	[ISUP_P_REDIR_INFO] = p_redir_info,
	[ISUP_P_USI] = p_usi,
	[ISUP_P_ACCESS_TRANSPORT] = p_access_transport,
	[ISUP_P_ACL] = p_acl,
	[ISUP_P_HOP_COUNTER] = p_hop_counter,
	[ISUP_P_PCI] = p_pci,
	[ISUP_P_SUSRES] = p_susres,
};

static void print_msg(struct dec *d, const struct isup_msg *m)
{
	unsigned i;

	fprintf(d->out, "ISUP %s (0x%02x), CIC %u\n", isup_msg_type_name(m->type), m->type, m->cic);
	if (!isup_msg_type_known(m->type)) {
		fprintf(d->out, "  parameters not decoded for this message type: %zu octets\n", m->raw_len);
		dec_hex(d, 4, m->raw, m->raw ? m->raw_len : 0);
		return;
	}
	for (i = 0; i < _NUM_ISUP_P; i++)
		if (ISUP_HAS(m, i) && par_printers[i])
			par_printers[i](d, m);
	for (i = 0; i < m->n_unknown && i < ISUP_MAX_UNKNOWN; i++) {
		const struct isup_unknown_param *u = &m->unknown[i];

		fprintf(d->out, "  parameter 0x%02x (%s): %u octets\n", u->code, isup_param_name(u->code), u->len);
		dec_hex(d, 4, u->data, u->data ? u->len : 0);
	}
}

int dec_isup(struct dec *d, const uint8_t *buf, size_t len, size_t base)
{
	struct isup_err err = { .cic = -1, .param = -1, .param_name = "" };
	struct isup_msg *m = NULL;
	int rc;

	rc = isup_decode(d->ctx, buf, len, &m, &err);
	if (rc == -ENOMEM) {
		dec_error(d, "ISUP: out of memory");
		return rc;
	}
	if (rc < 0) {
		char head[64] = "ISUP", where[48] = "";

		if (err.msg_type && err.cic >= 0)
			snprintf(head, sizeof(head), "ISUP %s CIC %d", isup_msg_type_name(err.msg_type), err.cic);
		else if (err.cic >= 0)
			snprintf(head, sizeof(head), "ISUP CIC %d", err.cic);
		if (base)
			snprintf(where, sizeof(where), " (offset %zu in the M3UA message)", base + err.offset);
		dec_error(d, "%s: %s: %s at offset %zu%s", head,
			  err.param >= 0 && err.param_name && err.param_name[0] ? err.param_name : "message",
			  err.reason ? err.reason : "malformed", err.offset, where);
		return rc;
	}
	print_msg(d, m);
	talloc_free(m);
	return 0;
}
