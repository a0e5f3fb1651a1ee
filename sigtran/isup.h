/* isup.h - ISUP message and parameter codec (ITU-T Q.763, ITU variant; Q.764 2.9.5.3) */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Q.763 Table 4: message type codes. Types without a format table entry in
 * isup_msg.c are passed through as raw bytes (struct isup_msg.raw). */
enum isup_msg_type {
	ISUP_MSGT_IAM = 0x01,
	ISUP_MSGT_SAM = 0x02,
	ISUP_MSGT_INR = 0x03,
	ISUP_MSGT_INF = 0x04,
	ISUP_MSGT_COT = 0x05,
	ISUP_MSGT_ACM = 0x06,
	ISUP_MSGT_CON = 0x07,
	ISUP_MSGT_FOT = 0x08,
	ISUP_MSGT_ANM = 0x09,
	ISUP_MSGT_REL = 0x0c,
	ISUP_MSGT_SUS = 0x0d,
	ISUP_MSGT_RES = 0x0e,
	ISUP_MSGT_RLC = 0x10,
	ISUP_MSGT_CCR = 0x11,
	ISUP_MSGT_RSC = 0x12,
	ISUP_MSGT_BLO = 0x13,
	ISUP_MSGT_UBL = 0x14,
	ISUP_MSGT_BLA = 0x15,
	ISUP_MSGT_UBA = 0x16,
	ISUP_MSGT_GRS = 0x17,
	ISUP_MSGT_CGB = 0x18,
	ISUP_MSGT_CGU = 0x19,
	ISUP_MSGT_CGBA = 0x1a,
	ISUP_MSGT_CGUA = 0x1b,
	ISUP_MSGT_FAC = 0x33,
	ISUP_MSGT_GRA = 0x29,
	ISUP_MSGT_CPG = 0x2c,
	ISUP_MSGT_UCIC = 0x2e,
	ISUP_MSGT_CFN = 0x2f,
	ISUP_MSGT_UPT = 0x34,
	ISUP_MSGT_UPA = 0x35,
	ISUP_MSGT_APM = 0x41,
};

/* Q.763 Table 5: parameter name codes. */
enum isup_param_code {
	ISUP_PAR_END_OF_OPTIONAL = 0x00,
	ISUP_PAR_TRANSMISSION_MEDIUM_REQ = 0x02,
	ISUP_PAR_ACCESS_TRANSPORT = 0x03,
	ISUP_PAR_CALLED_PARTY_NUMBER = 0x04,
	ISUP_PAR_SUBSEQUENT_NUMBER = 0x05,
	ISUP_PAR_NATURE_OF_CONN_IND = 0x06,
	ISUP_PAR_FORWARD_CALL_IND = 0x07,
	ISUP_PAR_CALLING_PARTY_CATEGORY = 0x09,
	ISUP_PAR_CALLING_PARTY_NUMBER = 0x0a,
	ISUP_PAR_REDIRECTING_NUMBER = 0x0b,
	ISUP_PAR_BACKWARD_CALL_IND = 0x11,
	ISUP_PAR_CAUSE_IND = 0x12,
	ISUP_PAR_REDIRECTION_INFO = 0x13,
	ISUP_PAR_CGS_MSG_TYPE = 0x15,
	ISUP_PAR_RANGE_AND_STATUS = 0x16,
	ISUP_PAR_USER_SERVICE_INFO = 0x1d,
	ISUP_PAR_CONNECTED_NUMBER = 0x21,
	ISUP_PAR_SUSPEND_RESUME_IND = 0x22,
	ISUP_PAR_EVENT_INFO = 0x24,
	ISUP_PAR_AUTO_CONGESTION_LEVEL = 0x27,
	ISUP_PAR_ORIGINAL_CALLED_NUMBER = 0x28,
	ISUP_PAR_OPT_BACKWARD_CALL_IND = 0x29,
	ISUP_PAR_PARAM_COMPAT_INFO = 0x39,
	ISUP_PAR_HOP_COUNTER = 0x3d,
	ISUP_PAR_GENERIC_NUMBER = 0xc0,
};

