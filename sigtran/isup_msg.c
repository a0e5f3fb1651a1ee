/* isup_msg.c - ISUP message formats, decoding and encoding (ITU-T Q.763 1.3, 1.4, Table 4) */
#include <errno.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/isup.h"
#include "sigtran/isup_priv.h"

/* Q.763 Tables 21..52 (ITU): mandatory fixed parameters in order, mandatory
 * variable parameters in pointer order, and whether a pointer to an optional
 * part follows. */
struct isup_msg_fmt {
	uint8_t type;
	uint8_t n_fixed;
	uint8_t fixed[4];
	uint8_t n_var;
	uint8_t var[1];
	bool opt;
};

static const struct isup_msg_fmt msg_fmts[] = {
	{ ISUP_MSGT_IAM, 4, { ISUP_PAR_NATURE_OF_CONN_IND, ISUP_PAR_FORWARD_CALL_IND,
			      ISUP_PAR_CALLING_PARTY_CATEGORY, ISUP_PAR_TRANSMISSION_MEDIUM_REQ },
	  1, { ISUP_PAR_CALLED_PARTY_NUMBER }, true },
	{ ISUP_MSGT_SAM, 0, {}, 1, { ISUP_PAR_SUBSEQUENT_NUMBER }, true },
	{ ISUP_MSGT_ACM, 1, { ISUP_PAR_BACKWARD_CALL_IND }, 0, {}, true },
	{ ISUP_MSGT_CON, 1, { ISUP_PAR_BACKWARD_CALL_IND }, 0, {}, true },
	{ ISUP_MSGT_CPG, 1, { ISUP_PAR_EVENT_INFO }, 0, {}, true },
	{ ISUP_MSGT_ANM, 0, {}, 0, {}, true },
	{ ISUP_MSGT_REL, 0, {}, 1, { ISUP_PAR_CAUSE_IND }, true },
	{ ISUP_MSGT_RLC, 0, {}, 0, {}, true },
	{ ISUP_MSGT_SUS, 1, { ISUP_PAR_SUSPEND_RESUME_IND }, 0, {}, true },
	{ ISUP_MSGT_RES, 1, { ISUP_PAR_SUSPEND_RESUME_IND }, 0, {}, true },
	{ ISUP_MSGT_RSC, 0, {}, 0, {}, false },
	{ ISUP_MSGT_BLO, 0, {}, 0, {}, false },
	{ ISUP_MSGT_BLA, 0, {}, 0, {}, false },
	{ ISUP_MSGT_UBL, 0, {}, 0, {}, false },
	{ ISUP_MSGT_UBA, 0, {}, 0, {}, false },
	{ ISUP_MSGT_UCIC, 0, {}, 0, {}, false },
	{ ISUP_MSGT_GRS, 0, {}, 1, { ISUP_PAR_RANGE_AND_STATUS }, false },
	{ ISUP_MSGT_GRA, 0, {}, 1, { ISUP_PAR_RANGE_AND_STATUS }, false },
	{ ISUP_MSGT_CGB, 1, { ISUP_PAR_CGS_MSG_TYPE }, 1, { ISUP_PAR_RANGE_AND_STATUS }, false },
	{ ISUP_MSGT_CGBA, 1, { ISUP_PAR_CGS_MSG_TYPE }, 1, { ISUP_PAR_RANGE_AND_STATUS }, false },
	{ ISUP_MSGT_CGU, 1, { ISUP_PAR_CGS_MSG_TYPE }, 1, { ISUP_PAR_RANGE_AND_STATUS }, false },
	{ ISUP_MSGT_CGUA, 1, { ISUP_PAR_CGS_MSG_TYPE }, 1, { ISUP_PAR_RANGE_AND_STATUS }, false },
	{ ISUP_MSGT_CFN, 0, {}, 1, { ISUP_PAR_CAUSE_IND }, true },
	{ ISUP_MSGT_UPT, 0, {}, 0, {}, true },
	{ ISUP_MSGT_UPA, 0, {}, 0, {}, true },
};

static const struct isup_msg_fmt *fmt_find(uint8_t type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(msg_fmts); i++)
		if (msg_fmts[i].type == type)
			return &msg_fmts[i];
	return NULL;
}

bool isup_msg_type_known(uint8_t type)
{
	return fmt_find(type) != NULL;
}

static bool fmt_is_mandatory(const struct isup_msg_fmt *f, uint8_t code)
{
	unsigned int i;

	for (i = 0; i < f->n_fixed; i++)
		if (f->fixed[i] == code)
			return true;
	for (i = 0; i < f->n_var; i++)
		if (f->var[i] == code)
			return true;
	return false;
}

