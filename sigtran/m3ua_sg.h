/* m3ua_sg.h - minimal M3UA Signalling Gateway Process, SGP side (RFC 4666 4.3, 4.5) for simulators/tests */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "sigtran/m3ua.h"
#include "sigtran/m3ua_transport.h"
#include "sigtran/mtp_user.h"

struct m3ua_sg;
struct rate_ctr_group;

#define M3UA_SG_MAX_CONNS_DEFAULT	8
#define M3UA_SG_UNAVAIL_MAX		64	/* point codes the SG remembers as unavailable (DAUD) */

/* State of one ASP as the SGP sees it (RFC 4666 4.3.1). */
enum m3ua_sg_asp_state {
	M3UA_SG_ASP_DOWN,
	M3UA_SG_ASP_INACTIVE,
	M3UA_SG_ASP_ACTIVE,
};

enum m3ua_sg_ctr {
	M3UA_SG_CTR_ACCEPTED,		/* associations accepted */
	M3UA_SG_CTR_REFUSED,		/* associations refused: connection limit */
	M3UA_SG_CTR_RX_MSG,		/* messages received */
	M3UA_SG_CTR_RX_MALFORMED,	/* messages failing decode */
	M3UA_SG_CTR_RX_ERR,		/* ERR received */
	M3UA_SG_CTR_TX_ERR,		/* ERR sent */
	M3UA_SG_CTR_RX_DATA,		/* DATA delivered to the user */
	M3UA_SG_CTR_TX_DATA,		/* DATA sent */
	M3UA_SG_CTR_RX_BEAT,		/* BEAT received */
	M3UA_SG_CTR_BEAT_IGNORED,	/* BEAT left unanswered (fault injection) */
	M3UA_SG_CTR_RX_DAUD,		/* DAUD received */
	M3UA_SG_CTR_TX_SSNM,		/* DUNA/DAVA/SCON/DUPU/DRST sent */
	M3UA_SG_CTR_TX_QUEUE_FULL,	/* sends refused, queue full */
	M3UA_SG_CTR_BAD_FRAME,		/* associations closed for framing errors */
	_NUM_M3UA_SG_CTR
};

struct m3ua_sg_cfg {
	enum m3ua_transport_proto proto;
	char ip[64];			/* listen address */
	uint16_t port;			/* 0: pick a free port, see m3ua_sg_port() */
	unsigned max_conns;		/* 0: M3UA_SG_MAX_CONNS_DEFAULT */
	unsigned wqueue_max;		/* 0: M3UA_WQUEUE_DEFAULT */
	bool rc_present;		/* the routing context of the one AS it serves */
	uint32_t rc;
};

/* Each message crossing an SG association: tx false = received from the ASP. */
typedef void (*m3ua_sg_trace_cb)(void *priv, unsigned conn_id, bool tx, const uint8_t *buf, size_t len);

void m3ua_sg_cfg_init(struct m3ua_sg_cfg *cfg);
/* Listen and serve; DATA from ASPs goes to ops->transfer_ind. -EPROTONOSUPPORT without kernel SCTP. */
int m3ua_sg_start(struct m3ua_sg **out, void *ctx, const struct m3ua_sg_cfg *cfg,
		  const struct mtp_user_ops *ops, void *priv);
void m3ua_sg_free(struct m3ua_sg *sg);
uint16_t m3ua_sg_port(const struct m3ua_sg *sg);

/* Associations carry ids 1, 2, ... in accept order. Fills ids[] (up to max), returns the count. */
unsigned m3ua_sg_conn_ids(const struct m3ua_sg *sg, unsigned *ids, unsigned max);
/* ASP state of an association, -ENOENT when the id is unknown. */
int m3ua_sg_conn_state(const struct m3ua_sg *sg, unsigned conn_id);
/* Number of associations whose ASP is ACTIVE. */
unsigned m3ua_sg_num_active(const struct m3ua_sg *sg);

/* DATA to an ACTIVE ASP (several: chosen by SLS). -ENOTCONN, -ENOSPC. */
int m3ua_sg_transfer(struct m3ua_sg *sg, const struct mtp_transfer *xfer);
/* DATA on one given association. */
int m3ua_sg_transfer_on(struct m3ua_sg *sg, unsigned conn_id, const struct mtp_transfer *xfer);
/* DUNA/DAVA/SCON/DUPU/DRST for pcs[] (each mask<<24 | pc) to conn_id, or to every ASP that is up
 * when conn_id is 0. arg: SCON congestion level; DUPU cause<<16 | user. DUNA/DAVA also update what
 * the SG answers to DAUD. Returns the number of associations sent to. */
int m3ua_sg_send_ssnm(struct m3ua_sg *sg, unsigned conn_id, enum m3ua_ssnm_type type,
		      const uint32_t *pcs, unsigned n, uint32_t arg);
/* Arbitrary bytes as one message (fault injection). */
int m3ua_sg_send_raw(struct m3ua_sg *sg, unsigned conn_id, const uint8_t *buf, size_t len);
/* Close one association (abort from the SG side). */
int m3ua_sg_close_conn(struct m3ua_sg *sg, unsigned conn_id);
/* Fault injection: stop (false) or resume (true) answering BEAT. */
void m3ua_sg_set_beat_answer(struct m3ua_sg *sg, bool answer);
void m3ua_sg_set_trace(struct m3ua_sg *sg, m3ua_sg_trace_cb cb, void *priv);

struct rate_ctr_group *m3ua_sg_ctrg(struct m3ua_sg *sg);
uint64_t m3ua_sg_ctr(const struct m3ua_sg *sg, enum m3ua_sg_ctr ctr);
