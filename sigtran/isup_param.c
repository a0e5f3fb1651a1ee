/* isup_param.c - ISUP parameter encoding and decoding (ITU-T Q.763 section 3) */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/isup.h"
#include "sigtran/isup_priv.h"

/* Q.763 3.9 f): address signal nibbles 0..15 as ASCII; see isup.h. */
static const char digit_chars[16] = "0123456789ABCDEF";

int isup_digits_decode(char *out, size_t out_size, const uint8_t *bcd, size_t len, bool odd)
{
	size_t n, i;

	if (odd && len == 0)
		return -EINVAL;
	n = len * 2 - (odd ? 1 : 0);
	if (n > ISUP_MAX_DIGITS || n + 1 > out_size)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		uint8_t o = bcd[i / 2];
		out[i] = digit_chars[(i & 1) ? (o >> 4) : (o & 0x0f)];
	}
	out[n] = '\0';
	return n;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = toupper((unsigned char)c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int isup_digits_encode(uint8_t *bcd, size_t bcd_size, const char *digits, bool *odd)
{
	size_t n = strnlen(digits, ISUP_MAX_DIGITS + 1), i;

	if (n > ISUP_MAX_DIGITS)
		return -EINVAL;
	if ((n + 1) / 2 > bcd_size)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		int v = digit_value(digits[i]);
		if (v < 0)
			return -EINVAL;
		if (i & 1)
			bcd[i / 2] |= v << 4;
		else
			bcd[i / 2] = v;
	}
	*odd = n & 1;
	return n;
}

int isup_number_set(struct isup_number *n, uint8_t nai, const char *digits)
{
	size_t len = strnlen(digits, ISUP_MAX_DIGITS + 1), i;

	if (len > ISUP_MAX_DIGITS || nai > 0x7f)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (digit_value(digits[i]) < 0)
			return -EINVAL;
	memset(n, 0, sizeof(*n));
	n->nai = nai;
	n->npi = 1;
	memcpy(n->digits, digits, len + 1);
	n->odd = len & 1;
	return 0;
}

/* Layout of the octets before the digits, which differs per number parameter. */
enum num_flags {
	NF_NQI = 1 << 0,	/* leading number qualifier octet (generic number) */
	NF_INN = 1 << 1,	/* bit 8 of the NPI octet is INN */
	NF_NI = 1 << 2,		/* bit 8 of the NPI octet is NI */
	NF_PRES = 1 << 3,	/* bits 4-3: presentation */
	NF_SCREEN = 1 << 4,	/* bits 2-1: screening */
	NF_NO_NPI = 1 << 5,	/* subsequent number: odd/even octet only */
};

static int num_dec(struct isup_number *n, unsigned int fl, const uint8_t *p, size_t len,
		   const char **reason)
{
	size_t hdr = (fl & NF_NO_NPI) ? 1 : 2;
	int rc;

	memset(n, 0, sizeof(*n));
	if (fl & NF_NQI) {
		n->nqi = p[0];
		p++;
		len--;
	}
	if (len < hdr) {
		*reason = "number parameter too short";
		return -EINVAL;
	}
	n->odd = p[0] >> 7;
	if (!(fl & NF_NO_NPI)) {
		n->nai = p[0] & 0x7f;
		n->npi = (p[1] >> 4) & 7;
		if (fl & NF_INN)
			n->inn = p[1] >> 7;
		if (fl & NF_NI)
			n->ni = p[1] >> 7;
		if (fl & NF_PRES)
			n->pres = (p[1] >> 2) & 3;
		if (fl & NF_SCREEN)
			n->screen = p[1] & 3;
	}
	rc = isup_digits_decode(n->digits, sizeof(n->digits), p + hdr, len - hdr, n->odd);
	if (rc < 0) {
		*reason = (n->odd && len == hdr) ? "odd indicator set without address signals"
						: "too many address signals";
		return -EINVAL;
	}
	return 0;
}