/* Presence bits of the typed parameters in struct isup_msg.present. */
enum isup_par_bit {
	ISUP_P_NCI,		/* nci */
	ISUP_P_FCI,		/* fci */
	ISUP_P_CPC,		/* cpc */
	ISUP_P_TMR,		/* tmr */
	ISUP_P_CALLED,		/* called */
	ISUP_P_SUBSEQUENT,	/* subsequent */
	ISUP_P_CALLING,		/* calling */
	ISUP_P_CONNECTED,	/* connected */
	ISUP_P_REDIRECTING,	/* redirecting */
	ISUP_P_ORIG_CALLED,	/* orig_called */
	ISUP_P_GENERIC_NUMBER,	/* generic_number[], n_generic_number */
	ISUP_P_BCI,		/* bci */
	ISUP_P_OBCI,		/* obci */
	ISUP_P_EVENT,		/* event */
	ISUP_P_CAUSE,		/* cause */
	ISUP_P_CGSMT,		/* cgsmt */
	ISUP_P_RANGE_STATUS,	/* rs */
	ISUP_P_REDIR_INFO,	/* redir_info */
	ISUP_P_USI,		/* usi */
	ISUP_P_ACCESS_TRANSPORT,/* access_transport */
	ISUP_P_ACL,		/* acl */
	ISUP_P_HOP_COUNTER,	/* hop_counter */
	ISUP_P_PCI,		/* pci */
	ISUP_P_SUSRES,		/* susres */
	_NUM_ISUP_P
};

#define ISUP_HAS(msg, bit)	(((msg)->present >> (bit)) & 1)
#define ISUP_SET(msg, bit)	((msg)->present |= (1ULL << (bit)))
#define ISUP_CLEAR(msg, bit)	((msg)->present &= ~(1ULL << (bit)))

/* Bounds. A decoder input beyond them is reported as an error, never truncated. */
#define ISUP_MAX_DIGITS		32	/* address signals in one number parameter */
#define ISUP_MAX_DIAG		32	/* cause diagnostic octets */
#define ISUP_MAX_GENERIC_NUMBERS 4	/* repetitions of the generic number parameter */
#define ISUP_MAX_UNKNOWN	16	/* unrecognised optional parameters kept */
#define ISUP_MAX_OPT		32	/* optional parameters in one message */
#define ISUP_MAX_PCI		16	/* entries of parameter compatibility information */
#define ISUP_MAX_RANGE		31	/* Q.764 2.8.2: a circuit group is at most 32 circuits */

/* Address signals are ASCII: '0'..'9' for digits 0-9 and 'A'..'F' for the codes
 * 1010..1111 (Q.763 3.9 f): 'B' = code 11, 'C' = code 12, 'F' = ST, end of
 * pulsing). Encoding also accepts 'a'..'f'. Odd/even is derived from the digit
 * count on encode; on decode it is reported in .odd. */
struct isup_number {
	uint8_t nai;		/* nature of address indicator, 7 bits (ISUP_NAI_*) */
	uint8_t npi;		/* numbering plan indicator, 3 bits (1 = E.164) */
	uint8_t inn;		/* called/redirection number: internal network number ind. */
	uint8_t ni;		/* calling/generic number: number incomplete indicator */
	uint8_t pres;		/* address presentation restricted indicator, 2 bits */
	uint8_t screen;		/* screening indicator, 2 bits */
	uint8_t nqi;		/* generic number only: number qualifier indicator */
	bool odd;		/* decode only: odd number of address signals */
	char digits[ISUP_MAX_DIGITS + 1];
};

enum isup_nai {
	ISUP_NAI_SUBSCRIBER = 1,
	ISUP_NAI_UNKNOWN = 2,
	ISUP_NAI_NATIONAL = 3,
	ISUP_NAI_INTERNATIONAL = 4,
};

enum isup_pres {
	ISUP_PRES_ALLOWED = 0,
	ISUP_PRES_RESTRICTED = 1,
	ISUP_PRES_NOT_AVAILABLE = 2,
};

/* Q.763 3.35 nature of connection indicators */
struct isup_nci {
	uint8_t satellite;	/* bits BA */
	uint8_t cont_check;	/* bits DC */
	uint8_t echo_dev;	/* bit E */
};

/* Q.763 3.23 forward call indicators */
struct isup_fci {
	uint8_t intl;		/* A: 1 = international call */
	uint8_t e2e_method;	/* CB */
	uint8_t interworking;	/* D */
	uint8_t e2e_info;	/* E */
	uint8_t isup_used;	/* F: ISDN user part used all the way */
	uint8_t isup_pref;	/* HG: 0 preferred, 1 not required, 2 required */
	uint8_t isdn_access;	/* I: 1 = originating access ISDN */
	uint8_t sccp_method;	/* KJ */
	uint8_t natl;		/* P-L: ported number / query on release / national use */
};

