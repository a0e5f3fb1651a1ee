/* mtp3.h - MTP3 routing label and point codes (ITU-T Q.704 section 2.2, 14-bit point codes) */
#pragma once
#include <stdint.h>
#include <stddef.h>

#define MTP3_PC_MAX		0x3fff		/* 14-bit ITU point code */
#define MTP3_SLS_MAX		0x0f
#define MTP3_LABEL_LEN		4

/* Service indicator (Q.704 14.2.1) */
enum mtp3_si {
	MTP3_SI_SNM	= 0,
	MTP3_SI_SNTM	= 1,
	MTP3_SI_SCCP	= 3,
	MTP3_SI_TUP	= 4,
	MTP3_SI_ISUP	= 5,
};

/* Network indicator (Q.704 14.2.2) */
enum mtp3_ni {
	MTP3_NI_INTERNATIONAL	= 0,
	MTP3_NI_INTERNATIONAL_SPARE = 1,
	MTP3_NI_NATIONAL	= 2,
	MTP3_NI_NATIONAL_SPARE	= 3,
};

struct mtp3_label {
	uint32_t dpc;	/* 14 bits */
	uint32_t opc;	/* 14 bits */
	uint8_t sls;	/* 4 bits */
};

/* Encode into 4 octets; -EINVAL if a field is out of range. */
int mtp3_label_encode(uint8_t *out, size_t out_len, const struct mtp3_label *lbl);
/* Decode 4 octets; -EINVAL if in_len is short. */
int mtp3_label_decode(struct mtp3_label *lbl, const uint8_t *in, size_t in_len);

/* Point code text: "3-8-3" form ("1.2.3") or a plain decimal ("2067"). -EINVAL if malformed. */
int mtp3_pc_parse(uint32_t *pc, const char *str);
/* Writes "z.a.b" (3-8-3) into buf; returns buf. */
const char *mtp3_pc_str(char *buf, size_t len, uint32_t pc);