static int num_enc(const struct isup_number *n, unsigned int fl, uint8_t *out, size_t size)
{
	size_t hdr = ((fl & NF_NO_NPI) ? 1 : 2) + ((fl & NF_NQI) ? 1 : 0);
	uint8_t *h = out;
	bool odd;
	int rc;

	if (n->nai > 0x7f || n->npi > 7 || n->inn > 1 || n->ni > 1 || n->pres > 3 || n->screen > 3)
		return -EINVAL;
	if (size < hdr)
		return -ENOSPC;
	rc = isup_digits_encode(out + hdr, size - hdr, n->digits, &odd);
	if (rc < 0)
		return rc;
	if (fl & NF_NQI)
		*h++ = n->nqi;
	if (fl & NF_NO_NPI) {
		h[0] = odd << 7;
	} else {
		h[0] = (odd << 7) | n->nai;
		h[1] = n->npi << 4;
		if (fl & NF_INN)
			h[1] |= n->inn << 7;
		if (fl & NF_NI)
			h[1] |= n->ni << 7;
		if (fl & NF_PRES)
			h[1] |= n->pres << 2;
		if (fl & NF_SCREEN)
			h[1] |= n->screen;
	}
	return hdr + (rc + 1) / 2;
}

#define NUM_PARAM(fn, field, flags)							\
static int dec_##fn(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)	\
{ return num_dec(&m->field, flags, p, len, r); }						\
static int enc_##fn(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)	\
{ return num_enc(&m->field, flags, o, s); }

NUM_PARAM(called, called, NF_INN)
NUM_PARAM(calling, calling, NF_NI | NF_PRES | NF_SCREEN)
NUM_PARAM(connected, connected, NF_PRES | NF_SCREEN)
NUM_PARAM(redirecting, redirecting, NF_PRES)
NUM_PARAM(orig_called, orig_called, NF_PRES)
NUM_PARAM(subsequent, subsequent, NF_NO_NPI)

static int dec_generic_number(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	if (m->n_generic_number >= ISUP_MAX_GENERIC_NUMBERS) {
		*r = "too many generic numbers";
		return -EINVAL;
	}
	if (num_dec(&m->generic_number[m->n_generic_number], NF_NQI | NF_NI | NF_PRES | NF_SCREEN,
		    p, len, r) < 0)
		return -EINVAL;
	m->n_generic_number++;
	return 0;
}

static int enc_generic_number(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	if (i >= m->n_generic_number || i >= ISUP_MAX_GENERIC_NUMBERS)
		return -EINVAL;
	return num_enc(&m->generic_number[i], NF_NQI | NF_NI | NF_PRES | NF_SCREEN, o, s);
}

/* Single-octet parameters carried whole. */
#define OCTET_PARAM(fn, field, mask)							\
static int dec_##fn(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)	\
{ m->field = p[0] & (mask); return 0; }						\
static int enc_##fn(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)	\
{ if (m->field & ~(mask)) return -EINVAL; o[0] = m->field; return 1; }

OCTET_PARAM(cpc, cpc, 0xff)
OCTET_PARAM(tmr, tmr, 0xff)
OCTET_PARAM(acl, acl, 0xff)
OCTET_PARAM(hop_counter, hop_counter, 0x1f)
OCTET_PARAM(cgsmt, cgsmt, 0xff)
OCTET_PARAM(susres, susres, 0x01)

static int dec_nci(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	m->nci.satellite = p[0] & 3;
	m->nci.cont_check = (p[0] >> 2) & 3;
	m->nci.echo_dev = (p[0] >> 4) & 1;
	return 0;
}

static int enc_nci(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	const struct isup_nci *n = &m->nci;

	if (n->satellite > 3 || n->cont_check > 3 || n->echo_dev > 1)
		return -EINVAL;
	o[0] = n->satellite | (n->cont_check << 2) | (n->echo_dev << 4);
	return 1;
}

static int dec_fci(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	struct isup_fci *f = &m->fci;

	f->intl = p[0] & 1;
	f->e2e_method = (p[0] >> 1) & 3;
	f->interworking = (p[0] >> 3) & 1;
	f->e2e_info = (p[0] >> 4) & 1;
	f->isup_used = (p[0] >> 5) & 1;
	f->isup_pref = (p[0] >> 6) & 3;
	f->isdn_access = p[1] & 1;
	f->sccp_method = (p[1] >> 1) & 3;
	f->natl = p[1] >> 3;
	return 0;
}

static int enc_fci(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	const struct isup_fci *f = &m->fci;

	if (f->intl > 1 || f->e2e_method > 3 || f->interworking > 1 || f->e2e_info > 1
	    || f->isup_used > 1 || f->isup_pref > 3 || f->isdn_access > 1 || f->sccp_method > 3
	    || f->natl > 0x1f)
		return -EINVAL;
	o[0] = f->intl | (f->e2e_method << 1) | (f->interworking << 3) | (f->e2e_info << 4)
	       | (f->isup_used << 5) | (f->isup_pref << 6);
	o[1] = f->isdn_access | (f->sccp_method << 1) | (f->natl << 3);
	return 2;
}