static int fail(struct isup_err *err, uint8_t type, int param, size_t off, const char *reason)
{
	if (err) {
		err->msg_type = type;
		err->param = param;
		err->param_name = param >= 0 ? isup_param_name(param) : "";
		err->offset = off;
		err->reason = reason;
	}
	return -EINVAL;
}

/* Decode one parameter's contents; len bounds come from the table. */
static int param_decode(struct isup_msg *m, const struct isup_param_def *d, const uint8_t *p,
			size_t len, size_t off, struct isup_err *err)
{
	const char *reason = "invalid contents";
	int rc;

	if (len < d->min_len)
		return fail(err, m->type, d->code, off, "parameter too short");
	if (len > d->max_len)
		return fail(err, m->type, d->code, off, "parameter too long");
	if (ISUP_HAS(m, d->bit) && d->bit != ISUP_P_GENERIC_NUMBER)
		return fail(err, m->type, d->code, off, "duplicate parameter");
	rc = d->dec(m, p, len, &reason);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return fail(err, m->type, d->code, off, reason);
	ISUP_SET(m, d->bit);
	return 0;
}

struct region {
	size_t start, end;	/* [start, end) */
};

static bool regions_overlap(const struct region *r, unsigned int n, const struct region *x)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (x->start < r[i].end && r[i].start < x->end)
			return true;
	return false;
}

static int decode_optional(struct isup_msg *m, const uint8_t *buf, size_t len, size_t o,
			   size_t *end, struct isup_err *err)
{
	for (;;) {
		const struct isup_param_def *d;
		uint8_t code, plen;
		int rc;

		if (o >= len)
			return fail(err, m->type, -1, o, "optional part without end of optional parameters");
		code = buf[o];
		if (code == ISUP_PAR_END_OF_OPTIONAL) {
			*end = o + 1;
			return 0;
		}
		if (o + 1 >= len)
			return fail(err, m->type, code, o, "parameter length missing");
		plen = buf[o + 1];
		if (o + 2 + plen > len)
			return fail(err, m->type, code, o, "parameter runs past end of message");
		if (m->n_opt_order >= ISUP_MAX_OPT)
			return fail(err, m->type, code, o, "too many optional parameters");
		d = isup_param_def_by_code(code);
		if (d) {
			rc = param_decode(m, d, buf + o + 2, plen, o, err);
			if (rc < 0)
				return rc;
		} else {
			struct isup_unknown_param *u;

			if (m->n_unknown >= ISUP_MAX_UNKNOWN)
				return fail(err, m->type, code, o, "too many unrecognised parameters");
			u = &m->unknown[m->n_unknown];
			u->code = code;
			u->len = plen;
			u->data = plen ? talloc_memdup(m, buf + o + 2, plen) : NULL;
			if (plen && !u->data)
				return -ENOMEM;
			m->n_unknown++;
		}
		m->opt_order[m->n_opt_order++] = code;
		o += 2 + plen;
	}
}

static int decode_known(struct isup_msg *m, const struct isup_msg_fmt *f, const uint8_t *buf,
			size_t len, struct isup_err *err)
{
	struct region used[2];
	unsigned int n_used = 0, i;
	size_t o = 3, ptrs;
	int rc;

	for (i = 0; i < f->n_fixed; i++) {
		const struct isup_param_def *d = isup_param_def_by_code(f->fixed[i]);

		if (o + d->min_len > len)
			return fail(err, m->type, d->code, o, "mandatory fixed parameter truncated");
		rc = param_decode(m, d, buf + o, d->min_len, o, err);
		if (rc < 0)
			return rc;
		o += d->min_len;
	}

	ptrs = o;
	o += f->n_var + (f->opt ? 1 : 0);
	if (o > len)
		return fail(err, m->type, f->n_var ? f->var[0] : -1, ptrs, "pointer missing");

	for (i = 0; i < f->n_var; i++) {
		const struct isup_param_def *d = isup_param_def_by_code(f->var[i]);
		size_t at = ptrs + i, pos;
		struct region r;

		if (buf[at] == 0)
			return fail(err, m->type, d->code, at, "zero pointer to mandatory parameter");
		pos = at + buf[at];
		if (pos < o)
			return fail(err, m->type, d->code, at, "pointer into the pointer area");
		if (pos >= len)
			return fail(err, m->type, d->code, at, "pointer past end of message");
		r.start = pos;
		r.end = pos + 1 + buf[pos];
		if (r.end > len)
			return fail(err, m->type, d->code, pos, "parameter runs past end of message");
		if (regions_overlap(used, n_used, &r))
			return fail(err, m->type, d->code, pos, "parameters overlap");
		used[n_used++] = r;
		rc = param_decode(m, d, buf + pos + 1, buf[pos], pos, err);
		if (rc < 0)
			return rc;
	}

	if (f->opt && buf[ptrs + f->n_var] != 0) {
		size_t at = ptrs + f->n_var;
		size_t start = at + buf[at];
		struct region r;

		if (start < o)
			return fail(err, m->type, -1, at, "optional pointer into the pointer area");
		if (start >= len)
			return fail(err, m->type, -1, at, "optional pointer past end of message");
		r.start = start;
		rc = decode_optional(m, buf, len, start, &r.end, err);
		if (rc < 0)
			return rc;
		if (regions_overlap(used, n_used, &r))
			return fail(err, m->type, -1, start, "optional part overlaps a parameter");
	}
	return 0;
}