/* Q.763 3.5 backward call indicators */
struct isup_bci {
	uint8_t charge;		/* BA: 0 no indication, 1 no charge, 2 charge */
	uint8_t called_status;	/* DC: 1 subscriber free */
	uint8_t called_category;/* FE: 1 ordinary subscriber, 2 payphone */
	uint8_t e2e_method;	/* HG */
	uint8_t interworking;	/* I */
	uint8_t e2e_info;	/* J */
	uint8_t isup_used;	/* K */
	uint8_t holding;	/* L */
	uint8_t isdn_access;	/* M */
	uint8_t echo_dev;	/* N */
	uint8_t sccp_method;	/* PO */
};

/* Q.763 3.37 optional backward call indicators */
struct isup_obci {
	uint8_t inband;		/* A: in-band information available */
	uint8_t diversion;	/* B: call diversion may occur */
	uint8_t segmentation;	/* C */
	uint8_t mlpp_user;	/* D */
	uint8_t natl;		/* H-E: national use */
};

/* Q.763 3.21 event information */
enum isup_event {
	ISUP_EVENT_ALERTING = 1,
	ISUP_EVENT_PROGRESS = 2,
	ISUP_EVENT_INBAND = 3,
	ISUP_EVENT_FWD_ON_BUSY = 4,
	ISUP_EVENT_FWD_ON_NO_REPLY = 5,
	ISUP_EVENT_FWD_UNCONDITIONAL = 6,
};

struct isup_event_info {
	uint8_t event;		/* G-A, enum isup_event */
	uint8_t pres_restricted;/* H */
};

/* Q.763 3.12 cause indicators (cause values per Q.850) */
enum isup_cause_loc {
	ISUP_LOC_USER = 0,
	ISUP_LOC_PRIV_LOCAL = 1,	/* LPN */
	ISUP_LOC_PUB_LOCAL = 2,		/* LN */
	ISUP_LOC_TRANSIT = 3,		/* TN */
	ISUP_LOC_PUB_REMOTE = 4,	/* RLN */
	ISUP_LOC_PRIV_REMOTE = 5,	/* RPN */
	ISUP_LOC_INTERNATIONAL = 7,	/* INTL */
	ISUP_LOC_BEYOND_IWP = 10,	/* BI */
};

struct isup_cause {
	uint8_t location;	/* enum isup_cause_loc, 4 bits */
	uint8_t coding;		/* coding standard, 2 bits (0 = ITU-T) */
	bool has_recommendation;/* octet 1a present */
	uint8_t recommendation;	/* 7 bits */
	uint8_t value;		/* Q.850 cause value, 7 bits */
	uint8_t diag_len;
	uint8_t diag[ISUP_MAX_DIAG];
};

/* Q.763 3.13 circuit group supervision message type indicator */
enum isup_cgsmt {
	ISUP_CGSMT_MAINTENANCE = 0,
	ISUP_CGSMT_HW_FAILURE = 1,
};

/* Q.763 3.43 range and status. The status field carries range+1 bits; bit i
 * of .status stands for circuit cic+i (first octet = bits 0..7). */
struct isup_range_status {
	uint8_t range;		/* number of circuits affected minus one, 1..31 */
	bool has_status;	/* false in GRS */
	uint32_t status;
};

/* Q.763 3.45 redirection information */
struct isup_redir_info {
	uint8_t indicator;	/* CBA redirecting indicator */
	uint8_t orig_reason;	/* HGFE original redirection reason */
	uint8_t counter;	/* KJI redirection counter */
	uint8_t reason;		/* PONM redirecting reason */
};

/* Opaque octets (user service information, access transport). On decode
 * data points into a copy owned by the message. */
struct isup_octets {
	uint8_t len;
	const uint8_t *data;
};

/* Q.763 3.41 parameter compatibility information: one entry per parameter. */
enum isup_pci_bits {
	ISUP_PCI_END_NODE = 0x01,	/* A: 1 = end node interpretation */
	ISUP_PCI_RELEASE_CALL = 0x02,	/* B */
	ISUP_PCI_SEND_NOTIFY = 0x04,	/* C */
	ISUP_PCI_DISCARD_MSG = 0x08,	/* D */
	ISUP_PCI_DISCARD_PARAM = 0x10,	/* E */
	/* GF: pass on not possible indicator, 2 bits at shift 5 */
};
#define ISUP_PCI_PASS_ON_NP(instr)	(((instr) >> 5) & 3)

