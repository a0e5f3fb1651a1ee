/* m3ua.h - M3UA message codec (RFC 4666 section 3: common header, parameters, all message classes) */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct msgb;
struct mtp_transfer;

#define M3UA_VERSION		1
#define M3UA_HDR_LEN		8
#define M3UA_MAX_BODY		4096			/* largest body we accept or send */
#define M3UA_MAX_MSG		(M3UA_HDR_LEN + M3UA_MAX_BODY)
#define M3UA_MAX_PARAMS		32			/* parameters kept per decoded message */
#define M3UA_PPID		3			/* SCTP payload protocol identifier */

/* Message classes (RFC 4666 3.1.2) */
enum m3ua_msg_class {
	M3UA_CLS_MGMT	= 0,
	M3UA_CLS_XFER	= 1,
	M3UA_CLS_SSNM	= 2,
	M3UA_CLS_ASPSM	= 3,
	M3UA_CLS_ASPTM	= 4,
	M3UA_CLS_RKM	= 9,
};

/* Message types per class (RFC 4666 3.1.2) */
enum m3ua_mgmt_type { M3UA_MGMT_ERR = 0, M3UA_MGMT_NTFY = 1 };
enum m3ua_xfer_type { M3UA_XFER_DATA = 1 };
enum m3ua_ssnm_type {
	M3UA_SSNM_DUNA = 1, M3UA_SSNM_DAVA = 2, M3UA_SSNM_DAUD = 3,
	M3UA_SSNM_SCON = 4, M3UA_SSNM_DUPU = 5, M3UA_SSNM_DRST = 6,
};
enum m3ua_aspsm_type {
	M3UA_ASPSM_UP = 1, M3UA_ASPSM_DOWN = 2, M3UA_ASPSM_BEAT = 3,
	M3UA_ASPSM_UP_ACK = 4, M3UA_ASPSM_DOWN_ACK = 5, M3UA_ASPSM_BEAT_ACK = 6,
};
enum m3ua_asptm_type {
	M3UA_ASPTM_ACTIVE = 1, M3UA_ASPTM_INACTIVE = 2,
	M3UA_ASPTM_ACTIVE_ACK = 3, M3UA_ASPTM_INACTIVE_ACK = 4,
};
enum m3ua_rkm_type {
	M3UA_RKM_REG_REQ = 1, M3UA_RKM_REG_RSP = 2,
	M3UA_RKM_DEREG_REQ = 3, M3UA_RKM_DEREG_RSP = 4,
};

/* Parameter tags (RFC 4666 3.2) */
enum m3ua_iei {
	M3UA_IEI_INFO_STRING	= 0x0004,
	M3UA_IEI_ROUTE_CTX	= 0x0006,
	M3UA_IEI_DIAG_INFO	= 0x0007,
	M3UA_IEI_HEARTBT_DATA	= 0x0009,
	M3UA_IEI_TRAF_MODE_TYPE	= 0x000b,
	M3UA_IEI_ERR_CODE	= 0x000c,
	M3UA_IEI_STATUS		= 0x000d,
	M3UA_IEI_ASP_ID		= 0x0011,
	M3UA_IEI_AFFECTED_PC	= 0x0012,
	M3UA_IEI_CORR_ID	= 0x0013,
	M3UA_IEI_NET_APPEAR	= 0x0200,
	M3UA_IEI_USER_CAUSE	= 0x0204,
	M3UA_IEI_CONG_IND	= 0x0205,
	M3UA_IEI_CONC_DEST	= 0x0206,
	M3UA_IEI_ROUT_KEY	= 0x0207,
	M3UA_IEI_REG_RESULT	= 0x0208,
	M3UA_IEI_DEREG_RESULT	= 0x0209,
	M3UA_IEI_LOC_RKEY_ID	= 0x020a,
	M3UA_IEI_DEST_PC	= 0x020b,
	M3UA_IEI_SVC_IND	= 0x020c,
	M3UA_IEI_ORIG_PC_LIST	= 0x020e,
	M3UA_IEI_PROT_DATA	= 0x0210,
	M3UA_IEI_REG_STATUS	= 0x0212,
	M3UA_IEI_DEREG_STATUS	= 0x0213,
};

/* Error codes (RFC 4666 3.8.1) */
enum m3ua_err_code {
	M3UA_ERR_NONE			= 0x00,
	M3UA_ERR_INVAL_VERSION		= 0x01,
	M3UA_ERR_UNSUPP_MSG_CLASS	= 0x03,
	M3UA_ERR_UNSUPP_MSG_TYPE	= 0x04,
	M3UA_ERR_UNSUPP_TRAF_MOD_TYP	= 0x05,
	M3UA_ERR_UNEXPECTED_MSG		= 0x06,
	M3UA_ERR_PROTOCOL_ERR		= 0x07,
	M3UA_ERR_INVAL_STREAM_ID	= 0x09,
	M3UA_ERR_REFUSED_MGMT_BLOCKING	= 0x0d,
	M3UA_ERR_ASP_ID_REQD		= 0x0e,
	M3UA_ERR_INVAL_ASP_ID		= 0x0f,
	M3UA_ERR_INVAL_PARAM_VAL	= 0x11,
	M3UA_ERR_PARAM_FIELD_ERR	= 0x12,
	M3UA_ERR_UNEXP_PARAM		= 0x13,
	M3UA_ERR_DEST_STATUS_UNKN	= 0x14,
	M3UA_ERR_INVAL_NET_APPEAR	= 0x15,
	M3UA_ERR_MISSING_PARAM		= 0x16,
	M3UA_ERR_INVAL_ROUT_CTX		= 0x19,
	M3UA_ERR_NO_CONFGD_AS_FOR_ASP	= 0x1a,
};