int isup_decode(void *ctx, const uint8_t *buf, size_t len, struct isup_msg **out,
		struct isup_err *err)
{
	const struct isup_msg_fmt *f;
	struct isup_msg *m;
	int rc = 0;

	*out = NULL;
	if (len < 3) {
		fail(err, 0, -1, 0, "shorter than CIC and message type");
		if (err)
			err->cic = len == 2 ? (buf[0] | ((buf[1] & 0x0f) << 8)) : -1;
		return -EINVAL;
	}
	m = isup_msg_alloc(ctx, buf[2], buf[0] | ((buf[1] & 0x0f) << 8));
	if (!m)
		return -ENOMEM;
	f = fmt_find(m->type);
	if (f) {
		rc = decode_known(m, f, buf, len, err);
	} else if (len > 3) {
		m->raw_len = len - 3;
		m->raw = talloc_memdup(m, buf + 3, len - 3);
		if (!m->raw)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		if (err)
			err->cic = m->cic;
		talloc_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* Append one parameter instance: with a length octet unless fixed. */
static int put_param(const struct isup_msg *m, const struct isup_param_def *d, unsigned int idx,
		     bool with_code, bool with_len, uint8_t *buf, size_t size, size_t *o)
{
	uint8_t tmp[255];
	int n;

	n = d->enc(m, idx, tmp, sizeof(tmp));
	if (n < 0)
		return n == -ENOSPC ? -EINVAL : n;
	if (n < d->min_len || n > d->max_len)
		return -EINVAL;
	if (*o + with_code + with_len + n > size)
		return -ENOSPC;
	if (with_code)
		buf[(*o)++] = d->code;
	if (with_len)
		buf[(*o)++] = n;
	memcpy(buf + *o, tmp, n);
	*o += n;
	return 0;
}

static int put_unknown(const struct isup_unknown_param *u, uint8_t *buf, size_t size, size_t *o)
{
	if (u->code == ISUP_PAR_END_OF_OPTIONAL || (u->len && !u->data))
		return -EINVAL;
	if (*o + 2 + u->len > size)
		return -ENOSPC;
	buf[(*o)++] = u->code;
	buf[(*o)++] = u->len;
	if (u->len)
		memcpy(buf + *o, u->data, u->len);
	*o += u->len;
	return 0;
}

/* Optional parameters: first in the received order, then whatever else is
 * present in table order, then remaining unknown ones. */
static int encode_optional(const struct isup_msg *m, const struct isup_msg_fmt *f, uint8_t *buf,
			   size_t size, size_t *o)
{
	uint64_t done = 0;
	unsigned int gn_done = 0, unk_done = 0, i;
	size_t start = *o;
	int rc;

	for (i = 0; i < m->n_opt_order && i < ISUP_MAX_OPT; i++) {
		uint8_t code = m->opt_order[i];
		const struct isup_param_def *d = isup_param_def_by_code(code);

		if (!d) {
			if (unk_done < m->n_unknown && unk_done < ISUP_MAX_UNKNOWN
			    && m->unknown[unk_done].code == code) {
				rc = put_unknown(&m->unknown[unk_done++], buf, size, o);
				if (rc < 0)
					return rc;
			}
			continue;
		}
		if (fmt_is_mandatory(f, code) || !ISUP_HAS(m, d->bit))
			continue;
		if (d->bit == ISUP_P_GENERIC_NUMBER) {
			if (gn_done >= m->n_generic_number)
				continue;
			rc = put_param(m, d, gn_done++, true, true, buf, size, o);
		} else {
			if (done & (1ULL << d->bit))
				continue;
			done |= 1ULL << d->bit;
			rc = put_param(m, d, 0, true, true, buf, size, o);
		}
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < _NUM_ISUP_P; i++) {
		const struct isup_param_def *d = isup_param_def_by_bit(i);
		unsigned int n = isup_param_count(m, d), k;

		if (fmt_is_mandatory(f, d->code) || (done & (1ULL << i)))
			continue;
		if (n > ISUP_MAX_GENERIC_NUMBERS)
			return -EINVAL;
		for (k = (i == ISUP_P_GENERIC_NUMBER ? gn_done : 0); k < n; k++) {
			rc = put_param(m, d, k, true, true, buf, size, o);
			if (rc < 0)
				return rc;
		}
	}
	if (m->n_unknown > ISUP_MAX_UNKNOWN)
		return -EINVAL;
	for (; unk_done < m->n_unknown; unk_done++) {
		rc = put_unknown(&m->unknown[unk_done], buf, size, o);
		if (rc < 0)
			return rc;
	}
	if (*o == start)
		return 0;
	if (*o + 1 > size)
		return -ENOSPC;
	buf[(*o)++] = ISUP_PAR_END_OF_OPTIONAL;
	return 1;
}

static int encode_known(const struct isup_msg *m, const struct isup_msg_fmt *f, uint8_t *buf,
			size_t size)
{
	size_t o = 3, ptrs;
	unsigned int i;
	int rc;

	for (i = 0; i < f->n_fixed; i++) {
		const struct isup_param_def *d = isup_param_def_by_code(f->fixed[i]);

		if (!ISUP_HAS(m, d->bit))
			return -EINVAL;
		rc = put_param(m, d, 0, false, false, buf, size, &o);
		if (rc < 0)
			return rc;
	}
	ptrs = o;
	o += f->n_var + (f->opt ? 1 : 0);
	if (o > size)
		return -ENOSPC;
	for (i = 0; i < f->n_var; i++) {
		const struct isup_param_def *d = isup_param_def_by_code(f->var[i]);

		if (!ISUP_HAS(m, d->bit))
			return -EINVAL;
		if (o - (ptrs + i) > 255)
			return -EINVAL;
		buf[ptrs + i] = o - (ptrs + i);
		rc = put_param(m, d, 0, false, true, buf, size, &o);
		if (rc < 0)
			return rc;
	}
	if (f->opt) {
		size_t at = ptrs + f->n_var, start = o;

		rc = encode_optional(m, f, buf, size, &o);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			buf[at] = 0;
		} else {
			if (start - at > 255)
				return -EINVAL;
			buf[at] = start - at;
		}
	}
	return o;
}

int isup_encode(const struct isup_msg *msg, uint8_t *buf, size_t buf_len)
{
	const struct isup_msg_fmt *f;

	if (msg->cic > 0x0fff)
		return -EINVAL;
	if (buf_len < 3)
		return -ENOSPC;
	buf[0] = msg->cic & 0xff;
	buf[1] = msg->cic >> 8;
	buf[2] = msg->type;
	f = fmt_find(msg->type);
	if (f)
		return encode_known(msg, f, buf, buf_len);
	if (msg->raw_len && !msg->raw)
		return -EINVAL;
	if (msg->raw_len > buf_len - 3)
		return -ENOSPC;
	if (msg->raw_len)
		memcpy(buf + 3, msg->raw, msg->raw_len);
	return 3 + msg->raw_len;
}

struct isup_msg *isup_msg_alloc(void *ctx, uint8_t type, uint16_t cic)
{
	struct isup_msg *m;