static int dec_bci(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	struct isup_bci *b = &m->bci;

	b->charge = p[0] & 3;
	b->called_status = (p[0] >> 2) & 3;
	b->called_category = (p[0] >> 4) & 3;
	b->e2e_method = (p[0] >> 6) & 3;
	b->interworking = p[1] & 1;
	b->e2e_info = (p[1] >> 1) & 1;
	b->isup_used = (p[1] >> 2) & 1;
	b->holding = (p[1] >> 3) & 1;
	b->isdn_access = (p[1] >> 4) & 1;
	b->echo_dev = (p[1] >> 5) & 1;
	b->sccp_method = (p[1] >> 6) & 3;
	return 0;
}

static int enc_bci(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	const struct isup_bci *b = &m->bci;

	if (b->charge > 3 || b->called_status > 3 || b->called_category > 3 || b->e2e_method > 3
	    || b->interworking > 1 || b->e2e_info > 1 || b->isup_used > 1 || b->holding > 1
	    || b->isdn_access > 1 || b->echo_dev > 1 || b->sccp_method > 3)
		return -EINVAL;
	o[0] = b->charge | (b->called_status << 2) | (b->called_category << 4) | (b->e2e_method << 6);
	o[1] = b->interworking | (b->e2e_info << 1) | (b->isup_used << 2) | (b->holding << 3)
	       | (b->isdn_access << 4) | (b->echo_dev << 5) | (b->sccp_method << 6);
	return 2;
}

static int dec_obci(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	m->obci.inband = p[0] & 1;
	m->obci.diversion = (p[0] >> 1) & 1;
	m->obci.segmentation = (p[0] >> 2) & 1;
	m->obci.mlpp_user = (p[0] >> 3) & 1;
	m->obci.natl = p[0] >> 4;
	return 0;
}

static int enc_obci(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	const struct isup_obci *b = &m->obci;

	if (b->inband > 1 || b->diversion > 1 || b->segmentation > 1 || b->mlpp_user > 1
	    || b->natl > 0xf)
		return -EINVAL;
	o[0] = b->inband | (b->diversion << 1) | (b->segmentation << 2) | (b->mlpp_user << 3)
	       | (b->natl << 4);
	return 1;
}

static int dec_event(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	m->event.event = p[0] & 0x7f;
	m->event.pres_restricted = p[0] >> 7;
	return 0;
}

static int enc_event(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	if (m->event.event > 0x7f || m->event.pres_restricted > 1)
		return -EINVAL;
	o[0] = m->event.event | (m->event.pres_restricted << 7);
	return 1;
}

void isup_cause_set(struct isup_cause *c, uint8_t value, uint8_t location)
{
	memset(c, 0, sizeof(*c));
	c->value = value & 0x7f;
	c->location = location & 0x0f;
}

/* Q.763 3.12: octet 1 (ext, coding standard, location), optional octet 1a
 * (recommendation) when the extension bit of octet 1 is 0, octet 2 (cause
 * value), then diagnostics. */
static int dec_cause(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	struct isup_cause *c = &m->cause;
	size_t i = 1;

	memset(c, 0, sizeof(*c));
	c->coding = (p[0] >> 5) & 3;
	c->location = p[0] & 0x0f;
	if (!(p[0] & 0x80)) {
		c->has_recommendation = true;
		c->recommendation = p[1] & 0x7f;
		i = 2;
	}
	if (len <= i) {
		*r = "cause value missing";
		return -EINVAL;
	}
	c->value = p[i] & 0x7f;
	i++;
	if (len - i > ISUP_MAX_DIAG) {
		*r = "diagnostics too long";
		return -EINVAL;
	}
	c->diag_len = len - i;
	memcpy(c->diag, p + i, c->diag_len);
	return 0;
}

