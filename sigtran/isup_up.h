/* isup_up.h - ISUP user part: MTP-TRANSFER in, decode, dispatch by (OPC, CIC); send path (Q.764 2.9.5) */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct isup_up;
struct cic_user_ops;
struct mtp_transfer;
struct mtp_user_ops;
struct rate_ctr_group;

/* The MTP below: one MTP-TRANSFER request. Returns 0, or a negative errno (-ENOTCONN: no route,
 * -ENOSPC: send queue full). xfer->data is valid during the call only. */
struct isup_up_mtp_ops {
	int (*transfer_req)(void *priv, const struct mtp_transfer *xfer);
};

enum isup_up_ctr {
	ISUP_UP_CTR_RX_MSG,		/* MTP-TRANSFER indications with SI=5 */
	ISUP_UP_CTR_RX_NOT_ISUP,	/* other service indicators, discarded */
	ISUP_UP_CTR_RX_MALFORMED,	/* refused by the decoder (Q.764 2.9.5.2: discarded) */
	ISUP_UP_CTR_RX_UNRECOGNISED,	/* unknown message type (Q.764 2.9.5.3.2) */
	ISUP_UP_CTR_RX_UNEQUIPPED,	/* CIC not configured: UCIC sent */
	ISUP_UP_CTR_TX_MSG,
	ISUP_UP_CTR_TX_FAILED,
	ISUP_UP_CTR_CFN_OUT,
};

/* opc: our point code; ni: network indicator for sent messages (enum mtp3_ni). */
struct isup_up *isup_up_alloc(void *ctx, uint32_t opc, uint8_t ni,
			      const struct isup_up_mtp_ops *mtp, void *mtp_priv);
void isup_up_free(struct isup_up *up);
/* A daemon makes the user part before it reads its config (the circuit-group nodes need it)
 * and before its M3UA AS exists: it sets these before the first message. -EINVAL. */
int isup_up_set_opc(struct isup_up *up, uint32_t opc, uint8_t ni);
int isup_up_set_mtp(struct isup_up *up, const struct isup_up_mtp_ops *mtp, void *mtp_priv);
void isup_up_set_user(struct isup_up *up, const struct cic_user_ops *ops, void *priv);
uint32_t isup_up_opc(const struct isup_up *up);
struct rate_ctr_group *isup_up_ctrs(struct isup_up *up);

/* MTP service primitives (mtp_user.h). Until the first MTP-RESUME every DPC is paused. */
void isup_up_transfer_ind(struct isup_up *up, const struct mtp_transfer *xfer);
void isup_up_pause(struct isup_up *up, uint32_t dpc);	/* hunting fails, calls are kept */
void isup_up_resume(struct isup_up *up, uint32_t dpc);	/* GRS for groups in doubt or with reset-on-resume */
bool isup_up_dpc_available(struct isup_up *up, uint32_t dpc);

/* The same primitives as struct mtp_user_ops, priv = struct isup_up * (give it to m3ua_as_alloc) */
extern const struct mtp_user_ops isup_up_mtp_user_ops;
/* The MTP below as an M3UA AS: mtp_priv = struct m3ua_as *, sends with m3ua_as_transfer */
extern const struct isup_up_mtp_ops isup_up_m3ua_ops;

/* VTY (cic_vty.c): circuit-group node, show cic, the enable-node cic command. */
void cic_vty_init(struct isup_up *up);
