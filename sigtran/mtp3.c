/* mtp3.c - MTP3 routing label and point codes (ITU-T Q.704 section 2.2) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtran/mtp3.h"

/* Q.704 2.2.2: DPC in bits 1-14, OPC in bits 15-28, SLS in bits 29-32,
 * transmitted least significant bit first. */
int mtp3_label_encode(uint8_t *out, size_t out_len, const struct mtp3_label *lbl)
{
	uint32_t v;

	if (out_len < MTP3_LABEL_LEN || lbl->dpc > MTP3_PC_MAX || lbl->opc > MTP3_PC_MAX
	    || lbl->sls > MTP3_SLS_MAX)
		return -EINVAL;
	v = lbl->dpc | (lbl->opc << 14) | ((uint32_t)lbl->sls << 28);
	out[0] = v & 0xff;
	out[1] = (v >> 8) & 0xff;
	out[2] = (v >> 16) & 0xff;
	out[3] = (v >> 24) & 0xff;
	return MTP3_LABEL_LEN;
}

int mtp3_label_decode(struct mtp3_label *lbl, const uint8_t *in, size_t in_len)
{
	uint32_t v;

	if (in_len < MTP3_LABEL_LEN)
		return -EINVAL;
	v = in[0] | (in[1] << 8) | (in[2] << 16) | ((uint32_t)in[3] << 24);
	lbl->dpc = v & MTP3_PC_MAX;
	lbl->opc = (v >> 14) & MTP3_PC_MAX;
	lbl->sls = v >> 28;
	return MTP3_LABEL_LEN;
}

static int parse_uint(const char *s, const char *end, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int mtp3_pc_parse(uint32_t *pc, const char *str)
{
	const char *d1, *d2, *end;
	unsigned z, a, b;

	if (!str)
		return -EINVAL;
	end = str + strlen(str);
	d1 = strchr(str, '.');
	if (!d1) {
		if (parse_uint(str, end, MTP3_PC_MAX, &z))
			return -EINVAL;
		*pc = z;
		return 0;
	}
	d2 = strchr(d1 + 1, '.');
	if (!d2 || strchr(d2 + 1, '.'))
		return -EINVAL;
	if (parse_uint(str, d1, 7, &z) || parse_uint(d1 + 1, d2, 255, &a)
	    || parse_uint(d2 + 1, end, 7, &b))
		return -EINVAL;
	*pc = (z << 11) | (a << 3) | b;
	return 0;
}

const char *mtp3_pc_str(char *buf, size_t len, uint32_t pc)
{
	snprintf(buf, len, "%u.%u.%u", (pc >> 11) & 7, (pc >> 3) & 0xff, pc & 7);
	return buf;
}