	if (cic > 0x0fff)
		return NULL;
	m = talloc_zero(ctx, struct isup_msg);
	if (!m)
		return NULL;
	talloc_set_name_const(m, "isup_msg");
	m->type = type;
	m->cic = cic;
	return m;
}

struct isup_msg *isup_msg_iam(void *ctx, uint16_t cic, const struct isup_number *called,
			      const struct isup_number *calling, uint8_t cpc, uint8_t tmr)
{
	struct isup_msg *m;

	if (!called)
		return NULL;
	m = isup_msg_alloc(ctx, ISUP_MSGT_IAM, cic);
	if (!m)
		return NULL;
	ISUP_SET(m, ISUP_P_NCI);
	m->fci.isup_used = 1;
	m->fci.isdn_access = 1;
	ISUP_SET(m, ISUP_P_FCI);
	m->cpc = cpc;
	ISUP_SET(m, ISUP_P_CPC);
	m->tmr = tmr;
	ISUP_SET(m, ISUP_P_TMR);
	m->called = *called;
	ISUP_SET(m, ISUP_P_CALLED);
	if (calling) {
		m->calling = *calling;
		ISUP_SET(m, ISUP_P_CALLING);
	}
	return m;
}

static struct isup_msg *msg_bci(void *ctx, uint8_t type, uint16_t cic, const struct isup_bci *bci)
{
	static const struct isup_bci dflt = {
		.charge = 2, .called_status = 1, .called_category = 1, .isup_used = 1,
		.isdn_access = 1,
	};
	struct isup_msg *m = isup_msg_alloc(ctx, type, cic);