/* Traffic mode type (RFC 4666 3.8.3 / 3.2 0x000b) */
enum m3ua_traffic_mode {
	M3UA_TMT_OVERRIDE	= 1,
	M3UA_TMT_LOADSHARE	= 2,
	M3UA_TMT_BROADCAST	= 3,
};

/* Notify status type / info (RFC 4666 3.8.2) */
enum m3ua_ntfy_type { M3UA_NTFY_T_STATCHG = 1, M3UA_NTFY_T_OTHER = 2 };
enum m3ua_ntfy_info {
	M3UA_NTFY_I_AS_INACT		= 2,	/* with STATCHG */
	M3UA_NTFY_I_AS_ACT		= 3,
	M3UA_NTFY_I_AS_PEND		= 4,
	M3UA_NTFY_I_INSUFF_ASP_RES	= 1,	/* with OTHER */
	M3UA_NTFY_I_ALT_ASP_ACT		= 2,
	M3UA_NTFY_I_ASP_FAILURE		= 3,
};

/* DUPU cause (RFC 4666 3.4.5) */
enum m3ua_upu_cause { M3UA_UPU_UNKNOWN = 0, M3UA_UPU_UNEQUIPPED = 1, M3UA_UPU_INACCESSIBLE = 2 };

/* One parameter of a decoded message; val points into the decoded buffer. */
struct m3ua_param {
	uint16_t tag;
	uint16_t len;		/* value length, without tag/length and padding */
	const uint8_t *val;
};

/* A decoded message: header fields and the parameters in wire order. */
struct m3ua_msg {
	uint8_t version, msg_class, msg_type;
	uint32_t len;		/* from the common header */
	unsigned num_params;
	struct m3ua_param params[M3UA_MAX_PARAMS];
};

/* Why a decode failed: the error code to send in an ERR, and the part that was bad. */
struct m3ua_decode_err {
	enum m3ua_err_code code;
	const char *what;	/* static text naming the bad part */
	uint16_t tag;		/* the parameter at fault, 0 if none */
	uint32_t offset;	/* offset of the bad part in the message */
};

/* Decode and validate one message (header, every parameter, what the message type requires).
 * Returns 0, or -EBADMSG with *err filled. msg->params point into buf. */
int m3ua_decode(struct m3ua_msg *msg, const uint8_t *buf, size_t len, struct m3ua_decode_err *err);

/* Validate only the common header of buf[0..7]; returns the total message length, or -EBADMSG. */
int m3ua_hdr_check(const uint8_t *hdr, size_t max_len, struct m3ua_decode_err *err);

/* Parameter access on a decoded message. */
const struct m3ua_param *m3ua_msg_find(const struct m3ua_msg *msg, uint16_t tag);
/* Reads the first 32-bit word of a parameter; -ENOENT when absent. */
int m3ua_msg_get_u32(const struct m3ua_msg *msg, uint16_t tag, uint32_t *val);
/* Protocol Data (RFC 4666 3.3.1) into xfer; data points into the message; -ENOENT when absent. */
int m3ua_msg_get_pdata(const struct m3ua_msg *msg, struct mtp_transfer *xfer);
/* Affected point codes: number of entries, each mask<<24 | pc. */
int m3ua_msg_get_apc(const struct m3ua_msg *msg, uint32_t *out, unsigned max);

/* Encoding: a msgb holding the header, parameters appended in order, length fixed at the end. */
struct msgb *m3ua_msgb_alloc(uint8_t msg_class, uint8_t msg_type);
int m3ua_msgb_put(struct msgb *msg, uint16_t tag, uint16_t len, const void *val);
int m3ua_msgb_put_u32(struct msgb *msg, uint16_t tag, uint32_t val);
int m3ua_msgb_put_pdata(struct msgb *msg, const struct mtp_transfer *xfer);
/* Writes the header length; -EMSGSIZE beyond M3UA_MAX_MSG. */
int m3ua_msgb_finish(struct msgb *msg);

/* Convenience builders used by ASP and SG (msgb owned by the caller; NULL on -ENOMEM). */
struct msgb *m3ua_build_err(uint32_t code, const uint8_t *diag, size_t diag_len);
struct msgb *m3ua_build_ntfy(uint16_t type, uint16_t info, const uint32_t *rc);
struct msgb *m3ua_build_data(const struct mtp_transfer *xfer, const uint32_t *rc, const uint32_t *na);

/* Names for logs. */
const char *m3ua_msg_name(uint8_t msg_class, uint8_t msg_type);
const char *m3ua_err_name(uint32_t code);