struct isup_pci_entry {
	uint8_t param;		/* upgraded parameter name */
	uint8_t instr;		/* first instruction octet without extension bit */
	uint8_t n_more;		/* further instruction octets (kept, not interpreted) */
	uint8_t more[2];
};

struct isup_pci {
	uint8_t n;
	struct isup_pci_entry e[ISUP_MAX_PCI];
};

/* An unrecognised optional parameter, kept verbatim. */
struct isup_unknown_param {
	uint8_t code;
	uint8_t len;
	const uint8_t *data;	/* owned by the message on decode */
};

/* A decoded or to-be-encoded ISUP message. Allocate with isup_msg_alloc() or
 * isup_decode(); everything it points to is a talloc child of it. */
struct isup_msg {
	uint16_t cic;		/* 12 bits */
	uint8_t type;		/* enum isup_msg_type */
	uint64_t present;	/* bit set of enum isup_par_bit */

	struct isup_nci nci;
	struct isup_fci fci;
	uint8_t cpc;		/* calling party's category (10 = ordinary subscriber) */
	uint8_t tmr;		/* transmission medium requirement (0 speech, 3 3.1 kHz) */
	struct isup_number called;
	struct isup_number subsequent;	/* only digits and odd are used */
	struct isup_number calling;
	struct isup_number connected;
	struct isup_number redirecting;
	struct isup_number orig_called;
	uint8_t n_generic_number;
	struct isup_number generic_number[ISUP_MAX_GENERIC_NUMBERS];
	struct isup_bci bci;
	struct isup_obci obci;
	struct isup_event_info event;
	struct isup_cause cause;
	uint8_t cgsmt;		/* enum isup_cgsmt in bits BA, spare bits kept */
	struct isup_range_status rs;
	struct isup_redir_info redir_info;
	struct isup_octets usi;
	struct isup_octets access_transport;
	uint8_t acl;		/* automatic congestion level: 1 or 2 */
	uint8_t hop_counter;	/* 5 bits */
	uint8_t susres;		/* suspend/resume indicators: 0 ISDN subscriber, 1 network */
	struct isup_pci pci;

	uint8_t n_unknown;
	struct isup_unknown_param unknown[ISUP_MAX_UNKNOWN];

	/* Order in which optional parameters were received, so that an unmodified
	 * message re-encodes in the same order. Parameters present but not listed
	 * are encoded after the listed ones. Clear n_opt_order to use the default. */
	uint8_t n_opt_order;
	uint8_t opt_order[ISUP_MAX_OPT];

	/* Message types without a format table (isup_msg_type_known() false):
	 * every octet after the message type, re-encoded byte-exact. */
	size_t raw_len;
	const uint8_t *raw;
};

/* Which part of the input a decoder refused, and why. msg_type and cic let
 * the caller still answer a refused message that frees resources (a REL
 * is answered with RLC whatever its contents; Q.764 2.9.5). */
struct isup_err {
	int cic;		/* CIC of the refused message, -1 if too short to carry one */
	uint8_t msg_type;	/* 0 if too short to carry one */
	int param;		/* parameter name code, or -1 when not parameter-specific */
	const char *param_name;	/* "" when not parameter-specific */
	size_t offset;		/* octet offset in the message */
	const char *reason;	/* static string */
};

/* Decode buf into a new message allocated under ctx. Returns 0, -EINVAL
 * (malformed, err filled if given) or -ENOMEM. Never reads outside buf. */
int isup_decode(void *ctx, const uint8_t *buf, size_t len, struct isup_msg **out,
		struct isup_err *err);

/* Encode msg into buf. Returns the length, -ENOSPC (buf too short) or -EINVAL
 * (a field out of range, a mandatory parameter absent, bad digits). Present
 * parameters that the message format has no room for (any parameter outside
 * the mandatory ones of a message without optional part) are not sent. */
int isup_encode(const struct isup_msg *msg, uint8_t *buf, size_t buf_len);

/* True if the type has a format table (is decoded into typed fields). */
bool isup_msg_type_known(uint8_t type);