static int enc_cause(const struct isup_msg *m, unsigned int idx, uint8_t *o, size_t s)
{
	const struct isup_cause *c = &m->cause;
	size_t i = 0;

	if (c->coding > 3 || c->location > 0x0f || c->recommendation > 0x7f || c->value > 0x7f
	    || c->diag_len > ISUP_MAX_DIAG)
		return -EINVAL;
	if (s < 3u + c->diag_len)
		return -ENOSPC;
	o[i++] = (c->has_recommendation ? 0 : 0x80) | (c->coding << 5) | c->location;
	if (c->has_recommendation)
		o[i++] = 0x80 | c->recommendation;
	o[i++] = 0x80 | c->value;
	memcpy(o + i, c->diag, c->diag_len);
	return i + c->diag_len;
}

/* Q.763 3.43 and Q.764 2.8.2: range 1..31; the status field has range+1 bits
 * except in GRS, where it is absent. */
static bool rs_has_status(uint8_t type)
{
	return type != ISUP_MSGT_GRS;
}

static int dec_rs(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	struct isup_range_status *rs = &m->rs;
	size_t want, i;

	memset(rs, 0, sizeof(*rs));
	rs->range = p[0];
	if (rs->range == 0 || rs->range > ISUP_MAX_RANGE) {
		*r = "range outside 1..31";
		return -EINVAL;
	}
	rs->has_status = rs_has_status(m->type);
	want = 1 + (rs->has_status ? (rs->range + 8u) / 8u : 0);
	if (len != want) {
		*r = rs->has_status ? "status length does not match range" : "status present in GRS";
		return -EINVAL;
	}
	for (i = 1; i < len; i++)
		rs->status |= (uint32_t)p[i] << (8 * (i - 1));
	return 0;
}

static int enc_rs(const struct isup_msg *m, unsigned int idx, uint8_t *o, size_t s)
{
	const struct isup_range_status *rs = &m->rs;
	size_t n, i;

	if (rs->range == 0 || rs->range > ISUP_MAX_RANGE || rs->has_status != rs_has_status(m->type))
		return -EINVAL;
	n = rs->has_status ? (rs->range + 8u) / 8u : 0;
	if (s < 1 + n)
		return -ENOSPC;
	o[0] = rs->range;
	for (i = 0; i < n; i++)
		o[1 + i] = (rs->status >> (8 * i)) & 0xff;
	return 1 + n;
}

static int dec_redir_info(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	m->redir_info.indicator = p[0] & 7;
	m->redir_info.orig_reason = p[0] >> 4;
	m->redir_info.counter = p[1] & 7;
	m->redir_info.reason = p[1] >> 4;
	return 0;
}

static int enc_redir_info(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	const struct isup_redir_info *ri = &m->redir_info;

	if (ri->indicator > 7 || ri->orig_reason > 15 || ri->counter > 7 || ri->reason > 15)
		return -EINVAL;
	o[0] = ri->indicator | (ri->orig_reason << 4);
	o[1] = ri->counter | (ri->reason << 4);
	return 2;
}

static int octets_dec(struct isup_msg *m, struct isup_octets *oc, const uint8_t *p, size_t len,
		      const char **r)
{
	uint8_t *copy = talloc_memdup(m, p, len);

	if (!copy) {
		*r = "out of memory";
		return -ENOMEM;
	}
	oc->len = len;
	oc->data = copy;
	return 0;
}

static int octets_enc(const struct isup_octets *oc, uint8_t *o, size_t s)
{
	if (oc->len && !oc->data)
		return -EINVAL;
	if (s < oc->len)
		return -ENOSPC;
	if (oc->len)
		memcpy(o, oc->data, oc->len);
	return oc->len;
}

static int dec_usi(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	return octets_dec(m, &m->usi, p, len, r);
}

static int enc_usi(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	return m->usi.len < 2 ? -EINVAL : octets_enc(&m->usi, o, s);
}

static int dec_atp(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	return octets_dec(m, &m->access_transport, p, len, r);
}

static int enc_atp(const struct isup_msg *m, unsigned int i, uint8_t *o, size_t s)
{
	return m->access_transport.len < 1 ? -EINVAL : octets_enc(&m->access_transport, o, s);
}

/* Q.763 3.41: pairs of (parameter name, instruction indicators); the
 * instruction indicators extend over octets until one has bit 8 set. */
