/* m3ua_as.h - M3UA Application Server: ASPs towards several SGPs, destinations (RFC 4666 4.3.2, 4.5) */
#pragma once
#include <stdint.h>
#include <stdbool.h>

#include "sigtran/m3ua.h"
#include "sigtran/mtp_user.h"

struct m3ua_as;
struct m3ua_asp;
struct rate_ctr_group;

#define M3UA_AS_MAX_ASP		8	/* SG connections per AS */
#define M3UA_AS_DESTS_DEFAULT	64	/* destination table bound */

/* Counters of the per-AS rate_ctr_group, index order. */
enum m3ua_as_ctr {
	M3UA_AS_CTR_TX_DATA,		/* DATA handed to an ASP */
	M3UA_AS_CTR_TX_NO_ACTIVE,	/* refused: no ASP active */
	M3UA_AS_CTR_TX_QUEUE_FULL,	/* refused: the chosen ASP's queue was full */
	M3UA_AS_CTR_RX_DATA,		/* DATA delivered to the user */
	M3UA_AS_CTR_RX_BAD_RC,		/* DATA/SSNM with a routing context not ours */
	M3UA_AS_CTR_RX_BAD_NA,		/* DATA/SSNM with a network appearance not ours */
	M3UA_AS_CTR_RX_DUNA, M3UA_AS_CTR_RX_DAVA, M3UA_AS_CTR_RX_SCON,
	M3UA_AS_CTR_RX_DUPU, M3UA_AS_CTR_RX_DRST,
	M3UA_AS_CTR_TX_DAUD,
	M3UA_AS_CTR_DEST_TABLE_FULL,	/* a destination could not be recorded */
	M3UA_AS_CTR_RX_DATA_SI0,	/* ... one counter per SI 0..15 follows */
	_NUM_M3UA_AS_CTR = M3UA_AS_CTR_RX_DATA_SI0 + 16
};

struct m3ua_as_cfg {
	char name[32];
	enum m3ua_traffic_mode mode;	/* override or loadshare */
	bool rc_present;
	uint32_t rc;
	bool na_present;
	uint32_t na;
	unsigned max_dests;		/* 0: M3UA_AS_DESTS_DEFAULT */
};

/* Destination availability as the AS sees it (RFC 4666 4.5). */
enum m3ua_dest_state {
	M3UA_DEST_UNKNOWN = -1,		/* not in the table */
	M3UA_DEST_AVAILABLE = 0,
	M3UA_DEST_UNAVAILABLE,		/* DUNA */
	M3UA_DEST_CONGESTED,		/* SCON with level > 0 */
	M3UA_DEST_RESTRICTED,		/* DRST */
};

void m3ua_as_cfg_init(struct m3ua_as_cfg *cfg, const char *name);
struct m3ua_as *m3ua_as_alloc(void *ctx, const struct m3ua_as_cfg *cfg,
			      const struct mtp_user_ops *ops, void *priv);
/* Bind the MTP user (an AS made from the config gets its user later). */
void m3ua_as_set_user(struct m3ua_as *as, const struct mtp_user_ops *ops, void *priv);
/* Frees the AS and every ASP it holds. */
void m3ua_as_free(struct m3ua_as *as);
/* Attach an ASP (one AS per ASP). -ENOSPC beyond M3UA_AS_MAX_ASP, -EBUSY if already attached. */
int m3ua_as_add_asp(struct m3ua_as *as, struct m3ua_asp *asp);
struct m3ua_asp *m3ua_as_asp(const struct m3ua_as *as, unsigned idx);	/* NULL past the end */
unsigned m3ua_as_num_asp(const struct m3ua_as *as);
/* Start every ASP of the AS. */
int m3ua_as_start(struct m3ua_as *as);

/* MTP-TRANSFER request: an ACTIVE ASP (override: the first active; loadshare: by SLS).
 * -ENOTCONN when none is active, -ENOSPC when its send queue is full, -EMSGSIZE too long. */
int m3ua_as_transfer(struct m3ua_as *as, const struct mtp_transfer *xfer);

/* Make a DPC known (available until told otherwise): from now on it gets pause/resume
 * indications; its state at the time of the call is not indicated, read it with
 * m3ua_as_dest_reachable(). -ENOSPC when the table is full (counted). */
int m3ua_as_dest_add(struct m3ua_as *as, uint32_t dpc);
enum m3ua_dest_state m3ua_as_dest_state(const struct m3ua_as *as, uint32_t dpc);
/* True when the DPC is reachable: some ASP active and the destination not unavailable. */
bool m3ua_as_dest_reachable(const struct m3ua_as *as, uint32_t dpc);
unsigned m3ua_as_num_dests(const struct m3ua_as *as);
bool m3ua_as_is_active(const struct m3ua_as *as);

const struct m3ua_as_cfg *m3ua_as_cfg(const struct m3ua_as *as);
struct m3ua_as_cfg *m3ua_as_cfg_rw(struct m3ua_as *as);
const char *m3ua_as_name(const struct m3ua_as *as);
struct rate_ctr_group *m3ua_as_ctrg(struct m3ua_as *as);
uint64_t m3ua_as_ctr(const struct m3ua_as *as, enum m3ua_as_ctr ctr);