	if (!m)
		return NULL;
	m->bci = bci ? *bci : dflt;
	ISUP_SET(m, ISUP_P_BCI);
	return m;
}

struct isup_msg *isup_msg_acm(void *ctx, uint16_t cic, const struct isup_bci *bci)
{
	return msg_bci(ctx, ISUP_MSGT_ACM, cic, bci);
}

struct isup_msg *isup_msg_con(void *ctx, uint16_t cic, const struct isup_bci *bci)
{
	return msg_bci(ctx, ISUP_MSGT_CON, cic, bci);
}

struct isup_msg *isup_msg_cpg(void *ctx, uint16_t cic, uint8_t event)
{
	struct isup_msg *m;

	if (event > 0x7f)
		return NULL;
	m = isup_msg_alloc(ctx, ISUP_MSGT_CPG, cic);
	if (!m)
		return NULL;
	m->event.event = event;
	ISUP_SET(m, ISUP_P_EVENT);
	return m;
}

struct isup_msg *isup_msg_anm(void *ctx, uint16_t cic)
{
	return isup_msg_alloc(ctx, ISUP_MSGT_ANM, cic);
}

static struct isup_msg *msg_cause(void *ctx, uint8_t type, uint16_t cic, uint8_t cause,
				  uint8_t location)
{
	struct isup_msg *m;

	if (cause > 0x7f || location > 0x0f)
		return NULL;
	m = isup_msg_alloc(ctx, type, cic);
	if (!m)
		return NULL;
	isup_cause_set(&m->cause, cause, location);
	ISUP_SET(m, ISUP_P_CAUSE);
	return m;
}

struct isup_msg *isup_msg_rel(void *ctx, uint16_t cic, uint8_t cause, uint8_t location)
{
	return msg_cause(ctx, ISUP_MSGT_REL, cic, cause, location);
}

struct isup_msg *isup_msg_cfn(void *ctx, uint16_t cic, uint8_t cause, uint8_t location)
{
	return msg_cause(ctx, ISUP_MSGT_CFN, cic, cause, location);
}

struct isup_msg *isup_msg_simple(void *ctx, uint8_t type, uint16_t cic)
{
	const struct isup_msg_fmt *f = fmt_find(type);

	if (!f || f->n_fixed || f->n_var)
		return NULL;
	return isup_msg_alloc(ctx, type, cic);
}

static struct isup_msg *msg_rs(void *ctx, uint8_t type, uint16_t cic, uint8_t range,
			       bool has_status, uint32_t status)
{
	struct isup_msg *m;

	if (range == 0 || range > ISUP_MAX_RANGE)
		return NULL;
	m = isup_msg_alloc(ctx, type, cic);
	if (!m)
		return NULL;
	m->rs.range = range;
	m->rs.has_status = has_status;
	m->rs.status = has_status ? status : 0;
	ISUP_SET(m, ISUP_P_RANGE_STATUS);
	return m;
}

struct isup_msg *isup_msg_grs(void *ctx, uint16_t cic, uint8_t range)
{
	return msg_rs(ctx, ISUP_MSGT_GRS, cic, range, false, 0);
}

struct isup_msg *isup_msg_gra(void *ctx, uint16_t cic, uint8_t range, uint32_t status)
{
	return msg_rs(ctx, ISUP_MSGT_GRA, cic, range, true, status);
}

struct isup_msg *isup_msg_cg(void *ctx, uint8_t type, uint16_t cic, uint8_t cgsmt,
			     uint8_t range, uint32_t status)
{
	struct isup_msg *m;

	if (type != ISUP_MSGT_CGB && type != ISUP_MSGT_CGBA && type != ISUP_MSGT_CGU
	    && type != ISUP_MSGT_CGUA)
		return NULL;
	m = msg_rs(ctx, type, cic, range, true, status);
	if (!m)
		return NULL;
	m->cgsmt = cgsmt;
	ISUP_SET(m, ISUP_P_CGSMT);
	return m;
}