/* Convenience constructors; all return NULL on allocation failure or bad arguments. */
struct isup_msg *isup_msg_alloc(void *ctx, uint8_t type, uint16_t cic);
/* IAM with NCI 0, FCI national/ISUP used/preferred/ISDN access, the given
 * category and medium; calling may be NULL. */
struct isup_msg *isup_msg_iam(void *ctx, uint16_t cic, const struct isup_number *called,
			      const struct isup_number *calling, uint8_t cpc, uint8_t tmr);
/* ACM/CON with the given indicators, or NULL for: charge, subscriber free,
 * ordinary subscriber, ISUP used, ISDN access. */
struct isup_msg *isup_msg_acm(void *ctx, uint16_t cic, const struct isup_bci *bci);
struct isup_msg *isup_msg_con(void *ctx, uint16_t cic, const struct isup_bci *bci);
struct isup_msg *isup_msg_cpg(void *ctx, uint16_t cic, uint8_t event);
struct isup_msg *isup_msg_anm(void *ctx, uint16_t cic);
/* REL and CFN carry the cause (ITU-T coding) */
struct isup_msg *isup_msg_rel(void *ctx, uint16_t cic, uint8_t cause, uint8_t location);
struct isup_msg *isup_msg_cfn(void *ctx, uint16_t cic, uint8_t cause, uint8_t location);
/* RLC, RSC, BLO, BLA, UBL, UBA, UCIC, UPT, UPA: no parameters */
struct isup_msg *isup_msg_simple(void *ctx, uint8_t type, uint16_t cic);
struct isup_msg *isup_msg_grs(void *ctx, uint16_t cic, uint8_t range);
struct isup_msg *isup_msg_gra(void *ctx, uint16_t cic, uint8_t range, uint32_t status);
/* CGB, CGBA, CGU, CGUA */
struct isup_msg *isup_msg_cg(void *ctx, uint8_t type, uint16_t cic, uint8_t cgsmt,
			     uint8_t range, uint32_t status);

/* Cause helpers */
void isup_cause_set(struct isup_cause *c, uint8_t value, uint8_t location);

/* Q.764 2.9.5.3: what to do with an optional parameter this exchange does not
 * recognise, from the parameter compatibility information of msg. */
enum isup_node_role {
	ISUP_NODE_END,			/* this exchange terminates the call here */
	ISUP_NODE_TRANSIT,		/* intermediate exchange able to pass the parameter on */
	ISUP_NODE_TRANSIT_NO_PASS,	/* intermediate exchange that cannot pass it on */
};

enum isup_unrec_action {
	ISUP_UNREC_PASS_ON,		/* transfer the parameter unchanged */
	ISUP_UNREC_DISCARD_PARAM,	/* drop the parameter, process the message */
	ISUP_UNREC_DISCARD_MSG,		/* drop the whole message */
	ISUP_UNREC_RELEASE_CALL,	/* release the call, cause 99 */
};

/* *notify is set when a notification (CFN, or cause 99 diagnostics in REL)
 * must be sent. Without an entry for param the Q.764 2.9.5.3.3 default
 * applies: pass on at a transit node, otherwise discard and notify. */
enum isup_unrec_action isup_unrec_param_action(const struct isup_msg *msg, uint8_t param,
					       enum isup_node_role role, bool *notify);

/* Digits: convert between ASCII and packed BCD (Q.763 3.9 f). Return the
 * number of digits or -EINVAL (bad character, more than ISUP_MAX_DIGITS). */
int isup_digits_decode(char *out, size_t out_size, const uint8_t *bcd, size_t len, bool odd);
int isup_digits_encode(uint8_t *bcd, size_t bcd_size, const char *digits, bool *odd);
int isup_number_set(struct isup_number *n, uint8_t nai, const char *digits);

/* Names (isup_names.c) */
const char *isup_msg_type_name(uint8_t type);
const char *isup_param_name(uint8_t code);
const char *isup_cause_name(uint8_t cause);
const char *isup_cause_loc_name(uint8_t loc);
const char *isup_event_name(uint8_t event);
const char *isup_unrec_action_name(enum isup_unrec_action a);
/* One-line summary for logs: "REL cic=17 cause=16(Normal call clearing) loc=LN".
 * Truncated to size; returns buf. */
char *isup_msg_str(char *buf, size_t size, const struct isup_msg *m);