static int dec_pci(struct isup_msg *m, const uint8_t *p, size_t len, const char **r)
{
	struct isup_pci *pci = &m->pci;
	size_t i = 0;

	memset(pci, 0, sizeof(*pci));
	while (i < len) {
		struct isup_pci_entry *e;
		unsigned int k = 0;

		if (pci->n >= ISUP_MAX_PCI) {
			*r = "too many compatibility entries";
			return -EINVAL;
		}
		e = &pci->e[pci->n];
		if (len - i < 2) {
			*r = "instruction indicators missing";
			return -EINVAL;
		}
		e->param = p[i++];
		e->instr = p[i] & 0x7f;
		while (!(p[i] & 0x80)) {
			i++;
			if (i >= len) {
				*r = "instruction indicators not terminated";
				return -EINVAL;
			}
			if (k >= sizeof(e->more)) {
				*r = "too many instruction octets";
				return -EINVAL;
			}
			e->more[k++] = p[i] & 0x7f;
		}
		i++;
		e->n_more = k;
		pci->n++;
	}
	return 0;
}

static int enc_pci(const struct isup_msg *m, unsigned int idx, uint8_t *o, size_t s)
{
	const struct isup_pci *pci = &m->pci;
	size_t i = 0;
	unsigned int n, k;

	if (pci->n == 0 || pci->n > ISUP_MAX_PCI)
		return -EINVAL;
	for (n = 0; n < pci->n; n++) {
		const struct isup_pci_entry *e = &pci->e[n];

		if (e->n_more > sizeof(e->more) || e->instr > 0x7f)
			return -EINVAL;
		if (s - i < 2u + e->n_more)
			return -ENOSPC;
		o[i++] = e->param;
		o[i++] = e->instr | (e->n_more ? 0 : 0x80);
		for (k = 0; k < e->n_more; k++) {
			if (e->more[k] > 0x7f)
				return -EINVAL;
			o[i++] = e->more[k] | (k + 1 == e->n_more ? 0x80 : 0);
		}
	}
	return i;
}

static const struct isup_param_def param_defs[] = {
	{ ISUP_PAR_NATURE_OF_CONN_IND, ISUP_P_NCI, 1, 1, dec_nci, enc_nci },
	{ ISUP_PAR_FORWARD_CALL_IND, ISUP_P_FCI, 2, 2, dec_fci, enc_fci },
	{ ISUP_PAR_CALLING_PARTY_CATEGORY, ISUP_P_CPC, 1, 1, dec_cpc, enc_cpc },
	{ ISUP_PAR_TRANSMISSION_MEDIUM_REQ, ISUP_P_TMR, 1, 1, dec_tmr, enc_tmr },
	{ ISUP_PAR_CALLED_PARTY_NUMBER, ISUP_P_CALLED, 2, 255, dec_called, enc_called },
	{ ISUP_PAR_SUBSEQUENT_NUMBER, ISUP_P_SUBSEQUENT, 2, 255, dec_subsequent, enc_subsequent },
	{ ISUP_PAR_CALLING_PARTY_NUMBER, ISUP_P_CALLING, 2, 255, dec_calling, enc_calling },
	{ ISUP_PAR_CONNECTED_NUMBER, ISUP_P_CONNECTED, 2, 255, dec_connected, enc_connected },
	{ ISUP_PAR_REDIRECTING_NUMBER, ISUP_P_REDIRECTING, 2, 255, dec_redirecting, enc_redirecting },
	{ ISUP_PAR_ORIGINAL_CALLED_NUMBER, ISUP_P_ORIG_CALLED, 2, 255, dec_orig_called,
	  enc_orig_called },
	{ ISUP_PAR_GENERIC_NUMBER, ISUP_P_GENERIC_NUMBER, 3, 255, dec_generic_number,
	  enc_generic_number },
	{ ISUP_PAR_BACKWARD_CALL_IND, ISUP_P_BCI, 2, 2, dec_bci, enc_bci },
	{ ISUP_PAR_OPT_BACKWARD_CALL_IND, ISUP_P_OBCI, 1, 1, dec_obci, enc_obci },
	{ ISUP_PAR_EVENT_INFO, ISUP_P_EVENT, 1, 1, dec_event, enc_event },
	{ ISUP_PAR_CAUSE_IND, ISUP_P_CAUSE, 2, 255, dec_cause, enc_cause },
	{ ISUP_PAR_CGS_MSG_TYPE, ISUP_P_CGSMT, 1, 1, dec_cgsmt, enc_cgsmt },
	{ ISUP_PAR_RANGE_AND_STATUS, ISUP_P_RANGE_STATUS, 1, 33, dec_rs, enc_rs },
	{ ISUP_PAR_REDIRECTION_INFO, ISUP_P_REDIR_INFO, 2, 2, dec_redir_info, enc_redir_info },
	{ ISUP_PAR_USER_SERVICE_INFO, ISUP_P_USI, 2, 255, dec_usi, enc_usi },
	{ ISUP_PAR_ACCESS_TRANSPORT, ISUP_P_ACCESS_TRANSPORT, 1, 255, dec_atp, enc_atp },
	{ ISUP_PAR_AUTO_CONGESTION_LEVEL, ISUP_P_ACL, 1, 1, dec_acl, enc_acl },
	{ ISUP_PAR_HOP_COUNTER, ISUP_P_HOP_COUNTER, 1, 1, dec_hop_counter, enc_hop_counter },
	{ ISUP_PAR_PARAM_COMPAT_INFO, ISUP_P_PCI, 2, 255, dec_pci, enc_pci },
	{ ISUP_PAR_SUSPEND_RESUME_IND, ISUP_P_SUSRES, 1, 1, dec_susres, enc_susres },
};

osmo_static_assert(ARRAY_SIZE(param_defs) == _NUM_ISUP_P, param_table_complete);

const struct isup_param_def *isup_param_def_by_code(uint8_t code)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(param_defs); i++)
		if (param_defs[i].code == code)
			return &param_defs[i];
	return NULL;
}

const struct isup_param_def *isup_param_def_by_bit(unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(param_defs); i++)
		if (param_defs[i].bit == bit)
			return &param_defs[i];
	return NULL;
}

unsigned int isup_param_count(const struct isup_msg *m, const struct isup_param_def *d)
{
	if (!ISUP_HAS(m, d->bit))
		return 0;
	if (d->bit == ISUP_P_GENERIC_NUMBER)
		return m->n_generic_number;
	return 1;
}

/* Q.764 2.9.5.3.2 (instruction indicators) and 2.9.5.3.3 (no indicators). */
enum isup_unrec_action isup_unrec_param_action(const struct isup_msg *msg, uint8_t param,
					       enum isup_node_role role, bool *notify)
{
	const struct isup_pci_entry *e = NULL;
	uint8_t instr;
	unsigned int i;

	*notify = false;
	if (ISUP_HAS(msg, ISUP_P_PCI)) {
		for (i = 0; i < msg->pci.n && i < ISUP_MAX_PCI; i++) {
			if (msg->pci.e[i].param == param) {
				e = &msg->pci.e[i];
				break;
			}
		}
	}
	if (!e) {
		if (role == ISUP_NODE_TRANSIT)
			return ISUP_UNREC_PASS_ON;
		*notify = true;
		return ISUP_UNREC_DISCARD_PARAM;
	}
	instr = e->instr;
	if (role == ISUP_NODE_TRANSIT && !(instr & ISUP_PCI_END_NODE))
		return ISUP_UNREC_PASS_ON;
	if (role == ISUP_NODE_TRANSIT_NO_PASS && !(instr & ISUP_PCI_END_NODE)) {
		/* Q.764 2.9.5.3.2 b): the pass-on-not-possible indicator decides */
		switch (ISUP_PCI_PASS_ON_NP(instr)) {
		case 0:
			return ISUP_UNREC_RELEASE_CALL;
		case 1:
			*notify = instr & ISUP_PCI_SEND_NOTIFY;
			return ISUP_UNREC_DISCARD_MSG;
		case 2:
			*notify = instr & ISUP_PCI_SEND_NOTIFY;
			return ISUP_UNREC_DISCARD_PARAM;
		default:
			/* reserved: treat as release, the safest reading */
			return ISUP_UNREC_RELEASE_CALL;
		}
	}
	if (instr & ISUP_PCI_RELEASE_CALL)
		return ISUP_UNREC_RELEASE_CALL;
	*notify = instr & ISUP_PCI_SEND_NOTIFY;
	if (instr & ISUP_PCI_DISCARD_MSG)
		return ISUP_UNREC_DISCARD_MSG;
	if (instr & ISUP_PCI_DISCARD_PARAM)
		return ISUP_UNREC_DISCARD_PARAM;
	/* No action requested: an end node has nowhere to pass it on to. */
	return role == ISUP_NODE_END ? ISUP_UNREC_DISCARD_PARAM : ISUP_UNREC_PASS_ON;
}
